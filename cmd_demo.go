package main

import (
	"fmt"
	"io"
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
	answers := fs.Bool("answers", true, "with --transcript: print what each step did (false: a worksheet of steps and questions)")
	diagram := fs.Bool("diagram", false, "with --transcript: add the run's space-time diagram, for a handout")
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
	if *svg {
		return demoSVG(s, svgRequest{out: *out, force: *rec.force, transcript: *transcript, answers: *answers, diagram: *diagram,
			recording: *rec.path != "", ascii: *look.ascii}, stdout, stderr)
	}
	if !*transcript && (!*answers || *diagram) {
		return usageFail(stderr, "demo", "--answers and --diagram go with --transcript")
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
	return printTranscript(demos.Execute(s), *answers, *diagram, *look.ascii, stdout, stderr)
}

// printTranscript prints a run's transcript (with its text diagram when
// asked) and returns the exit code: 2 when the run stopped on an error, 1
// when an expectation failed.
func printTranscript(run *demos.Run, answers, diagram, ascii bool, stdout, stderr io.Writer) int {
	if err := demos.WriteTranscriptWith(stdout, run, demos.TranscriptOptions{Answers: answers, Width: ansi.StringWidth}); err != nil {
		fmt.Fprintf(stderr, "crdtviz demo: %v\n", err)
		return 1
	}
	if diagram && answers {
		if _, err := fmt.Fprintf(stdout, "\nSpace-time diagram\n------------------\n%s", ui.DiagramText(run.Timeline, 80, ascii)); err != nil {
			fmt.Fprintf(stderr, "crdtviz demo: %v\n", err)
			return 1
		}
	}
	if !answers {
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
	out                                            string
	force, transcript, answers, diagram, recording bool
	ascii                                          bool
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
	case !r.transcript && (!r.answers || r.diagram):
		return usageFail(stderr, "demo", "--answers and --diagram go with --transcript")
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
		code = printTranscript(run, r.answers, r.diagram, r.ascii, stdout, stderr)
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
