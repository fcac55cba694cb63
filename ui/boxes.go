package ui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"crdtviz/crdt"
	"crdtviz/replicas"
)

// conflicts marks, per replica, a value that differs from the lane's most
// common value (ties go to the replica declared first). When no two
// replicas agree, every value differs from the rest, and all are marked.
func conflicts(c *replicas.Cluster, lane replicas.Lane) []bool {
	reps := c.Replicas()
	out := make([]bool, len(reps))
	if c.Equal(lane) {
		return out
	}
	vals := make([]string, len(reps))
	count := map[string]int{}
	for i, r := range reps {
		vals[i] = r.ValueString(lane)
		count[vals[i]]++
	}
	ref := vals[0]
	for _, v := range vals {
		if count[v] > count[ref] {
			ref = v
		}
	}
	for i, v := range vals {
		out[i] = v != ref || count[ref] == 1
	}
	return out
}

func boxes(st State, lane replicas.Lane, s Styles, l Layout, h int) string {
	c := st.Cluster
	reps := c.Replicas()
	conf := conflicts(c, lane)
	last := min(len(reps), st.First+l.Columns)
	clocks := anySkew(c)
	rk := rowKey{first: st.First, n: last - st.First, more: last < len(reps), scroll: l.Scroll, w: l.W, h: h, boxW: l.BoxW, styles: s.Theme, ascii: s.Symbols == ASCIISymbols}
	for i := st.First; i < last; i++ {
		changed := len(st.Changed[lane]) > i && st.Changed[lane][i]
		internals := st.Internals && lane == replicas.CRDT
		k := boxKey{replica: i, lane: int(lane), changed: reps[i].Changed(lane), seen: reps[i].Knows(lane).Len(), focused: i == st.Focus, conflict: conf[i],
			marked: changed, internals: internals, w: l.BoxW, h: h, valueLines: l.ValueLines, internalLines: l.Internals,
			showClock: clocks, styles: s.Theme, ascii: s.Symbols == ASCIISymbols}
		if clocks {
			k.clock = reps[i].Clock(c.Tick())
		}
		if i < len(st.Changes[lane]) {
			k.news = st.Changes[lane][i].news(s)
		}
		if lane == replicas.CRDT {
			k.waiting = strings.Join(reps[i].Waiting(), ", ")
			k.metaLines = l.MetaLines
			if i < len(st.Decisive) {
				k.decisive = strings.Join(st.Decisive[i], "\x00")
			}
			if i < len(st.Front) {
				k.front = strings.Join(st.Front[i], "\x00")
			}
			if internals {
				k.internalsOffset = st.InternalsOffset
			}
		}
		rk.boxes[i-st.First] = k
	}
	return st.Boxes.row(st.History, rk, func() string {
		cols := make([]string, rk.n)
		for j, k := range rk.boxes[:rk.n] {
			r := reps[k.replica]
			cols[j] = st.Boxes.get(st.History, k, func() string { return box(r, st.Boxes.Meta(st.History, k.replica, r), k, s) })
		}
		return boxRow(cols, rk, s)
	})
}

// boxRow puts a row's boxes side by side, with the scroll arrows when not
// every replica fits, and pads it to the screen's width.
func boxRow(cols []string, rk rowKey, s Styles) string {
	row := joinFitted(cols...)
	if rk.scroll {
		left, right := " ", " "
		if rk.first > 0 {
			left = s.App.Notice.Render(s.Symbols.Left)
		}
		if rk.more {
			right = s.App.Notice.Render(s.Symbols.Right)
		}
		// One arrow, at the middle of the row, on the side with more replicas.
		arrows := func(a string) string {
			lines := make([]string, rk.h)
			for i := range lines {
				lines[i] = " "
			}
			lines[rk.h/2] = a
			return strings.Join(lines, "\n")
		}
		row = joinFitted(arrows(left), row, arrows(right))
	}
	used := len(cols) * rk.boxW
	if rk.scroll {
		used += 2
	}
	if used < rk.w { // pad the row to the screen's width without measuring it
		pad := fit("", rk.w-used, rk.h)
		row = joinFitted(row, pad)
	}
	return row
}

// valueLines wraps a value into at most n lines of width w. When it does
// not fit and the last step changed it (news, "+item-new"), the change
// comes first, so that the cut never hides what a step did: hot is then how
// many bytes of the first line are the change, to highlight.
func valueLines(val, news string, w, n int, s Styles) (lines []string, hot int) {
	if news == "" || ansi.StringWidth(val) <= w*n || w < 10 { // too narrow to say more than the value's start
		return wrapLines(val, w, n, s.Symbols.Ellipsis), 0
	}
	if ansi.StringWidth(news) > w-4 {
		news = clipWords(news, w-4, s.Symbols.Ellipsis)
	}
	lines = wrapLines(news+" "+val, w, n, s.Symbols.Ellipsis)
	if len(lines) > 0 && strings.HasPrefix(lines[0], news) {
		hot = len(news)
	}
	return lines, hot
}

// editsLine shows the edits a value reflects: all of them when they fit,
// else how many and the newest.
func editsLine(set replicas.EditSet, w int, sym Symbols) string {
	total := set.Len()
	if total == 0 {
		return "edits: none"
	}
	ids := set.Last(w / 3) // no more than fit: each id takes at least 3 cells
	if len(ids) < total {
		return editsTail(ids, total, w, sym)
	}
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = id.String()
	}
	full := "edits " + strings.Join(parts, " ")
	if ansi.StringWidth(full) <= w {
		return full
	}
	return editsTail(ids, total, w, sym)
}

// editsSeenLine is the edits line with what else the replica has seen:
// "edits #1 #3 · saw #2" says the value reflects #1 and #3, and #2 also
// reached the replica (lost, declined, overwritten or merged away). When
// that does not fit, it trades the dot for a comma ("edits #1, saw #2"),
// then drops the word edits, then counts what else was seen: "#1 #3 · saw
// 4 more".
func editsSeenLine(hist, knows replicas.EditSet, w int, sym Symbols) string {
	extra := knows.Minus(hist)
	if len(extra) == 0 {
		return editsLine(hist, w, sym)
	}
	parts := make([]string, len(extra))
	for i, id := range extra {
		parts[i] = id.String()
	}
	short := func(s string) string { return strings.TrimPrefix(strings.TrimPrefix(s, "edits: "), "edits ") }
	for _, seen := range []string{"saw " + strings.Join(parts, " "), fmt.Sprintf("saw %d more", len(extra))} {
		// The word edits stays as long as it can: a comma for the dot
		// first ("edits #1, saw #2"), and only then without it.
		for _, sep := range []string{" " + sym.Dot + " ", ", "} {
			tail := sep + seen
			room := w - ansi.StringWidth(tail)
			if head := editsLine(hist, room, sym); ansi.StringWidth(head) <= room {
				return head + tail
			}
		}
		tail := " " + sym.Dot + " " + seen
		room := w - ansi.StringWidth(tail)
		if head := short(editsLine(hist, room+len("edits "), sym)); ansi.StringWidth(head) <= room {
			return head + tail
		}
	}
	return ansi.Truncate(short(editsLine(hist, w, sym))+" "+sym.Dot+" saw "+strings.Join(parts, " "), w, sym.Ellipsis)
}

// editsTail is "edits (120) …#118 #119 #120": the count and the newest ids.
func editsTail(ids []replicas.EditID, total, w int, sym Symbols) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = id.String()
	}
	head := fmt.Sprintf("edits (%d) %s", total, sym.Ellipsis)
	tail := ""
	for i := len(parts) - 1; i >= 0; i-- {
		next := parts[i] + tail
		if i < len(parts)-1 {
			next = parts[i] + " " + tail
		}
		if ansi.StringWidth(head+next) > w {
			break
		}
		tail = next
	}
	return head + tail
}

// box draws one replica's box in one lane from its cache key, which holds
// everything the box shows besides the replica's lane state (named in the
// key by the tick it last changed) and the styles (named by their theme).
//
// meta is the replica's metadata line (r.Meta(), cached with the boxes).
func box(r *replicas.Replica, meta []crdt.MetaPart, k boxKey, s Styles) string {
	lane := replicas.Lane(k.lane)
	style := s.Replica.Box
	nameStyle := s.Replica.Name
	marker := "  "
	if k.focused {
		style, nameStyle, marker = s.Replica.BoxFocused, s.Replica.NameFocused, s.Symbols.Focus+" "
	}
	inner := k.w - style.GetHorizontalFrameSize()
	if inner < 1 {
		return ""
	}
	var lines []string
	name := marker + nameStyle.Render(strconv.Itoa(k.replica+1)+" "+s.Text(r.Name))
	clock := ""
	if k.showClock {
		clock = fmt.Sprintf("clock %d (%+d)", k.clock, r.Skew)
		if ansi.StringWidth(name)+1+len(clock) <= inner {
			name = spreadWith(name, s.Replica.Clock.Render(clock), inner, s.Symbols.Ellipsis)
			clock = ""
		}
	}
	lines = append(lines, ansi.Truncate(name, inner, s.Symbols.Ellipsis))

	valStyle := s.Replica.Value
	if k.conflict {
		valStyle = s.Replica.Conflict
	}
	prefix := ""
	if k.marked {
		prefix = s.Replica.Changed.Render(s.Symbols.Changed) + " "
	}
	pw := ansi.StringWidth(prefix)
	vals, hot := valueLines(s.Text(r.ValueString(lane)), k.news, inner-pw, k.valueLines, s)
	for i := range k.valueLines {
		text := ""
		if i < len(vals) {
			text = valStyle.Render(vals[i])
		}
		if i == 0 && hot > 0 && len(vals) > 0 {
			text = s.Replica.Decisive.Render(vals[0][:hot]) + valStyle.Render(vals[0][hot:])
		}
		if i == 0 {
			text = prefix + text
		} else if pw > 0 {
			text = strings.Repeat(" ", pw) + text
		}
		lines = append(lines, text)
	}
	lines = append(lines, s.Replica.Edits.Render(editsSeenLine(r.History(lane), r.Knows(lane), inner, s.Symbols)))
	if k.metaLines > 0 {
		meta := metaLine(meta, clock, k.decisive, k.front, inner, s)
		if k.waiting != "" {
			// Ops waiting for their dependencies are what the box most
			// needs to say: they come first.
			meta = ansi.Truncate(s.Band.Pending.Render("waiting: "+s.Text(k.waiting))+s.Replica.Meta.Render(" "+s.Symbols.Dot+" ")+meta, inner, s.Symbols.Ellipsis)
		}
		lines = append(lines, meta)
	}
	if k.internals {
		lines = append(lines, internalsLines(r.Internals(), inner, k.internalLines, k.internalsOffset, s)...)
	}
	return frame(fit(strings.Join(lines, "\n"), inner, k.h-2), inner, style)
}

// frame draws a box border and one column of padding around content whose
// lines are exactly inner cells wide: the box is inner+4 wide.
func frame(content string, inner int, style lipgloss.Style) string {
	b := style.GetBorderStyle()
	paint := lipgloss.NewStyle().Foreground(style.GetBorderTopForeground())
	left, right := paint.Render(b.Left)+" ", " "+paint.Render(b.Right)
	var out strings.Builder
	out.WriteString(paint.Render(b.TopLeft + strings.Repeat(b.Top, inner+2) + b.TopRight))
	for _, ln := range strings.Split(content, "\n") {
		out.WriteString("\n" + left + ln + right)
	}
	out.WriteString("\n" + paint.Render(b.BottomLeft+strings.Repeat(b.Bottom, inner+2)+b.BottomRight))
	return out.String()
}

// maxInternalLines bounds how far the internals can scroll.
const maxInternalLines = 200

// anySkew reports whether any replica's clock is skewed: then every box
// shows its replica's clock.
func anySkew(c *replicas.Cluster) bool {
	for _, r := range c.Replicas() {
		if r.Skew != 0 {
			return true
		}
	}
	return false
}

// metaLine is the compact metadata line of a CRDT box, e.g. "stamp 4@S3",
// with the parts that decided the last merge highlighted, and the clock in
// front when it did not fit on the name line. It is clipped with an
// ellipsis to w cells. When it is cut and a part the screen is about
// (front: what decided the last merge, what the step changed, what the
// narration names) would be cut off, the groups holding such parts come
// first: "N{Bob:50} P{init:1000, Alice:200}".
func metaLine(parts []crdt.MetaPart, clock, decisive, front string, w int, s Styles) string {
	hot := splitKeys(decisive)
	var b strings.Builder
	room := w
	if clock != "" {
		lead := clock + " " + s.Symbols.Dot + " "
		b.WriteString(s.Replica.Clock.Render(lead))
		room -= ansi.StringWidth(lead)
	}
	parts = frontFirst(parts, splitList(front), max(0, room))
	width := 0
	for _, p := range parts {
		if width > w+1 { // the rest cannot show: the line is cut, with an ellipsis
			break
		}
		text := s.Text(p.Text)
		width += ansi.StringWidth(text)
		if p.Key != "" && hot[p.Key] {
			b.WriteString(s.Replica.Decisive.Render(text))
		} else {
			b.WriteString(s.Replica.Meta.Render(text))
		}
	}
	out := ansi.Truncate(b.String(), w, s.Symbols.Ellipsis)
	if dangling := " " + s.Symbols.Dot + " " + s.Symbols.Ellipsis; strings.HasSuffix(ansi.Strip(out), dangling) {
		out = ansi.Truncate(b.String(), w-ansi.StringWidth(dangling)+ansi.StringWidth(s.Symbols.Ellipsis)+1, s.Symbols.Ellipsis) // cut at the group: "… Laptop:2 …"
	}
	return out
}

func splitList(joined string) []string {
	if joined == "" {
		return nil
	}
	return strings.Split(joined, "\x00")
}

func splitKeys(joined string) map[string]bool {
	out := map[string]bool{}
	if joined != "" {
		for _, k := range strings.Split(joined, "\x00") {
			out[k] = true
		}
	}
	return out
}

// metaGroups splits a metadata line into its groups, each with the
// separator that comes before it: " · " between the groups of a joined
// line ("eggs: init:1 · milk: Laptop:1"), " " between braced lists
// ("P{…} N{…}").
func metaGroups(parts []crdt.MetaPart) (groups [][]crdt.MetaPart, seps []string) {
	var cur []crdt.MetaPart
	sep := ""
	for i, p := range parts {
		list := p.Text == " " && i+1 < len(parts) && strings.HasSuffix(parts[i+1].Text, "{")
		if p.Key == "" && (p.Text == " · " || list) {
			groups, seps = append(groups, cur), append(seps, sep)
			cur, sep = nil, p.Text
			continue
		}
		cur = append(cur, p)
	}
	return append(groups, cur), append(seps, sep)
}

// frontFirst reorders the groups of a metadata line that does not fit in
// w cells so that those holding a front part come first, the most wanted
// first (front lists them in that order), when one of them would otherwise
// be cut off. A line that fits, or whose front parts all show, is left as
// it is.
func frontFirst(parts []crdt.MetaPart, front []string, w int) []crdt.MetaPart {
	if len(front) == 0 {
		return parts
	}
	rank := map[string]int{}
	for i, k := range front {
		rank[k] = i + 1
	}
	total := 0
	for _, p := range parts {
		if total += ansi.StringWidth(p.Text); total > w {
			break // it does not fit: the rest need not be measured
		}
	}
	if total <= w {
		return parts
	}
	width, cut := 0, false
	for _, p := range parts {
		width += ansi.StringWidth(p.Text)
		if rank[p.Key] > 0 && width > w-1 { // the last cell is the ellipsis
			cut = true
			break
		}
	}
	if !cut {
		return parts
	}
	groups, seps := metaGroups(parts)
	best := func(g []crdt.MetaPart) int {
		r := len(front) + 1
		for _, p := range g {
			if k := rank[p.Key]; k > 0 {
				r = min(r, k)
			}
		}
		return r
	}
	slices.SortStableFunc(groups, func(a, b []crdt.MetaPart) int { return best(a) - best(b) })
	sep := " · "
	if len(seps) > 1 {
		sep = seps[1]
	}
	var out []crdt.MetaPart
	for i, g := range groups {
		if i > 0 {
			out = append(out, crdt.MetaPart{Text: sep})
		}
		out = append(out, g...)
	}
	return out
}

// internalsLines shows a CRDT's full internals in at most n lines: its
// sections ("P: Alice:2 · N: none"), wrapped, from line offset on, and on
// the last line, when they do not all fit, where the window is and how to
// scroll it, then its size in memory (not what a message weighs).
func internalsLines(in crdt.Internals, w, n, offset int, s Styles) []string {
	if n <= 0 {
		return nil
	}
	var parts []string
	for _, sec := range in.Sections {
		items := strings.Join(sec.Items, ", ")
		if items == "" {
			items = "none"
		}
		parts = append(parts, s.Text(sec.Name+": "+items))
	}
	var out []string
	// The last line's forms, longest first: the first that fits is shown,
	// so that the size keeps its label, "in memory" (it is not what a
	// message weighs), and loses the window's keys and the entry count
	// first.
	dot := " " + s.Symbols.Dot + " "
	mem := "~" + replicas.SizeText(int64(in.Bytes)) + " in memory"
	lasts := []string{s.Text(in.Size()), mem}
	if n > 1 {
		all := wrapLines(strings.Join(parts, dot), w, maxInternalLines, s.Symbols.Ellipsis)
		if room := n - 1; len(all) > room {
			offset = min(max(offset, 0), len(all)-room)
			where := fmt.Sprintf("%d-%d/%d", offset+1, offset+room, len(all))
			lasts = []string{where + " { }" + dot + s.Text(in.Size()), where + " { }" + dot + mem, where + dot + mem, mem}
			all = all[offset : offset+room]
		}
		out = all
	}
	last := lasts[len(lasts)-1]
	for _, l := range lasts {
		if ansi.StringWidth(l) <= w {
			last = l
			break
		}
	}
	out = append(out, ansi.Truncate(last, w, s.Symbols.Ellipsis))
	for i := range out {
		out[i] = s.Replica.Internals.Render(out[i])
	}
	return out
}
