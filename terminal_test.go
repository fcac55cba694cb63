package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Real-terminal tests: the binary runs in tmux, keys are sent with
// send-keys, and the screen is read with capture-pane, as a person would
// see it. They skip only when tmux is not installed.

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// binary builds crdtviz once for the terminal tests.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "crdtviz-bin-")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "crdtviz")
		if out, err := exec.Command("go", "build", "-o", builtBin, ".").CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

// term is one tmux session on a server of its own.
type tmuxTerm struct {
	t      *testing.T
	socket string
}

// newTerm starts command (a shell line) in a w×h tmux window.
func newTerm(t *testing.T, w, h int, command string) *tmuxTerm {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed")
	}
	tm := &tmuxTerm{t: t, socket: fmt.Sprintf("crdtviz-test-%d-%d", os.Getpid(), time.Now().UnixNano())}
	tm.run("-f", "/dev/null", "new-session", "-d", "-s", "t", "-x", fmt.Sprint(w), "-y", fmt.Sprint(h),
		"env", "TERM=xterm-256color", "HISTFILE=/dev/null", "bash", "--norc", "--noprofile")
	tm.run("set", "-s", "escape-time", "0")
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", tm.socket, "kill-server").Run() })
	if command != "" {
		tm.typeLine(command)
	}
	return tm
}

func (tm *tmuxTerm) run(args ...string) string {
	tm.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", tm.socket}, args...)...).CombinedOutput()
	if err != nil {
		tm.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// keys sends tmux key names (Escape, Down, q, …), one at a time.
func (tm *tmuxTerm) keys(keys ...string) {
	tm.t.Helper()
	for _, k := range keys {
		tm.run("send-keys", "-t", "t", k)
	}
}

// typeLine types a shell line and presses Enter.
func (tm *tmuxTerm) typeLine(line string) {
	tm.t.Helper()
	tm.run("send-keys", "-t", "t", "-l", line)
	tm.run("send-keys", "-t", "t", "Enter")
}

func (tm *tmuxTerm) screen() string { return tm.run("capture-pane", "-p", "-t", "t") }

// waitFor polls the screen until it holds text (a real terminal redraws
// when it redraws; a deadline, not a sleep, decides).
func (tm *tmuxTerm) waitFor(text string) string {
	tm.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var s string
	for time.Now().Before(deadline) {
		if s = tm.screen(); strings.Contains(s, text) {
			return s
		}
		time.Sleep(50 * time.Millisecond)
	}
	tm.t.Fatalf("the screen never showed %q:\n%s", text, s)
	return ""
}

// The help screen at 80x24 shows every key, scrolling, and closes with esc.
func TestTerminalHelpAt80x24(t *testing.T) {
	tm := newTerm(t, 80, 24, binary(t)+" demo seed --theme mono")
	tm.waitFor("step 0/6")
	tm.keys("?")
	first := tm.waitFor("esc or ? closes")
	if !strings.Contains(first, "↑/↓ scroll") {
		t.Fatalf("the help does not say it scrolls:\n%s", first)
	}
	// Scroll to the end 8 lines at a time, reading every window on the
	// way: each is waited for by the lines its footer names.
	var total int
	if _, err := fmt.Sscanf(first[strings.Index(first, "lines "):], "lines 1-%d of %d", new(int), &total); err != nil {
		t.Fatalf("no line count in the footer: %v\n%s", err, first)
	}
	all, maxOff := first, total-22 // 24 lines less the title and the footer
	for off := 8; off < maxOff+8; off += 8 {
		for range 8 {
			tm.keys("Down")
		}
		all += tm.waitFor(fmt.Sprintf("lines %d-", min(off, maxOff)+1))
	}
	if !strings.Contains(all, "ctrl+c") {
		t.Errorf("help at 80x24 never shows ctrl+c")
	}
	for _, k := range []string{"x        drop", "u        duplicate", "N        deliver newest", "D        deliver all", "i        show/hide",
		"v        switch pane", "[        scroll pane up", "]        scroll pane down", ":        command prompt", "?        help", "a        autoplay", "q        quit"} {
		if !strings.Contains(all, k) {
			t.Errorf("help at 80x24 never shows %q", k)
		}
	}
	tm.keys("Escape")
	tm.waitFor("? help • q quit")
}

// q in free play with work asks first; a second q quits.
func TestTerminalQuitConfirmation(t *testing.T) {
	tm := newTerm(t, 80, 24, binary(t)+" play --type or-set --theme mono; echo EXITED $?")
	tm.waitFor("Free play: or-set")
	tm.keys("c", "2")
	tm.waitFor("Alice ╳ Bob")
	tm.keys("q")
	s := tm.waitFor("press q again to quit (1 action will be lost; :w FILE saves them)")
	if strings.Contains(s, "EXITED") {
		t.Fatal("the first q quit")
	}
	tm.keys("q")
	tm.waitFor("EXITED 0")
}

// esc keeps your place: the menu's first item resumes the demo.
func TestTerminalMenuResume(t *testing.T) {
	tm := newTerm(t, 80, 24, binary(t)+" --theme mono")
	tm.waitFor("pick a demo")
	tm.keys("v") // not a quit key
	tm.keys("Enter")
	tm.waitFor("step 0/6")
	tm.keys("Right", "Right")
	tm.waitFor("step 2/6")
	tm.keys("Escape")
	tm.waitFor("Resume: Three servers, one movie (step 2/6)")
	tm.keys("Enter")
	tm.waitFor("step 2/6")
}

// After SIGTSTP and fg the app takes the terminal back and repaints.
func TestTerminalSuspendAndResume(t *testing.T) {
	tm := newTerm(t, 80, 24, binary(t)+" demo seed --theme mono")
	tm.waitFor("step 0/6")
	shell := strings.TrimSpace(tm.run("display-message", "-p", "-t", "t", "#{pane_pid}"))
	out, err := exec.Command("pgrep", "-P", shell).Output()
	app := strings.TrimSpace(string(out))
	if err != nil || app == "" || strings.Contains(app, "\n") {
		t.Fatalf("cannot find the app's process under the shell %s: %q %v", shell, out, err)
	}
	if err := exec.Command("kill", "-TSTP", app).Run(); err != nil {
		t.Fatal(err)
	}
	tm.waitFor("Stopped")
	tm.typeLine("fg")
	tm.waitFor("step 0/6")
	tm.keys("Right")
	tm.waitFor("step 1/6") // keys work: the terminal is raw again
	tm.keys("C-z")
	tm.waitFor("Stopped")
	tm.typeLine("fg")
	tm.keys("Right")
	tm.waitFor("step 2/6")
}
