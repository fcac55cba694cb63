package class

import (
	"slices"
	"testing"
	"time"

	"crdtviz/crdt"
	"crdtviz/replicas"
)

// TestAskTheRoom: a question answered by three members, one of whom
// changes her answer (counted once, as her last) and one of whom answers
// for another (refused, and counted as forged): the teacher's live tally
// is right, without names, and closing sends it to every screen.
func TestAskTheRoom(t *testing.T) {
	nodes := startClass(t, crdt.GCounter, replicas.ModeDelta, "Alice", "Bob", "Carol", "Mallory")
	alice, bob, carol, mallory := nodes[0], nodes[1], nodes[2], nodes[3]
	eventually(t, 10*time.Second, "everyone sees four members", func() bool {
		return everyone(nodes, func(n *Node) bool { return len(n.Members()) == 4 })
	})
	if _, _, err := bob.Do(`ask "Will the counters agree?" choices yes | no`); err == nil {
		t.Error("a student asked the room")
	}
	if _, _, err := alice.Do(`ask "Will the counters agree?" choices yes | no | "only after a sync"`); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "every screen shows the question", func() bool {
		return everyone(nodes, func(n *Node) bool { q := n.Snapshot().Question; return q != nil && len(q.Choices) == 3 })
	})
	for _, a := range []struct {
		n      *Node
		choice int
	}{{bob, 1}, {carol, 2}, {bob, 2}} {
		if _, _, err := a.n.Do("answer " + itoa(a.choice)); err != nil {
			t.Fatal(err)
		}
	}
	if err := mallory.Answer(9); err == nil {
		t.Error("an answer past the choices was taken")
	}
	// Mallory answers as Carol, signed with her own key.
	mallory.mu.Lock()
	n := mallory.st.ctl.Question.N
	mallory.mu.Unlock()
	forgedAnswer := forge(mallory, mallory.key(), "Carol", func(e *envelope) { e.Kind, e.Answer = kindAnswer, &wireAnswer{N: n, Choice: 3} })
	mallory.later(outMsg{msg: forgedAnswer, to: "Alice"})
	forgedAt(t, alice, 1)
	eventually(t, 10*time.Second, "the teacher's live tally: no 2, and Mallory unanswered", func() bool {
		q := alice.Snapshot().Question
		return q != nil && slices.Equal(q.Tally, []int{0, 2, 0}) && q.Unanswered == 1
	})
	if bob.Snapshot().Question.Tally != nil {
		t.Error("a student sees the tally before the question is closed")
	}
	if _, _, err := alice.Do("close"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "every screen shows the tally", func() bool {
		return everyone(nodes, func(n *Node) bool {
			q := n.Snapshot().Question
			return q != nil && q.Closed && slices.Equal(q.Tally, []int{0, 2, 0}) && q.Unanswered == 1
		})
	})
	if err := carol.Answer(1); err == nil {
		t.Error("an answer after the close was taken")
	}
	var saw []string
	for _, ev := range bob.Drain() {
		if ev.Event == "question" || ev.Event == "tally" {
			saw = append(saw, ev.Event)
		}
	}
	if !slices.Equal(saw, []string{"question", "tally"}) {
		t.Errorf("Bob's question events: %v", saw)
	}
}
