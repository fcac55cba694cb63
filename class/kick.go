package class

import (
	"bytes"
	"crypto/ed25519"
	"fmt"
	"slices"

	"crdtviz/crdt"
	"crdtviz/replicas"
)

// Kick. The teacher removes a member from the class: `kick NAME` at the
// prompt (K opens it). The kick is part of the teacher's signed control,
// so it reaches every member and every late joiner, and it stays for the
// rest of the class (a reset empties the replicas, not the kicks):
//
//   - every member drops what the kicked key signs (not counted as
//     forged: the kicked process may not know yet), and takes it off the
//     screen;
//   - the name is free again, for another key, once the kicked process
//     has left memberlist (memberlist keeps a name on one address while
//     its process answers: a modified client that stays keeps the name,
//     though nothing it signs is taken);
//   - the teacher admits no one from the kicked member's laptop again, so
//     a student who restarts crdtviz cannot come back under a new name.
//
// The kicked process itself says so and leaves. It still holds the class
// key: it can read the class's traffic, and memberlist's own messages.

// wireKick is one kicked member: its name, the key the teacher had
// admitted, and the address it was admitted at.
type wireKick struct {
	Name string `cbor:"1,keyasint"`
	Key  []byte `cbor:"2,keyasint"`
	Addr string `cbor:"3,keyasint"`
}

// dropKicked is a payload signed by a key the teacher kicked: dropped, and
// not counted as forged (not shown on screen).
const dropKicked = "kicked"

// kickedKey reports whether the teacher has kicked a key.
func (s *state) kickedKey(key []byte) bool {
	return slices.ContainsFunc(s.ctl.Kicked, func(k wireKick) bool { return bytes.Equal(k.Key, key) })
}

// kickedLaptop reports whether the teacher has kicked a member admitted
// from the laptop of addr.
func (s *state) kickedLaptop(addr string) bool {
	return slices.ContainsFunc(s.ctl.Kicked, func(k wireKick) bool { return sameLaptop(k.Addr, addr) })
}

// kicked reports whether a name's current key is kicked.
func (s *state) kicked(name string) bool {
	a := s.roster[name]
	return a != nil && s.kickedKey(a.rec.Key)
}

// kickEvents says what a control's kicks changed, and frees the names.
func (s *state) kickEvents(was, c wireControl) []Event {
	var evs []Event
	for _, k := range c.Kicked[min(len(was.Kicked), len(c.Kicked)):] {
		if a := s.roster[k.Name]; a != nil && bytes.Equal(a.rec.Key, k.Key) {
			s.gone[k.Name] = true
			delete(s.answers, k.Name) // the tally counts the class as it stands
		}
		evs = append(evs, s.dropKickedPlain(k)...)
		if k.Name == s.name && bytes.Equal(k.Key, s.me.pub) {
			s.kickedMe = true
			evs = append(evs, Event{Event: "kicked", Name: s.name, From: s.info.Teacher,
				Text: "the teacher removed you (" + s.name + ") from the class"})
			continue
		}
		evs = append(evs, Event{Event: "kicked", Name: k.Name, From: s.info.Teacher,
			Text: "kick: the teacher removed " + replicas.QuoteName(k.Name) + " from the class"})
	}
	return evs
}

// Kick removes a member from the class (teacher only): see above.
func (n *Node) Kick(name string) error {
	return n.control(func(cur wireControl) (wireControl, error) {
		if name == n.st.name {
			return cur, fmt.Errorf("the teacher cannot kick the teacher")
		}
		a := n.st.roster[name]
		if a == nil {
			return cur, fmt.Errorf("no member is named %s", replicas.QuoteName(name))
		}
		if n.st.kickedKey(a.rec.Key) {
			return cur, fmt.Errorf("%s is kicked already", replicas.QuoteName(name))
		}
		if len(cur.Kicked) >= maxRoster {
			return cur, fmt.Errorf("the class has kicked %d members: start a new class", maxRoster)
		}
		cur.Kicked = append(slices.Clone(cur.Kicked), wireKick{Name: name, Key: slices.Clone(ed25519.PublicKey(a.rec.Key)), Addr: a.rec.Addr})
		return cur, nil
	})
}

// dropKickedPlain empties the plain lane if the write it holds is the
// kicked member's. A laptop that joins later refuses that write (the key
// is kicked), so the laptops that held it would otherwise hold a value
// no newcomer ever takes, and the banner would say DIVERGED for a reason
// that is not overwrite. Every laptop drops it alike.
func (s *state) dropKickedPlain(k wireKick) []Event {
	if s.plainID.zero() || s.plainID.Origin != k.Name || k.Name == s.name {
		return nil
	}
	if a := s.roster[k.Name]; a == nil || !bytes.Equal(a.rec.Key, k.Key) {
		return nil // the write is a later key's under the same name
	}
	p, err := crdt.NewPlain(s.typ, nil)
	if err != nil {
		return nil
	}
	before := s.plainStr
	if s.hold != nil && bytes.Equal(s.hold.plain, s.plainRaw) {
		s.hold.plain = nil
	}
	s.plain, s.plainID, s.plainRaw = p, writeID{}, nil
	s.plainStr = s.plain.Value().String()
	s.viewSeq++ // the others' boxes take the new value
	return []Event{{Event: "overwrite", From: s.info.Teacher, Via: "kick", Plain: s.plainStr,
		Text: fmt.Sprintf("plain: the kick drops %s's write %s from %s's plain lane, which starts again from %s", replicas.QuoteName(k.Name), crdt.Brief(before), s.name, crdt.Brief(s.plainStr))}}
}
