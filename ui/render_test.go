package ui

import (
	"slices"
	"testing"

	"crdtviz/crdt"
	"crdtviz/replicas"
)

func TestConflictMarksTheOddOnesOut(t *testing.T) {
	c, _ := replicas.New(replicas.Config{Type: crdt.GCounter, Names: []string{"A", "B", "C"}})
	inc := func(r string) {
		if _, err := c.Apply(replicas.Edit{Replica: r, Op: crdt.Op{Kind: crdt.OpInc, N: 1}}); err != nil {
			t.Fatal(err)
		}
	}
	if got := conflicts(c, replicas.CRDT); slices.Contains(got, true) {
		t.Fatalf("converged lane marked %v", got)
	}
	inc("B") // 0, 1, 0: B differs from the rest
	if got := conflicts(c, replicas.CRDT); !slices.Equal(got, []bool{false, true, false}) {
		t.Fatalf("one odd value: %v", got)
	}
	inc("C")
	inc("C") // 0, 1, 2: no two agree, so every value differs from the rest
	if got := conflicts(c, replicas.CRDT); !slices.Equal(got, []bool{true, true, true}) {
		t.Fatalf("all different: %v", got)
	}
}

func TestStatusTextNamesEveryState(t *testing.T) {
	sym := UnicodeSymbols
	for _, tc := range []struct {
		st   replicas.Status
		want string
	}{
		{replicas.Status{Kind: replicas.Converged}, "CONVERGED ✓"},
		{replicas.Status{Kind: replicas.Pending, Unseen: []replicas.Unseen{{Replica: "Carol", Edits: []replicas.EditID{2}}}}, "PENDING ⋯ Carol hasn't seen #2"},
		{replicas.Status{Kind: replicas.Pending, Unseen: []replicas.Unseen{{Replica: "Bob", Edits: []replicas.EditID{1}}, {Replica: "Carol", Edits: []replicas.EditID{1, 2, 3, 4}}}},
			"PENDING ⋯ Bob hasn't seen #1 · Carol hasn't seen #1, #2, #3, …"},
		{replicas.Status{Kind: replicas.Equal, Unseen: []replicas.Unseen{{Replica: "Bob", Edits: []replicas.EditID{1, 2}}}}, "EQUAL ⋯ Bob hasn't seen #1, #2"},
		{replicas.Status{Kind: replicas.Diverged, Values: 2, Same: [2]string{"Server 2", "Server 3"}, Seen: []replicas.EditID{1, 2, 3}}, "DIVERGED ✗ Server 2 and Server 3 each saw #1 #2 #3"},
	} {
		if got := StatusText(tc.st, sym); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.st, got, tc.want)
		}
	}
}

// TestEditsLineSaysWhatWasSeen: a box's edits line names the edits its
// value reflects and, after "saw", the others that reached it; when they
// do not fit, a comma takes the dot's place, then the word edits goes,
// then it counts them.
func TestEditsLineSaysWhatWasSeen(t *testing.T) {
	set := func(ids ...replicas.EditID) replicas.EditSet {
		var s replicas.EditSet
		for _, id := range ids {
			s = s.With(id)
		}
		return s
	}
	sym := UnicodeSymbols
	for _, tc := range []struct {
		hist, knows replicas.EditSet
		w           int
		want        string
	}{
		{set(1, 3), set(1, 3), 22, "edits #1 #3"},
		{set(1, 3), set(1, 2, 3), 22, "edits #1 #3 · saw #2"},
		{set(), set(1, 2), 22, "edits: none, saw #1 #2"},
		{set(1), set(1, 2), 16, "edits #1, saw #2"},
		{set(1), set(1, 2), 15, "#1 · saw #2"},
		{set(), set(1, 2), 26, "edits: none · saw #1 #2"},
		{set(1, 3), set(1, 2, 3, 4, 5, 6, 7), 22, "#1 #3 · saw 5 more"},
		{set(1, 3), set(1, 2, 3, 4, 5, 6, 7), 32, "edits #1 #3 · saw #2 #4 #5 #6 #7"},
	} {
		if got := editsSeenLine(tc.hist, tc.knows, tc.w, sym); got != tc.want {
			t.Errorf("%s seen %s at %d: %q, want %q", tc.hist, tc.knows, tc.w, got, tc.want)
		}
	}
}
