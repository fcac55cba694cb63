package demos

import (
	"errors"
	"fmt"
	"strings"

	"crdtviz/replicas"
)

// ExpectResult is one checked expectation.
type ExpectResult struct {
	Statement Statement
	Pass      bool
	Got       string
	// At is the timeline position it was checked at: after At actions.
	At int
	// After is the action it was checked right after ("" before any action
	// of its step). Early is set when more actions of its step followed,
	// so the screen at the end of the step is not what it was checked on.
	After string
	Early bool
}

// Where says where in its step an early expectation was checked, e.g.
// "checked after send Bob -> Carol", or "" when it was checked at the end.
func (r ExpectResult) Where() string {
	if !r.Early {
		return ""
	}
	return r.CheckedAt()
}

// CheckedAt says where in its step an expectation was checked, early or
// not: "checked after send Bob -> Carol".
func (r ExpectResult) CheckedAt() string {
	switch {
	case r.After == "":
		return "checked before the step's first action"
	}
	return "checked after " + r.After
}

// Failure is the check line for a failed expectation, without its place:
// "expected Carol = 1150, got 950".
func (r ExpectResult) Failure() string {
	return "expected " + strings.TrimPrefix(r.Statement.Expect.String(), "expect ") + ", got " + r.Got
}

// StepRun is what one step did: the timeline positions before and after it,
// its expectations in order, and the actions it skipped.
type StepRun struct {
	Start, End int
	Expects    []ExpectResult
	Skipped    []Skipped
}

// Skips reports whether the step skipped this statement: an action that
// found nothing to do, which the timeline does not hold.
func (sr StepRun) Skips(st Statement) bool {
	for _, sk := range sr.Skipped {
		if sk.Statement.Pos == st.Pos {
			return true
		}
	}
	return false
}

// Skipped is an action that found nothing to do (see
// replicas.ErrNothingToDo): it changed nothing, not even the tick.
type Skipped struct {
	Statement Statement
	At        int // the timeline position it would have followed
	Reason    string
}

// Run is a scenario executed on a timeline.
type Run struct {
	Scenario *Scenario
	Timeline *replicas.Timeline
	Steps    []StepRun // the steps that ran; all of them unless Err is set
	Err      *Error    // a runtime error, which stops the run
}

// Passed and Failed count the expectations checked.
func (r *Run) Passed() int { return r.count(true) }
func (r *Run) Failed() int { return r.count(false) }

func (r *Run) count(pass bool) int {
	n := 0
	for _, s := range r.Steps {
		for _, e := range s.Expects {
			if e.Pass == pass {
				n++
			}
		}
	}
	return n
}

// Execute runs every step of a scenario and checks every expectation. A
// runtime error (delivering on an empty link, a text position past the end)
// stops the run and is reported with its place.
func Execute(s *Scenario) *Run {
	tl, err := replicas.NewTimeline(s.Config())
	run := &Run{Scenario: s, Timeline: tl}
	if err != nil {
		run.Err = &Error{Pos: Pos{File: s.File, Line: 1, Col: 1}, Msg: err.Error()}
		return run
	}
	for _, step := range s.Steps {
		sr := StepRun{Start: tl.Pos()}
		after := ""
		for _, st := range step.Items {
			if st.Action != nil {
				_, _, err := tl.Do(st.Action)
				if errors.Is(err, replicas.ErrNothingToDo) {
					sr.Skipped = append(sr.Skipped, Skipped{Statement: st, At: tl.Pos(), Reason: err.Error()})
					continue
				}
				if err != nil {
					run.Err = &Error{Pos: st.Pos, Msg: err.Error()}
					sr.End = tl.Pos()
					run.Steps = append(run.Steps, sr.settle())
					return run
				}
				after = st.Action.String()
				continue
			}
			if st.Expect != nil {
				res := Check(st, tl.Cluster())
				res.At, res.After = tl.Pos(), after
				sr.Expects = append(sr.Expects, res)
			}
		}
		sr.End = tl.Pos()
		run.Steps = append(run.Steps, sr.settle())
	}
	return run
}

// settle marks the expectations checked before the step's last action.
func (sr StepRun) settle() StepRun {
	for i := range sr.Expects {
		sr.Expects[i].Early = sr.Expects[i].At < sr.End
	}
	return sr
}

// Check evaluates an expect statement against a cluster.
func Check(st Statement, c *replicas.Cluster) ExpectResult {
	e := st.Expect
	res := ExpectResult{Statement: st}
	switch e.Kind {
	case ExpectConverged, ExpectEqual, ExpectDiverged, ExpectPending:
		st := c.Status(e.Lane)
		want := map[ExpectKind]replicas.StatusKind{ExpectConverged: replicas.Converged, ExpectEqual: replicas.Equal, ExpectDiverged: replicas.Diverged, ExpectPending: replicas.Pending}[e.Kind]
		res.Pass = st.Kind == want
		if st.Kind == replicas.Converged {
			res.Got = "converged: every replica holds " + c.Replicas()[0].Value(e.Lane).String()
		} else {
			res.Got = st.Summary() + " (" + valuesOf(c, e.Lane, nil) + ")"
		}
	case ExpectValue:
		got := c.Replica(e.Replica).Value(e.Lane)
		res.Pass = got.Equal(e.Value)
		res.Got = got.String()
	case ExpectAll:
		res.Pass = true
		var off []*replicas.Replica
		for _, r := range c.Replicas() {
			if !r.Value(e.Lane).Equal(e.Value) {
				res.Pass = false
				off = append(off, r)
			}
		}
		res.Got = "every replica holds it"
		if !res.Pass {
			res.Got = valuesOf(c, e.Lane, off)
		}
	case ExpectLost, ExpectDeclined:
		st := c.Status(e.Lane)
		ids := st.Lost
		if e.Kind == ExpectDeclined {
			ids = st.Declined
		}
		res.Pass = len(ids) == e.N
		res.Got = fmt.Sprint(len(ids))
		if len(ids) > 0 {
			parts := make([]string, len(ids))
			for i, id := range ids {
				parts[i] = id.String()
			}
			res.Got += " (" + strings.Join(parts, ", ") + ")"
		}
	case ExpectInFlight:
		n := len(c.InFlight())
		res.Pass = n == e.N
		res.Got = fmt.Sprint(n)
	case ExpectWaiting:
		n := c.Waiting()
		res.Pass = n == e.N
		res.Got = fmt.Sprint(n)
		if n > 0 {
			var all []string
			for _, r := range c.Replicas() {
				for _, w := range r.Waiting() {
					all = append(all, replicas.QuoteName(r.Name)+": "+w)
				}
			}
			res.Got += " (" + strings.Join(all, ", ") + ")"
		}
	case ExpectBytesLess, ExpectBytesMore:
		msgs, bytes := c.Sent(e.Lane)
		res.Pass = bytes < int64(e.N)
		if e.Kind == ExpectBytesMore {
			res.Pass = bytes > int64(e.N)
		}
		res.Got = fmt.Sprintf("%d bytes in %s", bytes, replicas.Plural(msgs, "message"))
	}
	return res
}

// valuesOf lists replicas and their values, "A = 1, B = 2"; all replicas
// when only is nil.
func valuesOf(c *replicas.Cluster, l replicas.Lane, only []*replicas.Replica) string {
	if only == nil {
		only = c.Replicas()
	}
	parts := make([]string, len(only))
	for i, r := range only {
		parts[i] = replicas.QuoteName(r.Name) + " = " + r.Value(l).String()
	}
	return strings.Join(parts, ", ")
}
