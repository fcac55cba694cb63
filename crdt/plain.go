package crdt

import (
	"fmt"
	"maps"
	"math"
	"slices"
)

// Plain is a type's sequential counterpart: an ordinary int, string, set,
// map or text that takes the same operations as the CRDT, with no metadata.
// It is what a replica holds in the plain-overwrite lane, and it is the
// sequential specification the CRDT is tested against: with no concurrency,
// the two must agree.
type Plain interface {
	Type() Type
	Apply(op Op) (Result, error)
	Value() Value
	Clone() Plain
}

// NewPlain returns the sequential counterpart of type t, starting from
// initial (nil for the type's zero value).
func NewPlain(t Type, initial *Value) (Plain, error) {
	if initial != nil {
		if err := checkInitial(t, *initial); err != nil {
			return nil, err
		}
	}
	v := Zero(t)
	if initial != nil {
		v = *initial
	}
	switch ValueKind(t) {
	case KindInt:
		return &plainInt{t: t, n: v.Int}, nil
	case KindSet:
		s := strset{}
		for _, e := range v.Set {
			s.add(e)
		}
		return &plainSet{t: t, s: s}, nil
	case KindMap:
		m := map[string]string{}
		for _, p := range v.Map {
			m[p.Key] = p.Value
		}
		return &plainMap{m: m}, nil
	}
	if t == Text {
		return &plainText{r: []rune(v.Str)}, nil
	}
	return &plainString{t: t, s: v.Str}, nil
}

type plainInt struct {
	t Type
	n int64
}

func (p *plainInt) Type() Type { return p.t }
func (p *plainInt) Apply(op Op) (Result, error) {
	if err := CheckOp(p.t, op); err != nil {
		return Result{}, err
	}
	before := p.n
	if op.Kind == OpDec {
		if p.n < -math.MaxInt64+op.N {
			return Result{}, fmt.Errorf("%w: dec %d would go past it", ErrOverflow, op.N)
		}
		p.n -= op.N
	} else {
		if err := checkAdd(p.n, op.N, op.Kind); err != nil {
			return Result{}, err
		}
		p.n += op.N
	}
	return did("%d → %d", before, p.n), nil
}
func (p *plainInt) Value() Value  { return IntValue(p.n) }
func (p *plainInt) Clone() Plain  { c := *p; return &c }
func (p *plainString) Type() Type { return p.t }

type plainString struct {
	t Type
	s string
}

func (p *plainString) Apply(op Op) (Result, error) {
	if err := CheckOp(p.t, op); err != nil {
		return Result{}, err
	}
	before := p.s
	p.s = op.Value
	return did("%s → %s", QuoteAlways(before), QuoteAlways(p.s)), nil
}
func (p *plainString) Value() Value { return StringValue(p.s) }
func (p *plainString) Clone() Plain { c := *p; return &c }

type plainSet struct {
	t Type
	s strset
}

func (p *plainSet) Type() Type { return p.t }
func (p *plainSet) Apply(op Op) (Result, error) {
	if err := CheckOp(p.t, op); err != nil {
		return Result{}, err
	}
	if op.Kind == OpAdd {
		p.s.add(op.Value)
		return did("added %s", Quote(op.Value)), nil
	}
	if !p.s.has(op.Value) {
		return ignored("remove(%s) does nothing: it is not in the set", Quote(op.Value)), nil
	}
	delete(p.s, op.Value)
	return did("removed %s", Quote(op.Value)), nil
}
func (p *plainSet) Value() Value { return SetValue(p.s.sorted()...) }
func (p *plainSet) Clone() Plain { return &plainSet{t: p.t, s: maps.Clone(p.s)} }

type plainMap struct {
	m map[string]string
}

func (p *plainMap) Type() Type { return LWWMap }
func (p *plainMap) Apply(op Op) (Result, error) {
	if err := CheckOp(LWWMap, op); err != nil {
		return Result{}, err
	}
	if op.Kind == OpPut {
		p.m[op.Key] = op.Value
		return did("put %s: %s", Quote(op.Key), Quote(op.Value)), nil
	}
	if _, ok := p.m[op.Key]; !ok {
		return ignored("delete(%s) does nothing: the key is not in the map", Quote(op.Key)), nil
	}
	delete(p.m, op.Key)
	return did("deleted %s", Quote(op.Key)), nil
}
func (p *plainMap) Value() Value {
	pairs := make([]Pair, 0, len(p.m))
	for k, v := range p.m {
		pairs = append(pairs, Pair{k, v})
	}
	return MapValue(pairs...)
}
func (p *plainMap) Clone() Plain { return &plainMap{m: maps.Clone(p.m)} }

type plainText struct {
	r []rune
}

func (p *plainText) Type() Type { return Text }
func (p *plainText) Apply(op Op) (Result, error) {
	if err := CheckOp(Text, op); err != nil {
		return Result{}, err
	}
	if op.Kind == OpInsert {
		if op.Pos > len(p.r) {
			return Result{}, fmt.Errorf("insert position %d is past the end of the text (length %d)", op.Pos, len(p.r))
		}
		p.r = slices.Insert(p.r, op.Pos, []rune(op.Text)...)
		return did("inserted %s at %d", Brief(QuoteAlways(op.Text)), op.Pos), nil
	}
	if op.Pos > len(p.r) || op.Count > len(p.r)-op.Pos { // no Pos+Count: it can overflow
		return Result{}, fmt.Errorf("cannot delete %d from position %d: the text has %s", op.Count, op.Pos, plural(len(p.r), "character"))
	}
	p.r = slices.Delete(p.r, op.Pos, op.Pos+op.Count)
	return did("deleted %d at %d", op.Count, op.Pos), nil
}
func (p *plainText) Value() Value { return StringValue(string(p.r)) }
func (p *plainText) Clone() Plain { return &plainText{r: slices.Clone(p.r)} }
