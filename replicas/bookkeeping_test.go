package replicas

import (
	"fmt"
	"runtime"
	"testing"

	"crdtviz/crdt"
)

// bookkeepingShape is one of issue 23's histories, whose bookkeeping was
// quadratic in op or delta mode, or whose checkpoints copied ever-growing
// states in state mode.
type bookkeepingShape struct {
	name  string
	typ   crdt.Type
	names []string
	acts  func() []Action
}

func bookkeepingShapes() []bookkeepingShape {
	eight := []string{"A", "B", "C", "D", "E", "F", "G", "H"}
	return []bookkeepingShape{
		{"orset-adds-40k", crdt.ORSet, eight, func() []Action {
			acts := make([]Action, 40_000)
			for i := range acts {
				acts[i] = Edit{Replica: "A", Op: crdt.Op{Kind: crdt.OpAdd, Value: fmt.Sprintf("e%d", i)}}
			}
			return acts
		}},
		{"text-front-20k", crdt.Text, eight, func() []Action {
			acts := make([]Action, 20_000)
			for i := range acts {
				acts[i] = Edit{Replica: "A", Op: crdt.Op{Kind: crdt.OpInsert, Pos: 0, Text: "x"}}
			}
			return acts
		}},
		{"incs-400k", crdt.PNCounter, []string{"A", "B"}, func() []Action {
			acts := make([]Action, 400_000)
			for i := range acts {
				acts[i] = Edit{Replica: "A", Op: crdt.Op{Kind: crdt.OpInc, N: 1}}
			}
			return acts
		}},
		{"reversed-50k", crdt.PNCounter, []string{"A", "B"}, func() []Action {
			var acts []Action
			for range 50_000 {
				acts = append(acts, Edit{Replica: "A", Op: crdt.Op{Kind: crdt.OpInc, N: 1}}, Send{From: "A", To: "B"})
			}
			for range 50_000 {
				acts = append(acts, Deliver{From: "A", To: "B", Newest: true})
			}
			return acts
		}},
	}
}

// BenchmarkModesBookkeeping plays issue 23's shapes, at ten times the size
// that took minutes, on a timeline (checkpoints included) in every mode
// side by side, and reports the live heap the history holds at its end.
// Run it with -benchtime 1x: each play is one history.
func BenchmarkModesBookkeeping(b *testing.B) {
	for _, sh := range bookkeepingShapes() {
		acts := sh.acts()
		for _, mode := range Modes {
			b.Run(sh.name+"/"+mode.String(), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					runtime.GC()
					var before, after runtime.MemStats
					runtime.ReadMemStats(&before)
					tl, err := NewTimeline(Config{Type: sh.typ, Names: sh.names, Mode: mode})
					if err != nil {
						b.Fatal(err)
					}
					for _, a := range acts {
						if _, _, err := tl.Do(a); err != nil {
							b.Fatalf("%s: %v", a, err)
						}
					}
					b.StopTimer()
					runtime.GC()
					runtime.ReadMemStats(&after)
					b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "MB-live")
					runtime.KeepAlive(tl)
					b.StartTimer()
				}
			})
		}
	}
}
