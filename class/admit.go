package class

import (
	"bytes"
	"crypto/ed25519"
	"fmt"
	"slices"

	"crdtviz/demos"
	"crdtviz/replicas"
)

// Admission: who is a member of the class.
//
// A joiner makes a key pair, joins memberlist, and asks the teacher to
// admit (name, key, address), signing the request with the new key. The
// teacher decides under its own lock, one request at a time, so that two
// students who race for one name can never both have it:
//
//   - a name the roster holds for another key, whose member is alive at
//     another address, is refused, naming that address;
//   - a name that looks like another member's (TR39 confusables) is
//     refused;
//   - the name must be the one memberlist lists at the request's address
//     (until memberlist lists it, the request waits: the joiner asks
//     again);
//   - otherwise the teacher signs an admission, numbered, and sends it to
//     the joiner and to everyone; push/pull carries the roster too.
//
// A member restarting under its name gets a new key and a new admission,
// once its old process is gone.

// takeAdmission takes the teacher's admission of a name (already checked
// to be the teacher's), when it is newer than the one this process has.
func (s *state) takeAdmission(a wireAdmit, raw []byte, fresh bool) []Event {
	cur := s.roster[a.Name]
	if cur != nil && a.N <= cur.rec.N {
		return nil
	}
	if cur == nil && len(s.roster) >= maxMembers {
		return nil
	}
	next := &admission{rec: a, raw: raw}
	if cur != nil && !bytes.Equal(cur.rec.Key, a.Key) {
		next.old = append(slices.Clone(cur.old), ed25519.PublicKey(cur.rec.Key))
		if len(next.old) > 4 {
			next.old = next.old[len(next.old)-4:]
		}
		if m := s.members[a.Name]; m != nil {
			m.heard, m.view, m.viewRaw = false, wireView{}, nil
		}
	} else if cur != nil {
		next.old = cur.old
	}
	s.roster[a.Name] = next
	s.rosterRaw[string(raw)] = true
	s.admitN = max(s.admitN, a.N)
	s.viewsChanged = true
	if fresh {
		s.send(outMsg{msg: raw, name: "admit " + a.Name})
	} else {
		s.pass(outMsg{msg: raw, name: "admit " + a.Name})
	}
	if a.Name == s.name && bytes.Equal(a.Key, s.me.pub) && !s.admitted {
		s.admitted = true
		return []Event{{Event: "admitted", Name: s.name, Text: "the teacher admitted " + s.name + " to the class"}}
	}
	if m := s.members[a.Name]; cur == nil && m != nil && m.listed && a.Name != s.name && !s.teacher() {
		ev := memberEvent(a.Name, m.status, s.blocked(a.Name))
		ev.Text = a.Name + " joined the class"
		return []Event{ev}
	}
	return nil
}

// admitSelf is the teacher's admission of itself, at start.
func (s *state) admitSelf(addr string) {
	s.admitN++
	a := wireAdmit{Name: s.name, Key: s.me.pub, Addr: addr, N: s.admitN}
	raw := s.seal(kindAdmit, func(e *envelope) { e.Admit = &a })
	s.takeAdmission(a, raw, true)
	s.out = nil
}

// decide is the teacher's answer to a request to be admitted (its
// signature, by the key it names, already checked).
func (s *state) decide(req wireAdmit) []Event {
	if !s.teacher() {
		return nil
	}
	refuse := func(holder, why string) []Event {
		r := wireRefuse{Name: req.Name, Key: req.Key, Holder: holder, Why: why}
		s.send(outMsg{msg: s.seal(kindRefuse, func(e *envelope) { e.Refuse = &r }), toAddr: req.Addr})
		return []Event{{Event: "refused", Name: req.Name, Addr: req.Addr, Reason: why,
			Text: fmt.Sprintf("refused %s from %s: %s", replicas.QuoteName(req.Name), req.Addr, why)}}
	}
	if err := replicas.CheckName(req.Name); err != nil {
		return refuse("", err.Error())
	}
	if cur := s.roster[req.Name]; cur != nil {
		if bytes.Equal(cur.rec.Key, req.Key) {
			// Asked again (our answer was lost): the same admission.
			s.pass(outMsg{msg: cur.raw, to: req.Name})
			s.pass(outMsg{msg: cur.raw, toAddr: req.Addr})
			return nil
		}
		if m := s.members[req.Name]; req.Name == s.name || m != nil && (m.status == Alive || m.status == Suspect) && m.addr != req.Addr {
			holder := cur.rec.Addr
			if m != nil && m.addr != "" {
				holder = m.addr
			}
			return refuse(holder, fmt.Sprintf("%s is already in the class at %s", replicas.QuoteName(req.Name), holder))
		}
	}
	for name, a := range s.roster {
		if name == req.Name || !demos.LookAlike(name, req.Name) {
			continue
		}
		if m := s.members[name]; name == s.name || m != nil && (m.status == Alive || m.status == Suspect) {
			return refuse(a.rec.Addr, fmt.Sprintf("%s looks the same as %s, who is in the class at %s",
				replicas.QuoteName(req.Name), replicas.QuoteName(name), a.rec.Addr))
		}
	}
	m := s.members[req.Name]
	if m == nil || !m.listed {
		return nil // memberlist has not told of it yet: it asks again
	}
	if m.addr != req.Addr {
		return refuse(m.addr, fmt.Sprintf("%s is already in the class at %s", replicas.QuoteName(req.Name), m.addr))
	}
	if s.roster[req.Name] == nil && len(s.roster) >= maxMembers {
		return refuse("", fmt.Sprintf("the class is full (%d members)", maxMembers))
	}
	s.admitN++
	a := wireAdmit{Name: req.Name, Key: slices.Clone(req.Key), Addr: req.Addr, N: s.admitN}
	raw := s.seal(kindAdmit, func(e *envelope) { e.Admit = &a })
	evs := s.takeAdmission(a, raw, true)
	s.send(outMsg{msg: raw, to: req.Name})
	return append(evs, Event{Event: "admitted", Name: req.Name, Addr: req.Addr,
		Text: "admitted " + replicas.QuoteName(req.Name) + " (" + req.Addr + ")"})
}

// ask is this process's request to be admitted, signed with its key.
func (s *state) ask(addr string) []byte {
	a := wireAdmit{Name: s.name, Key: s.me.pub, Addr: addr}
	return s.seal(kindAsk, func(e *envelope) { e.Ask = &a })
}
