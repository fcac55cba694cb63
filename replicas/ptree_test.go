package replicas

import (
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// TestPTreeMatchesASlice: every change to a persistent tree gives what the
// same change to a slice gives, and every older version still holds what
// it held (sharing never aliases).
func TestPTreeMatchesASlice(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		start := rapid.SliceOfN(rapid.IntRange(0, 99), 0, 40).Draw(rt, "start")
		tr := buildTree(start, func(v int) int { return v % 7 })
		model := slices.Clone(start)
		type version struct {
			tr    ptree[int]
			model []int
		}
		var old []version
		for range rapid.IntRange(0, 60).Draw(rt, "steps") {
			old = append(old, version{tr, slices.Clone(model)})
			if len(old) > 1 && rapid.Bool().Draw(rt, "branch") {
				v := old[rapid.IntRange(0, len(old)-1).Draw(rt, "which")]
				tr, model = v.tr, slices.Clone(v.model)
			}
			switch op := rapid.IntRange(0, 3).Draw(rt, "op"); {
			case op == 0 || len(model) == 0:
				i := rapid.IntRange(0, len(model)).Draw(rt, "i")
				v := rapid.IntRange(0, 99).Draw(rt, "v")
				tr, model = tr.Insert(i, v, v%7), slices.Insert(model, i, v)
			case op == 1:
				i := rapid.IntRange(0, len(model)-1).Draw(rt, "i")
				tr, model = tr.Delete(i), slices.Delete(model, i, i+1)
			case op == 2:
				i := rapid.IntRange(0, len(model)-1).Draw(rt, "i")
				j := rapid.IntRange(i, len(model)).Draw(rt, "j")
				tr, model = tr.DeleteRange(i, j), slices.Delete(model, i, j)
			default:
				i := rapid.IntRange(0, len(model)-1).Draw(rt, "i")
				v := rapid.IntRange(0, 99).Draw(rt, "v")
				tr = tr.Set(i, v, v%7)
				model[i] = v
			}
			check := func(tr ptree[int], model []int) {
				if got := tr.Items(); !slices.Equal(got, model) && len(got)+len(model) > 0 {
					rt.Fatalf("tree %v, want %v", got, model)
				}
				w := 0
				for _, v := range model {
					w += v % 7
				}
				if tr.Len() != len(model) || tr.Weight() != w {
					rt.Fatalf("len %d weight %d, want %d and %d", tr.Len(), tr.Weight(), len(model), w)
				}
				for i, v := range model {
					if tr.At(i) != v {
						rt.Fatalf("At(%d) = %d, want %d", i, tr.At(i), v)
					}
				}
				if len(model) > 0 {
					from := rapid.IntRange(0, len(model)-1).Draw(rt, "from")
					var got []int
					tr.Each(from, func(v int) bool { got = append(got, v); return len(got) < 3 })
					if want := model[from:min(from+3, len(model))]; !slices.Equal(got, want) {
						rt.Fatalf("Each(%d) gives %v, want %v", from, got, want)
					}
				}
			}
			check(tr, model)
			for _, v := range old {
				check(v.tr, v.model)
			}
		}
		// Search finds a key's place in a sorted tree.
		sorted := slices.Sorted(slices.Values(model))
		st := buildTree(sorted, func(int) int { return 1 })
		k := rapid.IntRange(-1, 100).Draw(rt, "key")
		want, _ := slices.BinarySearch(sorted, k)
		if got := st.Search(func(v int) bool { return v < k }); got != want {
			rt.Fatalf("Search(%d) = %d, want %d", k, got, want)
		}
	})
}

// BenchmarkPTreeInsertFront: a tree keeps its depth logarithmic however
// items arrive (here all at the front, as a text typed backwards).
func BenchmarkPTreeInsertFront(b *testing.B) {
	for b.Loop() {
		var tr ptree[int]
		for i := range 20_000 {
			tr = tr.Insert(0, i, 1)
		}
	}
}

// TestSeqSharesByPrefix: views of one buffer never see each other's
// appends, however they branch.
func TestSeqSharesByPrefix(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		type version struct {
			s     seq[int]
			model []int
		}
		vs := []version{{}}
		for i := range rapid.IntRange(1, 80).Draw(rt, "steps") {
			v := vs[rapid.IntRange(0, len(vs)-1).Draw(rt, "from")]
			vs = append(vs, version{v.s.Append(i), append(slices.Clip(v.model), i)})
			for _, v := range vs {
				if v.s.Len() != len(v.model) || !slices.Equal(v.s.From(0), v.model) && len(v.model) > 0 {
					rt.Fatalf("view %v, want %v", v.s.From(0), v.model)
				}
				for k := range v.model {
					if v.s.At(k) != v.model[k] {
						rt.Fatalf("At(%d) = %d, want %d", k, v.s.At(k), v.model[k])
					}
				}
			}
		}
	})
}

// TestChunksShareByPrefix: views of a chunked list never see each other's
// appends, however they branch, within a chunk or across chunks.
func TestChunksShareByPrefix(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		type version struct {
			c     chunks[int]
			model []int
		}
		vs := []version{{}}
		for i := range rapid.IntRange(1, 3*chunkLen).Draw(rt, "steps") {
			v := vs[len(vs)-1]
			if rapid.IntRange(0, 20).Draw(rt, "branch") == 0 {
				v = vs[rapid.IntRange(0, len(vs)-1).Draw(rt, "from")]
			}
			vs = append(vs, version{v.c.Append(i), append(slices.Clip(v.model), i)})
		}
		for _, v := range vs {
			if v.c.Len() != len(v.model) {
				rt.Fatalf("len %d, want %d", v.c.Len(), len(v.model))
			}
			var got []int
			v.c.Each(func(x int) { got = append(got, x) })
			if !slices.Equal(got, v.model) && len(got)+len(v.model) > 0 {
				rt.Fatalf("view %v, want %v", got, v.model)
			}
		}
	})
}
