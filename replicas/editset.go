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

// EditSet is an immutable set of edit ids: every id from 1 to full, and
// the ids set in a bitset, in chunks of chunkBits ids. Operations return a
// new set that shares every chunk they did not change, so adding an id
// copies one chunk, and the union of two histories that share most of
// their past compares chunk pointers. The sets of a long history are
// mostly every edit so far (what one writer knows, or the edits a lane
// applied), so adding the next id to such a set moves full and copies
// nothing. Sets can be shared freely between replicas, messages and
// checkpoints.
type EditSet struct {
	full EditID   // 1 … full are in the set
	c    []*chunk // c[k] holds ids k*chunkBits … (k+1)*chunkBits-1; nil means none. Bits at or below full say nothing more.
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

// bit reports whether id is set in the bitset.
func (s EditSet) bit(id EditID) bool {
	if id < 0 {
		return false
	}
	k, w, b := split(id)
	return k < len(s.c) && s.c[k] != nil && s.c[k][w]&b != 0
}

// word is the bitset's w-th 64-bit word (ids w*64 …).
func (s EditSet) word(w int) uint64 {
	k := w / chunkWords
	if k >= len(s.c) || s.c[k] == nil {
		return 0
	}
	return s.c[k][w%chunkWords]
}

// absorb moves full past the ids after it that the bitset holds.
func (s EditSet) absorb() EditSet {
	for {
		next := s.full + 1
		if next%64 == 0 && s.word(int(next)/64) == ^uint64(0) {
			s.full += 64
			continue
		}
		if !s.bit(next) {
			return s
		}
		s.full = next
	}
}

// With returns the set plus id.
func (s EditSet) With(id EditID) EditSet {
	if s.Has(id) {
		return s
	}
	if id == s.full+1 {
		s.full = id
		return s.absorb()
	}
	k, w, bit := split(id)
	c := make([]*chunk, max(len(s.c), k+1))
	copy(c, s.c)
	var ch chunk
	if c[k] != nil {
		ch = *c[k]
	}
	ch[w] |= bit
	c[k] = &ch
	return EditSet{full: s.full, c: c}
}

// without returns the set less id.
func (s EditSet) without(id EditID) EditSet {
	if !s.Has(id) {
		return s
	}
	if id >= 1 && id <= s.full {
		// The ids after id stay, as bits.
		s = EditSet{full: id - 1, c: s.setRange(id+1, s.full)}
	}
	if !s.bit(id) {
		return s
	}
	k, w, bit := split(id)
	c := slices.Clone(s.c)
	ch := *c[k]
	ch[w] &^= bit
	c[k] = &ch
	return EditSet{full: s.full, c: c}
}

// setRange is the bitset with the ids lo … hi set (new chunks where they
// change).
func (s EditSet) setRange(lo, hi EditID) []*chunk {
	if hi < lo {
		return s.c
	}
	kHi, _, _ := split(hi)
	c := make([]*chunk, max(len(s.c), kHi+1))
	copy(c, s.c)
	kLo, _, _ := split(lo)
	for k := kLo; k <= kHi; k++ {
		var ch chunk
		if c[k] != nil {
			ch = *c[k]
		}
		for w := range ch {
			ch[w] |= rangeWord(lo, hi, k*chunkWords+w)
		}
		c[k] = &ch
	}
	return c
}

// Has reports whether id is in the set.
func (s EditSet) Has(id EditID) bool { return id >= 1 && id <= s.full || s.bit(id) }

func (s EditSet) chunkAt(k int) *chunk {
	if k < len(s.c) {
		return s.c[k]
	}
	return nil
}

// prefixWord is the w-th word of the ids 1 … full.
func prefixWord(full EditID, w int) uint64 { return rangeWord(1, full, w) }

// rangeWord is the w-th word of the ids lo … hi.
func rangeWord(lo, hi EditID, w int) uint64 {
	first, last := EditID(w*64), EditID(w*64+63)
	lo, hi = max(lo, first), min(hi, last)
	if hi < lo {
		return 0
	}
	return ^uint64(0) >> uint(63-(hi-first)) &^ (1<<uint(lo-first) - 1)
}

// effWord is the w-th word of the whole set.
func (s EditSet) effWord(w int) uint64 { return s.word(w) | prefixWord(s.full, w) }

// subsetOf reports whether every id of s is in o.
func (s EditSet) subsetOf(o EditSet) bool {
	// s's prefix beyond o's must be in o's bitset.
	for w := int(o.full+1) / 64; s.full > o.full && w <= int(s.full)/64; w++ {
		if prefixWord(s.full, w)&^o.effWord(w) != 0 {
			return false
		}
	}
	// s's bits beyond both prefixes must be in o's bitset (id 0 too).
	top := max(s.full, o.full)
	for k, a := range s.c {
		b := o.chunkAt(k)
		if a == nil || a == b || EditID((k+1)*chunkBits-1) <= top && k > 0 {
			continue
		}
		for w := range a {
			x := a[w] &^ prefixWord(top, k*chunkWords+w)
			if x == 0 {
				continue
			}
			var y uint64
			if b != nil {
				y = b[w]
			}
			if x&^y != 0 {
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
	full := max(s.full, o.full)
	c := make([]*chunk, max(len(s.c), len(o.c)))
	for k := range c {
		a, b := s.chunkAt(k), o.chunkAt(k)
		switch {
		case k > 0 && EditID((k+1)*chunkBits-1) <= full:
			// every id here is in the prefix
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
	return EditSet{full: full, c: c}.absorb()
}

// Minus lists the ids in s and not in o, in order. (Id 0 is never an
// edit's; only tests use it.)
func (s EditSet) Minus(o EditSet) []EditID {
	var out []EditID
	if s.bit(0) && !o.Has(0) {
		out = append(out, 0)
	}
	// The prefix of s beyond o's, less o's bits.
	for id := o.full + 1; id <= s.full; id++ {
		if !o.bit(id) {
			out = append(out, id)
		}
	}
	// s's bits beyond both prefixes, less o's bits.
	top := max(s.full, o.full)
	for k, a := range s.c {
		b := o.chunkAt(k)
		if a == nil || a == b || EditID((k+1)*chunkBits-1) <= top {
			continue
		}
		for w, x := range a {
			x &^= prefixWord(top, k*chunkWords+w)
			if b != nil {
				x &^= b[w]
			}
			for x != 0 {
				bit := bits.TrailingZeros64(x)
				if id := EditID(k*chunkBits + w*64 + bit); id != 0 {
					out = append(out, id)
				}
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
		if a == nil || EditID(k*chunkBits+chunkBits-1) <= s.full {
			continue
		}
		for w := chunkWords - 1; w >= 0 && len(out) < n; w-- {
			for x := a[w] &^ prefixWord(s.full, k*chunkWords+w); x != 0 && len(out) < n; {
				b := 63 - bits.LeadingZeros64(x)
				if id := EditID(k*chunkBits + w*64 + b); id > s.full {
					out = append(out, id)
				}
				x &^= 1 << uint(b)
			}
		}
	}
	for id := s.full; id >= 1 && len(out) < n; id-- {
		out = append(out, id)
	}
	if len(out) < n && s.bit(0) {
		out = append(out, 0)
	}
	slices.Reverse(out)
	return out
}

// IDs lists the ids in the set, in order.
func (s EditSet) IDs() []EditID { return s.Minus(EditSet{}) }

// Len is the number of ids in the set.
func (s EditSet) Len() int {
	n := int(s.full)
	if s.bit(0) {
		n++
	}
	for k, a := range s.c {
		if a == nil || k > 0 && EditID((k+1)*chunkBits-1) <= s.full {
			continue
		}
		for w, x := range a {
			n += bits.OnesCount64(x &^ prefixWord(s.full, k*chunkWords+w) &^ boolWord(k == 0 && w == 0))
		}
	}
	return n
}

// boolWord is a word with only bit 0 set when b (id 0, counted apart).
func boolWord(b bool) uint64 {
	if b {
		return 1
	}
	return 0
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
//
// A history with no key but "" keeps its set in one (has says whether it
// has the key at all), so that adding an edit to it, which every edit
// does, makes no map; keys holds every other history.
type History struct {
	keys map[string]EditSet
	one  EditSet
	has  bool
}

// single reports whether the history is kept in one.
func (h History) single() bool { return h.keys == nil }

// byKey is the history as a map from key to set (shared: never change it).
func (h History) byKey() map[string]EditSet {
	switch {
	case !h.single():
		return h.keys
	case h.has:
		return map[string]EditSet{"": h.one}
	}
	return map[string]EditSet{}
}

// fromKeys is the history of a map from key to set.
func fromKeys(keys map[string]EditSet) History {
	if keys == nil {
		keys = map[string]EditSet{}
	}
	return History{keys: keys}
}

// All is every edit the value reflects, over all keys.
func (h History) All() EditSet {
	if h.single() {
		return h.one
	}
	var all EditSet
	for _, s := range h.keys {
		all = all.Union(s)
	}
	return all
}

// with returns the history plus id under key.
func (h History) with(key string, id EditID) History {
	if h.single() && key == "" {
		return History{one: h.one.With(id), has: true}
	}
	old := h.byKey()
	keys := make(map[string]EditSet, len(old)+1)
	for k, s := range old {
		keys[k] = s
	}
	keys[key] = keys[key].With(id)
	return History{keys: keys}
}

// within returns the history restricted to the edits of s: what a value
// reflects, among the edits its replica has seen.
func (h History) within(s EditSet) History {
	restrict := func(e EditSet) EditSet {
		if e.subsetOf(s) {
			return e
		}
		var in EditSet
		for _, id := range e.IDs() {
			if s.Has(id) {
				in = in.With(id)
			}
		}
		return in
	}
	if h.single() {
		return History{one: restrict(h.one), has: h.has}
	}
	keys := make(map[string]EditSet, len(h.keys))
	for k, e := range h.keys {
		keys[k] = restrict(e)
	}
	return History{keys: keys}
}

// union returns the key-by-key union of two histories.
func (h History) union(o History) History {
	if h.single() && o.single() {
		return History{one: h.one.Union(o.one), has: h.has || o.has}
	}
	mine, theirs := h.byKey(), o.byKey()
	keys := make(map[string]EditSet, len(mine)+len(theirs))
	for k, s := range mine {
		keys[k] = s
	}
	for k, s := range theirs {
		keys[k] = keys[k].Union(s)
	}
	return History{keys: keys}
}
