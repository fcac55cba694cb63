package lab

import (
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"
)

// setParentDeath asks Linux to kill the node if crdtviz dies without
// cleaning up (SIGKILL, a crash in the runtime): no node outlives the
// process that started it. What the node started does not get the
// signal (the kernel clears it in every child), so it survives a SIGKILL
// of crdtviz.
func setParentDeath(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGKILL }

// reaping is set once crdtviz is a child subreaper.
var reaping atomic.Bool

// Subreaper makes crdtviz the reaper of everything its nodes start
// (Linux's PR_SET_CHILD_SUBREAPER): a process whose parent dies is handed
// to crdtviz instead of to init, so that crdtviz can find it and kill it
// when it stops the nodes, even one that left the node's process group
// (setsid, a daemon). Call it only in a process whose every other child
// is a node: once it is set, a child crdtviz did not start as a node is
// taken for one the nodes left behind.
func Subreaper() error {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return err
	}
	reaping.Store(true)
	return nil
}

// killStrays kills and reaps crdtviz's children that are not node
// processes: what the nodes started and left behind, handed to crdtviz as
// their subreaper. It returns how many it found. It does nothing unless
// Subreaper was called.
func killStrays() int {
	if !reaping.Load() {
		return 0
	}
	live.Lock()
	defer live.Unlock()
	// A node's pid is its process group's id too (Setpgid).
	nodes := map[int]bool{}
	for p := range live.procs {
		if p.cmd.Process != nil {
			nodes[p.cmd.Process.Pid] = true
		}
	}
	me := os.Getpid()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	found := 0
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || nodes[pid] {
			continue
		}
		ppid, pgid, ok := procParent(pid)
		if !ok || ppid != me || nodes[pgid] {
			// not crdtviz's, or in the group of a node that still runs:
			// it goes with its node
			continue
		}
		found++
		if pgid > 1 && pgid != me && pgid != syscall.Getpgrp() {
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
		}
		_ = syscall.Kill(pid, syscall.SIGKILL)
		var ws syscall.WaitStatus
		_, _ = syscall.Wait4(pid, &ws, syscall.WNOHANG, nil)
	}
	return found
}

// procParent reads a process's parent and process group from
// /proc/PID/stat: "pid (comm) state ppid pgrp ...", where comm may hold
// spaces and parentheses.
func procParent(pid int) (ppid, pgid int, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, 0, false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 3 {
		return 0, 0, false
	}
	ppid, err1 := strconv.Atoi(f[1])
	pgid, err2 := strconv.Atoi(f[2])
	return ppid, pgid, err1 == nil && err2 == nil
}
