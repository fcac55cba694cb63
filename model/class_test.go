package model

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"crdtviz/class"
	"crdtviz/crdt"
	"crdtviz/replicas"
	"crdtviz/ui"
)

// classSnap is a class as the teacher Alice sees it: Bob agrees and has
// seen the same edits, Carol is cut off and differs (she saw other edits),
// Dan is dead.
func classSnap(members int) class.Snapshot {
	s := class.Snapshot{Name: "Alice", Teacher: "Alice", Type: crdt.ORSet, Mode: replicas.ModeDelta,
		Addr: "192.168.1.20:7946", Join: "crdtviz class join 192.168.1.20:7946 KQ4T-9WZM-3XH7-P2LC", Code: "KQ4T-9WZM-3XH7-P2LC",
		CRDT: "{eggs, jam, milk, rice, tea}", Plain: "{eggs, jam, milk}", SeenN: 5, SeenSum: 55,
		Groups: [][]string{{"Alice", "Bob"}, {"Carol", "Dan"}}}
	s.Members = []class.Member{
		{Name: "Bob", Status: class.Alive, Heard: true, CRDT: s.CRDT, Plain: s.Plain, Same: [2]bool{true, true}, SeenN: 5, SeenSum: 55},
		{Name: "Carol", Status: class.Suspect, Heard: true, CRDT: "{eggs, milk, rice, tea}", Plain: "{eggs, milk, rice}", Blocked: true, SeenN: 4, SeenSum: 44},
		{Name: "Dan", Status: class.Dead, Heard: true, CRDT: "{eggs, milk, tea}", Plain: "{tea}", Blocked: true, SeenN: 3, SeenSum: 33},
	}
	for i := len(s.Members); i < members; i++ {
		s.Members = append(s.Members, class.Member{Name: fmt.Sprintf("Student %02d", i), Status: class.Alive,
			Heard: i%3 != 0, CRDT: s.CRDT, Plain: "{milk}", Same: [2]bool{false, true}, SeenN: 5, SeenSum: 55})
	}
	return s
}

var classLogLines = []string{
	"Bob joined the class",
	"merge: Bob's edit (add eggs) reached Alice by broadcast: {milk} → {eggs, milk}",
	"partition: the teacher cut the class into Alice Bob | Carol Dan",
	"plain: Bob's state reached Alice by push/pull and overwrote {eggs, milk, rice} with {eggs, jam, milk}",
}

func screenOf(snap class.Snapshot, log []string, status, bar string) ui.ClassState {
	st := ClassScreenState(snap)
	st.Log, st.Status, st.Bar = log, status, bar
	return st
}

// TestClassScreenGolden: the class screen at 80x24 and 120x36, with boxes
// and, for a large class, the table.
func TestClassScreenGolden(t *testing.T) {
	s := ui.NewStyles(ui.Mono, false)
	for _, c := range []struct {
		name          string
		members, left int
		w, h          int
	}{
		{"class-boxes-80x24", 3, 0, 80, 24},
		{"class-boxes-120x36", 3, 0, 120, 36},
		{"class-table-80x24", 14, 0, 80, 24},
		{"class-table-120x36", 14, 0, 120, 36},
		// 250 joined, and all but 9 left (the review's class, filled by
		// one student's loop): one line says who left, not 241 rows.
		{"class-departed-80x24", 250, 241, 80, 24},
		{"class-departed-120x36", 250, 241, 120, 36},
	} {
		t.Run(c.name, func(t *testing.T) {
			bar := ui.HelpBar([]ui.HelpItem{{Key: "e", Desc: "edit"}, {Key: "?", Desc: "help"}, {Key: "q", Desc: "quit"}}, c.w, s)
			snap := classSnap(c.members)
			for i := len(snap.Members) - c.left; i < len(snap.Members); i++ {
				snap.Members[i].Status = class.Left
			}
			got := ansi.Strip(ui.ClassScreen(screenOf(snap, classLogLines, "Edit with e or +.", bar), s, c.w, c.h))
			checkFits(t, got, c.w, c.h)
			golden(t, c.name, got)
			if !strings.Contains(got, "crdtviz class join 192.168.1.20:7946 KQ4T-9WZM-3XH7-P2LC") {
				t.Errorf("the join line is not whole on one line")
			}
		})
	}
}

// TestClassJoinLineFits: the join line, with the longest IPv4 address and
// port, fits on one line at 80 columns.
func TestClassJoinLineFits(t *testing.T) {
	s := ui.NewStyles(ui.Mono, false)
	snap := classSnap(3)
	snap.Join = "crdtviz class join 192.168.100.200:65535 KQ4T-9WZM-3XH7-P2LC"
	got := ansi.Strip(ui.ClassScreen(screenOf(snap, nil, "", ""), s, 80, 24))
	if !strings.Contains(got, snap.Join) {
		t.Errorf("the join line is cut or wrapped at 80 columns:\n%s", got)
	}
}

// TestClassBanner: the banner's words are the simulator's four, each true
// of the members shown: CONVERGED (equal, the same edits seen), EQUAL
// (equal, someone behind), PENDING (a member differs having seen other
// edits, or is not heard yet), DIVERGED (a member saw the same edits and
// differs). A member the partition cuts off says "cut off", not "dead".
func TestClassBanner(t *testing.T) {
	s := ui.NewStyles(ui.Mono, false)
	banner := func(snap class.Snapshot) string {
		return ansi.Strip(ui.ClassScreen(screenOf(snap, nil, "", ""), s, 120, 36))
	}
	snap := classSnap(3)
	got := banner(snap)
	for _, want := range []string{"CRDT: PENDING ⋯ 2 of 3 agree with Alice; Carol saw other edits", "Plain overwrite: PENDING ⋯ 2 of 3 agree with Alice; Carol saw other edits",
		"Partition: Alice Bob | Carol Dan · ╳ cut off from Alice: Carol, Dan", "Dan ╳ cut off", "Carol ╳ cut off"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	snap.Members = snap.Members[:1]
	if got := banner(snap); !strings.Contains(got, "CRDT: CONVERGED ✓ both agree and have seen the same edits") {
		t.Errorf("two agreeing members:\n%s", got)
	}
	snap.Members[0].SeenN, snap.Members[0].SeenSum = 4, 44
	if got := banner(snap); !strings.Contains(got, "CRDT: EQUAL ⋯ 2 of 2 agree with Alice; Bob hasn't seen every edit yet") {
		t.Errorf("equal values, Bob behind:\n%s", got)
	}
	snap.Members[0].SeenN, snap.Members[0].SeenSum = 5, 55
	snap.Members[0].Same = [2]bool{false, true}
	if got := banner(snap); !strings.Contains(got, "Plain overwrite: DIVERGED ✗ Bob saw the same edits as Alice and differs") ||
		!strings.Contains(got, "CRDT: CONVERGED") {
		t.Errorf("the plain lane differs after the same edits:\n%s", got)
	}
	snap.Groups, snap.Members[0].Blocked, snap.Members[0].Status = nil, false, class.Dead
	if got := banner(snap); !strings.Contains(got, "Bob dead") || !strings.Contains(got, "ALONE") {
		t.Errorf("a dead member, no partition:\n%s", got)
	}
}

func classNode(t *testing.T, name string, teacher *class.Node) *class.Node {
	t.Helper()
	var n *class.Node
	var err error
	if teacher == nil {
		n, err = class.Start(class.Options{Name: name, Type: crdt.GCounter, Mode: replicas.ModeDelta, Bind: "127.0.0.1:0"})
	} else {
		n, err = class.Join(teacher.Addr(), class.Options{Name: name, Bind: "127.0.0.1:0", Code: teacher.Snapshot().Code})
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = n.Leave() })
	return n
}

func newClass(t *testing.T, n *class.Node, w, h int) *Class {
	m := NewClass(n, ClassOptions{Theme: ui.Mono, ThemeFixed: true})
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return m
}

func classKeys(m *Class, keys ...string) tea.Cmd {
	var cmd tea.Cmd
	for _, k := range keys {
		_, cmd = m.Update(keyMsg(k))
	}
	return cmd
}

func classScreen(m *Class) string { return ansi.Strip(m.View().Content) }

// runCmd runs a command the model returned and hands its message back,
// as Bubble Tea would.
func runCmd(t *testing.T, m *Class, cmd tea.Cmd) {
	t.Helper()
	if cmd == nil {
		t.Fatal("no command")
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	select {
	case msg := <-done:
		m.Update(msg)
	case <-time.After(10 * time.Second):
		t.Fatal("the command did not finish")
	}
}

// TestClassKeys: + edits the teacher's own counter; the help screen lists
// every key that works, at 80x24; a student has no teacher keys; q asks
// first, and any other key keeps the class.
func TestClassKeys(t *testing.T) {
	alice := classNode(t, "Alice", nil)
	m := newClass(t, alice, 80, 24)
	if join := alice.JoinLine(); join == "" || !strings.Contains(classScreen(m), join) {
		t.Errorf("the teacher's screen does not show the join line %q:\n%s", join, classScreen(m))
	}
	runCmd(t, m, classKeys(m, "+"))
	runCmd(t, m, m.wait()) // the node's events, as Init's command delivers them
	if got := m.snap.CRDT; got != "1" {
		t.Fatalf("after +, the counter is %s", got)
	}
	if !strings.Contains(classScreen(m), "Alice: inc 1") {
		t.Errorf("the log does not say what + did:\n%s", classScreen(m))
	}
	// W holds the room and W releases it; F freezes editing and F thaws.
	runCmd(t, m, classKeys(m, "W"))
	if !strings.Contains(classScreen(m), "HELD by the teacher: your edits stay on this laptop") {
		t.Errorf("W did not hold the room:\n%s", classScreen(m))
	}
	runCmd(t, m, classKeys(m, "W"))
	runCmd(t, m, classKeys(m, "F"))
	if !strings.Contains(classScreen(m), "PAUSED: the teacher has paused editing") || m.snap.Held {
		t.Errorf("W, F: not released and frozen:\n%s", classScreen(m))
	}
	runCmd(t, m, classKeys(m, "+"))
	if !strings.Contains(classScreen(m), "paused editing (pencils down)") || m.snap.CRDT != "1" {
		t.Errorf("+ while frozen:\n%s", classScreen(m))
	}
	runCmd(t, m, classKeys(m, "F"))
	if m.snap.Frozen {
		t.Error("F did not thaw")
	}
	classKeys(m, "?")
	help := classScreen(m)
	for _, want := range []string{"edit your replica", "inc / add", "partition the class", "heal the partition", "reset the class", "hold the room", "freeze editing",
		"kick a member out", "leave the class and quit", "leave and quit at once", "command prompt"} {
		if !strings.Contains(help, want) {
			t.Errorf("the help screen at 80x24 lacks %q:\n%s", want, help)
		}
	}
	classKeys(m, "esc")
	if m.mode != ClassView {
		t.Fatalf("esc left the help screen in mode %s", m.mode)
	}
	// K opens the prompt with kick typed; a name no one holds is refused
	// there, with the line given back.
	classKeys(m, "K")
	if m.mode != ClassPrompt || !strings.Contains(classScreen(m), "kick ") {
		t.Fatalf("K did not open the prompt with kick (mode %s):\n%s", m.mode, classScreen(m))
	}
	for _, r := range "Nobody" {
		classKeys(m, string(r))
	}
	runCmd(t, m, classKeys(m, "enter"))
	if m.mode != ClassPrompt || !strings.Contains(classScreen(m), "no member is named Nobody") {
		t.Errorf("kick Nobody:\n%s", classScreen(m))
	}
	classKeys(m, "esc")
	// q asks; another key keeps the class.
	if cmd := classKeys(m, "q"); cmd != nil || m.mode != ClassConfirm {
		t.Fatalf("q did not ask first (mode %s)", m.mode)
	}
	if !strings.Contains(classScreen(m), "press q again to leave the class") {
		t.Errorf("the question is not on screen:\n%s", classScreen(m))
	}
	if cmd := classKeys(m, "x"); cmd != nil || m.mode != ClassView {
		t.Fatalf("a stray key after q did something (mode %s)", m.mode)
	}
	// Editing another's replica is refused, with the line given back.
	classKeys(m, ":")
	for _, r := range "edit Bob inc 1" {
		if r == ' ' {
			classKeys(m, "space")
		} else {
			classKeys(m, string(r))
		}
	}
	runCmd(t, m, classKeys(m, "enter"))
	if m.mode != ClassPrompt || !strings.Contains(classScreen(m), "you can edit only your own replica") {
		t.Errorf("editing Bob:\n%s", classScreen(m))
	}
	classKeys(m, "esc")

	bob := classNode(t, "Bob", alice)
	s := newClass(t, bob, 80, 24)
	classKeys(s, "?")
	if help := classScreen(s); strings.Contains(help, "partition the class") || strings.Contains(help, "reset the class") || strings.Contains(help, "kick a member") {
		t.Errorf("a student's help lists the teacher's keys:\n%s", help)
	}
	classKeys(s, "esc")
	for _, k := range []string{"P", "K"} {
		if cmd := classKeys(s, k); cmd != nil || s.mode != ClassView {
			t.Errorf("%s did something for a student (mode %s)", k, s.mode)
		}
	}
	// q, then q again, leaves.
	classKeys(s, "q")
	cmd := classKeys(s, "q")
	if cmd == nil || !s.leaving {
		t.Fatal("q q did not leave")
	}
	runCmd(t, s, cmd)
	eventually(t, func() bool {
		for _, name := range alice.Members() {
			if name == "Bob" {
				return false
			}
		}
		return true
	})
}

func eventually(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("not within 10 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestClassScreenFits: the class screen is exactly w×h at every size from
// the smallest to a large one, with boxes and with the table.
func TestClassScreenFits(t *testing.T) {
	s := ui.NewStyles(ui.Dark, false)
	for _, members := range []int{0, 3, 7, 20} {
		snap := classSnap(members)
		if members == 0 {
			snap.Members = nil
		}
		st := screenOf(snap, classLogLines, "status", "bar")
		for w := ui.MinWidth - 2; w <= 132; w += 7 {
			for h := ui.MinHeight - 2; h <= 52; h += 5 {
				checkFits(t, ui.ClassScreen(st, s, w, h), w, h)
			}
		}
	}
}

// TestUIImportsNoClass: ui draws plain values; it never imports the class
// package (nor memberlist): model makes the values from the snapshot.
func TestUIImportsNoClass(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "crdtviz/ui").CombinedOutput()
	if err != nil {
		t.Skipf("go list: %v: %s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if dep == "crdtviz/class" || strings.Contains(dep, "memberlist") {
			t.Errorf("ui imports %s", dep)
		}
	}
}

// TestClassAsk: the teacher asks at the prompt; a student's screen shows
// the question and its digits; 2 answers; the teacher's screen shows the
// live tally without names, and C closes it.
func TestClassAsk(t *testing.T) {
	alice := classNode(t, "Alice", nil)
	bob := classNode(t, "Bob", alice)
	m, s := newClass(t, alice, 80, 24), newClass(t, bob, 80, 24)
	runCmd(t, m, m.run(`ask "Will the counters agree?" choices yes | no`))
	if !strings.Contains(classScreen(m), "Question: Will the counters agree?") {
		t.Fatalf("the teacher's screen:\n%s", classScreen(m))
	}
	eventually(t, func() bool {
		s.Update(classEventsMsg{snap: bob.Snapshot()})
		return strings.Contains(classScreen(s), "1 yes · 2 no · press 1-2")
	})
	runCmd(t, s, classKeys(s, "2"))
	if !strings.Contains(classScreen(s), "(your answer: 2; you may change it)") {
		t.Errorf("Bob's screen after 2:\n%s", classScreen(s))
	}
	eventually(t, func() bool {
		m.Update(classEventsMsg{snap: alice.Snapshot()})
		return strings.Contains(classScreen(m), "live: yes 0 · no 1 · no answer 0")
	})
	if strings.Contains(classScreen(m), "Bob 2") || strings.Contains(classScreen(m), "Bob: 2") {
		t.Errorf("the teacher's screen names who answered what:\n%s", classScreen(m))
	}
	runCmd(t, m, classKeys(m, "C"))
	if !strings.Contains(classScreen(m), "tally: yes 0 · no 1 · no answer 0") {
		t.Errorf("after C:\n%s", classScreen(m))
	}
}

// TestClassScript: → runs the script's next line on the teacher's
// screen; a line naming someone not in the class says so and is skipped.
func TestClassScript(t *testing.T) {
	alice := classNode(t, "Alice", nil)
	sc, err := class.ParseScript("lesson.class", []byte("say Hello, room.\npartition Alice | Zed\nfreeze\n"))
	if err != nil {
		t.Fatal(err)
	}
	m := NewClass(alice, ClassOptions{Theme: ui.Mono, ThemeFixed: true, Script: sc})
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	if !strings.Contains(classScreen(m), "script lesson.class: 0 of 3 run · → say Hello, room.") {
		t.Fatalf("the script's line:\n%s", classScreen(m))
	}
	runCmd(t, m, classKeys(m, "right"))
	if !strings.Contains(classScreen(m), "Alice says: Hello, room.") {
		t.Errorf("after →:\n%s", classScreen(m))
	}
	runCmd(t, m, classKeys(m, "right"))
	if !strings.Contains(classScreen(m), "lesson.class:2:") || !strings.Contains(classScreen(m), "Zed") {
		t.Errorf("a line naming a stranger:\n%s", classScreen(m))
	}
	runCmd(t, m, classKeys(m, "right"))
	if !m.snap.Frozen || !strings.Contains(classScreen(m), "3 of 3 run") {
		t.Errorf("the last line:\n%s", classScreen(m))
	}
	if cmd := classKeys(m, "right"); cmd != nil {
		t.Error("→ past the end did something")
	}
}

// TestClassRemoved: a member the teacher kicked out sees why, and its
// banners claim nothing of the others, whose news no longer reaches it.
func TestClassRemoved(t *testing.T) {
	s := ui.NewStyles(ui.Mono, false)
	snap := classSnap(3)
	snap.Name, snap.Join, snap.Removed, snap.Members, snap.Groups = "Mal", "", true, nil, nil
	got := ansi.Strip(ui.ClassScreen(screenOf(snap, classLogLines, "", ""), s, 80, 24))
	for _, want := range []string{"REMOVED by the teacher: this laptop has left the class", "CRDT: ALONE", "Plain overwrite: ALONE ⋯ removed by the teacher: your last values", "Network: this laptop has left the class"} {
		if !strings.Contains(got, want) {
			t.Errorf("the removed member's screen lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "CONVERGED") || strings.Contains(got, "alive") || strings.Contains(got, "every member can reach") {
		t.Errorf("the removed member's screen claims news of the others:\n%s", got)
	}
}

// TestClassRecordedHeader: in a recorded class every screen's header says
// so, the students' too: their laptops keep a record for the teacher.
func TestClassRecordedHeader(t *testing.T) {
	s := ui.NewStyles(ui.Mono, false)
	snap := classSnap(3)
	snap.Recorded = true
	for _, me := range []string{"Alice", "Bob"} {
		snap.Name = me
		got := ansi.Strip(ui.ClassScreen(screenOf(snap, nil, "", ""), s, 80, 24))
		if head := strings.Split(got, "\n")[0]; !strings.Contains(head, "or-set by delta · recorded · you are "+me) {
			t.Errorf("%s's header: %q", me, head)
		}
	}
}

// TestClassKickedKeys: the kicked member's footer and ? offer only what
// still works, and its question says it can no longer be answered; the
// teacher's ? lists every prompt command (ask, close and say too).
func TestClassKickedKeys(t *testing.T) {
	alice := classNode(t, "Alice", nil)
	bob := classNode(t, "Bob", alice)
	m, s := newClass(t, alice, 80, 24), newClass(t, bob, 80, 24)
	runCmd(t, m, m.run(`ask "Agree?" choices yes | no`))
	eventually(t, func() bool {
		s.Update(classEventsMsg{snap: bob.Snapshot()})
		return strings.Contains(classScreen(s), "1 yes · 2 no · press 1-2")
	})
	runCmd(t, m, m.run("kick Bob"))
	eventually(t, func() bool {
		s.Update(classEventsMsg{snap: bob.Snapshot()})
		return s.snap.Removed
	})
	got := classScreen(s)
	for _, gone := range []string{"e edit", "add/inc", "command", "press 1-2"} {
		if strings.Contains(got, gone) {
			t.Errorf("the kicked screen still offers %q:\n%s", gone, got)
		}
	}
	for _, want := range []string{"Question: Agree?", "removed from the class: you can no longer answer", "q quit"} {
		if !strings.Contains(got, want) {
			t.Errorf("the kicked screen lacks %q:\n%s", want, got)
		}
	}
	classKeys(s, "?")
	if help := classScreen(s); strings.Contains(help, "edit your") || strings.Contains(help, "answer the room") {
		t.Errorf("the kicked member's ? lists keys that do nothing:\n%s", help)
	}
	m.Update(tea.WindowSizeMsg{Width: 200, Height: 50})
	classKeys(m, "?")
	help := classScreen(m)
	for _, want := range []string{"ask \"QUESTION\" choices A | B", "close", "say TEXT", "kick NAME"} {
		if !strings.Contains(help, want) {
			t.Errorf("the teacher's ? lacks %q:\n%s", want, help)
		}
	}
}
