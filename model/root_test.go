package model

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"crdtviz/crdt"
	"crdtviz/demos"
	"crdtviz/replicas"
	"crdtviz/ui"
)

// updating reports whether -update was given. The flag itself is
// registered by teatest's golden package, which this package imports.
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

var special = map[string]rune{
	"right": tea.KeyRight, "left": tea.KeyLeft, "up": tea.KeyUp, "down": tea.KeyDown, "tab": tea.KeyTab,
	"enter": tea.KeyEnter, "esc": tea.KeyEscape, "pgup": tea.KeyPgUp, "pgdown": tea.KeyPgDown, "backspace": tea.KeyBackspace,
}

// keyMsg builds the key press a terminal would send for a key name.
func keyMsg(s string) tea.KeyPressMsg {
	switch {
	case s == "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case s == "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	}
	if code, ok := special[s]; ok {
		return tea.KeyPressMsg{Code: code}
	}
	r := []rune(s)[0]
	return tea.KeyPressMsg{Code: r, Text: s}
}

// send feeds key presses through Update. Commands (cursor blinks) are not
// run: components report intent synchronously.
func send(t testing.TB, m *Root, keys ...string) {
	t.Helper()
	for _, k := range keys {
		m.Update(keyMsg(k))
	}
}

func typeText(t testing.TB, m *Root, s string) {
	t.Helper()
	for _, r := range s {
		if r == ' ' {
			send(t, m, "space")
			continue
		}
		send(t, m, string(r))
	}
}

func newRoot(t testing.TB, opts Options, w, h int) *Root {
	t.Helper()
	if opts.Theme == "" {
		opts.Theme, opts.ThemeFixed = ui.Mono, true
	}
	m, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return m
}

func demo(t testing.TB, name string) *demos.Scenario {
	t.Helper()
	s, err := demos.LoadBuiltin(name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func free(typ crdt.Type, names ...string) *replicas.Config {
	if len(names) == 0 {
		names = []string{"Alice", "Bob", "Carol"}
	}
	return &replicas.Config{Type: typ, Names: names}
}

func screen(m *Root) string { return ansi.Strip(m.View().Content) }

func value(m *Root, lane replicas.Lane, name string) string {
	return m.sess.cluster().Replica(name).Value(lane).String()
}

func TestStepForwardAndBack(t *testing.T) {
	m := newRoot(t, Options{Scenario: demo(t, "seed"), NoAsk: true}, 80, 24)
	if m.Mode() != ModeDemo || !strings.Contains(screen(m), "step 0/6") {
		t.Fatalf("mode %s\n%s", m.Mode(), screen(m))
	}
	for i, k := range []string{"right", "space", "n", "pgdown", "l", "right"} {
		send(t, m, k)
		if want := "step " + string(rune('1'+i)) + "/6"; !strings.Contains(screen(m), want) {
			t.Fatalf("after %s: no %q\n%s", k, want, screen(m))
		}
	}
	send(t, m, "right")
	if !strings.Contains(screen(m), "That was the last step") {
		t.Fatalf("no end notice\n%s", screen(m))
	}
	if got := value(m, replicas.CRDT, "Server 2"); got != `"Extended Edition"` {
		t.Fatalf("at the end Server 2 holds %s", got)
	}
	for _, k := range []string{"left", "h", "p", "pgup", "left", "left"} {
		send(t, m, k)
	}
	if !strings.Contains(screen(m), "step 0/6") || value(m, replicas.CRDT, "Server 1") != `"Blockbuster Movie"` {
		t.Fatalf("not back at the start\n%s", screen(m))
	}
}

func TestEditViaPrompt(t *testing.T) {
	m := newRoot(t, Options{Free: free(crdt.PNCounter)}, 80, 24)
	send(t, m, ":")
	if m.Mode() != ModePrompt {
		t.Fatalf("mode %s", m.Mode())
	}
	typeText(t, m, "edit Bob inc 5")
	send(t, m, "enter")
	if m.Mode() != ModeFree || value(m, replicas.CRDT, "Bob") != "5" {
		t.Fatalf("mode %s, Bob %s", m.Mode(), value(m, replicas.CRDT, "Bob"))
	}
	// A bad command shows its error at the prompt and changes nothing.
	send(t, m, ":")
	typeText(t, m, "edit Zed inc 5")
	send(t, m, "enter")
	if m.Mode() != ModePrompt || !strings.Contains(screen(m), "unknown replica Zed") {
		t.Fatalf("mode %s\n%s", m.Mode(), screen(m))
	}
	send(t, m, "esc")
	if m.Mode() != ModeFree || m.sess.tl.Len() != 1 {
		t.Fatalf("mode %s, %d actions", m.Mode(), m.sess.tl.Len())
	}
	// History: ↑ brings the last good command back; tab completes names.
	send(t, m, ":", "up")
	if m.prompt.Value() != "edit Bob inc 5" {
		t.Fatalf("history gave %q", m.prompt.Value())
	}
	send(t, m, "esc", ":")
	typeText(t, m, "sync Ca")
	send(t, m, "tab")
	if m.prompt.Value() != "sync Carol" {
		t.Fatalf("completion gave %q", m.prompt.Value())
	}
	// The type-aware edit key prefills an edit of the focused replica.
	send(t, m, "esc", "2", "e")
	if m.prompt.Value() != "edit Bob inc " {
		t.Fatalf("e prefilled %q", m.prompt.Value())
	}
	typeText(t, m, "2")
	send(t, m, "enter", "-")
	if value(m, replicas.CRDT, "Bob") != "6" {
		t.Fatalf("Bob = %s, want 6", value(m, replicas.CRDT, "Bob"))
	}
}

func TestPartitionThenSync(t *testing.T) {
	m := newRoot(t, Options{Free: free(crdt.ORSet)}, 80, 24)
	send(t, m, "P") // partition Alice away
	c := m.sess.cluster()
	if c.Up("Alice", "Bob") || c.Up("Carol", "Alice") || !c.Up("Bob", "Carol") {
		t.Fatalf("partition: %s", c.Dump())
	}
	send(t, m, "s", "2") // sync Alice → Bob: refused, the link is cut
	if !strings.Contains(screen(m), "cannot sync Alice → Bob: the link is cut") {
		t.Fatalf("no error\n%s", screen(m))
	}
	send(t, m, ":")
	typeText(t, m, "edit Alice add milk")
	send(t, m, "enter", "2", ":")
	typeText(t, m, "edit Bob add eggs")
	send(t, m, "enter", "H", "S")
	if !m.sess.cluster().Equal(replicas.CRDT) || value(m, replicas.CRDT, "Carol") != "{eggs, milk}" {
		t.Fatalf("after heal and sync all:\n%s", m.sess.cluster().Dump())
	}
	if !strings.Contains(screen(m), "CONVERGED") {
		t.Fatalf("no CONVERGED banner\n%s", screen(m))
	}
	// c then a digit toggles the link both ways.
	send(t, m, "1", "c", "3")
	if c := m.sess.cluster(); c.Up("Alice", "Carol") || c.Up("Carol", "Alice") {
		t.Fatal("c 3 did not cut Alice–Carol")
	}
	send(t, m, "c", "3")
	if c := m.sess.cluster(); !c.Up("Alice", "Carol") {
		t.Fatal("c 3 did not heal Alice–Carol")
	}
}

func TestDeliverDropDuplicate(t *testing.T) {
	m := newRoot(t, Options{Free: free(crdt.GCounter)}, 80, 24)
	send(t, m, "+", "m", "2", "m", "3") // Alice inc, send to Bob and to Carol
	if n := len(m.sess.cluster().InFlight()); n != 2 {
		t.Fatalf("%d in flight", n)
	}
	send(t, m, "u") // duplicate the selected (first) message
	if n := len(m.sess.cluster().InFlight()); n != 3 {
		t.Fatalf("%d in flight after duplicate", n)
	}
	send(t, m, "d") // deliver #1 to Bob
	if value(m, replicas.CRDT, "Bob") != "1" {
		t.Fatalf("Bob = %s", value(m, replicas.CRDT, "Bob"))
	}
	send(t, m, "x") // drop the selected message (#2 to Carol)
	if value(m, replicas.CRDT, "Carol") != "0" || len(m.sess.cluster().InFlight()) != 1 {
		t.Fatalf("after drop: %s", m.sess.cluster().Dump())
	}
	send(t, m, "D")
	if n := len(m.sess.cluster().InFlight()); n != 0 {
		t.Fatalf("%d in flight after deliver all", n)
	}
	send(t, m, "d")
	if !strings.Contains(screen(m), "Nothing is in flight") {
		t.Fatalf("no notice\n%s", screen(m))
	}
}

func TestBranchInADemo(t *testing.T) {
	m := newRoot(t, Options{Scenario: demo(t, "lost-update")}, 80, 24)
	send(t, m, "right", "right") // step 2/4
	send(t, m, "1", "+")         // Alice acts: the demo branches
	if !m.sess.branched || m.Mode() != ModeFree {
		t.Fatalf("branched %v, mode %s", m.sess.branched, m.Mode())
	}
	out := screen(m)
	if !strings.Contains(out, "branched") || !strings.Contains(out, "You branched off the demo at step 2/4") {
		t.Fatalf("no branch notice\n%s", out)
	}
	send(t, m, "left") // undo works in the branch
	if value(m, replicas.CRDT, "Alice") != "1200" {
		t.Fatalf("undo: Alice = %s", value(m, replicas.CRDT, "Alice"))
	}
	send(t, m, "r")
	if m.sess.branched || m.Mode() != ModeDemo || !strings.Contains(screen(m), "step 2/4") {
		t.Fatalf("return: branched %v mode %s\n%s", m.sess.branched, m.Mode(), screen(m))
	}
	send(t, m, "right", "right") // step 3's question, then its outcome
	if value(m, replicas.CRDT, "Carol") != "1150" {
		t.Fatalf("the demo continues: Carol = %s", value(m, replicas.CRDT, "Carol"))
	}
}

func TestStartMenuAndTypeChoice(t *testing.T) {
	m := newRoot(t, Options{}, 80, 24)
	if m.Mode() != ModeStart || !strings.Contains(screen(m), "Three servers, one movie") {
		t.Fatalf("start screen:\n%s", screen(m))
	}
	send(t, m, "enter") // the seed story is first
	if m.Mode() != ModeDemo || m.sess.title != "Three servers, one movie" {
		t.Fatalf("mode %s title %q", m.Mode(), m.sess.title)
	}
	send(t, m, "esc")
	if !strings.Contains(screen(m), "Resume: Three servers, one movie (step 0/6)") {
		t.Fatalf("no resume item:\n%s", screen(m))
	}
	for range len(demos.BuiltinNames()) + 1 { // past the resume item and the demos
		send(t, m, "down")
	}
	send(t, m, "enter") // the first free-play entry
	if m.Mode() != ModeFree || m.sess.cluster().Type() != crdt.LWWRegister {
		t.Fatalf("mode %s", m.Mode())
	}
	send(t, m, "t", "down", "down", "enter")
	if m.sess.cluster().Type() != crdt.GCounter {
		t.Fatalf("type %s", m.sess.cluster().Type())
	}
	send(t, m, "?")
	if m.Mode() != ModeHelp || !strings.Contains(screen(m), "every key") {
		t.Fatalf("help:\n%s", screen(m))
	}
	send(t, m, "x")
	if m.Mode() != ModeHelp {
		t.Fatalf("x closed help: %s", m.Mode())
	}
	send(t, m, "esc")
	if m.Mode() != ModeFree {
		t.Fatalf("help did not close: %s", m.Mode())
	}
	// The start menu offers free play by ops and by deltas: a type next.
	send(t, m, "esc", "/")
	typeText(t, m, "op-based")
	send(t, m, "enter") // enter while filtering starts the best match
	if m.Mode() != ModeTypes || !strings.Contains(screen(m), "Free play, op-based: pick a type") {
		t.Fatalf("op-based entry:\n%s", screen(m))
	}
	send(t, m, "esc")
	if m.Mode() != ModeStart {
		t.Fatalf("esc from the op-based type picker: %s", m.Mode())
	}
	send(t, m, "/")
	typeText(t, m, "delta-based")
	send(t, m, "enter", "down", "down", "enter", "enter")
	if m.Mode() != ModeFree || m.sess.cluster().Mode() != replicas.ModeDelta || m.sess.cluster().Type() != crdt.GCounter {
		t.Fatalf("delta-based free play: mode %s, %s %s\n%s", m.Mode(), m.sess.cluster().Mode(), m.sess.cluster().Type(), screen(m))
	}
	if !strings.Contains(screen(m), "CRDT: g-counter, delta-based") {
		t.Fatalf("the lane does not say its mode:\n%s", screen(m))
	}
}

func TestMouseFocusAndLinkToggle(t *testing.T) {
	m := newRoot(t, Options{Free: free(crdt.GSet)}, 80, 24)
	l := m.layout
	m.Update(tea.MouseClickMsg{X: l.BoxW*2 + 3, Y: l.CRDTBoxes.Y + 2, Button: tea.MouseLeft})
	if m.focus != 2 {
		t.Fatalf("focus %d after clicking the third box", m.focus)
	}
	hits := ui.LinkHits(m.sess.cluster(), m.styles, l.Network.W, l.Network.H)
	h := hits[0]
	m.Update(tea.MouseClickMsg{X: l.Network.X + h.Rect.X + 1, Y: l.Network.Y + h.Rect.Y, Button: tea.MouseLeft})
	if m.sess.cluster().Up("Alice", "Bob") {
		t.Fatal("clicking the link did not cut it")
	}
}

func TestTooSmallKeepsRunning(t *testing.T) {
	m := newRoot(t, Options{Free: free(crdt.GSet)}, 30, 10)
	need := fmt.Sprintf("%dx%d", ui.MinWidth, ui.MinHeight)
	if !strings.Contains(screen(m), "need "+need) && !strings.Contains(screen(m), "need at least "+need) {
		t.Fatalf("too-small screen:\n%s", screen(m))
	}
	send(t, m, "+", "S", ":")
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	if strings.Contains(screen(m), "too small") {
		t.Fatal("still too small after growing")
	}
}

// TestMinimumSize: at exactly the minimum size the play screen shows, and
// one cell less in either direction shows the too-small screen, which
// names the size from the layout's own constants.
func TestMinimumSize(t *testing.T) {
	for _, sz := range [][2]int{{ui.MinWidth, ui.MinHeight}, {ui.MinWidth - 1, ui.MinHeight}, {ui.MinWidth, ui.MinHeight - 1}} {
		for _, opts := range []Options{{Free: free(crdt.ORSet)}, {Scenario: demo(t, "seed")}} {
			m := newRoot(t, opts, sz[0], sz[1])
			out := screen(m)
			checkFits(t, m.View().Content, sz[0], sz[1])
			small := strings.Contains(out, "too small")
			if want := sz[0] < ui.MinWidth || sz[1] < ui.MinHeight; small != want {
				t.Fatalf("%dx%d: too small %v, want %v\n%s", sz[0], sz[1], small, want, out)
			}
			if small && !strings.Contains(out, fmt.Sprintf("%dx%d", ui.MinWidth, ui.MinHeight)) {
				t.Fatalf("%dx%d: the too-small screen does not name %dx%d:\n%s", sz[0], sz[1], ui.MinWidth, ui.MinHeight, out)
			}
			if !small && !strings.Contains(out, "links:") {
				t.Fatalf("%dx%d: the play screen is incomplete:\n%s", sz[0], sz[1], out)
			}
		}
	}
}

// TestGoldenViews compares rendered views (ANSI stripped) with files in
// testdata/golden. Rewrite them with: go test ./model -update
func TestGoldenViews(t *testing.T) {
	sizes := [][2]int{{80, 24}, {120, 36}, {200, 50}}
	cases := []struct {
		name  string
		opts  func() Options
		keys  []string
		names []string
	}{
		{"free", func() Options { return Options{Free: free(crdt.PNCounter)} }, []string{"c", "2", "+", "+", "2", "-", "m", "3", "i"}, nil},
		{"free8", func() Options {
			return Options{Free: free(crdt.ORSet, "Alice", "Bob", "Carol", "Dave", "Erin", "Frank", "Grace", "Heidi")}
		}, []string{"+"}, nil},
		{"demo-seed", func() Options { return Options{Scenario: demo(t, "seed"), NoAsk: true} }, []string{"right", "right", "right", "right"}, nil},
		{"demo-cart", func() Options { return Options{Scenario: demo(t, "cart"), NoAsk: true} }, []string{"right", "right", "right", "i"}, nil},
	}
	for _, tc := range cases {
		for _, sz := range sizes {
			name := tc.name + "-" + strconv.Itoa(sz[0]) + "x" + strconv.Itoa(sz[1])
			t.Run(name, func(t *testing.T) {
				m := newRoot(t, tc.opts(), sz[0], sz[1])
				send(t, m, tc.keys...)
				got := screen(m)
				checkFits(t, got, sz[0], sz[1])
				golden(t, name, got)
			})
		}
	}
}

func TestGoldenThemes(t *testing.T) {
	for _, th := range ui.Themes {
		for _, ascii := range []bool{false, true} {
			name := "theme-" + string(th)
			if ascii {
				name += "-ascii"
			}
			t.Run(name, func(t *testing.T) {
				m := newRoot(t, Options{Scenario: demo(t, "partition"), Theme: th, ThemeFixed: true, ASCII: ascii, NoAsk: true}, 80, 24)
				send(t, m, "right", "right", "right")
				got := screen(m)
				checkFits(t, got, 80, 24)
				golden(t, name, got)
			})
		}
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name+".txt")
	if updating() {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./model -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("view differs from %s (go test ./model -update rewrites it):\n%s", path, got)
	}
}

// checkFits fails unless the view is exactly w×h cells.
func checkFits(t testing.TB, view string, w, h int) {
	t.Helper()
	lines := strings.Split(view, "\n")
	if len(lines) > h {
		t.Fatalf("%d lines in a %dx%d window", len(lines), w, h)
	}
	for i, ln := range lines {
		if ansi.StringWidth(ln) > w {
			t.Fatalf("line %d is %d cells wide in a %dx%d window: %q", i+1, ansi.StringWidth(ln), w, h, ln)
		}
	}
}

// TestRandomInput feeds 10,000 random key presses, clicks and resizes
// through the root model: no panic, and the view always fits the window.
func TestRandomInput(t *testing.T) {
	keys := []string{"right", "left", "up", "down", "tab", "enter", "esc", "space", "pgup", "pgdown", "backspace",
		"1", "2", "3", "4", "5", "9", "a", "c", "d", "D", "e", "h", "H", "i", "m", "n", "N", "p", "P", "r", "s", "S",
		"t", "u", "v", "x", "+", "-", ":", "?", "[", "]", "/", "y", "é", "界", "\"", "f", "A", "g", "G", "home", "end"}
	for seed, start := range []Options{{Free: free(crdt.Text)}, {Scenario: demo(t, "cart")}, {}, {Scenario: demo(t, "seed"), ByAction: true}} {
		rng := rand.New(rand.NewPCG(7, uint64(seed)))
		m := newRoot(t, start, 80, 24)
		w, h := 80, 24
		for i := range 10_000 {
			switch rng.IntN(20) {
			case 0:
				w, h = rng.IntN(220)+1, rng.IntN(60)+1
				m.Update(tea.WindowSizeMsg{Width: w, Height: h})
			case 1:
				m.Update(tea.MouseClickMsg{X: rng.IntN(w + 5), Y: rng.IntN(h + 5), Button: tea.MouseLeft})
			case 2:
				m.Update(tea.PasteMsg{Content: "edit Alice insert 0 \"hi\""})
			default:
				k := keys[rng.IntN(len(keys))]
				if k == "q" || k == "ctrl+c" {
					continue
				}
				send(t, m, k)
			}
			if i%50 == 0 {
				checkFits(t, screen(m), w, h)
			}
		}
		checkFits(t, screen(m), w, h)
	}
}

// TestTeatestSmoke runs the real program loop headless and checks the final
// view (raw output bytes depend on timing, so they are not compared).
func TestTeatestSmoke(t *testing.T) {
	root, err := New(Options{Scenario: demo(t, "seed"), Theme: ui.Mono, ThemeFixed: true, NoAsk: true})
	if err != nil {
		t.Fatal(err)
	}
	tm := teatest.NewTestModel(t, root, teatest.WithInitialTermSize(80, 24),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.NoTTY)))
	// Messages are handled in the order sent, so q comes after the steps;
	// the output bytes are not waited on (the renderer writes only what
	// changed, so their content depends on timing).
	for range 3 {
		tm.Send(keyMsg("right"))
	}
	tm.Send(keyMsg("q"))
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*Root)
	view := ansi.Strip(final.View().Content)
	if !strings.Contains(view, "step 3/6") || !strings.Contains(view, `"Updated Scene"`) {
		t.Fatalf("final view:\n%s", view)
	}
}

// TestGoldenDiagrams compares the screen with the space-time diagram
// open, at 80x24 and 120x36: crossing messages (seed step 4, landed and
// still in flight), overtaking (reorder), a duplicate, a drop, and a
// partition whose held message is delivered after the heal.
func TestGoldenDiagrams(t *testing.T) {
	dropDemo := func() *demos.Scenario {
		s, err := demos.Load(filepath.Join("testdata", "diagram-drop.demo"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	rights := func(n int) []string {
		keys := make([]string, n)
		for i := range keys {
			keys[i] = "right"
		}
		return keys
	}
	cases := []struct {
		name string
		opts func() Options
		keys []string
	}{
		{"seed", func() Options { return Options{Scenario: demo(t, "seed"), NoAsk: true} }, append(rights(4), "g")},
		// By action, each step starts at action 0: step 1 (no action) takes
		// one frame, step 2 two, step 3 three (its sync in flight, then
		// landed), then step 4's start, its two edits and its sync in flight.
		{"seed-inflight", func() Options { return Options{Scenario: demo(t, "seed"), NoAsk: true, ByAction: true} }, append(rights(10), "g")},
		{"reorder", func() Options { return Options{Scenario: demo(t, "reorder"), NoAsk: true} }, append(rights(4), "g")},
		{"duplicate", func() Options { return Options{Scenario: demo(t, "duplicate"), NoAsk: true} }, append(rights(4), "g")},
		{"drop", func() Options { return Options{Scenario: dropDemo(), NoAsk: true} }, append(rights(3), "g")},
		{"partition", func() Options { return Options{Scenario: demo(t, "partition"), NoAsk: true} }, append(rights(4), "g")},
	}
	for _, tc := range cases {
		for _, sz := range [][2]int{{80, 24}, {120, 36}} {
			name := "diagram-" + tc.name + "-" + strconv.Itoa(sz[0]) + "x" + strconv.Itoa(sz[1])
			t.Run(name, func(t *testing.T) {
				m := newRoot(t, tc.opts(), sz[0], sz[1])
				send(t, m, tc.keys...)
				got := screen(m)
				checkFits(t, got, sz[0], sz[1])
				golden(t, name, got)
			})
		}
	}
}
