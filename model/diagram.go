package model

import (
	"fmt"
	"slices"

	tea "charm.land/bubbletea/v2"

	"crdtviz/replicas"
	"crdtviz/ui"
)

// diagramView is the root's space-time diagram: whether it shows (as the
// pane, or full screen with G), how far it is scrolled, the message
// selected in it, and memos of the diagram built and the messages looked
// up, so that a key press builds only the rows on screen, once.
type diagramView struct {
	full     bool
	offset   int
	selected int // message id, 0 for none
	before   ui.Pane

	builtFor diagramKey
	built    ui.Diagram
	rows     []ui.DiagramRow
	// builds remembers the diagrams built recently, by what they show:
	// stepping back and forth shows the same few again.
	builds   map[diagramKey]*builtDiagram
	found    map[int]*replicas.Message
	foundFor historyID
}

// builtDiagram is a diagram built, and the rows it was built from.
type builtDiagram struct {
	d    ui.Diagram
	rows []ui.DiagramRow
}

// diagramMemo bounds the diagrams remembered.
const diagramMemo = 16

// diagramKey names what a built diagram shows.
type diagramKey struct {
	history historyID
	pos     int
	half    bool
	state   *replicas.Cluster
	rows    int
	yours   int // the third lane's version (the lab)
}

// showsDiagram reports whether the diagram is on screen.
func (m *Root) showsDiagram() bool { return m.diag.full || m.pane == ui.PaneDiagram }

// toggleDiagramPane opens the diagram pane, or closes it back to the pane
// shown before.
func (m *Root) toggleDiagramPane(tea.KeyPressMsg) tea.Cmd {
	if m.pane == ui.PaneDiagram && !m.diag.full {
		m.pane = m.diag.before
		if m.pane == ui.PaneDiagram {
			m.pane = ui.PaneMessages
		}
		return nil
	}
	if m.pane != ui.PaneDiagram {
		m.diag.before = m.pane
	}
	m.pane, m.diag.full = ui.PaneDiagram, false
	m.notice("The space-time diagram: time runs down, one row per tick. ↑/↓ select a message; G shows it full screen; g closes it.")
	return nil
}

// toggleDiagramFull shows the diagram on the whole screen, or leaves it.
func (m *Root) toggleDiagramFull(tea.KeyPressMsg) tea.Cmd {
	m.diag.full = !m.diag.full
	if m.diag.full {
		m.notice("The space-time diagram, full screen: [ ] scroll, ↑/↓ select a message, G or esc returns.")
	}
	return nil
}

// diagram builds the diagram of the rows that fit in h lines (scrolled up
// by the offset), memoized until the point shown or the size changes.
func (m *Root) diagram(h int) *ui.Diagram {
	s := m.sess
	rows := (h+m.diag.offset)/2 + 4 // each row takes at least two lines
	key := diagramKey{history: historyID{s.tl, s.gen}, pos: s.tl.Pos(), half: s.half, state: s.cluster(), rows: rows}
	if m.yours != nil {
		key.yours = m.yours.version
	}
	if key != m.diag.builtFor {
		b, ok := m.diag.builds[key]
		if !ok {
			in := s.diagramInput(rows)
			m.mergeYours(&in)
			b = &builtDiagram{ui.BuildDiagram(in), in.Rows}
			if m.diag.builds == nil || len(m.diag.builds) >= diagramMemo {
				m.diag.builds = map[diagramKey]*builtDiagram{}
			}
			m.diag.builds[key] = b
		}
		m.diag.built, m.diag.rows, m.diag.builtFor = b.d, b.rows, key
	}
	return &m.diag.built
}

// diagramInput is what the diagram of the point shown is built from: the
// newest rows (0 for all), with a sync shown half done as the last row.
func (s *session) diagramInput(rows int) ui.DiagramInput {
	var partial *ui.DiagramRow
	if s.half {
		partial = &ui.DiagramRow{Tick: s.halfC.Tick(), Action: s.tl.Action(s.tl.Pos()).String(), Events: s.halfEv, Partial: true}
	}
	return ui.DiagramAt(s.tl, s.cluster(), rows, partial)
}

// diagramIDs are the ids of the messages drawn, oldest first: by the
// line each leaves on, crdtviz's before a student's (the lab) on one
// line, then by number.
func (m *Root) diagramIDs() []int {
	type drawn struct{ id, start int }
	var all []drawn
	for _, a := range m.diag.built.Arrows {
		for _, id := range append([]int{a.ID}, a.Also...) {
			all = append(all, drawn{id, a.Start})
		}
	}
	slices.SortFunc(all, func(a, b drawn) int {
		switch {
		case a.start != b.start:
			return a.start - b.start
		case (a.id < 0) != (b.id < 0):
			if a.id < 0 {
				return 1
			}
			return -1
		}
		return abs(a.id) - abs(b.id)
	})
	ids := make([]int, 0, len(all))
	for _, d := range all {
		if !slices.Contains(ids, d.id) {
			ids = append(ids, d.id)
		}
	}
	return ids
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// selectDiagram moves the diagram's selection by delta through the
// messages drawn (the newest first when nothing is selected).
func (m *Root) selectDiagram(delta int) {
	m.diagram(m.h)
	ids := m.diagramIDs()
	if len(ids) == 0 {
		m.notice("No message yet: m sends one, s syncs.")
		return
	}
	i := slices.Index(ids, m.diag.selected)
	switch {
	case i < 0:
		i = len(ids) - 1
	default:
		i = min(max(i+delta, 0), len(ids)-1)
	}
	m.diag.selected = ids[i]
	// A message in flight is also the one d, N, x and u act on.
	for k, msg := range m.sess.cluster().InFlight() {
		if msg.ID == m.diag.selected {
			m.selected = k
		}
	}
}

// diagramMessage is the selected message, with its payloads: from the
// messages in flight, or, for one delivered or dropped, the state its
// sender had when it was taken (the timeline read at that point).
func (m *Root) diagramMessage() *replicas.Message {
	id := m.diag.selected
	if id <= 0 {
		return nil // none, or a student's message (the lab)
	}
	for _, msg := range m.sess.cluster().InFlight() {
		if msg.ID == id {
			return msg
		}
	}
	if hid := (historyID{m.sess.tl, m.sess.gen}); m.diag.foundFor != hid {
		m.diag.found, m.diag.foundFor = map[int]*replicas.Message{}, hid
	}
	if msg, ok := m.diag.found[id]; ok {
		return msg
	}
	msg := m.takenMessage(id)
	m.diag.found[id] = msg
	return msg
}

// takenMessage finds the action that took message id among the rows drawn
// and takes it again from the state before that action.
func (m *Root) takenMessage(id int) *replicas.Message {
	tl := m.sess.tl
	for _, r := range m.diag.rows {
		for _, e := range r.Events {
			made := e.Msg == id && (e.Kind == replicas.EvSend || e.Kind == replicas.EvDuplicate || e.Kind == replicas.EvDeliver && e.Synced)
			if !made || r.Partial {
				continue
			}
			i := int(r.Tick) - 1 // action i leaves the cluster at tick i+1
			if i < 0 || i >= tl.Len() {
				return nil
			}
			before := tl.At(i)
			a := tl.Action(i)
			var after *replicas.Cluster
			if e.Synced {
				after, _, _ = before.Preview(a)
			} else {
				after = before.Clone()
				if _, err := after.Apply(a); err != nil {
					return nil
				}
			}
			if after == nil {
				return nil
			}
			for _, msg := range after.InFlight() {
				if msg.ID == id {
					return msg
				}
			}
			return nil
		}
	}
	return nil
}

// onDiagramMessage acts on the message selected in the diagram: it must
// be in flight.
func (m *Root) onDiagramMessage(what string) bool {
	if !m.showsDiagram() || m.diag.selected == 0 {
		return false
	}
	if m.diag.selected < 0 {
		m.yoursNotInFlight(m.diag.selected)
		return true
	}
	for k, msg := range m.sess.cluster().InFlight() {
		if msg.ID == m.diag.selected {
			m.selected = k
			return false // the selection in flight is set: act on it as usual
		}
	}
	m.failf("m%d is not in flight: only a message in flight can be %s (↑/↓ select another)", m.diag.selected, map[string]string{
		"deliver": "delivered", "newest": "delivered", "drop": "dropped", "duplicate": "duplicated"}[what])
	return true
}

// diagramStatus is what the status line says about a sync shown half done.
func (m *Root) halfStatus() string {
	if !m.sess.half {
		return ""
	}
	n := 0
	for _, e := range m.sess.halfEv {
		if e.Kind == replicas.EvSend {
			n++
		}
	}
	return fmt.Sprintf("The sync's %s taken and in flight, none delivered yet: → delivers them.", replicas.Plural(n, "message"))
}
