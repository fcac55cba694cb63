package model

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"crdtviz/class"
	"crdtviz/replicas"
	"crdtviz/ui"
)

// testdata/class3.rec is a real recording: three crdtviz processes on
// loopback (TestClassRecordProcesses, run with CRDTVIZ_KEEP_RECORD set):
// Ada and Ben each add an item at once, the teacher cuts Ben off, each
// side adds one, the teacher heals. Every record in it is signed by its
// member, so that it loads like any file a class writes.

func loadTestReplay(t testing.TB) *class.Replay {
	t.Helper()
	b, err := os.ReadFile("testdata/class3.rec")
	if err != nil {
		t.Fatal(err)
	}
	rec, err := class.LoadRecording(b)
	if err != nil {
		t.Fatal(err)
	}
	return rec.Replay()
}

func newReplay(t testing.TB, w, h int, keys ...string) *Replay {
	t.Helper()
	m := NewReplay(loadTestReplay(t), ReplayOptions{Theme: ui.Mono, ThemeFixed: true, File: "testdata/class3.rec", Zone: time.UTC})
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	for _, k := range keys {
		m.Update(keyMsg(k))
	}
	return m
}

func replayScreen(m *Replay) string { return ansi.Strip(m.View().Content) }

// TestReplayGolden: the replay screen at 80x24 and 120x36: as it opens
// (the beginning of the story), with a message selected, full screen, and
// drawing every message.
func TestReplayGolden(t *testing.T) {
	for _, c := range []struct {
		name string
		w, h int
		keys []string
	}{
		{"replay-80x24", 80, 24, nil},
		{"replay-120x36", 120, 36, nil},
		{"replay-selected-80x24", 80, 24, []string{"down", "down", "down", "down", "down", "down"}},
		{"replay-selected-120x36", 120, 36, []string{"down", "down", "down", "down", "down", "down"}},
		{"replay-full-80x24", 80, 24, []string{"G"}},
		{"replay-all-120x36", 120, 36, []string{"a"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := replayScreen(newReplay(t, c.w, c.h, c.keys...))
			checkFits(t, got, c.w, c.h)
			golden(t, c.name, got)
		})
	}
}

// TestReplayScreenSays: the screen says what the rows and clocks are, in
// the pane and full screen; a selected message says when it was sent and
// received, each by its own laptop's clock.
func TestReplayScreenSays(t *testing.T) {
	m := newReplay(t, 100, 30)
	if got := replayScreen(m); !strings.Contains(got, "Clock times are each laptop's own") || !strings.Contains(got, "0 lost") {
		t.Fatalf("the pane:\n%s", got)
	}
	m.Update(keyMsg("G"))
	if got := replayScreen(m); !strings.Contains(got, "Clock times are each laptop's own") {
		t.Fatalf("full screen:\n%s", got)
	}
	m.Update(keyMsg("esc"))
	if m.full {
		t.Fatal("esc leaves the full screen first")
	}
	for range 3 {
		m.Update(keyMsg("down"))
	}
	msg := m.rp.Messages[m.selected-1]
	got := replayScreen(m)
	for _, want := range []string{"by " + msg.From + "'s clock", "by " + msg.To + "'s clock", "made at L"} {
		if !strings.Contains(got, want) {
			t.Errorf("the selected message's details do not say %q:\n%s", want, got)
		}
	}
	if _, cmd := m.Update(keyMsg("q")); cmd == nil {
		t.Fatal("q quits")
	}
}

// TestReplayRowsCausal: in the rows built from the recording, every
// message drawn is received on a row below the one it was sent on, every
// edit is on its author's line, and the partition shows as links down
// between the teacher's groups only while it lasted.
func TestReplayRowsCausal(t *testing.T) {
	rp := loadTestReplay(t)
	c := rp.Count
	if c.Messages != c.Received+c.Cut+c.Dropped+c.Lost+c.NotKnown || c.Lost != 0 || c.Cut == 0 {
		t.Fatalf("%+v", c)
	}
	for _, show := range []ReplayShow{ShowStory, ShowAll} {
		rr := BuildReplayRows(rp, ReplayDraw{Show: show, Zone: time.UTC})
		row := map[int]int64{}
		for _, r := range rr.Rows {
			for _, e := range r.Events {
				switch e.Kind {
				case replicas.EvDeliver, replicas.EvDrop:
					if e.Sent >= r.Tick {
						t.Fatalf("%s: m%d sent on row %d, ends on row %d", show, e.Msg, e.Sent, r.Tick)
					}
					row[e.Msg] = r.Tick
				case replicas.EvEdit:
					if !strings.Contains(r.Action, e.Edit.String()+" "+e.Replica+":") {
						t.Fatalf("%s: edit %s on %s's line, but the margin says %q", show, e.Edit, e.Replica, r.Action)
					}
				}
			}
		}
		for id := range rr.Drawn {
			if _, ok := row[id]; !ok {
				t.Fatalf("%s: m%d drawn but on no row", show, id)
			}
		}
		d := ui.BuildDiagram(rr.Input(0))
		cutRows := 0
		for _, r := range d.Rows {
			if len(r.Down) > 0 {
				cutRows++
			}
		}
		if cutRows == 0 || cutRows == len(d.Rows) {
			t.Fatalf("%s: the partition's links down on %d of %d rows", show, cutRows, len(d.Rows))
		}
	}
}

// TestReplayText: the transcript's diagram is ui's, with the replay's
// legend, at any width; ASCII under --ascii.
// brokenClock is a line that ends inside a clock time: "(23:10:13.18".
var brokenClock = regexp.MustCompile(`(\(\d\d:\d\d(:\d\d(\.\d{0,3})?)?|\s[\d.:]{1,11}\))$`)

func TestReplayText(t *testing.T) {
	rp := loadTestReplay(t)
	for _, w := range []int{60, 80, 120} {
		text := ReplayText(rp, "class3.rec", ReplayDraw{Zone: time.UTC}, w, false)
		words := strings.Join(strings.Fields(text), " ")
		for _, want := range []string{"1 Teacher", "2 Ada", "3 Ben", "Lamport time", "received", "the teacher's partition"} {
			if !strings.Contains(words, want) {
				t.Errorf("at %d columns, no %q", w, want)
			}
		}
		// Every line fits, the header's too (review defect 8), and a clock
		// time is never broken across two lines.
		for _, ln := range strings.Split(text, "\n") {
			if ansi.StringWidth(ln) > w {
				t.Errorf("at %d columns, a line of %d: %q", w, ansi.StringWidth(ln), ln)
			}
			if brokenClock.MatchString(ln) {
				t.Errorf("at %d columns, a clock time broken: %q", w, ln)
			}
		}
	}
	// Five laptops at 80 columns, the reviewer's handout: a clock time
	// stays whole.
	five := *rp
	five.Names = append(slices.Clone(rp.Names), "Cy", "Dee")
	for _, ln := range strings.Split(ReplayText(&five, "class3.rec", ReplayDraw{Zone: time.UTC}, 80, false), "\n") {
		if brokenClock.MatchString(ln) || ansi.StringWidth(ln) > 80 {
			t.Errorf("five laptops at 80 columns: %q", ln)
		}
	}
	ascii := ui.ASCIIText(ReplayText(rp, "class3.rec", ReplayDraw{Show: ShowAll, Zone: time.UTC}, 100, true))
	two := ReplayText(rp, "class3.rec", ReplayDraw{Only: []string{"Ada", "Ben"}, Zone: time.UTC}, 100, false)
	if strings.Contains(two, "Teacher got") || !strings.Contains(two, "1 Ada") || !strings.Contains(two, "2 Ben") {
		t.Errorf("--only Ada,Ben:\n%s", two)
	}
	for _, r := range ascii {
		if r > 126 {
			t.Fatalf("a character outside ASCII: %q", r)
		}
	}
}
