// Package model holds the Bubble Tea models: the root model with its modes
// and focus, and the small components it is built from (the start menu, the
// command prompt, the help screen, the target chooser and the confirmation
// question). The root owns the session and routes keys; a component that is
// open owns its keys; the ui package only renders.
package model

import (
	"time"

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
	ModeHelp               // the help screen is shown
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
	DemoName   string           // the built-in demo's name, when Scenario is one
	Free       *replicas.Config // or start in free play
	// Save, when set, is handed the session's recording (a scenario file)
	// after every change to it, and returns the command that writes it
	// (--record). The model itself does no I/O.
	Save func(recording string) tea.Cmd
	// WriteFile writes a file for :w, refusing an existing one unless
	// overwrite is set. It runs in a command, off the event loop; nil
	// turns :w off.
	WriteFile func(path string, data []byte, overwrite bool) error
	// Suspend, when set, is the command ctrl+z runs to give the terminal
	// back to the shell (the CLI stops the process as a shell would);
	// nil uses tea.Suspend.
	Suspend func() tea.Cmd
	// Autoplay steps a demo forward by itself: each step stays on screen
	// this long plus its reading time (0: off).
	Autoplay time.Duration
	// ExitAtEnd quits once the last step has been shown (at least 3 s).
	ExitAtEnd bool
	// ByAction starts a demo stepping one action at a time (--by action);
	// NoAsk starts it with its questions off (--no-ask).
	ByAction, NoAsk bool
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

	menu       Menu
	prompt     Prompt
	helpScreen HelpScreen
	chooser    Chooser
	confirm    Confirm
	log        scroller
	detail     viewport.Model // the Details pane
	narration  viewport.Model // the narration, when it scrolls
	detFor     detailsKey     // what the Details content was built for

	sess            *session
	playMode        Mode // the session's mode, kept while the menu shows
	focus           int
	first           int
	selected        int
	internals       bool
	internalsOffset int          // scrolls the full internals inside the CRDT boxes
	narrationOffset int          // scrolls the narration when it does not fit
	narrationFor    narrationKey // the step the offset is for
	pane            ui.Pane
	logKey          logKey // what the log content was built for
	logShown        bool   // the log is on screen (see ui.LogShown)
	boxes           ui.BoxCache
	// memos of the help bar and the rendered log, which change far less
	// often than frames are drawn
	barFor barKey
	bar    string
	// what the step shown did to collection values, memoized
	changesFor changesKey
	changes    [2][]ui.ValueChange
	front      [][]string
	memo       stateMemo // what changes and front are worked out from
	mutedMemo  map[mutedKey]string
	logFor     logViewKey
	logView    string
	status     string // an error or notice; cleared by the next key
	statusErr  bool
	// saved is the recording last written by :w, so that quitting knows
	// whether work would be lost; saveWarn is a failing --record save,
	// shown until a save succeeds.
	saved    string
	saveWarn string

	auto autoplayer
	// typesFromStart is set while the type picker was opened from the
	// start menu (free play by ops or deltas): esc goes back there.
	typesFromStart bool
	diag           diagramView
	// yours is the third lane (crdtviz lab), nil without it.
	yours       *yoursLane
	dirty       bool // the recording changed since it was last saved
	interrupted bool // ended by ctrl+c
}

// Interrupted reports whether the app was ended by ctrl+c, which exits
// like SIGINT.
func (m *Root) Interrupted() bool { return m.interrupted }

// New builds the root model.
func New(opts Options) (*Root, error) {
	if opts.Theme == "" {
		opts.Theme = ui.Dark
	}
	m := &Root{opts: opts, keys: DefaultKeyMap(), detail: viewport.New(), narration: viewport.New(),
		chooser: NewChooser()}
	m.restyle(opts.Theme)
	switch {
	case opts.Scenario != nil:
		s := newDemoSession(opts.Scenario, opts.DemoName)
		s.byAction, s.noAsk = opts.ByAction, opts.NoAsk
		m.start(s, ModeDemo)
	case opts.Free != nil:
		s, err := newFreeSession(*opts.Free)
		if err != nil {
			return nil, err
		}
		m.start(s, ModeFree)
	default:
		m.mode = ModeStart
		m.menu = m.newMenu(MenuOptions{})
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
	m.menu.restyle(m.styles, m.w, m.h)
	if m.prompt.keys.Submit.Keys() == nil {
		m.prompt = NewPrompt(m.styles)
	}
	m.prompt.SetStyles(m.styles)
	m.helpScreen = NewHelpScreen(m.styles)
	m.helpScreen.SetSize(m.w, m.h)
	if m.opts.ASCII {
		m.keys = DefaultKeyMap().ASCII()
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
		cmds = append(cmds, m.auto.tick(m.stepTime()))
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
	case writtenMsg:
		m.handleWritten(msg)
	case SaveFailedMsg:
		m.handleSaveFailed(msg)
	case tea.ResumeMsg:
		cmd = tea.ClearScreen // after fg: repaint everything
	default:
		cmd = m.forward(msg)
	}
	m.refresh()
	m.keys.update(keyState{mode: m.mode, sess: m.sess, autoplaying: m.auto.on, internals: m.internals})
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
	m.menu.SetSize(w, h-1) // the last line is the menu's status
	m.prompt.SetSize(w, 1)
	m.helpScreen.SetSize(w, h)
}

func (m *Root) handleBackground(msg tea.BackgroundColorMsg) {
	if !m.opts.ThemeFixed {
		m.restyle(backgroundTheme(msg))
	}
}

// backgroundTheme is the theme for the terminal's background colour.
func backgroundTheme(msg tea.BackgroundColorMsg) ui.Theme {
	if msg.IsDark() {
		return ui.Dark
	}
	return ui.Light
}

// handleKey routes a key: ctrl+c and ctrl+z first, then whatever is open
// (a question, the menu, the prompt, the help screen, a chooser) owns it;
// otherwise it is a play key.
func (m *Root) handleKey(k tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(k, m.keys.ForceQuit):
		m.interrupted = true
		return tea.Quit
	case key.Matches(k, m.keys.Suspend):
		if m.opts.Suspend != nil {
			return m.opts.Suspend()
		}
		return tea.Suspend
	case m.confirm.Pending():
		return m.confirmKey(k)
	}
	switch m.mode {
	case ModeStart, ModeTypes:
		return m.menuKey(k)
	case ModePrompt:
		return m.promptKey(k)
	case ModeHelp:
		var in HelpIntent
		if m.helpScreen, in = m.helpScreen.HandleKey(k); in.Close {
			m.mode = m.base
		}
		return nil
	}
	m.status, m.statusErr = "", false
	if m.chooser.Pending() {
		m.chooserKey(k)
		return nil
	}
	if m.auto.on {
		cmd, notice := m.auto.key(k, m.keys, m.stepTime())
		m.notice(notice)
		return cmd
	}
	for _, b := range m.playBindings() {
		if key.Matches(k, *b.key) {
			return b.do(m, k)
		}
	}
	return nil
}

// View renders the screen. Only the root returns a tea.View.
func (m *Root) View() tea.View {
	var content string
	switch {
	case m.w == 0 || m.h == 0:
	case m.w < ui.MinWidth || m.h < ui.MinHeightFor(m.yours != nil):
		content = ui.TooSmallFor(m.w, m.h, m.yours != nil, m.styles)
	case m.mode == ModeStart || m.mode == ModeTypes:
		content = m.menuView()
	case m.mode == ModeHelp:
		content = m.helpScreen.View()
	default:
		content = ui.Screen(m.state(), m.styles, m.layout)
	}
	v := tea.NewView(content)
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "crdtviz"
	return v
}

// ShortHelp and FullHelp make the root a help.KeyMap for what has focus.
func (m *Root) ShortHelp() []key.Binding {
	switch m.mode {
	case ModePrompt:
		return m.prompt.keys.ShortHelp()
	case ModeStart, ModeTypes:
		return m.menu.ShortHelp()
	}
	return m.keys.ShortHelp()
}

// FullHelp lists every key of what has focus.
func (m *Root) FullHelp() [][]key.Binding {
	switch m.mode {
	case ModePrompt:
		return m.prompt.keys.FullHelp()
	case ModeStart, ModeTypes:
		return m.menu.FullHelp()
	}
	return m.keys.FullHelp()
}
