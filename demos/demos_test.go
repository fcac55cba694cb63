package demos

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"crdtviz/crdt"
	"crdtviz/replicas"

	"pgregory.net/rapid"
)

var update = flag.Bool("update", false, "rewrite the golden transcripts in testdata/")

func checkPasses(t *testing.T, s *Scenario) *Run {
	t.Helper()
	run := Execute(s)
	if run.Err != nil {
		t.Fatalf("runtime error: %v", run.Err)
	}
	for _, step := range run.Steps {
		for _, e := range step.Expects {
			if !e.Pass {
				t.Errorf("%s:%d: %s", e.Statement.Pos.File, e.Statement.Pos.Line, e.Failure())
			}
		}
	}
	return run
}

// TestBuiltinDemosPass: every built-in demo's story is still true.
func TestBuiltinDemosPass(t *testing.T) {
	bs := Builtins()
	if len(bs) < 10 || bs[0].Name != "seed" {
		t.Fatalf("built-ins: %d, first %q", len(bs), bs[0].Name)
	}
	for _, b := range bs {
		t.Run(b.Name, func(t *testing.T) {
			run := checkPasses(t, b.Scenario)
			if run.Passed() == 0 {
				t.Fatal("a demo must check its point with expect lines")
			}
			for i, st := range b.Scenario.Steps {
				if st.Text == "" {
					t.Errorf("step %d has no narration", i+1)
				}
			}
		})
	}
}

// TestSharedExamplesPass runs every file in ../shared/examples/ when the
// folder is there (it ships beside the project, not in it).
// TestRuleScenarios runs the scenario files in testdata/rules: each states
// one rule of the engine (the plain lane's sending, knows sets and the
// four statuses, declined edits) as a lesson whose expects are checked.
// A rule file also states the sentences its transcript must hold, in
// comment lines "# says: TEXT", and those it must never hold, "# never
// says: TEXT".
func TestRuleScenarios(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "rules", "*.demo"))
	if len(files) < 10 {
		t.Fatalf("only %d rule scenarios", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			s, err := Load(f)
			if err != nil {
				t.Fatal(err)
			}
			run := checkPasses(t, s)
			src, _ := os.ReadFile(f)
			var buf bytes.Buffer
			if err := WriteTranscript(&buf, run); err != nil {
				t.Fatal(err)
			}
			text := buf.String()
			for _, ln := range strings.Split(string(src), "\n") {
				if want, ok := strings.CutPrefix(ln, "# says: "); ok && !strings.Contains(text, want) {
					t.Errorf("the transcript never says %q:\n%s", want, text)
				}
				if bad, ok := strings.CutPrefix(ln, "# never says: "); ok && strings.Contains(text, bad) {
					t.Errorf("the transcript says %q:\n%s", bad, text)
				}
			}
		})
	}
}

func TestSharedExamplesPass(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "shared", "examples", "*"))
	if len(files) == 0 {
		t.Skip("skipping: ../shared/examples is not here")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			s, err := Load(f)
			if err != nil {
				t.Fatal(err)
			}
			checkPasses(t, s)
		})
	}
}

const header = "title \"T\"\ntype pn-counter\nreplicas A B \"C 3\"\n"

func TestParseErrorsNamePlaces(t *testing.T) {
	cases := []struct{ src, want string }{
		{"", "f:1:1: the header needs a \"title\" line before the first step"},
		{"title x\ntype pn-counter\n", "f:3:1: the header needs a \"replicas\" line before the first step"},
		{header, "f:4:1: the scenario has no steps"},
		{header + "edit A inc 1\n", "f:4:1: \"edit\" comes before the first step"},
		{header + "step x\nedit D inc 1\n", "f:5:6: unknown replica D (the replicas are A, B, \"C 3\")"},
		{header + "step x\nedit A mul 2\n", "f:5:8: unknown operation \"mul\": pn-counter takes inc [N] | dec [N]"},
		{header + "step x\nedit A add x\n", "f:5:8: operation does not fit the type: pn-counter has no \"add\"; it takes inc [N] | dec [N]"},
		{header + "step x\nedit A inc 0\n", "f:5:12: the amount must be positive, got 0"},
		{header + "step x\nedit A inc many\n", "f:5:12: expected a positive amount, found \"many\""},
		{header + "step x\nsend A B\n", "f:5:8: expected \"->\", found \"B\""},
		{header + "step x\nsend A ->\n", "f:5:10: expected a replica name or all"},
		{header + "step x\nexpect A = \"x\n", "f:5:12: this string has no closing quote"},
		{header + "step x\nexpect A = x\n", "f:5:12: expected an integer, found \"x\""},
		{header + "step x\nexpect plain inflight 2\n", "f:5:14: inflight counts messages on the network"},
		{header + "step x\nexpect maybe\n", "f:5:8: expected converged, equal, pending, diverged, lost N, declined N, inflight N, waiting N, bytes < N, bytes > N, or REPLICA = VALUE, found \"maybe\""},
		{header + "step x\nsync all extra\n", "f:5:10: unexpected \"extra\" at the end of the statement"},
		{header + "step x\npartition A |\n", "f:5:14: the last group of the partition is empty"},
		{header + "step x\nclock A fast\n", "f:5:9: expected a clock skew such as +10 or -3, found \"fast\""},
		{header + "step x\ntitle again\n", "f:5:1: \"title\" belongs in the header"},
		{header + "type g-set\n", "f:4:1: \"type\" is given twice (first on line 2)"},
		{header + "step x\nfrobnicate\n", "f:5:1: unknown keyword \"frobnicate\""},
		{"title x\ntype lww-set\nreplicas A all\nstep s\n", "f:3:12: \"all\" is a reserved word"},
		{"title x\ntype lww-set\nreplicas A A\nstep s\n", "f:3:12: replica name A is used twice"},
		{"title x\ntype lww-set\nreplicas A\nstep s\n", "f:3:1: a cluster has 2 to 8 replicas, not 1"},
		{"title x\ntype lww-set\nreplicas A B\ninitial 5\nstep s\n", "f:4:9: expected a set such as {a, b}"},
		{"title x\ntype g-counter\nreplicas A B\ninitial -5\nstep s\n", "f:4:1: initial value: a g-counter cannot start below zero"},
		{"title x\ntype nope\n", "f:2:6: unknown type \"nope\""},
		{"title x\n\x01\n", "f:2:1: unexpected control character U+0001"},
		{"title x\nstep \"a\\q\"\n", "f:2:8: unknown escape \\q"},
		{"title \xff\n", "f:1:7: the file is not valid UTF-8 text"},
		{header + "step x\nedit A dec 1 # fine\nexpect A = {1}\n", "f:6:12: expected an integer, found \"{\""},
		{"title x\ntype text\nreplicas A B\nstep s\nedit A insert 0\n", "f:5:16: expected the text to insert"},
	}
	for _, tc := range cases {
		_, err := Parse("f", []byte(tc.src))
		var perr *Error
		if !errors.As(err, &perr) {
			t.Errorf("%q: error %v is not a positioned *Error", tc.src, err)
			continue
		}
		if !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%q:\n got  %s\n want %s", tc.src, err, tc.want)
		}
	}
}

func TestRuntimeErrorsNamePlaces(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{"deliver A -> B\n", "f:5:1: nothing is in flight from A to B"},
		{"cut A B\nsend A -> B\ndeliver A -> B\n", "f:7:1: the link A → B is cut"},
		{"sync all\ncut A -> B\nsync A -> B\n", "f:7:1: cannot sync A → B: the link is cut"},
	} {
		s, err := Parse("f", []byte(header+"step x\n"+tc.body))
		if err != nil {
			t.Fatal(err)
		}
		run := Execute(s)
		if run.Err == nil || !strings.HasPrefix(run.Err.Error(), tc.want) {
			t.Errorf("%q: err = %v, want %s", tc.body, run.Err, tc.want)
		}
	}
	s, _ := Parse("f", []byte("title x\ntype text\nreplicas A B\ninitial \"ab\"\nstep s\nedit A insert 3 \"c\"\n"))
	if run := Execute(s); run.Err == nil || run.Err.Error() != "f:6:1: insert position 3 is past the end of the text (length 2)" {
		t.Errorf("text: %v", run.Err)
	}
}

func TestFailedExpectationsAreReported(t *testing.T) {
	s, err := Parse("f", []byte(header+"step x\nedit A inc 5\nexpect A = 4\nexpect all = 5\nexpect converged\nexpect lost 1\nexpect inflight 2\n"))
	if err != nil {
		t.Fatal(err)
	}
	run := Execute(s)
	var got []string
	for _, e := range run.Steps[0].Expects {
		got = append(got, e.Failure())
	}
	want := []string{
		"expected A = 4, got 5",
		`expected all = 5, got B = 0, "C 3" = 0`,
		`expected converged, got pending: B hasn't seen #1 · C 3 hasn't seen #1 (A = 5, B = 0, "C 3" = 0)`,
		"expected lost 1, got 0",
		"expected inflight 2, got 0",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if run.Passed() != 0 || run.Failed() != 5 {
		t.Fatalf("passed %d failed %d", run.Passed(), run.Failed())
	}
}

// TestStatementsRoundTrip: every statement of every built-in demo renders to
// text that parses back to the same statement.
func TestStatementsRoundTrip(t *testing.T) {
	for _, b := range Builtins() {
		for _, step := range b.Scenario.Steps {
			for _, st := range step.Items {
				text := st.String()
				back, err := ParseStatement(text, b.Scenario.Header)
				if err != nil {
					t.Errorf("%s: %q does not parse back: %v", b.Name, text, err)
					continue
				}
				if back.String() != text {
					t.Errorf("%s: %q parses back as %q", b.Name, text, back.String())
				}
			}
		}
	}
}

// TestValuesRoundTrip: a value's rendering parses back to the same value.
func TestValuesRoundTrip(t *testing.T) {
	word := rapid.SampledFrom([]string{"a", "b c", "", `q"x`, "é", "😀", "x,y", "{", "all", "-3", "\\", "tab\there"})
	rapid.Check(t, func(rt *rapid.T) {
		typ := rapid.SampledFrom(crdt.Types).Draw(rt, "type")
		var v crdt.Value
		switch crdt.ValueKind(typ) {
		case crdt.KindInt:
			v = crdt.IntValue(rapid.Int64Range(-math.MaxInt64, math.MaxInt64).Draw(rt, "n"))
		case crdt.KindString:
			v = crdt.StringValue(word.Draw(rt, "s"))
		case crdt.KindSet:
			v = crdt.SetValue(rapid.SliceOf(word).Draw(rt, "elems")...)
		case crdt.KindMap:
			var pairs []crdt.Pair
			for _, k := range rapid.SliceOf(word).Draw(rt, "keys") {
				pairs = append(pairs, crdt.Pair{Key: k, Value: word.Draw(rt, "v")})
			}
			v = crdt.MapValue(pairs...)
		}
		back, err := ParseValue(v.String(), typ)
		if err != nil {
			rt.Fatalf("%s %s: %v", typ, v, err)
		}
		if !back.Equal(v) {
			rt.Fatalf("%s: %s parses back as %s", typ, v, back)
		}
	})
}

// TestParserSurvivesGarbage feeds random bytes and random token streams to
// the parser and the prompt: no panic, and every error is a positioned value.
func TestParserSurvivesGarbage(t *testing.T) {
	words := []string{"title", "type", "replicas", "initial", "about", "step", "edit", "send", "deliver", "drop",
		"duplicate", "sync", "cut", "heal", "partition", "clock", "expect", "plain", "all", "->", "<->", "newest",
		"A", "B", "inc", "dec", "add", "remove", "set", "put", "delete", "insert", "converged", "lost", "inflight",
		"{", "}", ",", ":", "|", "=", "\"q\"", "\"", "#", "\n", "-3", "+10", "0", "99999999999999999999", "or-set", "text", "\\", "\x00", "\xff"}
	check := func(rt *rapid.T, src string) {
		if _, err := Parse("fuzz", []byte(src)); err != nil {
			var perr *Error
			if !errors.As(err, &perr) || perr.Pos.Line < 1 || perr.Pos.Col < 1 {
				rt.Fatalf("error without a place: %v", err)
			}
		}
		for _, typ := range []crdt.Type{crdt.Text, crdt.LWWMap, crdt.ORSet, crdt.PNCounter, crdt.MVRegister} {
			if _, err := ParseStatement(src, Header{Type: typ, Replicas: []string{"A", "B"}}); err != nil {
				var perr *Error
				if !errors.As(err, &perr) {
					rt.Fatalf("prompt error without a place: %v", err)
				}
			}
		}
	}
	t.Run("bytes", func(t *testing.T) {
		rapid.Check(t, func(rt *rapid.T) { check(rt, string(rapid.SliceOf(rapid.Byte()).Draw(rt, "src"))) })
	})
	t.Run("tokens", func(t *testing.T) {
		rapid.Check(t, func(rt *rapid.T) {
			toks := rapid.SliceOf(rapid.SampledFrom(words)).Draw(rt, "toks")
			check(rt, header+"step s\n"+strings.Join(toks, " "))
		})
	})
	t.Run("runs", func(t *testing.T) {
		// Random token streams that parse are run too: runtime errors must be values.
		rapid.Check(t, func(rt *rapid.T) {
			lines := rapid.SliceOfN(rapid.SliceOf(rapid.SampledFrom(words[6:40])), 1, 8).Draw(rt, "lines")
			src := "title x\ntype or-set\nreplicas A B\nstep s\n"
			for _, l := range lines {
				src += strings.Join(l, " ") + "\n"
			}
			if s, err := Parse("fuzz", []byte(src)); err == nil {
				Execute(s)
			}
		})
	})
}

func FuzzParse(f *testing.F) {
	for _, name := range BuiltinNames() {
		src, _ := BuiltinSource(name)
		f.Add(src)
	}
	f.Add([]byte(header + "step x\nexpect A = {"))
	f.Fuzz(func(t *testing.T, src []byte) {
		s, err := Parse("fuzz", src)
		if err != nil {
			var perr *Error
			if !errors.As(err, &perr) {
				t.Fatalf("error without a place: %v", err)
			}
			return
		}
		Execute(s)
	})
}

// TestTranscriptsGolden compares each built-in demo's transcript with
// testdata/transcripts/NAME.txt. Rewrite them with: go test ./demos -update
func TestTranscriptsGolden(t *testing.T) {
	for _, b := range Builtins() {
		t.Run(b.Name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteTranscript(&buf, Execute(b.Scenario)); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "transcripts", b.Name+".txt")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./demos -update to create it)", err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("transcript differs from %s; if the change is intended, run go test ./demos -update and read the diff\n%s", golden, buf.String())
			}
		})
	}
}

func TestLoad(t *testing.T) {
	if _, err := Load("seed"); err != nil {
		t.Fatal(err)
	}
	if _, err := Load("no-such-demo"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v", err)
	}
	if _, err := Load("."); err == nil || !strings.Contains(err.Error(), "directory") {
		t.Fatalf("err = %v", err)
	}
	dir := t.TempDir()
	big := filepath.Join(dir, "big.demo")
	if err := os.WriteFile(big, bytes.Repeat([]byte("#\n"), MaxFileSize/2+1), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(big); err == nil || !strings.Contains(err.Error(), "limited") {
		t.Fatalf("err = %v", err)
	}
}

func TestPromptStatements(t *testing.T) {
	h := Header{Type: crdt.PNCounter, Replicas: []string{"Server 1", "B"}}
	for src, want := range map[string]string{
		`edit "Server 1" inc 5`:      `edit "Server 1" inc 5`,
		"partition B | \"Server 1\"": `partition B | "Server 1"`,
		"step \"Now watch\"":         `step "Now watch"`,
		"expect plain B = 3":         "expect plain B = 3",
		"heal":                       "heal",
		"deliver all":                "deliver all",
		"clock B -3":                 "clock B -3",
		"cut B -> \"Server 1\"":      `cut B -> "Server 1"`,
	} {
		st, err := ParseStatement(src, h)
		if err != nil {
			t.Errorf("%q: %v", src, err)
			continue
		}
		if st.String() != want {
			t.Errorf("%q renders as %q", src, st.String())
		}
	}
	_, err := ParseStatement("launch rockets", h)
	if err == nil || !strings.Contains(err.Error(), "unknown command") {
		t.Fatalf("err = %v", err)
	}
	// An action built by the engine renders to text the prompt reads back.
	st, _ := ParseStatement(replicas.SyncBoth{A: "Server 1", B: "B"}.String(), h)
	if st.Action != (replicas.SyncBoth{A: "Server 1", B: "B"}) {
		t.Fatalf("round trip: %#v", st.Action)
	}
}

// TestTapesMatchDemos: every built-in demo has a VHS tape that presses →
// once per step, so a recorded GIF shows the whole story.
func TestTapesMatchDemos(t *testing.T) {
	for _, b := range Builtins() {
		src, err := os.ReadFile(filepath.Join("tapes", b.Name+".tape"))
		if err != nil {
			t.Errorf("%s: %v", b.Name, err)
			continue
		}
		rights := 0
		for _, ln := range strings.Split(string(src), "\n") {
			if strings.TrimSpace(ln) == "Right" {
				rights++
			}
		}
		// One → a step, and one more for each question: it is asked, then
		// revealed.
		want := len(b.Scenario.Steps)
		for _, st := range b.Scenario.Steps {
			if st.Ask != nil {
				want++
			}
		}
		if rights != want || !strings.Contains(string(src), "demo "+b.Name+" ") {
			t.Errorf("%s.tape presses → %d times for %d steps and questions", b.Name, rights, want)
		}
	}
}

// TestTeachingGuideExample runs the worked example in docs/teaching.md and
// checks what the guide says about it.
func TestTeachingGuideExample(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "teaching.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(doc)
	start := strings.Index(text, "`likes.demo`:\n\n```\n")
	if start < 0 {
		t.Fatal("the guide has no likes.demo example")
	}
	body := text[start+len("`likes.demo`:\n\n```\n"):]
	body = body[:strings.Index(body, "```")]
	s, err := Parse("likes.demo", []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	run := Execute(s)
	if claim := fmt.Sprintf("# %d passed, %d failed", run.Passed(), run.Failed()); run.Err != nil || !strings.Contains(text, claim) {
		t.Fatalf("the guide does not say %q (err %v)", claim, run.Err)
	}
	bad, _ := Parse("likes.demo", []byte(strings.Replace(body, "expect all = 5", "expect all = 6", 1)))
	for _, step := range Execute(bad).Steps {
		for _, e := range step.Expects {
			if !e.Pass {
				claim := fmt.Sprintf("likes.demo:%d: %s", e.Statement.Pos.Line, e.Failure())
				if !strings.Contains(text, claim) {
					t.Fatalf("the guide does not show the failure %q", claim)
				}
			}
		}
	}
}

// BenchmarkCheck100kLines parses and runs a generated 100,000-line scenario,
// as crdtviz check does.
func BenchmarkCheck100kLines(b *testing.B) {
	var src strings.Builder
	src.WriteString("title \"big\"\ntype pn-counter\nreplicas A B C D\nstep \"go\"\n")
	names := []string{"A", "B", "C", "D"}
	for i := 0; i < 100_000-4; i++ {
		r := names[i%4]
		switch i % 10 {
		case 0:
			fmt.Fprintf(&src, "sync %s -> %s\n", r, names[(i+1)%4])
		case 1:
			src.WriteString("expect inflight 0\n")
		case 2:
			fmt.Fprintf(&src, "step \"step %d\"\n", i)
		default:
			fmt.Fprintf(&src, "edit %s inc %d\n", r, 1+i%5)
		}
	}
	data := []byte(src.String())
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		s, err := Parse("big.demo", data)
		if err != nil {
			b.Fatal(err)
		}
		if run := Execute(s); run.Err != nil || run.Failed() > 0 {
			b.Fatal("check failed")
		}
	}
}
