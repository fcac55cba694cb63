package crdt

import (
	"cmp"
	"maps"
	"slices"
	"strconv"
	"strings"
)

type strset map[string]struct{}

func (s strset) add(e string)      { s[e] = struct{}{} }
func (s strset) has(e string) bool { _, ok := s[e]; return ok }
func (s strset) sorted() []string  { return sortedKeys(s) }
func (s strset) union(o strset) (added []string) {
	for _, e := range sortedKeys(o) {
		if !s.has(e) {
			s.add(e)
			added = append(added, e)
		}
	}
	return added
}
func (s strset) bytes() int {
	b := 0
	for e := range s {
		b += len(e)
	}
	return b
}

func setString(elems []string) string { return SetValue(elems...).String() }

func initialSet(initial *Value) strset {
	s := strset{}
	if initial != nil {
		for _, e := range initial.Set {
			s.add(e)
		}
	}
	return s
}

// GSetState is a grow-only set. Elements can be added, never removed, so
// merge is plain set union.
type GSetState struct {
	elems strset
}

var _ CRDT = (*GSetState)(nil)

func newGSet(initial *Value) *GSetState { return &GSetState{elems: initialSet(initial)} }

func (g *GSetState) Type() Type { return GSet }

func (g *GSetState) Apply(op Op, ctx Ctx) (Result, error) {
	if err := CheckOp(GSet, op); err != nil {
		return Result{}, err
	}
	if g.elems.has(op.Value) {
		return did("%s was already in the set", Quote(op.Value)), nil
	}
	g.elems.add(op.Value)
	return did("added %s", Quote(op.Value)), nil
}

func (g *GSetState) Merge(other CRDT) (Result, error) {
	o, ok := other.(*GSetState)
	if !ok {
		return Result{}, mismatch(GSet, other)
	}
	added := g.elems.union(o.elems)
	if len(added) == 0 {
		res := did("union adds nothing new")
		res.Same = true
		return res, nil
	}
	return did("union adds %s → %s", Brief(setString(added)), briefOf(len(g.elems), g.Value, "elements")), nil
}

func (g *GSetState) Value() Value { return SetValue(g.elems.sorted()...) }

func (g *GSetState) Clone() CRDT { return &GSetState{elems: maps.Clone(g.elems)} }

func (g *GSetState) Equal(other CRDT) bool {
	o, ok := other.(*GSetState)
	return ok && maps.Equal(g.elems, o.elems)
}

func (g *GSetState) Internals() Internals {
	return Internals{Sections: []Section{{Name: "added", Items: quoteAll(g.elems.sorted())}}, Entries: 0, Bytes: 0}
}

func quoteAll(elems []string) []string {
	out := make([]string, len(elems))
	for i, e := range elems {
		out[i] = Quote(e)
	}
	return out
}

// TwoPSetState is a two-phase set: a grow-only set of adds and a grow-only
// set of removes (tombstones). An element is present when it was added and
// never removed. Merge unions both sets, so once removed, an element can
// never come back: the tombstone wins for ever.
type TwoPSetState struct {
	adds, tombs strset
}

var _ CRDT = (*TwoPSetState)(nil)

func newTwoPSet(initial *Value) *TwoPSetState {
	return &TwoPSetState{adds: initialSet(initial), tombs: strset{}}
}

func (s *TwoPSetState) Type() Type { return TwoPSet }

func (s *TwoPSetState) Apply(op Op, ctx Ctx) (Result, error) {
	if err := CheckOp(TwoPSet, op); err != nil {
		return Result{}, err
	}
	e := op.Value
	switch op.Kind {
	case OpAdd:
		if s.tombs.has(e) {
			return ignored("%s was removed before; a 2p-set tombstone means it can never come back", Quote(e)), nil
		}
		if s.adds.has(e) {
			return did("%s was already in the set", Quote(e)), nil
		}
		s.adds.add(e)
		return did("added %s", Quote(e)), nil
	default:
		if !s.adds.has(e) || s.tombs.has(e) {
			return ignored("remove(%s) does nothing: it is not in the set", Quote(e)), nil
		}
		s.tombs.add(e)
		return did("removed %s for good: it is now a tombstone", Quote(e)), nil
	}
}

func (s *TwoPSetState) Merge(other CRDT) (Result, error) {
	o, ok := other.(*TwoPSetState)
	if !ok {
		return Result{}, mismatch(TwoPSet, other)
	}
	added := s.adds.union(o.adds)
	tombed := s.tombs.union(o.tombs)
	var decisive []string
	for _, e := range added {
		decisive = append(decisive, "A/"+e)
	}
	for _, e := range tombed {
		decisive = append(decisive, "R/"+e)
	}
	var parts []string
	if len(added) > 0 {
		parts = append(parts, "adds "+Brief(setString(added)))
	}
	if len(tombed) > 0 {
		parts = append(parts, "tombstones "+Brief(setString(tombed)))
	}
	if len(parts) == 0 {
		res := did("union of adds and tombstones brings nothing new")
		res.Same = true
		return res, nil
	}
	res := did("union brings %s → %s", strings.Join(parts, " and "), briefOf(len(s.adds), s.Value, "elements added"))
	res.Decisive = decisive
	return res, nil
}

func (s *TwoPSetState) Value() Value {
	var live []string
	for _, e := range s.adds.sorted() {
		if !s.tombs.has(e) {
			live = append(live, e)
		}
	}
	return SetValue(live...)
}

func (s *TwoPSetState) Clone() CRDT {
	return &TwoPSetState{adds: maps.Clone(s.adds), tombs: maps.Clone(s.tombs)}
}

func (s *TwoPSetState) Equal(other CRDT) bool {
	o, ok := other.(*TwoPSetState)
	return ok && maps.Equal(s.adds, o.adds) && maps.Equal(s.tombs, o.tombs)
}

func (s *TwoPSetState) Internals() Internals {
	return Internals{
		Sections: []Section{{Name: "adds", Items: quoteAll(s.adds.sorted())}, {Name: "tombstones", Items: quoteAll(s.tombs.sorted())}},
		Entries:  len(s.adds) + len(s.tombs),
		Bytes:    s.adds.bytes() + s.tombs.bytes(),
	}
}

type lwwElem struct {
	add, rm       Stamp
	hasAdd, hasRm bool
}

// present: added, and not removed by a greater stamp. (Two edits never share
// a stamp; the comparison treats an identical stamp as present only so that
// merge stays a join for states built by hand.)
func (e lwwElem) present() bool { return e.hasAdd && (!e.hasRm || !e.add.Less(e.rm)) }

func (e lwwElem) latest() Stamp {
	switch {
	case e.hasAdd && e.hasRm:
		if e.add.Less(e.rm) {
			return e.rm
		}
		return e.add
	case e.hasRm:
		return e.rm
	}
	return e.add
}

// LWWSetState keeps, per element, the timestamp of its latest add and of its
// latest remove. The element is present when its add's timestamp is greater
// than its remove's. Timestamps compare by time, then by replica name, so at
// equal times the greater name wins, and two edits never share a stamp.
// Merge keeps the greater timestamp of each.
type LWWSetState struct {
	elems map[string]lwwElem
}

var (
	_ CRDT = (*LWWSetState)(nil)
	_ LWW  = (*LWWSetState)(nil)
)

func newLWWSet(initial *Value) *LWWSetState {
	s := &LWWSetState{elems: map[string]lwwElem{}}
	if initial != nil {
		for _, e := range initial.Set {
			s.elems[e] = lwwElem{add: InitialStamp, hasAdd: true}
		}
	}
	return s
}

func (s *LWWSetState) Type() Type { return LWWSet }

func (s *LWWSetState) Apply(op Op, ctx Ctx) (Result, error) {
	if err := CheckOp(LWWSet, op); err != nil {
		return Result{}, err
	}
	e, ts := op.Value, ctx.Stamp
	if err := checkLocalStamp(ts); err != nil {
		return Result{}, err
	}
	cur, known := s.elems[e]
	if op.Kind == OpRemove && !cur.present() {
		return ignored("remove(%s) does nothing: it is not in the set", Quote(e)), nil
	}
	if known && !cur.latest().Less(ts) {
		return ignored("%s(%s) at %s is not newer than the element's latest stamp %s (clock skew), so it is declined",
			op.Kind, Quote(e), ts, cur.latest()), nil
	}
	if op.Kind == OpAdd {
		cur.add, cur.hasAdd = ts, true
		s.elems[e] = cur
		return did("add(%s) at %s", Quote(e), ts), nil
	}
	cur.rm, cur.hasRm = ts, true
	s.elems[e] = cur
	return did("remove(%s) at %s", Quote(e), ts), nil
}

func (s *LWWSetState) Merge(other CRDT) (Result, error) {
	o, ok := other.(*LWWSetState)
	if !ok {
		return Result{}, mismatch(LWWSet, other)
	}
	var notes, decisive []string
	same := true
	for _, e := range sortedKeys(o.elems) {
		theirs := o.elems[e]
		mine, had := s.elems[e]
		if !had || mine.latest().Less(theirs.latest()) {
			decisive = append(decisive, "elem/"+e)
		}
		merged := mine
		if theirs.hasAdd && (!mine.hasAdd || mine.add.Less(theirs.add)) {
			merged.add, merged.hasAdd = theirs.add, true
		}
		if theirs.hasRm && (!mine.hasRm || mine.rm.Less(theirs.rm)) {
			merged.rm, merged.hasRm = theirs.rm, true
		}
		if !had || merged != mine {
			s.elems[e] = merged
			same = false
		}
		if (had && mine.present()) != merged.present() {
			verb := "removed"
			if merged.present() {
				verb = "added"
			}
			notes = append(notes, Quote(e)+" "+verb+" ("+merged.latest().String()+" is the greater stamp)")
		}
	}
	res := did("per element the greater stamp wins; nothing changes")
	if len(notes) > 0 {
		res = did("per element the greater stamp wins: %s → %s", joinNotes(notes, ", "), briefOf(len(s.elems), s.Value, "elements with stamps"))
	}
	res.Decisive, res.Same = decisive, same
	return res, nil
}

func (s *LWWSetState) Value() Value {
	var live []string
	for e, st := range s.elems {
		if st.present() {
			live = append(live, e)
		}
	}
	return SetValue(live...)
}

func (s *LWWSetState) Clone() CRDT { return &LWWSetState{elems: maps.Clone(s.elems)} }

func (s *LWWSetState) Equal(other CRDT) bool {
	o, ok := other.(*LWWSetState)
	return ok && maps.Equal(s.elems, o.elems)
}

func (s *LWWSetState) Stamps() map[string]Stamp {
	m := make(map[string]Stamp, len(s.elems))
	for e, st := range s.elems {
		m[e] = st.latest()
	}
	return m
}

func (s *LWWSetState) Internals() Internals {
	in := Internals{Sections: []Section{{Name: "stamps"}}}
	for _, e := range sortedKeys(s.elems) {
		st := s.elems[e]
		item := Quote(e)
		if st.hasAdd {
			item += " +" + st.add.String()
			in.Entries++
			in.Bytes += 8 + len(st.add.Replica)
		}
		if st.hasRm {
			item += " −" + st.rm.String()
			in.Entries++
			in.Bytes += 8 + len(st.rm.Replica)
		}
		in.Sections[0].Items = append(in.Sections[0].Items, item)
	}
	return in
}

// Dot is a unique tag for one add: the replica that made it and that
// replica's running count of adds.
type Dot struct {
	Replica string
	N       uint64
}

func (d Dot) String() string { return showReplica(d.Replica) + ":" + strconv.FormatUint(d.N, 10) }

func dotsString(ds []Dot) string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = d.String()
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func sortDots(ds []Dot) []Dot {
	slices.SortFunc(ds, func(a, b Dot) int {
		if c := strings.Compare(a.Replica, b.Replica); c != 0 {
			return c
		}
		return cmp.Compare(a.N, b.N)
	})
	return ds
}

// ORSetState is an observed-remove set, add-wins, with a causal context.
//
// Every add tags its element with a fresh dot (replica, count) and drops the
// element's older dots that this replica can see. A remove drops every dot
// of the element it can see. Beside the dots, each replica keeps a causal
// context: a version vector of every dot it has ever seen, present or not.
//
// Merge keeps a dot if both sides have it, or if one side has it and the
// other has never seen it (the dot is newer than the other side's context).
// A dot one side has and the other has seen but dropped was removed, so it
// goes. That is why a concurrent add survives a remove: the remove never saw
// its dot. The context replaces tombstones: it is one number per replica,
// however many elements come and go.
type ORSetState struct {
	dots map[string][]Dot // element → its live dots, sorted; never empty
	ctx  VV               // per replica, the highest dot counter seen with every one before it
	// cloud holds the dots seen beyond ctx's unbroken prefix. A whole
	// state never has one; a delta does (an add's dot, a remove's observed
	// dots), and so does a replica that joined a delta before the ones
	// before it (a lost delta). It shrinks into ctx as the gaps fill.
	cloud dotSet
}

var _ CRDT = (*ORSetState)(nil)

func newORSet(initial *Value) *ORSetState {
	s := &ORSetState{dots: map[string][]Dot{}, ctx: VV{}, cloud: dotSet{}}
	if initial != nil {
		for i, e := range initial.Set {
			s.dots[e] = []Dot{{Replica: "", N: uint64(i + 1)}}
		}
		if len(initial.Set) > 0 {
			s.ctx[""] = uint64(len(initial.Set))
		}
	}
	return s
}

func (s *ORSetState) Type() Type { return ORSet }

// seen reports whether the causal context (ctx and cloud) covers dot d.
func seen(ctx VV, cloud dotSet, d Dot) bool {
	if d.N <= ctx[d.Replica] {
		return true
	}
	_, ok := cloud[d]
	return ok
}

// see adds dot d to the causal context.
func (s *ORSetState) see(d Dot) {
	if s.cloud == nil {
		s.cloud = dotSet{}
	}
	if d.N > s.ctx[d.Replica] {
		s.cloud[d] = struct{}{}
	}
	s.compact()
}

// compact moves the cloud's dots that continue ctx's prefix into ctx, and
// drops those ctx covers. It sorts each replica's dots once, so a large
// cloud (a delta-group joined from many deltas) compacts in n log n, not in
// one pass over the cloud per dot moved.
func (s *ORSetState) compact() {
	if len(s.cloud) == 0 {
		return
	}
	type run struct {
		ns  []uint64
		min uint64
	}
	var runs map[string]*run // per replica, its dots beyond ctx
	for d := range s.cloud {
		if d.N <= s.ctx[d.Replica] {
			delete(s.cloud, d)
			continue
		}
		if runs == nil {
			runs = map[string]*run{}
		}
		r := runs[d.Replica]
		if r == nil {
			r = &run{min: d.N}
			runs[d.Replica] = r
		}
		r.ns, r.min = append(r.ns, d.N), min(r.min, d.N)
	}
	for rep, r := range runs {
		if r.min != s.ctx[rep]+1 {
			continue // a gap right after ctx: nothing of this replica moves
		}
		slices.Sort(r.ns)
		for _, n := range r.ns {
			if n != s.ctx[rep]+1 {
				break
			}
			s.ctx[rep] = n
			delete(s.cloud, Dot{Replica: rep, N: n})
		}
	}
}

func (s *ORSetState) Apply(op Op, ctx Ctx) (Result, error) {
	if err := CheckOp(ORSet, op); err != nil {
		return Result{}, err
	}
	e := op.Value
	old := s.dots[e]
	if op.Kind == OpAdd {
		if s.ctx[ctx.Replica] >= MaxCount {
			return Result{}, exhausted("add(%s) needs a new dot, and %s's dots are numbered up to %d, the largest a state holds: reset to start afresh", Quote(e), showReplica(ctx.Replica), s.ctx[ctx.Replica])
		}
		s.ctx[ctx.Replica]++
		d := Dot{Replica: ctx.Replica, N: s.ctx[ctx.Replica]}
		s.dots[e] = []Dot{d}
		if len(old) > 0 {
			return did("add(%s) tagged it with the new dot %s, replacing %s", Quote(e), d, dotsString(old)), nil
		}
		return did("add(%s) tagged it with the new dot %s", Quote(e), d), nil
	}
	if len(old) == 0 {
		return ignored("remove(%s) does nothing: it is not in the set", Quote(e)), nil
	}
	delete(s.dots, e)
	return did("remove(%s) dropped the dots it observed, %s; the context remembers them", Quote(e), dotsString(old)), nil
}

// mergeDots keeps the dots both sides have, and the dots one side has that
// the other side has never seen.
func mergeDots(mine []Dot, myCtx VV, myCloud dotSet, theirs []Dot, theirCtx VV, theirCloud dotSet) []Dot {
	var out []Dot
	for _, d := range mine {
		if slices.Contains(theirs, d) || !seen(theirCtx, theirCloud, d) {
			out = append(out, d)
		}
	}
	for _, d := range theirs {
		if !slices.Contains(mine, d) && !seen(myCtx, myCloud, d) {
			out = append(out, d)
		}
	}
	return sortDots(out)
}

func (s *ORSetState) Merge(other CRDT) (Result, error) {
	o, ok := other.(*ORSetState)
	if !ok {
		return Result{}, mismatch(ORSet, other)
	}
	// One pass over the union of elements: each element's dots are read
	// before they are written, and the contexts change only at the end.
	// The union is visited in map order, so the notes are sorted after.
	type note struct {
		elem, text string
		stays      bool // the element stays as it was: what arrived (a state or a delta) never saw its dots
	}
	var notes []note
	var decisive []string
	same := true
	merge := func(e string) {
		was, theirs := s.dots[e], o.dots[e]
		now := was
		if !slices.Equal(was, theirs) { // equal dot lists merge to themselves
			now = mergeDots(was, s.ctx, s.cloud, theirs, o.ctx, o.cloud)
		}
		switch {
		case len(now) == 0 && len(was) > 0:
			delete(s.dots, e)
			same = false
		case len(now) > 0 && !slices.Equal(was, now):
			s.dots[e] = now
			same = false
		}
		if text := orsetNote(e, was, theirs, now); text != "" {
			notes = append(notes, note{e, text, slices.Equal(was, now)})
		}
		for _, d := range now {
			if !slices.Contains(was, d) || !slices.Contains(theirs, d) {
				decisive = append(decisive, dotKey(e, d))
			}
		}
	}
	union := make([]string, 0, len(s.dots)+len(o.dots))
	for e := range s.dots {
		union = append(union, e)
	}
	for e := range o.dots {
		if _, mine := s.dots[e]; !mine {
			union = append(union, e)
		}
	}
	for _, e := range union {
		merge(e)
	}
	// What changed comes first; the elements that merely stay are named
	// when they are few, and counted when they are many (a delta names
	// one element, and every other element here stays).
	slices.SortFunc(notes, func(a, b note) int {
		if a.stays != b.stays {
			return map[bool]int{false: -1, true: 1}[a.stays]
		}
		return strings.Compare(a.elem, b.elem)
	})
	slices.Sort(decisive)
	var texts []string
	stays := 0
	for _, n := range notes {
		if n.stays {
			stays++
		}
	}
	for _, n := range notes {
		if n.stays && stays > staysNamed {
			texts = append(texts, strconv.Itoa(stays)+" "+map[bool]string{true: "other elements", false: "elements"}[len(texts) > 0]+" stay: what arrived never saw their dots")
			break
		}
		texts = append(texts, n.text)
	}
	for r, n := range o.ctx {
		if n > s.ctx[r] {
			s.ctx[r], same = n, false
		}
	}
	for d := range o.cloud {
		if !seen(s.ctx, s.cloud, d) {
			if s.cloud == nil {
				s.cloud = dotSet{}
			}
			s.cloud[d], same = struct{}{}, false
		}
	}
	s.compact()
	res := did("a union of dots, less the dots one side saw and dropped; nothing visible changes")
	if len(notes) > 0 {
		res = did("%s → %s", joinNotes(texts, "; "), briefOf(len(s.dots), s.Value, "elements"))
	}
	res.Decisive, res.Same = decisive, same
	return res, nil
}

// staysNamed is how many elements that merely stay a merge sentence names;
// beyond it, it counts them.
const staysNamed = 3

// orsetNote says what a merge did to one element: was is what this side
// held, theirs what arrived, now the result.
func orsetNote(e string, was, theirs, now []Dot) string {
	if slices.Equal(was, now) {
		if len(was) > 0 && len(theirs) == 0 {
			return Quote(e) + " stays: what arrived never saw dots " + dotsString(now)
		}
		return ""
	}
	var killed, born []Dot
	for _, d := range was {
		if !slices.Contains(now, d) {
			killed = append(killed, d)
		}
	}
	for _, d := range now {
		if !slices.Contains(was, d) {
			born = append(born, d)
		}
	}
	switch {
	case len(was) > 0 && len(now) == 0:
		return "remove(" + Quote(e) + ") removed dots " + dotsString(killed)
	case len(killed) > 0 && len(born) == 0:
		return "remove(" + Quote(e) + ") removed dots " + dotsString(killed) + "; " + dotsString(now) + " stays: what arrived never saw it"
	case len(was) == 0 && len(now) > 0:
		return Quote(e) + " arrives with dots " + dotsString(born) + ", new here"
	}
	return ""
}

func (s *ORSetState) Value() Value { return SetValue(sortedKeys(s.dots)...) }

func (s *ORSetState) Clone() CRDT {
	c := &ORSetState{dots: make(map[string][]Dot, len(s.dots)), ctx: s.ctx.clone(), cloud: s.cloud.clone()}
	for e, ds := range s.dots {
		c.dots[e] = slices.Clone(ds)
	}
	return c
}

func (s *ORSetState) Equal(other CRDT) bool {
	o, ok := other.(*ORSetState)
	if !ok || len(o.dots) != len(s.dots) || !s.ctx.equal(o.ctx) || len(s.cloud) != len(o.cloud) {
		return false
	}
	for d := range s.cloud {
		if _, ok := o.cloud[d]; !ok {
			return false
		}
	}
	for e, ds := range s.dots {
		if !slices.Equal(ds, o.dots[e]) {
			return false
		}
	}
	return true
}

func (s *ORSetState) Internals() Internals {
	in := Internals{Sections: []Section{{Name: "dots"}, {Name: "context"}}}
	for _, e := range sortedKeys(s.dots) {
		in.Sections[0].Items = append(in.Sections[0].Items, Quote(e)+" "+dotsString(s.dots[e]))
		for _, d := range s.dots[e] {
			in.Entries++
			in.Bytes += 8 + len(d.Replica) + len(e)
		}
	}
	for _, r := range sortedKeys(s.ctx) {
		in.Sections[1].Items = append(in.Sections[1].Items, showReplica(r)+":"+strconv.FormatUint(s.ctx[r], 10))
		in.Entries++
		in.Bytes += 8 + len(r)
	}
	if len(s.cloud) > 0 {
		cloud := make([]Dot, 0, len(s.cloud))
		for d := range s.cloud {
			cloud = append(cloud, d)
		}
		in.Sections = append(in.Sections, Section{Name: "seen beyond", Items: []string{dotsString(sortDots(cloud))}})
		for _, d := range cloud {
			in.Entries++
			in.Bytes += 8 + len(d.Replica)
		}
	}
	return in
}
