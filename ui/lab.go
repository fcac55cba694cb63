package ui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// The lab's screens: the student's own nodes as a third lane. The model
// builds these plain values from the lab package's snapshots; ui never
// sees a process.

// LabCell is one node of the student's lane.
type LabCell struct {
	Read    string // the value it read, or "—"
	Down    string // "crashed" or "silent", or "" when it answered
	Differs bool   // its read differs from the others'
}

// LabVerdict is how the panel's verdict reads.
type LabVerdict int

const (
	LabAgree   LabVerdict = iota // reads agree, or right
	LabDiffer                    // reads differ (not a failure yet)
	LabWrong                     // wrong, or did not converge
	LabWaiting                   // nothing to say yet
)

// LabPanel is the student's lane under the app's screen: one line with
// its title and verdict, one with each node's read under its replica's
// boxes, and what waits in its network or what the lab just did.
type LabPanel struct {
	Title   string // "Your CRDT: ./my-node"
	Verdict string // "reads differ: Alice 2, Bob 0, Carol 0"
	Kind    LabVerdict
	Hint    string // "y your messages"
	Cells   []LabCell
	Network string // "Carol → Alice: 1 written, 2 in flight · …"
	Note    string // what the lab did: "← restarted your nodes and replayed 4 actions"
	NoteErr bool
	// Where the boxes above are, so that each read sits under its
	// replica: the first replica shown, how many, each box's width, and
	// whether the row scrolls (an arrow at each end).
	First, Columns, BoxW int
	Scroll               bool
}

// LabPanelHeight is how many lines the panel takes on a screen h lines
// high: 3 up to 30 lines, 4 from there.
func LabPanelHeight(h int) int {
	if h >= TallHeight {
		return 4
	}
	return 3
}

// LabPanelView draws the panel, exactly w by h.
func LabPanelView(p LabPanel, s Styles, w, h int) string {
	if w <= 0 || h <= 0 {
		return ""
	}
	vs := s.Band.Converged
	sym := s.Symbols.Check
	switch p.Kind {
	case LabDiffer, LabWaiting:
		vs, sym = s.Band.Pending, s.Symbols.Pending
	case LabWrong:
		vs, sym = s.Band.Diverged, s.Symbols.Cross
	}
	left := s.Band.Title.Render(p.Title)
	right := vs.Render(clipLine(sym+" "+p.Verdict, max(10, w-ansi.StringWidth(p.Title)-ansi.StringWidth(p.Hint)-4)))
	if p.Hint != "" {
		right += "  " + s.App.Muted.Render(p.Hint)
	}
	lines := []string{spread(left, right, w), p.cells(s, w)}
	note := ""
	if p.Note != "" {
		st := s.App.Notice
		if p.NoteErr {
			st = s.App.Error
		}
		note = st.Render(clipLine(p.Note, w))
	}
	network := s.App.Muted.Render(clipLine(p.Network, w))
	switch {
	case h >= 4:
		lines = append(lines, network, note)
	case note != "":
		lines = append(lines, note)
	default:
		lines = append(lines, network)
	}
	return fit(strings.Join(lines, "\n"), w, h)
}

// cells is each node's read, under its replica's boxes.
func (p LabPanel) cells(s Styles, w int) string {
	var b strings.Builder
	used := 0
	if p.Scroll {
		b.WriteString(" ")
		used++
	}
	bw := max(p.BoxW, 1)
	for i := p.First; i < len(p.Cells) && i < p.First+max(p.Columns, 1); i++ {
		c := p.Cells[i]
		text := s.App.Muted.Render(" yours ")
		room := bw - 7
		val := c.Read
		st := s.Replica.Value
		if c.Differs {
			st = s.Replica.Conflict
		}
		if c.Down != "" {
			val = s.Symbols.Cross + " " + c.Down
			st = s.App.Error
		}
		text += st.Render(clip(val, max(1, room), s.Symbols.Ellipsis))
		b.WriteString(fit(text, bw, 1))
		used += bw
	}
	if used < w {
		b.WriteString(strings.Repeat(" ", w-used))
	}
	return fit(b.String(), w, 1)
}

// LabScreen is the student's lane on the whole screen (y): its space-time
// diagram, and beside it the selected message in full, the nodes and their
// logs, and what the last action did.
type LabScreen struct {
	Title    string
	Verdict  string
	Kind     LabVerdict
	Diagram  *Diagram // nil before anything happened
	Offset   int
	Selected int      // the selected message's id, 0 for none
	Side     []string // the selected message, the nodes, the last events
	Status   string
	Bar      string
}

// LabScreenSide is the width of the side column at width w: beside the
// diagram from 80 columns, below it under that.
func LabScreenSide(w int) int {
	if w >= 80 {
		return min(60, w*2/5)
	}
	return 0
}

// LabScreenView draws the whole lab screen, exactly w by h.
func LabScreenView(v LabScreen, s Styles, w, h int) string {
	if w <= 0 || h <= 0 {
		return ""
	}
	vs := s.Band.Converged
	switch v.Kind {
	case LabDiffer, LabWaiting:
		vs = s.Band.Pending
	case LabWrong:
		vs = s.Band.Diverged
	}
	head := spread(s.App.Title.Render("crdtviz lab")+s.App.Muted.Render(" "+s.Symbols.Dot+" ")+s.App.Header.Render(v.Title),
		vs.Render(clipLine(v.Verdict, max(10, w/2))), w)
	bodyH := h - 3
	side := LabScreenSide(w)
	diagW, diagH := w-side, bodyH
	if side > 0 {
		diagW-- // a gap
	} else {
		diagH = bodyH / 2
	}
	diag := fit(s.App.Muted.Render("Nothing has happened in your lane yet."), diagW, diagH)
	if v.Diagram != nil {
		diag = DrawDiagram(*v.Diagram, DiagramView{W: diagW, H: diagH, Offset: v.Offset, Selected: v.Selected}, s)
	}
	var sideLines []string
	sw := side
	if sw == 0 {
		sw = w
	}
	for _, l := range v.Side {
		sideLines = append(sideLines, wrapLines(l, sw, 8, s.Symbols.Ellipsis)...)
	}
	var body string
	if side > 0 {
		body = joinFitted(diag, fit("", 1, bodyH), fit(strings.Join(sideLines, "\n"), side, bodyH))
	} else {
		body = diag + "\n" + fit(strings.Join(sideLines, "\n"), w, bodyH-diagH)
	}
	return strings.Join([]string{head, body, fit(clipLine(v.Status, w), w, 1), fit(v.Bar, w, 1)}, "\n")
}
