package model

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"crdtviz/crdt"
	"crdtviz/demos"
	"crdtviz/replicas"
	"crdtviz/ui"
)

// Tests of what a lecturer meets live: every key labelled, no key that
// quits unless it says so, pending choices that own their keys, nothing a
// teacher built lost to one stray key.

// msgOf runs a command briefly and returns its message; a command that
// takes longer (a tick) gives nil.
func msgOf(cmd tea.Cmd) tea.Msg {
	if cmd == nil {
		return nil
	}
	ch := make(chan tea.Msg, 1)
	go func() { ch <- cmd() }()
	select {
	case msg := <-ch:
		return msg
	case <-time.After(100 * time.Millisecond):
		return nil
	}
}

// quits reports whether a command quits the program.
func quits(cmd tea.Cmd) bool {
	switch msg := msgOf(cmd).(type) {
	case tea.QuitMsg:
		return true
	case tea.BatchMsg:
		for _, c := range msg {
			if quits(c) {
				return true
			}
		}
	}
	return false
}

// press sends one key and reports whether it quit.
func press(m *Root, k string) bool {
	_, cmd := m.Update(keyMsg(k))
	return quits(cmd)
}

// helpText opens the help screen and scrolls it to the end, returning all
// it showed.
func helpText(t *testing.T, m *Root) string {
	t.Helper()
	send(t, m, "?")
	if m.Mode() != ModeHelp {
		t.Fatalf("? did not open help: %s", m.Mode())
	}
	var all strings.Builder
	for range 100 {
		all.WriteString(screen(m))
		if !m.helpScreen.Scrolls() || m.helpScreen.offset == m.helpScreen.maxOffset() {
			break
		}
		send(t, m, "down")
	}
	return all.String()
}

// Item 1: every key that works is labelled on the help screen at 80x24,
// at once or after scrolling, and the screen says how to scroll and close.
func TestHelpShowsEveryKeyAt80x24(t *testing.T) {
	for _, opts := range []Options{{Free: free(crdt.ORSet)}, {Scenario: demo(t, "seed")}, {Free: free(crdt.PNCounter), ASCII: true}} {
		m := newRoot(t, opts, 80, 24)
		text := helpText(t, m)
		if !strings.Contains(text, "scroll") || !strings.Contains(text, "esc or ? closes") {
			t.Fatalf("the help screen does not say how to scroll and close:\n%s", text)
		}
		n := 0
		for _, g := range m.keys.Groups() {
			for _, b := range g.Keys {
				if !b.Enabled() {
					continue
				}
				n++
				want := b.Help().Key + strings.Repeat(" ", 2) // the key column, then its description
				if !strings.Contains(text, b.Help().Key) || !strings.Contains(text, b.Help().Desc) || !strings.Contains(text, want) {
					t.Errorf("help at 80x24 never shows %q %q", b.Help().Key, b.Help().Desc)
				}
			}
		}
		if n < 30 {
			t.Fatalf("only %d keys enabled", n)
		}
		for _, closeKey := range []string{"esc", "?"} {
			if m.Mode() != ModeHelp {
				send(t, m, "?")
			}
			send(t, m, closeKey)
			if m.Mode() == ModeHelp {
				t.Fatalf("%s did not close help", closeKey)
			}
		}
	}
}

// Item 2: the help bar always ends with "? help" and "q quit".
func TestHelpBarEndsWithHelpAndQuit(t *testing.T) {
	for _, w := range []int{ui.MinWidth, 60, 80, 120, 200} {
		for _, opts := range []Options{{Free: free(crdt.ORSet)}, {Scenario: demo(t, "seed")}, {Scenario: demo(t, "seed"), ASCII: true}} {
			m := newRoot(t, opts, w, 24)
			lines := strings.Split(screen(m), "\n")
			bar := strings.TrimRight(lines[len(lines)-1], " ")
			if !strings.HasSuffix(bar, "? help • q quit") && !(opts.ASCII && strings.HasSuffix(bar, "? help | q quit")) {
				t.Errorf("%d columns: the help bar is %q", w, bar)
			}
		}
	}
}

// Item 3: in the start menu and the type picker, q quits (except while a
// filter is typed) and no other key quits; v is not a quit key; esc clears a
// filter, and on the type picker goes back to free play.
func TestMenuKeysDoWhatTheySay(t *testing.T) {
	keys := []string{"v", "esc", "enter", "x", "Q", "space", "left", "right", "up", "down", "/", "?", "h", "l", "g", "G"}
	for _, k := range keys {
		m := newRoot(t, Options{}, 80, 24)
		if press(m, k) {
			t.Errorf("%q quits the start menu", k)
		}
	}
	m := newRoot(t, Options{}, 80, 24)
	if !press(m, "q") {
		t.Fatal("q does not quit the start menu")
	}
	// While typing a filter, q types.
	m = newRoot(t, Options{}, 80, 24)
	send(t, m, "/")
	if press(m, "q") || !m.menu.Filtering() {
		t.Fatal("q quit while typing a filter")
	}
	send(t, m, "esc")
	if m.menu.Filtering() || m.Mode() != ModeStart {
		t.Fatalf("esc did not cancel the filter: mode %s", m.Mode())
	}
	// The type picker: esc goes back to free play; v does not quit.
	m = newRoot(t, Options{Free: free(crdt.ORSet)}, 80, 24)
	send(t, m, "t")
	if m.Mode() != ModeTypes || press(m, "v") {
		t.Fatalf("type picker: mode %s, or v quit", m.Mode())
	}
	send(t, m, "esc")
	if m.Mode() != ModeFree {
		t.Fatalf("esc on the type picker: mode %s, want free", m.Mode())
	}
}

// Item 3 again, as teatest runs it: v in the menu does not end the program.
func TestMenuVDoesNotQuitTeatest(t *testing.T) {
	root, err := New(Options{Theme: ui.Mono, ThemeFixed: true})
	if err != nil {
		t.Fatal(err)
	}
	tm := teatest.NewTestModel(t, root, teatest.WithInitialTermSize(80, 24),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.NoTTY)))
	tm.Send(keyMsg("v"))
	tm.Send(keyMsg("enter")) // still in the menu: starts the seed demo
	tm.Send(keyMsg("q"))
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*Root)
	if final.Mode() != ModeDemo || final.sess.name != "seed" {
		t.Fatalf("after v, enter, q: mode %s", final.Mode())
	}
}

// Item 4: after t and esc in free play, esc reaches the full menu, demos
// and all.
func TestEscAfterTypePickerReachesTheDemos(t *testing.T) {
	m := newRoot(t, Options{Free: free(crdt.ORSet)}, 80, 24)
	send(t, m, "t", "esc", "esc")
	if m.Mode() != ModeStart || !strings.Contains(screen(m), "Demo: Three servers, one movie") {
		t.Fatalf("mode %s:\n%s", m.Mode(), screen(m))
	}
}

// Item 5: esc keeps your place; picking the same demo resumes it; starting
// something else over unsaved free play asks once first.
func TestEscKeepsYourPlace(t *testing.T) {
	m := newRoot(t, Options{}, 80, 24)
	send(t, m, "enter", "right", "right") // the seed demo, step 2
	send(t, m, "esc")
	if !strings.Contains(screen(m), "Resume: Three servers, one movie (step 2/6)") {
		t.Fatalf("no resume item:\n%s", screen(m))
	}
	send(t, m, "enter")
	if m.Mode() != ModeDemo || m.sess.step != 2 {
		t.Fatalf("resume: mode %s step %d", m.Mode(), m.sess.step)
	}
	send(t, m, "esc", "down", "enter") // the seed demo again: resumes
	if m.Mode() != ModeDemo || m.sess.step != 2 {
		t.Fatalf("picking the same demo: mode %s step %d", m.Mode(), m.sess.step)
	}
	send(t, m, "esc", "esc") // esc on the menu goes back too
	if m.Mode() != ModeDemo || m.sess.step != 2 {
		t.Fatalf("esc on the menu: mode %s step %d", m.Mode(), m.sess.step)
	}

	// Free play with three actions, not recorded.
	m = newRoot(t, Options{Free: free(crdt.PNCounter)}, 80, 24)
	send(t, m, "+", "+", "S", "esc")
	if !strings.Contains(screen(m), "Resume free play: pn-counter, 3 actions") {
		t.Fatalf("no resume item:\n%s", screen(m))
	}
	send(t, m, "down", "enter") // the seed demo: asks first
	if m.Mode() != ModeStart || !strings.Contains(screen(m), "3 unsaved actions will be replaced") {
		t.Fatalf("no question:\n%s", screen(m))
	}
	send(t, m, "x") // any other key keeps it
	if m.sess.cluster().Type() != crdt.PNCounter || m.sess.work() != 3 {
		t.Fatal("a stray key replaced the free play")
	}
	send(t, m, "enter", "enter") // asked again; enter replaces it
	if m.Mode() != ModeDemo || m.sess.name != "seed" {
		t.Fatalf("mode %s", m.Mode())
	}
	// With --record, nothing is lost, so nothing is asked.
	m = newRoot(t, Options{Free: free(crdt.PNCounter), Save: func(string) tea.Cmd { return nil }}, 80, 24)
	send(t, m, "+", "esc", "down", "enter")
	if m.Mode() != ModeDemo {
		t.Fatalf("with --record: mode %s", m.Mode())
	}
}

// Item 6: q never silently discards free-play work.
func TestQuitAsksBeforeLosingWork(t *testing.T) {
	m := newRoot(t, Options{Free: free(crdt.PNCounter)}, 80, 24)
	if !press(m, "q") {
		t.Fatal("q with no actions should quit at once")
	}
	m = newRoot(t, Options{Free: free(crdt.PNCounter)}, 80, 24)
	send(t, m, "+")
	if press(m, "q") {
		t.Fatal("the first q quit with an unsaved action")
	}
	if !strings.Contains(screen(m), "press q again to quit (1 action will be lost; :w FILE saves them)") {
		t.Fatalf("no confirmation:\n%s", screen(m))
	}
	if !press(m, "q") {
		t.Fatal("the second q did not quit")
	}
	// Any other key keeps the session and does nothing else.
	m = newRoot(t, Options{Free: free(crdt.PNCounter)}, 80, 24)
	send(t, m, "+", "q", "+")
	if m.sess.work() != 1 {
		t.Fatalf("the key after the question acted: %d actions", m.sess.work())
	}
	// In a demo, and when recording, q quits at once.
	if m := newRoot(t, Options{Scenario: demo(t, "seed")}, 80, 24); !press(m, "q") {
		t.Fatal("q in a demo should quit")
	}
	m = newRoot(t, Options{Free: free(crdt.PNCounter), Save: func(string) tea.Cmd { return nil }}, 80, 24)
	send(t, m, "+")
	if !press(m, "q") {
		t.Fatal("q when recording should quit")
	}
	// After :w, nothing is lost.
	var wrote []byte
	m = newRoot(t, Options{Free: free(crdt.PNCounter), WriteFile: func(p string, d []byte, _ bool) error { wrote = d; return nil }}, 80, 24)
	send(t, m, "+", ":")
	typeText(t, m, "w lesson.demo")
	_, cmd := m.Update(keyMsg("enter"))
	m.Update(msgOf(cmd))
	if !strings.Contains(string(wrote), "edit Alice inc 1") || !press(m, "q") {
		t.Fatalf(":w then q: wrote %q", wrote)
	}
}

// Item 6, as teatest runs it: the first q does not end the program.
func TestQuitConfirmationTeatest(t *testing.T) {
	root, err := New(Options{Free: free(crdt.GCounter), Theme: ui.Mono, ThemeFixed: true})
	if err != nil {
		t.Fatal(err)
	}
	tm := teatest.NewTestModel(t, root, teatest.WithInitialTermSize(80, 24),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.NoTTY)))
	tm.Send(keyMsg("+"))
	tm.Send(keyMsg("q"))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return strings.Contains(string(b), "press q again to quit") },
		teatest.WithDuration(5*time.Second))
	tm.Send(keyMsg("q"))
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*Root)
	if final.sess.work() != 1 {
		t.Fatalf("work %d", final.sess.work())
	}
}

// Item 7: a pending choice owns its keys; s a and m a do what the line
// says; b crosses; home and end restart and finish a demo.
func TestPendingChoiceOwnsItsKeys(t *testing.T) {
	m := newRoot(t, Options{Scenario: demo(t, "seed")}, 80, 24)
	send(t, m, "s")
	if !strings.Contains(screen(m), "1-3, a for all, esc cancels") {
		t.Fatalf("no chooser line:\n%s", screen(m))
	}
	send(t, m, "a")
	if m.auto.on || m.chooser.Pending() {
		t.Fatalf("s a: autoplay %v, chooser still pending %v", m.auto.on, m.chooser.Pending())
	}
	if got := m.sess.tl.Action(m.sess.tl.Pos() - 1).String(); got != `sync "Server 1" -> all` {
		t.Fatalf("s a did %q", got)
	}
	send(t, m, "m", "x", "2") // a stray key keeps the choice open
	if got := m.sess.tl.Action(m.sess.tl.Pos() - 1).String(); got != `send "Server 1" -> "Server 2"` {
		t.Fatalf("m x 2 did %q", got)
	}
	send(t, m, "m", "a")
	if got := m.sess.tl.Action(m.sess.tl.Pos() - 1).String(); got != `send "Server 1" -> all` {
		t.Fatalf("m a did %q", got)
	}
	send(t, m, "b", "3")
	if got := m.sess.tl.Action(m.sess.tl.Pos() - 1).String(); got != `sync "Server 1" <-> "Server 3"` {
		t.Fatalf("b 3 did %q", got)
	}
	pos := m.sess.tl.Pos()
	send(t, m, "c", "esc", "1")
	if m.sess.tl.Pos() != pos || m.focus != 0 {
		t.Fatalf("c esc then 1: %d actions, focus %d", m.sess.tl.Pos(), m.focus)
	}
	// A digit after a cancelled choice is a plain focus key, never a branch.
	m = newRoot(t, Options{Scenario: demo(t, "seed")}, 80, 24)
	send(t, m, "s", "a")
	if m.auto.on {
		t.Fatal("a after s started autoplay")
	}
	m = newRoot(t, Options{Scenario: demo(t, "seed")}, 80, 24)
	send(t, m, "end")
	if m.sess.step != 6 {
		t.Fatalf("end: step %d", m.sess.step)
	}
	send(t, m, "home")
	if m.sess.step != 0 {
		t.Fatalf("home: step %d", m.sess.step)
	}
}

// Item 8: an action with nothing to do is neither recorded nor
// destructive: the tick stays, the history stays, redo survives.
func TestNoOpActionsAreNotRecorded(t *testing.T) {
	var saved []string
	m := newRoot(t, Options{Free: free(crdt.PNCounter), Save: func(s string) tea.Cmd { saved = append(saved, s); return nil }}, 80, 24)
	send(t, m, "+", "+", "left") // one action to redo
	tick, n, rec := m.sess.cluster().Tick(), m.sess.tl.Len(), m.Recording()
	before := len(saved)
	for _, k := range []string{"H", "D"} {
		send(t, m, k)
		if !strings.Contains(screen(m), "Nothing to do") {
			t.Fatalf("%s: no notice:\n%s", k, screen(m))
		}
	}
	send(t, m, "c", "2", "c", "2") // cut, then heal: both do something
	send(t, m, "left", "left")     // back to before the cut
	m.Update(keyMsg("H"))
	if m.sess.cluster().Tick() != tick || m.sess.tl.Len() != n+1 || m.Recording() != rec {
		t.Fatalf("a no-op changed the session: tick %d (was %d), %d actions", m.sess.cluster().Tick(), tick, m.sess.tl.Len())
	}
	_ = before
	send(t, m, "right", "right")
	if m.sess.tl.Pos() != m.sess.tl.Len() {
		t.Fatal("redo history was lost")
	}
}

// Item 9: at 120 columns a message fits on one line with both payloads; at
// 80 a long one is cut at a word, with an ellipsis.
func TestMessagesPaneUsesItsWidth(t *testing.T) {
	m := newRoot(t, Options{Scenario: demo(t, "duplicate")}, 120, 36)
	send(t, m, "right")
	if !regexp.MustCompile(`m1 Shop → Warehouse · plain 1 \(3 B\) · crdt 1 \(13 B\) · age 1`).MatchString(screen(m)) {
		t.Fatalf("message cut at 120 columns:\n%s", screen(m))
	}
	m = newRoot(t, Options{Free: free(crdt.ORSet, "Philadelphia", "Johannesburg", "Montevideo")}, 80, 24)
	send(t, m, ":")
	typeText(t, m, "edit Philadelphia add strawberries; edit Philadelphia add raspberries; send Philadelphia -> Johannesburg")
	send(t, m, "enter")
	var line string
	for _, l := range strings.Split(screen(m), "\n") {
		if strings.Contains(l, "m1 Philadelphia") {
			line = strings.TrimRight(l, " ")
		}
	}
	if !strings.HasSuffix(line, "…") || strings.Contains(line, "strawb…") || strings.Contains(line, "raspb…") {
		t.Fatalf("message line %q: not cut at a word", line)
	}
}

// Item 10: the prompt's example uses this session's names; ; runs several
// statements, each recorded on its own line; a missing ; is explained.
func TestPromptExamplesAndSemicolons(t *testing.T) {
	m := newRoot(t, Options{Free: free(crdt.ORSet, "Ann", "Ben")}, 120, 36)
	send(t, m, ":")
	if out := screen(m); !strings.Contains(out, "edit Ann add x; sync Ann -> Ben") || strings.Contains(out, "Server 1") {
		t.Fatalf("prompt example:\n%s", out)
	}
	typeText(t, m, "edit Ann add x; edit Ben add y; sync all")
	send(t, m, "enter")
	if rec := m.Recording(); !strings.Contains(rec, "edit Ann add x\nedit Ben add y\nsync all\n") {
		t.Fatalf("recording:\n%s", rec)
	}
	send(t, m, ":")
	typeText(t, m, "edit Ann add z sync all")
	send(t, m, "enter")
	if out := screen(m); !strings.Contains(out, "one statement ends where the next keyword starts") {
		t.Fatalf("error:\n%s", out)
	}
}

// sgrColours lists the colours a frame sets: 38;2;r;g;b and 48;2;… as hex,
// and any 16- or 256-colour code as "palette".
func sgrColours(frame string) (fg []string, other int) {
	re := regexp.MustCompile(`\x1b\[([0-9;:]*)m`)
	for _, m := range re.FindAllStringSubmatch(frame, -1) {
		ps := strings.Split(m[1], ";")
		for i := 0; i < len(ps); i++ {
			switch p := ps[i]; {
			case (p == "38" || p == "48") && i+4 < len(ps) && ps[i+1] == "2":
				if p == "38" {
					fg = append(fg, fmt.Sprintf("#%02x%02x%02x", atoi(ps[i+2]), atoi(ps[i+3]), atoi(ps[i+4])))
				}
				i += 4
			case p == "38" || p == "48":
				other++
				i += 2
			case len(p) == 2 && (p[0] == '3' || p[0] == '4' || p[0] == '9') && p != "39" && p != "49":
				other++
			case len(p) == 3 && p[0] == '1' && p[1] == '0':
				other++
			}
		}
	}
	return fg, other
}

func atoi(s string) int {
	n := 0
	fmt.Sscan(s, &n)
	return n
}

// frames renders what a lecturer sees in a theme: the start menu, a play
// screen with the prompt open, and the help screen.
func frames(t *testing.T, th ui.Theme) map[string]string {
	out := map[string]string{}
	m := newRoot(t, Options{Theme: th, ThemeFixed: true}, 80, 24)
	out["menu"] = m.View().Content
	send(t, m, "/")
	typeText(t, m, "car")
	out["menu filtering"] = m.View().Content
	m = newRoot(t, Options{Scenario: demo(t, "cart"), Theme: th, ThemeFixed: true}, 80, 24)
	send(t, m, "right", "right", "right")
	out["play"] = m.View().Content
	send(t, m, ":")
	typeText(t, m, "sy")
	out["prompt"] = m.View().Content
	send(t, m, "esc", "?")
	out["help"] = m.View().Content
	send(t, m, "esc", "t")
	m = newRoot(t, Options{Free: free(crdt.ORSet), Theme: th, ThemeFixed: true}, 80, 24)
	send(t, m, "t")
	out["type picker"] = m.View().Content
	return out
}

// Items 11-13: every colour on screen (menus, help, prompt, play) meets
// the theme's contrast against its background; mono emits no colour code.
func TestFramesMeetContrastAndMonoHasNoColour(t *testing.T) {
	for _, th := range ui.Themes {
		for name, frame := range frames(t, th) {
			fgs, other := sgrColours(frame)
			if th == ui.Mono {
				if len(fgs) > 0 || other > 0 {
					t.Errorf("mono %s: %d colours set", name, len(fgs)+other)
				}
				continue
			}
			if other > 0 {
				t.Errorf("%s %s: %d 16- or 256-colour codes, whose colour the theme cannot measure", th, name, other)
			}
			for _, c := range fgs {
				if r := ui.Contrast(lipgloss.Color(c), th.Background()); r < th.MinContrast() && !onOwnBackground(th, c) {
					t.Errorf("%s %s: foreground %s has %.2f:1", th, name, c, r)
				}
			}
		}
	}
}

// onOwnBackground reports whether c is a colour the theme draws only on a
// background of its own (the active tab, a conflict, the menu's title),
// which TestThemeContrast measures against that background.
func onOwnBackground(th ui.Theme, c string) bool {
	s := ui.NewStyles(th, false)
	for _, st := range []lipgloss.Style{s.Pane.TabActive, s.Replica.Conflict, s.Menu.Title} {
		r, g, b, _ := st.GetForeground().RGBA()
		if fmt.Sprintf("#%02x%02x%02x", r>>8, g>>8, b>>8) == c {
			return true
		}
	}
	return false
}

// Item 12 and 13: one frame per theme, with its escape codes, as a golden.
func TestGoldenThemeEscapes(t *testing.T) {
	for _, th := range ui.Themes {
		m := newRoot(t, Options{Scenario: demo(t, "cart"), Theme: th, ThemeFixed: true, NoAsk: true}, 80, 24)
		send(t, m, "right", "right", "right")
		golden(t, "escapes-"+string(th), m.View().Content)
	}
}

// Item 14: a failed expect typed at the prompt is recorded as a comment
// that says what was found, so the recording checks.
func TestFailedExpectIsRecordedAsAComment(t *testing.T) {
	m := newRoot(t, Options{Free: free(crdt.ORSet)}, 80, 24)
	send(t, m, ":")
	typeText(t, m, "edit Alice add milk; edit Bob add eggs; sync all; expect all = {milk}; expect converged")
	send(t, m, "enter")
	rec := m.Recording()
	if !strings.Contains(rec, "# expect all = {milk}: failed, got ") || !strings.Contains(rec, "\nexpect converged\n") {
		t.Fatalf("recording:\n%s", rec)
	}
	s, err := demos.Parse("rec.demo", []byte(rec))
	if err != nil {
		t.Fatal(err)
	}
	if run := demos.Execute(s); run.Err != nil || run.Failed() != 0 || run.Passed() != 1 {
		t.Fatalf("the recording does not check: %d passed, %d failed, %v", run.Passed(), run.Failed(), run.Err)
	}
}

// Item 15: a recording started from a demo keeps its title and about.
func TestRecordingKeepsTheDemoHeader(t *testing.T) {
	s := demo(t, "cart")
	m := newRoot(t, Options{Scenario: s}, 80, 24)
	send(t, m, "right", "right", "+")
	rec := m.Recording()
	if !strings.Contains(rec, "title \"Shopping cart\"\n") || !strings.Contains(rec, "about "+crdt.QuoteAlways(s.About)+"\n") {
		t.Fatalf("recording:\n%s", rec)
	}
}

// Item 18: autoplay paces by reading time: the base plus about 60 ms a
// word; the last frame stays at least 3 s before --exit ends the app.
func TestAutoplayPacesByReadingTime(t *testing.T) {
	s := demo(t, "seed")
	m := newRoot(t, Options{Scenario: s, Autoplay: time.Second, ExitAtEnd: true, NoAsk: true}, 80, 24)
	send(t, m, "right", "right", "right", "right", "right") // the first key pauses autoplay; the pace stays
	words := len(strings.Fields(s.Steps[3].Text))
	if got, want := m.stepTime(), time.Second+time.Duration(words)*60*time.Millisecond; got != want {
		t.Fatalf("step 4 stays %s, want %s (%d words)", got, want, words)
	}
	send(t, m, "end")
	if m.stepTime() < 3*time.Second {
		t.Fatalf("the last step stays %s", m.stepTime())
	}
	m = newRoot(t, Options{Scenario: demo(t, "reorder"), Autoplay: 300 * time.Millisecond, ExitAtEnd: true, NoAsk: true}, 80, 24)
	send(t, m, "x", "end") // x pauses autoplay
	if m.stepTime() != 3*time.Second {
		t.Fatalf("a short last step stays %s, want 3s", m.stepTime())
	}
}

// Item 19: the menu filter ranks demos by title before free-play types.
func TestMenuFilterRanksDemosByTitle(t *testing.T) {
	m := newRoot(t, Options{}, 80, 24)
	send(t, m, "/")
	typeText(t, m, "car")
	send(t, m, "enter")
	if m.Mode() != ModeDemo || m.sess.name != "cart" {
		t.Fatalf("/car enter: mode %s", m.Mode())
	}
}

// :w writes through the WriteFile the CLI gives, off the event loop, and
// reports a failure without losing the session.
func TestWriteCommand(t *testing.T) {
	dir := t.TempDir()
	write := func(p string, d []byte, overwrite bool) error {
		if _, err := os.Stat(p); err == nil && !overwrite {
			return fmt.Errorf("the file exists; use w! to overwrite it")
		}
		return os.WriteFile(p, d, 0o644)
	}
	m := newRoot(t, Options{Free: free(crdt.GCounter), WriteFile: write}, 80, 24)
	path := filepath.Join(dir, "a.demo")
	for i, cmdText := range []string{"w " + path, "w " + path, "w! " + path} {
		send(t, m, "+", ":")
		typeText(t, m, cmdText)
		_, cmd := m.Update(keyMsg("enter"))
		m.Update(msgOf(cmd))
		out := screen(m)
		if i == 1 && !strings.Contains(out, "the file exists") {
			t.Fatalf("second :w:\n%s", out)
		}
		if i != 1 && !strings.Contains(out, "Saved") {
			t.Fatalf("%s:\n%s", cmdText, out)
		}
	}
	b, _ := os.ReadFile(path)
	if strings.Count(string(b), "edit Alice inc 1") != 3 {
		t.Fatalf("file:\n%s", b)
	}
	_ = replicas.Plain
}

// At 80x24 a long step's narration and its expects scroll with ] and [,
// and the pane says so.
func TestNarrationScrollsAt80x24(t *testing.T) {
	s := demo(t, "seed")
	m := newRoot(t, Options{Scenario: s, NoAsk: true}, 80, 24)
	send(t, m, "right", "right", "right", "right")
	seen := screen(m)
	if !strings.Contains(seen, "more lines: ] scrolls down") {
		t.Fatalf("no scroll marker:\n%s", seen)
	}
	for range 10 {
		send(t, m, "]")
		seen += screen(m)
	}
	for _, e := range m.sess.run.Steps[3].Expects {
		if !strings.Contains(seen, e.Statement.String()) {
			t.Errorf("never shown: %s", e.Statement)
		}
	}
	send(t, m, "right")
	if m.narrationOffset != 0 {
		t.Fatal("the next step does not start at its top")
	}
}
