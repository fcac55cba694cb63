package class

import (
	"errors"
	"fmt"
	"hash/fnv"
	"sync"

	"github.com/fxamacker/cbor/v2"

	"crdtviz/crdt"
	"crdtviz/replicas"
)

// What travels between the processes of a class. Every payload is one CBOR
// envelope: the wire version, the class it belongs to, its kind, the name
// of the member that sent it (memberlist does not say who sent what), and
// the class's reset count. memberlist encrypts and authenticates it; this
// file checks everything else, because a payload may still come from an
// older crdtviz, another class, or a bug: one that does not decode, is too
// large, or has the wrong version, class or type is dropped and counted,
// never a crash.

// wireVersion is the version of the envelope. A payload of another version
// is dropped.
const wireVersion = 1

// Limits on a payload's size. A message (a broadcast or a control) fits in
// one UDP packet; a push/pull state carries a whole replica, and a text
// may hold 100 000 characters.
const (
	maxMessageBytes = 64 << 10
	maxStateBytes   = 16 << 20
	// broadcastBudget is the largest CRDT or plain part an edit's broadcast
	// carries: memberlist packs broadcasts into 1400-byte UDP packets. A
	// larger part is left to push/pull.
	broadcastBudget = 900
	// viewChars is how much of a value a member's view carries for its box;
	// the view's checksum covers the whole value.
	viewChars = 120
)

// The kinds of payload.
const (
	kindEdit    = 1 // an edit, broadcast: its delta (or the state) and the plain value
	kindView    = 2 // a member's own values, for the boxes of the others
	kindControl = 3 // the teacher's partition, heal or reset
	kindState   = 4 // push/pull: the whole replica, the class, the control, the views
)

type envelope struct {
	V     int          `cbor:"1,keyasint"`
	Class string       `cbor:"2,keyasint"`
	Kind  int          `cbor:"3,keyasint"`
	From  string       `cbor:"4,keyasint"`
	Epoch uint64       `cbor:"5,keyasint"`
	Edit  *wireEdit    `cbor:"6,keyasint,omitempty"`
	View  *wireView    `cbor:"7,keyasint,omitempty"`
	Ctl   *wireControl `cbor:"8,keyasint,omitempty"`
	State *wireState   `cbor:"9,keyasint,omitempty"`
}

// writeID names one edit: who made it, in which run of crdtviz (so that a
// student who restarts under the same name makes new ids), and its number
// in that run.
type writeID struct {
	Origin string `cbor:"1,keyasint"`
	Run    uint64 `cbor:"2,keyasint"`
	Seq    uint64 `cbor:"3,keyasint"`
}

func (w writeID) zero() bool { return w == writeID{} }

type wireEdit struct {
	ID writeID `cbor:"1,keyasint"`
	Op string  `cbor:"2,keyasint"` // the operation as typed, for the log
	// CRDT is the edit's delta (delta mode) or the origin's whole state
	// after it (state mode, Full); empty when it did not fit.
	CRDT cbor.RawMessage `cbor:"3,keyasint,omitempty"`
	Full bool            `cbor:"4,keyasint,omitempty"`
	// Plain is the origin's plain value after the edit; nil when it did
	// not fit.
	Plain *crdt.WireValue `cbor:"5,keyasint,omitempty"`
}

// wireView is what a member's box shows of it: the start of each lane's
// value and a checksum of the whole value, numbered so that an older view
// never replaces a newer one.
type wireView struct {
	Seq      uint64 `cbor:"1,keyasint"`
	CRDT     string `cbor:"2,keyasint"`
	CRDTSum  uint64 `cbor:"3,keyasint"`
	Plain    string `cbor:"4,keyasint"`
	PlainSum uint64 `cbor:"5,keyasint"`
	// Left says the member is leaving the class (quitting): memberlist
	// tells the others only that it is gone.
	Left bool `cbor:"6,keyasint,omitempty"`
}

type namedView struct {
	Name string   `cbor:"1,keyasint"`
	Run  uint64   `cbor:"2,keyasint"`
	View wireView `cbor:"3,keyasint"`
}

// wireControl is the teacher's latest control: Version counts the
// teacher's partitions, heals and resets; Groups is the partition (none:
// healed); Epoch counts resets.
type wireControl struct {
	Version uint64     `cbor:"1,keyasint"`
	Groups  [][]string `cbor:"2,keyasint,omitempty"`
	Epoch   uint64     `cbor:"3,keyasint"`
}

// classInfo is what a joiner learns from the class: its type, its mode and
// its teacher.
type classInfo struct {
	Type    string `cbor:"1,keyasint"`
	Mode    string `cbor:"2,keyasint"`
	Teacher string `cbor:"3,keyasint"`
}

type wireState struct {
	Info    *classInfo      `cbor:"1,keyasint,omitempty"` // nil: a joiner that has no class yet
	Ctl     wireControl     `cbor:"2,keyasint"`
	CRDT    cbor.RawMessage `cbor:"3,keyasint,omitempty"`
	Plain   crdt.WireValue  `cbor:"4,keyasint"`
	PlainID writeID         `cbor:"5,keyasint"` // the write the plain value is (zero: no write yet)
	Views   []namedView     `cbor:"6,keyasint,omitempty"`
	Run     uint64          `cbor:"7,keyasint"`
}

var (
	codecOnce sync.Once
	encMode   cbor.EncMode
	decMode   cbor.DecMode
)

func codec() (cbor.EncMode, cbor.DecMode) {
	codecOnce.Do(func() {
		var err error
		if encMode, err = cbor.CoreDetEncOptions().EncMode(); err != nil {
			panic(fmt.Sprintf("class: CBOR options: %v", err))
		}
		decMode, err = cbor.DecOptions{
			DupMapKey:         cbor.DupMapKeyEnforcedAPF,
			MaxNestedLevels:   16,
			MaxArrayElements:  4_000_000,
			MaxMapPairs:       1_000_000,
			IndefLength:       cbor.IndefLengthForbidden,
			TagsMd:            cbor.TagsForbidden,
			ExtraReturnErrors: cbor.ExtraDecErrorUnknownField,
		}.DecMode()
		if err != nil {
			panic(fmt.Sprintf("class: CBOR options: %v", err))
		}
	})
	return encMode, decMode
}

// encode writes a payload. Every payload is plain data: failing to encode
// one is a bug.
func encode(v any) []byte {
	enc, _ := codec()
	b, err := enc.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("class: encoding %T: %v", v, err))
	}
	return b
}

// Reasons a payload is dropped. Each is counted.
const (
	dropUndecodable = "undecodable"
	dropTooLarge    = "too large"
	dropVersion     = "wrong version"
	dropClass       = "another class"
	dropType        = "wrong type"
	dropBadState    = "invalid state"
)

// dropError is why a payload was dropped.
type dropError struct {
	reason string
	err    error
}

func (e *dropError) Error() string {
	if e.err == nil {
		return e.reason
	}
	return e.reason + ": " + e.err.Error()
}

func dropped(reason string, err error) error { return &dropError{reason, err} }

// decodeEnvelope reads one payload of at most limit bytes and checks its
// version, class and shape. It never panics.
func decodeEnvelope(b []byte, limit int, class string) (*envelope, error) {
	if len(b) > limit {
		return nil, dropped(dropTooLarge, fmt.Errorf("%d bytes", len(b)))
	}
	_, dec := codec()
	var e envelope
	if err := dec.Unmarshal(b, &e); err != nil {
		return nil, dropped(dropUndecodable, err)
	}
	if e.V != wireVersion {
		return nil, dropped(dropVersion, fmt.Errorf("version %d", e.V))
	}
	if e.Class != class {
		return nil, dropped(dropClass, nil)
	}
	if err := replicas.CheckName(e.From); err != nil {
		return nil, dropped(dropUndecodable, err)
	}
	want := map[int]bool{kindEdit: e.Edit != nil, kindView: e.View != nil, kindControl: e.Ctl != nil, kindState: e.State != nil}
	ok, parts := want[e.Kind], 0
	for _, has := range want {
		if has {
			parts++
		}
	}
	if !ok || parts != 1 {
		return nil, dropped(dropUndecodable, fmt.Errorf("a payload of kind %d with %d parts", e.Kind, parts))
	}
	if err := e.check(); err != nil {
		return nil, dropped(dropUndecodable, err)
	}
	return &e, nil
}

// check checks the names and strings a payload carries, which a screen
// shows.
func (e *envelope) check() error {
	var errs []error
	name := func(s string) {
		if err := replicas.CheckName(s); err != nil {
			errs = append(errs, err)
		}
	}
	text := func(s string, max int) {
		if len(s) > max || !validText(s) {
			errs = append(errs, errors.New("a string a screen cannot show"))
		}
	}
	id := func(w writeID) {
		if !w.zero() {
			name(w.Origin)
		}
	}
	view := func(v wireView) {
		text(v.CRDT, 4*viewChars+64)
		text(v.Plain, 4*viewChars+64)
	}
	switch {
	case e.Edit != nil:
		name(e.Edit.ID.Origin)
		text(e.Edit.Op, 256)
	case e.View != nil:
		view(*e.View)
	case e.Ctl != nil:
		for _, g := range e.Ctl.Groups {
			for _, n := range g {
				name(n)
			}
		}
	case e.State != nil:
		id(e.State.PlainID)
		for _, v := range e.State.Views {
			name(v.Name)
			view(v.View)
		}
		if e.State.Info != nil {
			if _, err := crdt.ParseType(e.State.Info.Type); err != nil {
				errs = append(errs, err)
			}
			if m, err := replicas.ParseMode(e.State.Info.Mode); err != nil || m == replicas.ModeOp {
				errs = append(errs, fmt.Errorf("mode %q", e.State.Info.Mode))
			}
			name(e.State.Info.Teacher)
		}
	}
	return errors.Join(errs...)
}

func validText(s string) bool {
	for _, r := range s {
		if r == '\uFFFD' || crdt.IsControl(r) {
			return false
		}
	}
	return true
}

// decodeState reads a CRDT part: a state of type t.
func decodeState(t crdt.Type, raw cbor.RawMessage) (crdt.CRDT, error) {
	_, dec := codec()
	w := crdt.NewWire(t)
	if err := dec.Unmarshal(raw, w); err != nil {
		return nil, dropped(dropType, err)
	}
	st, err := crdt.FromWire(t, w)
	if err != nil {
		return nil, dropped(dropBadState, err)
	}
	return st, nil
}

// decodeDelta reads an edit's delta of type t.
func decodeDelta(t crdt.Type, raw cbor.RawMessage) (crdt.Delta, error) {
	if t != crdt.Text {
		st, err := decodeState(t, raw)
		return crdt.Delta{State: st}, err
	}
	_, dec := codec()
	w := crdt.NewWireTextOps()
	if err := dec.Unmarshal(raw, w); err != nil {
		return crdt.Delta{}, dropped(dropType, err)
	}
	ops, err := crdt.TextOpsFromWire(w)
	if err != nil {
		return crdt.Delta{}, dropped(dropBadState, err)
	}
	return crdt.Delta{Text: ops}, nil
}

// decodePlain reads a plain value of type t.
func decodePlain(t crdt.Type, w crdt.WireValue) (crdt.Plain, error) {
	v, err := crdt.ValueFromWire(t, w)
	if err != nil {
		return nil, dropped(dropType, err)
	}
	p, err := crdt.NewPlain(t, &v)
	if err != nil {
		return nil, dropped(dropType, err)
	}
	return p, nil
}

// checksum is a value's checksum, for "does Bob's value equal mine?"
// without sending the whole value.
func checksum(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// cut shortens a value for a view: at most n characters, with an ellipsis.
func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
