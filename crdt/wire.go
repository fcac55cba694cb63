package crdt

import (
	"slices"
)

// Wire forms. What a message weighs is what it takes to send it: each
// state, delta and op has a wire form here, made of plain values (maps,
// arrays, strings and unsigned integers) that an encoder such as CBOR
// writes as it is. The replicas package encodes them with CBOR's core
// deterministic encoding (RFC 8949 §4.2), so a form and its size are the
// same on every machine. Field numbers, not names, key each struct
// (`cbor:"N,keyasint"`), as compact wire formats do; the numbering is the
// documented format (docs/scenario-format.md, "Bytes on the wire").

// WireStamp is a timestamp: time and replica.
type WireStamp struct {
	T       int64  `cbor:"1,keyasint"`
	Replica string `cbor:"2,keyasint,omitempty"`
}

// WireDot is an or-set dot.
type WireDot struct {
	Replica string `cbor:"1,keyasint,omitempty"`
	N       uint64 `cbor:"2,keyasint"`
}

// WireValue is a plain value, as the plain lane ships it.
type WireValue struct {
	Int int64             `cbor:"1,keyasint,omitempty"`
	Str string            `cbor:"2,keyasint,omitempty"`
	Set []string          `cbor:"3,keyasint,omitempty"`
	Map map[string]string `cbor:"4,keyasint,omitempty"`
}

// WireOfValue is v's wire form.
func WireOfValue(v Value) WireValue {
	w := WireValue{Int: v.Int, Str: v.Str, Set: slices.Clone(v.Set)}
	if len(v.Map) > 0 {
		w.Map = make(map[string]string, len(v.Map))
		for _, p := range v.Map {
			w.Map[p.Key] = p.Value
		}
	}
	return w
}

type wireRegister struct {
	Val   string    `cbor:"1,keyasint"`
	Stamp WireStamp `cbor:"2,keyasint"`
}

type wireSibling struct {
	Val string            `cbor:"1,keyasint"`
	VV  map[string]uint64 `cbor:"2,keyasint"`
}

type wireCounter struct {
	P map[string]uint64 `cbor:"1,keyasint,omitempty"`
	N map[string]uint64 `cbor:"2,keyasint,omitempty"`
}

type wireTwoP struct {
	Adds  []string `cbor:"1,keyasint,omitempty"`
	Tombs []string `cbor:"2,keyasint,omitempty"`
}

type wireLWWElem struct {
	Add *WireStamp `cbor:"1,keyasint,omitempty"`
	Rm  *WireStamp `cbor:"2,keyasint,omitempty"`
}

type wireORSet struct {
	Dots  map[string][]WireDot `cbor:"1,keyasint,omitempty"`
	Ctx   map[string]uint64    `cbor:"2,keyasint,omitempty"`
	Cloud []WireDot            `cbor:"3,keyasint,omitempty"`
}

type wireEntry struct {
	Val     string    `cbor:"1,keyasint,omitempty"`
	Stamp   WireStamp `cbor:"2,keyasint"`
	Deleted bool      `cbor:"3,keyasint,omitempty"`
}

// wireTextItem is one character, as an array: its id (counter, site
// index), its origin's, the character, and whether it is a tombstone.
type wireTextItem struct {
	_   struct{} `cbor:",toarray"`
	C   uint32
	S   uint16
	OC  uint32
	OS  uint16
	Ch  string
	Del bool
}

type wireText struct {
	Sites []string       `cbor:"1,keyasint"`
	Items []wireTextItem `cbor:"2,keyasint,omitempty"`
}

// wireTextOp is one character op, as an array: its id (counter, site),
// its origin's, the site's previous counter, the character (inserts) and
// whether it deletes.
type wireTextOp struct {
	_      struct{} `cbor:",toarray"`
	C      uint32
	Site   string
	OC     uint32
	OSite  string
	Prev   uint32
	Ch     string
	Delete bool
}

func stampWire(s Stamp) WireStamp { return WireStamp(s) }

func dotsWire(ds []Dot) []WireDot {
	out := make([]WireDot, len(ds))
	for i, d := range ds {
		out[i] = WireDot(d)
	}
	return out
}

// Wire is a state's wire form: what state-based replication, and a full
// state in delta-based replication, sends.
func Wire(st CRDT) any {
	switch s := st.(type) {
	case *LWWRegisterState:
		return wireRegister{Val: s.val, Stamp: stampWire(s.stamp)}
	case *MVRegisterState:
		out := make([]wireSibling, len(s.sibs))
		for i, sb := range s.sibs {
			out[i] = wireSibling{Val: sb.val, VV: map[string]uint64(sb.vv)}
		}
		return out
	case *GCounterState:
		return wireCounter{P: s.c}
	case *PNCounterState:
		return wireCounter{P: s.p, N: s.n}
	case *GSetState:
		return s.elems.sorted()
	case *TwoPSetState:
		return wireTwoP{Adds: s.adds.sorted(), Tombs: s.tombs.sorted()}
	case *LWWSetState:
		out := make(map[string]wireLWWElem, len(s.elems))
		for e, x := range s.elems {
			var w wireLWWElem
			if x.hasAdd {
				a := stampWire(x.add)
				w.Add = &a
			}
			if x.hasRm {
				r := stampWire(x.rm)
				w.Rm = &r
			}
			out[e] = w
		}
		return out
	case *ORSetState:
		w := wireORSet{Dots: make(map[string][]WireDot, len(s.dots)), Ctx: s.ctx}
		for e, ds := range s.dots {
			w.Dots[e] = dotsWire(ds)
		}
		cloud := make([]Dot, 0, len(s.cloud))
		for d := range s.cloud {
			cloud = append(cloud, d)
		}
		w.Cloud = dotsWire(sortDots(cloud))
		return w
	case *LWWMapState:
		out := make(map[string]wireEntry, len(s.entries))
		for k, e := range s.entries {
			out[k] = wireEntry{Val: e.val, Stamp: stampWire(e.stamp), Deleted: e.deleted}
		}
		return out
	case *TextState:
		w := wireText{Sites: s.sites}
		s.each(func(it item) {
			w.Items = append(w.Items, wireTextItem{C: it.id.c, S: it.id.s, OC: it.origin.c, OS: it.origin.s, Ch: string(it.ch), Del: it.del})
		})
		return w
	}
	return nil
}

func textOpsWire(ops []TextOp) []wireTextOp {
	out := make([]wireTextOp, len(ops))
	for i, op := range ops {
		w := wireTextOp{C: op.ID.Counter, Site: op.ID.Site, Prev: op.Prev, Delete: op.Delete}
		if !op.Delete {
			w.Ch = string(op.Ch)
			w.OC, w.OSite = op.Origin.Counter, op.Origin.Site
		}
		out[i] = w
	}
	return out
}

// WireOfDelta is a delta's (or a delta-group's) wire form.
func WireOfDelta(d Delta) any {
	if d.State != nil {
		return Wire(d.State)
	}
	return textOpsWire(d.Text)
}

type wireCounterOp struct {
	Kind string `cbor:"1,keyasint"`
	N    int64  `cbor:"2,keyasint"`
}

type wireMVOp struct {
	Value   string            `cbor:"1,keyasint"`
	Dot     WireDot           `cbor:"2,keyasint"`
	Context map[string]uint64 `cbor:"3,keyasint,omitempty"`
}

type wireORSetOp struct {
	Kind string    `cbor:"1,keyasint"`
	Elem string    `cbor:"2,keyasint"`
	Dot  *WireDot  `cbor:"3,keyasint,omitempty"`
	Seen []WireDot `cbor:"4,keyasint,omitempty"`
}

// WireOfEffect is an op's downstream payload, as op-based replication
// ships it: a counter's amount, an or-set's element and dots, an
// mv-register's write and the context it overwrote, text's character ops,
// or, for the other types, the delta.
func WireOfEffect(e *Effect) any {
	switch e.Type {
	case GCounter, PNCounter:
		return wireCounterOp{Kind: string(e.Kind), N: e.N}
	case ORSet:
		w := wireORSetOp{Kind: string(e.Kind), Elem: e.Elem, Seen: dotsWire(e.Seen)}
		if e.Kind == OpAdd {
			d := WireDot{Replica: e.Dot.Replica, N: e.Dot.N}
			w.Dot = &d
		}
		return w
	case MVRegister:
		return wireMVOp{Value: e.Elem, Dot: WireDot{Replica: e.Dot.Replica, N: e.Dot.N}, Context: e.Context}
	case Text:
		return textOpsWire(e.Text)
	}
	return WireOfDelta(e.Delta)
}
