package class

import (
	"fmt"
	"strings"
)

// Ask the room: the teacher asks a question with 2 to 6 choices; every
// screen shows it, and students answer with the digits 1 to 6 (letters
// would clash with e, which edits), changing their answer as often as
// they like until the teacher closes the question. Answers are signed by
// their members and sent to the teacher, who counts each member once (its
// last answer) and shows a live tally without names, since the screen is
// on a projector. Closing puts the tally into the teacher's signed
// control, so every screen shows it.

// answer is a member's last answer, as the teacher holds it.
type answer struct {
	choice int
	seq    uint64
}

// takeAnswer is the teacher's: a member's answer (its signature already
// checked against the member's key) to the open question.
func (s *state) takeAnswer(from string, a wireAnswer) []Event {
	q := s.ctl.Question
	if !s.teacher() || q == nil || q.Closed || a.N != q.N || a.Choice < 1 || a.Choice > len(q.Choices) || !s.shown(from) {
		return nil
	}
	if cur, ok := s.answers[from]; ok && cur.seq >= a.Seq {
		return nil // older than the answer held: it was overtaken
	}
	if s.answers == nil {
		s.answers = map[string]answer{}
	}
	s.answers[from] = answer{choice: a.Choice, seq: a.Seq}
	s.viewsChanged = true
	return []Event{{Event: "answer", Name: from, Choice: a.Choice, Text: fmt.Sprintf("an answer arrived (%d answered)", len(s.answers))}}
}

// questionEvents says what a control changed of the room's question.
func (s *state) questionEvents(was, q *wireQuestion) []Event {
	switch {
	case q == nil:
		return nil
	case was == nil || was.N != q.N:
		s.answers, s.myAnswer = nil, 0
		ev := Event{Event: "question", Question: q.Text, Choices: q.Choices,
			Text: "question: " + q.Text + " " + choicesLine(q.Choices)}
		if !q.Closed {
			return []Event{ev}
		}
		return []Event{ev, tallyEvent(q)}
	case q.Closed && !was.Closed:
		return []Event{tallyEvent(q)}
	}
	return nil
}

func tallyEvent(q *wireQuestion) Event {
	un := q.Unanswered
	return Event{Event: "tally", Question: q.Text, Choices: q.Choices, Tally: q.Tally, Unanswered: &un,
		Text: "tally: " + TallyLine(q.Choices, q.Tally, q.Unanswered)}
}

// choicesLine is "1 yes · 2 no · 3 only after a sync".
func choicesLine(choices []string) string {
	parts := make([]string, len(choices))
	for i, c := range choices {
		parts[i] = fmt.Sprintf("%d %s", i+1, c)
	}
	return strings.Join(parts, " · ")
}

// TallyLine is "yes 4 · no 2 · only after a sync 1 · no answer 3".
func TallyLine(choices []string, tally []int, unanswered int) string {
	parts := make([]string, 0, len(choices)+1)
	for i, c := range choices {
		n := 0
		if i < len(tally) {
			n = tally[i]
		}
		parts = append(parts, fmt.Sprintf("%s %d", c, n))
	}
	return strings.Join(append(parts, fmt.Sprintf("no answer %d", unanswered)), " · ")
}

// tally counts the teacher's answers: per choice, and the members on
// screen (alive or suspect) who have not answered.
func (s *state) tally() ([]int, int) {
	q := s.ctl.Question
	if q == nil {
		return nil, 0
	}
	counts := make([]int, len(q.Choices))
	for _, a := range s.answers {
		counts[a.choice-1]++
	}
	un := 0
	for _, name := range s.names() {
		if m := s.members[name]; name != s.name && s.shown(name) && (m.status == Alive || m.status == Suspect) && s.answers[name].choice == 0 {
			un++
		}
	}
	return counts, un
}

// Ask asks the room a question (teacher only), replacing any before it.
func (n *Node) Ask(text string, choices []string) error {
	if len(choices) < 2 || len(choices) > maxChoices {
		return fmt.Errorf("a question for the room has 2 to %d choices: ask \"TEXT\" choices A | B", maxChoices)
	}
	if len(text) > maxQuestionBytes {
		return fmt.Errorf("the question is longer than %d bytes", maxQuestionBytes)
	}
	for _, c := range choices {
		if len(c) > maxChoiceBytes || !validText(c) {
			return fmt.Errorf("choice %q is longer than %d bytes, or cannot be shown", c, maxChoiceBytes)
		}
	}
	if !validText(text) {
		return fmt.Errorf("the question has a character a screen cannot show")
	}
	return n.control(func(cur wireControl) (wireControl, error) {
		q := &wireQuestion{N: 1, Text: text, Choices: append([]string(nil), choices...)}
		if cur.Question != nil {
			q.N = cur.Question.N + 1
		}
		cur.Question = q
		return cur, nil
	})
}

// Close closes the room's question (teacher only): the tally goes to
// every screen.
func (n *Node) Close() error {
	return n.control(func(cur wireControl) (wireControl, error) {
		if cur.Question == nil || cur.Question.Closed {
			return cur, fmt.Errorf("no question is open: ask one first")
		}
		q := *cur.Question
		q.Choices = append([]string(nil), q.Choices...)
		q.Closed = true
		q.Tally, q.Unanswered = n.st.tally()
		cur.Question = &q
		return cur, nil
	})
}

// Answer answers the room's open question with a choice, from 1; a later
// answer replaces it until the teacher closes the question.
func (n *Node) Answer(choice int) error {
	n.mu.Lock()
	q := n.st.ctl.Question
	if q == nil || q.Closed {
		n.mu.Unlock()
		return fmt.Errorf("no question is open")
	}
	if choice < 1 || choice > len(q.Choices) {
		n.mu.Unlock()
		return fmt.Errorf("answer with 1 to %d", len(q.Choices))
	}
	if n.st.teacher() {
		n.mu.Unlock()
		return fmt.Errorf("the teacher asks; the students answer")
	}
	n.st.answerSeq++
	a := wireAnswer{N: q.N, Choice: choice, Seq: n.st.answerSeq}
	raw := n.st.seal(kindAnswer, func(e *envelope) { e.Answer = &a })
	n.st.myAnswer = choice
	teacher := n.st.info.Teacher
	n.publishLocked()
	n.mu.Unlock()
	n.later(outMsg{msg: raw, to: teacher})
	n.signal()
	return nil
}
