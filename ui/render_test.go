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
		{replicas.Status{Kind: replicas.Diverged, Values: 2, Same: [2]string{"Server 2", "Server 3"}}, "DIVERGED ✗ Server 2 and Server 3 saw the same edits"},
	} {
		if got := StatusText(tc.st, sym); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.st, got, tc.want)
		}
	}
}
