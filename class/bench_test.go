package class

import (
	"testing"
	"time"

	"crdtviz/crdt"
	"crdtviz/replicas"
)

// BenchmarkBroadcastConverge measures how long an edit's broadcast takes
// to reach every member of a three-member class on loopback, with the
// classroom's timing (gossip every 50 ms): one op is one edit, from
// Edit until the other two members hold it. Push/pull (every 2 s) is
// left out of the figure: the edits are spaced well inside it.
func BenchmarkBroadcastConverge(b *testing.B) {
	key := NewKey()
	timing := DefaultTiming()
	teacher, err := Start(Options{Name: "Alice", Type: crdt.GCounter, Mode: replicas.ModeDelta, Bind: "127.0.0.1:0", Key: key, Timing: timing})
	if err != nil {
		b.Fatal(err)
	}
	defer teacher.Leave()
	nodes := []*Node{teacher}
	for _, name := range []string{"Bob", "Carol"} {
		n, err := Join(teacher.Addr(), Options{Name: name, Bind: "127.0.0.1:0", Key: key, Timing: timing})
		if err != nil {
			b.Fatal(err)
		}
		defer n.Leave()
		nodes = append(nodes, n)
	}
	for len(teacher.Members()) < 3 || len(nodes[1].Members()) < 3 || len(nodes[2].Members()) < 3 {
		time.Sleep(10 * time.Millisecond)
	}
	want := 0
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		want++
		if _, err := nodes[i%3].Edit(crdt.Op{Kind: crdt.OpInc, N: 1}); err != nil {
			b.Fatal(err)
		}
		for _, n := range nodes {
			for n.Snapshot().CRDT != itoa(want) {
				time.Sleep(time.Millisecond)
			}
		}
	}
}

func itoa(n int) string { return crdt.IntValue(int64(n)).String() }

// BenchmarkKeyFromCode measures the join code's key derivation (Argon2id,
// 3 passes over 64 MiB, 4 lanes): once per start and once per join.
func BenchmarkKeyFromCode(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = KeyFromCode("KQ4T-9WZM-3XH7-P2LC")
	}
}
