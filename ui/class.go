package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"crdtviz/class"
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

// ClassState is what the class screen shows: the snapshot, the log's
// sentences (oldest first), the status line and the help bar, already
// drawn.
type ClassState struct {
	Snap   class.Snapshot
	Log    []string
	Status string
	Bar    string
}

// ClassScreen renders the class screen: exactly w×h cells.
func ClassScreen(st ClassState, s Styles, w, h int) string {
	if w < MinWidth || h < MinHeight {
		return TooSmall(w, h, s)
	}
	snap := st.Snap
	var top []string
	top = append(top, classHeader(snap, s, w))
	if snap.Join != "" {
		for _, ln := range wrapLines("Students join with: "+snap.Join, w, 3, s.Symbols.Ellipsis) {
			top = append(top, s.App.Notice.Render(ln))
		}
	}
	top = append(top,
		classBanner(snap, replicas.CRDT, "CRDT", s, w),
		classBanner(snap, replicas.Plain, "Plain overwrite", s, w),
		classNetwork(snap, s, w))
	bottom := []string{fit(clipLine(st.Status, w), w, 1), fit(st.Bar, w, 1)}
	room := h - len(top) - len(bottom)
	var middle string
	total := len(snap.Members) + 1
	boxRows := classBoxRows(total, w)
	if total <= MaxClassBoxes && boxRows*classBoxH+2 <= room {
		valueLines := 1
		if boxRows*(classBoxH+2)+4 <= room {
			valueLines = 2 // room to wrap each value onto a second line
		}
		middle = classBoxes(snap, s, w, valueLines)
	} else {
		middle = classTable(snap, s, w, max(2, room*2/3))
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

func classHeader(snap class.Snapshot, s Styles, w int) string {
	who := "you are " + snap.Name
	if snap.Teacher == snap.Name {
		who += " (teacher)"
	}
	dot := " " + s.Symbols.Dot + " "
	left := s.App.Title.Render("crdtviz") + s.App.Muted.Render(dot) + s.App.Header.Render(fmt.Sprintf("class%s%s by %s%s%s", dot, snap.Type, snap.Mode, dot, who))
	right := s.App.Muted.Render(snap.Addr)
	if d := snap.DroppedTotal(); d > 0 {
		right = s.App.Error.Render(fmt.Sprintf("%s %d bad payloads dropped", s.Symbols.Cross, d)) + "  " + right
	}
	return spread(left, right, w)
}

// classBanner says, as far as this replica knows, whether a lane has
// converged, and how many members agree with it.
func classBanner(snap class.Snapshot, lane replicas.Lane, title string, s Styles, w int) string {
	agree, of := snap.Agree(lane)
	var unheard, differ []string
	for _, m := range snap.Members {
		switch {
		case !m.Counted():
		case !m.Heard:
			unheard = append(unheard, m.Name)
		case !m.Same[lane]:
			differ = append(differ, m.Name)
		}
	}
	style := s.Band.Converged
	var heads []string // from the longest to the shortest
	switch {
	case of == 1 && len(snap.Members) == 0:
		heads, style = []string{"ALONE " + s.Symbols.Pending + " no other member yet"}, s.Band.Pending
	case of == 1:
		heads, style = []string{"ALONE " + s.Symbols.Pending + " every other member is dead, left or cut off"}, s.Band.Pending
	case agree == of:
		all := fmt.Sprintf("all %d agree", of)
		if of == 2 {
			all = "both agree"
		}
		heads = []string{fmt.Sprintf("CONVERGED %s %s with %s", s.Symbols.Check, all, snap.Name)}
	case len(differ) == 0:
		base := fmt.Sprintf("PENDING %s %d of %d agree with %s", s.Symbols.Pending, agree, of, snap.Name)
		who := strings.Join(unheard, ", ")
		if len(unheard) > 3 {
			who = fmt.Sprintf("%d members", len(unheard))
		}
		heads, style = []string{base + "; not heard yet: " + who, base}, s.Band.Pending
	default:
		base := fmt.Sprintf("DIFFERENT %s %d of %d agree with %s", s.Symbols.Cross, agree, of, snap.Name)
		who := strings.Join(differ, ", ") + " differ" + plural(len(differ))
		if len(differ) > 3 {
			who = fmt.Sprintf("%d differ", len(differ))
		}
		if len(unheard) > 0 {
			who += fmt.Sprintf("; %d not heard yet", len(unheard))
		}
		heads, style = []string{base + "; " + who, base}, s.Band.Diverged
	}
	knows := s.App.Muted.Render(" (as far as " + snap.Name + " knows)")
	var candidates []string
	for _, h := range heads {
		text := s.Band.Title.Render(title+": ") + style.Render(h)
		if of > 1 {
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

func plural(n int) string {
	if n == 1 {
		return "s"
	}
	return ""
}

// classNetwork is the line about the teacher's partition.
func classNetwork(snap class.Snapshot, s Styles, w int) string {
	if len(snap.Groups) == 0 {
		return s.Network.Up.Render("Network: whole " + s.Symbols.Dot + " every member can reach every other")
	}
	var cut []string
	for _, m := range snap.Members {
		if m.Blocked {
			cut = append(cut, m.Name)
		}
	}
	text := "Partition: " + class.GroupsString(snap.Groups)
	if len(cut) > 0 {
		text += " " + s.Symbols.Dot + " " + s.Symbols.Cut + " cut off from " + snap.Name + ": " + strings.Join(cut, ", ")
	}
	return ansi.Truncate(s.Network.Cut.Render(text), w, s.Symbols.Ellipsis)
}

func classBoxRows(n, w int) int {
	perRow := max(1, min(n, w/classBoxW))
	return (n + perRow - 1) / perRow
}

// classBoxes draws this member and the others as boxes: name and state,
// then each lane's value, marked when it differs from this member's.
func classBoxes(snap class.Snapshot, s Styles, w, valueLines int) string {
	n := len(snap.Members) + 1
	perRow := max(1, min(n, w/classBoxW))
	bw := min(w/perRow, classBoxMaxW)
	var boxes []string
	boxes = append(boxes, classBox(snap.Name+" (you)", "", snap.Plain, snap.CRDT, [2]string{"", ""}, true, s, bw, valueLines))
	for _, m := range snap.Members {
		state := m.Status.String()
		if m.Blocked {
			state = s.Symbols.Cut + " " + state
		}
		marks := [2]string{"?", "?"}
		plain, value := "not heard yet", "not heard yet"
		if m.Heard {
			plain, value = m.Plain, m.CRDT
			for _, l := range replicas.Lanes {
				marks[l] = s.Symbols.Check
				if !m.Same[l] {
					marks[l] = s.Symbols.Cross
				}
			}
		}
		boxes = append(boxes, classBox(m.Name, state, plain, value, marks, false, s, bw, valueLines))
	}
	var rows []string
	for i := 0; i < len(boxes); i += perRow {
		rows = append(rows, joinFitted(boxes[i:min(i+perRow, len(boxes))]...))
	}
	return strings.Join(rows, "\n")
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
		case strings.HasPrefix(state, s.Symbols.Cut), state == "dead", state == "left":
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
func classTable(snap class.Snapshot, s Styles, w, h int) string {
	nameW := min(24, ansi.StringWidth(snap.Name+" (you)"))
	stateW := len("suspect")
	for _, m := range snap.Members {
		nameW = max(nameW, min(24, ansi.StringWidth(m.Name)))
		if m.Blocked {
			stateW = max(stateW, ansi.StringWidth(s.Symbols.Cut+" suspect"))
		}
	}
	valW := max(6, (w-nameW-stateW-3-6)/2)
	row := func(name, state, plain, value string, marks [2]string) string {
		cell := func(t string, n int) string { return fit(ansi.Truncate(t, n, s.Symbols.Ellipsis), n, 1) }
		return cell(name, nameW) + " " + cell(state, stateW) + " " +
			cell(marks[replicas.Plain]+" "+plain, valW+2) + " " + cell(marks[replicas.CRDT]+" "+value, valW+2)
	}
	lines := []string{s.Band.Title.Render(row("member", "state", "plain overwrite", "CRDT", [2]string{" ", " "}))}
	lines = append(lines, s.Replica.NameFocused.Render(row(snap.Name+" (you)", "", snap.Plain, snap.CRDT, [2]string{" ", " "})))
	for i, m := range snap.Members {
		if len(lines) == h-1 && i < len(snap.Members)-1 {
			lines = append(lines, s.App.Muted.Render(fmt.Sprintf("%s %d more members", s.Symbols.Ellipsis, len(snap.Members)-i)))
			break
		}
		marks := [2]string{"?", "?"}
		plain, value := "not heard yet", "not heard yet"
		if m.Heard {
			plain, value = m.Plain, m.CRDT
			for _, l := range replicas.Lanes {
				marks[l] = "="
				if !m.Same[l] {
					marks[l] = s.Symbols.Cross
				}
			}
		}
		state := m.Status.String()
		if m.Blocked {
			state = s.Symbols.Cut + " " + state
		}
		lines = append(lines, row(m.Name, state, plain, value, marks))
	}
	return strings.Join(lines, "\n")
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
