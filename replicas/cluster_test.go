package replicas

import (
	"errors"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"

	"crdtviz/crdt"

	"pgregory.net/rapid"
)

func newCluster(t testing.TB, typ crdt.Type, n int, initial *crdt.Value) *Cluster {
	t.Helper()
	c, err := New(Config{Type: typ, Names: names(n), Initial: initial})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// apply applies actions; one that finds nothing to do is skipped, as a
// scenario file skips it.
func apply(t testing.TB, c *Cluster, actions ...Action) []Event {
	t.Helper()
	var all []Event
	for _, a := range actions {
		ev, err := c.Apply(a)
		if errors.Is(err, ErrNothingToDo) {
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", a, err)
		}
		all = append(all, ev...)
	}
	return all
}

func forEachType(t *testing.T, f func(rt *rapid.T, typ crdt.Type)) {
	for _, typ := range crdt.Types {
		t.Run(string(typ), func(t *testing.T) {
			rapid.Check(t, func(rt *rapid.T) { f(rt, typ) })
		})
	}
}

// runRandom applies a random schedule; refused actions are part of the
// test: they must leave the cluster exactly as it was.
func runRandom(rt *rapid.T, c *Cluster, steps int, ownKeys bool) {
	ch := rapidChooser{rt}
	for range rapid.IntRange(0, steps).Draw(rt, "steps") {
		a := randomAction(ch, c, ownKeys)
		before := c.Dump()
		if _, err := c.Apply(a); err != nil && c.Dump() != before {
			rt.Fatalf("%s failed (%v) but changed the cluster", a, err)
		}
		if err := c.Check(); err != nil {
			rt.Fatalf("after %s: %v", a, err)
		}
	}
}

func settle(rt *rapid.T, c *Cluster) {
	for _, a := range []Action{HealAll{}, SyncAll{}, SyncAll{}} {
		if _, err := c.Apply(a); err != nil && !errors.Is(err, ErrNothingToDo) {
			rt.Fatal(err)
		}
	}
}

func TestCRDTLaneConverges(t *testing.T) {
	forEachType(t, func(rt *rapid.T, typ crdt.Type) {
		c := newCluster(t, typ, rapid.IntRange(2, 5).Draw(rt, "replicas"), nil)
		runRandom(rt, c, 80, false)
		settle(rt, c)
		if !c.Equal(CRDT) {
			rt.Fatalf("CRDT lane not equal after heal and sync:\n%s", c.Dump())
		}
		if st := c.Status(CRDT); st.Kind != Converged {
			rt.Fatalf("status %s, want converged:\n%s", st.Summary(), c.Dump())
		}
	})
}

// TestNoEditLostInCRDTLane: the union types never lose an edit. The
// last-writer-wins collections lose only where two replicas write the same
// key (that is their rule), so for them each replica writes its own keys.
func TestNoEditLostInCRDTLane(t *testing.T) {
	for _, typ := range crdt.Types {
		if typ == crdt.LWWRegister {
			continue // one key shared by all: losing concurrent writes is the lesson
		}
		ownKeys := typ == crdt.LWWMap || typ == crdt.LWWSet
		t.Run(string(typ), func(t *testing.T) {
			rapid.Check(t, func(rt *rapid.T) {
				c := newCluster(t, typ, rapid.IntRange(2, 5).Draw(rt, "replicas"), nil)
				runRandom(rt, c, 80, ownKeys)
				if lost := c.Lost(CRDT); len(lost) > 0 {
					rt.Fatalf("lost %v:\n%s", lost, c.Dump())
				}
			})
		})
	}
}

// TestSingleWriterLanesAgree: with one writer and in-order delivery, there
// is no concurrency, and overwriting is as good as merging.
func TestSingleWriterLanesAgree(t *testing.T) {
	forEachType(t, func(rt *rapid.T, typ crdt.Type) {
		c := newCluster(t, typ, 3, nil)
		ch := rapidChooser{rt}
		removed := map[string]bool{}
		for range rapid.IntRange(1, 40).Draw(rt, "steps") {
			var a Action
			switch ch.Intn(3, "kind") {
			case 0:
				op := randomOp(ch, c, c.Replica("R0"), false)
				if typ == crdt.TwoPSet && op.Kind == crdt.OpAdd && removed[op.Value] {
					continue // a 2p-set refuses this re-add by design; plain accepts it
				}
				if op.Kind == crdt.OpRemove {
					removed[op.Value] = true
				}
				a = Edit{Replica: "R0", Op: op}
			case 1:
				a = Send{From: "R0", ToAll: true}
			default:
				a = DeliverAll{}
			}
			if _, err := c.Apply(a); err != nil && !errors.Is(err, ErrNothingToDo) {
				rt.Fatalf("%s: %v", a, err)
			}
			for _, r := range c.Replicas() {
				if p, k := r.Value(Plain), r.Value(CRDT); !p.Equal(k) {
					rt.Fatalf("after %s, %s: plain %s, crdt %s", a, r.Name, p, k)
				}
			}
		}
	})
}

// TestContrast gives, for every type, a concrete schedule where the plain
// lane diverges or loses an edit while the CRDT lane converges.
func TestContrast(t *testing.T) {
	ed := func(r string, op crdt.Op) Action { return Edit{Replica: r, Op: op} }
	set := func(v string) crdt.Op { return crdt.Op{Kind: crdt.OpSet, Value: v} }
	add := func(v string) crdt.Op { return crdt.Op{Kind: crdt.OpAdd, Value: v} }
	cases := map[crdt.Type][]Action{
		crdt.LWWRegister: {ed("R0", set("x")), ed("R1", set("y")), SyncBoth{A: "R0", B: "R1"}},
		crdt.MVRegister:  {ed("R0", set("x")), ed("R1", set("y")), SyncBoth{A: "R0", B: "R1"}},
		crdt.GCounter:    {ed("R0", crdt.Op{Kind: crdt.OpInc, N: 1}), ed("R1", crdt.Op{Kind: crdt.OpInc, N: 2}), SyncBoth{A: "R0", B: "R1"}},
		crdt.PNCounter:   {ed("R0", crdt.Op{Kind: crdt.OpInc, N: 1}), ed("R1", crdt.Op{Kind: crdt.OpDec, N: 2}), SyncBoth{A: "R0", B: "R1"}},
		crdt.GSet:        {ed("R0", add("x")), ed("R1", add("y")), SyncBoth{A: "R0", B: "R1"}},
		crdt.TwoPSet:     {ed("R0", add("x")), ed("R1", add("y")), SyncBoth{A: "R0", B: "R1"}},
		crdt.LWWSet:      {ed("R0", add("x")), ed("R1", add("y")), SyncBoth{A: "R0", B: "R1"}},
		crdt.ORSet:       {ed("R0", add("x")), ed("R1", add("y")), SyncBoth{A: "R0", B: "R1"}},
		crdt.LWWMap:      {ed("R0", crdt.Op{Kind: crdt.OpPut, Key: "k", Value: "1"}), ed("R1", crdt.Op{Kind: crdt.OpPut, Key: "j", Value: "2"}), SyncBoth{A: "R0", B: "R1"}},
		crdt.Text:        {ed("R0", crdt.Op{Kind: crdt.OpInsert, Text: "ab"}), ed("R1", crdt.Op{Kind: crdt.OpInsert, Text: "cd"}), SyncBoth{A: "R0", B: "R1"}},
	}
	for _, typ := range crdt.Types {
		t.Run(string(typ), func(t *testing.T) {
			c := newCluster(t, typ, 2, nil)
			apply(t, c, cases[typ]...)
			if c.Equal(Plain) && len(c.Lost(Plain)) == 0 {
				t.Fatalf("plain lane neither diverged nor lost an edit:\n%s", c.Dump())
			}
			if !c.Equal(CRDT) || c.Status(CRDT).Kind != Converged {
				t.Fatalf("CRDT lane did not converge:\n%s", c.Dump())
			}
		})
	}
}

func TestTimeTravelReplays(t *testing.T) {
	forEachType(t, func(rt *rapid.T, typ crdt.Type) {
		tl, err := NewTimeline(Config{Type: typ, Names: names(3)})
		if err != nil {
			rt.Fatal(err)
		}
		ch := rapidChooser{rt}
		var states []*Cluster
		states = append(states, tl.Cluster().Clone())
		for range rapid.IntRange(1, 100).Draw(rt, "steps") {
			if _, _, err := tl.Do(randomAction(ch, tl.Cluster(), false)); err == nil {
				states = append(states, tl.Cluster().Clone())
			}
		}
		for range 5 {
			n := rapid.IntRange(0, tl.Len()).Draw(rt, "seek")
			if err := tl.Seek(n); err != nil {
				rt.Fatal(err)
			}
			if !SameState(tl.Cluster(), states[n]) {
				rt.Fatalf("state at %d differs after seeking:\n%s\nwant\n%s", n, tl.Cluster().Dump(), states[n].Dump())
			}
		}
		for tl.Back() {
		}
		if !SameState(tl.Cluster(), states[0]) {
			rt.Fatal("back to the start is not the start")
		}
		for tl.Forward() {
		}
		if !SameState(tl.Cluster(), states[len(states)-1]) {
			rt.Fatal("forward to the end is not the end")
		}
	})
}

func TestBranchDiscardsTheFuture(t *testing.T) {
	tl, _ := NewTimeline(Config{Type: crdt.GCounter, Names: names(2)})
	inc := Edit{Replica: "R0", Op: crdt.Op{Kind: crdt.OpInc, N: 1}}
	for range 40 {
		if _, _, err := tl.Do(inc); err != nil {
			t.Fatal(err)
		}
	}
	if err := tl.Seek(10); err != nil {
		t.Fatal(err)
	}
	if _, _, err := tl.Do(Edit{Replica: "R0", Op: crdt.Op{Kind: crdt.OpInc, N: 7}}); err == nil {
		// Seek back to 10 had value 10; the branch adds 7.
	} else {
		t.Fatal(err)
	}
	if tl.Len() != 11 || tl.Pos() != 11 {
		t.Fatalf("len %d pos %d after branching", tl.Len(), tl.Pos())
	}
	if v := tl.Cluster().Replica("R0").Value(CRDT); v.Int != 17 {
		t.Fatalf("value %s, want 17", v)
	}
	if _, n, _ := tl.Do(inc); n != 0 {
		t.Fatalf("acting at the end discarded %d", n)
	}
	tl.Back()
	tl.Back()
	if _, n, _ := tl.Do(inc); n != 2 {
		t.Fatalf("discarded %d, want 2", n)
	}
}

func TestErrorsLeaveClusterUnchanged(t *testing.T) {
	init := crdt.StringValue("Hi")
	c := newCluster(t, crdt.Text, 3, &init)
	apply(t, c, Cut{From: "R0", To: "R1"}, Send{From: "R0", To: "R1"})
	cases := []struct {
		a    Action
		want string
	}{
		{Edit{Replica: "R9", Op: crdt.Op{Kind: crdt.OpInsert, Text: "x"}}, `unknown replica R9 (the replicas are R0, R1, R2)`},
		{Edit{Replica: "R0", Op: crdt.Op{Kind: crdt.OpAdd, Value: "x"}}, `text has no "add"`},
		{Edit{Replica: "R0", Op: crdt.Op{Kind: crdt.OpInsert, Pos: 3, Text: "x"}}, "past the end"},
		{Edit{Replica: "R0", Op: crdt.Op{Kind: crdt.OpDelete, Pos: 1, Count: 5}}, "cannot delete 5"},
		{Deliver{From: "R0", To: "R1"}, "the link R0 → R1 is cut"},
		{Deliver{From: "R1", To: "R2"}, "nothing is in flight from R1 to R2"},
		{Drop{From: "R2", To: "R0"}, "nothing is in flight"},
		{Duplicate{From: "R2", To: "R0"}, "nothing is in flight"},
		{Sync{From: "R0", To: "R1"}, "the link is cut"},
		{SyncBoth{A: "R1", B: "R0"}, "R0 → R1 is cut"},
		{Sync{From: "R0", To: "R0"}, "cannot send to itself"},
		{Cut{From: "R0", To: "nobody"}, "unknown replica nobody"},
		{Partition{Groups: [][]string{{"R0"}}}, "at least two groups"},
		{Partition{Groups: [][]string{{"R0"}, {"R0", "R1"}}}, "in two groups"},
		{Partition{Groups: [][]string{{"R0"}, {}}}, "empty"},
		{SetSkew{Replica: "zz"}, "unknown replica"},
		{nil, "no action"},
	}
	for _, tc := range cases {
		before := c.Dump()
		_, err := c.Apply(tc.a)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err = %v, want %q", tc.a, err, tc.want)
		}
		if c.Dump() != before {
			t.Errorf("%v changed the cluster", tc.a)
		}
	}
	g := newCluster(t, crdt.GCounter, 2, nil)
	if _, err := g.Apply(Edit{Replica: "R0", Op: crdt.Op{Kind: crdt.OpDec, N: 1}}); err == nil || !strings.Contains(err.Error(), "pn-counter") {
		t.Errorf("g-counter dec: %v", err)
	}
}

func TestConfigErrors(t *testing.T) {
	long := strings.Repeat("x", 25)
	for _, cfg := range []Config{
		{Type: "nope", Names: names(2)},
		{Type: crdt.GSet, Names: names(1)},
		{Type: crdt.GSet, Names: names(9)},
		{Type: crdt.GSet, Names: []string{"a", "a"}},
		{Type: crdt.GSet, Names: []string{"a", "all"}},
		{Type: crdt.GSet, Names: []string{"a", "plain"}},
		{Type: crdt.GSet, Names: []string{"a", long}},
		{Type: crdt.GSet, Names: []string{"a", " "}},
		{Type: crdt.GSet, Names: []string{"a", "b\x1b"}},
		{Type: crdt.GSet, Names: names(2), Initial: &crdt.Value{Kind: crdt.KindInt}},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("%+v: no error", cfg)
		}
	}
}

// TestBudgetStory is the budget example, event by event, with the exact
// sentences a teacher reads.
func TestBudgetStory(t *testing.T) {
	init := crdt.IntValue(1000)
	c, _ := New(Config{Type: crdt.PNCounter, Names: []string{"Alice", "Bob", "Carol"}, Initial: &init})
	apply(t, c,
		Edit{Replica: "Alice", Op: crdt.Op{Kind: crdt.OpInc, N: 200}},
		Edit{Replica: "Bob", Op: crdt.Op{Kind: crdt.OpDec, N: 50}},
		Send{From: "Alice", To: "Carol"},
		Send{From: "Bob", To: "Carol"},
	)
	if st := c.Status(CRDT); st.Kind != Pending || st.Values != 3 || st.Reason() != "Alice hasn't seen #2 · Bob hasn't seen #1 · Carol hasn't seen #1, #2" {
		t.Fatalf("before delivery the CRDT lane is %s", st.Summary())
	}
	ev := apply(t, c, Deliver{From: "Alice", To: "Carol"}, Deliver{From: "Bob", To: "Carol"})
	got := ev[1].Sentences()
	want := []string{
		"plain: Carol's value 1200 was overwritten by Bob's 950 (m2, 5 B)",
		"pn-counter: Carol merged Bob's state (m2, 19 B): max per entry P {init:1000, Alice:200} − N {Bob:50} → 1150",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("sentences:\n%q\nwant\n%q", got, want)
	}
	// Bob's server forwards its write to everyone it has not sent it to:
	// Alice's 1200 is overwritten, and no replica holds edit #1 any more.
	// Carol already has it: Bob has nothing new for her.
	ev = apply(t, c, Sync{From: "Bob", ToAll: true})
	got = []string{ev[0].Lanes[Plain].Why, ev[1].Lanes[Plain].Why}
	want = []string{
		"plain: Alice's value 1200 was overwritten by Bob's 950 (m3, 5 B): edit #1 (Alice: inc 200) is lost",
		"plain: nothing new from Bob (m4): Carol had already received what Bob held after its latest write, #2, so Carol keeps 950",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("sentences:\n%q\nwant\n%q", got, want)
	}
	// Alice's server forwards its write too: to Bob only, and what it holds
	// now is Bob's 950. Plain overwrite agrees, on the wrong number.
	apply(t, c, Sync{From: "Alice", ToAll: true})
	if st := c.Status(Plain); st.Kind != Converged || st.LostSummary() != "lost edits: 1 (#1)" || c.Replica("Carol").Value(Plain).Int != 950 {
		t.Fatalf("plain status %s %s", st.Summary(), st.LostSummary())
	}
	if st := c.Status(CRDT); st.Kind != Converged || len(st.Lost) != 0 || c.Replica("Bob").Value(CRDT).Int != 1150 {
		t.Fatalf("crdt status %s %s", st.Summary(), st.LostSummary())
	}
}

func TestDeliverAllSkipsCutLinks(t *testing.T) {
	c := newCluster(t, crdt.GCounter, 2, nil)
	apply(t, c, Edit{Replica: "R0", Op: crdt.Op{Kind: crdt.OpInc, N: 1}}, Send{From: "R0", To: "R1"}, Cut{From: "R0", To: "R1", Both: true})
	tick := c.Tick()
	if _, err := c.Apply(DeliverAll{}); !errors.Is(err, ErrNothingToDo) {
		t.Fatalf("deliver all with only a cut link waiting: %v", err)
	}
	if c.Tick() != tick {
		t.Fatal("an action with nothing to do advanced the tick")
	}
	if n := len(c.InFlight()); n != 1 {
		t.Fatalf("deliver all delivered over a cut link: %d left", n)
	}
}

func TestReorderAndDuplicate(t *testing.T) {
	c := newCluster(t, crdt.LWWRegister, 2, nil)
	set := func(v string) Action { return Edit{Replica: "R0", Op: crdt.Op{Kind: crdt.OpSet, Value: v}} }
	apply(t, c, set("old"), Send{From: "R0", To: "R1"}, set("new"), Send{From: "R0", To: "R1"},
		Deliver{From: "R0", To: "R1", Newest: true}, Deliver{From: "R0", To: "R1"})
	r1 := c.Replica("R1")
	if r1.Value(Plain).Str != "old" || r1.Value(CRDT).Str != "new" {
		t.Fatalf("after reorder: plain %s crdt %s", r1.Value(Plain), r1.Value(CRDT))
	}
	// A duplicate of an old message clobbers a later local edit in plain only.
	c = newCluster(t, crdt.PNCounter, 2, nil)
	inc := func(r string) Action { return Edit{Replica: r, Op: crdt.Op{Kind: crdt.OpInc, N: 1}} }
	ev := apply(t, c, inc("R0"), Send{From: "R0", To: "R1"}, Duplicate{From: "R0", To: "R1"},
		Deliver{From: "R0", To: "R1"}, inc("R1"), Deliver{From: "R0", To: "R1"})
	if !strings.Contains(ev[2].Text, "copy m2") {
		t.Fatalf("duplicate text %q", ev[2].Text)
	}
	r1 = c.Replica("R1")
	if r1.Value(Plain).Int != 1 || r1.Value(CRDT).Int != 2 {
		t.Fatalf("after duplicate: plain %s crdt %s", r1.Value(Plain), r1.Value(CRDT))
	}
	if lost := c.Lost(Plain); !slices.Equal(lost, []EditID{2}) {
		t.Fatalf("plain lost %v", lost)
	}
}

func TestClockSkewMakesAFastClockWin(t *testing.T) {
	c := newCluster(t, crdt.LWWRegister, 2, nil)
	ev := apply(t, c, SetSkew{Replica: "R0", Skew: 100},
		Edit{Replica: "R0", Op: crdt.Op{Kind: crdt.OpSet, Value: "fast"}},
		Edit{Replica: "R1", Op: crdt.Op{Kind: crdt.OpSet, Value: "later"}},
		SyncBoth{A: "R0", B: "R1"})
	if ev[0].Text != "R0's clock now reads tick +100: its next write at tick 2 gets stamp 102" {
		t.Fatalf("skew text %q", ev[0].Text)
	}
	if !c.Equal(CRDT) || c.Replica("R1").Value(CRDT).Str != "fast" {
		t.Fatalf("crdt: %s", c.Dump())
	}
	if lost := c.Lost(CRDT); !slices.Equal(lost, []EditID{2}) {
		t.Fatalf("lost %v, want the later write #2", lost)
	}
}

func TestORSetMergeExplainsAddWins(t *testing.T) {
	init := crdt.SetValue("milk")
	c := newCluster(t, crdt.ORSet, 2, &init)
	ev := apply(t, c,
		Edit{Replica: "R0", Op: crdt.Op{Kind: crdt.OpRemove, Value: "milk"}},
		Edit{Replica: "R1", Op: crdt.Op{Kind: crdt.OpAdd, Value: "milk"}},
		Sync{From: "R0", To: "R1"})
	if want := "or-set: R1 merged R0's state (m1, 9 B): milk stays: what arrived never saw dots {R1:1} → {milk}; add wins for milk: remove #1 and add #2 were concurrent, and a remove only drops the dots it saw"; ev[2].Lanes[CRDT].Why != want {
		t.Fatalf("got  %q\nwant %q", ev[2].Lanes[CRDT].Why, want)
	}
}

func TestMessagesShareNoMemory(t *testing.T) {
	init := crdt.SetValue("a")
	c := newCluster(t, crdt.ORSet, 2, &init)
	apply(t, c, Send{From: "R0", To: "R1"}, Edit{Replica: "R0", Op: crdt.Op{Kind: crdt.OpAdd, Value: "b"}})
	if v := c.InFlight()[0].Value(CRDT).String(); v != "{a}" {
		t.Fatalf("message changed with its sender: %s", v)
	}
	apply(t, c, DeliverAll{}, Edit{Replica: "R1", Op: crdt.Op{Kind: crdt.OpAdd, Value: "z"}})
	if v := c.Replica("R0").Value(CRDT).String(); v != "{a, b}" {
		t.Fatalf("sender changed with its receiver: %s", v)
	}
}

// BenchmarkApply100k applies 100,000 random actions to 8 replicas of an
// or-set; BenchmarkApply10k the first 10,000 of the same schedule, so the
// two can be compared for linear growth.
func BenchmarkApply100k(b *testing.B) { benchApply(b, 100_000) }
func BenchmarkApply10k(b *testing.B)  { benchApply(b, 10_000) }

func benchApply(b *testing.B, n int) {
	for b.Loop() {
		c := newCluster(b, crdt.ORSet, 8, nil)
		ch := randChooser{rand.New(rand.NewPCG(1, 2))}
		for range n {
			c.Apply(randomAction(ch, c, false))
		}
	}
}

// BenchmarkStepBack and BenchmarkStepForward move one action through a
// 10,000-action history on 8 replicas.
func BenchmarkStepBack(b *testing.B)    { benchStep(b, true) }
func BenchmarkStepForward(b *testing.B) { benchStep(b, false) }

func benchStep(b *testing.B, back bool) {
	tl, _ := NewTimeline(Config{Type: crdt.ORSet, Names: names(8)})
	ch := randChooser{rand.New(rand.NewPCG(3, 4))}
	for tl.Len() < 10_000 {
		tl.Do(randomAction(ch, tl.Cluster(), false))
	}
	i := 0
	for b.Loop() {
		// Walk over every offset from a checkpoint, the worst included.
		at := 5_000 + i%(2*CheckpointEvery)
		i++
		b.StopTimer()
		tl.Seek(at)
		b.StartTimer()
		if back {
			tl.Back()
		} else {
			tl.Forward()
		}
	}
}

// BenchmarkHistoryMemory builds a 10,000-action history on 8 replicas and
// reports the live heap it holds (checkpoints, actions, events, states).
func BenchmarkHistoryMemory(b *testing.B) {
	for b.Loop() {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		tl, _ := NewTimeline(Config{Type: crdt.ORSet, Names: names(8)})
		ch := randChooser{rand.New(rand.NewPCG(5, 6))}
		for tl.Len() < 10_000 {
			tl.Do(randomAction(ch, tl.Cluster(), false))
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "MB-live")
		runtime.KeepAlive(tl)
	}
}

// TestTextLimit: a text value is limited to 100,000 characters, with a
// clear error and the cluster unchanged.
func TestTextLimit(t *testing.T) {
	init := crdt.StringValue(strings.Repeat("a", crdt.MaxTextLen-1))
	c := newCluster(t, crdt.Text, 2, &init)
	before := c.Dump()
	_, err := c.Apply(Edit{Replica: "R0", Op: crdt.Op{Kind: crdt.OpInsert, Pos: 0, Text: "bc"}})
	if err == nil || !strings.Contains(err.Error(), "would be 100001 characters; the limit is 100000") {
		t.Fatalf("err = %v", err)
	}
	if c.Dump() != before {
		t.Fatal("a refused edit changed the cluster")
	}
	apply(t, c, Edit{Replica: "R0", Op: crdt.Op{Kind: crdt.OpInsert, Pos: 0, Text: "b"}})
	long := crdt.StringValue(strings.Repeat("a", crdt.MaxTextLen+1))
	if _, err := New(Config{Type: crdt.Text, Names: names(2), Initial: &long}); err == nil {
		t.Fatal("an initial text over the limit was accepted")
	}
}
