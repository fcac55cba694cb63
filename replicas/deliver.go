package replicas

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"crdtviz/crdt"
)

// This file is the one seam through which anything reaches a replica: a
// message is taken by take and arrives through Replica.deliver. A new kind
// of payload is a new case here, and nowhere else.

// plainPayload is what a message carries for the plain lane: the sender's
// value and its history, or nothing new.
type plainPayload struct {
	carries bool // false: the sender had no new write for this link
	value   crdt.Plain
	hist    History
}

// PayloadKind says what a message carries for the CRDT lane.
type PayloadKind int

const (
	// PayloadState is the sender's whole CRDT state (state-based sync).
	PayloadState PayloadKind = iota
	// PayloadOps is the ops the sender applied and has not sent on this
	// link yet (op-based sync).
	PayloadOps
	// PayloadDelta is the delta-group pending on this link (delta-based
	// sync): possibly empty.
	PayloadDelta
	// PayloadFull is the sender's whole state in delta mode (send … full):
	// how a lost delta is repaired.
	PayloadFull
)

// crdtPayload is what a message carries for the CRDT lane.
type crdtPayload struct {
	kind  PayloadKind
	state crdt.CRDT // PayloadState, PayloadFull: the sender's state, shared (copy on write)
	hist  History
	knows EditSet // every edit the sender knew when the message was taken (state, full)
	ops   []*OpEntry
	delta deltaGroup
}

// applyTo merges a whole state into st. It is how a state delivery
// changes a CRDT state.
func (p crdtPayload) applyTo(st crdt.CRDT) (crdt.Result, error) {
	switch p.kind {
	case PayloadState, PayloadFull:
		return st.Merge(p.state)
	}
	return crdt.Result{}, fmt.Errorf("payload kind %d is not a state", p.kind)
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

// senderCopy is one sender's two lanes, taken once per action and shared,
// read-only, by every message the sender takes in that action.
type senderCopy struct {
	from         int
	ops          []*OpEntry // op mode: the sender's op log
	stateBytes   int        // the state's encoded size, once worked out (0: not yet)
	writes       int
	plain        crdt.Plain
	plainHist    History
	state        crdt.CRDT
	crdtHist     History
	knows        EditSet
	values       [2]crdt.Value
	valueStrings [2]string
}

// copyOf takes replica i's lanes for the messages it is about to send. The
// states are not copied: they are shared, and marked so, and whoever
// changes one first (the replica) copies it then.
func (c *Cluster) copyOf(i int) *senderCopy {
	r := c.reps[i]
	r.share()
	return &senderCopy{
		from: i, writes: r.writes, ops: r.op.log,
		plain: r.plain, plainHist: r.plainHist,
		state: r.state, crdtHist: r.crdtHist, knows: r.knows[CRDT],
		values:       [2]crdt.Value{r.Value(Plain), r.Value(CRDT)},
		valueStrings: [2]string{r.ValueString(Plain), r.ValueString(CRDT)},
	}
}

// take makes the message the sender of sc sends on the link to `to`, as it
// is taken: the CRDT lane carries the whole state; the plain lane carries
// the sender's value only if the sender has made a write since it last took
// a message on this link, and the link then remembers the sender's write
// counter. That happens when the message is taken, not when it arrives, so
// a message that is dropped is not sent again. Every message gets an id.
func (c *Cluster) take(sc *senderCopy, to int, queued, full bool) *Message {
	m := &Message{
		From: c.names[sc.from], To: c.names[to], SentTick: c.now,
		crdt:         crdtPayload{kind: PayloadState, state: sc.state, hist: sc.crdtHist, knows: sc.knows},
		values:       sc.values,
		valueStrings: sc.valueStrings,
	}
	switch {
	case c.mode == ModeOp:
		m.crdt = crdtPayload{kind: PayloadOps, ops: slices.Clip(sc.ops[c.opSent[sc.from][to]:])}
		c.opSent[sc.from][to] = len(sc.ops)
	case c.mode == ModeDelta && full:
		m.crdt.kind = PayloadFull
	case c.mode == ModeDelta:
		m.crdt = crdtPayload{kind: PayloadDelta, delta: c.pending[sc.from][to]}
		c.pending[sc.from][to] = deltaGroup{}
	}
	if sc.writes > c.sent[sc.from][to] {
		m.plain = plainPayload{carries: true, value: sc.plain, hist: sc.plainHist}
		c.sent[sc.from][to] = sc.writes
	}
	c.weigh(m, sc)
	// Every message has an id, a sync's too: the space-time diagram
	// labels each arrow, and the log names the message it merged.
	c.nextMsg++
	m.ID = c.nextMsg
	m.synced = !queued
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

// deliver hands a message to the replica: the plain lane is overwritten
// (when the message carries a plain value), and the CRDT lane merges the
// state (state mode, or a full state in delta mode); the cluster hands it
// ops and deltas (see modes.go). Both sentences say what happened. It is
// the only place a state message changes a replica. The replica must be
// owned by the caller's cluster (see Cluster.mutable); edits names the
// edits made so far, for sentences.
func (r *Replica) deliver(m *Message, typ crdt.Type, now int64, edits []EditInfo) delivery {
	d := r.deliverPlainOnly(m, now, edits)
	d.lanes[CRDT] = r.deliverState(m, typ, now, edits)
	return d
}

// deliverPlainOnly delivers the plain lane, and notes both lanes'
// histories before.
func (r *Replica) deliverPlainOnly(m *Message, now int64, edits []EditInfo) delivery {
	var d delivery
	d.oldHist = [2]History{r.plainHist, r.crdtHist}
	via := " (message #" + strconv.Itoa(m.ID) + ")"
	if m.plain.carries {
		via = " (message #" + strconv.Itoa(m.ID) + ", " + SizeText(int64(m.bytes[Plain])) + ")"
	}
	d.lanes[Plain] = r.deliverPlain(m, via, now, edits)
	return d
}

// deliverState merges a whole state into the CRDT lane: histories joined,
// and the sender's knowledge taken.
func (r *Replica) deliverState(m *Message, typ crdt.Type, now int64, edits []EditInfo) LaneChange {
	via := " (message #" + strconv.Itoa(m.ID) + ", " + SizeText(int64(m.bytes[CRDT])) + ")"
	what := "state"
	if m.crdt.kind == PayloadFull {
		what = "full state"
	}
	before := r.ValueString(CRDT)
	r.ownState()
	newH := m.crdt.history(r.crdtHist, r.state)
	res, err := m.crdt.applyTo(r.state)
	if err != nil { // cannot happen: every replica holds the same type
		panic(fmt.Sprintf("replicas: merge within one cluster failed: %v", err))
	}
	if !res.Same {
		r.touch(CRDT, now)
	}
	r.crdtHist = newH
	knew := r.knows[CRDT]
	r.knows[CRDT] = knew.Union(m.crdt.knows)
	cc := LaneChange{Touched: true, Changed: !res.Same && r.ValueString(CRDT) != before, Decisive: res.Decisive}
	cc.Why = string(typ) + ": " + r.Name + " merged " + m.From + "'s " + what + via + ": " + res.Why
	if typ == crdt.ORSet {
		for _, note := range addWins(edits, knew, m.crdt.knows, r.Value(CRDT)) {
			cc.Why += "; " + note
		}
	}
	return cc
}

// deliverPlain overwrites the plain lane with what the message carries, or
// says that it carries nothing new.
func (r *Replica) deliverPlain(m *Message, via string, now int64, edits []EditInfo) LaneChange {
	beforeS := r.ValueString(Plain)
	if !m.plain.carries {
		return LaneChange{Touched: true,
			Why: "plain: nothing new from " + m.From + via + ": it has made no write since its last message to " + r.Name + ", so " + r.Name + " keeps " + crdt.Brief(beforeS)}
	}
	oldHist := r.plainHist.All()
	r.plain, r.plainShared, r.plainHist = m.plain.value, true, m.plain.hist // shared until either side writes
	r.touch(Plain, now)
	r.knows[Plain] = r.knows[Plain].Union(m.plain.hist.All())
	afterS := m.valueStrings[Plain]
	pc := LaneChange{Touched: true, Changed: afterS != beforeS}
	beforeS, afterS = crdt.Brief(beforeS), crdt.Brief(afterS)
	// Sentences are built by concatenation: every delivery makes two.
	switch newHist := r.plainHist.All(); {
	case beforeS != afterS:
		pc.Why = "plain: " + r.Name + "'s value " + beforeS + " was overwritten by " + m.From + "'s " + afterS + via
	case oldHist.Equal(newHist):
		pc.Why = "plain: " + r.Name + "'s value " + beforeS + " was overwritten by " + m.From + "'s copy" + via + ", the same value"
	default:
		pc.Why = "plain: " + r.Name + "'s value " + beforeS + " was overwritten by " + m.From + "'s copy" + via +
			": the same value, but it now reflects " + describeEdits(newHist.Minus(oldHist), edits) + ", not " + describeEdits(oldHist.Minus(newHist), edits)
	}
	return pc
}

// describeEdits names edits by their authors: "Bob's #2", "Alice's #1 and
// Carol's #3", or "no edit".
func describeEdits(ids []EditID, edits []EditInfo) string {
	if len(ids) == 0 {
		return "no edit"
	}
	parts := make([]string, 0, len(ids))
	for _, id := range ids[:min(len(ids), 4)] {
		parts = append(parts, edits[id-1].Replica+"'s "+id.String())
	}
	if len(ids) > 4 {
		parts = append(parts, fmt.Sprintf("%d more", len(ids)-4))
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// addWins says, for each element an or-set holds after a merge, whether it
// is there because an add won over a concurrent remove: an add of it known
// to one side of the merge only, and a remove of it known to the other side
// only (so neither had seen the other). The state alone cannot tell a
// concurrent remove from none; the edits can.
func addWins(edits []EditInfo, mine, theirs EditSet, after crdt.Value) []string {
	myOnly, theirOnly := mine.Minus(theirs), theirs.Minus(mine)
	if len(myOnly) == 0 || len(theirOnly) == 0 {
		return nil
	}
	byElem := func(ids []EditID) map[string][2][]EditID { // element → [adds, removes]
		out := map[string][2][]EditID{}
		for _, id := range ids {
			e := edits[id-1]
			if !e.Effective[CRDT] {
				continue
			}
			k := 0
			if e.Op.Kind == crdt.OpRemove {
				k = 1
			}
			g := out[e.Op.Value]
			g[k] = append(g[k], id)
			out[e.Op.Value] = g
		}
		return out
	}
	a, b := byElem(myOnly), byElem(theirOnly)
	var notes []string
	for _, e := range after.Set {
		add, rm := a[e][0], b[e][1]
		if len(add) == 0 || len(rm) == 0 {
			add, rm = b[e][0], a[e][1]
		}
		if len(add) > 0 && len(rm) > 0 {
			notes = append(notes, fmt.Sprintf("add wins for %s: remove %s and add %s were concurrent, and a remove only drops the dots it saw",
				crdt.Quote(e), rm[len(rm)-1], add[len(add)-1]))
		}
	}
	return notes
}
