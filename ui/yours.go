package ui

import (
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// The third band: a student's own nodes (crdtviz lab), below the CRDT
// band. The model builds these plain values from the lab's snapshots; ui
// never sees a process. crdtviz cannot see what a student's node has
// seen, so the band says only what the reads show: whether they agree,
// and, once checked, whether they are right. It never says PENDING or
// DIVERGED.

// Yours is the third band.
type Yours struct {
	Title string // "Your CRDT: python3 my_counter.py"
	// Word is the verdict ("reads agree", "reads differ", "right",
	// "wrong", "did not converge", "no read"), Detail what it is about
	// ("3", "Alice 1, Bob 0, Carol 0").
	Word, Detail string
	Kind         LabVerdict
	Cells        []YoursCell // one per replica, in the cluster's order
}

// YoursCell is one node in the band.
type YoursCell struct {
	Read    string // the value it read, or "—"
	Down    string // "crashed", "silent", "not started"; "" when it answered
	Differs bool   // its read differs from the most common one
	// Queues is what waits on its outgoing links: "outbox 2 · in flight
	// 1" (shown in tall boxes).
	Queues string
}

// LabVerdict is how the band's verdict reads.
type LabVerdict int

const (
	LabAgree   LabVerdict = iota // reads agree, or right
	LabDiffer                    // reads differ (not a failure yet)
	LabWrong                     // wrong, or did not converge
	LabWaiting                   // nothing to say yet
)

// YoursMsg is one of the student's messages, selected in the diagram: its
// label (s4), where it is, and its JSON body.
type YoursMsg struct {
	Label, From, To, Type string
	Where                 string // "in flight", "delivered at t3", "dropped at t5"
	CopyOf                string // "s2" for a duplicate
	Body                  string // compact JSON
	Pretty                []string
	// With are the other messages drawn as the same arrow ("s3, s5").
	With string
}

// yoursStyle is the verdict's style and symbol.
func yoursStyle(k LabVerdict, s Styles) (lipgloss.Style, string) {
	switch k {
	case LabDiffer, LabWaiting:
		return s.Band.Pending, s.Symbols.Pending
	case LabWrong:
		return s.Band.Diverged, s.Symbols.Cross
	}
	return s.Band.Converged, s.Symbols.Check
}

// yoursTitle is the band's title line: its name on the left, the verdict
// on the right ("READS DIFFER ⋯ Alice 1, Bob 0"), the detail cut first.
func yoursTitle(y *Yours, title string, s Styles, w int) string {
	style, sym := yoursStyle(y.Kind, s)
	head := strings.ToUpper(y.Word) + " " + sym
	if y.Word == "" {
		head = sym
	}
	room := w - ansi.StringWidth(title) - 3 - ansi.StringWidth(head)
	if short, _, ok := strings.Cut(title, ": "); ok && ansi.StringWidth(s.Text(y.Detail)) > room {
		// The verdict's detail matters more than the node's command.
		title = short
		room = w - ansi.StringWidth(title) - 3 - ansi.StringWidth(head)
	}
	right := style.Render(head)
	if d := s.Text(y.Detail); d != "" && room > 3 {
		right += style.Render(" " + clipWords(d, room, s.Symbols.Ellipsis))
	}
	return spreadWith(s.Band.Title.Render(s.Text(title)), right, w, s.Symbols.Ellipsis)
}

// yoursValue is a node's read as a box shows it, and its style.
func yoursValue(c YoursCell, s Styles) (string, lipgloss.Style) {
	switch {
	case c.Down != "":
		return s.Symbols.Cross + " " + c.Down, s.App.Error
	case c.Differs:
		return s.Text(c.Read), s.Replica.Conflict
	}
	return s.Text(c.Read), s.Replica.Value
}

// yoursBoxes is the band's row of boxes, one under each replica's boxes
// above: the name in the top border, the read, and (tall) the queues. A
// short screen gets one line of reads without borders.
func yoursBoxes(st State, s Styles, l Layout) string {
	y := st.Yours
	h := l.YoursH
	var cols []string
	last := min(len(y.Cells), st.First+l.Columns)
	for i := st.First; i < last; i++ {
		name := ""
		if i < len(st.Cluster.Names()) {
			name = st.Cluster.Names()[i]
		}
		cols = append(cols, yoursBox(y.Cells[i], i, name, i == st.Focus, s, l.BoxW, h))
	}
	row := joinFitted(cols...)
	used := len(cols) * l.BoxW
	if l.Scroll {
		row = joinFitted(fit("", 1, h), row, fit("", 1, h))
		used += 2
	}
	if used < l.W {
		row = joinFitted(row, fit("", l.W-used, h))
	}
	return row
}

// yoursBox is one node's box, w×h.
func yoursBox(c YoursCell, i int, name string, focused bool, s Styles, w, h int) string {
	val, vs := yoursValue(c, s)
	if h < yoursBoxH {
		return fit(" "+s.App.Muted.Render(clip(s.Text(name), max(1, w/3), s.Symbols.Ellipsis))+" "+vs.Render(clip(val, max(1, w-w/3-3), s.Symbols.Ellipsis)), w, 1)
	}
	style := s.Replica.Box
	nameStyle := s.Replica.Name
	if focused {
		style, nameStyle = s.Replica.BoxFocused, s.Replica.NameFocused
	}
	inner := w - 4
	if inner < 1 {
		return fit("", w, h)
	}
	b := style.GetBorderStyle()
	paint := lipgloss.NewStyle().Foreground(style.GetBorderTopForeground())
	label := ansi.Truncate(" "+strconv.Itoa(i+1)+" "+s.Text(name)+" ", inner, s.Symbols.Ellipsis)
	lw := ansi.StringWidth(label)
	lines := []string{paint.Render(b.TopLeft+b.Top) + nameStyle.Render(label) + paint.Render(strings.Repeat(b.Top, max(0, inner+1-lw))+b.TopRight)}
	body := []string{vs.Render(clip(val, inner, s.Symbols.Ellipsis))}
	if h > yoursBoxH {
		body = append(body, s.App.Muted.Render(clip(s.Text(c.Queues), inner, s.Symbols.Ellipsis)))
	}
	for _, t := range body {
		lines = append(lines, paint.Render(b.Left)+" "+fit(t, inner, 1)+" "+paint.Render(b.Right))
	}
	lines = append(lines, paint.Render(b.BottomLeft+strings.Repeat(b.Bottom, inner+2)+b.BottomRight))
	return fit(strings.Join(lines, "\n"), w, h)
}

// YoursMessageLines are the lines that show a selected student message:
// the first says what it is and where; then its JSON body, pretty, in at
// most n lines in all (one line: the compact body after the first).
func YoursMessageLines(m *YoursMsg, s Styles, w, n int) []string {
	dot := " " + s.Symbols.Dot + " "
	head := m.Label + " " + s.Text(m.From) + " " + s.Symbols.Arrow + " " + s.Text(m.To) + " (" + s.Text(m.Type) + "), " + m.Where
	if m.CopyOf != "" {
		head += " (a copy of " + m.CopyOf + ")"
	}
	if m.With != "" {
		head += "; one arrow with " + m.With
	}
	if n <= 1 || len(m.Pretty) == 0 {
		return []string{s.Pane.Selected.Render(clipLineWith(head+dot+s.Text(m.Body), w, s.Symbols.Ellipsis))}
	}
	out := []string{s.Pane.Selected.Render(clipLineWith(head+":", w, s.Symbols.Ellipsis))}
	for i, l := range m.Pretty {
		if len(out) == n-1 && i < len(m.Pretty)-1 {
			out = append(out, s.App.Muted.Render(clipLineWith("  "+s.Symbols.Ellipsis+" ("+strconv.Itoa(len(m.Pretty)-i)+" more lines)", w, s.Symbols.Ellipsis)))
			break
		}
		out = append(out, clipLineWith("  "+s.Text(l), w, s.Symbols.Ellipsis))
	}
	return out
}
