package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"crdtviz/demos"
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
	fs := newFlags("demo", "demo [flags] NAME|FILE\n\nPlays a demo: a built-in one by NAME (see 'crdtviz demos') or a scenario FILE.", stderr)
	transcript := fs.Bool("transcript", false, "print a readable transcript instead of opening the app")
	answers := fs.Bool("answers", true, "with --transcript: print what each step did (false: a worksheet, whose questions give nothing away)")
	answerKey := fs.Bool("answer-key", false, "with --transcript: print the worksheet's answer key (each question, what happens, and the answer)")
	diagram := fs.Bool("diagram", false, "with --transcript: add the run's space-time diagram, for a handout")
	width := fs.Int("width", 0, "with --diagram: the diagram's width in columns (default: $COLUMNS, else 80)")
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
	if !*transcript && (!*answers || *diagram || *answerKey) {
		return usageFail(stderr, "demo", "--answers, --answer-key and --diagram go with --transcript")
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
	run := demos.Execute(s)
	// The transcript is written whole, then in ASCII under --ascii: the
	// engine's and the demo's sentences pass through the one mapping the
	// screen uses, and columns are aligned by the width they print at.
	text, cellWidth := func(s string) string { return s }, ansi.StringWidth
	if *look.ascii {
		text, cellWidth = ui.ASCIIText, func(s string) int { return ansi.StringWidth(ui.ASCIIText(s)) }
	}
	var out strings.Builder
	if err := demos.WriteTranscriptWith(&out, run, demos.TranscriptOptions{Answers: *answers, AnswerKey: *answerKey, Width: cellWidth}); err != nil {
		fmt.Fprintf(stderr, "crdtviz demo: %v\n", err)
		return 1
	}
	if *diagram && *answers {
		fmt.Fprintf(&out, "\nSpace-time diagram\n------------------\n%s", ui.DiagramText(run.Timeline, diagramWidth(*width), *look.ascii))
	}
	if _, err := io.WriteString(stdout, text(out.String())); err != nil {
		fmt.Fprintf(stderr, "crdtviz demo: %v\n", err)
		return 1
	}
	if !*answers || *answerKey {
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
