package crdt

import (
	"errors"
	"fmt"
	"testing"

	"pgregory.net/rapid"
)

// TestApplyOpsRefusesAnInsertWithoutItsPredecessor is the reproduction of
// a latent bug: a site's second insert applied alone, then a merge with a
// state holding both inserts, gave "y" instead of "yx", because Merge
// assumes a state holding a site's counter c holds all its earlier
// characters. ApplyOps now refuses the out-of-order insert.
func TestApplyOpsRefusesAnInsertWithoutItsPredecessor(t *testing.T) {
	src := NewText()
	first, err := src.InsertOps("S", 0, "x")
	if err != nil {
		t.Fatal(err)
	}
	second, err := src.InsertOps("S", 0, "y")
	if err != nil {
		t.Fatal(err)
	}
	if src.String() != "yx" {
		t.Fatalf("source is %q, want \"yx\"", src.String())
	}
	if second[0].Prev != first[0].ID.Counter {
		t.Fatalf("second insert's Prev is %d, want %d", second[0].Prev, first[0].ID.Counter)
	}

	dst := NewText()
	err = dst.ApplyOps(second)
	if !errors.Is(err, ErrMissingPredecessor) {
		t.Fatalf("applying the second insert alone: err = %v, want ErrMissingPredecessor", err)
	}
	if dst.String() != "" {
		t.Fatalf("a refused op changed the text to %q", dst.String())
	}
	if _, err := dst.Merge(src); err != nil {
		t.Fatal(err)
	}
	if dst.String() != "yx" {
		t.Fatalf("after the merge the text is %q, want \"yx\"", dst.String())
	}

	// In order, the same ops apply, and applying them again changes nothing.
	in := NewText()
	for range 2 {
		if err := in.ApplyOps(append(append([]TextOp(nil), first...), second...)); err != nil {
			t.Fatal(err)
		}
	}
	if in.String() != "yx" {
		t.Fatalf("ops in order gave %q, want \"yx\"", in.String())
	}
}

// ready reports whether op's causal dependencies are in t: an insert needs
// its origin and its site's previous character; a delete needs its target.
func ready(t *TextState, op TextOp) bool {
	if op.Delete {
		_, _, ok := t.find(t.localID(op.ID))
		return ok
	}
	if _, _, ok := t.find(t.localID(op.ID)); ok {
		return true // already here: applying it again is a no-op
	}
	if op.Origin.Counter != 0 {
		if _, _, ok := t.find(t.localID(op.Origin)); !ok {
			return false
		}
	}
	return t.siteMax(t.site(op.ID.Site)) == op.Prev
}

// TestCausalOpsMergedWithAnyStateMatchSequential: any interleaving of the
// ops that respects causality, applied with ApplyOps, and merged at any
// point with any state that some replica held, gives the same text as
// merging every replica's final state.
func TestCausalOpsMergedWithAnyStateMatchSequential(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		n := rapid.IntRange(2, 3).Draw(rt, "replicas")
		reps := make([]*TextState, n)
		for i := range reps {
			reps[i] = NewText()
		}
		var ops []TextOp
		var snapshots []*TextState
		for range rapid.IntRange(1, 25).Draw(rt, "steps") {
			i := rapid.IntRange(0, n-1).Draw(rt, "who")
			r := reps[i]
			switch rapid.IntRange(0, 3).Draw(rt, "what") {
			case 0, 1:
				pos := rapid.IntRange(0, r.Len()).Draw(rt, "pos")
				text := rapid.StringOfN(rapid.RuneFrom([]rune("abé")), 1, 3, -1).Draw(rt, "text")
				made, err := r.InsertOps(fmt.Sprintf("R%d", i), pos, text)
				if err != nil {
					rt.Fatal(err)
				}
				ops = append(ops, made...)
			case 2:
				if r.Len() == 0 {
					continue
				}
				pos := rapid.IntRange(0, r.Len()-1).Draw(rt, "pos")
				made, err := r.DeleteOps(pos, rapid.IntRange(1, r.Len()-pos).Draw(rt, "count"))
				if err != nil {
					rt.Fatal(err)
				}
				ops = append(ops, made...)
			default:
				j := rapid.IntRange(0, n-1).Draw(rt, "from")
				if _, err := r.Merge(reps[j]); err != nil {
					rt.Fatal(err)
				}
			}
			snapshots = append(snapshots, r.Clone().(*TextState))
		}
		want := NewText()
		for _, r := range reps {
			if _, err := want.Merge(r); err != nil {
				rt.Fatal(err)
			}
		}

		got := NewText()
		pending := append([]TextOp(nil), ops...)
		for len(pending) > 0 {
			if len(snapshots) > 0 && rapid.IntRange(0, 4).Draw(rt, "merge a state") == 0 {
				s := snapshots[rapid.IntRange(0, len(snapshots)-1).Draw(rt, "which state")]
				if _, err := got.Merge(s); err != nil {
					rt.Fatal(err)
				}
			}
			var readyIdx []int
			for k, op := range pending {
				if ready(got, op) {
					readyIdx = append(readyIdx, k)
				}
			}
			if len(readyIdx) == 0 {
				rt.Fatalf("no op is ready, %d pending: the ops are not causal", len(pending))
			}
			k := readyIdx[rapid.IntRange(0, len(readyIdx)-1).Draw(rt, "next op")]
			if err := got.ApplyOps([]TextOp{pending[k]}); err != nil {
				rt.Fatalf("applying a ready op: %v", err)
			}
			pending = append(pending[:k], pending[k+1:]...)
		}
		if got.String() != want.String() {
			rt.Fatalf("ops gave %q, merging the states gave %q", got.String(), want.String())
		}
		if !got.Equal(want) {
			rt.Fatalf("equal text %q but different states", got.String())
		}
	})
}
