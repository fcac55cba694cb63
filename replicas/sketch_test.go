package replicas

import (
	"testing"

	"crdtviz/crdt"

	"pgregory.net/rapid"
)

// TestSketchesMatchTheValue: an edit's sentence and changed flag come from
// the lane's sketch, not from rendering the value; after any mix of
// edits, merges and deliveries, in every mode, the sketch renders exactly
// what the value renders, its brief is crdt.Brief of that, and an edit
// says the value changed exactly when its rendering changed.
func TestSketchesMatchTheValue(t *testing.T) {
	words := []string{"a", "milk", "two words", `quo"te`, `back\slash`, "é", "😀", "a-rather-long-element-name-that-fills-a-brief", "tab\there", "line\nbreak"}
	for _, typ := range crdt.Types {
		if !sketchable(typ) {
			continue
		}
		t.Run(string(typ), func(t *testing.T) {
			rapid.Check(t, func(rt *rapid.T) {
				mode := Modes[rapid.IntRange(0, len(Modes)-1).Draw(rt, "mode")]
				c, err := New(Config{Type: typ, Names: names(3), Mode: mode})
				if err != nil {
					rt.Fatal(err)
				}
				ch := rapidChooser{rt}
				for range rapid.IntRange(1, 80).Draw(rt, "steps") {
					ns := c.Names()
					who := ns[ch.Intn(3, "who")]
					var a Action
					if ch.Intn(4, "kind") == 0 {
						a = randomAction(ch, c, false)
					} else {
						op := randomOp(ch, c, c.Replica(who), false)
						w := words[ch.Intn(len(words), "word")]
						switch op.Kind {
						case crdt.OpAdd, crdt.OpRemove:
							op.Value = w
						case crdt.OpPut:
							op.Key, op.Value = w, words[ch.Intn(len(words), "val")]
						case crdt.OpDelete:
							if typ == crdt.LWWMap {
								op.Key = w
							}
						case crdt.OpInsert:
							op.Text = w
						}
						a = Edit{Replica: who, Op: op}
					}
					var before [2]string
					if e, ok := a.(Edit); ok && ch.Intn(2, "render first") == 0 {
						for _, l := range Lanes {
							before[l] = c.Replica(e.Replica).ValueString(l)
						}
					} else if ok {
						// Render the lanes of a copy, so that this replica's
						// sketch is made from the value, not from a cache.
						cp := c.Replica(e.Replica).clone()
						for _, l := range Lanes {
							cp.values[l] = nil
							before[l] = cp.ValueString(l)
						}
					}
					ev, err := c.Apply(a)
					if err != nil {
						continue
					}
					for _, r := range c.reps {
						for _, l := range Lanes {
							cv := r.values[l]
							if cv == nil || cv.sk == nil {
								continue
							}
							sk := cv.sk
							want := r.ValueString(l)
							if got := sk.render(-1); got != want {
								rt.Fatalf("%s %s: the sketch renders %s, the value %s", r.Name, l, got, want)
							}
							if got := sk.brief(); got != crdt.Brief(want) {
								rt.Fatalf("%s %s: brief %s, want %s", r.Name, l, got, crdt.Brief(want))
							}
						}
					}
					if e, ok := a.(Edit); ok {
						r := c.Replica(e.Replica)
						for _, l := range Lanes {
							if got, want := ev[0].Lanes[l].Changed, before[l] != r.ValueString(l); got != want {
								rt.Fatalf("%s %s: changed %v, but %s → %s", e, l, got, before[l], r.ValueString(l))
							}
						}
					}
				}
			})
		})
	}
}
