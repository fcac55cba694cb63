package class

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"crdtviz/crdt"
	"crdtviz/replicas"
)

// Every test binds and talks to 127.0.0.1 only.

// testTiming is the classroom's timing with faster anti-entropy, so that
// the tests finish well inside their budget; waits poll with generous
// deadlines instead of assuming speed.
func testTiming() Timing {
	t := DefaultTiming()
	t.PushPull = 500 * time.Millisecond
	t.Rejoin = 500 * time.Millisecond
	t.Poll = 100 * time.Millisecond
	return t
}

// startClass starts a class: the teacher makes its join code, and each
// student joins with the key derived from it and the code as the teacher
// key's fingerprint (the derivation runs once, not once per student).
func startClass(t *testing.T, typ crdt.Type, mode replicas.Mode, names ...string) []*Node {
	t.Helper()
	teacher, err := Start(Options{Name: names[0], Type: typ, Mode: mode, Bind: "127.0.0.1:0", Timing: testTiming()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = teacher.Leave() })
	nodes := []*Node{teacher}
	code := teacher.Snapshot().Code
	key := KeyFromCode(code)
	for _, name := range names[1:] {
		n, err := Join(teacher.Addr(), Options{Name: name, Bind: "127.0.0.1:0", Key: key, Teacher: code, Timing: testTiming()})
		if err != nil {
			t.Fatalf("%s joining: %v", name, err)
		}
		t.Cleanup(func() { _ = n.Leave() })
		nodes = append(nodes, n)
	}
	return nodes
}

// classKey is the key students of a class use.
func classKey(n *Node) []byte { return KeyFromCode(n.Snapshot().Code) }

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", within, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func values(nodes []*Node, lane replicas.Lane) []string {
	out := make([]string, len(nodes))
	for i, n := range nodes {
		s := n.Snapshot()
		out[i] = s.CRDT
		if lane == replicas.Plain {
			out[i] = s.Plain
		}
	}
	return out
}

func allEqual(vs []string, want string) bool {
	for _, v := range vs {
		if v != want {
			return false
		}
	}
	return true
}

func edit(t *testing.T, n *Node, op crdt.Op) {
	t.Helper()
	if _, err := n.Edit(op); err != nil {
		t.Fatal(err)
	}
}

func add(e string) crdt.Op { return crdt.Op{Kind: crdt.OpAdd, Value: e} }

// TestClassStory is the classroom in one process: concurrent edits
// converge; a partition splits the class; edits on both sides; after a
// heal all three converge in the CRDT lane, while the plain lane has lost
// edits.
func TestClassStory(t *testing.T) {
	for _, mode := range []replicas.Mode{replicas.ModeDelta, replicas.ModeState} {
		t.Run(mode.String(), func(t *testing.T) {
			t.Parallel()
			nodes := startClass(t, crdt.ORSet, mode, "Alice", "Bob", "Carol")
			alice, bob, carol := nodes[0], nodes[1], nodes[2]
			eventually(t, 10*time.Second, "everyone sees three members", func() bool {
				for _, n := range nodes {
					if len(n.Members()) != 3 {
						return false
					}
				}
				return true
			})

			// 1. Concurrent edits converge.
			edit(t, alice, add("milk"))
			edit(t, bob, add("eggs"))
			edit(t, carol, add("tea"))
			eventually(t, 10*time.Second, "the CRDT lane converges on {eggs, milk, tea}", func() bool {
				return allEqual(values(nodes, replicas.CRDT), "{eggs, milk, tea}")
			})

			// 2. A partition splits them.
			if err := bob.Partition([][]string{{"Alice"}, {"Bob", "Carol"}}); err == nil {
				t.Fatal("a student partitioned the class")
			}
			if err := alice.Partition([][]string{{"Alice"}, {"Bob", "Carol"}}); err != nil {
				t.Fatal(err)
			}
			eventually(t, 10*time.Second, "every process knows of the partition", func() bool {
				for _, n := range nodes {
					if len(n.Snapshot().Groups) != 2 {
						return false
					}
				}
				return true
			})

			// 3. Edits on both sides: neither side hears the other.
			edit(t, alice, add("jam"))
			edit(t, bob, add("rice"))
			eventually(t, 10*time.Second, "Carol hears Bob across her side", func() bool {
				return carol.Snapshot().CRDT == "{eggs, milk, rice, tea}"
			})
			time.Sleep(3 * testTiming().PushPull) // several push/pull rounds: none may cross
			if got := alice.Snapshot().CRDT; got != "{eggs, jam, milk, tea}" {
				t.Fatalf("Alice, cut off, has %s", got)
			}
			if got := bob.Snapshot().CRDT; got != "{eggs, milk, rice, tea}" {
				t.Fatalf("Bob, cut off, has %s", got)
			}

			// 4. After a heal, all three converge in the CRDT lane.
			if err := alice.Heal(); err != nil {
				t.Fatal(err)
			}
			want := "{eggs, jam, milk, rice, tea}"
			eventually(t, 12*time.Second, "the CRDT lane converges on "+want, func() bool {
				return allEqual(values(nodes, replicas.CRDT), want)
			})
			eventually(t, 10*time.Second, "everyone sees three live members again", func() bool {
				for _, n := range nodes {
					if len(n.Members()) != 3 {
						return false
					}
				}
				return true
			})
			// The plain lane overwrote: no replica holds every edit.
			for _, v := range values(nodes, replicas.Plain) {
				if v == want {
					t.Errorf("the plain lane kept every edit (%s): overwrite loses concurrent edits", v)
				}
			}
			eventually(t, 10*time.Second, "every CRDT banner says CONVERGED, 3 of 3 agreeing", func() bool {
				for _, n := range nodes {
					if st := n.Snapshot().Status(replicas.CRDT); st.Word != WordConverged || st.Agree != 3 || st.Of != 3 {
						return false
					}
				}
				return true
			})
			for _, n := range nodes {
				if d := n.Snapshot().Dropped; len(d) > 0 {
					t.Errorf("%s dropped payloads in an honest class: %+v", n.opts.Name, d)
				}
			}
			// Every member has seen every edit by now: where plain values
			// still differ, the banner says DIVERGED, as the simulator's does.
			for _, n := range nodes {
				snap := n.Snapshot()
				st := snap.Status(replicas.Plain)
				agree, of := snap.Agree(replicas.Plain)
				if agree < of && st.Word != WordDiverged && st.Word != WordPending {
					t.Errorf("%s: the plain lane differs, and its banner says %s", n.opts.Name, st.Word)
				}
			}
		})
	}
}

// TestWrongKey: a process with another code (or key) cannot join, and
// says so in under 5 seconds.
func TestWrongKey(t *testing.T) {
	nodes := startClass(t, crdt.GCounter, replicas.ModeDelta, "Alice")
	start := time.Now()
	_, err := Join(nodes[0].Addr(), Options{Name: "Mallory", Bind: "127.0.0.1:0", Key: NewKey(), Timing: testTiming()})
	if err == nil {
		t.Fatal("joined with the wrong key")
	}
	if !strings.Contains(err.Error(), "does not match") {
		t.Errorf("the error does not say the key does not match: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the error took %v", d)
	}
	if got := nodes[0].Members(); len(got) != 1 {
		t.Errorf("the class has %v", got)
	}
}

// TestJoinByCode: the join code is all a student types. The key comes from
// it, and the teacher key is checked against it: a class whose teacher key
// has another code (a student posing as the teacher) is refused.
func TestJoinByCode(t *testing.T) {
	nodes := startClass(t, crdt.GCounter, replicas.ModeDelta, "Alice")
	code := nodes[0].Snapshot().Code
	if !strings.Contains(nodes[0].JoinLine(), nodes[0].Addr()+" "+code) {
		t.Errorf("the join line %q does not give the code", nodes[0].JoinLine())
	}
	typed := strings.ToLower(strings.ReplaceAll(code, "-", ""))
	bob, err := Join(nodes[0].Addr(), Options{Name: "Bob", Bind: "127.0.0.1:0", Code: typed, Timing: testTiming()})
	if err != nil {
		t.Fatal(err)
	}
	defer bob.Leave()
	if got := bob.Snapshot(); got.Teacher != "Alice" || got.Code != code {
		t.Errorf("Bob joined %q with code %q", got.Teacher, got.Code)
	}
	// The right class key, but a teacher key that does not match the code
	// the student was given.
	other := Fingerprint(newIdentity().pub)
	_, err = Join(nodes[0].Addr(), Options{Name: "Carol", Bind: "127.0.0.1:0", Key: classKey(nodes[0]), Teacher: other, Timing: testTiming()})
	if err == nil || !strings.Contains(err.Error(), "not the one the code names") {
		t.Errorf("a teacher key that does not match the code: %v", err)
	}
}

// TestDuplicateName: a second member with a name already in the class, or
// one that looks the same, is refused, and the error names the holder's
// address; two Bobs joining at once never both get in.
func TestDuplicateName(t *testing.T) {
	nodes := startClass(t, crdt.GCounter, replicas.ModeDelta, "Alice", "Bob")
	key, code := classKey(nodes[0]), nodes[0].Snapshot().Code
	for _, name := range []string{"Bob", "Alice", "B\u043eb"} {
		_, err := Join(nodes[0].Addr(), Options{Name: name, Bind: "127.0.0.1:0", Key: key, Teacher: code, Timing: testTiming()})
		holder := nodes[1].Addr()
		if name == "Alice" {
			holder = nodes[0].Addr()
		}
		if err == nil || !errors.Is(err, ErrNameTaken) || !strings.Contains(err.Error(), holder) {
			t.Errorf("a second %s: %v (want the holder's address %s)", name, err, holder)
		}
	}
	t.Run("concurrent", func(t *testing.T) { concurrentBobs(t, nodes[0], key, code, 0) })
}

// concurrentBobs joins two Bobs at once, from two laptops (127.0.3.x,
// numbered by round): exactly one is admitted, and the teacher lists one
// Bob, at the admitted one's address.
func concurrentBobs(t *testing.T, teacher *Node, key []byte, code string, round int) {
	name := fmt.Sprintf("Bob%d", rand.IntN(1_000_000))
	var wg sync.WaitGroup
	var ok []*Node
	var errs []error
	var mu sync.Mutex
	for i := range 2 {
		wg.Go(func() {
			bind := fmt.Sprintf("127.0.3.%d:0", 2*round+i+1)
			n, err := Join(teacher.Addr(), Options{Name: name, Bind: bind, Key: key, Teacher: code, Timing: testTiming()})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			ok = append(ok, n)
		})
	}
	wg.Wait()
	for _, n := range ok {
		defer n.Leave()
	}
	if len(ok) != 1 || len(errs) != 1 || !errors.Is(errs[0], ErrNameTaken) {
		t.Fatalf("two %ss at once: %d admitted, errors %v", name, len(ok), errs)
	}
	eventually(t, 10*time.Second, "the teacher lists the one "+name, func() bool {
		for _, m := range teacher.Snapshot().Members {
			if m.Name == name {
				return m.Addr == ok[0].Addr()
			}
		}
		return false
	})
}

// TestDuplicateNameRace: two Bobs join at once, 50 times: never both.
func TestDuplicateNameRace(t *testing.T) {
	if testing.Short() {
		t.Skip("50 rounds of joins")
	}
	nodes := startClass(t, crdt.GCounter, replicas.ModeDelta, "Alice")
	key, code := classKey(nodes[0]), nodes[0].Snapshot().Code
	for i := range 50 {
		t.Run(fmt.Sprint(i), func(t *testing.T) { concurrentBobs(t, nodes[0], key, code, i) })
	}
}

// TestNoKeyOffLoopback: a process refuses to listen beyond loopback
// without a key or a join code. (It binds nothing: the check comes
// first.)
func TestNoKeyOffLoopback(t *testing.T) {
	_, err := newNode(Options{Name: "Alice", Bind: "0.0.0.0:0"}, newIdentity())
	if err == nil || !strings.Contains(err.Error(), "without a key") {
		t.Fatalf("got %v", err)
	}
}

// TestReset: only the teacher resets, and a reset reaches every member.
func TestReset(t *testing.T) {
	nodes := startClass(t, crdt.GCounter, replicas.ModeState, "Alice", "Bob")
	if err := nodes[1].Reset(); err == nil || !strings.Contains(err.Error(), "only the teacher") {
		t.Errorf("Bob resetting: %v", err)
	}
	edit(t, nodes[1], crdt.Op{Kind: crdt.OpInc, N: 2})
	eventually(t, 10*time.Second, "Alice hears Bob", func() bool { return nodes[0].Snapshot().CRDT == "2" })
	if err := nodes[0].Reset(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the reset reaches Bob", func() bool { return nodes[1].Snapshot().CRDT == "0" })
}

// TestEventsInOrder (review defect 11): a member's events carry its value
// as each left it, in the order they happened: in an or-set of adds only,
// no event's value lacks an element an earlier event's value held (an edit
// event emitted after the lock was released could follow a merge that had
// seen a later value). Three members add at once, as fast as they can.
func TestEventsInOrder(t *testing.T) {
	nodes := startClass(t, crdt.ORSet, replicas.ModeDelta, "Alice", "Bob", "Carol")
	eventually(t, 10*time.Second, "everyone sees three members", func() bool {
		return everyone(nodes, func(n *Node) bool { return len(n.Members()) == 3 })
	})
	for _, n := range nodes {
		n.Drain()
	}
	var wg sync.WaitGroup
	for _, n := range nodes {
		wg.Go(func() {
			for i := range 150 {
				if _, err := n.Edit(add(fmt.Sprintf("%s%03d", n.opts.Name[:1], i))); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	eventually(t, 20*time.Second, "every member holds the 450 elements", func() bool {
		return everyone(nodes, func(n *Node) bool { return strings.Count(n.Snapshot().CRDT, ",") == 449 })
	})
	for _, n := range nodes {
		var last []string
		for _, ev := range n.Drain() {
			if ev.Event != "edit" && ev.Event != "merge" {
				continue
			}
			set := strings.Split(strings.Trim(ev.CRDT, "{}"), ", ") // elements are bare words: A007
			for _, e := range last {
				if !slices.Contains(set, e) {
					t.Fatalf("%s: an %s event's value %s lacks %s, which an earlier event's value held", n.opts.Name, ev.Event, crdt.Brief(ev.CRDT), e)
				}
			}
			last = set
		}
	}
}

// TestViewsReachEveryone: a member's view reaches every other member by
// itself, not only through the others' push/pull states: with push/pull
// every 20 s, an edit in a class of 12 has every banner saying CONVERGED
// within 10 s. (Gossip sends a broadcast 6 times in a class of 12, and no
// one passes a view on: the banners waited for push/pull, 5 to 7 s after
// a heal in a class of 30 with push/pull every 2 s.)
func TestViewsReachEveryone(t *testing.T) {
	tm := testTiming()
	tm.PushPull = 20 * time.Second
	nodes := room(t, 12, crdt.ORSet, tm)
	waitFor(t, 90*time.Second, "everyone sees 12 members", func() bool {
		return everyone(nodes, func(n *Node) bool { return len(n.Members()) == 12 })
	})
	waitFor(t, 30*time.Second, "every banner says CONVERGED", func() bool {
		return everyone(nodes, func(n *Node) bool { return n.Snapshot().Status(replicas.CRDT).Word == WordConverged })
	})
	for i, n := range []*Node{nodes[5], nodes[11]} {
		edit(t, n, add(fmt.Sprint("tea", i)))
		// Well under PushPull (20 s): only the views sent directly can do it.
		waitFor(t, 15*time.Second, "every banner says CONVERGED after the edit", func() bool {
			return everyone(nodes, func(n *Node) bool {
				s := n.Snapshot()
				return strings.Contains(s.CRDT, fmt.Sprint("tea", i)) && s.Status(replicas.CRDT).Word == WordConverged
			})
		})
	}
}
