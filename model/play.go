package model

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"crdtviz/crdt"
	"crdtviz/replicas"
	"crdtviz/ui"
)

// binding pairs a key with what it does on the play screen.
type binding struct {
	key *key.Binding // in the root's key map, which enables and disables it
	do  func(*Root, tea.KeyPressMsg) tea.Cmd
}

func (m *Root) playBindings() []binding {
	k := &m.keys
	open := func(what choice) func(*Root, tea.KeyPressMsg) tea.Cmd {
		return func(r *Root, _ tea.KeyPressMsg) tea.Cmd {
			r.chooser = r.chooser.Open(what, r.focused(), len(r.sess.cluster().Names()))
			return nil
		}
	}
	do := func(a replicas.Action) func(*Root, tea.KeyPressMsg) tea.Cmd {
		return func(r *Root, _ tea.KeyPressMsg) tea.Cmd { r.act(a); return nil }
	}
	return []binding{
		{&k.Quit, func(r *Root, _ tea.KeyPressMsg) tea.Cmd { return r.quit() }},
		{&k.Autoplay, (*Root).startAutoplay},
		{&k.Next, (*Root).next},
		{&k.Prev, (*Root).prev},
		{&k.Restart, func(r *Root, _ tea.KeyPressMsg) tea.Cmd { r.sess.first(); return nil }},
		{&k.Last, func(r *Root, _ tea.KeyPressMsg) tea.Cmd { r.sess.last(); return nil }},
		{&k.Help, func(r *Root, _ tea.KeyPressMsg) tea.Cmd {
			r.helpScreen = r.helpScreen.Open(r.keys.Groups())
			r.base, r.mode = r.mode, ModeHelp
			return nil
		}},
		{&k.Prompt, func(r *Root, _ tea.KeyPressMsg) tea.Cmd { return r.openPrompt("") }},
		{&k.FocusNext, func(r *Root, _ tea.KeyPressMsg) tea.Cmd { r.setFocus(r.focus + 1); return nil }},
		{&k.Focus, func(r *Root, k tea.KeyPressMsg) tea.Cmd {
			n, _ := strconv.Atoi(k.String())
			r.setFocus(n - 1)
			return nil
		}},
		{&k.Edit, func(r *Root, _ tea.KeyPressMsg) tea.Cmd { return r.editPrompt(true) }},
		{&k.Inc, (*Root).inc},
		{&k.Dec, (*Root).dec},
		{&k.Sync, open(chooseSync)},
		{&k.SyncBoth, open(chooseBoth)},
		{&k.FullSync, open(chooseFull)},
		{&k.Send, open(chooseSend)},
		{&k.Link, open(chooseLink)},
		{&k.SyncAll, do(replicas.SyncAll{})},
		{&k.HealAll, do(replicas.HealAll{})},
		{&k.Partition, (*Root).partition},
		{&k.MsgUp, func(r *Root, _ tea.KeyPressMsg) tea.Cmd {
			if r.showsDiagram() {
				r.selectDiagram(-1)
			} else {
				r.selected--
			}
			return nil
		}},
		{&k.MsgDown, func(r *Root, _ tea.KeyPressMsg) tea.Cmd {
			if r.showsDiagram() {
				r.selectDiagram(1)
			} else {
				r.selected++
			}
			return nil
		}},
		{&k.ByAction, (*Root).toggleByAction},
		{&k.Asks, (*Root).toggleAsks},
		{&k.Diagram, (*Root).toggleDiagramPane},
		{&k.DiagramFull, (*Root).toggleDiagramFull},
		{&k.Deliver, func(r *Root, _ tea.KeyPressMsg) tea.Cmd { r.onMessage("deliver"); return nil }},
		{&k.Newest, func(r *Root, _ tea.KeyPressMsg) tea.Cmd { r.onMessage("newest"); return nil }},
		{&k.Drop, func(r *Root, _ tea.KeyPressMsg) tea.Cmd { r.onMessage("drop"); return nil }},
		{&k.Duplicate, func(r *Root, _ tea.KeyPressMsg) tea.Cmd { r.onMessage("duplicate"); return nil }},
		{&k.DeliverAll, do(replicas.DeliverAll{})},
		{&k.Internals, func(r *Root, _ tea.KeyPressMsg) tea.Cmd { r.internals, r.internalsOffset = !r.internals, 0; return nil }},
		{&k.InternalsUp, func(r *Root, _ tea.KeyPressMsg) tea.Cmd { r.internalsOffset = max(0, r.internalsOffset-1); return nil }},
		{&k.InternalsDown, func(r *Root, _ tea.KeyPressMsg) tea.Cmd { r.internalsOffset++; return nil }},
		{&k.Pane, (*Root).nextPane},
		{&k.LogUp, func(r *Root, _ tea.KeyPressMsg) tea.Cmd { r.scrollPane(-3); return nil }},
		{&k.LogDown, func(r *Root, _ tea.KeyPressMsg) tea.Cmd { r.scrollPane(3); return nil }},
		{&k.ChooseType, (*Root).chooseType},
		{&k.Return, (*Root).returnToDemo},
		{&k.Menu, func(r *Root, _ tea.KeyPressMsg) tea.Cmd {
			if r.diag.full { // esc leaves the full-screen diagram first
				r.diag.full = false
				return nil
			}
			r.toMenu()
			return nil
		}},
	}
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
// log, details, diagram.
func (m *Root) nextPane(tea.KeyPressMsg) tea.Cmd {
	m.pane = ui.NextPaneShown(m.state(), m.layout)
	m.diag.full = false
	return nil
}

// toggleByAction switches a demo between stepping by step and by action.
func (m *Root) toggleByAction(tea.KeyPressMsg) tea.Cmd {
	m.sess.toggleByAction()
	if m.sess.byAction {
		m.notice("Stepping by action: → runs one action of the step, and a sync takes two: taken, then delivered. f steps by step again.")
	} else {
		m.notice("Stepping by step again. f steps by action.")
	}
	return nil
}

// toggleAsks turns the demo's questions off or on.
func (m *Root) toggleAsks(tea.KeyPressMsg) tea.Cmd {
	s := m.sess
	s.noAsk = !s.noAsk
	if s.noAsk {
		if s.asking && !s.byAction {
			s.show(s.step) // the question's step, answered
		}
		s.asking = false
		m.notice("Questions off: each step shows its outcome at once. A turns them on.")
	} else {
		m.notice("Questions on: a step with a question asks it first, and → reveals the outcome.")
	}
	return nil
}

func (m *Root) returnToDemo(tea.KeyPressMsg) tea.Cmd {
	if !m.sess.returnToDemo() {
		return nil
	}
	m.mode = ModeDemo
	m.notice("Back in the demo, at the step you left.")
	return nil
}

func (m *Root) chooseType(tea.KeyPressMsg) tea.Cmd {
	m.menu = m.newMenu(MenuOptions{TypesOnly: true, Mode: m.sess.header.Mode, Back: "back to free play"})
	m.playMode, m.mode = m.mode, ModeTypes
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
		// The text to insert goes between quotes, the cursor already
		// inside them, so that a leading space (" world") is kept.
		n := len([]rune(r.Value(replicas.CRDT).Str))
		if primary {
			cmd := m.openPrompt(head + fmt.Sprintf(`insert %d ""`, n))
			m.prompt = m.prompt.CursorBack(1)
			return cmd
		}
		op = fmt.Sprintf("delete %d", max(0, n-1))
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

// chooserKey answers a pending choice of target: 1-N, a for all (sync and
// send), esc to cancel. Any other key only reminds what it waits for.
func (m *Root) chooserKey(k tea.KeyPressMsg) {
	var in ChooserIntent
	m.chooser, in = m.chooser.HandleKey(k)
	from := m.focused()
	names := m.sess.cluster().Names()
	switch {
	case in.What == chooseNone:
		m.notice("Still waiting: " + m.chooser.Prompt(m.styles.Symbols.Arrow))
		return
	case in.Cancel:
		m.notice("Cancelled.")
		return
	case in.All && in.What == chooseSync:
		m.act(replicas.Sync{From: from, ToAll: true})
		return
	case in.All && in.What == chooseFull:
		m.act(replicas.Sync{From: from, ToAll: true, Full: true})
		return
	case in.All:
		m.act(replicas.Send{From: from, ToAll: true})
		return
	}
	to := names[in.Target-1]
	if to == from {
		m.failf("%s is the focused replica; choose another one", to)
		return
	}
	switch in.What {
	case chooseSync:
		m.act(replicas.Sync{From: from, To: to})
	case chooseFull:
		m.act(replicas.Sync{From: from, To: to, Full: true})
	case chooseSend:
		m.act(replicas.Send{From: from, To: to})
	case chooseBoth:
		m.act(replicas.SyncBoth{A: from, B: to})
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
	if m.onDiagramMessage(what) {
		return
	}
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
			m.failf("m%d is in the middle of its link's queue: deliver the oldest (m%d) or the newest (m%d)", msg.ID, q[0].ID, q[len(q)-1].ID)
		}
	case "newest":
		m.act(replicas.Deliver{From: msg.From, To: msg.To, Newest: true})
	case "drop":
		m.act(replicas.Drop{From: q[0].From, To: q[0].To})
		if m.sess.header.Mode == replicas.ModeDelta && m.status == "" {
			// The log says why at length; the status line, which is cut
			// at the screen's width, gives the key that repairs it. Nothing
			// resends a delta, but a third replica that got the same delta
			// may relay it.
			if len(c.Names()) > 2 {
				m.notice(fmt.Sprintf("Dropped m%d: F (full sync) repairs it, and so may another replica's relay.", q[0].ID))
			} else {
				m.notice(fmt.Sprintf("Dropped m%d: nothing resends its delta; F (full sync) repairs it.", q[0].ID))
			}
		}
	case "duplicate":
		m.act(replicas.Duplicate{From: msg.From, To: msg.To})
	}
}

// act applies an action; an error goes to the status line. An action that
// finds nothing to do is not an error: it is neither applied nor recorded,
// discards no redo history, and only says why.
func (m *Root) act(a replicas.Action) {
	err := m.apply(a)
	if errors.Is(err, replicas.ErrNothingToDo) {
		m.notice("Nothing to do: " + strings.TrimPrefix(err.Error(), replicas.ErrNothingToDo.Error()+": ") + ". Nothing was recorded.")
		return
	}
	m.fail(err)
}

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

// scrollPane scrolls the full-screen diagram; else the narration when it
// is cut; else the diagram, the details or the log, whichever shows.
func (m *Root) scrollPane(n int) {
	if m.diag.full {
		m.diag.offset = max(0, m.diag.offset-n)
		return
	}
	if ui.NarrationCut(m.state(), m.layout) {
		m.narrationOffset = max(0, m.narrationOffset+n/3)
		return
	}
	if m.pane == ui.PaneDiagram {
		m.diag.offset = max(0, m.diag.offset-n)
		return
	}
	if m.pane == ui.PaneDetails {
		if n < 0 {
			m.detail.ScrollUp(-n)
		} else {
			m.detail.ScrollDown(n)
		}
		return
	}
	if n < 0 {
		m.log.ScrollUp(-n)
	} else {
		m.log.ScrollDown(n)
	}
}

func (m *Root) notice(s string) { m.status, m.statusErr = s, false }

func (m *Root) fail(err error) {
	if err != nil {
		m.status, m.statusErr = err.Error(), true
	}
}

func (m *Root) failf(format string, args ...any) { m.fail(fmt.Errorf(format, args...)) }
