package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"crdtviz/ui"
)

func runCLI(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func writeTestFile(t *testing.T, name, src string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const okScenario = "title t\ntype g-counter\nreplicas A B\nstep s\nedit A inc 2\nsync all\nexpect all = 2\n"

// TestCLIErrorPaths covers every CLI error path: exit code and message.
func TestCLIErrorPaths(t *testing.T) {
	bad := writeTestFile(t, "bad.demo", "title t\ntype g-counter\nreplicas A B\nstep s\nedit A dec 1\n")
	failing := writeTestFile(t, "fail.demo", "title t\ntype g-counter\nreplicas A B\nstep s\nedit A inc 2\nexpect B = 2\n")
	runtime := writeTestFile(t, "rt.demo", "title t\ntype g-counter\nreplicas A B\nstep s\ndeliver A -> B\n")
	notTrace := writeTestFile(t, "x.json", "{}")
	manyAgents := writeTestFile(t, "many.json", `{"numAgents":300000000,"endContent":"a","txns":[{"parents":[],"agent":9,"patches":[[0,0,"a"]]}]}`)
	var huge strings.Builder // 2000 editing agents, one of whom types 5000 characters
	huge.WriteString(`{"numAgents":2000,"endContent":"","txns":[{"parents":[],"agent":0,"patches":[[0,0,"` + strings.Repeat("x", 5000) + `"]]}`)
	for a := 1; a < 2000; a++ {
		fmt.Fprintf(&huge, `,{"parents":[],"agent":%d,"patches":[]}`, a)
	}
	huge.WriteString("]}")
	tooLarge := writeTestFile(t, "huge.json", huge.String())
	cases := []struct {
		args     []string
		code     int
		out, err string
	}{
		{[]string{"--bogus"}, 2, "", "flag provided but not defined: -bogus\ncrdtviz: watch replicas"},
		{[]string{"--theme", "purple"}, 2, "", `unknown theme "purple"`},
		{[]string{"extra-arg", "x"}, 2, "", `unknown command "extra-arg"`},
		{[]string{"play", "--type", "b-tree"}, 2, "", `unknown type "b-tree"`},
		{[]string{"play", "--replicas", "9"}, 2, "", "crdtviz play: --replicas must be 2 to 8, not 9\nRun 'crdtviz play --help' for its flags.\n"},
		{[]string{"play", "--replicas", "2", "--names", "A,B,C"}, 2, "", "--replicas 2 but --names gives 3 names"},
		{[]string{"play", "--names", "A,A"}, 2, "", `replica name "A" is used twice`},
		{[]string{"play", "--names", "A,all"}, 2, "", `"all" is a reserved word`},
		{[]string{"play", "--names", "A,ThisNameIsFarTooLongForABox"}, 2, "", "longer than 24 characters"},
		{[]string{"play", "stray"}, 2, "", `unexpected argument "stray"`},
		{[]string{"play", "--mode", "gossip"}, 2, "", `unknown mode "gossip": choose state, op or delta`},
		{[]string{"play", "--delivery", "any"}, 2, "", "--delivery and --dedup are op mode's rules: add --mode op"},
		{[]string{"play", "--mode", "op", "--dedup", "maybe"}, 2, "", `--dedup "maybe": choose on or off`},
		{[]string{"play", "--mode", "op", "--delivery", "fifo"}, 2, "", `--delivery "fifo": choose causal or any`},
		{[]string{"play", "--replicas", "x"}, 2, "", `invalid value "x" for flag -replicas`},
		{[]string{"demo", "seed", "--theme", "nope"}, 2, "", `unknown theme "nope"`},
		{[]string{"demo", "seed", "cart"}, 2, "", "Usage: crdtviz demo"},
		{[]string{"demo", "--theme", "nope", "seed"}, 2, "", `unknown theme "nope"`},
		{[]string{"frobnicate"}, 2, "", `unknown command "frobnicate"`},
		{[]string{"check"}, 2, "", "Usage: crdtviz check"},
		{[]string{"check", "--nope", "seed"}, 2, "", "flag provided but not defined: -nope"},
		{[]string{"check", "no-such-thing"}, 2, "0 passed, 1 failed", "no such file, and no built-in demo of that name"},
		{[]string{"check", bad}, 2, "0 passed, 1 failed", bad + `:5:8: operation does not fit the type: g-counter has no "dec": a g-counter only grows; use pn-counter to count down`},
		{[]string{"check", runtime}, 2, "0 passed, 1 failed", runtime + ":5:1: nothing is in flight from A to B"},
		{[]string{"check", failing}, 1, failing + ":6: expected B = 2, got 0\n0 passed, 1 failed", ""},
		{[]string{"demo"}, 2, "", "Usage: crdtviz demo"},
		{[]string{"demo", "--transcript", "nope"}, 2, "", "no such file"},
		{[]string{"demos", "extra"}, 2, "", "Usage: crdtviz demos"},
		{[]string{"trace"}, 2, "", "Usage: crdtviz trace"},
		{[]string{"trace", "/no/such/file"}, 2, "", "no such file or directory"},
		{[]string{"trace", notTrace}, 2, "", "not an editing trace"},
		{[]string{"trace", manyAgents}, 0, "(concurrent, 300000000 agents)", ""},
		{[]string{"trace", tooLarge}, 1, "", "replay failed: the trace is too large to replay: 2000 agents that edit"},
	}
	dir := t.TempDir()
	existing := writeTestFile(t, "exists.demo", okScenario)
	locked := filepath.Join(dir, "locked")
	os.Mkdir(locked, 0o500)
	cases = append(cases, []struct {
		args     []string
		code     int
		out, err string
	}{
		{[]string{"play", "--record", existing}, 2, "", "the file exists; add --force to overwrite it"},
		{[]string{"play", "--record", dir}, 2, "", "that is a directory; name a file"},
		{[]string{"demo", "seed", "--record", filepath.Join(dir, "no", "such", "dir", "f.demo")}, 2, "", "cannot write there"},
		{[]string{"demo", "seed", "--exit"}, 2, "", "--exit goes with --autoplay"},
		{[]string{"cast", "seed"}, 2, "", "Usage: crdtviz cast"},
		{[]string{"cast", "seed", "-o", filepath.Join(dir, "x.cast"), "--size", "big"}, 2, "", `--size "big": write it as WIDTHxHEIGHT`},
		{[]string{"cast", "seed", "-o", filepath.Join(dir, "x.cast"), "--size", "20x5"}, 2, "", "a cast needs at least 48x20"},
		{[]string{"cast", "seed", "-o", filepath.Join(dir, "x.cast"), "--theme", "neon"}, 2, "", `unknown theme "neon"`},
		{[]string{"cast", "seed", "-o", filepath.Join(dir, "x.cast"), "--frame", "99"}, 2, "", "--frame 99: this cast has frames 0 to 9"},
		{[]string{"cast", "nope", "-o", filepath.Join(dir, "x.cast")}, 2, "", "no built-in demo of that name"},
		{[]string{"cast", "seed", "--html", "--frame", "2", "-o", filepath.Join(dir, "x.html")}, 2, "", "--frame writes one screen; --html writes a whole page"},
		{[]string{"cast", "seed", "-o", existing + ".html", "--frame", "1"}, 2, "", "--frame writes one screen"},
		{[]string{"demo", "seed", "--svg"}, 2, "", "--svg writes to a file: add -o FILE.svg"},
		{[]string{"demo", "seed", "-o", filepath.Join(dir, "d.svg")}, 2, "", "-o goes with --svg"},
		{[]string{"demo", "seed", "--svg", "--transcript", "-o", "-"}, 2, "", "with --transcript, the transcript goes to standard output"},
		{[]string{"demo", "seed", "--svg", "--record", filepath.Join(dir, "r.demo"), "-o", filepath.Join(dir, "d.svg")}, 2, "", "--record goes with the app, not with --svg"},
		{[]string{"demo", "seed", "--svg", "--diagram", "-o", filepath.Join(dir, "d.svg")}, 2, "", "--answers, --answer-key and --diagram go with --transcript"},
		{[]string{"demo", "seed", "--svg", "-o", existing}, 2, "", "the file exists; add --force to overwrite it"},
		{[]string{"demo", "seed", "--svg", "-o", dir}, 2, "", "that is a directory"},
		{[]string{"demo", runtime, "--svg", "-o", filepath.Join(dir, "rt.svg")}, 2, "", runtime + ":5:1: nothing is in flight from A to B"},
	}...)
	if os.Geteuid() != 0 { // root writes anywhere
		cases = append(cases, struct {
			args     []string
			code     int
			out, err string
		}{[]string{"play", "--record", filepath.Join(locked, "f.demo")}, 2, "", "cannot write there"})
	}
	for _, tc := range cases {
		code, out, errs := runCLI(tc.args...)
		if code != tc.code || !strings.Contains(out, tc.out) || !strings.Contains(errs, tc.err) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit %d with %q / %q", tc.args, code, out, errs, tc.code, tc.out, tc.err)
		}
	}
}

// TestNoTerminal: the interactive commands explain themselves when there is
// no terminal (as under go test, where stdout is not a TTY).
func TestNoTerminal(t *testing.T) {
	for _, args := range [][]string{nil, {"play"}, {"play", "--theme", "mono", "--ascii"}} {
		code, _, errs := runCLI(args...)
		if code != 1 || errs != notATerminal+"\n" {
			t.Errorf("%v: exit %d, stderr %q", args, code, errs)
		}
	}
}

func TestCLIHappyPaths(t *testing.T) {
	ok := writeTestFile(t, "ok.demo", okScenario)
	if code, out, _ := runCLI("check", ok, "seed"); code != 0 || !strings.HasSuffix(out, " passed, 0 failed\n") {
		t.Errorf("check: %d %q", code, out)
	}
	if code, out, _ := runCLI("demos"); code != 0 || !strings.HasPrefix(out, "seed ") || !strings.Contains(out, "lost-update") {
		t.Errorf("demos: %d %q", code, out)
	}
	if code, out, _ := runCLI("demo", "seed", "--transcript"); code != 0 || !strings.Contains(out, "Step 1/6: Every server stores a replica") {
		t.Errorf("transcript: %d %q", code, out)
	}
	if code, out, _ := runCLI("--help"); code != 0 || !strings.Contains(out, "crdtviz check FILE|NAME") {
		t.Errorf("help: %d %q", code, out)
	}
	if code, out, _ := runCLI("--version"); code != 0 || !strings.HasPrefix(out, "crdtviz ") {
		t.Errorf("version: %d %q", code, out)
	}
	if code, _, errs := runCLI("check", "--help"); code != 0 || !strings.Contains(errs, "Usage: crdtviz check") {
		t.Errorf("check --help: %d %q", code, errs)
	}
}

// TestSharedExamplesCheck runs `crdtviz check` on every file in
// ../shared/examples, as CI does.
func TestSharedExamplesCheck(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "shared", "examples", "*"))
	if len(files) == 0 {
		t.Skip("skipping: ../shared/examples is not here")
	}
	code, out, errs := runCLI(append([]string{"check"}, files...)...)
	if code != 0 || !strings.HasSuffix(out, " 0 failed\n") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
}

func TestTraceCommand(t *testing.T) {
	tr := writeTestFile(t, "t.json", `{"endContent":"hi","txns":[{"patches":[[0,0,"hi"]]}]}`)
	if code, out, _ := runCLI("trace", tr); code != 0 || !strings.Contains(out, "result:     match") || !strings.Contains(out, "metadata:   2 items at peak") {
		t.Errorf("trace: %d %q", code, out)
	}
	mis := writeTestFile(t, "m.json", `{"endContent":"ho","txns":[{"patches":[[0,0,"hi"]]}]}`)
	if code, out, _ := runCLI("trace", mis); code != 1 || !strings.Contains(out, "MISMATCH: first difference at character 1") {
		t.Errorf("mismatch: %d %q", code, out)
	}
}

func TestCastCommand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "seed.cast")
	if code, _, errs := runCLI("cast", "seed", "-o", out, "--size", "80x24", "--step", "1s"); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	data, err := os.ReadFile(out)
	if err != nil || !strings.HasPrefix(string(data), `{"version":2,"width":80,"height":24,`) {
		t.Fatalf("cast: %v %.80q", err, data)
	}
	code, frame, _ := runCLI("cast", "seed", "-o", "-", "--frame", "2", "--theme", "mono")
	if code != 0 || !strings.Contains(frame, "step 2/6") {
		t.Fatalf("frame: %d %q", code, frame)
	}
	entries, _ := os.ReadDir(filepath.Dir(out))
	if len(entries) != 1 {
		t.Fatalf("a temporary file was left behind: %v", entries)
	}
}

// TestDemoWithoutTerminalPrintsTranscript: crdtviz demo seed | cat gets the
// transcript, not garbage and not a hang.
func TestDemoWithoutTerminalPrintsTranscript(t *testing.T) {
	code, out, errs := runCLI("demo", "seed")
	if code != 0 || !strings.Contains(out, "Step 6/6") || !strings.Contains(out, "passed, 0 failed") || strings.Contains(out, "\x1b") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if !strings.Contains(errs, "not a terminal, so here is the transcript") {
		t.Fatalf("stderr %q", errs)
	}
}

func TestDumbTerminal(t *testing.T) {
	t.Setenv("TERM", "dumb")
	if code, _, errs := runCLI("play"); code != 1 || errs != notATerminal+"\n" {
		t.Errorf("play: %d %q", code, errs)
	}
	if code, out, _ := runCLI("demo", "cart"); code != 0 || !strings.Contains(out, "Shopping cart") {
		t.Errorf("demo: %d %q", code, out)
	}
}

func TestNoColorMeansMono(t *testing.T) {
	t.Setenv("NO_COLOR", "1")
	fs := newFlags("x", "", io.Discard)
	look := addLookFlags(fs)
	fs.Parse(nil)
	if opts, err := look.options(); err != nil || opts.Theme != ui.Mono || !opts.ThemeFixed {
		t.Fatalf("NO_COLOR gave %+v %v", opts, err)
	}
	fs = newFlags("x", "", io.Discard)
	look = addLookFlags(fs)
	fs.Parse([]string{"--theme", "high-contrast"})
	if opts, _ := look.options(); opts.Theme != ui.HighContrast {
		t.Fatalf("--theme beats NO_COLOR: %+v", opts)
	}
}

// TestTranscriptWideCharacters: columns line up by display width.
func TestTranscriptWideCharacters(t *testing.T) {
	f := writeTestFile(t, "wide.demo", "title t\ntype lww-register\nreplicas 李小龙 Bo\ninitial 你好\nstep s\nedit Bo set x\n")
	code, out, _ := runCLI("demo", f, "--transcript")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	var cols []int
	for _, ln := range strings.Split(out, "\n") {
		if strings.HasPrefix(ln, "  李小龙") || strings.HasPrefix(ln, "  Bo ") || strings.HasPrefix(ln, "  replica") {
			cut := strings.Index(ln, "\"")
			if cut < 0 {
				cut = strings.Index(ln, "plain")
			}
			cols = append(cols, ansi.StringWidth(ln[:cut]))
		}
	}
	for _, c := range cols {
		if c != cols[0] {
			t.Fatalf("plain column starts at %v cells:\n%s", cols, out)
		}
	}
}
