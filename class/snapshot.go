package class

import (
	"crdtviz/crdt"
	"crdtviz/replicas"
)

// Snapshot is what a screen shows of a class, as this process knows it. It
// is a copy: the node goes on changing while a screen draws it.
type Snapshot struct {
	Name    string
	Teacher string
	Type    crdt.Type
	Mode    replicas.Mode
	Addr    string // where this process listens
	Join    string // the line students type (teacher only)
	CRDT    string // this replica's values, in full
	Plain   string
	Members []Member   // the others, sorted by name
	Groups  [][]string // the teacher's partition; none when healed
	Epoch   uint64     // resets so far
	Dropped []Drop     // payloads dropped, by reason
}

// Member is one other member as this process last heard of it.
type Member struct {
	Name    string
	Status  Liveness
	Heard   bool // a view of its values has arrived
	CRDT    string
	Plain   string
	Same    [2]bool // per lane (replicas.Plain, replicas.CRDT): its value equals this replica's (by checksum)
	Blocked bool    // the teacher's partition cuts it off from this process
}

// Drop counts payloads dropped for one reason.
type Drop struct {
	Reason string
	N      int
}

// Counted is whether a member counts towards agreement: alive or suspect.
// A dead member's last values are shown, but it may be gone for good.
func (m Member) Counted() bool { return m.Status == Alive || m.Status == Suspect }

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

// snapshot copies what a screen needs. The caller holds the lock.
func (s *state) snapshot() Snapshot {
	snap := Snapshot{Name: s.name, Groups: cloneGroups(s.ctl.Groups), Epoch: s.ctl.Epoch}
	if !s.ready() {
		return snap
	}
	snap.Teacher, snap.Type, snap.Mode = s.info.Teacher, s.typ, s.mode
	snap.CRDT, snap.Plain = s.crdtString(), s.plainString()
	sums := [2]uint64{checksum(snap.CRDT), checksum(snap.Plain)}
	for _, n := range s.names() {
		m := s.members[n]
		if n == s.name || m == nil {
			continue
		}
		snap.Members = append(snap.Members, Member{
			Name: n, Status: m.status, Heard: m.heard, CRDT: m.view.CRDT, Plain: m.view.Plain,
			Same:    [2]bool{m.heard && m.view.PlainSum == sums[1], m.heard && m.view.CRDTSum == sums[0]},
			Blocked: s.blocked(n),
		})
	}
	for _, r := range []string{dropUndecodable, dropTooLarge, dropVersion, dropClass, dropType, dropBadState} {
		if n := s.dropped[r]; n > 0 {
			snap.Dropped = append(snap.Dropped, Drop{Reason: r, N: n})
		}
	}
	return snap
}
