package replicas

import (
	"fmt"
	"math/bits"
	"slices"
	"strings"

	"crdtviz/crdt"
)

// Delta-based replication (Almeida, Shoker and Baquero 2018): an edit
// makes a delta, a small state of the type that has the edit's effect
// when joined; deltas join into delta-groups, and a message carries the
// group pending on its link. A delta is a state, and a join is
// commutative, associative and idempotent, so a group can be duplicated,
// reordered or joined with others and still arrive at the same state.
//
// What is implemented, named after the papers:
//
//   - each link keeps its own delta-group (a delta-buffer per neighbour);
//     a local edit joins every outgoing group, and a message empties its
//     link's group;
//   - a received group that inflated the receiver (the join changed its
//     state, Algorithm 2's test) joins every other outgoing group, but not
//     the one back to its sender (Enes et al. 2019's avoidance of
//     back-propagation). A full state that inflated its receiver is
//     relayed the same way: a state is a delta too;
//   - convergence only: a group is joined as soon as it arrives, without
//     Algorithm 2's causal delta-merging condition, so a replica can show
//     a later edit before an earlier one it follows. Text is the
//     exception: an edit's character ops wait at the receiver until the
//     characters they need have arrived (as Yjs keeps pending structs),
//     so a text delta also joins the same way in any order;
//   - nothing resends a group that was dropped (Algorithm 2 resends until
//     acknowledged): a full state repairs the loss (send … full), and so
//     does the same delta relayed by a third replica.

// ModeDelta ships delta-groups.
const ModeDelta Mode = 2

func init() { register(ModeDelta, deltaRules{}) }

type deltaRules struct{}

func (deltaRules) name() string { return "delta" }
func (deltaRules) describe() string {
	return "every message carries the deltas pending on its link; full sends a whole state"
}
func (deltaRules) opOptions() bool { return false }
func (deltaRules) full() error     { return nil }
func (deltaRules) start(c *Cluster, i int) modeData {
	return &deltaData{self: i, from: make([]int, len(c.names))}
}

// deltaData is a replica's delta bookkeeping. Every group it files for
// sending (a local edit's delta, or a group it relays) goes once into
// log, with the one link it is not for; the delta-group pending on its
// link to replica j is the join of the entries from from[j] on that are
// for j (see pending), and a message on that link moves from[j] to the
// log's end. parked holds the text edits whose character ops cannot be
// placed yet.
//
// It is replaced, never changed in place, and its log is shared by prefix
// (see seq.go): filing an edit costs one append, not a join into every
// link's group, and clones and checkpoints copy nothing. The join is
// worked out when a message takes it.
type deltaData struct {
	self   int // the replica's own index, which is no link
	log    chunks[deltaEntry]
	from   []int
	parked parkedTexts
}

// deltaEntry is a group filed for sending, and the link it is not for
// (-1: every link; a relayed group is not sent back to where it came
// from). The replica's own index is never a link.
type deltaEntry struct {
	g   deltaGroup
	not int
}

func deltasOf(r *Replica) *deltaData { return r.mode.(*deltaData) }

func (d *deltaData) copy() *deltaData {
	e := *d
	return &e
}

// file adds a group for every link but not.
func (d *deltaData) file(g deltaGroup, not int) { d.log = d.log.Append(deltaEntry{g: g, not: not}) }

// pending is the delta-group pending on the link to replica j: the join,
// in the order they were filed, of the entries from from[j] on that are
// for j; and what joining them costs (see groupWork).
func (d *deltaData) pending(j int, lww bool) (deltaGroup, int64) {
	var gs []deltaGroup
	var w int64
	d.log.From(d.from[j], func(e deltaEntry) bool {
		if e.not != j {
			gs = append(gs, e.g)
			w += e.g.work()
		}
		return true
	})
	// joinAll goes over each group once per level of halving.
	return joinAll(gs, lww), w * int64(bits.Len(uint(len(gs))))
}

// work is what a group weighs when it is joined: its state's estimate
// and its character ops.
func (g deltaGroup) work() int64 {
	n := int64(64)
	if g.delta.State != nil {
		n += int64(crdt.Bytes(g.delta.State))
	}
	for _, p := range g.parts {
		n += 24 * int64(len(p.ops))
	}
	return n
}

// joinAll joins groups as if one at a time, in order, into an empty group
// (which is what each link's group was, when every edit joined it). A
// join is associative, so it joins halves: n groups cost n log n of
// their size, instead of n joins each as large as the group so far.
func joinAll(gs []deltaGroup, lww bool) deltaGroup {
	switch len(gs) {
	case 0:
		return deltaGroup{}
	case 1:
		return deltaGroup{}.join(gs[0], lww)
	}
	mid := len(gs) / 2
	return joinAll(gs[:mid], lww).join(joinAll(gs[mid:], lww), lww)
}

func (d *deltaData) waiting() []string {
	var out []string
	for _, p := range d.parked.parts() {
		out = append(out, fmt.Sprintf("%s (needs %s)", p.edit, p.need))
	}
	return out
}

func (d *deltaData) dump(c *Cluster) []string {
	var out []string
	for j := range d.from {
		if g, _ := d.pending(j, c.isLWW()); j != d.self && !g.empty() {
			// The wire form's deterministic encoding: it holds pointers,
			// which %v would print as addresses.
			out = append(out, fmt.Sprintf("pending -> %s: %s %x", QuoteName(c.names[j]), g.knows(), encode(groupWire(g)).Bytes()))
		}
	}
	if d.parked.Len() > 0 {
		out = append(out, fmt.Sprintf("text waiting %v", d.waiting()))
	}
	return out
}

// deltaGroup is the join of the deltas pending on one link, with the
// edits they carry (k) and the history they reflect (h). For text, each
// edit's character ops stay apart (parts), so that a receiver knows which
// edits arrived whole and can keep the others waiting; delta.State then
// holds only a relayed full state. A group is never changed once made:
// joining makes a new one.
//
// A local edit's group, as it is filed, names its edit in own instead of
// holding it in k (and, for the types that keep one history, in h): a set
// of one late edit id is a chunk of bits, and a replica files one group
// per edit. Joining a group (expanded) puts own where it belongs.
type deltaGroup struct {
	delta   crdt.Delta
	h       History
	k       EditSet
	parts   []textPart
	own     EditID
	ownHist bool // own goes in h too, under ""
}

// expanded is g with its own edit in k (and h).
func (g deltaGroup) expanded() deltaGroup {
	if g.own == 0 {
		return g
	}
	g.k = g.k.With(g.own)
	if g.ownHist {
		g.h = g.h.with("", g.own)
	}
	g.own, g.ownHist = 0, false
	return g
}

// textPart is one text edit's character ops, and, while it waits at a
// replica, the character it needs first.
type textPart struct {
	edit EditID
	ops  []crdt.TextOp
	need crdt.TextID
}

func (g deltaGroup) empty() bool { return g.delta.Empty() && len(g.parts) == 0 }

// knows is every edit the group carries.
func (g deltaGroup) knows() EditSet {
	k := g.expanded().k
	for _, p := range g.parts {
		k = k.With(p.edit)
	}
	return k
}

// join returns g joined with another group; neither changes.
func (g deltaGroup) join(o deltaGroup, lww bool) deltaGroup {
	g, o = g.expanded(), o.expanded()
	out := deltaGroup{delta: g.delta.Clone(), k: g.k.Union(o.k), parts: slices.Clip(g.parts)}
	if len(o.parts) > 0 {
		have := make(map[EditID]bool, len(g.parts))
		for _, p := range g.parts {
			have[p.edit] = true
		}
		for _, p := range o.parts {
			if !have[p.edit] {
				out.parts = append(out.parts, p)
				have[p.edit] = true
			}
		}
	}
	if lww && g.delta.State != nil && o.delta.State != nil {
		out.h = lwwHistory(g.h, lwwStamps(g.delta.State), o.h, lwwStamps(o.delta.State))
	} else {
		out.h = g.h.union(o.h)
	}
	_ = out.delta.Join(o.delta) // same type throughout one cluster
	return out
}

func (deltaRules) edit(c *Cluster, i int, r *Replica, id EditID, key string, e *crdt.Effect) {
	g := deltaGroup{own: id, delta: e.Delta}
	switch {
	case c.typ == crdt.Text:
		g = deltaGroup{parts: []textPart{{edit: id, ops: e.Delta.Text}}}
	case c.isLWW():
		g.h = keyHistory(r.crdtHist, key)
	default:
		g.ownHist = true
	}
	d := deltasOf(r).copy()
	d.file(g, -1)
	r.mode = d
}

func (deltaRules) payload(c *Cluster, sc *senderCopy, to int, full bool) payload {
	if full {
		return &fullPayload{sc.whole(c)}
	}
	d := sc.mode.(*deltaData)
	key := [2]int{d.from[to], -1}
	d.log.From(d.from[to], func(e deltaEntry) bool {
		if e.not == to {
			key[1] = to
		}
		return e.not != to
	})
	if g, ok := sc.groups[key]; ok {
		return &deltaPayload{g: g, upto: d.log.Len()}
	}
	g, joined := d.pending(to, c.isLWW())
	if sc.groups == nil {
		sc.groups = map[[2]int]deltaGroup{}
	}
	sc.groups[key] = g
	return &deltaPayload{g: g, upto: d.log.Len(), joined: joined}
}

func (deltaRules) taken(c *Cluster, from, to int, p payload) {
	dp, ok := p.(*deltaPayload)
	if !ok {
		return // a full state leaves the link's group pending
	}
	r := c.mutable(from)
	d := deltasOf(r).copy()
	d.from = slices.Clone(d.from)
	d.from[to] = dp.upto
	r.mode = d
}

// relay passes a group that inflated replica i on to every other link out
// of i, except back to from.
func (c *Cluster) relay(i, from int, r *Replica, g deltaGroup) {
	d := deltasOf(r).copy()
	d.file(g, from)
	r.mode = d
}

// deltaPayload is the delta-group a message carries (possibly empty), and
// how far along its sender's log the link has carried once it is taken.
type deltaPayload struct {
	g      deltaGroup
	upto   int
	joined int64 // what joining it cost (see pending), for the work budget
}

func (p *deltaPayload) noun() string   { return "its pending delta" }
func (p *deltaPayload) knows() EditSet { return p.g.knows() }
func (p *deltaPayload) hist() History  { return p.g.h.union(historyOf(p.g.knows())) }
func (p *deltaPayload) size() int      { return encodedSize(p.wire()) }

func (p *deltaPayload) text(*Message) string {
	g := p.g
	switch {
	case g.empty():
		return "empty delta"
	case len(g.parts) > 0:
		n := 0
		for _, part := range g.parts {
			n += len(part.ops)
		}
		s := "delta of " + Plural(n, "character op")
		if g.delta.State != nil {
			s += " and a relayed state"
		}
		return s
	}
	return "delta " + g.delta.State.Value().String()
}

func (p *deltaPayload) lost() string {
	if p.g.empty() {
		return ""
	}
	return "; its delta is lost and nothing here sends it again: a full state (sync … full) repairs it, as does the same delta relayed by another replica"
}

func (p *deltaPayload) wire() wireMessage {
	if p.g.empty() {
		return wireMessage{Kind: wireDelta}
	}
	return wireMessage{Kind: wireDelta, Body: groupWire(p.g)}
}

// groupWire is a delta-group's wire form: the type's delta form, or for
// text its character ops, with a relayed state beside them when it has
// one.
func groupWire(g deltaGroup) any {
	var ops []crdt.TextOp
	for _, p := range g.parts {
		ops = append(ops, p.ops...)
	}
	switch {
	case len(ops) == 0:
		return crdt.WireOfDelta(crdt.Delta{State: g.delta.State})
	case g.delta.State == nil:
		return crdt.WireOfDelta(crdt.Delta{Text: ops})
	}
	return wireTextGroup{State: crdt.Wire(g.delta.State), Ops: crdt.WireOfDelta(crdt.Delta{Text: ops})}
}

func (p *deltaPayload) work() int64 { return p.joined }

func (p *deltaPayload) held(m *Message) (int64, bool) {
	if m == nil {
		return 0, false
	}
	return int64(m.bytes[CRDT]), false
}

func (p *deltaPayload) textGrowth(c *Cluster, to int) int {
	n := textInserts(p.g.parts) + deltasOf(c.reps[to]).parked.inserts
	if t, ok := p.g.delta.State.(*crdt.TextState); ok {
		n += t.Len()
	}
	return n
}

func textInserts(parts []textPart) int {
	n := 0
	for _, p := range parts {
		for _, op := range p.ops {
			if !op.Delete {
				n++
			}
		}
	}
	return n
}

func (p *deltaPayload) trial(c *Cluster, to int, st crdt.CRDT) {
	if p.g.delta.State != nil {
		_, _ = st.Merge(p.g.delta.State)
	}
	t, ok := st.(*crdt.TextState)
	if !ok {
		return
	}
	parts := append(deltasOf(c.reps[to]).parked.parts(), p.g.parts...)
	for progress := true; progress; {
		progress = false
		for k, part := range parts {
			if _, missing := t.Missing(part.ops); !missing {
				_, _ = crdt.Delta{Text: part.ops}.JoinInto(t)
				parts = append(parts[:k:k], parts[k+1:]...)
				progress = true
				break
			}
		}
	}
}

// deliver joins the group into replica i, and relays it if it inflated
// the replica's state.
func (p *deltaPayload) deliver(c *Cluster, i int, r *Replica, m *Message) LaneChange {
	g := p.g
	before := r.ValueString(CRDT)
	r.ownState()
	var whys, decisive []string
	inflated := false
	if g.empty() {
		whys = append(whys, "an empty delta: "+m.From+" had nothing pending for "+r.Name)
	}
	if g.delta.State != nil {
		newH := r.crdtHist.union(g.h)
		if c.isLWW() {
			newH = lwwHistory(r.crdtHist, lwwStamps(r.state), g.h, lwwStamps(g.delta.State))
		}
		res, err := g.delta.JoinInto(r.state)
		if err != nil { // cannot happen: every replica holds the same type
			panic(fmt.Sprintf("replicas: a delta within one cluster failed: %v", err))
		}
		r.knows[CRDT] = r.knows[CRDT].Union(g.k)
		// A last-writer-wins delta's key history reflects the writes its
		// origin had seen on that key; a lost delta may have kept some
		// from reaching this replica.
		r.crdtHist = newH.within(r.knows[CRDT])
		inflated = !res.Same
		whys, decisive = append(whys, res.Why), res.Decisive
	}
	if c.typ == crdt.Text && (len(g.parts) > 0 || inflated) {
		why, placed, grew := c.placeText(r, g.parts, g.delta.State != nil)
		whys = append(whys, why...)
		inflated = inflated || grew
		if placed {
			decisive = append(decisive, "chars")
		}
	}
	if inflated {
		r.touch(CRDT, c.now)
		c.relay(i, c.index[m.From], r, g)
	}
	cc := LaneChange{Touched: true, Changed: r.ValueString(CRDT) != before, Decisive: decisive}
	cc.Why = string(c.typ) + ": " + r.Name + " joined " + m.From + "'s delta" + via(m, CRDT) + ": " + strings.Join(whys, "; ")
	return cc
}

// fullPayload is a whole state sent in delta mode (send … full): how a
// lost delta is repaired. It is merged as in state mode and, if it
// inflated the receiver, relayed like a delta, since a state is one.
type fullPayload struct{ *statePayload }

func (p *fullPayload) noun() string { return "its full state" }
func (p *fullPayload) text(m *Message) string {
	return "full state " + crdt.Brief(m.valueStrings[CRDT])
}
func (p *fullPayload) wire() wireMessage {
	return wireMessage{Kind: wireFull, Body: crdt.Wire(p.state)}
}
func (p *fullPayload) size() int {
	if p.bytes == 0 {
		p.bytes = encodedSize(p.wire())
	}
	return p.bytes
}

func (p *fullPayload) trial(c *Cluster, to int, st crdt.CRDT) {
	(&deltaPayload{g: deltaGroup{delta: crdt.Delta{State: p.state}}}).trial(c, to, st)
}

func (p *fullPayload) textGrowth(c *Cluster, to int) int {
	return p.statePayload.textGrowth(c, to) + deltasOf(c.reps[to]).parked.inserts
}

func (p *fullPayload) deliver(c *Cluster, i int, r *Replica, m *Message) LaneChange {
	before := r.ValueString(CRDT)
	lc, inflated := p.merge(c, r, m, "full state")
	if c.typ == crdt.Text && deltasOf(r).parked.Len() > 0 {
		if why, _, grew := c.placeText(r, nil, true); grew {
			lc.Why += "; " + strings.Join(why, "; ")
			r.touch(CRDT, c.now)
			lc.Changed = r.ValueString(CRDT) != before
			inflated = true
		}
	}
	if inflated {
		c.relay(i, c.index[m.From], r, deltaGroup{delta: crdt.Delta{State: p.state}, h: p.h, k: p.k})
		lc.Why += "; it joins the deltas " + r.Name + " passes on"
	}
	return lc
}
