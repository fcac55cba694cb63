package model

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"crdtviz/ui"
)

func TestFirstSentence(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Every server stores a replica. Then more.", "Every server stores a replica."},
		{"Paris sends its count to Tokyo, but the link is cut: the message waits in the queue.", "Paris sends its count to Tokyo, but the link is cut: the message waits in the queue."},
		{`Server 1 hears "Director's Cut." Then it stops.`, `Server 1 hears "Director's Cut."`},
		{"They are concurrent (neither knew of the other). Then the messages cross.", "They are concurrent (neither knew of the other)."},
		{"Use a set, e.g. an or-set. It keeps adds.", "Use a set, e.g. an or-set."},
		{"Version 1.5 ships. Later.", "Version 1.5 ships."},
		{"Will they agree? No.", "Will they agree?"},
		{"No full stop at all", "No full stop at all"},
		{"  ", ""},
	} {
		if got := FirstSentence(c.in); got != c.want {
			t.Errorf("FirstSentence(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestRecord: what the lesson page follows. Each step's marker time is
// its first frame's; a step that asks shows its outcome later, at Reveal;
// a question's diagram is the one of the step before's end, so that it
// shows nothing the question asks about; frames and steps agree.
func TestRecord(t *testing.T) {
	s := demo(t, "partition")
	r, err := Record(s, CastOptions{Width: 100, Height: 30, Theme: ui.Light, Step: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Steps) != len(s.Steps) {
		t.Fatalf("%d steps recorded of %d", len(r.Steps), len(s.Steps))
	}
	frameAt := map[time.Duration]CastFrame{}
	for i, f := range r.Frames {
		frameAt[f.At] = f
		if i > 0 && f.At <= r.Frames[i-1].At {
			t.Fatalf("frame %d at %s, after %s", i, f.At, r.Frames[i-1].At)
		}
		if f.Diagram < 0 || f.Diagram >= len(r.Diagrams) {
			t.Fatalf("frame %d names diagram %d of %d", i, f.Diagram, len(r.Diagrams))
		}
	}
	asks := 0
	for i, st := range r.Steps {
		f, ok := frameAt[st.At]
		if !ok || f.Step != i+1 {
			t.Fatalf("step %d's marker at %s is at no frame of its own (%+v)", i+1, st.At, f)
		}
		if s.Steps[i].Ask == nil {
			if st.Ask != nil || st.Reveal != st.At || f.Asking {
				t.Errorf("step %d asks nothing, yet %+v", i+1, st)
			}
			continue
		}
		asks++
		out, ok := frameAt[st.Reveal]
		if st.Ask == nil || !f.Asking || st.Reveal <= st.At || !ok || out.Asking || out.Step != i+1 {
			t.Errorf("step %d asks: %+v, its frames %+v then %+v", i+1, st, f, out)
		}
		if st.Label != fmt.Sprintf("Step %d: %s", i+1, st.Ask.Text) {
			t.Errorf("step %d's label %q does not put its question", i+1, st.Label)
		}
		before := frameAt[r.Steps[i-1].Reveal] // the step before, answered
		if f.Diagram != before.Diagram || out.Diagram == f.Diagram {
			t.Errorf("step %d: diagrams %d before, %d at the question, %d after", i+1, before.Diagram, f.Diagram, out.Diagram)
		}
		if a, b := len(r.Diagrams[f.Diagram].Rows), len(r.Diagrams[out.Diagram].Rows); a >= b {
			t.Errorf("step %d acts, yet its question's diagram has %d rows and its outcome's %d", i+1, a, b)
		}
	}
	if asks == 0 {
		t.Fatal("the partition demo asks nothing: pick a demo with questions")
	}
	if r.Duration <= r.Frames[len(r.Frames)-1].At {
		t.Errorf("the cast ends at %s, before its last frame has stayed", r.Duration)
	}

	// With --no-ask: no question, labels from the narration.
	r, err = Record(s, CastOptions{Width: 100, Height: 30, Theme: ui.Light, Step: time.Second, NoAsk: true})
	if err != nil {
		t.Fatal(err)
	}
	for i, st := range r.Steps {
		if st.Ask != nil || st.Reveal != st.At || st.Label != fmt.Sprintf("Step %d: %s", i+1, FirstSentence(s.Steps[i].Text)) {
			t.Errorf("--no-ask step %d: %+v", i+1, st)
		}
	}
}

// The cast's header carries the theme's colours, so that a player shows
// the ones the cast was made with; mono sets none.
func TestCastHeaderTheme(t *testing.T) {
	s := demo(t, "seed")
	for _, c := range []struct {
		theme  ui.Theme
		fg, bg string
	}{{ui.Light, "#1b1b1b", "#ffffff"}, {ui.Dark, "#e4e4e4", "#000000"}, {ui.HighContrast, "#ffffff", "#000000"}, {ui.Mono, "", ""}} {
		data, err := Cast(s, CastOptions{Width: 80, Height: 24, Theme: c.theme, Step: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		var h struct {
			Theme *struct{ FG, BG, Palette string }
		}
		if err := json.Unmarshal([]byte(strings.SplitN(string(data), "\n", 2)[0]), &h); err != nil {
			t.Fatal(err)
		}
		switch {
		case c.fg == "" && h.Theme != nil:
			t.Errorf("%s: a theme in the header: %+v", c.theme, h.Theme)
		case c.fg != "" && (h.Theme == nil || h.Theme.FG != c.fg || h.Theme.BG != c.bg || len(strings.Split(h.Theme.Palette, ":")) != 16):
			t.Errorf("%s: header theme %+v", c.theme, h.Theme)
		}
	}
}

// TestMarkerLabelsGiveNothingAway: a marker's label shows ahead of time
// (on hover over the player's progress bar, and in the page's list of
// steps), so with questions on it follows the worksheet's rule: a step
// before the first question is labelled with its narration's first
// sentence, a step with a question with its question, and every later
// step with its actions only. Every built-in demo with questions; and no
// label names a later step's narration, which can tell an earlier
// question's answer.
func TestMarkerLabelsGiveNothingAway(t *testing.T) {
	for _, name := range builtinNames() {
		s := demo(t, name)
		if !s.HasAsk() {
			continue
		}
		r, err := Record(s, CastOptions{Width: 80, Height: 24, Theme: ui.Mono, Step: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		asked := false
		for i, st := range r.Steps {
			step := s.Steps[i]
			asked = asked || step.Ask != nil
			var want string
			switch {
			case step.Ask != nil:
				want = step.Ask.Text
			case !asked:
				want = FirstSentence(step.Text)
			default:
				want = strings.Join(step.Actions(), "; ")
			}
			label := fmt.Sprintf("Step %d", i+1)
			if want != "" {
				label += ": " + want
			}
			if st.Label != label {
				t.Errorf("%s step %d: label %q, want %q", name, i+1, st.Label, label)
			}
			if asked && step.Ask == nil && strings.Contains(st.Label, FirstSentence(step.Text)) {
				t.Errorf("%s step %d, after a question: its label tells its narration: %q", name, i+1, st.Label)
			}
		}
		// The cast's own markers carry the same labels.
		k := 0
		for _, ln := range strings.Split(string(r.Cast), "\n")[1:] {
			var ev []any
			if json.Unmarshal([]byte(ln), &ev) != nil || len(ev) != 3 || ev[1] != "m" {
				continue
			}
			if k >= len(r.Steps) || ev[2] != r.Steps[k].Label {
				t.Errorf("%s marker %d: %v", name, k+1, ev[2])
			}
			k++
		}
		if k != len(r.Steps) {
			t.Errorf("%s: %d markers for %d steps", name, k, len(r.Steps))
		}
	}
}
