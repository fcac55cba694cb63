package replicas

import (
	"fmt"
	"slices"
	"strconv"

	"crdtviz/crdt"
)

// Three ways to replicate, one file each. A replication mode decides what
// a CRDT-lane message carries and what its arrival does; everything else
// (the plain lane, links, queues, time, status) is the same in every mode.
// Its rules sit behind two small interfaces, in the way Go's crypto/cipher
// keeps one file per block mode:
//
//   - modeRules is the mode itself: what a replica keeps for it, what a
//     local edit files there, and what a message on a link carries;
//   - payload is what one message carries for the CRDT lane: how it is
//     delivered (the seam every arrival goes through, see deliver.go), what
//     it weighs on the wire, and how it reads in a sentence.
//
// mode_state.go, mode_op.go and mode_delta.go each register one mode. A
// fourth mode is one new file that declares its Mode constant and
// registers its rules; nothing else changes.

// Mode is what a CRDT-lane message carries: the sender's whole state
// (state-based), the operations it has applied and not yet sent on that
// link (op-based), or the deltas pending for that link (delta-based). The
// plain lane is the same in every mode.
type Mode int

// modeRules is one replication mode. Its methods read the cluster and
// change only the replicas they are given (owned by the cluster, see
// Cluster.mutable); what a replica keeps for the mode is its modeData,
// replaced and never changed in place, so that clones share it.
type modeRules interface {
	// name is the mode's word in the scenario language: "state".
	name() string
	// describe says, in one sentence, what a message carries.
	describe() string
	// opOptions reports whether the delivery and dedup settings apply.
	opOptions() bool
	// full says whether full (a whole state) may be asked for: nil, or why
	// not.
	full() error
	// start is replica i's bookkeeping before anything happened.
	start(c *Cluster, i int) modeData
	// edit files a local edit's effect: replica i (r, owned) applied the
	// edit id, whose history key is key.
	edit(c *Cluster, i int, r *Replica, id EditID, key string, e *crdt.Effect)
	// payload is what a message from sc's sender to replica to carries,
	// taken now. It changes nothing: taken records it.
	payload(c *Cluster, sc *senderCopy, to int, full bool) payload
	// taken records, in the bookkeeping of replica from, that a message
	// carrying p was taken on the link to replica to.
	taken(c *Cluster, from, to int, p payload)
}

// payload is what a message carries for the CRDT lane. A payload never
// changes once made: messages, their duplicates and checkpoints share it.
type payload interface {
	// deliver hands the payload to replica i (r, owned by c), and says
	// what it did to the CRDT lane: the lane's change, its sentence, and
	// the edits the replica now knows. It is the mode's half of the seam
	// in deliver.go.
	deliver(c *Cluster, i int, r *Replica, m *Message) LaneChange
	// noun is what a send sentence calls it: "its state", "its ops".
	noun() string
	// text is the payload in a few words: "ops A3, A4", "delta {milk}".
	text(m *Message) string
	// lost is what a drop adds to its sentence ("" for nothing).
	lost() string
	// wire is its wire form (see wire.go), and size what that weighs.
	wire() wireMessage
	size() int
	// knows is every edit the payload carries; hist the history it
	// reflects.
	knows() EditSet
	hist() History
	// held is what the payload holds, for the work budget: a state's own
	// estimate, or what it weighed on the wire (see budget.go). whole says
	// that it is a whole state, which its receiver merges with all of its
	// own.
	held(m *Message) (n int64, whole bool)
	// work is what taking it cost beyond what it weighs, for the work
	// budget: gathering its ops, or joining its delta-group from the
	// entries pending (0 for a whole state, which the merged budget
	// counts, and for a group another message of the action joined).
	work() int64
	// textGrowth bounds how many characters it can add to a text, and
	// trial applies it to a copy of a receiver's text (see
	// checkTextMerges).
	textGrowth(c *Cluster, to int) int
	trial(c *Cluster, to int, st crdt.CRDT)
}

// modeData is what a replica keeps for its cluster's mode (nil for state
// mode): op mode's log and causal buffer, delta mode's pending
// delta-groups. It is replaced, never changed in place.
type modeData interface {
	// waiting lists what waits at the replica until something it needs
	// arrives: "A3 (needs A2)".
	waiting() []string
	// dump is its lines in Cluster.Dump.
	dump(c *Cluster) []string
}

// registry holds every mode's rules, by Mode.
var registry = map[Mode]modeRules{}

// Modes lists the modes, in the order the docs teach them (by value).
var Modes []Mode

// register adds a mode; each mode file calls it from init.
func register(m Mode, r modeRules) {
	if _, dup := registry[m]; dup {
		panic(fmt.Sprintf("replicas: mode %d registered twice", m))
	}
	registry[m] = r
	Modes = append(Modes, m)
	slices.Sort(Modes)
}

// rules is the mode's rules; an unknown mode has none.
func (m Mode) rules() (modeRules, bool) {
	r, ok := registry[m]
	return r, ok
}

func (m Mode) String() string {
	if r, ok := m.rules(); ok {
		return r.name()
	}
	return "mode " + strconv.Itoa(int(m))
}

// Describe says what a message carries in the mode.
func (m Mode) Describe() string {
	if r, ok := m.rules(); ok {
		return r.describe()
	}
	return ""
}

// ParseMode reads a mode's name: state, op or delta.
func ParseMode(s string) (Mode, error) {
	for _, m := range Modes {
		if m.String() == s {
			return m, nil
		}
	}
	return 0, fmt.Errorf("unknown mode %q: choose %s", s, modeNames())
}

// modeNames is "state, op or delta".
func modeNames() string {
	out := ""
	for i, m := range Modes {
		switch {
		case i == 0:
		case i == len(Modes)-1:
			out += " or "
		default:
			out += ", "
		}
		out += m.String()
	}
	return out
}

// Mode is the cluster's mode; Causal and Dedup are op mode's delivery
// rules.
func (c *Cluster) Mode() Mode   { return c.mode }
func (c *Cluster) Causal() bool { return !c.anyOrder }
func (c *Cluster) Dedup() bool  { return !c.noDedup }

// Waiting lists, for the screen, what waits at the replica until something
// it needs arrives: ops in op mode's causal buffer ("A3 (needs A2)"), or a
// text edit in delta mode whose characters cannot be placed yet.
func (r *Replica) Waiting() []string {
	if r.mode == nil {
		return nil
	}
	return r.mode.waiting()
}

// Waiting counts what waits at every replica: what expect waiting N
// checks.
func (c *Cluster) Waiting() int {
	n := 0
	for _, r := range c.reps {
		n += len(r.Waiting())
	}
	return n
}

// Payload is what the message carries for the CRDT lane, in a few words:
// the state, "ops A3 add milk, A4 remove milk", "delta {milk}" or "full
// state {…}".
func (m *Message) PayloadText() string { return m.crdt.text(m) }

// via is how a sentence names a message and its weight: " (m4, 15 B)".
func via(m *Message, l Lane) string {
	return " (" + MsgName(m.ID) + ", " + SizeText(int64(m.bytes[l])) + ")"
}

// MsgName is how sentences name message id: "m4". Edits are "#2": the two
// never share a mark.
func MsgName(id int) string { return "m" + strconv.Itoa(id) }
