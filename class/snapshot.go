package class

import (
	"fmt"
	"strings"

	"crdtviz/crdt"
	"crdtviz/replicas"
)

// Snapshot is what a screen shows of a class, as this process knows it. It
// is a copy, made whenever something changes: a screen reads it without
// taking the node's lock.
type Snapshot struct {
	Name    string
	Teacher string
	Type    crdt.Type
	Mode    replicas.Mode
	Addr    string // where this process listens
	Join    string // the line students type (teacher only)
	Code    string // the join code: the teacher key's fingerprint
	CRDT    string // this replica's values, in full
	Plain   string
	SeenN   uint64     // how many edits this replica has seen
	SeenSum uint64     // and which (a checksum)
	Members []Member   // the others on screen (admitted and listed by memberlist), sorted by name
	Groups  [][]string // the teacher's partition; none when healed
	Epoch   uint64     // resets so far
	Dropped []Drop     // payloads dropped, by reason
	Held    bool       // the teacher holds the room: edits stay on each laptop
	Waiting int        // this member's edits held, not sent yet
	Frozen  bool       // the teacher has paused editing
	Say     string     // what the teacher last said to the room
	Removed bool       // the teacher kicked this member out of the class (kick.go)
	// Recorded says the teacher records the class (class start --record):
	// this laptop keeps a record of what it sends and receives, for the
	// teacher to collect.
	Recorded bool
	// Question is the room's question, if the teacher has asked one.
	Question *Question
}

// Question is the room's question as this member sees it.
type Question struct {
	Text    string
	Choices []string
	Closed  bool
	// Tally counts the answers per choice, and Unanswered the members who
	// have not answered: live on the teacher's screen, on every screen
	// once closed.
	Tally      []int
	Unanswered int
	Mine       int // this member's answer (0: none yet)
}

// Member is one other member as this process last heard of it.
type Member struct {
	Name    string
	Addr    string
	Status  Liveness
	Heard   bool // a view of its values has arrived
	CRDT    string
	Plain   string
	Same    [2]bool // per lane (replicas.Plain, replicas.CRDT): its value equals this replica's (by checksum)
	SeenN   uint64  // how many edits it had seen, as of its view
	SeenSum uint64
	Blocked bool // the teacher's partition cuts it off from this process
}

// Drop counts payloads dropped for one reason.
type Drop struct {
	Reason string
	N      int
}

// Counted is whether a member counts towards agreement: alive or suspect.
// A dead member's last values are shown, but it may be gone for good.
func (m Member) Counted() bool { return m.Status == Alive || m.Status == Suspect }

// State is a member's state in words: "cut off" while the teacher's
// partition cuts it off from this member (memberlist then calls it
// suspect, and dead, which the partition explains), else memberlist's
// word.
func (m Member) State() string {
	if m.Blocked && m.Status != Left {
		return "cut off"
	}
	return m.Status.String()
}

// Agree counts the members (this one included) that count and whose lane
// value, as last heard, equals this replica's, and how many count.
func (s Snapshot) Agree(lane replicas.Lane) (agree, of int) {
	agree, of = 1, 1
	for _, m := range s.Members {
		if !m.Counted() {
			continue
		}
		of++
		if m.Heard && m.Same[lane] {
			agree++
		}
	}
	return agree, of
}

// DroppedTotal is how many payloads were dropped.
func (s Snapshot) DroppedTotal() int {
	n := 0
	for _, d := range s.Dropped {
		n += d.N
	}
	return n
}

// Forged is how many payloads were dropped as forged: signed by someone
// other than their maker, or from a name the class has not admitted.
func (s Snapshot) Forged() int {
	for _, d := range s.Dropped {
		if d.Reason == dropForged {
			return d.N
		}
	}
	return 0
}

// The status words, the simulator's four, for one lane as far as this
// process knows.
const (
	WordConverged = "CONVERGED" // all values equal, and everyone has seen the same edits
	WordEqual     = "EQUAL"     // all values equal, but someone has not seen every edit yet
	WordPending   = "PENDING"   // values differ, and each that differs has seen other edits: news is on its way
	WordDiverged  = "DIVERGED"  // someone saw the same edits and holds another value
	WordAlone     = "ALONE"     // no other member counts
)

// LaneStatus is one lane's status in words.
type LaneStatus struct {
	Word    string
	Agree   int      // members (this one included) whose value equals this one's
	Of      int      // members that count (alive or suspect, this one included)
	Unheard []string // members not heard from yet
	Behind  []string // members (this one included) that have not seen every edit the others have
	Differ  []string // members whose value differs, having seen other edits
	Same    []string // members whose value differs though they saw the same edits
}

// Status says, per lane, as far as this process knows: CONVERGED when
// every counted member's value equals this one's and all have seen the
// same edits; EQUAL when the values are equal but someone has not seen an
// edit yet; DIVERGED when a member saw the same edits as this one and
// holds another value; PENDING otherwise (values differ, and each that
// differs has seen other edits, or has not been heard from).
func (s Snapshot) Status(lane replicas.Lane) LaneStatus {
	st := LaneStatus{}
	st.Agree, st.Of = s.Agree(lane)
	if st.Of == 1 {
		st.Word = WordAlone
		return st
	}
	maxSeen := s.SeenN
	for _, m := range s.Members {
		if m.Counted() && m.Heard {
			maxSeen = max(maxSeen, m.SeenN)
		}
	}
	allSeen := true
	if s.SeenN < maxSeen {
		st.Behind = append(st.Behind, s.Name)
	}
	for _, m := range s.Members {
		if !m.Counted() {
			continue
		}
		switch {
		case !m.Heard:
			st.Unheard = append(st.Unheard, m.Name)
			continue
		case !m.Same[lane] && m.SeenSum == s.SeenSum:
			st.Same = append(st.Same, m.Name)
		case !m.Same[lane]:
			st.Differ = append(st.Differ, m.Name)
		}
		if m.SeenSum != s.SeenSum {
			allSeen = false
			if m.SeenN < maxSeen {
				st.Behind = append(st.Behind, m.Name)
			}
		}
	}
	switch {
	case len(st.Same) > 0:
		st.Word = WordDiverged
	case len(st.Differ) > 0 || len(st.Unheard) > 0:
		st.Word = WordPending
	case allSeen:
		st.Word = WordConverged
	default:
		st.Word = WordEqual
	}
	return st
}

// Details says what backs a lane's word, from the longest form to the
// shortest (the last may be empty), for a banner that fits its width.
func (st LaneStatus) Details(me string) []string {
	names := func(ns []string, max int) string {
		if len(ns) > max {
			return fmt.Sprintf("%d members", len(ns))
		}
		return strings.Join(ns, ", ")
	}
	agree := fmt.Sprintf("%d of %d agree with %s", st.Agree, st.Of, me)
	switch st.Word {
	case WordAlone:
		return []string{"no other member counts yet (alive and not cut off)", ""}
	case WordConverged:
		all := fmt.Sprintf("all %d agree and have seen the same edits", st.Of)
		if st.Of == 2 {
			all = "both agree and have seen the same edits"
		}
		return []string{all, fmt.Sprintf("all %d agree", st.Of), ""}
	case WordEqual:
		who := names(st.Behind, 3)
		if who == "" {
			who = "someone"
		}
		return []string{fmt.Sprintf("%s; %s hasn't seen every edit yet", agree, who), agree, ""}
	case WordDiverged:
		return []string{fmt.Sprintf("%s saw the same edits as %s and differ%s", names(st.Same, 3), me, plural(len(st.Same))), agree, ""}
	}
	var why []string
	if len(st.Differ) > 0 {
		why = append(why, names(st.Differ, 3)+" saw other edits")
	}
	if len(st.Unheard) > 0 {
		why = append(why, "not heard yet: "+names(st.Unheard, 3))
	}
	return []string{agree + "; " + strings.Join(why, "; "), agree, ""}
}

func plural(n int) string {
	if n == 1 {
		return "s"
	}
	return ""
}

// snapshot copies what a screen needs. The caller holds the lock; the
// values are kept as strings as they change, so this copies and counts,
// and never renders a state.
func (s *state) snapshot() *Snapshot {
	snap := &Snapshot{Name: s.name, Groups: cloneGroups(s.ctl.Groups), Epoch: s.ctl.Epoch, Held: s.ctl.Hold, Frozen: s.ctl.Freeze, Say: s.ctl.Say,
		Removed: s.kickedMe}
	if s.hold != nil {
		snap.Waiting = len(s.hold.edits)
	}
	if q := s.ctl.Question; q != nil {
		snap.Question = &Question{Text: q.Text, Choices: append([]string(nil), q.Choices...), Closed: q.Closed, Mine: s.myAnswer}
		switch {
		case q.Closed:
			snap.Question.Tally, snap.Question.Unanswered = append([]int(nil), q.Tally...), q.Unanswered
		case s.teacher():
			snap.Question.Tally, snap.Question.Unanswered = s.tally()
		}
	}
	if s.info != nil {
		snap.Code = Fingerprint(s.info.TeacherKey)
	}
	for _, r := range dropReasons { // not "not admitted yet" or "stale": no harm meant, none done
		if n := s.dropped[r]; n > 0 {
			snap.Dropped = append(snap.Dropped, Drop{Reason: r, N: n})
		}
	}
	if !s.ready() {
		return snap
	}
	snap.Teacher, snap.Type, snap.Mode, snap.Recorded = s.info.Teacher, s.typ, s.mode, s.info.Record
	snap.CRDT, snap.Plain = s.crdtStr, s.plainStr
	snap.SeenN, snap.SeenSum = s.seenDigest()
	sums := [2]uint64{checksum(snap.Plain), checksum(snap.CRDT)}
	for _, n := range s.names() {
		m := s.members[n]
		if n == s.name || m == nil || !s.shown(n) || s.kickedMe { // kicked out: no one's news reaches this laptop any more
			continue
		}
		snap.Members = append(snap.Members, Member{
			Name: n, Addr: m.addr, Status: m.status, Heard: m.heard, CRDT: m.view.CRDT, Plain: m.view.Plain,
			Same:  [2]bool{m.heard && m.view.PlainSum == sums[0], m.heard && m.view.CRDTSum == sums[1]},
			SeenN: m.view.SeenN, SeenSum: m.view.SeenSum, Blocked: s.blocked(n),
		})
	}
	return snap
}
