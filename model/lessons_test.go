package model

import (
	"fmt"
	"strings"
	"testing"

	"crdtviz/demos"
)

// The tests of issue 20: questions that give nothing away, frames that
// retrace exactly, and a demo that r brings back as it was left.

// builtinNames lists the built-in demos.
func builtinNames() []string {
	var names []string
	for _, b := range demos.Builtins() {
		names = append(names, b.Name)
	}
	return names
}

// TestQuestionFrameIsTheStateBefore: in every built-in demo, by step and
// by action, a step's question is asked over the state before the step's
// actions: the boxes, the tick and the log are those of the frame before,
// none of the step's sentences or expectations show, and "predict" is
// said once.
func TestQuestionFrameIsTheStateBefore(t *testing.T) {
	for _, name := range builtinNames() {
		for _, byAction := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/byAction=%v", name, byAction), func(t *testing.T) {
				m := newRoot(t, Options{Scenario: demo(t, name), ByAction: byAction}, 120, 36)
				prev, before := screen(m), m.sess.cluster()
				for range 200 {
					if m.sess.atEnd() {
						break
					}
					send(t, m, "right")
					out := screen(m)
					if m.sess.question() == nil {
						prev, before = out, m.sess.cluster()
						continue
					}
					k := m.sess.step
					if start, _ := m.sess.stepRange(k); m.sess.tl.Pos() != start || m.sess.half {
						t.Fatalf("step %d's question is not at the step's start", k)
					}
					if got, want := m.sess.cluster().Dump(), before.Dump(); got != want {
						t.Fatalf("step %d's question shows another state than the frame before:\n%s\nwant\n%s", k, got, want)
					}
					if strings.Contains(boxesOf(out), "●") {
						t.Fatalf("step %d's question marks a value as changed:\n%s", k, out)
					}
					if got, want := tickOf(out), tickOf(prev); got != want {
						t.Fatalf("step %d's question shows tick %s, the frame before %s", k, got, want)
					}
					if n := strings.Count(strings.ToLower(out), "predict"); n != 1 {
						t.Fatalf("step %d's question says predict %d times:\n%s", k, n, out)
					}
					if strings.Contains(out, "✓ expect") || strings.Contains(out, "✗ expect") {
						t.Fatalf("step %d's question shows an expectation:\n%s", k, out)
					}
					text := m.sess.scenario.Steps[k-1].Text
					if strings.Contains(strings.Join(strings.Fields(out), " "), strings.Join(strings.Fields(text), " ")) {
						t.Fatalf("step %d's question shows its narration:\n%s", k, out)
					}
					prev, before = out, m.sess.cluster()
				}
			})
		}
	}
}

// tickOf is the tick in a frame's header.
func tickOf(frame string) string {
	f := strings.Fields(strings.Split(frame, "\n")[0])
	return f[len(f)-1]
}

// TestConclusionWaitsForTheLastAction: by action, a step's narration (its
// conclusion) shows only once its last action has landed; before, the
// screen says what ran so far.
func TestConclusionWaitsForTheLastAction(t *testing.T) {
	for _, name := range builtinNames() {
		t.Run(name, func(t *testing.T) {
			m := newRoot(t, Options{Scenario: demo(t, name), ByAction: true, NoAsk: true}, 120, 36)
			for range 300 {
				if !m.sess.next() {
					break
				}
				k := m.sess.step
				_, end := m.sess.stepRange(k)
				text, _ := m.sess.narration()
				step := m.sess.scenario.Steps[k-1].Text
				landed := m.sess.tl.Pos() >= end && !m.sess.half
				if landed != strings.Contains(text, step) {
					t.Fatalf("step %d at %q (landed %v): the narration says\n%s", k, m.sess.stepLabel(), landed, text)
				}
			}
		})
	}
}

// TestReturnBringsBackTheFrameLeft: r returns to the very frame the user
// branched from: an answered step stays answered, questions stay off
// when they were, and by action stays by action.
func TestReturnBringsBackTheFrameLeft(t *testing.T) {
	cases := []struct {
		name string
		opts Options
		keys []string
	}{
		{"answered step", Options{}, []string{"right", "right", "right"}},
		{"question", Options{}, []string{"right", "right"}},
		{"questions off", Options{NoAsk: true}, []string{"right", "right"}},
		{"by action, mid-sync", Options{ByAction: true, NoAsk: true}, []string{"right", "right", "right", "right", "right"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.opts.Scenario = demo(t, "seed")
			m := newRoot(t, c.opts, 80, 24)
			send(t, m, c.keys...)
			want, at, noAsk, byAction := screen(m), m.sess.where(), m.sess.noAsk, m.sess.byAction
			send(t, m, "S", "r")
			m.status = "" // the notice that says where r went
			if got := m.sess.where(); got != at || m.sess.noAsk != noAsk || m.sess.byAction != byAction {
				t.Fatalf("r returned to %+v (noAsk %v, byAction %v), not %+v (%v, %v)", got, m.sess.noAsk, m.sess.byAction, at, noAsk, byAction)
			}
			if got := screen(m); got != want {
				t.Fatalf("r returned to\n%s\nnot\n%s", got, want)
			}
		})
	}
}

// TestForwardAndBackGiveTheSameFrames: in every built-in demo, by step and
// by action, with questions on and off, each frame ← comes back to is the
// frame → showed there.
func TestForwardAndBackGiveTheSameFrames(t *testing.T) {
	for _, name := range builtinNames() {
		for _, o := range []Options{{}, {NoAsk: true}, {ByAction: true}, {ByAction: true, NoAsk: true}} {
			t.Run(fmt.Sprintf("%s/byAction=%v/noAsk=%v", name, o.ByAction, o.NoAsk), func(t *testing.T) {
				o.Scenario = demo(t, name)
				m := newRoot(t, o, 80, 24)
				seen := map[point]string{m.sess.where(): screen(m)}
				var order []point
				for m.sess.next() {
					m.refresh()
					seen[m.sess.where()] = screen(m)
					order = append(order, m.sess.where())
				}
				for i := len(order) - 2; i >= -1; i-- {
					if !m.sess.prev() {
						t.Fatalf("← stopped at %+v", m.sess.where())
					}
					m.refresh()
					at := m.sess.where()
					if i >= 0 && at != order[i] {
						t.Fatalf("← came to %+v, → went through %+v", at, order[i])
					}
					if got := screen(m); got != seen[at] {
						t.Fatalf("at %+v, ← shows\n%s\n→ showed\n%s", at, got, seen[at])
					}
				}
			})
		}
	}
}
