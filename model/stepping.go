package model

import (
	"fmt"
	"strings"

	"crdtviz/demos"
	"crdtviz/replicas"
	"crdtviz/ui"
)

// This file holds how a demo is stepped through: by step or by action,
// with a step's question asked first, and back again. A question frame
// shows the state before the step's actions (nothing that moves in the
// step moves early), and ← retraces exactly the frames → showed.

// point names where the session is: what → and ← move.
type point struct {
	step, pos    int
	half, asking bool
	branched     bool
}

func (s *session) where() point {
	return point{s.step, s.tl.Pos(), s.half, s.asking, s.branched}
}

// leftAt is everything that says how a demo looked when the user branched
// off it, so that r brings back that very frame.
type leftAt struct {
	point
	markFrom        int
	byAction, noAsk bool
}

// atEnd reports whether a demo shows its last frame: nothing is left for
// → to show.
func (s *session) atEnd() bool {
	if s.step < len(s.run.Steps) || s.asking || s.half {
		return false
	}
	if s.byAction && s.step > 0 {
		_, end := s.stepRange(s.step)
		return s.tl.Pos() >= end
	}
	return true
}

// readingText is what the screen gives to read now: the narration, and a
// question with its choices.
func (s *session) readingText() string {
	text, _ := s.narration()
	if q := s.question(); q != nil {
		text = q.Text + " " + strings.Join(q.Choices, " ") + " " + text
	}
	return text
}

// isSync reports whether an action is a sync, which action-by-action
// playback shows in two frames: taken, then delivered.
func isSync(a replicas.Action) bool {
	switch a.(type) {
	case replicas.Sync, replicas.SyncBoth, replicas.SyncAll:
		return true
	}
	return false
}

// stepRange is the timeline positions before and after demo step k (1-based).
func (s *session) stepRange(k int) (int, int) {
	sr := s.run.Steps[k-1]
	return sr.Start, sr.End
}

// setHalf shows the sync at the current point half done.
func (s *session) setHalf() {
	p, ev, err := s.tl.Cluster().Preview(s.tl.Action(s.tl.Pos()))
	if err != nil || p == nil { // a sync that ran once cannot fail to preview
		s.clearHalf()
		return
	}
	s.half, s.halfC, s.halfEv = true, p, ev
	s.markFrom = s.tl.Pos()
}

func (s *session) clearHalf() { s.half, s.halfC, s.halfEv = false, nil, nil }

// hasAsk reports whether demo step k (1-based) asks a question that shows.
func (s *session) hasAsk(k int) bool {
	return !s.noAsk && s.scenario != nil && k >= 1 && k <= len(s.scenario.Steps) && s.scenario.Steps[k-1].Ask != nil
}

// question is the question on screen now, if any: while the class
// predicts, at the step's start (by step and by action alike).
func (s *session) question() *demos.Ask {
	if !s.demo() || !s.asking || s.step == 0 || !s.hasAsk(s.step) {
		return nil
	}
	return s.scenario.Steps[s.step-1].Ask
}

// ask shows step k's question: the state before its first action, nothing
// marked as changed.
func (s *session) ask(k int) {
	s.clearHalf()
	s.step, s.asking = k, true
	start, _ := s.stepRange(k)
	_ = s.tl.Seek(start)
	s.markFrom = start
}

// toggleByAction switches between stepping by step and by action. By
// action it starts at the end of the step shown (action n/n); by step, at
// the end of the step being played.
func (s *session) toggleByAction() {
	s.byAction = !s.byAction
	if !s.demo() {
		return
	}
	if s.asking { // the question stays: both ways show it at the step's start
		s.ask(s.step)
		return
	}
	if !s.byAction {
		s.show(s.step)
	}
}

// next moves one step on (a demo step, or one action redone). By action,
// it moves one action on, and a sync takes two moves: taken, then landed.
// A step with a question shows the question first; the next move reveals.
func (s *session) next() bool {
	if s.demo() && s.byAction {
		return s.nextAction()
	}
	if s.demo() {
		if s.asking {
			s.show(s.step)
			return true
		}
		if s.step >= len(s.run.Steps) {
			return false
		}
		if k := s.step + 1; s.hasAsk(k) {
			s.ask(k)
		} else {
			s.show(k)
		}
		return true
	}
	if !s.tl.Forward() {
		return false
	}
	s.markFrom = s.tl.Pos() - 1
	return true
}

// nextAction is next by action. From a question, → runs the step's first
// action (a step without one is revealed as it is).
func (s *session) nextAction() bool {
	if s.step == 0 {
		if len(s.run.Steps) == 0 {
			return false
		}
		s.enterStep(1)
		return true
	}
	asked := s.asking
	s.asking = false
	_, end := s.stepRange(s.step)
	if pos := s.tl.Pos(); pos < end {
		if isSync(s.tl.Action(pos)) && !s.half {
			s.setHalf()
			return true
		}
		s.clearHalf()
		_ = s.tl.Seek(pos + 1)
		s.markFrom = pos
		return true
	}
	if asked {
		return true
	}
	if s.step >= len(s.run.Steps) {
		return false
	}
	s.enterStep(s.step + 1) // the next step starts where this one ended
	return true
}

// enterStep shows demo step k at its start, by action: its question when
// it asks one, else action 0.
func (s *session) enterStep(k int) {
	if s.hasAsk(k) {
		s.ask(k)
		return
	}
	s.step = k
	s.markFrom = s.tl.Pos()
}

// prevAction is prev by action: a landed sync goes back to its half-done
// frame, the start of a step to the end of the one before. It retraces
// the frames nextAction showed, the question at a step's start included.
func (s *session) prevAction() bool {
	if s.half {
		s.clearHalf()
		start, _ := s.stepRange(s.step)
		s.markFrom = max(start, s.tl.Pos()-1) // what the action before changed, as → showed it
		s.atStart()
		return true
	}
	if s.step == 0 {
		return false
	}
	start, _ := s.stepRange(s.step)
	if pos := s.tl.Pos(); pos > start {
		_ = s.tl.Seek(pos - 1)
		s.markFrom = max(start, pos-2)
		if isSync(s.tl.Action(pos - 1)) {
			s.setHalf()
			return true
		}
		s.atStart()
		return true
	}
	s.asking = false
	s.step--
	s.markFrom = max(0, s.tl.Pos()-1)
	if s.step > 0 {
		start, _ = s.stepRange(s.step)
		s.markFrom = max(start, s.tl.Pos()-1)
	}
	return true
}

// atStart asks the step's question again when ← has come back to the
// step's start.
func (s *session) atStart() {
	if start, _ := s.stepRange(s.step); s.tl.Pos() == start && s.hasAsk(s.step) {
		s.ask(s.step)
	}
}

// show goes to the end of demo step k (0: before step 1), marking what
// that step changed.
func (s *session) show(k int) {
	s.clearHalf()
	s.asking = false
	s.step = k
	if k == 0 {
		_ = s.tl.Seek(0)
		s.markFrom = 0
		return
	}
	sr := s.run.Steps[k-1]
	_ = s.tl.Seek(sr.End)
	s.markFrom = sr.Start
}

// first goes back to the start: the demo's opening screen, or in free play
// before every action (all of them can be redone).
func (s *session) first() {
	s.clearHalf()
	s.asking = false
	if s.demo() {
		s.show(0)
		return
	}
	_ = s.tl.Seek(0)
	s.markFrom = 0
}

// last goes to the end: the demo's last step, or in free play the newest
// point.
func (s *session) last() {
	s.clearHalf()
	s.asking = false
	if s.demo() {
		s.show(len(s.run.Steps))
		return
	}
	_ = s.tl.Seek(s.tl.Len())
	s.markFrom = max(0, s.tl.Pos()-1)
}

// prev moves one frame back: by action, one action; by step, from a
// step's outcome to its question (when it asks one), and from a question
// or an outcome without one to the step before, answered.
func (s *session) prev() bool {
	if s.demo() && s.byAction {
		return s.prevAction()
	}
	if s.demo() {
		switch {
		case s.step == 0:
			return false
		case !s.asking && s.hasAsk(s.step):
			s.ask(s.step)
		default:
			s.show(s.step - 1)
		}
		return true
	}
	if !s.tl.Back() {
		return false
	}
	s.markFrom = max(0, s.tl.Pos()-1)
	return true
}

// returnToDemo replays the demo and brings back the frame the branch left
// from: the same step, action, question and ways of stepping.
func (s *session) returnToDemo() bool {
	if s.scenario == nil || !s.branched {
		return false
	}
	back := newDemoSession(s.scenario, s.name)
	left := s.left
	back.marks = s.marks
	*s = *back
	s.byAction, s.noAsk = left.byAction, left.noAsk
	s.step, s.asking = left.step, left.asking
	_ = s.tl.Seek(left.pos)
	s.markFrom = left.markFrom
	if left.half {
		s.setHalf()
		s.markFrom = left.markFrom
	}
	return true
}

// stepLabel is "step 2/6" in a demo, "" in free play.
func (s *session) stepLabel() string {
	switch {
	case s.scenario == nil:
		return ""
	case s.branched:
		return fmt.Sprintf("branched at step %d/%d", s.branchAt, len(s.scenario.Steps))
	}
	label := fmt.Sprintf("step %d/%d", s.step, len(s.scenario.Steps))
	if s.byAction && s.step > 0 {
		start, end := s.stepRange(s.step)
		done := s.tl.Pos() - start
		switch {
		case end == start:
			label += " · no action"
		case s.half:
			label += fmt.Sprintf(" · action %d/%d in flight", done+1, end-start)
		default:
			label += fmt.Sprintf(" · action %d/%d", done, end-start)
		}
	}
	if s.asking {
		label += " · question"
	}
	return label
}

// narration is what the demo says at this step, with its expectations.
// While the class predicts, it says only what the step does; by action,
// until the step's last action has landed, only what has happened so far:
// the step's conclusion waits for its last action.
func (s *session) narration() (string, []ui.ExpectLine) {
	if s.scenario == nil {
		return "", nil
	}
	if s.branched {
		return "You are exploring on your own from here. Press r to return to the demo where you left it.", nil
	}
	if s.step == 0 {
		text := s.scenario.About
		if text != "" {
			text += " "
		}
		return text + "Press → (or space) to run step 1.", nil
	}
	text := s.scenario.Steps[s.step-1].Text
	start, end := s.stepRange(s.step)
	switch {
	case s.question() != nil:
		return s.whatHappens(), nil
	case s.byAction && (s.tl.Pos() < end || s.half):
		text = s.soFar(start, end)
	}
	if s.run.Err != nil && s.step == len(s.run.Steps) {
		text += " [stopped: " + s.run.Err.Error() + "]"
	}
	var out []ui.ExpectLine
	for _, e := range s.run.Steps[s.step-1].Expects {
		where := e.Where()
		if s.byAction {
			// Each expectation shows from the frame it was checked on;
			// on later frames it says where it was checked.
			switch pos := s.tl.Pos(); {
			case e.At > pos:
				continue
			case e.At == pos && !s.half:
				where = ""
			default:
				where = e.CheckedAt()
			}
		}
		out = append(out, ui.ExpectLine{Text: e.Statement.String(), Pass: e.Pass, Got: e.Got, Where: where})
	}
	return text, out
}

// whatHappens is a question frame's text: the step's actions, which the
// class predicts the outcome of.
func (s *session) whatHappens() string {
	var acts []string
	for _, it := range s.scenario.Steps[s.step-1].Items {
		if it.Action != nil {
			acts = append(acts, it.Action.String())
		}
	}
	if len(acts) == 0 {
		return ""
	}
	return "What happens: " + strings.Join(acts, "; ") + "."
}

// soFar is a step's text by action before its last action has landed:
// the actions run so far, and the ones to come.
func (s *session) soFar(start, end int) string {
	pos := s.tl.Pos()
	var done, next []string
	for i := start; i < end; i++ {
		switch a := s.tl.Action(i).String(); {
		case i < pos:
			done = append(done, a)
		case i == pos && s.half:
			done = append(done, a+" (taken, in flight)")
		default:
			next = append(next, a)
		}
	}
	text := "Nothing has run yet."
	if len(done) > 0 {
		text = "So far: " + strings.Join(done, "; ") + "."
	}
	if len(next) > 0 {
		text += " Next: " + strings.Join(next, "; ") + "."
	}
	return text + " The step's conclusion follows its last action."
}
