package ui

import (
	"fmt"
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"crdtviz/replicas"
)

// Screen renders a whole frame. Every line is exactly l.W cells wide and
// there are exactly l.H lines.
func Screen(st State, s Styles, l Layout) string {
	if l.TooSmall {
		return tooSmall(l.W, l.H, MinHeightFor(l.Yours), s)
	}
	if st.DiagramFull {
		return DiagramScreen(st, s, l.W, l.H)
	}
	c := st.Cluster
	strip := st.Boxes.ofCluster(c, "links", 0, l.W, l.Network.H, s, func() string {
		return fit(strings.Join(LinkLines(c, s, l.W, l.Network.H), "\n"), l.W, l.Network.H)
	})
	var parts []string
	if l.Compact {
		parts = []string{header(st, s, l.W), compactTitle(st, s, l.W), compactBoxes(st, s, l), strip}
	} else {
		parts = []string{
			header(st, s, l.W),
			laneTitle(st, replicas.Plain, "Plain overwrite", s, l.W),
			boxes(st, replicas.Plain, s, l, l.PlainBoxes.H),
			laneTitle(st, replicas.CRDT, crdtTitle(c), s, l.W),
			boxes(st, replicas.CRDT, s, l, l.CRDTBoxes.H),
		}
		if l.Yours && st.Yours != nil {
			parts = append(parts, yoursTitle(st.Yours, st.Yours.Title, s, l.W), yoursBoxes(st, s, l))
		}
		parts = append(parts, strip)
	}
	parts = append(parts, pane(st, s, l)...)
	parts = append(parts, st.Boxes.line(st.Status, l.W, s), fit(st.Bar, l.W, 1))
	return strings.Join(parts, "\n")
}

// TooSmall is the screen shown below the minimum size.
func TooSmall(w, h int, s Styles) string { return tooSmall(w, h, MinHeight, s) }

// TooSmallFor is the screen shown below the minimum size of a screen
// with the third band (yours) or without.
func TooSmallFor(w, h int, yours bool, s Styles) string {
	return tooSmall(w, h, MinHeightFor(yours), s)
}

func tooSmall(w, h, minH int, s Styles) string {
	msg := fmt.Sprintf("terminal too small: need at least %dx%d, now %dx%d", MinWidth, minH, w, h)
	lines := []string{msg, "make the window larger, or press q to quit"}
	if w < ansi.StringWidth(msg) {
		lines = []string{"too small", fmt.Sprintf("need %dx%d", MinWidth, minH), fmt.Sprintf("now %dx%d", w, h), "q quits"}
	}
	body := s.App.Error.Render(strings.Join(lines, "\n"))
	return fit(lipgloss.Place(max(w, 1), max(h, 1), lipgloss.Center, lipgloss.Center, body), w, h)
}

// header is the first line: the app, the title and where the demo is on
// the left, notices and the tick on the right. When it does not fit, the
// title is cut first: where the demo is ("branched at step 2/6") stays.
func header(st State, s Styles, w int) string {
	return st.Boxes.header(headerKey{st.Title, st.StepLabel, st.Notice, st.Warning, st.Cluster.Tick(), w, s.Theme, s.Symbols == ASCIISymbols},
		func() string { return drawHeader(st, s, w) })
}

func drawHeader(st State, s Styles, w int) string {
	title := strings.ReplaceAll(st.Title, "\n", " ") // the header is one line
	dot := s.App.Muted.Render(" " + s.Symbols.Dot + " ")
	label := ""
	if st.StepLabel != "" {
		label = dot + s.App.Header.Render(st.StepLabel)
	}
	right := s.App.Muted.Render(fmt.Sprintf("tick %d", st.Cluster.Tick()))
	if st.Notice != "" {
		right = s.App.Notice.Render(st.Notice) + "  " + right
	}
	if st.Warning != "" {
		right = s.App.Error.Render(s.Symbols.Cross+" "+st.Warning) + "  " + right
	}
	app := s.App.Title.Render("crdtviz")
	room := w - ansi.StringWidth(right) - 2 - ansi.StringWidth(app) - ansi.StringWidth(dot) - ansi.StringWidth(label)
	switch tw := ansi.StringWidth(title); {
	case tw <= room:
	case room >= 4:
		title = ansi.Truncate(title, room, s.Symbols.Ellipsis)
	default:
		title = "" // no room for a word of it: where the demo is matters more
	}
	if title != "" {
		app += dot + s.App.Header.Render(title)
	}
	return spreadWith(app+label, right, w, s.Symbols.Ellipsis)
}

// StatusText is a lane's banner in words and symbols: "CONVERGED ✓",
// "EQUAL ⋯ Bob hasn't seen #1, #2", "PENDING ⋯ Carol hasn't seen #2", or
// "DIVERGED ✗ Server 2 and Server 3 each saw #1 #2 #3".
func StatusText(stt replicas.Status, sym Symbols) string {
	head := statusHead(stt, sym)
	if r := stt.Reason(); r != "" {
		return head + " " + r
	}
	return head
}

func statusHead(stt replicas.Status, sym Symbols) string {
	switch stt.Kind {
	case replicas.Converged:
		return "CONVERGED " + sym.Check
	case replicas.Equal:
		return "EQUAL " + sym.Pending
	case replicas.Pending:
		return "PENDING " + sym.Pending
	}
	return "DIVERGED " + sym.Cross
}

// laneTitle is a lane's title line.
func laneTitle(st State, lane replicas.Lane, title string, s Styles, w int) string {
	return st.Boxes.ofCluster(st.Cluster, lane.String()+" lane: "+title, 0, w, 1, s, func() string {
		return bandTitle(st.Cluster, lane, title+sentText(st.Cluster, lane, s, false), s, w)
	})
}

// sentText is what a lane has sent so far, after its title: " · 12 msgs ·
// 3.4 KB", for the plain lane " · 10 msgs (6 with a value) · 72 B"
// (short: " · 3.4 KB"), or "" before any message.
func sentText(c *replicas.Cluster, lane replicas.Lane, s Styles, short bool) string {
	n, b := c.Sent(lane)
	if n == 0 {
		return ""
	}
	dot := " " + s.Symbols.Dot + " "
	if short {
		return dot + replicas.SizeText(b)
	}
	msgs := "msgs"
	if n == 1 {
		msgs = "msg"
	}
	if v := c.SentValues(); lane == replicas.Plain && v < n {
		msgs += fmt.Sprintf(" (%d with a value)", v)
	}
	return fmt.Sprintf("%s%d %s%s%s", dot, n, msgs, dot, replicas.SizeText(b))
}

// crdtTitle is the CRDT lane's title: its type, and its mode unless it is
// state-based.
func crdtTitle(c *replicas.Cluster) string {
	t := "CRDT: " + string(c.Type())
	switch c.Mode() {
	case replicas.ModeOp:
		t += ", op-based"
	case replicas.ModeDelta:
		t += ", delta-based"
	}
	return t
}

// DiagramScreen is the space-time diagram on the whole screen (G): the
// header, the diagram, the selected message's payloads, the status line
// and the help bar.
func DiagramScreen(st State, s Styles, w, h int) string {
	body := max(1, h-3)
	parts := []string{header(st, s, w), diagramPane(st, s, w, body), st.Boxes.line(st.Status, w, s), fit(st.Bar, w, 1)}
	return fit(strings.Join(parts, "\n"), w, h)
}

// bandTitle is a lane's title line: its name and what it sent on the
// left; on the right its status headline, the reason (who hasn't seen
// what, or which two replicas saw the same edits), and the lost and
// declined edits. The names the reason gives are what a step is about, so
// when the line is too narrow it gives up, in turn: the message count
// (keeping the bytes), the tally's words ("lost #2" for "lost edits: 1
// (#2)"), the reason's words ("Ann lacks #2 · Cat lacks #2"), then the
// bytes (and the reason and tally get their words back if they now fit),
// the edit ids after the names ("Ann, Cat lack edits"), the tally's ids,
// and the words after the names. Only then is the reason cut, at a whole
// part, and marked with an ellipsis. The headline always stays.
func bandTitle(c *replicas.Cluster, lane replicas.Lane, title string, s Styles, w int) string {
	stt := c.Status(lane)
	style := s.Band.Converged
	switch stt.Kind {
	case replicas.Pending, replicas.Equal:
		style = s.Band.Pending
	case replicas.Diverged:
		style = s.Band.Diverged
	}
	head := statusHead(stt, s.Symbols)
	// The title's parts: its name, then " · 12 msgs", then " · 3.4 KB".
	dot := " " + s.Symbols.Dot + " "
	parts := strings.Split(title, dot)
	titles := []string{title}
	if len(parts) == 3 {
		titles = append(titles, parts[0]+dot+parts[2])
	}
	if len(parts) > 1 {
		titles = append(titles, parts[0])
	}
	reasons := []string{s.Text(stt.Reason()), s.Text(compactReason(stt)), s.Text(namesReason(stt, true)), s.Text(namesReason(stt, false))}
	tallies := []string{s.Text(stt.Tally()), s.Text(compactTally(stt, true)), s.Text(compactTally(stt, false))}
	type form struct{ title, reason, tally int }
	// The title's forms: whole, the bytes alone, the name alone.
	full, bytes, bare := 0, min(1, len(titles)-1), len(titles)-1
	forms := []form{{full, 0, 0}, {bytes, 0, 0}, {bytes, 0, 1}, {bytes, 1, 1},
		{bare, 0, 0}, {bare, 1, 1}, {bare, 2, 1}, {bare, 2, 2}, {bare, 3, 2}}
	width := func(f form) int {
		n := ansi.StringWidth(titles[f.title]) + 2 + ansi.StringWidth(head)
		if r := reasons[f.reason]; r != "" {
			n += 1 + ansi.StringWidth(r)
		}
		if t := tallies[f.tally]; t != "" {
			n += 2 + ansi.StringWidth(t)
		}
		return n
	}
	f := forms[len(forms)-1]
	for _, g := range forms {
		if width(g) <= w {
			f = g
			break
		}
	}
	left, reason, tally := titles[f.title], reasons[f.reason], tallies[f.tally]
	room := w - ansi.StringWidth(left) - 2 - ansi.StringWidth(head)
	if tally != "" {
		room -= 2
		if tw := ansi.StringWidth(tally); tw > room {
			tally = ansi.Truncate(tally, max(0, room), s.Symbols.Ellipsis)
		}
		room -= ansi.StringWidth(tally)
	}
	right := style.Render(head)
	if r := clipParts(reason, s.Text(" · "), room-1, s.Symbols.Ellipsis); r != "" {
		right += style.Render(" " + r)
	}
	if tally != "" {
		right += s.App.Muted.Render("  ") + s.Band.Lost.Render(tally)
	}
	return spreadWith(s.Band.Title.Render(left), right, w, s.Symbols.Ellipsis)
}

// compactReason is the status's reason in fewer words: "Server 2, Server
// 3 each saw #1 #2 #3", or "Ann lacks #2 · Cat lacks #2, #3".
func compactReason(stt replicas.Status) string {
	switch stt.Kind {
	case replicas.Diverged:
		return stt.Same[0] + ", " + stt.Same[1] + " each saw " + idWords(stt.Seen, 6, " ")
	case replicas.Pending, replicas.Equal:
		parts := make([]string, len(stt.Unseen))
		for i, u := range stt.Unseen {
			parts[i] = u.Replica + " lacks " + idWords(u.Edits, 3, ", ")
		}
		return strings.Join(parts, " · ")
	}
	return ""
}

// namesReason is the status's reason as the names alone: "Server 2 and
// Server 3" (who saw the same edits and differ), or "Ann, Cat lack
// edits" (without words, "Ann, Cat").
func namesReason(stt replicas.Status, words bool) string {
	switch stt.Kind {
	case replicas.Diverged:
		return stt.Same[0] + " and " + stt.Same[1]
	case replicas.Pending, replicas.Equal:
		names := make([]string, len(stt.Unseen))
		for i, u := range stt.Unseen {
			names[i] = u.Replica
		}
		switch {
		case len(names) == 0 || !words:
			return strings.Join(names, ", ")
		case len(names) == 1:
			return names[0] + " lacks edits"
		default:
			return strings.Join(names, ", ") + " lack edits"
		}
	}
	return ""
}

// compactTally is the lost and declined edits in fewer words: "lost #2 ·
// declined #3" with ids, "lost 1 · declined 1" without.
func compactTally(stt replicas.Status, ids bool) string {
	var parts []string
	for _, p := range []struct {
		word string
		ids  []replicas.EditID
	}{{"lost", stt.Lost}, {"declined", stt.Declined}} {
		switch {
		case len(p.ids) == 0:
		case ids:
			parts = append(parts, p.word+" "+idWords(p.ids, 3, " "))
		default:
			parts = append(parts, p.word+" "+strconv.Itoa(len(p.ids)))
		}
	}
	return strings.Join(parts, " · ")
}

// idWords is "#1 #2 #3", the first most of a longer list then "…".
func idWords(ids []replicas.EditID, most int, sep string) string {
	words := make([]string, 0, min(len(ids), most)+1)
	for _, id := range ids[:min(len(ids), most)] {
		words = append(words, id.String())
	}
	if len(ids) > most {
		words = append(words, "…")
	}
	return strings.Join(words, sep)
}

// clipParts fits text made of parts joined by sep into w cells, whole parts
// only: the parts that do not fit are replaced by ell. It returns "" when
// not even the first part fits.
func clipParts(text, sep string, w int, ell string) string {
	if text == "" || ansi.StringWidth(text) <= w {
		return text
	}
	parts := strings.Split(text, sep)
	out := ""
	for i, p := range parts {
		next := p
		if i > 0 {
			next = out + sep + p
		}
		if ansi.StringWidth(next)+ansi.StringWidth(sep+ell) > w {
			break
		}
		out = next
	}
	if out == "" {
		return clipWords(parts[0], w, ell)
	}
	return out + sep + ell
}

// clipWords cuts text to w cells at a space, never in the middle of a word,
// and marks the cut with ell. A first word longer than w is cut anyway.
func clipWords(text string, w int, ell string) string {
	if ansi.StringWidth(text) <= w {
		return text
	}
	room := w - ansi.StringWidth(ell)
	if room <= 0 {
		return ""
	}
	cut := ansi.Truncate(text, room+1, "")
	if i := strings.LastIndex(cut, " "); i > 0 {
		return strings.TrimRight(cut[:i], " ,·-") + ell
	}
	return ansi.Truncate(text, w, ell)
}
