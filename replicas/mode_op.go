package replicas

import (
	"container/heap"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"crdtviz/crdt"
)

// Op-based replication (Shapiro et al. 2011, CmRDT): a replica ships the
// downstream ops of the edits it applied, and every other replica applies
// each once. The theory assumes the network delivers every op exactly
// once, in causal order; this mode provides both itself, and each can be
// switched off to show what breaks:
//
//   - delivery causal: an op whose dependencies (the ops its origin had
//     applied when it made it) have not all been applied waits in the
//     receiver's causal buffer. delivery any applies it as it arrives;
//   - dedup on: an op already applied (or waiting) is ignored, by its id.
//     dedup off applies it again.
//
// Ops spread by gossip: a replica ships the ops it applied, its own and
// those it received, so they cross a partition through a third replica.
// A link carries an op at most once (unless the network duplicates the
// message), never back to the replica that made it, and never back to a
// replica it came from. An op that reaches a replica by a second path is
// a duplicate that gossip made: dedup drops it, and without dedup it is
// applied twice, which is why flooding needs dedup by op id. Nothing
// resends an op whose message was dropped.

// ModeOp ships operations.
const ModeOp Mode = 1

func init() { register(ModeOp, opRules{}) }

type opRules struct{}

func (opRules) name() string { return "op" }
func (opRules) describe() string {
	return "every message carries the ops the receiver lacks, as far as its sender knows"
}
func (opRules) opOptions() bool { return true }
func (opRules) full() error {
	return fmt.Errorf("full sends a whole state, which is delta mode's repair; this cluster replicates by ops")
}
func (opRules) start(c *Cluster, _ int) modeData {
	n := len(c.names)
	return &opData{sent: make([]int, n), heard: make([]EditSet, n)}
}

// OpEntry is one operation, as op-based replication ships it: its id (its
// origin replica and that replica's sequence number), its dependencies
// (the version vector of ops its origin had applied when it made it, see
// Deps), and the type's downstream payload. It never changes once made, so
// messages and replicas share it.
type OpEntry struct {
	Origin string
	Seq    uint64
	// others is its dependencies on other origins, by origin name; on its
	// own origin it depends on the Seq-1 ops before it. The ops an origin
	// makes between two ops it receives share one others.
	others []dep
	Effect *crdt.Effect
	Edit   EditID
	// hist is, for the last-writer-wins types, what the edit's key
	// reflected at its origin right after it: a replica the op wins at
	// takes it. key is that key.
	key  string
	hist History
}

// Name is the op's id as the screen shows it: "A3", or "Server 1·3" when
// the name ends in a digit.
func (o *OpEntry) Name() string { return opName(o.Origin, o.Seq) }

func opName(origin string, seq uint64) string {
	if r := []rune(origin); len(r) > 0 && unicode.IsDigit(r[len(r)-1]) {
		return origin + "·" + strconv.FormatUint(seq, 10)
	}
	return origin + strconv.FormatUint(seq, 10)
}

// describe is the op in a few words: "A3 add milk".
func (o *OpEntry) describe(c *Cluster) string {
	if info, ok := c.EditByID(o.Edit); ok {
		return o.Name() + " " + info.Op.String()
	}
	return o.Name()
}

// dep is a dependency: the first n ops of origin.
type dep struct {
	origin string
	n      uint64
}

// eachDep calls f on each dependency, by origin name, until f says stop.
func (o *OpEntry) eachDep(f func(origin string, n uint64) bool) {
	own := o.Seq - 1
	for _, d := range o.others {
		if own > 0 && o.Origin < d.origin {
			if !f(o.Origin, own) {
				return
			}
			own = 0
		}
		if !f(d.origin, d.n) {
			return
		}
	}
	if own > 0 {
		f(o.Origin, own)
	}
}

// Deps is the version vector of ops its origin had applied when it made
// it (nil for none).
func (o *OpEntry) Deps() crdt.VV {
	var vv crdt.VV
	o.eachDep(func(origin string, n uint64) bool {
		if vv == nil {
			vv = crdt.VV{}
		}
		vv[origin] = n
		return true
	})
	return vv
}

// depsOf is prefix's entries but self's, by origin name.
func depsOf(prefix crdt.VV, self string) []dep {
	var out []dep
	for _, r := range slices.Sorted(maps.Keys(prefix)) {
		if r != self {
			out = append(out, dep{r, prefix[r]})
		}
	}
	return out
}

// missing is the first dependency of op that prefix lacks, as an op name,
// or "" when it has them all.
func (o *OpEntry) missing(prefix crdt.VV) string {
	if r, _, ok := firstMissing(o, prefix); ok {
		return opName(r, prefix[r]+1)
	}
	return ""
}

// opData is a replica's op-based bookkeeping:
//
//   - seq: how many ops it has made;
//   - applied: the ops it has applied, by edit id (what dedup checks);
//   - seqs: per other origin, the sequence numbers of that origin's ops it
//     has applied (its own are all of 1 … seq), and prefix: per origin,
//     how many of its first ops are all applied (what dependencies are
//     checked against);
//   - log: the ops it applied, each once, in order (what it ships);
//   - buffer: the ops waiting for their dependencies (see causal.go);
//   - sent[j]: how far along log the link to replica j has carried;
//   - heard[j]: the ops that came in from replica j, which j has;
//   - others: prefix's entries for the other origins, which the ops it
//     makes depend on (nil when prefix has changed since).
//
// It is replaced, never changed in place, so replicas share it. Its log
// and buffer are persistent: a new version shares the old one's ops, so
// an edit or a delivery costs what it adds, not the size of the log.
// prefix and seqs are replaced whole when they change (a few entries,
// one per origin), so an op's Deps can be the prefix map it was made at.
type opData struct {
	seq     uint64
	applied EditSet
	seqs    map[string]EditSet
	prefix  crdt.VV
	log     seq[*OpEntry]
	buffer  causalBuffer
	sent    []int
	heard   []EditSet
	others  []dep
	fresh   bool // others is prefix's
}

// copy is a shallow copy whose slices and maps are the caller's to replace
// (never to change in place: they are still shared).
func (d *opData) copy() *opData {
	e := *d
	return &e
}

func (d *opData) waiting() []string {
	var out []string
	for _, op := range d.buffer.ops() {
		out = append(out, op.Name()+" (needs "+op.missing(d.prefix)+")")
	}
	return out
}

func opsOf(r *Replica) *opData { return r.mode.(*opData) }

// annotate leaves the causal context off an or-set's metadata line: op
// delivery never consults it (an op-based add is applied without looking
// at it, as the log says for each add), so the box shows only the dots,
// which op delivery does act on (issue 20: a box shows nothing that the
// mode's delivery ignores). The Details pane still lists the whole state.
func (d *opData) annotate(parts []crdt.MetaPart, st crdt.CRDT) []crdt.MetaPart {
	if _, ok := st.(*crdt.ORSetState); !ok {
		return parts
	}
	out := make([]crdt.MetaPart, 0, len(parts))
	for _, p := range parts {
		if k := strings.Index(p.Text, " · context "); k >= 0 {
			p.Text = p.Text[:k]
		}
		out = append(out, p)
	}
	return out
}

func (opRules) edit(c *Cluster, i int, r *Replica, id EditID, key string, e *crdt.Effect) {
	d := opsOf(r).copy()
	if !d.fresh {
		d.others, d.fresh = depsOf(d.prefix, r.Name), true
	}
	if !opUsesDelta(c.typ) {
		// The effect is the edit's own, and op mode ships only its op:
		// keeping its delta too would double what a long log holds.
		e.Delta = crdt.Delta{}
	}
	op := &OpEntry{Origin: r.Name, Seq: d.seq + 1, others: d.others, Effect: e, Edit: id, key: key}
	if c.isLWW() {
		op.hist = keyHistory(r.crdtHist, key)
	}
	d.seq = op.Seq
	d.applied = d.applied.With(id)
	d.prefix = withSeq(d.prefix, r.Name, op.Seq)
	d.log = d.log.Append(op)
	r.mode = d
}

// payload is the ops in the sender's log that the link has not carried
// and that the receiver, as far as the sender knows, lacks: none it made,
// and none that came in from it.
func (opRules) payload(c *Cluster, sc *senderCopy, to int, _ bool) payload {
	d := sc.mode.(*opData)
	p := &opsPayload{upto: d.log.Len()}
	for _, op := range d.log.From(d.sent[to]) {
		if op.Origin != c.names[to] && !d.heard[to].Has(op.Edit) {
			p.ops = append(p.ops, op)
		}
	}
	return p
}

func (opRules) taken(c *Cluster, from, to int, p payload) {
	r := c.mutable(from)
	d := opsOf(r).copy()
	d.sent = slices.Clone(d.sent)
	d.sent[to] = p.(*opsPayload).upto
	r.mode = d
}

// opUsesDelta reports whether an op of the type is its delta: Deliver
// joins the delta of every type but the counters, the or-set, the
// mv-register and text, and the last-writer-wins types' histories read
// its stamps.
func opUsesDelta(t crdt.Type) bool {
	switch t {
	case crdt.GCounter, crdt.PNCounter, crdt.ORSet, crdt.MVRegister, crdt.Text:
		return false
	}
	return true
}

// withSeq is prefix with origin's entry set to n (a new map).
func withSeq(prefix crdt.VV, origin string, n uint64) crdt.VV {
	p := maps.Clone(prefix)
	if p == nil {
		p = crdt.VV{}
	}
	p[origin] = n
	return p
}

// withSeqs is seqs with seq added to origin's set (a new map).
func withSeqs(seqs map[string]EditSet, origin string, seq uint64) map[string]EditSet {
	s := maps.Clone(seqs)
	if s == nil {
		s = map[string]EditSet{}
	}
	s[origin] = s[origin].With(EditID(seq))
	return s
}

// opsPayload is the ops a message carries, and how far along its sender's
// log the link has carried once it is taken.
type opsPayload struct {
	ops  []*OpEntry
	upto int
}

func (p *opsPayload) noun() string { return "its ops" }

func (p *opsPayload) text(*Message) string {
	if len(p.ops) == 0 {
		return "no ops"
	}
	parts := make([]string, len(p.ops))
	for i, op := range p.ops {
		parts[i] = op.Name()
	}
	return "ops " + strings.Join(parts, ", ")
}

func (p *opsPayload) lost() string {
	if len(p.ops) == 0 {
		return ""
	}
	return "; its ops are lost, and nothing sends them again"
}

func (p *opsPayload) wire() wireMessage {
	ops := make([]wireOp, len(p.ops))
	for i, o := range p.ops {
		ops[i] = opWire(o)
	}
	return wireMessage{Kind: wireOps, Body: ops}
}

func (p *opsPayload) size() int { return encodedSize(p.wire()) }

func (p *opsPayload) knows() EditSet {
	var k EditSet
	for _, op := range p.ops {
		k = k.With(op.Edit)
	}
	return k
}

func (p *opsPayload) hist() History { return historyOf(p.knows()) }

func (p *opsPayload) work() int64 { return int64(len(p.ops)) * opWork }

func (p *opsPayload) held(m *Message) (int64, bool) {
	if m == nil {
		return 0, false
	}
	return int64(m.bytes[CRDT]), false
}

func (p *opsPayload) textGrowth(*Cluster, int) int {
	n := 0
	for _, op := range p.ops {
		n += len(op.Effect.Text)
	}
	return n
}

func (p *opsPayload) trial(_ *Cluster, _ int, st crdt.CRDT) {
	for _, op := range p.ops {
		_, _ = crdt.Deliver(st, op.Effect)
	}
}

// deliver hands a message's ops to replica i, op by op in the message's
// order: a duplicate is ignored (dedup on), an op whose dependencies have
// not all been applied waits (delivery causal), and every other is
// applied; after each op applied, the waiting ops it made ready are
// applied too, earliest arrival first, and so on while any is ready.
// Every op that came in is remembered as heard from the sender, which has
// it.
func (p *opsPayload) deliver(c *Cluster, _ int, r *Replica, m *Message) LaneChange {
	st := opsOf(r).copy()
	from := c.index[m.From]
	before := r.ValueString(CRDT)
	var notes []string
	changed := false
	var decisive []string
	hist, knows := r.crdtHist, r.knows[CRDT]
	var ready arrivalHeap
	apply := func(op *OpEntry) {
		res, err := crdt.Deliver(r.state, op.Effect)
		if !st.applied.Has(op.Edit) {
			st.applied = st.applied.With(op.Edit)
			st.log = st.log.Append(op)
		}
		st.seqs = withSeqs(st.seqs, op.Origin, op.Seq)
		// Ops of this origin applied out of order (delivery any) may now
		// continue the prefix.
		was := st.prefix[op.Origin]
		n := was
		for st.seqs[op.Origin].Has(EditID(n + 1)) {
			n++
		}
		if n > was {
			st.prefix, st.fresh = withSeq(st.prefix, op.Origin, n), false
			st.buffer = st.buffer.wake(op.Origin, was, n, st.prefix, &ready)
		}
		switch {
		case err != nil:
			notes = append(notes, op.Name()+" declined: "+err.Error())
			return
		case res.Ignored:
			notes = append(notes, op.describe(c)+": "+res.Why)
			return
		}
		if res.Partial { // only some of its characters could be placed
			notes = append(notes, op.describe(c)+": "+res.Why)
			changed = changed || !res.Same
			return
		}
		knows = knows.With(op.Edit)
		if c.isLWW() {
			// The op's key history reflects the writes its origin had
			// seen on that key; without causal delivery, some may not
			// have reached this replica.
			hist = lwwHistory(hist, lwwStamps(r.state), op.hist.within(knows), lwwStamps(op.Effect.Delta.State))
		} else {
			hist = hist.with(op.key, op.Edit)
		}
		if !res.Same {
			changed = true
		}
		decisive = append(decisive, res.Decisive...)
		notes = append(notes, "applied "+op.describe(c)+": "+res.Why)
	}
	isReady := func(op *OpEntry) bool { return !c.Causal() || op.missing(st.prefix) == "" }
	held := func(op *OpEntry) bool { return st.applied.Has(op.Edit) || st.buffer.has(op.Edit) }
	for _, op := range p.ops {
		if !st.heard[from].Has(op.Edit) {
			st.heard = slices.Clone(st.heard)
			st.heard[from] = st.heard[from].With(op.Edit)
		}
		switch {
		case c.Dedup() && held(op):
			notes = append(notes, "duplicate of "+op.Name()+" ignored")
			continue
		case !isReady(op):
			st.buffer = st.buffer.add(op, st.prefix)
			notes = append(notes, op.Name()+" waits in the causal buffer (needs "+op.missing(st.prefix)+")")
			continue
		}
		r.ownState()
		apply(op)
		// Apply the waiting ops it made ready, earliest arrival first.
		for ready.Len() > 0 {
			w := heap.Pop(&ready).(*waitingOp)
			st.buffer = st.buffer.take(w)
			apply(w.op)
		}
	}
	if len(p.ops) == 0 {
		notes = append(notes, "no op "+r.Name+" lacks: every op "+m.From+" had applied was "+r.Name+"'s own, had come from "+r.Name+", or had been sent to "+r.Name+" already")
	}
	r.mode = st
	r.crdtHist, r.knows[CRDT] = hist, knows
	if changed {
		r.touch(CRDT, c.now)
	}
	cc := LaneChange{Touched: true, Changed: changed && r.ValueString(CRDT) != before, Decisive: decisive}
	cc.Why = string(c.typ) + ": " + r.Name + " received " + m.From + "'s ops" + via(m, CRDT) + ": " + strings.Join(notes, "; ")
	return cc
}

func (d *opData) dump(c *Cluster) []string {
	var log []string
	for _, op := range d.log.From(0) {
		log = append(log, op.Name())
	}
	return []string{fmt.Sprintf("ops   made %d, prefix %v, log %v, waiting %v, sent %v, heard %v", d.seq, d.prefix, log, d.waiting(), d.sent, d.heard)}
}
