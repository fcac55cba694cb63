package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"crdtviz/replicas"
)

// MaxClassBoxes is how many members (this one included) the class screen
// draws as boxes; a larger class is a table, one line per member.
const MaxClassBoxes = 8

// classBoxW is the narrowest a member's box is drawn; classBoxH its height.
const (
	classBoxW = 19
	classBoxH = 5
	// classBoxMaxW is the widest a box is drawn, so that a small class
	// does not stretch one value across the screen.
	classBoxMaxW = 40
)

// ClassState is what the class screen shows, as plain values (model/
// makes them from the class's snapshot): the header, each lane's status,
// the network, the members (this one first), the log's sentences (oldest
// first), the status line and the help bar, already drawn.
type ClassState struct {
	Name     string // this member
	Teacher  bool   // this member is the teacher
	Type     string
	Mode     string
	Addr     string
	Join     string // the line students type (the teacher's screen)
	Recorded bool   // the teacher records the class: every laptop keeps a record of its messages
	Dropped  int    // bad payloads dropped
	Forged   int    // of which forged: signed by someone else, or from no member
	Lanes    [2]ClassLane
	Groups   string   // the teacher's partition, as the prompt takes it; "" when whole
	CutOff   []string // members the partition cuts off from this one
	Room     string   // the teacher's hold or freeze, in words; "" when neither
	Removed  bool     // the teacher removed this member from the class
	Ask      []string // the room's question: its text, then its choices or tally
	Say      string   // what the teacher last said to the room
	Script   string   // the teacher's script: where it stands, and its next line
	Members  []ClassMember
	// Left is the members who left the class, by name: one line, not a
	// box or a row each (a class that many have joined and left stays
	// readable).
	Left   []string
	Log    []string
	Status string
	Bar    string
}

// ClassLane is a lane's status as far as this member knows: one of the
// simulator's words (CONVERGED, EQUAL, PENDING, DIVERGED) or ALONE, and
// what backs it, longest first.
type ClassLane struct {
	Word    string
	Details []string
	Others  bool // other members count: the banner says whose knowledge it is
}

// ClassMember is one member's box or row.
type ClassMember struct {
	Name  string
	Mine  bool   // this member
	State string // alive, suspect, dead, left, cut off
	Heard bool   // its values have arrived
	Plain string
	CRDT  string
	Same  [2]bool // per lane (replicas.Plain, replicas.CRDT): equal to this member's
}

// ClassScreen renders the class screen: exactly w×h cells.
func ClassScreen(st ClassState, s Styles, w, h int) string {
	if w < MinWidth || h < MinHeight {
		return TooSmall(w, h, s)
	}
	var top []string
	top = append(top, classHeader(st, s, w))
	if st.Join != "" {
		top = append(top, classJoin(st.Join, s, w)...)
	}
	top = append(top,
		classBanner(st, replicas.CRDT, "CRDT", s, w),
		classBanner(st, replicas.Plain, "Plain overwrite", s, w),
		classNetwork(st, s, w))
	if st.Room != "" {
		top = append(top, ansi.Truncate(s.Band.Pending.Render(st.Room), w, s.Symbols.Ellipsis))
	}
	if st.Say != "" {
		for _, part := range wrapLines(st.Say, w, 2, s.Symbols.Ellipsis) {
			top = append(top, s.App.Notice.Render(part))
		}
	}
	if st.Script != "" {
		top = append(top, ansi.Truncate(s.App.Muted.Render(st.Script), w, s.Symbols.Ellipsis))
	}
	for i, ln := range st.Ask {
		style := s.App.Notice
		if i == 0 {
			style = s.Band.Title
		}
		for _, part := range wrapLines(ln, w, 2, s.Symbols.Ellipsis) {
			top = append(top, style.Render(part))
		}
	}
	bottom := []string{fit(clipLine(st.Status, w), w, 1), fit(st.Bar, w, 1)}
	room := h - len(top) - len(bottom)
	members := room // for the boxes or the table
	if len(st.Left) > 0 {
		members-- // the line under them that says who left
	}
	var middle string
	total := len(st.Members)
	boxRows := classBoxRows(total, w)
	if total <= MaxClassBoxes && boxRows*classBoxH+2 <= members {
		valueLines := 1
		if boxRows*(classBoxH+2)+4 <= members {
			valueLines = 2 // room to wrap each value onto a second line
		}
		middle = classBoxes(st, s, w, valueLines)
	} else {
		middle = classTable(st, s, w, max(2, members*2/3))
	}
	if len(st.Left) > 0 {
		middle += "\n" + classLeft(st.Left, s, w)
	}
	used := strings.Count(middle, "\n") + 1
	logH := room - used
	lines := append(top, middle)
	if logH > 0 {
		lines = append(lines, classLog(st.Log, s, w, logH))
	}
	lines = append(lines, bottom...)
	return fit(strings.Join(lines, "\n"), w, h)
}

// classJoin is the join line: on one line when it fits ("Students join
// with: …", else "Join: …"), wrapped only on a screen too narrow for it.
func classJoin(join string, s Styles, w int) []string {
	for _, lead := range []string{"Students join with: ", "Join: ", ""} {
		if ansi.StringWidth(lead+join) <= w {
			return []string{s.App.Notice.Render(lead + join)}
		}
	}
	var out []string
	for _, ln := range wrapLines(join, w, 3, s.Symbols.Ellipsis) {
		out = append(out, s.App.Notice.Render(ln))
	}
	return out
}

func classHeader(st ClassState, s Styles, w int) string {
	who := "you are " + st.Name
	if st.Teacher {
		who += " (teacher)"
	}
	dot := " " + s.Symbols.Dot + " "
	rec := ""
	if st.Recorded {
		rec = dot + "recorded"
	}
	left := s.App.Title.Render("crdtviz") + s.App.Muted.Render(dot) + s.App.Header.Render(fmt.Sprintf("class%s%s by %s%s%s%s", dot, st.Type, st.Mode, rec, dot, who))
	right := s.App.Muted.Render(st.Addr)
	switch {
	case st.Forged > 0 && st.Dropped > st.Forged:
		right = s.App.Error.Render(fmt.Sprintf("%s dropped: %d forged, %d bad", s.Symbols.Cross, st.Forged, st.Dropped-st.Forged)) + "  " + right
	case st.Forged > 0:
		right = s.App.Error.Render(fmt.Sprintf("%s dropped: %d forged", s.Symbols.Cross, st.Forged)) + "  " + right
	case st.Dropped > 0:
		right = s.App.Error.Render(fmt.Sprintf("%s %d bad payloads dropped", s.Symbols.Cross, st.Dropped)) + "  " + right
	}
	if ansi.StringWidth(left)+2+ansi.StringWidth(right) > w && right != s.App.Muted.Render(st.Addr) {
		right = strings.TrimSuffix(right, "  "+s.App.Muted.Render(st.Addr)) // the note matters more than the address
	}
	return spread(left, right, w)
}

// classBanner is a lane's status word, as the simulator's banners say it,
// with the longest of its details that fits.
func classBanner(st ClassState, lane replicas.Lane, title string, s Styles, w int) string {
	l := st.Lanes[lane]
	style, sym := s.Band.Pending, s.Symbols.Pending
	switch l.Word {
	case "CONVERGED":
		style, sym = s.Band.Converged, s.Symbols.Check
	case "DIVERGED":
		style, sym = s.Band.Diverged, s.Symbols.Cross
	}
	knows := s.App.Muted.Render(" (as far as " + st.Name + " knows)")
	var candidates []string
	for _, d := range append(l.Details, "") {
		head := l.Word + " " + sym
		if d != "" {
			head += " " + d
		}
		text := s.Band.Title.Render(title+": ") + style.Render(head)
		if l.Others {
			candidates = append(candidates, text+knows)
		}
		candidates = append(candidates, text)
	}
	for _, c := range candidates {
		if ansi.StringWidth(c) <= w {
			return c
		}
	}
	return ansi.Truncate(candidates[len(candidates)-1], w, s.Symbols.Ellipsis)
}

// classNetwork is the line about the teacher's partition.
func classNetwork(st ClassState, s Styles, w int) string {
	if st.Removed {
		return s.Network.Cut.Render("Network: this laptop has left the class")
	}
	if st.Groups == "" {
		return s.Network.Up.Render("Network: whole " + s.Symbols.Dot + " every member can reach every other")
	}
	text := "Partition: " + st.Groups
	if len(st.CutOff) > 0 {
		text += " " + s.Symbols.Dot + " " + s.Symbols.Cut + " cut off from " + st.Name + ": " + strings.Join(st.CutOff, ", ")
	}
	return ansi.Truncate(s.Network.Cut.Render(text), w, s.Symbols.Ellipsis)
}

func classBoxRows(n, w int) int {
	perRow := max(1, min(n, w/classBoxW))
	return (n + perRow - 1) / perRow
}

// classBoxes draws this member and the others as boxes: name and state,
// then each lane's value, marked when it differs from this member's.
func classBoxes(st ClassState, s Styles, w, valueLines int) string {
	n := len(st.Members)
	perRow := max(1, min(n, w/classBoxW))
	bw := min(w/perRow, classBoxMaxW)
	var boxes []string
	for _, m := range st.Members {
		if m.Mine {
			boxes = append(boxes, classBox(m.Name+" (you)", "", m.Plain, m.CRDT, [2]string{"", ""}, true, s, bw, valueLines))
			continue
		}
		marks, plain, value := memberMarks(m, s.Symbols.Check, s.Symbols.Cross)
		state := m.State
		if state == "cut off" {
			state = s.Symbols.Cut + " cut off"
		}
		boxes = append(boxes, classBox(m.Name, state, plain, value, marks, false, s, bw, valueLines))
	}
	var rows []string
	for i := 0; i < len(boxes); i += perRow {
		rows = append(rows, joinFitted(boxes[i:min(i+perRow, len(boxes))]...))
	}
	return strings.Join(rows, "\n")
}

// memberMarks is a member's mark per lane (same, differs, ? not heard)
// and its values as shown.
func memberMarks(m ClassMember, same, differ string) ([2]string, string, string) {
	marks := [2]string{"?", "?"}
	plain, value := "not heard yet", "not heard yet"
	if m.Heard {
		plain, value = m.Plain, m.CRDT
		for _, l := range replicas.Lanes {
			marks[l] = same
			if !m.Same[l] {
				marks[l] = differ
			}
		}
	}
	return marks, plain, value
}

func classBox(name, state, plain, value string, marks [2]string, mine bool, s Styles, bw, valueLines int) string {
	style := s.Replica.Box
	nameStyle := s.Replica.Name
	if mine {
		style, nameStyle = s.Replica.BoxFocused, s.Replica.NameFocused
	}
	inner := bw - 4
	title := nameStyle.Render(name)
	if state != "" {
		st := s.App.Muted
		switch {
		case strings.HasPrefix(state, s.Symbols.Cut), state == "dead", state == "left", state == "cut off":
			st = s.Band.Diverged
		case state == "suspect":
			st = s.Band.Pending
		}
		title += " " + st.Render(state)
	}
	// lane is a value under its label, wrapped onto valueLines lines, with
	// its mark (✓ equal to yours, ✗ not, ? not heard) at the right.
	lane := func(label, v, mark string) []string {
		vs := s.Replica.Value
		if mark == s.Symbols.Cross {
			vs = s.Replica.Conflict
		}
		labelW := ansi.StringWidth(label)
		markW := 0
		if mark != "" {
			markW = ansi.StringWidth(mark) + 1
		}
		wrapped := wrapLines(v, max(1, inner-labelW-markW), valueLines, s.Symbols.Ellipsis)
		var out []string
		for i, part := range wrapped {
			head := strings.Repeat(" ", labelW)
			if i == 0 {
				head = s.App.Muted.Render(label)
			}
			text := head + vs.Render(part)
			if i == 0 && mark != "" {
				text = spread(text, markStyle(mark, s).Render(mark), inner)
			}
			out = append(out, text)
		}
		for len(out) < valueLines {
			out = append(out, "")
		}
		return out[:valueLines]
	}
	body := []string{ansi.Truncate(title, inner, s.Symbols.Ellipsis)}
	body = append(body, lane("plain ", plain, marks[replicas.Plain])...)
	body = append(body, lane("CRDT  ", value, marks[replicas.CRDT])...)
	return frame(fit(strings.Join(body, "\n"), inner, len(body)), inner, style)
}

func markStyle(mark string, s Styles) interface{ Render(...string) string } {
	switch mark {
	case s.Symbols.Check:
		return s.Band.Converged
	case s.Symbols.Cross:
		return s.Band.Diverged
	}
	return s.Band.Pending
}

// classTable is a large class: one line per member, name, state, each
// lane's value and whether it equals this member's.
func classTable(st ClassState, s Styles, w, h int) string {
	nameW := len("member")
	stateW := len("suspect")
	for _, m := range st.Members {
		name := m.Name
		if m.Mine {
			name += " (you)"
		}
		nameW = max(nameW, min(24, ansi.StringWidth(name)))
		stateW = max(stateW, ansi.StringWidth(m.State))
	}
	valW := max(6, (w-nameW-stateW-3-6)/2)
	row := func(name, state, plain, value string, marks [2]string) string {
		cell := func(t string, n int) string { return fit(ansi.Truncate(t, n, s.Symbols.Ellipsis), n, 1) }
		return cell(name, nameW) + " " + cell(state, stateW) + " " +
			cell(marks[replicas.Plain]+" "+plain, valW+2) + " " + cell(marks[replicas.CRDT]+" "+value, valW+2)
	}
	lines := []string{s.Band.Title.Render(row("member", "state", "plain overwrite", "CRDT", [2]string{" ", " "}))}
	for i, m := range st.Members {
		if len(lines) == h-1 && i < len(st.Members)-1 {
			lines = append(lines, s.App.Muted.Render(fmt.Sprintf("%s %d more members", s.Symbols.Ellipsis, len(st.Members)-i)))
			break
		}
		if m.Mine {
			lines = append(lines, s.Replica.NameFocused.Render(row(m.Name+" (you)", "", m.Plain, m.CRDT, [2]string{" ", " "})))
			continue
		}
		marks, plain, value := memberMarks(m, "=", s.Symbols.Cross)
		lines = append(lines, row(m.Name, m.State, plain, value, marks))
	}
	return strings.Join(lines, "\n")
}

// classLeft is the members who left, on one line: as many names as fit,
// then how many more.
func classLeft(names []string, s Styles, w int) string {
	head := fmt.Sprintf("Left the class (%d): ", len(names))
	line := head
	for i, n := range names {
		sep, rest := "", ""
		if i > 0 {
			sep = ", "
		}
		if i < len(names)-1 {
			rest = fmt.Sprintf(" and %d more", len(names)-i-1)
		}
		if ansi.StringWidth(line+sep+n+rest) > w {
			// The one before fitted with this suffix.
			line += fmt.Sprintf(" and %d more", len(names)-i)
			if i == 0 {
				line = head + fmt.Sprintf("%d members", len(names))
			}
			break
		}
		line += sep + n
	}
	return s.App.Muted.Render(ansi.Truncate(line, w, s.Symbols.Ellipsis))
}

// classLog is the newest sentences that fit, newest last.
func classLog(log []string, s Styles, w, h int) string {
	var lines []string
	for i := len(log) - 1; i >= 0 && len(lines) < h; i-- {
		wrapped := wrapLines(log[i], w-2, 2, s.Symbols.Ellipsis)
		for j := len(wrapped) - 1; j >= 0 && len(lines) < h; j-- {
			prefix := "  "
			if j == 0 {
				prefix = s.Symbols.Dot + " "
			}
			lines = append(lines, s.Pane.Text.Render(prefix+wrapped[j]))
		}
	}
	for i, j := 0, len(lines)-1; i < j; i, j = i+1, j-1 {
		lines[i], lines[j] = lines[j], lines[i]
	}
	if len(lines) == 0 {
		lines = []string{s.App.Muted.Render("Edits, merges and overwrites appear here as they happen.")}
	}
	return fit(strings.Join(lines, "\n"), w, h)
}
