package crdt

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Three ways to replicate. State-based replication ships whole states and
// merges them (Merge). Two lighter ways ship what one edit did:
//
//   - op-based (CmRDT, Shapiro et al. 2011): the edit's downstream
//     operation, an Effect, which every other replica applies once with
//     Deliver. Applying ops assumes the network delivers them exactly once
//     and in causal order (counters, whose ops commute, need only exactly
//     once): an or-set op that overtakes an op it observed misbehaves, any
//     op delivered twice is applied twice (a counter counts twice, an
//     or-set add after a remove brings the element back), and a text
//     insert whose origin has not arrived cannot be placed.
//   - delta-based (delta-CRDT, Almeida, Shoker and Baquero 2018): the
//     edit's delta, a small state of the same type that, joined into a
//     replica, has the edit's effect. A delta is a lattice state: joins
//     are idempotent, commutative and associative, so deltas can be
//     grouped, repeated and reordered. For text, the delta is the edit's
//     character ops, which join the same way only if a receiver keeps an
//     op it cannot place yet until what it needs arrives (see Missing). A
//     lost delta needs a resend, or a full state.
//
// Mutate makes a local edit as Apply does, and returns its Effect, which
// carries both.

// Effect is what one local edit did, as op-based and delta-based
// replication ship it. Its fields depend on the type:
//
//   - g-counter, pn-counter: Kind (inc or dec) and N, added to Origin's slot;
//   - or-set: Kind, Elem and, for an add, its new Dot; Seen is the dots the
//     edit observed, which it drops (an add replaces them);
//   - mv-register: the write (Elem, the value, and Dot, its writer's new
//     entry) and Context, the version vector of the siblings it overwrote;
//   - text: the character ops (TextOps);
//   - every other type: its op is its delta, which Deliver joins.
//
// Delta is the delta-state, for every type.
type Effect struct {
	Type    Type
	Kind    OpKind
	Origin  string
	N       int64
	Elem    string
	Dot     Dot
	Seen    []Dot
	Context VV
	Text    []TextOp
	Delta   Delta
}

// Delta is a delta-state: a small state of the type (every type but text)
// or, for text, the character ops of the edits it groups, which are joined
// by applying each once. Deltas join into delta-groups (Join).
type Delta struct {
	State CRDT
	Text  []TextOp
}

// Empty reports whether the delta holds nothing.
func (d Delta) Empty() bool { return d.State == nil && len(d.Text) == 0 }

// Clone is a deep copy.
func (d Delta) Clone() Delta {
	c := Delta{Text: slices.Clone(d.Text)}
	if d.State != nil {
		c.State = d.State.Clone()
	}
	return c
}

// Join adds o to the delta-group d, in place.
func (d *Delta) Join(o Delta) error {
	if o.State != nil {
		if d.State == nil {
			d.State = o.State.Clone()
		} else if _, err := d.State.Merge(o.State); err != nil {
			return err
		}
	}
	if len(o.Text) > 0 {
		have := make(map[TextOp]bool, len(d.Text))
		for _, op := range d.Text {
			have[op] = true
		}
		for _, op := range o.Text {
			if !have[op] {
				d.Text = append(d.Text, op)
				have[op] = true
			}
		}
	}
	return nil
}

// JoinInto joins the delta into a replica's state: its state part, then,
// for text, its character ops. Each character op is applied once; an
// insert whose origin (or the character its site typed before it) is not
// here is left out, and Result.Ignored is set when nothing could be
// applied. A caller that must not lose such an op checks Missing first
// and keeps the op until what it needs arrives (replicas' delta mode
// does).
func (d Delta) JoinInto(st CRDT) (Result, error) {
	if d.Empty() {
		res := did("an empty delta: nothing new")
		res.Same = true
		return res, nil
	}
	if d.State != nil {
		res, err := st.Merge(d.State)
		if err != nil || len(d.Text) == 0 {
			return res, err
		}
		more, err := Delta{Text: d.Text}.JoinInto(st)
		if err != nil {
			return res, err
		}
		if !more.Same {
			res.Why, res.Same = res.Why+"; "+more.Why, false
		}
		return res, nil
	}
	t, ok := st.(*TextState)
	if !ok {
		return Result{}, fmt.Errorf("a text delta cannot join into a %s", st.Type())
	}
	return t.deliverOps(d.Text), nil
}

// Mutate makes a local edit, as Apply does, and also returns the edit's
// Effect. A declined edit (Result.Ignored) has no effect: it returns nil.
func Mutate(st CRDT, op Op, ctx Ctx) (Result, *Effect, error) {
	if t, ok := st.(*TextState); ok {
		return t.mutate(op, ctx)
	}
	var before []Dot // or-set: the dots the edit observes
	if s, ok := st.(*ORSetState); ok {
		before = slices.Clone(s.dots[op.Value])
	}
	res, err := st.Apply(op, ctx)
	if err != nil || res.Ignored {
		return res, nil, err
	}
	e := &Effect{Type: st.Type(), Kind: op.Kind, Origin: ctx.Replica}
	switch s := st.(type) {
	case *LWWRegisterState:
		e.Delta.State = &LWWRegisterState{val: s.val, stamp: s.stamp}
	case *MVRegisterState:
		e.Delta.State = s.Clone()
		vv := s.sibs[0].vv
		e.Elem, e.Dot = op.Value, Dot{Replica: ctx.Replica, N: vv[ctx.Replica]}
		e.Context = vv.clone()
		e.Context[ctx.Replica]--
		if e.Context[ctx.Replica] == 0 {
			delete(e.Context, ctx.Replica)
		}
	case *GCounterState:
		e.N = op.N
		e.Delta.State = &GCounterState{c: counts{ctx.Replica: s.c[ctx.Replica]}}
	case *PNCounterState:
		e.N = op.N
		d := &PNCounterState{p: counts{}, n: counts{}}
		if op.Kind == OpInc {
			d.p[ctx.Replica] = s.p[ctx.Replica]
		} else {
			d.n[ctx.Replica] = s.n[ctx.Replica]
		}
		e.Delta.State = d
	case *GSetState:
		e.Delta.State = &GSetState{elems: strset{op.Value: {}}}
	case *TwoPSetState:
		d := &TwoPSetState{adds: strset{}, tombs: strset{}}
		if op.Kind == OpAdd {
			d.adds.add(op.Value)
		} else {
			d.tombs.add(op.Value)
		}
		e.Delta.State = d
	case *LWWSetState:
		e.Delta.State = &LWWSetState{elems: map[string]lwwElem{op.Value: s.elems[op.Value]}}
	case *LWWMapState:
		e.Delta.State = &LWWMapState{entries: map[string]lwwEntry{op.Key: s.entries[op.Key]}}
	case *ORSetState:
		e.Elem, e.Seen = op.Value, before
		d := &ORSetState{dots: map[string][]Dot{}, ctx: VV{}, cloud: dotSet{}}
		for _, x := range before {
			d.cloud[x] = struct{}{}
		}
		if op.Kind == OpAdd {
			e.Dot = s.dots[op.Value][0]
			d.dots[op.Value] = []Dot{e.Dot}
			d.cloud[e.Dot] = struct{}{}
		}
		e.Delta.State = d
	default:
		return res, nil, fmt.Errorf("%s cannot replicate by ops or deltas", st.Type())
	}
	return res, e, nil
}

// mutate is Mutate for text: the edit's character ops are both its op and
// its delta.
func (t *TextState) mutate(op Op, ctx Ctx) (Result, *Effect, error) {
	if err := CheckOp(Text, op); err != nil {
		return Result{}, nil, err
	}
	var ops []TextOp
	var err error
	var res Result
	if op.Kind == OpInsert {
		ops, err = t.InsertOps(ctx.Replica, op.Pos, op.Text)
		res = did("inserted %s at %d", Brief(QuoteAlways(op.Text)), op.Pos)
	} else {
		ops, err = t.DeleteOps(op.Pos, op.Count)
		res = did("deleted %d at %d, leaving tombstones", op.Count, op.Pos)
	}
	if err != nil {
		return Result{}, nil, err
	}
	return res, &Effect{Type: Text, Kind: op.Kind, Origin: ctx.Replica, Text: ops, Delta: Delta{Text: slices.Clone(ops)}}, nil
}

// Deliver applies an effect made by another replica, as op-based
// replication does: once, in the order the network delivers. Counters add
// (a second delivery counts again); an or-set add puts its dot in and
// drops the dots it observed, a remove drops the dots it observed (a
// remove that arrives before its add drops nothing); text applies each
// character op it can. Every other type joins the effect's delta.
func Deliver(st CRDT, e *Effect) (Result, error) {
	if e == nil {
		return Result{}, fmt.Errorf("no effect")
	}
	if st.Type() != e.Type {
		return Result{}, fmt.Errorf("a %s op cannot apply to a %s", e.Type, st.Type())
	}
	switch s := st.(type) {
	case *GCounterState:
		if err := checkAdd(s.c.sum(), e.N, e.Kind); err != nil {
			return Result{}, err
		}
		s.c[e.Origin] += uint64(e.N)
		return did("%s's slot +%d → %d; now %d", showReplica(e.Origin), e.N, s.c[e.Origin], s.c.sum()), nil
	case *PNCounterState:
		slot, name := s.p, "P"
		if e.Kind == OpDec {
			slot, name = s.n, "N"
		}
		if err := checkAdd(slot.sum(), e.N, e.Kind); err != nil {
			return Result{}, err
		}
		slot[e.Origin] += uint64(e.N)
		return did("%s[%s] +%d → %d; now %d", name, showReplica(e.Origin), e.N, slot[e.Origin], s.Value().Int), nil
	case *ORSetState:
		return s.deliver(e), nil
	case *MVRegisterState:
		return s.deliver(e), nil
	case *TextState:
		return s.deliverOps(e.Text), nil
	}
	if e.Delta.State == nil {
		return Result{}, fmt.Errorf("a %s op has no delta", e.Type)
	}
	return st.Merge(e.Delta.State)
}

// deliver applies an mv-register op: the write replaces the siblings its
// context covers (those it overwrote), unless a sibling here already has
// seen the write (a later write, or the write itself), in which case it
// changes nothing. So a write delivered twice, or after a write that
// overwrote it, is harmless.
func (r *MVRegisterState) deliver(e *Effect) Result {
	vv := e.Context.clone()
	vv[e.Dot.Replica] = e.Dot.N
	for _, s := range r.sibs {
		if vv.leq(s.vv) {
			res := did("the write %s with %s was seen here already", QuoteAlways(e.Elem), vv)
			res.Same = true
			return res
		}
	}
	var keep []sibling
	var replaced []string
	for _, s := range r.sibs {
		if s.vv.leq(vv) {
			replaced = append(replaced, QuoteAlways(s.val))
			continue
		}
		keep = append(keep, s)
	}
	r.sibs = append(keep, sibling{val: e.Elem, vv: vv})
	r.sort()
	res := did("set %s with %s, overwriting the writes its context %s covers", QuoteAlways(e.Elem), vv, e.Context)
	if len(replaced) > 0 {
		res = did("set %s with %s, replacing %s (its context %s covers them)", QuoteAlways(e.Elem), vv, strings.Join(replaced, ", "), e.Context)
	}
	if len(r.sibs) > 1 {
		res.Why += "; concurrent siblings stay: " + brief(r.Value())
	}
	res.Decisive = []string{sibKey(sibling{val: e.Elem, vv: vv})}
	return res
}

// deliver applies an or-set op (see Deliver), as the classic op-based
// OR-set does: an add puts its dot in and a remove drops the dots it
// observed, without looking at the causal context the state keeps, which
// delivery updates but never consults. So the op-based OR-set counts on
// causal, exactly-once delivery.
func (s *ORSetState) deliver(e *Effect) Result {
	had := slices.Clone(s.dots[e.Elem])
	removedBefore := false // a dot the remove observed was seen here, and is gone
	for _, d := range e.Seen {
		if !slices.Contains(had, d) && seen(s.ctx, s.cloud, d) {
			removedBefore = true
		}
	}
	var now []Dot
	for _, d := range had {
		if !slices.Contains(e.Seen, d) {
			now = append(now, d)
		}
	}
	if e.Kind == OpAdd && !slices.Contains(now, e.Dot) {
		now = sortDots(append(now, e.Dot))
	}
	for _, d := range append(slices.Clone(e.Seen), e.Dot) {
		if d != (Dot{}) {
			s.see(d)
		}
	}
	if len(now) == 0 {
		delete(s.dots, e.Elem)
	} else {
		s.dots[e.Elem] = now
	}
	dropped := ""
	var gone []Dot
	for _, d := range e.Seen {
		if slices.Contains(had, d) {
			gone = append(gone, d)
		}
	}
	if len(gone) > 0 {
		dropped = ", dropping " + dotsString(gone)
	}
	switch {
	case e.Kind == OpAdd:
		return did("add(%s) with dot %s%s → %s (an op-based add is applied without looking at the context)", Quote(e.Elem), e.Dot, dropped, briefOf(len(s.dots), s.Value, "elements"))
	case len(gone) == 0 && len(e.Seen) > 0 && removedBefore:
		return did("remove(%s) finds none of the dots it observed, %s, here: they were removed already, so it removes nothing", Quote(e.Elem), dotsString(e.Seen))
	case len(gone) == 0 && len(e.Seen) > 0:
		return did("remove(%s) finds none of the dots it observed, %s, here: it removes nothing (its add has not arrived)", Quote(e.Elem), dotsString(e.Seen))
	}
	return did("remove(%s) drops %s → %s", Quote(e.Elem), dotsString(gone), briefOf(len(s.dots), s.Value, "elements"))
}

// deliverOps applies character ops one by one, each at most once: a
// delete of a character never seen here does nothing, and an insert whose
// origin, or the character its site typed before it, is not here is
// declined. Ignored is set when nothing was applied and something was
// declined.
func (t *TextState) deliverOps(ops []TextOp) Result {
	var applied, declined, unknown int
	for _, op := range ops {
		x := t.localID(op.ID)
		if op.Delete {
			b, i, ok := t.find(x)
			if !ok {
				unknown++
				continue
			}
			if t.deleteAt(b, i) {
				applied++
			}
			continue
		}
		if _, _, ok := t.find(x); ok {
			continue
		}
		if t.siteMax(x.s) != op.Prev {
			declined++
			continue
		}
		if err := t.integrate(item{id: x, origin: t.localID(op.Origin), ch: op.Ch}, nil); err != nil {
			declined++
			continue
		}
		applied++
	}
	var parts []string
	if applied > 0 {
		parts = append(parts, fmt.Sprintf("applied %s", plural(applied, "character op")))
	}
	if declined > 0 {
		parts = append(parts, fmt.Sprintf("declined %s: the character each was typed after has not arrived here", plural(declined, "insert")))
	}
	if unknown > 0 {
		parts = append(parts, fmt.Sprintf("%s of a character not seen here did nothing (it appears when its insert arrives)", plural(unknown, "delete")))
	}
	if len(parts) == 0 {
		res := did("every op was here already")
		res.Same = true
		return res
	}
	res := did("%s → %s", strings.Join(parts, "; "), Brief(QuoteAlways(t.String())))
	res.Ignored = applied == 0 && declined > 0
	res.Partial = declined > 0
	return res
}

// dotSet is a set of dots: an or-set's causal context beyond its version
// vector (see ORSetState).
type dotSet map[Dot]struct{}

func (d dotSet) clone() dotSet { return maps.Clone(d) }
