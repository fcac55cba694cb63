package crdt

import (
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// Kind is the shape of a value.
type Kind int

// The value kinds.
const (
	KindInt    Kind = iota // counters
	KindString             // registers and text
	KindSet                // sets, and an mv-register with several siblings
	KindMap                // lww-map
)

func (k Kind) String() string {
	switch k {
	case KindInt:
		return "an integer"
	case KindString:
		return "a string"
	case KindSet:
		return "a set"
	case KindMap:
		return "a map"
	}
	return "a value"
}

// Pair is one entry of a map value.
type Pair struct {
	Key, Value string
}

// Value is what a replica shows a user: the observable state, without
// metadata. Set elements are sorted and unique; map entries are sorted by key.
// Use the constructors so that this holds.
type Value struct {
	Kind Kind
	Int  int64
	Str  string
	Set  []string
	Map  []Pair
}

// IntValue is a counter value.
func IntValue(n int64) Value { return Value{Kind: KindInt, Int: n} }

// StringValue is a register or text value.
func StringValue(s string) Value { return Value{Kind: KindString, Str: s} }

// SetValue is a set value; elems may be in any order and repeat.
func SetValue(elems ...string) Value {
	s := slices.Clone(elems)
	slices.Sort(s)
	s = slices.Compact(s)
	if s == nil {
		s = []string{}
	}
	return Value{Kind: KindSet, Set: s}
}

// MapValue is a map value. A later pair with the same key replaces an earlier one.
func MapValue(pairs ...Pair) Value {
	m := map[string]string{}
	for _, p := range pairs {
		m[p.Key] = p.Value
	}
	out := make([]Pair, 0, len(m))
	for k, v := range m {
		out = append(out, Pair{k, v})
	}
	slices.SortFunc(out, func(a, b Pair) int { return strings.Compare(a.Key, b.Key) })
	return Value{Kind: KindMap, Map: out}
}

// Equal compares two values.
func (v Value) Equal(o Value) bool {
	if v.Kind != o.Kind {
		return false
	}
	switch v.Kind {
	case KindInt:
		return v.Int == o.Int
	case KindString:
		return v.Str == o.Str
	case KindSet:
		return slices.Equal(v.Set, o.Set)
	case KindMap:
		return slices.Equal(v.Map, o.Map)
	}
	return false
}

// String renders the value canonically, in the syntax scenario files use:
// 1150, "Hello world", {eggs, milk}, {colour: red}. Parsing the rendering
// for the same type gives the value back.
func (v Value) String() string {
	switch v.Kind {
	case KindInt:
		return strconv.FormatInt(v.Int, 10)
	case KindString:
		return QuoteAlways(v.Str)
	case KindSet:
		parts := make([]string, len(v.Set))
		for i, e := range v.Set {
			parts[i] = Quote(e)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case KindMap:
		parts := make([]string, len(v.Map))
		for i, p := range v.Map {
			parts[i] = Quote(p.Key) + ": " + Quote(p.Value)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return "?"
}

// IsBare reports whether s can be written as a bare word in a scenario file.
func IsBare(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if IsControl(r) || strings.ContainsRune("\"#{},:|=\\", r) || unicode.IsSpace(r) {
			return false
		}
	}
	return true
}

// IsControl reports whether r is a control character, C0 (below U+0020),
// DEL or C1 (U+0080 to U+009F): no replica name may hold one, and a
// scenario file may hold one only as an escape in a quoted string (a tab
// may stand as it is there). Nothing crdtviz writes to a terminal does.
func IsControl(r rune) bool { return r < ' ' || r >= 0x7f && r <= 0x9f }

// Quote renders s as a bare word when it can be one, else as a quoted string.
func Quote(s string) string {
	if IsBare(s) {
		return s
	}
	return QuoteAlways(s)
}

// QuoteAlways renders s as a double-quoted string with \" \\ \n \t escapes.
func QuoteAlways(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// sortedKeys returns the keys of m in byte order, so that no output depends on
// map iteration order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// briefLen is how many characters of a value a sentence quotes.
const briefLen = 60

// Brief shortens a rendered value for a sentence: a long text or set is
// cut after about 60 characters, with how much more there is, so that a
// log of many events never holds many copies of a large value.
func Brief(rendered string) string {
	n := 0
	for i := range rendered {
		if n == briefLen {
			rest := len([]rune(rendered[i:]))
			return rendered[:i] + "…(" + strconv.Itoa(rest) + " more characters)"
		}
		n++
	}
	return rendered
}

// brief is Brief for a value.
func brief(v Value) string { return Brief(v.String()) }

// briefElems is how many elements or keys a merge sentence renders the
// value for; a larger set or map is named by its size, so that a merge
// costs what merging costs, not a sort and a rendering of the whole value.
const briefElems = 12

// briefOf renders the value of a collection of n elements for a sentence:
// in full (briefly) when it is small, by its size otherwise.
func briefOf(n int, value func() Value, noun string) string {
	if n > briefElems {
		return strconv.Itoa(n) + " " + noun
	}
	return brief(value())
}

// notesShown is how many notes a merge sentence lists before "and N more".
const notesShown = 4

// joinNotes joins a merge's notes, listing at most notesShown of them.
func joinNotes(notes []string, sep string) string {
	if len(notes) <= notesShown {
		return strings.Join(notes, sep)
	}
	return strings.Join(notes[:notesShown], sep) + sep + "and " + strconv.Itoa(len(notes)-notesShown) + " more"
}

// Bytes estimates the memory a CRDT state holds, in bytes, from counts the
// state keeps (no walk over its elements): the work budget of a cluster
// adds these up. It is an estimate, stable and cheap, not a measurement.
func Bytes(c CRDT) int {
	switch s := c.(type) {
	case *LWWRegisterState:
		return 32 + len(s.val)
	case *MVRegisterState:
		n := 0
		for _, sib := range s.sibs {
			n += 32 + len(sib.val) + 24*len(sib.vv)
		}
		return n
	case *GCounterState:
		return 40 * len(s.c)
	case *PNCounterState:
		return 40 * (len(s.p) + len(s.n))
	case *GSetState:
		return 48 * len(s.elems)
	case *TwoPSetState:
		return 48 * (len(s.adds) + len(s.tombs))
	case *LWWSetState:
		return 80 * len(s.elems)
	case *ORSetState:
		return 64*len(s.dots) + 24*len(s.ctx)
	case *LWWMapState:
		return 80 * len(s.entries)
	case *TextState:
		return 24 * s.items
	}
	return 64
}

// PlainBytes estimates the memory a plain value holds, as Bytes does.
func PlainBytes(p Plain) int {
	switch s := p.(type) {
	case *plainInt:
		return 8
	case *plainString:
		return 16 + len(s.s)
	case *plainSet:
		return 48 * len(s.s)
	case *plainMap:
		return 64 * len(s.m)
	case *plainText:
		return 4 * len(s.r)
	}
	return 64
}
