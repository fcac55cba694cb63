package class

import (
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/memberlist"

	"crdtviz/crdt"
)

// TestInvisibleNames (review defect 8): the review's names, each "Ada",
// "Ole" or "Bob" with an invisible code point added, are refused as
// look-alikes of the member who holds the name; names that print nothing
// (Hangul fillers, blank braille, combining accents alone) are refused even
// from a modified client that skips its own check. The class still lists
// its four members.
func TestInvisibleNames(t *testing.T) {
	nodes := startClassAt(t, crdt.GCounter, []string{"Alice", "Ada", "Ole", "Bob"}, []string{"127.0.5.1", "127.0.5.2", "127.0.5.3", "127.0.5.4"})
	alice := nodes[0]
	key, code := classKey(alice), alice.Snapshot().Code
	for _, name := range []string{"Ada\u034f", "Ada\u17b4", "Ada\U000E0100", "Ole\uFE0F", "Bob\u3164"} {
		n, err := Join(alice.Addr(), Options{Name: name, Bind: "127.0.5.9:0", Key: key, Teacher: code, Timing: testTiming()})
		if err == nil {
			_ = n.Leave()
			t.Errorf("%q was admitted", name)
			continue
		}
		if !strings.Contains(err.Error(), "looks the same") {
			t.Errorf("%q: %v (want a look-alike)", name, err)
		}
	}
	for _, name := range []string{"\u3164", "\u2800", "\u115F", "\uFFA0", "\u0301\u0301"} {
		n, err := Join(alice.Addr(), Options{Name: name, Bind: "127.0.5.9:0", Key: key, Teacher: code, Timing: testTiming()})
		if err == nil {
			_ = n.Leave()
		}
		if err == nil || !strings.Contains(err.Error(), "must be visible") {
			t.Errorf("%q at the joiner: %v", name, err)
		}
		// A modified client skips its own check: a memberlist node of that
		// name joins Bob, and asks the teacher to admit it (with the
		// teacher's challenge echoed, as a client listening at its address
		// would). No member lists it, and the teacher admits no one.
		c := memberlist.DefaultLANConfig()
		c.Name, c.BindAddr, c.BindPort, c.AdvertiseAddr = name, "127.0.5.9", 0, "127.0.5.9"
		c.SecretKey, c.Label, c.LogOutput = key, label(key), io.Discard
		rogue, err := memberlist.Create(c)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = rogue.Join([]string{nodes[3].Addr()})
		at := net.JoinHostPort("127.0.5.9", strconv.Itoa(int(rogue.LocalNode().Port)))
		id := newIdentity()
		req := wireAdmit{Name: name, Key: id.pub, Addr: at}
		alice.mu.Lock()
		req.Proof = alice.st.proof(req)
		alice.mu.Unlock()
		for range 5 {
			raw := forge(nodes[3], id, name, func(e *envelope) { e.Kind, e.Ask = kindAsk, &req })
			_ = rogue.SendReliable(alice.ml.LocalNode(), raw)
			time.Sleep(300 * time.Millisecond)
		}
		for _, n := range nodes {
			if mlListed(n, name) {
				t.Errorf("%s's memberlist lists %q", n.opts.Name, name)
			}
		}
		_ = rogue.Shutdown()
	}
	if got := alice.Names(); len(got) != 4 {
		t.Errorf("the teacher lists %q", got)
	}
	alice.mu.Lock()
	defer alice.mu.Unlock()
	if len(alice.st.roster) != 4 {
		t.Errorf("the teacher admitted %d names", len(alice.st.roster))
	}
}
