package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/charmbracelet/x/term"

	"crdtviz/crdt"
	"crdtviz/model"
	"crdtviz/ui"
)

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

// parseFlags parses args, with flags allowed before, between and after the
// positional arguments (crdtviz demo seed --theme mono). It returns the
// positional arguments, and the exit code to use when parsing ends the
// command (-1 to go on).
func parseFlags(fs *flag.FlagSet, args []string) ([]string, int) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, 0
			}
			return nil, exitUsage
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, -1
		}
		if len(args) > 0 && len(rest) < len(args) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), -1 // everything after -- is positional
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
}

// parseNoArgs parses flags for a command that takes no other arguments.
func parseNoArgs(fs *flag.FlagSet, args []string) int {
	pos, code := parseFlags(fs, args)
	if code >= 0 {
		return code
	}
	if len(pos) > 0 {
		fmt.Fprintf(fs.Output(), "unexpected argument %q\n", pos[0])
		fs.Usage()
		return exitUsage
	}
	return -1
}

// lookFlags are the flags every interactive command takes.
type lookFlags struct {
	theme *string
	ascii *bool
}

func addLookFlags(fs *flag.FlagSet) lookFlags {
	return lookFlags{
		theme: fs.String("theme", "", "colours: dark, light, high-contrast (for projectors) or mono; default: follow the terminal, mono under NO_COLOR"),
		ascii: fs.Bool("ascii", false, "use ASCII instead of box-drawing characters and symbols"),
	}
}

func (l lookFlags) options() (model.Options, error) {
	opts := model.Options{Theme: ui.Dark, ASCII: *l.ascii}
	switch {
	case *l.theme != "":
		t, err := ui.ParseTheme(*l.theme)
		if err != nil {
			return opts, usageError{err.Error()}
		}
		opts.Theme, opts.ThemeFixed = t, true
	case os.Getenv("NO_COLOR") != "":
		opts.Theme, opts.ThemeFixed = ui.Mono, true
	}
	return opts, nil
}

func typeList() string {
	names := make([]string, len(crdt.Types))
	for i, t := range crdt.Types {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}

var friendlyNames = []string{"Alice", "Bob", "Carol", "Dave", "Erin", "Frank", "Grace", "Heidi"}

func defaultNames(n int) []string {
	if n < 1 || n > len(friendlyNames) {
		return nil
	}
	return append([]string(nil), friendlyNames[:n]...)
}

// terminal reports whether the app can run here: standard input and output
// are a terminal, and it is not a dumb one.
func terminal() bool {
	return term.IsTerminal(os.Stdin.Fd()) && term.IsTerminal(os.Stdout.Fd()) && os.Getenv("TERM") != "dumb"
}

// notATerminal explains what to do instead when there is no terminal.
const notATerminal = "crdtviz: the interactive app needs a terminal; for plain text, try: crdtviz demo --transcript seed"

// recordFlags are --record FILE and --force.
type recordFlags struct {
	path  *string
	force *bool
}

func addRecordFlags(fs *flag.FlagSet) recordFlags {
	return recordFlags{
		path:  fs.String("record", "", "write everything you do to this file, as a scenario"),
		force: fs.Bool("force", false, "with --record: overwrite an existing file"),
	}
}
