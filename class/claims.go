package class

import (
	"fmt"

	"crdtviz/crdt"
)

// What a payload may claim. A CRDT state names replicas in its metadata:
// an or-set's dots and context, a version vector's entries, a counter's
// slots, a stamp's writer, a character's site (crdt.Claims). A state
// carries no signature per entry, so a member could put anything there:
// a context that says it has seen every dot Carol will ever make, a
// version vector or a Lamport stamp at the largest number a word holds.
// The crdt package refuses a counter past its bounds on decode
// (crdt.MaxCount, crdt.MaxStampTime, crdt.MaxTextCounter), and a local
// edit refuses to pass them (ErrExhausted) instead of wrapping. A class
// also refuses a payload that
//
//   - names a replica that is not a member (the teacher's roster);
//   - holds a counter slot past maxSlot.
//
// Every bound is absolute: the same on every laptop, whatever it holds.
// A bound measured from what the receiver holds would let one payload in
// on a laptop that was ahead and keep it out of one that was behind (a
// partitioned side, a newcomer), and every later state that carries it
// too: the class would split for good. What an absolute bound leaves a
// dishonest member is to move a counter to the bound itself, so that the
// edits that would pass it are refused (ErrExhausted) until the teacher's
// reset; docs/classroom.md says so.
const (
	// maxSlot bounds a counter's slot: 512 slots of it add up to 2^61, so
	// no member's increment ever overflows for the others' sake.
	maxSlot = 1 << 52
)

// dropBounds is a payload whose metadata runs past what a class allows.
const dropBounds = "past the bounds"

// mine is what this replica's CRDT lane claims for each replica, kept
// until the lane changes.
func (s *state) mine() map[string]uint64 {
	if s.claims == nil {
		s.claims = crdt.Claims(s.crdt)
		if s.claims == nil {
			s.claims = map[string]uint64{}
		}
	}
	return s.claims
}

// checkClaims checks what an arriving payload claims (crdt.Claims of its
// state or delta): the same answer on every laptop that knows the same
// roster.
func (s *state) checkClaims(claims map[string]uint64) error {
	var top uint64
	for r, n := range claims {
		if s.roster[r] == nil {
			if s.teacher() {
				return forged("a state names %q, whom the class never admitted", r)
			}
			return dropped(dropNotYet, fmt.Errorf("a state names %q, not admitted yet (as far as %s knows)", r, s.name))
		}
		top = max(top, n)
	}
	if (s.typ == crdt.GCounter || s.typ == crdt.PNCounter) && top > maxSlot {
		return dropped(dropBounds, fmt.Errorf("a counter slot at %d; a class's slots hold at most %d", top, uint64(maxSlot)))
	}
	return nil
}
