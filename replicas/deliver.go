package replicas

import (
	"fmt"
	"slices"
	"strings"

	"crdtviz/crdt"
)

// This file is the one seam through which a message changes a replica:
// receive. Every form of deliver and sync calls it (see Cluster.run); it
// hands the plain payload to the plain lane, here, and the CRDT payload to
// its mode's deliver (mode_state.go, mode_op.go, mode_delta.go). A new
// mode is a new payload type, and changes nothing here.

// plainPayload is what a message carries for the plain lane: the sender's
// value and its history, or nothing new. writes is the sender's write
// counter when the message was taken, last its latest write, declined
// and lastDeclined the edits its plain lane had declined, and heard says
// that the value it held then was not its own latest write but one it
// received (see Replica.holdsHeard).
type plainPayload struct {
	carries      bool
	writes       int
	last         EditID
	declined     int
	lastDeclined EditID
	heard        bool
	value        crdt.Plain
	hist         History
}

// holdsHeard says the replica's plain value is not its own latest write:
// it reflects edits, none of them that write. A plain server then still
// sends that value on a link that has not delivered its own latest write,
// since it sends whatever it holds.
func (r *Replica) holdsHeard() bool {
	all := r.plainHist.All()
	return all.Len() > 0 && (r.lastWrite == 0 || !all.Has(r.lastWrite))
}

// receive delivers a message to its receiver, then says what each lane
// lost.
func (c *Cluster) receive(m *Message) Event {
	i := c.index[m.To]
	r := c.mutable(i)
	oldHist := [2]History{r.plainHist, r.crdtHist}
	ev := Event{Kind: EvDeliver, Replica: r.Name, From: m.From, To: m.To, Msg: m.ID,
		Sent: m.SentTick, CopyOf: m.CopyOf, PlainNew: m.plain.carries, Synced: m.synced}
	ev.Lanes[Plain] = c.deliverPlain(r, m)
	ev.Lanes[CRDT] = m.crdt.deliver(c, i, r, m)
	for _, l := range Lanes {
		ev.Lanes[l].Lost = c.dropped(l, oldHist[l].All(), r.history(l).All())
	}
	return ev
}

// history is the replica's history in lane l, by key.
func (r *Replica) history(l Lane) History {
	if l == Plain {
		return r.plainHist
	}
	return r.crdtHist
}

// deliverPlain overwrites the plain lane with what the message carries, or
// says that it carries nothing new. A delivered value moves the link's
// remembered write counter (see Cluster.delivered); a late duplicate still
// overwrites, which is the duplication anomaly.
func (c *Cluster) deliverPlain(r *Replica, m *Message) LaneChange {
	beforeS := r.ValueString(Plain)
	if !m.plain.carries {
		why, note := c.nothingNew(r, m)
		return LaneChange{Touched: true, Why: "plain: nothing new from " + m.From + " (" + MsgName(m.ID) + "): " + why + ", so " + r.Name + " keeps " + crdt.Brief(beforeS) + note}
	}
	from, to := c.index[m.From], c.index[m.To]
	c.delivered[from][to] = max(c.delivered[from][to], m.plain.writes)
	oldHist := r.plainHist.All()
	r.plain, r.plainShared, r.plainHist = m.plain.value, true, m.plain.hist // shared until either side writes
	r.touch(Plain, c.now)
	r.knows[Plain] = r.knows[Plain].Union(m.plain.hist.All())
	afterS := m.valueStrings[Plain]
	pc := LaneChange{Touched: true, Changed: afterS != beforeS}
	beforeS, afterS = crdt.Brief(beforeS), crdt.Brief(afterS)
	v := via(m, Plain)
	newHist := r.plainHist.All()
	// Whose value arrived: the sender's own write, or, when the sender
	// holds a value it received, the write that made it. A plain value
	// changes only by an edit or an overwrite, so the write that made it
	// is the newest edit its history holds.
	whose, same := m.From+"'s "+afterS, " from "+m.From
	if ids := newHist.Last(1); m.plain.heard && len(ids) == 1 {
		held := c.editInfo(ids[0]).Replica + "'s write " + ids[0].String() + ", which " + m.From + " holds"
		whose, same = afterS+", "+held, ", "+held
	}
	// Sentences are built by concatenation: every delivery makes two.
	switch {
	case beforeS != afterS:
		pc.Why = "plain: " + r.Name + "'s value " + beforeS + " was overwritten by " + whose + v
	case oldHist.Equal(newHist):
		pc.Why = "plain: " + r.Name + "'s value " + beforeS + " was overwritten by the same value" + same + v
	default:
		pc.Why = "plain: " + r.Name + "'s value " + beforeS + " was overwritten by the same value" + same + v +
			", but it now reflects " + describeEdits(newHist.Minus(oldHist), c)
		if gone := oldHist.Minus(newHist); len(gone) > 0 {
			pc.Why += ", not " + describeEdits(gone, c)
		}
	}
	if m.plain.heard {
		pc.Why += ": " + m.From + " sends whatever it holds while a write of its own, " + m.plain.last.String() + ", is not yet delivered on this link"
	}
	return pc
}

// The rule the plain lane keeps, in one sentence for the log.
const plainRule = "a plain server sends only after a write of its own that this link has not delivered, and then it sends whatever it holds"

// nothingNew says why a message carries nothing new for the plain lane:
// its sender's plain lane had applied no write of its own (it made none,
// or its edits were declined), or the link had already delivered a value
// the sender sent after its latest write. The first time a sender holding
// a value it received sends nothing new, it also says why that value is
// not passed on.
func (c *Cluster) nothingNew(r *Replica, m *Message) (why, note string) {
	switch p := m.plain; {
	case p.writes == 0 && p.declined == 0:
		why = m.From + " had made no write of its own"
	case p.writes == 0:
		why = m.From + "'s plain lane had applied no write of its own: it declined "
		if p.declined == 1 {
			why += m.From + "'s " + p.lastDeclined.String()
		} else {
			why += fmt.Sprintf("%s's %d edits, the latest %s", m.From, p.declined, p.lastDeclined)
		}
	default:
		why = r.Name + " had already received what " + m.From + " held after its latest write, " + p.last.String()
	}
	if from := c.index[m.From]; m.plain.heard && !c.told[from] {
		c.told = slices.Clone(c.told)
		c.told[from] = true
		note = ". " + m.From + " does not pass on the value it received: " + plainRule
	}
	return why, note
}

// describeEdits names edits by their authors: "Bob's #2", "Alice's #1 and
// Carol's #3", or "no edit".
func describeEdits(ids []EditID, c *Cluster) string {
	if len(ids) == 0 {
		return "no edit"
	}
	parts := make([]string, 0, len(ids))
	for _, id := range ids[:min(len(ids), 4)] {
		parts = append(parts, c.editInfo(id).Replica+"'s "+id.String())
	}
	if len(ids) > 4 {
		parts = append(parts, fmt.Sprintf("%d more", len(ids)-4))
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// lwwHistory takes, key by key, the history of the side whose stamp won.
func lwwHistory(mine History, myStamps map[string]crdt.Stamp, theirs History, theirStamps map[string]crdt.Stamp) History {
	keys := map[string]EditSet{}
	for k, s := range mine.byKey() {
		keys[k] = s
	}
	for k, s := range theirs.byKey() {
		ms, mok := myStamps[k]
		ts, tok := theirStamps[k]
		switch {
		case !mok || (tok && ms.Less(ts)):
			keys[k] = s
		case tok && ms == ts:
			keys[k] = keys[k].Union(s)
		}
	}
	return fromKeys(keys)
}

func lwwStamps(st crdt.CRDT) map[string]crdt.Stamp {
	if l, ok := st.(crdt.LWW); ok {
		return l.Stamps()
	}
	return nil
}

// isLWW reports whether the cluster's type keeps last-writer-wins
// histories (key by key, the newer stamp's).
func (c *Cluster) isLWW() bool {
	switch c.typ {
	case crdt.LWWRegister, crdt.LWWSet, crdt.LWWMap:
		return true
	}
	return false
}

// keyHistory is h restricted to one key.
func keyHistory(h History, key string) History {
	return fromKeys(map[string]EditSet{key: h.byKey()[key]})
}

// historyOf is a history holding the edits of s under the key "".
func historyOf(s EditSet) History {
	if s.Len() == 0 {
		return History{}
	}
	return History{one: s, has: true}
}

// addWins says, for each element an or-set holds after a merge, whether it
// is there because an add won over a concurrent remove: an add of it known
// to one side of the merge only, and a remove of it known to the other side
// only (so neither had seen the other). The state alone cannot tell a
// concurrent remove from none; the edits can.
func addWins(c *Cluster, mine, theirs EditSet, after crdt.Value) []string {
	myOnly, theirOnly := mine.Minus(theirs), theirs.Minus(mine)
	if len(myOnly) == 0 || len(theirOnly) == 0 {
		return nil
	}
	byElem := func(ids []EditID) map[string][2][]EditID { // element → [adds, removes]
		out := map[string][2][]EditID{}
		for _, id := range ids {
			e := c.editInfo(id)
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
