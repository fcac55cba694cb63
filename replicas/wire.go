package replicas

import (
	"bytes"
	"fmt"
	"sync"

	"github.com/fxamacker/cbor/v2"

	"crdtviz/crdt"
)

// Bytes on the wire. Every message's payload, in each lane, is encoded
// with CBOR's core deterministic encoding (RFC 8949 §4.2) over a wire
// struct per type and mode (crdt/wire.go), and its size is what the
// message weighs. Sizes are a property of the encoding: expectations
// compare them (expect bytes < N), never state them exactly.
//
// A message's CRDT payload is {1: kind, 2: body}: kind 0 a state (body:
// the type's state form), 1 ops (body: an array of {1: origin, 2: seq, 3:
// dependencies, 4: the type's op form}), 2 a delta-group (body: the
// type's delta form; an empty group has no body), 3 a full state in delta
// mode. Its plain payload is the value's form, {1: int, 2: string, 3: set,
// 4: map}; a plain lane with nothing new sends nothing, 0 bytes.

type wireMessage struct {
	Kind uint8 `cbor:"1,keyasint"`
	Body any   `cbor:"2,keyasint,omitempty"`
}

type wireOp struct {
	Origin string            `cbor:"1,keyasint"`
	Seq    uint64            `cbor:"2,keyasint"`
	Deps   map[string]uint64 `cbor:"3,keyasint,omitempty"`
	Op     any               `cbor:"4,keyasint"`
}

var (
	encOnce sync.Once
	enc     cbor.UserBufferEncMode
)

// encodedSize is the size of v in CBOR's core deterministic encoding.
func encodedSize(v any) int { return encode(v).Len() }

// encode is v in CBOR's core deterministic encoding.
func encode(v any) *bytes.Buffer {
	encOnce.Do(func() {
		var err error
		if enc, err = cbor.CoreDetEncOptions().UserBufferEncMode(); err != nil {
			panic(fmt.Sprintf("replicas: CBOR options: %v", err))
		}
	})
	var b bytes.Buffer
	if err := enc.MarshalToBuffer(v, &b); err != nil {
		// Every wire form is plain data; failing to encode one is a bug.
		panic(fmt.Sprintf("replicas: encoding %T: %v", v, err))
	}
	return &b
}

// The kinds of CRDT payload on the wire.
const (
	wireState uint8 = iota // a whole state (state mode)
	wireOps                // ops (op mode)
	wireDelta              // a delta-group (delta mode)
	wireFull               // a whole state in delta mode (full)
)

// wireTextGroup is a text delta-group that holds a relayed state beside
// its character ops.
type wireTextGroup struct {
	State any `cbor:"1,keyasint"`
	Ops   any `cbor:"2,keyasint"`
}

// opWire is an op's wire form.
func opWire(o *OpEntry) wireOp {
	return wireOp{Origin: o.Origin, Seq: o.Seq, Deps: o.Deps(), Op: crdt.WireOfEffect(o.Effect)}
}

// weigh works out what a message weighs in each lane, and counts it as
// sent. A whole state is encoded once per sender per action, however many
// messages share it.
func (c *Cluster) weigh(m *Message) {
	if m.plain.carries {
		m.bytes[Plain] = encodedSize(crdt.WireOfValue(m.plain.value.Value()))
	}
	m.bytes[CRDT] = m.crdt.size()
	for _, l := range Lanes {
		c.sentMsgs[l]++
		c.sentBytes[l] += int64(m.bytes[l])
	}
	if m.plain.carries {
		c.sentValues++
	}
}

// Bytes is what the message weighs in lane l, encoded (0: the plain lane
// carries nothing new).
func (m *Message) Bytes(l Lane) int { return m.bytes[l] }

// Sent is how many messages replicas have sent in lane l, and what they
// weighed in all. Every message counts in both lanes, a plain one that
// carries nothing new too (it weighs 0 B there); a duplicate is the
// network's, not a replica's.
func (c *Cluster) Sent(l Lane) (int, int64) { return c.sentMsgs[l], c.sentBytes[l] }

// SentValues is how many of the messages sent carried a plain value.
func (c *Cluster) SentValues() int { return c.sentValues }

// SizeText is a size for people: "96 B", "3.4 KB", "1.2 MB".
func SizeText(n int64) string {
	switch {
	case n < 1000:
		return fmt.Sprintf("%d B", n)
	case n < 1000*1000:
		return fmt.Sprintf("%.1f KB", float64(n)/1000)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/1000/1000)
}

// Summary is what the message carries in each lane and what each weighs:
// "plain 1200, 4 B · crdt 1200, 15 B", or "plain nothing new · crdt ops
// A3, 44 B".
func (m *Message) Summary() string {
	plain := "plain nothing new"
	if m.plain.carries {
		plain = "plain " + crdt.Brief(m.valueStrings[Plain]) + ", " + SizeText(int64(m.bytes[Plain]))
	}
	return plain + " · crdt " + crdt.Brief(m.PayloadText()) + ", " + SizeText(int64(m.bytes[CRDT]))
}
