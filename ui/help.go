package ui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// HelpItem is one key and what it does.
type HelpItem struct {
	Key, Desc string
}

// HelpGroup is a titled group of keys.
type HelpGroup struct {
	Title string
	Items []HelpItem
}

// helpSep separates the help bar's items (in ASCII, " | ").
func helpSep(s Styles) string { return s.Text(" • ") }

// HelpBar renders the help bar in at most w cells. Its last two items (help
// and quit) always show; when the bar is too wide, items are dropped from
// the middle, the first ones kept, and an ellipsis marks the gap.
func HelpBar(items []HelpItem, w int, s Styles) string {
	if len(items) == 0 || w <= 0 {
		return ""
	}
	render := func(it HelpItem) string { return s.Help.Key.Render(it.Key) + " " + s.Help.Desc.Render(it.Desc) }
	width := func(it HelpItem) int { return ansi.StringWidth(it.Key) + 1 + ansi.StringWidth(it.Desc) }
	sep, sepW := s.Help.Sep.Render(helpSep(s)), ansi.StringWidth(helpSep(s))
	keep := min(2, len(items))
	tail := items[len(items)-keep:]
	head := items[:len(items)-keep]
	total := func(n int) int { // the width with the first n head items
		sum := 0
		for _, it := range head[:n] {
			sum += width(it) + sepW
		}
		for i, it := range tail {
			if i > 0 {
				sum += sepW
			}
			sum += width(it)
		}
		if n < len(head) {
			sum += ansi.StringWidth(s.Symbols.Ellipsis) + sepW
		}
		return sum
	}
	n := len(head)
	for n > 0 && total(n) > w {
		n--
	}
	var parts []string
	for _, it := range head[:n] {
		parts = append(parts, render(it))
	}
	if n < len(head) {
		parts = append(parts, s.Help.Sep.Render(s.Symbols.Ellipsis))
	}
	for _, it := range tail {
		parts = append(parts, render(it))
	}
	return ansi.Truncate(strings.Join(parts, sep), w, "")
}

// HelpColumns lays the groups out in as many columns as fit in w cells,
// each group a title and its keys, and returns the lines. Groups fill the
// shortest column first, in order, so related keys stay together.
func HelpColumns(groups []HelpGroup, w int, s Styles) []string {
	keyW, descW := 0, 0
	for _, g := range groups {
		for _, it := range g.Items {
			keyW = max(keyW, ansi.StringWidth(it.Key))
			descW = max(descW, ansi.StringWidth(it.Desc))
		}
	}
	const gap = 3
	colW := keyW + 2 + descW
	cols := max(1, (w+gap)/(colW+gap))
	if cols == 1 {
		colW = w
	}
	columns := make([][]string, cols)
	for _, g := range groups {
		if len(g.Items) == 0 {
			continue
		}
		block := []string{s.Help.Group.Render(g.Title)}
		for _, it := range g.Items {
			k := it.Key + strings.Repeat(" ", keyW-ansi.StringWidth(it.Key))
			block = append(block, s.Help.Key.Render(k)+"  "+s.Help.Desc.Render(it.Desc))
		}
		block = append(block, "")
		shortest := 0
		for i := range columns {
			if len(columns[i]) < len(columns[shortest]) {
				shortest = i
			}
		}
		columns[shortest] = append(columns[shortest], block...)
	}
	height := 0
	for _, c := range columns {
		height = max(height, len(c))
	}
	lines := make([]string, height)
	for row := range height {
		var b strings.Builder
		for i, c := range columns {
			cell := ""
			if row < len(c) {
				cell = c[row]
			}
			if i < cols-1 {
				cell = fit(cell, colW, 1) + strings.Repeat(" ", gap)
			}
			b.WriteString(cell)
		}
		lines[row] = strings.TrimRight(b.String(), " ")
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}
