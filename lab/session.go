package lab

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"crdtviz/demos"
	"crdtviz/replicas"
)

// Session plays a scenario in three lanes: crdtviz's own plain and CRDT
// lanes (a replicas.Timeline, exactly as crdtviz demo plays it) and the
// student's lane, fed the same actions. After each step every node is
// read; after the last, the reads are judged.
type Session struct {
	Scenario *demos.Scenario
	Timeline *replicas.Timeline
	Lane     *Lane
	Steps    []StepResult // the steps run so far
	Err      *demos.Error // a runtime error of the reference, which stops the run
	// StartErr is why the nodes did not start; Stopped says why the run
	// stopped early: the lab's bound on a scenario's time.
	StartErr error
	Stopped  string
	began    time.Time
}

// ActionResult is what one action did in each lane.
type ActionResult struct {
	Statement demos.Statement
	// Pos is the timeline position after it; Skipped is set when the
	// reference found nothing to do: then the action is not in the
	// timeline, and the lane skips it too, as in the app.
	Pos     int
	Skipped string
	Lane    []Event
}

// StepResult is one step of a session.
type StepResult struct {
	Index      int
	Start, End int // timeline positions before and after it
	Actions    []ActionResult
	Expects    []demos.ExpectResult
	Reads      []Read
	Verdict    Verdict
	Snapshot   Snapshot // the student's lane after the step
	// Final is the final phase, run after the last step's actions (as
	// lab check runs it); the verdict is then its verdict.
	Final *FinalResult
}

// CheckScenario says why a scenario cannot run in the lab: a type with
// no workload, or an initial value its workload cannot build with edits.
func CheckScenario(s *demos.Scenario) (*Workload, error) {
	w, err := WorkloadFor(s.Type)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.File, err)
	}
	if s.Initial != nil {
		if _, err := w.InitialOps(*s.Initial); err != nil {
			return nil, fmt.Errorf("%s: %w", s.File, err)
		}
	}
	return w, nil
}

// NewSession prepares a session: the reference timeline and the lane,
// whose nodes are not started yet (Start).
func NewSession(s *demos.Scenario, argv []string, opt Options) (*Session, error) {
	w, err := CheckScenario(s)
	if err != nil {
		return nil, err
	}
	tl, err := replicas.NewTimeline(s.Config())
	if err != nil {
		return nil, err
	}
	lane, err := New(w, s.Replicas, argv, opt)
	if err != nil {
		return nil, err
	}
	if s.Initial != nil {
		lane.SetInitial(s.Initial)
	}
	return &Session{Scenario: s, Timeline: tl, Lane: lane}, nil
}

// Start starts the nodes (see Lane.Start), and the clock of the
// scenario's bound on time.
func (s *Session) Start() error {
	s.began = time.Now()
	s.StartErr = s.Lane.Start()
	return s.StartErr
}

// Close stops the nodes.
func (s *Session) Close() { s.Lane.Close() }

// Done reports whether every step has run, or an error or the bound on
// time stopped the run.
func (s *Session) Done() bool {
	return s.Err != nil || s.Stopped != "" || len(s.Steps) == len(s.Scenario.Steps)
}

// Next runs the next step in both lanes, reads every node, and judges
// the reads; after the last step it runs the final phase first. A run
// that has taken longer than Options.ScenarioTime stops before its next
// step, and says so.
func (s *Session) Next() (StepResult, bool) {
	if s.Done() {
		return StepResult{}, false
	}
	i := len(s.Steps)
	if took := time.Since(s.began); !s.began.IsZero() && took > s.Lane.opt.ScenarioTime {
		s.Stopped = fmt.Sprintf("stopped before step %d of %d: the lab runs a scenario for at most %s (--max-time), and %s had passed (%s)",
			i+1, len(s.Scenario.Steps), s.Lane.opt.ScenarioTime, took.Round(100*time.Millisecond), s.Lane.slowness())
		return StepResult{}, false
	}
	step := s.Scenario.Steps[i]
	tl := s.Timeline
	sr := StepResult{Index: i, Start: tl.Pos()}
	after := ""
	for _, st := range step.Items {
		switch {
		case st.Action != nil:
			ar := ActionResult{Statement: st}
			_, _, err := tl.Do(st.Action)
			switch {
			case errors.Is(err, replicas.ErrNothingToDo):
				// Not in the timeline, so not in the app either: the
				// lane skips it too, as the app's lane does.
				ar.Skipped = err.Error()
			case err != nil:
				s.Err = &demos.Error{Pos: st.Pos, Msg: err.Error()}
			default:
				after = st.Action.String()
				ar.Lane = s.Lane.Apply(st.Action)
			}
			if s.Err != nil {
				break
			}
			ar.Pos = tl.Pos()
			sr.Actions = append(sr.Actions, ar)
		case st.Expect != nil:
			res := demos.Check(st, tl.Cluster())
			res.At, res.After = tl.Pos(), after
			sr.Expects = append(sr.Expects, res)
		}
		if s.Err != nil {
			break
		}
	}
	sr.End = tl.Pos()
	for k := range sr.Expects {
		sr.Expects[k].Early = sr.Expects[k].At < sr.End
	}
	sr.Reads = s.Lane.ReadAll()
	sr.Verdict = Judge(s.Lane.w, s.Lane.ops, sr.Reads, false)
	if last := i == len(s.Scenario.Steps)-1 || s.Err != nil; last && !sr.Verdict.Wrong && len(s.Lane.Crashed()) == 0 {
		fr := s.Lane.FinalPhase()
		sr.Final, sr.Verdict = &fr, fr.Verdict
	} else if last {
		sr.Verdict = Judge(s.Lane.w, s.Lane.ops, sr.Reads, true)
	}
	sr.Snapshot = s.Lane.Snapshot()
	s.Steps = append(s.Steps, sr)
	return sr, true
}

// RunAll runs every remaining step.
func (s *Session) RunAll() {
	for !s.Done() {
		s.Next()
	}
}

// Wrong reports whether any step's verdict found the student's lane
// wrong (or not converged at the end).
func (s *Session) Wrong() bool {
	for _, st := range s.Steps {
		if st.Verdict.Wrong {
			return true
		}
	}
	return false
}

// Failure says how the session failed, as lab check's kinds of failure
// do, or nil: the nodes did not start, one crashed, or a verdict found
// them wrong, silent at the end, or not converged.
func (s *Session) Failure() *Failure {
	var se *StartError
	switch {
	case errors.As(s.StartErr, &se):
		return &Failure{Kind: FailStart, Text: s.StartErr.Error()}
	case s.StartErr != nil:
		return nil // crdtviz's own bound: not the nodes'
	}
	if c := s.Lane.Crashed(); len(c) > 0 {
		return &Failure{Kind: FailCrash, Text: strings.Join(c, "; "), Ops: s.Lane.Ops()}
	}
	for _, st := range s.Steps {
		v := st.Verdict
		if !v.Wrong {
			continue
		}
		f := &Failure{Kind: FailWrong, Text: v.Detail, Reads: st.Reads, Ops: s.Lane.Ops()}
		switch v.Word {
		case "no read":
			f.Kind = FailSilent
		case "did not converge":
			f.Kind = FailConverge
		}
		return f
	}
	return nil
}
