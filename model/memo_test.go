package model

import (
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
