package crdt

import (
	"maps"
	"slices"
	"strconv"
	"strings"
)

// LWWRegisterState holds one value and the timestamp of the write that put it
// there. Merge keeps the write with the greater timestamp; timestamps compare
// by time, then by replica name, so at equal times the greater name wins,
// and two writes never tie. A fast clock therefore wins over a write made
// later in real time: "later" here means "with the greater timestamp".
type LWWRegisterState struct {
	val   string
	stamp Stamp
}

var (
	_ CRDT = (*LWWRegisterState)(nil)
	_ LWW  = (*LWWRegisterState)(nil)
)

func newLWWRegister(initial *Value) *LWWRegisterState {
	r := &LWWRegisterState{stamp: InitialStamp}
	if initial != nil {
		r.val = initial.Str
	}
	return r
}

func (r *LWWRegisterState) Type() Type { return LWWRegister }

// newer reports whether (s, v) beats (r.stamp, r.val). Equal stamps only
// happen between the empty register and an initial value; the greater value
// wins so that merge stays a join.
func (r *LWWRegisterState) beatenBy(s Stamp, v string) bool {
	if s != r.stamp {
		return r.stamp.Less(s)
	}
	return v > r.val
}

func (r *LWWRegisterState) Apply(op Op, ctx Ctx) (Result, error) {
	if err := CheckOp(LWWRegister, op); err != nil {
		return Result{}, err
	}
	if err := checkLocalStamp(ctx.Stamp); err != nil {
		return Result{}, err
	}
	if !r.stamp.Less(ctx.Stamp) {
		return ignored("set %s at %s is not newer than the current %s at %s (clock skew), so it is declined",
			QuoteAlways(op.Value), ctx.Stamp, QuoteAlways(r.val), r.stamp), nil
	}
	r.val, r.stamp = op.Value, ctx.Stamp
	return did("set %s at %s", QuoteAlways(op.Value), ctx.Stamp), nil
}

func (r *LWWRegisterState) Merge(other CRDT) (Result, error) {
	o, ok := other.(*LWWRegisterState)
	if !ok {
		return Result{}, mismatch(LWWRegister, other)
	}
	decisive := []string{"stamp"}
	switch {
	case o.stamp == r.stamp && o.val == r.val:
		res := did("same write %s (%s) on both sides", QuoteAlways(r.val), r.stamp)
		res.Same = true
		return res, nil
	case o.stamp == r.stamp:
		res := did("same timestamp %s on both sides: kept the greater value", r.stamp)
		res.Same = !r.beatenBy(o.stamp, o.val)
		if !res.Same {
			r.val = o.val
		}
		return res, nil
	case r.beatenBy(o.stamp, o.val):
		res := did("kept the write with the greater timestamp %s (%s) over %s (%s)", o.stamp, QuoteAlways(o.val), r.stamp, QuoteAlways(r.val))
		res.Decisive = decisive
		r.val, r.stamp = o.val, o.stamp
		return res, nil
	}
	res := did("kept the write it holds: its timestamp %s (%s) is greater than %s (%s)", r.stamp, QuoteAlways(r.val), o.stamp, QuoteAlways(o.val))
	res.Decisive, res.Same = decisive, true
	return res, nil
}

func (r *LWWRegisterState) Value() Value { return StringValue(r.val) }

func (r *LWWRegisterState) Clone() CRDT { c := *r; return &c }

func (r *LWWRegisterState) Equal(other CRDT) bool {
	o, ok := other.(*LWWRegisterState)
	return ok && *o == *r
}

func (r *LWWRegisterState) Stamps() map[string]Stamp { return map[string]Stamp{"": r.stamp} }

func (r *LWWRegisterState) Internals() Internals {
	return Internals{
		Sections: []Section{{Name: "stamp", Items: []string{r.stamp.String()}}},
		Entries:  1,
		Bytes:    8 + len(r.stamp.Replica),
	}
}

// VV is a version vector: for each replica, how many of its writes are known.
type VV map[string]uint64

func (v VV) clone() VV {
	c := make(VV, len(v))
	for k, n := range v {
		c[k] = n
	}
	return c
}

// leq reports whether every entry of v is at most the same entry of o.
func (v VV) leq(o VV) bool {
	for k, n := range v {
		if n > o[k] {
			return false
		}
	}
	return true
}

func (v VV) equal(o VV) bool { return maps.Equal(v, o) }

// String renders the vector as {A:2, B:1}, sorted by replica.
func (v VV) String() string {
	parts := make([]string, 0, len(v))
	for _, k := range sortedKeys(v) {
		parts = append(parts, showReplica(k)+":"+strconv.FormatUint(v[k], 10))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

type sibling struct {
	val string
	vv  VV
}

// MVRegisterState is a multi-value register. It keeps every write that no
// other write has seen, each with the version vector of what its writer had
// seen. A write replaces the siblings its replica has seen; merge keeps the
// siblings that the other side's siblings do not dominate. Concurrent writes
// therefore stay side by side, {a, b}, until a later write that saw both
// resolves them.
type MVRegisterState struct {
	sibs []sibling // sorted by (value, vector), never two with equal vectors
}

var _ CRDT = (*MVRegisterState)(nil)

func newMVRegister(initial *Value) *MVRegisterState {
	r := &MVRegisterState{}
	if initial != nil {
		r.sibs = []sibling{{val: initial.Str, vv: VV{}}}
	}
	return r
}

func (r *MVRegisterState) Type() Type { return MVRegister }

func (r *MVRegisterState) sort() {
	slices.SortFunc(r.sibs, func(a, b sibling) int {
		if c := strings.Compare(a.val, b.val); c != 0 {
			return c
		}
		return strings.Compare(a.vv.String(), b.vv.String())
	})
}

func (r *MVRegisterState) Apply(op Op, ctx Ctx) (Result, error) {
	if err := CheckOp(MVRegister, op); err != nil {
		return Result{}, err
	}
	vv := VV{}
	for _, s := range r.sibs {
		for k, n := range s.vv {
			vv[k] = max(vv[k], n)
		}
	}
	if vv[ctx.Replica] >= MaxCount {
		return Result{}, exhausted("set %s needs a new version, and %s's entry is %d, the largest a state holds: reset to start afresh", QuoteAlways(op.Value), showReplica(ctx.Replica), vv[ctx.Replica])
	}
	vv[ctx.Replica]++
	replaced := r.Value()
	r.sibs = []sibling{{val: op.Value, vv: vv}}
	if len(replaced.Set) > 1 {
		return did("set %s with %s, replacing the siblings %s it had seen", QuoteAlways(op.Value), vv, replaced), nil
	}
	return did("set %s with %s", QuoteAlways(op.Value), vv), nil
}

func (r *MVRegisterState) Merge(other CRDT) (Result, error) {
	o, ok := other.(*MVRegisterState)
	if !ok {
		return Result{}, mismatch(MVRegister, other)
	}
	before := r.Value()
	all := append(slices.Clone(r.sibs), o.sibs...)
	var keep []sibling
	for i, s := range all {
		dominated, dup := false, false
		for j, t := range all {
			if i == j {
				continue
			}
			if s.vv.leq(t.vv) && !s.vv.equal(t.vv) {
				dominated = true
				break
			}
			if j < i && s.vv.equal(t.vv) && s.val == t.val {
				dup = true
				break
			}
		}
		if !dominated && !dup {
			keep = append(keep, sibling{val: s.val, vv: s.vv.clone()})
		}
	}
	old := map[string]bool{}
	for _, s := range r.sibs {
		old[sibKey(s)] = true
	}
	r.sibs = keep
	r.sort()
	var decisive []string
	for _, s := range r.sibs {
		if !old[sibKey(s)] {
			decisive = append(decisive, sibKey(s))
		}
	}
	after := r.Value()
	var res Result
	switch {
	case len(r.sibs) > 1:
		res = did("kept the siblings no write has seen: %s", brief(after))
	case before.Equal(after):
		res = did("kept %s; nothing newer arrived", brief(after))
	default:
		res = did("the write %s had seen everything else, so it replaces %s", brief(after), brief(before))
	}
	res.Decisive, res.Same = decisive, len(decisive) == 0 && len(r.sibs) == len(old)
	return res, nil
}

// Value is the single value, or the set of sibling values when writes were
// concurrent. The empty register shows "".
func (r *MVRegisterState) Value() Value {
	switch len(r.sibs) {
	case 0:
		return StringValue("")
	case 1:
		return StringValue(r.sibs[0].val)
	}
	vals := make([]string, len(r.sibs))
	for i, s := range r.sibs {
		vals[i] = s.val
	}
	v := SetValue(vals...)
	if len(v.Set) == 1 {
		return StringValue(v.Set[0])
	}
	return v
}

func (r *MVRegisterState) Clone() CRDT {
	c := &MVRegisterState{sibs: make([]sibling, len(r.sibs))}
	for i, s := range r.sibs {
		c.sibs[i] = sibling{val: s.val, vv: s.vv.clone()}
	}
	return c
}

func (r *MVRegisterState) Equal(other CRDT) bool {
	o, ok := other.(*MVRegisterState)
	if !ok || len(o.sibs) != len(r.sibs) {
		return false
	}
	for i := range r.sibs {
		if r.sibs[i].val != o.sibs[i].val || !r.sibs[i].vv.equal(o.sibs[i].vv) {
			return false
		}
	}
	return true
}

func (r *MVRegisterState) Internals() Internals {
	in := Internals{Sections: []Section{{Name: "siblings"}}}
	for _, s := range r.sibs {
		in.Sections[0].Items = append(in.Sections[0].Items, QuoteAlways(s.val)+" "+s.vv.String())
		in.Entries += len(s.vv)
		for k := range s.vv {
			in.Bytes += 8 + len(k)
		}
	}
	return in
}
