package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"crdtviz/lab"
	"crdtviz/replicas"
	"crdtviz/ui"
)

// LabLane is the student's lane as the lab screen drives it: a
// lab.Follower, or a stand-in in tests. Follow and Poll block (the nodes
// are processes), so the screen calls them in commands, one at a time.
type LabLane interface {
	Follow(hist any, actions []replicas.Action, final bool) lab.Followed
	Poll() lab.Followed
}

// LabOptions configure the lab screen.
type LabOptions struct {
	Lane     LabLane
	Workload *lab.Workload
	Names    []string
	Command  string        // the node's command, for the title
	Poll     time.Duration // how often the outboxes are refreshed between keys; 0: never
}

// Lab is the app with a third lane, the student's own nodes (crdtviz
// lab). It wraps the root model, which plays free play or a demo exactly
// as crdtviz does, gives it the screen above a small panel, and keeps the
// student's lane in step with the root's timeline: after every key it
// hands the lane the timeline's actions, in a command. ← cannot rewind a
// process: the lane restarts the nodes and replays, and the panel says
// so. y shows the student's lane on the whole screen: its space-time
// diagram, and the JSON of the message selected in it.
type Lab struct {
	root *Root
	opts LabOptions
	keys LabKeyMap
	w, h int

	busy  bool      // a Follow or a Poll is under way
	shown followKey // what res shows
	res   lab.Followed
	have  bool
	note  string // what the lane last did that the student should hear
	err   bool
	// checked is the verdict of c (check the reads now, as the end).
	checked *lab.Verdict

	full     bool // the lab screen (y)
	selected int  // the message selected on it, 0 for none
	offset   int  // its diagram scrolled up
}

// followKey names the point of the root's timeline the lane shows.
type followKey struct {
	hist  historyID
	pos   int
	final bool
}

// Messages of the lab screen.
type (
	labFollowedMsg struct {
		key followKey
		res lab.Followed
	}
	labPolledMsg struct{ res lab.Followed }
	labPollMsg   struct{}
)

// LabKeyMap is the lab's own keys: y opens its screen; on it, ↑/↓ select
// a message, [ ] scroll, c checks the reads now, and y or esc go back.
type LabKeyMap struct {
	Open, Close, Up, Down, ScrollUp, ScrollDown, Check, Quit key.Binding
}

// DefaultLabKeyMap is the lab's key map.
func DefaultLabKeyMap() LabKeyMap {
	b := func(keys []string, k, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
	}
	return LabKeyMap{
		Open:       b([]string{"y"}, "y", "your messages"),
		Close:      b([]string{"y", "esc"}, "y/esc", "back"),
		Up:         b([]string{"up", "k"}, "↑", "older message (on y)"),
		Down:       b([]string{"down", "j"}, "↓", "newer message (on y)"),
		ScrollUp:   b([]string{"["}, "[", "scroll up"),
		ScrollDown: b([]string{"]"}, "]", "scroll down"),
		Check:      b([]string{"c"}, "c", "check the reads now (on y)"),
		Quit:       b([]string{"q"}, "q", "quit"),
	}
}

// NewLab builds the lab screen over a root model made from opts.
func NewLab(opts Options, lo LabOptions) (*Lab, error) {
	root, err := New(opts)
	if err != nil {
		return nil, err
	}
	keys := DefaultLabKeyMap()
	if opts.ASCII {
		for _, k := range []*key.Binding{&keys.Up, &keys.Down} {
			h := k.Help()
			k.SetHelp(strings.NewReplacer("↑", "up", "↓", "down").Replace(h.Key), h.Desc)
		}
	}
	return &Lab{root: root, opts: lo, keys: keys}, nil
}

// Root is the wrapped root model (for the recording and the exit code).
func (m *Lab) Root() *Root { return m.root }

// Init starts the root and the lane.
func (m *Lab) Init() tea.Cmd {
	return tea.Batch(m.root.Init(), m.follow(), m.pollLater())
}

func (m *Lab) pollLater() tea.Cmd {
	if m.opts.Poll <= 0 {
		return nil
	}
	return tea.Tick(m.opts.Poll, func(time.Time) tea.Msg { return labPollMsg{} })
}

// Update handles the lab's own messages and keys, and hands everything
// else to the root; then it brings the lane to where the root is.
func (m *Lab) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
		_, cmd = m.root.Update(tea.WindowSizeMsg{Width: msg.Width, Height: max(1, msg.Height-ui.LabPanelHeight(msg.Height))})
	case labFollowedMsg:
		m.followed(msg)
	case labPolledMsg:
		m.busy = false
		m.res.Snapshot = msg.res.Snapshot
	case labPollMsg:
		if !m.busy && m.have {
			m.busy = true
			lane := m.opts.Lane
			cmd = func() tea.Msg { return labPolledMsg{lane.Poll()} }
		}
		cmd = tea.Batch(cmd, m.pollLater())
	case tea.KeyPressMsg:
		cmd = m.key(msg)
	default:
		_, cmd = m.root.Update(msg)
	}
	return m, tea.Batch(cmd, m.follow())
}

// key routes a key: the lab screen owns its keys; y opens it from play;
// everything else is the root's.
func (m *Lab) key(k tea.KeyPressMsg) tea.Cmd {
	if m.full {
		switch {
		case key.Matches(k, m.keys.Close):
			m.full = false
		case key.Matches(k, m.keys.Up):
			m.selectMsg(-1)
		case key.Matches(k, m.keys.Down):
			m.selectMsg(1)
		case key.Matches(k, m.keys.ScrollUp):
			m.offset += 4
		case key.Matches(k, m.keys.ScrollDown):
			m.offset = max(0, m.offset-4)
		case key.Matches(k, m.keys.Check):
			m.check()
		case key.Matches(k, m.keys.Quit), key.Matches(k, m.root.keys.ForceQuit):
			m.full = false
			_, cmd := m.root.Update(k)
			return cmd
		}
		return nil
	}
	if key.Matches(k, m.keys.Open) && m.playing() {
		m.full, m.offset = true, 0
		if ids := m.messageIDs(); len(ids) > 0 && !slices.Contains(ids, m.selected) {
			m.selected = ids[len(ids)-1]
		}
		return nil
	}
	before := m.root.mode
	_, cmd := m.root.Update(k)
	if m.root.mode == ModeHelp && before != ModeHelp {
		m.root.helpScreen = m.root.helpScreen.Open(append(m.root.keys.Groups(), HelpGroup{Title: "Your CRDT (the lab)",
			Keys: []key.Binding{m.keys.Open, m.keys.Up, m.keys.Down, m.keys.Check}}))
	}
	return cmd
}

// playing reports whether the root shows the play screen, with nothing
// open that owns the keys.
func (m *Lab) playing() bool {
	r := m.root
	return (r.mode == ModeFree || r.mode == ModeDemo) && !r.chooser.Pending() && !r.confirm.Pending() && !r.auto.on && !r.diag.full
}

// target is the point of the root's timeline the lane should show, and
// the actions up to it. While a question is asked, the lane waits at the
// step's start: its reads would give the answer away.
func (m *Lab) target() (followKey, []replicas.Action, bool) {
	s := m.root.sess
	if s == nil {
		return followKey{}, nil, false
	}
	c := s.tl.Cluster()
	if c.Type() != m.opts.Workload.Type || !slices.Equal(c.Names(), m.opts.Names) {
		return followKey{}, nil, false
	}
	pos := s.tl.Pos()
	if s.question() != nil && !s.byAction {
		pos, _ = s.stepRange(s.step)
	}
	actions := make([]replicas.Action, pos)
	for i := range pos {
		actions[i] = s.tl.Action(i)
	}
	final := s.demo() && s.atEnd()
	return followKey{hist: historyID{s.tl, s.gen}, pos: pos, final: final}, actions, true
}

// follow starts bringing the lane to the root's point, unless it is there
// or busy (then the answer's arrival calls it again).
func (m *Lab) follow() tea.Cmd {
	if m.busy {
		return nil
	}
	k, actions, ok := m.target()
	if !ok || m.have && k == m.shown {
		return nil
	}
	m.busy = true
	lane := m.opts.Lane
	return func() tea.Msg { return labFollowedMsg{key: k, res: lane.Follow(k.hist, actions, k.final)} }
}

// followed takes the lane's answer.
func (m *Lab) followed(msg labFollowedMsg) {
	m.busy, m.have, m.shown, m.res, m.checked = false, true, msg.key, msg.res, nil
	m.note, m.err = "", false
	switch {
	case msg.res.Err != "":
		m.note, m.err = strings.Join(strings.Fields(msg.res.Err), " "), true
	case msg.res.Restarted:
		// A process cannot step back: the nodes start again.
		m.note = fmt.Sprintf("restarted your nodes, replayed %s", replicas.Plural(msg.res.Replayed, "action"))
		if len(msg.res.Differ) > 0 {
			m.note += "; reads differ from before: " + strings.Join(msg.res.Differ, ", ")
		} else if msg.res.Replayed > 0 {
			m.note += "; reads as before"
		}
	}
	if ids := m.messageIDs(); m.selected != 0 && !slices.Contains(ids, m.selected) {
		m.selected = 0
	}
}

// check judges the reads now as if this were the end.
func (m *Lab) check() {
	if !m.have || len(m.res.Reads) == 0 {
		return
	}
	v := lab.Judge(m.opts.Workload, m.res.Ops, m.res.Reads, true)
	m.checked = &v
}

// verdict is the verdict shown, and its kind.
func (m *Lab) verdict() (string, ui.LabVerdict) {
	switch {
	case !m.have && m.busy:
		return "starting your nodes…", ui.LabWaiting
	case !m.have:
		return "your nodes follow the lab's own session only", ui.LabWaiting
	}
	v := m.res.Verdict
	prefix := ""
	if m.checked != nil {
		v, prefix = *m.checked, "checked now: "
	}
	text := prefix + v.Text()
	if len(m.res.Reads) == 0 {
		text = "no reads yet"
	}
	if m.busy {
		text += " (updating…)"
	}
	var down []string
	for _, n := range m.res.Snapshot.Nodes {
		if n.State == lab.Crashed {
			down = append(down, n.Name)
		}
	}
	switch {
	case len(down) > 0 && m.checked == nil:
		return strings.Join(down, ", ") + " crashed (y: why)", ui.LabWrong
	case v.Wrong:
		return text, ui.LabWrong
	case v.Agree:
		return text, ui.LabAgree
	}
	return text, ui.LabDiffer
}

// View draws the root's screen with the panel under it, or the lab
// screen.
func (m *Lab) View() tea.View {
	v := m.root.View()
	if m.w == 0 || m.h == 0 {
		return v
	}
	if m.full {
		v.Content = ui.LabScreenView(m.screen(), m.root.styles, m.w, m.h)
		return v
	}
	ph := ui.LabPanelHeight(m.h)
	v.Content += "\n" + ui.LabPanelView(m.panel(), m.root.styles, m.w, ph)
	return v
}

// panel builds the panel's plain values.
func (m *Lab) panel() ui.LabPanel {
	text, kind := m.verdict()
	p := ui.LabPanel{Title: "Yours", Verdict: text, Kind: kind, Note: m.note, NoteErr: m.err,
		First: m.root.first, Columns: m.root.layout.Columns, BoxW: m.root.layout.BoxW, Scroll: m.root.layout.Scroll}
	if m.playing() {
		p.Hint = "y: messages"
	}
	p.Cells = m.cells()
	p.Network = networkText(m.res.Snapshot, m.root.styles.Symbols)
	if p.Note == "" {
		for _, n := range m.res.Snapshot.Nodes {
			if n.State != lab.Up {
				p.Note, p.NoteErr = fmt.Sprintf("%s %s: %s (log: %s)", n.Name, n.State, n.Why, n.Log), true
				break
			}
		}
	}
	return p
}

// cells are the nodes' reads, marked where they differ from the most
// common one.
func (m *Lab) cells() []ui.LabCell {
	nodes := m.res.Snapshot.Nodes
	count := map[string]int{}
	for _, n := range nodes {
		count[n.Read.Text()]++
	}
	common, most := "", 0
	for _, n := range nodes {
		if c := count[n.Read.Text()]; c > most {
			common, most = n.Read.Text(), c
		}
	}
	cells := make([]ui.LabCell, len(m.opts.Names))
	for i := range cells {
		cells[i] = ui.LabCell{Read: "…"}
		if i >= len(nodes) {
			continue
		}
		n := nodes[i]
		cells[i] = ui.LabCell{Read: n.Read.Text(), Differs: len(nodes) > 1 && n.Read.Text() != common}
		if n.State != lab.Up {
			cells[i].Down = n.State.String()
		}
	}
	return cells
}

// networkText says what waits in the student's network, in one line.
func networkText(s lab.Snapshot, sym ui.Symbols) string {
	var parts []string
	for _, l := range s.Links {
		var bits []string
		if n := len(l.Outbox); n > 0 {
			bits = append(bits, fmt.Sprintf("%d written", n))
		}
		if n := len(l.InFlight); n > 0 {
			bits = append(bits, fmt.Sprintf("%d in flight", n))
		}
		if !l.Up {
			bits = append(bits, "cut")
		}
		parts = append(parts, l.From+" "+sym.Arrow+" "+l.To+": "+strings.Join(bits, ", "))
	}
	if len(parts) == 0 {
		return "your network: nothing waits"
	}
	return "your network: " + strings.Join(parts, " "+sym.Dot+" ")
}

// screen builds the lab screen's plain values.
func (m *Lab) screen() ui.LabScreen {
	text, kind := m.verdict()
	v := ui.LabScreen{Title: "your messages", Verdict: text, Kind: kind, Offset: m.offset, Selected: m.selected}
	side := ui.LabScreenSide(m.w)
	diagH := m.h - 3
	if side == 0 {
		diagH /= 2
	}
	if m.have && len(m.res.Events) > 0 {
		d := ui.BuildDiagram(m.diagramInput((diagH+m.offset)/2 + 4))
		v.Diagram = &d
	}
	v.Side = m.side()
	v.Status = m.note
	if m.checked != nil {
		v.Status = "checked now: " + m.checked.Text()
		if strings.Contains(networkText(m.res.Snapshot, m.root.styles.Symbols), "in flight") || strings.Contains(networkText(m.res.Snapshot, m.root.styles.Symbols), "written") {
			v.Status += " (messages still wait: lab check's final phase would deliver them first)"
		}
	}
	v.Bar = m.bar()
	return v
}

// bar is the lab screen's help line.
func (m *Lab) bar() string {
	s := m.root.styles
	var parts []string
	for _, b := range []key.Binding{m.keys.Up, m.keys.Down, m.keys.Check, m.keys.ScrollUp, m.keys.ScrollDown, m.keys.Close, m.keys.Quit} {
		h := b.Help()
		parts = append(parts, s.Help.Key.Render(h.Key)+" "+s.Help.Desc.Render(strings.TrimSuffix(h.Desc, " (on y)")))
	}
	return strings.Join(parts, s.Help.Sep.Render(" "+s.Symbols.Dot+" "))
}

// diagramInput turns the lane's events into the diagram's rows: one per
// action, at the tick the action had in the timeline (each action is one
// tick), with the edits and link changes of the reference (the same in
// every lane) and the student's own messages, labelled s1, s2, ….
func (m *Lab) diagramInput(rows int) ui.DiagramInput {
	res := m.res
	in := ui.DiagramInput{Names: m.opts.Names, Prefix: "s"}
	down := map[[2]string]bool{}
	for _, l := range res.Snapshot.Links {
		if !l.Up {
			down[[2]string{l.From, l.To}] = true
		}
	}
	in.Up = func(a, b string) bool { return !down[[2]string{a, b}] }
	s := m.root.sess
	sameHistory := s != nil && m.shown.hist == historyID{s.tl, s.gen}
	sentTick := func(id int) int64 { return int64(res.Sent[id] + 1) }
	first := max(0, len(res.Events)-rows)
	in.Older = first
	for i := first; i < len(res.Events); i++ {
		row := ui.DiagramRow{Tick: int64(i + 1)}
		if i < len(res.Actions) {
			row.Action = res.Actions[i]
		}
		if sameHistory && i < s.tl.Len() {
			for _, e := range s.tl.Events(i) {
				if e.Kind == replicas.EvEdit || e.Kind == replicas.EvLink {
					row.Events = append(row.Events, e)
				}
			}
		}
		for _, e := range res.Events[i] {
			switch e.Kind {
			case lab.EvDeliver:
				row.Events = append(row.Events, replicas.Event{Kind: replicas.EvDeliver, From: e.From, To: e.To, Msg: e.Msg, CopyOf: e.CopyOf,
					Sent: sentTick(e.Msg), Synced: e.Synced, PlainNew: true})
			case lab.EvDrop:
				row.Events = append(row.Events, replicas.Event{Kind: replicas.EvDrop, From: e.From, To: e.To, Msg: e.Msg, CopyOf: e.CopyOf,
					Sent: sentTick(e.Msg), PlainNew: true})
			}
		}
		in.Rows = append(in.Rows, row)
	}
	for _, l := range res.Snapshot.Links {
		for _, mv := range l.InFlight {
			in.InFlight = append(in.InFlight, &replicas.Message{ID: mv.ID, CopyOf: mv.CopyOf, From: mv.From, To: mv.To, SentTick: sentTick(mv.ID)})
		}
	}
	return in
}

// messageIDs lists the messages the lab screen can select: delivered,
// dropped or in flight, oldest first.
func (m *Lab) messageIDs() []int {
	var ids []int
	for _, evs := range m.res.Events {
		for _, e := range evs {
			if e.Kind == lab.EvDeliver || e.Kind == lab.EvDrop {
				ids = append(ids, e.Msg)
			}
		}
	}
	for _, l := range m.res.Snapshot.Links {
		for _, mv := range l.InFlight {
			ids = append(ids, mv.ID)
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// selectMsg moves the selection by d messages.
func (m *Lab) selectMsg(d int) {
	ids := m.messageIDs()
	if len(ids) == 0 {
		return
	}
	i := slices.Index(ids, m.selected)
	switch {
	case i < 0 && d < 0:
		i = len(ids) - 1
	case i < 0:
		i = 0
	default:
		i = min(max(i+d, 0), len(ids)-1)
	}
	m.selected = ids[i]
}

// side is the lab screen's column: the selected message in full, the
// nodes, and what the last action did in the student's lane.
func (m *Lab) side() []string {
	var out []string
	if msg, where, ok := m.message(m.selected); ok {
		out = append(out, fmt.Sprintf("s%d  %s → %s  (%s): %s", msg.ID, msg.From, msg.To, msg.Type, where))
		if msg.CopyOf != 0 {
			out = append(out, fmt.Sprintf("a copy of s%d", msg.CopyOf))
		}
		var pretty bytes.Buffer
		if json.Indent(&pretty, []byte(msg.Body), "  ", "  ") == nil {
			out = append(out, strings.Split("  "+pretty.String(), "\n")...)
		} else {
			out = append(out, "  "+msg.Body)
		}
	} else {
		out = append(out, "↑/↓ select a message to see its JSON body.")
	}
	out = append(out, "")
	for _, n := range m.res.Snapshot.Nodes {
		line := n.Name + " " + n.State.String()
		if n.Why != "" {
			line += ": " + n.Why
		}
		out = append(out, line)
	}
	if dir := m.res.Snapshot.LogDir; dir != "" {
		out = append(out, "their stderr: "+dir)
	}
	if n := len(m.res.Events); n > 0 {
		out = append(out, "", fmt.Sprintf("In your lane, t%d %s:", n, m.res.Actions[n-1]))
		wrote, shown := 0, 0
		for _, e := range m.res.Events[n-1] {
			switch {
			case e.Kind == lab.EvWrite:
				wrote++
			case shown == 6:
				out = append(out, "  …")
				shown++
			case shown < 6:
				out = append(out, "  "+e.Text)
				shown++
			}
		}
		if wrote > 0 {
			out = append(out, fmt.Sprintf("  and the nodes wrote %s", replicas.Plural(wrote, "message")))
		}
	}
	return out
}

// message finds a message by id, and says where it is.
func (m *Lab) message(id int) (lab.MsgView, string, bool) {
	if id == 0 {
		return lab.MsgView{}, "", false
	}
	for _, l := range m.res.Snapshot.Links {
		for _, mv := range l.InFlight {
			if mv.ID == id {
				return mv, "in flight", true
			}
		}
	}
	for i, evs := range m.res.Events {
		for _, e := range evs {
			if e.Msg != id || (e.Kind != lab.EvDeliver && e.Kind != lab.EvDrop) {
				continue
			}
			mv := lab.MsgView{ID: e.Msg, Label: fmt.Sprintf("s%d", e.Msg), From: e.From, To: e.To, Type: e.Type, Body: e.Body, CopyOf: e.CopyOf}
			if e.Kind == lab.EvDrop {
				return mv, fmt.Sprintf("dropped at t%d", i+1), true
			}
			return mv, fmt.Sprintf("delivered at t%d", i+1), true
		}
	}
	return lab.MsgView{}, "", false
}
