package class

import (
	"fmt"
	"net"

	"github.com/hashicorp/memberlist"

	"crdtviz/replicas"
)

// Who holds a name. memberlist's own messages (alive, suspect, dead) are
// not signed: every student holds the class key, so any of them can tell
// the others that Carol has left, with the largest incarnation number, so
// that her refutation (which wraps to 0) is ignored, and then join as
// "Carol" from another laptop. memberlist would move the name to the new
// address after a second, and a teacher that trusted memberlist would
// admit the impostor's key. So a name belongs to the key the teacher
// admitted, at the laptop it was admitted from, until
//
//   - the holder leaves the class with a goodbye signed by its key, or
//   - the teacher kicks it out (a signed control),
//
// and until then:
//
//   - every member refuses memberlist's news that the name lives at an
//     address on another laptop (aliveGuard, memberlist's AliveDelegate);
//   - the teacher admits the name to a new key only from the laptop that
//     holds it (a student who restarts crdtviz) and only once memberlist
//     lists it there;
//   - what a member sends to the teacher goes to the address of the
//     teacher's own signed admission, never to where memberlist says the
//     teacher's name lives.
//
// A laptop is an IP address: in a room each laptop has its own. (On one
// computer every process shares 127.0.0.1; the tests give the impostor an
// address of its own, 127.0.0.x, as a second laptop has.)

// held reports whether a name still belongs to its admitted key: admitted,
// and neither gone with a signed goodbye nor kicked.
func (s *state) held(name string) bool {
	return s.roster[name] != nil && !s.gone[name]
}

// sameLaptop reports whether two addresses (HOST:PORT) are on one host.
func sameLaptop(a, b string) bool {
	ha, _, errA := net.SplitHostPort(a)
	hb, _, errB := net.SplitHostPort(b)
	return errA == nil && errB == nil && net.ParseIP(ha) != nil && net.ParseIP(ha).Equal(net.ParseIP(hb))
}

// mayLiveAt says whether memberlist may list a name at addr: a name
// nobody holds may live anywhere (a joiner); a held one only on the laptop
// its admission names.
func (s *state) mayLiveAt(name, addr string) error {
	if !s.held(name) {
		return nil
	}
	a := s.roster[name]
	if sameLaptop(a.rec.Addr, addr) {
		return nil
	}
	return fmt.Errorf("%s belongs to the key the teacher admitted at %s, not to %s", replicas.QuoteName(name), a.rec.Addr, addr)
}

// aliveGuard is memberlist's AliveDelegate: it refuses news that a held
// name lives on another laptop (memberlist then keeps the name where it
// was). It runs while memberlist holds its node lock: it only reads the
// state, under n.mu, which is never held while calling memberlist.
type aliveGuard Node

func (g *aliveGuard) NotifyAlive(peer *memberlist.Node) error {
	n := (*Node)(g)
	if peer.Name == n.opts.Name {
		return nil // memberlist refutes news of ourselves
	}
	if err := replicas.CheckName(peer.Name); err != nil {
		return err // a name no one can read (a modified client's): never listed
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.st.mayLiveAt(peer.Name, peer.Address())
}

// adminAddr is where to send a member's direct messages: the address its
// signed admission names, or "" when it has none.
func (s *state) adminAddr(name string) string {
	if a := s.roster[name]; a != nil {
		return a.rec.Addr
	}
	return ""
}
