package class

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/memberlist"

	"crdtviz/crdt"
	"crdtviz/replicas"
)

// The attackers: Mallory is a student with a modified client, built from
// this package. She is admitted as herself, holds the class key, and
// sends whatever payloads she likes, signed with her own key or a fresh
// one. Every test binds and talks to 127.0.0.1 only.

// forge seals a payload as if from `from`, signed with key.
func forge(m *Node, key identity, from string, fill func(*envelope)) []byte {
	m.mu.Lock()
	env := &envelope{Class: m.st.class, From: from, Epoch: m.st.ctl.Epoch}
	m.mu.Unlock()
	fill(env)
	return seal(key, env)
}

// inject sends a payload to every other member directly and by broadcast.
func inject(m *Node, raw []byte) {
	m.mu.Lock()
	var to []*memberlist.Node
	for name, nd := range m.nodes {
		if name != m.opts.Name {
			to = append(to, nd)
		}
	}
	m.mu.Unlock()
	m.sendAll(to, raw)
	m.queue.QueueBroadcast(uniqueBroadcast(raw))
}

func (m *Node) key() identity { return m.st.me }

// settle waits until every node holds the same CRDT value, and returns it.
func settle(t *testing.T, nodes []*Node, want string) {
	t.Helper()
	eventually(t, 15*time.Second, "every member holds "+want, func() bool { return allEqual(values(nodes, replicas.CRDT), want) })
}

func forgedAt(t *testing.T, n *Node, atLeast int) {
	t.Helper()
	eventually(t, 10*time.Second, fmt.Sprintf("%s counts %d forged payloads", n.opts.Name, atLeast), func() bool {
		return n.Snapshot().Forged() >= atLeast
	})
}

// TestForgedControl: Mallory's partition, signed with her key as if from
// the teacher, or as herself, is dropped by everyone and counted; the
// teacher's own controls go on working.
func TestForgedControl(t *testing.T) {
	nodes := startClass(t, crdt.GCounter, replicas.ModeDelta, "Alice", "Bob", "Carol", "Mallory")
	alice, mallory := nodes[0], nodes[3]
	groups := [][]string{{"Alice"}, {"Bob", "Carol", "Mallory"}}
	for _, from := range []string{"Alice", "Mallory"} {
		inject(mallory, forge(mallory, mallory.key(), from, func(e *envelope) {
			e.Kind, e.Ctl = kindControl, &wireControl{Version: 5, Groups: groups}
		}))
	}
	forgedAt(t, alice, 2)
	edit(t, nodes[1], crdt.Op{Kind: crdt.OpInc, N: 1})
	settle(t, nodes, "1")
	for _, n := range nodes {
		if g := n.Snapshot().Groups; len(g) != 0 {
			t.Errorf("%s took a forged partition: %v", n.opts.Name, g)
		}
	}
	if err := alice.Partition(groups); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the teacher's partition reaches everyone", func() bool {
		for _, n := range nodes {
			if len(n.Snapshot().Groups) != 2 {
				return false
			}
		}
		return true
	})
	if err := alice.Heal(); err != nil {
		t.Fatal(err)
	}
}

// TestForgedReset: a reset forged as the teacher's wipes nothing.
func TestForgedReset(t *testing.T) {
	nodes := startClass(t, crdt.GCounter, replicas.ModeDelta, "Alice", "Bob", "Mallory")
	alice, bob, mallory := nodes[0], nodes[1], nodes[2]
	edit(t, bob, crdt.Op{Kind: crdt.OpInc, N: 7})
	settle(t, nodes, "7")
	inject(mallory, forge(mallory, mallory.key(), "Alice", func(e *envelope) {
		e.Kind, e.Ctl = kindControl, &wireControl{Version: 5, Epoch: 3}
	}))
	forgedAt(t, alice, 1)
	forgedAt(t, bob, 1)
	for _, n := range nodes {
		if s := n.Snapshot(); s.CRDT != "7" || s.Epoch != 0 {
			t.Errorf("%s after a forged reset: %s, epoch %d", n.opts.Name, s.CRDT, s.Epoch)
		}
	}
}

// TestWrappedVersion: a forged control with the largest version is
// dropped, so the teacher's next control still counts; and the teacher
// refuses to issue a version past the largest, rather than wrap to 0.
func TestWrappedVersion(t *testing.T) {
	nodes := startClass(t, crdt.GCounter, replicas.ModeDelta, "Alice", "Bob", "Mallory")
	alice, bob, mallory := nodes[0], nodes[1], nodes[2]
	inject(mallory, forge(mallory, mallory.key(), "Alice", func(e *envelope) {
		e.Kind, e.Ctl = kindControl, &wireControl{Version: math.MaxUint64, Groups: [][]string{{"Alice"}, {"Bob", "Mallory"}}}
	}))
	forgedAt(t, bob, 1)
	if err := alice.Partition([][]string{{"Alice", "Bob"}, {"Mallory"}}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "Bob takes the teacher's partition", func() bool { return len(bob.Snapshot().Groups) == 2 })
	if err := alice.Heal(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "Bob takes the teacher's heal", func() bool { return len(bob.Snapshot().Groups) == 0 })

	alice.mu.Lock()
	alice.st.ctl.Version = math.MaxUint64
	alice.mu.Unlock()
	err := alice.Partition([][]string{{"Alice"}, {"Bob"}})
	if err == nil || !strings.Contains(err.Error(), "every control version") {
		t.Fatalf("a control past the largest version: %v", err)
	}
	if err := alice.Reset(); err == nil {
		t.Fatal("a reset past the largest version was issued")
	}
}

// TestForgedOrigin: an edit Mallory signs but says Carol made (as Carol,
// or as herself relaying it) is dropped; Carol's own edits go on.
func TestForgedOrigin(t *testing.T) {
	nodes := startClass(t, crdt.ORSet, replicas.ModeDelta, "Alice", "Bob", "Carol", "Mallory")
	alice, carol, mallory := nodes[0], nodes[2], nodes[3]
	delta := func(elem string) []byte {
		st, _ := crdt.New(crdt.ORSet, nil)
		_, eff, err := crdt.Mutate(st, add(elem), crdt.Ctx{Replica: "Carol", Stamp: crdt.Stamp{T: 1, Replica: "Carol"}})
		if err != nil {
			t.Fatal(err)
		}
		return encode(crdt.WireOfDelta(eff.Delta))
	}
	for i, from := range []string{"Carol", "Mallory"} {
		inject(mallory, forge(mallory, mallory.key(), from, func(e *envelope) {
			e.Kind = kindEdit
			e.Edit = &wireEdit{ID: writeID{Origin: "Carol", Run: 9, Seq: uint64(i + 1)}, Op: "add rude", CRDT: delta("rude")}
		}))
	}
	forgedAt(t, alice, 2)
	edit(t, carol, add("tea"))
	settle(t, nodes, "{tea}")
}

// TestForgedViewSequence: a view of Carol's, numbered far ahead, forged by
// Mallory, is dropped; the boxes go on showing Carol's real views.
func TestForgedViewSequence(t *testing.T) {
	nodes := startClass(t, crdt.ORSet, replicas.ModeDelta, "Alice", "Carol", "Mallory")
	alice, carol, mallory := nodes[0], nodes[1], nodes[2]
	inject(mallory, forge(mallory, mallory.key(), "Carol", func(e *envelope) {
		e.Kind, e.View = kindView, &wireView{Seq: 1 << 40, CRDT: "{owned}", CRDTSum: checksum("{owned}")}
	}))
	forgedAt(t, alice, 1)
	edit(t, carol, add("tea"))
	eventually(t, 10*time.Second, "Alice's box for Carol shows Carol's real value", func() bool {
		for _, m := range alice.Snapshot().Members {
			if m.Name == "Carol" {
				return m.Heard && m.CRDT == "{tea}"
			}
		}
		return false
	})
}

// TestGhosts: 3,000 views from names the class never admitted, one UDP
// packet each, make no member appear on any screen; the teacher counts
// them as forged, and its screen says so.
func TestGhosts(t *testing.T) {
	nodes := startClass(t, crdt.ORSet, replicas.ModeDelta, "Alice", "Bob", "Mallory")
	alice, bob, mallory := nodes[0], nodes[1], nodes[2]
	mallory.mu.Lock()
	target := []*memberlist.Node{mallory.nodes["Alice"], mallory.nodes["Bob"]}
	mallory.mu.Unlock()
	for i := range 3000 {
		ghost := newIdentity()
		raw := forge(mallory, ghost, fmt.Sprintf("ghost%04d", i), func(e *envelope) {
			e.Kind, e.View = kindView, &wireView{Seq: 1, CRDT: "{boo}", CRDTSum: checksum("{boo}")}
		})
		for _, nd := range target {
			_ = mallory.ml.SendBestEffort(nd, raw)
		}
		if i%100 == 99 {
			time.Sleep(5 * time.Millisecond) // a pace the loopback buffers keep up with
		}
	}
	forgedAt(t, alice, 1000) // the teacher knows they are nobody; a student drops them as not admitted yet
	edit(t, bob, add("tea"))
	settle(t, nodes, "{tea}")
	for _, n := range nodes {
		if got := n.Names(); len(got) != 3 {
			t.Errorf("%s lists %d members: %v", n.opts.Name, len(got), got[:min(len(got), 5)])
		}
	}
}

// TestBloatedState: Mallory replaces her replica with a 300,000-element
// or-set (7 MB), a valid state that push/pull carries, signed by her.
// Everyone refuses it as over the cap, before decoding it, and counts it;
// an edit of Bob's still reaches every screen, and no screen waits for
// the node's lock.
func TestBloatedState(t *testing.T) {
	nodes := startClass(t, crdt.ORSet, replicas.ModeDelta, "Alice", "Bob", "Carol", "Mallory")
	alice, bob, mallory := nodes[0], nodes[1], nodes[3]
	// Her state, as its wire form: 300,000 elements, one dot each.
	type orset struct {
		Dots map[string][]crdt.WireDot `cbor:"1,keyasint,omitempty"`
		Ctx  map[string]uint64         `cbor:"2,keyasint,omitempty"`
	}
	bloat := func(n int) []byte {
		big := orset{Dots: map[string][]crdt.WireDot{}, Ctx: map[string]uint64{"Mallory": uint64(n)}}
		for i := range n {
			big.Dots[fmt.Sprintf("e%06d", i)] = []crdt.WireDot{{Replica: "Mallory", N: uint64(i + 1)}}
		}
		return encode(big)
	}
	if _, err := decodeState(crdt.ORSet, bloat(3000)); err != nil {
		t.Fatalf("the shape is not a valid state: %v", err)
	}
	n := 300_000
	if raceEnabled {
		n = 60_000 // still over the cap, in bytes and in entries
	}
	wire := bloat(n)
	mallory.mu.Lock()
	mallory.st.crdtWire = wire
	mallory.mu.Unlock()
	eventually(t, 20*time.Second, "Alice refuses Mallory's state as over the cap", func() bool {
		for _, d := range alice.Snapshot().Dropped {
			if d.Reason == dropOverCap {
				return true
			}
		}
		return false
	})
	edit(t, bob, add("tea"))
	settle(t, nodes[:3], "{tea}")
	for _, n := range nodes[:3] {
		start := time.Now()
		for range 100 {
			_ = n.Snapshot()
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("100 snapshots of %s took %v", n.opts.Name, d)
		}
	}
}

// TestLookAlikeName: a name that looks like a member's (a Cyrillic о, a
// fullwidth Ａ) is refused, naming the holder.
func TestLookAlikeName(t *testing.T) {
	nodes := startClass(t, crdt.GCounter, replicas.ModeDelta, "Alice", "Bob")
	key, code := classKey(nodes[0]), nodes[0].Snapshot().Code
	for name, holder := range map[string]string{"B\u043eb": nodes[1].Addr(), "\uff21lice": nodes[0].Addr()} {
		_, err := Join(nodes[0].Addr(), Options{Name: name, Bind: "127.0.0.1:0", Key: key, Teacher: code, Timing: testTiming()})
		if err == nil || !strings.Contains(err.Error(), "looks the same") || !strings.Contains(err.Error(), holder) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if got := nodes[0].Names(); len(got) != 2 {
		t.Errorf("the class lists %v", got)
	}
}

// TestCapRefusesMerge: two states under the cap whose union passes it: the
// merge is refused and counted, and the lane stays as it was.
func TestCapRefusesMerge(t *testing.T) {
	c := newFakeClass(t, crdt.GSet, replicas.ModeState, "Alice", "Bob", "Carol")
	a, b := c.state(t, "Alice"), c.state(t, "Bob")
	fill := func(s *state, prefix string) {
		for i := range capEntries - 10 {
			if _, err := s.crdt.Apply(add(fmt.Sprintf("%s%05d", prefix, i)), crdt.Ctx{Replica: s.name}); err != nil {
				t.Fatal(err)
			}
		}
		s.crdtChanged()
		s.entries = size(s.crdt)
	}
	fill(a, "a")
	fill(b, "b")
	before := a.crdtStr
	_, err := feed(t, a, b.localState())
	if d, ok := err.(*dropError); !ok || d.reason != dropOverCap {
		t.Fatalf("got %v, want the merge refused as over the cap", err)
	}
	if a.crdtStr != before {
		t.Error("Alice's set changed")
	}
	for range 20 {
		if _, _, err := a.edit(add(fmt.Sprintf("c%05d", a.seq))); err != nil {
			if !strings.Contains(err.Error(), "full") {
				t.Fatal(err)
			}
			return
		}
	}
	t.Error("edits went on past the cap")
}
