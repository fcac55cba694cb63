package model

import (
	"strings"
	"testing"

	"crdtviz/demos"
	"crdtviz/replicas"
)

// The tests of issue 15: action-by-action playback, questions before a
// step's outcome, and the space-time diagram in the app.

// TestActionByAction walks the seed demo one action at a time: each frame
// says where it is, a sync takes two frames (its messages in flight, then
// delivered), expectations show from the frame they were checked on, and
// ← retraces the same frames.
func TestActionByAction(t *testing.T) {
	m := newRoot(t, Options{Scenario: demo(t, "seed"), NoAsk: true, ByAction: true}, 120, 36)
	want := []string{
		"step 1/6 · no action", "step 2/6 · action 0/1", "step 2/6 · action 1/1", "step 3/6 · action 0/1",
		"step 3/6 · action 1/1 in flight", "step 3/6 · action 1/1", "step 4/6 · action 0/3", "step 4/6 · action 1/3",
		"step 4/6 · action 2/3", "step 4/6 · action 3/3 in flight", "step 4/6 · action 3/3", "step 5/6 · action 0/1",
	}
	var labels []string
	for _, w := range want {
		send(t, m, "right")
		labels = append(labels, m.sess.stepLabel())
		out := screen(m)
		if !strings.Contains(out, w) {
			t.Fatalf("want %q:\n%s", w, out)
		}
		switch w {
		case "step 4/6 · action 3/3 in flight":
			c := m.sess.cluster()
			if len(c.InFlight()) != 2 || value(m, replicas.Plain, "Server 2") != `"Director's Cut"` {
				t.Fatalf("in flight: %d messages, Server 2 holds %s\n%s", len(c.InFlight()), value(m, replicas.Plain, "Server 2"), out)
			}
			if strings.Contains(out, "expect plain diverged") {
				t.Fatalf("an expectation checked after the sync shows before it:\n%s", out)
			}
			if strings.Contains(out, "swaps") || !strings.Contains(out, "So far:") {
				t.Fatalf("mid-step narration tells the conclusion, or not what ran so far:\n%s", out)
			}
		case "step 4/6 · action 3/3":
			if len(m.sess.cluster().InFlight()) != 0 || value(m, replicas.Plain, "Server 2") != `"Extended Edition"` {
				t.Fatalf("after the sync:\n%s", out)
			}
			if !strings.Contains(out, "expect plain diverged") && !strings.Contains(out, "more lines") {
				t.Fatalf("the step's expectations do not show at its end:\n%s", out)
			}
		}
	}
	for i := len(want) - 2; i >= 0; i-- {
		send(t, m, "left")
		if got := m.sess.stepLabel(); got != labels[i] {
			t.Fatalf("← gave %q, want %q", got, labels[i])
		}
	}
	// f steps by step again, at the end of the step being played.
	send(t, m, "right", "right", "right", "f")
	if got := m.sess.stepLabel(); got != "step 3/6" {
		t.Fatalf("after f: %q", got)
	}
	// The help screen lists f, A, g and G.
	send(t, m, "?")
	help := screen(m)
	for _, k := range []string{"step by action", "space-time diagram pane", "diagram full screen"} {
		if !strings.Contains(help, k) {
			t.Errorf("help lacks %q", k)
		}
	}
}

// TestAskTwoPhases: a step with a question shows the question first, over
// the state before the step's actions (nothing of its outcome shows); →
// reveals it; ← retraces the same frames; A turns questions off.
func TestAskTwoPhases(t *testing.T) {
	m := newRoot(t, Options{Scenario: demo(t, "lost-update")}, 120, 36)
	send(t, m, "right", "right")
	before := screen(m)
	send(t, m, "right")
	out := screen(m)
	q := m.sess.scenario.Steps[2].Ask
	for _, want := range []string{"step 3/4 · question", q.Text, "a) 950 in both lanes", "b) plain 950, CRDT 1150", "What happens: deliver Alice -> Carol; deliver Bob -> Carol.", "Predict the outcome"} {
		if !strings.Contains(out, want) {
			t.Fatalf("question phase lacks %q:\n%s", want, out)
		}
	}
	if got, want := boxesOf(out), boxesOf(before); got != want {
		t.Fatalf("the question frame's boxes are not the state before the step:\n%s\nwant\n%s", got, want)
	}
	if strings.Contains(boxesOf(out), "1150") {
		t.Fatalf("the boxes give the answer away:\n%s", out)
	}
	for _, gone := range []string{"Plain overwrite keeps the last value", "✓ expect", "Carol merged"} {
		if strings.Contains(out, gone) {
			t.Fatalf("question phase gives away %q:\n%s", gone, out)
		}
	}
	send(t, m, "right")
	out = screen(m)
	if !strings.Contains(out, "step 3/4") || strings.Contains(out, "question") || !strings.Contains(out, "1150") || !strings.Contains(out, "✓ expect Carol = 1150") {
		t.Fatalf("revealed:\n%s", out)
	}
	send(t, m, "right", "left")
	if got := m.sess.stepLabel(); got != "step 3/4" {
		t.Fatalf("← from step 4's question gave %q", got)
	}
	send(t, m, "left")
	if got := m.sess.stepLabel(); got != "step 3/4 · question" {
		t.Fatalf("← from step 3's outcome gave %q", got)
	}
	send(t, m, "right", "A", "right")
	if got := m.sess.stepLabel(); got != "step 4/4" {
		t.Fatalf("with questions off, → gave %q", got)
	}
}

// boxesOf is a frame's boxes, between the header and the links line.
func boxesOf(frame string) string {
	lines := strings.Split(frame, "\n")
	var out []string
	for _, l := range lines[1:] {
		if strings.HasPrefix(l, "links:") {
			break
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

// TestBranchMidStepRecordsWhatRan: branching by action in the middle of a
// step records the step's statements up to there, then what was done,
// and the recording replays to the same state.
func TestBranchMidStepRecordsWhatRan(t *testing.T) {
	m := newRoot(t, Options{Scenario: demo(t, "seed"), NoAsk: true, ByAction: true}, 80, 24)
	send(t, m, "right", "right", "right", "right", "right", "right", "right", "right") // step 4, action 1/3
	if got := m.sess.stepLabel(); got != "step 4/6 · action 1/3" {
		t.Fatalf("at %q", got)
	}
	send(t, m, "S") // sync all: the demo branches here
	rec := m.Recording()
	if strings.Count(rec, "edit \"Server 2\"") != 1 || strings.Contains(rec, "edit \"Server 3\"") || strings.Contains(rec, "<->") {
		t.Fatalf("recording:\n%s", rec)
	}
	s, err := demos.Parse("rec.demo", []byte(rec))
	if err != nil {
		t.Fatal(err)
	}
	run := demos.Execute(s)
	if run.Err != nil || run.Failed() != 0 {
		t.Fatalf("replay: %v, %d failed", run.Err, run.Failed())
	}
	if got, want := run.Timeline.Cluster().Dump(), m.sess.cluster().Dump(); got != want {
		t.Fatalf("replay reaches\n%s\nnot\n%s", got, want)
	}
}

// TestDiagramSelection: ↑/↓ in the diagram select messages, in flight or
// long delivered, and the payloads under the diagram are what the sender
// held when it took the message.
func TestDiagramSelection(t *testing.T) {
	m := newRoot(t, Options{Scenario: demo(t, "lost-update"), NoAsk: true}, 120, 36)
	send(t, m, "right", "right", "right", "right", "g")
	send(t, m, "up") // the newest message
	out := screen(m)
	if !strings.Contains(out, "m6 Alice → Carol, taken at tick 8 · plain nothing new · crdt 1150 (27 B)") {
		t.Fatalf("newest:\n%s", out)
	}
	for range 10 {
		send(t, m, "up")
	}
	out = screen(m)
	if !strings.Contains(out, "m1 Alice → Carol, taken at tick 3 · plain 1200 (5 B) · crdt 1200 (19 B)") {
		t.Fatalf("oldest:\n%s", out)
	}
	send(t, m, "d")
	if out := screen(m); !strings.Contains(out, "m1 is not in flight") {
		t.Fatalf("d on a delivered message:\n%s", out)
	}
	send(t, m, "G")
	if out := screen(m); strings.Contains(out, "Plain overwrite") || !strings.Contains(out, "tick and statement") {
		t.Fatalf("full screen:\n%s", out)
	}
	send(t, m, "esc")
	if m.diag.full || m.Mode() != ModeDemo {
		t.Fatal("esc did not leave the full-screen diagram")
	}
	send(t, m, "g")
	if m.pane == 4 {
		t.Fatal("g did not close the diagram pane")
	}
}
