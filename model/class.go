package model

import (
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"crdtviz/class"
	"crdtviz/crdt"
	"crdtviz/replicas"
	"crdtviz/ui"
)

// ClassMode gates what keys do on the class screen.
type ClassMode int

const (
	ClassView    ClassMode = iota // the class screen
	ClassPrompt                   // the : prompt is open
	ClassHelp                     // the help screen
	ClassConfirm                  // a question (leave, reset) owns the keys
)

func (m ClassMode) String() string { return [...]string{"class", "prompt", "help", "confirm"}[m] }

// ClassKeyMap is every key of the class screen.
type ClassKeyMap struct {
	Edit, Inc, Dec, Prompt     key.Binding
	Partition, Heal, Reset     key.Binding
	Hold, Freeze, Close, Kick  key.Binding
	Answer, Next, End          key.Binding
	LogUp, LogDown, Help, Quit key.Binding
	ForceQuit                  key.Binding
}

// DefaultClassKeyMap is the class screen's keys: free play's, where a key
// means the same thing.
func DefaultClassKeyMap() ClassKeyMap {
	b := func(keys []string, k, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
	}
	return ClassKeyMap{
		Edit:      b([]string{"e"}, "e", "edit your replica"),
		Inc:       b([]string{"+", "="}, "+", "inc / add"),
		Dec:       b([]string{"-", "_"}, "-", "dec / remove"),
		Prompt:    b([]string{":"}, ":", "command prompt"),
		Partition: b([]string{"P"}, "P", "partition the class"),
		Heal:      b([]string{"H"}, "H", "heal the partition"),
		Reset:     b([]string{"R"}, "R", "reset the class"),
		Hold:      b([]string{"W"}, "W", "hold the room / release (:hold N for N s)"),
		Freeze:    b([]string{"F"}, "F", "freeze editing / thaw"),
		Close:     b([]string{"C"}, "C", "close the question (:ask \"…\" choices A | B asks one)"),
		Kick:      b([]string{"K"}, "K", "kick a member out of the class (:kick NAME)"),
		Answer:    b([]string{"1", "2", "3", "4", "5", "6"}, "1-6", "answer the room's question"),
		Next:      b([]string{"right"}, "→", "run the script's next line"),
		End:       b([]string{"E"}, "E", "end of session: collect the room's records into the record file"),
		LogUp:     b([]string{"["}, "[", "scroll the log back"),
		LogDown:   b([]string{"]"}, "]", "scroll the log on"),
		Help:      b([]string{"?"}, "?", "help: every key"),
		Quit:      b([]string{"q"}, "q", "leave the class and quit"),
		ForceQuit: b([]string{"ctrl+c"}, "ctrl+c", "leave and quit at once"),
	}
}

func (k *ClassKeyMap) all() []*key.Binding {
	return []*key.Binding{&k.Edit, &k.Inc, &k.Dec, &k.Prompt, &k.Partition, &k.Heal, &k.Reset, &k.Hold, &k.Freeze, &k.Close, &k.Kick, &k.Answer, &k.Next, &k.End, &k.LogUp, &k.LogDown, &k.Help, &k.Quit, &k.ForceQuit}
}

// ASCII returns the key map with help labels in plain ASCII.
func (k ClassKeyMap) ASCII() ClassKeyMap { return k } // every label is ASCII already

// ShortHelp is the help bar (help.KeyMap).
func (k ClassKeyMap) ShortHelp() []key.Binding {
	short := func(b key.Binding, desc string) key.Binding {
		b.SetHelp(b.Help().Key, desc)
		return b
	}
	out := []key.Binding{short(k.Edit, "edit"), short(k.Inc, "add/inc"), short(k.Prompt, "command")}
	if k.Partition.Enabled() {
		out = append(out, short(k.Partition, "partition"), short(k.Heal, "heal"))
	}
	if k.End.Enabled() {
		out = append(out, short(k.End, "end & save"))
	}
	return append(out, short(k.Help, "help"), short(k.Quit, "quit"))
}

// FullHelp is every key, grouped (help.KeyMap).
func (k ClassKeyMap) FullHelp() [][]key.Binding {
	var out [][]key.Binding
	for _, g := range k.Groups() {
		out = append(out, g.Keys)
	}
	return out
}

// Groups is every key, grouped, for the help screen.
func (k ClassKeyMap) Groups() []HelpGroup {
	return []HelpGroup{
		{"Edit your replica", []key.Binding{k.Edit, k.Inc, k.Dec, k.Prompt}},
		{"The room's question", []key.Binding{k.Answer}},
		{"The teacher's controls", []key.Binding{k.Partition, k.Heal, k.Reset, k.Hold, k.Freeze, k.Close, k.Kick, k.Next, k.End}},
		{"Log and app", []key.Binding{k.LogUp, k.LogDown, k.Help, k.Quit, k.ForceQuit}},
	}
}

// classNotes are the help screen's notes in classroom mode.
var classNotes = []string{
	"Every laptop is one replica. You edit only your own; the others' boxes show the last values heard from them, ✓ when equal to yours.",
	"At the : prompt: edit NAME OP ARGS (your name), status; the teacher also: partition A B | C D, heal, reset, hold [SECONDS], release, freeze, thaw, ask \"QUESTION\" choices A | B, close, say TEXT, kick NAME, end.",
	"Hold (W): every laptop keeps its new edits until the release, when they all leave at once and truly collide. Freeze (F): edits are refused everywhere; syncing goes on.",
	"Edits go out at once by broadcast; every 2 s each process also swaps its whole state with another (push/pull). The plain lane overwrites with each write it has not heard yet; the CRDT lane merges.",
}

// ClassOptions configure the class screen.
type ClassOptions struct {
	Theme      ui.Theme
	ThemeFixed bool
	ASCII      bool
	Script     *class.Script // the teacher's script, run a line per → press
	Record     bool          // the teacher records the class (class start --record): E collects the records
}

// Class is the root model of classroom mode: one replica of a class on a
// real network. The node does the networking; every change to it runs in
// a command, and its events arrive as messages.
type Class struct {
	opts    ClassOptions
	node    *class.Node
	mode    ClassMode
	keys    ClassKeyMap
	styles  ui.Styles
	w, h    int
	snap    class.Snapshot
	log     []string
	back    int // how far the log is scrolled back
	prompt  Prompt
	help    HelpScreen
	confirm Confirm // the pending question (leave, reset)
	status  string
	isErr   bool
	leaving bool
	next    int // the script's next line
}

// maxClassLog bounds the log kept in memory.
const maxClassLog = 500

// NewClass makes the class screen for a node that has started or joined.
func NewClass(n *class.Node, opts ClassOptions) *Class {
	if opts.Theme == "" {
		opts.Theme = ui.Dark
	}
	m := &Class{opts: opts, node: n, keys: DefaultClassKeyMap()}
	m.restyle(opts.Theme)
	m.snap = n.Snapshot()
	m.take(n.Drain())
	m.updateKeys()
	return m
}

func (m *Class) restyle(t ui.Theme) {
	m.styles = ui.NewStyles(t, m.opts.ASCII)
	p := NewPrompt(m.styles)
	p.history = m.prompt.history
	m.prompt = p
	m.prompt.SetSize(m.w, 1)
	m.help = NewHelpScreen(m.styles)
	notes := classNotes
	if m.opts.ASCII {
		notes = make([]string, len(classNotes))
		for i, n := range classNotes {
			notes[i] = strings.NewReplacer("✓", "ok").Replace(n)
		}
	}
	m.help.SetNotes(notes)
	m.help.SetSize(m.w, m.h)
}

// classEventsMsg carries what the node did since the last one.
type classEventsMsg struct {
	events []class.Event
	snap   class.Snapshot
}

// classDoneMsg is the result of a command the node ran.
type classDoneMsg struct {
	line   string
	event  *class.Event
	status *class.Status
	snap   class.Snapshot
	err    error
}

// scriptDoneMsg is the result of a script line.
type scriptDoneMsg struct {
	num  int
	ran  string
	snap class.Snapshot
	err  error
}

// classLeftMsg says the node has left the class.
type classLeftMsg struct{}

func (m *Class) wait() tea.Cmd {
	n := m.node
	return func() tea.Msg {
		<-n.Notify()
		return classEventsMsg{events: n.Drain(), snap: n.Snapshot()}
	}
}

// Init asks for the background colour and starts listening to the node.
func (m *Class) Init() tea.Cmd {
	cmds := []tea.Cmd{m.wait()}
	if !m.opts.ThemeFixed {
		cmds = append(cmds, tea.RequestBackgroundColor)
	}
	return tea.Batch(cmds...)
}

// Update is a type switch that hands each message to its handler.
func (m *Class) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.handleResize(msg.Width, msg.Height)
	case tea.BackgroundColorMsg:
		if !m.opts.ThemeFixed {
			m.restyle(backgroundTheme(msg))
		}
	case tea.KeyPressMsg:
		cmd = m.handleKey(msg)
	case classEventsMsg:
		m.snap = msg.snap
		m.take(msg.events)
		if !m.leaving {
			cmd = m.wait()
		}
	case classDoneMsg:
		cmd = m.handleDone(msg)
	case scriptDoneMsg:
		m.snap = msg.snap
		if msg.err != nil {
			m.fail(fmt.Errorf("%s:%d: %v (skipped; → runs the next line)", m.opts.Script.File, msg.num, msg.err))
		} else {
			m.notice(fmt.Sprintf("ran %s:%d: %s", m.opts.Script.File, msg.num, msg.ran))
		}
	case classLeftMsg:
		return m, tea.Quit
	default:
		if m.mode == ClassPrompt {
			m.prompt, cmd = m.prompt.Update(msg)
		}
	}
	m.updateKeys()
	return m, cmd
}

func (m *Class) handleResize(w, h int) {
	m.w, m.h = w, h
	m.prompt.SetSize(w, 1)
	m.help.SetSize(w, h)
}

func (m *Class) take(events []class.Event) {
	for _, ev := range events {
		if ev.Text != "" {
			m.log = append(m.log, ev.Text)
			if m.back > 0 {
				m.back++ // keep the scrolled-back view where it is
			}
		}
	}
	if over := len(m.log) - maxClassLog; over > 0 {
		m.log = m.log[over:]
	}
	m.back = min(m.back, max(0, len(m.log)-1))
}

func (m *Class) teacher() bool { return m.snap.Teacher == m.snap.Name }

func (m *Class) updateKeys() {
	for _, b := range m.keys.all() {
		b.SetEnabled(m.mode == ClassView || m.mode == ClassHelp)
	}
	t := m.teacher()
	m.keys.Partition.SetEnabled(t && m.keys.Partition.Enabled())
	m.keys.Heal.SetEnabled(t && m.keys.Heal.Enabled())
	m.keys.Reset.SetEnabled(t && m.keys.Reset.Enabled())
	m.keys.Hold.SetEnabled(t && m.keys.Hold.Enabled())
	m.keys.Freeze.SetEnabled(t && m.keys.Freeze.Enabled())
	m.keys.Kick.SetEnabled(t && m.keys.Kick.Enabled())
	open := m.snap.Question != nil && !m.snap.Question.Closed
	m.keys.Close.SetEnabled(t && open && m.keys.Close.Enabled())
	m.keys.Answer.SetEnabled(!t && open && m.keys.Answer.Enabled())
	m.keys.Next.SetEnabled(t && m.opts.Script != nil && m.next < len(m.opts.Script.Lines) && m.keys.Next.Enabled())
	m.keys.End.SetEnabled(t && m.opts.Record && m.keys.End.Enabled())
	if m.snap.Removed { // out of the class: nothing to edit, answer or send
		for _, b := range []*key.Binding{&m.keys.Edit, &m.keys.Inc, &m.keys.Dec, &m.keys.Prompt, &m.keys.Answer} {
			b.SetEnabled(false)
		}
	}
	m.keys.ForceQuit.SetEnabled(true)
	m.prompt.SetHint("e.g. " + m.example() + " · enter runs · tab completes · ↑↓ history · esc closes")
	if m.opts.ASCII {
		m.prompt.SetHint("e.g. " + m.example() + " - enter runs - tab completes - up/down history - esc closes")
	}
}

func (m *Class) example() string {
	me := replicas.QuoteName(m.snap.Name)
	op := map[crdt.Type]string{crdt.LWWRegister: "set x", crdt.MVRegister: "set x", crdt.GCounter: "inc 1", crdt.PNCounter: "dec 1",
		crdt.GSet: "add x", crdt.TwoPSet: "add x", crdt.LWWSet: "add x", crdt.ORSet: "add x", crdt.LWWMap: "put k v", crdt.Text: "insert 0 x"}[m.snap.Type]
	ex := "edit " + me + " " + op + "; status"
	if m.teacher() {
		ex = "edit " + me + " " + op + "; " + m.partitionLine() + "; heal; reset"
	}
	return ex
}

// partitionLine is the teacher's likely partition: the teacher on one
// side, everyone else on the other.
func (m *Class) partitionLine() string {
	var rest []string
	for _, mb := range m.snap.Members {
		if mb.Counted() {
			rest = append(rest, replicas.QuoteName(mb.Name))
		}
	}
	if len(rest) == 0 {
		rest = []string{"B"}
	}
	return "partition " + replicas.QuoteName(m.snap.Name) + " | " + strings.Join(rest, " ")
}

// handleKey: ctrl+c always; an open prompt, help screen or question owns
// its keys; then the class screen's keys.
func (m *Class) handleKey(k tea.KeyPressMsg) tea.Cmd {
	if key.Matches(k, m.keys.ForceQuit) {
		return m.leave()
	}
	switch m.mode {
	case ClassPrompt:
		return m.promptKey(k)
	case ClassHelp:
		var in HelpIntent
		m.help, in = m.help.HandleKey(k)
		if in.Close {
			m.mode = ClassView
		}
		return nil
	case ClassConfirm:
		var a confirmAction
		m.confirm, a = m.confirm.HandleKey(k)
		m.mode = ClassView
		switch a {
		case confirmLeave:
			return m.leave()
		case confirmReset:
			return m.run("reset")
		}
		m.notice("Kept as it was.")
		return nil
	}
	m.status = ""
	km := m.keys
	switch {
	case key.Matches(k, km.Edit):
		return m.openPrompt(m.editLine(true))
	case key.Matches(k, km.Inc):
		return m.quickEdit(true)
	case key.Matches(k, km.Dec):
		return m.quickEdit(false)
	case key.Matches(k, km.Prompt):
		return m.openPrompt("")
	case key.Matches(k, km.Partition):
		return m.openPrompt(m.partitionLine())
	case key.Matches(k, km.Heal):
		return m.run("heal")
	case key.Matches(k, km.Kick):
		return m.openPrompt("kick ")
	case key.Matches(k, km.Next):
		return m.runScript()
	case key.Matches(k, km.Answer):
		return m.run("answer " + k.String())
	case key.Matches(k, km.Close):
		return m.run("close")
	case key.Matches(k, km.End):
		m.notice("collecting the room's records (each member answers within a few seconds)…")
		return m.run("end")
	case key.Matches(k, km.Hold):
		if m.snap.Held {
			return m.run("release")
		}
		return m.run("hold")
	case key.Matches(k, km.Freeze):
		if m.snap.Frozen {
			return m.run("thaw")
		}
		return m.run("freeze")
	case key.Matches(k, km.Reset):
		m.ask(confirmReset, "press R again to reset every replica to "+crdt.Brief(crdt.Zero(m.snap.Type).String())+"; any other key cancels", km.Reset)
	case key.Matches(k, km.LogUp):
		m.back = min(m.back+1, max(0, len(m.log)-1))
	case key.Matches(k, km.LogDown):
		m.back = max(0, m.back-1)
	case key.Matches(k, km.Help):
		m.help = m.help.Open(m.keys.Groups())
		m.mode = ClassHelp
	case key.Matches(k, km.Quit):
		q := "press q again to leave the class (your edits stay with the others)"
		if m.teacher() {
			q = "press q again to leave the class (it goes on, but no one can heal it)"
		}
		m.ask(confirmLeave, q, km.Quit)
	}
	return nil
}

// ask opens a question that owns every key: its yes key goes ahead, any
// other key keeps everything as it was.
func (m *Class) ask(a confirmAction, question string, yes key.Binding) {
	m.confirm = m.confirm.Open(a, question, yes)
	m.mode = ClassConfirm
}

func (m *Class) notice(s string) { m.status, m.isErr = s, false }

func (m *Class) fail(err error) { m.status, m.isErr = err.Error(), true }

func (m *Class) openPrompt(prefill string) tea.Cmd {
	var names []string
	names = append(names, m.snap.Name)
	for _, mb := range m.snap.Members {
		names = append(names, mb.Name)
	}
	var cmd tea.Cmd
	m.prompt, cmd = m.prompt.Open(prefill, names, m.snap.Type)
	m.mode = ClassPrompt
	return cmd
}

func (m *Class) promptKey(k tea.KeyPressMsg) tea.Cmd {
	var cmd tea.Cmd
	var in PromptIntent
	m.prompt, cmd, in = m.prompt.HandleKey(k)
	switch {
	case in.Cancel:
		m.prompt = m.prompt.Close()
		m.mode = ClassView
	case in.Submit:
		text := strings.TrimSpace(in.Text)
		if text == "" {
			m.prompt = m.prompt.Close()
			m.mode = ClassView
			return nil
		}
		m.prompt = m.prompt.Remember(text)
		m.prompt = m.prompt.Close()
		m.mode = ClassView
		return m.run(text)
	}
	return cmd
}

// run has the node run a line, off the event loop: partitions and heals
// talk to every member.
func (m *Class) run(line string) tea.Cmd {
	n := m.node
	return func() tea.Msg {
		st, ev, err := n.Do(line)
		return classDoneMsg{line: line, event: ev, status: st, err: err, snap: n.Snapshot()}
	}
}

func (m *Class) handleDone(msg classDoneMsg) tea.Cmd {
	m.snap = msg.snap
	switch {
	case msg.err != nil && m.mode == ClassView && !keyLines[msg.line] && !errors.Is(msg.err, class.ErrFrozen):
		// Give the line back to fix, with the error under it.
		cmd := m.openPrompt(msg.line)
		m.prompt = m.prompt.Failed(msg.err.Error(), msg.line)
		return cmd
	case msg.err != nil:
		m.fail(msg.err)
	case msg.line == "end":
		if r := m.node.LastRecorded(); r != nil {
			m.notice(r.String())
		}
	case msg.status != nil:
		m.notice(fmt.Sprintf("%s: CRDT %s %s plain %s %s members %s", msg.status.Name, crdt.Brief(msg.status.CRDT), m.styles.Symbols.Dot,
			crdt.Brief(msg.status.Plain), m.styles.Symbols.Dot, strings.Join(msg.status.Members, ", ")))
	}
	return nil
}

// runScript runs the script's next line, off the event loop, and moves
// on: a line that fails says why and is skipped.
func (m *Class) runScript() tea.Cmd {
	sc := m.opts.Script
	if sc == nil || m.next >= len(sc.Lines) {
		return nil
	}
	l := sc.Lines[m.next]
	m.next++
	n := m.node
	return func() tea.Msg {
		ran, err := n.RunScriptLine(l.Text)
		return scriptDoneMsg{num: l.Num, ran: ran, err: err, snap: n.Snapshot()}
	}
}

// keyLines are the lines a key runs: an error is shown, not given back
// at the prompt to fix.
var keyLines = map[string]bool{"heal": true, "reset": true, "hold": true, "release": true, "freeze": true, "thaw": true, "close": true, "end": true,
	"answer 1": true, "answer 2": true, "answer 3": true, "answer 4": true, "answer 5": true, "answer 6": true}

// editLine is an edit of this member's replica, ready to finish: the
// type's main operation (or its removing one).
func (m *Class) editLine(primary bool) string {
	head := "edit " + replicas.QuoteName(m.snap.Name) + " "
	switch m.snap.Type {
	case crdt.LWWRegister, crdt.MVRegister:
		return head + "set "
	case crdt.GCounter, crdt.PNCounter:
		if !primary {
			return head + "dec "
		}
		return head + "inc "
	case crdt.GSet, crdt.TwoPSet, crdt.LWWSet, crdt.ORSet:
		if !primary {
			return head + "remove "
		}
		return head + "add "
	case crdt.LWWMap:
		if !primary {
			return head + "delete "
		}
		return head + "put "
	case crdt.Text:
		n := len([]rune(crdt.Brief(m.snap.CRDT)))
		if v, err := parseTextLen(m.snap.CRDT); err == nil {
			n = v
		}
		if !primary {
			return head + fmt.Sprintf("delete %d", max(0, n-1))
		}
		return head + fmt.Sprintf("insert %d ", n)
	}
	return head
}

// parseTextLen is the length of a text value as Value.String writes it.
func parseTextLen(rendered string) (int, error) {
	var s string
	if _, err := fmt.Sscanf(rendered, "%q", &s); err != nil {
		return 0, err
	}
	return len([]rune(s)), nil
}

func (m *Class) quickEdit(primary bool) tea.Cmd {
	t := m.snap.Type
	switch {
	case primary && (t == crdt.GCounter || t == crdt.PNCounter):
		return m.run("edit " + replicas.QuoteName(m.snap.Name) + " inc 1")
	case !primary && t == crdt.PNCounter:
		return m.run("edit " + replicas.QuoteName(m.snap.Name) + " dec 1")
	case !primary && (t == crdt.GCounter || t == crdt.GSet || t == crdt.LWWRegister || t == crdt.MVRegister):
		m.fail(fmt.Errorf("%s has nothing to remove: it takes %s", t, crdt.OpUsage(t)))
		return nil
	}
	return m.openPrompt(m.editLine(primary))
}

func (m *Class) leave() tea.Cmd {
	if m.leaving {
		return nil
	}
	m.leaving = true
	m.notice("leaving the class…")
	if m.teacher() && m.opts.Record {
		m.notice("collecting the room's records, then leaving the class…")
	}
	n := m.node
	return func() tea.Msg {
		_ = n.Leave()
		return classLeftMsg{}
	}
}

// View renders the screen. Only the root returns a tea.View.
func (m *Class) View() tea.View {
	var content string
	switch {
	case m.w == 0 || m.h == 0:
	case m.w < ui.MinWidth || m.h < ui.MinHeight:
		content = ui.TooSmall(m.w, m.h, m.styles)
	case m.mode == ClassHelp:
		content = m.help.View()
	default:
		status, bar := m.statusLines()
		log := m.log[:len(m.log)-m.back]
		st := ClassScreenState(m.snap)
		st.Log, st.Status, st.Bar = log, status, bar
		if sc := m.opts.Script; sc != nil && m.teacher() {
			st.Script = fmt.Sprintf("script %s: %d of %d run", sc.File, m.next, len(sc.Lines))
			if m.next < len(sc.Lines) {
				st.Script += " · → " + sc.Lines[m.next].Text
			}
		}
		content = ui.ClassScreen(st, m.styles, m.w, m.h)
	}
	v := tea.NewView(content)
	v.AltScreen = true
	v.WindowTitle = "crdtviz class"
	return v
}

func (m *Class) statusLines() (string, string) {
	st := m.styles
	var items []ui.HelpItem
	for _, b := range m.keys.ShortHelp() {
		if m.snap.Removed && !b.Enabled() {
			continue // out of the class: offer only what still works
		}
		items = append(items, ui.HelpItem{Key: b.Help().Key, Desc: b.Help().Desc})
	}
	bar := ui.HelpBar(items, m.w, st)
	switch {
	case m.mode == ClassPrompt:
		return m.prompt.View(), m.prompt.HintView()
	case m.mode == ClassConfirm:
		return st.App.Notice.Render(m.confirm.View()), bar
	case m.status != "" && m.isErr:
		return st.App.Error.Render(st.Symbols.Cross + " " + m.status), bar
	case m.status != "":
		return st.App.Notice.Render(m.status), bar
	case m.back > 0:
		return st.App.Muted.Render(fmt.Sprintf("log scrolled back %d · ] scrolls on", m.back)), bar
	}
	if m.snap.Removed {
		return st.App.Muted.Render("The teacher removed you from the class: q quits."), bar
	}
	return st.App.Muted.Render("Edit with e or +; the others' boxes show what they last told " + m.snap.Name + "."), bar
}

// ClassScreenState turns a class's snapshot into the plain values the class
// screen draws: ui never sees the class package.
func ClassScreenState(snap class.Snapshot) ui.ClassState {
	st := ui.ClassState{Name: snap.Name, Teacher: snap.Teacher == snap.Name, Type: string(snap.Type), Mode: snap.Mode.String(),
		Addr: snap.Addr, Join: snap.Join, Recorded: snap.Recorded, Dropped: snap.DroppedTotal(), Forged: snap.Forged()}
	for _, l := range replicas.Lanes {
		ls := snap.Status(l)
		st.Lanes[l] = ui.ClassLane{Word: ls.Word, Details: ls.Details(snap.Name), Others: ls.Of > 1}
		if snap.Removed {
			st.Lanes[l].Details = []string{"removed by the teacher: your last values", ""}
		}
	}
	if len(snap.Groups) > 0 {
		st.Groups = class.GroupsString(snap.Groups)
	}
	st.Room, st.Removed = roomLine(snap), snap.Removed
	st.Ask = askLines(snap)
	if snap.Say != "" {
		st.Say = snap.Teacher + " says: " + snap.Say
	}
	st.Members = append(st.Members, ui.ClassMember{Name: snap.Name, Mine: true, Heard: true, Plain: snap.Plain, CRDT: snap.CRDT,
		Same: [2]bool{true, true}})
	for _, mb := range snap.Members {
		if mb.Status == class.Left {
			st.Left = append(st.Left, mb.Name) // one line for all who left
			continue
		}
		if mb.Blocked {
			st.CutOff = append(st.CutOff, mb.Name)
		}
		st.Members = append(st.Members, ui.ClassMember{Name: mb.Name, State: mb.State(), Heard: mb.Heard,
			Plain: mb.Plain, CRDT: mb.CRDT, Same: mb.Same})
	}
	return st
}

// askLines is the room's question: its text, then what this screen shows
// of it. Names are never shown: the teacher's screen is on a projector.
func askLines(snap class.Snapshot) []string {
	q := snap.Question
	if q == nil {
		return nil
	}
	lines := []string{"Question: " + q.Text}
	switch {
	case snap.Removed:
		lines = append(lines, "removed from the class: you can no longer answer")
	case q.Closed:
		lines = append(lines, "tally: "+class.TallyLine(q.Choices, q.Tally, q.Unanswered))
	case snap.Teacher == snap.Name:
		lines = append(lines, "live: "+class.TallyLine(q.Choices, q.Tally, q.Unanswered)+" · C closes it")
	default:
		var parts []string
		for i, c := range q.Choices {
			parts = append(parts, fmt.Sprintf("%d %s", i+1, c))
		}
		line := strings.Join(parts, " · ") + fmt.Sprintf(" · press 1-%d", len(q.Choices))
		if q.Mine > 0 {
			line += fmt.Sprintf(" (your answer: %d; you may change it)", q.Mine)
		}
		lines = append(lines, line)
	}
	return lines
}

// roomLine says what the teacher's hold and freeze mean for this laptop.
func roomLine(snap class.Snapshot) string {
	held := ""
	if snap.Held {
		held = "HELD by the teacher: your edits stay on this laptop"
		if snap.Waiting > 0 {
			held += fmt.Sprintf(" (%d waiting)", snap.Waiting)
		}
	}
	switch {
	case snap.Removed:
		return "REMOVED by the teacher: this laptop has left the class (q quits)"
	case snap.Frozen && snap.Held:
		return "PAUSED by the teacher: editing is paused, and the room is held"
	case snap.Frozen:
		return "PAUSED: the teacher has paused editing (pencils down); syncing goes on"
	}
	return held
}

// ShortHelp and FullHelp make the class screen a help.KeyMap.
func (m *Class) ShortHelp() []key.Binding {
	if m.mode == ClassPrompt {
		return m.prompt.keys.ShortHelp()
	}
	return m.keys.ShortHelp()
}

// FullHelp lists every key of what has focus.
func (m *Class) FullHelp() [][]key.Binding {
	if m.mode == ClassPrompt {
		return m.prompt.keys.FullHelp()
	}
	return m.keys.FullHelp()
}
