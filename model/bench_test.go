package model

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"crdtviz/crdt"
	"crdtviz/replicas"
	"crdtviz/ui"
)

var eight = []string{"Alice", "Bob", "Carol", "Dave", "Erin", "Frank", "Grace", "Heidi"}

// heavyRoot is the key-press budget's setting: 8 replicas at 200x50 with
// internals on, a 10,000-action history, and every replica holding a
// 200-element or-set (or, with text, a 5,000-character text).
func heavyRoot(tb testing.TB, text bool) *Root {
	tb.Helper()
	typ := crdt.ORSet
	if text {
		typ = crdt.Text
	}
	m := newRoot(tb, Options{Free: &replicas.Config{Type: typ, Names: eight}, Theme: ui.Dark, ThemeFixed: true}, 200, 50)
	rng := rand.New(rand.NewPCG(11, 12))
	do := func(a replicas.Action) {
		if err := m.apply(a); err != nil && !errors.Is(err, replicas.ErrNothingToDo) {
			tb.Fatalf("%s: %v", a, err)
		}
	}
	// Fill every replica, then keep working until the history is 10,000 long.
	for i := range 200 {
		if text {
			do(replicas.Edit{Replica: "Alice", Op: crdt.Op{Kind: crdt.OpInsert, Pos: i * 25, Text: strings.Repeat("x", 25)}})
		} else {
			do(replicas.Edit{Replica: eight[i%8], Op: crdt.Op{Kind: crdt.OpAdd, Value: fmt.Sprintf("item-%03d", i)}})
		}
	}
	do(replicas.SyncAll{})
	for m.sess.tl.Len() < 10_000 {
		r := eight[rng.IntN(8)]
		switch rng.IntN(6) {
		case 0:
			do(replicas.Sync{From: r, To: eight[(rng.IntN(7)+1+indexOf(r))%8]})
		case 1:
			do(replicas.Send{From: r, To: eight[(rng.IntN(7)+1+indexOf(r))%8]})
		case 2:
			do(replicas.DeliverAll{})
		default:
			if text {
				n := len([]rune(m.sess.cluster().Replica(r).Value(replicas.CRDT).Str))
				if n >= 5000 {
					do(replicas.Edit{Replica: r, Op: crdt.Op{Kind: crdt.OpDelete, Pos: rng.IntN(n), Count: 1}})
				} else {
					do(replicas.Edit{Replica: r, Op: crdt.Op{Kind: crdt.OpInsert, Pos: rng.IntN(n + 1), Text: "y"}})
				}
			} else {
				do(replicas.Edit{Replica: r, Op: crdt.Op{Kind: crdt.OpAdd, Value: fmt.Sprintf("item-%03d", rng.IntN(200))}})
			}
		}
	}
	m.internals = true
	m.refresh()
	return m
}

func indexOf(name string) int {
	for i, n := range eight {
		if n == name {
			return i
		}
	}
	return 0
}

// keyPressCases are BenchmarkKeyPress's settings; TestKeyPressAllocation
// holds each to the budget.
var keyPressCases = []struct {
	name          string
	text, diagram bool
}{{"orset200", false, false}, {"text5000", true, false}, {"orset200-diagram", false, true}}

// keyPressBudget is the most one key press may allocate, on average, in
// every case of BenchmarkKeyPress (issue 23): a frame of 200x50 is about
// 25 KB, and garbage beyond a few frames a press is what made the slow
// presses (the p99) slow.
const keyPressBudget = 64 << 10

// keyPresser sets up a case of BenchmarkKeyPress and returns one key
// press (←, → and tab in turn: stepping through history and moving
// focus): the root model's Update and then View, as the program does.
func keyPresser(tb testing.TB, text, diagram bool) func() {
	m := heavyRoot(tb, text)
	if diagram { // the space-time diagram pane open
		m.Update(keyMsg("g"))
		m.Update(keyMsg("up")) // a message selected: its payloads shown
	}
	keys := []tea.KeyPressMsg{keyMsg("left"), keyMsg("right"), keyMsg("tab")}
	i := 0
	return func() {
		m.Update(keys[i%len(keys)])
		_ = m.View()
		i++
	}
}

// BenchmarkKeyPress is one key press (see keyPresser). It reports the
// median and the 99th percentile besides the mean.
func BenchmarkKeyPress(b *testing.B) {
	for _, tc := range keyPressCases {
		b.Run(tc.name, func(b *testing.B) {
			press := keyPresser(b, tc.text, tc.diagram)
			var took []time.Duration
			b.ReportAllocs()
			for b.Loop() {
				start := time.Now()
				press()
				took = append(took, time.Since(start))
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Nanoseconds()), "median-ns")
			b.ReportMetric(float64(took[len(took)*99/100].Nanoseconds()), "p99-ns")
		})
	}
}

// TestKeyPressAllocation holds every case of BenchmarkKeyPress to the
// budget of bytes allocated per key press. Bytes allocated do not depend
// on the machine's speed or load, so this is a test, not a timing: it
// presses as many keys as the documented benchmark run (2,000), from the
// same start, and counts every byte the heap handed out meanwhile.
func TestKeyPressAllocation(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector changes what is allocated; go test without -race checks the budget")
	}
	if testing.Short() {
		t.Skip("builds three 10,000-action histories")
	}
	const presses = 2000
	for _, tc := range keyPressCases {
		t.Run(tc.name, func(t *testing.T) {
			press := keyPresser(t, tc.text, tc.diagram)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			for range presses {
				press()
			}
			runtime.ReadMemStats(&after)
			per := (after.TotalAlloc - before.TotalAlloc) / presses
			t.Logf("%d B allocated per key press (budget %d B)", per, keyPressBudget)
			if per > keyPressBudget {
				t.Errorf("a key press allocates %d B on average over %d presses; the budget is %d B (docs/performance.md): profile it with go test ./model -run XXX -bench 'KeyPress/%s$' -benchtime 2000x -memprofile mem.out", per, presses, keyPressBudget, tc.name)
			}
		})
	}
}

// BenchmarkFirstVisit is ← pressed again and again from the end of the
// same history as BenchmarkKeyPress's: every press shows a point that has
// not been shown before, so nothing drawn can be reused, and stepping
// back replays from a checkpoint once per 32 actions. It has no budget;
// docs/performance.md reports it beside the key press.
func BenchmarkFirstVisit(b *testing.B) {
	for _, tc := range keyPressCases[:2] {
		b.Run(tc.name, func(b *testing.B) {
			m := heavyRoot(b, tc.text)
			var took []time.Duration
			b.ReportAllocs()
			for b.Loop() {
				start := time.Now()
				m.Update(keyMsg("left"))
				_ = m.View()
				took = append(took, time.Since(start))
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Nanoseconds()), "median-ns")
			b.ReportMetric(float64(took[len(took)*99/100].Nanoseconds()), "p99-ns")
		})
	}
}

// BenchmarkBytesPerChange runs the real program at 120x36 and measures the
// bytes the renderer writes to the terminal when one value changes (a +
// on a counter: its box in both lanes, the banners and the log). The
// renderer only writes what changed; nothing repaints on a timer.
func BenchmarkBytesPerChange(b *testing.B) {
	root, err := New(Options{Free: free(crdt.PNCounter), Theme: ui.Dark, ThemeFixed: true})
	if err != nil {
		b.Fatal(err)
	}
	tm := teatest.NewTestModel(b, root, teatest.WithInitialTermSize(120, 36),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.TrueColor)))
	out := tm.Output()
	// quiet reads what the renderer wrote until it has been idle for a while.
	quiet := func() int {
		n, idle := 0, 0
		buf := make([]byte, 1<<16)
		for idle < 10 {
			k, _ := out.Read(buf)
			if k == 0 {
				idle++
				time.Sleep(10 * time.Millisecond)
				continue
			}
			n, idle = n+k, 0
		}
		return n
	}
	first := quiet()
	var total int
	for b.Loop() {
		tm.Send(keyMsg("+"))
		total += quiet()
	}
	b.ReportMetric(float64(first), "first-frame-B")
	b.ReportMetric(float64(total)/float64(b.N), "B/change")
	tm.Send(keyMsg("q")) // unrecorded actions: q asks first,
	tm.Send(keyMsg("q")) // and a second q quits
	tm.WaitFinished(b, teatest.WithFinalTimeout(5*time.Second))
}
