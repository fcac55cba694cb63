package model

import (
	"fmt"
	"slices"

	"charm.land/bubbles/v2/key"

	"crdtviz/replicas"
	"crdtviz/ui"
)

// refresh brings derived state up to date after every message: the layout,
// the scroll of the replica row, the message selection and the log.
func (m *Root) refresh() {
	if m.sess == nil {
		return
	}
	if key := (narrationKey{m.sess.step, m.sess.asking, m.sess.branched}); key != m.narrationFor {
		m.narrationOffset, m.narrationFor = 0, key // a new step starts at its top
	}
	c := m.sess.cluster()
	n := len(c.Names())
	m.focus = min(max(m.focus, 0), n-1)
	m.layout = ui.ComputeWith(m.w, m.h, n, m.internals, m.yours != nil)
	if m.pane == ui.PaneDiagram && !m.diag.full {
		m.layout = ui.ComputeCompactWith(m.w, m.h, n, m.yours != nil)
	}
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
	narr, exp := m.narrationText() // all the log's size depends on
	sized := ui.State{Demo: m.sess.scenario != nil, Narration: narr, Expects: exp, Pane: m.pane, DiagramFull: m.diag.full}
	if m.logShown = ui.LogShown(sized, m.layout); m.logShown {
		// The log is built only when it shows: with the diagram or the
		// details in front, a key press does not wrap it.
		lw, lh := ui.LogArea(ui.State{Demo: sized.Demo, Narration: narr, Expects: exp}, m.layout)
		m.log.SetSize(lw, lh)
		if key := (logKey{m.sess.tl, m.sess.tl.Pos(), lw, lh, m.sess.half, m.sess.asking}); key != m.logKey {
			m.log.SetLines(m.sess.logLines(lw, lh, m.styles.Text), true)
			m.logKey = key
		}
	}
	if m.pane == ui.PaneDetails {
		dw, dh := ui.LogArea(ui.State{Demo: m.sess.scenario != nil, Narration: narr, Expects: exp, Pane: ui.PaneDetails}, m.layout)
		m.detail.SetWidth(max(1, dw))
		m.detail.SetHeight(max(1, dh))
		if key := (detailsKey{c, c.Tick(), m.focus, dw}); key != m.detFor {
			m.detail.SetContentLines(ui.DetailLines(c.Replicas()[m.focus], m.focus, dw, m.styles))
			m.detail.GotoTop()
			m.detFor = key
		}
	}
}

// Memo keys: comparable values naming what a memoized piece was built for.
type (
	logKey struct {
		tl           *replicas.Timeline
		pos, w, h    int
		half, asking bool
	}
	logViewKey struct {
		content      logKey
		offset, w, h int
	}
	detailsKey struct {
		c        *replicas.Cluster
		tick     int64
		focus, w int
	}
	changesKey struct {
		history                historyID
		markFrom, pos, step    int
		half, asking, byAction bool
	}
	narrationKey struct {
		step             int
		asking, branched bool
	}
	mutedKey struct {
		text  string
		theme ui.Theme
	}
	barKey struct {
		demo, free, branched, auto, delta bool
		w                                 int
		theme                             ui.Theme
		extra                             int // the lab's keys
	}
)

// historyID names one history: a timeline, and how many times it branched.
type historyID struct {
	tl  *replicas.Timeline
	gen int
}

// state gathers what the screen shows.
func (m *Root) state() ui.State {
	s := m.sess
	narr, exp := m.narrationText()
	st := ui.State{
		Title: m.styles.Text(s.title), StepLabel: m.styles.Text(s.stepLabel()), Cluster: s.cluster(), Changed: s.changed(), Decisive: s.decisive(),
		InternalsOffset: m.internalsOffset, NarrationOffset: m.narrationOffset,
		Focus: m.focus, First: m.first, Internals: m.internals, Selected: m.selected, Pane: m.pane,
		Demo: s.scenario != nil, Narration: narr, Expects: exp,
		Boxes: &m.boxes, History: historyID{s.tl, s.gen},
	}
	if key := (changesKey{historyID{s.tl, s.gen}, s.markFrom, s.tl.Pos(), s.step, s.half, s.asking, s.byAction}); key != m.changesFor {
		raw, _ := s.narration()
		if s.question() != nil && s.step > 1 {
			// A question shows the state the step before left, as that
			// step showed it: what its narration named stays in view.
			raw = s.scenario.Steps[s.step-2].Text
		}
		m.memo.boxes = &m.boxes
		m.memo.within(historyID{s.tl, s.gen})
		m.changes, m.front, m.changesFor = s.changes(st.Changed, &m.memo), s.front(st.Decisive, raw, &m.memo), key
	}
	st.Changes, st.Front = m.changes, m.front
	if m.logShown {
		st.Log = m.renderedLog()
	}
	if m.pane == ui.PaneDetails {
		st.Details = m.detail.View()
	}
	if m.showsDiagram() {
		st.Diagram, st.DiagramKey = m.diagram(m.h), m.diag.builtFor
		st.DiagramOffset, st.DiagramFull = m.diag.offset, m.diag.full
		st.DiagramSelected = m.diagramMessage()
		if st.DiagramYours = m.yoursMessage(m.diag.selected); st.DiagramYours != nil {
			st.DiagramYoursID = m.diag.selected
			st.DiagramYours.With = m.drawnWith(m.diag.selected)
		}
	}
	st.Yours = m.yoursState()
	if q := s.question(); q != nil {
		st.Ask = &ui.AskView{Text: m.styles.Text(q.Text)}
		for _, c := range q.Choices {
			st.Ask.Choices = append(st.Ask.Choices, m.styles.Text(c))
		}
	}
	switch {
	case m.auto.on:
		st.Notice = fmt.Sprintf("%s autoplay %s", m.styles.Symbols.Right, m.auto.pace())
	case s.branched:
		st.Notice = "r returns to the demo"
	}
	if m.saveWarn != "" {
		st.Warning = "NOT SAVED: :w FILE"
	}
	st.Notice = m.styles.Text(st.Notice)
	st.Status, st.Bar = m.statusLines()
	st.Status, st.Bar = m.styles.Text(st.Status), m.styles.Text(st.Bar) // styled already: escape codes are ASCII
	return st
}

// narrationText is the session's narration and expectations in the screen's
// characters (ASCII under --ascii), as every size is worked out from.
func (m *Root) narrationText() (string, []ui.ExpectLine) {
	narr, exp := m.sess.narration()
	if !m.styles.ASCII() {
		return narr, exp
	}
	out := make([]ui.ExpectLine, len(exp))
	for i, e := range exp {
		out[i] = ui.ExpectLine{Text: ui.ASCIIText(e.Text), Pass: e.Pass, Got: ui.ASCIIText(e.Got), Where: ui.ASCIIText(e.Where)}
	}
	return ui.ASCIIText(narr), out
}

// renderedLog is the log viewport's view, drawn again only when its
// content, scroll or size changed.
func (m *Root) renderedLog() string {
	key := logViewKey{m.logKey, m.log.offset, m.log.w, m.log.h}
	if key != m.logFor {
		m.logView, m.logFor = m.log.View(), key
	}
	return m.logView
}

// helpBar is the short help, drawn again only when what it shows changed.
// It always ends with "? help" and "q quit".
func (m *Root) helpBar() string {
	var extra []key.Binding
	if m.yours != nil {
		extra = m.yours.keys
	}
	bk := barKey{m.sess.demo(), m.sess.scenario == nil, m.sess.branched, m.auto.on, m.sess.header.Mode == replicas.ModeDelta, m.w, m.styles.Theme, len(extra)}
	if bk != m.barFor {
		var items []ui.HelpItem
		short := m.keys.ShortHelp()
		// The lab's keys go before ":" (after "c"), so that ": command"
		// is the one left out at 80 columns, then theirs.
		at := slices.IndexFunc(short, func(b key.Binding) bool { return b.Help().Key == ":" })
		if at < 0 {
			at = max(0, len(short)-2)
		}
		short = slices.Concat(short[:at], extra, short[at:])
		for _, b := range short {
			if b.Enabled() {
				items = append(items, ui.HelpItem{Key: m.styles.Text(b.Help().Key), Desc: m.styles.Text(b.Help().Desc)})
			}
		}
		m.bar, m.barFor = ui.HelpBar(items, m.w, m.styles), bk
	}
	return m.bar
}

// statusLines are the last two lines: the status (the prompt, a question,
// a pending choice, an error, a notice, or what just happened) and the
// help bar (or the prompt's hints).
func (m *Root) statusLines() (string, string) {
	bar := m.helpBar()
	st := m.styles
	switch {
	case m.mode == ModePrompt:
		return m.prompt.View(), m.prompt.HintView()
	case m.confirm.Pending():
		return st.App.Notice.Render(m.confirm.View()), bar
	case m.chooser.Pending():
		return st.App.Notice.Render(m.chooser.Prompt(st.Symbols.Arrow)), bar
	case m.status != "" && m.statusErr:
		return st.App.Error.Render(st.Symbols.Cross + " " + m.status), bar
	case m.status != "":
		return st.App.Notice.Render(m.status), bar
	}
	switch {
	case m.sess.question() != nil && m.sess.byAction:
		return st.App.Notice.Render("Predict the outcome, then → runs the step's first action."), bar
	case m.sess.question() != nil:
		return st.App.Notice.Render("Predict the outcome, then → reveals it."), bar
	case m.sess.half:
		return st.App.Notice.Render(m.halfStatus()), bar
	}
	return m.muted(m.sess.lastSentence()), bar
}

// muted is text in the muted style, remembered: the status line's last
// sentence is long, and stepping back and forth shows the same few.
func (m *Root) muted(text string) string {
	k := mutedKey{text, m.styles.Theme}
	if r, ok := m.mutedMemo[k]; ok {
		return r
	}
	if m.mutedMemo == nil || len(m.mutedMemo) >= 64 {
		m.mutedMemo = map[mutedKey]string{}
	}
	r := m.styles.App.Muted.Render(text)
	m.mutedMemo[k] = r
	return r
}
