// Package model holds the Bubble Tea models: the root model with its modes
// and focus, and the small components it is built from (the start menu, the
// command prompt). The root owns the session; the ui package only renders.
package model

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"crdtviz/crdt"
	"crdtviz/demos"
	"crdtviz/replicas"
	"crdtviz/ui"
)

// Mode gates what keys do.
type Mode int

const (
	ModeStart  Mode = iota // the start menu
	ModeFree               // free play
	ModeDemo               // playing a demo
	ModePrompt             // the ':' prompt is open over free play or a demo
	ModeHelp               // full help is shown
	ModeTypes              // choosing a type for free play
)

func (m Mode) String() string {
	return [...]string{"start", "free", "demo", "prompt", "help", "types"}[m]
}

// choice is a key waiting for its target replica (s, m, c then a digit).
type choice int

const (
	chooseNone choice = iota
	chooseSync
	chooseSend
	chooseLink
)

// Options configure a new root model.
type Options struct {
	Theme      ui.Theme
	ThemeFixed bool // chosen by flag or NO_COLOR: do not follow the terminal background
	ASCII      bool
	Scenario   *demos.Scenario  // start in this demo
	Free       *replicas.Config // or start in free play
	// Save, when set, is handed the session's recording (a scenario file)
	// after every change to it, and returns the command that writes it
	// (--record). The model itself does no I/O.
	Save func(recording string) tea.Cmd
	// Autoplay steps a demo forward by itself at this interval (0: off).
	Autoplay time.Duration
	// ExitAtEnd quits after the last step has been shown for one interval.
	ExitAtEnd bool
}

// autoplayMsg is one tick of autoplay. gen tells stale ticks (from before a
// pause or a speed change) from the current one.
type autoplayMsg struct{ gen int }

// Autoplay speed limits.
const (
	minAutoplay = 250 * time.Millisecond
	maxAutoplay = 60 * time.Second
)

// Root is the application model.
type Root struct {
	opts   Options
	mode   Mode
	base   Mode // the play mode under a prompt or help
	keys   KeyMap
	styles ui.Styles
	w, h   int
	layout ui.Layout

	menu   Menu
	prompt Prompt
	log    viewport.Model
	detail viewport.Model // the Details pane
	detFor string         // what the Details content was built for
	help   help.Model

	sess      *session
	focus     int
	first     int
	selected  int
	internals bool
	pane      ui.Pane
	choosing  choice
	logKey    string // what the log content was built for
	boxes     ui.BoxCache
	// memos of the help bar and the rendered log, which change far less
	// often than frames are drawn
	barFor    string
	bar       string
	logFor    string
	logView   string
	status    string // an error or notice; cleared by the next key
	statusErr bool

	autoplay  bool
	autoEvery time.Duration
	autoGen   int
	dirty     bool // the recording changed since it was last saved
}

// New builds the root model.
func New(opts Options) (*Root, error) {
	if opts.Theme == "" {
		opts.Theme = ui.Dark
	}
	m := &Root{opts: opts, keys: DefaultKeyMap(), help: help.New(), log: viewport.New(), detail: viewport.New()}
	m.restyle(opts.Theme)
	switch {
	case opts.Scenario != nil:
		m.start(newDemoSession(opts.Scenario), ModeDemo)
	case opts.Free != nil:
		s, err := newFreeSession(*opts.Free)
		if err != nil {
			return nil, err
		}
		m.start(s, ModeFree)
	default:
		m.mode = ModeStart
	}
	m.autoEvery = opts.Autoplay
	m.autoplay = opts.Autoplay > 0 && m.mode == ModeDemo
	m.refresh()
	return m, nil
}

// Recording is the session as a scenario file, for --record.
func (m *Root) Recording() string {
	if m.sess == nil {
		return ""
	}
	return m.sess.recording()
}

// Mode is the current mode.
func (m *Root) Mode() Mode { return m.mode }

func (m *Root) restyle(t ui.Theme) {
	m.styles = ui.NewStyles(t, m.opts.ASCII)
	m.barFor = "" // the help bar's colours changed
	m.menu = NewMenu(m.styles, false)
	m.menu.SetSize(m.w, m.h)
	m.prompt.SetStyles(m.styles)
	if m.prompt.keys.Submit.Keys() == nil {
		m.prompt = NewPrompt(m.styles)
	}
	m.help.Styles = help.DefaultStyles(t != ui.Light)
	if m.opts.ASCII {
		m.keys = DefaultKeyMap().ASCII()
		m.help.ShortSeparator, m.help.FullSeparator, m.help.Ellipsis = " | ", "   ", "..."
	}
}

// Init asks the terminal for its background colour, to pick dark or light,
// and starts autoplay.
func (m *Root) Init() tea.Cmd {
	var cmds []tea.Cmd
	if !m.opts.ThemeFixed {
		cmds = append(cmds, tea.RequestBackgroundColor)
	}
	if m.autoplay {
		cmds = append(cmds, m.tick())
	}
	if m.opts.Save != nil && m.sess != nil {
		cmds = append(cmds, m.opts.Save(m.Recording()))
	}
	return tea.Batch(cmds...)
}

func (m *Root) tick() tea.Cmd {
	gen := m.autoGen
	return tea.Tick(m.autoEvery, func(time.Time) tea.Msg { return autoplayMsg{gen: gen} })
}

// Update is a type switch that hands each message to its handler.
func (m *Root) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.handleResize(msg.Width, msg.Height)
	case tea.BackgroundColorMsg:
		m.handleBackground(msg)
	case tea.KeyPressMsg:
		cmd = m.handleKey(msg)
	case tea.MouseClickMsg:
		m.handleClick(msg.Mouse())
	case tea.MouseWheelMsg:
		m.handleWheel(msg.Mouse())
	case autoplayMsg:
		cmd = m.handleAutoplay(msg)
	default:
		cmd = m.forward(msg)
	}
	m.refresh()
	if m.dirty && m.opts.Save != nil {
		m.dirty = false
		cmd = tea.Batch(cmd, m.opts.Save(m.Recording()))
	}
	return m, cmd
}

// handleAutoplay takes one step; after the last step it stops, or quits
// with ExitAtEnd.
func (m *Root) handleAutoplay(msg autoplayMsg) tea.Cmd {
	if !m.autoplay || msg.gen != m.autoGen || m.mode == ModeStart {
		return nil
	}
	if m.sess.demo() && m.sess.next() {
		return m.tick()
	}
	m.autoplay = false
	if m.opts.ExitAtEnd {
		return tea.Quit
	}
	m.notice("Autoplay reached the end. a starts it again from here; ← goes back.")
	return nil
}

// autoplayKey handles a key while autoplay runs: a pauses, + and - change
// the speed, and any other key pauses.
func (m *Root) autoplayKey(k tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(k, m.keys.Faster), key.Matches(k, m.keys.Slower):
		if key.Matches(k, m.keys.Faster) {
			m.autoEvery = max(minAutoplay, m.autoEvery*2/3)
		} else {
			m.autoEvery = min(maxAutoplay, m.autoEvery*3/2)
		}
		m.autoGen++
		m.notice(fmt.Sprintf("Autoplay: a step every %s.", m.autoEvery.Round(10*time.Millisecond)))
		return m.tick()
	case key.Matches(k, m.keys.Quit):
		return tea.Quit
	}
	m.autoplay = false
	m.autoGen++
	m.notice("Autoplay paused. a resumes it.")
	return nil
}

// forward passes other messages (cursor blinks, list filtering results,
// pastes) to the component that has focus.
func (m *Root) forward(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	switch m.mode {
	case ModeStart, ModeTypes:
		m.menu, cmd = m.menu.Update(msg)
	case ModePrompt:
		m.prompt, cmd = m.prompt.Update(msg)
	}
	return cmd
}

func (m *Root) handleResize(w, h int) {
	m.w, m.h = w, h
	m.menu.SetSize(w, h)
	m.prompt.SetSize(w, 1)
	m.help.SetWidth(w)
}

func (m *Root) handleBackground(msg tea.BackgroundColorMsg) {
	if m.opts.ThemeFixed {
		return
	}
	t := ui.Light
	if msg.IsDark() {
		t = ui.Dark
	}
	typesOnly := m.mode == ModeTypes
	m.restyle(t)
	if typesOnly {
		m.menu = NewMenu(m.styles, true)
		m.menu.SetSize(m.w, m.h)
	}
}

func (m *Root) handleKey(k tea.KeyPressMsg) tea.Cmd {
	switch m.mode {
	case ModeStart, ModeTypes:
		return m.menuKey(k)
	case ModePrompt:
		var cmd tea.Cmd
		var intent PromptIntent
		m.prompt, cmd, intent = m.prompt.HandleKey(k)
		switch {
		case intent.Submit:
			m.handleSubmit(intent.Text)
		case intent.Cancel:
			m.closePrompt()
		}
		return cmd
	case ModeHelp:
		if key.Matches(k, m.keys.Quit) && k.String() == "ctrl+c" {
			return tea.Quit
		}
		m.mode = m.base // any key closes help
		return nil
	}
	m.status, m.statusErr = "", false
	if m.autoplay {
		return m.autoplayKey(k)
	}
	if key.Matches(k, m.keys.Autoplay) {
		return m.startAutoplay()
	}
	if m.choosing != chooseNone {
		m.chooseTarget(k)
		return nil
	}
	for _, b := range m.playBindings() {
		if key.Matches(k, b.key) {
			return b.do(m, k)
		}
	}
	return nil
}

func (m *Root) menuKey(k tea.KeyPressMsg) tea.Cmd {
	if k.String() == "ctrl+c" {
		return tea.Quit
	}
	if m.mode == ModeTypes && k.String() == "esc" && !m.menu.Filtering() {
		m.mode = ModeFree
		return nil
	}
	var cmd tea.Cmd
	var choice *MenuChoice
	m.menu, cmd, choice = m.menu.HandleKey(k)
	if choice != nil {
		m.handleMenuChoice(*choice)
	}
	return cmd
}

func (m *Root) handleMenuChoice(c MenuChoice) {
	if c.Demo != "" {
		s, err := demos.LoadBuiltin(c.Demo)
		if err != nil {
			m.fail(err)
			return
		}
		m.start(newDemoSession(s), ModeDemo)
		return
	}
	names := []string{"Alice", "Bob", "Carol"}
	if m.sess != nil && m.mode == ModeTypes {
		names = m.sess.cluster().Names()
	}
	s, err := newFreeSession(replicas.Config{Type: c.Type, Names: names})
	if err != nil {
		m.fail(err)
		return
	}
	m.start(s, ModeFree)
}

func (m *Root) start(s *session, mode Mode) {
	m.sess, m.mode = s, mode
	m.focus, m.first, m.selected, m.choosing = 0, 0, 0, chooseNone
	m.pane = ui.PaneNarration
	if mode == ModeFree {
		m.pane = ui.PaneMessages
	}
}

// binding pairs a key with what it does on the play screen.
type binding struct {
	key key.Binding
	do  func(*Root, tea.KeyPressMsg) tea.Cmd
}

func (m *Root) playBindings() []binding {
	k := m.keys
	return []binding{
		{k.Quit, func(*Root, tea.KeyPressMsg) tea.Cmd { return tea.Quit }},
		{k.Next, (*Root).next},
		{k.Prev, (*Root).prev},
		{k.Help, func(r *Root, _ tea.KeyPressMsg) tea.Cmd { r.base, r.mode = r.mode, ModeHelp; return nil }},
		{k.Prompt, func(r *Root, _ tea.KeyPressMsg) tea.Cmd { return r.openPrompt("") }},
		{k.FocusNext, func(r *Root, _ tea.KeyPressMsg) tea.Cmd { r.setFocus(r.focus + 1); return nil }},
		{k.Focus, func(r *Root, k tea.KeyPressMsg) tea.Cmd {
			n, _ := strconv.Atoi(k.String())
			r.setFocus(n - 1)
			return nil
		}},
		{k.Edit, func(r *Root, _ tea.KeyPressMsg) tea.Cmd { return r.editPrompt(true) }},
		{k.Inc, (*Root).inc},
		{k.Dec, (*Root).dec},
		{k.Sync, func(r *Root, _ tea.KeyPressMsg) tea.Cmd { r.choosing = chooseSync; return nil }},
		{k.Send, func(r *Root, _ tea.KeyPressMsg) tea.Cmd { r.choosing = chooseSend; return nil }},
		{k.Link, func(r *Root, _ tea.KeyPressMsg) tea.Cmd { r.choosing = chooseLink; return nil }},
		{k.SyncAll, func(r *Root, _ tea.KeyPressMsg) tea.Cmd { r.act(replicas.SyncAll{}); return nil }},
		{k.HealAll, func(r *Root, _ tea.KeyPressMsg) tea.Cmd { r.act(replicas.HealAll{}); return nil }},
		{k.Partition, (*Root).partition},
		{k.MsgUp, func(r *Root, _ tea.KeyPressMsg) tea.Cmd { r.selected--; return nil }},
		{k.MsgDown, func(r *Root, _ tea.KeyPressMsg) tea.Cmd { r.selected++; return nil }},
		{k.Deliver, func(r *Root, _ tea.KeyPressMsg) tea.Cmd { r.onMessage("deliver"); return nil }},
		{k.Newest, func(r *Root, _ tea.KeyPressMsg) tea.Cmd { r.onMessage("newest"); return nil }},
		{k.Drop, func(r *Root, _ tea.KeyPressMsg) tea.Cmd { r.onMessage("drop"); return nil }},
		{k.Duplicate, func(r *Root, _ tea.KeyPressMsg) tea.Cmd { r.onMessage("duplicate"); return nil }},
		{k.DeliverAll, func(r *Root, _ tea.KeyPressMsg) tea.Cmd { r.act(replicas.DeliverAll{}); return nil }},
		{k.Internals, func(r *Root, _ tea.KeyPressMsg) tea.Cmd { r.internals = !r.internals; return nil }},
		{k.Pane, (*Root).nextPane},
		{k.LogUp, func(r *Root, _ tea.KeyPressMsg) tea.Cmd { r.scrollPane(-3); return nil }},
		{k.LogDown, func(r *Root, _ tea.KeyPressMsg) tea.Cmd { r.scrollPane(3); return nil }},
		{k.ChooseType, (*Root).chooseType},
		{k.Return, (*Root).returnToDemo},
		{k.Menu, func(r *Root, _ tea.KeyPressMsg) tea.Cmd { r.mode = ModeStart; return nil }},
	}
}

func (m *Root) startAutoplay() tea.Cmd {
	if !m.sess.demo() {
		m.notice("Autoplay steps through a demo; in free play, use → to redo.")
		return nil
	}
	if m.autoEvery <= 0 {
		m.autoEvery = 3 * time.Second
	}
	m.autoplay = true
	m.autoGen++
	m.notice(fmt.Sprintf("Autoplay: a step every %s. Any key pauses; + and - change the speed.", m.autoEvery.Round(10*time.Millisecond)))
	return m.tick()
}

func (m *Root) next(tea.KeyPressMsg) tea.Cmd {
	if !m.sess.next() {
		if m.sess.demo() {
			m.notice("That was the last step. ← goes back; : or any action key explores from here.")
		} else {
			m.notice("Nothing to redo: this is the newest point.")
		}
	}
	return nil
}

func (m *Root) prev(tea.KeyPressMsg) tea.Cmd {
	if !m.sess.prev() {
		m.notice("This is the start.")
	}
	return nil
}

// nextPane cycles the bottom pane's tabs: narration (in a demo), messages,
// log, details.
func (m *Root) nextPane(tea.KeyPressMsg) tea.Cmd {
	m.pane = (m.pane + 1) % 4
	if m.pane == ui.PaneNarration && m.sess.scenario == nil {
		m.pane = ui.PaneMessages
	}
	return nil
}

func (m *Root) returnToDemo(tea.KeyPressMsg) tea.Cmd {
	if !m.sess.returnToDemo() {
		m.notice("r returns to a demo after you branch off it; there is nothing to return to.")
		return nil
	}
	m.mode = ModeDemo
	m.notice("Back in the demo, at the step you left.")
	return nil
}

func (m *Root) chooseType(tea.KeyPressMsg) tea.Cmd {
	if m.sess.scenario != nil {
		m.notice("t chooses the type in free play; a demo has its own type.")
		return nil
	}
	m.menu = NewMenu(m.styles, true)
	m.menu.SetSize(m.w, m.h)
	m.mode = ModeTypes
	return nil
}

func (m *Root) setFocus(i int) {
	n := len(m.sess.cluster().Names())
	if i >= n || i < 0 {
		if i >= 0 && i < 8 && i >= n {
			m.failf("there is no replica %d: this cluster has %d", i+1, n)
			return
		}
		i = 0
	}
	m.focus = i
}

func (m *Root) focused() string { return m.sess.cluster().Names()[m.focus] }

// editPrompt opens the prompt with an edit of the focused replica already
// typed, using the type's main operation (or its removing one).
func (m *Root) editPrompt(primary bool) tea.Cmd {
	c := m.sess.cluster()
	r := c.Replica(m.focused())
	head := "edit " + replicas.QuoteName(r.Name) + " "
	var op string
	switch c.Type() {
	case crdt.LWWRegister, crdt.MVRegister:
		op = "set "
	case crdt.GCounter, crdt.PNCounter:
		op = "inc "
		if !primary {
			op = "dec "
		}
	case crdt.GSet, crdt.TwoPSet, crdt.LWWSet, crdt.ORSet:
		op = "add "
		if !primary {
			op = "remove "
		}
	case crdt.LWWMap:
		op = "put "
		if !primary {
			op = "delete "
		}
	case crdt.Text:
		n := len([]rune(r.Value(replicas.CRDT).Str))
		op = fmt.Sprintf("insert %d ", n)
		if !primary {
			op = fmt.Sprintf("delete %d", max(0, n-1))
		}
	}
	return m.openPrompt(head + op)
}

func (m *Root) inc(tea.KeyPressMsg) tea.Cmd {
	switch m.sess.cluster().Type() {
	case crdt.GCounter, crdt.PNCounter:
		m.act(replicas.Edit{Replica: m.focused(), Op: crdt.Op{Kind: crdt.OpInc, N: 1}})
		return nil
	}
	return m.editPrompt(true)
}

func (m *Root) dec(tea.KeyPressMsg) tea.Cmd {
	switch t := m.sess.cluster().Type(); t {
	case crdt.PNCounter:
		m.act(replicas.Edit{Replica: m.focused(), Op: crdt.Op{Kind: crdt.OpDec, N: 1}})
		return nil
	case crdt.GCounter, crdt.GSet, crdt.LWWRegister, crdt.MVRegister:
		m.fail(crdt.CheckOp(t, crdt.Op{Kind: crdt.OpDec, N: 1}))
		if t != crdt.GCounter {
			m.failf("%s has nothing to remove: it takes %s", t, crdt.OpUsage(t))
		}
		return nil
	}
	return m.editPrompt(false)
}

func (m *Root) partition(tea.KeyPressMsg) tea.Cmd {
	var rest []string
	for _, n := range m.sess.cluster().Names() {
		if n != m.focused() {
			rest = append(rest, n)
		}
	}
	m.act(replicas.Partition{Groups: [][]string{{m.focused()}, rest}})
	return nil
}

// chooseTarget finishes s, m or c with a digit (or a for all, esc to cancel).
func (m *Root) chooseTarget(k tea.KeyPressMsg) {
	what := m.choosing
	m.choosing = chooseNone
	from := m.focused()
	names := m.sess.cluster().Names()
	s := k.String()
	if s == "a" && what != chooseLink {
		if what == chooseSync {
			m.act(replicas.Sync{From: from, ToAll: true})
		} else {
			m.act(replicas.Send{From: from, ToAll: true})
		}
		return
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > len(names) {
		if s != "esc" {
			m.notice("Cancelled.")
		}
		return
	}
	to := names[n-1]
	if to == from {
		m.failf("%s is the focused replica; choose another one", to)
		return
	}
	switch what {
	case chooseSync:
		m.act(replicas.Sync{From: from, To: to})
	case chooseSend:
		m.act(replicas.Send{From: from, To: to})
	case chooseLink:
		m.toggleLink(from, to)
	}
}

// toggleLink cuts both directions between a and b when both are up, and
// heals both otherwise.
func (m *Root) toggleLink(a, b string) {
	c := m.sess.cluster()
	if c.Up(a, b) && c.Up(b, a) {
		m.act(replicas.Cut{From: a, To: b, Both: true})
		return
	}
	m.act(replicas.Heal{From: a, To: b, Both: true})
}

// onMessage acts on the selected message in flight.
func (m *Root) onMessage(what string) {
	c := m.sess.cluster()
	msgs := c.InFlight()
	if len(msgs) == 0 {
		m.notice("Nothing is in flight. m sends the focused replica's state to another.")
		return
	}
	msg := msgs[m.selected]
	q := c.Queue(msg.From, msg.To)
	oldest, newest := q[0].ID == msg.ID, q[len(q)-1].ID == msg.ID
	switch what {
	case "deliver":
		switch {
		case oldest:
			m.act(replicas.Deliver{From: msg.From, To: msg.To})
		case newest:
			m.act(replicas.Deliver{From: msg.From, To: msg.To, Newest: true})
		default:
			m.failf("#%d is in the middle of its link's queue: deliver the oldest (#%d) or the newest (#%d)", msg.ID, q[0].ID, q[len(q)-1].ID)
		}
	case "newest":
		m.act(replicas.Deliver{From: msg.From, To: msg.To, Newest: true})
	case "drop":
		m.act(replicas.Drop{From: msg.From, To: msg.To})
	case "duplicate":
		m.act(replicas.Duplicate{From: msg.From, To: msg.To})
	}
}

// act applies an action; an error goes to the status line.
func (m *Root) act(a replicas.Action) { m.fail(m.apply(a)) }

// apply applies an action to the session and reports what happened. In a
// demo, acting branches off into free play.
func (m *Root) apply(a replicas.Action) error {
	notice, err := m.sess.do(a)
	if err != nil {
		return err
	}
	if m.sess.branched {
		if m.mode == ModeDemo {
			m.mode = ModeFree
		}
		if m.base == ModeDemo {
			m.base = ModeFree
		}
	}
	m.dirty = true
	if notice != "" {
		m.notice(notice)
	}
	return nil
}

func (m *Root) openPrompt(prefill string) tea.Cmd {
	m.base, m.mode = m.mode, ModePrompt
	var cmd tea.Cmd
	m.prompt, cmd = m.prompt.Open(prefill, m.sess.cluster().Names())
	return cmd
}

func (m *Root) closePrompt() {
	m.prompt = m.prompt.Close()
	if m.mode == ModePrompt {
		m.mode = m.base
	}
}

// handleSubmit runs a statement typed at the prompt. A bad one keeps the
// prompt open with the error shown; nothing else changes.
func (m *Root) handleSubmit(text string) {
	if strings.TrimSpace(text) == "" {
		m.closePrompt()
		return
	}
	st, err := demos.ParseStatement(text, m.sess.header)
	if err != nil {
		m.prompt = m.prompt.Failed(strings.TrimPrefix(err.Error(), "prompt:1:"))
		return
	}
	switch {
	case st.Step != nil:
		m.closePrompt()
		m.sess.mark(st.String())
		m.dirty = true
		m.notice("Step marked: " + *st.Step)
	case st.Expect != nil:
		res := demos.Check(st, m.sess.cluster())
		m.closePrompt()
		m.sess.mark(st.String())
		m.dirty = true
		if res.Pass {
			m.notice(m.styles.Symbols.Check + " " + st.String())
		} else {
			m.failf("%s %s (got %s)", m.styles.Symbols.Cross, st.String(), res.Got)
		}
	default:
		if err := m.apply(st.Action); err != nil {
			m.prompt = m.prompt.Failed(err.Error())
			return
		}
		m.prompt = m.prompt.Remember(text)
		m.closePrompt()
	}
}

func (m *Root) handleClick(ms tea.Mouse) {
	if m.mode != ModeFree && m.mode != ModeDemo || m.layout.TooSmall || ms.Button != tea.MouseLeft {
		return
	}
	if col, ok := m.layout.BoxAt(ms.X, ms.Y); ok {
		m.setFocus(m.first + col)
		return
	}
	nr := m.layout.Network
	if nr.Contains(ms.X, ms.Y) {
		c := m.sess.cluster()
		for _, h := range ui.LinkHits(c, m.styles, nr.W, nr.H) {
			if h.Rect.Contains(ms.X-nr.X, ms.Y-nr.Y) {
				names := c.Names()
				m.toggleLink(names[h.A], names[h.B])
				return
			}
		}
	}
}

func (m *Root) handleWheel(ms tea.Mouse) {
	if ms.Button == tea.MouseWheelUp {
		m.scrollPane(-3)
	} else if ms.Button == tea.MouseWheelDown {
		m.scrollPane(3)
	}
}

// scrollPane scrolls the details when they show, the log otherwise.
func (m *Root) scrollPane(n int) {
	vp := &m.log
	if m.pane == ui.PaneDetails {
		vp = &m.detail
	}
	if n < 0 {
		vp.ScrollUp(-n)
	} else {
		vp.ScrollDown(n)
	}
}

func (m *Root) notice(s string) { m.status, m.statusErr = s, false }

func (m *Root) fail(err error) {
	if err != nil {
		m.status, m.statusErr = err.Error(), true
	}
}

func (m *Root) failf(format string, args ...any) { m.fail(fmt.Errorf(format, args...)) }

// refresh brings derived state up to date after every message: the layout,
// the scroll of the replica row, the message selection and the log.
func (m *Root) refresh() {
	if m.sess == nil {
		return
	}
	c := m.sess.cluster()
	n := len(c.Names())
	m.focus = min(max(m.focus, 0), n-1)
	m.layout = ui.Compute(m.w, m.h, n, m.internals)
	if cols := m.layout.Columns; cols > 0 {
		if m.focus < m.first {
			m.first = m.focus
		}
		if m.focus >= m.first+cols {
			m.first = m.focus - cols + 1
		}
		m.first = min(max(m.first, 0), max(0, n-cols))
	}
	m.selected = min(max(m.selected, 0), max(0, len(c.InFlight())-1))
	narr, exp := m.sess.narration() // all the log's size depends on
	lw, lh := ui.LogArea(ui.State{Demo: m.sess.scenario != nil, Narration: narr, Expects: exp}, m.layout)
	m.log.SetWidth(max(1, lw))
	m.log.SetHeight(max(1, lh))
	atBottom := m.log.AtBottom() || m.log.TotalLineCount() == 0
	if key := fmt.Sprintf("%p/%d/%d/%d", m.sess.tl, m.sess.tl.Pos(), lw, lh); key != m.logKey {
		m.log.SetContentLines(m.sess.logLines(lw, lh))
		m.logKey = key
		atBottom = true
	}
	if atBottom {
		m.log.GotoBottom()
	}
	if m.pane == ui.PaneDetails {
		dw, dh := ui.LogArea(ui.State{Demo: m.sess.scenario != nil, Narration: narr, Expects: exp, Pane: ui.PaneDetails}, m.layout)
		m.detail.SetWidth(max(1, dw))
		m.detail.SetHeight(max(1, dh))
		if key := fmt.Sprintf("%p/%d/%d/%d", c, c.Tick(), m.focus, dw); key != m.detFor {
			m.detail.SetContentLines(ui.DetailLines(c.Replicas()[m.focus], m.focus, dw))
			m.detail.GotoTop()
			m.detFor = key
		}
	}
}

// historyID names one history: a timeline, and how many times it branched.
type historyID struct {
	tl  *replicas.Timeline
	gen int
}

// state gathers what the screen shows.
func (m *Root) state() ui.State {
	s := m.sess
	narr, exp := s.narration()
	st := ui.State{
		Title: s.title, StepLabel: s.stepLabel(), Cluster: s.cluster(), Changed: s.changed(),
		Focus: m.focus, First: m.first, Internals: m.internals, Selected: m.selected, Pane: m.pane,
		Demo: s.scenario != nil, Narration: narr, Expects: exp, Log: m.renderedLog(),
		Boxes: &m.boxes, History: historyID{s.tl, s.gen},
	}
	if m.pane == ui.PaneDetails {
		st.Details = m.detail.View()
	}
	switch {
	case m.autoplay:
		st.Notice = fmt.Sprintf("%s autoplay %s", m.styles.Symbols.Right, m.autoEvery.Round(10*time.Millisecond))
	case s.branched:
		st.Notice = "branched: r returns to the demo"
	}
	st.Status, st.Bar = m.statusLines()
	return st
}

// renderedLog is the log viewport's view, drawn again only when its
// content, scroll or size changed.
func (m *Root) renderedLog() string {
	key := fmt.Sprintf("%s/%d/%d/%d", m.logKey, m.log.YOffset(), m.log.Width(), m.log.Height())
	if key != m.logFor {
		m.logView, m.logFor = m.log.View(), key
	}
	return m.logView
}

// helpBar is the short help, drawn again only when what it shows changed.
func (m *Root) helpBar() string {
	key := fmt.Sprintf("%v/%d/%s", m.sess.demo(), m.w, m.styles.Theme)
	if key != m.barFor {
		m.bar, m.barFor = m.help.ShortHelpView(m.keys.ForFreePlay(!m.sess.demo()).ShortHelp()), key
	}
	return m.bar
}

func (m *Root) statusLines() (string, string) {
	bar := m.helpBar()
	sym := m.styles.Symbols
	switch {
	case m.mode == ModePrompt:
		return m.prompt.View(), m.prompt.HintView()
	case m.choosing != chooseNone:
		verb := map[choice]string{chooseSync: "sync", chooseSend: "send", chooseLink: "cut or heal the link between"}[m.choosing]
		all := ", a for all"
		if m.choosing == chooseLink {
			all = ""
		}
		n := len(m.sess.cluster().Names())
		return m.styles.App.Notice.Render(fmt.Sprintf("%s %s %s which replica? press 1-%d%s, esc cancels", verb, m.focused(), sym.Arrow, n, all)), bar
	case m.status != "" && m.statusErr:
		return m.styles.App.Error.Render(sym.Cross + " " + m.status), bar
	case m.status != "":
		return m.styles.App.Notice.Render(m.status), bar
	}
	return m.styles.App.Muted.Render(m.sess.lastSentence()), bar
}

// View renders the screen. Only the root returns a tea.View.
func (m *Root) View() tea.View {
	var content string
	switch {
	case m.w == 0 || m.h == 0:
	case m.w < ui.MinWidth || m.h < ui.MinHeight:
		content = ui.TooSmall(m.w, m.h, m.styles)
	case m.mode == ModeStart || m.mode == ModeTypes:
		content = ui.Fit(m.menu.View(), m.w, m.h)
	case m.mode == ModeHelp:
		content = m.helpView()
	default:
		content = ui.Screen(m.state(), m.styles, m.layout)
	}
	v := tea.NewView(content)
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "crdtviz"
	return v
}

func (m *Root) helpView() string {
	full := m.help
	full.ShowAll = true
	text := m.styles.App.Title.Render("crdtviz: every key") + "\n\n" + full.FullHelpView(m.keys.ForFreePlay(!m.sess.demo()).FullHelp()) +
		"\n\n" + m.styles.App.Muted.Render("Mouse: click a replica to focus it; click a link to cut or heal it.\nAt the : prompt, type any scenario statement (see docs/scenario-format.md).\nPress any key to close this help.")
	return ui.Fit(text, m.w, m.h)
}

// ShortHelp and FullHelp make the root a help.KeyMap for what has focus.
func (m *Root) ShortHelp() []key.Binding {
	if m.mode == ModePrompt {
		return m.prompt.keys.ShortHelp()
	}
	return m.keys.ShortHelp()
}

// FullHelp lists every key of what has focus.
func (m *Root) FullHelp() [][]key.Binding {
	if m.mode == ModePrompt {
		return m.prompt.keys.FullHelp()
	}
	return m.keys.FullHelp()
}

var _ help.KeyMap = (*Root)(nil)
