package replicas

import "sync/atomic"

// ptree is a persistent sequence: a treap whose items are found by their
// position, or by a key when the caller keeps them sorted. Every change
// returns a new tree that shares all but O(log n) nodes with the old one,
// and the old tree stays exactly as it was. So replicas, clones,
// checkpoints and messages can hold one tree between them and each change
// it without copying it, and without seeing the others' changes (STYLE.md:
// sharing never aliases).
//
// Each item carries a weight (a rendered length, say); every node knows
// the number of items and the total weight of its subtree.
//
// A node's priority decides only the tree's shape, never what it holds or
// in what order: it is a hash of a counter, so trees are balanced (in
// expectation) whatever order a scenario makes them in.
type ptree[T any] struct{ root *pnode[T] }

type pnode[T any] struct {
	v    T
	w    int // the item's weight
	pri  uint64
	l, r *pnode[T]
	n    int // items in the subtree
	sum  int // their weights
}

// priorities numbers nodes; a node's priority is a hash of its number.
var priorities atomic.Uint64

func nextPriority() uint64 {
	x := priorities.Add(1) * 0x9e3779b97f4a7c15 // splitmix64
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

func (t *pnode[T]) size() int {
	if t == nil {
		return 0
	}
	return t.n
}

func (t *pnode[T]) weight() int {
	if t == nil {
		return 0
	}
	return t.sum
}

// with is a copy of t with new children, its counts worked out again.
func (t *pnode[T]) with(l, r *pnode[T]) *pnode[T] {
	c := *t
	c.l, c.r = l, r
	c.n = 1 + l.size() + r.size()
	c.sum = c.w + l.weight() + r.weight()
	return &c
}

// Len is the number of items; Weight the sum of their weights.
func (t ptree[T]) Len() int    { return t.root.size() }
func (t ptree[T]) Weight() int { return t.root.weight() }

// tsplit cuts t into its first k items and the rest.
func tsplit[T any](t *pnode[T], k int) (*pnode[T], *pnode[T]) {
	if t == nil {
		return nil, nil
	}
	if ls := t.l.size(); k <= ls {
		a, b := tsplit(t.l, k)
		return a, t.with(b, t.r)
	} else {
		a, b := tsplit(t.r, k-ls-1)
		return t.with(t.l, a), b
	}
}

// tjoin puts b after a.
func tjoin[T any](a, b *pnode[T]) *pnode[T] {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	case a.pri > b.pri:
		return a.with(a.l, tjoin(a.r, b))
	}
	return b.with(tjoin(a, b.l), b.r)
}

// Insert puts v, of weight w, at position i (0 ≤ i ≤ Len).
func (t ptree[T]) Insert(i int, v T, w int) ptree[T] {
	return ptree[T]{tinsert(t.root, i, &pnode[T]{v: v, w: w, pri: nextPriority(), n: 1, sum: w})}
}

// tinsert puts the new node x at position i of t: it copies the path down
// to where x's priority places it, and splits only what lies below.
func tinsert[T any](t *pnode[T], i int, x *pnode[T]) *pnode[T] {
	if t == nil {
		return x
	}
	if x.pri > t.pri {
		x.l, x.r = tsplit(t, i) // x is new: nobody else holds it yet
		x.n = 1 + x.l.size() + x.r.size()
		x.sum = x.w + x.l.weight() + x.r.weight()
		return x
	}
	if ls := t.l.size(); i <= ls {
		return t.with(tinsert(t.l, i, x), t.r)
	} else {
		return t.with(t.l, tinsert(t.r, i-ls-1, x))
	}
}

// Delete removes the item at position i.
func (t ptree[T]) Delete(i int) ptree[T] { return ptree[T]{tdelete(t.root, i)} }

func tdelete[T any](t *pnode[T], i int) *pnode[T] {
	switch ls := t.l.size(); {
	case i < ls:
		return t.with(tdelete(t.l, i), t.r)
	case i > ls:
		return t.with(t.l, tdelete(t.r, i-ls-1))
	}
	return tjoin(t.l, t.r)
}

// DeleteRange removes the items at positions i to j-1.
func (t ptree[T]) DeleteRange(i, j int) ptree[T] {
	a, rest := tsplit(t.root, i)
	_, b := tsplit(rest, j-i)
	return ptree[T]{tjoin(a, b)}
}

// Set replaces the item at position i.
func (t ptree[T]) Set(i int, v T, w int) ptree[T] { return ptree[T]{tset(t.root, i, v, w)} }

func tset[T any](t *pnode[T], i int, v T, w int) *pnode[T] {
	switch ls := t.l.size(); {
	case i < ls:
		return t.with(tset(t.l, i, v, w), t.r)
	case i > ls:
		return t.with(t.l, tset(t.r, i-ls-1, v, w))
	}
	c := *t
	c.v, c.w = v, w
	c.sum = w + t.l.weight() + t.r.weight()
	return &c
}

// At is the item at position i.
func (t ptree[T]) At(i int) T {
	n := t.root
	for {
		switch ls := n.l.size(); {
		case i < ls:
			n = n.l
		case i > ls:
			n, i = n.r, i-ls-1
		default:
			return n.v
		}
	}
}

// Search is the number of leading items for which before is true, when
// before is true of a prefix of the items and false of the rest (as
// sort.Search): the position of a key in a tree sorted by it.
func (t ptree[T]) Search(before func(T) bool) int {
	pos := 0
	for n := t.root; n != nil; {
		if before(n.v) {
			pos += n.l.size() + 1
			n = n.r
		} else {
			n = n.l
		}
	}
	return pos
}

// Each calls f on the items from position from on, in order, until f
// returns false.
func (t ptree[T]) Each(from int, f func(T) bool) { each(t.root, from, f) }

func each[T any](t *pnode[T], from int, f func(T) bool) bool {
	if t == nil {
		return true
	}
	ls := t.l.size()
	if from < ls && !each(t.l, from, f) {
		return false
	}
	if from <= ls && !f(t.v) {
		return false
	}
	return each(t.r, max(from-ls-1, 0), f)
}

// Items lists every item, in order.
func (t ptree[T]) Items() []T {
	out := make([]T, 0, t.Len())
	t.Each(0, func(v T) bool { out = append(out, v); return true })
	return out
}

// buildTree makes a tree of vs, in order, with weights w(v), in linear
// time (a Cartesian tree of fresh priorities).
func buildTree[T any](vs []T, w func(T) int) ptree[T] {
	var stack []*pnode[T]
	for _, v := range vs {
		x := &pnode[T]{v: v, w: w(v), pri: nextPriority()}
		var last *pnode[T]
		for len(stack) > 0 && stack[len(stack)-1].pri < x.pri {
			last = stack[len(stack)-1]
			stack = stack[:len(stack)-1]
		}
		x.l = last
		if len(stack) > 0 {
			stack[len(stack)-1].r = x
		}
		stack = append(stack, x)
	}
	if len(stack) == 0 {
		return ptree[T]{}
	}
	recount(stack[0])
	return ptree[T]{stack[0]}
}

// recount works out the counts of a tree just built (its nodes are new,
// and nobody else holds them yet).
func recount[T any](t *pnode[T]) {
	if t == nil {
		return
	}
	recount(t.l)
	recount(t.r)
	t.n = 1 + t.l.size() + t.r.size()
	t.sum = t.w + t.l.weight() + t.r.weight()
}
