package class

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"crdtviz/demos"
	"crdtviz/replicas"
)

// A class script: the teacher's actions for a lesson, written before the
// students' names are known, run one line per → press on the teacher's
// screen (crdtviz class start --script lesson.class).
//
//	say Everyone: add one item, and watch the plain lane.
//	hold
//	release
//	ask "Will the two sides agree after the heal?" choices yes | no
//	close
//	partition halves
//	heal
//	freeze
//	thaw
//	reset
//
// Lines are checked when the script is loaded, with file:line:col errors:
// the command must be one of these, and an ask is parsed by the scenario
// language's own parser. Names are checked when a line runs: a partition
// that names someone not in the class says so on the teacher's screen,
// and the line is skipped. `partition halves` splits whoever is there: the
// teacher's half first, then the rest, in name order.

// ScriptLine is one command of a script.
type ScriptLine struct {
	Num  int    // its line in the file
	Text string // as written
}

// Script is a loaded class script.
type Script struct {
	File  string
	Lines []ScriptLine
}

// scriptCommands is the script's keyword table: each command, and what it
// takes.
var scriptCommands = []struct{ keyword, usage string }{
	{"say", "say TEXT"},
	{"hold", "hold [SECONDS]"},
	{"release", "release"},
	{"freeze", "freeze"},
	{"thaw", "thaw"},
	{"partition", "partition halves, or partition A B | C D"},
	{"heal", "heal"},
	{"reset", "reset"},
	{"ask", `ask "TEXT" choices A | B | C`},
	{"close", "close"},
}

// maxScriptLines bounds a script: a lesson is dozens of lines.
const maxScriptLines = 1000

// MaxScriptBytes bounds a script file.
const MaxScriptBytes = 1 << 20

// ParseScript loads a class script, checking every line.
func ParseScript(file string, src []byte) (*Script, error) {
	if len(src) > MaxScriptBytes {
		return nil, fmt.Errorf("%s: the file is %d bytes; a class script is at most 1 MB", file, len(src))
	}
	if !utf8.Valid(src) {
		return nil, fmt.Errorf("%s: not UTF-8 text", file)
	}
	sc := &Script{File: file}
	for i, text := range strings.Split(string(src), "\n") {
		text = strings.TrimRight(text, "\r")
		trimmed := strings.TrimSpace(text)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		col := len([]rune(text[:strings.Index(text, trimmed)])) + 1
		if err := checkScriptLine(trimmed); err != nil {
			var pe *demos.Error
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("%s:%d:%d: %s", file, i+1, col+pe.Pos.Col-1, pe.Msg)
			}
			return nil, fmt.Errorf("%s:%d:%d: %v", file, i+1, col, err)
		}
		if len(sc.Lines) == maxScriptLines {
			return nil, fmt.Errorf("%s:%d:%d: a script has at most %d commands", file, i+1, col, maxScriptLines)
		}
		sc.Lines = append(sc.Lines, ScriptLine{Num: i + 1, Text: trimmed})
	}
	if len(sc.Lines) == 0 {
		return nil, fmt.Errorf("%s: the script has no commands (say, hold, release, ask, close, partition, heal, freeze, thaw, reset)", file)
	}
	return sc, nil
}

// checkScriptLine checks one command's syntax.
func checkScriptLine(line string) error {
	f := strings.Fields(line)
	i := slices.IndexFunc(scriptCommands, func(c struct{ keyword, usage string }) bool { return c.keyword == f[0] })
	if i < 0 {
		var kws []string
		for _, c := range scriptCommands {
			kws = append(kws, c.keyword)
		}
		return fmt.Errorf("unknown command %q: a class script has %s", f[0], strings.Join(kws, ", "))
	}
	usage := scriptCommands[i].usage
	switch f[0] {
	case "say":
		if len(f) < 2 {
			return fmt.Errorf("say what? %s", usage)
		}
		if len(line) > maxSayBytes {
			return fmt.Errorf("say is at most %d bytes", maxSayBytes)
		}
	case "hold":
		if len(f) > 2 {
			return fmt.Errorf("%s", usage)
		}
	case "partition":
		if !(len(f) == 2 && f[1] == "halves") && !strings.Contains(line, "|") {
			return fmt.Errorf("%s", usage)
		}
	case "ask":
		st, err := demos.ParseStatement(line, demos.Header{})
		if err != nil {
			return err
		}
		if len(st.Ask.Choices) < 2 {
			return fmt.Errorf("a question for the room needs its choices: %s", usage)
		}
	default:
		if len(f) != 1 {
			return fmt.Errorf("%s takes nothing more", f[0])
		}
	}
	return nil
}

// maxSayBytes bounds what the teacher says to the room.
const maxSayBytes = 300

// RunScriptLine runs one line of a script (teacher only). It returns the
// line as it ran (a partition of halves, with the names).
func (n *Node) RunScriptLine(line string) (string, error) {
	f := strings.Fields(line)
	switch {
	case len(f) > 0 && f[0] == "say":
		text := strings.TrimSpace(strings.TrimPrefix(line, "say"))
		return line, n.Say(text)
	case len(f) == 2 && f[0] == "partition" && f[1] == "halves":
		ran := n.halves()
		if ran == "" {
			return line, fmt.Errorf("partition halves needs two members besides nobody: the class has only %s", strings.Join(n.Members(), ", "))
		}
		_, _, err := n.Do(ran)
		return ran, err
	}
	_, _, err := n.Do(line)
	return line, err
}

// halves is `partition A B | C D` for whoever is in the class: the
// teacher and the first names on one side, the rest on the other.
func (n *Node) halves() string {
	names := n.Members()
	me := n.opts.Name
	rest := slices.DeleteFunc(slices.Clone(names), func(s string) bool { return s == me })
	if len(rest) < 1 {
		return ""
	}
	side := append([]string{me}, rest[:(len(names))/2-1]...)
	other := rest[(len(names))/2-1:]
	q := func(ns []string) string {
		out := make([]string, len(ns))
		for i, n := range ns {
			out[i] = replicas.QuoteName(n)
		}
		return strings.Join(out, " ")
	}
	return "partition " + q(side) + " | " + q(other)
}

// Say shows a sentence on every screen (teacher only).
func (n *Node) Say(text string) error {
	if text == "" || len(text) > maxSayBytes || !validText(text) {
		return fmt.Errorf("say: up to %d bytes a screen can show", maxSayBytes)
	}
	return n.control(func(cur wireControl) (wireControl, error) {
		cur.Say = text
		cur.SayN++
		return cur, nil
	})
}
