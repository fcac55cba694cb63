package crdt

import (
	"errors"
	"fmt"
	"math/bits"
	"strconv"
	"strings"
	"unicode/utf8"
)

// TextID names one character for ever: a Lamport counter and the replica that
// typed it. IDs compare by counter, then by replica name.
type TextID struct {
	Counter uint32
	Site    string
}

func (id TextID) String() string {
	return strconv.FormatUint(uint64(id.Counter), 10) + "@" + showReplica(id.Site)
}

// TextOp is one character-level change, for replaying a document op by op
// (as the editing traces do) instead of merging whole states. An insert puts
// Ch with ID right after Origin (the zero TextID is the start of the text);
// a delete (Delete set) turns the character ID into a tombstone.
//
// Prev is, for an insert, the counter of the character its site typed just
// before this one (0 for the site's first character). It lets ApplyOps keep
// the per-site prefix invariant that Merge relies on (see TextState).
type TextOp struct {
	ID     TextID
	Origin TextID
	Prev   uint32
	Ch     rune
	Delete bool
}

// id is a TextID with the site replaced by its index in TextState.sites.
// Counter 0 never names a character: id{} is the start of the text.
type id struct {
	c uint32
	s uint16
}

type item struct {
	id, origin id
	ch         rune
	del        bool
}

// blockMax is how many items a block holds before it splits in two. Blocks
// keep inserts cheap: an insert moves at most one block's items.
const blockMax = 128

type block struct {
	items   []item
	visible int // items not deleted
	idx     int // position in TextState.blocks
}

// TextState is a replicated growable array (RGA). Every character ever typed
// is an item with a unique id, and remembers the character it was typed after
// (its origin). An insert goes right after its origin, but first skips the
// items already there with a greater id; so concurrent inserts after the same
// character are ordered greater id first, and a word typed forward, each
// letter after the last, stays whole. A delete only marks its item as a
// tombstone, so that later inserts can still find their origin. Merge adds
// the items the other side has and this one lacks, and unions the tombstones.
//
// Invariant (per-site prefix): a state that holds the character a site typed
// with counter c holds every character that site typed before it. Local
// edits and Merge keep it by construction; ApplyOps keeps it by refusing an
// insert whose Prev (the site's previous counter) it does not hold. Merge
// relies on it: "do I have this character?" is a comparison with the
// greatest counter seen from its site.
//
// For speed on long documents the items live in blocks of at most blockMax,
// each knowing how many of its items are visible, and a Fenwick tree over
// those counts finds the block of the n-th visible character in O(log
// blocks), however many tombstones pile up before it.
type TextState struct {
	sites   []string // site index → replica name; sites[0] is "" (init)
	siteIdx map[string]uint16
	blocks  []*block
	clock   uint32   // the greatest counter seen
	maxc    []uint32 // per site index, the greatest counter of that site's items here
	length  int      // visible characters
	items   int      // all items, tombstones included

	index map[id]*block // id → block; built on first need (merges, remote ops)

	// fen is a Fenwick tree over the blocks' visible counts, so that
	// finding the block of the n-th visible character takes O(log blocks)
	// however many tombstones lie before it. A split adds a block and
	// marks it stale; the next seek rebuilds it.
	fen   []int
	fenOK bool

	cache   string
	cacheOK bool
}

var _ CRDT = (*TextState)(nil)

// NewText returns an empty text replica.
func NewText() *TextState { return newText(nil) }

func newText(initial *Value) *TextState {
	t := &TextState{sites: []string{""}, siteIdx: map[string]uint16{"": 0}}
	if initial != nil && initial.Str != "" {
		var ops []TextOp
		prev := TextID{}
		for _, r := range initial.Str {
			nid := TextID{Counter: uint32(len(ops) + 1)}
			ops = append(ops, TextOp{ID: nid, Origin: prev, Prev: prev.Counter, Ch: r})
			prev = nid
		}
		_ = t.ApplyOps(ops) // ops made here are always valid
	}
	return t
}

func (t *TextState) Type() Type { return Text }

// Len is the number of visible characters.
func (t *TextState) Len() int { return t.length }

func (t *TextState) site(name string) uint16 {
	if i, ok := t.siteIdx[name]; ok {
		return i
	}
	i := uint16(len(t.sites))
	t.sites = append(t.sites, name)
	t.siteIdx[name] = i
	return i
}

func (t *TextState) less(a, b id) bool {
	if a.c != b.c {
		return a.c < b.c
	}
	return t.sites[a.s] < t.sites[b.s]
}

func (t *TextState) textID(i id) TextID {
	if i.c == 0 {
		return TextID{}
	}
	return TextID{Counter: i.c, Site: t.sites[i.s]}
}

func (t *TextState) localID(x TextID) id {
	if x.Counter == 0 {
		return id{}
	}
	return id{c: x.Counter, s: t.site(x.Site)}
}

func (t *TextState) changed() { t.cacheOK = false }

// seek finds the block holding the k-th visible item (0-based) and returns
// its block index and the visible count before that block. For k == length
// it returns the last block.
func (t *TextState) seek(k int) (int, int) {
	if len(t.blocks) == 0 {
		return 0, 0
	}
	if !t.fenOK {
		t.rebuildFen()
	}
	// Fenwick descent: the largest prefix of blocks with at most k visible
	// items before the target.
	pos, before := 0, 0
	for step := bits.Len(uint(len(t.blocks))); step >= 0; step-- {
		next := pos + 1<<step
		if next <= len(t.blocks) && before+t.fen[next] <= k {
			pos, before = next, before+t.fen[next]
		}
	}
	if pos >= len(t.blocks) { // k == length: the last block
		return len(t.blocks) - 1, before - t.blocks[len(t.blocks)-1].visible
	}
	return pos, before
}

// rebuildFen builds the Fenwick tree from the blocks, in O(blocks).
func (t *TextState) rebuildFen() {
	n := len(t.blocks)
	if cap(t.fen) >= n+1 {
		t.fen = t.fen[:n+1]
		clear(t.fen)
	} else {
		t.fen = make([]int, n+1, n+n/2+1)
	}
	for i, blk := range t.blocks {
		j := i + 1
		t.fen[j] += blk.visible
		if p := j + j&-j; p <= n {
			t.fen[p] += t.fen[j]
		}
	}
	t.fenOK = true
}

// visibleAt returns the block and item index of the k-th visible item.
func (t *TextState) visibleAt(k int) (int, int) {
	b, before := t.seek(k)
	n := k - before
	for i, it := range t.blocks[b].items {
		if !it.del {
			if n == 0 {
				return b, i
			}
			n--
		}
	}
	panic("crdt: text block visible counts are inconsistent")
}

// insertItems puts items at (b, i) in the block sequence, splitting blocks
// that grow too large.
func (t *TextState) insertItems(b, i int, its []item) {
	if len(t.blocks) == 0 {
		t.blocks = []*block{{}}
		b, i = 0, 0
		t.fenOK = false
	}
	for len(its) > 0 {
		blk := t.blocks[b]
		room := blockMax - len(blk.items)
		if room <= 0 {
			t.split(b)
			if i > len(t.blocks[b].items) {
				i -= len(t.blocks[b].items)
				b++
			}
			continue
		}
		n := min(room, len(its))
		blk.items = append(blk.items, make([]item, n)...)
		copy(blk.items[i+n:], blk.items[i:len(blk.items)-n])
		copy(blk.items[i:], its[:n])
		vis := 0
		for _, it := range its[:n] {
			if !it.del {
				vis++
			}
			if t.index != nil {
				t.index[it.id] = blk
			}
			if it.id.c > t.clock {
				t.clock = it.id.c
			}
			for int(it.id.s) >= len(t.maxc) {
				t.maxc = append(t.maxc, 0)
			}
			t.maxc[it.id.s] = max(t.maxc[it.id.s], it.id.c)
		}
		t.addVisible(b, vis)
		t.items += n
		its = its[n:]
		i += n
	}
	t.changed()
}

func (t *TextState) addVisible(b, n int) {
	t.blocks[b].visible += n
	t.length += n
	if t.fenOK {
		for j := b + 1; j < len(t.fen); j += j & -j {
			t.fen[j] += n
		}
	}
}

func (t *TextState) split(b int) {
	blk := t.blocks[b]
	half := len(blk.items) / 2
	nb := &block{items: make([]item, len(blk.items)-half, blockMax)}
	copy(nb.items, blk.items[half:])
	blk.items = blk.items[:half:blockMax]
	for _, it := range nb.items {
		if !it.del {
			nb.visible++
		}
		if t.index != nil {
			t.index[it.id] = nb
		}
	}
	blk.visible -= nb.visible
	t.blocks = append(t.blocks, nil)
	copy(t.blocks[b+2:], t.blocks[b+1:])
	t.blocks[b+1] = nb
	for j := b + 1; j < len(t.blocks); j++ {
		t.blocks[j].idx = j
	}
	t.fenOK = false
}

func (t *TextState) ensureIndex() {
	if t.index != nil {
		return
	}
	t.index = make(map[id]*block, t.items)
	for _, blk := range t.blocks {
		for _, it := range blk.items {
			t.index[it.id] = blk
		}
	}
}

// find returns the block and item index of the item with id x.
func (t *TextState) find(x id) (int, int, bool) {
	t.ensureIndex()
	blk, ok := t.index[x]
	if !ok {
		return 0, 0, false
	}
	for i := range blk.items {
		if blk.items[i].id == x {
			return blk.idx, i, true
		}
	}
	return 0, 0, false
}

// after returns the position just after (b, i), moving to the next block at
// the end of one.
func (t *TextState) after(b, i int) (int, int) {
	i++
	for b < len(t.blocks)-1 && i >= len(t.blocks[b].items) {
		b, i = b+1, 0
	}
	return b, i
}

// tie records the first place a merge's order was decided between two
// characters typed after the same origin, to say it once.
type tie struct {
	set           bool
	mine, sibling id   // mine is the new item; sibling was there already
	mineFirst     bool // mine goes before the sibling
	origin        id
}

// integrate inserts a remote item at its place: right after its origin,
// skipping the items there whose id is greater. When tie is not nil and
// not yet set, it records how the first sibling (an item with the same
// origin) decided the order.
func (t *TextState) integrate(it item, tie *tie) error {
	if _, _, ok := t.find(it.id); ok {
		return nil
	}
	b, i := 0, 0
	if it.origin.c != 0 {
		ob, oi, ok := t.find(it.origin)
		if !ok {
			return fmt.Errorf("text: %s was typed after %s, which this replica has never seen", t.textID(it.id), t.textID(it.origin))
		}
		b, i = t.after(ob, oi)
	}
	if tie != nil && !tie.set && b < len(t.blocks) && i < len(t.blocks[b].items) {
		if next := t.blocks[b].items[i]; next.origin == it.origin {
			tie.set, tie.mine, tie.sibling, tie.origin = true, it.id, next.id, it.origin
			tie.mineFirst = !t.less(it.id, next.id)
		}
	}
	for b < len(t.blocks) && i < len(t.blocks[b].items) && t.less(it.id, t.blocks[b].items[i].id) {
		b, i = t.after(b, i)
	}
	t.insertItems(b, i, []item{it})
	return nil
}

// explain says how a tie decided the order, e.g. `both typed after "o":
// same counter 6, Ben > Ann, so Ben's text goes first`.
func (t *TextState) explain(x tie) string {
	after := "at the start"
	if x.origin.c != 0 {
		if b, i, ok := t.find(x.origin); ok {
			after = "after " + strconv.QuoteRuneToGraphic(t.blocks[b].items[i].ch)
		}
	}
	first, second := x.mine, x.sibling
	if !x.mineFirst {
		first, second = second, first
	}
	who := func(i id) string { return showReplica(t.sites[i.s]) }
	if first.c == second.c {
		return fmt.Sprintf("both typed %s: same counter %d, %s > %s, so %s's text goes first",
			after, first.c, who(first), who(second), who(first))
	}
	return fmt.Sprintf("both typed %s: counter %d > %d, so %s's text goes first", after, first.c, second.c, who(first))
}

func (t *TextState) deleteAt(b, i int) bool {
	it := &t.blocks[b].items[i]
	if it.del {
		return false
	}
	it.del = true
	t.addVisible(b, -1)
	t.changed()
	return true
}

// Splice deletes del characters at visible position pos, then inserts s
// there, typed by site: one patch of an editing trace, replayed without
// making ops or sentences.
func (t *TextState) Splice(site string, pos, del int, s string) error {
	if del > 0 {
		if err := t.delete(pos, del, nil); err != nil {
			return err
		}
	}
	return t.insert(site, pos, s, nil)
}

// InsertOps inserts s at visible position pos, typed by site, and returns
// the character ops it made.
func (t *TextState) InsertOps(site string, pos int, s string) ([]TextOp, error) {
	var ops []TextOp
	err := t.insert(site, pos, s, &ops)
	return ops, err
}

// DeleteOps deletes n characters from visible position pos and returns the
// character ops it made.
func (t *TextState) DeleteOps(pos, n int) ([]TextOp, error) {
	var ops []TextOp
	err := t.delete(pos, n, &ops)
	return ops, err
}

func (t *TextState) insert(site string, pos int, s string, ops *[]TextOp) error {
	if pos < 0 || pos > t.length {
		return fmt.Errorf("insert position %d is past the end of the text (length %d)", pos, t.length)
	}
	if s == "" {
		return nil
	}
	if n := uint64(utf8.RuneCountInString(s)); uint64(t.clock)+n > MaxTextCounter {
		return exhausted("inserting %d characters would number them past %d, the largest counter a text holds: reset to start afresh", n, uint64(MaxTextCounter))
	}
	origin := id{}
	b, i := 0, 0
	if pos > 0 {
		ob, oi := t.visibleAt(pos - 1)
		origin = t.blocks[ob].items[oi].id
		b, i = ob, oi+1
	}
	si := t.site(site)
	prev := t.siteMax(si)
	its := make([]item, 0, utf8.RuneCountInString(s))
	for _, r := range s {
		t.clock++
		nid := id{c: t.clock, s: si}
		its = append(its, item{id: nid, origin: origin, ch: r})
		if ops != nil {
			*ops = append(*ops, TextOp{ID: t.textID(nid), Origin: t.textID(origin), Prev: prev, Ch: r})
		}
		origin, prev = nid, nid.c
	}
	t.insertItems(b, i, its)
	return nil
}

func (t *TextState) delete(pos, n int, ops *[]TextOp) error {
	if pos < 0 || n < 0 || pos > t.length || n > t.length-pos { // no pos+n: it can overflow
		return fmt.Errorf("cannot delete %d from position %d: the text has %s", n, pos, plural(t.length, "character"))
	}
	if n == 0 {
		return nil
	}
	b, i := t.visibleAt(pos)
	for n > 0 {
		if i >= len(t.blocks[b].items) {
			b, i = b+1, 0
			continue
		}
		if t.deleteAt(b, i) {
			if ops != nil {
				*ops = append(*ops, TextOp{ID: t.textID(t.blocks[b].items[i].id), Delete: true})
			}
			n--
		}
		i++
	}
	return nil
}

// siteMax is the greatest counter of site si's characters held here (0: none).
func (t *TextState) siteMax(si uint16) uint32 {
	if int(si) < len(t.maxc) {
		return t.maxc[si]
	}
	return 0
}

// Missing is the first character that ops, applied in order, need and
// this text lacks: the origin of an insert, the character its site typed
// just before it (Prev), or the character a delete removes. ok is false
// when every op can be applied, so that an edit's ops can be applied all
// together or not at all. Missing changes nothing.
func (t *TextState) Missing(ops []TextOp) (need TextID, ok bool) {
	added := map[TextID]bool{}
	last := map[string]uint32{} // per site, its greatest counter once ops are applied
	has := func(x TextID) bool {
		if x.Counter == 0 || added[x] {
			return true
		}
		si, known := t.siteIdx[x.Site]
		if !known {
			return false
		}
		_, _, found := t.find(id{c: x.Counter, s: si})
		return found
	}
	siteMax := func(site string) uint32 {
		if n, ok := last[site]; ok {
			return n
		}
		if si, known := t.siteIdx[site]; known {
			return t.siteMax(si)
		}
		return 0
	}
	for _, op := range ops {
		switch {
		case op.Delete:
			if !has(op.ID) {
				return op.ID, true
			}
		case has(op.ID):
		case !has(op.Origin):
			return op.Origin, true
		case siteMax(op.ID.Site) != op.Prev:
			return TextID{Counter: op.Prev, Site: op.ID.Site}, true
		default:
			added[op.ID] = true
			last[op.ID.Site] = op.ID.Counter
		}
	}
	return TextID{}, false
}

// ErrMissingPredecessor is wrapped by ApplyOps when an insert arrives before
// the character its site typed just before it.
var ErrMissingPredecessor = errors.New("text: ops from one site must arrive in the order it made them")

// ApplyOps applies character ops made by another replica, in order. Each
// insert's origin must already be here, and so must the character its site
// typed before it (Prev): otherwise ApplyOps stops with an error wrapping
// ErrMissingPredecessor, keeping the ops before it. Ops already applied are
// skipped, so applying the same ops twice is harmless.
func (t *TextState) ApplyOps(ops []TextOp) error {
	for _, op := range ops {
		x := t.localID(op.ID)
		if op.Delete {
			b, i, ok := t.find(x)
			if !ok {
				return fmt.Errorf("text: cannot delete %s, which this replica has never seen", op.ID)
			}
			t.deleteAt(b, i)
			continue
		}
		if _, _, ok := t.find(x); ok {
			continue
		}
		if have := t.siteMax(x.s); have != op.Prev {
			return fmt.Errorf("%w: %s follows %d@%s, but this replica holds %s's characters up to %d",
				ErrMissingPredecessor, op.ID, op.Prev, showReplica(op.ID.Site), showReplica(op.ID.Site), have)
		}
		if err := t.integrate(item{id: x, origin: t.localID(op.Origin), ch: op.Ch}, nil); err != nil {
			return err
		}
	}
	return nil
}

func (t *TextState) Apply(op Op, ctx Ctx) (Result, error) {
	if err := CheckOp(Text, op); err != nil {
		return Result{}, err
	}
	if op.Kind == OpInsert {
		if err := t.insert(ctx.Replica, op.Pos, op.Text, nil); err != nil {
			return Result{}, err
		}
		return did("inserted %s at %d", Brief(QuoteAlways(op.Text)), op.Pos), nil
	}
	if err := t.delete(op.Pos, op.Count, nil); err != nil {
		return Result{}, err
	}
	return did("deleted %d at %d, leaving tombstones", op.Count, op.Pos), nil
}

// each calls f on every item in document order, tombstones included.
func (t *TextState) each(f func(it item)) {
	for _, blk := range t.blocks {
		for _, it := range blk.items {
			f(it)
		}
	}
}

// Merge works in two passes. In state-based replication a replica that
// holds a site's character also holds every character that site typed
// before it, so "do I have it?" is a comparison with the greatest counter
// seen from that site, with no index. Pass one walks both documents in
// step (they list shared characters in the same order) and copies
// tombstones. Pass two inserts the characters this side lacks, in the
// other side's order, so each one's origin is already here.
func (t *TextState) Merge(other CRDT) (Result, error) {
	o, ok := other.(*TextState)
	if !ok {
		return Result{}, mismatch(Text, other)
	}
	if o == t {
		res := did("merged nothing new")
		res.Same = true
		return res, nil
	}
	siteMap := make([]int, len(o.sites)) // o's site index → ours, or -1
	for i, name := range o.sites {
		siteMap[i] = -1
		if j, ok := t.siteIdx[name]; ok {
			siteMap[i] = int(j)
		}
	}
	has := func(x id) (id, bool) {
		j := siteMap[x.s]
		if j < 0 || j >= len(t.maxc) || x.c > t.maxc[j] {
			return id{}, false
		}
		return id{c: x.c, s: uint16(j)}, true
	}
	var missing []item
	deleted := 0
	b, i := 0, 0 // our cursor, only ever moving forward
	o.each(func(it item) {
		local, ok := has(it.id)
		if !ok {
			missing = append(missing, it)
			return
		}
		if !it.del {
			return
		}
		for b < len(t.blocks) && (i >= len(t.blocks[b].items) || t.blocks[b].items[i].id != local) {
			if i >= len(t.blocks[b].items) {
				b, i = b+1, 0
				continue
			}
			i++
		}
		if b < len(t.blocks) && t.deleteAt(b, i) {
			deleted++
		}
	})
	var order tie
	for _, it := range missing {
		mine := item{id: t.localID(o.textID(it.id)), origin: t.localID(o.textID(it.origin)), ch: it.ch, del: it.del}
		if err := t.integrate(mine, &order); err != nil {
			return Result{}, err
		}
		if it.del {
			deleted++
		}
	}
	if len(missing) == 0 && deleted == 0 {
		res := did("merged nothing new")
		res.Same = true
		return res, nil
	}
	why := fmt.Sprintf("RGA merge: %s, %s", plural(len(missing), "new character"), plural(deleted, "new tombstone"))
	if order.set {
		why += "; " + t.explain(order)
	}
	res := did("%s → %s", why, brief(t.Value()))
	if len(missing) > 0 {
		res.Decisive = append(res.Decisive, "chars")
	}
	if deleted > 0 {
		res.Decisive = append(res.Decisive, "tombstones")
	}
	return res, nil
}

func (t *TextState) String() string {
	if t.cacheOK {
		return t.cache
	}
	var b strings.Builder
	b.Grow(t.length)
	t.each(func(it item) {
		if !it.del {
			b.WriteRune(it.ch)
		}
	})
	t.cache, t.cacheOK = b.String(), true
	return t.cache
}

func (t *TextState) Value() Value { return StringValue(t.String()) }

func (t *TextState) Clone() CRDT {
	c := &TextState{
		sites:   append([]string(nil), t.sites...),
		siteIdx: make(map[string]uint16, len(t.siteIdx)),
		blocks:  make([]*block, len(t.blocks)),
		clock:   t.clock,
		maxc:    append([]uint32(nil), t.maxc...),
		length:  t.length,
		items:   t.items,
		cache:   t.cache,
		cacheOK: t.cacheOK,
	}
	for k, v := range t.siteIdx {
		c.siteIdx[k] = v
	}
	for i, blk := range t.blocks {
		nb := &block{items: make([]item, len(blk.items), blockMax), visible: blk.visible, idx: i}
		copy(nb.items, blk.items)
		c.blocks[i] = nb
	}
	return c
}

func (t *TextState) Equal(other CRDT) bool {
	o, ok := other.(*TextState)
	if !ok || o.items != t.items || o.length != t.length {
		return false
	}
	var mine []item
	t.each(func(it item) { mine = append(mine, it) })
	k, eq := 0, true
	o.each(func(it item) {
		if !eq {
			return
		}
		m := mine[k]
		k++
		eq = m.ch == it.ch && m.del == it.del &&
			t.textID(m.id) == o.textID(it.id) && t.textID(m.origin) == o.textID(it.origin)
	})
	return eq
}

// internalsShown caps how many items the internals list, so that a long
// text does not flood the screen; the counts are always complete.
const internalsShown = 48

func (t *TextState) Internals() Internals {
	in := Internals{Sections: []Section{{Name: "items"}, {Name: "tombstones"}}}
	tombs := 0
	t.each(func(it item) {
		label := strconv.QuoteRuneToGraphic(it.ch) + t.textID(it.id).String()
		if it.del {
			tombs++
			if len(in.Sections[1].Items) < internalsShown {
				in.Sections[1].Items = append(in.Sections[1].Items, label)
			}
		} else if len(in.Sections[0].Items) < internalsShown {
			in.Sections[0].Items = append(in.Sections[0].Items, label)
		}
	})
	if n := t.length - len(in.Sections[0].Items); n > 0 {
		in.Sections[0].Items = append(in.Sections[0].Items, fmt.Sprintf("…%d more", n))
	}
	if n := tombs - len(in.Sections[1].Items); n > 0 {
		in.Sections[1].Items = append(in.Sections[1].Items, fmt.Sprintf("…%d more", n))
	}
	in.Entries = t.items
	in.Bytes = t.items * 16 // id (counter, site) and origin per item
	return in
}

// Tombstones is the number of deleted items the text still keeps.
func (t *TextState) Tombstones() int { return t.items - t.length }

// Items is the number of items the text keeps, tombstones included.
func (t *TextState) Items() int { return t.items }
