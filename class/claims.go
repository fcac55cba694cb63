package class

import (
	"fmt"

	"crdtviz/crdt"
)

// What a payload may claim. A CRDT state names replicas in its metadata:
// an or-set's dots and context, a version vector's entries, a counter's
// slots, a stamp's writer, a character's site (crdt.Claims). A state
// carries no signature per entry, so a member could put anything there:
// a context that says it has seen every dot Carol will ever make (so that
// Carol's next adds vanish everywhere), a version vector or a Lamport
// stamp at the largest number a word holds (so that every later write
// loses, or wraps). The crdt package refuses a counter past its bounds on
// decode, and a local edit refuses to pass them. A class also refuses a
// payload that
//
//   - names a replica that is not a member (the teacher's roster);
//   - moves an or-set's or a version vector's counter for any replica
//     more than aheadCount past what this replica holds for it;
//   - moves a Lamport clock (last-writer-wins stamps, text counters) more
//     than aheadStamp (aheadText) past the greatest this replica holds;
//   - holds a counter slot past maxSlot.
//
// An honest class never comes near these: a member would have to miss a
// million of another's adds, or a million writes. A dishonest one can move a counter
// at most that far per payload, so that billions of payloads stand
// between it and a bound (and the bounds are themselves far below the
// machine's): every member's next edit gets a counter of its own.
const (
	aheadCount = 1 << 20
	aheadStamp = 1 << 20
	// aheadText bounds how far a text's counters may run ahead: a
	// character's counter is at most the number of characters made in its
	// epoch, and a class's text holds at most capTextItems. A payload that
	// moves the clock ahead must bring a new character, so a text reaches
	// at most capTextItems × aheadText, below crdt.MaxTextCounter.
	aheadText = capTextItems
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
// state or delta) against this replica's.
func (s *state) checkClaims(claims map[string]uint64) error {
	if len(claims) == 0 {
		return nil
	}
	mine := s.mine()
	var top, myTop uint64
	for r, n := range claims {
		if s.roster[r] == nil {
			if s.teacher() {
				return forged("a state names %q, whom the class never admitted", r)
			}
			return dropped(dropNotYet, fmt.Errorf("a state names %q, not admitted yet (as far as %s knows)", r, s.name))
		}
		top = max(top, n)
	}
	for _, n := range mine {
		myTop = max(myTop, n)
	}
	switch s.typ {
	case crdt.ORSet, crdt.MVRegister:
		for r, n := range claims {
			if n > mine[r]+aheadCount {
				return dropped(dropBounds, fmt.Errorf("%s's counter at %d, %d past this replica's", r, n, n-mine[r]))
			}
		}
	case crdt.LWWRegister, crdt.LWWSet, crdt.LWWMap:
		myTop = max(myTop, uint64(max(s.clock, 0)))
		if top > myTop+aheadStamp {
			return dropped(dropBounds, fmt.Errorf("a stamp at %d, %d past this replica's clock", top, top-myTop))
		}
	case crdt.Text:
		if top > myTop+aheadText {
			return dropped(dropBounds, fmt.Errorf("a character counter at %d, %d past this replica's", top, top-myTop))
		}
	case crdt.GCounter, crdt.PNCounter:
		if top > maxSlot {
			return dropped(dropBounds, fmt.Errorf("a counter slot at %d; a class's slots hold at most %d", top, uint64(maxSlot)))
		}
	}
	return nil
}
