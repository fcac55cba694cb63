package ui

import (
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"
	"unicode"

	"crdtviz/replicas"
)

// The space-time diagram as SVG, for handouts, slides and the lesson web
// page. It is the second drawer of the one diagram model: it reads the
// same Diagram that DrawDiagram puts on a grid of cells, and maps its lines
// to pixels instead. So an arrow starts and ends on the same rows in both,
// a drop stops at the same fraction of the way, and a duplicate is drawn
// from its original's sending, as on screen.
//
// The drawing is a white sheet in every colour scheme (it is made to be
// printed and projected), uses presentation attributes only (no style
// sheet and no ids, so that several can sit in one HTML page), and has no
// width limit: a replica's column is as wide as its name needs, and the
// margin as wide as the longest statement, wrapped at svgWrap characters.

// SVGOptions are what DiagramSVG draws besides the diagram.
type SVGOptions struct {
	Title   string // a heading above the diagram; "" for none
	Current bool   // mark the last row as the point shown (the lesson page)
	Legend  bool   // a legend of the marks below the diagram
	Note    string // a sentence under the title (the classroom's replay: whose clocks); "" for none
}

// SVG geometry, in pixels, and its palette (a light sheet).
const (
	svgLine     = 16.0 // one line of the diagram model
	svgPad      = 16.0
	svgFont     = 13.0 // labels and the margin, monospace
	svgCharW    = svgFont * 0.6
	svgNameFont = 15.0
	svgMinCol   = 112.0
	svgWrap     = 40 // characters of a statement on one line of the margin
	svgHead     = 9.0

	colInk      = "#1b1b1b"
	colMuted    = "#5c5c5c"
	colLife     = "#6b6b6b"
	colArrow    = "#1d4f91"
	colDim      = "#8c96a8"
	colDrop     = "#b3261e"
	colInFlight = "#9a6700"
	colEdit     = "#5a3fc0"
	colBand     = "#fbe3e1"
	colCurrent  = "#fff1b8"
	svgFonts    = `ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace`
	svgSans     = `system-ui, "DejaVu Sans", "Helvetica Neue", Arial, sans-serif`
)

// svgLayout maps the diagram's lines and columns to pixels.
type svgLayout struct {
	xs       []float64
	col      float64
	top      float64   // y of line 0
	nameY    float64   // the baseline of the replicas' names
	extra    []float64 // pixels added below each line, for wrapped margin text
	below    []float64 // once laid out: the pixels added above each line, in all
	marginX  float64
	marginW  float64
	notes    [][]string // each row's margin lines
	width    float64
	bodyEnd  float64
	legendAt float64
}

func (l *svgLayout) y(line int) float64 {
	line = max(line, -1)
	y := l.top + float64(line)*svgLine
	if l.below != nil {
		return y + l.below[min(max(line, 0), len(l.below)-1)]
	}
	for k := 0; k < line && k < len(l.extra); k++ {
		y += l.extra[k]
	}
	return y
}

// layDown sums the pixels added above each line, once the extras are
// known: y is then found at once, not summed line by line.
func (l *svgLayout) layDown() {
	l.below = make([]float64, len(l.extra)+1)
	for k, e := range l.extra {
		l.below[k+1] = l.below[k] + e
	}
}

// rowNotes is what the margin says at each row: the tick and statement,
// wrapped, and the links down when they changed at that row.
func rowNotes(d Diagram) [][]string {
	notes := make([][]string, len(d.Rows))
	prev := ""
	for i, r := range d.Rows {
		text := r.timeLabel() + " " + r.Action
		if r.Partial {
			text += " (in flight)"
		}
		lines := wrapWords(text, svgWrap)
		for k := 1; k < len(lines); k++ {
			lines[k] = "   " + lines[k]
		}
		down := ""
		if len(r.Down) > 0 {
			down = "links down: " + downText(r.Down, len(d.Names), UnicodeSymbols)
		}
		if down != prev {
			if down == "" {
				lines = append(lines, "links up again")
			} else {
				lines = append(lines, down)
			}
		}
		prev = down
		notes[i] = lines
	}
	return notes
}

func layoutSVG(d Diagram, o SVGOptions) *svgLayout {
	l := &svgLayout{notes: rowNotes(d)}
	l.col = svgMinCol
	for i, n := range d.Names {
		w := float64(len([]rune(strconv.Itoa(i+1)+" "+n)))*svgNameFont*0.62 + 20
		l.col = max(l.col, w)
	}
	l.xs = make([]float64, len(d.Names))
	for i := range l.xs {
		l.xs[i] = svgPad + l.col*(float64(i)+0.5)
	}
	l.marginX = svgPad + l.col*float64(len(d.Names)) + 12
	chars := len("now: 99 messages in flight")
	if d.Older > 0 {
		chars = max(chars, len([]rune(olderNote(d.Older))))
	}
	for _, lines := range l.notes {
		for _, s := range lines {
			chars = max(chars, len([]rune(s)))
		}
	}
	l.marginW = float64(chars) * svgCharW
	l.width = l.marginX + l.marginW + svgPad
	l.nameY = svgPad + svgNameFont
	if o.Title != "" {
		l.nameY += 28
	}
	if o.Note != "" {
		l.nameY += 20 * float64(strings.Count(o.Note, "\n")+1)
	}
	// Room for the title and the note, whose lines are not wrapped.
	l.width = max(l.width, 2*svgPad+sansWidth(o.Title, 18, true))
	for _, ln := range strings.Split(o.Note, "\n") {
		l.width = max(l.width, 2*svgPad+sansWidth(ln, svgFont, false))
	}
	l.top = l.nameY + 22
	if d.Older > 0 {
		l.top += 18 // room for the line that says so
	}
	// Room for a sync's many arrows: a taller row, spread over its lines.
	l.extra = make([]float64, max(d.Lines, 1))
	spans := map[[2]int]int{} // arrows by the lines they start and end on
	for _, a := range d.Arrows {
		spans[[2]int{a.Start, a.End}]++
	}
	for _, r := range d.Rows {
		n := 0
		if r.Bottom > r.Top {
			n = spans[[2]int{r.Top, r.Bottom}]
		}
		if n > 3 && r.Bottom <= len(l.extra) {
			for k := r.Top; k < r.Bottom; k++ {
				l.extra[k] += float64(n-3) * 9 / float64(r.Bottom-r.Top)
			}
		}
	}
	// Room for each row's margin text before the next row.
	for i, r := range d.Rows {
		next := d.Lines
		if i+1 < len(d.Rows) {
			next = d.Rows[i+1].Top
		}
		need := float64(len(l.notes[i]))*(svgFont+3) + 4
		// The room between the two rows: their lines, and what was
		// added below them.
		have := float64(next-r.Top) * svgLine
		for k := max(r.Top, 0); k < next && k < len(l.extra); k++ {
			have += l.extra[k]
		}
		if need > have && r.Bottom < len(l.extra) {
			l.extra[r.Bottom] += need - have
		}
	}
	l.layDown()
	l.bodyEnd = l.y(d.Lines) + svgLine
	l.legendAt = l.bodyEnd + 18
	return l
}

// sansWidth is how wide a line of sans-serif text may be, at size pixels:
// generous, as the widest common sans (DejaVu Sans) sets it, capitals and
// digits wider than small letters, so that a title of capitals (a join
// code) is never cut off at the sheet's edge.
func sansWidth(text string, size float64, bold bool) float64 {
	em := 0.0
	for _, r := range text {
		switch {
		case r == 'W' || r == 'm':
			em += 1.0
		case r == 'M' || r == 'w':
			em += 0.88
		case unicode.IsUpper(r):
			em += 0.76
		case unicode.IsDigit(r):
			em += 0.64
		case unicode.IsLower(r):
			em += 0.62
		case r == ' ':
			em += 0.32
		default:
			em += 0.5
		}
	}
	if bold {
		em *= 1.1
	}
	return em * size
}

// svgWriter accumulates elements.
type svgWriter struct{ strings.Builder }

func (w *svgWriter) f(format string, args ...any) { fmt.Fprintf(w, format, args...) }

func num(v float64) string { return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) }

// text writes a text element, with only the attributes that differ from
// the sheet's defaults (monospace, svgFont pixels, ink, anchored at start).
func (w *svgWriter) text(x, y float64, anchor, font string, size float64, fill, weight, class, s string) {
	attrs := ""
	if anchor != "start" {
		attrs += ` text-anchor="` + anchor + `"`
	}
	if font != svgFonts {
		attrs += ` font-family='` + font + `'`
	}
	if size != svgFont {
		attrs += ` font-size="` + num(size) + `"`
	}
	if fill != colInk {
		attrs += ` fill="` + fill + `"`
	}
	if weight != "" {
		attrs += ` font-weight="` + weight + `"`
	}
	if class != "" {
		attrs += ` class="` + class + `"`
	}
	w.f(`<text x="%s" y="%s"%s>%s</text>`+"\n", num(x), num(y), attrs, html.EscapeString(s))
}

// DiagramSVG draws a built diagram as an SVG element (no XML declaration,
// so that it can sit inside an HTML page as it is).
func DiagramSVG(d Diagram, o SVGOptions) string {
	l := layoutSVG(d, o)
	height := l.bodyEnd + svgPad
	if o.Legend {
		height = l.legendAt + legendHeight(l.width)
	}
	var w svgWriter
	label := "Space-time diagram"
	if o.Title != "" {
		label += ": " + o.Title
	}
	w.f(`<svg xmlns="http://www.w3.org/2000/svg" class="crdtviz-diagram" width="%s" height="%s" viewBox="0 0 %s %s" role="img" aria-label="%s" font-family='%s' font-size="%s" fill="%s">`+"\n",
		num(l.width), num(height), num(l.width), num(height), html.EscapeString(label), svgFonts, num(svgFont), colInk)
	w.f("<title>%s</title>\n", html.EscapeString(label))
	w.f(`<rect class="sheet" width="100%%" height="100%%" fill="#ffffff"/>` + "\n")
	if o.Title != "" {
		w.text(svgPad, svgPad+16, "start", svgSans, 18, colInk, "bold", "", o.Title)
	}
	if o.Note != "" {
		y := svgPad + 16
		if o.Title != "" {
			y += 24
		}
		for _, ln := range strings.Split(o.Note, "\n") {
			w.text(svgPad, y, "start", svgSans, svgFont, colMuted, "", "", ln)
			y += 20
		}
	}
	drawBands(&w, d, l)
	drawLifelines(&w, d, l)
	drawMargin(&w, d, l, o.Current)
	taken := drawEdits(&w, d, l)
	var arrows []arrowShape
	for _, a := range d.Arrows {
		if g, ok := arrowGeometry(a, l); ok {
			arrows = append(arrows, g)
			g.draw(&w)
		}
	}
	placeLabels(&w, arrows, l, taken)
	if o.Legend {
		drawLegend(&w, l)
	}
	w.f("</svg>\n")
	return w.String()
}

// drawLifelines draws each replica's number, name and vertical line, and
// the margin's heading.
func drawLifelines(w *svgWriter, d Diagram, l *svgLayout) {
	for i, n := range d.Names {
		x := l.xs[i]
		w.f(`<text x="%s" y="%s" text-anchor="middle" font-family='%s' font-size="%s"><tspan fill="%s">%d </tspan><tspan font-weight="bold">%s</tspan></text>`+"\n",
			num(x), num(l.nameY), svgSans, num(svgNameFont), colMuted, i+1, html.EscapeString(n))
		w.f(`<line class="lifeline" x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1.5"/>`+"\n",
			num(x), num(l.top-12), num(x), num(l.bodyEnd), colLife)
	}
	head := "tick and statement"
	if d.MarginHead != "" {
		head = d.MarginHead
	}
	w.text(l.marginX, l.nameY, "start", svgSans, svgFont, colMuted, "", "", head)
	if d.Older > 0 {
		w.text(l.marginX, l.top-12, "start", svgFonts, svgFont, colMuted, "", "older", olderNote(d.Older))
	}
}

// drawMargin writes each row's tick and statement and the links down
// (the current row highlighted, when asked), and the "now" line where
// messages in flight are.
func drawMargin(w *svgWriter, d Diagram, l *svgLayout, current bool) {
	last := len(d.Rows) - 1
	if current && last >= 0 {
		y := l.y(d.Rows[last].Top)
		h := float64(len(l.notes[last]))*(svgFont+3) + 6
		w.f(`<rect class="current" x="%s" y="%s" width="%s" height="%s" rx="3" fill="%s"/>`+"\n",
			num(l.marginX-6), num(y-svgFont), num(l.marginW+12), num(h), colCurrent)
	}
	for i, r := range d.Rows {
		y := l.y(r.Top)
		for k, s := range l.notes[i] {
			fill, weight := colInk, ""
			if k > 0 && strings.HasPrefix(s, "links ") {
				fill = colDrop
			}
			if current && i == last {
				weight = "bold"
			}
			w.text(l.marginX, y+4+float64(k)*(svgFont+3), "start", svgFonts, svgFont, fill, weight, "", s)
		}
	}
	if d.Now >= 0 {
		y := l.y(d.Now)
		inflight := 0
		for _, a := range d.Arrows {
			if a.How == EndInFlight {
				inflight++
			}
		}
		w.f(`<line class="now" x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1" stroke-dasharray="4 4"/>`+"\n",
			num(svgPad), num(y), num(l.marginX-8), num(y), colInFlight)
		w.text(l.marginX, y+4, "start", svgFonts, svgFont, colInFlight, "", "", "now: "+replicas.Plural(inflight, "message")+" in flight")
	}
}

// drawEdits puts each edit as a dot on its replica's line, numbered
// (hollow when declined), and returns the room they take.
func drawEdits(w *svgWriter, d Diagram, l *svgLayout) []svgBox {
	var taken []svgBox
	for _, m := range d.Marks {
		if m.Col >= len(l.xs) {
			continue
		}
		x, y := l.xs[m.Col], l.y(m.Line)
		fill, text := colEdit, m.Edit.String()
		if m.Declined {
			fill, text = "#ffffff", text+" declined"
		}
		w.f(`<circle class="edit" cx="%s" cy="%s" r="5.5" fill="%s" stroke="%s" stroke-width="2"/>`+"\n", num(x), num(y), fill, colEdit)
		w.text(x+9, y+4.5, "start", svgFonts, svgFont, colEdit, "bold", "", text)
		taken = append(taken, svgBox{x - 7, y - 8, x + 10 + float64(len(text))*svgCharW, y + 8})
	}
	return taken
}

// drawBands shades the time during which links are down.
func drawBands(w *svgWriter, d Diagram, l *svgLayout) {
	left, right := svgPad, svgPad+l.col*float64(len(d.Names))
	for i := 0; i < len(d.Rows); {
		down := d.Rows[i].Down
		j := i + 1
		for j < len(d.Rows) && sameLinks(d.Rows[j].Down, down) {
			j++
		}
		if len(down) > 0 {
			y0 := l.y(d.Rows[i].Top) - svgLine/2
			y1 := l.bodyEnd
			if j < len(d.Rows) {
				y1 = l.y(d.Rows[j].Top) - svgLine/2
			}
			w.f(`<g class="cut"><rect x="%s" y="%s" width="%s" height="%s" fill="%s"/>`+"\n",
				num(left), num(y0), num(right-left), num(y1-y0), colBand)
			for _, b := range walls(down, len(d.Names)) {
				x := svgPad + l.col*float64(b)
				w.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="2" stroke-dasharray="6 4"/>`+"\n",
					num(x), num(y0), num(x), num(y1), colDrop)
			}
			w.f("</g>\n")
		}
		i = j
	}
}

func sameLinks(a, b [][2]int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// walls are the column boundaries (1..n-1) a partition runs along: where
// every link across is down both ways, and every link on either side up.
func walls(down [][2]int, n int) []int {
	cut := map[[2]int]bool{}
	for _, l := range down {
		cut[l] = true
	}
	var out []int
	for b := 1; b < n; b++ {
		ok := true
		for i := range n {
			for j := range n {
				if i == j {
					continue
				}
				across := (i < b) != (j < b)
				if across != cut[[2]int{i, j}] {
					ok = false
				}
			}
		}
		if ok {
			out = append(out, b)
		}
	}
	return out
}

// svgBox is a rectangle taken on the sheet by a label or a mark.
type svgBox struct{ x0, y0, x1, y1 float64 }

func (b svgBox) overlaps(c svgBox) bool {
	return b.x0 < c.x1 && c.x0 < b.x1 && b.y0 < c.y1 && c.y0 < b.y1
}

// crosses reports whether the segment from (x0,y0) to (x1,y1) passes
// through the box (sampled finely enough for labels a few pixels high).
func (b svgBox) crosses(x0, y0, x1, y1 float64) bool {
	const n = 24
	for i := 0; i <= n; i++ {
		t := float64(i) / n
		x, y := x0+(x1-x0)*t, y0+(y1-y0)*t
		if x > b.x0 && x < b.x1 && y > b.y0 && y < b.y1 {
			return true
		}
	}
	return false
}

// arrowShape is one message's geometry: from the sender's line at the tick
// it was taken to where it ends (the receiver's line; partway when
// dropped; at the "now" line when in flight).
type arrowShape struct {
	Arrow
	x0, y0, x1, y1 float64
	colour, how    string
}

func arrowGeometry(a Arrow, l *svgLayout) (arrowShape, bool) {
	if a.From >= len(l.xs) || a.To >= len(l.xs) || a.From == a.To {
		return arrowShape{}, false
	}
	g := arrowShape{Arrow: a, x0: l.xs[a.From], y0: l.y(a.Start), x1: l.xs[a.To], y1: l.y(a.End), colour: colArrow, how: "delivered"}
	switch {
	case a.How == EndDropped:
		g.x1 = g.x0 + (g.x1-g.x0)*2/5
		g.colour, g.how = colDrop, "dropped"
	case a.How == EndInFlight:
		g.x1 = g.x0 + (g.x1-g.x0)*3/4
		g.colour, g.how = colInFlight, "in flight"
	case a.Dim:
		g.colour = colDim
	}
	return g, true
}

// draw draws the arrow's line and its end: a head, ✗ when dropped, an open
// head when in flight.
func (g arrowShape) draw(w *svgWriter) {
	w.f(`<g class="msg %s" data-msg="%d" stroke="%s" fill="%s" stroke-width="1.8" stroke-linejoin="round">`, strings.ReplaceAll(g.how, " ", "-"), g.ID, g.colour, g.colour)
	title := MsgLabel(g.ID) + " " + g.how
	if g.Dim {
		title += ", nothing new for the plain lane"
	}
	w.f(`<title>%s</title>`, title)
	dx, dy := g.x1-g.x0, g.y1-g.y0
	length := math.Hypot(dx, dy)
	ux, uy := dx/length, dy/length
	px, py := -uy, ux // perpendicular
	lx, ly := g.x1, g.y1
	if g.How != EndDropped {
		lx, ly = g.x1-ux*svgHead, g.y1-uy*svgHead // the line stops where the head begins
	}
	dash := ""
	if g.How == EndInFlight {
		dash = ` stroke-dasharray="5 3"`
	}
	w.f(`<line x1="%s" y1="%s" x2="%s" y2="%s"%s/>`, num(g.x0), num(g.y0), num(lx), num(ly), dash)
	if g.How == EndDropped {
		s, x, y := 5.0, g.x1, g.y1
		w.f(`<path d="M%s %sL%s %sM%s %sL%s %s" stroke-width="2.5"/>`,
			num(x-s), num(y-s), num(x+s), num(y+s), num(x-s), num(y+s), num(x+s), num(y-s))
	} else {
		open := ""
		if g.How == EndInFlight {
			open = ` fill="#ffffff"`
		}
		bx, by := g.x1-ux*svgHead, g.y1-uy*svgHead
		w.f(`<polygon points="%s,%s %s,%s %s,%s" stroke-width="1.5"%s/>`,
			num(g.x1), num(g.y1), num(bx+px*svgHead/2), num(by+py*svgHead/2), num(bx-px*svgHead/2), num(by-py*svgHead/2), open)
	}
	w.f("</g>\n")
}

// labelText is "m4", "m1,m2" for a message and its copy, or "" for a copy
// its original names (see Arrow.Label).
func (g arrowShape) labelText() string { return g.Label() }

// placeLabels puts each arrow's label along it, where it covers the fewest
// other labels, marks, arrows and lifelines, nearer its start when that
// ties; and draws them over everything. Only the arrows and labels near a
// place are weighed (a band index by height): a diagram of thousands of
// messages is placed in linear time. The weighing is bounded all the
// same (many long arrows cross every band): past labelBudget checks, a
// label takes its first place.
func placeLabels(w *svgWriter, arrows []arrowShape, l *svgLayout, taken []svgBox) {
	// A white halo behind each label keeps it readable over the lines.
	w.f(`<g class="labels" text-anchor="middle" stroke="#ffffff" stroke-width="4" stroke-linejoin="round" paint-order="stroke">` + "\n")
	nearArrows, nearBoxes := newBands(), newBands()
	for j, o := range arrows {
		nearArrows.add(j, min(o.y0, o.y1), max(o.y0, o.y1))
	}
	for k, b := range taken {
		nearBoxes.add(k, b.y0, b.y1)
	}
	budget := labelBudget
	for i, g := range arrows {
		text := g.labelText()
		if text == "" {
			continue
		}
		tw := float64(len([]rune(text)))*svgCharW + 2
		var best svgBox
		bestScore := math.Inf(1)
		for k, t := range []float64{0.22, 0.32, 0.14, 0.42, 0.52, 0.62, 0.72, 0.82} {
			cx, cy := g.x0+(g.x1-g.x0)*t, g.y0+(g.y1-g.y0)*t
			b := svgBox{cx - tw/2, cy - svgFont/2 - 1, cx + tw/2, cy + svgFont/2 + 1}
			score := float64(k) * 0.5
			if budget <= 0 {
				best = b
				break
			}
			nearBoxes.each(b.y0, b.y1, func(p int) {
				budget--
				if b.overlaps(taken[p]) {
					score += 100
				}
			})
			nearArrows.each(b.y0, b.y1, func(j int) {
				budget--
				o := arrows[j]
				if j != i && min(o.x0, o.x1) < b.x1 && max(o.x0, o.x1) > b.x0 && b.crosses(o.x0, o.y0, o.x1, o.y1) {
					score += 10
				}
			})
			for _, x := range l.xs {
				if b.x0 < x && x < b.x1 {
					score += 6
				}
			}
			if score < bestScore {
				best, bestScore = b, score
			}
		}
		nearBoxes.add(len(taken), best.y0, best.y1)
		taken = append(taken, best)
		cx, cy := (best.x0+best.x1)/2, (best.y0+best.y1)/2
		w.f(`<text x="%s" y="%s" fill="%s">%s</text>`+"\n", num(cx), num(cy+svgFont*0.35), g.colour, html.EscapeString(text))
	}
	w.f("</g>\n")
}

// bands index things by the heights they span, in bands bandH pixels
// high: each is listed in every band it touches, or, spanning more than
// maxBands, among the tall ones, which every query visits.
type bands struct {
	of   map[int][]int
	tall []int
	seen map[int]int // the query each thing was last visited in
	n    int
}

const (
	bandH    = 48
	maxBands = 64
)

func newBands() *bands { return &bands{of: map[int][]int{}, seen: map[int]int{}} }

func (b *bands) add(id int, y0, y1 float64) {
	k0, k1 := int(math.Floor(y0/bandH)), int(math.Floor(y1/bandH))
	if k1-k0 > maxBands {
		b.tall = append(b.tall, id)
		return
	}
	for k := k0; k <= k1; k++ {
		b.of[k] = append(b.of[k], id)
	}
}

// each calls f once for each thing in the bands from y0 to y1 (and each
// tall one).
func (b *bands) each(y0, y1 float64, f func(id int)) {
	b.n++
	for k := int(math.Floor(y0 / bandH)); k <= int(math.Floor(y1/bandH)); k++ {
		for _, id := range b.of[k] {
			if b.seen[id] != b.n {
				b.seen[id] = b.n
				f(id)
			}
		}
	}
	for _, id := range b.tall {
		f(id)
	}
}

// labelBudget bounds the checks placing the labels makes: a fraction of a second's
// work.
const labelBudget = 4_000_000

// olderNote says how many actions before the rows drawn are left out.
func olderNote(n int) string { return "⋮ " + replicas.Plural(n, "earlier action") + " not shown" }

// DiagramSVGFile is the whole history of a timeline, up to its current
// point, as a standalone SVG file with a heading and a legend: for
// handouts and slides (crdtviz demo NAME --svg -o FILE.svg).
func DiagramSVGFile(tl *replicas.Timeline, title string) string {
	d := BuildDiagram(DiagramAt(tl, tl.Cluster(), 0, nil))
	return `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + DiagramSVG(d, SVGOptions{Title: title, Legend: true})
}
