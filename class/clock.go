package class

import "fmt"

// Lamport time and relays: what the room's space-time diagram orders its
// events by.
//
// Laptops' clocks disagree, so the diagram cannot order by them. Every
// process keeps a Lamport clock (Lamport 1978): one more for every
// payload it makes, and on receiving a payload, one more than the larger
// of its own and the payload's. Every payload carries its maker's time,
// signed with the rest (envelope.L), so a message is always received at a
// later time than it was sent, and an event that could have caused
// another comes before it.
//
// A payload passed on (another member's edit, the teacher's control) is
// sent in a relay: a payload of the member passing it on, with its own
// time, carrying the other, sealed as its maker sealed it. So a message
// is always one hop: its sender is the relay's maker, and the diagram
// draws it from there, at the time it left. An edit held during the
// teacher's hold leaves at the release in its maker's own relay, for the
// same reason.

// maxClock is the largest time a payload may carry, and the time at which
// a clock stops. It is absolute, the same on every laptop: a bound
// measured from the receiver's clock would let a modified client move
// the clocks ahead in steps each laptop took, until a newcomer (its clock
// at 0) refused everything the others sent, and never joined. An honest
// class never comes near it (it counts events); a payload past it is
// dropped everywhere. A modified client can only stop the clocks at it:
// every later event then has the same time, so the room's diagram can no
// longer order them, and nothing else changes.
const maxClock = 1 << 62

// dropClock is a payload whose time is absurdly far ahead.
const dropClock = "clock far ahead"

// tick moves the clock on for an event of this process, and returns its
// time.
func (s *state) tick() uint64 {
	if s.lc < maxClock {
		s.lc++
	}
	return s.lc
}

// observe takes a received payload's time: the receipt is one more than
// the larger of the two clocks. It returns the receipt's time.
func (s *state) observe(l uint64) (uint64, error) {
	if l > maxClock {
		return 0, dropped(dropClock, fmt.Errorf("a time %d, past %d", l, uint64(maxClock)))
	}
	s.lc = max(s.lc, l)
	return s.tick(), nil
}

// relayBytes is the most a relay may weigh to be broadcast: memberlist's
// packets carry about 1,340 bytes of payload; a larger broadcast would
// never leave the queue. Push/pull carries what is not relayed.
const relayBytes = 1300

// pass sends a payload made earlier, or by another member, in this
// member's relay. It reports whether it did: a relay too large to
// broadcast is not sent.
//
// Only a class that records relays so: the hop matters to nothing else,
// and a relay costs a signature and 140 bytes on every copy, which in a
// class of 30 is a third more packets. A class that does not record
// passes payloads on as their makers sealed them (the partition then
// drops an edit by its author's side), and its Lamport times go unused.
func (s *state) pass(m outMsg) bool {
	if s.info == nil || !s.info.Record {
		s.send(m)
		return true
	}
	raw := m.msg
	m.msg = s.seal(kindRelay, func(e *envelope) { e.Relay = raw })
	if m.to == "" && m.toAddr == "" && len(m.msg) > relayBytes {
		return false
	}
	s.send(m)
	return true
}
