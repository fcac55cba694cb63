package crdt

import (
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// TestLookupAgreesWithValue: for every collection, in both lanes, Lookup
// says of each key what the whole value says, after any edits and merges.
func TestLookupAgreesWithValue(t *testing.T) {
	forEachType(t, func(rt *rapid.T, typ Type) {
		w := newWorld(rt, typ, 3)
		w.run(rt, 30)
		plain, err := NewPlain(typ, nil)
		if err != nil {
			rt.Fatal(err)
		}
		for range rapid.IntRange(0, 10).Draw(rt, "plain edits") {
			_, _ = plain.Apply(genOp(rt, typ, w.reps[0]))
		}
		for _, x := range []any{w.reps[0], w.reps[1], plain} {
			v := x.(interface{ Value() Value }).Value()
			for _, k := range elems {
				val, in, ok := Lookup(x, k)
				switch v.Kind {
				case KindSet:
					if typ == MVRegister {
						if ok {
							rt.Fatalf("%s: Lookup answers for an mv-register", typ)
						}
						continue
					}
					if !ok || in != slices.Contains(v.Set, k) {
						rt.Fatalf("%s %T: Lookup(%s) = %v, %v; the value is %s", typ, x, k, in, ok, v)
					}
				case KindMap:
					i := slices.IndexFunc(v.Map, func(p Pair) bool { return p.Key == k })
					if !ok || in != (i >= 0) || in && val != v.Map[i].Value {
						rt.Fatalf("%s %T: Lookup(%s) = %q, %v, %v; the value is %s", typ, x, k, val, in, ok, v)
					}
				default:
					if ok {
						rt.Fatalf("%s %T: Lookup answers for a %v value", typ, x, v.Kind)
					}
				}
			}
		}
	})
}

// TestBriefOfIsBrief: a rendering known by its start and length is cut as
// Brief cuts the whole.
func TestBriefOfIsBrief(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		s := rapid.StringOfN(rapid.RuneFrom([]rune("ab\"\\é😀 ,{}")), 0, 2*BriefLen, -1).Draw(rt, "s")
		runes := []rune(s)
		head := string(runes[:min(len(runes), BriefLen+rapid.IntRange(0, 5).Draw(rt, "extra"))])
		if len(runes) <= BriefLen {
			head = s
		}
		if got, want := BriefOf(head, len(runes)), Brief(s); got != want {
			rt.Fatalf("BriefOf(%q, %d) = %q, want %q", head, len(runes), got, want)
		}
	})
}
