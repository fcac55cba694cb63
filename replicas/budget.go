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
// memory grows with what changed; and two limits bound what one history
// may ask for, with an error that names the statement:
//
//   - held: the replica state that replicas and messages in flight hold at
//     once, as the states' own estimates (crdt.Bytes), counted as if each
//     message held its own copy;
//   - merged: the replica state merged over the whole history (the sender's
//     and the receiver's, for every delivery), which bounds the time.
const (
	MaxHeldBytes   = 512 << 20
	MaxMergedBytes = 2 << 30
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

// messageBytes is what a message holds: its CRDT state, and its plain value
// when it carries one.
func messageBytes(m *Message) int64 {
	if m.crdt.state == nil { // ops or a delta: what it weighs on the wire
		n := int64(m.bytes[CRDT])
		if m.plain.carries {
			n += int64(crdt.PlainBytes(m.plain.value))
		}
		return n
	}
	n := int64(crdt.Bytes(m.crdt.state))
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

// cost is what an action would add: state held in flight, and state
// merged. An action that is not valid costs nothing here (Apply refuses it
// anyway).
func (c *Cluster) cost(a Action) (held, merged int64) {
	bytes := func(name string) int64 {
		if i, ok := c.index[name]; ok {
			return c.reps[i].laneBytes()
		}
		return 0
	}
	pair := func(from, to int) int64 { return c.reps[from].laneBytes() + c.reps[to].laneBytes() }
	others := func(name string) (n int64) {
		i, ok := c.index[name]
		for j := range c.names {
			if ok && j != i && c.up[i][j] {
				n += pair(i, j)
			}
		}
		return n
	}
	if c.mode != ModeState && !fullState(a) {
		// Ops and deltas weigh what they encode to; bytes(…) would count
		// whole states.
		bytes = func(string) int64 { return 0 }
		pair = func(int, int) int64 { return 0 }
	}
	switch a := a.(type) {
	case Send:
		n := int64(1)
		if a.ToAll {
			n = int64(len(c.names) - 1)
		}
		return n * bytes(a.From), 0
	case Duplicate:
		if q := c.Queue(a.From, a.To); len(q) > 0 {
			return messageBytes(q[0]), 0
		}
	case Deliver:
		if q := c.Queue(a.From, a.To); len(q) > 0 {
			return 0, messageBytes(q[0]) + bytes(a.To)
		}
	case DeliverAll:
		for _, m := range c.InFlight() {
			if c.Up(m.From, m.To) {
				merged += messageBytes(m) + bytes(m.To)
			}
		}
	case Sync:
		if a.ToAll {
			return 0, others(a.From)
		}
		return 0, bytes(a.From) + bytes(a.To)
	case SyncBoth:
		return 0, 2 * (bytes(a.A) + bytes(a.B))
	case SyncAll:
		for _, n := range c.names {
			merged += others(n)
		}
	}
	return held, merged
}

// checkBudget refuses an action that would go over the work budget.
func (c *Cluster) checkBudget(a Action) (int64, error) {
	held, merged := c.cost(a)
	if held > 0 && c.HeldBytes()+held > MaxHeldBytes {
		return 0, budgetError("this scenario would hold more than %d MB of replica state", MaxHeldBytes>>20)
	}
	if c.merged+merged > MaxMergedBytes {
		return 0, budgetError("this scenario would merge more than %d MB of replica state", MaxMergedBytes>>20)
	}
	return merged, nil
}

// checkTextMerges refuses an action whose merges would make a text longer
// than crdt.MaxTextLen: two long texts merge into one longer than either.
// Only when the lengths could add up past the limit is the merge worked
// out, on copies.
func (c *Cluster) checkTextMerges(a Action) error {
	if c.typ != crdt.Text {
		return nil
	}
	incoming := map[int][]crdt.CRDT{} // receiver → the states it would merge
	var messages []*Message           // ops and deltas it would apply
	arrive := func(m *Message) {
		if m.crdt.state == nil {
			messages = append(messages, m)
			return
		}
		incoming[c.index[m.To]] = append(incoming[c.index[m.To]], m.crdt.state)
	}
	add := func(from, to int) {
		if from != to && c.up[from][to] {
			incoming[to] = append(incoming[to], c.reps[from].state)
		}
	}
	switch a := a.(type) {
	case Deliver:
		if q := c.Queue(a.From, a.To); len(q) > 0 && c.Up(a.From, a.To) {
			m := q[0]
			if a.Newest {
				m = q[len(q)-1]
			}
			arrive(m)
		}
	case DeliverAll:
		for _, m := range c.InFlight() {
			if c.Up(m.From, m.To) {
				arrive(m)
			}
		}
	case Sync:
		from, ok := c.index[a.From]
		for to := range c.names {
			if ok && (a.ToAll || c.names[to] == a.To) {
				add(from, to)
			}
		}
	case SyncBoth:
		i, ok1 := c.index[a.A]
		j, ok2 := c.index[a.B]
		if ok1 && ok2 {
			add(i, j)
			add(j, i)
		}
	case SyncAll:
		for i := range c.names {
			for j := range c.names {
				add(i, j)
			}
		}
	}
	// Ops and deltas add at most one character each insert: work it out
	// on a copy only when that could pass the limit.
	for _, m := range messages {
		r := c.reps[c.index[m.To]]
		doc := r.state.(*crdt.TextState)
		adds := 0
		for _, op := range m.crdt.ops {
			adds += len(op.Effect.Text)
		}
		adds += len(m.crdt.delta.delta.Text)
		if doc.Len()+adds <= crdt.MaxTextLen {
			continue
		}
		trial := doc.Clone()
		for _, op := range m.crdt.ops {
			_, _ = crdt.Deliver(trial, op.Effect)
		}
		_, _ = m.crdt.delta.delta.JoinInto(trial)
		if n := trial.(*crdt.TextState).Len(); n > crdt.MaxTextLen {
			return fmt.Errorf("delivering would make %s's text %d characters; the limit is %d", QuoteName(r.Name), n, crdt.MaxTextLen)
		}
	}
	for to := range c.reps { // in declaration order: the first replica over the limit is named
		states, ok := incoming[to]
		if !ok {
			continue
		}
		r := c.reps[to]
		bound := r.state.(*crdt.TextState).Len()
		for _, st := range states {
			bound += st.(*crdt.TextState).Len()
		}
		if bound <= crdt.MaxTextLen {
			continue
		}
		merged := r.state.Clone()
		for _, st := range states {
			if _, err := merged.Merge(st); err != nil {
				return err
			}
		}
		if n := merged.(*crdt.TextState).Len(); n > crdt.MaxTextLen {
			return fmt.Errorf("merging would make %s's text %d characters; the limit is %d", QuoteName(r.Name), n, crdt.MaxTextLen)
		}
	}
	return nil
}
