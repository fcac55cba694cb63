package ui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// The classroom's replay screen (crdtviz class replay FILE): the room's
// own space-time diagram, drawn by DrawDiagram from a Diagram model/ built
// from the recording. In the pane: what the file holds, how every message
// ended, and the note that clock times are each laptop's own, above the
// diagram; the selected message's details below it. Full screen: the note
// and the diagram.

// ReplayState is what the replay screen shows, as plain values.
type ReplayState struct {
	Title   string // the file, the class, its teacher
	Summary string // how every message ended
	Note    string // rows are Lamport times; clock times are each laptop's own
	Diagram *Diagram
	Offset  int // lines scrolled up from the newest
	// Selected is the message highlighted (0: none), and Details what is
	// known of it (or a hint).
	Selected int
	Details  []string
	Full     bool
	Status   string
	Bar      string
}

// ReplayLegend explains the replay diagram's marks in one line.
func ReplayLegend(ascii bool) string {
	ch, dot := unicodeDiagram, UnicodeSymbols.Dot
	if ascii {
		ch, dot = asciiDiagram, ASCIISymbols.Dot
	}
	return ch.edit + "#3 edit 3, on its author's line " + dot + " m4 message 4 (one payload to one peer), " + ch.headR + ch.headL + " received " + dot +
		" " + ch.drop + " dropped (by the partition, or where it arrived) or lost " + dot + " m4,m7 a payload and its copy (gossip sent it again) " + dot + " " + ch.cut + " the teacher's partition"
}

// replayDetailsH is the lines under the diagram for the selected message.
const replayDetailsH = 3

// ReplayDiagramHeight is the lines the diagram gets at w×h, its names
// line included, with a summary of summaryLines lines.
func ReplayDiagramHeight(w, h int, full bool, summaryLines int) int {
	if full {
		return max(0, h-2)
	}
	return max(0, h-2-max(1, summaryLines)-1-replayDetailsH-2)
}

// ReplaySummaryLines is the lines the summary takes at width w: one, or
// two when it does not fit.
func ReplaySummaryLines(summary string, w int) int {
	if ansi.StringWidth(summary) <= w {
		return 1
	}
	return 2
}

// ReplayScreen renders the replay screen: exactly w×h cells.
func ReplayScreen(st ReplayState, s Styles, w, h int) string {
	if w < MinWidth || h < MinHeight {
		return TooSmall(w, h, s)
	}
	line := func(text string, style func(...string) string) string {
		return fit(style(clipLineWith(s.Text(text), w, s.Symbols.Ellipsis)), w, 1)
	}
	var out []string
	summary := s.Text(st.Summary)
	if st.Full {
		out = append(out, line(st.Note, s.App.Muted.Render))
	} else {
		out = append(out, line(st.Title, s.App.Header.Render))
		for _, ln := range wrapLines(summary, w, 2, s.Symbols.Ellipsis) {
			out = append(out, fit(s.App.Notice.Render(ln), w, 1))
		}
		out = append(out, line(st.Note, s.App.Muted.Render))
	}
	dh := ReplayDiagramHeight(w, h, st.Full, ReplaySummaryLines(summary, w))
	body := ""
	if st.Diagram != nil {
		body = DrawDiagram(*st.Diagram, DiagramView{W: w, H: dh, Offset: st.Offset, Selected: st.Selected}, s)
	}
	out = append(out, fit(body, w, dh))
	if !st.Full {
		out = append(out, fit(s.Pane.Title.Render(strings.Repeat(s.Border.Top, w)), w, 1))
		// One line each, cut to fit: the last line wraps into what is left.
		var det []string
		for i, d := range st.Details {
			style := s.Pane.Text.Render
			if i == 0 {
				style = s.Pane.Title.Render
			}
			n := 1
			if i == len(st.Details)-1 {
				n = replayDetailsH - len(det)
			}
			for _, part := range wrapLines(s.Text(d), w, n, s.Symbols.Ellipsis) {
				det = append(det, style(part))
			}
			if len(det) >= replayDetailsH {
				break
			}
		}
		out = append(out, fit(strings.Join(det, "\n"), w, replayDetailsH))
		out = append(out, line(st.Status, s.App.Notice.Render))
	}
	out = append(out, fit(st.Bar, w, 1))
	return fit(strings.Join(out, "\n"), w, h)
}
