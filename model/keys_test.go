package model

import (
	"crdtviz/crdt"
	"crdtviz/replicas"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// TestHelpDescriptionsAreShort: every help line fits a column of 38 cells,
// so that the help screen shows two columns at 80x24.
func TestHelpDescriptionsAreShort(t *testing.T) {
	for _, free := range []bool{false, true} {
		k := DefaultKeyMap()
		s := newFreeOrDemo(t, free)
		k.update(keyState{mode: ModeFree, sess: s})
		for _, g := range k.Groups() {
			for _, b := range g.Keys {
				if w := 9 + ansi.StringWidth(b.Help().Desc); w > 38 {
					t.Errorf("%q: %q is %d cells wide", b.Help().Key, b.Help().Desc, w)
				}
			}
		}
	}
}

func newFreeOrDemo(t *testing.T, free bool) *session {
	if free {
		s, err := newFreeSession(replicas.Config{Type: crdt.ORSet, Names: []string{"A", "B"}})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	return newDemoSession(demo(t, "seed"), "seed")
}
