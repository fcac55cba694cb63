package class

import (
	"fmt"
	"time"

	"crdtviz/crdt"
)

// The room's controls: the teacher holds the room, so that edits collide,
// and freezes it (pencils down).
//
// Hold. Every member keeps the edits it makes from then on on its
// laptop: they go out neither by broadcast nor in push/pull, and its box
// on the others' screens stays as it was. Everything else goes on:
// controls, memberlist's probes, the others' edits made before the hold,
// push/pull of what may be seen. When the teacher releases, every member
// sends its held edits at once, so that they are truly concurrent: the
// plain lane loses edits on every run, and the CRDT lane merges them.
//
// Freeze. Edits are refused on every laptop, the teacher's too ("the
// teacher has paused editing"); syncing goes on. Freeze and hold combine:
// freeze, hold, thaw, everyone edits, release.

// holding is what a member keeps during a hold.
type holding struct {
	edits  [][]byte  // its sealed edits, in the order made
	public crdt.CRDT // the CRDT lane as the others may see it: without the held edits
	plain  []byte    // the plain write the others may see (nil: none)
	seq    uint64    // this run's edits before the hold
}

// ErrFrozen is an edit refused while the teacher has frozen the room.
var ErrFrozen = fmt.Errorf("the teacher has paused editing (pencils down); syncing goes on")

// startHold begins keeping this member's edits.
func (s *state) startHold() {
	if s.hold != nil || !s.ready() {
		return
	}
	s.hold = &holding{public: s.crdt.Clone(), plain: s.plainRaw, seq: s.seq}
}

// release sends the held edits, all at once.
func (s *state) release() int {
	h := s.hold
	s.hold = nil
	if h == nil {
		return 0
	}
	for _, raw := range h.edits {
		// Each leaves now, in this member's relay (in a class that
		// records): the hop is made at the release, as the room's diagram
		// must show it.
		if !s.pass(outMsg{msg: raw}) {
			s.send(outMsg{msg: raw})
		}
	}
	s.viewSeq++
	return len(h.edits)
}

// sendEdit sends an edit made here, or keeps it during a hold.
func (s *state) sendEdit(raw []byte) {
	if s.hold != nil {
		s.hold.edits = append(s.hold.edits, raw)
		return
	}
	s.send(outMsg{msg: raw})
}

// holdJoin applies what arrived from another member to the public copy
// too, during a hold: push/pull goes on passing on the others' edits.
func (s *state) holdJoin(apply func(crdt.CRDT) (crdt.Result, error)) {
	if s.hold != nil {
		_, _ = apply(s.hold.public)
	}
}

// roomEvents says what a control changed of the room's hold and freeze.
func (s *state) roomEvents(was, c wireControl) []Event {
	from := s.info.Teacher
	var evs []Event
	if c.Freeze != was.Freeze {
		ev := Event{Event: "freeze", From: from, Text: "freeze: the teacher paused editing (pencils down); syncing goes on"}
		if !c.Freeze {
			ev = Event{Event: "thaw", From: from, Text: "thaw: the teacher resumed editing"}
		}
		evs = append(evs, ev)
	}
	if c.SayN != was.SayN && c.Say != "" {
		evs = append(evs, Event{Event: "say", From: from, Text: from + " says: " + c.Say})
	}
	switch {
	case c.Hold && !was.Hold:
		s.startHold()
		evs = append(evs, Event{Event: "hold", From: from,
			Text: "hold: the teacher holds the room: your edits stay on this laptop until the release"})
	case !c.Hold && was.Hold:
		n := s.release()
		evs = append(evs, Event{Event: "release", From: from,
			Text: fmt.Sprintf("release: the teacher released the room: %s sent %d held edit%s at once", s.name, n, map[bool]string{true: "", false: "s"}[n == 1])})
	}
	return evs
}

// Hold holds the room (teacher only): every member keeps its new edits
// until Release. With a duration, the teacher's process releases the
// room by itself when it ends, whatever other controls (a question, a
// sentence, a freeze) came in between: unless this hold has ended
// already (released by hand, and perhaps held again since, which is
// another hold).
func (n *Node) Hold(d time.Duration) error {
	var hold uint64
	err := n.control(func(cur wireControl) (wireControl, error) {
		if cur.Hold {
			return cur, fmt.Errorf("the room is held already: release it first")
		}
		cur.Hold = true
		n.holds++
		hold = n.holds
		return cur, nil
	})
	if err == nil && d > 0 {
		time.AfterFunc(d, func() {
			n.mu.Lock()
			same := n.holds == hold && n.st.ctl.Hold
			n.mu.Unlock()
			if same {
				_ = n.Release()
			}
		})
	}
	return err
}

// Release ends the hold (teacher only): every held edit leaves at once.
func (n *Node) Release() error {
	return n.control(func(cur wireControl) (wireControl, error) {
		if !cur.Hold {
			return cur, fmt.Errorf("the room is not held")
		}
		cur.Hold = false
		return cur, nil
	})
}

// Freeze pauses editing on every laptop (teacher only); Thaw resumes it.
func (n *Node) Freeze() error { return n.setFreeze(true) }

// Thaw resumes editing (teacher only).
func (n *Node) Thaw() error { return n.setFreeze(false) }

func (n *Node) setFreeze(on bool) error {
	return n.control(func(cur wireControl) (wireControl, error) {
		if cur.Freeze == on {
			return cur, fmt.Errorf("editing is %s already", map[bool]string{true: "paused", false: "open"}[on])
		}
		cur.Freeze = on
		return cur, nil
	})
}
