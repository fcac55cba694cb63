package replicas

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"crdtviz/crdt"

	"pgregory.net/rapid"
)

// The worked examples of the fair plain baseline: a plain lane forwards the
// writes its replica made, and nothing else.

func plainValues(c *Cluster) []string {
	var out []string
	for _, r := range c.Replicas() {
		out = append(out, r.ValueString(Plain))
	}
	return out
}

func TestOneWriterLosesNothing(t *testing.T) {
	empty := crdt.StringValue("")
	c, err := New(Config{Type: crdt.Text, Names: []string{"A", "B", "C"}, Initial: &empty})
	if err != nil {
		t.Fatal(err)
	}
	apply(t, c, Edit{Replica: "A", Op: crdt.Op{Kind: crdt.OpInsert, Pos: 0, Text: "Hello"}}, SyncAll{})
	if got := plainValues(c); !slices.Equal(got, []string{`"Hello"`, `"Hello"`, `"Hello"`}) {
		t.Fatalf("plain after one write and sync all: %v", got)
	}
	if st := c.Status(Plain); st.Kind != Converged || len(st.Lost) != 0 {
		t.Fatalf("plain: %s %s", st.Summary(), st.LostSummary())
	}
	apply(t, c, Edit{Replica: "A", Op: crdt.Op{Kind: crdt.OpInsert, Pos: 5, Text: " world"}}, SyncAll{})
	if got := plainValues(c); !slices.Equal(got, []string{`"Hello world"`, `"Hello world"`, `"Hello world"`}) {
		t.Fatalf("plain after the second write: %v (nobody may echo the old text)", got)
	}
	if st := c.Status(Plain); st.Kind != Converged || len(st.Lost) != 0 {
		t.Fatalf("plain: %s %s", st.Summary(), st.LostSummary())
	}
}

func TestConcurrentWritersSplitPlain(t *testing.T) {
	c, _ := New(Config{Type: crdt.LWWRegister, Names: []string{"A", "B", "C"}})
	apply(t, c,
		Edit{Replica: "A", Op: crdt.Op{Kind: crdt.OpSet, Value: "x"}},
		Edit{Replica: "B", Op: crdt.Op{Kind: crdt.OpSet, Value: "y"}},
		SyncAll{})
	if got := plainValues(c); !slices.Equal(got, []string{`"y"`, `"x"`, `"y"`}) {
		t.Fatalf("plain: %v, want A = y, B = x, C = y", got)
	}
	if st := c.Status(Plain); st.Kind != Diverged || st.Same != [2]string{"A", "B"} {
		t.Fatalf("plain: %s", st.Summary())
	}
	if st := c.Status(CRDT); st.Kind != Converged {
		t.Fatalf("crdt: %s", st.Summary())
	}
}

func TestSeedStepsFourAndFive(t *testing.T) {
	init := crdt.StringValue("Blockbuster Movie")
	s1, s2, s3 := "Server 1", "Server 2", "Server 3"
	c, _ := New(Config{Type: crdt.LWWRegister, Names: []string{s1, s2, s3}, Initial: &init})
	set := func(r, v string) Action { return Edit{Replica: r, Op: crdt.Op{Kind: crdt.OpSet, Value: v}} }
	apply(t, c, set(s1, "Updated Scene"), Sync{From: s1, ToAll: true})
	apply(t, c, set(s2, "Director's Cut"), set(s3, "Extended Edition"), SyncBoth{A: s2, B: s3})
	if got := plainValues(c); !slices.Equal(got, []string{`"Updated Scene"`, `"Extended Edition"`, `"Director's Cut"`}) {
		t.Fatalf("after the crossing: %v", got)
	}
	apply(t, c, SyncAll{})
	if got := plainValues(c); !slices.Equal(got, []string{`"Director's Cut"`, `"Extended Edition"`, `"Director's Cut"`}) {
		t.Fatalf("after sync all: %v", got)
	}
	// Split for good: nobody has a write it has not forwarded.
	apply(t, c, SyncAll{}, SyncAll{})
	if st := c.Status(Plain); st.Kind != Diverged {
		t.Fatalf("plain: %s", st.Summary())
	}
	if got := plainValues(c); !slices.Equal(got, []string{`"Director's Cut"`, `"Extended Edition"`, `"Director's Cut"`}) {
		t.Fatalf("more rounds changed plain: %v", got)
	}
}

func TestPlainDoesNotRelay(t *testing.T) {
	c, _ := New(Config{Type: crdt.GCounter, Names: []string{"A", "B", "C"}})
	apply(t, c, Cut{From: "A", To: "C", Both: true}, Edit{Replica: "A", Op: crdt.Op{Kind: crdt.OpInc, N: 3}}, SyncAll{}, SyncAll{})
	if st := c.Status(CRDT); st.Kind != Converged {
		t.Fatalf("crdt should converge through B: %s", st.Summary())
	}
	if v := c.Replica("C").Value(Plain).Int; v != 0 {
		t.Fatalf("plain C = %d: a plain lane never relays what it heard", v)
	}
	if st := c.Status(Plain); st.Kind != Pending || st.Reason() != "C hasn't seen #1" {
		t.Fatalf("plain: %s", st.Summary())
	}
	// A never sent that write on A → C, so it does once the link heals.
	apply(t, c, Heal{From: "A", To: "C", Both: true}, SyncAll{})
	if st := c.Status(Plain); st.Kind != Converged || len(st.Lost) != 0 {
		t.Fatalf("plain after heal: %s %s", st.Summary(), st.LostSummary())
	}
}

func TestMessagesRememberWhatWasDelivered(t *testing.T) {
	c, _ := New(Config{Type: crdt.PNCounter, Names: []string{"A", "B"}})
	inc := Edit{Replica: "A", Op: crdt.Op{Kind: crdt.OpInc, N: 1}}
	apply(t, c, inc, Send{From: "A", To: "B"}, Send{From: "A", To: "B"}, Duplicate{From: "A", To: "B"})
	q := c.Queue("A", "B")
	if len(q) != 3 || !q[0].CarriesPlain() || !q[1].CarriesPlain() || !q[2].CarriesPlain() {
		t.Fatalf("carries: %v %v %v (nothing delivered yet, so both sends carry the write; a duplicate copies the first)",
			q[0].CarriesPlain(), q[1].CarriesPlain(), q[2].CarriesPlain())
	}
	// A dropped message moves nothing: the next message carries the write
	// again, as a reliable transport retries.
	apply(t, c, Drop{From: "A", To: "B"}, Drop{From: "A", To: "B"}, Drop{From: "A", To: "B"}, Sync{From: "A", To: "B"})
	if v := c.Replica("B").Value(Plain).Int; v != 1 {
		t.Fatalf("plain B = %d after its carrying messages were dropped and A synced", v)
	}
	// Once delivered, the link remembers it: the next message is nothing new.
	if ev := apply(t, c, Sync{From: "A", To: "B"}); ev[0].PlainNew {
		t.Fatalf("a second sync carried the write again: %s", ev[0].Lanes[Plain].Why)
	}
	// A sync that skips a cut link takes nothing there.
	c, _ = New(Config{Type: crdt.PNCounter, Names: []string{"A", "B", "C"}})
	apply(t, c, inc, Cut{From: "A", To: "C"}, Sync{From: "A", ToAll: true}, Heal{From: "A", To: "C"}, Sync{From: "A", ToAll: true})
	if v := c.Replica("C").Value(Plain).Int; v != 1 {
		t.Fatalf("plain C = %d: the skipped link should still owe A's write", v)
	}
	// A failed action changes no counter.
	c, _ = New(Config{Type: crdt.PNCounter, Names: []string{"A", "B"}})
	apply(t, c, inc, Cut{From: "A", To: "B", Both: true})
	if _, err := c.Apply(Sync{From: "A", To: "B"}); err == nil {
		t.Fatal("sync over a cut link should fail")
	}
	apply(t, c, Heal{From: "A", To: "B", Both: true}, Sync{From: "A", To: "B"})
	if v := c.Replica("B").Value(Plain).Int; v != 1 {
		t.Fatalf("plain B = %d after a failed sync and a good one", v)
	}
}

func TestKnowsAndDeclined(t *testing.T) {
	c, _ := New(Config{Type: crdt.LWWRegister, Names: []string{"A", "B"}})
	apply(t, c, SetSkew{Replica: "A", Skew: 100},
		Edit{Replica: "A", Op: crdt.Op{Kind: crdt.OpSet, Value: "fast"}},
		Sync{From: "A", To: "B"},
		Edit{Replica: "B", Op: crdt.Op{Kind: crdt.OpSet, Value: "slow"}})
	// B's write is declined by the register (its stamp is older) and
	// applied by plain; B knows it either way.
	if got := c.Replica("B").Knows(CRDT).IDs(); !slices.Equal(got, []EditID{1, 2}) {
		t.Fatalf("B knows %v", got)
	}
	if st := c.Status(CRDT); !slices.Equal(st.Declined, []EditID{2}) || st.Tally() != "declined: 1 (#2)" {
		t.Fatalf("crdt declined %v (%q)", st.Declined, st.Tally())
	}
	if st := c.Status(Plain); len(st.Declined) != 0 {
		t.Fatalf("plain declined %v", st.Declined)
	}
	// Converged: the values are equal, whatever the replicas know.
	if st := c.Status(CRDT); st.Kind != Converged {
		t.Fatalf("crdt %s", st.Summary())
	}
	if st := c.Status(Plain); st.Kind != Pending || st.Reason() != "A hasn't seen #2" {
		t.Fatalf("plain %s", st.Summary())
	}
}

func TestPartitionCountsLinksAsShown(t *testing.T) {
	c := newCluster(t, crdt.GCounter, 4, nil)
	ev := apply(t, c, Partition{Groups: [][]string{{"R0", "R1"}, {"R2", "R3"}}})
	if want := "partition {R0, R1} | {R2, R3}: cut 4 links (both directions)"; ev[0].Text != want {
		t.Fatalf("%q, want %q", ev[0].Text, want)
	}
}

// TestThePlainLaneCanDiverge: the same generator finds, for every type, a
// history where two replicas received the same edits and hold different
// plain values; so the property above is not true by construction.
func TestThePlainLaneCanDiverge(t *testing.T) {
	for _, typ := range crdt.Types {
		found := false
		for seed := uint64(1); seed <= 2000 && !found; seed++ {
			ch := randChooser{rand.New(rand.NewPCG(seed, 7))}
			c := newCluster(t, typ, 3, nil)
			for range 60 {
				if _, err := c.Apply(randomAction(ch, c, false)); err == nil && c.Status(Plain).Kind == Diverged {
					found = true
					break
				}
			}
		}
		if !found {
			t.Errorf("%s: 2000 random histories never diverged the plain lane", typ)
		}
	}
}

// TestOneWriterPlainMatchesCRDT: with one writer, every link up and
// messages delivered in order, a plain lane that forwards its writes loses
// nothing and agrees with the CRDT lane, whoever syncs.
func TestOneWriterPlainMatchesCRDT(t *testing.T) {
	forEachType(t, func(rt *rapid.T, typ crdt.Type) {
		c := newCluster(t, typ, 3, nil)
		ch := rapidChooser{rt}
		removed := map[string]bool{}
		for range rapid.IntRange(1, 30).Draw(rt, "steps") {
			ns := c.Names()
			who := ns[ch.Intn(3, "who")]
			var a Action
			switch ch.Intn(5, "kind") {
			case 0, 1:
				op := randomOp(ch, c, c.Replica("R0"), false)
				if typ == crdt.TwoPSet && op.Kind == crdt.OpAdd && removed[op.Value] {
					continue // a 2p-set refuses this re-add by design; plain accepts it
				}
				if op.Kind == crdt.OpRemove {
					removed[op.Value] = true
				}
				a = Edit{Replica: "R0", Op: op}
			case 2:
				a = SyncAll{}
			case 3:
				a = Sync{From: who, ToAll: true}
			default:
				a = Send{From: who, ToAll: true}
			}
			if _, err := c.Apply(a); err != nil && !errors.Is(err, ErrNothingToDo) {
				rt.Fatalf("%s: %v", a, err)
			}
			apply(t, c, DeliverAll{})
		}
		apply(t, c, Sync{From: "R0", ToAll: true})
		if st := c.Status(Plain); st.Kind != Converged || len(st.Lost) != 0 {
			rt.Fatalf("plain: %s %s\n%s", st.Summary(), st.LostSummary(), c.Dump())
		}
		for _, r := range c.Replicas() {
			if !r.Value(Plain).Equal(r.Value(CRDT)) {
				rt.Fatalf("%s: plain %s, crdt %s", r.Name, r.Value(Plain), r.Value(CRDT))
			}
		}
	})
}

// TestSameValueLosesHistory: a plain overwrite with the same value can
// still lose an edit; the sentence says why.
func TestSameValueLosesHistory(t *testing.T) {
	c, _ := New(Config{Type: crdt.LWWRegister, Names: []string{"Alice", "Bob"}})
	ev := apply(t, c,
		Edit{Replica: "Alice", Op: crdt.Op{Kind: crdt.OpSet, Value: "x"}},
		Edit{Replica: "Bob", Op: crdt.Op{Kind: crdt.OpSet, Value: "x"}},
		Sync{From: "Alice", To: "Bob"})
	want := `plain: Bob's value "x" was overwritten by the same value from Alice (m1, 4 B), but it now reflects Alice's #1, not Bob's #2: edit #2 (Bob: set x) is lost`
	if got := ev[2].Lanes[Plain].Why; got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
}

// TestOrSetSaysAddWinsOnlyForAConcurrentRemove: a union of dots with no
// remove anywhere is not called "add wins".
func TestOrSetSaysAddWinsOnlyForAConcurrentRemove(t *testing.T) {
	c, _ := New(Config{Type: crdt.ORSet, Names: []string{"A", "B"}})
	ev := apply(t, c, Edit{Replica: "A", Op: crdt.Op{Kind: crdt.OpAdd, Value: "milk"}}, Sync{From: "B", To: "A"}, Sync{From: "A", To: "B"})
	for _, e := range ev {
		if strings.Contains(e.Lanes[CRDT].Why, "add wins") {
			t.Fatalf("no remove was made, yet: %s", e.Lanes[CRDT].Why)
		}
	}
	// A remove that B had seen before adding again is not concurrent.
	ev = apply(t, c, Edit{Replica: "B", Op: crdt.Op{Kind: crdt.OpRemove, Value: "milk"}}, Sync{From: "B", To: "A"},
		Edit{Replica: "A", Op: crdt.Op{Kind: crdt.OpAdd, Value: "milk"}}, Sync{From: "A", To: "B"})
	for _, e := range ev {
		if strings.Contains(e.Lanes[CRDT].Why, "add wins") {
			t.Fatalf("the add came after the remove, yet: %s", e.Lanes[CRDT].Why)
		}
	}
}

// TestNothingToDo: actions that find nothing to do change nothing, not
// even the tick, and say why.
func TestNothingToDo(t *testing.T) {
	c := newCluster(t, crdt.GCounter, 3, nil)
	for _, tc := range []struct {
		setup []Action
		a     Action
		why   string
	}{
		{nil, HealAll{}, "every link is already up"},
		{nil, Heal{From: "R0", To: "R1", Both: true}, "R0 ↔ R1: already up"},
		{[]Action{Cut{From: "R0", To: "R1"}}, Cut{From: "R0", To: "R1"}, "R0 → R1: already cut"},
		{nil, DeliverAll{}, "no message waits on a link that is up"},
		{[]Action{Partition{Groups: [][]string{{"R0"}, {"R1", "R2"}}}}, Partition{Groups: [][]string{{"R0"}, {"R1"}}}, "already cut"},
		{nil, Sync{From: "R0", ToAll: true}, "R0 cannot reach anyone"},
		{[]Action{Partition{Groups: [][]string{{"R1"}, {"R2"}}}}, SyncAll{}, "every link is cut"},
	} {
		apply(t, c, tc.setup...)
		before, tick := c.Dump(), c.Tick()
		_, err := c.Apply(tc.a)
		if !errors.Is(err, ErrNothingToDo) || !strings.Contains(err.Error(), tc.why) {
			t.Errorf("%s: err = %v, want nothing to do: %s", tc.a, err, tc.why)
		}
		if c.Dump() != before || c.Tick() != tick {
			t.Errorf("%s changed the cluster", tc.a)
		}
	}
}

// TestPlainFailsOnlyOnConcurrency is the fair baseline, checked: with one
// writer, any mix of sends, drops, in-order deliveries, cuts and heals
// ends with the plain lane converged once a message gets through (heal,
// deliver all, one sync all). The plain lane retries as a reliable
// transport does, so it loses or splits only on concurrency, reordering
// and duplicates on a link, and messages that reach a replica out of
// causal order by different paths (demos/testdata/rules/
// plain-causal-paths.demo: two writers who take turns). With one writer
// none of these can happen. A sync is taken only while nothing is in
// flight, since it would overtake a waiting message.
func TestPlainFailsOnlyOnConcurrency(t *testing.T) {
	forEachType(t, func(rt *rapid.T, typ crdt.Type) {
		mode := Modes[rapid.IntRange(0, len(Modes)-1).Draw(rt, "mode")]
		c, err := New(Config{Type: typ, Names: names(rapid.IntRange(2, 4).Draw(rt, "replicas")), Mode: mode})
		if err != nil {
			rt.Fatal(err)
		}
		ch := rapidChooser{rt}
		ns := c.Names()
		writer := ns[ch.Intn(len(ns), "writer")]
		var done []Action
		for range rapid.IntRange(1, 40).Draw(rt, "steps") {
			from, to := ns[ch.Intn(len(ns), "from")], ns[ch.Intn(len(ns), "to")]
			if ch.Intn(2, "writer sends") == 0 {
				from = writer
			}
			if q := c.InFlight(); len(q) > 0 && ch.Intn(3, "busy link") > 0 {
				m := q[ch.Intn(len(q), "message")]
				from, to = m.From, m.To
			}
			var a Action
			switch ch.Intn(9, "kind") {
			case 0, 1, 2:
				a = Edit{Replica: writer, Op: randomOp(ch, c, c.Replica(writer), false)}
			case 3:
				a = Send{From: from, To: to, ToAll: ch.Intn(2, "all") == 0}
			case 4:
				a = Drop{From: from, To: to}
			case 5:
				a = Deliver{From: from, To: to}
			case 6:
				a = Cut{From: from, To: to, Both: ch.Intn(2, "both") == 0}
			case 7:
				a = Heal{From: from, To: to, Both: ch.Intn(2, "both") == 0}
			default:
				if len(c.InFlight()) > 0 {
					continue // a sync would overtake a waiting message
				}
				a = Sync{From: from, To: to, ToAll: ch.Intn(2, "all") == 0}
			}
			if _, err := c.Apply(a); err == nil {
				done = append(done, a)
			}
		}
		for _, a := range []Action{HealAll{}, DeliverAll{}, SyncAll{}} {
			if _, err := c.Apply(a); err != nil && !errors.Is(err, ErrNothingToDo) {
				rt.Fatalf("%s: %v", a, err)
			}
			done = append(done, a)
		}
		if st := c.Status(Plain); st.Kind != Converged {
			var script []string
			for _, a := range done {
				script = append(script, a.String())
			}
			rt.Fatalf("one writer (%s), plain lane %s:\n%s\n%s", writer, st.Summary(), strings.Join(script, "\n"), c.Dump())
		}
	})
}

// TestPlainSentencesTellTheRule: the plain lane's sentences say what the
// rule does. A plain server sends only after a write of its own that the
// link has not delivered, and then it sends whatever it holds, which can
// be another replica's write, even back to the replica that wrote it. So
// no sentence says that a plain server forwards only its own writes; a
// value sent that is not the sender's own write is named as whose it is;
// "no write of its own" is never said of a replica whose edits plain
// declined; and "already received" never claims a write the receiver
// never got.
func TestPlainSentencesTellTheRule(t *testing.T) {
	all := func(evs []Event) string {
		var b strings.Builder
		for _, e := range evs {
			b.WriteString(e.Lanes[Plain].Why + "\n")
		}
		return b.String()
	}
	// lost-update, step 4: Alice holds Bob's 950 and sends it back to him.
	c, _ := New(Config{Type: crdt.PNCounter, Names: []string{"Alice", "Bob", "Carol"}, Initial: &crdt.Value{Kind: crdt.KindInt, Int: 1000}})
	evs := apply(t, c,
		Edit{Replica: "Alice", Op: crdt.Op{Kind: crdt.OpInc, N: 200}},
		Edit{Replica: "Bob", Op: crdt.Op{Kind: crdt.OpDec, N: 50}},
		Send{From: "Alice", To: "Carol"}, Send{From: "Bob", To: "Carol"}, DeliverAll{},
		Sync{From: "Bob", ToAll: true}, Sync{From: "Alice", ToAll: true})
	got := all(evs)
	for _, bad := range []string{"forwards only its own writes", "Alice's copy", "Carol had already received Alice's latest write"} {
		if strings.Contains(got, bad) {
			t.Errorf("a sentence says %q:\n%s", bad, got)
		}
	}
	for _, want := range []string{
		"Bob's value 950 was overwritten by the same value, Bob's write #2, which Alice holds (m5, 5 B): Alice sends whatever it holds while a write of its own, #1, is not yet delivered on this link",
		"Carol had already received what Alice held after its latest write, #1",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("no sentence says %q:\n%s", want, got)
		}
	}

	// Alice writes, hears Bob's write, and sends it to Carol: Carol never
	// receives Alice's #1, and the next nothing new does not claim so. The
	// first nothing new from a replica holding another's write says the
	// rule as it is.
	c, _ = New(Config{Type: crdt.LWWRegister, Names: []string{"Alice", "Bob", "Carol"}})
	evs = apply(t, c,
		Edit{Replica: "Alice", Op: crdt.Op{Kind: crdt.OpSet, Value: "a"}},
		Edit{Replica: "Bob", Op: crdt.Op{Kind: crdt.OpSet, Value: "b"}},
		Sync{From: "Bob", To: "Alice"}, Sync{From: "Alice", To: "Carol"}, Sync{From: "Alice", To: "Carol"})
	got = all(evs)
	for _, want := range []string{
		`Carol's value "" was overwritten by "b", Bob's write #2, which Alice holds (m2`,
		"Carol had already received what Alice held after its latest write, #1",
		"Alice does not pass on the value it received: a plain server sends only after a write of its own that this link has not delivered, and then it sends whatever it holds",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("no sentence says %q:\n%s", want, got)
		}
	}

	// B's only edit was declined by plain: B made a write, plain applied
	// none of it.
	c, _ = New(Config{Type: crdt.TwoPSet, Names: []string{"A", "B"}})
	evs = apply(t, c,
		Edit{Replica: "B", Op: crdt.Op{Kind: crdt.OpRemove, Value: "nothing"}},
		Edit{Replica: "A", Op: crdt.Op{Kind: crdt.OpAdd, Value: "x"}},
		Sync{From: "A", To: "B"}, Sync{From: "B", To: "A"})
	got = all(evs)
	if strings.Contains(got, "B had made no write of its own") {
		t.Errorf("B made an edit, declined:\n%s", got)
	}
	if want := "B's plain lane had applied no write of its own: it declined B's #1"; !strings.Contains(got, want) {
		t.Errorf("no sentence says %q:\n%s", want, got)
	}
}
