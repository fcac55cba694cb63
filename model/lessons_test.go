package model

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"crdtviz/crdt"
	"crdtviz/demos"
	"crdtviz/replicas"
	"crdtviz/ui"
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

// TestSkippedStatementIsNamed: at the prompt, "edit Phone add tea; sync
// all" with every link cut records the edit and says that only the sync
// had nothing to do; the recording holds the edit.
func TestSkippedStatementIsNamed(t *testing.T) {
	m := newRoot(t, Options{Free: free(crdt.ORSet, "Phone", "Laptop")}, 80, 24)
	send(t, m, "c", "2") // cut both ways: every link is cut
	send(t, m, ":")
	typeText(t, m, "edit Phone add tea; sync all")
	send(t, m, "enter")
	if !strings.Contains(m.Recording(), "edit Phone add tea") {
		t.Fatalf("the edit was not recorded:\n%s", m.Recording())
	}
	if strings.Contains(m.status, "Nothing was recorded") || !strings.Contains(m.status, "sync all") || !strings.Contains(m.status, "The other statement ran and was recorded") {
		t.Fatalf("status: %q", m.status)
	}
	send(t, m, ":")
	typeText(t, m, "sync all")
	send(t, m, "enter")
	if !strings.Contains(m.status, "It was not recorded") {
		t.Fatalf("status: %q", m.status)
	}
}

// TestFailedExpectIsCrossedOnce: a claim that fails at the prompt is
// marked with one ✗, not two.
func TestFailedExpectIsCrossedOnce(t *testing.T) {
	m := newRoot(t, Options{Free: free(crdt.GCounter)}, 80, 24)
	send(t, m, ":")
	typeText(t, m, "expect all = 5")
	send(t, m, "enter")
	line := strings.Split(screen(m), "\n")[22]
	if strings.Count(line, "✗") != 1 || !strings.Contains(line, "expect all = 5") {
		t.Fatalf("status line: %q", line)
	}
}

// TestEditOffersTheEndOfTheText: in free play with text, e opens an
// insert at the end of the focused replica's text, where a lecturer
// types first, with the cursor between quotes, so that what is typed
// keeps its leading space: "hello", then " world", is "hello world".
func TestEditOffersTheEndOfTheText(t *testing.T) {
	m := newRoot(t, Options{Free: free(crdt.Text)}, 80, 24)
	send(t, m, "e")
	if v := m.prompt.Value(); v != `edit Alice insert 0 ""` {
		t.Fatalf("empty text: %q", v)
	}
	typeText(t, m, "hello")
	send(t, m, "enter", "e")
	if v := m.prompt.Value(); v != `edit Alice insert 5 ""` {
		t.Fatalf("after hello: %q", v)
	}
	typeText(t, m, " world")
	send(t, m, "enter")
	if got := value(m, replicas.CRDT, "Alice"); got != `"hello world"` {
		t.Fatalf("after e hello, e ' world': %s", got)
	}
	if got := value(m, replicas.Plain, "Alice"); got != `"hello world"` {
		t.Fatalf("plain after e hello, e ' world': %s", got)
	}
}

// TestPaneKeyAlwaysChangesThePane: at every size, in a demo and in free
// play, each v shows another pane: at 120 columns, where the messages and
// the log sit side by side, no press does nothing.
func TestPaneKeyAlwaysChangesThePane(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {100, 30}, {120, 36}, {200, 50}} {
		for _, o := range []Options{{Scenario: demo(t, "lost-update"), NoAsk: true}, {Free: free(crdt.PNCounter)}} {
			m := newRoot(t, o, size[0], size[1])
			send(t, m, "right", "right")
			m.status = ""
			seen := map[ui.Pane]bool{}
			for range 6 {
				before := screen(m)
				send(t, m, "v")
				m.status = ""
				if screen(m) == before {
					t.Fatalf("%dx%d demo %v: v on pane %d changed nothing:\n%s", size[0], size[1], o.Scenario != nil, m.pane, before)
				}
				seen[m.pane] = true
			}
			if !seen[ui.PaneDetails] || !seen[ui.PaneDiagram] {
				t.Fatalf("%dx%d: v never reached the details or the diagram: %v", size[0], size[1], seen)
			}
		}
	}
}

// TestFullSyncKey: in delta free play, F syncs the focused replica with
// whole states (to one replica, or a for all); ? and the help bar show it
// at 80 columns, and after a drop the status line names it. In state
// free play it is off and not shown.
func TestFullSyncKey(t *testing.T) {
	cfg := free(crdt.ORSet)
	cfg.Mode = replicas.ModeDelta
	m := newRoot(t, Options{Free: cfg}, 80, 24)
	bar := strings.Split(screen(m), "\n")[23]
	if !strings.Contains(bar, "F full") || !strings.Contains(bar, "c cut/heal") || !strings.HasSuffix(strings.TrimRight(bar, " "), "? help • q quit") {
		t.Fatalf("delta help bar: %q", bar)
	}
	if help := helpText(t, m); !strings.Contains(help, "F  ") || !strings.Contains(help, "full sync: whole states") {
		t.Fatalf("? lacks F:\n%s", help)
	}
	send(t, m, "esc", "+")
	typeText(t, m, "milk")
	send(t, m, "enter", "m", "2", "x")
	if !strings.Contains(m.status, "F (full sync)") {
		t.Fatalf("after a drop: %q", m.status)
	}
	send(t, m, "F", "2")
	if rec := m.Recording(); !strings.Contains(rec, "sync Alice -> Bob full") {
		t.Fatalf("F 2 did not sync in full:\n%s", rec)
	}
	if got := value(m, replicas.CRDT, "Bob"); got != "{milk}" {
		t.Fatalf("Bob after a full sync: %s", got)
	}
	send(t, m, "F", "a")
	if rec := m.Recording(); !strings.Contains(rec, "sync Alice -> all full") {
		t.Fatalf("F a:\n%s", rec)
	}
	m = newRoot(t, Options{Free: free(crdt.ORSet)}, 80, 24)
	if bar := strings.Split(screen(m), "\n")[23]; strings.Contains(bar, "F full") {
		t.Fatalf("state help bar: %q", bar)
	}
	if help := helpText(t, m); strings.Contains(help, "full sync: whole states") {
		t.Fatal("? lists F in state mode")
	}
}

// TestGlossaryUnderHelp: ? explains, one line each, every word and mark
// the boxes use, and the lane words.
func TestGlossaryUnderHelp(t *testing.T) {
	for _, ascii := range []bool{false, true} {
		m := newRoot(t, Options{Scenario: demo(t, "seed"), ASCII: ascii}, 80, 24)
		help := strings.Join(strings.Fields(helpText(t, m)), " ")
		for _, term := range []string{"4@Server 3:", "age 2:", "dot Laptop:1:", "context {Alice:1}:", "delta:", "op:", "saw #2:", "edits #1 #3:", "m4: message 4", "#2: edit 2",
			"CONVERGED:", "EQUAL:", "PENDING:", "DIVERGED:",
			"Plain overwrite: a server sends only after a write of its own", "nothing new", "(6 with a value)", "[→1 ←1]", "╳ B cut", "stamp 4@Server 3", "waiting: #3 (needs 1@A)"} {
			if term = ui.NewStyles(ui.Mono, ascii).Text(term); !strings.Contains(help, term) {
				t.Errorf("ascii %v: ? does not explain %q", ascii, term)
			}
		}
	}
}

// nonASCII is the first line of a frame holding a byte beyond ASCII, or "".
func nonASCII(frame string) string {
	for _, line := range strings.Split(frame, "\n") {
		for i := 0; i < len(line); i++ {
			if line[i] > 0x7f {
				return line
			}
		}
	}
	return ""
}

// TestASCIIIsASCII: with --ascii, every frame of every built-in demo at
// 80x24 (by step with its questions, and by action), every pane, the
// diagram full screen, the help screen and the menu hold no byte beyond
// ASCII.
func TestASCIIIsASCII(t *testing.T) {
	check := func(t *testing.T, m *Root, where string) {
		t.Helper()
		if line := nonASCII(m.View().Content); line != "" {
			t.Fatalf("%s: %q", where, ansi.Strip(line))
		}
	}
	for _, name := range builtinNames() {
		t.Run(name, func(t *testing.T) {
			for _, byAction := range []bool{false, true} {
				m := newRoot(t, Options{Scenario: demo(t, name), ASCII: true, ByAction: byAction}, 80, 24)
				check(t, m, "the opening frame")
				for !m.sess.atEnd() {
					send(t, m, "right")
					check(t, m, m.sess.stepLabel())
				}
				send(t, m, "right") // the notice at the end
				check(t, m, "the end")
			}
			m := newRoot(t, Options{Scenario: demo(t, name), ASCII: true, NoAsk: true}, 80, 24)
			for k := range m.sess.run.Steps {
				send(t, m, "right")
				for p := range 5 {
					send(t, m, "v")
					check(t, m, fmt.Sprintf("step %d, pane %d", k+1, p))
				}
				send(t, m, "g", "up")
				check(t, m, fmt.Sprintf("step %d, diagram", k+1))
				send(t, m, "G")
				check(t, m, fmt.Sprintf("step %d, diagram full screen", k+1))
				send(t, m, "esc", "g", "i")
				check(t, m, fmt.Sprintf("step %d, internals", k+1))
				send(t, m, "i")
			}
			send(t, m, "?")
			for range 40 {
				check(t, m, "help")
				send(t, m, "down")
			}
			send(t, m, "esc", "esc")
			check(t, m, "menu")
		})
	}
	cfg := free(crdt.ORSet)
	cfg.Mode = replicas.ModeDelta
	m := newRoot(t, Options{Free: cfg, ASCII: true}, 80, 24)
	for _, k := range []string{"+", "m", "i", "l", "k", "enter", "m", "2", "x", "F", "s", "c", "2", ":"} {
		send(t, m, k)
		check(t, m, "free play after "+k)
	}
}

// TestNarrationQuotesAreOnScreen: at 80x24 and 100x30, at the end of every
// step of every built-in demo, each part of a box (a metadata token such
// as "Laptop:1" or "4@Server 3", or a value) that the step's narration
// quotes is on screen in the boxes, however long the metadata line.
func TestNarrationQuotesAreOnScreen(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {100, 30}} {
		for _, name := range builtinNames() {
			m := newRoot(t, Options{Scenario: demo(t, name), NoAsk: true}, size[0], size[1])
			for m.sess.next() {
				m.refresh()
				narr, _ := m.sess.narration()
				boxes := strings.Join(strings.Fields(boxesOf(screen(m))), " ")
				for _, r := range m.sess.cluster().Replicas() {
					tokens := []string{r.ValueString(replicas.Plain), r.ValueString(replicas.CRDT)}
					for _, p := range r.Meta() {
						if p.Key != "" {
							tokens = append(tokens, p.Text)
						}
					}
					for _, tok := range tokens {
						if names(narr, tok) && !strings.Contains(boxes, tok) {
							t.Errorf("%dx%d %s %s: the narration quotes %q from %s's box, which does not show it:\n%s", size[0], size[1], name, m.sess.stepLabel(), tok, r.Name, screen(m))
						}
					}
				}
			}
		}
	}
}

// TestChangedItemIsOnScreen: at 80x24 and 100x30, at the end of every step
// of every built-in demo, an element a step added to a collection value
// shows in the boxes, and in the compact band beside the diagram, even
// where the value is cut (bytes-state and bytes-delta: one new item in a
// set of 200).
func TestChangedItemIsOnScreen(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {100, 30}} {
		for _, name := range builtinNames() {
			for _, pane := range []string{"", "g"} {
				m := newRoot(t, Options{Scenario: demo(t, name), NoAsk: true}, size[0], size[1])
				if pane != "" {
					send(t, m, pane)
				}
				for m.sess.next() {
					m.refresh()
					st := m.state()
					out := screen(m)
					for l, lane := range st.Changes {
						for i, ch := range lane {
							for _, e := range ch.Added {
								if !strings.Contains(out, e) {
									t.Fatalf("%dx%d %s %s pane %q: %s's lane %d gained %q, which is not on screen:\n%s", size[0], size[1], name, m.sess.stepLabel(), pane, m.sess.cluster().Names()[i], l, e, out)
								}
							}
						}
					}
				}
			}
		}
	}
	// The step that adds item-ben in bytes-delta shows it.
	m := newRoot(t, Options{Scenario: demo(t, "bytes-delta"), NoAsk: true}, 80, 24)
	send(t, m, "right", "right")
	if !strings.Contains(boxesOf(screen(m)), "+item-ben") {
		t.Fatalf("bytes-delta step 2 does not show item-ben:\n%s", screen(m))
	}
}

// TestBranchedHeaderFitsAt80: at 80 columns, after branching off any
// built-in demo, the header says in full where the demo was left (the
// title is cut first), and so does the status line.
func TestBranchedHeaderFitsAt80(t *testing.T) {
	for _, name := range builtinNames() {
		m := newRoot(t, Options{Scenario: demo(t, name), NoAsk: true}, 80, 24)
		send(t, m, "right", "c", "2") // cut or heal a link: an action in every demo
		lines := strings.Split(screen(m), "\n")
		label := fmt.Sprintf("branched at step 1/%d", len(m.sess.scenario.Steps))
		if !strings.Contains(lines[0], label) || !strings.Contains(lines[0], "r returns to the demo") {
			t.Errorf("%s: header %q", name, lines[0])
		}
		if status := lines[22]; !strings.Contains(status, "r returns to them.") {
			t.Errorf("%s: status %q", name, status)
		}
	}
}

// TestCompactBandShowsValues: at 80x24 beside the diagram (g), the
// compact band names the lanes once, so that every value of up to 18
// cells ("Extended Edition" in quotes) shows whole, in every step of
// every built-in demo with up to three replicas.
func TestCompactBandShowsValues(t *testing.T) {
	for _, name := range builtinNames() {
		m := newRoot(t, Options{Scenario: demo(t, name), NoAsk: true}, 80, 24)
		if len(m.sess.cluster().Names()) > 3 {
			continue
		}
		send(t, m, "g")
		for m.sess.next() {
			m.refresh()
			band := strings.Join(strings.Split(screen(m), "\n")[2:6], "\n")
			for _, r := range m.sess.cluster().Replicas() {
				for _, l := range replicas.Lanes {
					if v := r.ValueString(l); ansi.StringWidth(v) <= 18 && !strings.Contains(band, v) {
						t.Errorf("%s %s: %s's %s value %s is cut:\n%s", name, m.sess.stepLabel(), r.Name, l, v, band)
					}
				}
			}
		}
	}
}

// TestDiagramOnScreenLabelsAndMarks: on screen too, a sync all draws one
// fan per sender with every message's label (m4 … m15 in partition's last
// step, full screen at 120x36), and at 80x24 the partition marks show
// beside the diagram even where the statement fills the margin.
func TestDiagramOnScreenLabelsAndMarks(t *testing.T) {
	m := newRoot(t, Options{Scenario: demo(t, "partition"), NoAsk: true}, 120, 36)
	send(t, m, "end", "G")
	out := screen(m)
	for id := 4; id <= 15; id++ {
		if !strings.Contains(out, fmt.Sprintf("m%d", id)) {
			t.Errorf("m%d has no label:\n%s", id, out)
		}
	}
	for _, name := range []string{"Paris", "Berlin", "Tokyo", "Lima"} {
		if !strings.Contains(out, name+" sends its t8 state") {
			t.Errorf("no fan says it carries %s's state from before the sync:\n%s", name, out)
		}
	}
	m = newRoot(t, Options{Scenario: demo(t, "partition"), NoAsk: true}, 80, 24)
	send(t, m, "right", "right", "right", "g")
	if out := screen(m); !strings.Contains(out, "╳ 1 2 | 3 4") {
		t.Errorf("the partition marks do not show at 80x24:\n%s", out)
	}
}

// TestNarrationWrapsWhole: however narrow the pane, a step's narration,
// question and actions wrap without losing a character: "sync Ben -> Cat"
// once lost its hyphen where a line broke after it.
func TestNarrationWrapsWhole(t *testing.T) {
	for _, name := range builtinNames() {
		m := newRoot(t, Options{Scenario: demo(t, name)}, 80, 24)
		for m.sess.next() {
			st := m.state()
			want := st.Narration
			if st.Ask != nil {
				want = st.Ask.Text
				for k, c := range st.Ask.Choices {
					want += fmt.Sprintf(" %c) %s", 'a'+k, c)
				}
				want += " " + st.Narration
			}
			for w := 20; w <= 120; w++ {
				got := ansi.Strip(strings.Join(ui.NarrationLines(st, m.styles, w), " "))
				for _, l := range ui.NarrationLines(st, m.styles, w) {
					if plain := ansi.Strip(l); strings.HasPrefix(plain, "✓") || strings.HasPrefix(plain, "✗") {
						continue // an expectation is one line, cut by the pane
					}
					if ansi.StringWidth(l) > w {
						t.Fatalf("%s %s at %d: a line of %d cells: %q", name, st.StepLabel, w, ansi.StringWidth(l), ansi.Strip(l))
					}
				}
				if !strings.Contains(strings.Join(strings.Fields(got), " "), strings.Join(strings.Fields(want), " ")) {
					t.Fatalf("%s %s at %d: the narration lost something:\n%s\nwant\n%s", name, st.StepLabel, w, got, want)
				}
			}
		}
	}
}

// TestDroppedDeltaNoticeIsTrue: in delta free play, the status line after
// a drop says what repairs the loss, and never that the delta is lost for
// good: with three replicas, another replica relays the same delta, and S
// twice converges the lane.
func TestDroppedDeltaNoticeIsTrue(t *testing.T) {
	cfg := free(crdt.ORSet)
	cfg.Mode = replicas.ModeDelta
	m := newRoot(t, Options{Free: cfg}, 80, 24)
	send(t, m, "e")
	typeText(t, m, "milk")
	send(t, m, "enter", "m", "2", "x")
	notice := m.status
	if strings.Contains(notice, "for good") || !strings.Contains(notice, "F (full sync)") || !strings.Contains(notice, "relay") {
		t.Fatalf("after a drop: %q\n%s", notice, screen(m))
	}
	send(t, m, "S", "S")
	if st := m.sess.cluster().Status(replicas.CRDT); st.Kind != replicas.Converged {
		t.Fatalf("S twice did not repair the drop by a relay: %s", st.Summary())
	}
	// With two replicas there is no one to relay it: the notice says F.
	cfg = free(crdt.ORSet, "Alice", "Bob")
	cfg.Mode = replicas.ModeDelta
	m = newRoot(t, Options{Free: cfg}, 80, 24)
	send(t, m, "e")
	typeText(t, m, "milk")
	send(t, m, "enter", "m", "2", "x")
	if notice := m.status; strings.Contains(notice, "for good") || strings.Contains(notice, "relay") || !strings.Contains(notice, "F (full sync)") {
		t.Fatalf("after a drop, two replicas: %q", notice)
	}
}

// TestCausalAnyQuestionGivesNothingAway: causal-any asks at step 3
// whether the late add brings milk back. Nothing before its reveal, on
// screen or on the worksheet, states the rule that answers it (op
// delivery does not read the or-set's context): not the narration of step
// 2, and not the boxes, which show the context as data.
func TestCausalAnyQuestionGivesNothingAway(t *testing.T) {
	tells := []string{"ops ignore", "never reads", "without looking", "does not read"}
	for _, byAction := range []bool{false, true} {
		for _, size := range [][2]int{{80, 24}, {120, 36}} {
			m := newRoot(t, Options{Scenario: demo(t, "causal-any"), ByAction: byAction}, size[0], size[1])
			for range 100 {
				out := strings.Join(strings.Fields(screen(m)), " ")
				for _, tell := range tells {
					if strings.Contains(out, tell) {
						t.Fatalf("%dx%d by action %v, %s: the screen says %q before step 3's reveal:\n%s", size[0], size[1], byAction, m.sess.stepLabel(), tell, screen(m))
					}
				}
				if m.sess.step == 3 && m.sess.question() != nil {
					break
				}
				send(t, m, "right")
			}
			if m.sess.step != 3 || m.sess.question() == nil {
				t.Fatalf("never reached step 3's question (at %s)", m.sess.stepLabel())
			}
		}
	}
	s := demo(t, "causal-any")
	var b strings.Builder
	if err := demos.WriteTranscriptWith(&b, demos.Execute(s), demos.TranscriptOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, tell := range tells {
		if strings.Contains(b.String(), tell) {
			t.Fatalf("the worksheet says %q:\n%s", tell, b.String())
		}
	}
}

// TestConvergedOverDifferentMetadataIsExplained: where a step ends with
// the CRDT band CONVERGED beside boxes whose metadata lines differ (equal
// values, different states: double-count's slots), the narration quotes
// both lines, so that a student who asks why they differ reads why.
func TestConvergedOverDifferentMetadataIsExplained(t *testing.T) {
	for _, name := range builtinNames() {
		m := newRoot(t, Options{Scenario: demo(t, name), NoAsk: true}, 120, 36)
		for m.sess.next() {
			c := m.sess.cluster()
			if c.Status(replicas.CRDT).Kind != replicas.Converged {
				continue
			}
			metas := map[string]bool{}
			for _, r := range c.Replicas() {
				var b strings.Builder
				for _, p := range r.Meta() {
					b.WriteString(p.Text)
				}
				metas[b.String()] = true
			}
			if len(metas) < 2 {
				continue
			}
			narr, _ := m.sess.narration()
			flat := strings.Join(strings.Fields(narr), " ")
			for meta := range metas {
				if !strings.Contains(flat, meta) {
					t.Errorf("%s %s: CONVERGED beside metadata %q that the narration does not explain:\n%s", name, m.sess.stepLabel(), meta, narr)
				}
			}
		}
	}
}

// TestBannersNameWhoAt80x24: at 80x24, in every frame of every built-in
// demo (by step and by action), each lane's banner shows the headline,
// every replica its reason names (who hasn't seen what, or which two saw
// the same edits and differ), and the lost and declined tallies by their
// edit ids: these are who and what a step is about. What gives way first
// is the count of messages sent.
func TestBannersNameWhoAt80x24(t *testing.T) {
	for _, name := range builtinNames() {
		for _, byAction := range []bool{false, true} {
			m := newRoot(t, Options{Scenario: demo(t, name), ByAction: byAction, NoAsk: true}, 80, 24)
			for range 300 {
				lines := strings.Split(screen(m), "\n")
				c := m.sess.cluster()
				for _, lane := range replicas.Lanes {
					title := lines[1]
					if lane == replicas.CRDT {
						title = lines[1+1+m.layout.PlainBoxes.H]
					}
					stt := c.Status(lane)
					want := []string{strings.Fields(ui.StatusText(stt, ui.UnicodeSymbols))[0]}
					switch stt.Kind {
					case replicas.Diverged:
						want = append(want, stt.Same[:]...)
					case replicas.Pending, replicas.Equal:
						for _, u := range stt.Unseen {
							want = append(want, u.Replica)
						}
					}
					for _, id := range append(slices.Clone(stt.Lost), stt.Declined...) {
						want = append(want, id.String())
					}
					for _, w := range want {
						if !strings.Contains(title, w) {
							t.Errorf("%s %s (by action %v): the %s banner does not show %q:\n%s", name, m.sess.stepLabel(), byAction, lane, w, title)
						}
					}
				}
				if m.sess.atEnd() {
					break
				}
				send(t, m, "right")
			}
		}
	}
}

// TestQuestionChoicesBesideTheDiagram: at 80x24 with the diagram open
// (g), every question frame of every built-in demo still shows the
// question's choices: the class answers from them.
func TestQuestionChoicesBesideTheDiagram(t *testing.T) {
	for _, name := range builtinNames() {
		m := newRoot(t, Options{Scenario: demo(t, name)}, 80, 24)
		send(t, m, "g")
		for range 100 {
			if q := m.sess.question(); q != nil {
				out := strings.Join(strings.Fields(screen(m)), " ")
				for k, c := range q.Choices {
					if want := string(rune('a'+k)) + ") " + strings.Join(strings.Fields(c), " "); !strings.Contains(out, want) {
						t.Errorf("%s %s: the choice %q is not on screen beside the diagram:\n%s", name, m.sess.stepLabel(), want, screen(m))
					}
				}
			}
			if m.sess.atEnd() {
				break
			}
			send(t, m, "right")
		}
	}
}

// TestLinksLineMarksWhatItCuts: at 80x24, in every frame of every built-in
// demo (by step and by action), the links line shows every pair of
// replicas, or says how many it leaves out ("… 2 more").
func TestLinksLineMarksWhatItCuts(t *testing.T) {
	pair := regexp.MustCompile(`(\S+( \d)?) [↔→←╳] (\S+( \d)?)`)
	more := regexp.MustCompile(`… (\d+) more`)
	for _, name := range builtinNames() {
		for _, byAction := range []bool{false, true} {
			m := newRoot(t, Options{Scenario: demo(t, name), ByAction: byAction, NoAsk: true}, 80, 24)
			for range 300 {
				lines := strings.Split(screen(m), "\n")
				strip := strings.Join(lines[m.layout.Network.Y:m.layout.Network.Y+m.layout.Network.H], " ")
				n := len(m.sess.cluster().Names())
				shown := len(pair.FindAllString(strip, -1))
				hidden := 0
				if g := more.FindStringSubmatch(strip); g != nil {
					hidden, _ = strconv.Atoi(g[1])
				}
				if shown+hidden != n*(n-1)/2 {
					t.Fatalf("%s %s (by action %v): the links line shows %d pairs and says %d more, of %d:\n%s", name, m.sess.stepLabel(), byAction, shown, hidden, n*(n-1)/2, strip)
				}
				if m.sess.atEnd() {
					break
				}
				send(t, m, "right")
			}
		}
	}
}

// TestInternalsKeepTheirLabel: with i (the CRDT's internals) on, every
// CRDT box ends with its size in memory, its label whole: it is not what
// a message weighs, and the box must not leave that out. Every built-in
// demo, every step, at 80x24, 100x30 and 120x36.
func TestInternalsKeepTheirLabel(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {100, 30}, {120, 36}} {
		for _, name := range builtinNames() {
			m := newRoot(t, Options{Scenario: demo(t, name), NoAsk: true}, size[0], size[1])
			send(t, m, "i")
			for range 100 {
				out := screen(m)
				if m.layout.Internals > 0 {
					if got, want := strings.Count(out, "in memory"), m.layout.Columns; got != want {
						t.Fatalf("%dx%d %s %s: %d boxes say \"in memory\", of %d:\n%s", size[0], size[1], name, m.sess.stepLabel(), got, want, out)
					}
				}
				if m.sess.atEnd() {
					break
				}
				send(t, m, "right")
			}
		}
	}
}

// TestEditsLineKeepsItsWord: at 80x24, in every frame of every built-in
// demo, a box's edits line begins with the word "edits" whenever it is
// not longer than the box: four boxes in a row read "edits #1, saw #2",
// not "#1 · saw #2".
func TestEditsLineKeepsItsWord(t *testing.T) {
	line := regexp.MustCompile(`^(#\d|\(\d+\) )`)
	for _, name := range builtinNames() {
		m := newRoot(t, Options{Scenario: demo(t, name), NoAsk: true}, 80, 24)
		for range 100 {
			for _, ln := range strings.Split(boxesOf(screen(m)), "\n") {
				for _, cell := range strings.FieldsFunc(ln, func(r rune) bool { return strings.ContainsRune("┃│║", r) }) {
					if c := strings.TrimSpace(cell); line.MatchString(c) && strings.Contains(c, "saw") && len([]rune(strings.Replace("edits "+c, " · ", ", ", 1))) <= m.layout.BoxW-4 {
						t.Errorf("%s %s: an edits line without its word, though it fits: %q", name, m.sess.stepLabel(), c)
					}
				}
			}
			if m.sess.atEnd() {
				break
			}
			send(t, m, "right")
		}
	}
}
