// Command crdtviz makes network replication visible: replicas side by side,
// concurrent edits, cut links, late and duplicated messages, and a plain
// overwrite lane beside a CRDT lane that converges.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

const usage = `crdtviz: watch replicas drift apart and converge again.

Usage:
  crdtviz                      open the start screen: built-in demos and free play
  crdtviz play [flags]         free play: --type TYPE --replicas N [--names A,B,C]
                               [--mode state|op|delta] [--delivery any] [--dedup off]
  crdtviz demo NAME|FILE       play a demo (--transcript prints it instead; with
                               --answers=false a worksheet, --answer-key its answers,
                               --diagram a space-time diagram; --svg -o FILE.svg
                               draws the diagram as SVG)
  crdtviz demos                list the built-in demos
  crdtviz check FILE|NAME...   run scenario files and check every expect line
  crdtviz trace FILE           replay a real editing trace into the text CRDT
  crdtviz cast NAME|FILE -o OUT.cast   record a demo as an asciicast (no terminal needed)
  crdtviz cast NAME|FILE -o OUT.html   ... or as one web page to share the lesson (--html)
  crdtviz class start --type TYPE --name NAME    classroom mode: every laptop a replica
  crdtviz class join HOST:PORT --key HEX         (the line the teacher's screen shows)
  crdtviz lab --workload g-counter -- CMD        your own CRDT nodes (Maelstrom's protocol)
                               as a third lane; lab check tests them, lab demo replays

Recording and presenting (play and demo):
  --record FILE   write everything you do to FILE as a scenario (--force overwrites)
  --autoplay 3s   (demo) step by itself; any key pauses, a toggles, + and - change speed
  --exit          (demo, with --autoplay) quit after the last step
  --by action     (demo, cast) step one action at a time, a sync in two; f switches
  --no-ask        (demo, cast) leave the demo's questions out; A switches

Flags:
  -h, --help      show this help
  --version       print the version
  --theme T       dark, light, high-contrast (for projectors) or mono
                  (default: follow the terminal; mono when NO_COLOR is set)
  --ascii         ASCII instead of box-drawing characters and symbols

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

// checkedWriter remembers the first error writing to it: output that did
// not arrive (a full disk, a closed pipe) is a failure, not a success.
type checkedWriter struct {
	w   io.Writer
	err error
}

func (c *checkedWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	c.err = err
	return n, err
}

// run is the whole CLI, minus the process: it returns the exit code. A
// command whose output could not be written exits 1, saying why.
func run(args []string, stdout, stderr io.Writer) int {
	out := &checkedWriter{w: stdout}
	code := dispatch(args, out, stderr)
	if out.err != nil && code == 0 {
		fmt.Fprintf(stderr, "crdtviz: writing the output failed: %v\n", out.err)
		return 1
	}
	return code
}

// dispatch hands each command to its own file.
func dispatch(args []string, stdout, stderr io.Writer) int {
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
		case "play":
			return cmdPlay(args[1:], stdout, stderr)
		case "cast":
			return cmdCast(args[1:], stdout, stderr)
		case "class":
			return cmdClass(args[1:], stdout, stderr)
		case "lab":
			return cmdLab(args[1:], stdout, stderr)
		}
		if !strings.HasPrefix(args[0], "-") {
			return fail(stderr, usageError{fmt.Sprintf("unknown command %q", args[0])})
		}
	}
	fs := newFlags("", "", stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	look := addLookFlags(fs)
	if code := parseNoArgs(fs, args); code >= 0 {
		return code
	}
	opts, err := look.options()
	if err != nil {
		return fail(stderr, err)
	}
	return runTUI(opts, recordFlags{}, stderr)
}

// usageFail reports a bad flag value of one command: the message and
// where to read that command's flags, not the whole usage. It exits 2.
func usageFail(stderr io.Writer, cmd, msg string) int {
	fmt.Fprintf(stderr, "crdtviz %s: %s\nRun 'crdtviz %s --help' for its flags.\n", cmd, msg, cmd)
	return exitUsage
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
