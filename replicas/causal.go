package replicas

import (
	"container/heap"
	"strings"

	"crdtviz/crdt"
)

// causalBuffer holds the ops that arrived at a replica before their
// dependencies (op mode, delivery causal). An op waits on one thing at a
// time: the first of its dependencies, by origin name, that the replica's
// prefix lacks, "origin's first need ops". So when applying an op moves
// origin's prefix from p to q, the ops that may now be ready are exactly
// those waiting on origin with a need in p+1 … q: a range of the buffer
// sorted by (origin, need), found without looking at the rest. Applying A
// k finds A k+1 directly, however many ops wait.
//
// It is persistent (see ptree): a replica's buffer is shared by its clones
// and checkpoints, and each change copies O(log n) nodes.
type causalBuffer struct {
	byArrival ptree[*waitingOp] // in arrival order: what Waiting lists
	byNeed    ptree[*waitingOp] // by (origin, need, arrival)
	ids       EditSet           // the edits waiting (what dedup checks)
	arrivals  int64             // ops buffered so far, which numbers them
}

// waitingOp is an op in the buffer: when it arrived, and what it waits
// for (until prefix[origin] ≥ need).
type waitingOp struct {
	op      *OpEntry
	arrival int64
	origin  string
	need    uint64
}

// firstMissing is the first dependency of op that prefix lacks, by origin
// name: origin, and how many of its ops op needs; ok is false when op has
// them all.
func firstMissing(op *OpEntry, prefix crdt.VV) (origin string, need uint64, ok bool) {
	op.eachDep(func(r string, n uint64) bool {
		if prefix[r] < n {
			origin, need, ok = r, n, true
			return false
		}
		return true
	})
	return origin, need, ok
}

// needLess orders the waiting ops by (origin, need, arrival).
func needLess(a *waitingOp, origin string, need uint64, arrival int64) bool {
	if c := strings.Compare(a.origin, origin); c != 0 {
		return c < 0
	}
	if a.need != need {
		return a.need < need
	}
	return a.arrival < arrival
}

func (b causalBuffer) Len() int { return b.byArrival.Len() }

// has reports whether an op with this edit waits.
func (b causalBuffer) has(id EditID) bool { return b.ids.Has(id) }

// add puts an op that lacks a dependency at the back of the buffer.
func (b causalBuffer) add(op *OpEntry, prefix crdt.VV) causalBuffer {
	origin, need, _ := firstMissing(op, prefix)
	w := &waitingOp{op: op, arrival: b.arrivals, origin: origin, need: need}
	b.arrivals++
	b.byArrival = b.byArrival.Insert(b.byArrival.Len(), w, 1)
	b.byNeed = b.byNeed.Insert(b.byNeed.Search(func(x *waitingOp) bool { return needLess(x, origin, need, w.arrival) }), w, 1)
	b.ids = b.ids.With(op.Edit)
	return b
}

// wake takes out of the buffer the ops waiting on origin whose need is
// now met (prefix[origin] moved from p to q), files again those that lack
// another dependency, and pushes the ready ones on ready.
func (b causalBuffer) wake(origin string, p, q uint64, prefix crdt.VV, ready *arrivalHeap) causalBuffer {
	i := b.byNeed.Search(func(x *waitingOp) bool { return needLess(x, origin, p+1, -1) })
	var woken []*waitingOp
	b.byNeed.Each(i, func(x *waitingOp) bool {
		if x.origin != origin || x.need > q {
			return false
		}
		woken = append(woken, x)
		return true
	})
	if len(woken) == 0 {
		return b
	}
	b.byNeed = b.byNeed.DeleteRange(i, i+len(woken))
	for _, w := range woken {
		if o, need, missing := firstMissing(w.op, prefix); missing {
			x := &waitingOp{op: w.op, arrival: w.arrival, origin: o, need: need}
			b.byNeed = b.byNeed.Insert(b.byNeed.Search(func(y *waitingOp) bool { return needLess(y, o, need, x.arrival) }), x, 1)
			continue
		}
		heap.Push(ready, w)
	}
	return b
}

// take removes a ready op (woken, and so no longer in byNeed) from the
// buffer.
func (b causalBuffer) take(w *waitingOp) causalBuffer {
	b.byArrival = b.byArrival.Delete(b.byArrival.Search(func(x *waitingOp) bool { return x.arrival < w.arrival }))
	b.ids = b.ids.without(w.op.Edit)
	return b
}

// ops lists the waiting ops in arrival order.
func (b causalBuffer) ops() []*OpEntry {
	out := make([]*OpEntry, 0, b.Len())
	b.byArrival.Each(0, func(w *waitingOp) bool { out = append(out, w.op); return true })
	return out
}

// arrivalHeap holds the buffered ops that became ready, earliest arrival
// first: the order in which a replica applies them.
type arrivalHeap []*waitingOp

func (h arrivalHeap) Len() int           { return len(h) }
func (h arrivalHeap) Less(i, j int) bool { return h[i].arrival < h[j].arrival }
func (h arrivalHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *arrivalHeap) Push(x any)        { *h = append(*h, x.(*waitingOp)) }
func (h *arrivalHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
