package replicas

import (
	"fmt"
	"strings"
	"testing"

	"crdtviz/crdt"

	"pgregory.net/rapid"
)

// TestOpOrderDoesNotMatter: with causal delivery and dedup, the same ops
// delivered in any order (and some twice) give one value.
func TestOpOrderDoesNotMatter(t *testing.T) {
	for _, typ := range crdt.Types {
		t.Run(string(typ), func(t *testing.T) {
			rapid.Check(t, func(rt *rapid.T) {
				ns := names(3)
				ch := rapidChooser{rt}
				var values []string
				// Two clusters get the same edits and sends toward R2,
				// then deliver to R2 in different orders.
				var plan []Action
				probe, _ := New(Config{Type: typ, Names: ns, Mode: ModeOp})
				for range rapid.IntRange(1, 10).Draw(rt, "n") {
					r := ns[ch.Intn(2, "who")]
					op := randomOp(ch, probe, probe.Replica(r), false)
					if _, err := probe.Apply(Edit{Replica: r, Op: op}); err != nil {
						continue
					}
					plan = append(plan, Edit{Replica: r, Op: op})
					if ch.Intn(2, "send") == 0 {
						plan = append(plan, Send{From: r, To: "R2"})
						probe.Apply(Send{From: r, To: "R2"})
					}
				}
				plan = append(plan, Send{From: "R0", To: "R2"}, Send{From: "R1", To: "R2"})
				for trial := range 2 {
					c, _ := New(Config{Type: typ, Names: ns, Mode: ModeOp})
					for _, a := range plan {
						if _, err := c.Apply(a); err != nil {
							rt.Fatalf("%s: %v", a, err)
						}
					}
					for len(c.InFlight()) > 0 {
						ms := c.InFlight()
						m := ms[ch.Intn(len(ms), fmt.Sprintf("pick%d", trial))]
						q := c.Queue(m.From, m.To)
						if ch.Intn(4, "dup") == 0 {
							c.Apply(Duplicate{From: m.From, To: m.To})
						}
						c.Apply(Deliver{From: m.From, To: m.To, Newest: m.ID == q[len(q)-1].ID && m.ID != q[0].ID})
					}
					if c.Waiting() != 0 {
						rt.Fatalf("ops still wait after everything arrived: %v", c.Replica("R2").Waiting())
					}
					values = append(values, c.Replica("R2").ValueString(CRDT))
				}
				if values[0] != values[1] {
					rt.Fatalf("two delivery orders give %s and %s", values[0], values[1])
				}
			})
		})
	}
}

func modeCluster(t *testing.T, typ crdt.Type, cfg Config, names ...string) *Cluster {
	t.Helper()
	cfg.Type, cfg.Names = typ, names
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func orAdd(r, e string) Edit    { return Edit{Replica: r, Op: crdt.Op{Kind: crdt.OpAdd, Value: e}} }
func orRemove(r, e string) Edit { return Edit{Replica: r, Op: crdt.Op{Kind: crdt.OpRemove, Value: e}} }

// The causal anomaly: Alice adds milk, then removes it; the two ops reach
// Bob in reverse order.
func TestCausalDelivery(t *testing.T) {
	play := func(cfg Config) *Cluster {
		c := modeCluster(t, crdt.ORSet, cfg, "Alice", "Bob")
		apply(t, c, orAdd("Alice", "milk"), Send{From: "Alice", To: "Bob"}, orRemove("Alice", "milk"), Send{From: "Alice", To: "Bob"},
			Deliver{From: "Alice", To: "Bob", Newest: true})
		return c
	}
	// delivery causal: the remove waits for the add.
	c := play(Config{Mode: ModeOp})
	if c.Waiting() != 1 || strings.Join(c.Replica("Bob").Waiting(), "") != "Alice2 (needs Alice1)" {
		t.Fatalf("waiting: %d %v", c.Waiting(), c.Replica("Bob").Waiting())
	}
	ev := apply(t, c, Deliver{From: "Alice", To: "Bob"})
	if c.Waiting() != 0 || c.Replica("Bob").ValueString(CRDT) != "{}" || c.Status(CRDT).Kind != Converged {
		t.Fatalf("after the add arrives: %s, %s", c.Replica("Bob").ValueString(CRDT), c.Status(CRDT).Summary())
	}
	if why := ev[0].Lanes[CRDT].Why; !strings.Contains(why, "applied Alice1 add milk") || !strings.Contains(why, "applied Alice2 remove milk") {
		t.Fatalf("sentence: %s", why)
	}
	// delivery any: the remove removes nothing, the add brings milk back.
	c = play(Config{Mode: ModeOp, AnyOrder: true})
	apply(t, c, Deliver{From: "Alice", To: "Bob"})
	if c.Replica("Bob").ValueString(CRDT) != "{milk}" || c.Replica("Alice").ValueString(CRDT) != "{}" {
		t.Fatalf("any order: Alice %s, Bob %s", c.Replica("Alice").ValueString(CRDT), c.Replica("Bob").ValueString(CRDT))
	}
	if st := c.Status(CRDT); st.Kind != Diverged {
		t.Fatalf("any order: %s", st.Summary())
	}
}

// dedup off: a duplicated increment counts twice, and the lane diverges.
func TestDedupOffCountsTwice(t *testing.T) {
	inc := Edit{Replica: "Shop", Op: crdt.Op{Kind: crdt.OpInc, N: 1}}
	for _, tc := range []struct {
		cfg  Config
		want string
		kind StatusKind
	}{{Config{Mode: ModeOp}, "1", Converged}, {Config{Mode: ModeOp, NoDedup: true}, "2", Diverged}, {Config{}, "1", Converged}} {
		c := modeCluster(t, crdt.GCounter, tc.cfg, "Shop", "Warehouse")
		ev := apply(t, c, inc, Send{From: "Shop", To: "Warehouse"}, Duplicate{From: "Shop", To: "Warehouse"},
			Deliver{From: "Shop", To: "Warehouse"}, Deliver{From: "Shop", To: "Warehouse"})
		if got := c.Replica("Warehouse").ValueString(CRDT); got != tc.want || c.Status(CRDT).Kind != tc.kind {
			t.Fatalf("%s mode, dedup %v: warehouse %s, %s", tc.cfg.Mode, !tc.cfg.NoDedup, got, c.Status(CRDT).Summary())
		}
		if tc.cfg.Mode == ModeOp && !tc.cfg.NoDedup && !strings.Contains(ev[len(ev)-1].Lanes[CRDT].Why, "duplicate of Shop1 ignored") {
			t.Fatalf("sentence: %s", ev[len(ev)-1].Lanes[CRDT].Why)
		}
	}
}

// Op mode relays: ops a replica applied go on with its messages, so they
// cross a partition through a third replica. Delta mode relays a delta
// that inflated the receiver, but never back where it came from.
func TestRelay(t *testing.T) {
	for _, mode := range []Mode{ModeOp, ModeDelta} {
		c := modeCluster(t, crdt.ORSet, Config{Mode: mode}, "A", "B", "C")
		apply(t, c, Cut{From: "A", To: "C", Both: true}, orAdd("A", "x"), Sync{From: "A", To: "B"}, Sync{From: "B", To: "C"})
		if got := c.Replica("C").ValueString(CRDT); got != "{x}" {
			t.Fatalf("%s mode: C holds %s\n%s", mode, got, c.Dump())
		}
		if !c.Replica("C").Knows(CRDT).Has(1) {
			t.Fatalf("%s mode: C does not know #1", mode)
		}
		if mode == ModeDelta {
			if g, _ := deltasOf(c.Replica("B")).pending(c.index["A"], false); !g.empty() {
				t.Fatalf("B relays back to A: %v", g.knows())
			}
			// A message with nothing pending carries an empty delta.
			ev := apply(t, c, Sync{From: "B", To: "A"})
			if !strings.Contains(ev[0].Lanes[CRDT].Why, "an empty delta") {
				t.Fatalf("sentence: %s", ev[0].Lanes[CRDT].Why)
			}
		}
	}
}

// A lost delta is not sent again: the receiver stays behind until a full
// state repairs it.
func TestLostDeltaNeedsAFullState(t *testing.T) {
	c := modeCluster(t, crdt.ORSet, Config{Mode: ModeDelta}, "A", "B")
	ev := apply(t, c, orAdd("A", "x"), Send{From: "A", To: "B"}, Drop{From: "A", To: "B"})
	if drop := ev[len(ev)-1]; !strings.Contains(drop.Text, "its delta is lost") {
		t.Fatalf("drop: %s", drop.Text)
	}
	apply(t, c, Sync{From: "A", To: "B"})
	if st := c.Status(CRDT); st.Kind != Pending || c.Replica("B").ValueString(CRDT) != "{}" {
		t.Fatalf("after an empty delta: %s %s", st.Summary(), c.Replica("B").ValueString(CRDT))
	}
	apply(t, c, Sync{From: "A", To: "B", Full: true})
	if st := c.Status(CRDT); st.Kind != Converged {
		t.Fatalf("after a full state: %s", st.Summary())
	}
}

// Text ops out of order: an insert before the character it follows is
// declined; a delete of a character not seen does nothing, and the
// character appears when its insert arrives.
func TestTextOpsOutOfOrder(t *testing.T) {
	c := modeCluster(t, crdt.Text, Config{Mode: ModeOp, AnyOrder: true}, "Ann", "Ben")
	ins := func(pos int, s string) Edit {
		return Edit{Replica: "Ann", Op: crdt.Op{Kind: crdt.OpInsert, Pos: pos, Text: s}}
	}
	apply(t, c, ins(0, "hi"), Send{From: "Ann", To: "Ben"}, ins(2, "!"), Send{From: "Ann", To: "Ben"},
		Edit{Replica: "Ann", Op: crdt.Op{Kind: crdt.OpDelete, Pos: 0, Count: 1}}, Send{From: "Ann", To: "Ben"})
	ev := apply(t, c, Deliver{From: "Ann", To: "Ben", Newest: true}, Deliver{From: "Ann", To: "Ben", Newest: true}, Deliver{From: "Ann", To: "Ben"})
	if !strings.Contains(ev[0].Lanes[CRDT].Why, "of a character not seen here did nothing") || !strings.Contains(ev[1].Lanes[CRDT].Why, "declined") {
		t.Fatalf("sentences:\n%s\n%s", ev[0].Lanes[CRDT].Why, ev[1].Lanes[CRDT].Why)
	}
	if got := c.Replica("Ben").ValueString(CRDT); got != `"hi"` {
		t.Fatalf("Ben holds %s", got)
	}
	if st := c.Status(CRDT); st.Kind == Converged {
		t.Fatalf("status %s", st.Summary())
	}
}

// full is an error in op mode, and accepted (and meaningless) in state
// mode.
func TestFullOnlyInDeltaMode(t *testing.T) {
	c := modeCluster(t, crdt.GSet, Config{Mode: ModeOp}, "A", "B")
	if _, err := c.Apply(Sync{From: "A", To: "B", Full: true}); err == nil || !strings.Contains(err.Error(), "full") {
		t.Fatalf("op mode: %v", err)
	}
	c = modeCluster(t, crdt.GSet, Config{}, "A", "B")
	apply(t, c, orAdd("A", "x"), Sync{From: "A", To: "B", Full: true})
	if c.Status(CRDT).Kind != Converged {
		t.Fatal("state mode: full changed something")
	}
	if _, err := New(Config{Type: crdt.GSet, Names: []string{"A", "B"}, AnyOrder: true}); err == nil {
		t.Fatal("delivery any accepted outside op mode")
	}
}

// In op mode an or-set's box never shows its causal context: op delivery
// never consults it (issue 20 §4), so showing it would suggest that a late
// add is stopped by it. State mode shows it where the set has no dots.
func TestOpModeBoxesShowNoContext(t *testing.T) {
	meta := func(c *Cluster, name string) string {
		var line strings.Builder
		for _, p := range c.Replica(name).Meta() {
			line.WriteString(p.Text)
		}
		return line.String()
	}
	for _, mode := range []Mode{ModeState, ModeOp} {
		c, err := New(Config{Type: crdt.ORSet, Names: []string{"Alice", "Bob"}, Mode: mode, AnyOrder: mode == ModeOp})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range []Action{
			Edit{Replica: "Alice", Op: crdt.Op{Kind: crdt.OpAdd, Value: "milk"}},
			Send{From: "Alice", To: "Bob"},
			Edit{Replica: "Alice", Op: crdt.Op{Kind: crdt.OpRemove, Value: "milk"}},
			Send{From: "Alice", To: "Bob"},
			Deliver{From: "Alice", To: "Bob", Newest: true},
		} {
			if _, err := c.Apply(a); err != nil {
				t.Fatalf("%s: %v", a, err)
			}
			for _, name := range []string{"Alice", "Bob"} {
				if line := meta(c, name); mode == ModeOp && strings.Contains(line, "context") {
					t.Errorf("op mode, after %s: %s's box shows %q", a, name, line)
				}
			}
		}
		// Alice holds no dots and the context {Alice:1} in both modes;
		// only state mode's box says so.
		if line := meta(c, "Alice"); strings.Contains(line, "context {Alice:1}") != (mode == ModeState) {
			t.Errorf("%s: Alice's box reads %q", mode, line)
		}
	}
}
