package class

import (
	"testing"
	"time"

	"crdtviz/crdt"
)

// TestForgedDeadForGood: one forged memberlist "dead" with the largest
// incarnation (Carol's refutation wraps to 0, so memberlist never takes
// her back). Her signed payloads keep arriving, so every screen shows and
// counts her alive again, within a few rejoin rounds, and keeps doing so.
func TestForgedDeadForGood(t *testing.T) {
	ips := []string{"127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"}
	nodes := startClassAt(t, crdt.ORSet, []string{"Alice", "Bob", "Carol", "Mallory"}, ips)
	alice, carol := nodes[0], nodes[2]
	others := []*Node{nodes[0], nodes[1], nodes[3]}
	key := classKey(alice)
	sendPackets(t, "127.0.0.4", mlDead(key, "Carol", "Carol", math32), addrs(nodes)...)
	eventually(t, 10*time.Second, "Alice's memberlist takes the forged dead", func() bool { return !mlListed(alice, "Carol") })
	alive := func(n *Node) bool {
		s := n.Snapshot()
		for _, m := range s.Members {
			if m.Name == "Carol" {
				return m.Counted()
			}
		}
		return false
	}
	eventually(t, 15*time.Second, "every screen shows Carol alive", func() bool {
		return everyone(others, alive)
	})
	edit(t, carol, add("tea"))
	settle(t, nodes, "{tea}")
	for range 30 { // three windows of revive (4 × Rejoin)
		time.Sleep(testTiming().Rejoin / 5)
		if !everyone(others, alive) {
			t.Fatal("Carol shown dead again while her payloads arrive")
		}
	}
	if mlListed(alice, "Carol") {
		t.Log("memberlist took Carol back by itself")
	}
}
