package replicas

import (
	"testing"

	"crdtviz/crdt"

	"pgregory.net/rapid"
)

// TestActingAfterRedoKeepsRememberedStates: after ← then →, the current
// state is shared with a remembered one; acting must not change that one.
func TestActingAfterRedoKeepsRememberedStates(t *testing.T) {
	tl, _ := NewTimeline(Config{Type: crdt.GCounter, Names: names(2)})
	inc := Edit{Replica: "R0", Op: crdt.Op{Kind: crdt.OpInc, N: 1}}
	for range 3 {
		tl.Do(inc)
	}
	tl.Seek(2)
	tl.Seek(3)
	for range 4 {
		tl.Do(inc)
	}
	for _, n := range []int{6, 5, 4, 3, 7} {
		tl.Seek(n)
		if got := tl.Cluster().Replica("R0").Value(CRDT).Int; tl.Cluster().Tick() != int64(n) || got != int64(n) {
			t.Fatalf("at %d: tick %d, value %d", n, tl.Cluster().Tick(), got)
		}
	}
	tl.Seek(2)
	tl.Do(Edit{Replica: "R1", Op: crdt.Op{Kind: crdt.OpInc, N: 5}}) // a branch: 3..7 are gone
	tl.Seek(1)
	tl.Seek(3)
	if v := tl.Cluster().Replica("R1").Value(CRDT).Int; v != 5 || tl.Len() != 3 {
		t.Fatalf("after the branch: R1 = %d, len %d", v, tl.Len())
	}
}

// TestSeekAndActMatchesFreshReplay mixes random seeks with acting (which
// branches), and checks the current state always equals a fresh replay of
// the history up to the current point.
func TestSeekAndActMatchesFreshReplay(t *testing.T) {
	forEachType(t, func(rt *rapid.T, typ crdt.Type) {
		cfg := Config{Type: typ, Names: names(3)}
		tl, _ := NewTimeline(cfg)
		ch := rapidChooser{rt}
		for range rapid.IntRange(1, 120).Draw(rt, "steps") {
			if tl.Len() > 0 && rapid.IntRange(0, 3).Draw(rt, "seek") == 0 {
				tl.Seek(rapid.IntRange(0, tl.Len()).Draw(rt, "to"))
			} else {
				tl.Do(randomAction(ch, tl.Cluster(), false))
			}
			fresh, _ := New(cfg)
			for i := range tl.Pos() {
				if _, err := fresh.Apply(tl.Action(i)); err != nil {
					rt.Fatalf("fresh replay of %s: %v", tl.Action(i), err)
				}
			}
			if !SameState(fresh, tl.Cluster()) {
				rt.Fatalf("at %d of %d the state differs from a fresh replay:\n%s\nwant\n%s", tl.Pos(), tl.Len(), tl.Cluster().Dump(), fresh.Dump())
			}
		}
	})
}

// TestCloneIsCopyOnWrite: after a clone, changes on either side never show
// on the other, though the two share replicas until then.
func TestCloneIsCopyOnWrite(t *testing.T) {
	forEachType(t, func(rt *rapid.T, typ crdt.Type) {
		a := newCluster(t, typ, 3, nil)
		ch := rapidChooser{rt}
		runRandomOn := func(c *Cluster, n int) {
			for range n {
				c.Apply(randomAction(ch, c, false))
			}
		}
		runRandomOn(a, rapid.IntRange(0, 30).Draw(rt, "before"))
		b := a.Clone()
		aDump := a.Dump()
		runRandomOn(b, rapid.IntRange(1, 20).Draw(rt, "b"))
		if a.Dump() != aDump {
			rt.Fatal("changing the clone changed the original")
		}
		bDump := b.Dump()
		runRandomOn(a, rapid.IntRange(1, 20).Draw(rt, "a"))
		if b.Dump() != bDump {
			rt.Fatal("changing the original changed the clone")
		}
	})
}

// TestAtMatchesSeek: At(n) is the state Seek(n) reaches, and it does not
// move the current point.
func TestAtMatchesSeek(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		tl, _ := NewTimeline(Config{Type: crdt.PNCounter, Names: []string{"A", "B", "C"}})
		n := rapid.IntRange(0, 80).Draw(rt, "n")
		for range n {
			tl.Do(Edit{Replica: rapid.SampledFrom([]string{"A", "B", "C"}).Draw(rt, "who"), Op: crdt.Op{Kind: crdt.OpInc, N: 1}})
			if rapid.Bool().Draw(rt, "sync") {
				tl.Do(SyncAll{})
			}
		}
		_ = tl.Seek(rapid.IntRange(0, tl.Len()).Draw(rt, "pos"))
		pos := tl.Pos()
		k := rapid.IntRange(0, tl.Len()).Draw(rt, "k")
		got := tl.At(k)
		if tl.Pos() != pos {
			rt.Fatalf("At moved the point from %d to %d", pos, tl.Pos())
		}
		fresh, _ := NewTimeline(Config{Type: crdt.PNCounter, Names: []string{"A", "B", "C"}})
		for i := range k {
			fresh.Do(tl.Action(i))
		}
		want := fresh.Cluster()
		if got.Tick() != want.Tick() || got.Dump() != want.Dump() {
			rt.Fatalf("At(%d) differs from a fresh replay:\n%s\nwant\n%s", k, got.Dump(), want.Dump())
		}
	})
}

// TestSparseCheckpointsReplayTheSame: in every mode, with checkpoints that
// a tight allowance makes rare (as a history of a large, growing state
// does), any mix of seeks, reads of other points and actions gives the
// state a fresh replay gives.
func TestSparseCheckpointsReplayTheSame(t *testing.T) {
	for _, mode := range Modes {
		t.Run(mode.String(), func(t *testing.T) {
			forEachType(t, func(rt *rapid.T, typ crdt.Type) {
				cfg := Config{Type: typ, Names: names(3), Mode: mode}
				tl, _ := NewTimeline(cfg)
				tl.free, tl.share = rapid.Int64Range(0, 2000).Draw(rt, "free"), 1000
				ch := rapidChooser{rt}
				replay := func(n int) *Cluster {
					fresh, _ := New(cfg)
					for i := range n {
						if _, err := fresh.Apply(tl.Action(i)); err != nil {
							rt.Fatalf("fresh replay of %s: %v", tl.Action(i), err)
						}
					}
					return fresh
				}
				steps := rapid.IntRange(1, 120).Draw(rt, "steps")
				for step := range steps {
					switch k := rapid.IntRange(0, 7).Draw(rt, "what"); {
					case tl.Len() > 0 && k == 0:
						tl.Seek(rapid.IntRange(0, tl.Len()).Draw(rt, "to"))
					case tl.Len() > 0 && k == 1:
						n := rapid.IntRange(0, tl.Len()).Draw(rt, "at")
						if !SameState(tl.At(n), replay(n)) {
							rt.Fatalf("At(%d) differs from a fresh replay", n)
						}
						continue
					default:
						tl.Do(randomAction(ch, tl.Cluster(), false))
						if step < steps-1 && step%8 != 0 {
							continue
						}
					}
					if fresh := replay(tl.Pos()); !SameState(fresh, tl.Cluster()) {
						rt.Fatalf("at %d of %d the state differs from a fresh replay:\n%s\nwant\n%s", tl.Pos(), tl.Len(), tl.Cluster().Dump(), fresh.Dump())
					}
				}
				if len(tl.checkpoints) > 1+tl.Len()/CheckpointEvery {
					rt.Fatalf("%d checkpoints for %d actions", len(tl.checkpoints), tl.Len())
				}
			})
		})
	}
}
