package replicas

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"crdtviz/crdt"
)

// A 100,000-character text sent to everyone again and again: the messages
// share the sender's state, but the budget counts what they would hold.
func TestHeldBudget(t *testing.T) {
	long := crdt.StringValue(strings.Repeat("x", 99_990))
	c, err := New(Config{Type: crdt.Text, Names: names(8), Initial: &long})
	if err != nil {
		t.Fatal(err)
	}
	var last error
	for i := range 1000 {
		tick, inflight := c.Tick(), len(c.InFlight())
		if _, last = c.Apply(Send{From: "R0", ToAll: true}); last != nil {
			if c.Tick() != tick || len(c.InFlight()) != inflight {
				t.Fatal("a refused send changed the cluster")
			}
			if i < 10 || i > 200 {
				t.Fatalf("refused after %d sends", i)
			}
			break
		}
	}
	if !errors.Is(last, ErrBudget) || !strings.Contains(last.Error(), "would hold more than 512 MB of replica state") {
		t.Fatalf("err = %v", last)
	}
}

// Two long texts merge into one longer than either: the limit holds after
// merges too.
func TestTextLimitHoldsAfterMerges(t *testing.T) {
	c := newCluster(t, crdt.Text, 3, nil)
	apply(t, c, Cut{From: "R0", To: "R1", Both: true},
		Edit{Replica: "R0", Op: crdt.Op{Kind: crdt.OpInsert, Text: strings.Repeat("a", 60_000)}},
		Edit{Replica: "R1", Op: crdt.Op{Kind: crdt.OpInsert, Text: strings.Repeat("b", 60_000)}},
		Heal{From: "R0", To: "R1", Both: true})
	for _, a := range []Action{Sync{From: "R0", To: "R1"}, SyncBoth{A: "R0", B: "R1"}, SyncAll{}} {
		before := c.Dump()
		_, err := c.Apply(a)
		if err == nil || !strings.Contains(err.Error(), "'s text 120000 characters; the limit is 100000") {
			t.Fatalf("%s: err = %v", a, err)
		}
		if c.Dump() != before {
			t.Fatalf("%s changed the cluster", a)
		}
	}
	// A merge of texts that share most of their characters is fine.
	apply(t, c, Sync{From: "R0", To: "R2"}, Sync{From: "R2", To: "R0"})
}

// TestWorkBudget: in every mode, a history whose work stays proportional
// to a growing set (each round adds an element and sends the set's news to
// B, whose value is rendered again to say what changed) is refused once it
// has handled the limit, with the error the CLI names the line of, and a
// refused action changes nothing. Edits, ops and joined delta-groups count
// on the way.
func TestWorkBudget(t *testing.T) {
	for _, mode := range Modes {
		c, err := New(Config{Type: crdt.ORSet, Names: names(3), Mode: mode})
		if err != nil {
			t.Fatal(err)
		}
		c.workLimit = 4 << 20
		var last error
		rounds := 0
		for ; rounds < 100_000 && last == nil; rounds++ {
			before := c.WorkBytes()
			for _, a := range []Action{Edit{Replica: "R0", Op: crdt.Op{Kind: crdt.OpAdd, Value: fmt.Sprint("e", rounds)}}, Sync{From: "R0", To: "R1"}} {
				was := c.Clone()
				if _, last = c.Apply(a); last != nil {
					if !SameState(c, was) || c.WorkBytes() != was.WorkBytes() {
						t.Fatalf("%s mode: a refused %s changed the cluster", mode, a)
					}
					break
				}
			}
			if last == nil && c.WorkBytes() <= before+editWork {
				t.Fatalf("%s mode: a round counted %d bytes of work", mode, c.WorkBytes()-before)
			}
		}
		if !errors.Is(last, ErrBudget) || !strings.Contains(last.Error(), "would handle more than 4 MB of edits, ops and deltas") {
			t.Fatalf("%s mode: after %d rounds, err = %v", mode, rounds, last)
		}
		if rounds < 50 {
			t.Fatalf("%s mode: refused after only %d rounds", mode, rounds)
		}
	}
}
