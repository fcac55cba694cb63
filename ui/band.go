package ui

import (
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"crdtviz/replicas"
)

// The compact band is the one-band screen the space-time diagram pane
// gets (see ComputeCompact): one title line with both lanes' status, then
// one row of boxes, each with the replica's name in its top border and
// both lanes' values, labelled.

// compactTitle is both lanes' titles on one line, plain on the left half;
// with the third band (the lab), every lane gets a third of it.
func compactTitle(st State, s Styles, w int) string {
	if st.Yours != nil {
		third := w / 3
		sep := s.App.Muted.Render(s.Text(" │ "))
		left := bandTitle(st.Cluster, replicas.Plain, "Plain", s, third-1)
		mid := bandTitle(st.Cluster, replicas.CRDT, "CRDT", s, third-2)
		return left + sep + mid + sep + yoursTitle(st.Yours, "Yours", s, w-2*third-3)
	}
	return st.Boxes.ofCluster(st.Cluster, "compact title", 0, w, 1, s, func() string { return drawCompactTitle(st, s, w) })
}

func drawCompactTitle(st State, s Styles, w int) string {
	half := w / 2
	left := bandTitle(st.Cluster, replicas.Plain, "Plain"+sentText(st.Cluster, replicas.Plain, s, true), s, half-1)
	right := bandTitle(st.Cluster, replicas.CRDT, "CRDT"+sentText(st.Cluster, replicas.CRDT, s, true), s, w-half-2)
	return left + s.App.Muted.Render(s.Text(" │ ")) + right
}

// compactBoxes is the row of compact boxes.
func compactBoxes(st State, s Styles, l Layout) string {
	c := st.Cluster
	reps := c.Replicas()
	conf := [2][]bool{conflicts(c, replicas.Plain), conflicts(c, replicas.CRDT)}
	last := min(len(reps), st.First+l.Columns)
	h := compactBoxH
	if st.Yours != nil {
		h++ // the third band's reads
	}
	rk := rowKey{first: st.First, n: last - st.First, more: last < len(reps), scroll: l.Scroll, w: l.W, h: h, boxW: l.BoxW, gutter: l.Gutter, styles: s.Theme, ascii: s.Symbols == ASCIISymbols}
	for i := st.First; i < last; i++ {
		rk.boxes[i-st.First] = compactKey(st, i, conf, s, l.BoxW)
	}
	return st.Boxes.row(st.History, rk, func() string {
		cols := make([]string, rk.n)
		for j, k := range rk.boxes[:rk.n] {
			r := reps[k.replica]
			cols[j] = st.Boxes.get(st.History, k, func() string { return drawCompactBox(r, k, s) })
		}
		return compactRow(cols, rk, s)
	})
}

// compactRow puts a row's compact boxes side by side, with the scroll
// arrows, the lanes' names in the gutter, and padding to the screen's
// width.
func compactRow(cols []string, rk rowKey, s Styles) string {
	row := joinFitted(cols...)
	used := len(cols)*rk.boxW + rk.gutter
	if rk.scroll {
		left, right := " ", " "
		if rk.first > 0 {
			left = s.App.Notice.Render(s.Symbols.Left)
		}
		if rk.more {
			right = s.App.Notice.Render(s.Symbols.Right)
		}
		side := func(a string) string { return fit("\n"+a, 1, rk.h) }
		row = joinFitted(side(left), row, side(right))
		used += 2
	}
	if rk.gutter > 0 { // the lanes named once, on the left
		names := "\n" + s.App.Muted.Render("plain") + "\n" + s.App.Muted.Render("crdt")
		if rk.h > compactBoxH {
			names += "\n" + s.App.Muted.Render("yours")
		}
		row = joinFitted(fit(names, rk.gutter, rk.h), row)
	}
	if used < rk.w {
		row = joinFitted(row, fit("", rk.w-used, rk.h))
	}
	return row
}

// compactKey is what replica i's compact box shows: one replica, its
// name in the top border, then its plain and CRDT values, each marked when
// it changed and highlighted when it differs from its lane's most common
// value. The box is cached like the full boxes, by what it shows.
func compactKey(st State, i int, conf [2][]bool, s Styles, w int) boxKey {
	r := st.Cluster.Replicas()[i]
	changed := func(l replicas.Lane) bool { return len(st.Changed[l]) > i && st.Changed[l][i] }
	news := func(l replicas.Lane) string {
		if i < len(st.Changes[l]) {
			return st.Changes[l][i].news(s)
		}
		return ""
	}
	k := boxKey{replica: i, lane: -1, changed: r.Changed(replicas.Plain), changedCRDT: r.Changed(replicas.CRDT),
		focused: i == st.Focus, conflict: conf[replicas.Plain][i], conflictCRDT: conf[replicas.CRDT][i],
		marked: changed(replicas.Plain), markedCRDT: changed(replicas.CRDT), w: w, h: compactBoxH, waiting: strings.Join(r.Waiting(), ", "),
		styles: s.Theme, ascii: s.Symbols == ASCIISymbols, news: news(replicas.Plain), newsCRDT: news(replicas.CRDT)}
	if y := st.Yours; y != nil && i < len(y.Cells) {
		k.h++
		k.yours = y.Cells[i]
	}
	return k
}

func drawCompactBox(r *replicas.Replica, k boxKey, s Styles) string {
	style, nameStyle := s.Replica.Box, s.Replica.Name
	if k.focused {
		style, nameStyle = s.Replica.BoxFocused, s.Replica.NameFocused
	}
	inner := k.w - 4
	if inner < 1 {
		return fit("", k.w, k.h)
	}
	b := style.GetBorderStyle()
	paint := lipgloss.NewStyle().Foreground(style.GetBorderTopForeground())
	name := ansi.Truncate(" "+strconv.Itoa(k.replica+1)+" "+s.Text(r.Name)+" ", inner, s.Symbols.Ellipsis)
	nw := ansi.StringWidth(name)
	top := paint.Render(b.TopLeft+b.Top) + nameStyle.Render(name) + paint.Render(strings.Repeat(b.Top, max(0, inner+1-nw))+b.TopRight)
	lines := []string{top}
	for _, lane := range replicas.Lanes {
		conflict, marked, news := k.conflict, k.marked, k.news
		if lane == replicas.CRDT {
			conflict, marked, news = k.conflictCRDT, k.markedCRDT, k.newsCRDT
		}
		text := ""
		room := inner
		if marked {
			text += s.Replica.Changed.Render(s.Symbols.Changed) + " "
			room -= 2
		}
		vs := s.Replica.Value
		if conflict {
			vs = s.Replica.Conflict
		}
		vals, hot := valueLines(s.Text(r.ValueString(lane)), news, max(1, room), 1, s)
		val := ""
		if len(vals) > 0 {
			val = vals[0]
		}
		if hot > 0 {
			text += s.Replica.Decisive.Render(val[:hot])
		}
		text += vs.Render(val[hot:])
		if lane == replicas.CRDT && k.waiting != "" {
			if rest := room - ansi.StringWidth(val) - 1; rest > 3 {
				text += " " + s.Band.Pending.Render(ansi.Truncate("waiting: "+s.Text(k.waiting), rest, s.Symbols.Ellipsis))
			}
		}
		lines = append(lines, paint.Render(b.Left)+" "+fit(text, inner, 1)+" "+paint.Render(b.Right))
	}
	if k.h > compactBoxH { // the third band's read
		val, vs := yoursValue(k.yours, s)
		lines = append(lines, paint.Render(b.Left)+" "+fit(vs.Render(clip(val, inner, s.Symbols.Ellipsis)), inner, 1)+" "+paint.Render(b.Right))
	}
	lines = append(lines, paint.Render(b.BottomLeft+strings.Repeat(b.Bottom, inner+2)+b.BottomRight))
	return strings.Join(lines, "\n")
}
