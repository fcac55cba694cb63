package model

import (
	"slices"
	"testing"

	tea "charm.land/bubbletea/v2"
	"pgregory.net/rapid"

	"crdtviz/crdt"
	"crdtviz/replicas"
	"crdtviz/ui"
)

// freshView renders the root's frame with every memo of the screen empty
// (the boxes and rows, the lane titles, the panes, the header, the status
// line, the diagrams, what a step changed), then puts the memos back, so
// that the next frames still use what was remembered.
func freshView(m *Root) string {
	boxes, memo, muted := m.boxes, m.memo, m.mutedMemo
	changesFor, changes, front := m.changesFor, m.changes, m.front
	diag := m.diag
	barFor, bar, logFor, logView := m.barFor, m.bar, m.logFor, m.logView
	m.boxes, m.memo, m.mutedMemo = ui.BoxCache{}, stateMemo{}, nil
	m.changesFor = changesKey{}
	m.diag.builds, m.diag.builtFor = nil, diagramKey{}
	m.barFor, m.logFor = barKey{}, logViewKey{}
	v := m.View().Content
	m.boxes, m.memo, m.mutedMemo = boxes, memo, muted
	m.changesFor, m.changes, m.front = changesFor, changes, front
	m.diag = diag
	m.barFor, m.bar, m.logFor, m.logView = barFor, bar, logFor, logView
	return v
}

// TestMemoizedFramesMatchFreshOnes: whatever a user does (steps back and
// forth, acts in the past, moves the focus, opens the diagram, resizes,
// changes modes and panes), the frame drawn with everything the screen
// remembers is byte for byte, escape codes included, the frame drawn from
// nothing. The memos are keyed by what they show (ticks within one
// history, clusters and their ticks, texts); a key that named too little
// would show a stale piece here.
func TestMemoizedFramesMatchFreshOnes(t *testing.T) {
	starts := []func(rt *rapid.T) Options{
		func(*rapid.T) Options { return Options{Free: free(crdt.ORSet, "Ann", "Bob", "Cy", "Di")} },
		func(*rapid.T) Options {
			return Options{Free: &replicas.Config{Type: crdt.ORSet, Names: []string{"Ann", "Bob", "Cy"}, Mode: replicas.ModeOp}}
		},
		func(*rapid.T) Options {
			return Options{Free: &replicas.Config{Type: crdt.ORSet, Names: []string{"Ann", "Bob", "Cy"}, Mode: replicas.ModeDelta}}
		},
		func(*rapid.T) Options { return Options{Free: free(crdt.Text)} },
		func(*rapid.T) Options { return Options{Free: free(crdt.LWWMap)} },
		func(*rapid.T) Options { return Options{Free: free(crdt.PNCounter)} },
		func(rt *rapid.T) Options {
			return Options{Scenario: demo(t, "cart"), ByAction: rapid.Bool().Draw(rt, "byAction")}
		},
		func(rt *rapid.T) Options {
			return Options{Scenario: demo(t, "seed"), ByAction: rapid.Bool().Draw(rt, "byAction")}
		},
		func(*rapid.T) Options { return Options{Scenario: demo(t, "causal")} },
	}
	keys := []string{"right", "left", "right", "left", "tab", "1", "3", "+", "+", "-", "S", "F", "D", "N", "d", "x", "u",
		"up", "down", "i", "{", "}", "v", "[", "]", "g", "G", "f", "A", "r", "home", "end", "s", "m", "b", "c", "2", "P", "H"}
	sizes := [][2]int{{80, 24}, {120, 36}, {200, 50}, {100, 30}}
	rapid.Check(t, func(rt *rapid.T) {
		opts := rapid.SampledFrom(starts).Draw(rt, "start")(rt)
		opts.Theme, opts.ThemeFixed = rapid.SampledFrom([]ui.Theme{ui.Dark, ui.Mono}).Draw(rt, "theme"), true
		opts.ASCII = rapid.Bool().Draw(rt, "ascii")
		size := rapid.SampledFrom(sizes).Draw(rt, "size")
		m := newRoot(t, opts, size[0], size[1])
		for i := range rapid.IntRange(1, 60).Draw(rt, "steps") {
			if rapid.IntRange(0, 15).Draw(rt, "resize?") == 0 {
				size := rapid.SampledFrom(sizes).Draw(rt, "size")
				m.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
			} else {
				m.Update(keyMsg(rapid.SampledFrom(keys).Draw(rt, "key")))
			}
			if got, want := m.View().Content, freshView(m); got != want {
				rt.Fatalf("after step %d, the memoized frame differs from a fresh one:\nmemoized:\n%s\nfresh:\n%s", i+1, got, want)
			}
		}
	})
}

// TestStateMemoMatchesDirectComputation: what the memo remembers of two
// states of a replica (the elements added and removed, the metadata parts
// changed, the parts a narration quotes) is what computing it afresh
// gives, for any two points of a history, asked in any order, with
// acting in the past (a new history) in between.
func TestStateMemoMatchesDirectComputation(t *testing.T) {
	reps := []string{"Ann", "Bob", "Cy"}
	rapid.Check(t, func(rt *rapid.T) {
		typ := rapid.SampledFrom([]crdt.Type{crdt.ORSet, crdt.LWWMap, crdt.PNCounter}).Draw(rt, "type")
		tl, err := replicas.NewTimeline(replicas.Config{Type: typ, Names: reps})
		if err != nil {
			rt.Fatal(err)
		}
		memo := stateMemo{boxes: &ui.BoxCache{}}
		gen := 0
		act := func() {
			r := rapid.SampledFrom(reps).Draw(rt, "replica")
			other := rapid.SampledFrom(reps).Draw(rt, "other")
			elem := rapid.SampledFrom([]string{"milk", "eggs", "flour"}).Draw(rt, "element")
			var a replicas.Action
			switch rapid.IntRange(0, 3).Draw(rt, "action") {
			case 0:
				a = replicas.Sync{From: r, To: other}
			case 1:
				a = replicas.Send{From: r, To: other}
			case 2:
				a = replicas.DeliverAll{}
			default:
				op := map[crdt.Type]crdt.Op{
					crdt.ORSet:     {Kind: rapid.SampledFrom([]crdt.OpKind{crdt.OpAdd, crdt.OpRemove}).Draw(rt, "kind"), Value: elem},
					crdt.LWWMap:    {Kind: crdt.OpPut, Key: elem, Value: r},
					crdt.PNCounter: {Kind: crdt.OpInc, N: 1},
				}[typ]
				a = replicas.Edit{Replica: r, Op: op}
			}
			if _, discarded, err := tl.Do(a); err == nil && discarded > 0 {
				gen++
			}
		}
		for range rapid.IntRange(1, 25).Draw(rt, "actions") {
			act()
		}
		for range rapid.IntRange(1, 30).Draw(rt, "asks") {
			if rapid.IntRange(0, 5).Draw(rt, "act in the past?") == 0 {
				_ = tl.Seek(rapid.IntRange(0, tl.Len()).Draw(rt, "seek"))
				act()
			}
			memo.within(historyID{tl, gen})
			b := rapid.IntRange(0, tl.Len()).Draw(rt, "now")
			a := rapid.IntRange(0, b).Draw(rt, "was")
			i := rapid.IntRange(0, len(reps)-1).Draw(rt, "i")
			was, now := tl.At(a).Replicas()[i], tl.At(b).Replicas()[i]
			for _, l := range replicas.Lanes {
				added, removed := crdt.Changes(was.Value(l), now.Value(l))
				if got := memo.valueChange(l, i, was, now); !slices.Equal(got.Added, added) || !slices.Equal(got.Removed, removed) {
					rt.Fatalf("%s lane of %s from %d to %d: memo %v, afresh +%v -%v", l, reps[i], a, b, got, added, removed)
				}
			}
			text := map[string]string{}
			for _, p := range was.Meta() {
				text[p.Key] = p.Text
			}
			var changed []string
			for _, p := range now.Meta() {
				if t, ok := text[p.Key]; (!ok || t != p.Text) && p.Key != "" && !slices.Contains(changed, p.Key) {
					changed = append(changed, p.Key)
				}
			}
			if got := memo.changedParts(i, was, now); !slices.Equal(got, changed) {
				rt.Fatalf("metadata of %s from %d to %d: memo changed %q, afresh %q", reps[i], a, b, got, changed)
			}
			if got, want := memo.meta(i, now), now.Meta(); !slices.Equal(got, want) {
				rt.Fatalf("metadata of %s at %d: memo %v, afresh %v", reps[i], b, got, want)
			}
			meta := now.Meta()
			narration := "nothing named"
			if len(meta) > 0 {
				narration = "see " + rapid.SampledFrom(meta).Draw(rt, "quoted").Text + " here"
			}
			var quoted []string
			for _, p := range meta {
				if names(narration, p.Text) {
					quoted = append(quoted, p.Key)
				}
			}
			if got := memo.named(i, now, narration); !slices.Equal(got, quoted) {
				rt.Fatalf("%q quotes %q of %s at %d; the memo says %q", narration, quoted, reps[i], b, got)
			}
		}
	})
}
