package class

import (
	"bytes"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
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
	if cur == nil && len(s.roster) >= maxRoster {
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
	if cur == nil || !bytes.Equal(cur.rec.Key, a.Key) {
		delete(s.gone, a.Name) // a new key holds it now
	}
	s.admitN = max(s.admitN, a.N)
	s.viewsChanged = true
	if a.Name != s.name && (cur == nil || !bytes.Equal(cur.rec.Key, a.Key)) {
		s.viewSeq++ // our view goes out again, to the newcomer too (node.go's queueView)
	}
	if fresh {
		s.send(outMsg{msg: raw, name: "admit " + a.Name})
	} else {
		s.pass(outMsg{msg: raw, name: "admit " + a.Name})
	}
	if v, ok := s.early[a.Name]; ok {
		delete(s.early, a.Name)
		if verify(ed25519.PublicKey(a.Key), v.seal.Body, v.seal.Sig) && v.env.Epoch == s.ctl.Epoch && !v.env.View.Left && !s.blocked(a.Name) {
			s.takeView(v.env)
		}
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
// signature, by the key it names, already checked). The address a joiner
// asks from is its word, as memberlist's is, so the teacher first sends a
// challenge there, and answers only a request that echoes it: the joiner
// listens at that address. Each laptop then gets a few answers at once
// and one every few seconds (laptops.go); a request beyond is not
// answered, and the joiner asks again.
func (s *state) decide(req wireAdmit) []Event {
	if !s.teacher() || replicas.CheckName(req.Name) != nil {
		return nil // a payload's sender is checked as it is read (wire.go), and memberlist lists no such name (names.go)
	}
	if !bytes.Equal(req.Proof, s.proof(req)) {
		if s.challengeTo(req.Addr) {
			// One UDP packet: to an address that may be no one's, it costs
			// no connection and no goroutine waiting on one.
			r := wireRefuse{Name: req.Name, Key: req.Key, Challenge: s.proof(req)}
			s.send(outMsg{msg: s.seal(kindRefuse, func(e *envelope) { e.Refuse = &r }), toAddr: req.Addr, packet: true})
		}
		return nil
	}
	refuse := func(holder, why string, taken bool) []Event {
		if !s.answerLaptop(req.Addr) {
			return nil
		}
		r := wireRefuse{Name: req.Name, Key: req.Key, Holder: holder, Why: why, Taken: taken}
		s.send(outMsg{msg: s.seal(kindRefuse, func(e *envelope) { e.Refuse = &r }), toAddr: req.Addr})
		return []Event{{Event: "refused", Name: req.Name, Addr: req.Addr, Reason: why,
			Text: fmt.Sprintf("refused %s from %s: %s", replicas.QuoteName(req.Name), req.Addr, why)}}
	}
	if s.kickedKey(req.Key) || s.kickedLaptop(req.Addr) {
		return refuse("", "the teacher removed this laptop from the class", false)
	}
	if cur := s.roster[req.Name]; cur != nil {
		if bytes.Equal(cur.rec.Key, req.Key) {
			// Asked again (our answer was lost): the same admission.
			if s.answerLaptop(req.Addr) {
				s.pass(outMsg{msg: cur.raw, to: req.Name})
				s.pass(outMsg{msg: cur.raw, toAddr: req.Addr})
			}
			return nil
		}
		if req.Name == s.name || s.held(req.Name) && !sameLaptop(cur.rec.Addr, req.Addr) {
			// memberlist's word that the holder is gone is no proof: anyone
			// with the class key can say so (names.go).
			return refuse(cur.rec.Addr, fmt.Sprintf("%s is in the class at %s: a name belongs to its holder until it leaves or the teacher kicks it out", replicas.QuoteName(req.Name), cur.rec.Addr), true)
		}
		if m := s.members[req.Name]; m != nil && (m.status == Alive || m.status == Suspect) && m.addr != req.Addr {
			return refuse(m.addr, fmt.Sprintf("%s is already in the class at %s", replicas.QuoteName(req.Name), m.addr), true)
		}
	}
	for name, a := range s.roster {
		if name == req.Name || !demos.LookAlike(name, req.Name) {
			continue
		}
		if s.held(name) {
			return refuse(a.rec.Addr, fmt.Sprintf("%s looks the same as %s, who is in the class at %s",
				replicas.QuoteName(req.Name), replicas.QuoteName(name), a.rec.Addr), true)
		}
	}
	m := s.members[req.Name]
	if m == nil || !m.listed {
		return nil // memberlist has not told of it yet: it asks again
	}
	if m.addr != req.Addr {
		if m.status == Alive || m.status == Suspect {
			return refuse(m.addr, fmt.Sprintf("%s is already in the class at %s", replicas.QuoteName(req.Name), m.addr), true)
		}
		return nil // the name's last process left or died: memberlist has not told of the new one yet, and it asks again
	}
	lap := s.laptopAt(req.Addr)
	switch {
	case !s.held(req.Name) && s.standing() >= maxMembers:
		return refuse("", fmt.Sprintf("the class is full (%d members)", s.standing()), false)
	case s.roster[req.Name] == nil && len(s.roster) >= maxRoster:
		return refuse("", fmt.Sprintf("the class has admitted %d names, the most it keeps (those who left count too): the teacher can start a new class, or you can join under a name it has admitted before", maxRoster), false)
	case !lap.names[req.Name] && len(lap.names) >= laptopNames:
		return refuse("", fmt.Sprintf("this laptop has joined the class under %d names already", laptopNames), false)
	case !s.answerLaptop(req.Addr):
		return nil
	}
	lap.names[req.Name] = true
	s.admitN++
	a := wireAdmit{Name: req.Name, Key: slices.Clone(req.Key), Addr: req.Addr, N: s.admitN}
	raw := s.seal(kindAdmit, func(e *envelope) { e.Admit = &a })
	evs := s.takeAdmission(a, raw, true)
	s.send(outMsg{msg: raw, to: req.Name})
	return append(evs, Event{Event: "admitted", Name: req.Name, Addr: req.Addr,
		Text: "admitted " + replicas.QuoteName(req.Name) + " (" + req.Addr + ")"})
}

// proof is what the teacher sends a joiner at the address it asks from,
// for the joiner to echo: a MAC of its name, key and address under the
// teacher's secret, so that the teacher keeps nothing per joiner.
func (s *state) proof(req wireAdmit) []byte {
	h := hmac.New(sha256.New, s.secret[:])
	for _, part := range [][]byte{[]byte(req.Name), req.Key, []byte(req.Addr)} {
		h.Write(binary.BigEndian.AppendUint32(nil, uint32(len(part))))
		h.Write(part)
	}
	return h.Sum(nil)[:16]
}

// ask is this process's request to be admitted, signed with its key,
// with the teacher's challenge echoed once it has come.
func (s *state) ask(addr string) []byte {
	a := wireAdmit{Name: s.name, Key: s.me.pub, Addr: addr, Proof: s.challenge}
	return s.seal(kindAsk, func(e *envelope) { e.Ask = &a })
}

// earlyView is a view that arrived before its member's admission.
type earlyView struct {
	env  *envelope
	seal *sealed
}

// keepView keeps a view dropped as not admitted yet, from a member
// memberlist lists, until its admission comes (at most one a member).
func (s *state) keepView(env *envelope, seal *sealed, err error) {
	var d *dropError
	if env.Kind != kindView || !errors.As(err, &d) || d.reason != dropNotYet {
		return
	}
	if m := s.members[env.From]; m == nil || !m.listed {
		return
	}
	if s.early == nil {
		s.early = map[string]earlyView{}
	}
	if _, ok := s.early[env.From]; !ok && len(s.early) >= maxMembers {
		return
	}
	if cur, ok := s.early[env.From]; !ok || env.View.Seq > cur.env.View.Seq {
		s.early[env.From] = earlyView{env: env, seal: seal}
	}
}
