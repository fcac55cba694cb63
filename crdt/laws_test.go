package crdt

import (
	"fmt"
	"testing"

	"pgregory.net/rapid"
)

// world is a small cluster for property tests: named replicas of one type,
// one global tick (so that no two writes share a stamp) and a clock skew per
// replica.
type world struct {
	t     Type
	names []string
	reps  []CRDT
	skew  []int64
	tick  int64
}

var elems = []string{"a", "b", "c", "d"}

func newWorld(rt *rapid.T, t Type, n int) *world {
	w := &world{t: t}
	for i := range n {
		w.names = append(w.names, fmt.Sprintf("R%d", i))
		r, err := New(t, nil)
		if err != nil {
			rt.Fatal(err)
		}
		w.reps = append(w.reps, r)
		w.skew = append(w.skew, rapid.Int64Range(-3, 3).Draw(rt, "skew"))
	}
	return w
}

// genOp draws an operation that fits type t and a replica holding cur.
func genOp(rt *rapid.T, t Type, cur CRDT) Op {
	kinds := Ops(t)
	k := rapid.SampledFrom(kinds).Draw(rt, "op")
	e := rapid.SampledFrom(elems).Draw(rt, "elem")
	switch k {
	case OpSet, OpAdd, OpRemove:
		return Op{Kind: k, Value: e}
	case OpInc, OpDec:
		return Op{Kind: k, N: rapid.Int64Range(1, 5).Draw(rt, "n")}
	case OpPut:
		return Op{Kind: k, Key: e, Value: rapid.SampledFrom(elems).Draw(rt, "val")}
	case OpInsert:
		n := cur.(*TextState).Len()
		return Op{Kind: k, Pos: rapid.IntRange(0, n).Draw(rt, "pos"), Text: rapid.StringOfN(rapid.RuneFrom([]rune("xyzé😀")), 1, 3, -1).Draw(rt, "text")}
	case OpDelete:
		if t == LWWMap {
			return Op{Kind: k, Key: e}
		}
		n := cur.(*TextState).Len()
		if n == 0 {
			return Op{Kind: OpInsert, Pos: 0, Text: "q"}
		}
		pos := rapid.IntRange(0, n-1).Draw(rt, "pos")
		return Op{Kind: k, Pos: pos, Count: rapid.IntRange(1, n-pos).Draw(rt, "count")}
	}
	rt.Fatalf("no generator for %s", k)
	return Op{}
}

func (w *world) edit(rt *rapid.T, i int) {
	w.tick++
	op := genOp(rt, w.t, w.reps[i])
	ctx := Ctx{Replica: w.names[i], Stamp: Stamp{T: w.tick + w.skew[i], Replica: w.names[i]}}
	if _, err := w.reps[i].Apply(op, ctx); err != nil {
		rt.Fatalf("%s on %s: %v", op, w.names[i], err)
	}
}

func (w *world) merge(rt *rapid.T, into, from int) {
	if _, err := w.reps[into].Merge(w.reps[from]); err != nil {
		rt.Fatalf("merge: %v", err)
	}
}

// run draws a random schedule of edits and pairwise merges.
func (w *world) run(rt *rapid.T, steps int) {
	n := len(w.reps)
	for range rapid.IntRange(0, steps).Draw(rt, "steps") {
		i := rapid.IntRange(0, n-1).Draw(rt, "replica")
		if rapid.IntRange(0, 3).Draw(rt, "kind") == 0 {
			w.merge(rt, i, rapid.IntRange(0, n-1).Draw(rt, "from"))
		} else {
			w.edit(rt, i)
		}
	}
}

func join(rt *rapid.T, a, b CRDT) CRDT {
	c := a.Clone()
	if _, err := c.Merge(b); err != nil {
		rt.Fatal(err)
	}
	return c
}

func forEachType(t *testing.T, f func(rt *rapid.T, typ Type)) {
	for _, typ := range Types {
		t.Run(string(typ), func(t *testing.T) {
			rapid.Check(t, func(rt *rapid.T) { f(rt, typ) })
		})
	}
}

func mustEqual(rt *rapid.T, what string, a, b CRDT) {
	if !a.Equal(b) {
		rt.Fatalf("%s: states differ:\n  %s  %s\n  %s  %s", what, a.Value(), a.Internals(), b.Value(), b.Internals())
	}
}

func TestMergeIsCommutative(t *testing.T) {
	forEachType(t, func(rt *rapid.T, typ Type) {
		w := newWorld(rt, typ, 2)
		w.run(rt, 30)
		mustEqual(rt, "a⊔b vs b⊔a", join(rt, w.reps[0], w.reps[1]), join(rt, w.reps[1], w.reps[0]))
	})
}

func TestMergeIsAssociative(t *testing.T) {
	forEachType(t, func(rt *rapid.T, typ Type) {
		w := newWorld(rt, typ, 3)
		w.run(rt, 40)
		a, b, c := w.reps[0], w.reps[1], w.reps[2]
		mustEqual(rt, "(a⊔b)⊔c vs a⊔(b⊔c)", join(rt, join(rt, a, b), c), join(rt, a, join(rt, b, c)))
	})
}

func TestMergeIsIdempotent(t *testing.T) {
	forEachType(t, func(rt *rapid.T, typ Type) {
		w := newWorld(rt, typ, 2)
		w.run(rt, 30)
		a := w.reps[0]
		mustEqual(rt, "a⊔a vs a", join(rt, a, a.Clone()), a)
		mustEqual(rt, "a⊔a (same object) vs a", join(rt, a, a), a)
	})
}

func TestMergeWithEmptyIsIdentity(t *testing.T) {
	forEachType(t, func(rt *rapid.T, typ Type) {
		w := newWorld(rt, typ, 2)
		w.run(rt, 30)
		empty, _ := New(typ, nil)
		a := w.reps[0]
		mustEqual(rt, "a⊔⊥ vs a", join(rt, a, empty), a)
		mustEqual(rt, "⊥⊔a vs a", join(rt, empty, a), a)
	})
}

// TestUpdatesMoveUp checks that every edit and every merge only moves a state
// up the type's order: old ≤ new, which for a join means old ⊔ new = new.
func TestUpdatesMoveUp(t *testing.T) {
	forEachType(t, func(rt *rapid.T, typ Type) {
		w := newWorld(rt, typ, 3)
		for range rapid.IntRange(1, 30).Draw(rt, "steps") {
			i := rapid.IntRange(0, 2).Draw(rt, "replica")
			old := w.reps[i].Clone()
			if rapid.Bool().Draw(rt, "merge") {
				w.merge(rt, i, rapid.IntRange(0, 2).Draw(rt, "from"))
			} else {
				w.edit(rt, i)
			}
			mustEqual(rt, "old⊔new vs new", join(rt, old, w.reps[i]), w.reps[i])
		}
	})
}

// TestCloneAndMergeShareNoMemory mutates each side after a merge and checks
// the other side did not change with it.
func TestCloneAndMergeShareNoMemory(t *testing.T) {
	forEachType(t, func(rt *rapid.T, typ Type) {
		w := newWorld(rt, typ, 2)
		w.run(rt, 20)
		w.merge(rt, 0, 1)
		before0, before1 := w.reps[0].Clone(), w.reps[1].Clone()
		for range 3 {
			w.edit(rt, 1)
		}
		mustEqual(rt, "receiver after the sender edited", w.reps[0], before0)
		w.reps[1] = before1.Clone()
		for range 3 {
			w.edit(rt, 0)
		}
		mustEqual(rt, "sender after the receiver edited", w.reps[1], before1)
		c := w.reps[0].Clone()
		w.edit(rt, 0)
		w.edit(rt, 0)
		w.reps[0] = c // the clone must not have moved with the original
		mustEqual(rt, "clone after the original edited", c, w.reps[0])
	})
}

// TestConvergence runs random schedules on 2–5 replicas with random pairwise
// merges, then a full exchange, and checks every replica holds the same state.
func TestConvergence(t *testing.T) {
	forEachType(t, func(rt *rapid.T, typ Type) {
		w := newWorld(rt, typ, rapid.IntRange(2, 5).Draw(rt, "replicas"))
		w.run(rt, 60)
		n := len(w.reps)
		for i := range n { // gather everything into replica 0, then spread it
			w.merge(rt, 0, i)
		}
		for i := 1; i < n; i++ {
			w.merge(rt, i, 0)
		}
		for i := 1; i < n; i++ {
			mustEqual(rt, fmt.Sprintf("replica 0 vs %d", i), w.reps[0], w.reps[i])
			if !w.reps[0].Value().Equal(w.reps[i].Value()) {
				rt.Fatalf("values differ: %s vs %s", w.reps[0].Value(), w.reps[i].Value())
			}
		}
	})
}

// TestSequentialSpec applies random operations, one writer, no concurrency,
// to each CRDT and to its plain counterpart, and checks they agree.
func TestSequentialSpec(t *testing.T) {
	forEachType(t, func(rt *rapid.T, typ Type) {
		c, _ := New(typ, nil)
		p, _ := NewPlain(typ, nil)
		for tick := range rapid.IntRange(1, 40).Draw(rt, "steps") {
			op := genOp(rt, typ, c)
			cr, err1 := c.Apply(op, Ctx{Replica: "A", Stamp: Stamp{T: int64(tick + 1), Replica: "A"}})
			pr, err2 := p.Apply(op)
			if (err1 == nil) != (err2 == nil) {
				rt.Fatalf("%s: crdt error %v, plain error %v", op, err1, err2)
			}
			if cr.Ignored && !pr.Ignored {
				// The one documented difference: a 2p-set tombstone refuses a re-add.
				if typ != TwoPSet || op.Kind != OpAdd {
					rt.Fatalf("%s ignored by the crdt (%s) but not by the plain value", op, cr.Why)
				}
				return
			}
			if !c.Value().Equal(p.Value()) {
				rt.Fatalf("after %s: crdt %s, plain %s", op, c.Value(), p.Value())
			}
		}
	})
}

// TestValueRenderingIsCanonical checks that equal values render equally and
// that rendering never depends on insertion order.
func TestValueRenderingIsCanonical(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		xs := rapid.SliceOf(rapid.SampledFrom([]string{"a", "b c", "", "x,y", `q"`})).Draw(rt, "xs")
		rev := make([]string, len(xs))
		for i, x := range xs {
			rev[len(xs)-1-i] = x
		}
		if SetValue(xs...).String() != SetValue(rev...).String() {
			rt.Fatalf("set rendering depends on order: %q", xs)
		}
	})
}

// TestMergeReportsSame: a merge says Same exactly when it left the state
// as it was, which lets a caller skip work (the cluster does not redraw or
// re-render a state a merge did not change).
func TestMergeReportsSame(t *testing.T) {
	forEachType(t, func(rt *rapid.T, typ Type) {
		w := newWorld(rt, typ, 3)
		w.run(rt, 30)
		a := w.reps[0]
		before := a.Clone()
		res, err := a.Merge(w.reps[rapid.IntRange(1, 2).Draw(rt, "from")])
		if err != nil {
			rt.Fatal(err)
		}
		if res.Same != a.Equal(before) {
			rt.Fatalf("Same = %v, but the state %s changed: %v\n%s → %s", res.Same, typ, !a.Equal(before), before.Internals(), a.Internals())
		}
	})
}
