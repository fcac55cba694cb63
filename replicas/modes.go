package replicas

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"crdtviz/crdt"
)

// Mode is what a CRDT-lane message carries: the sender's whole state
// (state-based), the operations it has applied and not yet sent on that
// link (op-based), or the deltas pending for that link (delta-based). The
// plain lane is the same in every mode.
type Mode int

const (
	ModeState Mode = iota
	ModeOp
	ModeDelta
)

// Modes lists the modes, in the order the docs teach them.
var Modes = []Mode{ModeState, ModeOp, ModeDelta}

func (m Mode) String() string { return [...]string{"state", "op", "delta"}[m] }

// Describe says what a message carries in the mode.
func (m Mode) Describe() string {
	return [...]string{
		"every message carries the sender's whole CRDT state",
		"every message carries the ops its sender applied and has not sent on that link",
		"every message carries the deltas pending on its link; full sends a whole state",
	}[m]
}

// ParseMode reads state, op or delta.
func ParseMode(s string) (Mode, error) {
	for _, m := range Modes {
		if m.String() == s {
			return m, nil
		}
	}
	return 0, fmt.Errorf("unknown mode %q: choose state, op or delta", s)
}

// Mode is the cluster's mode; Causal and Dedup are op mode's delivery
// rules.
func (c *Cluster) Mode() Mode   { return c.mode }
func (c *Cluster) Causal() bool { return !c.anyOrder }
func (c *Cluster) Dedup() bool  { return !c.noDedup }

// OpEntry is one operation, as op-based replication ships it: its id (its
// origin replica and that replica's sequence number), its dependencies
// (the version vector of ops its origin had applied when it made it), and
// the type's downstream payload. It never changes once made, so messages
// and replicas share it.
type OpEntry struct {
	Origin string
	Seq    uint64
	Deps   crdt.VV
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

// missing is the first dependency of op that prefix lacks, as an op name,
// or "" when it has them all.
func (o *OpEntry) missing(prefix crdt.VV) string {
	for _, r := range slices.Sorted(maps.Keys(o.Deps)) {
		if n := o.Deps[r]; prefix[r] < n {
			return opName(r, prefix[r]+1)
		}
	}
	return ""
}

// opState is a replica's op-based bookkeeping: how many ops it has made,
// which it has applied (by their edits), for each origin how many of its
// first ops are all applied (what dependencies are checked against), the
// ops it applied in order (what it sends), and the ops waiting for their
// dependencies. Every field is replaced, never changed in place, so
// replicas can share it (copy on write).
type opState struct {
	seq     uint64
	applied EditSet
	prefix  crdt.VV
	log     []*OpEntry
	buffer  []*OpEntry
}

// deltaGroup is the join of the deltas pending on one link, with the
// edits they carry (knows) and the history they reflect. Text groups keep
// each edit's character ops apart (parts), so that a receiver knows which
// edits arrived whole. A group is never changed once made: joining makes
// a new one.
type deltaGroup struct {
	delta crdt.Delta
	hist  History
	knows EditSet
	parts []textPart
}

type textPart struct {
	edit EditID
	ops  []crdt.TextOp
}

func (g deltaGroup) empty() bool { return g.delta.Empty() }

// join returns g joined with another group.
func (g deltaGroup) join(o deltaGroup, lww bool, stamps func(crdt.CRDT) map[string]crdt.Stamp) deltaGroup {
	out := deltaGroup{delta: g.delta.Clone(), knows: g.knows.Union(o.knows), parts: append(slices.Clip(g.parts), o.parts...)}
	if lww && g.delta.State != nil && o.delta.State != nil {
		out.hist = lwwHistory(g.hist, stamps(g.delta.State), o.hist, stamps(o.delta.State))
	} else {
		out.hist = g.hist.union(o.hist)
	}
	_ = out.delta.Join(o.delta) // same type throughout one cluster
	return out
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
	return History{keys: map[string]EditSet{key: h.keys[key]}}
}

// recordEffect files a local edit's effect for the mode: an op in the
// replica's log, or a delta on each of its outgoing links.
func (c *Cluster) recordEffect(i int, r *Replica, id EditID, key string, e *crdt.Effect) {
	switch c.mode {
	case ModeOp:
		op := &OpEntry{Origin: r.Name, Seq: r.op.seq + 1, Deps: maps.Clone(r.op.prefix), Effect: e, Edit: id, key: key}
		if c.isLWW() {
			op.hist = keyHistory(r.crdtHist, key)
		}
		r.op = opState{seq: op.Seq, applied: r.op.applied.With(id), prefix: withSeq(r.op.prefix, r.Name, op.Seq),
			log: append(slices.Clip(r.op.log), op), buffer: r.op.buffer}
		c.opIDs[i] = append(slices.Clip(c.opIDs[i]), id)
	case ModeDelta:
		g := deltaGroup{delta: e.Delta, knows: EditSet{}.With(id)}
		if c.isLWW() {
			g.hist = keyHistory(r.crdtHist, key)
		} else {
			g.hist = History{}.with("", id)
		}
		if c.typ == crdt.Text {
			g.parts = []textPart{{edit: id, ops: e.Delta.Text}}
		}
		for j := range c.names {
			if j != i {
				c.pending[i][j] = c.pending[i][j].join(g, c.isLWW(), lwwStamps)
			}
		}
	}
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

// Waiting lists, for the screen, the ops in the replica's causal buffer
// and the first dependency each lacks: "A3 (needs A2)".
func (r *Replica) Waiting() []string {
	var out []string
	for _, op := range r.op.buffer {
		out = append(out, op.Name()+" (needs "+op.missing(r.op.prefix)+")")
	}
	return out
}

// Waiting counts the ops in every causal buffer: what expect waiting N
// checks.
func (c *Cluster) Waiting() int {
	n := 0
	for _, r := range c.reps {
		n += len(r.op.buffer)
	}
	return n
}

// deliverOps hands a message's ops to the replica, op by op in the
// message's order: a duplicate is ignored (dedup on), an op whose
// dependencies have not all been applied waits (delivery causal), and
// every other is applied; after each op applied, the waiting ops are
// tried again, in the order they arrived. It returns the lane's change.
func (c *Cluster) deliverOps(r *Replica, m *Message) LaneChange {
	st := r.op
	before := r.ValueString(CRDT)
	var notes []string
	changed := false
	var decisive []string
	hist, knows := r.crdtHist, r.knows[CRDT]
	apply := func(op *OpEntry) {
		res, err := crdt.Deliver(r.state, op.Effect)
		st.applied = st.applied.With(op.Edit)
		st.log = append(slices.Clip(st.log), op)
		if st.prefix[op.Origin]+1 == op.Seq {
			st.prefix = withSeq(st.prefix, op.Origin, op.Seq)
			// Ops of this origin applied out of order (delivery any) may
			// now continue the prefix.
			ids := c.opIDs[c.index[op.Origin]]
			for n := st.prefix[op.Origin]; int(n) < len(ids) && st.applied.Has(ids[n]); n++ {
				st.prefix = withSeq(st.prefix, op.Origin, n+1)
			}
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
		if c.isLWW() {
			hist = lwwHistory(hist, lwwStamps(r.state), op.hist, lwwStamps(op.Effect.Delta.State))
		} else {
			hist = hist.with(op.key, op.Edit)
		}
		knows = knows.With(op.Edit)
		if !res.Same {
			changed = true
		}
		decisive = append(decisive, res.Decisive...)
		notes = append(notes, "applied "+op.describe(c)+": "+res.Why)
	}
	ready := func(op *OpEntry) bool { return !c.Causal() || op.missing(st.prefix) == "" }
	held := func(op *OpEntry) bool {
		if st.applied.Has(op.Edit) {
			return true
		}
		return slices.ContainsFunc(st.buffer, func(w *OpEntry) bool { return w.Edit == op.Edit })
	}
	for _, op := range m.crdt.ops {
		switch {
		case c.Dedup() && held(op):
			notes = append(notes, "duplicate of "+op.Name()+" ignored")
			continue
		case !ready(op):
			st.buffer = append(slices.Clip(st.buffer), op)
			notes = append(notes, op.Name()+" waits in the causal buffer (needs "+op.missing(st.prefix)+")")
			continue
		}
		r.ownState()
		apply(op)
		// Retry the waiting ops, in arrival order, until none is ready.
		for again := true; again; {
			again = false
			for k, w := range st.buffer {
				if ready(w) {
					st.buffer = append(slices.Clip(st.buffer[:k]), st.buffer[k+1:]...)
					apply(w)
					again = true
					break
				}
			}
		}
	}
	if len(m.crdt.ops) == 0 {
		notes = append(notes, "no new op: "+m.From+" had sent every op it applied here already")
	}
	r.op = st
	r.crdtHist, r.knows[CRDT] = hist, knows
	if changed {
		r.touch(CRDT, c.now)
	}
	cc := LaneChange{Touched: true, Changed: changed && r.ValueString(CRDT) != before, Decisive: decisive}
	cc.Why = string(c.typ) + ": " + r.Name + " received " + m.From + "'s ops (message #" + strconv.Itoa(m.ID) + ", " + SizeText(int64(m.bytes[CRDT])) + "): " + strings.Join(notes, "; ")
	return cc
}

// deliverDelta joins a message's delta-group into the replica. A group
// that inflated the replica's state is passed on: it joins the deltas
// pending on every other link out of the replica, except back to where
// it came from.
func (c *Cluster) deliverDelta(r *Replica, m *Message) (LaneChange, bool) {
	g := m.crdt.delta
	before := r.ValueString(CRDT)
	r.ownState()
	var res crdt.Result
	var err error
	knows := g.knows
	switch {
	case g.empty():
		res = crdt.Result{Same: true, Why: "an empty delta: " + m.From + " had nothing pending for " + r.Name}
	case c.typ == crdt.Text:
		// Each edit's ops apart, so that only edits that arrived whole are
		// known.
		knows = EditSet{}
		var applied, declined int
		for _, p := range g.parts {
			pr, _ := crdt.Delta{Text: p.ops}.JoinInto(r.state)
			switch {
			case pr.Ignored || pr.Partial:
				declined++
			default:
				knows = knows.With(p.edit)
				if !pr.Same {
					applied++
				}
			}
		}
		res = crdt.Result{Same: applied == 0, Why: fmt.Sprintf("joined %s", Plural(len(g.parts), "edit's ops"))}
		if declined > 0 {
			res.Why += fmt.Sprintf("; %s could not be placed: the text it follows has not arrived (a full sync brings it)", Plural(declined, "edit"))
		}
	default:
		newH := r.crdtHist.union(g.hist)
		if c.isLWW() {
			newH = lwwHistory(r.crdtHist, lwwStamps(r.state), g.hist, lwwStamps(g.delta.State))
		}
		res, err = g.delta.JoinInto(r.state)
		if err != nil { // cannot happen: every replica holds the same type
			panic(fmt.Sprintf("replicas: a delta within one cluster failed: %v", err))
		}
		r.crdtHist = newH
	}
	if c.typ == crdt.Text {
		r.crdtHist = r.crdtHist.union(historyOf(knows))
	}
	r.knows[CRDT] = r.knows[CRDT].Union(knows)
	if !res.Same {
		r.touch(CRDT, c.now)
	}
	cc := LaneChange{Touched: true, Changed: !res.Same && r.ValueString(CRDT) != before, Decisive: res.Decisive}
	cc.Why = string(c.typ) + ": " + r.Name + " joined " + m.From + "'s delta (message #" + strconv.Itoa(m.ID) + ", " + SizeText(int64(m.bytes[CRDT])) + "): " + res.Why
	return cc, !res.Same
}

// historyOf is a history holding the edits of s under the key "".
func historyOf(s EditSet) History {
	h := History{}
	for _, id := range s.IDs() {
		h = h.with("", id)
	}
	return h
}

// relay passes a delta-group that inflated replica i's state on to every
// other link out of i, except back to from.
func (c *Cluster) relay(i, from int, g deltaGroup) {
	for j := range c.names {
		if j != i && j != from {
			c.pending[i][j] = c.pending[i][j].join(g, c.isLWW(), lwwStamps)
		}
	}
}

// PayloadText is what a message carries for the CRDT lane, in a few
// words: the state, "ops A3 add milk, A4 remove milk", "delta {milk}" or
// "full state {…}".
func (m *Message) PayloadText() string {
	switch m.crdt.kind {
	case PayloadOps:
		if len(m.crdt.ops) == 0 {
			return "no ops"
		}
		parts := make([]string, len(m.crdt.ops))
		for i, op := range m.crdt.ops {
			parts[i] = op.Name()
		}
		return "ops " + strings.Join(parts, ", ")
	case PayloadDelta:
		if m.crdt.delta.empty() {
			return "empty delta"
		}
		if m.crdt.delta.delta.State != nil {
			return "delta " + m.crdt.delta.delta.State.Value().String()
		}
		return "delta of " + Plural(len(m.crdt.delta.delta.Text), "character op")
	case PayloadFull:
		return "full state " + crdt.Brief(m.valueStrings[CRDT])
	}
	return m.valueStrings[CRDT]
}
