// Package model holds the Bubble Tea models: the root model with its modes
// and focus, and the small components it is built from (the start menu, the
// command prompt). The root owns the session; the ui package only renders.
package model

import (
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

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
	detFor detailsKey     // what the Details content was built for
	help   help.Model

	sess      *session
	focus     int
	first     int
	selected  int
	internals bool
	// internalsOffset scrolls the full internals inside the CRDT boxes.
	internalsOffset int
	pane            ui.Pane
	choosing        choice
	logKey          logKey // what the log content was built for
	boxes           ui.BoxCache
	// memos of the help bar and the rendered log, which change far less
	// often than frames are drawn
	barFor    barKey
	bar       string
	logFor    logViewKey
	logView   string
	status    string // an error or notice; cleared by the next key
	statusErr bool

	auto  autoplayer
	dirty bool // the recording changed since it was last saved
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
	m.auto.every = opts.Autoplay
	m.auto.on = opts.Autoplay > 0 && m.mode == ModeDemo
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
	m.barFor = barKey{} // the help bar's colours changed
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
	if m.auto.on {
		cmds = append(cmds, m.auto.tick())
	}
	if m.opts.Save != nil && m.sess != nil {
		cmds = append(cmds, m.opts.Save(m.Recording()))
	}
	return tea.Batch(cmds...)
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
	m.keys.update(m.mode, m.sess, m.auto.on, m.internals)
	if m.dirty && m.opts.Save != nil {
		m.dirty = false
		cmd = tea.Batch(cmd, m.opts.Save(m.Recording()))
	}
	return m, cmd
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
	if key.Matches(k, m.keys.ForceQuit) {
		return tea.Quit
	}
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
		m.mode = m.base // any key closes help
		return nil
	}
	m.status, m.statusErr = "", false
	if m.auto.on {
		cmd, notice := m.auto.key(k, m.keys)
		m.notice(notice)
		return cmd
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
	text := m.styles.App.Title.Render("crdtviz: every key") + "\n\n" + full.FullHelpView(m.keys.FullHelp()) +
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
