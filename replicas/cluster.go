package replicas

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"crdtviz/crdt"
)

// Lane is one of the two worlds every replica lives in.
type Lane int

const (
	// Plain is the plain-overwrite lane: a received message replaces the
	// receiver's whole value.
	Plain Lane = iota
	// CRDT is the CRDT lane: a received message is merged.
	CRDT
)

// Lanes lists both lanes, plain first, as the screen shows them.
var Lanes = [2]Lane{Plain, CRDT}

func (l Lane) String() string {
	if l == Plain {
		return "plain"
	}
	return "crdt"
}

// Limits.
const (
	MinReplicas = 2
	MaxReplicas = 8
	MaxNameLen  = 24 // characters
)

// Config describes a new cluster.
type Config struct {
	Type    crdt.Type
	Names   []string    // 2 to 8 distinct replica names, in declaration order
	Initial *crdt.Value // every replica's starting value in both lanes; nil for the type's zero
	// Mode is what a CRDT-lane message carries (state by default). In op
	// mode, AnyOrder applies ops as they arrive instead of in causal order,
	// and NoDedup applies an op delivered twice twice.
	Mode              Mode
	AnyOrder, NoDedup bool
}

// Replica is one server: a name, a clock skew, and its two lanes, each a
// value with the causal history of edits it reflects.
type Replica struct {
	Name string
	Skew int64

	plain     crdt.Plain
	plainHist History
	state     crdt.CRDT
	crdtHist  History
	// plainShared and stateShared say that a message, a checkpoint or
	// another replica may hold the same lane object: it must be copied
	// before it is changed (copy on write). Shared objects are never
	// changed, so messages and checkpoints cost only what changed.
	plainShared, stateShared bool

	// writes counts the local edits this replica's plain lane applied: a
	// system without CRDTs forwards the writes its users make, so a plain
	// message carries a value only when the link has not yet delivered
	// the latest of them (see Cluster.delivered). lastWrite is the latest.
	// declined counts the local edits the plain lane declined, and
	// lastDeclined is the latest of them: a replica whose every edit was
	// declined has made no write, but it has edited.
	writes       int
	lastWrite    EditID
	declined     int
	lastDeclined EditID
	// knows is, per lane, every edit that has reached this replica: its own
	// edits (applied or declined), and what delivered messages carried. It
	// only grows. Two replicas that know the same edits should hold the
	// same value: that is strong eventual consistency.
	knows [2]EditSet

	// mode is what the replica keeps for its cluster's mode (see
	// payload.go): op mode's log and causal buffer, delta mode's pending
	// delta-groups; nil in state mode.
	mode modeData

	// changed is, per lane, the tick of the action that last changed the
	// lane (0: never). Within one history it names the lane's state, so a
	// screen can reuse what it drew for it.
	changed [2]int64
	// values caches each lane's Value and its rendering until the lane
	// changes: status, conflict marks and boxes all ask for them. An edit
	// keeps the lane's sketch there instead (see sketch.go), and the value
	// is worked out again when someone asks.
	values [2]*cachedValue
}

// cachedValue is what a replica knows of one lane's value: the value and
// its rendering (when done), and its sketch (when an edit made one). It is
// never changed once stored; a replica stores a new one.
type cachedValue struct {
	v    crdt.Value
	s    string
	done bool
	sk   *sketch
}

// Value is the replica's current value in lane l.
func (r *Replica) Value(l Lane) crdt.Value { return r.cached(l).v }

// ValueString is Value(l).String(), computed once per change.
func (r *Replica) ValueString(l Lane) string { return r.cached(l).s }

// Changed is the tick of the action that last changed lane l, or 0.
func (r *Replica) Changed(l Lane) int64 { return r.changed[l] }

func (r *Replica) cached(l Lane) *cachedValue {
	c := r.values[l]
	if c != nil && c.done {
		return c
	}
	var v crdt.Value
	if l == Plain {
		v = r.plain.Value()
	} else {
		v = r.state.Value()
	}
	n := &cachedValue{v: v, s: v.String(), done: true}
	if c != nil {
		n.sk = c.sk
	}
	r.values[l] = n
	return n
}

// sketch is lane l's sketch, made from its value if it has none yet.
func (r *Replica) sketch(l Lane, text bool) *sketch {
	if c := r.values[l]; c != nil && c.sk != nil {
		return c.sk
	}
	c := r.cached(l)
	sk := newSketch(c.v, text)
	r.values[l] = &cachedValue{v: c.v, s: c.s, done: true, sk: sk}
	return sk
}

// edited records that an edit in the action at tick left lane l with the
// value sk sketches; changed says whether the value changed (when it did
// not, what was worked out of it still holds).
func (r *Replica) edited(l Lane, tick int64, sk *sketch, changed bool) {
	r.changed[l] = tick
	if c := r.values[l]; !changed && c != nil {
		r.values[l] = &cachedValue{v: c.v, s: c.s, done: c.done, sk: sk}
		return
	}
	r.values[l] = &cachedValue{sk: sk}
}

// touch records that lane l changed in the action at tick.
func (r *Replica) touch(l Lane, tick int64) {
	r.changed[l] = tick
	r.values[l] = nil
}

// History is the set of edits the replica's value in lane l reflects.
func (r *Replica) History(l Lane) EditSet {
	if l == Plain {
		return r.plainHist.All()
	}
	return r.crdtHist.All()
}

// Knows is the set of edits that have reached the replica in lane l.
func (r *Replica) Knows(l Lane) EditSet { return r.knows[l] }

// Writes is the number of local edits the replica's plain lane applied.
func (r *Replica) Writes() int { return r.writes }

// Clock is what the replica's clock reads at the given tick: tick + skew.
func (r *Replica) Clock(tick int64) int64 { return tick + r.Skew }

// Meta is the replica's CRDT metadata in one compact line (see crdt.Meta),
// as its mode shows it (op mode leaves off an or-set's causal context,
// which op delivery never reads).
func (r *Replica) Meta() []crdt.MetaPart {
	parts := crdt.Meta(r.state)
	if a, ok := r.mode.(interface {
		annotate([]crdt.MetaPart, crdt.CRDT) []crdt.MetaPart
	}); ok {
		parts = a.annotate(parts, r.state)
	}
	return parts
}

// Internals describes the metadata of the replica's CRDT state.
func (r *Replica) Internals() crdt.Internals { return r.state.Internals() }

// clone copies the replica for another cluster; its lane objects are
// shared with the original until either side changes them.
func (r *Replica) clone() *Replica {
	r.share()
	c := *r
	return &c
}

// share marks the replica's lane objects as shared.
func (r *Replica) share() { r.plainShared, r.stateShared = true, true }

// ownState makes the replica's lane objects its own, copying a shared one,
// before it changes them.
func (r *Replica) ownState() {
	if r.plainShared {
		r.plain, r.plainShared = r.plain.Clone(), false
	}
	if r.stateShared {
		r.state, r.stateShared = r.state.Clone(), false
	}
}

// Message is what one replica sent another: a payload for each lane, taken
// when it was sent. A message never changes after it is made, so it can be
// shared, and its lane objects are shared with their sender until the
// sender changes (copy on write).
type Message struct {
	ID       int
	CopyOf   int // the message this one duplicates, or 0
	From, To string
	SentTick int64
	synced   bool // taken by a sync: delivered in the tick it was taken
	// bytes is, per lane, the encoded size of what the message carries
	// (see wire.go): 0 for a plain lane with nothing new.
	bytes [2]int

	plain        plainPayload
	crdt         payload
	values       [2]crdt.Value
	valueStrings [2]string
}

// Value is the value the message carries for lane l. For the plain lane it
// is the sender's value when the message was taken, whether or not the
// message carries it (see CarriesPlain).
func (m *Message) Value(l Lane) crdt.Value { return m.values[l] }

// ValueString is Value(l) rendered, as the sender's replica rendered it:
// no work for a long value.
func (m *Message) ValueString(l Lane) string { return m.valueStrings[l] }

// CarriesPlain reports whether the message carries a plain value. A
// message taken when the sender had no write it had not already sent on
// that link carries nothing new for the plain lane.
func (m *Message) CarriesPlain() bool { return m.plain.carries }

// Knows is the set of edits the message carries in lane l: for the CRDT
// lane, everything its sender knew; for the plain lane, the edits its value
// reflects (none when it carries nothing new).
func (m *Message) Knows(l Lane) EditSet {
	if l == Plain {
		if !m.plain.carries {
			return EditSet{}
		}
		return m.plain.hist.All()
	}
	return m.crdt.knows()
}

// History is the set of edits the message carries for lane l.
func (m *Message) History(l Lane) EditSet {
	if l == Plain {
		return m.plain.hist.All()
	}
	return m.crdt.hist().All()
}

// EditInfo records one edit: who made it, what, and when.
type EditInfo struct {
	ID        EditID
	Replica   string
	Op        crdt.Op
	Tick      int64
	Stamp     crdt.Stamp
	Effective [2]bool // per lane: false when the lane declined it (Ignored)
}

// Describe names the edit for sentences: "#2 (Bob: dec 50)".
func (e EditInfo) Describe() string {
	return fmt.Sprintf("%s (%s: %s)", e.ID, e.Replica, e.Op)
}

// Cluster is the simulated system: replicas, directed links, messages in
// flight, a global tick, and every edit made. It is a deterministic state
// machine: Apply an action, get events or an error, and nothing else moves.
//
// A Cluster is not safe for concurrent use, not even for reads, in the way
// raft's RawNode is a thread-unsafe node: Clone clears the source's
// ownership flags, and Status, Value and String fill caches. A caller that
// shares one between goroutines (the classroom mode does) must hold a lock
// around every call, or give each goroutine its own Clone.
type Cluster struct {
	typ     crdt.Type
	initial *crdt.Value
	names   []string
	index   map[string]int
	reps    []*Replica
	// owned[i] says this cluster alone holds reps[i]. Clone shares replicas
	// and clears it on both sides; the first change copies the replica.
	owned  []bool
	up     [][]bool     // up[from][to]: the link from → to delivers
	queues [][]msgQueue // queues[from][to]: in flight, oldest first (persistent)
	// delivered[from][to] is the plain write counter of the last plain
	// value delivered on the link from → to (0 at the start): what the
	// link has certainly brought. A message taken there carries from's
	// value only when from has written since; a message dropped or still
	// in flight moves nothing, so the next one carries the value again, as
	// a reliable transport retries. told[i] says that replica i's plain
	// lane has explained once why it does not pass on a value it received.
	delivered [][]int
	told      []bool
	// inflightBytes is the state messages in flight hold (see budget.go),
	// merged the state merged over the whole history, and work what every
	// other part of the history handled.
	inflightBytes, merged, work int64
	workLimit                   int64 // MaxWorkBytes (a test lowers it)
	// incs and decs add up every counter edit made, so that no merge of
	// them can overflow (see checkCounter).
	incs, decs int64
	tick       int64
	now        int64 // the tick of the action being applied
	nextMsg    int
	edits      chunks[EditInfo] // every edit made, by id (shared by prefix with clones)
	// effective holds, per lane, the edits that lane applied; an edit the
	// lane ignored can never be lost there.
	effective [2]EditSet

	// The CRDT lane's mode, its rules (see payload.go) and, in op mode,
	// its delivery settings.
	mode              Mode
	rules             modeRules
	anyOrder, noDedup bool
	// sentMsgs and sentBytes count, per lane, the messages replicas have
	// sent and what they weighed (a duplicate is the network's, not a
	// replica's); sentValues, the messages that carried a plain value.
	sentMsgs   [2]int
	sentBytes  [2]int64
	sentValues int

	status [2]*Status // cached; reset by every change
}

// New builds a cluster where every replica holds the initial value in both
// lanes, all links are up and nothing is in flight.
func New(cfg Config) (*Cluster, error) {
	if _, err := crdt.ParseType(string(cfg.Type)); err != nil {
		return nil, err
	}
	if err := CheckNames(cfg.Names); err != nil {
		return nil, err
	}
	if cfg.Initial != nil && cfg.Type == crdt.Text && utf8.RuneCountInString(cfg.Initial.Str) > crdt.MaxTextLen {
		return nil, fmt.Errorf("the initial text is longer than the limit of %d characters", crdt.MaxTextLen)
	}
	rules, ok := cfg.Mode.rules()
	if !ok {
		return nil, fmt.Errorf("unknown mode %d: choose %s", cfg.Mode, modeNames())
	}
	if !rules.opOptions() && (cfg.AnyOrder || cfg.NoDedup) {
		return nil, fmt.Errorf("delivery and dedup are op mode's rules; this cluster replicates by %s", cfg.Mode)
	}
	c := &Cluster{typ: cfg.Type, initial: cfg.Initial, names: slices.Clone(cfg.Names), index: map[string]int{},
		mode: cfg.Mode, rules: rules, anyOrder: cfg.AnyOrder, noDedup: cfg.NoDedup, workLimit: MaxWorkBytes}
	n := len(cfg.Names)
	for i, name := range cfg.Names {
		c.index[name] = i
		p, err := crdt.NewPlain(cfg.Type, cfg.Initial)
		if err != nil {
			return nil, fmt.Errorf("initial value: %w", err)
		}
		s, err := crdt.New(cfg.Type, cfg.Initial)
		if err != nil {
			return nil, fmt.Errorf("initial value: %w", err)
		}
		c.reps = append(c.reps, &Replica{Name: name, plain: p, state: s})
		c.owned = append(c.owned, true)
	}
	c.up = make([][]bool, n)
	c.queues = make([][]msgQueue, n)
	c.delivered = make([][]int, n)
	c.told = make([]bool, n)
	for i, r := range c.reps {
		r.mode = rules.start(c, i)
	}
	for i := range n {
		c.delivered[i] = make([]int, n)
		c.up[i] = make([]bool, n)
		c.queues[i] = make([]msgQueue, n)
		for j := range n {
			c.up[i][j] = true
		}
	}
	return c, nil
}

// CheckNames checks a list of replica names: 2 to 8 (counted first, so a
// huge list is refused at once), each valid (see CheckName), and distinct
// as people read them (see SameName).
func CheckNames(names []string) error {
	if len(names) < MinReplicas || len(names) > MaxReplicas {
		return fmt.Errorf("a cluster has %d to %d replicas, not %d", MinReplicas, MaxReplicas, len(names))
	}
	seen := map[string]string{}
	for _, n := range names {
		if err := CheckName(n); err != nil {
			return err
		}
		k := nameKey(n)
		if first, dup := seen[k]; dup {
			if first == n {
				return fmt.Errorf("replica name %q is used twice", n)
			}
			return errLookAlike(first, n)
		}
		seen[k] = n
	}
	return nil
}

// errLookAlike says which two names look the same, and, since they may
// print identically, how each is written.
func errLookAlike(a, b string) error {
	return fmt.Errorf("replica names %s and %s look the same (written %s and %s)", QuoteName(a), QuoteName(b), codePoints(a), codePoints(b))
}

// LookAlikeError is errLookAlike, for the scenario parser.
func LookAlikeError(a, b string) error { return errLookAlike(a, b) }

// codePoints spells a name as its code points: U+0065 U+0301.
func codePoints(s string) string {
	var parts []string
	for _, r := range s {
		parts = append(parts, fmt.Sprintf("U+%04X", r))
	}
	return strings.Join(parts, " ")
}

// nameKey is what two names that look the same have in common: their NFKC
// normal form, so that "é" written as one code point or as e and a
// combining accent, and "Ａ" (fullwidth) and "A", are one name, taken
// without the code points that print nothing (names.go), so that "Ada"
// and "Ada" with a variation selector are one name too.
func nameKey(n string) string { return norm.NFKC.String(withoutHidden(n)) }

// NameKey is nameKey, for the confusable skeleton (demos.LookAlike).
func NameKey(n string) string { return nameKey(n) }

// SameName reports whether two replica names look the same to a reader.
func SameName(a, b string) bool { return nameKey(a) == nameKey(b) }

// CheckName checks one replica name: not empty, blank, invisible or
// combining marks alone (names.go), no space at
// either end, not reserved, at most 24 characters, valid UTF-8, and free of
// control characters (C0, DEL, C1) and format characters (Unicode category
// Cf, such as a zero-width space), which would let two names look alike.
func CheckName(n string) error {
	switch {
	case !utf8.ValidString(n):
		return fmt.Errorf("replica name %q is not valid UTF-8", n)
	case strings.ContainsFunc(n, crdt.IsControl):
		return fmt.Errorf("replica name %q has a control character", n)
	case strings.ContainsFunc(n, func(r rune) bool { return unicode.Is(unicode.Cf, r) }):
		return fmt.Errorf("replica name %q has an invisible format character (such as a zero-width space)", n)
	case checkVisible(n) != nil:
		return checkVisible(n)
	case strings.TrimFunc(n, blank) != n:
		return fmt.Errorf("replica name %q starts or ends with a space", n)
	case reservedNames[n]:
		return fmt.Errorf("%q is a reserved word and cannot name a replica", n)
	case utf8.RuneCountInString(n) > MaxNameLen:
		return fmt.Errorf("replica name %q is longer than %d characters", n, MaxNameLen)
	}
	return nil
}

// Type is the CRDT type every replica holds.
func (c *Cluster) Type() crdt.Type { return c.typ }

// Initial is the value every replica started from (nil for the zero value).
func (c *Cluster) Initial() *crdt.Value { return c.initial }

// Names lists the replicas in declaration order.
func (c *Cluster) Names() []string { return slices.Clone(c.names) }

// Replicas lists the replicas in declaration order. Treat them as read-only.
func (c *Cluster) Replicas() []*Replica { return c.reps }

// Replica returns the named replica, or nil.
func (c *Cluster) Replica(name string) *Replica {
	if i, ok := c.index[name]; ok {
		return c.reps[i]
	}
	return nil
}

// Tick is the global tick: the number of actions applied.
func (c *Cluster) Tick() int64 { return c.tick }

// Up reports whether the link from → to delivers.
func (c *Cluster) Up(from, to string) bool {
	i, ok1 := c.index[from]
	j, ok2 := c.index[to]
	return ok1 && ok2 && c.up[i][j]
}

// Queue lists the messages in flight from → to, oldest first.
func (c *Cluster) Queue(from, to string) []*Message {
	i, ok1 := c.index[from]
	j, ok2 := c.index[to]
	if !ok1 || !ok2 {
		return nil
	}
	return c.queues[i][j].Messages()
}

// InFlight lists every message in flight, in the order sent.
func (c *Cluster) InFlight() []*Message {
	var out []*Message
	for i := range c.queues {
		for j := range c.queues[i] {
			out = append(out, c.queues[i][j].Messages()...)
		}
	}
	slices.SortFunc(out, func(a, b *Message) int { return a.ID - b.ID })
	return out
}

// Edits lists every edit made so far, by id.
func (c *Cluster) Edits() []EditInfo {
	out := make([]EditInfo, 0, c.edits.Len())
	c.edits.Each(func(e EditInfo) { out = append(out, e) })
	return out
}

// editInfo is the edit with id (which was made).
func (c *Cluster) editInfo(id EditID) EditInfo { return c.edits.At(int(id) - 1) }

// EditByID returns the edit with the given id.
func (c *Cluster) EditByID(id EditID) (EditInfo, bool) {
	if id < 1 || int(id) > c.edits.Len() {
		return EditInfo{}, false
	}
	return c.editInfo(id), true
}

// Clone returns an independent copy of the cluster. Messages and histories
// are immutable and are shared. Replicas are shared too, copy on write:
// whichever cluster changes a replica first copies it deeply, so the two
// never see each other's changes, and a copy costs nothing for the
// replicas neither changes.
func (c *Cluster) Clone() *Cluster {
	d := *c
	d.names = slices.Clip(c.names)
	d.reps = slices.Clone(c.reps)
	for i := range c.owned {
		c.owned[i] = false
	}
	d.owned = make([]bool, len(c.reps))
	d.up = make([][]bool, len(c.up))
	d.queues = make([][]msgQueue, len(c.queues))
	d.delivered = make([][]int, len(c.delivered))
	for i := range c.up {
		d.up[i] = slices.Clone(c.up[i])
		d.delivered[i] = slices.Clone(c.delivered[i])
		d.queues[i] = slices.Clone(c.queues[i]) // persistent: shared, never changed
	}
	d.status = [2]*Status{}
	return &d
}

// mutable returns replica i for changing, copying it first if another
// cluster shares it.
func (c *Cluster) mutable(i int) *Replica {
	if !c.owned[i] {
		c.reps[i] = c.reps[i].clone()
		c.owned[i] = true
	}
	return c.reps[i]
}

func (c *Cluster) lookup(name string) (int, error) {
	if i, ok := c.index[name]; ok {
		return i, nil
	}
	quoted := make([]string, len(c.names))
	for i, n := range c.names {
		quoted[i] = QuoteName(n)
	}
	return 0, fmt.Errorf("unknown replica %s (the replicas are %s)", QuoteName(name), strings.Join(quoted, ", "))
}

// pair looks up both ends of a link and rejects a link to itself.
func (c *Cluster) pair(from, to string) (int, int, error) {
	i, err := c.lookup(from)
	if err != nil {
		return 0, 0, err
	}
	j, err := c.lookup(to)
	if err != nil {
		return 0, 0, err
	}
	if i == j {
		return 0, 0, fmt.Errorf("%s cannot send to itself", QuoteName(from))
	}
	return i, j, nil
}
