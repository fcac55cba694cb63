package ui

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"crdtviz/replicas"
)

// DiagramView is how a diagram is shown: its area, how far it is scrolled
// up from the newest line, and the message highlighted.
type DiagramView struct {
	W, H     int
	Offset   int // lines scrolled up from the bottom
	Selected int // the id of the message highlighted, or 0
	// Wrap wraps each row's statement in the margin instead of cutting
	// it (a handout, whose rows were given the lines it needs).
	Wrap bool
}

// diagramChars are the characters a diagram is drawn with.
type diagramChars struct {
	life, down, up, cross, headR, headL, openR, openL, drop, edit, declined, cut, more string
}

var (
	unicodeDiagram = diagramChars{life: "│", down: "╲", up: "╱", cross: "╳", headR: "▶", headL: "◀", openR: "▷", openL: "◁",
		drop: "✗", edit: "●", declined: "○", cut: "╳", more: "⋮"}
	asciiDiagram = diagramChars{life: "|", down: "\\", up: "/", cross: "X", headR: ">", headL: "<", openR: ">", openL: "<",
		drop: "x", edit: "*", declined: "o", cut: "-x-", more: ":"}
)

// cellRole says how a cell of the diagram is styled.
type cellRole uint8

const (
	roleNone cellRole = iota
	roleLife
	roleArrow
	roleArrowDim
	roleDrop
	roleInFlight
	roleEdit
	roleDeclined
	roleLabel
	roleSelected
	roleYours // a student's message (the lab)
)

type cell struct {
	ch   string
	role cellRole
}

// Diagram geometry: the space between two replicas' lines, and the
// margin on the right for each row's tick and statement.
const (
	diagramMinSpace = 6
	diagramMaxSpace = 16
	diagramMargin   = 18 // the least the margin gets
)

// diagramSpace is the number of columns between two replica lines.
// The margin gets at least diagramMargin columns, or margin when more.
func diagramSpace(w, n, margin int) int {
	if n == 0 {
		return diagramMinSpace
	}
	return min(diagramMaxSpace, max(diagramMinSpace, (w-max(diagramMargin, margin))/n))
}

// DrawDiagram draws d in exactly v.H lines of v.W cells: the replicas'
// names, then the newest lines that fit (less v.Offset), each with its
// tick and statement in the margin. Lines above or below the window are
// announced by a marker line.
func DrawDiagram(d Diagram, v DiagramView, s Styles) string {
	if v.W <= 0 || v.H <= 0 {
		return ""
	}
	ch := unicodeDiagram
	if s.Symbols == ASCIISymbols {
		ch = asciiDiagram
	}
	n := len(d.Names)
	space := diagramSpace(v.W, n, d.MinMargin)
	left := n * space
	if left > v.W {
		left = v.W
	}
	xs := make([]int, n)
	for i := range xs {
		xs[i] = i*space + space/2
	}
	out := []string{diagramHeader(d, xs, space, left, v.W, s)}
	if v.H-1 <= 0 {
		return out[0]
	}
	win := diagramWindowOf(d, v)
	if win.bodyH <= 0 {
		return fit(strings.Join(out, "\n"), v.W, v.H)
	}
	g := newDiagramGrid(d, xs, left, win, ch)
	drawDiagramBody(d, v, g, xs, n, left, ch)
	margin, marginW := diagramMarginText(d, v, s, ch, win, left)
	notice := func(text string) string {
		text = clipTo(text, v.W, s.Symbols.Ellipsis)
		return s.App.Notice.Render(text) + strings.Repeat(" ", max(0, v.W-ansi.StringWidth(text)))
	}
	if win.olderAbove > 0 || win.top > 0 {
		out = append(out, notice(fmt.Sprintf("%s %s above ([ scrolls up)", ch.more, replicas.Plural(max(win.olderAbove, 1), "earlier row"))))
	}
	out = append(out, paintDiagramGrid(g.cells, s, margin, marginW, v.W, left)...)
	if win.newerBelow > 0 {
		out = append(out, notice(fmt.Sprintf("%s %d lines below (] scrolls down)", ch.more, win.newerBelow)))
	}
	for len(out) < v.H {
		out = append(out, strings.Repeat(" ", v.W))
	}
	return strings.Join(out[:v.H], "\n")
}

// diagramWindow is the window of lines a diagram shows: from line top,
// bodyH lines, with how many earlier rows and later lines lie outside it.
type diagramWindow struct {
	top, bodyH             int
	olderAbove, newerBelow int
}

// diagramWindowOf works out the window of lines shown below the header.
// The first line announces what is above, and the last what is below,
// when there is something there.
func diagramWindowOf(d Diagram, v DiagramView) diagramWindow {
	bodyH := v.H - 1
	maxOff := max(0, d.Lines-bodyH)
	off := min(max(v.Offset, 0), maxOff)
	top := max(0, d.Lines-bodyH-off)
	olderAbove := d.Older + countRowsBefore(d, top)
	if top > 0 || d.Older > 0 {
		// The first line announces what is above.
		bodyH--
		top = max(0, d.Lines-bodyH-off)
		olderAbove = d.Older + countRowsBefore(d, top)
	}
	newerBelow := 0
	if off > 0 {
		bodyH--
		newerBelow = d.Lines - (top + bodyH)
	}
	return diagramWindow{top: top, bodyH: bodyH, olderAbove: olderAbove, newerBelow: newerBelow}
}

// diagramGrid is the window's cells, left columns wide, addressed by the
// diagram's lines.
type diagramGrid struct {
	cells      [][]cell
	top, bodyH int
	left       int
}

// newDiagramGrid makes the window's grid: blank, with each replica's life
// line down to the newest line.
func newDiagramGrid(d Diagram, xs []int, left int, win diagramWindow, ch diagramChars) *diagramGrid {
	top, bodyH := win.top, win.bodyH
	grid := make([][]cell, bodyH)
	for y := range grid {
		grid[y] = make([]cell, left)
		for x := range grid[y] {
			grid[y][x] = cell{ch: " "}
		}
		if top+y >= d.Lines {
			continue // below the newest line: nothing has happened there
		}
		for _, x := range xs {
			if x < left {
				grid[y][x] = cell{ch: ch.life, role: roleLife}
			}
		}
	}
	return &diagramGrid{cells: grid, top: top, bodyH: bodyH, left: left}
}

func (g *diagramGrid) put(line, x int, c cell) {
	y := line - g.top
	if y < 0 || y >= g.bodyH || x < 0 || x >= g.left {
		return
	}
	g.cells[y][x] = c
}

func (g *diagramGrid) get(line, x int) (cell, bool) {
	y := line - g.top
	if y < 0 || y >= g.bodyH || x < 0 || x >= g.left {
		return cell{}, false
	}
	return g.cells[y][x], true
}

// drawDiagramBody draws the arrows, then the edits over everything, then
// the arrows' labels where they fit.
func drawDiagramBody(d Diagram, v DiagramView, g *diagramGrid, xs []int, n, left int, ch diagramChars) {
	top, bodyH, put, get := g.top, g.bodyH, g.put, g.get
	// Arrows.
	labels := make([]arrowLabel, 0, len(d.Arrows))
	for _, a := range d.Arrows {
		if a.End < top || a.Start >= top+bodyH {
			continue // wholly outside the window
		}
		labels = append(labels, drawArrow(a, xs, v.Selected, ch, top, top+bodyH, put, get))
	}
	// Edits, over everything.
	for _, m := range d.Marks {
		if m.Line < top || m.Line >= top+bodyH || m.Col >= n {
			continue
		}
		dot, role := ch.edit, roleEdit
		if m.Declined {
			dot, role = ch.declined, roleDeclined
		}
		x := xs[m.Col]
		put(m.Line, x, cell{ch: dot, role: role})
		placeText(m.Line, x+1, m.Edit.String(), role, put, get, left)
	}
	// Labels, where they fit.
	for _, l := range labels {
		placeLabel(l, put, get, left)
	}
}

// diagramMarginText is the margin: each row's tick and statement, links
// down, the now line. Each is clipped to mw cells, and its width kept, so
// that no line needs measuring again.
func diagramMarginText(d Diagram, v DiagramView, s Styles, ch diagramChars, win diagramWindow, left int) ([]string, []int) {
	top, bodyH := win.top, win.bodyH
	margin := make([]string, bodyH)
	marginW := make([]int, bodyH)
	plainMargin, currentMargin, cutMargin := paint(s.Diagram.Margin), paint(s.Diagram.Current), paint(s.Diagram.Cut)
	mw := v.W - left - 1
	lastRow := len(d.Rows) - 1
	for ri, r := range d.Rows {
		if mw <= 0 {
			break
		}
		for _, ml := range rowMargin(r, ri == lastRow, mw, v.Wrap, len(d.Names), s, ch) {
			y := r.Top + ml.line - top
			if y < 0 || y >= bodyH || marginW[y] > 0 {
				continue
			}
			style := plainMargin
			if ri == lastRow {
				style = currentMargin
			}
			margin[y], marginW[y] = style.do(ml.text), ansi.StringWidth(ml.text)+ansi.StringWidth(ml.cut)
			if ml.cut != "" {
				margin[y] += cutMargin.do(ml.cut)
			}
		}
	}
	for _, r := range d.Rows {
		for _, f := range r.Fans {
			if f.From >= len(d.Names) || mw <= 4 {
				continue
			}
			// Every fan carries the state its sender held before the sync:
			// none of this sync's messages is in it.
			note := []string{fmt.Sprintf("%s sends its t%d state", s.Text(d.Names[f.From]), r.Tick-1)}
			if v.Wrap {
				note = wrapWords(note[0], mw-4)
			}
			for k, text := range note {
				if y := f.Line + k - top; y >= 0 && y < bodyH && marginW[y] == 0 {
					text = clipTo("    "+text, mw, s.Symbols.Ellipsis)
					margin[y], marginW[y] = plainMargin.do(text), ansi.StringWidth(text)
				}
			}
		}
	}
	if d.Now >= top && d.Now < top+bodyH && mw > 0 {
		inflight := 0
		for _, a := range d.Arrows {
			if a.How == EndInFlight {
				inflight++
			}
		}
		text := clipTo("  now: "+replicas.Plural(inflight, "message")+" in flight", mw, s.Symbols.Ellipsis)
		margin[d.Now-top], marginW[d.Now-top] = s.Diagram.InFlight.Render(text), ansi.StringWidth(text)
	}
	return margin, marginW
}

// paintDiagramGrid renders the grid's lines, each followed by its margin
// and padded to w cells. Runs of one role are styled together, each
// role's codes taken once.
func paintDiagramGrid(grid [][]cell, s Styles, margin []string, marginW []int, w, left int) []string {
	out := make([]string, 0, len(grid))
	painters := map[cellRole]painter{}
	for y := range grid {
		var b strings.Builder
		for x := 0; x < len(grid[y]); {
			role := grid[y][x].role
			var run strings.Builder
			for x < len(grid[y]) && grid[y][x].role == role {
				run.WriteString(grid[y][x].ch)
				x++
			}
			if role == roleNone {
				b.WriteString(run.String())
				continue
			}
			p, ok := painters[role]
			if !ok {
				p = paint(diagramStyle(s, role))
				painters[role] = p
			}
			b.WriteString(p.do(run.String()))
		}
		if rest := w - left; rest > 0 {
			b.WriteString(" ")
			b.WriteString(margin[y])
			b.WriteString(strings.Repeat(" ", max(0, rest-1-marginW[y])))
		}
		out = append(out, b.String())
	}
	return out
}

// marginLine is one line of a row's margin: its text, then links down.
type marginLine struct {
	line      int // lines below the row's first
	text, cut string
}

// rowMargin is a row's margin in w cells: its tick and statement ("▸ t5
// sync all" for the current row), and the links down after it ("╳ 1 2 |
// 3 4"), which always show: beside the statement when both fit, else on
// the line below. The statement is clipped to one line, or with wrap
// (a handout) wrapped onto as many as it needs.
func rowMargin(r RowLines, current bool, w int, wrap bool, n int, s Styles, ch diagramChars) []marginLine {
	lead := "  " + r.timeLabel() + " "
	if current {
		lead = s.Symbols.Selected + " " + r.timeLabel() + " "
	}
	body := s.Text(r.Action)
	if r.Partial {
		body += " (in flight)"
	}
	cut := ""
	if len(r.Down) > 0 {
		cut = " " + ch.cut + " " + downText(r.Down, n, s.Symbols)
	}
	var out []marginLine
	if lw := ansi.StringWidth(lead); wrap && w-lw >= 8 {
		// Continuation lines stand under the statement, not the tick.
		for i, ln := range wrapWords(body, w-lw) {
			prefix := lead
			if i > 0 {
				prefix = strings.Repeat(" ", lw)
			}
			out = append(out, marginLine{line: i, text: prefix + ln})
		}
	} else {
		out = []marginLine{{text: lead + body}}
	}
	last := &out[len(out)-1]
	switch cw := ansi.StringWidth(cut); {
	case cut == "":
	case ansi.StringWidth(last.text)+cw <= w:
		last.cut = cut
	case !wrap && w-cw >= 12: // the statement, cut short, and the links beside it
		last.text, last.cut = clipTo(last.text, w-cw, s.Symbols.Ellipsis), cut
	default:
		out = append(out, marginLine{line: len(out), cut: clipTo("   "+strings.TrimLeft(cut, " "), w, s.Symbols.Ellipsis)})
	}
	if !wrap {
		out[0].text = clipTo(out[0].text, w, s.Symbols.Ellipsis)
	}
	return out
}

// timeLabel is the row's time as the margin says it: its label, or "t"
// and its tick.
func (r RowLines) timeLabel() string {
	if r.Label != "" {
		return r.Label
	}
	return "t" + strconv.FormatInt(r.Tick, 10)
}

// MarginLines is how many lines a row's margin needs at width w when its
// statement wraps (see rowMargin): a handout gives the row that many.
func MarginLines(r RowLines, current bool, w, n int, s Styles) int {
	ch := unicodeDiagram
	if s.Symbols == ASCIISymbols {
		ch = asciiDiagram
	}
	return len(rowMargin(r, current, w, true, n, s, ch))
}

// clipTo cuts a one-line text to w cells, marking the cut with ell.
func clipTo(text string, w int, ell string) string {
	if ansi.StringWidth(text) <= w {
		return text
	}
	return ansi.Truncate(text, max(0, w), ell)
}

// countRowsBefore counts the rows whose tick line is above line top.
func countRowsBefore(d Diagram, top int) int {
	n := 0
	for _, r := range d.Rows {
		if r.Top < top {
			n++
		}
	}
	return n
}

// painter styles one line of text the way a style renders it, without
// Lip Gloss's work on every call: the codes before and after the text are
// taken once from the style itself. Only for styles with no padding,
// margin, width or border, and text of one line.
type painter struct{ pre, post string }

func paint(st lipgloss.Style) painter {
	out := st.Render("\x00")
	i := strings.IndexByte(out, 0)
	if i < 0 {
		return painter{}
	}
	return painter{out[:i], out[i+1:]}
}

func (p painter) do(text string) string {
	if text == "" {
		return ""
	}
	return p.pre + text + p.post
}

func diagramStyle(s Styles, r cellRole) lipgloss.Style {
	switch r {
	case roleLife:
		return s.Diagram.Lifeline
	case roleArrow:
		return s.Diagram.Arrow
	case roleArrowDim:
		return s.Diagram.ArrowDim
	case roleDrop:
		return s.Diagram.Dropped
	case roleInFlight:
		return s.Diagram.InFlight
	case roleEdit:
		return s.Diagram.Edit
	case roleDeclined:
		return s.Diagram.Declined
	case roleLabel:
		return s.Diagram.Label
	case roleSelected:
		return s.Diagram.Selected
	case roleYours:
		return s.Diagram.Yours
	}
	return lipgloss.NewStyle()
}

// diagramHeader is the names line: each replica's number and name over
// its line, cut to fit.
func diagramHeader(d Diagram, xs []int, space, left, w int, s Styles) string {
	var b strings.Builder
	col := 0
	for i, name := range d.Names {
		label := clipTo(strconv.Itoa(i+1)+" "+s.Text(name), space-1, s.Symbols.Ellipsis)
		lw := ansi.StringWidth(label)
		start := max(col, min(xs[i]-lw/2, left-lw))
		if start+lw > left {
			break
		}
		b.WriteString(strings.Repeat(" ", start-col))
		b.WriteString(label)
		col = start + lw
	}
	b.WriteString(strings.Repeat(" ", max(0, left-col)))
	head := s.Diagram.Names.Render(b.String())
	if rest := w - left; rest > 0 {
		text := "  tick and statement"
		if ansi.StringWidth(text) > rest-1 {
			text = "  tick, statement"
		}
		if d.MarginHead != "" {
			text = "  " + d.MarginHead
		}
		text = clipTo(text, rest-1, s.Symbols.Ellipsis)
		head += " " + s.Diagram.Margin.Render(text) + strings.Repeat(" ", max(0, rest-1-ansi.StringWidth(text)))
	}
	return head
}

// downText names the links that are down: "1 2 | 3" when they split the
// replicas into groups that cannot reach each other, otherwise the links,
// "1→3 2↔3".
func downText(down [][2]int, n int, sym Symbols) string {
	cut := make(map[[2]int]bool, len(down))
	for _, l := range down {
		cut[l] = true
	}
	// Groups: replicas joined by links up in both directions.
	group := make([]int, n)
	for i := range group {
		group[i] = i
	}
	find := func(i int) int {
		for group[i] != i {
			i = group[i]
		}
		return i
	}
	for i := range n {
		for j := i + 1; j < n; j++ {
			if !cut[[2]int{i, j}] && !cut[[2]int{j, i}] {
				group[find(j)] = find(i)
			}
		}
	}
	// A partition: every link inside a group up, every link between
	// groups down (both ways).
	partition := true
	for i := range n {
		for j := range n {
			if i != j && (find(i) == find(j)) == cut[[2]int{i, j}] {
				partition = false
			}
		}
	}
	if partition {
		var groups []string
		seen := map[int]int{}
		for i := range n {
			g := find(i)
			k, ok := seen[g]
			if !ok {
				k = len(groups)
				seen[g] = k
				groups = append(groups, "")
			}
			if groups[k] != "" {
				groups[k] += " "
			}
			groups[k] += strconv.Itoa(i + 1)
		}
		return strings.Join(groups, " | ")
	}
	var parts []string
	for _, l := range down {
		back := [2]int{l[1], l[0]}
		switch {
		case cut[back] && l[0] < l[1]:
			parts = append(parts, fmt.Sprintf("%d%s%d", l[0]+1, sym.BothWays, l[1]+1))
		case cut[back]:
		default:
			parts = append(parts, fmt.Sprintf("%d%s%d", l[0]+1, sym.Arrow, l[1]+1))
		}
	}
	return strings.Join(parts, " ")
}

// arrowLabel is where an arrow's label goes: beside its start, or failing
// that beside its first step.
type arrowLabel struct {
	text   string
	role   cellRole
	line   int
	x, dir int // the first cell beside the start, and the arrow's direction
	alt    [2]int
	// atHead puts the label beside the head first (head: its line, and
	// the cell next to the head on the arrow's side).
	atHead bool
	head   [2]int
	end    [2]int // the arrow's last cell: its head, ✗ or open head
}

// drawArrow puts one message's arrow on the grid: a slanted line from the
// sender's line at the tick it was taken to the receiver's line at the tick
// it arrived, ending in a head; or partway, in ✗ (dropped) or an open head
// (in flight). It returns where the label goes.
func drawArrow(a Arrow, xs []int, selected int, ch diagramChars, lo, hi int, put func(int, int, cell), get func(int, int) (cell, bool)) arrowLabel {
	x0, x1 := xs[a.From], xs[a.To]
	dir := 1
	if x1 < x0 {
		dir = -1
	}
	role := roleArrow
	switch {
	case a.Has(selected):
		role = roleSelected
	case a.How == EndDropped:
		role = roleDrop
	case a.How == EndInFlight:
		role = roleInFlight
	case a.ID < 0:
		role = roleYours
	case a.Dim:
		role = roleArrowDim
	}
	sx := x0 + dir // the first cell off the sender's line
	ex := x1 - dir // the head, beside the receiver's line
	switch {
	case a.How == EndDropped && a.ID < 0: // a student's ends apart from crdtviz's
		ex = x0 + (x1-x0)*3/10
	case a.How == EndDropped:
		ex = x0 + (x1-x0)*2/5
	case a.How == EndInFlight && a.ID < 0:
		ex = x0 + (x1-x0)*5/8
	case a.How == EndInFlight:
		ex = x0 + (x1-x0)*3/4
	}
	if a.How != EndDelivered && slices.Contains(xs, ex) {
		ex -= dir // never on a replica's line: it would read as arrived there
	}
	diag := ch.down
	if dir < 0 {
		diag = ch.up
	}
	other := map[string]bool{ch.down: true, ch.up: true}
	steps := a.End - a.Start
	first := [2]int{a.Start + 1, sx}
	// Only the lines of the window [lo, hi) are drawn.
	for line := max(a.Start+1, lo); line < min(a.End, hi); line++ {
		x := sx + int(math.Round(float64((ex-sx)*(line-a.Start))/float64(steps)))
		c, ok := get(line, x)
		if !ok {
			continue
		}
		if line == a.Start+1 {
			first = [2]int{line, x}
		}
		switch {
		case c.ch == ch.cross:
		case other[c.ch] && c.ch != diag:
			put(line, x, cell{ch: ch.cross, role: role})
		case c.ch == " " || c.role == roleLife || c.ch == diag:
			put(line, x, cell{ch: diag, role: role})
		}
	}
	switch a.How {
	case EndDelivered:
		head := ch.headR
		if dir < 0 {
			head = ch.headL
		}
		put(a.End, ex, cell{ch: head, role: role})
	case EndDropped:
		put(a.End, ex, cell{ch: ch.drop, role: role})
	case EndInFlight:
		head := ch.openR
		if dir < 0 {
			head = ch.openL
		}
		put(a.End, ex, cell{ch: head, role: role})
	}
	text := a.Label()
	if role == roleArrow || role == roleArrowDim {
		role = roleLabel
		if a.Dim {
			role = roleArrowDim
		}
	}
	l := arrowLabel{text: text, role: role, line: a.Start, x: sx, dir: dir, alt: first, end: [2]int{a.End, ex}}
	if a.LabelAtHead && a.How != EndDropped {
		// Beside the head, on the side it comes from: "m7▶│".
		l.head = [2]int{a.End, ex - dir}
		l.atHead = true
	}
	return l
}

// MsgLabel is a message's label in the diagram: m4 for crdtviz's own
// message 4, s4 for a student's (the lab gives those ids below zero:
// YoursID).
func MsgLabel(id int) string {
	if id < 0 {
		return "s" + strconv.Itoa(-id)
	}
	return "m" + strconv.Itoa(id)
}

// YoursID is the diagram's id of a student's message n (the lab): below
// zero, so that it never meets crdtviz's own ids.
func YoursID(n int) int { return -n }

// placeLabel writes an arrow's label beside its start, on the side it
// goes, or else beside its first step, where the cells are free.
func placeLabel(l arrowLabel, put func(int, int, cell), get func(int, int) (cell, bool), left int) {
	if l.text == "" {
		return // a copy its original's label names
	}
	w := utf8.RuneCountInString(l.text)
	try := func(line, x int) bool {
		if x < 0 || x+w > left {
			return false
		}
		for k := range w {
			c, ok := get(line, x+k)
			if !ok || c.ch != " " {
				return false
			}
		}
		placeText(line, x, l.text, l.role, put, get, left)
		return true
	}
	if l.atHead {
		x := l.head[1] - w + 1 // ending left of a head that points right
		if l.dir < 0 {
			x = l.head[1]
		}
		if try(l.head[0], x) {
			return
		}
	}
	start := l.x
	if l.dir < 0 {
		start = l.x - w + 1
	}
	if try(l.line, start) {
		return
	}
	if l.dir > 0 && try(l.alt[0], l.alt[1]+1) || l.dir < 0 && try(l.alt[0], l.alt[1]-w) {
		return
	}
	// Last, beside the head, on the side it comes from: two arrows that
	// leave together part there.
	if l.dir > 0 {
		try(l.end[0], l.end[1]-w)
	} else {
		try(l.end[0], l.end[1]+1)
	}
}

// placeText writes text from x on, over free cells only.
func placeText(line, x int, text string, role cellRole, put func(int, int, cell), get func(int, int) (cell, bool), left int) {
	k := -1
	for _, r := range text {
		k++
		c, ok := get(line, x+k)
		if !ok || x+k >= left || (c.ch != " " && c.role != roleLife) {
			return
		}
		put(line, x+k, cell{ch: string(r), role: role})
	}
}

// DiagramLegend explains the diagram's marks in one line.
func DiagramLegend(ascii bool) string {
	ch, dot := unicodeDiagram, UnicodeSymbols.Dot
	if ascii {
		ch, dot = asciiDiagram, ASCIISymbols.Dot
	}
	return fmt.Sprintf("%[1]s#3 edit 3 (%[2]s declined) %[9]s m4 message 4, %[3]s%[4]s delivered %[9]s %[5]s dropped %[9]s %[6]s%[7]s in flight %[9]s m1,m2 a message and its copy (duplicated) %[9]s %[8]s links down",
		ch.edit, ch.declined, ch.headR, ch.headL, ch.drop, ch.openR, ch.openL, ch.cut, dot)
}

// DiagramText is the whole history of a timeline, up to its current
// point, as a plain-text space-time diagram w cells wide, with a legend:
// for handouts (crdtviz demo --transcript --diagram).
func DiagramText(tl *replicas.Timeline, w int, ascii bool) string {
	return DiagramInputText(DiagramAt(tl, tl.Cluster(), 0, nil), w, ascii, DiagramLegend(ascii),
		"Time runs down, one row per tick. (m4): a message with nothing new for the plain lane (drawn dim on screen).")
}

// DiagramInputText draws a whole diagram as plain text w cells wide, every
// row's statement wrapped in the margin, then the legend and a note on how
// to read it.
func DiagramInputText(in DiagramInput, w int, ascii bool, legendText, note string) string {
	s := NewStyles(Mono, ascii)
	d := BuildDiagram(in)
	// Each row gets the lines its statement needs to wrap in the margin,
	// with the links down after it: a handout cuts nothing.
	mw := w - min(w, len(in.Names)*diagramSpace(w, len(in.Names), in.MinMargin)) - 1
	for i, r := range d.Rows {
		in.Rows[i].MinLines = MarginLines(r, i == len(d.Rows)-1, mw, len(in.Names), s)
	}
	d = BuildDiagram(in)
	// On paper nothing is dim: a message with nothing new for the plain
	// lane says so in its label, "(m4)".
	for i := range d.Arrows {
		d.Arrows[i].Bracketed = d.Arrows[i].Dim
	}
	out := ansi.Strip(DrawDiagram(d, DiagramView{W: w, H: d.Lines + 1, Wrap: true}, s))
	lines := strings.Split(out, "\n")
	for i, ln := range lines {
		lines[i] = strings.TrimRight(ln, " ")
	}
	legend := WrapText(legendText, w)
	return strings.Join(lines, "\n") + "\n\n" + strings.Join(legend, "\n") + "\n" +
		strings.Join(WrapText(note, w), "\n") + "\n"
}
