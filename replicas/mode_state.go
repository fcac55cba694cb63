package replicas

import (
	"fmt"

	"crdtviz/crdt"
)

// State-based replication (Shapiro et al. 2011, CvRDT): every message
// carries the sender's whole CRDT state, and the receiver merges it. A
// merge is a join (commutative, associative, idempotent), so state mode
// needs nothing of the network but that messages eventually get through:
// loss, reordering and duplication only delay it, and any later message
// repairs a lost one. It is heavy: every message weighs the whole state.

// ModeState ships whole states. It is the zero Mode, the default.
const ModeState Mode = 0

func init() { register(ModeState, stateRules{}) }

type stateRules struct{}

func (stateRules) name() string { return "state" }
func (stateRules) describe() string {
	return "every message carries the sender's whole CRDT state"
}
func (stateRules) opOptions() bool                                            { return false }
func (stateRules) full() error                                                { return nil } // every message is full already
func (stateRules) start(*Cluster, int) modeData                               { return nil }
func (stateRules) taken(*Cluster, int, int, payload)                          {}
func (stateRules) edit(*Cluster, int, *Replica, EditID, string, *crdt.Effect) {}

func (stateRules) payload(c *Cluster, sc *senderCopy, _ int, _ bool) payload {
	return sc.whole(c)
}

// statePayload is a whole state: the sender's, shared with it (copy on
// write), with the history it reflects and everything its sender knew.
// One is made per sender per action, and its messages share it.
type statePayload struct {
	state crdt.CRDT
	h     History
	k     EditSet
	bytes int // its encoded size, once worked out (0: not yet)
}

func (p *statePayload) noun() string   { return "its state" }
func (p *statePayload) lost() string   { return "" }
func (p *statePayload) knows() EditSet { return p.k }
func (p *statePayload) hist() History  { return p.h }
func (p *statePayload) wire() wireMessage {
	return wireMessage{Kind: wireState, Body: crdt.Wire(p.state)}
}
func (p *statePayload) text(m *Message) string { return m.valueStrings[CRDT] }

func (p *statePayload) size() int {
	if p.bytes == 0 {
		p.bytes = encodedSize(p.wire())
	}
	return p.bytes
}

func (p *statePayload) held(*Message) (int64, bool) { return int64(crdt.Bytes(p.state)), true }
func (p *statePayload) work() int64                 { return 0 }

func (p *statePayload) textGrowth(*Cluster, int) int {
	if t, ok := p.state.(*crdt.TextState); ok {
		return t.Len()
	}
	return 0
}

func (p *statePayload) trial(_ *Cluster, _ int, st crdt.CRDT) { _, _ = st.Merge(p.state) }

func (p *statePayload) deliver(c *Cluster, _ int, r *Replica, m *Message) LaneChange {
	lc, _ := p.merge(c, r, m, "state")
	return lc
}

// merge joins the whole state into the replica's CRDT lane: histories
// joined (key by key, the newer stamp's, for the last-writer-wins types),
// and everything the sender knew is known. It reports whether the state
// inflated the replica's. what names the payload in the sentence.
func (p *statePayload) merge(c *Cluster, r *Replica, m *Message, what string) (LaneChange, bool) {
	before := r.ValueString(CRDT)
	r.ownState()
	newH := r.crdtHist.union(p.h)
	if lww, ok := r.state.(crdt.LWW); ok {
		newH = lwwHistory(r.crdtHist, lww.Stamps(), p.h, p.state.(crdt.LWW).Stamps())
	}
	res, err := r.state.Merge(p.state)
	if err != nil { // cannot happen: every replica holds the same type
		panic(fmt.Sprintf("replicas: merge within one cluster failed: %v", err))
	}
	if !res.Same {
		r.touch(CRDT, c.now)
	}
	r.crdtHist = newH
	knew := r.knows[CRDT]
	r.knows[CRDT] = knew.Union(p.k)
	cc := LaneChange{Touched: true, Changed: !res.Same && r.ValueString(CRDT) != before, Decisive: res.Decisive}
	cc.Why = string(c.typ) + ": " + r.Name + " merged " + m.From + "'s " + what + via(m, CRDT) + ": " + res.Why
	if c.typ == crdt.ORSet {
		for _, note := range addWins(c, knew, p.k, r.Value(CRDT)) {
			cc.Why += "; " + note
		}
	}
	return cc, !res.Same
}
