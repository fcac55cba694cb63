package demos

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"crdtviz/replicas"
)

// WriteTranscript prints a run as plain text: the header, then after each
// step its narration, what each action did and why, every replica's plain
// and CRDT value, the links, the messages in flight, and the expectations
// with ✓ or ✗. It suits handouts, screen readers and diffs. Columns are
// aligned by counting code points; see WriteTranscriptWidth.
func WriteTranscript(w io.Writer, run *Run) error {
	return WriteTranscriptWith(w, run, TranscriptOptions{Answers: true})
}

// WriteTranscriptWidth is WriteTranscript with columns aligned by width, a
// function giving a string's width in terminal cells (so that wide
// characters such as CJK and emoji line up).
func WriteTranscriptWidth(w io.Writer, run *Run, width func(string) int) error {
	return WriteTranscriptWith(w, run, TranscriptOptions{Answers: true, Width: width})
}

// TranscriptOptions shape a transcript.
type TranscriptOptions struct {
	// Answers prints what each step did: the sentences, the state after
	// it and its expectations. Without it the transcript is a worksheet:
	// each step's narration, question and actions, and a line to answer
	// on, for the class to predict on paper.
	Answers bool
	// Width gives a string's width in terminal cells, for aligned
	// columns (nil counts code points).
	Width func(string) int
}

// WriteTranscriptWith prints a transcript or, without Answers, a worksheet.
// A step's question (ask) comes before its outcome in both.
func WriteTranscriptWith(w io.Writer, run *Run, o TranscriptOptions) error {
	s := run.Scenario
	width := o.Width
	if width == nil {
		width = utf8.RuneCountInString
	}
	tw := &errWriter{w: w, width: width}
	title := oneLine(s.Title)
	tw.printf("%s\n%s\n", title, strings.Repeat("=", max(3, utf8.RuneCountInString(title))))
	init := "its empty value"
	if s.Initial != nil {
		init = s.Initial.String()
	}
	names := make([]string, len(s.Replicas))
	for i, n := range s.Replicas {
		names[i] = replicas.QuoteName(n)
	}
	tw.printf("type %s: %s\nreplicas %s, each starting from %s\n", s.Type, s.Type.Describe(), strings.Join(names, ", "), init)
	if s.Mode != replicas.ModeState {
		rules := ""
		if s.Mode == replicas.ModeOp {
			rules = ", delivery causal"
			if s.AnyOrder {
				rules = ", delivery any"
			}
			if s.NoDedup {
				rules += ", dedup off"
			} else {
				rules += ", dedup on"
			}
		}
		tw.printf("mode %s: %s%s\n", s.Mode, s.Mode.Describe(), rules)
	}
	if s.About != "" {
		tw.printf("\n%s\n", oneLine(s.About))
	}
	if !o.Answers {
		writeWorksheet(tw, s)
		return tw.err
	}
	tl := run.Timeline
	for i, sr := range run.Steps {
		step := s.Steps[i]
		if step.Ask != nil {
			// The question first: the narration tells the outcome, so it
			// comes with the answer.
			tw.printf("\nStep %d/%d\n", i+1, len(s.Steps))
			writeAsk(tw, step.Ask, false)
		} else {
			tw.printf("\nStep %d/%d: %s\n", i+1, len(s.Steps), oneLine(step.Text))
		}
		skipped := func(at int) {
			for _, sk := range sr.Skipped {
				if sk.At == at {
					tw.printf("  > %s\n      skipped, %s\n", sk.Statement, sk.Reason)
				}
			}
		}
		for k := sr.Start; k < sr.End; k++ {
			skipped(k)
			tw.printf("  > %s\n", tl.Action(k))
			for _, ev := range tl.Events(k) {
				for _, line := range ev.Sentences() {
					tw.printf("      %s\n", line)
				}
			}
		}
		skipped(sr.End)
		if step.Ask != nil {
			tw.printf("  Answer: %s\n", oneLine(step.Text))
		}
		if err := tl.Seek(sr.End); err != nil {
			return err
		}
		writeState(tw, tl.Cluster())
		for _, e := range sr.Expects {
			where := ""
			if w := e.Where(); w != "" {
				where = " [" + w + "]"
			}
			if e.Pass {
				tw.printf("  ✓ %s%s\n", e.Statement, where)
			} else {
				tw.printf("  ✗ %s (got %s)%s\n", e.Statement, e.Got, where)
			}
		}
	}
	if run.Err != nil {
		tw.printf("\nstopped: %s\n", run.Err)
	} else {
		tw.printf("\n%d passed, %d failed\n", run.Passed(), run.Failed())
	}
	return tw.err
}

// writeAsk prints a step's question and its lettered choices; blank adds
// a line to answer on.
func writeAsk(tw *errWriter, a *Ask, blank bool) {
	tw.printf("  ? %s\n", oneLine(a.Text))
	for k, c := range a.Choices {
		tw.printf("      %c) %s\n", 'a'+k, oneLine(c))
	}
	if blank {
		tw.printf("    Your answer: ______________________________\n")
	}
}

// writeWorksheet prints every step's narration, question and actions,
// without what they did: the class predicts, and the app shows.
func writeWorksheet(tw *errWriter, s *Scenario) {
	tw.printf("\nWorksheet: for each step, read what happens and predict the outcome; then watch it in crdtviz.\n")
	for i, step := range s.Steps {
		tw.printf("\nStep %d/%d: %s\n", i+1, len(s.Steps), oneLine(step.Text))
		for _, it := range step.Items {
			if it.Action != nil {
				tw.printf("  > %s\n", it.Action)
			}
		}
		if step.Ask != nil {
			writeAsk(tw, step.Ask, true)
		}
	}
}

func writeState(tw *errWriter, c *replicas.Cluster) {
	width := len("replica")
	for _, r := range c.Replicas() {
		width = max(width, tw.width(r.Name))
	}
	plainWidth := len("plain")
	for _, r := range c.Replicas() {
		plainWidth = max(plainWidth, tw.width(r.ValueString(replicas.Plain)))
	}
	pad := func(s string, n int) string { return s + strings.Repeat(" ", max(0, n-tw.width(s))) }
	tw.printf("\n  %s  %s  %s\n", pad("replica", width), pad("plain", plainWidth), "crdt")
	for _, r := range c.Replicas() {
		tw.printf("  %s  %s  %s\n", pad(r.Name, width), pad(r.Value(replicas.Plain).String(), plainWidth), r.Value(replicas.CRDT))
	}
	for _, l := range replicas.Lanes {
		st := c.Status(l)
		line := st.Summary()
		if tally := st.Tally(); tally != "" {
			line += "; " + tally
		}
		tw.printf("  %-6s %s\n", l.String()+":", line)
	}
	tw.printf("  links: %s\n", LinkSummary(c))
	msgs := c.InFlight()
	if len(msgs) == 0 {
		tw.printf("  in flight: none\n")
	} else {
		tw.printf("  in flight:\n")
		for _, m := range msgs {
			tw.printf("    %s\n", MessageSummary(c, m))
		}
	}
	tw.printf("\n")
}

// oneLine escapes the line breaks in prose, so that a transcript keeps one
// line per heading and step, as the file wrote it: "\n".
func oneLine(prose string) string { return strings.ReplaceAll(prose, "\n", `\n`) }

// LinkSummary describes the links in one line: "all up", or the cut ones,
// "Alice ↮ Bob (both ways), Carol → Alice (one way)".
func LinkSummary(c *replicas.Cluster) string {
	names := c.Names()
	var cut []string
	for i, a := range names {
		for j, b := range names {
			if i == j || c.Up(a, b) {
				continue
			}
			if !c.Up(b, a) {
				if i < j {
					cut = append(cut, a+" ↮ "+b)
				}
				continue
			}
			cut = append(cut, a+" → "+b+" (one way)")
		}
	}
	if len(cut) == 0 {
		return "all up"
	}
	return "cut " + strings.Join(cut, ", ")
}

// MessageSummary describes one message in flight: "#2 Bob → Carol, sent
// at tick 4 (age 2): plain 950, crdt 950".
func MessageSummary(c *replicas.Cluster, m *replicas.Message) string {
	s := fmt.Sprintf("%s %s → %s, sent at tick %d (age %d)", replicas.MsgName(m.ID), m.From, m.To, m.SentTick, c.Tick()-m.SentTick)
	if m.CopyOf != 0 {
		s += ", a copy of " + replicas.MsgName(m.CopyOf)
	}
	s += ": " + m.Summary()
	if !c.Up(m.From, m.To) {
		s += " (waiting: link cut)"
	}
	return s
}

type errWriter struct {
	w     io.Writer
	err   error
	width func(string) int
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
