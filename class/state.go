package class

import (
	"fmt"
	"slices"
	"strings"

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
	name   string
	addr   string // HOST:PORT, for joining it again
	status Liveness
	heard  bool // a view has arrived
	run    uint64
	view   wireView
}

// state is everything one process knows: its replica in both lanes, the
// class, the teacher's control and the members. It does no I/O and has
// no clock: the node feeds it payloads and it returns events and the
// payloads to send, so that it can be tested on its own.
type state struct {
	name  string
	run   uint64 // this run of crdtviz, so that a restart makes new write ids
	class string // the class id (its memberlist label)
	info  *classInfo
	typ   crdt.Type
	mode  replicas.Mode

	crdt    crdt.CRDT
	plain   crdt.Plain
	plainID writeID
	heard   map[writeID]bool // plain writes this replica has heard
	seen    map[writeID]bool // edits whose broadcast this replica has handled
	seq     uint64           // this run's edits
	clock   int64            // Lamport clock for last-writer-wins stamps
	viewSeq uint64

	ctl     wireControl
	members map[string]*member
	dropped map[string]int
	// viewsChanged is set when a member's view changes, which is no event
	// but changes what a screen shows.
	viewsChanged bool
}

func newState(name, class string, run uint64) *state {
	return &state{name: name, class: class, run: run, members: map[string]*member{}, dropped: map[string]int{},
		heard: map[writeID]bool{}, seen: map[writeID]bool{}}
}

// setClass fixes the class's type, mode and teacher, and starts a fresh
// replica.
func (s *state) setClass(info classInfo) error {
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
	s.info, s.typ, s.mode = &info, t, m
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
	s.crdt, s.plain, s.plainID = c, p, writeID{}
	s.heard, s.seen = map[writeID]bool{}, map[writeID]bool{}
	for _, m := range s.members {
		m.heard, m.view = false, wireView{}
	}
	return nil
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
	Event  string     `json:"event"`
	Addr   string     `json:"addr,omitempty"`
	Key    string     `json:"key,omitempty"`
	Join   string     `json:"join,omitempty"`
	From   string     `json:"from,omitempty"`
	Name   string     `json:"name,omitempty"`
	State  string     `json:"state,omitempty"`
	Via    string     `json:"via,omitempty"`
	Op     string     `json:"op,omitempty"`
	CRDT   string     `json:"crdt,omitempty"`
	Plain  string     `json:"plain,omitempty"`
	Groups [][]string `json:"groups,omitempty"`
	Reason string     `json:"reason,omitempty"`
	Text   string     `json:"text,omitempty"`
}

func (s *state) crdtString() string  { return s.crdt.Value().String() }
func (s *state) plainString() string { return s.plain.Value().String() }

// view is this replica's view of itself, for the others' boxes.
func (s *state) view() wireView {
	c, p := s.crdtString(), s.plainString()
	return wireView{Seq: s.viewSeq, CRDT: cut(c, viewChars), CRDTSum: checksum(c), Plain: cut(p, viewChars), PlainSum: checksum(p)}
}

// stamp is the next last-writer-wins timestamp: a Lamport clock, one more
// than any stamp this replica has made or merged, so that laptops' wall
// clocks do not matter and a write made after seeing another wins over it.
func (s *state) stamp() crdt.Stamp {
	t := s.clock
	if l, ok := s.crdt.(crdt.LWW); ok {
		for _, st := range l.Stamps() {
			t = max(t, st.T)
		}
	}
	s.clock = t + 1
	return crdt.Stamp{T: s.clock, Replica: s.name}
}

// maxEditN bounds one increment or decrement, so that merged counters of
// a class stay far inside 64 bits.
const maxEditN = 1_000_000

// edit makes a local edit on both lanes and returns its event and the
// broadcast that carries it.
func (s *state) edit(op crdt.Op) (Event, *envelope, error) {
	if !s.ready() {
		return Event{}, nil, fmt.Errorf("not in a class yet")
	}
	if err := crdt.CheckOp(s.typ, op); err != nil {
		return Event{}, nil, err
	}
	if (op.Kind == crdt.OpInc || op.Kind == crdt.OpDec) && op.N > maxEditN {
		return Event{}, nil, fmt.Errorf("in a class, one %s is at most %d", op.Kind, maxEditN)
	}
	if s.typ == crdt.Text && op.Kind == crdt.OpInsert {
		add := len([]rune(op.Text))
		for _, v := range []string{s.crdt.Value().Str, s.plain.Value().Str} {
			if n := len([]rune(v)) + add; n > crdt.MaxTextLen {
				return Event{}, nil, fmt.Errorf("the text would be %d characters; the limit is %d", n, crdt.MaxTextLen)
			}
		}
	}
	beforeC, beforeP := s.crdtString(), s.plainString()
	resC, effect, errC := crdt.Mutate(s.crdt, op, crdt.Ctx{Replica: s.name, Stamp: s.stamp()})
	resP, errP := s.plain.Apply(op)
	if errC != nil && errP != nil {
		return Event{}, nil, errC
	}
	s.seq++
	id := writeID{Origin: s.name, Run: s.run, Seq: s.seq}
	s.seen[id] = true
	afterC, afterP := s.crdtString(), s.plainString()
	ev := Event{Event: "edit", From: s.name, Op: op.String(), CRDT: afterC, Plain: afterP}
	ev.Text = s.name + ": " + op.String() + ": " + laneSentence("CRDT", resC, errC, beforeC, afterC) + "; " +
		laneSentence("plain", resP, errP, beforeP, afterP)

	e := &wireEdit{ID: id, Op: op.String()}
	if errP == nil && !resP.Ignored {
		s.plainID = id
		s.heard[id] = true
		w := crdt.WireOfValue(s.plain.Value())
		if len(encode(w)) <= broadcastBudget {
			e.Plain = &w
		}
	}
	if errC == nil && !resC.Ignored {
		var part []byte
		if s.mode == replicas.ModeDelta && effect != nil {
			part, e.Full = encode(crdt.WireOfDelta(effect.Delta)), false
		} else {
			part, e.Full = encode(crdt.Wire(s.crdt)), true
		}
		if len(part) <= broadcastBudget {
			e.CRDT = part
		}
	}
	s.viewSeq++
	return ev, s.envelope(kindEdit, func(env *envelope) { env.Edit = e }), nil
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

func (s *state) envelope(kind int, fill func(*envelope)) *envelope {
	env := &envelope{V: wireVersion, Class: s.class, Kind: kind, From: s.name, Epoch: s.ctl.Epoch}
	fill(env)
	return env
}

// receive handles one payload another process sent: by broadcast (an
// edit, a view or a control) or by push/pull (a state). It returns what
// happened and whether the payload is news worth passing on (relay).
func (s *state) receive(env *envelope, via string) (events []Event, relay bool, err error) {
	if env.Ctl != nil {
		return s.control(*env.Ctl, env.From), false, nil
	}
	if env.State != nil {
		if env.State.Info != nil && !s.ready() {
			if err := s.setClass(*env.State.Info); err != nil {
				return nil, false, dropped(dropType, err)
			}
		}
		if env.State.Info != nil && (env.State.Info.Type != string(s.typ) || env.State.Info.Mode != s.mode.String()) {
			return nil, false, dropped(dropType, fmt.Errorf("a %s class in %s mode", env.State.Info.Type, env.State.Info.Mode))
		}
		events = append(events, s.control(env.State.Ctl, env.From)...)
	}
	if !s.ready() || env.From == s.name {
		return events, false, nil
	}
	if s.blocked(env.From) || env.Epoch != s.ctl.Epoch {
		// Cut off by the teacher, or from before (or after) a reset this
		// process has not caught up with: push/pull brings it later.
		return events, false, nil
	}
	var more []Event
	switch {
	case env.Edit != nil:
		more, relay, err = s.receiveEdit(env.From, env.Edit)
	case env.View != nil && env.View.Left:
		if m := s.member(env.From); m.status != Left {
			m.status = Left
			more = append(more, memberEvent(env.From, Left))
		}
	case env.View != nil:
		s.takeView(env.From, env.From, s.runOf(env.From), *env.View)
	case env.State != nil:
		more, err = s.receiveState(env.From, env.State)
	}
	return append(events, more...), relay, err
}

func (s *state) runOf(name string) uint64 {
	if m := s.members[name]; m != nil {
		return m.run
	}
	return 0
}

func (s *state) member(name string) *member {
	m := s.members[name]
	if m == nil {
		m = &member{name: name, status: Alive}
		s.members[name] = m
	}
	return m
}

// takeView keeps the newer of a member's views. A view from another run of
// that member (it restarted) is taken only from the member itself.
func (s *state) takeView(name, from string, run uint64, v wireView) {
	if name == s.name {
		return
	}
	m := s.member(name)
	if m.heard && (run == m.run && v.Seq <= m.view.Seq || run != m.run && from != name) {
		return
	}
	m.heard, m.run, m.view = true, run, v
	s.viewsChanged = true
}

// receiveEdit handles an edit's broadcast. An edit already handled is a
// duplicate: gossip delivers most edits more than once.
func (s *state) receiveEdit(from string, e *wireEdit) ([]Event, bool, error) {
	if e.ID.zero() || s.seen[e.ID] {
		return nil, false, nil
	}
	var delta crdt.Delta
	var full crdt.CRDT
	var plain crdt.Plain
	var err error
	if len(e.CRDT) > 0 {
		if e.Full {
			full, err = decodeState(s.typ, e.CRDT)
		} else {
			delta, err = decodeDelta(s.typ, e.CRDT)
		}
		if err != nil {
			return nil, false, err
		}
	}
	if e.Plain != nil {
		if plain, err = decodePlain(s.typ, *e.Plain); err != nil {
			return nil, false, err
		}
	}
	s.seen[e.ID] = true
	what := e.ID.Origin + "'s edit (" + e.Op + ")"
	how := "by broadcast"
	if from != e.ID.Origin {
		how = "by broadcast, relayed by " + from
	}
	var events []Event
	switch {
	case full != nil:
		ev, err := s.mergeCRDT(full, e.ID.Origin, what, how, "broadcast")
		if err != nil {
			return nil, false, err
		}
		events = append(events, ev...)
	case !delta.Empty():
		ev, err := s.joinDelta(delta, e.ID.Origin, what, how)
		if err != nil {
			return nil, false, err
		}
		events = append(events, ev...)
	}
	if plain != nil {
		events = append(events, s.overwrite(plain, e.ID, e.ID.Origin, what, how, "broadcast")...)
	}
	return events, true, nil
}

// receiveState handles a push/pull: the sender's whole replica and the
// views it has heard.
func (s *state) receiveState(from string, w *wireState) ([]Event, error) {
	var st crdt.CRDT
	var plain crdt.Plain
	var err error
	if len(w.CRDT) > 0 {
		if st, err = decodeState(s.typ, w.CRDT); err != nil {
			return nil, err
		}
	}
	if !w.PlainID.zero() {
		if plain, err = decodePlain(s.typ, w.Plain); err != nil {
			return nil, err
		}
	}
	var events []Event
	what, how := from+"'s state", "by push/pull"
	if st != nil {
		ev, err := s.mergeCRDT(st, from, what, how, "push/pull")
		if err != nil {
			return nil, err
		}
		events = append(events, ev...)
	}
	if plain != nil {
		events = append(events, s.overwrite(plain, w.PlainID, from, what, how, "push/pull")...)
	}
	for _, v := range w.Views {
		s.takeView(v.Name, from, v.Run, v.View)
	}
	return events, nil
}

// fits checks that a merged counter still fits in 64 bits, as a counter
// read from the wire must.
func fits(st crdt.CRDT) bool {
	_, err := crdt.FromWire(st.Type(), wireRoundTrip(st))
	return err == nil
}

func wireRoundTrip(st crdt.CRDT) any {
	_, dec := codec()
	w := crdt.NewWire(st.Type())
	if err := dec.Unmarshal(encode(crdt.Wire(st)), w); err != nil {
		return nil
	}
	return w
}

// mergeCRDT merges a whole state into the CRDT lane.
func (s *state) mergeCRDT(other crdt.CRDT, from, what, how, via string) ([]Event, error) {
	return s.join(from, what, how, via, func(st crdt.CRDT) (crdt.Result, error) { return st.Merge(other) })
}

// joinDelta joins an edit's delta into the CRDT lane.
func (s *state) joinDelta(d crdt.Delta, from, what, how string) ([]Event, error) {
	return s.join(from, what, how, "broadcast", d.JoinInto)
}

// join applies what arrived to the CRDT lane, and says what changed. A
// counter is joined on a copy first: two states that each fit in 64 bits
// can add up past them, and then the payload is dropped. (The other types
// cannot overflow, and their payloads were checked when decoded.)
func (s *state) join(from, what, how, via string, apply func(crdt.CRDT) (crdt.Result, error)) ([]Event, error) {
	before := s.crdtString()
	next := s.crdt
	counter := s.typ == crdt.GCounter || s.typ == crdt.PNCounter
	if counter {
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
	s.crdt = next
	return []Event{s.merged(before, from, what, how, via)}, nil
}

func (s *state) merged(before, from, what, how, via string) Event {
	after := s.crdtString()
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
func (s *state) overwrite(p crdt.Plain, id writeID, from, what, how, via string) []Event {
	if id.zero() || s.heard[id] {
		return nil
	}
	s.heard[id] = true
	before := s.plainString()
	s.plain, s.plainID = p, id
	after := s.plainString()
	s.viewSeq++
	ev := Event{Event: "overwrite", From: from, Via: via, Plain: after}
	if after == before {
		ev.Text = fmt.Sprintf("plain: %s reached %s %s and overwrote %s with the same value", what, s.name, how, crdt.Brief(before))
	} else {
		ev.Text = fmt.Sprintf("plain: %s reached %s %s and overwrote %s with %s", what, s.name, how, crdt.Brief(before), crdt.Brief(after))
	}
	return []Event{ev}
}

// control takes the teacher's control if it is newer than the one this
// process has: a partition, a heal, or a reset of the class.
func (s *state) control(c wireControl, from string) []Event {
	if c.Version <= s.ctl.Version {
		return nil
	}
	var events []Event
	if c.Epoch > s.ctl.Epoch && s.ready() {
		if err := s.fresh(); err == nil {
			s.viewSeq++
			events = append(events, Event{Event: "reset", From: from, CRDT: s.crdtString(), Plain: s.plainString(),
				Text: "reset: the teacher started the class afresh; both lanes are back to " + s.crdtString()})
		}
	}
	was := s.ctl.Groups
	s.ctl = wireControl{Version: c.Version, Groups: cloneGroups(c.Groups), Epoch: c.Epoch}
	switch {
	case len(c.Groups) > 0 && !sameGroups(was, c.Groups):
		events = append(events, Event{Event: "partition", From: from, Groups: cloneGroups(c.Groups),
			Text: "partition: the teacher cut the class into " + GroupsString(c.Groups)})
	case len(c.Groups) == 0 && len(was) > 0:
		events = append(events, Event{Event: "heal", From: from, Text: "heal: the teacher healed the partition; lost members are joined again every 2 s"})
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

// localState is this process's push/pull state.
func (s *state) localState() *envelope {
	return s.envelope(kindState, func(env *envelope) {
		w := &wireState{Ctl: s.ctl, Run: s.run}
		if s.ready() {
			info := *s.info
			w.Info = &info
			w.CRDT = encode(crdt.Wire(s.crdt))
			w.Plain, w.PlainID = crdt.WireOfValue(s.plain.Value()), s.plainID
			w.Views = append(w.Views, namedView{Name: s.name, Run: s.run, View: s.view()})
			for _, n := range s.names() {
				if m := s.members[n]; m != nil && m.heard && n != s.name {
					w.Views = append(w.Views, namedView{Name: n, Run: m.run, View: m.view})
				}
			}
		}
		env.State = w
	})
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
