package class

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"

	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/memberlist"

	"crdtviz/crdt"
	"crdtviz/replicas"
)

// Memberlist-level forgery (defect 2 of the review). memberlist's own
// messages are not signed: every student holds the class key, so Mallory
// can write memberlist's packets herself. These tests craft them as
// memberlist v0.7.0 does (net.go, security.go, label.go): a label header,
// then AES-GCM with the label as additional data, around a message type
// byte and its msgpack body.

// startClassAt starts a class whose members listen on the given loopback
// addresses, one laptop each.
func startClassAt(t *testing.T, typ crdt.Type, names, ips []string) []*Node {
	t.Helper()
	teacher, err := Start(Options{Name: names[0], Type: typ, Mode: replicas.ModeDelta, Bind: ips[0] + ":0", Timing: testTiming()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = teacher.Leave() })
	nodes := []*Node{teacher}
	code := teacher.Snapshot().Code
	for i, name := range names[1:] {
		n, err := Join(teacher.Addr(), Options{Name: name, Bind: ips[i+1] + ":0", Key: KeyFromCode(code), Teacher: code, Timing: testTiming()})
		if err != nil {
			t.Fatalf("%s joining: %v", name, err)
		}
		t.Cleanup(func() { _ = n.Leave() })
		nodes = append(nodes, n)
	}
	eventually(t, 15*time.Second, "everyone lists everyone", func() bool {
		return everyone(nodes, func(n *Node) bool { return len(n.Members()) == len(nodes) })
	})
	return nodes
}

// msgpackStr writes a short string as msgpack does.
func msgpackStr(s string) []byte { return append([]byte{0xa0 | byte(len(s))}, s...) }

// mlDead is memberlist's dead message, as a packet for the class with this
// key: "node is dead, says from" (from == node: it left).
func mlDead(key []byte, node, from string, incarnation uint32) []byte {
	body := []byte{0x83} // a map of three: Incarnation, Node, From
	body = append(body, msgpackStr("Incarnation")...)
	body = append(body, 0xce)
	body = binary.BigEndian.AppendUint32(body, incarnation)
	body = append(body, msgpackStr("Node")...)
	body = append(body, msgpackStr(node)...)
	body = append(body, msgpackStr("From")...)
	body = append(body, msgpackStr(from)...)
	const deadMsg = 5
	return mlPacket(key, append([]byte{deadMsg}, body...))
}

// mlPacket seals a memberlist message as a packet of the class: label
// header, encryption version 1, nonce, AES-GCM over the message with the
// label as additional data.
func mlPacket(key, msg []byte) []byte {
	lbl := label(key)
	block, err := aes.NewCipher(key)
	if err != nil {
		panic(err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	nonce := make([]byte, gcm.NonceSize())
	if _, err := io.ReadFull(rand.Reader, nonce); err != nil {
		panic(err)
	}
	sealed := gcm.Seal(append([]byte{1}, nonce...), nonce, msg, []byte(lbl))
	const hasLabelMsg = 244
	return append(append([]byte{hasLabelMsg, byte(len(lbl))}, lbl...), sealed...)
}

// sendPackets sends a packet from ip to each address, as UDP.
func sendPackets(t *testing.T, ip string, pkt []byte, to ...string) {
	t.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.ParseIP(ip)})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, a := range to {
		ua, err := net.ResolveUDPAddr("udp", a)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.WriteToUDP(pkt, ua); err != nil {
			t.Fatal(err)
		}
	}
}

func addrs(nodes []*Node) []string {
	var out []string
	for _, n := range nodes {
		out = append(out, n.Addr())
	}
	return out
}

// memberAddr is where a node's screen says a member is.
func memberAddr(n *Node, name string) string {
	for _, m := range n.Snapshot().Members {
		if m.Name == name {
			return m.Addr
		}
	}
	return ""
}

// mlState is what a node's memberlist says of a name ("" when it does not
// list it as alive or suspect).
func mlListed(n *Node, name string) bool {
	for _, m := range n.ml.Members() {
		if m.Name == name {
			return true
		}
	}
	return false
}

// TestNameTakeover: Mallory tells everyone, in memberlist's own words,
// that Carol has left, with the largest incarnation number (Carol's
// refutation wraps to 0 and is ignored), then joins as "Carol" from
// another laptop (the review's attack: every member moved Carol to the
// impostor, the teacher admitted the impostor's key, and Carol's edits
// were dropped as stale everywhere). The impostor is refused; every
// screen keeps Carol at her laptop, and Carol's edits, and the others',
// still reach everyone.
func TestNameTakeover(t *testing.T) {
	ips := []string{"127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"}
	nodes := startClassAt(t, crdt.ORSet, []string{"Alice", "Bob", "Carol", "Mallory"}, ips)
	alice, bob, carol := nodes[0], nodes[1], nodes[2]
	key, code, carolAt := classKey(alice), alice.Snapshot().Code, carol.Addr()
	sendPackets(t, "127.0.0.4", mlDead(key, "Carol", "Carol", math32), addrs(nodes)...)
	eventually(t, 10*time.Second, "memberlist takes the forged goodbye", func() bool { return !mlListed(alice, "Carol") })
	time.Sleep(1500 * time.Millisecond) // past memberlist's DeadNodeReclaimTime: an address may move now

	imp, err := Join(alice.Addr(), Options{Name: "Carol", Bind: "127.0.0.5:0", Key: key, Teacher: code, Timing: testTiming()})
	if err == nil {
		defer imp.Leave()
		t.Fatal("the impostor was admitted as Carol")
	}
	if !errors.Is(err, ErrNameTaken) || !strings.Contains(err.Error(), carolAt) {
		t.Errorf("the impostor's error: %v (want the name taken, at %s)", err, carolAt)
	}
	time.Sleep(time.Second)
	for _, n := range []*Node{alice, bob} {
		if got := memberAddr(n, "Carol"); got != carolAt {
			t.Errorf("%s shows Carol at %q, not %s", n.opts.Name, got, carolAt)
		}
		n.mu.Lock()
		if nd := n.nodes["Carol"]; nd != nil && nd.Address() != carolAt {
			t.Errorf("%s's memberlist moved Carol to %s", n.opts.Name, nd.Address())
		}
		n.mu.Unlock()
	}
	edit(t, carol, add("tea"))
	edit(t, bob, add("jam"))
	settle(t, nodes, "{jam, tea}")
	for _, n := range nodes {
		for _, d := range n.Snapshot().Dropped {
			if d.Reason == dropStale {
				t.Errorf("%s dropped Carol's edits as stale", n.opts.Name)
			}
		}
	}
}

// TestTeacherNameTakeover: the same trick on the teacher's name, and a
// rogue memberlist node named after the teacher joins Bob (the review's
// attack: every student's answers went to the rogue node, and the
// teacher's tally read 0). Bob's memberlist keeps the teacher where its
// admission says, and Bob's answer reaches the teacher's tally.
func TestTeacherNameTakeover(t *testing.T) {
	ips := []string{"127.0.0.1", "127.0.0.2", "127.0.0.4"}
	nodes := startClassAt(t, crdt.ORSet, []string{"Alice", "Bob", "Mallory"}, ips)
	alice, bob := nodes[0], nodes[1]
	key, aliceAt := classKey(alice), alice.Addr()
	sendPackets(t, "127.0.0.4", mlDead(key, "Alice", "Alice", math32), addrs(nodes[1:])...)
	eventually(t, 10*time.Second, "Bob's memberlist takes the forged goodbye", func() bool { return !mlListed(bob, "Alice") })
	time.Sleep(1500 * time.Millisecond)

	c := memberlist.DefaultLANConfig()
	c.Name, c.BindAddr, c.BindPort, c.AdvertiseAddr = "Alice", "127.0.0.6", 0, "127.0.0.6"
	c.SecretKey, c.Label, c.LogOutput = key, label(key), io.Discard
	rogue, err := memberlist.Create(c)
	if err != nil {
		t.Fatal(err)
	}
	defer rogue.Shutdown()
	_, _ = rogue.Join([]string{bob.Addr()})
	time.Sleep(time.Second)
	bob.mu.Lock()
	if nd := bob.nodes["Alice"]; nd != nil && nd.Address() != aliceAt {
		t.Errorf("Bob's memberlist moved the teacher to %s", nd.Address())
	}
	bob.mu.Unlock()

	if err := alice.Ask("Agree?", []string{"yes", "no"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "Bob sees the question", func() bool { return bob.Snapshot().Question != nil })
	if err := bob.Answer(2); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the teacher's tally counts Bob's answer", func() bool {
		q := alice.Snapshot().Question
		return q != nil && len(q.Tally) == 2 && q.Tally[1] == 1
	})
}

const math32 = 1<<32 - 1

// rejoin joins the class under a name from an address, again every half
// second until it is admitted or the deadline passes (a restarted process
// is refused while memberlist still lists its earlier run as alive).
func rejoin(t *testing.T, teacher *Node, name, ip string, within time.Duration) (*Node, error) {
	t.Helper()
	code := teacher.Snapshot().Code
	deadline := time.Now().Add(within)
	for {
		n, err := Join(teacher.Addr(), Options{Name: name, Bind: ip + ":0", Key: KeyFromCode(code), Teacher: code, Timing: testTiming()})
		if err == nil {
			t.Cleanup(func() { _ = n.Leave() })
			return n, nil
		}
		if time.Now().After(deadline) {
			return nil, err
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// TestRestartKeepsName: a name belongs to its holder's laptop. A student
// whose crdtviz was killed starts it again on the same laptop and gets
// the name back; from another laptop the name is refused, until its
// holder leaves with a signed goodbye.
func TestRestartKeepsName(t *testing.T) {
	nodes := startClassAt(t, crdt.ORSet, []string{"Alice", "Bob", "Carol"}, []string{"127.0.0.1", "127.0.0.2", "127.0.0.3"})
	alice, bob, carol := nodes[0], nodes[1], nodes[2]
	edit(t, bob, add("tea"))
	settle(t, nodes, "{tea}")
	bob.shutdown() // killed: no goodbye
	eventually(t, 30*time.Second, "the teacher marks Bob dead", func() bool { return !mlListed(alice, "Bob") })
	if n, err := rejoin(t, alice, "Bob", "127.0.0.9", 3*time.Second); err == nil {
		t.Fatalf("another laptop took Bob's name, at %s", n.Addr())
	} else if !errors.Is(err, ErrNameTaken) {
		t.Errorf("another laptop's error: %v", err)
	}
	bob2, err := rejoin(t, alice, "Bob", "127.0.0.2", 30*time.Second)
	if err != nil {
		t.Fatalf("Bob restarting on his laptop: %v", err)
	}
	edit(t, bob2, add("jam"))
	settle(t, []*Node{alice, bob2, carol}, "{jam, tea}")
	// A goodbye signed by Carol's key frees her name for another laptop.
	if err := carol.Leave(); err != nil {
		t.Fatal(err)
	}
	if _, err := rejoin(t, alice, "Carol", "127.0.0.8", 30*time.Second); err != nil {
		t.Fatalf("Carol's name after her goodbye: %v", err)
	}
}
