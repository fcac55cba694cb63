package class

import (
	"strings"
	"testing"
	"time"

	"crdtviz/crdt"
	"crdtviz/replicas"
)

// TestDo: the prompt's lines, as a teacher and a student type them.
func TestDo(t *testing.T) {
	nodes := startClass(t, crdt.ORSet, replicas.ModeDelta, "Alice", "Bob")
	alice, bob := nodes[0], nodes[1]
	eventually(t, 10*time.Second, "Alice knows Bob", func() bool { return len(alice.Names()) == 2 })
	cases := []struct {
		n       *Node
		line    string
		wantErr string
	}{
		{alice, "edit Alice add milk", ""},
		{alice, "edit Bob add milk", "you can edit only your own replica"},
		{alice, "edit Zed add milk", "you can edit only your own replica"},
		{alice, "edit Alice inc 3", "or-set"},
		{alice, "sync Alice -> Bob", "delivers by itself"},
		{alice, "cut Alice Bob", "as a whole"},
		{alice, "partition Alice | Zed", "unknown replica Zed"},
		{alice, "heal", "no partition"},
		{bob, "partition Alice | Bob", "only the teacher"},
		{bob, "reset", "only the teacher"},
		{bob, "edit Bob add tea", ""},
		{bob, "", ""},
		{bob, "# a comment", ""},
		{alice, "partition Alice | Bob", ""},
		{alice, "heal", ""},
		{bob, "say hello", "only the teacher"},
		{alice, "say Look at the plain lane", ""},
	}
	for _, c := range cases {
		_, _, err := c.n.Do(c.line)
		if c.wantErr == "" && err != nil || c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)) {
			t.Errorf("%s: %q: got %v, want %q", c.n.Snapshot().Name, c.line, err, c.wantErr)
		}
	}
	eventually(t, 10*time.Second, "Bob's screen says what the teacher said", func() bool { return bob.Snapshot().Say == "Look at the plain lane" })
	st, _, err := bob.Do("status")
	if err != nil || st == nil || st.Name != "Bob" {
		t.Fatalf("status: %+v, %v", st, err)
	}
}
