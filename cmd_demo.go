package main

import (
	"fmt"
	"io"
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
	if err := demos.WriteTranscriptWith(stdout, run, demos.TranscriptOptions{Answers: *answers, AnswerKey: *answerKey, Width: ansi.StringWidth}); err != nil {
		fmt.Fprintf(stderr, "crdtviz demo: %v\n", err)
		return 1
	}
	if *diagram && *answers {
		if _, err := fmt.Fprintf(stdout, "\nSpace-time diagram\n------------------\n%s", ui.DiagramText(run.Timeline, 80, *look.ascii)); err != nil {
			fmt.Fprintf(stderr, "crdtviz demo: %v\n", err)
			return 1
		}
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
