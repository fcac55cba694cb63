package replicas

import "sync/atomic"

// seq is an append-only list that replicas, clones and checkpoints share
// by prefix: a view of the first n items of a buffer. Appending to a view
// that ends where its buffer's claimed items end writes the next slot in
// place (no other view reaches that slot, so none sees it); appending to
// a view that ends earlier (a branch: a clone or a replayed checkpoint
// that went its own way) copies the view's items first. A view never
// changes, so holding one aliases nothing, and an op log of n ops costs n
// appends instead of n copies of the log.
//
// Slots are claimed with an atomic compare-and-swap, so two clusters that
// share a buffer may even append from two goroutines (each holding its
// own clone, as Cluster's contract allows).
type seq[T any] struct {
	b     *seqBuf
	items []T // the view: its buffer's first len(items) slots
}

// seqBuf counts the slots of one backing array that some view has claimed.
type seqBuf struct{ used atomic.Int64 }

// Len is the number of items.
func (s seq[T]) Len() int { return len(s.items) }

// At is the i-th item.
func (s seq[T]) At(i int) T { return s.items[i] }

// From lists the items from position i on. The slice is shared: read it,
// never write it or append to it.
func (s seq[T]) From(i int) []T { return s.items[i:len(s.items):len(s.items)] }

// Append returns the list with x at its end; s itself is unchanged.
func (s seq[T]) Append(x T) seq[T] {
	n := len(s.items)
	if s.b != nil && n < cap(s.items) && s.b.used.CompareAndSwap(int64(n), int64(n+1)) {
		items := s.items[:n+1]
		items[n] = x
		return seq[T]{s.b, items}
	}
	items := make([]T, n+1, max(2*n, 8))
	copy(items, s.items)
	items[n] = x
	b := &seqBuf{}
	b.used.Store(int64(n + 1))
	return seq[T]{b, items}
}

// chunks is an append-only list kept in chunks of chunkLen items, shared
// by prefix as seq is: a view never sees a later append. Unlike a seq,
// growing it never copies what it holds: a seq doubles its array when it
// fills, and every checkpoint that holds an old array keeps it, which for
// a cluster's list of edits (every checkpoint holds one) adds up to
// several copies of the list.
type chunks[T any] struct {
	spine seq[*listChunk[T]]
	n     int
}

const chunkLen = 256

type listChunk[T any] struct {
	used  atomic.Int64 // slots claimed (see seq)
	items [chunkLen]T
}

// Len is the number of items.
func (c chunks[T]) Len() int { return c.n }

// At is the i-th item.
func (c chunks[T]) At(i int) T { return c.spine.At(i / chunkLen).items[i%chunkLen] }

// Each calls f on every item, in order.
func (c chunks[T]) Each(f func(T)) { c.From(0, func(x T) bool { f(x); return true }) }

// From calls f on the items from position i on, in order, until f says
// stop.
func (c chunks[T]) From(i int, f func(T) bool) {
	for ; i < c.n; i++ {
		if !f(c.At(i)) {
			return
		}
	}
}

// Append returns the list with x at its end; c itself is unchanged.
func (c chunks[T]) Append(x T) chunks[T] {
	i := c.n % chunkLen
	if i == 0 {
		b := &listChunk[T]{}
		b.items[0] = x
		b.used.Store(1)
		return chunks[T]{c.spine.Append(b), c.n + 1}
	}
	last := c.spine.At(c.spine.Len() - 1)
	if last.used.CompareAndSwap(int64(i), int64(i+1)) {
		last.items[i] = x
		return chunks[T]{c.spine, c.n + 1}
	}
	// A branch: its last chunk goes on in a copy, in a spine of its own.
	b := &listChunk[T]{}
	copy(b.items[:i], last.items[:i])
	b.items[i] = x
	b.used.Store(int64(i + 1))
	var spine seq[*listChunk[T]]
	for _, ch := range c.spine.From(0)[:c.spine.Len()-1] {
		spine = spine.Append(ch)
	}
	return chunks[T]{spine.Append(b), c.n + 1}
}
