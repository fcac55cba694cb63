package replicas

import (
	"testing"

	"crdtviz/crdt"

	"pgregory.net/rapid"
)

// TestPreviewIsTheSyncHalfDone: for every form of sync, Preview leaves the
// cluster as it was and shows exactly the messages the sync then delivers,
// with the same ids, senders and receivers, in flight at the sync's tick.
func TestPreviewIsTheSyncHalfDone(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		names := []string{"A", "B", "C", "D"}
		c, _ := New(Config{Type: crdt.ORSet, Names: names})
		who := rapid.SampledFrom(names)
		for range rapid.IntRange(0, 12).Draw(rt, "n") {
			switch rapid.IntRange(0, 3).Draw(rt, "kind") {
			case 0:
				c.Apply(Edit{Replica: who.Draw(rt, "r"), Op: crdt.Op{Kind: crdt.OpAdd, Value: "x"}})
			case 1:
				c.Apply(Send{From: who.Draw(rt, "from"), ToAll: true})
			case 2:
				c.Apply(Cut{From: who.Draw(rt, "from"), To: who.Draw(rt, "to")})
			case 3:
				c.Apply(SyncAll{})
			}
		}
		var a Action
		switch rapid.IntRange(0, 3).Draw(rt, "sync") {
		case 0:
			a = SyncAll{}
		case 1:
			a = Sync{From: who.Draw(rt, "sf"), ToAll: true}
		case 2:
			a = Sync{From: "A", To: "B"}
		case 3:
			a = SyncBoth{A: "C", B: "D"}
		}
		before := c.Dump()
		inflight := len(c.InFlight())
		p, sends, perr := c.Preview(a)
		if c.Dump() != before {
			rt.Fatal("Preview changed the cluster")
		}
		ev, err := c.Apply(a)
		if (perr == nil) != (err == nil) {
			rt.Fatalf("Preview error %v, Apply error %v", perr, err)
		}
		if err != nil {
			return
		}
		var delivered []Event
		for _, e := range ev {
			if e.Kind == EvDeliver {
				delivered = append(delivered, e)
			}
		}
		var taken []Event
		for _, e := range sends {
			if e.Kind == EvSend {
				taken = append(taken, e)
			}
		}
		if len(taken) != len(delivered) || len(p.InFlight()) != inflight+len(taken) || p.Tick() != c.Tick() {
			rt.Fatalf("preview: %d sends, %d in flight, tick %d; the sync delivered %d at tick %d", len(taken), len(p.InFlight()), p.Tick(), len(delivered), c.Tick())
		}
		ids := map[int]Event{}
		for _, e := range taken {
			ids[e.Msg] = e
		}
		for _, d := range delivered {
			s, ok := ids[d.Msg]
			if !ok || s.From != d.From || s.To != d.To || !d.Synced || d.Sent != c.Tick() || s.PlainNew != d.PlainNew {
				rt.Fatalf("message #%d: previewed %+v, delivered %+v", d.Msg, s, d)
			}
		}
	})
}
