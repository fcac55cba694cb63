package demos

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestAsk: an ask is parsed with its choices, sits in its step before the
// actions, renders back to itself, and is ignored by a run.
func TestAsk(t *testing.T) {
	src := "title t\ntype pn-counter\nreplicas A B\nstep go\nexpect converged\nask \"What will B show?\" choices 5 | \"10 or so\" | none | \"choices\"\nedit A inc 5\nsync all\nexpect all = 5\n"
	s, err := Parse("f", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	q := s.Steps[0].Ask
	if q == nil || q.Text != "What will B show?" || strings.Join(q.Choices, "|") != "5|10 or so|none|choices" {
		t.Fatalf("ask = %+v", q)
	}
	want := `ask "What will B show?" choices 5 | "10 or so" | none | "choices"`
	if got := q.String(); got != want {
		t.Fatalf("renders as %s", got)
	}
	back, err := ParseStatement(want, s.Header)
	if err != nil || back.Ask == nil || back.String() != want {
		t.Fatalf("reads back as %v (%v)", back, err)
	}
	bare, err := ParseStatement("ask What now", s.Header)
	if err != nil || bare.Ask.Text != "What now" || len(bare.Ask.Choices) != 0 {
		t.Fatalf("bare: %+v %v", bare, err)
	}
	run := Execute(s)
	if run.Err != nil || run.Passed() != 2 || run.Failed() != 0 {
		t.Fatalf("run: %v, %d passed, %d failed", run.Err, run.Passed(), run.Failed())
	}
}

func TestAskErrors(t *testing.T) {
	const head = "title t\ntype pn-counter\nreplicas A B\nstep go\n"
	for _, tc := range []struct{ body, want string }{
		{"edit A inc 1\nask \"late?\"\n", "f:6:1: ask comes before the step's actions: the class predicts, then sees (the first action is on line 5)"},
		{"ask one\nask two\n", "f:6:1: this step already asks a question (line 5); a step asks one"},
		{"ask \"x\" choices a\n", "f:5:18: give at least two choices, separated by |"},
		{"ask\n", "f:5:4: expected the question, for example: ask \"Which value wins?\" choices 1200 | 950"},
		{"ask choices a | b\n", "f:5:5: expected the question before choices"},
		{"ask \"x\" choices a | | b\n", "f:5:21: expected a choice, found \"|\""},
		{"ask \"x\" choices a | b | c | d | e | f | g\n", "f:5:41: an ask has at most 6 choices (a to f)"},
		{"ask \"x\\ty\"\n", "f:5:5: the question holds the control character U+0009; prose may hold line breaks (\\n), but no other control character"},
		{"ask \"x\" choices a b\n", "f:5:19: give at least two choices, separated by |"},
	} {
		_, err := Parse("f", []byte(head+tc.body))
		if err == nil || err.Error() != tc.want {
			t.Errorf("%q:\n got %v\nwant %s", tc.body, err, tc.want)
		}
	}
}

// TestQuestionsDoNotTell: a question, and the worksheet's words before
// it, never state what decides its answer. The cases a lecturer found: a
// question that says the next message has nothing pending (bytes-delta
// step 2: of course it repairs nothing), and a narration that says op
// delivery never reads the context right before asking whether the late
// add brings milk back (causal-any step 3).
func TestQuestionsDoNotTell(t *testing.T) {
	cases := []struct {
		demo  string
		step  int
		tells []string
	}{
		{"bytes-delta", 2, []string{"nothing pending", "empty delta", "repair"}},
		{"causal-any", 3, []string{"never reads", "without looking", "does not read", "ignore"}},
	}
	for _, tc := range cases {
		s, err := LoadBuiltin(tc.demo)
		if err != nil {
			t.Fatal(err)
		}
		st := s.Steps[tc.step-1]
		if st.Ask == nil {
			t.Fatalf("%s step %d asks nothing", tc.demo, tc.step)
		}
		var ws strings.Builder
		if err := WriteTranscriptWith(&ws, Execute(s), TranscriptOptions{}); err != nil {
			t.Fatal(err)
		}
		before, _, _ := strings.Cut(ws.String(), st.Ask.Text)
		asked := strings.ToLower(st.Ask.Text + " " + strings.Join(st.Ask.Choices, " "))
		for _, tell := range tc.tells {
			if strings.Contains(asked, tell) {
				t.Errorf("%s step %d's question says %q: %s", tc.demo, tc.step, tell, st.Ask)
			}
			if strings.Contains(strings.ToLower(before), tell) {
				t.Errorf("%s: the worksheet says %q before step %d's question:\n%s", tc.demo, tell, tc.step, before)
			}
		}
	}
}

// TestTeachingGuideQuestionsAreTheDemos: docs/teaching.md says that a
// bullet where a step "asks" gives the demo's own question word for word,
// and that a bullet marked "ask aloud" is for a step that asks nothing on
// screen. Both hold, and every question a demo asks is in the guide.
func TestTeachingGuideQuestionsAreTheDemos(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "teaching.md"))
	if err != nil {
		t.Fatal(err)
	}
	section := regexp.MustCompile(`(?m)^### ([a-z-]+): `)
	asks := regexp.MustCompile(`(?m)^- Step (\d+) \*\*asks\*\*[^*]*: \*(.+?)\* \*\*Reveal`)
	aloud := regexp.MustCompile(`(?m)^- Step (\d+)[^*\n]*, \*ask aloud\*`)
	text := string(doc)
	idx := section.FindAllStringSubmatchIndex(text, -1)
	seen := map[string]bool{}
	for k, m := range idx {
		name := text[m[2]:m[3]]
		end := len(text)
		if k+1 < len(idx) {
			end = idx[k+1][0]
		}
		body := text[m[1]:end]
		if next := strings.Index(body, "\n## "); next >= 0 {
			body = body[:next]
		}
		s, err := LoadBuiltin(name)
		if err != nil {
			t.Fatalf("teaching.md has a section for %q: %v", name, err)
		}
		seen[name] = true
		listed := map[int]bool{}
		for _, g := range asks.FindAllStringSubmatch(body, -1) {
			n, _ := strconv.Atoi(g[1])
			if n < 1 || n > len(s.Steps) || s.Steps[n-1].Ask == nil {
				t.Errorf("%s: the guide says step %d asks, and it does not", name, n)
				continue
			}
			if got := s.Steps[n-1].Ask.Text; got != g[2] {
				t.Errorf("%s step %d: the guide quotes %q, the demo asks %q", name, n, g[2], got)
			}
			listed[n] = true
		}
		for _, g := range aloud.FindAllStringSubmatch(body, -1) {
			if n, _ := strconv.Atoi(g[1]); n < 1 || n > len(s.Steps) || s.Steps[n-1].Ask != nil {
				t.Errorf("%s: the guide says to ask aloud at step %d, which asks on screen", name, n)
			}
		}
		for i, st := range s.Steps {
			if st.Ask != nil && !listed[i+1] {
				t.Errorf("%s: step %d asks %q, and the guide does not list it", name, i+1, st.Ask.Text)
			}
		}
		if n := strings.Count(body, "\n- "); n != len(asks.FindAllString(body, -1))+len(aloud.FindAllString(body, -1)) {
			t.Errorf("%s: %d bullets, not all of them asks or ask-aloud ones:\n%s", name, n, body)
		}
	}
	if len(seen) < 10 {
		t.Fatalf("only %d demo sections found", len(seen))
	}
}
