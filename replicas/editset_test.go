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

// TestEditSetWithPrefixes: sets that hold every id up to some point (as a
// long history's sets do) and others besides, built by With, Union and
// without, behave as maps of ids do.
func TestEditSetWithPrefixes(t *testing.T) {
	type model map[EditID]bool
	sorted := func(m model) []EditID {
		var out []EditID
		for id, in := range m {
			if in {
				out = append(out, id)
			}
		}
		slices.Sort(out)
		return out
	}
	rapid.Check(t, func(rt *rapid.T) {
		gen := func(label string) (EditSet, model) {
			var s EditSet
			m := model{}
			for id := EditID(1); id <= EditID(rapid.IntRange(0, 2*chunkBits+70).Draw(rt, label+" prefix")); id++ {
				s, m[id] = s.With(id), true
			}
			for _, x := range rapid.SliceOfN(rapid.IntRange(0, 3*chunkBits), 0, 20).Draw(rt, label+" extra") {
				s, m[EditID(x)] = s.With(EditID(x)), true
			}
			if rapid.Bool().Draw(rt, label+" fill") { // fill a gap, so that the prefix absorbs what follows
				for id := EditID(1); ; id++ {
					if !m[id] {
						s, m[id] = s.With(id), true
						break
					}
				}
			}
			for _, x := range rapid.SliceOfN(rapid.IntRange(0, 3*chunkBits), 0, 3).Draw(rt, label+" out") {
				s, m[EditID(x)] = s.without(EditID(x)), false
			}
			return s, m
		}
		a, am := gen("a")
		b, bm := gen("b")
		check := func(what string, s EditSet, m model) {
			want := sorted(m)
			if got := s.IDs(); !slices.Equal(got, want) && len(got)+len(want) > 0 {
				rt.Fatalf("%s: ids %v, want %v", what, got, want)
			}
			if s.Len() != len(want) {
				rt.Fatalf("%s: len %d, want %d", what, s.Len(), len(want))
			}
			for id := range EditID(3*chunkBits + 2) {
				if s.Has(id) != m[id] {
					rt.Fatalf("%s: has %d is %v", what, id, s.Has(id))
				}
			}
			n := rapid.IntRange(0, 70).Draw(rt, "last")
			if got, w := s.Last(n), want[max(0, len(want)-n):]; !slices.Equal(got, w) && len(got)+len(w) > 0 {
				rt.Fatalf("%s: last %d %v, want %v", what, n, got, w)
			}
		}
		check("a", a, am)
		check("b", b, bm)
		um, mm := model{}, model{}
		sub := true
		for id, in := range am {
			if in {
				um[id] = true
				mm[id] = !bm[id]
				sub = sub && bm[id]
			}
		}
		for id, in := range bm {
			if in {
				um[id] = true
			}
		}
		check("a ∪ b", a.Union(b), um)
		if got, want := a.Minus(b), sorted(mm); !slices.Equal(got, want) && len(got)+len(want) > 0 {
			rt.Fatalf("a − b = %v, want %v", got, want)
		}
		if a.subsetOf(b) != sub {
			rt.Fatalf("a ⊆ b is %v, want %v", a.subsetOf(b), sub)
		}
		if a.Equal(b) != slices.Equal(sorted(am), sorted(bm)) {
			rt.Fatal("equal")
		}
	})
}
