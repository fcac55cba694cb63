package ui

import (
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"crdtviz/replicas"
)

// narrationHeight is how many lines the narration takes above the
// messages and log, or 0 when it shares their tabs instead.
func narrationHeight(st State, l Layout) int {
	p := l.Pane
	if !st.Demo || p.H < 8 {
		return 0
	}
	// The narration is what a student reads in a demo: it gets what it
	// needs, leaving the messages and log at least their tab bar and 3 lines.
	// Beside the diagram it gets a fifth of the pane (at least 3 lines),
	// and scrolls.
	// A question keeps its choices in view even there: the class answers
	// from them.
	most := max(3, p.H-4)
	if st.Pane == PaneDiagram {
		most = max(3, p.H/5, min(p.H-4, len(askLines(st, Styles{}, p.W, askLabel(st)))+1)) // +1: "… more lines"
	}
	return min(most, len(NarrationLines(st, Styles{}, p.W)))
}

// LogArea is the size the event log gets on screen, so that the model can
// size its viewport to match what is drawn.
func LogArea(st State, l Layout) (int, int) {
	p := l.Pane
	nh := narrationHeight(st, l)
	h := p.H - nh
	if sideBySide(st, l, h, nh == 0 && st.Demo) {
		return p.W - sideSplit(p.W), h - 1
	}
	return p.W, h - 1
}

// DetailLines shows one replica in full, wrapped to width: both values
// whole (however long), the edits each reflects, and all its metadata, in
// the styles' characters.
func DetailLines(r *replicas.Replica, index int, w int, s Styles) []string {
	wrap := func(indent, text string) []string {
		var out []string
		for _, ln := range strings.Split(ansi.Wrap(s.Text(text), max(10, w-len(indent)), " "), "\n") {
			out = append(out, indent+ln)
		}
		return out
	}
	lines := []string{s.Text(fmt.Sprintf("%d %s: everything it holds", index+1, r.Name))}
	for _, l := range replicas.Lanes {
		name := "plain value"
		if l == replicas.CRDT {
			name = "crdt value"
		}
		lines = append(lines, name+":")
		lines = append(lines, wrap("  ", r.ValueString(l))...)
		lines = append(lines, wrap("  ", fmt.Sprintf("reflects %s: %s", replicas.Plural(r.History(l).Len(), "edit"), r.History(l)))...)
		lines = append(lines, wrap("  ", fmt.Sprintf("has seen %s: %s", replicas.Plural(r.Knows(l).Len(), "edit"), r.Knows(l)))...)
	}
	in := r.Internals()
	lines = append(lines, s.Text("metadata: "+in.Size()))
	for _, sec := range in.Sections {
		items := strings.Join(sec.Items, ", ")
		if items == "" {
			items = "none"
		}
		lines = append(lines, wrap("  ", sec.Name+": "+items)...)
	}
	return lines
}

// pane draws the bottom pane. Its parts are each exactly their size (the
// narration and tabsOrSide fit themselves), so the whole is not measured
// again.
//
// It returns the pane as blocks of whole lines, top to bottom, which the
// screen joins with its other parts once.
func pane(st State, s Styles, l Layout) []string {
	p := l.Pane
	if nh := narrationHeight(st, l); nh > 0 {
		top := Narration(st, s, p.W, nh)
		if p.H-nh <= 0 {
			return []string{top}
		}
		return append([]string{top}, tabsOrSide(st, s, l, p.W, p.H-nh, false)...)
	}
	return tabsOrSide(st, s, l, p.W, p.H, st.Demo)
}

// LogShown reports whether the event log is on screen (its tab, or side by
// side with the messages), so that the model renders it only then.
func LogShown(st State, l Layout) bool {
	if l.TooSmall || st.DiagramFull {
		return false
	}
	p := l.Pane
	nh := narrationHeight(st, l)
	if sideBySide(st, l, p.H-nh, nh == 0 && st.Demo) {
		return true
	}
	return st.Pane == PaneLog
}

// paneSpec is one tab of the bottom pane: its tab label (short and long,
// for the side-by-side title) and how to draw its body. A new pane is one
// row of panes.
type paneSpec struct {
	pane Pane
	tab  func(st State) string // the tab's label
	long func(st State) string // the title when it stands alone, side by side
	draw func(st State, s Styles, w, h int) string
	// side is set for the panes shown side by side on wide screens.
	side bool
	// exact, when set, draws the body as blocks of lines that are
	// exactly w×h cells in all, so that the tab bar and the body need not
	// be measured again, nor joined before the screen joins its parts.
	exact func(st State, s Styles, w, h int) []string
}

// panes lists the bottom pane's tabs in the order v cycles through them.
var panes = []paneSpec{
	{pane: PaneNarration, tab: func(State) string { return "Narration" }, draw: Narration},
	{pane: PaneMessages, side: true,
		tab:  func(st State) string { return fmt.Sprintf("Messages (%d)", len(st.Cluster.InFlight())) },
		long: func(st State) string { return fmt.Sprintf("Messages in flight (%d)", len(st.Cluster.InFlight())) },
		draw: func(st State, s Styles, w, h int) string {
			return st.Boxes.ofCluster(st.Cluster, "messages", st.Selected, w, h, s, func() string { return Messages(st, s, w, h) })
		}},
	{pane: PaneLog, side: true, tab: func(State) string { return "Log" }, long: func(State) string { return "Event log" },
		draw: func(st State, _ Styles, _, _ int) string { return st.Log }},
	{pane: PaneDetails, tab: func(State) string { return "Details" },
		draw: func(st State, _ Styles, _, _ int) string { return st.Details }},
	{pane: PaneDiagram, tab: func(State) string { return "Diagram" }, draw: diagramPane, exact: diagramBlocks},
}

// diagramPane is the space-time diagram in w×h, with the selected
// message's payloads, or a hint, on its last line. A student's message
// (the lab) shows its JSON body there: on the full screen, pretty, on up
// to a third of the lines.
func diagramPane(st State, s Styles, w, h int) string {
	return strings.Join(diagramBlocks(st, s, w, h), "\n")
}

// diagramBlocks is diagramPane as blocks of lines: the diagram, drawn
// again only when it or its view changed, and the line under it.
func diagramBlocks(st State, s Styles, w, h int) []string {
	if st.Diagram == nil || h <= 0 {
		return []string{fit("", w, h)}
	}
	view := DiagramView{W: w, H: max(1, h-1), Offset: st.DiagramOffset}
	foot := []string{s.App.Muted.Render(clipLineWith(s.Text("↑/↓ select a message · [ ] scroll · G full screen · g closes"), w, s.Symbols.Ellipsis))}
	switch {
	case st.DiagramSelected != nil:
		view.Selected = st.DiagramSelected.ID
	case st.DiagramYours != nil:
		view.Selected = st.DiagramYoursID
		n := 1
		if st.DiagramFull {
			n = max(1, h/3)
		}
		foot = YoursMessageLines(st.DiagramYours, s, w, n)
	}
	if m := st.DiagramSelected; m != nil {
		foot = []string{st.Boxes.messageLine(m, s, w)}
	}
	if h <= len(foot) {
		return []string{fit(strings.Join(foot, "\n"), w, h)}
	}
	view.H = h - len(foot)
	drawn := st.Boxes.drawDiagram(st.DiagramKey, view, s, func() string { return DrawDiagram(*st.Diagram, view, s) })
	return []string{drawn, fit(strings.Join(foot, "\n"), w, len(foot))} // both exactly w wide
}

// MessageLine is one message and both its payloads on one line: "#5
// Server 3 → Server 2, taken at tick 7 · plain "Ext…" · crdt "Ext…"".
func MessageLine(m *replicas.Message, s Styles, w int) string {
	dot := " " + s.Symbols.Dot + " "
	text := fmt.Sprintf("%s %s %s %s, taken at tick %d%s%s", replicas.MsgName(m.ID), s.Text(m.From), s.Symbols.Arrow, s.Text(m.To), m.SentTick, dot, payloads(m, w, dot, s))
	if m.CopyOf != 0 {
		text += " (copy of " + replicas.MsgName(m.CopyOf) + ")"
	}
	return s.Pane.Selected.Render(clipWords(text, w, s.Symbols.Ellipsis))
}

// payloads is a message's two payloads with what each weighs: "plain 1200
// (4 B) · crdt 1200 (15 B)", "plain nothing new · crdt ops A3 (44 B)".
func payloads(m *replicas.Message, w int, dot string, s Styles) string {
	plain := "plain nothing new"
	if m.CarriesPlain() {
		plain = "plain " + clip(s.Text(m.ValueString(replicas.Plain)), w, s.Symbols.Ellipsis) + " (" + replicas.SizeText(int64(m.Bytes(replicas.Plain))) + ")"
	}
	return plain + dot + "crdt " + clip(s.Text(m.PayloadText()), w, s.Symbols.Ellipsis) + " (" + replicas.SizeText(int64(m.Bytes(replicas.CRDT))) + ")"
}

// NextPane is the tab after p. The narration is a tab only in a demo
// (withNarration), where it may also have its own area instead.
func NextPane(p Pane, withNarration bool) Pane {
	i := slices.IndexFunc(panes, func(ps paneSpec) bool { return ps.pane == p })
	for k := 1; k <= len(panes); k++ {
		next := panes[(i+k)%len(panes)]
		if next.pane != PaneNarration || withNarration {
			return next.pane
		}
	}
	return p
}

// shownAs names what the bottom pane draws for a tab: tabs that draw the
// same thing (the messages and the log side by side, or the narration
// tab when the narration has its own area) name the same view.
func shownAs(st State, l Layout) Pane {
	p := l.Pane
	nh := narrationHeight(st, l)
	withNarration := nh == 0 && st.Demo
	if sideBySide(st, l, p.H-nh, withNarration) {
		return PaneMessages // the messages and the log, side by side
	}
	if st.Pane == PaneNarration && !withNarration {
		return PaneMessages
	}
	return st.Pane
}

// NextPaneShown is the tab after st.Pane that shows something else, so
// that v never seems to do nothing: at 120 columns, where the messages and
// the log sit side by side, one press goes from them to the details.
func NextPaneShown(st State, l Layout) Pane {
	now := shownAs(st, l)
	p := st.Pane
	for range panes {
		p = NextPane(p, st.Demo)
		next := st
		next.Pane = p
		if shownAs(next, l) != now {
			return p
		}
	}
	return NextPane(st.Pane, st.Demo)
}

// sideSplit is where the messages end and the log begins, side by side:
// two fifths for the messages, but at least 72 columns (up to three
// fifths), so that a message and both its payloads fit on one line at 120
// columns.
func sideSplit(w int) int { return max(w*2/5, min(w*3/5, 72)) }

// sideBySide reports whether the pane shows the side-by-side panes
// (messages and log) together, as wide screens do.
func sideBySide(st State, l Layout, h int, withNarration bool) bool {
	i := slices.IndexFunc(panes, func(ps paneSpec) bool { return ps.pane == st.Pane })
	return l.SideBySide && !withNarration && h >= 2 && (i < 0 || panes[i].side || panes[i].pane == PaneNarration)
}

// tabsOrSide shows messages and log side by side on wide screens, or one
// pane (the narration only when withNarration) under tabs.
func tabsOrSide(st State, s Styles, l Layout, w, h int, withNarration bool) []string {
	if sideBySide(st, l, h, withNarration) {
		var blocks []string
		x := 0
		for _, ps := range panes {
			if !ps.side {
				continue
			}
			pw := w - x // the last side pane takes the rest
			if len(blocks) == 0 {
				pw = sideSplit(w) - 1
			}
			blocks = append(blocks, st.Boxes.fit(s.Pane.Title.Render(ps.long(st)), ps.draw(st, s, pw, h-1), pw, h))
			x += pw
			if len(blocks) == 1 {
				blocks = append(blocks, fit("", 1, h))
				x++
			}
		}
		return []string{st.Boxes.joinFitted(blocks...)}
	}
	cur := st.Pane
	if !withNarration && cur == PaneNarration {
		cur = PaneMessages
	}
	tk := tabsKey{cur: cur, w: w, theme: s.Theme, ascii: s.Symbols == ASCIISymbols}
	draw, exact := panes[1].draw, panes[1].exact
	for i, ps := range panes {
		if ps.pane == PaneNarration && !withNarration {
			continue
		}
		tk.tabs[i] = ps.tab(st)
		if ps.pane == cur {
			draw, exact = ps.draw, ps.exact
		}
	}
	head := st.Boxes.tabBar(tk, func() string { return tabBar(tk, s) })
	if exact != nil && h > 1 {
		return append([]string{fit(head, w, 1)}, exact(st, s, w, h-1)...)
	}
	return []string{fit(head+"\n"+draw(st, s, w, h-1), w, h)}
}

// tabBar is the pane's tab bar: each tab's label, the current one
// highlighted, then how to switch.
func tabBar(tk tabsKey, s Styles) string {
	var bar []string
	for i, ps := range panes {
		switch {
		case tk.tabs[i] == "": // not a tab here
		case ps.pane == tk.cur:
			bar = append(bar, s.Pane.TabActive.Render(tk.tabs[i]))
		default:
			bar = append(bar, s.Pane.TabInactive.Render(tk.tabs[i]))
		}
	}
	return strings.Join(bar, " ") + s.App.Muted.Render("  (v switches)")
}

// NarrationLines is the step's text, wrapped to w, and its expectations,
// one line each. While the class predicts, the question and its choices
// come first, then what the step does (the narration would give the
// outcome away).
func NarrationLines(st State, s Styles, w int) []string {
	var lines []string
	label := askLabel(st)
	if st.Ask != nil {
		lines = append(lines, askLines(st, s, w, label)...)
		if st.Narration != "" {
			lines = append(lines, WrapText(s.Pane.Text.Render(st.Narration), w)...)
		}
		return append(lines, expectLines(st, s, w)...)
	}
	lines = append(lines, WrapText(s.Pane.Title.Render(label)+s.Pane.Text.Render(st.Narration), w)...)
	return append(lines, expectLines(st, s, w)...)
}

// expectLines are the step's expectations, one line each, cut with an
// ellipsis to w cells.
func expectLines(st State, s Styles, w int) []string {
	var lines []string
	for _, e := range st.Expects {
		where := ""
		if e.Where != "" {
			where = s.App.Muted.Render(" [" + e.Where + "]")
		}
		if e.Pass {
			lines = append(lines, clipLineWith(s.Expect.Pass.Render(s.Symbols.Check)+" "+e.Text+where, w, s.Symbols.Ellipsis))
		} else {
			lines = append(lines, clipLineWith(s.Expect.Fail.Render(s.Symbols.Cross)+" "+e.Text+s.App.Muted.Render(" (got "+e.Got+")")+where, w, s.Symbols.Ellipsis))
		}
	}
	return lines
}

// askLabel is the step's label as the narration begins with it: "Step
// 4/6 · question: ".
func askLabel(st State) string {
	if st.StepLabel == "" {
		return ""
	}
	return strings.ToUpper(st.StepLabel[:1]) + st.StepLabel[1:] + ": "
}

// askLines are the step's question, after label, and its lettered
// choices.
func askLines(st State, s Styles, w int, label string) []string {
	if st.Ask == nil {
		return nil
	}
	q := s.Pane.Title.Render(label) + s.Pane.Title.Render(st.Ask.Text)
	lines := WrapText(q, w)
	var choices []string
	for k, c := range st.Ask.Choices {
		choices = append(choices, s.App.Key.Render(string(rune('a'+k))+")")+" "+c)
	}
	if len(choices) > 0 {
		lines = append(lines, WrapText("  "+strings.Join(choices, "   "), w)...)
	}
	return lines
}

// Narration renders the step's text and its expectations in h lines,
// from st.NarrationOffset on. When they do not all fit, the last line says
// that ] shows more (and [ goes back).
func Narration(st State, s Styles, w, h int) string {
	lines := NarrationLines(st, s, w)
	if h <= 0 {
		return ""
	}
	off := min(max(st.NarrationOffset, 0), max(0, len(lines)-h))
	lines = lines[off:]
	if len(lines) > h {
		more := fmt.Sprintf("%s %d more lines: ] scrolls down", s.Symbols.Ellipsis, len(lines)-h+1)
		if off > 0 {
			more += ", [ up"
		}
		lines = append(lines[:h-1], s.App.Notice.Render(more))
	} else if off > 0 && h > 1 {
		lines = append(lines, s.App.Muted.Render("[ scrolls up"))
	}
	return fit(strings.Join(lines, "\n"), w, h)
}

// NarrationCut reports whether the narration shows now and does not fit,
// so that [ and ] scroll it rather than the log.
func NarrationCut(st State, l Layout) bool {
	if !st.Demo || l.TooSmall {
		return false
	}
	p := l.Pane
	if nh := narrationHeight(st, l); nh > 0 {
		return len(NarrationLines(st, Styles{}, p.W)) > nh
	}
	return st.Pane == PaneNarration && len(NarrationLines(st, Styles{}, p.W)) > p.H-1
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
		dot := " " + s.Symbols.Dot + " "
		text := fmt.Sprintf("%s %s %s %s%s%s%sage %d", replicas.MsgName(m.ID), s.Text(m.From), s.Symbols.Arrow, s.Text(m.To), dot, payloads(m, w, dot, s), dot, c.Tick()-m.SentTick)
		if m.CopyOf != 0 {
			text += " (copy of " + replicas.MsgName(m.CopyOf) + ")"
		}
		if !c.Up(m.From, m.To) {
			text += " (link cut: waits)"
		}
		// Cut at a word, never in the middle of one.
		text = clipWords(text, w-2, s.Symbols.Ellipsis)
		if i == st.Selected {
			lines = append(lines, s.Pane.Selected.Render(s.Symbols.Selected+" "+text))
		} else {
			lines = append(lines, "  "+text)
		}
	}
	return fit(strings.Join(lines, "\n"), w, h)
}
