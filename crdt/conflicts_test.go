package crdt

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

// must returns a checker for a (Result, error) pair that fails the test on
// an error: must(t)(x.Apply(op, ctx)).
func must(t *testing.T) func(Result, error) Result {
	return func(r Result, err error) Result {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
}

func mk(t *testing.T, typ Type, initial *Value) CRDT {
	t.Helper()
	c, err := New(typ, initial)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func at(replica string, tick int64) Ctx {
	return Ctx{Replica: replica, Stamp: Stamp{T: tick, Replica: replica}}
}

func wantValue(t *testing.T, c CRDT, want string) {
	t.Helper()
	if got := c.Value().String(); got != want {
		t.Fatalf("value = %s, want %s", got, want)
	}
}

func TestORSetAddWins(t *testing.T) {
	a, b, c := mk(t, ORSet, nil), mk(t, ORSet, nil), mk(t, ORSet, nil)
	must(t)(a.Apply(Op{Kind: OpAdd, Value: "milk"}, at("A", 1)))
	must(t)(b.Merge(a))
	// C adds milk without having seen A's add; B hears of both.
	must(t)(c.Apply(Op{Kind: OpAdd, Value: "milk"}, at("C", 2)))
	must(t)(b.Merge(c))
	if got := b.Internals().Sections[0].Items; !slices.Equal(got, []string{"milk {A:1, C:1}"}) {
		t.Fatalf("dots = %v", got)
	}
	// A removes milk: it drops only the dot it saw.
	r := must(t)(a.Apply(Op{Kind: OpRemove, Value: "milk"}, at("A", 3)))
	if r.Why != "remove(milk) dropped the dots it observed, {A:1}; the context remembers them" {
		t.Errorf("remove: %s", r.Why)
	}
	wantValue(t, a, "{}")
	r = must(t)(b.Merge(a))
	wantValue(t, b, "{milk}")
	// The state cannot tell whether a remove was concurrent; the cluster,
	// which knows every edit, says "add wins" when one was.
	if want := "remove(milk) removed dots {A:1}; {C:1} stays: what arrived never saw it"; !strings.Contains(r.Why, want) {
		t.Errorf("merge explanation %q lacks %q", r.Why, want)
	}
	r = must(t)(a.Merge(b))
	wantValue(t, a, "{milk}")
	if want := "milk arrives with dots {C:1}, new here"; !strings.Contains(r.Why, want) {
		t.Errorf("merge explanation %q lacks %q", r.Why, want)
	}
	must(t)(c.Merge(a))
	if !a.Equal(b) || !a.Equal(c) {
		t.Fatal("replicas differ after exchange")
	}
	// A re-add replaces the dots it sees; a remove that saw every dot wins.
	r = must(t)(c.Apply(Op{Kind: OpAdd, Value: "milk"}, at("C", 4)))
	if r.Why != "add(milk) tagged it with the new dot C:2, replacing {C:1}" {
		t.Errorf("re-add: %s", r.Why)
	}
	must(t)(a.Merge(c))
	must(t)(a.Apply(Op{Kind: OpRemove, Value: "milk"}, at("A", 5)))
	must(t)(b.Merge(a))
	wantValue(t, b, "{}")
	if got := b.Internals().Sections[1].Items; !slices.Equal(got, []string{"A:1", "C:2"}) {
		t.Errorf("context = %v", got)
	}
	if r := must(t)(a.Apply(Op{Kind: OpRemove, Value: "milk"}, at("A", 6))); !r.Ignored {
		t.Error("removing an absent element should be ignored")
	}
}

func TestTwoPSetTombstone(t *testing.T) {
	s := mk(t, TwoPSet, nil)
	must(t)(s.Apply(Op{Kind: OpAdd, Value: "x"}, at("A", 1)))
	must(t)(s.Apply(Op{Kind: OpRemove, Value: "x"}, at("A", 2)))
	r := must(t)(s.Apply(Op{Kind: OpAdd, Value: "x"}, at("A", 3)))
	if !r.Ignored || !strings.Contains(r.Why, "never come back") {
		t.Fatalf("re-add after remove: %+v", r)
	}
	wantValue(t, s, "{}")
	// A concurrent add elsewhere does not survive the tombstone either.
	o := mk(t, TwoPSet, nil)
	must(t)(o.Apply(Op{Kind: OpAdd, Value: "x"}, at("B", 4)))
	must(t)(o.Merge(s))
	wantValue(t, o, "{}")
	if r := must(t)(o.Apply(Op{Kind: OpRemove, Value: "y"}, at("B", 5))); !r.Ignored {
		t.Error("removing an absent element should be ignored")
	}
}

func TestLWWRegisterTieAndSkew(t *testing.T) {
	// Same time: the greater replica name wins, whichever side merges.
	a, b := mk(t, LWWRegister, nil), mk(t, LWWRegister, nil)
	must(t)(a.Apply(Op{Kind: OpSet, Value: "from A"}, at("A", 5)))
	must(t)(b.Apply(Op{Kind: OpSet, Value: "from B"}, at("B", 5)))
	ab, ba := a.Clone(), b.Clone()
	must(t)(ab.Merge(b))
	must(t)(ba.Merge(a))
	wantValue(t, ab, `"from B"`)
	wantValue(t, ba, `"from B"`)

	// Skew: a fast clock (tick 2 + 100) beats a write made later (tick 3).
	fast, slow := mk(t, LWWRegister, nil), mk(t, LWWRegister, nil)
	must(t)(fast.Apply(Op{Kind: OpSet, Value: "early"}, Ctx{Replica: "F", Stamp: Stamp{T: 102, Replica: "F"}}))
	must(t)(slow.Apply(Op{Kind: OpSet, Value: "late"}, at("S", 3)))
	r := must(t)(slow.Merge(fast))
	wantValue(t, slow, `"early"`)
	if !strings.Contains(r.Why, "102@F") {
		t.Errorf("merge should name the winning stamp: %s", r.Why)
	}
	// And a local write older than what the replica holds is ignored.
	r = must(t)(slow.Apply(Op{Kind: OpSet, Value: "later still"}, at("S", 4)))
	if !r.Ignored {
		t.Fatalf("an older local write should be ignored: %+v", r)
	}
	wantValue(t, slow, `"early"`)
}

func TestLWWSetAddWinsOnEqualStamp(t *testing.T) {
	init := SetValue("x")
	added, removed := mk(t, LWWSet, nil), mk(t, LWWSet, &init)
	same := at("A", 7)
	must(t)(added.Apply(Op{Kind: OpAdd, Value: "x"}, same))
	must(t)(removed.Apply(Op{Kind: OpRemove, Value: "x"}, same))
	must(t)(removed.Merge(added))
	wantValue(t, removed, "{x}")
	// The later of add and remove wins.
	must(t)(added.Apply(Op{Kind: OpRemove, Value: "x"}, at("A", 8)))
	must(t)(removed.Merge(added))
	wantValue(t, removed, "{}")
}

func TestMVRegisterSiblings(t *testing.T) {
	a, b := mk(t, MVRegister, nil), mk(t, MVRegister, nil)
	must(t)(a.Apply(Op{Kind: OpSet, Value: "a"}, at("A", 1)))
	must(t)(b.Apply(Op{Kind: OpSet, Value: "b"}, at("B", 2)))
	must(t)(a.Merge(b))
	wantValue(t, a, "{a, b}")
	must(t)(a.Apply(Op{Kind: OpSet, Value: "c"}, at("A", 3)))
	wantValue(t, a, `"c"`)
	must(t)(b.Merge(a))
	wantValue(t, b, `"c"`)
	if got := a.Internals().Sections[0].Items; len(got) != 1 || got[0] != `"c" {A:2, B:1}` {
		t.Errorf("internals = %v", got)
	}
}

func TestCountersMergeMaxPerEntry(t *testing.T) {
	init := IntValue(1000)
	a, b := mk(t, PNCounter, &init), mk(t, PNCounter, &init)
	must(t)(a.Apply(Op{Kind: OpInc, N: 200}, at("Alice", 1)))
	must(t)(b.Apply(Op{Kind: OpDec, N: 50}, at("Bob", 2)))
	r := must(t)(a.Merge(b))
	wantValue(t, a, "1150")
	if r.Why != "max per entry P {init:1000, Alice:200} − N {Bob:50} → 1150" {
		t.Errorf("why = %q", r.Why)
	}
	must(t)(a.Merge(b)) // a duplicate delivery changes nothing
	wantValue(t, a, "1150")

	g := mk(t, GCounter, nil)
	_, err := g.Apply(Op{Kind: OpDec, N: 1}, at("A", 1))
	if !errors.Is(err, ErrMismatch) || !strings.Contains(err.Error(), "pn-counter") {
		t.Fatalf("g-counter dec: %v", err)
	}
	if _, err := g.Apply(Op{Kind: OpInc, N: 0}, at("A", 1)); err == nil {
		t.Fatal("inc 0 should be an error")
	}
}

func TestLWWMapDeleteTombstone(t *testing.T) {
	a, b := mk(t, LWWMap, nil), mk(t, LWWMap, nil)
	must(t)(a.Apply(Op{Kind: OpPut, Key: "k", Value: "old"}, at("A", 1)))
	must(t)(b.Merge(a))
	must(t)(b.Apply(Op{Kind: OpDelete, Key: "k"}, at("B", 2)))
	must(t)(a.Merge(b))
	wantValue(t, a, "{}")
	// The old put arriving again does not bring the key back.
	old := mk(t, LWWMap, nil)
	must(t)(old.Apply(Op{Kind: OpPut, Key: "k", Value: "old"}, at("A", 1)))
	must(t)(a.Merge(old))
	wantValue(t, a, "{}")
	if got := a.Internals().Sections[1].Items; len(got) != 1 || got[0] != "k 2@B" {
		t.Errorf("tombstones = %v", got)
	}
}

func TestRGAOrdersConcurrentInsertsGreaterIDFirst(t *testing.T) {
	init := StringValue("Hello")
	ann, ben := mk(t, Text, &init), mk(t, Text, &init)
	must(t)(ann.Apply(Op{Kind: OpInsert, Pos: 5, Text: " world"}, at("Ann", 1)))
	must(t)(ben.Apply(Op{Kind: OpInsert, Pos: 5, Text: "!"}, at("Ben", 2)))
	must(t)(ann.Merge(ben))
	must(t)(ben.Merge(ann))
	// Both first characters have counter 6; "Ben" > "Ann", so Ben's goes first.
	wantValue(t, ann, `"Hello! world"`)
	wantValue(t, ben, `"Hello! world"`)
}

func TestRGAForwardRunsDoNotInterleave(t *testing.T) {
	a, b := mk(t, Text, nil), mk(t, Text, nil)
	// Type letter by letter, as a person does.
	for i, r := range "cat" {
		must(t)(a.Apply(Op{Kind: OpInsert, Pos: i, Text: string(r)}, at("A", int64(i))))
	}
	for i, r := range "dog" {
		must(t)(b.Apply(Op{Kind: OpInsert, Pos: i, Text: string(r)}, at("B", int64(i))))
	}
	must(t)(a.Merge(b))
	must(t)(b.Merge(a))
	wantValue(t, a, `"dogcat"`)
	wantValue(t, b, `"dogcat"`)
}

func TestTextPositionsAreCodePoints(t *testing.T) {
	init := StringValue("héllo😀")
	x := mk(t, Text, &init)
	must(t)(x.Apply(Op{Kind: OpInsert, Pos: 6, Text: "!"}, at("A", 1)))
	must(t)(x.Apply(Op{Kind: OpDelete, Pos: 1, Count: 1}, at("A", 2)))
	wantValue(t, x, `"hllo😀!"`)
	if _, err := x.Apply(Op{Kind: OpInsert, Pos: 8, Text: "?"}, at("A", 3)); err == nil {
		t.Fatal("insert past the end should be an error")
	}
	if _, err := x.Apply(Op{Kind: OpDelete, Pos: 5, Count: 2}, at("A", 3)); err == nil {
		t.Fatal("delete past the end should be an error")
	}
	// A count so large that position+count overflows is still past the end.
	huge := Op{Kind: OpDelete, Pos: 1, Count: math.MaxInt}
	if _, err := x.Apply(huge, at("A", 3)); err == nil {
		t.Fatal("delete of MaxInt characters should be an error")
	}
	p, _ := NewPlain(Text, &init)
	if _, err := p.Apply(huge); err == nil {
		t.Fatal("plain text: delete of MaxInt characters should be an error")
	}
	wantValue(t, x, `"hllo😀!"`)
	if n := x.(*TextState).Tombstones(); n != 1 {
		t.Fatalf("tombstones = %d", n)
	}
}

// TestTextLongDocument exercises block splits and the cursor with many edits.
func TestTextLongDocument(t *testing.T) {
	x := NewText()
	p, _ := NewPlain(Text, nil)
	for i := range 3000 {
		pos := (i * 7919) % (x.Len() + 1)
		op := Op{Kind: OpInsert, Pos: pos, Text: string(rune('a' + i%26))}
		if i%3 == 2 && x.Len() > 5 {
			op = Op{Kind: OpDelete, Pos: pos % (x.Len() - 2), Count: 2}
		}
		must(t)(x.Apply(op, at("A", int64(i))))
		must(t)(p.Apply(op))
	}
	if x.Value().Str != p.Value().Str {
		t.Fatal("long document differs from the plain text")
	}
	y := NewText()
	must(t)(y.Merge(x))
	if !y.Equal(x) || y.Value().Str != x.Value().Str {
		t.Fatal("merge into an empty text does not copy the document")
	}
}

func TestMergeTypeMismatchIsAnError(t *testing.T) {
	a, b := mk(t, GSet, nil), mk(t, ORSet, nil)
	if _, err := a.Merge(b); err == nil {
		t.Fatal("merging an or-set into a g-set should fail")
	}
}

func TestInitialValuesAreChecked(t *testing.T) {
	neg := IntValue(-1)
	if _, err := New(GCounter, &neg); err == nil {
		t.Error("a g-counter cannot start negative")
	}
	s := StringValue("x")
	if _, err := New(GSet, &s); err == nil {
		t.Error("a set cannot start from a string")
	}
	if _, err := NewPlain(PNCounter, &s); err == nil {
		t.Error("a counter cannot start from a string")
	}
}

func TestSetOpsOnPlainAndCRDT(t *testing.T) {
	p, _ := NewPlain(GSet, nil)
	if _, err := p.Apply(Op{Kind: OpRemove, Value: "x"}); err == nil || !strings.Contains(err.Error(), "2p-set or or-set") {
		t.Fatalf("g-set remove: %v", err)
	}
}

func TestTwoPSetInternalsShowBothSets(t *testing.T) {
	init := SetValue("a", "b")
	s := mk(t, TwoPSet, &init)
	must(t)(s.Apply(Op{Kind: OpRemove, Value: "a"}, at("A", 1)))
	in := s.Internals()
	if len(in.Sections) != 2 || in.Sections[0].Name != "adds" || !slices.Equal(in.Sections[0].Items, []string{"a", "b"}) ||
		in.Sections[1].Name != "tombstones" || !slices.Equal(in.Sections[1].Items, []string{"a"}) {
		t.Fatalf("sections %+v", in.Sections)
	}
	if in.Entries != 3 || in.Bytes != 3 {
		t.Fatalf("entries %d, bytes %d: both sets count", in.Entries, in.Bytes)
	}
	if got := MetaLine(Meta(s)); got != "A{a, b} R{a}" {
		t.Fatalf("meta line %q", got)
	}
}

func TestDeclinedEqualStampIsNotNewer(t *testing.T) {
	r := mk(t, LWWRegister, nil)
	must(t)(r.Apply(Op{Kind: OpSet, Value: "x"}, at("A", 1)))
	res := must(t)(r.Apply(Op{Kind: OpSet, Value: "y"}, at("A", 1)))
	if !res.Ignored || !strings.Contains(res.Why, "at 1@A is not newer than the current") {
		t.Fatalf("%+v", res)
	}
}

// TestMetaLines: every type has its compact metadata line, and a merge
// names the parts that decided it.
func TestMetaLines(t *testing.T) {
	a := mk(t, PNCounter, nil)
	b := mk(t, PNCounter, nil)
	must(t)(a.Apply(Op{Kind: OpInc, N: 200}, at("A", 1)))
	must(t)(b.Apply(Op{Kind: OpDec, N: 50}, at("B", 2)))
	res := must(t)(a.Merge(b))
	if got := MetaLine(Meta(a)); got != "P{A:200} N{B:50}" {
		t.Fatalf("pn-counter meta %q", got)
	}
	if !slices.Equal(res.Decisive, []string{"N/B"}) {
		t.Fatalf("decisive %v", res.Decisive)
	}
	l := mk(t, LWWRegister, nil)
	o := mk(t, LWWRegister, nil)
	must(t)(o.Apply(Op{Kind: OpSet, Value: "v"}, at("S3", 4)))
	res = must(t)(l.Merge(o))
	if got := MetaLine(Meta(l)); got != "stamp 4@S3" || !slices.Equal(res.Decisive, []string{"stamp"}) {
		t.Fatalf("lww meta %q, decisive %v", got, res.Decisive)
	}
	for _, typ := range Types {
		if MetaLine(Meta(mk(t, typ, nil))) == "" {
			t.Errorf("%s has no metadata line", typ)
		}
	}
}
