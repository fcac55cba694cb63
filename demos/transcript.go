package demos

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"crdtviz/crdt"
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
	// each step's actions, the narration of a step that asks nothing, and
	// for a step that asks a question only the question, its choices and
	// a line to answer on (its narration would tell the answer), for the
	// class to predict on paper.
	Answers bool
	// AnswerKey prints, instead, the worksheet's answer key: each
	// question, its actions, the narration as its answer, and the
	// expectations checked.
	AnswerKey bool
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
		init = abbrev(*s.Initial, *s.Initial, maxValueWidth, width)
	}
	names := make([]string, len(s.Replicas))
	for i, n := range s.Replicas {
		names[i] = replicas.QuoteName(n)
	}
	tw.printf("type %s: %s\nreplicas %s, each starting from %s\n", s.Type, s.Type.Describe(), strings.Join(names, ", "), init)
	if s.Mode != replicas.ModeState {
		rules := ""
		if s.Mode == replicas.ModeOp {
			rules = " (delivery causal"
			if s.AnyOrder {
				rules = " (delivery any"
			}
			if s.NoDedup {
				rules += ", dedup off)"
			} else {
				rules += ", dedup on)"
			}
		}
		tw.printf("mode %s%s: %s\n", s.Mode, rules, s.Mode.Describe())
	}
	if s.About != "" {
		tw.printf("\n%s\n", oneLine(s.About))
	}
	switch {
	case o.AnswerKey:
		writeAnswerKey(tw, run)
		return tw.err
	case !o.Answers:
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
		before := tl.At(sr.Start)
		if err := tl.Seek(sr.End); err != nil {
			return err
		}
		writeState(tw, tl.Cluster(), before)
		writeExpects(tw, sr)
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

// writeWorksheet prints every step's actions, and the narration of each
// step that asks nothing and comes before the first question. A step with
// a question gets the question, its choices and a line to answer on
// instead of its narration, which would tell the answer; a step after a
// question gets its actions alone, since its narration would tell what
// the question's step did. The class predicts, and the app shows; the
// answer key (writeAnswerKey) holds every narration left out.
func writeWorksheet(tw *errWriter, s *Scenario) {
	tw.printf("\nWorksheet: for each question, read what happens and predict the outcome; then watch it in crdtviz.\n")
	if s.HasAsk() {
		tw.printf("From the first question on, a step shows only what it does: its words would give an answer away (they are in the answer key, --answer-key).\n")
	}
	for i, step := range s.Steps {
		upFront := s.NarrationUpFront(i)
		if upFront {
			tw.printf("\nStep %d/%d: %s\n", i+1, len(s.Steps), oneLine(step.Text))
		} else {
			tw.printf("\nStep %d/%d\n", i+1, len(s.Steps))
		}
		if !writeActions(tw, step) && !upFront {
			tw.printf("  (no action)\n")
		}
		if step.Ask != nil {
			writeAsk(tw, step.Ask, true)
		}
	}
}

// writeActions prints a step's actions, as the file wrote them, and
// reports whether it has any.
func writeActions(tw *errWriter, step Step) bool {
	acts := step.Actions()
	for _, a := range acts {
		tw.printf("  > %s\n", a)
	}
	return len(acts) > 0
}

// writeAnswerKey prints what the worksheet leaves out, from the first
// question on: for each step that asks one, the question and its
// choices, what happens, the narration as the answer, and the
// expectations that were checked; for each step after it, its narration.
func writeAnswerKey(tw *errWriter, run *Run) {
	s := run.Scenario
	tw.printf("\nAnswer key: the answers to the worksheet's questions (crdtviz demo --transcript --answers=false), and what each later step shows.\n")
	for i, step := range s.Steps {
		if step.Ask == nil {
			if !s.NarrationUpFront(i) { // the worksheet left it out
				tw.printf("\nStep %d/%d: %s\n", i+1, len(s.Steps), oneLine(step.Text))
			}
			continue
		}
		tw.printf("\nStep %d/%d\n", i+1, len(s.Steps))
		writeAsk(tw, step.Ask, false)
		writeActions(tw, step)
		tw.printf("  Answer: %s\n", oneLine(step.Text))
		if i < len(run.Steps) {
			writeExpects(tw, run.Steps[i])
		}
	}
	if !s.HasAsk() {
		tw.printf("\nThis demo asks no question.\n")
	}
}

// writeExpects prints a step's expectations, each with ✓ or ✗, a long
// value in one cut as in the replica table.
func writeExpects(tw *errWriter, sr StepRun) {
	for _, e := range sr.Expects {
		where := ""
		if w := e.Where(); w != "" {
			where = " [" + w + "]"
		}
		text := e.Statement.String()
		if x := e.Statement.Expect; x != nil && (x.Kind == ExpectValue || x.Kind == ExpectAll) {
			v := x.Value.String()
			text = strings.Replace(text, v, abbrev(x.Value, x.Value, maxValueWidth, tw.width), 1)
		}
		if e.Pass {
			tw.printf("  ✓ %s%s\n", text, where)
		} else {
			got := e.Got
			if r := []rune(got); len(r) > 2*maxValueWidth {
				got = string(r[:2*maxValueWidth]) + fmt.Sprintf("… (%d characters)", len(r))
			}
			tw.printf("  ✗ %s (got %s)%s\n", text, got, where)
		}
	}
}

// maxValueWidth is the most a value takes in a transcript's replica
// table: a longer one is cut, with a count of what was left out.
const maxValueWidth = 60

// writeState prints the replica table after a step: each replica's plain
// and CRDT values (a long one cut with a count, what the step changed in
// it first; before is the state before the step), then each lane's
// status, the links and the messages in flight.
func writeState(tw *errWriter, c, before *replicas.Cluster) {
	width := len("replica")
	for _, r := range c.Replicas() {
		width = max(width, tw.width(r.Name))
	}
	shown := func(i int, l replicas.Lane) string {
		now := c.Replicas()[i].Value(l)
		var was crdt.Value
		if before != nil {
			was = before.Replicas()[i].Value(l)
		}
		return abbrev(now, was, maxValueWidth, tw.width)
	}
	plainWidth := len("plain")
	for i := range c.Replicas() {
		plainWidth = max(plainWidth, tw.width(shown(i, replicas.Plain)))
	}
	pad := func(s string, n int) string { return s + strings.Repeat(" ", max(0, n-tw.width(s))) }
	tw.printf("\n  %s  %s  %s\n", pad("replica", width), pad("plain", plainWidth), "crdt")
	for i, r := range c.Replicas() {
		tw.printf("  %s  %s  %s\n", pad(r.Name, width), pad(shown(i, replicas.Plain), plainWidth), shown(i, replicas.CRDT))
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

// abbrev writes a value in about w cells: whole when it fits; else a
// collection as what changed since was ("+item-new"), then its first
// elements and a count of the rest ("{item-001, item-002, … 198 more}"),
// and a text or register cut with its length.
func abbrev(v, was crdt.Value, w int, width func(string) int) string {
	full := v.String()
	if width(full) <= w {
		return full
	}
	parts := v.Parts()
	if parts == nil {
		r := []rune(full)
		return string(r[:min(len(r), w)]) + fmt.Sprintf("… (%d characters)", len(r))
	}
	head := ""
	added, removed := crdt.Changes(was, v)
	for _, a := range added {
		head += "+" + a + " "
	}
	for _, r := range removed {
		head += "−" + r + " "
	}
	out := head + "{"
	for i, p := range parts {
		rest := fmt.Sprintf(", … %d more}", len(parts)-i)
		if i > 0 && width(out+", "+p+rest) > w+width(head) {
			return out + rest
		}
		if i > 0 {
			out += ", "
		}
		out += p
	}
	return out + "}"
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
