// Command crdtviz makes network replication visible: replicas side by side,
// concurrent edits, cut links, late and duplicated messages, and a plain
// overwrite lane beside a CRDT lane that converges.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"crdtviz/crdt/trace"
	"crdtviz/demos"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

const usage = `crdtviz: watch replicas drift apart and converge again.

Usage:
  crdtviz                      open the start screen: built-in demos and free play
  crdtviz play [flags]         free play: --type TYPE --replicas N [--names A,B,C]
  crdtviz demo NAME|FILE       play a demo (--transcript prints it instead)
  crdtviz demos                list the built-in demos
  crdtviz check FILE|NAME...   run scenario files and check every expect line
  crdtviz trace FILE           replay a real editing trace into the text CRDT

Flags:
  -h, --help      show this help
  --version       print the version

Run 'crdtviz COMMAND --help' for a command's flags.
`

// exitUsage is the exit code for a usage error.
const exitUsage = 2

// usageError is an error in how crdtviz was called; it exits 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the whole CLI, minus the process: it returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "-h", "--help", "-help", "help":
			fmt.Fprint(stdout, usage)
			return 0
		case "--version", "-version", "version":
			fmt.Fprintf(stdout, "crdtviz %s (%s)\n", version, runtime.Version())
			return 0
		case "trace":
			return cmdTrace(args[1:], stdout, stderr)
		case "check":
			return cmdCheck(args[1:], stdout, stderr)
		case "demos":
			return cmdDemos(args[1:], stdout, stderr)
		case "demo":
			return cmdDemo(args[1:], stdout, stderr)
		}
		if strings.HasPrefix(args[0], "-") {
			return fail(stderr, usageError{fmt.Sprintf("unknown flag %s", args[0])})
		}
		return fail(stderr, usageError{fmt.Sprintf("unknown command %q", args[0])})
	}
	return fail(stderr, usageError{"the interactive app is not built yet; try 'crdtviz trace FILE'"})
}

// fail prints err and returns its exit code: 2 with usage for usage errors.
func fail(stderr io.Writer, err error) int {
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "crdtviz: %s\n\n%s", ue.msg, usage)
		return exitUsage
	}
	fmt.Fprintf(stderr, "crdtviz: %v\n", err)
	return 1
}

// newFlags makes a flag set for a subcommand that reports errors instead of
// exiting, and prints its usage to stderr.
func newFlags(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: crdtviz %s\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args; it returns the exit code to use when parsing ends
// the command (-1 to go on).
func parseFlags(fs *flag.FlagSet, args []string) int {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return exitUsage
	}
	return -1
}

func cmdTrace(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("trace", "trace FILE\n\nReplays an editing trace (josephg/editing-traces format, gzipped or plain JSON)\ninto the text CRDT and checks the result against its endContent.", stderr)
	if code := parseFlags(fs, args); code >= 0 {
		return code
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return exitUsage
	}
	path := fs.Arg(0)
	f, err := os.Open(path)
	if err != nil {
		fmt.Fprintf(stderr, "crdtviz trace: %v\n", err)
		return exitUsage
	}
	defer f.Close()
	tr, err := trace.Load(f)
	if err != nil {
		fmt.Fprintf(stderr, "crdtviz trace: %s: %v\n", path, err)
		return exitUsage
	}
	start := time.Now()
	rep, err := trace.Replay(tr)
	elapsed := time.Since(start)
	if err != nil {
		fmt.Fprintf(stderr, "crdtviz trace: %s: replay failed: %v\n", path, err)
		return 1
	}
	kind := "sequential"
	if tr.Concurrent {
		kind = fmt.Sprintf("concurrent, %d agents", rep.Replicas)
	}
	fmt.Fprintf(stdout, "trace:      %s (%s)\n", path, kind)
	fmt.Fprintf(stdout, "operations: %d transactions, %d patches (%d inserted, %d deleted code points)\n", rep.Txns, rep.Patches, rep.Inserted, rep.Deleted)
	fmt.Fprintf(stdout, "time:       %s\n", elapsed.Round(time.Millisecond))
	fmt.Fprintf(stdout, "metadata:   %d items at peak, %d of them tombstones\n", rep.Items, rep.Tombstones)
	fmt.Fprintf(stdout, "final text: %d characters\n", len([]rune(rep.Final)))
	if !rep.Match {
		fmt.Fprintf(stdout, "result:     MISMATCH: %s\n", rep.Diff)
		return 1
	}
	fmt.Fprintln(stdout, "result:     match")
	return 0
}

func cmdCheck(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("check", "check FILE|NAME...\n\nRuns each scenario headless and checks every expect line. NAME is a built-in demo.", stderr)
	if code := parseFlags(fs, args); code >= 0 {
		return code
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return exitUsage
	}
	passed, failed, broken := 0, 0, false
	for _, arg := range fs.Args() {
		s, err := demos.Load(arg)
		if err != nil {
			fmt.Fprintln(stdout, err)
			failed++
			broken = true
			continue
		}
		run := demos.Execute(s)
		for _, step := range run.Steps {
			for _, e := range step.Expects {
				if !e.Pass {
					fmt.Fprintf(stdout, "%s:%d: %s\n", e.Statement.Pos.File, e.Statement.Pos.Line, e.Failure())
				}
			}
		}
		passed += run.Passed()
		failed += run.Failed()
		if run.Err != nil {
			fmt.Fprintln(stdout, run.Err)
			failed++
			broken = true
		}
	}
	fmt.Fprintf(stdout, "%d passed, %d failed\n", passed, failed)
	switch {
	case broken:
		return exitUsage
	case failed > 0:
		return 1
	}
	return 0
}

func cmdDemos(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("demos", "demos\n\nLists the built-in demos.", stderr)
	if code := parseFlags(fs, args); code >= 0 {
		return code
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return exitUsage
	}
	for _, b := range demos.Builtins() {
		fmt.Fprintf(stdout, "%-12s %-28s %s\n", b.Name, b.Scenario.Title, b.Scenario.Type)
	}
	return 0
}

func cmdDemo(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("demo", "demo [flags] NAME|FILE\n\nPlays a demo: a built-in one by NAME (see 'crdtviz demos') or a scenario FILE.", stderr)
	transcript := fs.Bool("transcript", false, "print a readable transcript instead of opening the app")
	if code := parseFlags(fs, args); code >= 0 {
		return code
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return exitUsage
	}
	s, err := demos.Load(fs.Arg(0))
	if err != nil {
		fmt.Fprintf(stderr, "crdtviz demo: %v\n", err)
		return exitUsage
	}
	if !*transcript {
		fmt.Fprintln(stderr, "crdtviz demo: the interactive player is not built yet; use --transcript")
		return exitUsage
	}
	run := demos.Execute(s)
	if err := demos.WriteTranscript(stdout, run); err != nil {
		fmt.Fprintf(stderr, "crdtviz demo: %v\n", err)
		return 1
	}
	if run.Err != nil {
		return exitUsage
	}
	if run.Failed() > 0 {
		return 1
	}
	return 0
}
