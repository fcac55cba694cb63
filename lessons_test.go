package main

import (
	"strconv"
	"strings"
	"testing"

	"crdtviz/demos"
)

// TestWorksheetsGiveNothingAway: for every built-in demo, the worksheet
// (--answers=false) prints the narration of each step before the first
// question, and never that of a step that asks one (it tells the answer)
// or comes after one (it tells what the asked step did); every question,
// its choices and every action are there. The answer key
// (--answer-key) holds every narration the worksheet leaves out: each
// question's as its answer.
func TestWorksheetsGiveNothingAway(t *testing.T) {
	for _, b := range demos.Builtins() {
		t.Run(b.Name, func(t *testing.T) {
			code, sheet, errs := runCLI("demo", "--transcript", "--answers=false", b.Name)
			if code != 0 || errs != "" {
				t.Fatalf("worksheet: exit %d: %s", code, errs)
			}
			code, key, errs := runCLI("demo", "--transcript", "--answer-key", b.Name)
			if code != 0 || errs != "" {
				t.Fatalf("answer key: exit %d: %s", code, errs)
			}
			asked := false
			for i, st := range b.Scenario.Steps {
				text := strings.ReplaceAll(st.Text, "\n", `\n`)
				for _, it := range st.Items {
					if it.Action != nil && !strings.Contains(sheet, "> "+it.Action.String()) {
						t.Errorf("step %d: the worksheet lacks the action %s", i+1, it.Action)
					}
				}
				if st.Ask == nil {
					if onSheet := strings.Contains(sheet, text); onSheet == asked {
						t.Errorf("step %d asks nothing, comes after a question: %v, and its narration is on the worksheet: %v", i+1, asked, onSheet)
					}
					if asked && !strings.Contains(key, text) {
						t.Errorf("step %d's narration is neither on the worksheet nor in the answer key", i+1)
					}
					continue
				}
				asked = true
				if strings.Contains(sheet, text) {
					t.Errorf("step %d's narration, which answers its question, is on the worksheet:\n%s", i+1, text)
				}
				for _, want := range append([]string{st.Ask.Text}, st.Ask.Choices...) {
					if !strings.Contains(sheet, want) || !strings.Contains(key, want) {
						t.Errorf("step %d: %q is missing from the worksheet or the answer key", i+1, want)
					}
				}
				if !strings.Contains(key, "Answer: "+text) {
					t.Errorf("step %d: the answer key lacks its answer", i+1)
				}
			}
			for _, gone := range []string{"✓", "passed", "in flight:", "plain: "} {
				if strings.Contains(sheet, gone) {
					t.Errorf("the worksheet gives away %q", gone)
				}
			}
		})
	}
	for _, args := range [][]string{{"demo", "--answer-key", "seed"}, {"demo", "--transcript", "--answer-key", "--answers=false", "seed"}} {
		if code, _, errs := runCLI(args...); code != 2 || errs == "" {
			t.Errorf("%v: exit %d, %q", args, code, errs)
		}
	}
}

// TestASCIIOutputsAreASCII: with --ascii, for every built-in demo, the
// cast (by step and by action), the transcript with its handout diagram,
// the worksheet and the answer key hold no byte beyond ASCII. (The app's
// frames are checked in model's TestASCIIIsASCII.)
func TestASCIIOutputsAreASCII(t *testing.T) {
	for _, b := range demos.Builtins() {
		for _, args := range [][]string{
			{"cast", b.Name, "-o", "-", "--ascii", "--size", "80x24"},
			{"cast", b.Name, "-o", "-", "--ascii", "--by", "action"},
			{"demo", "--transcript", "--diagram", "--ascii", b.Name},
			{"demo", "--transcript", "--answers=false", "--ascii", b.Name},
			{"demo", "--transcript", "--answer-key", "--ascii", b.Name},
		} {
			code, out, errs := runCLI(args...)
			if code != 0 || errs != "" {
				t.Fatalf("%v: exit %d: %s", args, code, errs)
			}
			for i := 0; i < len(out); i++ {
				if out[i] > 0x7f {
					line := out[strings.LastIndexByte(out[:i], '\n')+1:]
					line = line[:max(0, strings.IndexByte(line, '\n'))]
					t.Fatalf("%v writes a byte beyond ASCII: %q", args, line)
				}
			}
		}
	}
}

// TestTranscriptTablesCutLongValues: no line of a transcript's replica
// table, header or expectations runs to thousands of characters: a long
// value is cut with a count of what was left out, what the step changed
// first (bytes-state's one new item among 200).
func TestTranscriptTablesCutLongValues(t *testing.T) {
	for _, b := range demos.Builtins() {
		_, out, _ := runCLI("demo", "--transcript", b.Name)
		for _, line := range strings.Split(out, "\n") {
			table := strings.HasPrefix(line, "  ✓") || strings.HasPrefix(line, "  ✗") || strings.HasPrefix(line, "replicas ") ||
				len(line) > 2 && line[0] == ' ' && line[1] == ' ' && line[2] != ' ' && !strings.HasPrefix(line, "  Answer:") && !strings.HasPrefix(line, "  ? ")
			if table && len([]rune(line)) > 200 {
				t.Errorf("%s: a line of %d characters: %.120s…", b.Name, len([]rune(line)), line)
			}
		}
	}
	_, out, _ := runCLI("demo", "--transcript", "bytes-state")
	if !strings.Contains(out, "  Ann      +item-new {item-001, item-002, item-003, item-004, … 197 more}") {
		t.Fatalf("bytes-state's table does not show the new item first, with a count:\n%s", out)
	}
}

// TestHandoutDiagramWrapsAndMarks: the handout diagram (--transcript
// --diagram) fits its width (--width N, else $COLUMNS, else 80), wraps
// every statement instead of cutting it, always shows the partition
// marks, and labels every message of a sync all, m4 for message 4.
func TestHandoutDiagramWrapsAndMarks(t *testing.T) {
	diagram := func(t *testing.T, env string, args ...string) string {
		t.Helper()
		t.Setenv("COLUMNS", env)
		code, out, errs := runCLI(append([]string{"demo", "--transcript", "--diagram"}, args...)...)
		if code != 0 || errs != "" {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
		return out[strings.Index(out, "Space-time diagram"):]
	}
	for _, c := range []struct {
		env   string
		width int
		args  []string
	}{{"", 80, nil}, {"", 60, []string{"--width", "60"}}, {"100", 100, nil}, {"100", 72, []string{"--width", "72"}}} {
		for _, b := range demos.Builtins() {
			out := diagram(t, c.env, append(c.args, b.Name)...)
			for _, line := range strings.Split(out, "\n") {
				if w := len([]rune(line)); w > c.width {
					t.Fatalf("%s at %d: a line of %d: %q", b.Name, c.width, w, line)
				}
			}
			if strings.Contains(out, "…") {
				t.Errorf("%s at %d: the handout cuts something:\n%s", b.Name, c.width, out)
			}
			// The margin: what follows the last replica's line.
			var margin []string
			for _, line := range strings.Split(out, "\n") {
				if i := strings.LastIndex(line, "│"); i >= 0 {
					margin = append(margin, line[i+len("│"):])
				}
			}
			flat := strings.Join(strings.Fields(strings.Join(margin, " ")), " ")
			run := demos.Execute(b.Scenario)
			for i := range run.Timeline.Len() {
				stmt := strings.Join(strings.Fields(run.Timeline.Action(i).String()), " ")
				if !strings.Contains(flat, stmt) {
					t.Errorf("%s at %d: the statement %q is not whole", b.Name, c.width, stmt)
				}
			}
		}
	}
	out := diagram(t, "", "partition")
	if n := strings.Count(out, "╳ 1 2 | 3 4"); n < 6 {
		t.Errorf("the partition marks show on %d rows, not the 6 the partition lasts:\n%s", n, out)
	}
	for id := 1; id <= 15; id++ {
		if !strings.Contains(out, "m"+strconv.Itoa(id)) {
			t.Errorf("message m%d has no label:\n%s", id, out)
		}
	}
	if !strings.Contains(out, "m4 message 4") || !strings.Contains(out, "#3 edit 3") {
		t.Errorf("the legend does not tell m4 from #3:\n%s", out)
	}
	if code, _, errs := runCLI("demo", "--transcript", "--width", "70", "seed"); code != 2 || errs == "" {
		t.Errorf("--width without --diagram: exit %d", code)
	}
	if code, _, errs := runCLI("demo", "--transcript", "--diagram", "--width", "5", "seed"); code != 2 || errs == "" {
		t.Errorf("--width 5: exit %d", code)
	}
}
