package model

import (
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"

	"crdtviz/crdt"
	"crdtviz/demos"
	"crdtviz/replicas"
	"crdtviz/ui"
)

var _ help.KeyMap = (*Root)(nil)

// This file holds the flows that span several components: the menu and the
// kept session, quitting without losing work, the prompt's statements and
// :w, and the saves that report back.

// newMenu builds a menu in the current styles and size.
func (m *Root) newMenu(opts MenuOptions) Menu {
	menu := NewMenu(m.styles, opts)
	menu.SetSize(m.w, m.h-1) // the last line is the menu's status
	return menu
}

// restyle rebuilds the menu in new styles, keeping what it offers.
func (menu *Menu) restyle(s ui.Styles, w, h int) {
	if !menu.built() {
		return
	}
	*menu = NewMenu(s, menu.opts)
	menu.SetSize(w, h-1)
}

// toMenu shows the start menu, keeping the session: its first item resumes
// it, and esc goes back to it.
func (m *Root) toMenu() {
	m.playMode, m.mode = m.mode, ModeStart
	m.menu = m.newMenu(m.startMenuOptions())
}

// startMenuOptions is the start menu, with the kept session first.
func (m *Root) startMenuOptions() MenuOptions {
	if m.sess == nil {
		return MenuOptions{}
	}
	return MenuOptions{Resume: m.sess.resumeLabel(), Back: "resume"}
}

// menuKey hands a key to the menu and acts on what it asks for.
func (m *Root) menuKey(k tea.KeyPressMsg) tea.Cmd {
	var cmd tea.Cmd
	var in MenuIntent
	m.menu, cmd, in = m.menu.HandleKey(k)
	switch {
	case in.Quit:
		return m.quit()
	case in.Back && m.typesFromStart:
		m.typesFromStart = false
		m.mode = ModeStart
		m.menu = m.newMenu(m.startMenuOptions())
	case in.Back && m.sess != nil:
		m.mode = m.playMode
	case in.Choice != nil:
		m.handleMenuChoice(*in.Choice)
	}
	return cmd
}

// handleMenuChoice resumes the kept session, or starts what was picked.
// Starting something else replaces the kept session; when that would lose
// free-play work nobody saved, it asks once first.
func (m *Root) handleMenuChoice(c MenuChoice) {
	if c.PickType {
		m.typesFromStart = true
		m.menu = m.newMenu(MenuOptions{TypesOnly: true, Mode: c.Mode, Back: "back to the menu"})
		m.mode = ModeTypes
		return
	}
	if m.sess != nil && (c.Resume || c.Demo != "" && c.Demo == m.sess.name) {
		m.mode, m.typesFromStart = m.playMode, false
		return
	}
	if n := m.unsaved(); n > 0 {
		what := "this demo"
		if c.Demo == "" {
			what = "free play with " + string(c.Type)
		}
		m.confirm = m.confirm.Open(confirmReplace,
			fmt.Sprintf("Start %s? Your %s will be replaced. enter replaces it · any other key keeps it · :w FILE saves it first",
				what, plural(n, "unsaved action")), m.menu.keys.Start)
		m.confirm.choice = c
		return
	}
	m.startChoice(c)
}

// startChoice starts a demo, or free play with a type.
func (m *Root) startChoice(c MenuChoice) {
	if c.Demo != "" {
		s, err := demos.LoadBuiltin(c.Demo)
		if err != nil {
			m.fail(err)
			return
		}
		m.start(newDemoSession(s, c.Demo), ModeDemo)
		m.saved, m.dirty = "", true
		return
	}
	cfg := replicas.Config{Type: c.Type, Names: []string{"Alice", "Bob", "Carol"}, Mode: c.Mode}
	if m.sess != nil && m.mode == ModeTypes && !m.typesFromStart {
		// Another type for this free play: its replicas and its rules stay.
		h := m.sess.header
		cfg.Names, cfg.Mode, cfg.AnyOrder, cfg.NoDedup = m.sess.cluster().Names(), h.Mode, h.AnyOrder, h.NoDedup
	}
	m.typesFromStart = false
	s, err := newFreeSession(cfg)
	if err != nil {
		m.fail(err)
		return
	}
	m.start(s, ModeFree)
	m.saved, m.dirty = "", true
}

func (m *Root) start(s *session, mode Mode) {
	m.sess, m.mode = s, mode
	m.focus, m.first, m.selected = 0, 0, 0
	m.chooser = NewChooser()
	m.pane = ui.PaneNarration
	if mode == ModeFree {
		m.pane = ui.PaneMessages
	}
}

// menuView is the menu, with a status line under it for a question or a
// notice.
func (m *Root) menuView() string {
	line := ""
	switch {
	case m.confirm.Pending():
		line = m.styles.App.Notice.Render(m.confirm.View())
	case m.status != "" && m.statusErr:
		line = m.styles.App.Error.Render(m.styles.Symbols.Cross + " " + m.status)
	case m.status != "":
		line = m.styles.App.Notice.Render(m.status)
	}
	return ui.Fit(ui.Fit(m.menu.View(), m.w, m.h-1)+"\n"+line, m.w, m.h)
}

// unsaved is how many of the session's actions would be lost by quitting
// or replacing it: none in a demo, none when --record writes everything,
// none when :w saved this very recording.
func (m *Root) unsaved() int {
	if m.sess == nil || m.opts.Save != nil {
		return 0
	}
	n := m.sess.work()
	if n > 0 && m.saved == m.sess.recording() {
		return 0
	}
	return n
}

// quit quits at once, unless free-play work would be lost: then the first
// q asks, and a second q quits.
func (m *Root) quit() tea.Cmd {
	n := m.unsaved()
	if n == 0 {
		return tea.Quit
	}
	m.confirm = m.confirm.Open(confirmQuit,
		fmt.Sprintf("press q again to quit (%s will be lost; :w FILE saves them)", plural(n, "action")), m.keys.Quit)
	return nil
}

// confirmKey answers the open question. Its yes key goes ahead; any other
// key keeps everything as it was, and does nothing else.
func (m *Root) confirmKey(k tea.KeyPressMsg) tea.Cmd {
	choice := m.confirm.choice
	var a confirmAction
	m.confirm, a = m.confirm.HandleKey(k)
	switch a {
	case confirmQuit:
		return tea.Quit
	case confirmReplace:
		m.startChoice(choice)
	default:
		m.notice("Kept as it was.")
	}
	return nil
}

func (m *Root) openPrompt(prefill string) tea.Cmd {
	m.base, m.mode = m.mode, ModePrompt
	var cmd tea.Cmd
	m.prompt, cmd = m.prompt.Open(prefill, m.sess.cluster().Names(), m.sess.cluster().Type())
	return cmd
}

func (m *Root) closePrompt() {
	m.prompt = m.prompt.Close()
	if m.mode == ModePrompt {
		m.mode = m.base
	}
}

func (m *Root) promptKey(k tea.KeyPressMsg) tea.Cmd {
	var cmd tea.Cmd
	var intent PromptIntent
	m.prompt, cmd, intent = m.prompt.HandleKey(k)
	switch {
	case intent.Submit:
		return m.handleSubmit(intent.Text)
	case intent.Cancel:
		m.closePrompt()
	}
	return cmd
}

// handleSubmit runs what was typed at the prompt: :w FILE, or scenario
// statements separated by ;, each run and recorded in turn. The first bad
// one keeps the prompt open with the error and the statements not yet
// run; the ones before it have run.
func (m *Root) handleSubmit(text string) tea.Cmd {
	if strings.TrimSpace(text) == "" {
		m.closePrompt()
		return nil
	}
	if path, force, ok := writeCommand(text); ok {
		return m.write(path, force, text)
	}
	parts := splitStatements(text)
	var skipped []string
	for i, part := range parts {
		skip, err := m.runStatement(part)
		if skip != "" {
			skipped = append(skipped, skip)
		}
		if err != nil {
			rest := strings.Join(parts[i:], "; ")
			m.prompt = m.prompt.Failed(err.Error(), rest)
			if i > 0 {
				m.prompt = m.prompt.Failed(fmt.Sprintf("%s (the %s before it ran)", err, plural(i, "statement")), rest)
			}
			return nil
		}
	}
	m.prompt = m.prompt.Remember(text)
	m.closePrompt()
	if len(skipped) > 0 {
		notice := skippedNotice(skipped, len(parts))
		if m.status != "" && !m.statusErr {
			notice = m.status + " " + notice // e.g. that the demo branched
		}
		m.notice(notice)
	}
	return nil
}

// skippedNotice says which statements of a prompt line had nothing to do,
// and so were not recorded, and that the others were.
func skippedNotice(skipped []string, of int) string {
	out := "Nothing to do: " + strings.Join(skipped, "; ") + "."
	switch n := of - len(skipped); {
	case n == 1:
		return out + " The other statement ran and was recorded."
	case n > 1:
		return out + fmt.Sprintf(" The other %d statements ran and were recorded.", n)
	}
	if len(skipped) == 1 {
		return out + " It was not recorded."
	}
	return out + " None was recorded."
}

// runStatement parses and runs one statement: an action, a step marker or
// an expectation. An action with nothing to do is not an error: it runs
// not, and skip says why, for the status line.
func (m *Root) runStatement(text string) (skip string, err error) {
	st, err := demos.ParseStatement(text, m.sess.header)
	if err != nil {
		return "", errors.New(strings.TrimPrefix(err.Error(), "prompt:1:"))
	}
	sym := m.styles.Symbols
	switch {
	case st.Step != nil:
		m.sess.mark(st.String())
		m.dirty = true
		m.notice("Step marked: " + *st.Step)
	case st.Ask != nil:
		// A question comes before its step's actions: in the recording it
		// starts a step of its own, which the actions that follow join.
		m.sess.mark("step " + crdt.QuoteAlways(st.Ask.Text))
		m.sess.mark(st.String())
		m.dirty = true
		m.notice("Question recorded; it starts a new step: " + st.Ask.Text)
	case st.Expect != nil:
		res := demos.Check(st, m.sess.cluster())
		m.dirty = true
		if res.Pass {
			m.sess.mark(st.String())
			m.notice(sym.Check + " " + st.String())
		} else {
			// A failed claim is recorded as a comment that says what was
			// found, so that the recording still checks.
			m.sess.mark(fmt.Sprintf("# %s: failed, got %s", st.String(), res.Got))
			m.failf("%s (got %s)", st.String(), res.Got) // the status line marks it with ✗
		}
	default:
		if err := m.apply(st.Action); errors.Is(err, replicas.ErrNothingToDo) {
			return st.Action.String() + ": " + strings.TrimPrefix(err.Error(), replicas.ErrNothingToDo.Error()+": "), nil
		} else if err != nil {
			return "", err
		}
	}
	return "", nil
}

// splitStatements splits a prompt line at each ; outside double quotes.
func splitStatements(text string) []string {
	var parts []string
	var cur strings.Builder
	quoted, escaped := false, false
	for _, r := range text {
		switch {
		case escaped:
			escaped = false
		case r == '\\' && quoted:
			escaped = true
		case r == '"':
			quoted = !quoted
		case r == ';' && !quoted:
			if s := strings.TrimSpace(cur.String()); s != "" {
				parts = append(parts, s)
			}
			cur.Reset()
			continue
		}
		cur.WriteRune(r)
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		parts = append(parts, s)
	}
	return parts
}

// writeCommand recognises ":w FILE" (typed as "w FILE" at the prompt) and
// "w! FILE", which overwrites.
func writeCommand(text string) (path string, force, ok bool) {
	t := strings.TrimSpace(text)
	for _, cmd := range []string{"w! ", "w "} {
		if strings.HasPrefix(t, cmd) {
			p := strings.TrimSpace(t[len(cmd):])
			if len(p) >= 2 && p[0] == '"' && p[len(p)-1] == '"' {
				p = p[1 : len(p)-1]
			}
			return p, cmd == "w! ", p != ""
		}
	}
	return "", false, false
}

// writtenMsg reports a :w.
type writtenMsg struct {
	path, recording string
	actions         int
	err             error
}

// write saves the session as a scenario file, in a command.
func (m *Root) write(path string, force bool, typed string) tea.Cmd {
	if m.opts.WriteFile == nil {
		m.prompt = m.prompt.Failed(":w is not available here", typed)
		return nil
	}
	m.prompt = m.prompt.Remember(typed)
	m.closePrompt()
	rec, n, wf := m.sess.recording(), m.sess.work(), m.opts.WriteFile
	return func() tea.Msg {
		return writtenMsg{path: path, recording: rec, actions: n, err: wf(path, []byte(rec), force)}
	}
}

func (m *Root) handleWritten(msg writtenMsg) {
	if msg.err != nil {
		m.failf(":w %s: %v", msg.path, msg.err)
		return
	}
	m.saved = msg.recording
	m.notice(fmt.Sprintf("Saved %s to %s (replay: crdtviz demo %s).", plural(msg.actions, "action"), msg.path, msg.path))
}

// SaveFailedMsg reports that a --record save failed. The reason shows on
// the status line, and a warning stays in the header until a save
// succeeds (Err nil).
type SaveFailedMsg struct {
	Path string
	Err  error
}

func (m *Root) handleSaveFailed(msg SaveFailedMsg) {
	if msg.Err == nil {
		m.saveWarn = ""
		return
	}
	// The reason shows once on the status line; the header keeps a short
	// warning until a save succeeds.
	m.saveWarn = fmt.Sprintf("not saved to %s (%v). Nothing is lost yet: :w FILE saves elsewhere", msg.Path, msg.Err)
	m.failf("%s", m.saveWarn)
}
