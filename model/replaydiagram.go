package model

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"crdtviz/class"
	"crdtviz/replicas"
	"crdtviz/ui"
)

// The room's own space-time diagram: a recorded class (class.Replay)
// turned into the rows ui's diagram is built from, so that the replay is
// drawn by the same BuildDiagram, DrawDiagram and DiagramSVG as the
// simulator's, on screen, in a transcript and as SVG.
//
// Each row is one Lamport time at which something drawn happened, on any
// laptop: concurrent events share a row. A row's tick is its number (so
// that rows left out above a window are placed exactly), and its label is
// its Lamport time. Each message is an arrow from its sender's line at the
// time it was sent to its receiver's line at the time it arrived; a
// message dropped by the partition at its sender, or lost on the way, ends
// in ✗ on the row below its sending. Edits are dots on their authors'
// lines, numbered in causal order; the teacher's partitions and heals are
// the links down.

// ReplayShow says which messages the replay draws.
type ReplayShow int

const (
	// ShowStory draws the edits, the teacher's controls (to every
	// member), the answers, and the messages that changed a replica (or
	// passed a control on), or were dropped or lost.
	ShowStory ReplayShow = iota
	// ShowAll draws every message: views, push/pull states that changed
	// nothing, relays of what was known, duplicates.
	ShowAll
)

func (s ReplayShow) String() string { return [...]string{"the story", "every message"}[s] }

// replayDrawn reports whether the replay draws message m.
func replayDrawn(m class.ReplayMessage, show ReplayShow) bool {
	if m.To == "" || m.End == class.NotKnown {
		return false
	}
	if show == ShowAll {
		return true
	}
	switch {
	case m.CopyOf > 0:
		return false
	case m.Kind == "answer":
		// The question's tally counts what arrived.
		return true
	case m.End == class.Dropped:
		// Dropped where it arrived (its sender not admitted there yet):
		// an edit, or the teacher's control. A state is sent again.
		return m.Kind == "edit" || m.Kind == "control" || m.Kind == "relay" && m.Edit > 0
	case m.End != class.Received:
		// A drop or a loss of what carries the story: an edit, a state,
		// the teacher's own control.
		return m.Kind == "edit" || m.Kind == "state" || m.Kind == "control" || m.Kind == "relay" && m.Edit > 0
	case m.New:
		return true
	case m.Kind == "control":
		// The teacher's control reaches every member, even one that had
		// it already from another.
		return true
	}
	return m.Control && m.Taken
}

// ReplayRows is the replay as the diagram's rows, oldest first, with the
// messages they draw (by id).
type ReplayRows struct {
	Rows   []ui.DiagramRow
	Times  []uint64 // each row's Lamport time
	Groups [][][]string
	Drawn  map[int]bool
	Names  []string
	// Span is the rows the messages drawn cross, in all: a printed
	// diagram's work grows with it.
	Span int
}

// A printed diagram (a handout, an SVG) draws every row at once, and its
// work grows with its rows and with the rows its arrows cross. Past these
// bounds it is refused, saying what to print instead; the screen draws a
// window at a time, and has none.
const (
	MaxPrintedRows = 10_000
	MaxPrintedSpan = 200_000
)

// Printable says why the rows are too many to print as a diagram, or nil.
func (rr ReplayRows) Printable(o ReplayDraw) error {
	instead := "draw fewer laptops (--only A,B)"
	if o.Show == ShowAll {
		instead = "draw the story (without --all), or fewer laptops (--only A,B)"
	}
	switch {
	case len(rr.Rows) > MaxPrintedRows:
		return fmt.Errorf("the diagram would have %d rows, and a printed one has at most %d: %s, or print the transcript without --diagram",
			len(rr.Rows), MaxPrintedRows, instead)
	case rr.Span > MaxPrintedSpan:
		return fmt.Errorf("the diagram's arrows would cross %d rows in all (messages received long after they were sent), and a printed one's cross at most %d: %s, or print the transcript without --diagram",
			rr.Span, MaxPrintedSpan, instead)
	}
	return nil
}

// rowKey orders the rows: a Lamport time, and a second row below it for
// the drops and losses of what was sent at that time.
type rowKey struct {
	l     uint64
	after bool
}

type rowBuild struct {
	events []replicas.Event
	phrase []string
	groups [][]string
	hasCtl bool
}

// ReplayDraw says what of a replay to draw: the story or every message,
// which laptops (none named: all of them), and the zone of clock times.
type ReplayDraw struct {
	Show ReplayShow
	Only []string
	Zone *time.Location
}

// lines are the laptops drawn, in the replay's order.
func (o ReplayDraw) lines(rp *class.Replay) ([]string, func(string) bool) {
	if len(o.Only) == 0 {
		return rp.Names, func(string) bool { return true }
	}
	var names []string
	for _, n := range rp.Names {
		if slices.Contains(o.Only, n) {
			names = append(names, n)
		}
	}
	return names, func(n string) bool { return slices.Contains(names, n) }
}

// BuildReplayRows works out the rows of a replay, drawing what o says.
func BuildReplayRows(rp *class.Replay, o ReplayDraw) ReplayRows {
	show, zone := o.Show, o.Zone
	names, drawnLine := o.lines(rp)
	rows := map[rowKey]*rowBuild{}
	row := func(k rowKey) *rowBuild {
		r := rows[k]
		if r == nil {
			r = &rowBuild{}
			rows[k] = r
		}
		return r
	}
	for _, e := range rp.Edits {
		if !drawnLine(e.By) {
			continue
		}
		r := row(rowKey{l: e.L})
		r.events = append(r.events, replicas.Event{Kind: replicas.EvEdit, Replica: e.By, Edit: replicas.EditID(e.N)})
		r.phrase = append(r.phrase, fmt.Sprintf("#%d %s: %s (%s)", e.N, e.By, e.Op, clock(e.At, zone)))
	}
	var groups [][]string
	for _, c := range rp.Controls {
		r := row(rowKey{l: c.L})
		r.phrase = append(r.phrase, rp.Teacher+": "+c.Text)
		if c.Cut {
			r.events = append(r.events, linkEvents(names, groups, c.Groups)...)
			groups = c.Groups
		}
		r.groups, r.hasCtl = c.Groups, true
	}
	drawn := map[int]bool{}
	sentBy := map[rowKey][]int{}
	lostAt := map[rowKey]map[string][]string{} // how they ended → "m4 to Bob"
	for _, m := range rp.Messages {
		if !replayDrawn(m, show) || !drawnLine(m.From) || !drawnLine(m.To) {
			continue
		}
		drawn[m.ID] = true
		sent := rowKey{l: m.SentL}
		row(sent)
		if m.CopyOf == 0 {
			sentBy[sent] = append(sentBy[sent], m.ID)
		}
		// Dim: it changed nothing where it arrived (a control that did
		// changed the network, an answer the tally).
		ev := replicas.Event{Msg: m.ID, From: m.From, To: m.To, CopyOf: m.CopyOf,
			PlainNew: m.New || (m.Control || m.Kind == "answer") && m.Taken || m.End != class.Received}
		switch {
		case m.End == class.Received:
			r := row(rowKey{l: m.RecvL})
			ev.Kind = replicas.EvDeliver
			r.events = append(r.events, ev)
			r.phrase = append(r.phrase, arrivalPhrase(rp, m))
		case m.End == class.CutOff && m.Where == "on arrival" || m.End == class.Dropped:
			r := row(rowKey{l: m.RecvL})
			ev.Kind = replicas.EvDrop
			r.events = append(r.events, ev)
			r.phrase = append(r.phrase, fmt.Sprintf("%s dropped m%d: %s", m.To, m.ID, dropWords(m)))
		default:
			k := rowKey{l: m.SentL, after: true}
			r := row(k)
			ev.Kind = replicas.EvDrop
			r.events = append(r.events, ev)
			if lostAt[k] == nil {
				lostAt[k] = map[string][]string{}
			}
			how := endWords(m)
			lostAt[k][how] = append(lostAt[k][how], fmt.Sprintf("m%d to %s", m.ID, m.To))
		}
	}
	keys := make([]rowKey, 0, len(rows))
	for k := range rows {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b rowKey) int {
		switch {
		case a.l != b.l:
			if a.l < b.l {
				return -1
			}
			return 1
		case a.after == b.after:
			return 0
		case a.after:
			return 1
		}
		return -1
	})
	out := ReplayRows{Drawn: drawn, Names: names}
	tickOf := map[rowKey]int64{}
	for i, k := range keys {
		tickOf[k] = int64(i + 1)
	}
	var cur [][]string
	for i, k := range keys {
		r := rows[k]
		if r.hasCtl {
			cur = r.groups
		}
		// A message is drawn from the row it was sent at.
		for j := range r.events {
			if e := &r.events[j]; e.Kind == replicas.EvDeliver || e.Kind == replicas.EvDrop {
				e.Sent = tickOf[rowKey{l: rp.Messages[e.Msg-1].SentL}]
				out.Span += int(int64(i+1) - e.Sent)
			}
		}
		phrase := r.phrase
		for _, how := range slices.Sorted(mapKeys(lostAt[k])) {
			phrase = append(phrase, strings.Join(lostAt[k][how], ", ")+": "+how)
		}
		phrase = append(phrase, sendPhrases(rp, sentBy[k])...)
		out.Rows = append(out.Rows, ui.DiagramRow{Tick: int64(i + 1), Label: "L" + strconv.FormatUint(k.l, 10),
			Action: strings.Join(phrase, " · "), Events: r.events})
		out.Times = append(out.Times, k.l)
		out.Groups = append(out.Groups, cur)
	}
	return out
}

// Input is the diagram's input for rows from first on: the rows before
// are counted, not given.
func (rr ReplayRows) Input(first int) ui.DiagramInput {
	first = min(max(first, 0), len(rr.Rows))
	in := ui.DiagramInput{Names: rr.Names, Rows: rr.Rows[first:], Older: first, MarginHead: "Lamport time: what happened"}
	var groups [][]string
	if n := len(rr.Groups); n > 0 {
		groups = rr.Groups[n-1]
	}
	in.Up = func(a, b string) bool { return !separated(groups, a, b) }
	return in
}

// separated reports whether a partition puts a and b in different groups.
func separated(groups [][]string, a, b string) bool {
	ga, gb := -1, -1
	for i, g := range groups {
		if slices.Contains(g, a) {
			ga = i
		}
		if slices.Contains(g, b) {
			gb = i
		}
	}
	return ga >= 0 && gb >= 0 && ga != gb
}

// linkEvents are the links a control changed: those its partition cuts
// that were up, cut; those it heals, up again.
func linkEvents(names []string, was, now [][]string) []replicas.Event {
	var cut, healed []replicas.Link
	for _, a := range names {
		for _, b := range names {
			if a == b {
				continue
			}
			before, after := separated(was, a, b), separated(now, a, b)
			switch {
			case after && !before:
				cut = append(cut, replicas.Link{From: a, To: b})
			case before && !after:
				healed = append(healed, replicas.Link{From: a, To: b})
			}
		}
	}
	var evs []replicas.Event
	if len(healed) > 0 {
		evs = append(evs, replicas.Event{Kind: replicas.EvLink, Links: healed, LinksUp: true})
	}
	if len(cut) > 0 {
		evs = append(evs, replicas.Event{Kind: replicas.EvLink, Links: cut})
	}
	return evs
}

// arrivalPhrase says what a message did where it arrived, for its row.
func arrivalPhrase(rp *class.Replay, m class.ReplayMessage) string {
	if m.CopyOf > 0 {
		if first := rp.Messages[m.CopyOf-1]; m.RecvL < first.RecvL {
			return fmt.Sprintf("%s got an earlier copy of m%d: %s", m.To, m.CopyOf, strings.TrimPrefix(m.Change, "an earlier copy: "))
		}
		return fmt.Sprintf("%s got m%d again", m.To, m.CopyOf)
	}
	return fmt.Sprintf("%s got m%d: %s", m.To, m.ID, arrivalWords(m))
}

// arrivalWords says what a message received did there: the row and the
// selected message's details say it in the same words.
func arrivalWords(m class.ReplayMessage) string {
	switch {
	case m.Change != "":
		return m.Change
	case m.Control:
		return "nothing new (it had this control, or a later one, already)"
	}
	return "nothing new"
}

// dropWords says why a message that arrived was dropped there.
func dropWords(m class.ReplayMessage) string {
	if m.End == class.CutOff {
		return "the partition"
	}
	return m.Where
}

// endWords says how a message that did not arrive ended.
func endWords(m class.ReplayMessage) string {
	switch {
	case m.End == class.CutOff:
		return "dropped by the partition " + m.Where
	case m.Where != "":
		return m.End.String() + ": " + m.Where
	}
	return m.End.String()
}

// sendPhrases say what the messages sent at a row carry, a phrase per
// sender and payload: "Bob sends m4 m5: edit #2 (add jam)".
func sendPhrases(rp *class.Replay, ids []int) []string {
	var out []string
	var cur []string
	var last *class.ReplayMessage
	flush := func() {
		if last != nil {
			out = append(out, fmt.Sprintf("%s sends %s: %s", last.From, strings.Join(cur, " "), last.What))
		}
	}
	for _, id := range ids {
		m := &rp.Messages[id-1]
		if last == nil || m.From != last.From || m.What != last.What {
			flush()
			last, cur = m, nil
		}
		cur = append(cur, fmt.Sprintf("m%d", id))
	}
	flush()
	return out
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// clock writes a laptop's own clock time.
func clock(ms int64, zone *time.Location) string {
	if ms == 0 {
		return "?"
	}
	if zone == nil {
		zone = time.Local
	}
	return time.UnixMilli(ms).In(zone).Format("15:04:05.000")
}

// ReplayDetails says all about message id, for the lines under the
// diagram: what it carried, when it was made and sent and when it was
// received, by each laptop's own clock, and what it did (in the words its
// row uses).
func ReplayDetails(rp *class.Replay, id int, zone *time.Location) []string {
	if id <= 0 || id > len(rp.Messages) {
		return nil
	}
	m := rp.Messages[id-1]
	head := fmt.Sprintf("m%d %s → %s: %s, %s", m.ID, m.From, m.To, m.What, viaWords(m.Via))
	if m.CopyOf > 0 {
		head = fmt.Sprintf("m%d %s → %s: a copy of m%d (gossip sends a broadcast more than once): %s", m.ID, m.From, m.To, m.CopyOf, m.What)
	}
	// The payload's Lamport time is when it was made; gossip sends it
	// when its next round comes, a little later by the same clock.
	sent := fmt.Sprintf("made at L%d, %s by %s's clock", m.SentL, clock(m.MadeAt, zone), m.From)
	switch {
	case m.MadeAt == 0 && m.SentAt == 0:
		sent = fmt.Sprintf("made at L%d (%s kept no record of it: its receiver tells)", m.SentL, m.From)
	case m.MadeAt == 0:
		sent = fmt.Sprintf("sent at L%d, %s by %s's clock", m.SentL, clock(m.SentAt, zone), m.From)
	case m.SentAt > m.MadeAt:
		sent += fmt.Sprintf(", sent at %s", clock(m.SentAt, zone))
	}
	var end string
	switch {
	case m.End == class.CutOff && m.Where == "on arrival":
		end = fmt.Sprintf("arrived at L%d, %s by %s's clock, and dropped: the teacher's partition cuts %s off", m.RecvL, clock(m.RecvAt, zone), m.To, m.From)
	case m.End == class.Dropped:
		end = fmt.Sprintf("arrived at L%d, %s by %s's clock, and dropped: %s", m.RecvL, clock(m.RecvAt, zone), m.To, m.Where)
	case m.CopyOf > 0:
		end = fmt.Sprintf("arrived at L%d, %s by %s's clock: %s", m.RecvL, clock(m.RecvAt, zone), m.To, m.Change)
	case m.End == class.Received && m.Copies > 1:
		end = fmt.Sprintf("arrived at L%d, %s by %s's clock (%d times): %s", m.RecvL, clock(m.RecvAt, zone), m.To, m.Copies, arrivalWords(m))
	case m.End == class.Received:
		end = fmt.Sprintf("arrived at L%d, %s by %s's clock: %s", m.RecvL, clock(m.RecvAt, zone), m.To, arrivalWords(m))
	default:
		end = endWords(m)
	}
	return []string{head, sent, end}
}

// viaWords says how a message travelled.
func viaWords(via string) string {
	switch via {
	case "direct":
		return "sent directly"
	case "":
		return "as its receiver tells"
	}
	return "by " + via
}

// ReplayTitle is the replay's first line: the file, the class and its
// teacher, the teacher key's code, how many laptops.
func ReplayTitle(rp *class.Replay, file string) string {
	return fmt.Sprintf("%s: %s (%s), %s, teacher %s, code %s", file, rp.Type, rp.Mode, replicas.Plural(len(rp.Names), "laptop"),
		rp.Teacher, rp.Code)
}

// ReplayClockNote says what the rows and times are.
const ReplayClockNote = "Rows: Lamport time (causal order). Clock times are each laptop's own."

// replayHandoutMargin is the least a handout's margin gets: a row's time
// and an edit's clock time, "  L1234 (23:09:46.587)", on one line.
const replayHandoutMargin = 24

// replayHeader is what a transcript says above its rows: the file, the
// class, how every message ended, what the rows and clocks are, what is
// drawn, and the notes.
func replayHeader(rp *class.Replay, file string, o ReplayDraw, names []string, diagram bool) []string {
	lines := []string{ReplayTitle(rp, file), rp.Count.String(), ReplayClockNote}
	if diagram && o.Show == ShowStory {
		lines = append(lines, "Drawn: the story (the edits, the teacher's controls to every member, the answers, and the messages that changed a replica or were dropped or lost); --all draws every message.")
	}
	if len(o.Only) > 0 {
		lines = append(lines, "Drawn: the messages between "+strings.Join(names, ", "))
	}
	for _, n := range rp.Notes {
		lines = append(lines, "Note: "+n)
	}
	return lines
}

// ReplayText is the whole replay as a plain-text diagram w cells wide,
// for a handout (crdtviz class replay --transcript --diagram): every line
// fits the width.
func ReplayText(rp *class.Replay, file string, o ReplayDraw, w int, ascii bool) string {
	rr := BuildReplayRows(rp, o)
	var b strings.Builder
	for _, ln := range replayHeader(rp, file, o, rr.Names, true) {
		for _, part := range ui.WrapText(ln, w) {
			b.WriteString(part + "\n")
		}
	}
	b.WriteString("\n")
	in := rr.Input(0)
	in.MinMargin = replayHandoutMargin
	b.WriteString(ui.DiagramInputText(in, w, ascii, ui.ReplayLegend(ascii),
		"Time runs down, one row per Lamport time; a message that changed nothing where it arrived is drawn dim on screen."))
	return b.String()
}

// ReplayLog is the replay as text, one line per row (crdtviz class replay
// --transcript): what the file holds, how every message ended, then what
// happened at each Lamport time.
func ReplayLog(rp *class.Replay, file string, o ReplayDraw) string {
	rr := BuildReplayRows(rp, o)
	var b strings.Builder
	for _, ln := range replayHeader(rp, file, o, rr.Names, false) {
		b.WriteString(ln + "\n")
	}
	b.WriteString("\n")
	w := 0
	for _, r := range rr.Rows {
		w = max(w, len(r.Label))
	}
	for _, r := range rr.Rows {
		fmt.Fprintf(&b, "%-*s  %s\n", w, r.Label, r.Action)
	}
	return b.String()
}
