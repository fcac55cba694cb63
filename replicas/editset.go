package replicas

import (
	"math/bits"
	"slices"
	"strconv"
	"strings"
)

// EditID numbers edits in the order they were made, from 1.
type EditID int

func (id EditID) String() string { return "#" + strconv.Itoa(int(id)) }

// EditSet is an immutable set of edit ids, stored as a bitset in chunks of
// chunkBits ids. Operations return a new set that shares every chunk they
// did not change, so adding an id copies one chunk, and the union of two
// histories that share most of their past compares chunk pointers. Sets
// can be shared freely between replicas, messages and checkpoints.
type EditSet struct {
	c []*chunk // c[k] holds ids k*chunkBits … (k+1)*chunkBits-1; nil means none
}

const (
	chunkWords = 64
	chunkBits  = chunkWords * 64
)

type chunk [chunkWords]uint64

func split(id EditID) (k, w int, bit uint64) {
	n := int(id)
	return n / chunkBits, (n % chunkBits) / 64, 1 << (uint(n) % 64)
}

// With returns the set plus id.
func (s EditSet) With(id EditID) EditSet {
	k, w, bit := split(id)
	c := make([]*chunk, max(len(s.c), k+1))
	copy(c, s.c)
	var ch chunk
	if c[k] != nil {
		ch = *c[k]
	}
	ch[w] |= bit
	c[k] = &ch
	return EditSet{c: c}
}

// without returns the set less id.
func (s EditSet) without(id EditID) EditSet {
	if !s.Has(id) {
		return s
	}
	k, w, bit := split(id)
	c := slices.Clone(s.c)
	ch := *c[k]
	ch[w] &^= bit
	c[k] = &ch
	return EditSet{c: c}
}

// Has reports whether id is in the set.
func (s EditSet) Has(id EditID) bool {
	if id < 0 {
		return false
	}
	k, w, bit := split(id)
	return k < len(s.c) && s.c[k] != nil && s.c[k][w]&bit != 0
}

func (s EditSet) chunkAt(k int) *chunk {
	if k < len(s.c) {
		return s.c[k]
	}
	return nil
}

// subsetOf reports whether every id of s is in o.
func (s EditSet) subsetOf(o EditSet) bool {
	for k, a := range s.c {
		b := o.chunkAt(k)
		if a == nil || a == b {
			continue
		}
		for w := range a {
			var y uint64
			if b != nil {
				y = b[w]
			}
			if a[w]&^y != 0 {
				return false
			}
		}
	}
	return true
}

// Union returns the ids in either set. When one set already holds the
// other, it is returned as is; otherwise unchanged chunks are shared.
func (s EditSet) Union(o EditSet) EditSet {
	if o.subsetOf(s) {
		return s
	}
	if s.subsetOf(o) {
		return o
	}
	c := make([]*chunk, max(len(s.c), len(o.c)))
	for k := range c {
		a, b := s.chunkAt(k), o.chunkAt(k)
		switch {
		case a == b || b == nil:
			c[k] = a
		case a == nil:
			c[k] = b
		default:
			var ch chunk
			for w := range ch {
				ch[w] = a[w] | b[w]
			}
			c[k] = &ch
		}
	}
	return EditSet{c: c}
}

// words calls f on each non-zero word of s, in order, until f says stop.
func (s EditSet) words(f func(base int, x uint64) bool) {
	for k, a := range s.c {
		if a == nil {
			continue
		}
		for w, x := range a {
			if x != 0 && !f(k*chunkBits+w*64, x) {
				return
			}
		}
	}
}

// Minus lists the ids in s and not in o, in order.
func (s EditSet) Minus(o EditSet) []EditID {
	var out []EditID
	for k, a := range s.c {
		b := o.chunkAt(k)
		if a == nil || a == b {
			continue
		}
		for w, x := range a {
			if b != nil {
				x &^= b[w]
			}
			for x != 0 {
				bit := bits.TrailingZeros64(x)
				out = append(out, EditID(k*chunkBits+w*64+bit))
				x &= x - 1
			}
		}
	}
	return out
}

// Last lists the n greatest ids in the set, in order, without looking at
// the rest: a screen shows the newest edits of a long history.
func (s EditSet) Last(n int) []EditID {
	var out []EditID
	for k := len(s.c) - 1; k >= 0 && len(out) < n; k-- {
		a := s.c[k]
		if a == nil {
			continue
		}
		for w := chunkWords - 1; w >= 0 && len(out) < n; w-- {
			for x := a[w]; x != 0 && len(out) < n; {
				b := 63 - bits.LeadingZeros64(x)
				out = append(out, EditID(k*chunkBits+w*64+b))
				x &^= 1 << uint(b)
			}
		}
	}
	slices.Reverse(out)
	return out
}

// IDs lists the ids in the set, in order.
func (s EditSet) IDs() []EditID { return s.Minus(EditSet{}) }

// Len is the number of ids in the set.
func (s EditSet) Len() int {
	n := 0
	s.words(func(_ int, x uint64) bool { n += bits.OnesCount64(x); return true })
	return n
}

// Equal reports whether both sets hold the same ids.
func (s EditSet) Equal(o EditSet) bool { return s.subsetOf(o) && o.subsetOf(s) }

func (s EditSet) String() string {
	ids := s.IDs()
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = id.String()
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// History is the causal history of one lane value: the edits it reflects.
// Most types keep one set (key ""). The last-writer-wins types keep one set
// per key (per element for lww-set, per map key for lww-map), because a merge
// takes the winning write's history key by key. A History is immutable.
type History struct {
	keys map[string]EditSet
}

// All is every edit the value reflects, over all keys.
func (h History) All() EditSet {
	var all EditSet
	for _, s := range h.keys {
		all = all.Union(s)
	}
	return all
}

// with returns the history plus id under key.
func (h History) with(key string, id EditID) History {
	keys := make(map[string]EditSet, len(h.keys)+1)
	for k, s := range h.keys {
		keys[k] = s
	}
	keys[key] = keys[key].With(id)
	return History{keys: keys}
}

// within returns the history restricted to the edits of s: what a value
// reflects, among the edits its replica has seen.
func (h History) within(s EditSet) History {
	keys := make(map[string]EditSet, len(h.keys))
	for k, e := range h.keys {
		if e.subsetOf(s) {
			keys[k] = e
			continue
		}
		var in EditSet
		for _, id := range e.IDs() {
			if s.Has(id) {
				in = in.With(id)
			}
		}
		keys[k] = in
	}
	return History{keys: keys}
}

// union returns the key-by-key union of two histories.
func (h History) union(o History) History {
	keys := make(map[string]EditSet, len(h.keys)+len(o.keys))
	for k, s := range h.keys {
		keys[k] = s
	}
	for k, s := range o.keys {
		keys[k] = keys[k].Union(s)
	}
	return History{keys: keys}
}
