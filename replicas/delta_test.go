package replicas

import (
	"bytes"
	"maps"
	"slices"
	"testing"

	"crdtviz/crdt"

	"pgregory.net/rapid"
)

// wireBytes is a group's wire form in CBOR's deterministic encoding.
func wireBytes(t *rapid.T, g deltaGroup) []byte {
	return encode((&deltaPayload{g: g}).wire()).Bytes()
}

// TestPendingGroupsJoinInAnyGrouping: the group a link carries is joined
// from the entries filed for it two halves at a time (joinAll). It is the
// group that joining them one at a time, as every edit used to, makes:
// the same wire form, edits, history and text parts, for every type, with
// many edits pending and groups relayed among them.
func TestPendingGroupsJoinInAnyGrouping(t *testing.T) {
	for _, typ := range crdt.Types {
		t.Run(string(typ), func(t *testing.T) {
			rapid.Check(t, func(rt *rapid.T) {
				c, err := New(Config{Type: typ, Names: names(3), Mode: ModeDelta})
				if err != nil {
					rt.Fatal(err)
				}
				ch := rapidChooser{rt}
				for range rapid.IntRange(1, 60).Draw(rt, "steps") {
					ns := c.Names()
					from, to := ns[ch.Intn(3, "from")], ns[ch.Intn(3, "to")]
					var a Action = Edit{Replica: from, Op: randomOp(ch, c, c.Replica(from), false)}
					switch ch.Intn(8, "kind") {
					case 0:
						a = Sync{From: from, To: to}
					case 1:
						a = Send{From: from, To: to}
					case 2:
						a = Deliver{From: from, To: to}
					}
					_, _ = c.Apply(a)
				}
				lww := c.isLWW()
				for _, r := range c.reps {
					d := deltasOf(r)
					for j := range c.names {
						var gs []deltaGroup
						d.log.From(d.from[j], func(e deltaEntry) bool {
							if e.not != j {
								gs = append(gs, e.g)
							}
							return true
						})
						want := deltaGroup{}
						for _, g := range gs {
							want = want.join(g, lww)
						}
						got := joinAll(gs, lww)
						if pg, _ := d.pending(j, lww); !bytes.Equal(wireBytes(rt, pg), wireBytes(rt, got)) {
							rt.Fatalf("pending differs from the join of its entries")
						}
						if !bytes.Equal(wireBytes(rt, got), wireBytes(rt, want)) {
							rt.Fatalf("%s → %s: %d groups join to %v, one at a time to %v", r.Name, c.names[j], len(gs), groupWire(got), groupWire(want))
						}
						if !got.knows().Equal(want.knows()) || !got.k.Equal(want.k) {
							rt.Fatalf("%s → %s: knows %v, want %v", r.Name, c.names[j], got.knows(), want.knows())
						}
						keys := slices.Sorted(maps.Keys(want.h.byKey()))
						if gk := slices.Sorted(maps.Keys(got.h.byKey())); !slices.Equal(gk, keys) {
							rt.Fatalf("%s → %s: history keys %v, want %v", r.Name, c.names[j], gk, keys)
						}
						for _, k := range keys {
							if !got.h.byKey()[k].Equal(want.h.byKey()[k]) {
								rt.Fatalf("%s → %s: history of %q is %v, want %v", r.Name, c.names[j], k, got.h.byKey()[k], want.h.byKey()[k])
							}
						}
						gp := make([]EditID, len(got.parts))
						for i, p := range got.parts {
							gp[i] = p.edit
						}
						wp := make([]EditID, len(want.parts))
						for i, p := range want.parts {
							wp[i] = p.edit
						}
						if !slices.Equal(gp, wp) {
							rt.Fatalf("%s → %s: text parts %v, want %v", r.Name, c.names[j], gp, wp)
						}
						if (got.delta.State == nil) != (want.delta.State == nil) || got.delta.State != nil && !got.delta.State.Equal(want.delta.State) {
							rt.Fatalf("%s → %s: states differ", r.Name, c.names[j])
						}
					}
				}
			})
		})
	}
}
