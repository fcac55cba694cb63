package main

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Classroom mode with real processes: three `crdtviz class … --headless`
// on 127.0.0.1, driven through stdin, read through stdout. Every process
// binds and talks to loopback only.

type classProc struct {
	t     *testing.T
	name  string
	cmd   *exec.Cmd
	stdin io.WriteCloser
	mu    sync.Mutex
	lines []map[string]any
	done  chan struct{}
}

func startClassProc(t *testing.T, name string, args ...string) *classProc {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &classProc{t: t, name: name, cmd: cmd, stdin: stdin, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var m map[string]any
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				t.Errorf("%s wrote a line that is not JSON: %q", name, sc.Text())
				continue
			}
			p.mu.Lock()
			p.lines = append(p.lines, m)
			p.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = p.stdin.Close()
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			_ = p.cmd.Process.Kill()
		}
		_ = p.cmd.Wait()
		if t.Failed() {
			t.Logf("%s's stderr: %s", name, stderr.String())
		}
	})
	return p
}

func (p *classProc) send(line string) {
	p.t.Helper()
	if _, err := io.WriteString(p.stdin, line+"\n"); err != nil {
		p.t.Fatalf("%s: writing %q: %v", p.name, line, err)
	}
}

// wait returns the first line (from index from on) that pred accepts.
func (p *classProc) wait(within time.Duration, what string, from int, pred func(map[string]any) bool) (map[string]any, int) {
	p.t.Helper()
	deadline := time.Now().Add(within)
	for {
		p.mu.Lock()
		for i := from; i < len(p.lines); i++ {
			if pred(p.lines[i]) {
				l := p.lines[i]
				p.mu.Unlock()
				return l, i
			}
		}
		p.mu.Unlock()
		if time.Now().After(deadline) {
			p.t.Fatalf("%s: after %v, still waiting for %s", p.name, within, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (p *classProc) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.lines)
}

// status asks for the status until pred accepts it.
func (p *classProc) status(within time.Duration, what string, pred func(map[string]any) bool) map[string]any {
	p.t.Helper()
	deadline := time.Now().Add(within)
	for {
		from := p.count()
		p.send("status")
		st, _ := p.wait(10*time.Second, "a status line", from, func(m map[string]any) bool { _, ok := m["members"]; return ok })
		if pred(st) {
			return st
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%s: after %v, %s; last status %v", p.name, within, what, st)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func crdtIs(v string) func(map[string]any) bool {
	return func(m map[string]any) bool { return m["crdt"] == v }
}

func TestClassProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real processes")
	}
	alice := startClassProc(t, "Alice", "class", "start", "--type", "or-set", "--name", "Alice", "--bind", "127.0.0.1:0", "--headless")
	started, _ := alice.wait(10*time.Second, "the started event", 0, func(m map[string]any) bool { return m["event"] == "started" })
	if alice.lines[0]["event"] != "started" {
		t.Fatalf("the first line is %v", alice.lines[0])
	}
	addr, key, join, code := started["addr"].(string), started["key"].(string), started["join"].(string), started["code"].(string)
	if !strings.HasPrefix(addr, "127.0.0.1:") || strings.HasSuffix(addr, ":0") || len(key) != 64 || len(code) != 19 {
		t.Fatalf("started: %v", started)
	}
	if join != "crdtviz class join "+addr+" "+code {
		t.Fatalf("the join line is %q", join)
	}
	joinArgs := func(name string) []string {
		if name == "Carol" { // a script's form: the key, and the code to check the teacher key against
			return []string{"class", "join", addr, "--key", key, "--teacher", code, "--name", name, "--bind", "127.0.0.1:0", "--headless"}
		}
		return []string{"class", "join", addr, code, "--name", name, "--bind", "127.0.0.1:0", "--headless"}
	}
	bob := startClassProc(t, "Bob", joinArgs("Bob")...)
	carol := startClassProc(t, "Carol", joinArgs("Carol")...)
	procs := []*classProc{alice, bob, carol}
	for _, p := range procs {
		p.status(15*time.Second, "three members", func(m map[string]any) bool { return len(m["members"].([]any)) == 3 })
	}

	// 1. Concurrent edits converge.
	alice.send("edit Alice add milk")
	bob.send("edit Bob add eggs")
	carol.send("edit Carol add tea")
	for _, p := range procs {
		p.status(15*time.Second, "the CRDT lane converges", crdtIs("{eggs, milk, tea}"))
	}
	// A student edits only their own replica; only the teacher partitions.
	from := bob.count()
	bob.send("edit Alice add jam")
	bob.wait(5*time.Second, "an error", from, func(m map[string]any) bool {
		return m["event"] == "error" && strings.Contains(m["text"].(string), "only your own replica")
	})
	bob.send("partition Alice | Bob Carol")
	bob.wait(5*time.Second, "an error", from, func(m map[string]any) bool {
		return m["event"] == "error" && strings.Contains(m["text"].(string), "only the teacher")
	})

	// 2. A partition splits them.
	alice.send("partition Alice | Bob Carol")
	for _, p := range procs {
		p.wait(10*time.Second, "the partition", 0, func(m map[string]any) bool { return m["event"] == "partition" })
	}
	// 3. Edits on both sides.
	alice.send("edit Alice add jam")
	bob.send("edit Bob add rice")
	carol.status(15*time.Second, "Carol hears Bob", crdtIs("{eggs, milk, rice, tea}"))
	time.Sleep(5 * time.Second) // two push/pull rounds: none may cross
	alice.status(5*time.Second, "Alice, cut off, keeps her side", crdtIs("{eggs, jam, milk, tea}"))
	bob.status(5*time.Second, "Bob, cut off, keeps his side", crdtIs("{eggs, milk, rice, tea}"))

	// 4. After a heal, all three converge in the CRDT lane.
	alice.send("heal")
	for _, p := range procs {
		p.status(20*time.Second, "the CRDT lane converges after the heal", crdtIs("{eggs, jam, milk, rice, tea}"))
	}

	// A member killed with SIGKILL is marked dead, and the rest converge.
	if err := carol.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	n := alice.count()
	alice.wait(20*time.Second, "Carol marked dead", n, func(m map[string]any) bool {
		return m["event"] == "member" && m["name"] == "Carol" && m["state"] == "dead"
	})
	alice.send("edit Alice remove milk")
	bob.send("edit Bob add bread")
	for _, p := range []*classProc{alice, bob} {
		p.status(15*time.Second, "Alice and Bob converge without Carol", crdtIs("{bread, eggs, jam, rice, tea}"))
	}

	// Closing stdin leaves the class and exits 0.
	_ = bob.stdin.Close()
	<-bob.done
	if err := bob.cmd.Wait(); err != nil {
		t.Errorf("Bob, stdin closed: %v", err)
	}
	alice.wait(10*time.Second, "Bob leaving", 0, func(m map[string]any) bool {
		return m["event"] == "member" && m["name"] == "Bob" && m["state"] == "left"
	})
}

// TestClassWrongKeyProcess: a process with the wrong code (or key) is
// refused with a clear message in under 5 s, and exits 1.
func TestClassWrongKeyProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real processes")
	}
	alice := startClassProc(t, "Alice", "class", "start", "--type", "g-counter", "--name", "Alice", "--bind", "127.0.0.1:0", "--headless")
	started, _ := alice.wait(10*time.Second, "the started event", 0, func(m map[string]any) bool { return m["event"] == "started" })
	wrong := "KQ4T-9WZM-3XH7-P2QC"
	if started["code"] == wrong {
		wrong = "KQ4T-9WZM-3XH7-P2QD"
	}
	start := time.Now()
	out, err := exec.Command(binary(t), "class", "join", started["addr"].(string), wrong, "--name", "Mallory",
		"--bind", "127.0.0.1:0", "--headless").CombinedOutput()
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("refusing took %v", d)
	}
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Errorf("exit: %v", err)
	}
	if !strings.Contains(string(out), "does not match") {
		t.Errorf("the message: %s", out)
	}
}

// badScript is a class script with an unknown command on line 2.
func badScript(t *testing.T) string {
	p := filepath.Join(t.TempDir(), "bad.class")
	if err := os.WriteFile(p, []byte("say hi\n  dance\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestClassUsage: bad flags are usage errors (exit 2), before anything
// listens.
func TestClassUsage(t *testing.T) {
	existing := filepath.Join(t.TempDir(), "room.rec")
	if err := os.WriteFile(existing, []byte("not a record\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// 70 MB that take no room: refused by its size, before it is read.
	huge := filepath.Join(t.TempDir(), "huge.rec")
	if err := os.WriteFile(huge, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(huge, 70<<20); err != nil {
		t.Fatal(err)
	}
	cases := map[string][]string{
		"no subcommand":    {"class"},
		"unknown":          {"class", "teach"},
		"no type":          {"class", "start", "--name", "Alice", "--headless"},
		"bad type":         {"class", "start", "--type", "nope", "--name", "Alice", "--headless"},
		"op mode":          {"class", "start", "--type", "g-counter", "--mode", "op", "--name", "Alice", "--headless"},
		"bad name":         {"class", "start", "--type", "g-counter", "--name", "a\tb", "--headless"},
		"short key":        {"class", "start", "--type", "g-counter", "--name", "Alice", "--key", "abcd", "--headless"},
		"no address":       {"class", "join", "--key", strings.Repeat("ab", 32), "--name", "Bob", "--headless"},
		"no code":          {"class", "join", "127.0.0.1:1", "--name", "Bob", "--headless"},
		"bad code":         {"class", "join", "127.0.0.1:1", "KQ4T-9WZM", "--name", "Bob", "--headless"},
		"code and key":     {"class", "join", "127.0.0.1:1", "KQ4T-9WZM-3XH7-P2QC", "--key", strings.Repeat("ab", 32), "--name", "Bob", "--headless"},
		"bad teacher":      {"class", "join", "127.0.0.1:1", "--key", strings.Repeat("ab", 32), "--teacher", "x", "--name", "Bob", "--headless"},
		"script headless":  {"class", "start", "--type", "g-counter", "--name", "Alice", "--script", "x.class", "--headless"},
		"bad script":       {"class", "start", "--type", "g-counter", "--name", "Alice", "--script", badScript(t)},
		"no name":          {"class", "join", "127.0.0.1:1", "KQ4T-9WZM-3XH7-P2QC", "--headless"},
		"force, no record": {"class", "start", "--type", "g-counter", "--name", "Alice", "--force", "--headless"},
		"record exists":    {"class", "start", "--type", "g-counter", "--name", "Alice", "--record", existing, "--headless"},
		"record a dir":     {"class", "start", "--type", "g-counter", "--name", "Alice", "--record", t.TempDir(), "--headless"},
		"replay no file":   {"class", "replay"},
		"replay two files": {"class", "replay", "a.rec", "b.rec"},
		"replay diagram":   {"class", "replay", existing, "--diagram"},
		"replay o":         {"class", "replay", existing, "-o", "x.svg"},
		"replay svg no o":  {"class", "replay", existing, "--svg"},
		"replay missing":   {"class", "replay", filepath.Join(t.TempDir(), "none.rec"), "--transcript"},
		"replay not one":   {"class", "replay", existing, "--transcript"},
		"replay both":      {"class", "replay", existing, "--transcript", "--svg", "-o", filepath.Join(t.TempDir(), "x.svg")},
		"replay too large": {"class", "replay", huge, "--transcript"},
	}
	for name, args := range cases {
		var out, errOut strings.Builder
		if code := run(args, &out, &errOut); code != exitUsage {
			t.Errorf("%s: exit %d, want %d; %s", name, code, exitUsage, errOut.String())
		}
		if errOut.Len() == 0 {
			t.Errorf("%s: no message", name)
		}
		if name == "bad script" && !strings.Contains(errOut.String(), "bad.class:2:3: unknown command \"dance\"") {
			t.Errorf("a bad script: %s", errOut.String())
		}
		if want := map[string]string{"replay both": "--transcript and --svg are two ways to print it: give one",
			"replay too large": "the file is 70.0 MB: a class record is at most 64 MB"}[name]; !strings.Contains(errOut.String(), want) {
			t.Errorf("%s: %s, want %q", name, errOut.String(), want)
		}
	}
}

// TestClassRecordProcesses records a session of three real processes
// (class start --record): concurrent edits, a partition with an edit on
// each side, a heal. A student quits (her record goes to the teacher as
// she leaves); the teacher ends the session (end, the headless E), then
// quits, which writes the file again. class replay then prints it with
// every message accounted for: received, dropped by the partition, or
// lost (none, on loopback).
func TestClassRecordProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real processes")
	}
	file := filepath.Join(t.TempDir(), "room.rec")
	if out := os.Getenv("CRDTVIZ_KEEP_RECORD"); out != "" {
		file = out // to make model/testdata/class3.rec again
	}
	teacher := startClassProc(t, "Teacher", "class", "start", "--type", "or-set", "--name", "Teacher", "--bind", "127.0.0.1:0", "--headless", "--record", file, "--force")
	started, _ := teacher.wait(10*time.Second, "the started event", 0, func(m map[string]any) bool { return m["event"] == "started" })
	join := func(name string) *classProc {
		return startClassProc(t, name, "class", "join", started["addr"].(string), started["code"].(string), "--name", name, "--bind", "127.0.0.1:0", "--headless")
	}
	ada, ben := join("Ada"), join("Ben")
	procs := []*classProc{teacher, ada, ben}
	for _, p := range procs {
		p.status(15*time.Second, "three members", func(m map[string]any) bool { return len(m["members"].([]any)) == 3 })
	}
	ada.send("edit Ada add milk")
	ben.send("edit Ben add eggs")
	for _, p := range procs {
		p.status(15*time.Second, "the CRDT lane converges", crdtIs("{eggs, milk}"))
	}
	teacher.send("partition Teacher Ada | Ben")
	for _, p := range procs {
		p.wait(10*time.Second, "the partition", 0, func(m map[string]any) bool { return m["event"] == "partition" })
	}
	ada.send("edit Ada add jam")
	ben.send("edit Ben add figs")
	teacher.status(15*time.Second, "the teacher hears Ada", crdtIs("{eggs, jam, milk}"))
	// memberlist finds Ben unreachable: by then the gossip of Ada's edit
	// has tried him.
	teacher.wait(20*time.Second, "Ben cut off", 0, func(m map[string]any) bool {
		return m["event"] == "member" && m["name"] == "Ben" && m["state"] == "cut off"
	})
	teacher.send("heal")
	for _, p := range procs {
		p.status(20*time.Second, "the CRDT lane converges after the heal", crdtIs("{eggs, figs, jam, milk}"))
	}
	// Ada quits: her record goes to the teacher as she leaves.
	_ = ada.stdin.Close()
	<-ada.done
	teacher.wait(10*time.Second, "Ada leaving", 0, func(m map[string]any) bool {
		return m["event"] == "member" && m["name"] == "Ada" && m["state"] == "left"
	})
	from := teacher.count()
	teacher.send("end")
	rec, _ := teacher.wait(30*time.Second, "the record written", from, func(m map[string]any) bool { return m["event"] == "recorded" })
	if text := rec["text"].(string); !strings.Contains(text, "the records of 3 members") || strings.Contains(text, "none from") {
		t.Fatalf("recorded: %s", text)
	}
	// Quitting writes it again.
	_ = ben.stdin.Close()
	<-ben.done
	_ = teacher.stdin.Close()
	<-teacher.done
	if err := teacher.cmd.Wait(); err != nil {
		t.Fatalf("the teacher, stdin closed: %v", err)
	}
	last := teacher.lines[len(teacher.lines)-1]
	for _, l := range teacher.lines[from+1:] {
		if l["event"] == "recorded" {
			last = l
		}
	}
	if text, _ := last["text"].(string); !strings.Contains(text, "the records of 3 members") {
		t.Fatalf("on quitting: %v", last)
	}

	replay := func(args ...string) string {
		out, err := exec.Command(binary(t), append([]string{"class", "replay", file}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("replay %q: %v\n%s", args, err, out)
		}
		return string(out)
	}
	text := replay("--transcript", "--all")
	t.Logf("%s", text)
	for _, want := range []string{"or-set (delta), 3 laptops, teacher Teacher", " 0 lost on the way", "Rows: Lamport time (causal order)",
		"Teacher: partition Teacher Ada | Ben", "Teacher: heal", "Ada: add jam", "Ben: add figs", "Ada: add milk", "Ben: add eggs",
		"dropped by the partition", "Note: Ada, Ben: left the class; their records end there"} {
		if !strings.Contains(text, want) {
			t.Errorf("the replay does not say %q", want)
		}
	}
	if strings.Contains(text, " 0 dropped by the partition") {
		t.Errorf("a partition with edits on both sides drops messages")
	}
	diagram := replay("--transcript", "--diagram", "--width", "100")
	t.Logf("%s", diagram)
	for _, want := range []string{"1 Teacher", "2 Ada", "3 Ben", "Lamport time: what happened", "╳ 1 2 | 3", "●#1", "✗"} {
		if !strings.Contains(diagram, want) {
			t.Errorf("the diagram does not show %q", want)
		}
	}
}
