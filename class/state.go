package class

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"crdtviz/crdt"
	"crdtviz/replicas"
)

// Liveness is what memberlist says of a member.
type Liveness int

// The states a member can be in.
const (
	Alive   Liveness = iota // answering probes
	Suspect                 // missed probes; the others are checking
	Dead                    // confirmed unreachable: quit without leaving, killed, or cut off
	Left                    // left the class (quit)
)

func (l Liveness) String() string { return [...]string{"alive", "suspect", "dead", "left"}[l] }

// member is what this process knows of another member.
type member struct {
	name    string
	addr    string // HOST:PORT, for joining it again
	status  Liveness
	listed  bool // memberlist has told of it (a ghost never is)
	heard   bool // a view has arrived
	view    wireView
	viewRaw []byte            // the sealed view, passed on in push/pull
	viewKey ed25519.PublicKey // the key that signed it
	// heardL and heardAt are the time (Lamport) and the moment of the
	// newest payload signed by the member itself that this process took:
	// it is alive whatever memberlist says (see Node.watch). A replayed
	// payload carries no newer time, so it proves nothing.
	heardL  uint64
	heardAt time.Time
	revived bool // shown alive on its payloads while memberlist says dead
}

// admission is the teacher's latest admission of a name.
type admission struct {
	rec wireAdmit
	raw []byte
	old []ed25519.PublicKey // the name's earlier keys (a restart), newest last
}

// outMsg is a payload to send once the lock is released: a broadcast
// (named: it replaces an older one of that name still queued), or a
// direct message to a member or an address.
type outMsg struct {
	msg    []byte
	name   string
	to     string // a member's name
	toAddr string // an address (a joiner the teacher refuses, whom memberlist may not list)
	packet bool   // sent to or toAddr as one UDP packet, not over a connection
}

// state is everything one process knows: its replica in both lanes, the
// class, the teacher's control, the roster and the members. It does no
// I/O and has no clock: the node feeds it payloads and it returns events
// and, in out, the payloads to send, so that it can be tested on its own.
type state struct {
	name  string
	run   uint64 // this run of crdtviz, so that a restart makes new write ids
	class string // the class id (its memberlist label)
	me    identity

	// pin is the teacher key this process trusts; expect, when set, is the
	// join code the key must match (empty: trust the first key seen).
	pin     ed25519.PublicKey
	expect  string
	pinErr  string
	info    *classInfo
	infoRaw []byte
	typ     crdt.Type
	mode    replicas.Mode

	crdt      crdt.CRDT
	crdtStr   string
	crdtWire  []byte            // the CRDT lane's wire form, kept until it changes
	entries   int               // at least the CRDT lane's entries (see size)
	claims    map[string]uint64 // what the CRDT lane claims per replica (claims.go); nil until asked
	plain     crdt.Plain
	plainStr  string
	plainID   writeID
	plainRaw  []byte           // the sealed plain write the plain lane holds
	heard     map[writeID]bool // plain writes this replica has heard
	seen      map[writeID]bool // edits whose broadcast this replica has handled
	seenN     map[runKey]uint64
	seenGap   map[writeID]bool // edits seen beyond a gap in their run's numbers
	digestOK  bool             // digestN and digestSum are seenDigest's, until an edit is seen
	digestN   uint64
	digestSum uint64
	seq       uint64 // this run's edits
	clock     int64  // Lamport clock for last-writer-wins stamps
	viewSeq   uint64
	// lc is this process's Lamport clock for the room's space-time
	// diagram: one more for each payload it makes and each it receives
	// (clock.go). It is not the LWW clock above, which counts writes.
	lc uint64
	// cutOff says the last payload received was dropped because the
	// teacher's partition cuts its sender off (for the record).
	cutOff bool
	// collect is the teacher's request for this member's record, and
	// records the records members sent the teacher (record.go), for the
	// node to act on once the lock is released.
	collect   *wireCollect
	records   []*envelope
	recording bool // the teacher's: this process collects records

	ctl    wireControl
	ctlRaw []byte
	hold   *holding // during the teacher's hold (room.go)

	answers   map[string]answer // the teacher's: each member's last answer to the open question
	myAnswer  int               // this member's answer to the open question (0: none)
	answerSeq uint64            // this member's answers so far
	roster    map[string]*admission
	rosterRaw map[string]bool // the admissions taken, as sealed
	admitN    uint64          // the teacher's admissions so far
	admitted  bool            // the teacher has admitted this process's key
	gone      map[string]bool // names whose holder left with a signed goodbye, or was kicked (names.go)
	refused   *wireRefuse
	challenge []byte // the teacher's challenge to this joiner, echoed in its requests (admit.go)
	kickedMe  bool   // the teacher removed this process from the class (kick.go)

	// The teacher's: the clock reading when the payload being handled
	// arrived (zero in tests of the rules alone), the secret of its
	// challenges, and what each laptop has asked (laptops.go).
	now        time.Time
	secret     [32]byte
	admitEvery time.Duration
	laptops    map[string]*laptop
	challenges map[string]*bucket // per laptop

	members map[string]*member
	// early is the last view of each member memberlist lists whose
	// admission has not reached this process yet: taken when it does
	// (a member sends its view once, when it changes).
	early   map[string]earlyView
	dropped map[string]int
	// viewsChanged is set when a member's view changes, which is no event
	// but changes what a screen shows.
	viewsChanged bool
	out          []outMsg
}

type runKey struct {
	origin string
	run    uint64
}

func newState(name, class string, run uint64, me identity) *state {
	return &state{name: name, class: class, run: run, me: me, members: map[string]*member{}, dropped: map[string]int{},
		heard: map[writeID]bool{}, seen: map[writeID]bool{}, seenN: map[runKey]uint64{}, seenGap: map[writeID]bool{},
		roster: map[string]*admission{}, rosterRaw: map[string]bool{}, gone: map[string]bool{}}
}

// setClass fixes the class's type, mode and teacher, and starts a fresh
// replica.
func (s *state) setClass(info classInfo, raw []byte) error {
	t, err := crdt.ParseType(info.Type)
	if err != nil {
		return err
	}
	m, err := replicas.ParseMode(info.Mode)
	if err != nil {
		return err
	}
	if m == replicas.ModeOp {
		return fmt.Errorf("a class replicates by state or by delta, not by op")
	}
	s.info, s.infoRaw, s.typ, s.mode = &info, raw, t, m
	s.pin = ed25519.PublicKey(slices.Clone(info.TeacherKey))
	return s.fresh()
}

func (s *state) fresh() error {
	c, err := crdt.New(s.typ, nil)
	if err != nil {
		return err
	}
	p, err := crdt.NewPlain(s.typ, nil)
	if err != nil {
		return err
	}
	s.crdt, s.plain, s.plainID, s.plainRaw = c, p, writeID{}, nil
	s.hold = nil
	s.crdtChanged()
	s.plainStr = s.plain.Value().String()
	s.heard, s.seen = map[writeID]bool{}, map[writeID]bool{}
	s.seenN, s.seenGap = map[runKey]uint64{}, map[writeID]bool{}
	s.seq = 0 // numbered afresh in each epoch (see writeRun), with no gap
	s.digestOK = false
	for _, m := range s.members {
		m.heard, m.view, m.viewRaw = false, wireView{}, nil
	}
	return nil
}

// writeRun is the run part of this process's write ids: its run, moved on
// by each reset, so that the edits of each epoch are numbered from 1 with
// no gap (what a member has seen is then a count per run).
func (s *state) writeRun() uint64 { return s.run + s.ctl.Epoch }

// crdtChanged refreshes what is kept of the CRDT lane after it changed.
func (s *state) crdtChanged() {
	s.crdtStr = s.crdt.Value().String()
	s.crdtWire = nil
	s.claims = nil
}

func (s *state) ready() bool { return s.info != nil }

func (s *state) teacher() bool { return s.info != nil && s.info.Teacher == s.name }

// blocked reports whether the teacher's partition separates this process
// from the member named.
func (s *state) blocked(name string) bool { return separated(s.ctl.Groups, s.name, name) }

// separated reports whether a partition puts a and b in different groups.
// A member no group names keeps its links.
func separated(groups [][]string, a, b string) bool {
	ga, gb := -1, -1
	for i, g := range groups {
		for _, n := range g {
			if n == a {
				ga = i
			}
			if n == b {
				gb = i
			}
		}
	}
	return ga >= 0 && gb >= 0 && ga != gb
}

// Event is one thing that happened in this process: a local edit, a merge,
// an overwrite, a member's change, the teacher's control, a dropped
// payload. Headless mode writes each as a line of JSON.
type Event struct {
	Event       string     `json:"event"`
	Addr        string     `json:"addr,omitempty"`
	Key         string     `json:"key,omitempty"`
	Code        string     `json:"code,omitempty"`
	Fingerprint string     `json:"fingerprint,omitempty"`
	Join        string     `json:"join,omitempty"`
	From        string     `json:"from,omitempty"`
	Name        string     `json:"name,omitempty"`
	State       string     `json:"state,omitempty"`
	Via         string     `json:"via,omitempty"`
	Op          string     `json:"op,omitempty"`
	CRDT        string     `json:"crdt,omitempty"`
	Plain       string     `json:"plain,omitempty"`
	Groups      [][]string `json:"groups,omitempty"`
	Question    string     `json:"question,omitempty"`
	Choices     []string   `json:"choices,omitempty"`
	Choice      int        `json:"choice,omitempty"`
	Tally       []int      `json:"tally,omitempty"`
	Unanswered  *int       `json:"unanswered,omitempty"`
	Reason      string     `json:"reason,omitempty"`
	Text        string     `json:"text,omitempty"`
}

// view is this replica's view of itself, for the others' boxes.
func (s *state) view() wireView {
	n, sum := s.seenDigest()
	return wireView{Seq: s.viewSeq, CRDT: cut(s.crdtStr, viewChars), CRDTSum: checksum(s.crdtStr),
		Plain: cut(s.plainStr, viewChars), PlainSum: checksum(s.plainStr), SeenN: n, SeenSum: sum}
}

// sealView is this replica's view, signed.
func (s *state) sealView(left bool) []byte {
	v := s.view()
	v.Left = left
	return s.seal(kindView, func(e *envelope) { e.View = &v })
}

// stamp is the next last-writer-wins timestamp: a Lamport clock, one more
// than any stamp this replica has made or merged, so that laptops' wall
// clocks do not matter and a write made after seeing another wins over it.
// It refuses to pass crdt.MaxStampTime (claims.go keeps a class far from
// it): a stamp that wrapped would lose to every other.
func (s *state) stamp() (crdt.Stamp, error) {
	t := s.clock
	if l, ok := s.crdt.(crdt.LWW); ok {
		for _, st := range l.Stamps() {
			t = max(t, st.T)
		}
	}
	if t >= crdt.MaxStampTime {
		return crdt.Stamp{}, fmt.Errorf("%w: the class's clock is at %d, the largest a stamp holds: the teacher's reset starts it afresh", crdt.ErrExhausted, t)
	}
	s.clock = t + 1
	return crdt.Stamp{T: s.clock, Replica: s.name}, nil
}

// maxEditN bounds one increment or decrement, so that merged counters of
// a class stay far inside 64 bits.
const maxEditN = 1_000_000

// edit makes a local edit on both lanes and returns its event and the
// broadcast that carries it.
func (s *state) edit(op crdt.Op) (Event, []byte, error) {
	if !s.ready() {
		return Event{}, nil, fmt.Errorf("not in a class yet")
	}
	if s.kickedMe {
		return Event{}, nil, fmt.Errorf("the teacher removed you from the class")
	}
	if s.ctl.Freeze {
		return Event{}, nil, ErrFrozen
	}
	if err := crdt.CheckOp(s.typ, op); err != nil {
		return Event{}, nil, err
	}
	if (op.Kind == crdt.OpInc || op.Kind == crdt.OpDec) && op.N > maxEditN {
		return Event{}, nil, fmt.Errorf("in a class, one %s is at most %d", op.Kind, maxEditN)
	}
	if s.typ != crdt.Text && (len(op.Value) > maxElemBytes || len(op.Key) > maxElemBytes) {
		return Event{}, nil, fmt.Errorf("in a class, an element, a key or a value is at most %d bytes", maxElemBytes)
	}
	if s.typ == crdt.Text && op.Kind == crdt.OpInsert {
		add := len([]rune(op.Text))
		for _, v := range []string{s.crdt.Value().Str, s.plain.Value().Str} {
			if n := len([]rune(v)) + add; n > maxTextChars {
				return Event{}, nil, fmt.Errorf("the text would be %d characters; a class's text holds at most %d", n, maxTextChars)
			}
		}
	}
	if s.entries >= capOf(s.typ) {
		if s.entries = size(s.crdt); s.entries >= capOf(s.typ) {
			return Event{}, nil, fmt.Errorf("the class's %s is full: a class keeps at most %d entries (elements and their metadata); the teacher's reset empties it", s.typ, capOf(s.typ))
		}
	}
	if (op.Kind == crdt.OpInc || op.Kind == crdt.OpDec) && s.mine()[s.name]+uint64(op.N) > maxSlot {
		return Event{}, nil, fmt.Errorf("your slot of the counter would pass %d, the most a class's slot holds", uint64(maxSlot))
	}
	stamp, err := s.stamp()
	if _, lww := s.crdt.(crdt.LWW); err != nil && lww {
		return Event{}, nil, err
	}
	beforeC, beforeP := s.crdtStr, s.plainStr
	resC, effect, errC := crdt.Mutate(s.crdt, op, crdt.Ctx{Replica: s.name, Stamp: stamp})
	if errors.Is(errC, crdt.ErrExhausted) || errors.Is(errC, crdt.ErrOverflow) {
		// Said at the prompt, not only in the log: the CRDT lane cannot
		// take the edit, so neither lane does.
		return Event{}, nil, errC
	}
	resP, errP := s.plain.Apply(op)
	if errC != nil && errP != nil {
		return Event{}, nil, errC
	}
	s.seq++
	id := writeID{Origin: s.name, Run: s.writeRun(), Seq: s.seq}
	s.see(id)
	s.entries++
	s.crdtChanged()
	s.plainStr = s.plain.Value().String()
	afterC, afterP := s.crdtStr, s.plainStr
	ev := Event{Event: "edit", From: s.name, Op: op.String(), CRDT: afterC, Plain: afterP}
	ev.Text = s.name + ": " + op.String() + ": " + laneSentence("CRDT", resC, errC, beforeC, afterC) + "; " +
		laneSentence("plain", resP, errP, beforeP, afterP)

	e := &wireEdit{ID: id, Op: op.String()}
	plainWrote := errP == nil && !resP.Ignored
	if plainWrote {
		w := crdt.WireOfValue(s.plain.Value())
		s.plainID, s.plainRaw = id, nil
		s.heard[id] = true
		if len(encode(w)) <= plainBudget {
			e.Plain = &w // signed with the edit: the edit is the plain write
		} else {
			pw := wirePlain{ID: id, Value: w}
			s.plainRaw = s.seal(kindPlain, func(env *envelope) { env.Plain = &pw })
		}
	}
	if errC == nil && !resC.Ignored {
		var part []byte
		if s.mode == replicas.ModeDelta && effect != nil {
			part, e.Full = encode(crdt.WireOfDelta(effect.Delta)), false
		} else {
			part, e.Full = s.wireCRDT(), true
		}
		if len(part) <= broadcastBudget {
			e.CRDT = part
		}
	}
	s.viewSeq++
	raw := s.seal(kindEdit, func(env *envelope) { env.Edit = e })
	if plainWrote && s.plainRaw == nil {
		s.plainRaw = raw
	}
	return ev, raw, nil
}

// wireCRDT is the CRDT lane's wire form, kept until the lane changes.
func (s *state) wireCRDT() []byte {
	if s.crdtWire == nil {
		s.crdtWire = encode(crdt.Wire(s.crdt))
	}
	return s.crdtWire
}

// laneSentence says what an edit did to one lane.
func laneSentence(lane string, res crdt.Result, err error, before, after string) string {
	switch {
	case err != nil:
		return lane + " declined: " + err.Error()
	case res.Ignored:
		return lane + " declined: " + res.Why
	}
	return lane + " " + crdt.Brief(before) + " → " + crdt.Brief(after)
}

// seal makes a payload of this process, signed with its key.
func (s *state) seal(kind int, fill func(*envelope)) []byte {
	env := &envelope{Class: s.class, Kind: kind, From: s.name, Epoch: s.ctl.Epoch, Run: s.run}
	fill(env)
	env.L = s.tick() // after fill: what it carries was made before it
	return seal(s.me, env)
}

// send queues a payload to send once the lock is released.
func (s *state) send(m outMsg) { s.out = append(s.out, m) }

// takeOut returns the payloads to send, and forgets them.
func (s *state) takeOut() []outMsg {
	out := s.out
	s.out = nil
	return out
}

// signerKey is the key a payload of this kind from this sender must be
// signed with. It returns an error for a sender that may not send it.
func (s *state) signerKey(env *envelope) (ed25519.PublicKey, error) {
	switch env.Kind {
	case kindInfo:
		return ed25519.PublicKey(env.Info.TeacherKey), nil
	case kindAsk:
		if env.Ask.Name != env.From {
			return nil, forged("%s asked to be admitted as %s", env.From, env.Ask.Name)
		}
		return ed25519.PublicKey(env.Ask.Key), nil
	case kindControl, kindAdmit, kindRefuse, kindCollect:
		if s.pin == nil {
			return nil, dropped(dropNotYet, fmt.Errorf("no teacher key yet: this process is still joining"))
		}
		if s.info != nil && env.From != s.info.Teacher {
			return nil, forged("%s sent a teacher's payload", env.From)
		}
		return s.pin, nil
	}
	a := s.roster[env.From]
	if a != nil && s.kickedKey(a.rec.Key) {
		return nil, dropped(dropKicked, fmt.Errorf("%s was removed from the class by the teacher", env.From))
	}
	if a == nil {
		// The teacher admits every member, so only the teacher knows that
		// a name memberlist does not list is nobody's (a joiner that
		// memberlist lists is still asking); elsewhere its admission may
		// be on its way.
		if m := s.members[env.From]; s.teacher() && (m == nil || !m.listed) {
			return nil, forged("%s is not a member of the class", env.From)
		}
		return nil, dropped(dropNotYet, fmt.Errorf("%s is not admitted yet (as far as %s knows)", env.From, s.name))
	}
	return ed25519.PublicKey(a.rec.Key), nil
}

// dropNotYet is a payload from a member memberlist lists but the teacher
// has not admitted yet (its admission is on the way): dropped, but not
// counted as forged.
const dropNotYet = "not admitted yet"

// open checks a sealed payload's signature against the key its kind and
// sender call for.
func (s *state) open(env *envelope, seal *sealed) error {
	key, err := s.signerKey(env)
	if err != nil {
		return err
	}
	if verify(key, seal.Body, seal.Sig) {
		return nil
	}
	if a := s.roster[env.From]; a != nil && env.Kind != kindInfo && env.Kind != kindAsk {
		for _, k := range a.old {
			if verify(k, seal.Body, seal.Sig) {
				return dropped(dropStale, fmt.Errorf("from %s's earlier run", env.From))
			}
		}
	}
	return forged("a %s payload signed by someone other than %s", kindName(env.Kind), env.From)
}

// dropStale is a payload signed by a member's earlier key (it restarted):
// dropped, not counted as forged.
const dropStale = "stale"

func kindName(k int) string {
	if k >= kindEdit && k <= kindRecord {
		return [...]string{"edit", "view", "control", "state", "class", "admission", "request", "refusal", "plain write", "answer",
			"relay", "request for records", "record"}[k-1]
	}
	return "unknown"
}

// openNested reads a sealed payload carried inside another (a view, an
// admission, a control, a plain write in a state) and checks it.
func (s *state) openNested(raw []byte, kinds ...int) (*envelope, error) {
	env, seal, err := unseal(raw, maxStateBytes, s.class)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(kinds, env.Kind) {
		return nil, dropped(dropUndecodable, fmt.Errorf("a %s where a %s belongs", kindName(env.Kind), kindName(kinds[0])))
	}
	if err := s.open(env, seal); err != nil {
		return nil, err
	}
	return env, nil
}

// receive handles one payload another process sent, already unsealed (its
// shape checked; parts decoded in pre). It checks the signature and
// returns what happened; what to send on is left in s.out.
//
// A relay is the hop of the member that passed its payload on: the
// payload inside is handled as if it had come itself, but the teacher's
// partition is the hop's (a relay from this side carries what it heard
// before the cut). Its signature is checked only when what it carries is
// new: a relay of something known changes nothing.
func (s *state) receive(env *envelope, seal *sealed, pre *decoded) ([]Event, error) {
	s.cutOff = false
	hop := env
	if env.Kind == kindRelay {
		in := env.inner
		if in == nil {
			return nil, dropped(dropUndecodable, fmt.Errorf("a relay with nothing in it"))
		}
		if in.From == s.name && in.Kind == kindEdit || s.known(in) {
			return nil, nil
		}
		if in.Kind == kindEdit && len(s.ctl.Groups) > 0 {
			// During a partition the hop decides whether the edit is
			// taken: it must be the relayer's own. (Otherwise the hop
			// changes nothing here, and checking a second signature on
			// every edit passed on would cost a class of 30 dearly; the
			// record, which names the hop, is checked against the
			// relayer's signed record in the replay.) A control or an
			// admission is the teacher's, from any hop.
			if err := s.open(env, seal); err != nil {
				return nil, err
			}
		}
		env, seal = in, env.innerSeal
	}
	if env.From == s.name && env.Kind != kindInfo && env.Kind != kindAdmit && env.Kind != kindControl && env.Kind != kindRefuse {
		return nil, nil // our own payload, passed back by gossip
	}
	if env.Kind == kindState {
		return s.receiveState(env, seal, pre)
	}
	if s.known(env) {
		return nil, nil // a repeat: gossip delivers most payloads several times; no signature to check
	}
	if err := s.open(env, seal); err != nil {
		s.keepView(env, seal, err)
		return nil, err
	}
	if hop == env {
		s.heardFrom(env)
	}
	switch env.Kind {
	case kindInfo:
		return nil, s.takeInfo(env)
	case kindControl:
		return s.control(*env.Ctl, env.raw, false), nil
	case kindAdmit:
		return s.takeAdmission(*env.Admit, env.raw, false), nil
	case kindCollect:
		c := *env.Collect
		s.collect = &c
		return nil, nil
	case kindRecord:
		return nil, s.takeRecord(env)
	case kindAsk:
		return s.decide(*env.Ask), nil
	case kindRefuse:
		if env.Refuse.Name == s.name && bytes.Equal(env.Refuse.Key, s.me.pub) {
			r := *env.Refuse
			if r.Challenge != nil {
				s.challenge = slices.Clone(r.Challenge)
				return nil, nil
			}
			s.refused = &r
		}
		return nil, nil
	}
	if !s.ready() || s.blocked(hop.From) || env.Epoch != s.ctl.Epoch {
		// Cut off by the teacher, or from before (or after) a reset this
		// process has not caught up with: push/pull brings it later.
		s.cutOff = s.ready() && s.blocked(hop.From)
		return nil, nil
	}
	switch env.Kind {
	case kindEdit:
		return s.receiveEdit(env, pre)
	case kindView:
		return s.takeView(env), nil
	case kindPlain:
		return s.takePlain(env, env.From+"'s plain write", "by broadcast", "broadcast")
	case kindAnswer:
		return s.takeAnswer(env.From, *env.Answer), nil
	}
	return nil, nil
}

// known reports whether a payload is one this process has already taken
// (or one that would change nothing): an edit or a plain write already
// handled, a view no newer than the one held. Only a payload that passed
// its signature check is ever taken, so a forgery cannot make a real
// payload look known.
func (s *state) known(env *envelope) bool {
	switch env.Kind {
	case kindEdit:
		return s.seen[env.Edit.ID]
	case kindPlain:
		return s.heard[env.Plain.ID]
	case kindView:
		m, a := s.members[env.From], s.roster[env.From]
		return m != nil && a != nil && m.heard && !env.View.Left && bytes.Equal(m.viewKey, a.rec.Key) && env.View.Seq <= m.view.Seq
	}
	return false
}

// takeInfo takes the class's description, signed by its teacher: the
// first one pins the teacher key (checked against the join code when
// there is one); after that only the pinned key's.
func (s *state) takeInfo(env *envelope) error {
	info := *env.Info
	if env.From != info.Teacher {
		return forged("%s sent a class whose teacher is %s", env.From, info.Teacher)
	}
	if s.pin != nil {
		if !bytes.Equal(s.pin, info.TeacherKey) {
			return forged("a class description signed by another teacher key")
		}
		if s.ready() && (info.Type != string(s.typ) || info.Mode != s.mode.String() || info.Teacher != s.info.Teacher) {
			return forged("a class description that differs from the pinned one")
		}
		return nil
	}
	if s.expect != "" && Fingerprint(info.TeacherKey) != s.expect {
		s.pinErr = fmt.Sprintf("the teacher key there has the code %s, not %s: someone else answered, or the code was mistyped",
			Fingerprint(info.TeacherKey), s.expect)
		return forged("a teacher key that does not match the join code")
	}
	if err := s.setClass(info, env.raw); err != nil {
		return dropped(dropType, err)
	}
	return nil
}

func (s *state) member(name string) *member {
	m := s.members[name]
	if m == nil {
		m = &member{name: name, status: Alive}
		s.members[name] = m
	}
	return m
}

// takeView keeps the newer of a member's views (by the sequence its
// member numbered it with, under the member's current key).
func (s *state) takeView(env *envelope) []Event {
	name, v := env.From, *env.View
	if name == s.name {
		return nil
	}
	a := s.roster[name]
	m := s.member(name)
	if v.Left {
		s.gone[name] = true // signed by its key: the name is free
		if m.status != Left && m.listed {
			m.status = Left
			return []Event{memberEvent(name, Left, false)}
		}
		return nil
	}
	if m.heard && bytes.Equal(m.viewKey, a.rec.Key) && v.Seq <= m.view.Seq {
		return nil
	}
	m.heard, m.view, m.viewRaw, m.viewKey = true, v, env.raw, ed25519.PublicKey(a.rec.Key)
	s.viewsChanged = true
	return nil
}

// decoded is what the node decodes of a payload before taking the lock:
// the CRDT parts, and how many entries a state holds, which take time for
// a large state.
type decoded struct {
	delta   crdt.Delta
	full    crdt.CRDT
	entries int
	claims  map[string]uint64 // what it claims per replica (claims.go)
	err     error
}

// predecode decodes a payload's CRDT part for a class of type t. It does
// not need the lock.
func predecode(t crdt.Type, env *envelope) *decoded {
	if env.inner != nil {
		env = env.inner // a relay: what it carries
	}
	d := &decoded{}
	switch {
	case env.Edit != nil && len(env.Edit.CRDT) > 0 && env.Edit.Full:
		d.full, d.err = decodeState(t, env.Edit.CRDT)
	case env.Edit != nil && len(env.Edit.CRDT) > 0:
		d.delta, d.err = decodeDelta(t, env.Edit.CRDT)
		if d.err == nil && d.delta.State != nil {
			d.entries = size(d.delta.State)
			d.claims = crdt.Claims(d.delta.State)
			d.err = checkValue(t, d.delta.State.Value())
		} else {
			d.entries = len(d.delta.Text)
			d.claims = crdt.OpClaims(d.delta.Text)
		}
		return d
	case env.State != nil && len(env.State.CRDT) > byteCapOf(t):
		d.err = dropped(dropOverCap, fmt.Errorf("a state of %d bytes; a class's %s keeps at most %d", len(env.State.CRDT), t, byteCapOf(t)))
	case env.State != nil && len(env.State.CRDT) > 0:
		d.full, d.err = decodeState(t, env.State.CRDT)
	}
	if d.full != nil {
		d.entries = size(d.full)
		d.claims = crdt.Claims(d.full)
		d.err = checkValue(t, d.full.Value())
	}
	return d
}

// receiveEdit handles an edit's broadcast. An edit already handled is a
// duplicate: gossip delivers most edits more than once.
func (s *state) receiveEdit(env *envelope, pre *decoded) ([]Event, error) {
	e := env.Edit
	if e.ID.Origin != env.From {
		return nil, forged("%s sent an edit it says %s made", env.From, e.ID.Origin)
	}
	if e.ID.zero() || s.seen[e.ID] {
		return nil, nil
	}
	if pre == nil || pre.err != nil {
		if pre != nil {
			return nil, pre.err
		}
		return nil, nil
	}
	if err := s.checkClaims(pre.claims); err != nil {
		return nil, err
	}
	what := e.ID.Origin + "'s edit (" + e.Op + ")"
	how := "by broadcast"
	var events []Event
	switch {
	case pre.full != nil:
		ev, err := s.mergeCRDT(pre.full, pre.entries, e.ID.Origin, what, how, "broadcast")
		if err != nil {
			return nil, err
		}
		events = append(events, ev...)
	case !pre.delta.Empty():
		ev, err := s.joinDelta(pre.delta, pre.entries, e.ID.Origin, what, how)
		if err != nil {
			return nil, err
		}
		events = append(events, ev...)
	}
	s.see(e.ID)
	s.pass(outMsg{msg: env.raw}) // pass it on, as Serf passes on user events
	if e.Plain != nil {
		ev, err := s.takePlain(env, what, how, "broadcast")
		if err != nil {
			return events, err
		}
		events = append(events, ev...)
	}
	return events, nil
}

// takePlain overwrites the plain lane with a signed plain write: an edit
// that carries its plain value, or a kindPlain write.
func (s *state) takePlain(env *envelope, what, how, via string) ([]Event, error) {
	var id writeID
	var value crdt.WireValue
	switch {
	case env.Edit != nil && env.Edit.Plain != nil:
		id, value = env.Edit.ID, *env.Edit.Plain
	case env.Plain != nil:
		id, value = env.Plain.ID, env.Plain.Value
	default:
		return nil, dropped(dropUndecodable, fmt.Errorf("no plain write"))
	}
	if id.Origin != env.From {
		return nil, forged("%s sent a plain write it says %s made", env.From, id.Origin)
	}
	if id.zero() || s.heard[id] {
		return nil, nil
	}
	p, err := decodePlain(s.typ, value)
	if err != nil {
		return nil, err
	}
	return s.overwrite(p, id, env.raw, id.Origin, what, how, via), nil
}

// see records that an edit has reached this replica.
func (s *state) see(id writeID) {
	s.seen[id] = true
	k := runKey{id.Origin, id.Run}
	if id.Seq <= s.seenN[k] || s.seenGap[id] {
		return
	}
	s.seenChanged()
	s.seenGap[id] = true
	for s.seenGap[writeID{id.Origin, id.Run, s.seenN[k] + 1}] {
		delete(s.seenGap, writeID{id.Origin, id.Run, s.seenN[k] + 1})
		s.seenN[k]++
	}
}

// seenChanged says that what this replica has seen changed: its digest is
// computed afresh, and its view is numbered anew, so that the others take
// it (a view no newer than the one held is dropped): without it, a digest
// that changed with no merge (an edit whose delta was here already, seen
// runs learned by push/pull) never reached the others' boxes, and their
// banners said EQUAL for good.
func (s *state) seenChanged() {
	s.digestOK = false
	s.viewSeq++
	s.viewsChanged = true
}

// seenRuns is what this replica has seen, per run, sorted.
func (s *state) seenRuns() []seenRun {
	out := make([]seenRun, 0, len(s.seenN))
	for k, n := range s.seenN {
		out = append(out, seenRun{Origin: k.origin, Run: k.run, N: n})
	}
	slices.SortFunc(out, func(a, b seenRun) int {
		if c := strings.Compare(a.Origin, b.Origin); c != 0 {
			return c
		}
		return int(min(1, max(-1, int64(a.Run>>1)-int64(b.Run>>1))))
	})
	return out
}

// seenDigest counts the edits seen and sums which: two replicas with the
// same digest have seen the same edits.
func (s *state) seenDigest() (uint64, uint64) {
	if !s.digestOK {
		s.digestN, s.digestSum = s.computeDigest()
		s.digestOK = true
	}
	return s.digestN, s.digestSum
}

func (s *state) computeDigest() (uint64, uint64) {
	var n uint64
	var b strings.Builder
	for _, r := range s.seenRuns() {
		n += r.N
		fmt.Fprintf(&b, "%s\x00%d\x00%d\x00", r.Origin, r.Run, r.N)
	}
	n += uint64(len(s.seenGap))
	for _, id := range sortedIDs(s.seenGap) {
		fmt.Fprintf(&b, "+%s\x00%d\x00%d\x00", id.Origin, id.Run, id.Seq)
	}
	return n, checksum(b.String())
}

func sortedIDs(m map[writeID]bool) []writeID {
	out := make([]writeID, 0, len(m))
	for id := range m {
		out = append(out, id)
	}
	slices.SortFunc(out, func(a, b writeID) int {
		if c := strings.Compare(a.Origin, b.Origin); c != 0 {
			return c
		}
		if a.Run != b.Run {
			if a.Run < b.Run {
				return -1
			}
			return 1
		}
		return int(min(1, max(-1, int64(a.Seq)-int64(b.Seq))))
	})
	return out
}

// receiveState handles a push/pull: the sender's whole replica, the
// class, the control, the roster and the views it has heard.
func (s *state) receiveState(env *envelope, seal *sealed, pre *decoded) ([]Event, error) {
	w := env.State
	var events []Event
	// The class and the roster first: they say whose key signs the rest.
	if w.Info != nil {
		ie, err := s.openNested(w.Info, kindInfo)
		if err != nil {
			return nil, err
		}
		if err := s.takeInfo(ie); err != nil {
			return nil, err
		}
	}
	if !s.ready() {
		return nil, nil
	}
	if pre == nil {
		// The class's description came in this state: its type was not
		// known when the node decoded. A joiner must merge the class's
		// state before it edits (a member that restarts under its name
		// would otherwise number its edits from 1 again, as its earlier run
		// did: the same or-set dots, the same counter slot from 0).
		pre = predecode(s.typ, env)
	}
	for _, raw := range w.Roster {
		if s.rosterRaw[string(raw)] {
			continue // an admission this process has: no signature to check
		}
		ae, err := s.openNested(raw, kindAdmit)
		if err != nil {
			return events, err
		}
		events = append(events, s.takeAdmission(*ae.Admit, raw, false)...)
	}
	if err := s.open(env, seal); err != nil {
		return events, err
	}
	s.heardFrom(env)
	if w.Ctl != nil && !bytes.Equal(w.Ctl, s.ctlRaw) {
		ce, err := s.openNested(w.Ctl, kindControl)
		if err != nil {
			return events, err
		}
		events = append(events, s.control(*ce.Ctl, w.Ctl, false)...)
	}
	if s.blocked(env.From) || env.Epoch != s.ctl.Epoch || env.From == s.name {
		return events, nil
	}
	what, how := env.From+"'s state", "by push/pull"
	if pre != nil && pre.err != nil {
		return events, pre.err
	}
	if pre != nil && pre.full != nil {
		if err := s.checkClaims(pre.claims); err != nil {
			return events, err
		}
		ev, err := s.mergeCRDT(pre.full, pre.entries, env.From, what, how, "push/pull")
		if err != nil {
			return events, err
		}
		events = append(events, ev...)
		// Whatever the sender had seen is in its state, and now in ours.
		for _, id := range w.Gaps {
			if !s.seen[id] && (len(s.seenGap) < maxSeenRuns || s.seenGap[id]) {
				s.see(id)
			}
		}
		for _, r := range w.Seen {
			k := runKey{r.Origin, r.Run}
			if r.N > s.seenN[k] && (len(s.seenN) < maxSeenRuns || s.seenN[k] > 0) {
				s.seenN[k] = r.N
				s.seenChanged()
				for id := range s.seenGap {
					if id.Origin == r.Origin && id.Run == r.Run && id.Seq <= r.N {
						delete(s.seenGap, id)
					}
				}
			}
		}
	}
	if w.Plain != nil && !bytes.Equal(w.Plain, s.plainRaw) {
		pe, err := s.openNested(w.Plain, kindPlain, kindEdit)
		var d *dropError
		switch {
		case errors.As(err, &d) && d.reason == dropKicked:
			// The sender's plain lane still holds a kicked member's last
			// write: not taken, and the views that follow still count.
		case err != nil:
			return events, err
		case pe.Epoch == s.ctl.Epoch:
			ev, err := s.takePlain(pe, what, how, "push/pull")
			if err != nil {
				return events, err
			}
			events = append(events, ev...)
		}
	}
	for _, raw := range w.Views {
		if err := s.takeNestedView(raw); err != nil {
			return events, err
		}
	}
	return events, nil
}

// takeNestedView takes a view another member passed on: it must be signed
// by the member it describes.
func (s *state) takeNestedView(raw []byte) error {
	env, _, err := unseal(raw, maxMessageBytes, s.class)
	if err != nil {
		return err
	}
	if m := s.members[env.From]; m != nil && bytes.Equal(m.viewRaw, raw) || env.From == s.name || env.Kind == kindView && s.known(env) {
		return nil // nothing new: no signature to check
	}
	ve, err := s.openNested(raw, kindView)
	if err != nil {
		if d, ok := err.(*dropError); ok && (d.reason == dropNotYet || d.reason == dropStale || d.reason == dropKicked) {
			return nil
		}
		return err
	}
	if ve.Epoch != s.ctl.Epoch || ve.View.Left || s.blocked(ve.From) {
		return nil
	}
	s.takeView(ve)
	return nil
}

// The caps on a class's states, in entries (see size): a laptop must be
// able to show, merge and send the class's state at once, and no student
// may stall the others by bloating theirs. They are what a classroom
// needs: a shopping list of a thousand items, a text of a few pages. Every
// 2 s each of 30 laptops sends its whole state to another, so a state at
// the cap must cost little to send, decode and merge: about 100 KB for a
// set, 600 KB for a text (bench_test.go).
const (
	capEntries     = 2_000 // sets, maps, registers: an or-set of about 1,000 elements
	capCounterRows = 512   // counter slots, one or two per member
	maxTextChars   = 20_000
	capTextItems   = 2 * maxTextChars // characters and tombstones
	// maxElemBytes bounds an element, a key or a value (a text aside): a
	// shopping list's item, a word, a colour.
	maxElemBytes = 64
)

// byteCapOf is the most a state (or a plain value) of type t may weigh on
// the wire: a state at the cap weighs well under it, and a heavier one is
// refused before it is decoded.
func byteCapOf(t crdt.Type) int {
	if t == crdt.Text {
		return 1 << 20
	}
	return 512 << 10
}

func capOf(t crdt.Type) int {
	switch t {
	case crdt.Text:
		return capTextItems
	case crdt.GCounter, crdt.PNCounter:
		return capCounterRows
	}
	return capEntries
}

// size is a state's entries: characters and tombstones of a text; for the
// others, the elements or keys of its value and the entries of its
// metadata (slots, dots, tombstones, stamps).
func size(st crdt.CRDT) int {
	if t, ok := st.(*crdt.TextState); ok {
		return t.Items()
	}
	v := st.Value()
	return st.Internals().Entries + len(v.Set) + len(v.Map)
}

// mergeCRDT merges a whole state (of n entries) into the CRDT lane.
func (s *state) mergeCRDT(other crdt.CRDT, n int, from, what, how, via string) ([]Event, error) {
	return s.join(n, from, what, how, via, func(st crdt.CRDT) (crdt.Result, error) { return st.Merge(other) })
}

// joinDelta joins an edit's delta (of n entries) into the CRDT lane.
func (s *state) joinDelta(d crdt.Delta, n int, from, what, how string) ([]Event, error) {
	return s.join(n, from, what, how, "broadcast", d.JoinInto)
}

// join applies what arrived (n entries) to the CRDT lane, and says what
// changed. It is joined on a copy first when the result might pass the
// cap, or, for a counter, overflow: two states that each fit in 64 bits
// can add up past them. Either way the payload is refused, and the lane
// stays as it was.
func (s *state) join(n int, from, what, how, via string, apply func(crdt.CRDT) (crdt.Result, error)) ([]Event, error) {
	limit := capOf(s.typ)
	if n > limit {
		return nil, dropped(dropOverCap, fmt.Errorf("%d entries; a class keeps at most %d", n, limit))
	}
	before := s.crdtStr
	next := s.crdt
	counter := s.typ == crdt.GCounter || s.typ == crdt.PNCounter
	risky := s.entries+n > limit
	if risky {
		s.entries = size(s.crdt)
		risky = s.entries+n > limit
	}
	if counter || risky {
		next = s.crdt.Clone()
	}
	res, err := apply(next)
	if err != nil {
		return nil, dropped(dropType, err)
	}
	if res.Same || res.Ignored {
		return nil, nil
	}
	if counter && !fits(next) {
		return nil, dropped(dropBadState, crdt.ErrOverflow)
	}
	if risky {
		if m := size(next); m > limit {
			return nil, dropped(dropOverCap, fmt.Errorf("merged, %d entries; a class keeps at most %d", m, limit))
		}
	}
	s.crdt = next
	s.entries += n
	s.crdtChanged()
	s.holdJoin(apply)
	return []Event{s.merged(before, from, what, how, via)}, nil
}

// fits checks that a merged counter still fits in 64 bits, as a counter
// read from the wire must.
func fits(st crdt.CRDT) bool {
	_, dec := codec()
	w := crdt.NewWire(st.Type())
	if err := dec.Unmarshal(encode(crdt.Wire(st)), w); err != nil {
		return false
	}
	_, err := crdt.FromWire(st.Type(), w)
	return err == nil
}

func (s *state) merged(before, from, what, how, via string) Event {
	after := s.crdtStr
	s.viewSeq++
	ev := Event{Event: "merge", From: from, Via: via, CRDT: after}
	if after == before {
		ev.Text = fmt.Sprintf("merge: %s reached %s %s: the value stays %s; only metadata changed", what, s.name, how, crdt.Brief(after))
	} else {
		ev.Text = fmt.Sprintf("merge: %s reached %s %s: %s → %s", what, s.name, how, crdt.Brief(before), crdt.Brief(after))
	}
	return ev
}

// overwrite is the plain lane: the value that arrives replaces this one,
// unless it is a write this replica has already heard (its own, or one
// that reached it before), which is nothing new. Without that rule two
// replicas swapping values by push/pull would swap them for ever, a
// failure no real system has.
func (s *state) overwrite(p crdt.Plain, id writeID, raw []byte, from, what, how, via string) []Event {
	if id.zero() || s.heard[id] {
		return nil
	}
	s.heard[id] = true
	before := s.plainStr
	s.plain, s.plainID, s.plainRaw = p, id, raw
	if s.hold != nil {
		s.hold.plain = raw // another's write: the others may see it
	}
	s.plainStr = s.plain.Value().String()
	after := s.plainStr
	s.viewSeq++
	ev := Event{Event: "overwrite", From: from, Via: via, Plain: after}
	if after == before {
		ev.Text = fmt.Sprintf("plain: %s reached %s %s and overwrote %s with the same value", what, s.name, how, crdt.Brief(before))
	} else {
		ev.Text = fmt.Sprintf("plain: %s reached %s %s and overwrote %s with %s", what, s.name, how, crdt.Brief(before), crdt.Brief(after))
	}
	return []Event{ev}
}

// errVersions is the teacher's answer once every control version is used.
var errVersions = fmt.Errorf("the class has used every control version (%d): start a new class", uint64(math.MaxUint64))

// nextControl is the teacher's next control (want, numbered), signed;
// it refuses to wrap.
func (s *state) nextControl(want wireControl) (wireControl, []byte, error) {
	if s.ctl.Version == math.MaxUint64 {
		return wireControl{}, nil, errVersions
	}
	c := want
	c.Version, c.Groups = s.ctl.Version+1, cloneGroups(want.Groups)
	return c, s.seal(kindControl, func(e *envelope) { e.Ctl = &c }), nil
}

// control takes the teacher's control (already checked to be the
// teacher's) if it is newer than the one this process has: a partition,
// a heal, or a reset of the class. fresh says the teacher has just made it
// here; any other is passed on in a relay.
func (s *state) control(c wireControl, raw []byte, fresh bool) []Event {
	if c.Version <= s.ctl.Version || !s.ready() {
		return nil
	}
	from := s.info.Teacher
	var events []Event
	if c.Epoch > s.ctl.Epoch {
		if err := s.fresh(); err == nil {
			s.viewSeq++
			events = append(events, Event{Event: "reset", From: from, CRDT: s.crdtStr, Plain: s.plainStr,
				Text: "reset: the teacher started the class afresh; both lanes are back to " + s.crdtStr})
		}
	}
	wasCtl := s.ctl
	was := s.ctl.Groups
	s.ctl, s.ctlRaw = c, raw
	s.ctl.Groups = cloneGroups(c.Groups)
	if fresh {
		s.send(outMsg{msg: raw, name: "control"})
	} else {
		s.pass(outMsg{msg: raw, name: "control"})
	}
	if c.Epoch > wasCtl.Epoch && c.Hold && wasCtl.Hold {
		s.startHold() // a reset during a hold: the hold goes on, afresh
	}
	events = append(events, s.roomEvents(wasCtl, c)...)
	events = append(events, s.kickEvents(wasCtl, c)...)
	events = append(events, s.questionEvents(wasCtl.Question, c.Question)...)
	if !sameGroups(was, c.Groups) {
		s.viewSeq++ // our view goes out again, across a healed cut too
	}
	switch {
	case len(c.Groups) > 0 && !sameGroups(was, c.Groups):
		events = append(events, Event{Event: "partition", From: from, Groups: cloneGroups(c.Groups),
			Text: "partition: the teacher cut the class into " + GroupsString(c.Groups)})
	case len(c.Groups) == 0 && len(was) > 0:
		events = append(events, Event{Event: "heal", From: from, Text: "heal: the teacher healed the partition; members swap states across the old cut now"})
	}
	return events
}

// GroupsString writes a partition as the prompt takes it: A B | C D.
func GroupsString(groups [][]string) string {
	parts := make([]string, len(groups))
	for i, g := range groups {
		names := make([]string, len(g))
		for j, n := range g {
			names[j] = replicas.QuoteName(n)
		}
		parts[i] = strings.Join(names, " ")
	}
	return strings.Join(parts, " | ")
}

func cloneGroups(g [][]string) [][]string {
	out := make([][]string, len(g))
	for i := range g {
		out[i] = slices.Clone(g[i])
	}
	return out
}

func sameGroups(a, b [][]string) bool {
	return slices.EqualFunc(a, b, func(x, y []string) bool { return slices.Equal(x, y) })
}

// localState is this process's push/pull state, signed.
func (s *state) localState() []byte {
	return s.seal(kindState, func(env *envelope) {
		w := &wireState{Run: s.run, Info: s.infoRaw, Ctl: s.ctlRaw}
		if s.ready() && s.admitted {
			w.CRDT = s.wireCRDT()
			w.Plain = s.plainRaw
			w.Seen = s.seenRuns()
			for _, id := range sortedIDs(s.seenGap) {
				if len(w.Gaps) == maxSeenRuns {
					break
				}
				if s.hold == nil || id.Origin != s.name {
					w.Gaps = append(w.Gaps, id)
				}
			}
			if h := s.hold; h != nil {
				// What the others may see: not this member's held edits.
				w.CRDT, w.Plain = encode(crdt.Wire(h.public)), h.plain
				for i, r := range w.Seen {
					if r.Origin == s.name && r.Run == s.writeRun() {
						w.Seen[i].N = min(r.N, h.seq)
					}
				}
			} else {
				w.Views = append(w.Views, s.sealView(false))
			}
			for _, n := range s.names() {
				if m := s.members[n]; m != nil && m.heard && n != s.name && len(w.Views) < maxViews {
					w.Views = append(w.Views, m.viewRaw)
				}
			}
		}
		if s.ready() {
			for _, n := range slices.Sorted(mapsKeys(s.roster)) {
				w.Roster = append(w.Roster, s.roster[n].raw)
			}
		}
		env.State = w
	})
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// names is every member this process knows, itself included, sorted.
func (s *state) names() []string {
	out := []string{s.name}
	for n := range s.members {
		if n != s.name {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// shown reports whether a member is on screen: admitted by the teacher,
// and listed by memberlist.
func (s *state) shown(name string) bool {
	m := s.members[name]
	return m != nil && m.listed && s.roster[name] != nil && !s.kicked(name)
}

// heardFrom notes a payload signed by its sender (checked) that came from the
// sender itself: a member whose own payloads keep arriving is alive.
func (s *state) heardFrom(env *envelope) {
	m := s.members[env.From]
	if m == nil || env.From == s.name || env.L <= m.heardL || !s.held(env.From) || s.kicked(env.From) {
		return
	}
	m.heardL, m.heardAt = env.L, s.now
}
