package model

import (
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"crdtviz/class"
	"crdtviz/ui"
)

// ReplayKeyMap is every key of the replay screen: the simulator's diagram
// keys, where a key means the same thing.
type ReplayKeyMap struct {
	Prev, Next, Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	All, Full, Help, Quit, ForceQuit                    key.Binding
}

// DefaultReplayKeyMap is the replay screen's keys.
func DefaultReplayKeyMap() ReplayKeyMap {
	b := func(keys []string, k, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
	}
	return ReplayKeyMap{
		Prev:      b([]string{"up", "k"}, "↑", "select the message before"),
		Next:      b([]string{"down", "j"}, "↓", "select the message after"),
		Up:        b([]string{"["}, "[", "scroll up (earlier)"),
		Down:      b([]string{"]"}, "]", "scroll down (later)"),
		PageUp:    b([]string{"pgup"}, "pgup", "a page earlier"),
		PageDown:  b([]string{"pgdown"}, "pgdn", "a page later"),
		Top:       b([]string{"home"}, "home", "the beginning"),
		Bottom:    b([]string{"end"}, "end", "the end"),
		All:       b([]string{"a"}, "a", "every message / the story"),
		Full:      b([]string{"G"}, "G", "diagram full screen"),
		Help:      b([]string{"?"}, "?", "help: every key"),
		Quit:      b([]string{"q", "esc"}, "q", "quit"),
		ForceQuit: b([]string{"ctrl+c"}, "ctrl+c", "quit at once"),
	}
}

// ShortHelp is the help bar (help.KeyMap).
func (k ReplayKeyMap) ShortHelp() []key.Binding {
	short := func(b key.Binding, desc string) key.Binding {
		b.SetHelp(b.Help().Key, desc)
		return b
	}
	return []key.Binding{short(k.Prev, "select"), short(k.Up, "scroll"), short(k.All, "all/story"), short(k.Full, "full"),
		short(k.Help, "help"), short(k.Quit, "quit")}
}

// FullHelp is every key, grouped (help.KeyMap).
func (k ReplayKeyMap) FullHelp() [][]key.Binding {
	var out [][]key.Binding
	for _, g := range k.Groups() {
		out = append(out, g.Keys)
	}
	return out
}

// Groups is every key, grouped, for the help screen.
func (k ReplayKeyMap) Groups() []HelpGroup {
	return []HelpGroup{
		{"Messages", []key.Binding{k.Prev, k.Next, k.All}},
		{"Scrolling", []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}},
		{"Screen", []key.Binding{k.Full, k.Help, k.Quit, k.ForceQuit}},
	}
}

// replayNotes are the help screen's notes in the replay.
var replayNotes = []string{
	"Each laptop is a line; time runs down, one row per Lamport time: a message is always received below where it was sent, whatever each laptop's clock said.",
	"Clock times (the margin's, and a selected message's) are each laptop's own: laptops' clocks disagree, so they are shown, never compared.",
	"Each message is one payload sent to one peer: ▶ received, ✗ dropped (by the teacher's partition, or where it arrived) or lost on the way. m4,m7: a payload and its copy (gossip sends a broadcast more than once).",
	"The story (the default) draws the edits, the teacher's controls (to every member, even one that had it already), the answers, and the messages that changed a replica or were dropped or lost; a draws every message.",
}

// ReplayOptions configure the replay screen.
type ReplayOptions struct {
	Theme      ui.Theme
	ThemeFixed bool
	ASCII      bool
	File       string
	Show       ReplayShow
	Only       []string       // the laptops drawn (none: all)
	Zone       *time.Location // the clock times' zone; nil: local
}

// Replay is the root model of crdtviz class replay: a recorded class's own
// space-time diagram, in the pane and full screen.
type Replay struct {
	opts     ReplayOptions
	rp       *class.Replay
	keys     ReplayKeyMap
	styles   ui.Styles
	help     HelpScreen
	helpOpen bool
	w, h     int
	full     bool
	show     ReplayShow
	offset   int
	selected int
	status   string
	atStart  bool // show the beginning, once the size is known

	rows      ReplayRows
	rowsFor   ReplayShow
	rowsMade  bool
	rowOf     map[uint64]int // Lamport time → row
	built     ui.Diagram
	builtFrom int
	builtOK   bool
}

// NewReplay makes the replay screen of a recorded class.
func NewReplay(rp *class.Replay, opts ReplayOptions) *Replay {
	if opts.Theme == "" {
		opts.Theme = ui.Dark
	}
	m := &Replay{opts: opts, rp: rp, keys: DefaultReplayKeyMap(), show: opts.Show}
	if opts.ASCII {
		m.keys.Prev.SetHelp("up", m.keys.Prev.Help().Desc)
		m.keys.Next.SetHelp("down", m.keys.Next.Help().Desc)
	}
	m.restyle(opts.Theme)
	m.atStart = true // a replay opens at its beginning
	m.status = "↑/↓ select a message: when it was sent and received, by each laptop's clock."
	return m
}

func (m *Replay) restyle(t ui.Theme) {
	m.styles = ui.NewStyles(t, m.opts.ASCII)
	m.help = NewHelpScreen(m.styles)
	notes := replayNotes
	if m.opts.ASCII {
		notes = make([]string, len(replayNotes))
		for i, n := range replayNotes {
			notes[i] = ui.ASCIIText(n)
		}
	}
	m.help.SetNotes(notes)
	m.help.SetSize(m.w, m.h)
}

// Init asks for the background colour.
func (m *Replay) Init() tea.Cmd {
	if m.opts.ThemeFixed {
		return nil
	}
	return tea.RequestBackgroundColor
}

// Update is a type switch that hands each message to its handler.
func (m *Replay) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
		m.help.SetSize(m.w, m.h)
		if m.atStart {
			m.scroll(1 << 30)
		}
	case tea.BackgroundColorMsg:
		if !m.opts.ThemeFixed {
			m.restyle(backgroundTheme(msg))
		}
	case tea.KeyPressMsg:
		return m, m.handleKey(msg)
	}
	return m, nil
}

func (m *Replay) handleKey(k tea.KeyPressMsg) tea.Cmd {
	km := m.keys
	if key.Matches(k, km.ForceQuit) {
		return tea.Quit
	}
	if m.helpOpen {
		var in HelpIntent
		m.help, in = m.help.HandleKey(k)
		m.helpOpen = !in.Close
		return nil
	}
	m.atStart = false
	page := max(1, m.bodyH()-2)
	switch {
	case key.Matches(k, km.Quit):
		if m.full && k.String() == "esc" {
			m.full = false // esc leaves the full screen first
			return nil
		}
		return tea.Quit
	case key.Matches(k, km.Prev):
		m.selectBy(-1)
	case key.Matches(k, km.Next):
		m.selectBy(1)
	case key.Matches(k, km.Up):
		m.scroll(2)
	case key.Matches(k, km.Down):
		m.scroll(-2)
	case key.Matches(k, km.PageUp):
		m.scroll(page)
	case key.Matches(k, km.PageDown):
		m.scroll(-page)
	case key.Matches(k, km.Top):
		m.scroll(1 << 30)
	case key.Matches(k, km.Bottom):
		m.offset = 0
	case key.Matches(k, km.All):
		// Keep the Lamport time at the top of the window.
		rr := m.replayRows()
		top := (m.totalLines() - m.bodyH() - m.offset) / 2
		at := uint64(0)
		if len(rr.Times) > 0 {
			at = rr.Times[min(max(top, 0), len(rr.Times)-1)]
		}
		m.show = 1 - m.show
		if !m.drawn(m.selected) {
			m.selected = 0
		}
		rr = m.replayRows()
		i, _ := slices.BinarySearch(rr.Times, at)
		m.offset = 0
		m.scroll(m.totalLines() - m.bodyH() - 2*i)
		m.status = ""
	case key.Matches(k, km.Full):
		m.full = !m.full
	case key.Matches(k, km.Help):
		m.help = m.help.Open(m.keys.Groups())
		m.helpOpen = true
	}
	return nil
}

// replayRows are the rows of what is drawn now, made once per choice.
func (m *Replay) replayRows() ReplayRows {
	if !m.rowsMade || m.rowsFor != m.show {
		m.rows, m.rowsFor, m.rowsMade, m.builtOK = BuildReplayRows(m.rp, ReplayDraw{Show: m.show, Only: m.opts.Only, Zone: m.opts.Zone}), m.show, true, false
		m.rowOf = make(map[uint64]int, len(m.rows.Times))
		for i, l := range m.rows.Times {
			if _, ok := m.rowOf[l]; !ok {
				m.rowOf[l] = i
			}
		}
	}
	return m.rows
}

func (m *Replay) drawn(id int) bool { return id > 0 && m.replayRows().Drawn[id] }

// bodyH is the diagram's lines below its names.
func (m *Replay) bodyH() int {
	return max(1, ui.ReplayDiagramHeight(m.w, m.h, m.full, ui.ReplaySummaryLines(m.styles.Text(m.rp.Count.Short()), m.w))-1)
}

// totalLines is the diagram's lines: each row takes two, the last one.
func (m *Replay) totalLines() int { return max(0, 2*len(m.replayRows().Rows)-1) }

func (m *Replay) scroll(by int) {
	m.offset = min(max(m.offset+by, 0), max(0, m.totalLines()-m.bodyH()+1))
}

// selectBy moves the selection through the messages drawn, in the order
// they were sent, and scrolls to show it.
func (m *Replay) selectBy(delta int) {
	rr := m.replayRows()
	var ids []int
	for id := range rr.Drawn {
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		m.status = "No message is drawn: a draws every message."
		return
	}
	slices.Sort(ids)
	i := slices.Index(ids, m.selected)
	switch {
	case i < 0 && delta < 0:
		i = len(ids) - 1
	case i < 0:
		i = 0
	default:
		i = min(max(i+delta, 0), len(ids)-1)
	}
	m.selected = ids[i]
	m.status = ""
	// Show its arrival (or its drop) a third of the way up the window.
	msg := m.rp.Messages[m.selected-1]
	endL := msg.RecvL
	if endL == 0 {
		endL = msg.SentL
	}
	row, ok := m.rowOf[endL]
	if !ok {
		row = m.rowOf[msg.SentL]
	}
	line := 2*row + 2
	m.offset = 0
	m.scroll(m.totalLines() - line - m.bodyH()/3)
}

// diagram builds the rows a window needs: the newest, down to what the
// offset shows, memoized.
func (m *Replay) diagram() *ui.Diagram {
	rr := m.replayRows()
	first := max(0, len(rr.Rows)-(m.bodyH()+m.offset)/2-4)
	if !m.builtOK || m.builtFrom != first {
		m.built, m.builtFrom, m.builtOK = ui.BuildDiagram(rr.Input(first)), first, true
	}
	return &m.built
}

// View renders the screen. Only the root returns a tea.View.
func (m *Replay) View() tea.View {
	var content string
	switch {
	case m.w == 0 || m.h == 0:
	case m.helpOpen:
		content = m.help.View()
	default:
		content = ui.ReplayScreen(m.state(), m.styles, m.w, m.h)
	}
	v := tea.NewView(content)
	v.AltScreen = true
	v.WindowTitle = "crdtviz class replay"
	return v
}

// state is the screen's plain values.
func (m *Replay) state() ui.ReplayState {
	st := ui.ReplayState{Title: ReplayTitle(m.rp, filepath.Base(m.opts.File)), Summary: m.rp.Count.Short(), Note: ReplayClockNote,
		Diagram: m.diagram(), Offset: m.offset, Selected: m.selected, Full: m.full, Status: m.status}
	if m.full {
		st.Note = "Rows: Lamport time. Clock times are each laptop's own. G or esc returns."
	}
	st.Details = ReplayDetails(m.rp, m.selected, m.opts.Zone)
	if len(st.Details) == 0 {
		st.Details = []string{fmt.Sprintf("Drawing %s (a: %s).", m.show, 1-m.show)}
		switch notes := m.rp.Notes; {
		case len(notes) > 2:
			// The pane holds two: the first, and how many more.
			st.Details = append(st.Details, notes[0], fmt.Sprintf("and %d more notes: crdtviz class replay --transcript %s prints them all",
				len(notes)-1, filepath.Base(m.opts.File)))
		case len(notes) > 0:
			st.Details = append(st.Details, notes...)
		case m.rp.Complete:
			st.Details = append(st.Details, "Every member's record is here, each signed by its member, and the file's contents by the teacher.")
		}
	}
	var items []ui.HelpItem
	for _, b := range m.keys.ShortHelp() {
		items = append(items, ui.HelpItem{Key: b.Help().Key, Desc: b.Help().Desc})
	}
	st.Bar = ui.HelpBar(items, m.w, m.styles)
	if m.opts.ASCII {
		st.Details = asciiLines(st.Details)
	}
	return st
}

func asciiLines(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = ui.ASCIIText(l)
	}
	return out
}

// ShortHelp and FullHelp make the replay screen a help.KeyMap.
func (m *Replay) ShortHelp() []key.Binding { return m.keys.ShortHelp() }

// FullHelp lists every key.
func (m *Replay) FullHelp() [][]key.Binding { return m.keys.FullHelp() }
