package class

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"hash/fnv"
	"sync"
	"unicode/utf8"

	"github.com/fxamacker/cbor/v2"

	"crdtviz/crdt"
	"crdtviz/replicas"
)

// What travels between the processes of a class. Every payload is a
// sealed CBOR body: the wire version, the class it belongs to, the name of
// the member that signed it, the body, and an Ed25519 signature over the
// body. memberlist encrypts and authenticates the traffic with the class
// key, which every student holds; the signature says which member (or the
// teacher) made the body, which the class key cannot. This file checks
// the shape of everything that arrives: a payload that does not decode,
// is too large, or has the wrong version, class or type is dropped and
// counted, never a crash. state.go checks the signatures.

// wireVersion is the version of the sealed envelope. A payload of another
// version is dropped. Version 1 had no signatures; version 2 had no
// Lamport times and no relays.
const wireVersion = 3

// Limits on a payload's size. A message (a broadcast or a control) fits in
// one UDP packet; a push/pull state carries a whole replica, and a text
// may hold 100 000 characters.
const (
	maxMessageBytes = 64 << 10
	maxStateBytes   = 16 << 20
	// broadcastBudget is the largest CRDT part an edit's broadcast
	// carries: memberlist packs broadcasts into 1400-byte UDP packets. A
	// larger part is left to push/pull.
	broadcastBudget = 900
	// plainBudget is the largest plain write an edit's broadcast carries;
	// a larger one (a long list) is left to push/pull.
	plainBudget = 600
	// viewChars is how much of a value a member's view carries for its box;
	// the view's checksum covers the whole value.
	viewChars = 80
	// A question's text and choices, and how many choices.
	maxQuestionBytes = 300
	maxChoiceBytes   = 80
	maxChoices       = 6
	// maxMembers bounds a class's members at once: the teacher admits no
	// more. maxRoster bounds the admissions a member keeps (the members who
	// left or were kicked count too): the teacher issues no more.
	maxMembers = 256
	maxRoster  = 2 * maxMembers
	// maxViews bounds the views a push/pull state carries.
	maxViews = maxMembers
	// maxSeenRuns bounds how many runs of members a state says it has seen
	// edits of (a member that restarts starts a new run).
	maxSeenRuns = 4 * maxMembers
)

// The kinds of body.
const (
	kindEdit    = 1  // an edit, broadcast: its delta (or the state) and the plain write
	kindView    = 2  // a member's own values, for the boxes of the others
	kindControl = 3  // the teacher's partition, heal or reset
	kindState   = 4  // push/pull: the whole replica, the class, the control, the roster, the views
	kindInfo    = 5  // the class: type, mode, teacher and teacher key (signed by the teacher)
	kindAdmit   = 6  // the teacher admits a member: its name and key
	kindAsk     = 7  // a joiner asks to be admitted (signed by its own new key)
	kindRefuse  = 8  // the teacher refuses a joiner, and says why
	kindPlain   = 9  // a plain write: the value a member's edit left in its plain lane
	kindAnswer  = 10 // a member's answer to the teacher's question, sent to the teacher
	kindRelay   = 11 // another's payload (or one of this member's, made earlier) passed on: the relayer's own hop
	kindCollect = 12 // the teacher asks every member for its record (record.go)
	kindRecord  = 13 // a member's record, sent to the teacher who asked
)

// sealed is what goes on the wire: a body and who signed it.
type sealed struct {
	V     int    `cbor:"1,keyasint"`
	Class string `cbor:"2,keyasint"`
	From  string `cbor:"3,keyasint"`
	Body  []byte `cbor:"4,keyasint"`
	Sig   []byte `cbor:"5,keyasint"`
}

// envelope is a sealed body.
type envelope struct {
	Class  string       `cbor:"1,keyasint"`
	Kind   int          `cbor:"2,keyasint"`
	From   string       `cbor:"3,keyasint"`
	Epoch  uint64       `cbor:"4,keyasint"`
	Edit   *wireEdit    `cbor:"5,keyasint,omitempty"`
	View   *wireView    `cbor:"6,keyasint,omitempty"`
	Ctl    *wireControl `cbor:"7,keyasint,omitempty"`
	State  *wireState   `cbor:"8,keyasint,omitempty"`
	Info   *classInfo   `cbor:"9,keyasint,omitempty"`
	Admit  *wireAdmit   `cbor:"10,keyasint,omitempty"`
	Ask    *wireAdmit   `cbor:"11,keyasint,omitempty"`
	Refuse *wireRefuse  `cbor:"12,keyasint,omitempty"`
	Plain  *wirePlain   `cbor:"13,keyasint,omitempty"`
	Answer *wireAnswer  `cbor:"14,keyasint,omitempty"`
	// Run is the sender's run, and L its Lamport time when it made the
	// payload: every payload carries them, signed, so that the room's
	// space-time diagram can order what happened causally (record.go).
	Run uint64 `cbor:"15,keyasint,omitempty"`
	L   uint64 `cbor:"16,keyasint,omitempty"`
	// Relay is the sealed payload a relay passes on (kindRelay).
	Relay   []byte       `cbor:"17,keyasint,omitempty"`
	Collect *wireCollect `cbor:"18,keyasint,omitempty"`
	Record  *wireRecord  `cbor:"19,keyasint,omitempty"`

	raw []byte // the sealed bytes it came in, to pass on or keep
	// inner is what a relay carries, unsealed (its shape checked, not its
	// signature), with its seal.
	inner     *envelope
	innerSeal *sealed
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
	// Plain is the origin's plain value after the edit, signed with the
	// edit; nil when the plain lane declined the edit or the value did not
	// fit (push/pull then carries it, as a kindPlain write).
	Plain *crdt.WireValue `cbor:"5,keyasint,omitempty"`
}

// wirePlain is a plain write: the value the writer's plain lane held
// after its edit, signed by the writer, so that whoever passes it on
// cannot change it.
type wirePlain struct {
	ID    writeID        `cbor:"1,keyasint"`
	Value crdt.WireValue `cbor:"2,keyasint"`
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
	// SeenN counts the edits this member has seen, and SeenSum is a
	// checksum of which: equal sums, the same edits seen (for the status
	// words: EQUAL until everyone has seen every edit).
	SeenN   uint64 `cbor:"7,keyasint"`
	SeenSum uint64 `cbor:"8,keyasint"`
}

// seenRun says a member has seen edits 1 to N of one run of an origin
// (edits arrive out of order; N is the prefix seen without a gap).
type seenRun struct {
	Origin string `cbor:"1,keyasint"`
	Run    uint64 `cbor:"2,keyasint"`
	N      uint64 `cbor:"3,keyasint"`
}

// wireControl is the teacher's latest control, whole: Version counts the
// teacher's controls; Groups is the partition (none: healed); Epoch
// counts resets; Hold and Freeze are the room's.
type wireControl struct {
	Version uint64     `cbor:"1,keyasint"`
	Groups  [][]string `cbor:"2,keyasint,omitempty"`
	Epoch   uint64     `cbor:"3,keyasint"`
	// Hold: every member keeps its new edits on its laptop until the
	// teacher releases them (room.go). Freeze: edits are refused.
	Hold   bool `cbor:"4,keyasint,omitempty"`
	Freeze bool `cbor:"5,keyasint,omitempty"`
	// Question is the room's question, open or closed (ask.go).
	Question *wireQuestion `cbor:"6,keyasint,omitempty"`
	// Say is what the teacher last said to the room (script.go), numbered.
	Say  string `cbor:"7,keyasint,omitempty"`
	SayN uint64 `cbor:"8,keyasint,omitempty"`
	// Kicked is every member the teacher has removed from the class
	// (kick.go), oldest first.
	Kicked []wireKick `cbor:"9,keyasint,omitempty"`
}

// wireQuestion is the teacher's question to the room: numbered, its
// choices (answered with the digits 1 to 6), and once closed, the tally.
type wireQuestion struct {
	N          uint64   `cbor:"1,keyasint"`
	Text       string   `cbor:"2,keyasint"`
	Choices    []string `cbor:"3,keyasint"`
	Closed     bool     `cbor:"4,keyasint,omitempty"`
	Tally      []int    `cbor:"5,keyasint,omitempty"` // per choice, once closed
	Unanswered int      `cbor:"6,keyasint,omitempty"` // members who did not answer, once closed
}

// wireAnswer is a member's answer to question N: a choice, from 1.
type wireAnswer struct {
	N      uint64 `cbor:"1,keyasint"`
	Choice int    `cbor:"2,keyasint"`
	Seq    uint64 `cbor:"3,keyasint"` // the member's answers numbered: a changed answer may overtake the one it replaces
}

// classInfo is what a joiner learns from the class: its type, its mode,
// its teacher and the teacher's public key.
type classInfo struct {
	Type       string `cbor:"1,keyasint"`
	Mode       string `cbor:"2,keyasint"`
	Teacher    string `cbor:"3,keyasint"`
	TeacherKey []byte `cbor:"4,keyasint"`
	// Record says the teacher records the class (class start --record):
	// every member then keeps a record of what it sends and receives.
	Record bool `cbor:"5,keyasint,omitempty"`
}

// wireAdmit is an admission (the teacher's, kindAdmit) or a request for
// one (the joiner's, kindAsk): a name, its public key, the address it
// listens on, and the admission's number, which orders the teacher's
// admissions of one name (a student who restarts gets a new key).
type wireAdmit struct {
	Name string `cbor:"1,keyasint"`
	Key  []byte `cbor:"2,keyasint"`
	Addr string `cbor:"3,keyasint"`
	N    uint64 `cbor:"4,keyasint"`
	// Proof (a request) echoes the teacher's challenge, sent to Addr: the
	// joiner listens there (admit.go).
	Proof []byte `cbor:"5,keyasint,omitempty"`
}

// wireRefuse is the teacher's refusal of a joiner.
type wireRefuse struct {
	Name   string `cbor:"1,keyasint"`
	Key    []byte `cbor:"2,keyasint"`
	Holder string `cbor:"3,keyasint,omitempty"` // the address of the member that holds the name
	Why    string `cbor:"4,keyasint"`
	Taken  bool   `cbor:"5,keyasint,omitempty"` // refused because the name is taken (or looks like one that is)
	// Challenge is no refusal: the teacher asks the joiner to echo it in
	// its next request, to show it listens where it says (admit.go).
	Challenge []byte `cbor:"6,keyasint,omitempty"`
}

// wireState is a push/pull state. Everything in it that another member
// made travels as that member's sealed payload, so that it is checked
// against its maker's key, not the sender's.
type wireState struct {
	Info   []byte          `cbor:"1,keyasint,omitempty"` // the sealed class info (the teacher's); nil: a joiner with no class yet
	Ctl    []byte          `cbor:"2,keyasint,omitempty"` // the sealed latest control; nil: none yet
	CRDT   cbor.RawMessage `cbor:"3,keyasint,omitempty"`
	Plain  []byte          `cbor:"4,keyasint,omitempty"` // the plain write the plain lane holds, as its writer sealed it (an edit, or a kindPlain write); nil: no write yet
	Views  [][]byte        `cbor:"5,keyasint,omitempty"` // sealed views: the sender's and the others' it has heard
	Roster [][]byte        `cbor:"6,keyasint,omitempty"` // sealed admissions
	Run    uint64          `cbor:"7,keyasint"`
	Seen   []seenRun       `cbor:"8,keyasint,omitempty"` // the edits the sender has seen: a count per run
	Gaps   []writeID       `cbor:"9,keyasint,omitempty"` // and those it has seen beyond a gap in a run's numbers
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

// seal signs a body and wraps it for the wire.
func seal(id identity, env *envelope) []byte {
	body := encode(env)
	return encode(&sealed{V: wireVersion, Class: env.Class, From: env.From, Body: body, Sig: id.sign(body)})
}

// Reasons a payload is dropped. Each is counted.
const (
	dropUndecodable = "undecodable"
	dropTooLarge    = "too large"
	dropVersion     = "wrong version"
	dropClass       = "another class"
	dropType        = "wrong type"
	dropBadState    = "invalid state"
	dropForged      = "forged"
	dropOverCap     = "over the cap"
)

// dropReasons is every reason, in the order a screen lists them.
var dropReasons = []string{dropForged, dropOverCap, dropBounds, dropClock, dropUndecodable, dropTooLarge, dropVersion, dropClass, dropType, dropBadState}

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

func forged(format string, args ...any) error {
	return dropped(dropForged, fmt.Errorf(format, args...))
}

// unseal reads one sealed payload of at most limit bytes and checks its
// version, class and shape (not its signature: that needs the roster). It
// never panics.
func unseal(b []byte, limit int, class string) (*envelope, *sealed, error) {
	return unsealAt(b, limit, class, true)
}

// unsealAt is unseal; a relay's inner payload is read with relays false,
// so that a relay never carries a relay.
func unsealAt(b []byte, limit int, class string, relays bool) (*envelope, *sealed, error) {
	if len(b) > limit {
		return nil, nil, dropped(dropTooLarge, fmt.Errorf("%d bytes", len(b)))
	}
	_, dec := codec()
	var s sealed
	if err := dec.Unmarshal(b, &s); err != nil {
		return nil, nil, dropped(dropUndecodable, err)
	}
	if s.V != wireVersion {
		return nil, nil, dropped(dropVersion, fmt.Errorf("version %d", s.V))
	}
	if s.Class != class {
		return nil, nil, dropped(dropClass, nil)
	}
	var e envelope
	if err := dec.Unmarshal(s.Body, &e); err != nil {
		return nil, nil, dropped(dropUndecodable, err)
	}
	if e.Class != s.Class || e.From != s.From {
		return nil, nil, forged("the body names another class or sender than its seal")
	}
	if err := replicas.CheckName(e.From); err != nil {
		return nil, nil, dropped(dropUndecodable, err)
	}
	want := map[int]bool{kindEdit: e.Edit != nil, kindView: e.View != nil, kindControl: e.Ctl != nil, kindState: e.State != nil,
		kindInfo: e.Info != nil, kindAdmit: e.Admit != nil, kindAsk: e.Ask != nil, kindRefuse: e.Refuse != nil, kindPlain: e.Plain != nil,
		kindAnswer: e.Answer != nil, kindRelay: e.Relay != nil, kindCollect: e.Collect != nil, kindRecord: e.Record != nil}
	ok, parts := want[e.Kind], 0
	for _, has := range want {
		if has {
			parts++
		}
	}
	if !ok || parts != 1 {
		return nil, nil, dropped(dropUndecodable, fmt.Errorf("a payload of kind %d with %d parts", e.Kind, parts))
	}
	if err := e.check(); err != nil {
		return nil, nil, dropped(dropUndecodable, err)
	}
	if e.Kind == kindRelay {
		if !relays {
			return nil, nil, dropped(dropUndecodable, errors.New("a relay of a relay"))
		}
		in, inSeal, err := unsealAt(e.Relay, maxMessageBytes, class, false)
		if err != nil {
			return nil, nil, err
		}
		if !relayable[in.Kind] {
			return nil, nil, dropped(dropUndecodable, fmt.Errorf("a relay of a %s", kindName(in.Kind)))
		}
		e.inner, e.innerSeal = in, inSeal
	}
	e.raw = b
	return &e, &s, nil
}

// relayable are the kinds a relay may carry: what members pass on.
var relayable = map[int]bool{kindEdit: true, kindControl: true, kindAdmit: true}

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
	key := func(k []byte) {
		if len(k) != ed25519.PublicKeySize {
			errs = append(errs, errors.New("a public key of the wrong size"))
		}
	}
	switch {
	case e.Edit != nil:
		name(e.Edit.ID.Origin)
		text(e.Edit.Op, 256)
	case e.View != nil:
		text(e.View.CRDT, 4*viewChars+64)
		text(e.View.Plain, 4*viewChars+64)
	case e.Ctl != nil:
		for _, g := range e.Ctl.Groups {
			for _, n := range g {
				name(n)
			}
		}
		text(e.Ctl.Say, maxSayBytes)
		if len(e.Ctl.Kicked) > maxRoster {
			errs = append(errs, errors.New("a control with too many kicked"))
		}
		for _, k := range e.Ctl.Kicked {
			name(k.Name)
			key(k.Key)
			text(k.Addr, 64)
		}
		if q := e.Ctl.Question; q != nil {
			text(q.Text, maxQuestionBytes)
			if len(q.Choices) < 2 || len(q.Choices) > maxChoices || len(q.Tally) > maxChoices {
				errs = append(errs, errors.New("a question with 2 to 6 choices"))
			}
			for _, c := range q.Choices {
				text(c, maxChoiceBytes)
			}
		}
	case e.State != nil:
		if len(e.State.Views) > maxViews || len(e.State.Roster) > maxRoster || len(e.State.Seen) > maxSeenRuns {
			errs = append(errs, errors.New("a state with too many views, admissions or runs seen"))
		}
		for _, r := range e.State.Seen {
			name(r.Origin)
		}
		if len(e.State.Gaps) > maxSeenRuns {
			errs = append(errs, errors.New("a state with too many edits seen beyond a gap"))
		}
		for _, id := range e.State.Gaps {
			name(id.Origin)
		}
	case e.Info != nil:
		if _, err := crdt.ParseType(e.Info.Type); err != nil {
			errs = append(errs, err)
		}
		if m, err := replicas.ParseMode(e.Info.Mode); err != nil || m == replicas.ModeOp {
			errs = append(errs, fmt.Errorf("mode %q", e.Info.Mode))
		}
		name(e.Info.Teacher)
		key(e.Info.TeacherKey)
	case e.Admit != nil:
		name(e.Admit.Name)
		key(e.Admit.Key)
		text(e.Admit.Addr, 64)
	case e.Ask != nil:
		name(e.Ask.Name)
		key(e.Ask.Key)
		text(e.Ask.Addr, 64)
		if len(e.Ask.Proof) > 32 {
			errs = append(errs, errors.New("a proof too long"))
		}
	case e.Refuse != nil:
		name(e.Refuse.Name)
		text(e.Refuse.Holder, 64)
		text(e.Refuse.Why, 256)
		if len(e.Refuse.Challenge) > 32 {
			errs = append(errs, errors.New("a challenge too long"))
		}
	case e.Plain != nil:
		name(e.Plain.ID.Origin)
	case e.Relay != nil:
		if len(e.Relay) > maxMessageBytes {
			errs = append(errs, errors.New("a relay too large to pass on"))
		}
	case e.Collect != nil:
		if e.Collect.Budget < minRecordBudget || e.Collect.Budget > maxRecordBytes {
			errs = append(errs, errors.New("a request for records of an impossible size"))
		}
	case e.Record != nil:
		if len(e.Record.Data) > maxRecordBytes {
			errs = append(errs, errors.New("a record over the bound"))
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

// decodePlain reads a plain value of type t, within the class's caps (the
// plain lane is capped as the CRDT lane is).
func decodePlain(t crdt.Type, w crdt.WireValue) (crdt.Plain, error) {
	if n := len(w.Set) + len(w.Map); n > capOf(t) {
		return nil, dropped(dropOverCap, fmt.Errorf("a plain value of %d elements; a class's %s keeps at most %d", n, t, capOf(t)))
	}
	v, err := crdt.ValueFromWire(t, w)
	if err != nil {
		return nil, dropped(dropType, err)
	}
	if err := checkValue(t, v); err != nil {
		return nil, err
	}
	p, err := crdt.NewPlain(t, &v)
	if err != nil {
		return nil, dropped(dropType, err)
	}
	return p, nil
}

// checkValue checks a value (a state's, or a plain lane's) against the
// class's caps: at most capOf elements or keys, each element, key and
// value at most maxElemBytes, a text at most capTextItems characters (a
// merge may join two halves of the class that each wrote up to
// maxTextChars).
func checkValue(t crdt.Type, v crdt.Value) error {
	if n := len(v.Set) + len(v.Map); n > capOf(t) {
		return dropped(dropOverCap, fmt.Errorf("%d elements; a class's %s keeps at most %d", n, t, capOf(t)))
	}
	long := func(s string) error {
		return dropped(dropOverCap, fmt.Errorf("an element of %d bytes; a class's are at most %d", len(s), maxElemBytes))
	}
	switch {
	case t == crdt.Text:
		if n := utf8.RuneCountInString(v.Str); n > capTextItems {
			return dropped(dropOverCap, fmt.Errorf("a text of %d characters; a class's holds at most %d", n, capTextItems))
		}
	case len(v.Str) > maxElemBytes:
		return long(v.Str)
	}
	for _, e := range v.Set {
		if len(e) > maxElemBytes {
			return long(e)
		}
	}
	for _, p := range v.Map {
		if len(p.Key) > maxElemBytes || len(p.Value) > maxElemBytes {
			return long(p.Key + p.Value)
		}
	}
	return nil
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
