package crdt

import (
	"maps"
	"testing"

	"pgregory.net/rapid"
)

// TestCompactMovesWhatContinuesTheContext: compact gives what moving one
// dot at a time does (each dot right after its replica's context joins
// it, until none does, and dots the context covers go), for any cloud.
func TestCompactMovesWhatContinuesTheContext(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		s := &ORSetState{dots: map[string][]Dot{}, ctx: VV{}, cloud: dotSet{}}
		for _, r := range []string{"A", "B", ""} {
			if n := rapid.Uint64Range(0, 5).Draw(rt, "ctx "+r); n > 0 {
				s.ctx[r] = n
			}
			for _, n := range rapid.SliceOfN(rapid.Uint64Range(1, 40), 0, 30).Draw(rt, "cloud "+r) {
				s.cloud[Dot{Replica: r, N: n}] = struct{}{}
			}
		}
		want := &ORSetState{ctx: maps.Clone(s.ctx), cloud: maps.Clone(s.cloud)}
		for moved := true; moved; {
			moved = false
			for d := range want.cloud {
				switch {
				case d.N <= want.ctx[d.Replica]:
					delete(want.cloud, d)
				case d.N == want.ctx[d.Replica]+1:
					want.ctx[d.Replica] = d.N
					delete(want.cloud, d)
					moved = true
				}
			}
		}
		s.compact()
		if !maps.Equal(s.ctx, want.ctx) || !maps.Equal(s.cloud, want.cloud) {
			rt.Fatalf("compact: ctx %v cloud %v, want ctx %v cloud %v", s.ctx, s.cloud, want.ctx, want.cloud)
		}
	})
}
