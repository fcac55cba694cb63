package model

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"

	"crdtviz/replicas"
	"crdtviz/ui"
)

// yoursLane is the third lane as the root draws it: a student's own nodes
// (crdtviz lab), as plain values the lab screen hands the root after
// every answer of the lane. The root runs nothing of it: it draws the
// band below the CRDT band, and puts the lane's messages into the
// space-time diagram beside its own, labelled s1, s2, ….
type yoursLane struct {
	band ui.Yours
	// hist is the history the messages belong to, and pos how many of its
	// actions the lane has applied: the diagram shows them only there.
	hist historyID
	pos  int
	// rows are, per action, the lane's deliveries and drops, as the
	// engine's events (ids from ui.YoursID); final are the final phase's,
	// drawn as one more row when the diagram is at the end.
	rows     [][]replicas.Event
	final    []replicas.Event
	inFlight []*replicas.Message
	msgs     map[int]ui.YoursMsg // by diagram id
	// version changes whenever the messages do, for the diagram's memo.
	version int
	// keys are the lab's keys for the help bar, before "? help".
	keys []key.Binding
}

// setYours gives the root the third lane's values (nil: no third lane).
func (m *Root) setYours(y *yoursLane) {
	if y != nil && m.yours != nil {
		y.version = m.yours.version + 1
	}
	m.yours = y
	m.barFor = barKey{}
	m.diag.builtFor = diagramKey{}
	m.refresh()
}

// yoursState is the band for the screen, or nil.
func (m *Root) yoursState() *ui.Yours {
	if m.yours == nil {
		return nil
	}
	return &m.yours.band
}

// mergeYours adds the student's messages to a diagram's input: their
// deliveries and drops to the rows of the actions that made them, their
// messages in flight, and the final phase as a last row.
func (m *Root) mergeYours(in *ui.DiagramInput) {
	y := m.yours
	s := m.sess
	if y == nil || y.hist != (historyID{s.tl, s.gen}) {
		return
	}
	pos := s.tl.Pos()
	if y.pos > pos || s.half {
		return // the lane is ahead of what is shown (a step back is on its way)
	}
	tickOf := func(i int) int64 {
		if ev := s.tl.Events(i); len(ev) > 0 {
			return ev[0].Tick
		}
		return int64(i + 1)
	}
	byTick := map[int64]int{}
	for k, r := range in.Rows {
		byTick[r.Tick] = k
	}
	for i := in.Older; i < y.pos && i < len(y.rows); i++ {
		if len(y.rows[i]) == 0 {
			continue
		}
		t := tickOf(i)
		k, ok := byTick[t]
		if !ok {
			in.Rows = append(in.Rows, ui.DiagramRow{Tick: t, Action: s.tl.Action(i).String()})
			k = len(in.Rows) - 1
			byTick[t] = k
		}
		in.Rows[k].Events = append(slices.Clone(in.Rows[k].Events), y.rows[i]...)
	}
	slices.SortStableFunc(in.Rows, func(a, b ui.DiagramRow) int { return int(a.Tick - b.Tick) })
	if y.pos == pos && len(y.final) > 0 {
		t := tickOf(pos-1) + 1
		evs := make([]replicas.Event, len(y.final))
		for k, e := range y.final {
			e.Sent = t
			evs[k] = e
		}
		in.Rows = append(in.Rows, ui.DiagramRow{Tick: t, Action: "your nodes' final phase", Events: evs})
	}
	if y.pos == pos {
		in.InFlight = append(slices.Clone(in.InFlight), y.inFlight...)
	}
}

// yoursMessage is the student's message with diagram id id, if any.
func (m *Root) yoursMessage(id int) *ui.YoursMsg {
	if m.yours == nil || id >= 0 {
		return nil
	}
	if msg, ok := m.yours.msgs[id]; ok {
		return &msg
	}
	return nil
}

// drawnWith lists the other messages drawn as one arrow with message id:
// "s3, s5".
func (m *Root) drawnWith(id int) string {
	for _, a := range m.diag.built.Arrows {
		if len(a.Also) == 0 || !a.Has(id) {
			continue
		}
		var out []string
		for _, other := range append([]int{a.ID}, a.Also...) {
			if other != id {
				out = append(out, ui.MsgLabel(other))
			}
		}
		return strings.Join(out, ", ")
	}
	return ""
}

// yoursNotInFlight is what d, N, x and u say when a student's message is
// selected: they act on crdtviz's own messages, and the same action
// reaches the student's queue on that link.
func (m *Root) yoursNotInFlight(id int) {
	m.failf("%s is your nodes' message: d, N, x and u act on crdtviz's own (m…), and the same action reaches your nodes' queue on its link; ↑/↓ select one of crdtviz's", ui.MsgLabel(id))
}

// yoursTick is the tick an action of the timeline left, for the lab.
func yoursWhere(how string, tick int64) string { return fmt.Sprintf("%s at t%d", how, tick) }
