package lab

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"crdtviz/crdt"
	"crdtviz/replicas"
)

// The subreaper tests run a lane in a child process of the test (this
// binary again, as the driver): once crdtviz is a child subreaper, every
// child of it that is not a node is taken for one a node left behind, and
// the test binary has other children (go build).

const driverEnv = "CRDTVIZ_LAB_DRIVER"

// driving reports whether this test binary runs as the driver.
func driving() bool { return os.Getenv(driverEnv) != "" }

// driveLane is the driver: it becomes a subreaper, starts a lane of
// counter nodes whose every node starts a sleeper in a session of its own
// (setsid), writes the nodes' pids to the file named by its argument, and
// then either closes the lane and exits ("close") or waits to be killed
// ("wait").
func driveLane() {
	mode, pidFile := os.Getenv(driverEnv), os.Getenv("CRDTVIZ_LAB_PIDS")
	os.Unsetenv(driverEnv) // the nodes are nodes
	if err := Subreaper(); err != nil {
		fmt.Fprintln(os.Stderr, "subreaper:", err)
		os.Exit(1)
	}
	opt := Defaults
	opt.LogDir = filepath.Dir(pidFile)
	opt.RPCTimeout = 5 * time.Second
	l, err := New(gCounter, []string{"Alice", "Bob"}, []string{os.Args[0]}, opt)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := l.Start(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	l.Apply(replicas.Edit{Replica: "Alice", Op: crdt.Op{Kind: crdt.OpInc, N: 1}})
	var pids []string
	for _, nd := range l.nodes {
		pids = append(pids, strconv.Itoa(nd.p.cmd.Process.Pid))
	}
	os.WriteFile(pidFile+".tmp", []byte(strings.Join(pids, " ")), 0o644)
	os.Rename(pidFile+".tmp", pidFile)
	if mode == "close" {
		l.Close()
		return
	}
	time.Sleep(time.Minute)
}

// alive reports whether a process runs: it exists and is not a zombie.
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(f) > 0 && f[0] != "Z" && f[0] != "X"
}

// drive starts the driver and waits for its nodes' pids and their
// sleepers' pids.
func drive(t *testing.T, mode string) (*exec.Cmd, []int, []int) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "pids")
	sleepers := filepath.Join(dir, "sleeper")
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), driverEnv+"="+mode, "CRDTVIZ_LAB_PIDS="+pidFile,
		nodeEnv+"=counter,setsid="+sleepers+"-"+"%s")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var nodes []int
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(pidFile); err == nil {
			for _, f := range strings.Fields(string(b)) {
				n, _ := strconv.Atoi(f)
				nodes = append(nodes, n)
			}
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(nodes) != 2 {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("the driver wrote no pids")
	}
	matches, _ := filepath.Glob(sleepers + "-*")
	var sl []int
	for _, m := range matches {
		b, _ := os.ReadFile(m)
		n, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		if n > 0 {
			sl = append(sl, n)
		}
	}
	return cmd, nodes, sl
}

func gone(pids []int, within time.Duration) []int {
	deadline := time.Now().Add(within)
	for {
		var left []int
		for _, p := range pids {
			if alive(p) {
				left = append(left, p)
			}
		}
		if len(left) == 0 || time.Now().After(deadline) {
			return left
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestSubreaperKillsWhatNodesStart: a node that starts a process in a
// session of its own (setsid: out of its process group) leaves it to
// crdtviz, its subreaper, and Close kills it too.
func TestSubreaperKillsWhatNodesStart(t *testing.T) {
	cmd, nodes, sleepers := drive(t, "close")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("driver: %v", err)
	}
	if len(sleepers) != 2 {
		t.Fatalf("sleepers: %v", sleepers)
	}
	if left := gone(append(nodes, sleepers...), 5*time.Second); len(left) > 0 {
		for _, p := range left {
			syscall.Kill(p, syscall.SIGKILL)
		}
		t.Fatalf("still running after Close: %v (nodes %v, sleepers %v)", left, nodes, sleepers)
	}
}

// TestSIGKILLKillsNodes: when crdtviz itself is killed with SIGKILL, the
// kernel kills every node (the parent-death signal). What a node started
// is not killed (docs/lab.md says so); the test cleans it up.
func TestSIGKILLKillsNodes(t *testing.T) {
	cmd, nodes, sleepers := drive(t, "wait")
	defer func() {
		for _, p := range sleepers {
			syscall.Kill(p, syscall.SIGKILL)
		}
	}()
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if left := gone(nodes, 5*time.Second); len(left) > 0 {
		for _, p := range left {
			syscall.Kill(p, syscall.SIGKILL)
		}
		t.Fatalf("nodes still running after SIGKILL of their parent: %v", left)
	}
}
