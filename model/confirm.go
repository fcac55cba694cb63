package model

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// confirmAction is what a confirmation guards.
type confirmAction int

const (
	confirmNone    confirmAction = iota
	confirmQuit                  // q with free-play work that is not saved
	confirmReplace               // starting something else over such work
	confirmLeave                 // q on the class screen: leave the class
	confirmReset                 // R on the class screen: reset the class
)

// Confirm is a question asked once before something that loses work. While
// it is open it owns every key: its yes key goes ahead; any other key
// cancels, and does nothing else.
type Confirm struct {
	action   confirmAction
	question string
	yes      key.Binding
	choice   MenuChoice // for confirmReplace: what to start
}

// Open asks question; the yes binding goes ahead.
func (c Confirm) Open(a confirmAction, question string, yes key.Binding) Confirm {
	c.action, c.question, c.yes = a, question, yes
	return c
}

// Pending reports whether a question is open.
func (c Confirm) Pending() bool { return c.action != confirmNone }

// HandleKey answers the question: the action to carry out, or none.
func (c Confirm) HandleKey(k tea.KeyPressMsg) (Confirm, confirmAction) {
	a := c.action
	c.action = confirmNone
	if key.Matches(k, c.yes) {
		return c, a
	}
	return c, confirmNone
}

// View is the question, for the status line.
func (c Confirm) View() string { return c.question }
