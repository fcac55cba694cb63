package main

import (
	"strings"
	"testing"
)

// TestWorksheetAndDiagram: --transcript --answers=false prints a worksheet
// (narration, actions, question, a line to answer on, no outcome), and
// --diagram adds the run's space-time diagram to a transcript.
func TestWorksheetAndDiagram(t *testing.T) {
	f := writeTestFile(t, "ask.demo", "title t\ntype pn-counter\nreplicas A B\nstep \"A adds 5 and syncs.\"\nask \"What will B show?\" choices 5 | 0\nedit A inc 5\nsync all\nexpect all = 5\n")
	code, out, errs := runCLI("demo", "--transcript", "--answers=false", f)
	if code != 0 || errs != "" {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"Worksheet:", "Step 1/1\n", "  > edit A inc 5", "  > sync all", "  ? What will B show?", "      a) 5", "      b) 0", "Your answer:"} {
		if !strings.Contains(out, want) {
			t.Errorf("worksheet lacks %q:\n%s", want, out)
		}
	}
	for _, gone := range []string{"plain:", "✓", "passed", "merged", "A adds 5 and syncs."} {
		if strings.Contains(out, gone) {
			t.Errorf("worksheet gives away %q:\n%s", gone, out)
		}
	}
	code, out, _ = runCLI("demo", "--transcript", "--diagram", "seed")
	if code != 0 || !strings.Contains(out, "Space-time diagram") || !strings.Contains(out, "╳") || !strings.Contains(out, "t5 sync \"Server 2\" <->") {
		t.Fatalf("exit %d, diagram:\n%s", code, out[max(0, len(out)-3000):])
	}
	code, out, _ = runCLI("demo", "--transcript", "--diagram", "--ascii", "seed")
	if code != 0 {
		t.Fatalf("--ascii: exit %d", code)
	}
	tail := out[strings.Index(out, "Space-time diagram"):]
	for _, r := range tail {
		if r > 126 {
			t.Fatalf("--ascii diagram holds %q:\n%s", r, tail)
		}
	}
	for _, args := range [][]string{{"demo", "--by", "beat", "seed"}, {"cast", "seed", "-o", "-", "--by", "beat"}, {"demo", "--diagram", "seed"}} {
		if code, _, errs := runCLI(args...); code != 2 || errs == "" {
			t.Errorf("%v: exit %d, %q", args, code, errs)
		}
	}
}
