package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"crdtviz/demos"
	"crdtviz/replicas"
	"crdtviz/ui"
)

func cmdDemos(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("demos", "demos\n\nLists the built-in demos.", stderr)
	if code := parseNoArgs(fs, args); code >= 0 {
		return code
	}
	for _, b := range demos.Builtins() {
		fmt.Fprintf(stdout, "%-12s %-28s %s\n", b.Name, b.Scenario.Title, b.Scenario.Type)
	}
	return 0
}

func cmdDemo(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("demo", "demo [flags] NAME|FILE\n\nPlays a demo: a built-in one by NAME (see 'crdtviz demos') or a scenario FILE.\n"+
		"With --svg -o FILE.svg, draws the whole run's space-time diagram as SVG instead, for a handout or a slide.", stderr)
	transcript := fs.Bool("transcript", false, "print a readable transcript instead of opening the app")
	answers := fs.Bool("answers", true, "with --transcript: print what each step did (false: a worksheet, whose questions give nothing away)")
	answerKey := fs.Bool("answer-key", false, "with --transcript: print the worksheet's answer key (each question, what happens, and the answer)")
	diagram := fs.Bool("diagram", false, "with --transcript: add the run's space-time diagram, for a handout")
	width := fs.Int("width", 0, "with --diagram: the diagram's width in columns (default: $COLUMNS, else 80)")
	svg := fs.Bool("svg", false, "write the run's space-time diagram as SVG to -o (with --transcript, the transcript still goes to standard output)")
	out := fs.String("o", "", "with --svg: the file to write (- for standard output)")
	autoplay := fs.Duration("autoplay", 0, "step forward by itself at this interval, e.g. 3s")
	exitAtEnd := fs.Bool("exit", false, "with --autoplay: quit after the last step")
	by := fs.String("by", "step", "step: → moves a step at a time; action: one action at a time, a sync in two (f switches)")
	noAsk := fs.Bool("no-ask", false, "turn the demo's questions off: each step shows its outcome at once (A switches)")
	look := addLookFlags(fs)
	rec := addRecordFlags(fs)
	pos, code := parseFlags(fs, args)
	if code >= 0 {
		return code
	}
	if len(pos) != 1 {
		fs.Usage()
		return exitUsage
	}
	s, err := demos.Load(pos[0])
	if err != nil {
		fmt.Fprintf(stderr, "crdtviz demo: %v\n", err)
		return exitUsage
	}
	if !*svg && *out != "" {
		return usageFail(stderr, "demo", "-o goes with --svg (to write the diagram); to record a session, use --record FILE")
	}
	if *answerKey && (!*answers || *diagram) {
		return usageFail(stderr, "demo", "--answer-key prints the answers alone: leave out --answers=false and --diagram")
	}
	if *width != 0 && !*diagram {
		return usageFail(stderr, "demo", "--width goes with --transcript --diagram")
	}
	if *width != 0 && (*width < minDiagramWidth || *width > maxDiagramWidth) {
		return usageFail(stderr, "demo", fmt.Sprintf("--width %d: give a width from %d to %d columns", *width, minDiagramWidth, maxDiagramWidth))
	}
	tr := transcriptRequest{answers: *answers, answerKey: *answerKey, diagram: *diagram, width: *width, ascii: *look.ascii}
	if *svg {
		return demoSVG(s, svgRequest{out: *out, force: *rec.force, transcript: *transcript, recording: *rec.path != "", transcriptRequest: tr}, stdout, stderr)
	}
	if !*transcript && (!*answers || *diagram || *answerKey) {
		return usageFail(stderr, "demo", "--answers, --answer-key and --diagram go with --transcript")
	}
	if !*transcript {
		// Usage errors first, whatever the terminal.
		opts, err := look.options()
		if err != nil {
			return fail(stderr, err)
		}
		if *by != "step" && *by != "action" {
			return usageFail(stderr, "demo", fmt.Sprintf("--by %q: choose step or action", *by))
		}
		if *autoplay < 0 || *exitAtEnd && *autoplay == 0 {
			return usageFail(stderr, "demo", "--exit goes with --autoplay DURATION (a positive time such as 3s)")
		}
		recording := rec.path != nil && *rec.path != ""
		if terminal() || recording {
			opts.Scenario, opts.Autoplay, opts.ExitAtEnd = s, *autoplay, *exitAtEnd
			opts.ByAction, opts.NoAsk = *by == "action", *noAsk
			if strings.HasPrefix(s.File, "builtin/") {
				opts.DemoName = pos[0]
			}
			return runTUI(opts, rec, stderr)
		}
		// Piped or redirected, or a dumb terminal: the transcript is the
		// sensible thing to print.
		fmt.Fprintf(stderr, "crdtviz: not a terminal, so here is the transcript (crdtviz demo --transcript %s)\n", pos[0])
	}
	return printTranscript(demos.Execute(s), tr, stdout, stderr)
}

// transcriptRequest is what crdtviz demo --transcript prints: the story
// (answers), a worksheet (answers false) or its answer key, the handout
// diagram and its width, in ASCII or not.
type transcriptRequest struct {
	answers, answerKey, diagram bool
	width                       int
	ascii                       bool
}

// printTranscript prints a run's transcript (with its text diagram when
// asked) and returns the exit code: 2 when the run stopped on an error, 1
// when an expectation failed. It is written whole, then in ASCII under
// --ascii: the engine's and the demo's sentences pass through the one
// mapping the screen uses, and columns are aligned by the width they print
// at.
func printTranscript(run *demos.Run, r transcriptRequest, stdout, stderr io.Writer) int {
	text, cellWidth := func(s string) string { return s }, ansi.StringWidth
	if r.ascii {
		text, cellWidth = ui.ASCIIText, func(s string) int { return ansi.StringWidth(ui.ASCIIText(s)) }
	}
	var out strings.Builder
	if err := demos.WriteTranscriptWith(&out, run, demos.TranscriptOptions{Answers: r.answers, AnswerKey: r.answerKey, Width: cellWidth}); err != nil {
		fmt.Fprintf(stderr, "crdtviz demo: %v\n", err)
		return 1
	}
	if r.diagram && r.answers {
		fmt.Fprintf(&out, "\nSpace-time diagram\n------------------\n%s", ui.DiagramText(run.Timeline, diagramWidth(r.width), r.ascii))
	}
	if _, err := io.WriteString(stdout, text(out.String())); err != nil {
		fmt.Fprintf(stderr, "crdtviz demo: %v\n", err)
		return 1
	}
	if !r.answers || r.answerKey {
		return 0
	}
	if run.Err != nil {
		return exitUsage
	}
	if run.Failed() > 0 {
		return 1
	}
	return 0
}

// svgRequest is crdtviz demo --svg: where to write, and what else was
// asked for.
type svgRequest struct {
	out                          string
	force, transcript, recording bool
	transcriptRequest
}

// demoSVG writes the run's space-time diagram as SVG, after the transcript
// when --transcript asks for one too.
func demoSVG(s *demos.Scenario, r svgRequest, stdout, stderr io.Writer) int {
	switch {
	case r.out == "":
		return usageFail(stderr, "demo", "--svg writes to a file: add -o FILE.svg (or -o - for standard output)")
	case r.recording:
		return usageFail(stderr, "demo", "--record goes with the app, not with --svg")
	case r.transcript && r.out == "-":
		return usageFail(stderr, "demo", "with --transcript, the transcript goes to standard output: write the SVG to a file (-o FILE.svg)")
	case !r.transcript && (!r.answers || r.diagram || r.answerKey):
		return usageFail(stderr, "demo", "--answers, --answer-key and --diagram go with --transcript")
	}
	var dest target
	if r.out != "-" {
		var err error
		if dest, err = checkTarget(r.out, r.force, "demo -o"); err != nil {
			return usageFail(stderr, "demo", err.Error())
		}
	}
	run := demos.Execute(s)
	code := 0
	if r.transcript {
		code = printTranscript(run, r.transcriptRequest, stdout, stderr)
	} else if run.Err != nil {
		fmt.Fprintf(stderr, "crdtviz demo: %v\n", run.Err)
		return exitUsage
	}
	svg := ui.DiagramSVGFile(run.Timeline, s.Title)
	var err error
	if r.out == "-" {
		_, err = io.WriteString(stdout, svg)
	} else {
		err = writeAtomic(dest, []byte(svg))
	}
	if err != nil {
		fmt.Fprintf(stderr, "crdtviz demo: %v\n", err)
		return 1
	}
	if !r.transcript && run.Failed() > 0 {
		fmt.Fprintf(stderr, "crdtviz demo: %s failed (crdtviz check %s says which)\n", replicas.Plural(run.Failed(), "expectation"), s.File)
		return 1
	}
	return code
}

// The handout diagram's width: --width, or the terminal's $COLUMNS, or 80.
const (
	minDiagramWidth     = 40
	maxDiagramWidth     = 1000
	defaultDiagramWidth = 80
)

// diagramWidth is the handout diagram's width: the flag's, else a valid
// $COLUMNS, else 80.
func diagramWidth(flag int) int {
	if flag != 0 {
		return flag
	}
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n >= minDiagramWidth && n <= maxDiagramWidth {
		return n
	}
	return defaultDiagramWidth
}
