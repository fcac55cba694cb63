package replicas

import (
	"errors"
	"fmt"

	"crdtviz/crdt"
)

// The work budget. A scenario file of a hundred kilobytes can ask for more
// than any machine has: a 100,000-character text sent a thousand times, or
// thousands of rounds of sync over a growing set. Messages, checkpoints
// and replicas share the states they have in common (copy on write), so
// memory grows with what changed; and three limits bound what one history
// may ask for, with an error that names the statement:
//
//   - held: the replica state that replicas and messages in flight hold at
//     once, as the states' own estimates (crdt.Bytes), counted as if each
//     message held its own copy;
//   - merged: the replica state merged over the whole history (the sender's
//     and the receiver's, for every delivery of a whole state), which
//     bounds the time merging takes;
//   - work: everything else an action handles, in every mode: each edit
//     (and the copy of its replica's state it makes when a message or a
//     checkpoint shares that state), each op a message carries and each
//     op delivered, the entries a delta-group is joined from when a
//     message takes it, the values a message's sender renders, and the
//     value an op or a delta re-renders at its receiver. The bookkeeping
//     of every mode grows linearly (see ptree.go, seq.go, causal.go), so
//     this bounds the time the rest takes.
const (
	MaxHeldBytes   = 512 << 20
	MaxMergedBytes = 2 << 30
	MaxWorkBytes   = 256 << 20
)

// What an edit and an op count for the work budget, besides their text:
// the records each makes (an edit's event and history entries; an op's
// log entry, its buffer and prefix bookkeeping).
const (
	editWork = 256
	opWork   = 128
)

// ErrBudget is wrapped by the error Apply returns for an action that would
// go over the work budget. The cluster is unchanged.
var ErrBudget = errors.New("over the work budget")

// budgetErr says which limit an action would pass; it wraps ErrBudget.
type budgetErr struct{ msg string }

func (e budgetErr) Error() string { return e.msg }
func (e budgetErr) Unwrap() error { return ErrBudget }

func budgetError(format string, args ...any) error {
	return budgetErr{fmt.Sprintf(format, args...) + "; the limit keeps a classroom laptop responsive"}
}

// laneBytes is what replica r holds, both lanes.
func (r *Replica) laneBytes() int64 {
	return int64(crdt.PlainBytes(r.plain) + crdt.Bytes(r.state))
}

// messageBytes is what a message holds: its CRDT payload (a whole state
// as its own estimate, ops and deltas as what they weigh on the wire), and
// its plain value when it carries one.
func messageBytes(m *Message) int64 {
	n, _ := m.crdt.held(m)
	if m.plain.carries {
		n += int64(crdt.PlainBytes(m.plain.value))
	}
	return n
}

// HeldBytes is the replica state the cluster holds now: every replica's
// two lanes and every message in flight.
func (c *Cluster) HeldBytes() int64 {
	n := c.inflightBytes
	for _, r := range c.reps {
		n += r.laneBytes()
	}
	return n
}

// MergedBytes is the replica state merged over the whole history.
func (c *Cluster) MergedBytes() int64 { return c.merged }

// cost is what a plan would add: state held in flight (messages a send
// queues, copies a duplicate makes), and state merged (every delivery: the
// payload and, for a whole state, the receiver's lanes, which the merge
// walks). A whole state about to be taken counts as its sender's lanes;
// ops and deltas about to be taken count nothing until they are weighed.
func (c *Cluster) cost(p *plan) (held, merged int64) {
	for k := range p.hops {
		h := &p.hops[k]
		var n int64
		var whole bool
		if h.msg != nil {
			_, whole = h.msg.crdt.held(h.msg)
			n = messageBytes(h.msg)
		} else if _, whole = h.crdt.held(nil); whole {
			n = c.reps[h.from].laneBytes()
		}
		switch {
		case h.dup || h.take && h.queued:
			held += n
		case h.delivers():
			merged += n
			if whole {
				merged += c.reps[h.to].laneBytes()
			}
		}
	}
	return held, merged
}

// workOf is what an action adds to the work budget (see above).
func (c *Cluster) workOf(a Action, p *plan) int64 {
	var n int64
	if e, ok := a.(Edit); ok {
		if i, ok := c.index[e.Replica]; ok {
			n += editWork + int64(len(e.Op.Text)+len(e.Op.Value)+len(e.Op.Key))
			n += c.reps[i].sharedBytes()
		}
	}
	senders := map[*senderCopy]bool{}
	for k := range p.hops {
		h := &p.hops[k]
		pl := h.payload()
		if h.take {
			n += pl.work() // the ops gathered, the delta-group joined
			if h.queued && !senders[h.sc] {
				// A message delivered in this action (a sync) counts
				// its sender's state as merged already.
				senders[h.sc] = true
				n += h.sc.rendered
			}
		}
		if _, whole := pl.held(nil); h.delivers() && !whole {
			// An op or a delta is applied to the receiver's own state,
			// whose value is rendered again to tell what changed (what it
			// carries counts as merged).
			r := c.reps[h.to]
			n += passBytes(r.state) + r.sharedBytes()
		}
	}
	return n
}

// sharedBytes is what making replica r's lanes its own would copy: the
// lanes a message, a clone or a checkpoint shares with it.
func (r *Replica) sharedBytes() int64 {
	var n int64
	if r.plainShared {
		n += int64(crdt.PlainBytes(r.plain))
	}
	if r.stateShared {
		n += passBytes(r.state)
	}
	return n
}

// passBytes is what one pass over a state (rendering it, or copying it)
// counts for the work budget: its estimate, except for a text, whose
// characters are rendered and copied as a run of runes (4 bytes each)
// rather than one by one as a set's elements are.
func passBytes(st crdt.CRDT) int64 {
	if t, ok := st.(*crdt.TextState); ok {
		return int64(crdt.Bytes(t)) / 6
	}
	return int64(crdt.Bytes(st))
}

// WorkBytes is what the history handled besides merging whole states.
func (c *Cluster) WorkBytes() int64 { return c.work }

// checkBudget refuses an action whose plan would go over the work budget,
// and otherwise says what it adds to the merged and work totals.
func (c *Cluster) checkBudget(a Action, p *plan) (merged, work int64, err error) {
	held, merged := c.cost(p)
	if held > 0 && c.HeldBytes()+held > MaxHeldBytes {
		return 0, 0, budgetError("this scenario would hold more than %d MB of replica state", MaxHeldBytes>>20)
	}
	if c.merged+merged > MaxMergedBytes {
		return 0, 0, budgetError("this scenario would merge more than %d MB of replica state", MaxMergedBytes>>20)
	}
	work = c.workOf(a, p)
	if c.work+work > c.workLimit {
		return 0, 0, budgetError("this scenario would handle more than %d MB of edits, ops and deltas", c.workLimit>>20)
	}
	return merged, work, nil
}

// checkTextMerges refuses a plan whose deliveries would make a text longer
// than crdt.MaxTextLen: two long texts merge into one longer than either.
// Only when what arrives could add up past the limit is it worked out, on
// a copy of the receiver's text.
func (c *Cluster) checkTextMerges(p *plan) error {
	if c.typ != crdt.Text {
		return nil
	}
	incoming := make([][]payload, len(c.reps)) // per receiver, what it would receive
	for k := range p.hops {
		if h := &p.hops[k]; h.delivers() {
			incoming[h.to] = append(incoming[h.to], h.payload())
		}
	}
	for to, ps := range incoming { // in declaration order: the first replica over the limit is named
		if len(ps) == 0 {
			continue
		}
		r := c.reps[to]
		bound := r.state.(*crdt.TextState).Len()
		for _, pl := range ps {
			bound += pl.textGrowth(c, to)
		}
		if bound <= crdt.MaxTextLen {
			continue
		}
		trial := r.state.Clone()
		for _, pl := range ps {
			pl.trial(c, to, trial)
		}
		if n := trial.(*crdt.TextState).Len(); n > crdt.MaxTextLen {
			verb := "delivering"
			if _, whole := ps[0].held(nil); whole {
				verb = "merging"
			}
			return fmt.Errorf("%s would make %s's text %d characters; the limit is %d", verb, QuoteName(r.Name), n, crdt.MaxTextLen)
		}
	}
	return nil
}
