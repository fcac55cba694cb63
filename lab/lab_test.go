package lab

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"crdtviz/crdt"
	"crdtviz/demos"
	"crdtviz/replicas"
)

var names3 = []string{"Alice", "Bob", "Carol"}

// checkConfig is a small check: few runs, short actions lists, a fixed
// seed.
func checkConfig(t *testing.T, w *Workload, argv []string) CheckConfig {
	return CheckConfig{Workload: w, Names: names3, Argv: argv, Runs: 3, Actions: 10, Seed: 7, Retries: 2, Options: testOptions(t)}
}

func TestCheckPassesCorrectGCounter(t *testing.T) {
	bin := exampleNode(t, "gcounter")
	res, err := Check(checkConfig(t, gCounter, []string{bin}))
	if err != nil {
		t.Fatal(err)
	}
	if res.Found != nil {
		t.Fatalf("the correct g-counter failed run %d: %s: %s\nactions:\n%s", res.Run, res.Found.Kind, res.Found.Text, key(res.Found.Actions))
	}
	if res.Runs != 3 || res.Starts != 9 {
		t.Errorf("runs %d, processes %d; want 3 runs of 3 processes", res.Runs, res.Starts)
	}
	noneRunning(t)
}

func TestCheckPassesPythonGSet(t *testing.T) {
	py := python3(t)
	res, err := Check(checkConfig(t, gSet, []string{py, "../examples/lab/gset.py"}))
	if err != nil {
		t.Fatal(err)
	}
	if res.Found != nil {
		t.Fatalf("the correct g-set failed run %d: %s: %s\nactions:\n%s", res.Run, res.Found.Kind, res.Found.Text, key(res.Found.Actions))
	}
	noneRunning(t)
}

// TestCheckFailsBuggyGCounter: the g-counter that adds counts on merge
// fails, shrinks to a few actions, and the written file, played as lab
// demo plays it, shows the student's lane wrong while the reference's
// expect lines pass.
func TestCheckFailsBuggyGCounter(t *testing.T) {
	bin := exampleNode(t, "gcounter-buggy")
	cfg := checkConfig(t, gCounter, []string{bin})
	res, err := Check(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Found == nil || res.Shrunk == nil {
		t.Fatal("the buggy g-counter passed")
	}
	if res.Found.Kind != FailWrong {
		t.Errorf("failure kind %q (%s), want wrong", res.Found.Kind, res.Found.Text)
	}
	if n := len(res.Shrunk.Actions); n == 0 || n > 6 {
		t.Errorf("shrunk to %d actions, want 1 to 6:\n%s", n, key(res.Shrunk.Actions))
	}
	if res.Failed == 0 {
		t.Errorf("the written file did not fail when replayed (%d tries)", res.Replays)
	}
	if !strings.HasPrefix(res.File, Marker) {
		t.Errorf("the file does not start with the marker:\n%s", res.File)
	}
	// The file is an ordinary scenario: crdtviz check passes it.
	s, err := demos.Parse("failure.demo", []byte(res.File))
	if err != nil {
		t.Fatalf("the file does not parse: %v\n%s", err, res.File)
	}
	if run := demos.Execute(s); run.Err != nil || run.Failed() > 0 || run.Passed() == 0 {
		t.Fatalf("crdtviz check of the file: %d passed, %d failed, %v", run.Passed(), run.Failed(), run.Err)
	}
	// lab demo: the reference right, the student's lane wrong.
	sess := playSession(t, s, []string{bin}, testOptions(t))
	last := sess.Steps[len(sess.Steps)-1]
	if !last.Verdict.Wrong || !last.Verdict.Checked {
		t.Errorf("the student's lane at the end: %s; want wrong", last.Verdict.Text())
	}
	for _, e := range last.Expects {
		if !e.Pass {
			t.Errorf("reference: %s failed: got %s", e.Statement, e.Got)
		}
	}
	if st := sess.Timeline.Cluster().Status(replicas.CRDT); st.Kind != replicas.Converged {
		t.Errorf("reference CRDT lane: %s", st.Summary())
	}
	var out bytes.Buffer
	if err := WriteTranscript(&out, sess, nil); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"your CRDT: WRONG", "✓ expect all = ", "yours: c1 asked"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("transcript lacks %q:\n%s", want, out.String())
		}
	}
	sess.Close()
	noneRunning(t)
}

// TestMisbehavingNodes: each kind of broken node is reported, with its
// reason, quickly, and never hangs crdtviz; its processes are gone after.
func TestMisbehavingNodes(t *testing.T) {
	edit := replicas.Edit{Replica: "Alice", Op: crdt.Op{Kind: crdt.OpInc, N: 1}}
	cases := []struct {
		how     string
		atStart bool // fails at init
		state   NodeState
		why     string // in the reason
	}{
		{"garbage", true, Crashed, "not a JSON message"},
		{"exit", true, Crashed, "exited with status 3 before it answered init; its stderr ends: panic: something went wrong"},
		{"crash-on-add", false, Crashed, "exited with status 1; its stderr ends: KeyError: 'delta'"},
		{"garbage-on-add", false, Crashed, `not a JSON message (invalid character 'o' looking for beginning of value): "oops"`},
		{"unknown-dest", false, Crashed, `wrote to "n7", which is no node here`},
		{"seq-kv", false, Crashed, "wrote to seq-kv, one of Maelstrom's services; the lab has none"},
		{"wrong-src", false, Crashed, `src "n1", but its node_id is "Alice"`},
		{"flood", false, Crashed, "floods"},
		{"long-line", false, Crashed, "longer than 256 KiB"},
		{"hang", false, Silent, "did not answer add within"},
	}
	for _, c := range cases {
		t.Run(c.how, func(t *testing.T) {
			opt := testOptions(t)
			opt.RPCTimeout = time.Second
			l, err := New(gCounter, names3, testNode(t, c.how), opt)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			began := time.Now()
			err = l.Start()
			if c.atStart {
				var se *StartError
				if !errors.As(err, &se) || !strings.Contains(err.Error(), c.why) {
					t.Fatalf("Start: %v; want an error with %q", err, c.why)
				}
				if !strings.Contains(err.Error(), "Alice, Bob and Carol each ") || !strings.Contains(err.Error(), opt.LogDir) {
					t.Errorf("the error should name the nodes and the logs: %v", err)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				l.Apply(edit)
				l.Apply(replicas.SyncAll{})
			}
			if d := time.Since(began); d > 5*time.Second {
				t.Errorf("it took %s to find out", d)
			}
			alice := l.Snapshot().Nodes[0]
			if alice.State != c.state || !strings.Contains(alice.Why, c.why) {
				t.Errorf("Alice is %s: %q; want %s with %q", alice.State, alice.Why, c.state, c.why)
			}
			reads := l.ReadAll()
			if reads[0].OK {
				t.Errorf("Alice's read is OK after %s", c.how)
			}
			l.Close()
			noneRunning(t)
		})
	}
}

// TestNoInit: a node that reads but never answers init is silent, and
// Start says why, within the init timeout.
func TestNoInit(t *testing.T) {
	opt := testOptions(t)
	opt.InitTimeout = 300 * time.Millisecond
	l, err := New(gCounter, names3, testNode(t, "no-init"), opt)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	err = l.Start()
	if err == nil || !strings.Contains(err.Error(), "never answered init within 300ms") {
		t.Fatalf("Start: %v", err)
	}
	if s := l.Snapshot().Nodes[1]; s.State != Silent {
		t.Errorf("Bob is %s", s.State)
	}
	l.Close()
	noneRunning(t)
}

// TestErrorReply: a definite error leaves the add failed, not in doubt,
// and a g-counter of 0 is then right.
func TestErrorReply(t *testing.T) {
	l, err := New(gCounter, names3, testNode(t, "error"), testOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := l.Start(); err != nil {
		t.Fatal(err)
	}
	l.Apply(replicas.Edit{Replica: "Bob", Op: crdt.Op{Kind: crdt.OpInc, N: 2}})
	ops := l.Ops()
	if len(ops) != 1 || ops[0].Outcome != Failed || !strings.Contains(ops[0].Why, "error 11 (temporarily-unavailable): not ready") {
		t.Fatalf("ops: %+v", ops)
	}
	v := Judge(gCounter, ops, l.ReadAll(), true)
	if v.Wrong {
		t.Errorf("verdict: %s", v.Text())
	}
}

// TestNoStdin: a node that never reads its stdin costs an edit no more
// than its timeout, and is stopped once its input piles up beyond the
// pipe, instead of blocking crdtviz.
func TestNoStdin(t *testing.T) {
	opt := testOptions(t)
	opt.InitTimeout = 200 * time.Millisecond
	opt.RPCTimeout = 100 * time.Millisecond
	opt.MaxStdinLine = 4
	l, err := New(gCounter, names3, testNode(t, "no-stdin"), opt)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_ = l.Start()
	began := time.Now()
	for range 5 {
		l.Apply(replicas.Edit{Replica: "Alice", Op: crdt.Op{Kind: crdt.OpInc, N: 1}})
	}
	if d := time.Since(began); d > 5*time.Second {
		t.Errorf("five edits took %s", d)
	}
	if s := l.Snapshot().Nodes[0]; s.State != Silent {
		t.Errorf("Alice is %s: %s", s.State, s.Why)
	}
	// far more than a pipe holds
	body := Body("gossip", 0, map[string]any{"pad": strings.Repeat("x", 1000)})
	for range 2000 {
		l.write(0, "Bob", body)
	}
	if s := l.Snapshot().Nodes[0]; s.State != Crashed || !strings.Contains(s.Why, "stopped reading its stdin") {
		t.Errorf("Alice is %s: %s", s.State, s.Why)
	}
	if d := time.Since(began); d > 10*time.Second {
		t.Errorf("it took %s", d)
	}
}

func TestCommandNotFound(t *testing.T) {
	for _, argv := range [][]string{{"./no-such-node"}, {"no-such-command-crdtviz"}, {"."}} {
		if _, err := New(gCounter, names3, argv, testOptions(t)); err == nil || !strings.Contains(err.Error(), "cannot run") {
			t.Errorf("%v: %v", argv, err)
		}
	}
	if _, err := New(gCounter, names3, nil, testOptions(t)); err == nil {
		t.Error("no command: no error")
	}
}

// TestGenerate: the same seed makes the same scenario, and every
// generated scenario runs as a file.
func TestGenerate(t *testing.T) {
	for _, w := range Workloads {
		for seed := range uint64(20) {
			a := Generate(rand.New(rand.NewPCG(seed, 1)), w, names3, 15)
			b := Generate(rand.New(rand.NewPCG(seed, 1)), w, names3, 15)
			if key(a) != key(b) {
				t.Fatalf("%s seed %d: two scenarios", w.Name, seed)
			}
			if len(a) != 15 {
				t.Fatalf("%s seed %d: %d actions", w.Name, seed, len(a))
			}
			if v := Valid(w, names3, a); len(v) != len(a) {
				t.Fatalf("%s seed %d: %d of %d actions valid", w.Name, seed, len(v), len(a))
			}
		}
	}
}

// TestMinimize: delta debugging finds a smallest failing subsequence
// when the failure needs two actions far apart.
func TestMinimize(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	actions := Generate(rng, gCounter, names3, 30)
	edit := replicas.Edit{Replica: "Carol", Op: crdt.Op{Kind: crdt.OpInc, N: 9}}
	cut := replicas.Edit{Replica: "Bob", Op: crdt.Op{Kind: crdt.OpInc, N: 8}}
	actions = append(append([]replicas.Action{edit}, actions...), cut)
	fails := func(a []replicas.Action) *Failure {
		hasEdit, hasCut := false, false
		for _, x := range a {
			hasEdit = hasEdit || x == replicas.Action(edit)
			hasCut = hasCut || x == replicas.Action(cut)
		}
		if hasEdit && hasCut {
			return &Failure{Kind: FailWrong, Actions: a}
		}
		return nil
	}
	runs := 0
	got := Minimize(&Failure{Kind: FailWrong, Actions: actions},
		func(a []replicas.Action) []replicas.Action { return Valid(gCounter, names3, a) },
		func(a []replicas.Action) *Failure { runs++; return fails(a) },
		func() bool { return false })
	if key(got.Actions) != key([]replicas.Action{edit, cut}) {
		t.Errorf("minimized to\n%s", key(got.Actions))
	}
	if runs > 120 {
		t.Errorf("%d runs for 32 actions", runs)
	}
}

// TestFollower: the lane follows a timeline forward action by action,
// and going back restarts the nodes, replays, and says so.
func TestFollower(t *testing.T) {
	l, err := New(gCounter, names3, []string{exampleNode(t, "gcounter")}, testOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	f := NewFollower(l)
	defer f.Close()
	edit := replicas.Edit{Replica: "Alice", Op: crdt.Op{Kind: crdt.OpInc, N: 2}}
	sync := replicas.Sync{From: "Alice", To: "Bob"}
	type hist struct{ n int }
	h := hist{1}
	got := f.Follow(h, []replicas.Action{edit}, false)
	if got.Err != "" || got.Restarted || len(got.Events) != 1 {
		t.Fatalf("first: %+v", got)
	}
	if got.Reads[0].Text() != "2" || got.Verdict.Word != "reads differ" {
		t.Errorf("after the edit: %s", got.Verdict.Text())
	}
	got = f.Follow(h, []replicas.Action{edit, sync}, false)
	if got.Restarted || len(got.Events) != 2 || got.Reads[1].Text() != "2" {
		t.Fatalf("forward: restarted %v, %d actions, Bob %s", got.Restarted, len(got.Events), got.Reads[1].Text())
	}
	starts := l.Starts()
	got = f.Follow(h, []replicas.Action{edit}, false)
	if !got.Restarted || got.Replayed != 1 || l.Starts() != starts+3 {
		t.Errorf("back: restarted %v, replayed %d, %d processes", got.Restarted, got.Replayed, l.Starts()-starts)
	}
	if got.Reads[1].Text() != "0" || len(got.Differ) != 0 {
		t.Errorf("back: Bob reads %s, differ %v", got.Reads[1].Text(), got.Differ)
	}
	// a new history (a branch) restarts too, and the last step judged
	got = f.Follow(hist{2}, []replicas.Action{edit, replicas.SyncAll{}, replicas.SyncAll{}}, true)
	if !got.Restarted || got.Verdict.Word != "right" {
		t.Errorf("branch: restarted %v, %s", got.Restarted, got.Verdict.Text())
	}
	if len(got.Snapshot.Nodes) != 3 || got.Snapshot.Nodes[2].Read.Text() != "2" {
		t.Errorf("snapshot: %+v", got.Snapshot.Nodes)
	}
	f.Close()
	noneRunning(t)
	if r := f.Follow(h, nil, false); r.Reads != nil {
		t.Error("Follow after Close did something")
	}
}
