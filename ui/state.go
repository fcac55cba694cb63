package ui

import (
	"strings"

	"crdtviz/replicas"
)

// Pane is a tab of the bottom pane.
type Pane int

const (
	PaneNarration Pane = iota
	PaneMessages
	PaneLog
	PaneDetails // the focused replica in full: values, edits, metadata
	PaneDiagram // the space-time diagram
)

// ExpectLine is an expectation shown in the narration: its text and result.
type ExpectLine struct {
	Text  string
	Pass  bool
	Got   string
	Where string // e.g. "checked after send Bob -> Carol", when not at the step's end
}

// State is everything the screen shows. The model builds it; the render
// functions only read it.
type State struct {
	Title     string // the demo's title, or "Free play"
	StepLabel string // "step 2/6", or "" in free play
	Notice    string // shown in the header's right-hand side (e.g. branched)
	Warning   string // shown there too, first, until it is resolved (e.g. a failing --record)
	Cluster   *replicas.Cluster
	Changed   [2][]bool // per lane, per replica: changed by the last action or step
	// Decisive is, per replica, the parts of its CRDT metadata line that
	// decided a merge in the last action or step (see crdt.Result.Decisive).
	Decisive [][]string
	// Changes is, per lane and replica, what the last action or step did
	// to a collection value: a box that cuts the value shows it first.
	Changes [2][]ValueChange
	// Front is, per replica, the parts of its CRDT metadata line to show
	// first when the line is cut: what decided the last merge, what the
	// last action or step changed, and what the narration names.
	Front [][]string
	// InternalsOffset scrolls the full internals inside the CRDT boxes.
	InternalsOffset int
	Focus           int // focused replica
	First           int // first replica column shown
	Internals       bool
	Selected        int // selected message in flight
	Pane            Pane
	Demo            bool
	Narration       string
	// NarrationOffset scrolls the narration when it does not fit.
	NarrationOffset int
	Expects         []ExpectLine
	Log             string // the event log, already rendered by its viewport
	Details         string // the focused replica in full, already rendered by its viewport
	Status          string // the status line: prompt, error or hint, already styled
	Bar             string // the help bar, already rendered
	// Boxes, when set, remembers rendered boxes between frames. History
	// names the history the cluster belongs to: the model changes it
	// whenever ticks stop naming the same states (a branch, a new demo).
	Boxes   *BoxCache
	History any

	// The space-time diagram, when its pane or its full screen shows:
	// built by the model from the rows on screen (nil otherwise), how far
	// it is scrolled up, and the message selected in it (nil for none).
	Diagram *Diagram
	// DiagramKey names the diagram (a comparable value, or nil): what is
	// drawn of it is remembered by it, with the boxes.
	DiagramKey      any
	DiagramOffset   int
	DiagramSelected *replicas.Message
	DiagramFull     bool
	// DiagramYours is the student's message selected in the diagram (the
	// lab), with its JSON body; DiagramSelected is then nil.
	DiagramYours   *YoursMsg
	DiagramYoursID int

	// Yours is the third band, a student's own nodes (crdtviz lab); nil
	// without the lab.
	Yours *Yours

	// Ask is the step's question while the class predicts (nil when it
	// is answered, or there is none). The state shown is then the one
	// before the step's actions, so nothing on screen gives it away.
	Ask *AskView
}

// ValueChange is what turned one collection value into another: the
// elements (or map entries) added and removed, as the value writes them
// (see crdt.Changes).
type ValueChange struct {
	Added, Removed []string
}

// news is the change in a few words: "+item-new -milk".
func (c ValueChange) news(s Styles) string {
	var parts []string
	for _, a := range c.Added {
		parts = append(parts, "+"+a)
	}
	for _, r := range c.Removed {
		parts = append(parts, "−"+r)
	}
	return s.Text(strings.Join(parts, " "))
}

// AskView is a question on screen, with its lettered choices.
type AskView struct {
	Text    string
	Choices []string
}
