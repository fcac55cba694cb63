package crdt

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"strconv"
	"strings"
)

// ErrOverflow is wrapped by the error for an edit that would take a
// counter past what a 64-bit integer holds.
var ErrOverflow = errors.New("a counter holds −9223372036854775807 to 9223372036854775807")

// checkAdd refuses to add n to a running total that would overflow.
func checkAdd(total, n int64, kind OpKind) error {
	if total > 0 && n > math.MaxInt64-total {
		return fmt.Errorf("%w: %s %d would go past it", ErrOverflow, kind, n)
	}
	return nil
}

// counts is one slot per replica: how much that replica has added.
type counts map[string]uint64

func (c counts) sum() int64 {
	var s int64
	for _, n := range c {
		s += int64(n)
	}
	return s
}

func (c counts) merge(o counts) {
	for k, n := range o {
		if n > c[k] {
			c[k] = n
		}
	}
}

func (c counts) String() string {
	parts := make([]string, 0, len(c))
	for _, k := range sortedKeys(c) {
		parts = append(parts, showReplica(k)+":"+strconv.FormatUint(c[k], 10))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func (c counts) items() []string {
	s := c.String()
	s = strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}")
	if s == "" {
		return nil
	}
	return strings.Split(s, ", ")
}

func (c counts) bytes() int {
	b := 0
	for k := range c {
		b += 8 + len(k)
	}
	return b
}

// GCounterState is a grow-only counter. Each replica counts its own
// increments in its own slot; the value is the sum of the slots. Merge takes
// the maximum of each slot, so an increment is never counted twice, however
// often a state is delivered.
type GCounterState struct {
	c counts
}

var _ CRDT = (*GCounterState)(nil)

func newGCounter(initial *Value) *GCounterState {
	g := &GCounterState{c: counts{}}
	if initial != nil && initial.Int != 0 {
		g.c[""] = uint64(initial.Int)
	}
	return g
}

func (g *GCounterState) Type() Type { return GCounter }

func (g *GCounterState) Apply(op Op, ctx Ctx) (Result, error) {
	if err := CheckOp(GCounter, op); err != nil {
		return Result{}, err
	}
	if err := checkAdd(g.c.sum(), op.N, op.Kind); err != nil {
		return Result{}, err
	}
	g.c[ctx.Replica] += uint64(op.N)
	return did("%s's slot +%d → %d", ctx.Replica, op.N, g.c[ctx.Replica]), nil
}

func (g *GCounterState) Merge(other CRDT) (Result, error) {
	o, ok := other.(*GCounterState)
	if !ok {
		return Result{}, mismatch(GCounter, other)
	}
	decisive := grown("P", g.c, o.c)
	g.c.merge(o.c)
	res := did("max per entry %s → %d", g.c, g.c.sum())
	res.Decisive, res.Same = decisive, len(decisive) == 0
	return res, nil
}

func (g *GCounterState) Value() Value { return IntValue(g.c.sum()) }

func (g *GCounterState) Clone() CRDT { return &GCounterState{c: maps.Clone(g.c)} }

func (g *GCounterState) Equal(other CRDT) bool {
	o, ok := other.(*GCounterState)
	return ok && maps.Equal(g.c, o.c)
}

func (g *GCounterState) Internals() Internals {
	return Internals{
		Sections: []Section{{Name: "slots", Items: g.c.items()}},
		Entries:  len(g.c),
		Bytes:    g.c.bytes(),
	}
}

// PNCounterState counts up and down with two grow-only counters: P holds the
// increments and N the decrements, each one slot per replica. The value is
// P − N. Merge takes the maximum of every slot in both, as for a g-counter.
type PNCounterState struct {
	p, n counts
}

var _ CRDT = (*PNCounterState)(nil)

func newPNCounter(initial *Value) *PNCounterState {
	c := &PNCounterState{p: counts{}, n: counts{}}
	if initial != nil {
		switch {
		case initial.Int > 0:
			c.p[""] = uint64(initial.Int)
		case initial.Int < 0:
			c.n[""] = uint64(-initial.Int)
		}
	}
	return c
}

func (c *PNCounterState) Type() Type { return PNCounter }

func (c *PNCounterState) Apply(op Op, ctx Ctx) (Result, error) {
	if err := CheckOp(PNCounter, op); err != nil {
		return Result{}, err
	}
	side := c.p
	if op.Kind == OpDec {
		side = c.n
	}
	if err := checkAdd(side.sum(), op.N, op.Kind); err != nil {
		return Result{}, err
	}
	if op.Kind == OpInc {
		c.p[ctx.Replica] += uint64(op.N)
		return did("P[%s] +%d → %d", ctx.Replica, op.N, c.p[ctx.Replica]), nil
	}
	c.n[ctx.Replica] += uint64(op.N)
	return did("N[%s] +%d → %d", ctx.Replica, op.N, c.n[ctx.Replica]), nil
}

func (c *PNCounterState) Merge(other CRDT) (Result, error) {
	o, ok := other.(*PNCounterState)
	if !ok {
		return Result{}, mismatch(PNCounter, other)
	}
	decisive := append(grown("P", c.p, o.p), grown("N", c.n, o.n)...)
	c.p.merge(o.p)
	c.n.merge(o.n)
	res := did("max per entry P %s − N %s → %d", c.p, c.n, c.p.sum()-c.n.sum())
	res.Decisive, res.Same = decisive, len(decisive) == 0
	return res, nil
}

func (c *PNCounterState) Value() Value { return IntValue(c.p.sum() - c.n.sum()) }

func (c *PNCounterState) Clone() CRDT {
	return &PNCounterState{p: maps.Clone(c.p), n: maps.Clone(c.n)}
}

func (c *PNCounterState) Equal(other CRDT) bool {
	o, ok := other.(*PNCounterState)
	return ok && maps.Equal(c.p, o.p) && maps.Equal(c.n, o.n)
}

func (c *PNCounterState) Internals() Internals {
	return Internals{
		Sections: []Section{{Name: "P", Items: c.p.items()}, {Name: "N", Items: c.n.items()}},
		Entries:  len(c.p) + len(c.n),
		Bytes:    c.p.bytes() + c.n.bytes(),
	}
}
