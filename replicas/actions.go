package replicas

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"crdtviz/crdt"
)

// Action is one thing that can happen to a cluster. The scenario language,
// the TUI's keys and its command prompt all build these same values, and
// String renders each in scenario syntax, so a recorded session is a
// scenario file.
type Action interface {
	String() string
	isAction()
}

// Edit is a local edit on one replica, applied to both of its lanes.
type Edit struct {
	Replica string
	Op      crdt.Op
}

// Send puts a snapshot of From's state (both lanes) in flight toward To, or
// toward every other replica when ToAll is set.
type Send struct {
	From, To string
	ToAll    bool
	Full     bool // delta mode: carry the whole state, not the pending deltas
}

// Deliver delivers the oldest message in flight from From to To, or the
// newest when Newest is set.
type Deliver struct {
	From, To string
	Newest   bool
}

// DeliverAll delivers every message in flight whose link is up, in the
// order they were sent.
type DeliverAll struct{}

// Drop discards the oldest message in flight from From to To.
type Drop struct{ From, To string }

// Duplicate copies the oldest message in flight from From to To to the
// back of that link's queue.
type Duplicate struct{ From, To string }

// Sync sends From's state and delivers it at once: to To, or with ToAll to
// every replica From can reach, in declaration order.
type Sync struct {
	From, To string
	ToAll    bool
	Full     bool // delta mode: carry the whole state
}

// SyncBoth takes both replicas' snapshots first, then delivers both: the
// messages cross.
type SyncBoth struct {
	A, B string
	Full bool // delta mode: carry the whole states
}

// SyncAll is one round: every replica sends its snapshot to every replica it
// can reach, then every message is delivered, receivers in declaration
// order, each receiving its senders in declaration order.
type SyncAll struct {
	Full bool // delta mode: carry the whole states
}

// Cut cuts the link From → To, and To → From as well when Both is set.
type Cut struct {
	From, To string
	Both     bool
}

// Heal heals the link From → To, and To → From as well when Both is set.
type Heal struct {
	From, To string
	Both     bool
}

// HealAll heals every link.
type HealAll struct{}

// Partition cuts every link between replicas of different groups.
type Partition struct{ Groups [][]string }

// SetSkew sets a replica's clock skew: its clock reads tick + Skew.
type SetSkew struct {
	Replica string
	Skew    int64
}

func (Edit) isAction()       {}
func (Send) isAction()       {}
func (Deliver) isAction()    {}
func (DeliverAll) isAction() {}
func (Drop) isAction()       {}
func (Duplicate) isAction()  {}
func (Sync) isAction()       {}
func (SyncBoth) isAction()   {}
func (SyncAll) isAction()    {}
func (Cut) isAction()        {}
func (Heal) isAction()       {}
func (HealAll) isAction()    {}
func (Partition) isAction()  {}
func (SetSkew) isAction()    {}

// reservedNames cannot be replica names: the scenario language gives them a
// meaning of their own.
var reservedNames = map[string]bool{"all": true, "plain": true}

// QuoteName renders a replica name for a scenario file: bare when it can
// be, quoted otherwise, with the code points that print nothing written as
// \u escapes (names.go), so that a name is never shown as another.
func QuoteName(n string) string {
	if r, _ := utf8.DecodeRuneInString(n); strings.ContainsFunc(n, escaped) || unicode.IsMark(r) {
		return quoteEscaped(n)
	}
	if crdt.IsBare(n) && n != "->" && n != "<->" && !strings.HasPrefix(n, "-") && !strings.HasPrefix(n, "+") {
		return n
	}
	return crdt.QuoteAlways(n)
}

func link(from, to string) string { return QuoteName(from) + " -> " + QuoteName(to) }

func (a Edit) String() string { return "edit " + QuoteName(a.Replica) + " " + a.Op.String() }

// full is the word a full-state send or sync ends with.
func full(f bool) string {
	if f {
		return " full"
	}
	return ""
}

func (a Send) String() string {
	if a.ToAll {
		return "send " + QuoteName(a.From) + " -> all" + full(a.Full)
	}
	return "send " + link(a.From, a.To) + full(a.Full)
}
func (a Deliver) String() string {
	if a.Newest {
		return "deliver " + link(a.From, a.To) + " newest"
	}
	return "deliver " + link(a.From, a.To)
}
func (DeliverAll) String() string  { return "deliver all" }
func (a Drop) String() string      { return "drop " + link(a.From, a.To) }
func (a Duplicate) String() string { return "duplicate " + link(a.From, a.To) }
func (a Sync) String() string {
	if a.ToAll {
		return "sync " + QuoteName(a.From) + " -> all" + full(a.Full)
	}
	return "sync " + link(a.From, a.To) + full(a.Full)
}
func (a SyncBoth) String() string {
	return "sync " + QuoteName(a.A) + " <-> " + QuoteName(a.B) + full(a.Full)
}
func (a SyncAll) String() string { return "sync all" + full(a.Full) }
func (a Cut) String() string {
	if a.Both {
		return "cut " + QuoteName(a.From) + " " + QuoteName(a.To)
	}
	return "cut " + link(a.From, a.To)
}
func (a Heal) String() string {
	if a.Both {
		return "heal " + QuoteName(a.From) + " " + QuoteName(a.To)
	}
	return "heal " + link(a.From, a.To)
}
func (HealAll) String() string { return "heal" }
func (a Partition) String() string {
	groups := make([]string, len(a.Groups))
	for i, g := range a.Groups {
		names := make([]string, len(g))
		for j, n := range g {
			names[j] = QuoteName(n)
		}
		groups[i] = strings.Join(names, " ")
	}
	return "partition " + strings.Join(groups, " | ")
}
func (a SetSkew) String() string {
	sign := "+"
	if a.Skew < 0 {
		sign = ""
	}
	return "clock " + QuoteName(a.Replica) + " " + sign + strconv.FormatInt(a.Skew, 10)
}
