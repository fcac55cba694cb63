package ui

import (
	"slices"
	"strconv"

	"crdtviz/replicas"
)

// The space-time diagram (Lamport's): one column per replica, time running
// down, one row per tick that has an event. Edits are dots on their
// replica's line; messages are arrows from the sender at the tick they
// were taken to the receiver at the tick they arrived. It is built from
// the engine's events, the same ones the log is written from, never from
// the log's sentences.
//
// Building is pure and separate from drawing: BuildDiagram turns rows of
// events into lines, arrows and marks; DrawDiagram puts them on a grid of
// cells. Only the rows a window shows need to be given (see DiagramInput).

// DiagramRow is one tick with events.
type DiagramRow struct {
	Tick   int64
	Action string // the statement that made it, for the margin
	Events []replicas.Event
	// Partial marks a sync shown half done (action-by-action playback):
	// its messages are taken and in flight, not yet delivered.
	Partial bool
	// MinLines is the least number of lines the row takes, so that its
	// statement can wrap in the margin (a handout); 0 or 1: one.
	MinLines int
	// Label is what the margin says the row's time is; "" says "t" and
	// the tick. (The classroom's replay numbers its rows, and labels each
	// with its Lamport time.)
	Label string
}

// DiagramInput is what a diagram is built from.
type DiagramInput struct {
	Names []string
	// Rows are ticks with events, oldest first; the last is the current
	// point of time travel. They may be only the newest rows of a long
	// history: Older counts the rows left out before them.
	Rows  []DiagramRow
	Older int
	// InFlight are the messages in flight at the current point.
	InFlight []*replicas.Message
	// Up reports whether a link is up at the current point.
	Up func(from, to string) bool
	// MarginHead heads the margin; "" says "tick and statement".
	MarginHead string
	// MinMargin is the least the margin gets, in columns, when more than
	// the default (a handout whose statements hold clock times).
	MinMargin int
}

// ArrowEnd says how a message's arrow ends.
type ArrowEnd int

const (
	EndDelivered ArrowEnd = iota // a head at the receiver
	EndDropped                   // ✗ partway: it never arrives
	EndInFlight                  // an open head partway, at the "now" line
)

// Arrow is one message.
type Arrow struct {
	ID, CopyOf int
	From, To   int // columns
	Start, End int // lines; Start < 0 for a message taken before the rows given
	How        ArrowEnd
	Dim        bool // nothing new for the plain lane
	Copies     int  // how many copies were made of it (duplicate): 1 when none
	// CopyIDs are the numbers of the network's copies of it, which its
	// label names after its own ("m1,m2").
	CopyIDs []int
	// Unlabelled is set for a copy whose original is drawn: the original's
	// label names it.
	Unlabelled bool
	// Bracketed puts the label in brackets, "(m4)": on paper, where
	// nothing is dim, it marks a message with nothing new for the plain
	// lane.
	Bracketed bool
	// LabelAtHead puts the label beside the arrow's head rather than its
	// start: the messages of a sync to many start on one line, and end
	// each on its own.
	LabelAtHead bool
	// Also are the other messages this arrow stands for: a student's
	// messages (the lab) that took the same path at the same time, as a
	// node on a timer writes several between two sends. Its label is then
	// "s2+5".
	Also []int
}

// Has reports whether the arrow stands for message id.
func (a Arrow) Has(id int) bool { return a.ID == id || slices.Contains(a.Also, id) }

// Label is the arrow's label: "m4", "m1,m2" for a message and the
// network's copy of it, "s2+5" for six of a student's messages on one path
// (the lab), or "" for a copy its original's label names.
func (a Arrow) Label() string {
	if a.Unlabelled {
		return ""
	}
	text := MsgLabel(a.ID)
	for _, id := range a.CopyIDs {
		text += "," + MsgLabel(id)
	}
	if len(a.Also) > 0 {
		text += "+" + strconv.Itoa(len(a.Also))
	}
	if a.Bracketed {
		text = "(" + text + ")"
	}
	return text
}

// Mark is an edit on a replica's line.
type Mark struct {
	Line, Col int
	Edit      replicas.EditID
	Declined  bool // declined in the CRDT lane or in both
}

// RowLines are the lines of one row: Top is the tick's line; Bottom is
// where a sync's messages arrive (Top when it has none).
type RowLines struct {
	Top, Bottom int
	Tick        int64
	Label       string // the row's time as the margin says it; "" for "t" and the tick
	Action      string
	Partial     bool
	// Down lists the directed links that are down after the row, as
	// column pairs.
	Down [][2]int
	// Fans are the senders of a sync from several replicas to many (sync
	// all), drawn one fan after another below the row's statement: the
	// line each fan starts on, and the sender's column.
	Fans []Fan
}

// Fan is one sender's messages in a sync to many: they leave its line at
// Line and arrive syncGap+1 lines below. Every sender's state was taken
// before any message arrived; the margin says so on each fan's line.
type Fan struct {
	Line, From int
}

// Diagram is a built space-time diagram.
type Diagram struct {
	Names  []string
	Rows   []RowLines
	Arrows []Arrow
	Marks  []Mark
	Lines  int // lines in all, the "now" line included
	Now    int // the line where messages in flight end, or -1
	Older  int
	// MarginHead heads the margin; "" for "tick and statement".
	MarginHead string
	MinMargin  int // the least the margin gets, when more than the default
}

// Spacing of the diagram, in lines.
const (
	diagramGap = 1 // empty lines between two rows
	syncGap    = 3 // lines between a sync's sending and its arrival: odd, so crossing arrows meet on the middle one
	nowGap     = 3 // lines between the current row and the "now" line
)

// BuildDiagram lays out the rows, arrows and marks. It is pure.
func BuildDiagram(in DiagramInput) Diagram {
	d := Diagram{Names: in.Names, Older: in.Older, Now: -1, MarginHead: in.MarginHead, MinMargin: in.MinMargin}
	col := make(map[string]int, len(in.Names))
	for i, n := range in.Names {
		col[n] = i
	}
	// Lines of each row, and where each tick's row starts. A sync's
	// messages are all taken on the row's first line and arrive syncGap+1
	// lines below; a sync of more than two messages from several senders
	// (sync all) is drawn one fan per sender, each below the one before,
	// so that every arrow and label stands clear (the margin says that
	// every fan carries its sender's state from before the sync). A sync
	// shown half done (Partial) is laid out the same, in flight.
	line := 0
	topOf := make(map[int64]int, len(in.Rows))
	for _, r := range in.Rows {
		rl := RowLines{Top: line, Bottom: line, Tick: r.Tick, Label: r.Label, Action: r.Action, Partial: r.Partial}
		senders := syncSenders(r, col)
		switch n := syncedIn(r); {
		case n > 2 && len(senders) > 1 || r.Partial && len(senders) > 1 && n > 2:
			// One fan per sender, below the statement's lines, each
			// syncGap+2 lines tall: every arrow and label stands clear.
			at := line + max(1, r.MinLines)
			for _, from := range senders {
				rl.Fans = append(rl.Fans, Fan{Line: at, From: from})
				at += syncGap + 2
			}
			rl.Bottom = at - 1 // the last fan's arrival line
		case n > 0 && !r.Partial:
			rl.Bottom = line + syncGap + 1
		}
		rl.Bottom = max(rl.Bottom, line+r.MinLines-1)
		topOf[r.Tick] = line
		d.Rows = append(d.Rows, rl)
		line = rl.Bottom + diagramGap + 1
	}
	last := line - diagramGap - 1 // the last row's last line
	// The line a tick's sending happened on. A tick before the rows given
	// is placed as if each row before took the usual two lines.
	sentLine := func(tick int64) int {
		if l, ok := topOf[tick]; ok {
			return l
		}
		if len(in.Rows) == 0 {
			return -2
		}
		return -2 * int(in.Rows[0].Tick-tick)
	}
	arrows := map[int]int{} // message id → index in d.Arrows
	inFan := map[int]int{}  // message id → the line of its fan, for a sync half done
	add := func(a Arrow) {
		arrows[a.ID] = len(d.Arrows)
		d.Arrows = append(d.Arrows, a)
	}
	for ri, r := range in.Rows {
		rl := d.Rows[ri]
		fanOf := map[int]int{} // sender column → its fan's first line
		for _, f := range rl.Fans {
			fanOf[f.From] = f.Line
		}
		many := syncedIn(r) > 2
		for _, e := range r.Events {
			switch e.Kind {
			case replicas.EvEdit:
				declined := e.Lanes[replicas.CRDT].Ignored
				d.Marks = append(d.Marks, Mark{Line: rl.Top, Col: col[e.Replica], Edit: e.Edit, Declined: declined})
			case replicas.EvDeliver:
				start, end := sentLine(e.Sent), rl.Top
				if e.Synced {
					start, end = rl.Top, rl.Top+syncGap+1
					if at, ok := fanOf[col[e.From]]; ok {
						start, end = at, at+syncGap+1
					}
				}
				add(Arrow{ID: e.Msg, CopyOf: e.CopyOf, From: col[e.From], To: col[e.To], Start: start, End: end, How: EndDelivered, Dim: !e.PlainNew, Copies: 1, LabelAtHead: e.Synced && many})
			case replicas.EvDrop:
				add(Arrow{ID: e.Msg, CopyOf: e.CopyOf, From: col[e.From], To: col[e.To], Start: sentLine(e.Sent), End: rl.Top, How: EndDropped, Dim: !e.PlainNew, Copies: 1})
			case replicas.EvSend:
				if at, ok := fanOf[col[e.From]]; ok && r.Partial && e.Synced {
					inFan[e.Msg] = at
				}
			}
		}
	}
	// Messages in flight end at the "now" line, below the current row.
	if len(in.InFlight) > 0 {
		d.Now = last + nowGap + 1
		for _, m := range in.InFlight {
			a := Arrow{ID: m.ID, CopyOf: m.CopyOf, From: col[m.From], To: col[m.To], Start: sentLine(m.SentTick), End: d.Now, How: EndInFlight, Dim: !m.CarriesPlain(), Copies: 1}
			if at, ok := inFan[m.ID]; ok { // a fan of a sync half done: in the air below its sender
				a.Start, a.End, a.LabelAtHead = at, at+syncGap+1, true
			}
			add(a)
		}
		last = d.Now
	}
	// A duplicate is drawn from its original's sending; the original's
	// label names its copies too ("m1,m2"), so that every message number
	// shows once.
	for k, a := range d.Arrows {
		if a.CopyOf == 0 {
			continue
		}
		if i, ok := arrows[a.CopyOf]; ok {
			d.Arrows[i].Copies++
			d.Arrows[i].CopyIDs = append(d.Arrows[i].CopyIDs, a.ID)
			d.Arrows[k].Unlabelled = true
		}
	}
	d.groupYours()
	d.Lines = last + 1
	d.setDown(in, col)
	return d
}

// groupYours draws a student's messages (ids below zero) that took the
// same path at the same time as one arrow (see Arrow.Also), and starts
// each a line after crdtviz's own, so that the two lanes' arrows for one
// action stand apart.
func (d *Diagram) groupYours() {
	type path struct {
		from, to, start, end int
		how                  ArrowEnd
		head                 bool
	}
	first := map[path]int{}
	out := d.Arrows[:0]
	for _, a := range d.Arrows {
		if a.ID >= 0 {
			out = append(out, a)
			continue
		}
		p := path{a.From, a.To, a.Start, a.End, a.How, a.LabelAtHead}
		if k, ok := first[p]; ok {
			out[k].Also = append(out[k].Also, a.ID)
			continue
		}
		if a.End-a.Start >= 2 {
			a.Start++
		}
		first[p] = len(out)
		out = append(out, a)
	}
	d.Arrows = out
}

// syncMessage reports whether event e is a message of the row's sync:
// delivered by it, or, for a sync shown half done, taken by it.
func syncMessage(r DiagramRow, e replicas.Event) bool {
	return e.Synced && (e.Kind == replicas.EvDeliver || r.Partial && e.Kind == replicas.EvSend)
}

// syncSenders lists the columns that sent the messages of the row's
// sync, in column order.
func syncSenders(r DiagramRow, col map[string]int) []int {
	var out []int
	for _, e := range r.Events {
		if syncMessage(r, e) && !slices.Contains(out, col[e.From]) {
			out = append(out, col[e.From])
		}
	}
	slices.Sort(out)
	return out
}

// syncedIn counts the messages of the row's sync.
func syncedIn(r DiagramRow) int {
	n := 0
	for _, e := range r.Events {
		if syncMessage(r, e) {
			n++
		}
	}
	return n
}

// setDown works out which links are down after each row: the links down
// now, undone row by row backwards through the link events.
func (d *Diagram) setDown(in DiagramInput, col map[string]int) {
	n := len(in.Names)
	up := make([][]bool, n)
	for i := range up {
		up[i] = make([]bool, n)
		for j := range up[i] {
			up[i][j] = i == j || in.Up == nil || in.Up(in.Names[i], in.Names[j])
		}
	}
	for ri := len(in.Rows) - 1; ri >= 0; ri-- {
		var down [][2]int
		for i := range n {
			for j := range n {
				if !up[i][j] {
					down = append(down, [2]int{i, j})
				}
			}
		}
		d.Rows[ri].Down = down
		for _, e := range in.Rows[ri].Events {
			if e.Kind != replicas.EvLink {
				continue
			}
			for _, l := range e.Links { // before this row, the link was the other way
				up[col[l.From]][col[l.To]] = !e.LinksUp
			}
		}
	}
}

// DiagramAt gathers a diagram's input from a timeline at its current
// point: the newest rows (at most rows of them; 0 for all), the messages in
// flight in c (the state shown, which may be a sync half done), and, when
// partial is given, that half-done sync as the last row.
func DiagramAt(tl *replicas.Timeline, c *replicas.Cluster, rows int, partial *DiagramRow) DiagramInput {
	in := DiagramInput{Names: c.Names(), InFlight: c.InFlight(), Up: c.Up}
	pos := tl.Pos()
	first := 0
	if rows > 0 {
		first = max(0, pos-rows)
	}
	in.Older = first
	for i := first; i < pos; i++ {
		ev := tl.Events(i)
		if len(ev) == 0 {
			continue
		}
		in.Rows = append(in.Rows, DiagramRow{Tick: ev[0].Tick, Action: tl.Action(i).String(), Events: ev})
	}
	if partial != nil {
		in.Rows = append(in.Rows, *partial)
	}
	return in
}
