package lab

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"crdtviz/crdt"
	"crdtviz/replicas"
)

// TestIdleTimersAreNotAFlood: what a correct node's timer writes while
// nobody steps (the app, idle between keys) only fills the outboxes,
// whose bound drops the oldest unsent messages; it is not a flood that
// stops the node, however long the wait.
func TestIdleTimersAreNotAFlood(t *testing.T) {
	opt := testOptions(t)
	opt.MaxStepMsgs, opt.MaxWaiting = 30, 10
	l := startLane(t, gCounter, names3, counter(t, "timer=5ms"), opt)
	deadline := time.Now().Add(time.Second)
	for time.Now().Before(deadline) {
		l.Idle(100 * time.Millisecond) // as the app's Poll does
	}
	for _, n := range l.Snapshot().Nodes {
		if n.State != Up {
			t.Fatalf("%s is %s while idle: %s", n.Name, n.State, n.Why)
		}
	}
	for _, lv := range l.Snapshot().Links {
		if len(lv.Outbox) > opt.MaxWaiting {
			t.Errorf("%s → %s holds %d", lv.From, lv.To, len(lv.Outbox))
		}
	}
	// A step still works, and counts only what is written in it.
	l.opt.MaxStepMsgs = Defaults.MaxStepMsgs
	l.Apply(inc("Alice", 1))
	if c := l.Crashed(); len(c) > 0 {
		t.Errorf("after a step: %v", c)
	}
}

// TestSlowToStart: a node that answered init before and is late now is
// called slow to start (a busy machine), not broken.
func TestSlowToStart(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "started-%s")
	l, err := New(gCounter, names2, counter(t, "slowinit="+marker), testOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := l.Start(); err != nil {
		t.Fatalf("first start: %v", err)
	}
	l.opt.InitTimeout = time.Second // the node now takes 2 s
	err = l.Start()
	if err == nil || !strings.Contains(err.Error(), "was slow to start: it did not answer init within 1s, although it did before (a busy machine?") {
		t.Fatalf("second start: %v", err)
	}
	if Defaults.InitTimeout != 10*time.Second {
		t.Errorf("the init timeout is %s; Maelstrom's is 10s", Defaults.InitTimeout)
	}
}

// TestRestartsAreNotBounded: the bound on processes is on how many run
// at once, not on how many were ever started (here 18 under a bound of
// 6): stepping back in the app
// restarts the nodes as often as the student likes. crdtviz's own bound,
// when it holds, is not called a crash.
func TestRestartsAreNotBounded(t *testing.T) {
	opt := testOptions(t)
	opt.MaxRunning = 6
	l, err := New(gCounter, names3, counter(t, ""), opt)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for i := range 6 {
		if err := l.Start(); err != nil {
			t.Fatalf("start %d: %v", i+1, err)
		}
	}
	if l.Starts() != 18 {
		t.Errorf("%d processes started", l.Starts())
	}
	l.Close()
	noneRunning(t)
	opt.MaxRunning = 2
	l2, err := New(gCounter, names3, counter(t, ""), opt)
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	err = l2.Start()
	if err == nil || !strings.Contains(err.Error(), "it runs at most 2 at once") {
		t.Fatalf("start over the bound: %v", err)
	}
	if n := l2.Snapshot().Nodes[0]; n.State != NotStarted || strings.Contains(n.State.String(), "crash") {
		t.Errorf("Alice is %s: %s", n.State, n.Why)
	}
}

// TestNodeToNodeBodiesAreTheirs: a node may give its own messages any
// msg_id, a string included, as Maelstrom allows; only an answer to c1
// must name its request with an integer.
func TestNodeToNodeBodiesAreTheirs(t *testing.T) {
	l := startLane(t, gCounter, names2, counter(t, "onchange,strid"), testOptions(t))
	l.Apply(inc("Alice", 1))
	l.Apply(replicas.SyncAll{})
	reads := l.ReadAll()
	if c := l.Crashed(); len(c) > 0 {
		t.Fatalf("crashed: %v", c)
	}
	if reads[1].Text() != "1" {
		t.Errorf("Bob reads %s", reads[1].Text())
	}
}

// TestClosedStdout: a node that closes its stdout but keeps running is
// told so, instead of going silent with no reason.
func TestClosedStdout(t *testing.T) {
	l := startLane(t, gCounter, names2, counter(t, "closeout"), testOptions(t))
	for end := time.Now().Add(10 * time.Second); l.Snapshot().Nodes[0].State == Up && time.Now().Before(end); {
		l.Idle(100 * time.Millisecond)
	}
	if n := l.Snapshot().Nodes[0]; n.State != Crashed || !strings.Contains(n.Why, "closed its stdout, but still runs") {
		t.Errorf("Alice is %s: %s", n.State, n.Why)
	}
}

// TestSentences: the lane's sentences read as English.
func TestSentences(t *testing.T) {
	l := startLane(t, gCounter, names3, testNode(t, "error"), testOptions(t))
	evs := l.Apply(replicas.Edit{Replica: "Bob", Op: crdt.Op{Kind: crdt.OpInc, N: 2}})
	if !hasText(evs, "Bob's inc 2 failed: error 11 (temporarily-unavailable): not ready") {
		t.Errorf("events: %v", texts(evs))
	}
	l.reply(0, Message{Type: "add_ok", HasReply: true, InReplyTo: 999})
	if !hasText(l.events, "Alice wrote to c1 an add_ok that answers no request of its own; it is ignored") {
		t.Errorf("events: %v", texts(l.events))
	}
}

func texts(evs []Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Text)
	}
	return out
}

func hasText(evs []Event, want string) bool {
	for _, e := range evs {
		if e.Text == want {
			return true
		}
	}
	return false
}

// TestLogDirs: a lane's own log directory is removed when it closes with
// nothing in it to read, and kept when a node wrote to its stderr.
func TestLogDirs(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	opt := testOptions(t)
	opt.LogDir = ""
	quiet, err := New(gCounter, names2, counter(t, ""), opt)
	if err != nil {
		t.Fatal(err)
	}
	if err := quiet.Start(); err != nil {
		t.Fatal(err)
	}
	quiet.Close()
	if _, err := os.Stat(quiet.LogDir()); !os.IsNotExist(err) || quiet.LogsKept() {
		t.Errorf("empty logs kept: %v", err)
	}
	loud, err := New(gCounter, names2, testNode(t, "exit"), opt)
	if err != nil {
		t.Fatal(err)
	}
	_ = loud.Start()
	loud.Close()
	if b, err := os.ReadFile(filepath.Join(loud.LogDir(), "Alice.log")); err != nil || !strings.Contains(string(b), "panic") || !loud.LogsKept() {
		t.Errorf("the log of a node that wrote to stderr: %q, %v", b, err)
	}
}

// TestCommandHints: a command that names a file here without ./ says how
// to run it.
func TestCommandHints(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "node.py"), []byte("print()"), 0o644)
	os.WriteFile(filepath.Join(dir, "node.sh"), []byte("#!/bin/sh\n"), 0o755)
	for _, c := range []struct{ cmd, want string }{
		{"node.py", "name its interpreter (-- python3 node.py)"},
		{"node.sh", "write -- ./node.sh"},
		{"no-such-node-here", "no such command on the PATH"},
	} {
		if _, err := LookCommand([]string{c.cmd}, dir); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v; want %q", c.cmd, err, c.want)
		}
	}
}
