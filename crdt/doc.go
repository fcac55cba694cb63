// Package crdt is a catalogue of state-based CRDTs (conflict-free replicated
// data types), written to be read.
//
// # The problem
//
// Several servers each keep a copy (a replica) of the same data. People edit
// different replicas at the same time, and the replicas then tell each other
// what they hold. If a replica simply overwrites its value with whatever it
// hears last, concurrent edits are lost, and two replicas that hear the same
// messages in a different order end up disagreeing for good.
//
// # The idea
//
// A state-based CRDT gives its states an order, "knows at least as much as",
// and a Merge that computes the least state that knows everything both sides
// know (a join). Merge is
//
//   - commutative: a ⊔ b = b ⊔ a, so the order messages arrive in does not matter;
//   - associative: (a ⊔ b) ⊔ c = a ⊔ (b ⊔ c), so how they are grouped does not matter;
//   - idempotent: a ⊔ a = a, so a duplicated message does no harm.
//
// Local edits only ever move a state up the order. Together these give strong
// eventual consistency: any two replicas that have received the same edits,
// in any order and any number of times, hold the same state. No replica ever
// waits for another.
//
// # Using a replica
//
//	r, _ := crdt.New(crdt.PNCounter, nil)
//	r.Apply(crdt.Op{Kind: crdt.OpInc, N: 5}, crdt.Ctx{Replica: "A"})
//	other := r.Clone()
//	other.Apply(crdt.Op{Kind: crdt.OpDec, N: 2}, crdt.Ctx{Replica: "B"})
//	res, _ := r.Merge(other) // res.Why: "max per entry P {A:5} − N {B:2} → 3"
//	r.Value()                // 3
//
// Every operation and merge returns a Result whose Why is a sentence a
// teacher can read aloud. An operation the type declines (removing an
// absent element, re-adding a 2P-set tombstone, a write whose timestamp is
// not newer than the current one) is not an error: the Result is Ignored
// (the edit is declined) and says why. Errors
// are kept for operations that do not fit the type at all, or positions
// past the end of a text; then the state is unchanged.
//
// Merge never keeps a reference to the other replica's memory: Clone and
// Merge copy deeply, so two replicas can never see each other's later edits
// by accident.
//
// # The catalogue
//
//   - lww-register: a value and the timestamp of its write; the greater stamp wins.
//   - mv-register: keeps concurrent writes side by side as siblings.
//   - g-counter: one slot per replica; the value is the sum; merge takes the max per slot.
//   - pn-counter: two g-counters, increments and decrements; the value is P − N.
//   - g-set: add only; merge is union.
//   - 2p-set: adds and tombstones; a removed element never comes back.
//   - lww-set: per element, the add or remove with the greater stamp wins.
//   - or-set: adds are tagged with unique dots; a remove only kills the dots it saw (add-wins).
//   - lww-map: one LWW register per key; delete writes a tombstone.
//
// (Stamps never tie, so "an add wins a tie" would never decide anything:
// at equal times the greater replica name wins, for every LWW type.)
//   - text: an RGA sequence of characters with unique ids and tombstones.
//
// Timestamps (Stamp) are a time and a replica name, compared in that order,
// so two writes never tie. The time is whatever the caller's clock says; the
// replicas package uses a global tick plus a per-replica clock skew, which
// is how a fast clock comes to win over a write made later.
//
// Every type shows its metadata through Internals (vectors, dots,
// tombstones, stamps) with a count of entries and bytes, because the price
// of convergence is metadata, and it grows.
//
// # The plain counterpart
//
// NewPlain gives each type's sequential counterpart: an ordinary value that
// takes the same operations. It is the plain-overwrite lane of the
// simulation, and it is the sequential specification: with no concurrency, a
// CRDT and its counterpart agree (the one documented exception is the
// 2p-set, whose tombstones refuse a re-add that a plain set accepts).
//
// The package uses only the standard library, keeps no global state, reads
// no clock and draws no random numbers.
package crdt
