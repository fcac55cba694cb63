package replicas

import (
	"strings"
	"testing"

	"crdtviz/crdt"

	"pgregory.net/rapid"
)

// fingerprint is everything a cluster holds that sharing could alias: its
// dump (values, histories, metadata, op logs and causal buffers, pending
// delta-groups, messages in flight) and every lane's sketch.
func fingerprint(c *Cluster) string {
	var b strings.Builder
	b.WriteString(c.Dump())
	for _, r := range c.reps {
		for _, l := range Lanes {
			if v := r.values[l]; v != nil && v.sk != nil {
				b.WriteString(r.Name + " " + l.String() + " sketch " + v.sk.render(-1) + "\n")
			}
		}
	}
	return b.String()
}

// TestSharingNeverAliasesInEveryMode: a clone shares its op logs, causal
// buffers, delta logs, queues, edit list and sketches with the original
// (persistent structures and logs shared by prefix). After the clone,
// either side can act, both can append to what they share, and neither
// ever sees the other's changes: each stays what a fresh replay of its
// own actions gives.
func TestSharingNeverAliasesInEveryMode(t *testing.T) {
	for _, mode := range Modes {
		t.Run(mode.String(), func(t *testing.T) {
			forEachType(t, func(rt *rapid.T, typ crdt.Type) {
				cfg := Config{Type: typ, Names: names(3), Mode: mode}
				a, _ := New(cfg)
				ch := rapidChooser{rt}
				var aActs []Action
				run := func(c *Cluster, acts *[]Action, n int) {
					for range n {
						act := randomAction(ch, c, false)
						if _, err := c.Apply(act); err == nil {
							*acts = append(*acts, act)
						}
					}
				}
				run(a, &aActs, rapid.IntRange(0, 30).Draw(rt, "before"))
				b := a.Clone()
				bActs := append([]Action(nil), aActs...)
				for range rapid.IntRange(1, 3).Draw(rt, "rounds") {
					aPrint := fingerprint(a)
					run(b, &bActs, rapid.IntRange(0, 12).Draw(rt, "b"))
					if fingerprint(a) != aPrint {
						rt.Fatal("changing the clone changed the original")
					}
					bPrint := fingerprint(b)
					run(a, &aActs, rapid.IntRange(0, 12).Draw(rt, "a"))
					if fingerprint(b) != bPrint {
						rt.Fatal("changing the original changed the clone")
					}
					if rapid.Bool().Draw(rt, "clone again") {
						b = a.Clone()
						bActs = append([]Action(nil), aActs...)
					}
				}
				for _, side := range []struct {
					c    *Cluster
					acts []Action
				}{{a, aActs}, {b, bActs}} {
					fresh, _ := New(cfg)
					for _, act := range side.acts {
						if _, err := fresh.Apply(act); err != nil {
							rt.Fatalf("replaying %s: %v", act, err)
						}
					}
					if !SameState(fresh, side.c) {
						rt.Fatalf("a side differs from a fresh replay of its actions:\n%s\nwant\n%s", side.c.Dump(), fresh.Dump())
					}
				}
			})
		})
	}
}
