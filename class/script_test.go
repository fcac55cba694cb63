package class

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"crdtviz/crdt"
	"crdtviz/replicas"
)

// TestScriptErrors: a script's syntax is checked when it is loaded, with
// file:line:col errors; names are not (they are checked when a line runs).
func TestScriptErrors(t *testing.T) {
	for src, want := range map[string]string{
		"say hi\n  dance\n":                     "lesson.class:2:3: unknown command \"dance\"",
		"hold\nask \"Agree?\" choices yes\n":    "lesson.class:2:",
		"ask \"Agree? choices yes | no\n":       "lesson.class:1:5: ",
		"partition Ann Bob\n":                   "lesson.class:1:1: partition halves, or partition A B | C D",
		"heal now\n":                            "lesson.class:1:1: heal takes nothing more",
		"# only a comment\n\n":                  "the script has no commands",
		"say\n":                                 "lesson.class:1:1: say what?",
		"hold 10 20\n":                          "lesson.class:1:1: hold [SECONDS]",
		"partition Zed Yan | Xi\nsay fine\n":    "",
		"  ask Agree? choices yes | no\nhold\n": "",
	} {
		_, err := ParseScript("lesson.class", []byte(src))
		switch {
		case want == "" && err != nil:
			t.Errorf("%q: %v", src, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("%q: got %v, want %q", src, err, want)
		}
	}
}

// TestScriptRuns: a script runs end to end in a class of three, one line
// at a time: say, hold, release, ask, close, partition halves, heal,
// freeze, thaw, reset; a line naming someone not in the class is an error,
// and the next line runs.
func TestScriptRuns(t *testing.T) {
	nodes := startClass(t, crdt.GCounter, replicas.ModeDelta, "Alice", "Bob", "Carol")
	alice, bob := nodes[0], nodes[1]
	eventually(t, 10*time.Second, "everyone sees three members", func() bool {
		return everyone(nodes, func(n *Node) bool { return len(n.Members()) == 3 })
	})
	sc, err := ParseScript("lesson.class", []byte(`say Hello, room.
hold
release
ask "Will the counters agree?" choices yes | no
close
partition Alice | Zed
partition halves
heal
freeze
thaw
reset
`))
	if err != nil {
		t.Fatal(err)
	}
	var failed []int
	for _, l := range sc.Lines {
		ran, err := alice.RunScriptLine(l.Text)
		if err != nil {
			failed = append(failed, l.Num)
			if !strings.Contains(err.Error(), "Zed") {
				t.Errorf("line %d (%s): %v", l.Num, ran, err)
			}
			continue
		}
		if l.Text == "partition halves" {
			if ran != "partition Alice | Bob Carol" {
				t.Errorf("partition halves ran as %q", ran)
			}
			eventually(t, 10*time.Second, "Bob is cut off from Alice", func() bool { return len(bob.Snapshot().Groups) == 2 })
		}
	}
	if len(failed) != 1 || failed[0] != 6 {
		t.Errorf("failed lines: %v", failed)
	}
	eventually(t, 10*time.Second, "Bob has seen the whole script", func() bool {
		s := bob.Snapshot()
		return s.Say == "Hello, room." && s.Question != nil && s.Question.Closed && s.Epoch == 1 && !s.Held && !s.Frozen && len(s.Groups) == 0
	})
}

// TestLessonScriptInDocs: the 15-minute script in docs/classroom.md loads.
func TestLessonScriptInDocs(t *testing.T) {
	doc, err := os.ReadFile("../docs/classroom.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)```class\n(.*?)```").FindSubmatch(doc)
	if m == nil {
		t.Fatal("docs/classroom.md has no ```class block")
	}
	sc, err := ParseScript("classroom.md", m[1])
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.Lines) < 10 {
		t.Errorf("the lesson has %d commands", len(sc.Lines))
	}
}
