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

// EditSet is an immutable set of edit ids, stored as a bitset. Operations
// return a new set (or one of their arguments when nothing changes), so sets
// can be shared freely between replicas, messages and checkpoints.
type EditSet struct {
	w []uint64
}

// With returns the set plus id.
func (s EditSet) With(id EditID) EditSet {
	i := int(id) / 64
	n := max(len(s.w), i+1)
	w := make([]uint64, n)
	copy(w, s.w)
	w[i] |= 1 << (uint(id) % 64)
	return EditSet{w: w}
}

// Has reports whether id is in the set.
func (s EditSet) Has(id EditID) bool {
	i := int(id) / 64
	return id >= 0 && i < len(s.w) && s.w[i]&(1<<(uint(id)%64)) != 0
}

// subsetOf reports whether every id of s is in o.
func (s EditSet) subsetOf(o EditSet) bool {
	for i, x := range s.w {
		var y uint64
		if i < len(o.w) {
			y = o.w[i]
		}
		if x&^y != 0 {
			return false
		}
	}
	return true
}

// Union returns the ids in either set. When one set already holds the
// other, it is returned as is, without copying.
func (s EditSet) Union(o EditSet) EditSet {
	if o.subsetOf(s) {
		return s
	}
	if s.subsetOf(o) {
		return o
	}
	a, b := s.w, o.w
	if len(a) < len(b) {
		a, b = b, a
	}
	w := make([]uint64, len(a))
	copy(w, a)
	for i, x := range b {
		w[i] |= x
	}
	return EditSet{w: w}
}

// Minus lists the ids in s and not in o, in order.
func (s EditSet) Minus(o EditSet) []EditID {
	var out []EditID
	for i, x := range s.w {
		if i < len(o.w) {
			x &^= o.w[i]
		}
		for x != 0 {
			b := bits.TrailingZeros64(x)
			out = append(out, EditID(i*64+b))
			x &= x - 1
		}
	}
	return out
}

// Last lists the n greatest ids in the set, in order, without looking at
// the rest: a screen shows the newest edits of a long history.
func (s EditSet) Last(n int) []EditID {
	var out []EditID
	for i := len(s.w) - 1; i >= 0 && len(out) < n; i-- {
		for x := s.w[i]; x != 0 && len(out) < n; {
			b := 63 - bits.LeadingZeros64(x)
			out = append(out, EditID(i*64+b))
			x &^= 1 << uint(b)
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
	for _, x := range s.w {
		n += bits.OnesCount64(x)
	}
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
