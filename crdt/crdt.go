package crdt

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Type names a CRDT in the catalogue. The string is the name used in
// scenario files and on the command line.
type Type string

// The catalogue.
const (
	LWWRegister Type = "lww-register"
	MVRegister  Type = "mv-register"
	GCounter    Type = "g-counter"
	PNCounter   Type = "pn-counter"
	GSet        Type = "g-set"
	TwoPSet     Type = "2p-set"
	LWWSet      Type = "lww-set"
	ORSet       Type = "or-set"
	LWWMap      Type = "lww-map"
	Text        Type = "text"
)

// Types lists every type in the catalogue, in the order the docs teach them.
var Types = []Type{LWWRegister, MVRegister, GCounter, PNCounter, GSet, TwoPSet, LWWSet, ORSet, LWWMap, Text}

// ParseType turns a name such as "or-set" into a Type.
func ParseType(s string) (Type, error) {
	for _, t := range Types {
		if string(t) == s {
			return t, nil
		}
	}
	names := make([]string, len(Types))
	for i, t := range Types {
		names[i] = string(t)
	}
	return "", fmt.Errorf("unknown type %q: choose one of %s", s, strings.Join(names, ", "))
}

// Describe is a one-line description of a type, for menus and help.
func (t Type) Describe() string {
	switch t {
	case LWWRegister:
		return "one value; the write with the greatest timestamp wins"
	case MVRegister:
		return "one value; concurrent writes are all kept as siblings"
	case GCounter:
		return "a counter that only goes up"
	case PNCounter:
		return "a counter that goes up and down"
	case GSet:
		return "a set you can only add to"
	case TwoPSet:
		return "a set where a removed element never comes back"
	case LWWSet:
		return "a set where, per element, the greater timestamp wins"
	case ORSet:
		return "a set where a concurrent add beats a remove (add-wins)"
	case LWWMap:
		return "a map of keys to values; per key, the greater timestamp wins"
	case Text:
		return "a shared line of text (RGA)"
	}
	return ""
}

// OpKind names a local operation.
type OpKind string

// The operations. Which ones a type accepts is listed in Ops.
const (
	OpSet    OpKind = "set"
	OpInc    OpKind = "inc"
	OpDec    OpKind = "dec"
	OpAdd    OpKind = "add"
	OpRemove OpKind = "remove"
	OpPut    OpKind = "put"
	OpDelete OpKind = "delete" // lww-map: delete KEY; text: delete POS [COUNT]
	OpInsert OpKind = "insert"
)

// Ops lists the operations a type accepts.
func Ops(t Type) []OpKind {
	switch t {
	case LWWRegister, MVRegister:
		return []OpKind{OpSet}
	case GCounter:
		return []OpKind{OpInc}
	case PNCounter:
		return []OpKind{OpInc, OpDec}
	case GSet:
		return []OpKind{OpAdd}
	case TwoPSet, LWWSet, ORSet:
		return []OpKind{OpAdd, OpRemove}
	case LWWMap:
		return []OpKind{OpPut, OpDelete}
	case Text:
		return []OpKind{OpInsert, OpDelete}
	}
	return nil
}

// OpUsage is the syntax of each operation of a type, for help and errors.
func OpUsage(t Type) string {
	switch t {
	case LWWRegister, MVRegister:
		return "set VALUE"
	case GCounter:
		return "inc [N]"
	case PNCounter:
		return "inc [N] | dec [N]"
	case GSet:
		return "add ELEM"
	case TwoPSet, LWWSet, ORSet:
		return "add ELEM | remove ELEM"
	case LWWMap:
		return "put KEY VALUE | delete KEY"
	case Text:
		return "insert POS TEXT | delete POS [COUNT]"
	}
	return ""
}

// Op is one local operation. Only the fields its Kind uses are set.
type Op struct {
	Kind  OpKind
	Value string // set VALUE, add/remove ELEM, put KEY VALUE
	Key   string // put KEY, delete KEY (lww-map)
	N     int64  // inc N, dec N
	Pos   int    // text insert/delete position, in code points
	Count int    // text delete count
	Text  string // text insert
}

// String renders the operation in scenario syntax, e.g. `insert 5 " world"`.
func (o Op) String() string {
	switch o.Kind {
	case OpSet, OpAdd, OpRemove:
		return string(o.Kind) + " " + Quote(o.Value)
	case OpInc, OpDec:
		return string(o.Kind) + " " + strconv.FormatInt(o.N, 10)
	case OpPut:
		return "put " + Quote(o.Key) + " " + Quote(o.Value)
	case OpInsert:
		return "insert " + strconv.Itoa(o.Pos) + " " + Quote(o.Text)
	case OpDelete:
		if o.Key != "" || o.Count == 0 {
			return "delete " + Quote(o.Key)
		}
		if o.Count == 1 {
			return "delete " + strconv.Itoa(o.Pos)
		}
		return "delete " + strconv.Itoa(o.Pos) + " " + strconv.Itoa(o.Count)
	}
	return string(o.Kind)
}

// ErrMismatch is wrapped by errors for an operation the type does not have.
var ErrMismatch = errors.New("operation does not fit the type")

// CheckOp reports whether the type has the operation and whether its
// arguments make sense on their own (a positive amount, a count of at
// least one). It does not look at any state.
func CheckOp(t Type, op Op) error {
	ok := false
	for _, k := range Ops(t) {
		if k == op.Kind {
			ok = true
		}
	}
	if !ok {
		hint := ""
		switch {
		case t == GCounter && op.Kind == OpDec:
			hint = ": a g-counter only grows; use pn-counter to count down"
		case t == GSet && op.Kind == OpRemove:
			hint = ": a g-set only grows; use 2p-set or or-set to remove"
		default:
			hint = "; it takes " + OpUsage(t)
		}
		return fmt.Errorf("%w: %s has no %q%s", ErrMismatch, t, op.Kind, hint)
	}
	switch op.Kind {
	case OpInc, OpDec:
		if op.N <= 0 {
			return fmt.Errorf("%s needs a positive amount, got %d", op.Kind, op.N)
		}
	case OpInsert:
		if op.Pos < 0 {
			return fmt.Errorf("insert position %d is negative", op.Pos)
		}
		if op.Text == "" {
			return errors.New("insert needs some text")
		}
	case OpDelete:
		if t == Text {
			if op.Pos < 0 {
				return fmt.Errorf("delete position %d is negative", op.Pos)
			}
			if op.Count <= 0 {
				return fmt.Errorf("delete needs a count of at least 1, got %d", op.Count)
			}
		}
	}
	return nil
}

// Stamp is a last-writer-wins timestamp: a time and the replica that wrote.
// Stamps compare by time, then by replica name in byte order, so two
// replicas never tie.
type Stamp struct {
	T       int64
	Replica string
}

// InitialStamp marks a value that was there from the start. It is older
// than every write.
var InitialStamp = Stamp{T: math.MinInt64}

// Less reports whether s is older than o.
func (s Stamp) Less(o Stamp) bool {
	if s.T != o.T {
		return s.T < o.T
	}
	return s.Replica < o.Replica
}

// String renders the stamp as time@replica, or "initial".
func (s Stamp) String() string {
	if s == InitialStamp {
		return "initial"
	}
	return strconv.FormatInt(s.T, 10) + "@" + s.Replica
}

// Ctx is what a replica knows when it makes a local edit: its own name and
// the timestamp its clock gives (tick plus skew).
type Ctx struct {
	Replica string
	Stamp   Stamp
}

// Result says what an operation or a merge did, in words a teacher can read
// aloud. Ignored is set when the type declined an operation; Why says why.
type Result struct {
	Ignored bool
	Why     string
	// Decisive names, after a merge, the parts of the type's metadata line
	// (see Meta) that decided it: the winning stamp, the slots that grew,
	// the dots that survived. A screen highlights them.
	Decisive []string
	// Same is set when a merge left the state exactly as it was, so that a
	// caller can skip work that depends on the state.
	Same bool
	// Partial is set when an op or a delta could be applied only in part
	// (text: some inserts arrived before the character they follow).
	Partial bool
}

func ignored(format string, args ...any) Result {
	return Result{Ignored: true, Why: fmt.Sprintf(format, args...)}
}

func did(format string, args ...any) Result {
	return Result{Why: fmt.Sprintf(format, args...)}
}

// Section is one named part of a type's metadata, such as "P" or "tombstones".
type Section struct {
	Name  string
	Items []string
}

// Internals describes the metadata a CRDT keeps beside its value, so that the
// cost of convergence can be seen and taught.
type Internals struct {
	Sections []Section
	Entries  int // number of metadata entries (vector slots, dots, tombstones, stamps, items)
	Bytes    int // approximate size of that metadata in bytes
}

// String renders the internals on one line, e.g. "P {A:5} N {} · 1 entries, 9 B".
func (in Internals) String() string {
	var b strings.Builder
	for i, s := range in.Sections {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString(s.Name)
		b.WriteString(" {")
		b.WriteString(strings.Join(s.Items, ", "))
		b.WriteString("}")
	}
	b.WriteString(" · " + in.Size())
	return b.String()
}

// Size is the metadata size in words: "5 entries, ~71 B in memory". The
// bytes are an estimate of what the state holds in memory, not what a
// message carrying it weighs on the wire (its encoded size).
func (in Internals) Size() string {
	noun := "entries"
	if in.Entries == 1 {
		noun = "entry"
	}
	return fmt.Sprintf("%d %s, ~%d B in memory", in.Entries, noun, in.Bytes)
}

// CRDT is a state-based conflict-free replicated data type.
//
// Apply makes a local edit. It returns an error, and leaves the state
// unchanged, when the operation does not fit the type or the state (a text
// position past the end). An operation the type declines is not an error: the
// Result says Ignored and why.
//
// Merge joins another replica's state of the same type into this one. Merge
// is commutative, associative and idempotent, and never keeps a reference to
// any part of other: the two replicas share no memory afterwards.
type CRDT interface {
	Type() Type
	Apply(op Op, ctx Ctx) (Result, error)
	Merge(other CRDT) (Result, error)
	Value() Value
	Clone() CRDT
	Equal(other CRDT) bool
	Internals() Internals
}

// LWW is implemented by the last-writer-wins types. Stamps gives, for each
// key (the element, the map key, or "" for a register), the newest stamp the
// state holds, so that a caller can tell whose write won a merge.
type LWW interface {
	Stamps() map[string]Stamp
}

// New returns a replica of type t. With initial nil it is the type's empty
// state (the bottom of its lattice). With an initial value, it is that value
// as if it had been written before the start and replicated everywhere: its
// metadata belongs to no replica ("init").
func New(t Type, initial *Value) (CRDT, error) {
	if initial != nil {
		if err := checkInitial(t, *initial); err != nil {
			return nil, err
		}
	}
	switch t {
	case LWWRegister:
		return newLWWRegister(initial), nil
	case MVRegister:
		return newMVRegister(initial), nil
	case GCounter:
		return newGCounter(initial), nil
	case PNCounter:
		return newPNCounter(initial), nil
	case GSet:
		return newGSet(initial), nil
	case TwoPSet:
		return newTwoPSet(initial), nil
	case LWWSet:
		return newLWWSet(initial), nil
	case ORSet:
		return newORSet(initial), nil
	case LWWMap:
		return newLWWMap(initial), nil
	case Text:
		return newText(initial), nil
	}
	return nil, fmt.Errorf("unknown type %q", t)
}

// ValueKind is the kind of value a type shows.
func ValueKind(t Type) Kind {
	switch t {
	case GCounter, PNCounter:
		return KindInt
	case LWWRegister, MVRegister, Text:
		return KindString
	case GSet, TwoPSet, LWWSet, ORSet:
		return KindSet
	case LWWMap:
		return KindMap
	}
	return KindString
}

// Zero is the value every replica of type t shows before any edit.
func Zero(t Type) Value {
	return Value{Kind: ValueKind(t)}
}

func checkInitial(t Type, v Value) error {
	want := ValueKind(t)
	if v.Kind != want {
		return fmt.Errorf("%s starts from %s, not %s", t, want, v.Kind)
	}
	if t == GCounter && v.Int < 0 {
		return fmt.Errorf("a g-counter cannot start below zero (got %d); use pn-counter", v.Int)
	}
	if want == KindInt && v.Int == math.MinInt64 {
		return ErrOverflow
	}
	if t == Text && len([]rune(v.Str)) > MaxTextLen {
		return fmt.Errorf("initial text is %d characters; the limit is %d", len([]rune(v.Str)), MaxTextLen)
	}
	return nil
}

// MaxTextLen is the longest text value crdtviz accepts, in code points.
const MaxTextLen = 100_000

// initName is how metadata that belongs to no replica (the initial value) is shown.
const initName = "init"

func showReplica(r string) string {
	if r == "" {
		return initName
	}
	return r
}

func mismatch(t Type, other CRDT) error {
	return fmt.Errorf("cannot merge %s into %s", other.Type(), t)
}
