package replicas

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strings"
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

// placeTextByScans is how placeText worked before the waiting edits were
// filed by what they need: scan the queue from the start, apply the first
// placeable part, and start again. It is the reference placeText must
// match: the same parts applied in the same order, the same sentences,
// the same edits left waiting on the same characters.
func placeTextByScans(c *Cluster, r *Replica, t *crdt.TextState, knows EditSet, parked, incoming []textPart) (whys []string, left []textPart) {
	queue := slices.Clone(parked)
	waitingBefore := map[EditID]bool{}
	for _, p := range parked {
		waitingBefore[p.edit] = true
	}
	for _, p := range incoming {
		if knows.Has(p.edit) || waitingBefore[p.edit] {
			continue
		}
		queue = append(queue, p)
	}
	var applied []string
	for progress := true; progress; {
		progress = false
		for k := 0; k < len(queue); k++ {
			p := queue[k]
			if knows.Has(p.edit) {
				queue = append(queue[:k:k], queue[k+1:]...)
				k--
				continue
			}
			if need, missing := t.Missing(p.ops); missing {
				queue[k].need = need
				continue
			}
			_, _ = crdt.Delta{Text: p.ops}.JoinInto(t)
			knows = knows.With(p.edit)
			what := c.editInfo(p.edit).Describe()
			if waitingBefore[p.edit] {
				what += ", which was waiting"
			}
			applied = append(applied, what)
			queue = append(queue[:k:k], queue[k+1:]...)
			progress = true
			break
		}
	}
	if len(applied) > 0 {
		whys = append(whys, "applied "+strings.Join(applied, " and ")+" → "+crdt.Brief(crdt.QuoteAlways(t.String())))
	}
	for _, p := range queue {
		if !waitingBefore[p.edit] {
			whys = append(whys, fmt.Sprintf("%s waits: it needs the character %s, which has not arrived here", c.editInfo(p.edit).Describe(), p.need))
		}
	}
	if len(whys) == 0 {
		whys = append(whys, "every edit in it was here already")
	}
	return whys, queue
}

// TestParkedTextMatchesTheOldScan: text edits delivered in any order, some
// twice, some lost and repaired by a full state: every delivery applies
// and keeps waiting what the old scan did, in the same order and words.
func TestParkedTextMatchesTheOldScan(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		c, _ := New(Config{Type: crdt.Text, Names: names(3), Mode: ModeDelta})
		ch := rapidChooser{rt}
		for range rapid.IntRange(20, 150).Draw(rt, "steps") {
			ns := c.Names()
			from := ns[ch.Intn(3, "from")]
			to := ns[(c.index[from]+1+ch.Intn(2, "to"))%3]
			var a Action
			switch ch.Intn(20, "kind") {
			case 0, 1, 2, 3, 4, 5:
				a = Edit{Replica: from, Op: randomOp(ch, c, c.Replica(from), false)}
			case 6, 7, 8, 9:
				a = Send{From: from, To: to}
			case 10:
				a = Duplicate{From: from, To: to}
			case 11:
				a = Send{From: from, To: to, Full: true}
			default:
				a = Deliver{From: from, To: to, Newest: ch.Intn(2, "newest") == 0}
			}
			var want []string
			var wantLeft []textPart
			if d, ok := a.(Deliver); ok {
				q := c.Queue(d.From, d.To)
				if len(q) == 0 {
					continue
				}
				m := q[0]
				if d.Newest {
					m = q[len(q)-1]
				}
				dp, isDelta := m.crdt.(*deltaPayload)
				r := c.Replica(d.To)
				if isDelta && dp.g.delta.State == nil && (len(dp.g.parts) > 0) {
					want, wantLeft = placeTextByScans(c, r, r.state.Clone().(*crdt.TextState), r.knows[CRDT], deltasOf(r).parked.parts(), dp.g.parts)
				}
			}
			ev, err := c.Apply(a)
			if err != nil || want == nil {
				continue
			}
			why := ev[0].Lanes[CRDT].Why
			if _, got, _ := strings.Cut(why, "): "); got != strings.Join(want, "; ") {
				rt.Fatalf("%s: %s\nwant %s", a, why, strings.Join(want, "; "))
			}
			left := deltasOf(c.Replica(a.(Deliver).To)).parked.parts()
			if len(left) != len(wantLeft) {
				rt.Fatalf("%s: %d edits wait, want %d", a, len(left), len(wantLeft))
			}
			for i := range left {
				if left[i].edit != wantLeft[i].edit || left[i].need != wantLeft[i].need {
					rt.Fatalf("%s: waiting %v (needs %v), want %v (needs %v)", a, left[i].edit, left[i].need, wantLeft[i].edit, wantLeft[i].need)
				}
			}
		}
	})
}
