package ui

import (
	"fmt"
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"crdtviz/crdt"
	"crdtviz/replicas"
)

// Pane is a tab of the bottom pane.
type Pane int

const (
	PaneNarration Pane = iota
	PaneMessages
	PaneLog
	PaneDetails // the focused replica in full: values, edits, metadata
)

// ExpectLine is an expectation shown in the narration: its text and result.
type ExpectLine struct {
	Text string
	Pass bool
	Got  string
}

// State is everything the screen shows. The model builds it; the render
// functions only read it.
type State struct {
	Title     string // the demo's title, or "Free play"
	StepLabel string // "step 2/6", or "" in free play
	Notice    string // shown in the header's right-hand side (e.g. branched)
	Cluster   *replicas.Cluster
	Changed   [2][]bool // per lane, per replica: changed by the last action or step
	Focus     int       // focused replica
	First     int       // first replica column shown
	Internals bool
	Selected  int // selected message in flight
	Pane      Pane
	Demo      bool
	Narration string
	Expects   []ExpectLine
	Log       string // the event log, already rendered by its viewport
	Details   string // the focused replica in full, already rendered by its viewport
	Status    string // the status line: prompt, error or hint, already styled
	Bar       string // the help bar, already rendered
	// Boxes, when set, remembers rendered boxes between frames. History
	// names the history the cluster belongs to: the model changes it
	// whenever ticks stop naming the same states (a branch, a new demo).
	Boxes   *BoxCache
	History any
}

// BoxCache remembers rendered replica boxes. Within one history, a lane's
// state is named by the tick it last changed, so a box only needs drawing
// again when that, its marks, or the layout change.
type BoxCache struct {
	history any
	boxes   map[boxKey]string
	// network strips drawn recently, by what they were drawn for
	links map[stripKey]string
}

type stripKey struct {
	cluster *replicas.Cluster
	tick    int64
	w, h    int
	theme   Theme
	ascii   bool
}

// strip returns the network strip, drawn again only when the cluster, its
// tick (every action advances it) or the layout changed.
func (bc *BoxCache) strip(c *replicas.Cluster, draw func() string, l Layout, s Styles) string {
	k := stripKey{c, c.Tick(), l.W, l.Network.H, s.Theme, s.Symbols == ASCIISymbols}
	if bc == nil {
		return draw()
	}
	if bc.links == nil || len(bc.links) >= boxCacheLimit/8 {
		bc.links = map[stripKey]string{}
	}
	if strip, ok := bc.links[k]; ok {
		return strip
	}
	bc.links[k] = draw()
	return bc.links[k]
}

type boxKey struct {
	replica, lane                        int
	changed                              int64
	focused, conflict, marked, internals bool
	w, h, valueLines, internalLines      int
	styles                               Theme
	ascii                                bool
}

// boxCacheLimit bounds the cache; it starts afresh when full.
const boxCacheLimit = 1024

func (bc *BoxCache) get(history any, k boxKey, draw func() string) string {
	if bc == nil {
		return draw()
	}
	if bc.boxes == nil || bc.history != history || len(bc.boxes) >= boxCacheLimit {
		bc.boxes, bc.history = map[boxKey]string{}, history
	}
	if b, ok := bc.boxes[k]; ok {
		return b
	}
	b := draw()
	bc.boxes[k] = b
	return b
}

// Screen renders a whole frame. Every line is exactly l.W cells wide and
// there are exactly l.H lines.
func Screen(st State, s Styles, l Layout) string {
	if l.TooSmall {
		return TooSmall(l.W, l.H, s)
	}
	c := st.Cluster
	parts := []string{
		header(st, s, l.W),
		bandTitle(c, replicas.Plain, "Plain overwrite", s, l.W),
		boxes(st, replicas.Plain, s, l, l.PlainBoxes.H),
		bandTitle(c, replicas.CRDT, "CRDT: "+string(c.Type()), s, l.W),
		boxes(st, replicas.CRDT, s, l, l.CRDTBoxes.H),
		st.Boxes.strip(c, func() string { return fit(strings.Join(LinkLines(c, s, l.W, l.Network.H), "\n"), l.W, l.Network.H) }, l, s),
		pane(st, s, l),
		fit(st.Status, l.W, 1),
		fit(st.Bar, l.W, 1),
	}
	return strings.Join(parts, "\n")
}

// TooSmall is the screen shown below the minimum size.
func TooSmall(w, h int, s Styles) string {
	msg := fmt.Sprintf("terminal too small: need at least %dx%d, now %dx%d", MinWidth, MinHeight, w, h)
	lines := []string{msg, "make the window larger, or press q to quit"}
	if w < ansi.StringWidth(msg) {
		lines = []string{"too small", fmt.Sprintf("need %dx%d", MinWidth, MinHeight), fmt.Sprintf("now %dx%d", w, h), "q quits"}
	}
	body := s.App.Error.Render(strings.Join(lines, "\n"))
	return fit(lipgloss.Place(max(w, 1), max(h, 1), lipgloss.Center, lipgloss.Center, body), w, h)
}

// fit makes text exactly w cells wide and h lines high: long lines are cut
// (escape codes kept intact), short ones padded, extra lines dropped.
func fit(text string, w, h int) string {
	if w <= 0 || h <= 0 {
		return ""
	}
	lines := strings.Split(text, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	for i, ln := range lines {
		lw := ansi.StringWidth(ln)
		if lw > w {
			ln = ansi.Truncate(ln, w, "")
			lw = ansi.StringWidth(ln)
		}
		if lw < w {
			ln += strings.Repeat(" ", w-lw)
		}
		lines[i] = ln
	}
	return strings.Join(lines, "\n")
}

// joinFitted puts blocks side by side. Every block must already be fitted
// (each line exactly its width, all blocks the same height), so lines are
// simply concatenated, without measuring anything again.
func joinFitted(blocks ...string) string {
	if len(blocks) == 0 {
		return ""
	}
	split := make([][]string, len(blocks))
	for i, b := range blocks {
		split[i] = strings.Split(b, "\n")
	}
	var out strings.Builder
	for row := range split[0] {
		if row > 0 {
			out.WriteByte('\n')
		}
		for _, lines := range split {
			if row < len(lines) {
				out.WriteString(lines[row])
			}
		}
	}
	return out.String()
}

// Fit is fit for the model's own overlays.
func Fit(text string, w, h int) string { return fit(text, w, h) }

// spread puts left and right on one line of width w, cutting left first.
func spread(left, right string, w int) string {
	rw := ansi.StringWidth(right)
	if rw >= w {
		return ansi.Truncate(right, w, "")
	}
	room := w - rw - 1
	if ansi.StringWidth(left) > room {
		left = ansi.Truncate(left, room, "…")
	}
	return left + strings.Repeat(" ", max(1, w-ansi.StringWidth(left)-rw)) + right
}

func header(st State, s Styles, w int) string {
	left := s.App.Title.Render("crdtviz") + s.App.Muted.Render(" "+s.Symbols.Dot+" ") + s.App.Header.Render(st.Title)
	if st.StepLabel != "" {
		left += s.App.Muted.Render(" "+s.Symbols.Dot+" ") + s.App.Header.Render(st.StepLabel)
	}
	right := s.App.Muted.Render(fmt.Sprintf("tick %d", st.Cluster.Tick()))
	if st.Notice != "" {
		right = s.App.Notice.Render(st.Notice) + "  " + right
	}
	return spread(left, right, w)
}

// StatusText is a lane's banner in words and symbols, e.g. "DIVERGED ✗ 2 values".
func StatusText(stt replicas.Status, sym Symbols) string {
	switch stt.Kind {
	case replicas.Converged:
		if stt.AtRisk {
			return fmt.Sprintf("CONVERGED %s for now: %d in flight would split it", sym.Check, stt.InFlight)
		}
		return "CONVERGED " + sym.Check
	case replicas.Converging:
		return fmt.Sprintf("converging: %d in flight", stt.InFlight)
	}
	return fmt.Sprintf("DIVERGED %s %d values", sym.Cross, stt.Values)
}

func bandTitle(c *replicas.Cluster, lane replicas.Lane, title string, s Styles, w int) string {
	stt := c.Status(lane)
	style := s.Band.Converged
	switch stt.Kind {
	case replicas.Converging:
		style = s.Band.Converging
	case replicas.Diverged:
		style = s.Band.Diverged
	}
	right := style.Render(StatusText(stt, s.Symbols))
	if stt.AtRisk {
		right = s.Band.Converging.Render(StatusText(stt, s.Symbols))
	}
	if lost := stt.LostSummary(); lost != "" {
		right += s.App.Muted.Render("  ") + s.Band.Lost.Render(lost)
	}
	return spread(s.Band.Title.Render(title), right, w)
}

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
	var cols []string
	last := min(len(reps), st.First+l.Columns)
	for i := st.First; i < last; i++ {
		changed := len(st.Changed[lane]) > i && st.Changed[lane][i]
		internals := st.Internals && lane == replicas.CRDT
		k := boxKey{replica: i, lane: int(lane), changed: reps[i].Changed(lane), focused: i == st.Focus, conflict: conf[i],
			marked: changed, internals: internals, w: l.BoxW, h: h, valueLines: l.ValueLines, internalLines: l.Internals,
			styles: s.Theme, ascii: s.Symbols == ASCIISymbols}
		cols = append(cols, st.Boxes.get(st.History, k, func() string {
			return box(reps[i], i, lane, i == st.Focus, conf[i], changed, internals, s, l, h)
		}))
	}
	row := joinFitted(cols...)
	if l.Scroll {
		left, right := " ", " "
		if st.First > 0 {
			left = s.App.Notice.Render(s.Symbols.Left)
		}
		if last < len(reps) {
			right = s.App.Notice.Render(s.Symbols.Right)
		}
		// One arrow, at the middle of the row, on the side with more replicas.
		arrows := func(a string) string {
			lines := make([]string, h)
			for i := range lines {
				lines[i] = " "
			}
			lines[h/2] = a
			return strings.Join(lines, "\n")
		}
		row = joinFitted(arrows(left), row, arrows(right))
	}
	used := len(cols) * l.BoxW
	if l.Scroll {
		used += 2
	}
	if used < l.W { // pad the row to the screen's width without measuring it
		pad := fit("", l.W-used, h)
		row = joinFitted(row, pad)
	}
	return row
}

// clip cuts text to at most n characters, marking the cut with ell. Every
// character is at least one cell wide, so n*... characters always fill
// the space they are clipped for; wrapping the rest would be wasted work.
func clip(text string, n int, ell string) string {
	if len(text) <= n {
		return text
	}
	i := 0
	for k := range text {
		if i == n {
			return text[:k] + ell
		}
		i++
	}
	return text
}

// wrapLines breaks text into at most n lines of width w, ending with an
// ellipsis when it is cut.
func wrapLines(text string, w, n int, ell string) []string {
	if w <= 0 || n <= 0 {
		return nil
	}
	text = clip(text, w*n+1, ell)
	if n == 1 && !strings.Contains(text, "\n") { // one line: cut it, don't wrap it
		return []string{ansi.Truncate(text, w, ell)}
	}
	var lines []string
	for _, para := range strings.Split(text, "\n") {
		lines = append(lines, strings.Split(ansi.Wrap(para, w, " "), "\n")...)
	}
	if len(lines) > n {
		lines = lines[:n]
		lines[n-1] = strings.TrimRight(ansi.Truncate(lines[n-1]+strings.Repeat(" ", w), w-ansi.StringWidth(ell), ""), " ") + ell
	}
	return lines
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

func box(r *replicas.Replica, idx int, lane replicas.Lane, focused, conflict, changed, internals bool, s Styles, l Layout, h int) string {
	style := s.Replica.Box
	nameStyle := s.Replica.Name
	marker := "  "
	if focused {
		style, nameStyle, marker = s.Replica.BoxFocused, s.Replica.NameFocused, s.Symbols.Focus+" "
	}
	inner := l.BoxW - style.GetHorizontalFrameSize()
	if inner < 1 {
		return ""
	}
	var lines []string
	lines = append(lines, ansi.Truncate(marker+nameStyle.Render(strconv.Itoa(idx+1)+" "+r.Name), inner, s.Symbols.Ellipsis))

	valStyle := s.Replica.Value
	if conflict {
		valStyle = s.Replica.Conflict
	}
	prefix := ""
	if changed {
		prefix = s.Replica.Changed.Render(s.Symbols.Changed) + " "
	}
	pw := ansi.StringWidth(prefix)
	vals := wrapLines(r.ValueString(lane), inner-pw, l.ValueLines, s.Symbols.Ellipsis)
	for i := range l.ValueLines {
		text := ""
		if i < len(vals) {
			text = valStyle.Render(vals[i])
		}
		if i == 0 {
			text = prefix + text
		} else if pw > 0 {
			text = strings.Repeat(" ", pw) + text
		}
		lines = append(lines, text)
	}
	lines = append(lines, s.Replica.Edits.Render(editsLine(r.History(lane), inner, s.Symbols)))
	if internals {
		lines = append(lines, internalsLines(r.Internals(), inner, l.Internals, s)...)
	}
	return frame(fit(strings.Join(lines, "\n"), inner, h-2), inner, style)
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

// internalsLines shows a CRDT's metadata in at most n lines: its sections
// ("P: Alice:2 · N: none"), wrapped, and its size on the last line.
func internalsLines(in crdt.Internals, w, n int, s Styles) []string {
	if n <= 0 {
		return nil
	}
	var parts []string
	for _, sec := range in.Sections {
		items := strings.Join(sec.Items, ", ")
		if items == "" {
			items = "none"
		}
		parts = append(parts, sec.Name+": "+items)
	}
	var out []string
	if n > 1 {
		out = wrapLines(strings.Join(parts, " "+s.Symbols.Dot+" "), w, n-1, s.Symbols.Ellipsis)
	}
	out = append(out, in.Size())
	for i := range out {
		out[i] = s.Replica.Internals.Render(out[i])
	}
	return out
}

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
		return names[i]
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

func links(c *replicas.Cluster, s Styles, w, n int) ([]string, []Hit) {
	label := s.App.Muted.Render("links:")
	for _, short := range []bool{false, true} {
		if lines, hits, ok := placeLinks(linkTokens(c, s, short), label, w, n); ok {
			return lines, hits
		}
	}
	lines, hits, _ := placeLinks(linkTokens(c, s, true), label, w, n)
	return lines, hits
}

// narrationHeight is how many lines the narration takes above the
// messages and log, or 0 when it shares their tabs instead.
func narrationHeight(st State, l Layout) int {
	p := l.Pane
	if !st.Demo || p.H < 8 {
		return 0
	}
	// The narration is what a student reads in a demo: it gets what it
	// needs, leaving the messages and log at least their tab bar and 3 lines.
	return min(max(3, p.H-4), len(st.Expects)+lineCount(st.Narration, p.W))
}

// LogArea is the size the event log gets on screen, so that the model can
// size its viewport to match what is drawn.
func LogArea(st State, l Layout) (int, int) {
	p := l.Pane
	nh := narrationHeight(st, l)
	h := p.H - nh
	if l.SideBySide && (nh > 0 || !st.Demo) && h >= 2 && st.Pane != PaneDetails {
		return p.W - p.W*2/5, h - 1
	}
	return p.W, h - 1
}

// DetailLines shows one replica in full, wrapped to width: both values
// whole (however long), the edits each reflects, and all its metadata.
func DetailLines(r *replicas.Replica, index int, w int) []string {
	wrap := func(indent, text string) []string {
		var out []string
		for _, ln := range strings.Split(ansi.Wrap(text, max(10, w-len(indent)), " "), "\n") {
			out = append(out, indent+ln)
		}
		return out
	}
	lines := []string{fmt.Sprintf("%d %s: everything it holds", index+1, r.Name)}
	for _, l := range replicas.Lanes {
		name := "plain value"
		if l == replicas.CRDT {
			name = "crdt value"
		}
		lines = append(lines, name+":")
		lines = append(lines, wrap("  ", r.ValueString(l))...)
		lines = append(lines, wrap("  ", fmt.Sprintf("reflects %d edits: %s", r.History(l).Len(), r.History(l)))...)
	}
	in := r.Internals()
	lines = append(lines, "metadata: "+in.Size())
	for _, sec := range in.Sections {
		items := strings.Join(sec.Items, ", ")
		if items == "" {
			items = "none"
		}
		lines = append(lines, wrap("  ", sec.Name+": "+items)...)
	}
	return lines
}

func pane(st State, s Styles, l Layout) string {
	p := l.Pane
	if nh := narrationHeight(st, l); nh > 0 {
		top := Narration(st, s, p.W, nh)
		rest := tabsOrSide(st, s, l, p.W, p.H-nh, false)
		return fit(top+"\n"+rest, p.W, p.H)
	}
	return fit(tabsOrSide(st, s, l, p.W, p.H, st.Demo), p.W, p.H)
}

func lineCount(text string, w int) int {
	if w <= 0 {
		return 1
	}
	return len(strings.Split(ansi.Hardwrap(text, w, true), "\n"))
}

// tabsOrSide shows messages and log side by side on wide screens, or one
// of them (or the narration, when withNarration) under tabs.
func tabsOrSide(st State, s Styles, l Layout, w, h int, withNarration bool) string {
	msgs := len(st.Cluster.InFlight())
	if l.SideBySide && !withNarration && h >= 2 && st.Pane != PaneDetails {
		lw := w * 2 / 5
		left := s.Pane.Title.Render(fmt.Sprintf("Messages in flight (%d)", msgs)) + "\n" + Messages(st, s, lw-1, h-1)
		right := s.Pane.Title.Render("Event log") + "\n" + st.Log
		return joinFitted(fit(left, lw-1, h), fit("", 1, h), fit(right, w-lw, h))
	}
	tabs := []struct {
		p    Pane
		name string
	}{{PaneMessages, fmt.Sprintf("Messages (%d)", msgs)}, {PaneLog, "Log"}, {PaneDetails, "Details"}}
	if withNarration {
		tabs = append([]struct {
			p    Pane
			name string
		}{{PaneNarration, "Narration"}}, tabs...)
	}
	cur := st.Pane
	if !withNarration && cur == PaneNarration {
		cur = PaneMessages
	}
	var bar []string
	for _, t := range tabs {
		if t.p == cur {
			bar = append(bar, s.Pane.TabActive.Render(t.name))
		} else {
			bar = append(bar, s.Pane.TabInactive.Render(t.name))
		}
	}
	head := strings.Join(bar, " ") + s.App.Muted.Render("  (v switches)")
	var body string
	switch cur {
	case PaneNarration:
		body = Narration(st, s, w, h-1)
	case PaneMessages:
		body = Messages(st, s, w, h-1)
	case PaneDetails:
		body = st.Details
	default:
		body = st.Log
	}
	return fit(head+"\n"+body, w, h)
}

// Narration renders the step's text and its expectations.
func Narration(st State, s Styles, w, h int) string {
	var lines []string
	label := st.StepLabel
	if label != "" {
		label = strings.ToUpper(label[:1]) + label[1:] + ": "
	}
	lines = append(lines, strings.Split(ansi.Wordwrap(s.Pane.Title.Render(label)+s.Pane.Text.Render(st.Narration), w, " "), "\n")...)
	for _, e := range st.Expects {
		if e.Pass {
			lines = append(lines, s.Expect.Pass.Render(s.Symbols.Check)+" "+e.Text)
		} else {
			lines = append(lines, s.Expect.Fail.Render(s.Symbols.Cross)+" "+e.Text+s.App.Muted.Render(" (got "+e.Got+")"))
		}
	}
	return fit(strings.Join(lines, "\n"), w, h)
}

// Messages lists the messages in flight, the selected one marked.
func Messages(st State, s Styles, w, h int) string {
	c := st.Cluster
	msgs := c.InFlight()
	if len(msgs) == 0 {
		return fit(s.App.Muted.Render("nothing in flight (m sends, s syncs)"), w, h)
	}
	// Keep the selection in view.
	first := 0
	if st.Selected >= h {
		first = st.Selected - h + 1
	}
	var lines []string
	for i := first; i < len(msgs) && len(lines) < h; i++ {
		m := msgs[i]
		text := fmt.Sprintf("#%d %s %s %s %s age %d %s plain %s %s crdt %s", m.ID, m.From, s.Symbols.Arrow, m.To, s.Symbols.Dot,
			c.Tick()-m.SentTick, s.Symbols.Dot, m.Value(replicas.Plain), s.Symbols.Dot, m.Value(replicas.CRDT))
		if m.CopyOf != 0 {
			text += fmt.Sprintf(" (copy of #%d)", m.CopyOf)
		}
		if !c.Up(m.From, m.To) {
			text += " (link cut: waits)"
		}
		if i == st.Selected {
			lines = append(lines, s.Pane.Selected.Render(s.Symbols.Selected+" "+text))
		} else {
			lines = append(lines, "  "+text)
		}
	}
	return fit(strings.Join(lines, "\n"), w, h)
}
