package model

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"crdtviz/ui"
)

// HelpKeyMap is the help screen's own keys.
type HelpKeyMap struct {
	Up, Down, PageUp, PageDown, Close key.Binding
}

// DefaultHelpKeyMap is the standard help-screen key map.
func DefaultHelpKeyMap() HelpKeyMap {
	return HelpKeyMap{
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑", "scroll up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓", "scroll down")),
		PageUp:   key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "space"), key.WithHelp("pgdn", "page down")),
		Close:    key.NewBinding(key.WithKeys("esc", "?"), key.WithHelp("esc/?", "close")),
	}
}

// helpNotes explain what the screen shows, under the keys: what the boxes
// show, then a glossary of every word and mark they use, one line each.
var helpNotes = []string{
	"What the boxes show:",
	"  The line under the edits (CRDT boxes) is the metadata that decides every merge; the part that decided the last merge is highlighted. ● marks a value the last step changed.",
	"Glossary: the words and marks on screen",
	"  #2: edit 2, the second edit made anywhere. m4: message 4. Messages are numbered as they are taken, and a copy the network makes (duplicate) takes the next number: m1,m2 in the diagram is a message and its copy. The lane titles count the messages the replicas sent, not the network's copies.",
	"  edits #1 #3: the edits this value reflects (not CRDT metadata). An edit in no replica's edits is lost.",
	"  edits #1 #3 · saw #2: after saw, the other edits that have reached this replica, which its value does not reflect (overwritten, lost, declined or merged away). A replica has seen its edits and what it saw.",
	"  4@Server 3: a timestamp: the writer's clock (tick plus its skew) at the write, then the writer. The greater wins; at equal clocks, the greater name. stamp 4@Server 3: the timestamp of the write a last-writer-wins box holds.",
	"  clock 102 (+100): a replica's clock, the tick plus its skew. age 2: a message has waited 2 ticks since it was taken.",
	"  dot Laptop:1: the unique tag an or-set gives each add (replica:count). A remove removes the dots it has seen; a concurrent add's new dot survives.",
	"  context {Alice:1}: every dot a replica has seen, present or removed. A dot in the context but in no element was removed. A state merge reads it; op delivery does not.",
	"  op: an edit as op-based replication ships it (add milk, with its dot). It must be applied once and in causal order, as delivery causal and dedup on ensure; waiting: Alice2 (needs Alice1): ops held until the ops they need arrive.",
	"  delta: a small state holding only what an edit changed, joined like a whole state; a message carries the deltas its sender made or received and has not yet sent on that link. A lost delta is not sent again: F (full sync) repairs it, and so may another replica's relay. waiting: #3 (needs 1@A): a text edit held until the character it needs arrives.",
	"  Plain overwrite: a server sends only after a write of its own that the link has not delivered, and then it sends whatever it holds; otherwise its message carries nothing new for plain (drawn dim in the diagram). 10 msgs (6 with a value): every message the lane sent, and how many carried a value.",
	"  links: A ↔ B up both ways, A → B up one way, A ╳ B cut; [→1 ←1]: messages in flight each way. … 2 more: pairs the line has no room for.",
	"  CONVERGED: every value is equal, and every replica has seen every edit that survives in some value.",
	"  EQUAL: every value is equal, but some replica has not yet seen such an edit.",
	"  PENDING: values differ, but so do the edits the replicas have seen: they may yet agree. The banner names who hasn't seen which edit; when it is narrow, \"Ann lacks #2\", or only \"Ann, Cat lack edits\".",
	"  DIVERGED: two replicas have seen the same edits and still differ.",
	"  lost: edits no replica's value reflects any more. declined: edits a lane turned into a no-op (an older timestamp, a re-add a 2p-set refuses).",
	"Three ways to replicate (mode): state ships whole states, and needs only that messages get through. op ships the ops the receiver lacks, and needs exactly-once, causal delivery (delivery any and dedup off show why). delta ships deltas, lattice states that survive duplication and reordering; a lost one needs a full state (sync A -> B full) or a relay. Delta mode here is convergence-only: it joins each delta as it arrives, without the paper's causal delta-merging condition.",
	"Demos: a step with a question (ask) shows it first, over the state before the step; → reveals. A turns questions off (crdtviz demo --no-ask). f steps one action at a time, a sync in two presses: taken, then delivered (crdtviz demo --by action).",
	"The space-time diagram (g, or G full screen): one column per replica, time down; ●#3 an edit, m4 a message from sender to receiver, ✗ dropped, ▷ in flight, ╳ in the margin: links down. ↑/↓ select a message and show its payloads.",
	"Mouse: click a replica to focus it; click a link to cut or heal it.",
	"At the : prompt, type any scenario statement (docs/scenario-format.md), several at once with ; between them. :w FILE saves the session as a scenario file.",
}

// HelpScreen is the full list of keys, grouped, laid out in as many
// columns as fit. When it is taller than the screen it scrolls, and says so.
type HelpScreen struct {
	keys   HelpKeyMap
	styles ui.Styles
	groups []ui.HelpGroup
	lines  []string
	offset int
	w, h   int
	notes  []string // replaces the notes under the keys (classroom mode)
}

// NewHelpScreen makes a closed help screen.
func NewHelpScreen(s ui.Styles) HelpScreen {
	return HelpScreen{keys: DefaultHelpKeyMap(), styles: s}
}

// Open shows the given groups of keys (only the enabled bindings), from
// the top.
func (h HelpScreen) Open(groups []HelpGroup) HelpScreen {
	h.groups = nil
	for _, g := range groups {
		var items []ui.HelpItem
		for _, b := range g.Keys {
			if b.Enabled() {
				items = append(items, ui.HelpItem{Key: b.Help().Key, Desc: b.Help().Desc})
			}
		}
		h.groups = append(h.groups, ui.HelpGroup{Title: g.Title, Items: items})
	}
	h.offset = 0
	h.layout()
	return h
}

// SetNotes replaces the notes under the keys.
func (h *HelpScreen) SetNotes(notes []string) {
	h.notes = notes
	h.layout()
}

// SetSize fits the screen to w×h cells.
func (h *HelpScreen) SetSize(w, hh int) {
	h.w, h.h = w, hh
	h.layout()
}

// SetStyles changes the styles (on a theme change).
func (h *HelpScreen) SetStyles(s ui.Styles) {
	h.styles = s
	h.layout()
}

func (h *HelpScreen) layout() {
	if h.w <= 0 {
		return
	}
	h.lines = ui.HelpColumns(h.groups, h.w, h.styles)
	notes := helpNotes
	if h.notes != nil {
		notes = h.notes
	}
	for _, n := range notes {
		n = h.styles.Text(n)
		indent := n[:len(n)-len(strings.TrimLeft(n, " "))]
		for _, ln := range ui.WrapText(strings.TrimLeft(n, " "), max(10, h.w-len(indent)-2)) {
			h.lines = append(h.lines, h.styles.App.Muted.Render(indent+ln))
		}
	}
	h.offset = min(h.offset, h.maxOffset())
}

// body is how many lines of keys show: the screen less a title and a
// footer line.
func (h HelpScreen) body() int { return max(1, h.h-2) }

func (h HelpScreen) maxOffset() int { return max(0, len(h.lines)-h.body()) }

// HelpIntent is what a key on the help screen asks for.
type HelpIntent struct{ Close bool }

// HandleKey scrolls, or asks to close. Other keys do nothing here.
func (h HelpScreen) HandleKey(k tea.KeyPressMsg) (HelpScreen, HelpIntent) {
	switch {
	case key.Matches(k, h.keys.Close):
		return h, HelpIntent{Close: true}
	case key.Matches(k, h.keys.Up):
		h.offset = max(0, h.offset-1)
	case key.Matches(k, h.keys.Down):
		h.offset = min(h.maxOffset(), h.offset+1)
	case key.Matches(k, h.keys.PageUp):
		h.offset = max(0, h.offset-h.body())
	case key.Matches(k, h.keys.PageDown):
		h.offset = min(h.maxOffset(), h.offset+h.body())
	}
	return h, HelpIntent{}
}

// Scrolls reports whether the keys are taller than the screen.
func (h HelpScreen) Scrolls() bool { return h.maxOffset() > 0 }

// View renders the help screen: a title, the window of keys, and a footer
// that says how to scroll and close.
func (h HelpScreen) View() string {
	if h.w <= 0 || h.h <= 0 {
		return ""
	}
	s := h.styles
	end := min(len(h.lines), h.offset+h.body())
	footer := "esc or ? closes"
	if h.Scrolls() {
		footer = s.Text(fmt.Sprintf("↑/↓ scroll · lines %d-%d of %d · esc or ? closes", h.offset+1, end, len(h.lines)))
	}
	out := []string{s.App.Title.Render("crdtviz: every key that works here")}
	out = append(out, h.lines[h.offset:end]...)
	for len(out) < h.h-1 {
		out = append(out, "")
	}
	out = append(out, s.App.Notice.Render(footer))
	return ui.Fit(strings.Join(out, "\n"), h.w, h.h)
}
