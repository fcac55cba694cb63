package class

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"crdtviz/crdt"
	"crdtviz/replicas"
)

// Defect 1 of the review: one signed payload, Mallory's own, with
// metadata at the largest numbers a word holds, blocked everyone else's
// edits for good. Each test has Mallory send her own signed edits whose
// deltas claim too much, then checks that everyone's edits still reach
// every screen.

// The wire forms of the crdt package, as Mallory writes them by hand.
type (
	wireORSetForm struct {
		Dots  map[string][]crdt.WireDot `cbor:"1,keyasint,omitempty"`
		Ctx   map[string]uint64         `cbor:"2,keyasint,omitempty"`
		Cloud []crdt.WireDot            `cbor:"3,keyasint,omitempty"`
	}
	wireTextOpForm struct {
		_      struct{} `cbor:",toarray"`
		C      uint32
		Site   string
		OC     uint32
		OSite  string
		Prev   uint32
		Ch     string
		Delete bool
	}
	wireRegisterForm struct {
		Val   string         `cbor:"1,keyasint"`
		Stamp crdt.WireStamp `cbor:"2,keyasint"`
	}
	wireSiblingForm struct {
		Val string            `cbor:"1,keyasint"`
		VV  map[string]uint64 `cbor:"2,keyasint"`
	}
	wireCounterForm struct {
		P map[string]uint64 `cbor:"1,keyasint,omitempty"`
		N map[string]uint64 `cbor:"2,keyasint,omitempty"`
	}
)

// malloryEdits sends Mallory's own signed edits, each carrying one of the
// deltas, and waits until the teacher has handled them all: dropped each,
// or taken it.
func malloryEdits(t *testing.T, m, teacher *Node, deltas ...any) {
	t.Helper()
	before := teacher.Snapshot().DroppedTotal()
	var ids []writeID
	for i, d := range deltas {
		id := writeID{Origin: m.opts.Name, Run: 99, Seq: uint64(i + 1)}
		ids = append(ids, id)
		inject(m, forge(m, m.key(), m.opts.Name, func(e *envelope) {
			e.Kind = kindEdit
			e.Edit = &wireEdit{ID: id, Op: "add x", CRDT: encode(d)}
		}))
	}
	eventually(t, 10*time.Second, "the teacher handles Mallory's edits", func() bool {
		teacher.mu.Lock()
		defer teacher.mu.Unlock()
		taken := 0
		for _, id := range ids {
			if teacher.st.seen[id] {
				taken++
			}
		}
		return teacher.st.snapshot().DroppedTotal()+taken >= before+len(deltas)
	})
}

// everyoneEdits has each honest member make an edit, and waits until every
// member (Mallory too) holds want.
func everyoneEdits(t *testing.T, nodes []*Node, want string, ops map[string]crdt.Op) {
	t.Helper()
	for _, n := range nodes {
		if op, ok := ops[n.opts.Name]; ok {
			edit(t, n, op)
		}
	}
	eventually(t, 15*time.Second, "every member holds "+want, func() bool { return allEqual(values(nodes, replicas.CRDT), want) })
}

// TestHugeContext: Mallory's or-set delta claims to have seen every dot
// Alice, Bob and Carol will ever make (the review's attack: every later
// add of theirs vanished), or one past the crdt package's bound, or a
// dot of someone the class never admitted: each is dropped on every
// laptop (a context within the bound is taken on every laptop alike:
// TestRatchetHeal). Carol's item stays, and every later add reaches every
// screen.
func TestHugeContext(t *testing.T) {
	nodes := startClass(t, crdt.ORSet, replicas.ModeDelta, "Alice", "Bob", "Carol", "Mallory")
	alice, carol, mallory := nodes[0], nodes[2], nodes[3]
	edit(t, carol, add("tea"))
	settle(t, nodes, "{tea}")
	all := func(n uint64) map[string]uint64 { return map[string]uint64{"Alice": n, "Bob": n, "Carol": n} }
	malloryEdits(t, mallory, alice,
		wireORSetForm{Ctx: all(math.MaxUint64)},
		wireORSetForm{Ctx: all(crdt.MaxCount + 1)},
		wireORSetForm{Dots: map[string][]crdt.WireDot{"boo": {{Replica: "Zed", N: 1}}}, Ctx: map[string]uint64{"Zed": 1}},
	)
	everyoneEdits(t, nodes, "{jam, milk, rice, tea}", map[string]crdt.Op{"Alice": add("milk"), "Bob": add("rice"), "Carol": add("jam")})
	for _, n := range nodes[:3] {
		if s := n.Snapshot(); s.Dropped == nil {
			t.Errorf("%s dropped nothing", n.opts.Name)
		}
	}
}

// TestHugeTextCounter: Mallory's character with counter 2^32−1 (the
// review's attack: everyone's next inserts wrapped to 0 and were dropped,
// and the texts stayed different for good), or one past the crdt
// package's bound. Each is dropped, and Alice's and Bob's inserts reach everyone.
func TestHugeTextCounter(t *testing.T) {
	nodes := startClass(t, crdt.Text, replicas.ModeDelta, "Alice", "Bob", "Mallory")
	alice, bob, mallory := nodes[0], nodes[1], nodes[2]
	edit(t, alice, crdt.Op{Kind: crdt.OpInsert, Pos: 0, Text: "hi"})
	settle(t, nodes, `"hi"`)
	malloryEdits(t, mallory, alice,
		[]wireTextOpForm{{C: math.MaxUint32, Site: "Mallory", Ch: "!"}},
		[]wireTextOpForm{{C: crdt.MaxTextCounter + 1, Site: "Mallory", Ch: "!"}},
	)
	edit(t, bob, crdt.Op{Kind: crdt.OpInsert, Pos: 2, Text: "!"})
	settle(t, nodes, `"hi!"`)
	edit(t, alice, crdt.Op{Kind: crdt.OpInsert, Pos: 0, Text: "X"})
	settle(t, nodes, `"Xhi!"`)
}

// TestHugeStamp: Mallory's lww-register write at the largest time (the
// review's attack: "pwned" for good, every later set lost): dropped. A
// write at 2^40 is within every laptop's bound, so every laptop takes it
// alike, and Bob's later set (a Lamport stamp past it) wins everywhere.
func TestHugeStamp(t *testing.T) {
	nodes := startClass(t, crdt.LWWRegister, replicas.ModeDelta, "Alice", "Bob", "Mallory")
	alice, bob, mallory := nodes[0], nodes[1], nodes[2]
	malloryEdits(t, mallory, alice, wireRegisterForm{Val: "pwned", Stamp: crdt.WireStamp{T: math.MaxInt64, Replica: "Mallory"}})
	edit(t, bob, crdt.Op{Kind: crdt.OpSet, Value: "ok"})
	settle(t, nodes, `"ok"`)
	malloryEdits(t, mallory, alice, wireRegisterForm{Val: "pwned", Stamp: crdt.WireStamp{T: 1 << 40, Replica: "Mallory"}})
	settle(t, nodes, `"pwned"`)
	edit(t, alice, crdt.Op{Kind: crdt.OpSet, Value: "fine"})
	settle(t, nodes, `"fine"`)
}

// TestHugeVersionVector: Mallory's mv-register sibling whose version
// vector holds Alice's and Bob's entries at the largest number (the
// review's attack: "pwned" for good): dropped. One at 2^21 is taken
// alike everywhere, and later sets (whose vectors pass it) win.
func TestHugeVersionVector(t *testing.T) {
	nodes := startClass(t, crdt.MVRegister, replicas.ModeDelta, "Alice", "Bob", "Mallory")
	alice, bob, mallory := nodes[0], nodes[1], nodes[2]
	malloryEdits(t, mallory, alice, []wireSiblingForm{{Val: "pwned", VV: map[string]uint64{"Alice": math.MaxUint64, "Bob": math.MaxUint64, "Mallory": 1}}})
	edit(t, bob, crdt.Op{Kind: crdt.OpSet, Value: "ok"})
	settle(t, nodes, `"ok"`)
	malloryEdits(t, mallory, alice, []wireSiblingForm{{Val: "pwned", VV: map[string]uint64{"Alice": 1 << 21, "Bob": 1 << 21, "Mallory": 1}}})
	settle(t, nodes, `"pwned"`)
	edit(t, alice, crdt.Op{Kind: crdt.OpSet, Value: "fine"})
	settle(t, nodes, `"fine"`)
}

// TestHugeSlot: Mallory's own g-counter slot at 2^63−4 (the review's
// attack: Bob's inc 5 was declined for good). Dropped; Bob's increment
// counts everywhere.
func TestHugeSlot(t *testing.T) {
	nodes := startClass(t, crdt.GCounter, replicas.ModeDelta, "Alice", "Bob", "Mallory")
	alice, bob, mallory := nodes[0], nodes[1], nodes[2]
	malloryEdits(t, mallory, alice,
		wireCounterForm{P: map[string]uint64{"Mallory": math.MaxInt64 - 3}},
		wireCounterForm{P: map[string]uint64{"Mallory": maxSlot + 1}},
	)
	edit(t, bob, crdt.Op{Kind: crdt.OpInc, N: 5})
	settle(t, nodes, "5")
}

// TestLocalEditAtTheBound: a replica at a bound refuses the edit that
// would pass it, and says so at the prompt (the edit's error), in both
// lanes; it never wraps.
func TestLocalEditAtTheBound(t *testing.T) {
	for _, c := range []struct {
		typ  crdt.Type
		form any
		op   crdt.Op
	}{
		{crdt.ORSet, wireORSetForm{Ctx: map[string]uint64{"Bob": crdt.MaxCount}}, add("x")},
		{crdt.MVRegister, []wireSiblingForm{{Val: "v", VV: map[string]uint64{"Bob": crdt.MaxCount}}}, crdt.Op{Kind: crdt.OpSet, Value: "w"}},
		{crdt.LWWRegister, wireRegisterForm{Val: "v", Stamp: crdt.WireStamp{T: crdt.MaxStampTime, Replica: "Alice"}}, crdt.Op{Kind: crdt.OpSet, Value: "w"}},
		{crdt.Text, []wireTextOpForm{{C: crdt.MaxTextCounter, Site: "Alice", Ch: "x"}}, crdt.Op{Kind: crdt.OpInsert, Pos: 0, Text: "y"}},
		{crdt.GCounter, wireCounterForm{P: map[string]uint64{"Bob": maxSlot}}, crdt.Op{Kind: crdt.OpInc, N: 1}},
	} {
		t.Run(string(c.typ), func(t *testing.T) {
			s := readyState(t, "Bob", c.typ, replicas.ModeDelta)
			d, err := decodeDelta(c.typ, encode(c.form))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := d.JoinInto(s.crdt); err != nil {
				t.Fatal(err)
			}
			s.crdtChanged()
			before, plain := s.crdtStr, s.plainStr
			_, _, err = s.edit(c.op)
			if err == nil || !strings.Contains(err.Error(), "largest") && !strings.Contains(err.Error(), "most") {
				t.Fatalf("got %v, want the edit refused", err)
			}
			if c.typ != crdt.GCounter && !errors.Is(err, crdt.ErrExhausted) {
				t.Errorf("%v does not wrap ErrExhausted", err)
			}
			if s.crdtStr != before || s.plainStr != plain {
				t.Errorf("the refused edit changed a lane: %s, %s", s.crdtStr, s.plainStr)
			}
		})
	}
}
