package model

import (
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"crdtviz/class"
	"crdtviz/ui"
)

// storyReplay is a replay worked out by hand: the teacher heals, Ben gets
// the heal, Ada had it already from Ben's state; Ada answers the
// question; Cy's state arrived before the teacher admitted Cy.
func storyReplay() *class.Replay {
	return &class.Replay{Type: "or-set", Mode: "delta", Teacher: "Teacher", Code: "AAAA-BBBB-CCCC-DDDD", Names: []string{"Teacher", "Ada", "Ben", "Cy"},
		Controls: []class.ReplayControl{{L: 10, Text: "heal", Cut: true}},
		Messages: []class.ReplayMessage{
			{ID: 1, From: "Cy", To: "Teacher", Kind: "state", What: "its whole state (push/pull)", Via: "push/pull", SentL: 2, MadeAt: 1000, SentAt: 1000,
				End: class.Dropped, Where: "not admitted yet", Change: "dropped: not admitted yet", RecvL: 4, RecvAt: 1001},
			{ID: 2, From: "Teacher", To: "Ada", Kind: "control", Control: true, What: "the teacher's control: heal (no partition)", Via: "direct",
				SentL: 10, MadeAt: 2000, SentAt: 2001, End: class.Received, RecvL: 14, RecvAt: 2050, Copies: 1},
			{ID: 3, From: "Teacher", To: "Ben", Kind: "control", Control: true, What: "the teacher's control: heal (no partition)", Via: "direct",
				SentL: 10, MadeAt: 2000, SentAt: 2001, End: class.Received, RecvL: 11, RecvAt: 2010, Taken: true, Change: "heal", Copies: 1},
			{ID: 4, From: "Ada", To: "Teacher", Kind: "answer", What: "an answer", Via: "direct",
				SentL: 20, MadeAt: 3000, SentAt: 3000, End: class.Received, RecvL: 21, RecvAt: 3010, Taken: true, Change: "an answer arrived (1 answered)", Copies: 1},
		},
		Count: class.Accounting{Messages: 4, Received: 3, Dropped: 1},
	}
}

// TestReplayStory: the story draws the teacher's control to every member,
// even to Ada who had it already (review defect 7), and the answers the
// tally counts; each selected message's line says what it did in the
// words its row says (review defect 6), and names the control.
func TestReplayStory(t *testing.T) {
	rp := storyReplay()
	rr := BuildReplayRows(rp, ReplayDraw{Show: ShowStory, Zone: time.UTC})
	for _, id := range []int{2, 3, 4} {
		if !rr.Drawn[id] {
			t.Errorf("the story does not draw m%d (%s)", id, rp.Messages[id-1].What)
		}
	}
	if rr.Drawn[1] {
		t.Errorf("the story draws a state dropped as its sender joined")
	}
	all := BuildReplayRows(rp, ReplayDraw{Show: ShowAll, Zone: time.UTC})
	var actions []string
	for _, r := range all.Rows {
		actions = append(actions, r.Action)
	}
	text := strings.Join(actions, "\n")
	for _, c := range []struct {
		id   int
		row  string // what the row says
		pane string // and the selected message's last line
	}{
		{1, "Teacher dropped m1: not admitted yet", "and dropped: not admitted yet"},
		{2, "Ada got m2: nothing new (it had this control, or a later one, already)", ": nothing new (it had this control, or a later one, already)"},
		{3, "Ben got m3: heal", "by Ben's clock: heal"},
		{4, "Teacher got m4: an answer arrived (1 answered)", "by Teacher's clock: an answer arrived (1 answered)"},
	} {
		if !strings.Contains(text, c.row) {
			t.Errorf("m%d: the rows do not say %q:\n%s", c.id, c.row, text)
		}
		d := ReplayDetails(rp, c.id, time.UTC)
		if !strings.HasSuffix(d[2], c.pane) {
			t.Errorf("m%d: the pane says %q, want …%q", c.id, d[2], c.pane)
		}
	}
	if d := ReplayDetails(rp, 2, time.UTC); !strings.Contains(d[0], "heal") {
		t.Errorf("the pane does not name the control: %q", d[0])
	}
	// The payload was made at L10 and sent a little later, by the same
	// clock: the pane says both.
	if d := ReplayDetails(rp, 2, time.UTC); d[1] != "made at L10, 00:00:02.000 by Teacher's clock, sent at 00:00:02.001" {
		t.Errorf("%q", d[1])
	}
}

// TestReplayPaneComplete: the pane says every member's record is here only
// when it is (review defect 5).
func TestReplayPaneComplete(t *testing.T) {
	for _, complete := range []bool{false, true} {
		rp := storyReplay()
		rp.Complete = complete
		m := NewReplay(rp, ReplayOptions{Theme: ui.Mono, ThemeFixed: true, File: "x.rec", Zone: time.UTC})
		m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
		got := replayScreen(m)
		if says := strings.Contains(got, "Every member's record is here"); says != complete {
			t.Errorf("complete %v, and the pane says it %v:\n%s", complete, says, got)
		}
	}
	rp := storyReplay()
	rp.Complete, rp.Notes = false, []string{"Cy has no record: stopped answering"}
	m := NewReplay(rp, ReplayOptions{Theme: ui.Mono, ThemeFixed: true, File: "x.rec", Zone: time.UTC})
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	if got := replayScreen(m); !strings.Contains(got, "Cy has no record: stopped answering") || strings.Contains(got, "Every member") {
		t.Errorf("the notes:\n%s", got)
	}
	// More notes than the pane holds: the first, and how many more.
	rp.Notes = append(rp.Notes, "Dee has no record: stopped answering", "Max: 3 events of its record name someone the teacher never admitted (Ghost0): left out")
	m = NewReplay(rp, ReplayOptions{Theme: ui.Mono, ThemeFixed: true, File: "x.rec", Zone: time.UTC})
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	if got := replayScreen(m); !strings.Contains(got, "and 2 more notes: crdtviz class replay --transcript x.rec prints them all") {
		t.Errorf("three notes:\n%s", got)
	}
	if !slices.Contains(rp.Names, "Cy") {
		t.Fatal("Cy is a line")
	}
}
