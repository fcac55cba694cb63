package class

import (
	"fmt"
	"testing"

	"crdtviz/crdt"
	"crdtviz/replicas"
)

const testClass = "crdtviz-test"

// fakeClass is a class without a network: a teacher key, the class's
// description, and a key and an admission per member, so that states can
// be fed each other's payloads.
type fakeClass struct {
	typ     crdt.Type
	mode    replicas.Mode
	names   []string
	ids     map[string]identity
	info    classInfo
	infoRaw []byte
	admits  [][]byte
}

func newFakeClass(t testing.TB, typ crdt.Type, mode replicas.Mode, names ...string) *fakeClass {
	t.Helper()
	c := &fakeClass{typ: typ, mode: mode, names: names, ids: map[string]identity{}}
	for _, n := range names {
		c.ids[n] = newIdentity()
	}
	teacher := c.ids[names[0]]
	c.info = classInfo{Type: string(typ), Mode: mode.String(), Teacher: names[0], TeacherKey: teacher.pub}
	c.infoRaw = seal(teacher, &envelope{Class: testClass, Kind: kindInfo, From: names[0], Info: &c.info})
	for i, n := range names {
		a := wireAdmit{Name: n, Key: c.ids[n].pub, Addr: fmt.Sprintf("127.0.0.1:%d", 7000+i), N: uint64(i + 1)}
		c.admits = append(c.admits, seal(teacher, &envelope{Class: testClass, Kind: kindAdmit, From: names[0], Admit: &a}))
	}
	return c
}

// state is a member's state, ready: it knows the class, the roster, and
// that memberlist lists every member.
func (c *fakeClass) state(t testing.TB, name string) *state {
	t.Helper()
	s := newState(name, testClass, 7, c.ids[name])
	if err := s.setClass(c.info, c.infoRaw); err != nil {
		t.Fatal(err)
	}
	for i, n := range c.names {
		if n != name {
			m := s.member(n)
			m.listed, m.addr = true, fmt.Sprintf("127.0.0.1:%d", 7000+i)
		}
		feed(t, s, c.admits[i])
	}
	s.admitted = true
	s.out = nil
	return s
}

// feed hands a state one payload, as a node does; it returns the events
// and the error (a drop).
func feed(t testing.TB, s *state, raw []byte) ([]Event, error) {
	t.Helper()
	env, seal, err := unseal(raw, maxStateBytes, s.class)
	if err != nil {
		return nil, err
	}
	return s.receive(env, seal, predecode(s.typ, env))
}

func readyState(t testing.TB, name string, typ crdt.Type, mode replicas.Mode) *state {
	t.Helper()
	return newFakeClass(t, typ, mode, "Alice", "Bob", "Carol", "Zed").state(t, name)
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
			c := newFakeClass(t, typ, mode, "Alice", "Bob")
			s := c.state(t, "Bob")
			_, edit, err := s.edit(ops[typ])
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, edit, s.localState(), s.sealView(false), c.infoRaw, c.admits[1])
		}
	}
	s := readyState(t, "Alice", crdt.GCounter, replicas.ModeState)
	_, ctl, err := s.nextControl(wireControl{Groups: [][]string{{"Alice"}, {"Bob"}}, Epoch: 1, Hold: true})
	if err != nil {
		t.Fatal(err)
	}
	s.ctl = wireControl{Version: 1}
	_, asked, err := s.nextControl(wireControl{Question: &wireQuestion{N: 1, Text: "Agree?", Choices: []string{"yes", "no"}}, Say: "Hello", SayN: 1})
	if err != nil {
		t.Fatal(err)
	}
	bob := newFakeClass(t, crdt.GCounter, replicas.ModeState, "Alice", "Bob").state(t, "Bob")
	answer := bob.seal(kindAnswer, func(e *envelope) { e.Answer = &wireAnswer{N: 1, Choice: 2, Seq: 1} })
	return append(out, ctl, asked, answer, s.ask("127.0.0.1:7001"))
}

// TestPayloadsRoundTrip: every payload a process sends is one another
// process takes.
func TestPayloadsRoundTrip(t *testing.T) {
	for i, b := range seeds(t) {
		if _, _, err := unseal(b, maxStateBytes, testClass); err != nil {
			t.Errorf("seed %d: %v", i, err)
		}
	}
}

// TestBadPayloadsDropped: a payload that does not decode, is too large, or
// has the wrong version, class or type is dropped and counted.
func TestBadPayloadsDropped(t *testing.T) {
	c := newFakeClass(t, crdt.ORSet, replicas.ModeDelta, "Alice", "Bob", "Carol")
	bob := c.state(t, "Bob")
	_, good, err := bob.edit(crdt.Op{Kind: crdt.OpAdd, Value: "milk"})
	if err != nil {
		t.Fatal(err)
	}
	var sl sealed
	_, dec := codec()
	if err := dec.Unmarshal(good, &sl); err != nil {
		t.Fatal(err)
	}
	wrongVersion := sl
	wrongVersion.V = 1
	counter := newFakeClass(t, crdt.GCounter, replicas.ModeDelta, "Alice", "Bob", "Carol")
	// A counter's edit, signed by the real Carol of this class.
	cs := counter.state(t, "Carol")
	cs.me = c.ids["Carol"]
	_, wrongType, _ := cs.edit(crdt.Op{Kind: crdt.OpInc, N: 1})
	cases := map[string]struct {
		b    []byte
		want string
	}{
		"garbage":       {[]byte("hello"), dropUndecodable},
		"truncated":     {good[:len(good)-3], dropUndecodable},
		"too large":     {make([]byte, maxMessageBytes+1), dropTooLarge},
		"wrong version": {encode(&wrongVersion), dropVersion},
		"wrong type":    {wrongType, dropType},
	}
	for name, tc := range cases {
		alice := c.state(t, "Alice")
		env, seal, err := unseal(tc.b, maxMessageBytes, testClass)
		if err == nil {
			_, err = alice.receive(env, seal, predecode(alice.typ, env))
		}
		d, ok := err.(*dropError)
		if !ok || d.reason != tc.want {
			t.Errorf("%s: got %v, want it dropped as %q", name, err, tc.want)
		}
		if got := alice.crdtStr; got != "{}" {
			t.Errorf("%s: Alice's set became %s", name, got)
		}
	}
	if _, _, err := unseal(good, maxMessageBytes, "crdtviz-another"); err == nil {
		t.Error("a payload of another class was taken")
	}
}

// TestPlainIsFair: the plain lane overwrites with a write it has not
// heard, and a write it has heard (a repeat, its own) is nothing new, so
// that two replicas do not swap values for ever.
func TestPlainIsFair(t *testing.T) {
	c := newFakeClass(t, crdt.LWWRegister, replicas.ModeState, "Alice", "Bob")
	a, b := c.state(t, "Alice"), c.state(t, "Bob")
	_, ea, _ := a.edit(crdt.Op{Kind: crdt.OpSet, Value: "red"})
	_, eb, _ := b.edit(crdt.Op{Kind: crdt.OpSet, Value: "blue"})
	// The broadcasts cross: each overwrites the other.
	if _, err := feed(t, a, eb); err != nil {
		t.Fatal(err)
	}
	if _, err := feed(t, b, ea); err != nil {
		t.Fatal(err)
	}
	if a.plainStr != `"blue"` || b.plainStr != `"red"` {
		t.Fatalf("plain: Alice %s, Bob %s", a.plainStr, b.plainStr)
	}
	// Push/pull both ways: nothing new, so the plain lane stays split,
	// as it does in a real system that overwrites; the CRDT lane agrees.
	for range 3 {
		sa, sb := a.localState(), b.localState()
		if _, err := feed(t, a, sb); err != nil {
			t.Fatal(err)
		}
		if _, err := feed(t, b, sa); err != nil {
			t.Fatal(err)
		}
	}
	if a.plainStr != `"blue"` || b.plainStr != `"red"` {
		t.Errorf("plain after push/pull: Alice %s, Bob %s", a.plainStr, b.plainStr)
	}
	if a.crdtStr != b.crdtStr {
		t.Errorf("CRDT after push/pull: Alice %s, Bob %s", a.crdtStr, b.crdtStr)
	}
}

// FuzzPayload: no payload crashes a process, and whatever it takes leaves
// a state it can still show and send.
func FuzzPayload(f *testing.F) {
	for _, b := range seeds(f) {
		f.Add(b)
	}
	fuzzStates := map[crdt.Type]*state{}
	for _, typ := range []crdt.Type{crdt.ORSet, crdt.Text, crdt.PNCounter, crdt.LWWMap} {
		fuzzStates[typ] = readyState(f, "Zed", typ, replicas.ModeDelta)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		env, seal, err := unseal(b, maxStateBytes, testClass)
		if err != nil {
			if _, ok := err.(*dropError); !ok {
				t.Fatalf("an error that is not a drop: %v", err)
			}
			return
		}
		for _, typ := range []crdt.Type{crdt.ORSet, crdt.Text, crdt.PNCounter, crdt.LWWMap} {
			s := fuzzStates[typ]
			if _, err := s.receive(env, seal, predecode(typ, env)); err != nil {
				if _, ok := err.(*dropError); !ok {
					t.Fatalf("an error that is not a drop: %v", err)
				}
			}
			_ = s.snapshot()
			if _, _, err := unseal(s.localState(), maxStateBytes, testClass); err != nil {
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
	if s.crdtStr != "1000000" {
		t.Errorf("the counter is %s", s.crdtStr)
	}
}

// TestDropIsCounted: a node counts what it drops, and says so once per
// reason.
func TestDropIsCounted(t *testing.T) {
	n := &Node{st: readyState(t, "Alice", crdt.ORSet, replicas.ModeDelta), notify: make(chan struct{}, 1), outSig: make(chan struct{}, 1)}
	for range 3 {
		n.receive([]byte("not cbor"), maxMessageBytes)
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
	if _, err := s.mergeCRDT(big("Bob"), 1, "Bob", "Bob's state", "by push/pull", "push/pull"); err != nil {
		t.Fatal(err)
	}
	before := s.crdtStr
	_, err := s.mergeCRDT(big("Carol"), 1, "Carol", "Carol's state", "by push/pull", "push/pull")
	if d, ok := err.(*dropError); !ok || d.reason != dropBadState {
		t.Fatalf("got %v, want it dropped as an invalid state", err)
	}
	if s.crdtStr != before {
		t.Errorf("the counter became %s", s.crdtStr)
	}
}

// TestSeenTravelsInState: what a member has seen travels with its state,
// gaps included, so that a member repaired by push/pull has seen what it
// holds (else the status words would wait for ever for a lost broadcast).
func TestSeenTravelsInState(t *testing.T) {
	c := newFakeClass(t, crdt.ORSet, replicas.ModeDelta, "Alice", "Bob", "Carol")
	a, b, cs := c.state(t, "Alice"), c.state(t, "Bob"), c.state(t, "Carol")
	_, _, err := a.edit(add("milk"))
	if err != nil {
		t.Fatal(err)
	}
	_, e2, err := a.edit(add("eggs"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := feed(t, b, e2); err != nil { // the first broadcast is lost
		t.Fatal(err)
	}
	if _, err := feed(t, cs, b.localState()); err != nil {
		t.Fatal(err)
	}
	bn, bs := b.seenDigest()
	cn, csum := cs.seenDigest()
	if bn != 1 || cn != bn || csum != bs {
		t.Errorf("Carol, repaired by Bob's state, has seen %d (%x); Bob %d (%x)", cn, csum, bn, bs)
	}
	for _, to := range []*state{b, cs} {
		if _, err := feed(t, to, a.localState()); err != nil {
			t.Fatal(err)
		}
	}
	an, as := a.seenDigest()
	for _, s := range []*state{b, cs} {
		if n, sum := s.seenDigest(); n != an || sum != as {
			t.Errorf("%s has seen %d (%x); Alice %d (%x)", s.name, n, sum, an, as)
		}
	}
}

// TestSeenChangeNumbersView: what a member has seen can change with no
// merge (an edit that changed no lane, seen runs learned by push/pull).
// Its view is then numbered anew, so that the others take it: before, the
// view kept its number, every other box kept the old digest, and the
// banners said EQUAL for good (review defect 5: 19 of 30 laptops after a
// kill and a restart).
func TestSeenChangeNumbersView(t *testing.T) {
	c := newFakeClass(t, crdt.ORSet, replicas.ModeDelta, "Alice", "Bob", "Carol")
	a, b, cs := c.state(t, "Alice"), c.state(t, "Bob"), c.state(t, "Carol")
	if _, err := feed(t, a, b.sealView(false)); err != nil {
		t.Fatal(err)
	}
	// An edit that changes neither lane: removing what is not there.
	_, e, err := cs.edit(crdt.Op{Kind: crdt.OpRemove, Value: "ghost"})
	if err != nil {
		t.Fatal(err)
	}
	was := b.viewSeq
	if _, err := feed(t, b, e); err != nil {
		t.Fatal(err)
	}
	// And seen runs learned by push/pull, with no merge.
	d := c.state(t, "Carol")
	d.seenN[runKey{"Carol", 99}] = 3
	if _, err := feed(t, b, d.localState()); err != nil {
		t.Fatal(err)
	}
	if b.viewSeq <= was {
		t.Fatalf("Bob's seen digest changed, and his view is still numbered %d", b.viewSeq)
	}
	if _, err := feed(t, a, b.sealView(false)); err != nil {
		t.Fatal(err)
	}
	_, sum := b.seenDigest()
	if got := a.members["Bob"].view.SeenSum; got != sum {
		t.Errorf("Alice's box for Bob says he has seen %x; he has seen %x", got, sum)
	}
}
