package class

import (
	"testing"
	"time"

	"crdtviz/crdt"
	"crdtviz/replicas"
)

// The re-check's first defect: the bound on a counter was relative to
// what each receiver held, so a payload within it for one laptop was past
// it for a laptop that was behind (across a partition, or a newcomer),
// and the class split for good. The bound is now absolute: every laptop
// accepts or refuses the same payload. These tests are the two repros.

// bigCount is far past anything an honest class reaches, and within the
// crdt package's bound: every laptop takes it.
const bigCount = 1<<20 + 1

// TestRatchetHeal: across a partition, Mallory's own signed edit claims
// Carol's counter a million past what anyone holds (so her tea is gone on
// that side, as if removed); Carol and Bob add on each side. After the
// heal, every member holds the same set.
func TestRatchetHeal(t *testing.T) {
	nodes := startClass(t, crdt.ORSet, replicas.ModeDelta, "Alice", "Bob", "Carol", "Mallory")
	alice, bob, carol, mallory := nodes[0], nodes[1], nodes[2], nodes[3]
	edit(t, carol, add("tea"))
	settle(t, nodes, "{tea}")
	if err := alice.Partition([][]string{{"Alice", "Bob"}, {"Carol", "Mallory"}}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "everyone knows of the partition", func() bool {
		return everyone(nodes, func(n *Node) bool { return len(n.Snapshot().Groups) == 2 })
	})
	malloryEdits(t, mallory, carol, wireORSetForm{Ctx: map[string]uint64{"Carol": bigCount}})
	edit(t, carol, add("jam"))
	edit(t, bob, add("milk"))
	if err := alice.Heal(); err != nil {
		t.Fatal(err)
	}
	settle(t, nodes, "{jam, milk}")
}

// TestRatchetNewcomer: Mallory moves Carol's counter a million ahead,
// twice, before Dave joins. Dave, starting from nothing, takes the same
// states everyone else took, and holds Carol's jam (her tea is gone
// everywhere: Mallory's context covers it, as a remove would).
func TestRatchetNewcomer(t *testing.T) {
	nodes := startClass(t, crdt.ORSet, replicas.ModeDelta, "Alice", "Bob", "Carol", "Mallory")
	alice, bob, carol, mallory := nodes[0], nodes[1], nodes[2], nodes[3]
	edit(t, carol, add("tea"))
	settle(t, nodes, "{tea}")
	malloryEdits(t, mallory, alice, wireORSetForm{Ctx: map[string]uint64{"Carol": 1 << 20}})
	malloryEdits(t, mallory, alice, wireORSetForm{Ctx: map[string]uint64{"Carol": 1 << 21}})
	edit(t, carol, add("jam"))
	edit(t, bob, add("milk"))
	settle(t, nodes, "{jam, milk}")
	code := alice.Snapshot().Code
	dave, err := Join(alice.Addr(), Options{Name: "Dave", Bind: "127.0.0.1:0", Key: KeyFromCode(code), Teacher: code, Timing: testTiming()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = dave.Leave() })
	settle(t, append(nodes, dave), "{jam, milk}")
}

// TestRatchetClock: the same ratchet through the Lamport clock that every
// payload carries. Mallory's signed edits carry a time 2^32 ahead, twice
// (each within a jump bound measured from the receiver's clock); Dave,
// joining later with his clock at 0, must still take everyone's payloads.
func TestRatchetClock(t *testing.T) {
	nodes := startClass(t, crdt.ORSet, replicas.ModeDelta, "Alice", "Bob", "Mallory")
	alice, bob, mallory := nodes[0], nodes[1], nodes[2]
	for i, l := range []uint64{1 << 32, 1 << 33} {
		id := writeID{Origin: "Mallory", Run: 98, Seq: uint64(i + 1)}
		inject(mallory, forge(mallory, mallory.key(), "Mallory", func(e *envelope) {
			e.Kind = kindEdit
			e.L = l
			e.Edit = &wireEdit{ID: id, Op: "add x", CRDT: encode(wireORSetForm{})}
		}))
		eventually(t, 10*time.Second, "Alice takes Mallory's time", func() bool {
			alice.mu.Lock()
			defer alice.mu.Unlock()
			return alice.st.lc >= l
		})
	}
	edit(t, bob, add("milk"))
	settle(t, nodes, "{milk}")
	code := alice.Snapshot().Code
	dave, err := Join(alice.Addr(), Options{Name: "Dave", Bind: "127.0.0.1:0", Key: KeyFromCode(code), Teacher: code, Timing: testTiming()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = dave.Leave() })
	settle(t, append(nodes, dave), "{milk}")
	edit(t, bob, add("jam"))
	settle(t, append(nodes, dave), "{jam, milk}")
}
