package model

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"crdtviz/crdt"
	"crdtviz/demos"
	"crdtviz/replicas"
	"crdtviz/ui"
)

// replay parses and runs a recording, and checks it passes and ends in the
// same state as the session that made it.
func replay(t *testing.T, m *Root) *demos.Run {
	t.Helper()
	text := m.Recording()
	s, err := demos.Parse("recording", []byte(text))
	if err != nil {
		t.Fatalf("the recording does not parse: %v\n%s", err, text)
	}
	run := demos.Execute(s)
	if run.Err != nil || run.Failed() > 0 {
		t.Fatalf("the recording does not pass: err %v, %d failed\n%s", run.Err, run.Failed(), text)
	}
	if !replicas.SameState(run.Timeline.Cluster(), m.sess.cluster()) {
		t.Fatalf("replaying the recording gives another state:\n%s\nwant\n%s\n%s", run.Timeline.Cluster().Dump(), m.sess.cluster().Dump(), text)
	}
	return run
}

func TestRecordRoundTripFreePlay(t *testing.T) {
	m := newRoot(t, Options{Free: free(crdt.Text, "Ann", "Ben \"B\"")}, 80, 24)
	send(t, m, ":")
	typeText(t, m, `step "Two people type apart"`)
	send(t, m, "enter", "c", "2", "e")
	typeText(t, m, `"hi there"`)
	send(t, m, "enter", "2", ":")
	typeText(t, m, `edit "Ben \"B\"" insert 0 "yo"`)
	send(t, m, "enter", "+", "esc", "left", "right", "c", "1", "S", ":") // an undo and redo, a heal, a sync
	typeText(t, m, "expect converged")
	send(t, m, "enter", "m", "1", "u")
	run := replay(t, m)
	if run.Passed() != 1 || len(run.Steps) != 1 || run.Scenario.Steps[0].Text != "Two people type apart" {
		t.Fatalf("passed %d, steps %d\n%s", run.Passed(), len(run.Steps), m.Recording())
	}
	// Undo, then act: the undone future and its marks are gone.
	send(t, m, "left", "left", "left", "+")
	replay(t, m)
}

func TestRecordRoundTripDemo(t *testing.T) {
	m := newRoot(t, Options{Scenario: demo(t, "partition")}, 80, 24)
	send(t, m, "right", "right", "right")
	run := replay(t, m)
	if len(run.Steps) != 3 || run.Passed() == 0 {
		t.Fatalf("%d steps, %d passed\n%s", len(run.Steps), run.Passed(), m.Recording())
	}
	send(t, m, "H", "S") // branch off: heal and sync
	run = replay(t, m)
	if len(run.Steps) != 4 || run.Scenario.Steps[3].Text != "On my own from here" {
		t.Fatalf("%d steps\n%s", len(run.Steps), m.Recording())
	}
	// A session with nothing done still records a valid file.
	replay(t, newRoot(t, Options{Free: free(crdt.GSet)}, 80, 24))
}

func TestSaveIsCalledAfterEveryChange(t *testing.T) {
	var saved []string
	opts := Options{Free: free(crdt.GCounter), Save: func(text string) tea.Cmd { saved = append(saved, text); return nil }}
	m := newRoot(t, opts, 80, 24)
	send(t, m, "+", "+", "right", "tab")
	if len(saved) != 2 || !strings.Contains(saved[1], "edit Alice inc 1\nedit Alice inc 1\n") {
		t.Fatalf("saved %d times: %q", len(saved), saved)
	}
}

func TestAutoplay(t *testing.T) {
	m := newRoot(t, Options{Scenario: demo(t, "reorder"), Autoplay: time.Second, ExitAtEnd: true, NoAsk: true}, 80, 24)
	if m.Init() == nil || !m.auto.on {
		t.Fatal("autoplay did not start")
	}
	tick := func() tea.Cmd { _, cmd := m.Update(autoplayMsg{gen: m.auto.gen}); return cmd }
	tick()
	if m.sess.step != 1 {
		t.Fatalf("step %d after a tick", m.sess.step)
	}
	m.Update(autoplayMsg{gen: m.auto.gen - 1}) // a stale tick does nothing
	if m.sess.step != 1 {
		t.Fatal("a stale tick moved the demo")
	}
	send(t, m, "+") // faster, still playing
	if !m.auto.on || m.auto.every >= time.Second {
		t.Fatalf("autoplay %v every %s", m.auto.on, m.auto.every)
	}
	send(t, m, "-", "-")
	if m.auto.every <= time.Second {
		t.Fatalf("slower gave %s", m.auto.every)
	}
	send(t, m, "right") // any other key pauses, and does nothing else
	if m.auto.on || m.sess.step != 1 {
		t.Fatalf("autoplay %v at step %d", m.auto.on, m.sess.step)
	}
	send(t, m, "a")
	for range len(m.sess.scenario.Steps) - 1 {
		tick()
	}
	if m.sess.step != len(m.sess.scenario.Steps) {
		t.Fatalf("step %d", m.sess.step)
	}
	cmd := tick()
	if cmd == nil {
		t.Fatal("no quit at the end")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Fatal("the command at the end is not quit")
	}
}

func TestCast(t *testing.T) {
	s := demo(t, "lost-update")
	o := CastOptions{Width: 100, Height: 30, Theme: ui.Dark, Step: 2 * time.Second}
	a, err := Cast(s, o)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Cast(s, o)
	if string(a) != string(b) {
		t.Fatal("the same demo gave two different casts")
	}
	lines := strings.Split(strings.TrimSuffix(string(a), "\n"), "\n")
	var header struct{ Version, Width, Height int }
	if err := json.Unmarshal([]byte(lines[0]), &header); err != nil || header.Version != 2 || header.Width != 100 || header.Height != 30 {
		t.Fatalf("header %s: %v", lines[0], err)
	}
	last := -1.0
	var frames, labels []string
	var markedFrames []int // the frame each marker is at
	for _, ln := range lines[1:] {
		var ev []any
		if err := json.Unmarshal([]byte(ln), &ev); err != nil || len(ev) != 3 || (ev[1] != "o" && ev[1] != "m") {
			t.Fatalf("event %s: %v", ln, err)
		}
		at := ev[0].(float64)
		if ev[1] == "m" {
			// A step's marker: at the time of the frame just written.
			if at != last {
				t.Fatalf("marker %s at %v, not at its frame's %v", ln, at, last)
			}
			labels = append(labels, ev[2].(string))
			markedFrames = append(markedFrames, len(frames)-1)
			continue
		}
		if at <= last {
			t.Fatalf("time %v after %v", at, last)
		}
		last = at
		frames = append(frames, ansi.Strip(ev[2].(string)))
	}
	// One marker per step, at its first frame (its question's, when it asks
	// one), labelled "Step N: " and its first sentence, or its question.
	if len(labels) != len(s.Steps) {
		t.Fatalf("%d markers for %d steps: %q", len(labels), len(s.Steps), labels)
	}
	for i, st := range s.Steps {
		want := fmt.Sprintf("Step %d: %s", i+1, FirstSentence(st.Text))
		if st.Ask != nil {
			want = fmt.Sprintf("Step %d: %s", i+1, st.Ask.Text)
		}
		if labels[i] != want {
			t.Errorf("marker %d is %q, want %q", i, labels[i], want)
		}
		if f := markedFrames[i]; !strings.Contains(frames[f], fmt.Sprintf("step %d/%d", i+1, len(s.Steps))) {
			t.Errorf("marker %d is at frame %d, which is not step %d's", i, f, i+1)
		}
	}
	// Each step's narration shows, after its question when it asks one:
	// a frame for each →.
	f := 1
	for i, st := range s.Steps {
		if st.Ask != nil {
			if !strings.Contains(frames[f], st.Ask.Text[:20]) {
				t.Errorf("frame %d lacks step %d's question %q", f, i+1, st.Ask.Text)
			}
			f++
		}
		words := strings.Fields(st.Text)
		head := strings.Join(words[:min(4, len(words))], " ")
		if !strings.Contains(frames[f], head) {
			t.Errorf("frame %d lacks step %d's narration %q", f, i+1, head)
		}
		f++
	}
	if f != len(frames)-1 { // the last event shows the cursor again
		t.Errorf("%d frames for %d steps and their questions", len(frames), f)
	}
	if _, err := Cast(s, CastOptions{Width: 20, Height: 5, Step: time.Second}); err == nil {
		t.Error("a cast below the minimum size should fail")
	}
}
