package ui

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"crdtviz/replicas"
)

// LinkToken is one pair of replicas on the network strip.
type LinkToken struct {
	A, B   int // replica indices, A < B
	Text   string
	styled string
}

// Hit is a clickable region of the network strip.
type Hit struct {
	Rect Rect
	A, B int
}

// linkTokens describes every pair: "Alice ↔ Bob" when both ways are up,
// "Alice → Bob" when only that way is, "Alice ╳ Bob" when cut, followed by
// the number of messages queued each way.
func linkTokens(c *replicas.Cluster, s Styles, short bool) []LinkToken {
	names := c.Names()
	label := func(i int) string {
		if short {
			return strconv.Itoa(i + 1)
		}
		return s.Text(names[i])
	}
	var out []LinkToken
	for i := range names {
		for j := i + 1; j < len(names); j++ {
			ab, ba := c.Up(names[i], names[j]), c.Up(names[j], names[i])
			sym, style := s.Symbols.BothWays, s.Network.Up
			switch {
			case ab && !ba:
				sym, style = s.Symbols.Arrow, s.Network.OneWay
			case !ab && ba:
				sym, style = s.Symbols.OneWayBack, s.Network.OneWay
			case !ab && !ba:
				sym, style = s.Symbols.Cut, s.Network.Cut
			}
			text := label(i) + " " + sym + " " + label(j)
			styled := style.Render(text)
			qab, qba := len(c.Queue(names[i], names[j])), len(c.Queue(names[j], names[i]))
			if qab+qba > 0 {
				var q []string
				if qab > 0 {
					q = append(q, fmt.Sprintf("%s%d", s.Symbols.Arrow, qab))
				}
				if qba > 0 {
					q = append(q, fmt.Sprintf("%s%d", s.Symbols.OneWayBack, qba))
				}
				extra := " [" + strings.Join(q, " ") + "]"
				text += extra
				styled += s.Network.InFlight.Render(extra)
			}
			out = append(out, LinkToken{A: i, B: j, Text: text, styled: styled})
		}
	}
	return out
}

// placeLinks flows tokens into lines of width w after a "links:" label, and
// returns the lines and where each token landed.
func placeLinks(toks []LinkToken, label string, w, maxLines int) ([]string, []Hit, bool) {
	lines := []string{label}
	widths := []int{ansi.StringWidth(label)}
	var hits []Hit
	for _, t := range toks {
		tw := ansi.StringWidth(t.Text)
		cur := len(lines) - 1
		if widths[cur]+2+tw > w && widths[cur] > ansi.StringWidth(label) {
			if len(lines) == maxLines {
				return lines, hits, false
			}
			lines = append(lines, strings.Repeat(" ", ansi.StringWidth(label)))
			widths = append(widths, ansi.StringWidth(label))
			cur++
		}
		x := widths[cur] + 2
		lines[cur] += "  " + t.styled
		widths[cur] = x + tw
		hits = append(hits, Hit{Rect: Rect{X: x, Y: cur, W: tw, H: 1}, A: t.A, B: t.B})
	}
	return lines, hits, true
}

// LinkLines renders the network strip in at most n lines: full names when
// they fit, replica numbers otherwise.
func LinkLines(c *replicas.Cluster, s Styles, w, n int) []string {
	lines, _ := links(c, s, w, n)
	return lines
}

// LinkHits says where each pair sits on the network strip, relative to the
// strip's top-left corner, for mouse clicks.
func LinkHits(c *replicas.Cluster, s Styles, w, n int) []Hit {
	_, hits := links(c, s, w, n)
	return hits
}

// links places the strip: full names, else replica numbers. When not even
// the numbers fit, it says how many pairs it leaves out: "… 2 more" ends
// its last line.
func links(c *replicas.Cluster, s Styles, w, n int) ([]string, []Hit) {
	label := s.App.Muted.Render("links:")
	for _, short := range []bool{false, true} {
		if lines, hits, ok := placeLinks(linkTokens(c, s, short), label, w, n); ok {
			return lines, hits
		}
	}
	toks := linkTokens(c, s, true)
	more := func(k int) string { return fmt.Sprintf("%s %d more", s.Symbols.Ellipsis, k) }
	room := w - 2 - ansi.StringWidth(more(len(toks)))
	lines, hits, _ := placeLinks(toks, label, room, n)
	lines[len(lines)-1] += "  " + s.App.Notice.Render(more(len(toks)-len(hits)))
	return lines, hits
}
