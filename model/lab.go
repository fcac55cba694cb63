package model

import (
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
// as crdtviz does and draws the student's lane as a third band below the
// CRDT band, and its messages in the space-time diagram (g, G) beside
// crdtviz's own. The Lab keeps the student's lane in step with the root's
// timeline: after every key it hands the lane the timeline's actions, in
// a command, and gives the root what came back as plain values. ← cannot
// rewind a process: the lane restarts the nodes and replays, and says
// so. y shows the student's nodes in words: their state and logs, what
// waits on each link, and what every action did in their lane.
type Lab struct {
	root *Root
	opts LabOptions
	keys LabKeyMap
	w, h int

	busy bool // a Follow or a Poll is under way
	// stalled is set when the lane stopped short of the root's point (its
	// bound on time): the next key goes on.
	stalled bool
	shown   followKey // what res shows
	res     lab.Followed
	have    bool
	down    map[string]bool // nodes whose fall was already told
	// checked is the verdict of c on the y screen (the reads judged now,
	// as the end).
	checked *lab.Verdict

	full   bool // the y screen
	offset int  // its log, scrolled up
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

// LabKeyMap is the lab's own keys: y opens its screen; on it, [ ] scroll,
// c checks the reads now, and y or esc go back.
type LabKeyMap struct {
	Open, Close, ScrollUp, ScrollDown, Check, Quit key.Binding
}

// DefaultLabKeyMap is the lab's key map.
func DefaultLabKeyMap() LabKeyMap {
	b := func(keys []string, k, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
	}
	return LabKeyMap{
		Open:       b([]string{"y"}, "y", "yours: your nodes, their logs and queues"),
		Close:      b([]string{"y", "esc"}, "y/esc", "back"),
		ScrollUp:   b([]string{"[", "up", "k"}, "[", "scroll up"),
		ScrollDown: b([]string{"]", "down", "j"}, "]", "scroll down"),
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
	m := &Lab{root: root, opts: lo, keys: DefaultLabKeyMap(), down: map[string]bool{}}
	m.push()
	return m, nil
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
		_, cmd = m.root.Update(msg)
	case labFollowedMsg:
		m.followed(msg)
	case labPolledMsg:
		m.busy = false
		m.res.Snapshot = msg.res.Snapshot
		m.push()
	case labPollMsg:
		if !m.busy && m.have {
			m.busy = true
			lane := m.opts.Lane
			cmd = func() tea.Msg { return labPolledMsg{lane.Poll()} }
		}
		cmd = tea.Batch(cmd, m.pollLater())
	case tea.KeyPressMsg:
		m.stalled = false
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
		return nil
	}
	before := m.root.mode
	_, cmd := m.root.Update(k)
	if m.root.mode == ModeHelp && before != ModeHelp {
		m.root.helpScreen = m.root.helpScreen.Open(append(m.root.keys.Groups(), HelpGroup{Title: "Your CRDT (the lab)",
			Keys: []key.Binding{m.keys.Open, m.keys.Check, m.keys.ScrollUp, m.keys.ScrollDown, m.keys.Close}}))
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

// follow starts bringing the lane to the root's point, unless it is there,
// busy (then the answer's arrival calls it again), or stalled.
func (m *Lab) follow() tea.Cmd {
	if m.busy || m.stalled {
		return nil
	}
	k, actions, ok := m.target()
	if !ok || m.have && k == m.shown {
		return nil
	}
	m.busy = true
	m.push()
	lane := m.opts.Lane
	return func() tea.Msg { return labFollowedMsg{key: k, res: lane.Follow(k.hist, actions, k.final)} }
}

// followed takes the lane's answer, and says on the status line what the
// student should hear: a restart, a node that went down, a lane that
// stopped short.
func (m *Lab) followed(msg labFollowedMsg) {
	m.busy, m.have, m.shown, m.res, m.checked = false, true, msg.key, msg.res, nil
	res := msg.res
	var note string
	fail := false
	switch {
	case res.Err != "":
		note, fail = strings.Join(strings.Fields(res.Err), " "), true
	case res.Restarted:
		// A process cannot step back: the nodes start again.
		note = fmt.Sprintf("Your nodes were restarted and %s replayed (a process cannot step back)", replicas.Plural(res.Replayed, "action"))
		if len(res.Differ) > 0 {
			note += "; their reads differ from before: " + strings.Join(res.Differ, ", ")
		} else if res.Replayed > 0 {
			note += "; reads as before"
		}
		note += "."
	}
	if res.Stopped != "" {
		m.stalled = true
		note, fail = res.Stopped, true
	}
	for _, n := range res.Snapshot.Nodes {
		if n.State == lab.Up {
			delete(m.down, n.Name)
			continue
		}
		if !m.down[n.Name] && note == "" {
			note, fail = fmt.Sprintf("%s %s: %s (y: its log)", n.Name, n.State, n.Why), n.State != lab.Silent
		}
		m.down[n.Name] = true
	}
	if note != "" && !m.root.statusErr {
		if fail {
			m.root.failf("%s", note)
		} else {
			m.root.notice(note)
		}
	}
	if res.Behind > 0 {
		m.shown = followKey{} // not there yet: the next key goes on (stalled till then)
	}
	m.push()
}

// check judges the reads now as if this were the end.
func (m *Lab) check() {
	if !m.have || len(m.res.Reads) == 0 {
		return
	}
	v := lab.Judge(m.opts.Workload, m.res.Ops, m.res.Reads, true)
	m.checked = &v
}

// verdict is the band's verdict: its word, what it is about, and its
// kind.
func (m *Lab) verdict() (string, string, ui.LabVerdict) {
	switch {
	case !m.have && m.busy:
		return "starting", "your nodes…", ui.LabWaiting
	case !m.have:
		return "", "your nodes follow the lab's own session only", ui.LabWaiting
	case len(m.res.Reads) == 0:
		return "no reads", "yet", ui.LabWaiting
	}
	v := m.res.Verdict
	detail := v.Detail
	if m.res.Final != nil {
		detail += " (after the final phase)"
	}
	if m.busy {
		detail += " (updating…)"
	}
	if m.res.Behind > 0 {
		detail += fmt.Sprintf(" (%s behind)", replicas.Plural(m.res.Behind, "action"))
	}
	switch {
	case v.Wrong:
		return v.Word, detail, ui.LabWrong
	case v.Agree:
		return v.Word, detail, ui.LabAgree
	}
	return v.Word, detail, ui.LabDiffer
}

// View draws the root's screen, which has the third band, or the lab
// screen.
func (m *Lab) View() tea.View {
	v := m.root.View()
	if m.full && m.w > 0 && m.h > 0 {
		v.Content = ui.LabScreenView(m.screen(), m.root.styles, m.w, m.h)
	}
	return v
}

// push gives the root the third lane as it stands.
func (m *Lab) push() { m.root.setYours(m.yoursLane()) }

// yoursLane is the third lane as plain values for the root: the band,
// and the messages for the diagram.
func (m *Lab) yoursLane() *yoursLane {
	word, detail, kind := m.verdict()
	y := &yoursLane{band: ui.Yours{Title: "Your CRDT: " + m.opts.Command, Word: word, Detail: detail, Kind: kind, Cells: m.cells()},
		hist: m.shown.hist, pos: len(m.res.Actions), msgs: map[int]ui.YoursMsg{}}
	y.keys = []key.Binding{m.shortKey()}
	if !m.have {
		return y
	}
	res := m.res
	s := m.root.sess
	tick := func(i int) int64 {
		if s != nil && m.shown.hist == (historyID{s.tl, s.gen}) && i < s.tl.Len() {
			if ev := s.tl.Events(i); len(ev) > 0 {
				return ev[0].Tick
			}
		}
		return int64(i + 1)
	}
	sent := func(id int) int64 { return tick(res.Sent[id]) }
	copyOf := func(c int) int {
		if c == 0 {
			return 0
		}
		return ui.YoursID(c)
	}
	add := func(e lab.Event, where string) {
		y.msgs[ui.YoursID(e.Msg)] = yoursMsg(lab.MsgView{ID: e.Msg, From: e.From, To: e.To, Type: e.Type, Body: e.Body, CopyOf: e.CopyOf}, where)
	}
	y.rows = make([][]replicas.Event, len(res.Events))
	for i, evs := range res.Events {
		for _, e := range evs {
			switch e.Kind {
			case lab.EvDeliver:
				y.rows[i] = append(y.rows[i], replicas.Event{Kind: replicas.EvDeliver, From: e.From, To: e.To, Msg: ui.YoursID(e.Msg),
					CopyOf: copyOf(e.CopyOf), Sent: sent(e.Msg), Synced: e.Synced, PlainNew: true})
				add(e, yoursWhere("delivered", tick(i)))
			case lab.EvDrop:
				y.rows[i] = append(y.rows[i], replicas.Event{Kind: replicas.EvDrop, From: e.From, To: e.To, Msg: ui.YoursID(e.Msg),
					CopyOf: copyOf(e.CopyOf), Sent: sent(e.Msg), PlainNew: true})
				add(e, yoursWhere("dropped", tick(i)))
			}
		}
	}
	if res.Final != nil {
		for _, e := range res.Final.Events {
			if e.Kind == lab.EvDeliver {
				y.final = append(y.final, replicas.Event{Kind: replicas.EvDeliver, From: e.From, To: e.To, Msg: ui.YoursID(e.Msg),
					CopyOf: copyOf(e.CopyOf), Synced: true, PlainNew: true})
				add(e, "delivered in the final phase")
			}
		}
	}
	for _, l := range res.Snapshot.Links {
		for _, mv := range l.InFlight {
			y.inFlight = append(y.inFlight, &replicas.Message{ID: ui.YoursID(mv.ID), CopyOf: copyOf(mv.CopyOf), From: mv.From, To: mv.To, SentTick: sent(mv.ID)})
			y.msgs[ui.YoursID(mv.ID)] = yoursMsg(mv, "in flight")
		}
	}
	return y
}

// shortKey is y in the help bar: a short label.
func (m *Lab) shortKey() key.Binding {
	b := m.keys.Open
	b.SetHelp("y", "yours")
	return b
}

// cells are the nodes' reads, marked where they differ from the most
// common one, with what waits on their outgoing links.
func (m *Lab) cells() []ui.YoursCell {
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
	outbox, flight := map[string]int{}, map[string]int{}
	for _, l := range m.res.Snapshot.Links {
		outbox[l.From] += len(l.Outbox)
		flight[l.From] += len(l.InFlight)
	}
	cells := make([]ui.YoursCell, len(m.opts.Names))
	for i := range cells {
		cells[i] = ui.YoursCell{Read: "…"}
		if i >= len(nodes) {
			continue
		}
		n := nodes[i]
		cells[i] = ui.YoursCell{Read: n.Read.Text(), Differs: len(nodes) > 1 && n.Read.Text() != common,
			Queues: fmt.Sprintf("outbox %d %s in flight %d", outbox[n.Name], m.root.styles.Symbols.Dot, flight[n.Name])}
		if n.State != lab.Up {
			cells[i].Down = n.State.String()
		}
	}
	return cells
}
