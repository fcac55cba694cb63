package replicas

import (
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// TestEditSetMatchesAMap checks the chunked bitset against a plain map of
// ids, across chunk boundaries.
func TestEditSetMatchesAMap(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		gen := rapid.SliceOf(rapid.IntRange(0, 3*chunkBits))
		build := func(xs []int) (EditSet, map[EditID]bool) {
			var s EditSet
			m := map[EditID]bool{}
			for _, x := range xs {
				s = s.With(EditID(x))
				m[EditID(x)] = true
			}
			return s, m
		}
		a, am := build(gen.Draw(rt, "a"))
		b, bm := build(gen.Draw(rt, "b"))
		sorted := func(m map[EditID]bool) []EditID {
			var out []EditID
			for id := range m {
				out = append(out, id)
			}
			slices.Sort(out)
			return out
		}
		if got := a.IDs(); !slices.Equal(got, sorted(am)) || a.Len() != len(am) {
			rt.Fatalf("ids %v, want %v", got, sorted(am))
		}
		um := map[EditID]bool{}
		for id := range am {
			um[id] = true
		}
		for id := range bm {
			um[id] = true
		}
		if got := a.Union(b).IDs(); !slices.Equal(got, sorted(um)) {
			rt.Fatalf("union %v, want %v", got, sorted(um))
		}
		mm := map[EditID]bool{}
		for id := range am {
			if !bm[id] {
				mm[id] = true
			}
		}
		if got := a.Minus(b); !slices.Equal(got, sorted(mm)) && !(len(got) == 0 && len(mm) == 0) {
			rt.Fatalf("minus %v, want %v", got, sorted(mm))
		}
		all := sorted(am)
		n := rapid.IntRange(0, 10).Draw(rt, "n")
		want := all[max(0, len(all)-n):]
		if got := a.Last(n); !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
			rt.Fatalf("last %d: %v, want %v", n, got, want)
		}
		for id := range EditID(3*chunkBits + 1) {
			if a.Has(id) != am[id] {
				rt.Fatalf("has %d", id)
			}
		}
		if a.Equal(b) != (len(um) == len(am) && len(um) == len(bm)) {
			rt.Fatal("equal")
		}
		// without takes one id out, and leaves the set it came from as it was.
		if len(all) > 0 {
			id := all[rapid.IntRange(0, len(all)-1).Draw(rt, "out")]
			less := a.without(id)
			if less.Has(id) || less.Len() != len(all)-1 || !a.Has(id) || a.Len() != len(all) {
				rt.Fatalf("without %d: %v from %v", id, less, a)
			}
		}
	})
}
