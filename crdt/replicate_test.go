package crdt

import (
	"testing"

	"pgregory.net/rapid"
)

// TestDeltaLaw: joining, in order, every delta a replica produced into a
// fresh replica gives the replica's state; so does joining them first into
// one delta-group. The replica also receives whole states from others on
// the way, whose edits come with them (a delta carries only its own edit).
func TestDeltaLaw(t *testing.T) {
	for _, typ := range Types {
		t.Run(string(typ), func(t *testing.T) {
			rapid.Check(t, func(rt *rapid.T) {
				w := newWorld(rt, typ, 2)
				fresh, _ := New(typ, nil)
				var group Delta
				for range rapid.IntRange(1, 25).Draw(rt, "n") {
					if rapid.IntRange(0, 4).Draw(rt, "other") == 0 {
						// R1 edits, and R0 and the fresh copy receive its state.
						w.edit(rt, 1)
						w.merge(rt, 0, 1)
						if _, err := fresh.Merge(w.reps[1]); err != nil {
							rt.Fatal(err)
						}
						if err := group.Join(Delta{State: stateOnly(w.reps[1])}); err != nil {
							rt.Fatal(err)
						}
						continue
					}
					w.tick++
					op := genOp(rt, typ, w.reps[0])
					ctx := Ctx{Replica: "R0", Stamp: Stamp{T: w.tick + w.skew[0], Replica: "R0"}}
					res, eff, err := Mutate(w.reps[0], op, ctx)
					if err != nil {
						rt.Fatalf("%s: %v", op, err)
					}
					if res.Ignored != (eff == nil) {
						rt.Fatalf("%s: ignored %v but effect %v", op, res.Ignored, eff)
					}
					if eff == nil {
						continue
					}
					if _, err := eff.Delta.JoinInto(fresh); err != nil {
						rt.Fatal(err)
					}
					if err := group.Join(eff.Delta); err != nil {
						rt.Fatal(err)
					}
				}
				if !fresh.Equal(w.reps[0]) {
					rt.Fatalf("deltas joined in order give %s (%s), the replica holds %s (%s)", fresh.Value(), fresh.Internals(), w.reps[0].Value(), w.reps[0].Internals())
				}
				grouped, _ := New(typ, nil)
				if typ != Text { // text's delta-group is its ops: applying them in order is the case above
					if _, err := group.JoinInto(grouped); err != nil {
						rt.Fatal(err)
					}
					if !grouped.Equal(w.reps[0]) {
						rt.Fatalf("one delta-group gives %s (%s), the replica holds %s (%s)", grouped.Value(), grouped.Internals(), w.reps[0].Value(), w.reps[0].Internals())
					}
				}
			})
		})
	}
}

// stateOnly is st as a delta: a whole state is a delta too. Text's
// delta-groups are ops, so for text it gives nil (TestDeltaLaw skips the
// group check for text).
func stateOnly(st CRDT) CRDT {
	if st.Type() == Text {
		return nil
	}
	return st.Clone()
}

// TestOpsInOrderMatchLocal: delivering a replica's ops, in the order it
// made them, to a replica that started where it did gives the same value.
func TestOpsInOrderMatchLocal(t *testing.T) {
	for _, typ := range Types {
		t.Run(string(typ), func(t *testing.T) {
			rapid.Check(t, func(rt *rapid.T) {
				w := newWorld(rt, typ, 1)
				other, _ := New(typ, nil)
				for range rapid.IntRange(1, 25).Draw(rt, "n") {
					w.tick++
					op := genOp(rt, typ, w.reps[0])
					_, eff, err := Mutate(w.reps[0], op, Ctx{Replica: "R0", Stamp: Stamp{T: w.tick, Replica: "R0"}})
					if err != nil {
						rt.Fatal(err)
					}
					if eff == nil {
						continue
					}
					if res, err := Deliver(other, eff); err != nil || res.Ignored {
						rt.Fatalf("%s: %v %+v", op, err, res)
					}
				}
				if !other.Value().Equal(w.reps[0].Value()) {
					rt.Fatalf("ops give %s, the replica holds %s", other.Value(), w.reps[0].Value())
				}
			})
		})
	}
}

// The op-based anomalies, at the level of one replica.
func TestOpAnomalies(t *testing.T) {
	// A counter op delivered twice counts twice.
	a, _ := New(GCounter, nil)
	_, inc, _ := Mutate(a, Op{Kind: OpInc, N: 1}, Ctx{Replica: "A"})
	b, _ := New(GCounter, nil)
	Deliver(b, inc)
	Deliver(b, inc)
	if b.Value().Int != 2 || a.Value().Int != 1 {
		t.Fatalf("counter: %s and %s", a.Value(), b.Value())
	}
	// An or-set remove that overtakes its add removes nothing; the add
	// then brings the element back.
	s, _ := New(ORSet, nil)
	_, add, _ := Mutate(s, Op{Kind: OpAdd, Value: "milk"}, Ctx{Replica: "A"})
	_, rm, _ := Mutate(s, Op{Kind: OpRemove, Value: "milk"}, Ctx{Replica: "A"})
	bob, _ := New(ORSet, nil)
	res, _ := Deliver(bob, rm)
	if len(bob.Value().Set) != 0 || res.Ignored {
		t.Fatalf("remove first: %s %+v", bob.Value(), res)
	}
	Deliver(bob, add)
	if len(bob.Value().Set) != 1 || len(s.Value().Set) != 0 {
		t.Fatalf("or-set: Alice %s, Bob %s", s.Value(), bob.Value())
	}
	// A text insert whose origin has not arrived is declined, and a
	// delete of a character not seen does nothing.
	doc, _ := New(Text, nil)
	_, hi, _ := Mutate(doc, Op{Kind: OpInsert, Pos: 0, Text: "hi"}, Ctx{Replica: "A"})
	_, bang, _ := Mutate(doc, Op{Kind: OpInsert, Pos: 2, Text: "!"}, Ctx{Replica: "A"})
	_, del, _ := Mutate(doc, Op{Kind: OpDelete, Pos: 0, Count: 1}, Ctx{Replica: "A"})
	late, _ := New(Text, nil)
	if res, _ := Deliver(late, bang); !res.Ignored {
		t.Fatalf("an insert before its origin: %+v", res)
	}
	if res, _ := Deliver(late, del); res.Ignored || late.Value().Str != "" {
		t.Fatalf("a delete before its insert: %+v %s", res, late.Value())
	}
	Deliver(late, hi)
	if late.Value().Str != "hi" || doc.Value().Str != "i!" {
		t.Fatalf("text: %q and %q", doc.Value().Str, late.Value().Str)
	}
}
