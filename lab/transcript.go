package lab

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"crdtviz/demos"
	"crdtviz/replicas"
)

// WriteTranscript prints a session as text, step by step, as crdtviz demo
// --transcript does, with the student's lane beside the reference: what
// each action did in both, every replica's plain, crdt and read value,
// what waits in the student's network, and the verdict. width gives a
// string's width in terminal cells (nil counts code points).
//
// The student's lane is not deterministic: what a node writes, and when,
// can depend on timing (see docs/lab.md). The reference lanes are.
func WriteTranscript(w io.Writer, s *Session, width func(string) int) error {
	if width == nil {
		width = utf8.RuneCountInString
	}
	tw := &printer{w: w}
	sc := s.Scenario
	title := strings.ReplaceAll(sc.Title, "\n", `\n`)
	tw.printf("%s\n%s\n", title, strings.Repeat("=", max(3, utf8.RuneCountInString(title))))
	tw.printf("type %s: %s\n", sc.Type, sc.Type.Describe())
	tw.printf("your nodes: %s (workload %s), node ids %s\n", ShellJoin(s.Lane.argv), s.Lane.w.Name, strings.Join(sc.Replicas, ", "))
	tw.printf("their stderr: %s\n", s.Lane.LogDir())
	if sc.About != "" {
		tw.printf("\n%s\n", strings.ReplaceAll(sc.About, "\n", `\n`))
	}
	if su := s.Lane.SetupDone(); su != nil {
		tw.printf("\nBefore step 1, your nodes start from the initial value %s, which Maelstrom's init cannot give: %s.\n", su.Value, su.Text())
	}
	tl := s.Timeline
	for _, sr := range s.Steps {
		step := sc.Steps[sr.Index]
		tw.printf("\nStep %d/%d: %s\n", sr.Index+1, len(sc.Steps), strings.ReplaceAll(step.Text, "\n", `\n`))
		for _, ar := range sr.Actions {
			tw.printf("  > %s\n", ar.Statement.Action)
			if ar.Skipped != "" {
				tw.printf("      skipped in every lane, %s\n", ar.Skipped)
			} else {
				for _, ev := range tl.Events(ar.Pos - 1) {
					for _, line := range ev.Sentences() {
						tw.printf("      %s\n", line)
					}
				}
			}
			for _, line := range LaneLines(ar.Lane) {
				tw.printf("      yours: %s\n", line)
			}
		}
		if err := tl.Seek(sr.End); err != nil {
			return err
		}
		writeLanes(tw, tl.Cluster(), sr, width)
		for _, e := range sr.Expects {
			if e.Pass {
				tw.printf("  ✓ %s\n", e.Statement)
			} else {
				tw.printf("  ✗ %s (got %s)\n", e.Statement, e.Got)
			}
		}
	}
	if s.Err != nil {
		tw.printf("\nstopped: %s\n", s.Err)
	}
	if s.Stopped != "" {
		tw.printf("\n%s\n", s.Stopped)
		tw.printf("\nyour CRDT: NOT CHECKED: the run stopped before its last step\n")
		return tw.err
	}
	if n := len(s.Steps); n > 0 {
		v := s.Steps[n-1].Verdict
		tw.printf("\nyour CRDT: %s: %s\n", strings.ToUpper(v.Word), v.Detail)
	}
	return tw.err
}

// mostWrites is how many "wrote" sentences an action lists before it
// counts the rest: a node on a fast timer writes hundreds.
const mostWrites = 4

// LaneLines are the sentences of an action's events in the student's
// lane, with the writes past the first few counted, not listed.
func LaneLines(evs []Event) []string {
	var out []string
	writes, first, last := 0, 0, 0
	for _, ev := range evs {
		if ev.Kind == EvWrite {
			writes++
			if writes > mostWrites {
				if first == 0 {
					first = ev.Msg
				}
				last = ev.Msg
				continue
			}
		}
		out = append(out, ev.Text)
	}
	if n := writes - mostWrites; n > 0 {
		more := "more messages"
		if n == 1 {
			more = "more message"
		}
		out = append(out, fmt.Sprintf("and the nodes wrote %d %s (s%d to s%d), which wait in the outboxes", n, more, first, last))
	}
	return out
}

// writeLanes prints the three lanes after a step.
func writeLanes(tw *printer, c *replicas.Cluster, sr StepResult, width func(string) int) {
	reads := map[string]Read{}
	for _, r := range sr.Reads {
		reads[r.Node] = r
	}
	cols := [][]string{{"replica"}, {"plain"}, {"crdt"}, {"yours"}}
	for _, r := range c.Replicas() {
		cols[0] = append(cols[0], r.Name)
		cols[1] = append(cols[1], r.Value(replicas.Plain).String())
		cols[2] = append(cols[2], r.Value(replicas.CRDT).String())
		cols[3] = append(cols[3], reads[r.Name].Text())
	}
	widths := make([]int, len(cols))
	for k, col := range cols {
		for _, cell := range col {
			widths[k] = max(widths[k], width(cell))
		}
	}
	tw.printf("\n")
	for row := range cols[0] {
		line := " "
		for k, col := range cols {
			cell := col[row]
			if k < len(cols)-1 {
				cell += strings.Repeat(" ", widths[k]-width(cell))
			}
			line += " " + cell
		}
		tw.printf("%s\n", line)
	}
	for _, l := range replicas.Lanes {
		st := c.Status(l)
		line := st.Summary()
		if tally := st.Tally(); tally != "" {
			line += "; " + tally
		}
		tw.printf("  %-6s %s\n", l.String()+":", line)
	}
	if fr := sr.Final; fr != nil {
		tw.printf("  yours, then lab check's final phase: every link heals, and everything waiting is delivered, round after round: %s\n", fr.Summary())
		tw.printf("  yours after it: %s\n", readList(fr.Reads))
	}
	tw.printf("  yours: %s\n", sr.Verdict.Text())
	last := sr.Reads
	if sr.Final != nil {
		last = sr.Final.Reads
	}
	for _, r := range last {
		if !r.OK {
			tw.printf("    %s: %s\n", r.Node, r.Why)
		}
	}
	tw.printf("  links: %s\n", demos.LinkSummary(c))
	msgs := c.InFlight()
	if len(msgs) == 0 {
		tw.printf("  in flight (reference): none\n")
	} else {
		tw.printf("  in flight (reference):\n")
		for _, m := range msgs {
			tw.printf("    %s\n", demos.MessageSummary(c, m))
		}
	}
	tw.printf("  yours waiting:%s\n", waitingSummary(sr))
	tw.printf("\n")
}

// waitingSummary says what waits in the student's network after a step:
// "none", or "Alice → Bob: outbox s4, s5; in flight s3 (link cut)".
func waitingSummary(sr StepResult) string {
	var parts []string
	for _, lv := range sr.Snapshot.Links {
		var bits []string
		if len(lv.Outbox) > 0 {
			bits = append(bits, "outbox "+labels(lv.Outbox))
		}
		if len(lv.InFlight) > 0 {
			bits = append(bits, "in flight "+labels(lv.InFlight))
		}
		if len(bits) == 0 {
			continue
		}
		part := lv.From + " → " + lv.To + ": " + strings.Join(bits, "; ")
		if !lv.Up {
			part += " (link cut)"
		}
		parts = append(parts, part)
	}
	if len(parts) == 0 {
		return " none"
	}
	return "\n    " + strings.Join(parts, "\n    ")
}

// labels lists messages by label and type, the first few: "s4 gossip, s5
// gossip, and 3 more".
func labels(ms []MsgView) string {
	const most = 4
	var out []string
	for i, m := range ms {
		if i == most {
			out = append(out, fmt.Sprintf("and %d more", len(ms)-most))
			break
		}
		out = append(out, m.Label+" "+m.Type)
	}
	return strings.Join(out, ", ")
}

type printer struct {
	w   io.Writer
	err error
}

func (p *printer) printf(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}
