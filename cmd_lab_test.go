package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"

	"crdtviz/lab"
)

// buildLabNode builds one of examples/lab's Go nodes into dir.
func buildLabNode(t *testing.T, dir, name string) string {
	t.Helper()
	bin := filepath.Join(dir, name)
	if out, err := exec.Command("go", "build", "-o", bin, "./examples/lab/"+name).CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", name, err, out)
	}
	return bin
}

func TestLabUsage(t *testing.T) {
	text := writeTestFile(t, "text.demo", "title t\ntype text\nreplicas A B\nstep s\nedit A insert 0 x\n")
	broken := writeTestFile(t, "broken.demo", "title t\ntype g-counter\nreplicas A B\nstep s\nedit C inc 1\n")
	cases := []struct {
		args []string
		err  string
	}{
		{[]string{"lab"}, "give your node's command after --"},
		{[]string{"lab", "--"}, "give your node's command after --"},
		{[]string{"lab", "check", "--workload", "b-tree", "--", "x"}, `unknown workload "b-tree": choose g-counter, pn-counter, g-set, lww-register or or-set`},
		{[]string{"lab", "check", "--replicas", "9", "--", "x"}, "--replicas must be 2 to 8"},
		{[]string{"lab", "check", "--names", "c1,Bob", "--", "x"}, `"c1" is a reserved id in the lab`},
		{[]string{"lab", "check", "--names", "Alice,lin-kv", "--", "x"}, `"lin-kv" is a reserved id`},
		{[]string{"lab", "check", "--settle", "0s", "--", "x"}, "--settle 0s: give a positive time"},
		{[]string{"lab", "check", "--settle", "3s", "--", "x"}, "must be shorter than --step-timeout"},
		{[]string{"lab", "check", "--runs", "0", "--", "x"}, "--runs must be 1 to 10000"},
		{[]string{"lab", "check", "stray", "--", "x"}, `unexpected argument "stray"`},
		{[]string{"lab", "check", "--bogus", "--", "x"}, "flag provided but not defined: -bogus"},
		{[]string{"lab", "demo", "--", "x"}, "Usage: crdtviz lab demo"},
		{[]string{"lab", "demo", text, "--", "x"}, "the lab has no workload for text"},
		{[]string{"lab", "demo", "failure.demo"}, "crdtviz lab demo failure.demo -- python3 my_counter.py"},
		{[]string{"lab", "check", "--workload", "g-set"}, "crdtviz lab check --workload g-set -- python3 my_counter.py"},
		{[]string{"lab", "check", "--runs", "1", "--", "./no-such-node"}, "cannot run ./no-such-node"},
		{[]string{"lab", "demo", broken, "--", "x"}, "broken.demo:5:6"},
		{[]string{"lab", "demo", "--transcript", okScenario, "--", "x"}, "no such file"},
		{[]string{"lab", "play", "--", "x"}, `unexpected argument "play"`},
	}
	for _, c := range cases {
		code, _, stderr := runCLI(c.args...)
		if code != exitUsage || !strings.Contains(stderr, c.err) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, code, stderr, c.err)
		}
	}
	// a command that cannot run is found before anything is printed
	if code, stdout, _ := runCLI("lab", "check", "--runs", "1", "--", "./no-such-node"); code != exitUsage || stdout != "" {
		t.Errorf("missing node: exit %d, printed %q", code, stdout)
	}
	if code, out, _ := runCLI("lab", "--help"); code != 0 || !strings.Contains(out, "crdtviz lab check") {
		t.Errorf("lab --help: %d %q", code, out)
	}
}

// TestLabCheckAndDemo runs the buggy example through lab check and lab
// demo, as a student would, in process.
func TestLabCheckAndDemo(t *testing.T) {
	dir := t.TempDir()
	bin := buildLabNode(t, dir, "gcounter-buggy")
	out := filepath.Join(dir, "failure.demo")
	timing := []string{"--settle", "40ms", "--rpc-timeout", "5s", "--init-timeout", "5s", "--logs", filepath.Join(dir, "logs")}
	args := append(append([]string{"lab", "check", "--runs", "2", "--actions", "8", "--seed", "3", "-o", out}, timing...), "--", bin)
	code, stdout, stderr := runCLI(args...)
	if code != 1 || !strings.Contains(stdout, "FAILED in run 1: your nodes were wrong") || !strings.Contains(stdout, "wrote "+out) {
		t.Fatalf("lab check: exit %d\n%s\n%s", code, stdout, stderr)
	}
	file, err := os.ReadFile(out)
	if err != nil || !strings.HasPrefix(string(file), lab.Marker) {
		t.Fatalf("%s: %v\n%s", out, err, file)
	}
	if !strings.Contains(string(file), "crdtviz lab demo "+out+" -- "+bin) {
		t.Errorf("the file does not say how to replay it:\n%s", file)
	}
	// an ordinary scenario: crdtviz check passes it
	if code, stdout, stderr := runCLI("check", out); code != 0 {
		t.Errorf("crdtviz check: %d\n%s%s", code, stdout, stderr)
	}
	// lab demo --transcript: the reference right, the student's lane wrong
	code, stdout, stderr = runCLI(append(append([]string{"lab", "demo", "--transcript", out}, timing...), "--", bin)...)
	if code != 1 || !strings.Contains(stdout, "your CRDT: WRONG") || !strings.Contains(stdout, "✓ expect converged") || strings.Contains(stdout, "✗") {
		t.Errorf("lab demo --transcript: exit %d\n%s\n%s", code, stdout, stderr)
	}
	// Without a terminal, lab demo prints the transcript too.
	code, stdout, stderr = runCLI(append(append([]string{"lab", "demo", out}, timing...), "--", bin)...)
	if code != 1 || !strings.Contains(stderr, "not a terminal") || !strings.Contains(stdout, "your CRDT: WRONG") {
		t.Errorf("lab demo without a terminal: %d\n%s\n%s", code, stdout, stderr)
	}
	// A second check may replace the file it wrote; not someone else's.
	os.WriteFile(out, []byte("my notes\n"), 0o644)
	code, _, stderr = runCLI(append(append([]string{"lab", "check", "--runs", "1", "-o", out}, timing...), "--", bin)...)
	if code != exitUsage || !strings.Contains(stderr, "lab check did not write it; add --force") {
		t.Errorf("overwrite: %d %q", code, stderr)
	}
	if b, _ := os.ReadFile(out); string(b) != "my notes\n" {
		t.Errorf("the file was changed: %q", b)
	}
}

// TestLabSignalKillsNodes: SIGTERM to crdtviz lab check leaves no node
// running, and exits 143.
func TestLabSignalKillsNodes(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "crdtviz")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	pids := filepath.Join(dir, "pids")
	// A node that records its pid and then never answers: crdtviz waits
	// in init when the signal comes.
	node := "echo $$ >> " + pids + "; exec sleep 60"
	cmd := exec.Command(bin, "lab", "check", "--init-timeout", "1m", "--seed", "4", "--logs", filepath.Join(dir, "logs"), "--", "sh", "-c", node)
	var out syncBuffer
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var ids []int
	deadline := time.Now().Add(20 * time.Second)
	for len(ids) < 3 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		b, _ := os.ReadFile(pids)
		ids = nil
		for _, f := range strings.Fields(string(b)) {
			if n, err := strconv.Atoi(f); err == nil {
				ids = append(ids, n)
			}
		}
	}
	if len(ids) < 3 {
		cmd.Process.Kill()
		t.Fatalf("the nodes did not start: %v", ids)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitTerminate {
		t.Errorf("exit: %v, want %d", err, exitTerminate)
	}
	if !strings.Contains(out.String(), "interrupted: lab check stopped, and so did your nodes (rerun with --seed 4 for the same runs)") {
		t.Errorf("lab check says nothing when interrupted:\n%s", out.String())
	}
	for _, id := range ids {
		gone := false
		for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
			if !processRuns(id) {
				gone = true
				break
			}
		}
		if !gone {
			syscall.Kill(id, syscall.SIGKILL)
			t.Errorf("node %d outlived crdtviz", id)
		}
	}
}

// processRuns reports whether a process exists and is not a zombie (a
// killed orphan waits for its new parent to reap it).
func processRuns(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	// pid (comm) STATE ...
	s := string(stat)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] != 'Z'
	}
	return true
}

// readPids reads the pids the nodes wrote, one a line.
func readPids(path string) []int {
	b, _ := os.ReadFile(path)
	var ids []int
	for _, f := range strings.Fields(string(b)) {
		if n, err := strconv.Atoi(f); err == nil {
			ids = append(ids, n)
		}
	}
	return ids
}

// TestLabAppEnds runs crdtviz lab in a pseudo-terminal with the example
// g-counter, makes an edit, ends it each way a session ends, and checks
// that no node outlives it.
func TestLabAppEnds(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "crdtviz")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	node := buildLabNode(t, dir, "gcounter")
	wantCode := map[string]int{"q": 0, "ctrl+c": exitInterrupt, "SIGTERM": exitTerminate, "SIGHUP": exitHangup}
	for _, end := range []string{"q", "ctrl+c", "SIGTERM", "SIGHUP"} {
		t.Run(end, func(t *testing.T) {
			pids := filepath.Join(t.TempDir(), "pids")
			cmd := exec.Command(bin, "lab", "--theme", "mono", "--logs", t.TempDir(), "--", "sh", "-c", "echo $$ >> "+pids+"; exec "+node)
			cmd.Env = append(os.Environ(), "TERM=xterm-256color")
			f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 24, Cols: 80})
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			var mu syncBuffer
			done := make(chan struct{})
			go func() { io.Copy(&mu, f); close(done) }()
			deadline := time.Now().Add(20 * time.Second)
			for !strings.Contains(mu.String(), "reads agree: 0") && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			ids := readPids(pids)
			if len(ids) != 3 {
				cmd.Process.Kill()
				t.Fatalf("the nodes did not start: %v\n%s", ids, mu.String())
			}
			f.Write([]byte("+"))
			for !strings.Contains(mu.String(), "reads differ") && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			switch end {
			case "q":
				f.Write([]byte("q"))
				time.Sleep(200 * time.Millisecond)
				f.Write([]byte("q")) // the edit would be lost: q asks once more
			case "ctrl+c":
				f.Write([]byte{3})
			case "SIGTERM":
				cmd.Process.Signal(syscall.SIGTERM)
			case "SIGHUP":
				cmd.Process.Signal(syscall.SIGHUP)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			select {
			case <-exited:
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
				t.Fatalf("the app did not end after %s", end)
			}
			if code := cmd.ProcessState.ExitCode(); code != wantCode[end] {
				t.Errorf("%s: exit %d, want %d", end, code, wantCode[end])
			}
			f.Close()
			<-done
			for _, id := range ids {
				gone := false
				for stop := time.Now().Add(5 * time.Second); time.Now().Before(stop); time.Sleep(10 * time.Millisecond) {
					if !processRuns(id) {
						gone = true
						break
					}
				}
				if !gone {
					syscall.Kill(id, syscall.SIGKILL)
					t.Errorf("node %d outlived crdtviz (%s)", id, end)
				}
			}
		})
	}
}

// syncBuffer is a bytes.Buffer safe to write from one goroutine and read
// from another.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
