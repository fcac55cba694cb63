package ui

// The legend of the SVG diagram: a sample of each mark and its words.

// legendItems are the legend's entries: a sample and its words.
var legendItems = []struct{ kind, text string }{
	{"edit", "#3 edit 3 (hollow: declined)"},
	{"msg", "m4 message 4, delivered"},
	{"dim", "nothing new for the plain lane"},
	{"drop", "dropped"},
	{"flight", "in flight"},
	{"dup", "m1,m2 a message and its copy (duplicated)"},
	{"band", "links down"},
}

const legendRow = 22.0

func legendWidth(text string) float64 { return 40 + float64(len([]rune(text)))*svgCharW + 18 }

// legendRows lays the legend's entries out in rows that fit the width.
func legendRows(width float64) [][]int {
	var rows [][]int
	x := svgPad
	for i, it := range legendItems {
		iw := legendWidth(it.text)
		if len(rows) == 0 || x+iw > width-svgPad {
			rows = append(rows, nil)
			x = svgPad
		}
		rows[len(rows)-1] = append(rows[len(rows)-1], i)
		x += iw
	}
	return rows
}

// legendNote is the sentence under the legend, wrapped to the width.
func legendNote(width float64) []string {
	return wrapWords("Time runs down, one row per tick with events. Arrows run from the tick a message was taken to the tick it arrived.",
		max(30, int((width-2*svgPad)/svgCharW)))
}

func legendHeight(width float64) float64 {
	return float64(len(legendRows(width))+len(legendNote(width)))*legendRow + legendRow/2 + svgPad
}

func drawLegend(w *svgWriter, l *svgLayout) {
	w.f(`<g class="legend">` + "\n")
	y := l.legendAt
	if y > 18 {
		w.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#d0d0d0"/>`+"\n", num(svgPad), num(y-10), num(l.width-svgPad), num(y-10))
	}
	for _, row := range legendRows(l.width) {
		x := svgPad
		for _, i := range row {
			it := legendItems[i]
			cy := y + 6
			switch it.kind {
			case "edit":
				w.f(`<circle cx="%s" cy="%s" r="5" fill="%s"/>`, num(x+8), num(cy), colEdit)
				w.f(`<circle cx="%s" cy="%s" r="4.5" fill="#ffffff" stroke="%s" stroke-width="2"/>`, num(x+24), num(cy), colEdit)
			case "msg", "dim", "dup":
				c := colArrow
				if it.kind == "dim" {
					c = colDim
				}
				w.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1.8"/><polygon points="%s,%s %s,%s %s,%s" fill="%s"/>`,
					num(x), num(cy), num(x+24), num(cy), c, num(x+32), num(cy), num(x+23), num(cy-4.5), num(x+23), num(cy+4.5), c)
			case "drop":
				w.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1.8"/><path d="M%s %sL%s %sM%s %sL%s %s" stroke="%s" stroke-width="2.5"/>`,
					num(x), num(cy), num(x+24), num(cy), colDrop, num(x+24), num(cy-5), num(x+34), num(cy+5), num(x+24), num(cy+5), num(x+34), num(cy-5), colDrop)
			case "flight":
				w.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1.8" stroke-dasharray="5 3"/><polygon points="%s,%s %s,%s %s,%s" fill="#ffffff" stroke="%s" stroke-width="1.5"/>`,
					num(x), num(cy), num(x+23), num(cy), colInFlight, num(x+32), num(cy), num(x+23), num(cy-4.5), num(x+23), num(cy+4.5), colInFlight)
			case "band":
				w.f(`<rect x="%s" y="%s" width="32" height="14" fill="%s"/><line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="2" stroke-dasharray="4 3"/>`,
					num(x), num(cy-7), colBand, num(x+16), num(cy-7), num(x+16), num(cy+7), colDrop)
			}
			w.text(x+40, cy+4.5, "start", svgFonts, svgFont, colInk, "", "", it.text)
			x += legendWidth(it.text)
		}
		y += legendRow
	}
	for _, line := range legendNote(l.width) {
		w.text(svgPad, y+8, "start", svgFonts, svgFont, colMuted, "", "", line)
		y += legendRow
	}
	w.f("</g>\n")
}

// DiagramLegendSVG is the legend alone, w pixels wide: for a page that
// shows many diagrams, once.
func DiagramLegendSVG(w float64) string {
	l := &svgLayout{width: w, legendAt: svgPad}
	h := legendHeight(w)
	var b svgWriter
	b.f(`<svg xmlns="http://www.w3.org/2000/svg" class="crdtviz-legend" width="%s" height="%s" viewBox="0 0 %s %s" role="img" aria-label="Legend of the space-time diagram" font-family='%s' font-size="%s" fill="%s">`+"\n",
		num(w), num(h), num(w), num(h), svgFonts, num(svgFont), colInk)
	b.f(`<rect width="100%%" height="100%%" fill="#ffffff"/>` + "\n")
	drawLegend(&b, l)
	b.f("</svg>\n")
	return b.String()
}
