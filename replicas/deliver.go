package replicas

import (
	"fmt"
	"strconv"

	"crdtviz/crdt"
)

// This file is the one seam through which anything reaches a replica: a
// message is made by snapshot and arrives through Replica.deliver. A new
// kind of payload is a new case here, and nowhere else.

// plainPayload is what a message carries for the plain lane: the sender's
// value and its history.
type plainPayload struct {
	value crdt.Plain
	hist  History
}

// PayloadKind says what a message carries for the CRDT lane.
type PayloadKind int

const (
	// PayloadState is the sender's whole CRDT state (state-based sync).
	PayloadState PayloadKind = iota
)

// crdtPayload is what a message carries for the CRDT lane.
type crdtPayload struct {
	kind  PayloadKind
	state crdt.CRDT // PayloadState: a deep copy of the sender's state
	hist  History
}

// applyTo merges the payload into st. It is how a delivery, and anything
// that works out what a delivery would do, changes a CRDT state.
func (p crdtPayload) applyTo(st crdt.CRDT) (crdt.Result, error) {
	switch p.kind {
	case PayloadState:
		return st.Merge(p.state)
	}
	return crdt.Result{}, fmt.Errorf("unknown payload kind %d", p.kind)
}

// history is what the lane's history becomes when the payload is applied to
// st, a state whose history is mine. Call it before applyTo: the
// last-writer-wins types take, key by key, the history of the newer stamp.
func (p crdtPayload) history(mine History, st crdt.CRDT) History {
	if lww, ok := st.(crdt.LWW); ok {
		return lwwHistory(mine, lww.Stamps(), p.hist, p.state.(crdt.LWW).Stamps())
	}
	return mine.union(p.hist)
}

// snapshot copies a replica's two lanes into a new message.
func (c *Cluster) snapshot(from, to int, queued bool) *Message {
	r := c.reps[from]
	m := &Message{
		From: r.Name, To: c.names[to], SentTick: c.now,
		plain:        plainPayload{value: r.plain.Clone(), hist: r.plainHist},
		crdt:         crdtPayload{kind: PayloadState, state: r.state.Clone(), hist: r.crdtHist},
		values:       [2]crdt.Value{r.Value(Plain), r.Value(CRDT)},
		valueStrings: [2]string{r.ValueString(Plain), r.ValueString(CRDT)},
	}
	if queued {
		c.nextMsg++
		m.ID = c.nextMsg
	}
	return m
}

// delivery is what a message did to a replica's lanes: each lane's change
// (without the lost edits, which the cluster settles) and its history
// before.
type delivery struct {
	lanes   [2]LaneChange
	oldHist [2]History
}

// history is the replica's history in lane l, by key.
func (r *Replica) history(l Lane) History {
	if l == Plain {
		return r.plainHist
	}
	return r.crdtHist
}

// deliver hands a message to the replica: the plain lane is overwritten,
// the CRDT lane merged, and both sentences say what happened. It is the
// only place a message changes a replica. The replica must be owned by
// the caller's cluster (see Cluster.mutable).
func (r *Replica) deliver(m *Message, typ crdt.Type, now int64) delivery {
	var d delivery
	via := ""
	if m.ID != 0 {
		via = " (message #" + strconv.Itoa(m.ID) + ")"
	}

	// Plain lane: the whole value, and its history, are replaced.
	before := r.plain.Value()
	d.oldHist[Plain] = r.plainHist
	r.plain, r.plainHist = m.plain.value.Clone(), m.plain.hist
	r.touch(Plain, now)
	pc := LaneChange{Touched: true, Before: before, After: r.plain.Value()}
	// Sentences are built by concatenation: every delivery makes two.
	if beforeS, afterS := before.String(), m.valueStrings[Plain]; beforeS == afterS {
		pc.Why = "plain: " + r.Name + "'s value " + beforeS + " was overwritten by " + m.From + "'s copy" + via + ", the same value"
	} else {
		pc.Why = "plain: " + r.Name + "'s value " + beforeS + " was overwritten by " + m.From + "'s " + afterS + via
	}
	d.lanes[Plain] = pc

	// CRDT lane: merged, and histories joined.
	before = r.state.Value()
	d.oldHist[CRDT] = r.crdtHist
	newH := m.crdt.history(r.crdtHist, r.state)
	res, err := m.crdt.applyTo(r.state)
	r.touch(CRDT, now)
	if err != nil { // cannot happen: every replica holds the same type
		panic(fmt.Sprintf("replicas: merge within one cluster failed: %v", err))
	}
	r.crdtHist = newH
	cc := LaneChange{Touched: true, Before: before, After: r.state.Value()}
	cc.Why = string(typ) + ": " + r.Name + " merged " + m.From + "'s state" + via + ": " + res.Why
	d.lanes[CRDT] = cc
	return d
}
