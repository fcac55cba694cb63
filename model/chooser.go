package model

import (
	"fmt"
	"strconv"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// choice is what a key is waiting to be told the target of.
type choice int

const (
	chooseNone choice = iota
	chooseSync        // s: sync focused → chosen, or a for all
	chooseSend        // m: send focused → chosen, or a for all
	chooseLink        // c: cut or heal the link to chosen
	chooseBoth        // b: sync both ways with chosen (the messages cross)
	chooseFull        // F: sync focused → chosen, or a for all, with whole states (delta mode)
)

// ChooserKeyMap is the chooser's own keys.
type ChooserKeyMap struct {
	Target, All, Cancel key.Binding
}

// DefaultChooserKeyMap is the standard chooser key map.
func DefaultChooserKeyMap() ChooserKeyMap {
	return ChooserKeyMap{
		Target: key.NewBinding(key.WithKeys("1", "2", "3", "4", "5", "6", "7", "8"), key.WithHelp("1-8", "choose replica")),
		All:    key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "all")),
		Cancel: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
}

// Chooser is a pending choice of target replica. While it is open it owns
// every key: 1-N picks, a picks all (for sync and send), esc cancels, and
// any other key only reminds what it waits for.
type Chooser struct {
	keys ChooserKeyMap
	what choice
	from string
	n    int
}

// NewChooser makes a closed chooser.
func NewChooser() Chooser { return Chooser{keys: DefaultChooserKeyMap()} }

// Open starts a choice for what, from the focused replica, among n replicas.
func (c Chooser) Open(what choice, from string, n int) Chooser {
	c.what, c.from, c.n = what, from, n
	c.keys.All.SetEnabled(what == chooseSync || what == chooseSend || what == chooseFull)
	return c
}

// Open reports whether a choice is pending.
func (c Chooser) Pending() bool { return c.what != chooseNone }

// ChooserIntent is what the key chose: a target (1-based), all, or a
// cancel. Nothing set means the key was not an answer.
type ChooserIntent struct {
	What   choice
	Target int
	All    bool
	Cancel bool
}

// HandleKey answers the pending choice, or keeps it open.
func (c Chooser) HandleKey(k tea.KeyPressMsg) (Chooser, ChooserIntent) {
	in := ChooserIntent{What: c.what}
	switch {
	case key.Matches(k, c.keys.Cancel):
		in.Cancel = true
	case key.Matches(k, c.keys.All):
		in.All = true
	case key.Matches(k, c.keys.Target):
		n, _ := strconv.Atoi(k.String())
		if n > c.n {
			return c, ChooserIntent{}
		}
		in.Target = n
	default:
		return c, ChooserIntent{}
	}
	c.what = chooseNone
	return c, in
}

// Prompt is the status line while the choice is pending.
func (c Chooser) Prompt(arrow string) string {
	all := ", a for all"
	if !c.keys.All.Enabled() {
		all = ""
	}
	verb := map[choice]string{
		chooseSync: "sync " + c.from + " " + arrow,
		chooseSend: "send " + c.from + " " + arrow,
		chooseLink: "cut or heal the link between " + c.from + " and",
		chooseBoth: "sync both ways between " + c.from + " and",
		chooseFull: "full sync (whole states) " + c.from + " " + arrow,
	}[c.what]
	return fmt.Sprintf("%s which replica? 1-%d%s, esc cancels", verb, c.n, all)
}
