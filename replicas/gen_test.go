package replicas

import (
	"fmt"
	"math/rand/v2"

	"crdtviz/crdt"

	"pgregory.net/rapid"
)

// chooser picks numbers for the random schedules: rapid in property tests
// (so failures shrink), a seeded math/rand in benchmarks.
type chooser interface {
	Intn(n int, label string) int
}

type rapidChooser struct{ t *rapid.T }

func (r rapidChooser) Intn(n int, label string) int { return rapid.IntRange(0, n-1).Draw(r.t, label) }

type randChooser struct{ r *rand.Rand }

func (r randChooser) Intn(n int, _ string) int { return r.r.IntN(n) }

var elems = []string{"a", "b", "c", "d"}

func names(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("R%d", i)
	}
	return out
}

// randomOp picks an operation for replica r. With ownKeys, lww-map and
// lww-set edits touch only keys that belong to r, so no two replicas write
// the same key.
func randomOp(ch chooser, c *Cluster, r *Replica, ownKeys bool) crdt.Op {
	kinds := crdt.Ops(c.Type())
	k := kinds[ch.Intn(len(kinds), "op")]
	e := elems[ch.Intn(len(elems), "elem")]
	if ownKeys {
		e = r.Name + e
	}
	switch k {
	case crdt.OpInc, crdt.OpDec:
		return crdt.Op{Kind: k, N: int64(1 + ch.Intn(5, "n"))}
	case crdt.OpPut:
		return crdt.Op{Kind: k, Key: e, Value: elems[ch.Intn(len(elems), "val")]}
	case crdt.OpInsert:
		n := len([]rune(r.Value(CRDT).Str))
		return crdt.Op{Kind: k, Pos: ch.Intn(n+1, "pos"), Text: []string{"x", "yz", "é"}[ch.Intn(3, "text")]}
	case crdt.OpDelete:
		if c.Type() == crdt.LWWMap {
			return crdt.Op{Kind: k, Key: e}
		}
		n := len([]rune(r.Value(CRDT).Str))
		if n == 0 {
			return crdt.Op{Kind: crdt.OpInsert, Pos: 0, Text: "q"}
		}
		pos := ch.Intn(n, "pos")
		return crdt.Op{Kind: k, Pos: pos, Count: 1 + ch.Intn(min(3, n-pos), "count")}
	}
	return crdt.Op{Kind: k, Value: e}
}

// randomAction picks any action, valid or not; an invalid one must simply be
// refused by Apply.
func randomAction(ch chooser, c *Cluster, ownKeys bool) Action {
	ns := c.Names()
	pick := func(label string) string { return ns[ch.Intn(len(ns), label)] }
	from, to := pick("from"), pick("to")
	switch ch.Intn(20, "action") {
	case 0, 1, 2, 3, 4, 5, 6, 7:
		r := c.Replica(from)
		return Edit{Replica: from, Op: randomOp(ch, c, r, ownKeys)}
	case 8:
		return Send{From: from, To: to}
	case 9:
		return Send{From: from, ToAll: true}
	case 10:
		return Deliver{From: from, To: to}
	case 11:
		return Deliver{From: from, To: to, Newest: true}
	case 12:
		return Drop{From: from, To: to}
	case 13:
		return Duplicate{From: from, To: to}
	case 14:
		return Sync{From: from, To: to}
	case 15:
		return SyncBoth{A: from, B: to}
	case 16:
		if ch.Intn(3, "rare") == 0 {
			return SyncAll{}
		}
		return DeliverAll{}
	case 17:
		return Cut{From: from, To: to, Both: ch.Intn(2, "both") == 0}
	case 18:
		if ch.Intn(4, "rare") == 0 {
			return HealAll{}
		}
		return Heal{From: from, To: to, Both: ch.Intn(2, "both") == 0}
	default:
		if ch.Intn(2, "kind") == 0 {
			return SetSkew{Replica: from, Skew: int64(ch.Intn(7, "skew") - 3)}
		}
		return Partition{Groups: [][]string{{from}, {to}}}
	}
}
