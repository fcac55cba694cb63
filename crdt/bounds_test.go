package crdt

import (
	"errors"
	"math"
	"testing"

	"pgregory.net/rapid"
)

// TestWireBounds: a wire form whose counters pass the bounds is not a
// state: an or-set's context or dot, a version vector's entry, a stamp's
// time, a character's counter. One at the bound is.
func TestWireBounds(t *testing.T) {
	orset := func(ctx, cloud uint64) *wireORSet {
		return &wireORSet{Dots: map[string][]WireDot{"x": {{Replica: "A", N: 1}}}, Ctx: map[string]uint64{"A": 1, "B": ctx},
			Cloud: []WireDot{{Replica: "C", N: cloud}}}
	}
	mv := func(n uint64) *[]wireSibling { return &[]wireSibling{{Val: "v", VV: map[string]uint64{"A": n}}} }
	reg := func(t int64) *wireRegister { return &wireRegister{Val: "v", Stamp: WireStamp{T: t, Replica: "A"}} }
	lset := func(t int64) *map[string]wireLWWElem {
		return &map[string]wireLWWElem{"x": {Add: &WireStamp{T: t, Replica: "A"}}}
	}
	lmap := func(t int64) *map[string]wireEntry {
		return &map[string]wireEntry{"k": {Val: "v", Stamp: WireStamp{T: t, Replica: "A"}}}
	}
	text := func(c uint32) *wireText {
		return &wireText{Sites: []string{"", "A"}, Items: []wireTextItem{{C: c, S: 1, Ch: "x"}}}
	}
	for _, c := range []struct {
		name string
		typ  Type
		ok   any
		bad  []any
	}{
		{"or-set context and dots", ORSet, orset(MaxCount, MaxCount), []any{orset(MaxCount+1, 1), orset(1, MaxCount+1), orset(math.MaxUint64, 1)}},
		{"version vector", MVRegister, mv(MaxCount), []any{mv(MaxCount + 1), mv(math.MaxUint64)}},
		{"lww-register stamp", LWWRegister, reg(MaxStampTime), []any{reg(MaxStampTime + 1), reg(math.MaxInt64), reg(-MaxStampTime - 1)}},
		{"lww-register stamp behind", LWWRegister, reg(-MaxStampTime), []any{reg(math.MinInt64 + 1)}},
		{"lww-set stamp", LWWSet, lset(MaxStampTime), []any{lset(MaxStampTime + 1), lset(math.MaxInt64)}},
		{"lww-set stamp behind", LWWSet, lset(-1_000_000_000_000), []any{lset(-MaxStampTime - 1)}},
		{"lww-map stamp", LWWMap, lmap(MaxStampTime), []any{lmap(MaxStampTime + 1), lmap(math.MaxInt64)}},
		{"text counter", Text, text(MaxTextCounter), []any{text(MaxTextCounter + 1), text(math.MaxUint32)}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := FromWire(c.typ, c.ok); err != nil {
				t.Errorf("at the bound: %v", err)
			}
			for i, w := range c.bad {
				if _, err := FromWire(c.typ, w); !errors.Is(err, ErrBadWire) {
					t.Errorf("past the bound (%d): %v", i, err)
				}
			}
		})
	}
	ops := &[]wireTextOp{{C: MaxTextCounter + 1, Site: "A", Ch: "x"}}
	if _, err := TextOpsFromWire(ops); !errors.Is(err, ErrBadWire) {
		t.Errorf("a text op past the bound: %v", err)
	}
	if _, err := FromWire(LWWRegister, &wireRegister{Stamp: WireStamp(InitialStamp)}); err != nil {
		t.Errorf("the initial stamp: %v", err)
	}
}

// TestLocalEditsNeverWrap: a state at the bound refuses the local edit
// that would pass it, with an error wrapping ErrExhausted, and is left as
// it was; it never wraps to 0.
func TestLocalEditsNeverWrap(t *testing.T) {
	at := func(typ Type, w any) CRDT {
		t.Helper()
		st, err := FromWire(typ, w)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	cases := []struct {
		name string
		st   CRDT
		op   Op
		ctx  Ctx
	}{
		{"or-set add", at(ORSet, &wireORSet{Ctx: map[string]uint64{"A": MaxCount}}), Op{Kind: OpAdd, Value: "x"}, Ctx{Replica: "A"}},
		{"mv-register set", at(MVRegister, &[]wireSibling{{Val: "v", VV: map[string]uint64{"A": MaxCount}}}), Op{Kind: OpSet, Value: "w"}, Ctx{Replica: "A"}},
		{"lww-register set", at(LWWRegister, &wireRegister{Val: "v", Stamp: WireStamp{T: MaxStampTime, Replica: "B"}}),
			Op{Kind: OpSet, Value: "w"}, Ctx{Replica: "A", Stamp: Stamp{T: MaxStampTime + 1, Replica: "A"}}},
		{"lww-set add", at(LWWSet, &map[string]wireLWWElem{}), Op{Kind: OpAdd, Value: "x"}, Ctx{Replica: "A", Stamp: Stamp{T: MaxStampTime + 1, Replica: "A"}}},
		{"lww-map put", at(LWWMap, &map[string]wireEntry{}), Op{Kind: OpPut, Key: "k", Value: "v"}, Ctx{Replica: "A", Stamp: Stamp{T: MaxStampTime + 1, Replica: "A"}}},
		{"text insert", at(Text, &wireText{Sites: []string{"", "B"}, Items: []wireTextItem{{C: MaxTextCounter, S: 1, Ch: "x"}}}),
			Op{Kind: OpInsert, Pos: 1, Text: "y"}, Ctx{Replica: "A"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := c.st.Clone()
			_, eff, err := Mutate(c.st, c.op, c.ctx)
			if !errors.Is(err, ErrExhausted) || eff != nil {
				t.Fatalf("got %v, want ErrExhausted", err)
			}
			if !c.st.Equal(before) {
				t.Errorf("the refused edit changed the state: %s", c.st.Internals())
			}
		})
	}
}

// TestBoundsProperty: whatever counters a wire form carries, the state it
// decodes to (if any) claims nothing past the bounds, and a local edit on
// it either is refused with ErrExhausted or leaves its replica's counter
// where it was or higher, never lower: no wrap, for every type with
// counters.
func TestBoundsProperty(t *testing.T) {
	count := func(rt *rapid.T, label string) uint64 {
		return rapid.SampledFrom([]uint64{0, 1, 7, MaxCount - 1, MaxCount, MaxCount + 1, math.MaxInt64, math.MaxUint64 - 1, math.MaxUint64}).Draw(rt, label)
	}
	replica := func(rt *rapid.T, label string) string {
		return rapid.SampledFrom([]string{"A", "B", "C"}).Draw(rt, label)
	}
	rapid.Check(t, func(rt *rapid.T) {
		typ := rapid.SampledFrom([]Type{ORSet, MVRegister, LWWRegister, LWWMap, Text, GCounter}).Draw(rt, "type")
		var w any
		switch typ {
		case ORSet:
			ctx := map[string]uint64{}
			for range rapid.IntRange(0, 3).Draw(rt, "ctx") {
				ctx[replica(rt, "r")] = count(rt, "n")
			}
			w = &wireORSet{Ctx: ctx, Cloud: []WireDot{{Replica: replica(rt, "cr"), N: count(rt, "cn")}}}
		case MVRegister:
			w = &[]wireSibling{{Val: "v", VV: map[string]uint64{replica(rt, "r"): count(rt, "n"), replica(rt, "r2"): count(rt, "n2")}}}
		case LWWRegister:
			w = &wireRegister{Val: "v", Stamp: WireStamp{T: int64(count(rt, "t") >> rapid.UintRange(0, 1).Draw(rt, "shift")), Replica: replica(rt, "r")}}
		case LWWMap:
			w = &map[string]wireEntry{"k": {Val: "v", Stamp: WireStamp{T: int64(count(rt, "t") >> 1), Replica: replica(rt, "r")}}}
		case Text:
			c := uint32(min(count(rt, "c"), math.MaxUint32))
			w = &wireText{Sites: []string{"", "B"}, Items: []wireTextItem{{C: max(c, 1), S: 1, Ch: "x"}}}
		case GCounter:
			w = &wireCounter{P: map[string]uint64{replica(rt, "r"): count(rt, "n")}}
		}
		st, err := FromWire(typ, w)
		if err != nil {
			if !errors.Is(err, ErrBadWire) {
				rt.Fatalf("not a wire error: %v", err)
			}
			return
		}
		limit := map[Type]uint64{ORSet: MaxCount, MVRegister: MaxCount, LWWRegister: MaxStampTime, LWWMap: MaxStampTime, Text: MaxTextCounter, GCounter: math.MaxInt64}[typ]
		for r, n := range Claims(st) {
			if n > limit {
				rt.Fatalf("%s claims %d for %s, past %d", typ, n, r, limit)
			}
		}
		me := replica(rt, "me")
		before := Claims(st)
		var op Op
		stampT := int64(0)
		for _, n := range before {
			stampT = max(stampT, int64(min(n, math.MaxInt64-1)))
		}
		ctx := Ctx{Replica: me, Stamp: Stamp{T: stampT + 1, Replica: me}}
		switch typ {
		case ORSet:
			op = Op{Kind: OpAdd, Value: "y"}
		case MVRegister, LWWRegister:
			op = Op{Kind: OpSet, Value: "y"}
		case LWWMap:
			op = Op{Kind: OpPut, Key: "k2", Value: "y"}
		case Text:
			op = Op{Kind: OpInsert, Pos: 0, Text: "y"}
		case GCounter:
			op = Op{Kind: OpInc, N: 1}
		}
		_, _, err = Mutate(st, op, ctx)
		if err != nil {
			if !errors.Is(err, ErrExhausted) && !errors.Is(err, ErrOverflow) {
				rt.Fatalf("%s refused with %v", op, err)
			}
			return
		}
		after := Claims(st)
		if typ == Text {
			// A text's counters are Lamport: the new character's is one
			// more than the greatest.
			var was, now uint64
			for _, n := range before {
				was = max(was, n)
			}
			for _, n := range after {
				now = max(now, n)
			}
			if now <= was || now > MaxTextCounter {
				rt.Fatalf("text counter %d → %d", was, now)
			}
			return
		}
		if after[me] < before[me] || after[me] == 0 || after[me] > limit {
			rt.Fatalf("%s: %s's counter %d → %d", typ, me, before[me], after[me])
		}
	})
}
