package crdt

import (
	"errors"
	"fmt"
)

// Bounds on metadata. A replica's counters only grow: an or-set's dots, a
// version vector's entries, a text's character counters, a Lamport stamp.
// Nothing stops a state read from the wire from naming the largest counter
// a machine word holds, and the next local edit would then wrap it to 0: a
// dot that every replica has "seen", an entry older than every other, a
// character that sorts first. So a state read from the wire may hold no
// counter past these bounds (FromWire refuses it), and a local edit refuses
// to pass them (it returns an error wrapping ErrExhausted) instead of
// wrapping. The bounds are far beyond what any honest history reaches (a
// class would need billions of edits), and leave room below the machine's
// limit.
const (
	// MaxCount bounds an or-set's dot counters and causal context, and a
	// version vector's entries.
	MaxCount = 1 << 53
	// MaxStampTime bounds a last-writer-wins stamp's time, either way (the
	// initial stamp aside): the simulator's clocks may run behind, so a
	// time may be negative (tick + skew, a skew at most 10^12 either way).
	MaxStampTime = 1 << 53
	// MaxTextCounter bounds a text character's counter (half of what its
	// 32 bits hold).
	MaxTextCounter = 1 << 31
)

// ErrExhausted is wrapped by the error of a local edit that would take a
// counter past its bound: the edit is refused, never wrapped.
var ErrExhausted = errors.New("a counter of this state is at its largest")

func exhausted(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrExhausted, fmt.Sprintf(format, args...))
}

// checkCount refuses a counter past MaxCount on the wire.
func checkCount(n uint64, what string) error {
	if n > MaxCount {
		return badWire("%s is %d, past the largest a state holds (%d)", what, n, uint64(MaxCount))
	}
	return nil
}

// checkStampTime refuses a stamp past MaxStampTime, or before
// −MaxStampTime (the initial stamp aside), on the wire.
func checkStampTime(w WireStamp) error {
	if Stamp(w) == InitialStamp {
		return nil
	}
	if w.T < -MaxStampTime || w.T > MaxStampTime {
		return badWire("a stamp's time is %d; a state holds −%d to %d", w.T, int64(MaxStampTime), int64(MaxStampTime))
	}
	return nil
}

// checkTextCounter refuses a character counter past MaxTextCounter on the
// wire.
func checkTextCounter(c uint32) error {
	if c > MaxTextCounter {
		return badWire("a character's counter is %d, past the largest a text holds (%d)", c, uint32(MaxTextCounter))
	}
	return nil
}

// checkLocalStamp refuses a local write whose stamp passes MaxStampTime.
func checkLocalStamp(s Stamp) error {
	if s.T > MaxStampTime {
		return exhausted("the clock is at %d, the largest a stamp holds: reset to start afresh", s.T-1)
	}
	return nil
}

// Claims says, for each replica that st's metadata names, the greatest
// counter it gives that replica: an or-set's greatest dot or context
// entry, a version vector's entry (the greatest over an mv-register's
// siblings), a counter's slot (the greater of P and N), a last-writer-wins
// stamp's time, a text's greatest character counter of that site. A g-set
// and a 2p-set name no replica: nil. A caller that receives states from
// others (classroom mode) checks these against what it already holds,
// so that one state cannot move every replica's counters to their bound.
func Claims(st CRDT) map[string]uint64 {
	out := map[string]uint64{}
	claim := func(r string, n uint64) {
		if cur, ok := out[r]; !ok || n > cur {
			out[r] = n
		}
	}
	stamp := func(s Stamp) {
		if s != InitialStamp && s.T >= 0 {
			claim(s.Replica, uint64(s.T))
		}
	}
	switch s := st.(type) {
	case *ORSetState:
		for r, n := range s.ctx {
			claim(r, n)
		}
		for d := range s.cloud {
			claim(d.Replica, d.N)
		}
		for _, ds := range s.dots {
			for _, d := range ds {
				claim(d.Replica, d.N)
			}
		}
	case *MVRegisterState:
		for _, sb := range s.sibs {
			for r, n := range sb.vv {
				claim(r, n)
			}
		}
	case *GCounterState:
		for r, n := range s.c {
			claim(r, n)
		}
	case *PNCounterState:
		for r, n := range s.p {
			claim(r, n)
		}
		for r, n := range s.n {
			claim(r, n)
		}
	case *LWWRegisterState:
		stamp(s.stamp)
	case *LWWSetState:
		for _, e := range s.elems {
			if e.hasAdd {
				stamp(e.add)
			}
			if e.hasRm {
				stamp(e.rm)
			}
		}
	case *LWWMapState:
		for _, e := range s.entries {
			stamp(e.stamp)
		}
	case *TextState:
		for i, c := range s.maxc {
			if i < len(s.sites) && c > 0 {
				claim(s.sites[i], uint64(c))
			}
		}
	default:
		return nil
	}
	return out
}

// OpClaims is Claims for text ops (a text delta): each site's greatest
// counter among the characters the ops insert.
func OpClaims(ops []TextOp) map[string]uint64 {
	out := map[string]uint64{}
	for _, op := range ops {
		if !op.Delete && uint64(op.ID.Counter) > out[op.ID.Site] {
			out[op.ID.Site] = uint64(op.ID.Counter)
		}
	}
	return out
}
