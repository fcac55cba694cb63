package model

import (
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

// TestTinySizes: at 1x1, 20x5 and just under the minimum, the app shows
// the too-small screen, fits it, and still takes keys.
func TestTinySizes(t *testing.T) {
	for _, sz := range [][2]int{{1, 1}, {20, 5}, {47, 17}, {48, 17}, {47, 18}} {
		m := newRoot(t, Options{Free: free(crdt.PNCounter)}, sz[0], sz[1])
		send(t, m, "+", "S", "right", "left", "?", "x", ":", "esc")
		out := screen(m)
		checkFits(t, out, sz[0], sz[1])
		if sz[0] >= 10 && !strings.Contains(out, "small") {
			t.Errorf("%dx%d:\n%s", sz[0], sz[1], out)
		}
		if v := m.sess.cluster().Replica("Alice").Value(replicas.CRDT).Int; v != 1 {
			t.Errorf("%dx%d: keys stopped working (Alice = %d)", sz[0], sz[1], v)
		}
	}
}

// TestWideCharactersFit: emoji, CJK and combining marks in replica names,
// values and text keep every line exactly as wide as the window.
func TestWideCharactersFit(t *testing.T) {
	names := []string{"😀😀😀", "李小龙", "e\u0301e\u0301e\u0301"} // the last: e + combining acute
	for _, typ := range []crdt.Type{crdt.Text, crdt.ORSet, crdt.LWWMap} {
		for _, sz := range [][2]int{{80, 24}, {48, 18}, {200, 50}} {
			m := newRoot(t, Options{Free: &replicas.Config{Type: typ, Names: names}}, sz[0], sz[1])
			var stmt string
			switch typ {
			case crdt.Text:
				stmt = `edit "😀😀😀" insert 0 "你好🙂 wörld e` + "\u0301" + `"`
			case crdt.ORSet:
				stmt = `edit 李小龙 add 🍎苹果`
			default:
				stmt = `edit 李小龙 put 键 值😀`
			}
			send(t, m, ":")
			m.Update(tea.PasteMsg{Content: stmt})
			send(t, m, "enter", "S", "i", "v", "v", "v")
			if m.sess.tl.Len() != 2 {
				t.Fatalf("%s: the edit did not run: %s", typ, m.status)
			}
			checkFits(t, screen(m), sz[0], sz[1])
		}
	}
}

// TestDetailsShowWholeValue: a value too long for its box is cut with …,
// what the last action added first, and the Details tab holds it whole.
func TestDetailsShowWholeValue(t *testing.T) {
	m := newRoot(t, Options{Free: free(crdt.GSet)}, 80, 24)
	for i := range 40 {
		send(t, m, ":")
		m.Update(tea.PasteMsg{Content: fmt.Sprintf("edit Alice add element-%02d", i)})
		send(t, m, "enter")
	}
	box := strings.Split(screen(m), "\n")[4] // the plain lane's value line
	if !strings.Contains(box, "+element-39 {elem") || !strings.Contains(box, "…") || strings.Contains(box, "element-38") {
		t.Fatalf("the box does not cut the long value: %q", box)
	}
	for m.pane != 3 {
		send(t, m, "v")
	}
	details := m.detail.GetContent()
	if !strings.Contains(details, "element-00") || !strings.Contains(details, "element-39") {
		t.Fatalf("details lack the whole value:\n%s", details)
	}
	send(t, m, "]", "]", "]")
	checkFits(t, screen(m), 80, 24)
}

// TestProseLineBreaksStayInTheirRegion (issue 13, item 13): a \n in the
// title, the introduction or a step's narration wraps inside its region;
// every frame of a 100x30 cast is 30 lines, none wider than 100.
func TestProseLineBreaksStayInTheirRegion(t *testing.T) {
	src := "title \"one\\ntwo\\nthree\"\nabout \"first\\nsecond\\nthird\\nfourth\"\ntype pn-counter\nreplicas A B\n" +
		"step \"a\\nb\\nc\\nd\\ne\"\nedit A inc 1\nstep \"" + strings.Repeat("line\\n", 40) + "end\"\nsync all\n"
	s, err := demos.Parse("nl.demo", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	frames, err := Frames(s, CastOptions{Width: 100, Height: 30, Theme: ui.Mono, Step: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range frames {
		lines := strings.Split(f, "\n")
		if len(lines) != 30 {
			t.Fatalf("frame %d has %d lines:\n%s", i, len(lines), f)
		}
		for _, ln := range lines {
			if w := ansi.StringWidth(ln); w > 100 || strings.ContainsRune(ln, '\r') {
				t.Fatalf("frame %d has a line %d wide: %q", i, w, ln)
			}
		}
	}
	if !strings.Contains(ansi.Strip(frames[1]), "a") {
		t.Fatal("the narration is missing")
	}
	var b strings.Builder
	if err := demos.WriteTranscript(&b, demos.Execute(s)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `one\ntwo\nthree`) || !strings.Contains(b.String(), `a\nb\nc\nd\ne`) {
		t.Fatalf("the transcript does not escape line breaks:\n%s", b.String())
	}
}

// TestSaveFailureWarningPersists (issue 13, item 17): a failed --record
// save puts a warning on the status line that stays through other notices
// until a save succeeds, and tells the teacher how to save elsewhere.
func TestSaveFailureWarningPersists(t *testing.T) {
	m := newRoot(t, Options{Free: free(crdt.PNCounter)}, 120, 36)
	m.Update(SaveFailedMsg{Path: "lesson.demo", Err: fmt.Errorf("no space left on device")})
	for _, k := range []string{"", "+", "right", "tab", "S"} {
		if k != "" {
			send(t, m, k)
		}
		out := screen(m)
		if header := strings.SplitN(out, "\n", 2)[0]; !strings.Contains(header, "NOT SAVED: :w FILE") {
			t.Fatalf("after %q the header has no warning:\n%s", k, out)
		}
		if k == "" && !strings.Contains(out, "not saved to lesson.demo (no space left on device). Nothing is lost yet: :w FILE saves elsewhere") {
			t.Fatalf("the status line does not say why:\n%s", out)
		}
	}
	m.Update(SaveFailedMsg{Path: "lesson.demo"})
	if out := screen(m); strings.Contains(out, "NOT SAVED") {
		t.Fatalf("the warning stays after a good save:\n%s", out)
	}
}
