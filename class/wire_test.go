package class

import (
	"testing"

	"crdtviz/crdt"
	"crdtviz/replicas"
)

const testClass = "crdtviz-test"

func readyState(t testing.TB, name string, typ crdt.Type, mode replicas.Mode) *state {
	t.Helper()
	s := newState(name, testClass, 7)
	if err := s.setClass(classInfo{Type: string(typ), Mode: mode.String(), Teacher: "Alice"}); err != nil {
		t.Fatal(err)
	}
	return s
}

// seeds are real payloads of every kind, for every type.
func seeds(t testing.TB) [][]byte {
	var out [][]byte
	ops := map[crdt.Type]crdt.Op{
		crdt.LWWRegister: {Kind: crdt.OpSet, Value: "red"},
		crdt.MVRegister:  {Kind: crdt.OpSet, Value: "red"},
		crdt.GCounter:    {Kind: crdt.OpInc, N: 3},
		crdt.PNCounter:   {Kind: crdt.OpDec, N: 2},
		crdt.GSet:        {Kind: crdt.OpAdd, Value: "milk"},
		crdt.TwoPSet:     {Kind: crdt.OpAdd, Value: "milk"},
		crdt.LWWSet:      {Kind: crdt.OpAdd, Value: "milk"},
		crdt.ORSet:       {Kind: crdt.OpAdd, Value: "milk"},
		crdt.LWWMap:      {Kind: crdt.OpPut, Key: "colour", Value: "red"},
		crdt.Text:        {Kind: crdt.OpInsert, Pos: 0, Text: "hi"},
	}
	for _, typ := range crdt.Types {
		for _, mode := range []replicas.Mode{replicas.ModeState, replicas.ModeDelta} {
			s := readyState(t, "Bob", typ, mode)
			_, env, err := s.edit(ops[typ])
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, encode(env), encode(s.localState()))
			v := s.view()
			out = append(out, encode(s.envelope(kindView, func(e *envelope) { e.View = &v })))
		}
	}
	c := wireControl{Version: 3, Groups: [][]string{{"Alice"}, {"Bob"}}, Epoch: 1}
	s := readyState(t, "Alice", crdt.GCounter, replicas.ModeState)
	out = append(out, encode(s.envelope(kindControl, func(e *envelope) { e.Ctl = &c })))
	return out
}

// TestPayloadsRoundTrip: every payload a process sends is one another
// process takes.
func TestPayloadsRoundTrip(t *testing.T) {
	for i, b := range seeds(t) {
		if _, err := decodeEnvelope(b, maxStateBytes, testClass); err != nil {
			t.Errorf("seed %d: %v", i, err)
		}
	}
}

// TestBadPayloadsDropped: a payload that does not decode, is too large, or
// has the wrong version, class or type is dropped and counted.
func TestBadPayloadsDropped(t *testing.T) {
	bob := readyState(t, "Bob", crdt.ORSet, replicas.ModeDelta)
	_, env, err := bob.edit(crdt.Op{Kind: crdt.OpAdd, Value: "milk"})
	if err != nil {
		t.Fatal(err)
	}
	good := encode(env)
	wrongVersion := *env
	wrongVersion.V = 2
	counter := readyState(t, "Carol", crdt.GCounter, replicas.ModeDelta)
	_, wrongType, _ := counter.edit(crdt.Op{Kind: crdt.OpInc, N: 1})
	cases := map[string]struct {
		b    []byte
		want string
	}{
		"garbage":       {[]byte("hello"), dropUndecodable},
		"truncated":     {good[:len(good)-3], dropUndecodable},
		"too large":     {make([]byte, maxMessageBytes+1), dropTooLarge},
		"wrong version": {encode(&wrongVersion), dropVersion},
		"wrong type":    {encode(wrongType), dropType},
	}
	for name, c := range cases {
		alice := readyState(t, "Alice", crdt.ORSet, replicas.ModeDelta)
		e, err := decodeEnvelope(c.b, maxMessageBytes, testClass)
		if err == nil {
			_, _, err = alice.receive(e, "broadcast")
		}
		d, ok := err.(*dropError)
		if !ok || d.reason != c.want {
			t.Errorf("%s: got %v, want it dropped as %q", name, err, c.want)
		}
		if got := alice.crdtString(); got != "{}" {
			t.Errorf("%s: Alice's set became %s", name, got)
		}
	}
	if _, err := decodeEnvelope(good, maxMessageBytes, "crdtviz-another"); err == nil {
		t.Error("a payload of another class was taken")
	}
}

// TestPlainIsFair: the plain lane overwrites with a write it has not
// heard, and a write it has heard (a repeat, its own) is nothing new, so
// that two replicas do not swap values for ever.
func TestPlainIsFair(t *testing.T) {
	a := readyState(t, "Alice", crdt.LWWRegister, replicas.ModeState)
	b := readyState(t, "Bob", crdt.LWWRegister, replicas.ModeState)
	_, ea, _ := a.edit(crdt.Op{Kind: crdt.OpSet, Value: "red"})
	_, eb, _ := b.edit(crdt.Op{Kind: crdt.OpSet, Value: "blue"})
	// The broadcasts cross: each overwrites the other.
	if _, _, err := a.receive(eb, "broadcast"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.receive(ea, "broadcast"); err != nil {
		t.Fatal(err)
	}
	if a.plainString() != `"blue"` || b.plainString() != `"red"` {
		t.Fatalf("plain: Alice %s, Bob %s", a.plainString(), b.plainString())
	}
	// Push/pull both ways: nothing new, so the plain lane stays split,
	// as it does in a real system that overwrites; the CRDT lane agrees.
	for range 3 {
		sa, sb := a.localState(), b.localState()
		if _, _, err := a.receive(sb, "push/pull"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := b.receive(sa, "push/pull"); err != nil {
			t.Fatal(err)
		}
	}
	if a.plainString() != `"blue"` || b.plainString() != `"red"` {
		t.Errorf("plain after push/pull: Alice %s, Bob %s", a.plainString(), b.plainString())
	}
	if a.crdtString() != b.crdtString() {
		t.Errorf("CRDT after push/pull: Alice %s, Bob %s", a.crdtString(), b.crdtString())
	}
}

// FuzzPayload: no payload crashes a process, and whatever it takes leaves
// a state it can still show and send.
func FuzzPayload(f *testing.F) {
	for _, b := range seeds(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		env, err := decodeEnvelope(b, maxStateBytes, testClass)
		if err != nil {
			if _, ok := err.(*dropError); !ok {
				t.Fatalf("an error that is not a drop: %v", err)
			}
			return
		}
		for _, typ := range []crdt.Type{crdt.ORSet, crdt.Text, crdt.PNCounter, crdt.LWWMap} {
			s := readyState(t, "Zed", typ, replicas.ModeDelta)
			if _, _, err := s.receive(env, "broadcast"); err != nil {
				if _, ok := err.(*dropError); !ok {
					t.Fatalf("an error that is not a drop: %v", err)
				}
			}
			_ = s.snapshot()
			if _, err := decodeEnvelope(encode(s.localState()), maxStateBytes, testClass); err != nil {
				t.Fatalf("the state no longer sends: %v", err)
			}
		}
	})
}

// TestEditLimits: one increment is at most a million, so that the merged
// counters of a class stay far inside 64 bits; an op that does not fit
// the type is refused.
func TestEditLimits(t *testing.T) {
	s := readyState(t, "Alice", crdt.PNCounter, replicas.ModeDelta)
	if _, _, err := s.edit(crdt.Op{Kind: crdt.OpInc, N: maxEditN + 1}); err == nil {
		t.Error("an increment of more than a million was taken")
	}
	if _, _, err := s.edit(crdt.Op{Kind: crdt.OpInc, N: maxEditN}); err != nil {
		t.Error(err)
	}
	if _, _, err := s.edit(crdt.Op{Kind: crdt.OpAdd, Value: "x"}); err == nil {
		t.Error("add was taken by a counter")
	}
	if s.crdtString() != "1000000" {
		t.Errorf("the counter is %s", s.crdtString())
	}
}

// TestDropIsCounted: a node counts what it drops, and says so once per
// reason.
func TestDropIsCounted(t *testing.T) {
	n := &Node{st: readyState(t, "Alice", crdt.ORSet, replicas.ModeDelta), notify: make(chan struct{}, 1)}
	for range 3 {
		n.receive([]byte("not cbor"), maxMessageBytes, "broadcast")
	}
	snap := n.st.snapshot()
	if len(snap.Dropped) != 1 || snap.Dropped[0].N != 3 || snap.Dropped[0].Reason != dropUndecodable {
		t.Errorf("dropped: %+v", snap.Dropped)
	}
	if evs := n.Drain(); len(evs) != 1 || evs[0].Event != "dropped" {
		t.Errorf("events: %+v", evs)
	}
}

// TestMergedCounterOverflowDropped: two counter states that each fit in 64
// bits can add up past them; such a payload is dropped, and the counter
// stays as it was.
func TestMergedCounterOverflowDropped(t *testing.T) {
	big := func(slot string) crdt.CRDT {
		type counter struct {
			P map[string]uint64 `cbor:"1,keyasint,omitempty"`
		}
		st, err := decodeState(crdt.GCounter, encode(counter{P: map[string]uint64{slot: 1 << 62}}))
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	s := readyState(t, "Alice", crdt.GCounter, replicas.ModeState)
	if _, err := s.mergeCRDT(big("Bob"), "Bob", "Bob's state", "by push/pull", "push/pull"); err != nil {
		t.Fatal(err)
	}
	before := s.crdtString()
	_, err := s.mergeCRDT(big("Carol"), "Carol", "Carol's state", "by push/pull", "push/pull")
	if d, ok := err.(*dropError); !ok || d.reason != dropBadState {
		t.Fatalf("got %v, want it dropped as an invalid state", err)
	}
	if s.crdtString() != before {
		t.Errorf("the counter became %s", s.crdtString())
	}
}
