package crdt

import (
	"errors"
	"fmt"
	"slices"
	"unicode/utf8"
)

// Reading wire forms back. Classroom mode sends states and deltas between
// processes, so what arrives may come from anyone: every form is checked
// before it becomes a state, and a form that is not one a state could
// have written is an error, never a panic or a state that breaks the
// rules later merges rely on.

// ErrBadWire is wrapped by every error of a wire form that does not make
// a valid state.
var ErrBadWire = errors.New("not a valid state")

// Limits on what a wire form may hold.
const (
	maxWireString = 1 << 12 // bytes in one value, element, key or name
	maxWireName   = 24      // characters in a replica name (as replicas.MaxNameLen)
	maxWireItems  = 4 * MaxTextLen
)

func badWire(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrBadWire, fmt.Sprintf(format, args...))
}

// checkString refuses strings a screen cannot show safely.
func checkString(s, what string) error {
	if len(s) > maxWireString {
		return badWire("%s is %d bytes long", what, len(s))
	}
	if !utf8.ValidString(s) {
		return badWire("%s is not UTF-8", what)
	}
	for _, r := range s {
		if IsControl(r) {
			return badWire("%s holds the control character U+%04X", what, r)
		}
	}
	return nil
}

func checkName(s string) error {
	if utf8.RuneCountInString(s) > maxWireName {
		return badWire("replica name %q is too long", s)
	}
	return checkString(s, "a replica name")
}

func checkStamp(w WireStamp) error {
	if err := checkStampTime(w); err != nil {
		return err
	}
	return checkName(w.Replica)
}

// NewWire returns a pointer to an empty wire form of type t's state, for
// a decoder to fill; FromWire reads it.
func NewWire(t Type) any {
	switch t {
	case LWWRegister:
		return &wireRegister{}
	case MVRegister:
		return &[]wireSibling{}
	case GCounter, PNCounter:
		return &wireCounter{}
	case GSet:
		return &[]string{}
	case TwoPSet:
		return &wireTwoP{}
	case LWWSet:
		return &map[string]wireLWWElem{}
	case ORSet:
		return &wireORSet{}
	case LWWMap:
		return &map[string]wireEntry{}
	case Text:
		return &wireText{}
	}
	return nil
}

// NewWireTextOps returns a pointer to an empty list of text ops' wire
// forms (a text delta or op), for a decoder to fill.
func NewWireTextOps() any { return &[]wireTextOp{} }

// FromWire builds a state of type t from its wire form (as NewWire made
// it, filled by a decoder), checking that it is one.
func FromWire(t Type, w any) (CRDT, error) {
	switch t {
	case LWWRegister:
		x, ok := w.(*wireRegister)
		if !ok {
			break
		}
		if err := checkString(x.Val, "the value"); err != nil {
			return nil, err
		}
		if err := checkStamp(x.Stamp); err != nil {
			return nil, err
		}
		return &LWWRegisterState{val: x.Val, stamp: Stamp(x.Stamp)}, nil
	case MVRegister:
		x, ok := w.(*[]wireSibling)
		if !ok {
			break
		}
		r := &MVRegisterState{}
		for _, sb := range *x {
			if err := checkString(sb.Val, "a sibling"); err != nil {
				return nil, err
			}
			vv := VV{}
			for k, n := range sb.VV {
				if err := checkName(k); err != nil {
					return nil, err
				}
				if err := checkCount(n, "a version vector's entry"); err != nil {
					return nil, err
				}
				vv[k] = n
			}
			r.sibs = append(r.sibs, sibling{val: sb.Val, vv: vv})
		}
		// A state never holds two siblings one of which dominates the
		// other, nor two alike: merging into the empty state keeps what a
		// state could hold.
		empty := &MVRegisterState{}
		if _, err := empty.Merge(r); err != nil {
			return nil, err
		}
		if len(empty.sibs) != len(r.sibs) {
			return nil, badWire("siblings dominate one another")
		}
		return empty, nil
	case GCounter, PNCounter:
		x, ok := w.(*wireCounter)
		if !ok {
			break
		}
		p, err := countsFromWire(x.P)
		if err != nil {
			return nil, err
		}
		n, err := countsFromWire(x.N)
		if err != nil {
			return nil, err
		}
		if t == GCounter {
			if len(n) > 0 {
				return nil, badWire("a g-counter has no N")
			}
			return &GCounterState{c: p}, nil
		}
		return &PNCounterState{p: p, n: n}, nil
	case GSet:
		x, ok := w.(*[]string)
		if !ok {
			break
		}
		s, err := strsetFromWire(*x)
		return &GSetState{elems: s}, err
	case TwoPSet:
		x, ok := w.(*wireTwoP)
		if !ok {
			break
		}
		a, err := strsetFromWire(x.Adds)
		if err != nil {
			return nil, err
		}
		r, err := strsetFromWire(x.Tombs)
		return &TwoPSetState{adds: a, tombs: r}, err
	case LWWSet:
		x, ok := w.(*map[string]wireLWWElem)
		if !ok {
			break
		}
		s := &LWWSetState{elems: make(map[string]lwwElem, len(*x))}
		for e, we := range *x {
			if err := checkString(e, "an element"); err != nil {
				return nil, err
			}
			var el lwwElem
			if we.Add != nil {
				if err := checkStamp(*we.Add); err != nil {
					return nil, err
				}
				el.add, el.hasAdd = Stamp(*we.Add), true
			}
			if we.Rm != nil {
				if err := checkStamp(*we.Rm); err != nil {
					return nil, err
				}
				el.rm, el.hasRm = Stamp(*we.Rm), true
			}
			if !el.hasAdd && !el.hasRm {
				return nil, badWire("element %q has neither an add nor a remove", e)
			}
			s.elems[e] = el
		}
		return s, nil
	case ORSet:
		x, ok := w.(*wireORSet)
		if !ok {
			break
		}
		return orsetFromWire(x)
	case LWWMap:
		x, ok := w.(*map[string]wireEntry)
		if !ok {
			break
		}
		m := &LWWMapState{entries: make(map[string]lwwEntry, len(*x))}
		for k, e := range *x {
			if err := checkString(k, "a key"); err != nil {
				return nil, err
			}
			if err := checkString(e.Val, "a value"); err != nil {
				return nil, err
			}
			if err := checkStamp(e.Stamp); err != nil {
				return nil, err
			}
			m.entries[k] = lwwEntry{val: e.Val, stamp: Stamp(e.Stamp), deleted: e.Deleted}
		}
		return m, nil
	case Text:
		x, ok := w.(*wireText)
		if !ok {
			break
		}
		return textFromWire(x)
	}
	return nil, badWire("a %s state cannot be read from %T", t, w)
}

func countsFromWire(m map[string]uint64) (counts, error) {
	c := counts{}
	var total uint64
	for k, n := range m {
		if err := checkName(k); err != nil {
			return nil, err
		}
		if n > 1<<63-1 || total > 1<<63-1-n {
			return nil, badWire("the counts add up past what a counter holds")
		}
		total += n
		if n > 0 {
			c[k] = n
		}
	}
	return c, nil
}

func strsetFromWire(elems []string) (strset, error) {
	s := strset{}
	for _, e := range elems {
		if err := checkString(e, "an element"); err != nil {
			return nil, err
		}
		s.add(e)
	}
	return s, nil
}

func orsetFromWire(x *wireORSet) (*ORSetState, error) {
	s := &ORSetState{dots: map[string][]Dot{}, ctx: VV{}, cloud: dotSet{}}
	for r, n := range x.Ctx {
		if err := checkName(r); err != nil {
			return nil, err
		}
		if err := checkCount(n, "a causal context's entry"); err != nil {
			return nil, err
		}
		if n > 0 {
			s.ctx[r] = n
		}
	}
	for _, d := range x.Cloud {
		if err := checkName(d.Replica); err != nil {
			return nil, err
		}
		if err := checkCount(d.N, "a dot's counter"); err != nil {
			return nil, err
		}
		s.cloud[Dot(d)] = struct{}{}
	}
	s.compact()
	for e, ds := range x.Dots {
		if err := checkString(e, "an element"); err != nil {
			return nil, err
		}
		if len(ds) == 0 {
			return nil, badWire("element %q has no dots", e)
		}
		var dots []Dot
		for _, d := range ds {
			dot := Dot(d)
			if dot.N == 0 || !seen(s.ctx, s.cloud, dot) {
				return nil, badWire("dot %s of %q is not in the causal context", dot, e)
			}
			if !slices.Contains(dots, dot) {
				dots = append(dots, dot)
			}
		}
		s.dots[e] = sortDots(dots)
	}
	return s, nil
}

// textFromWire rebuilds a text by integrating its characters one by one,
// in the order listed, so that the result follows the RGA's rules whatever
// the list says: each character's origin must come before it.
func textFromWire(x *wireText) (*TextState, error) {
	if len(x.Sites) == 0 || x.Sites[0] != "" || len(x.Sites) > 1<<12 {
		return nil, badWire("a text's sites must start with the initial one")
	}
	seenSite := map[string]bool{}
	for _, s := range x.Sites {
		if seenSite[s] {
			return nil, badWire("site %q is listed twice", s)
		}
		seenSite[s] = true
		if err := checkName(s); err != nil {
			return nil, err
		}
	}
	if len(x.Items) > maxWireItems {
		return nil, badWire("a text of %d items", len(x.Items))
	}
	t := newText(nil)
	var deletes []TextOp
	for _, it := range x.Items {
		if int(it.S) >= len(x.Sites) || int(it.OS) >= len(x.Sites) || it.C == 0 {
			return nil, badWire("a character names a site or counter that does not exist")
		}
		if err := checkTextCounter(max(it.C, it.OC)); err != nil {
			return nil, err
		}
		if utf8.RuneCountInString(it.Ch) != 1 {
			return nil, badWire("a character is %q", it.Ch)
		}
		r, _ := utf8.DecodeRuneInString(it.Ch)
		if IsControl(r) {
			return nil, badWire("a text holds the control character U+%04X", r)
		}
		id := TextID{Counter: it.C, Site: x.Sites[it.S]}
		origin := TextID{Counter: it.OC, Site: x.Sites[it.OS]}
		if it.OC == 0 {
			origin = TextID{}
		}
		local := t.localID(id)
		if _, _, dup := t.find(local); dup {
			return nil, badWire("character %s is listed twice", id)
		}
		if err := t.integrate(item{id: local, origin: t.localID(origin), ch: r}, nil); err != nil {
			return nil, badWire("%v", err)
		}
		if it.Del {
			deletes = append(deletes, TextOp{ID: id, Delete: true})
		}
	}
	for _, d := range deletes {
		if b, i, ok := t.find(t.localID(d.ID)); ok {
			t.deleteAt(b, i)
		}
	}
	if t.Len() > MaxTextLen {
		return nil, badWire("a text of %d characters", t.Len())
	}
	return t, nil
}

// TextOpsFromWire reads text ops (a text delta or op) from their wire
// forms, checking each.
func TextOpsFromWire(w any) ([]TextOp, error) {
	x, ok := w.(*[]wireTextOp)
	if !ok {
		return nil, badWire("text ops cannot be read from %T", w)
	}
	if len(*x) > maxWireItems {
		return nil, badWire("%d text ops", len(*x))
	}
	out := make([]TextOp, 0, len(*x))
	for _, o := range *x {
		if o.C == 0 {
			return nil, badWire("a text op has counter 0")
		}
		if err := checkTextCounter(max(o.C, o.OC, o.Prev)); err != nil {
			return nil, err
		}
		if err := checkName(o.Site); err != nil {
			return nil, err
		}
		if err := checkName(o.OSite); err != nil {
			return nil, err
		}
		op := TextOp{ID: TextID{Counter: o.C, Site: o.Site}, Prev: o.Prev, Delete: o.Delete}
		if !o.Delete {
			if utf8.RuneCountInString(o.Ch) != 1 {
				return nil, badWire("a character is %q", o.Ch)
			}
			r, _ := utf8.DecodeRuneInString(o.Ch)
			if IsControl(r) {
				return nil, badWire("a text op holds the control character U+%04X", r)
			}
			op.Ch = r
			if o.OC != 0 {
				op.Origin = TextID{Counter: o.OC, Site: o.OSite}
			}
		}
		out = append(out, op)
	}
	return out, nil
}

// ValueFromWire reads a plain value of type t from its wire form.
func ValueFromWire(t Type, w WireValue) (Value, error) {
	v := Value{Kind: ValueKind(t)}
	switch v.Kind {
	case KindInt:
		if w.Str != "" || len(w.Set) > 0 || len(w.Map) > 0 {
			return v, badWire("a %s value is a number", t)
		}
		v.Int = w.Int
	case KindString:
		if err := checkString(w.Str, "the value"); err != nil && t != Text {
			return v, err
		}
		if t == Text {
			if utf8.RuneCountInString(w.Str) > MaxTextLen {
				return v, badWire("a text of more than %d characters", MaxTextLen)
			}
			for _, r := range w.Str {
				if IsControl(r) {
					return v, badWire("a text holds the control character U+%04X", r)
				}
			}
		}
		v.Str = w.Str
	case KindSet:
		for _, e := range w.Set {
			if err := checkString(e, "an element"); err != nil {
				return v, err
			}
		}
		v = SetValue(w.Set...)
	case KindMap:
		var pairs []Pair
		for k, val := range w.Map {
			if err := checkString(k, "a key"); err != nil {
				return v, err
			}
			if err := checkString(val, "a value"); err != nil {
				return v, err
			}
			pairs = append(pairs, Pair{Key: k, Value: val})
		}
		v = MapValue(pairs...)
	}
	if err := checkInitial(t, v); err != nil {
		return v, badWire("%v", err)
	}
	return v, nil
}
