package class

import (
	"hash/fnv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The record: what one member sent and received, for the room's own
// space-time diagram (class start --record FILE, then crdtviz class
// replay FILE).
//
// While the class records (its description says so, signed by the
// teacher), every member keeps, in memory:
//
//   - each edit it made: its author (itself), its number and operation;
//   - each payload it handed to the network, at the Lamport time it made
//     it: an edit, a relay, a view, a push/pull state, the teacher's
//     control, an admission;
//   - each transmission of one to one peer, by its own clock: a broadcast
//     leaves several times, to peers memberlist's gossip picks (read off
//     the packets, tap.go); a direct message once, to its member; a
//     push/pull state once, to a peer memberlist does not name;
//   - each payload it received: from whom (the hop), that payload's time,
//     the time of the receipt, by both clocks, and what it did here (a
//     merge or an overwrite and the value after, taken, nothing new,
//     dropped by the partition, or dropped and why);
//   - the teacher's controls (in the teacher's record).
//
// memberlist's own traffic (probes, membership news) is not recorded.
//
// A record is bounded: recordBytes of events (about 40,000). Past the
// bound a member records nothing more, and its record says where it
// stopped; the replay counts what it cannot know after that point as not
// known, never as lost.

// recordBytes bounds a member's record in memory, and maxRecordBytes what
// one may weigh on the wire; minRecordBudget is the least the teacher
// asks of each member.
const (
	recordBytes     = 1536 << 10
	maxRecordBytes  = 2 << 20
	minRecordBudget = 16 << 10
)

// What a record's events are.
const (
	recEdit    = 1 // an edit made here
	recSend    = 2 // a payload handed to the network, at the time it was made
	recXmit    = 3 // one transmission of it to one peer
	recRecv    = 4 // a payload received, and what it did here
	recControl = 5 // the teacher's control, made here
)

// How a payload travelled.
const (
	viaGossip = 1 // broadcast: memberlist's gossip (UDP), to peers it picks, each several times
	viaDirect = 2 // to one member, over TCP
	viaState  = 3 // push/pull, over TCP, to a peer memberlist picks and does not name
)

// What became of a transmission, or a payload received.
const (
	outSent   = 1 // a transmission that left
	outCut    = 2 // dropped by the teacher's partition: at the sender, or on arrival
	outFailed = 3 // a send that failed (Text says why)
	outNew    = 4 // received, and it changed this replica (Text says how)
	outTaken  = 5 // received and taken, changing no value (a view, a control, an admission, an answer)
	outOld    = 6 // received, nothing new
	outBad    = 7 // received and dropped (Text says why)
)

// recEvent is one event of a record. It is a CBOR array on the wire: a
// record holds tens of thousands.
type recEvent struct {
	_    struct{} `cbor:",toarray"`
	Type uint8
	L    uint64 // Lamport time of the event; of a transmission, of the payload it sends
	T    int64  // this laptop's own clock, Unix milliseconds
	Peer string // a transmission: to whom ("" when memberlist does not say); a receipt: from whom (the hop)
	PL   uint64 // a receipt: the payload's time, by its sender's Lamport clock
	PR   uint64 // a receipt: its sender's run
	Kind uint8  // a payload's kind; for a relay, the kind of what it carries
	Rel  bool   // a payload is a relay
	IL   uint64 // a relay: the time of the payload it carries, by its maker's Lamport clock
	Of   string // an edit (or a payload carrying one): its author
	ERun uint64 // and the run of its write id
	Seq  uint64 // and its number
	Out  uint8
	Via  uint8
	Text string // an edit: its operation; a control: what the teacher did; a receipt: what changed, or why dropped
	// Groups is the teacher's partition after a control (none: whole).
	Groups [][]string
}

func (e *recEvent) weight() int {
	w := 48 + len(e.Peer) + len(e.Of) + len(e.Text)
	for _, g := range e.Groups {
		for _, n := range g {
			w += 2 + len(n)
		}
	}
	return w
}

// memberRecord is a member's record, as it is sent to the teacher (signed,
// in a kindRecord payload) and kept in the file.
type memberRecord struct {
	Name  string `cbor:"1,keyasint"`
	Run   uint64 `cbor:"2,keyasint"`
	Start int64  `cbor:"3,keyasint"` // this laptop's clock when it began (Unix ms): it records from its start
	// End is the Lamport time it was taken at: what this member made
	// after it is not in it (what it received is, for a short grace).
	End uint64 `cbor:"5,keyasint"`
	// Full: it reached its bound; nothing from Stop on is in it.
	Full    bool   `cbor:"6,keyasint,omitempty"`
	Stop    uint64 `cbor:"7,keyasint,omitempty"`
	NotKept int    `cbor:"8,keyasint,omitempty"`
	// Untraced counts packets of its own that it could not read off (the
	// recorder fell behind): their transmissions are missing.
	Untraced int        `cbor:"9,keyasint,omitempty"`
	Left     bool       `cbor:"10,keyasint,omitempty"` // sent as it left the class
	Events   []recEvent `cbor:"11,keyasint"`
}

// wireCollect is the teacher's request for records: numbered, and how
// many bytes each may weigh.
type wireCollect struct {
	N      uint64 `cbor:"1,keyasint"`
	Budget int    `cbor:"2,keyasint"`
}

// wireRecord is a member's record (a CBOR memberRecord), answering
// request N (0: sent as it left).
type wireRecord struct {
	N    uint64 `cbor:"1,keyasint"`
	Data []byte `cbor:"2,keyasint"`
}

// recorder keeps a member's record. Its lock is a leaf: nothing is
// called while it is held. The transport hands it packets through a
// channel, and one goroutine reads them off, so that memberlist's sending
// never waits for it.
type recorder struct {
	key   []byte
	label string

	on       atomic.Bool
	packets  chan tapped
	untraced atomic.Int64
	// onCut takes the time of a payload that arrived from across the
	// teacher's partition and was dropped on arrival (the node's clock).
	onCut func(*envelope) (uint64, bool)

	mu      sync.Mutex
	name    string
	run     uint64
	start   int64
	events  []recEvent
	weight  int
	full    bool
	stop    uint64
	notKept int
	sends   map[uint64]uint64 // a payload's hash → its time, for each payload sent
	addrs   map[string]string // HOST:PORT → member, for packets sent by address
}

// tapped is a packet the transport saw.
type tapped struct {
	buf  []byte
	to   string // the peer's name, when memberlist gave it
	addr string
	at   int64
	out  uint8 // outSent, or outCut when the partition dropped it; 0: arrived and dropped by the partition here
}

func newRecorder(name string, run uint64, key []byte, label string) *recorder {
	r := &recorder{key: key, label: label, name: name, run: run, start: time.Now().UnixMilli(),
		packets: make(chan tapped, 4096), sends: map[uint64]uint64{}, addrs: map[string]string{}}
	r.on.Store(true)
	return r
}

// off stops recording and forgets the record: the class does not record.
func (r *recorder) off() {
	r.on.Store(false)
	r.mu.Lock()
	r.events, r.sends, r.weight = nil, map[uint64]uint64{}, 0
	r.mu.Unlock()
}

func hashOf(b []byte) uint64 {
	h := fnv.New64a()
	h.Write(b)
	return h.Sum64()
}

func now() int64 { return time.Now().UnixMilli() }

// add appends events, up to the bound.
func (r *recorder) add(evs ...recEvent) {
	if !r.on.Load() {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range evs {
		if r.full || r.weight+e.weight() > recordBytes {
			if !r.full {
				r.full, r.stop = true, e.L
			}
			r.stop = min(r.stop, e.L)
			r.notKept++
			continue
		}
		r.weight += e.weight()
		r.events = append(r.events, e)
	}
}

// member notes a member's address, for packets memberlist sends by
// address.
func (r *recorder) member(name, addr string) {
	r.mu.Lock()
	r.addrs[addr] = name
	r.mu.Unlock()
}

// describe fills in what a payload is: its kind, and the edit it carries.
// It returns what it says, in a few words: an edit's operation, the
// partition a control sets.
func describe(e *recEvent, env *envelope) string {
	if env.Kind == kindRelay && env.inner != nil {
		e.Rel, e.IL = true, env.inner.L
		env = env.inner
	}
	e.Kind = uint8(env.Kind)
	switch {
	case env.Edit != nil:
		e.Of, e.ERun, e.Seq = env.Edit.ID.Origin, env.Edit.ID.Run, env.Edit.ID.Seq
		return env.Edit.Op
	case env.Ctl != nil:
		return controlSummary(*env.Ctl)
	}
	return ""
}

// controlSummary says what the room is like under control c: its
// partition, hold and freeze.
func controlSummary(c wireControl) string {
	parts := []string{"no partition"}
	if len(c.Groups) > 0 {
		parts[0] = "partition " + GroupsString(c.Groups)
	}
	if c.Hold {
		parts = append(parts, "held")
	}
	if c.Freeze {
		parts = append(parts, "frozen")
	}
	return strings.Join(parts, ", ")
}

// sent records a payload handed to the network (once per payload: one
// sent again, as the teacher's control is, directly and by broadcast, is
// the same), and returns its hash, for its transmissions.
func (r *recorder) sent(raw []byte, via uint8, class string) uint64 {
	if !r.on.Load() {
		return 0
	}
	h := hashOf(raw)
	r.mu.Lock()
	_, had := r.sends[h]
	r.mu.Unlock()
	if had {
		return h
	}
	env, _, err := unseal(raw, maxStateBytes, class)
	if err != nil || env.Kind == kindCollect || env.Kind == kindRecord {
		return 0 // collecting the records is not part of them
	}
	e := recEvent{Type: recSend, L: env.L, T: now(), Via: via}
	e.Text = describe(&e, env)
	r.mu.Lock()
	if !r.full {
		r.sends[h] = env.L
	}
	r.mu.Unlock()
	r.add(e)
	return h
}

// xmit records a transmission of a payload sent (by its hash).
func (r *recorder) xmit(h uint64, to string, out uint8, why string) {
	if h == 0 || !r.on.Load() {
		return
	}
	r.mu.Lock()
	l, ok := r.sends[h]
	r.mu.Unlock()
	if ok {
		r.add(recEvent{Type: recXmit, L: l, T: now(), Peer: to, Out: out, Text: why})
	}
}

// sentState records a push/pull state made at time l: memberlist sends
// it to one peer, which it does not name.
func (r *recorder) sentState(l uint64) {
	t := now()
	r.add(recEvent{Type: recSend, L: l, T: t, Kind: kindState, Via: viaState},
		recEvent{Type: recXmit, L: l, T: t, Out: outSent})
}

// recv records a payload received at time l from the hop env.
func (r *recorder) recv(l uint64, env *envelope, out uint8, text string) {
	if !r.on.Load() {
		return
	}
	e := recEvent{Type: recRecv, L: l, T: now(), Peer: env.From, PL: env.L, PR: env.Run, Out: out, Text: cut(text, 120)}
	describe(&e, env)
	r.add(e)
}

// edit records an edit made here.
func (r *recorder) edit(l uint64, id writeID, op string) {
	r.add(recEvent{Type: recEdit, L: l, T: now(), Kind: kindEdit, Of: id.Origin, ERun: id.Run, Seq: id.Seq, Text: op})
}

// control records the teacher's control, made here at time l: what it
// did, and the partition after it.
func (r *recorder) control(l uint64, what string, groups [][]string) {
	r.add(recEvent{Type: recControl, L: l, T: now(), Kind: kindControl, Text: what, Groups: cloneGroups(groups)})
}

// tap hands the recorder a packet the transport saw. It copies the packet
// and never blocks: when the recorder falls behind, the packet is counted
// as untraced.
func (r *recorder) tap(b []byte, to, addr string, out uint8) {
	if r == nil || !r.on.Load() {
		return
	}
	select {
	case r.packets <- tapped{buf: append([]byte(nil), b...), to: to, addr: addr, at: now(), out: out}:
	default:
		r.untraced.Add(1)
	}
}

// loop reads the packets the transport hands over until stop closes.
func (r *recorder) loop(stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		case p := <-r.packets:
			r.read(p)
		}
	}
}

// read records what a packet carried: each of our payloads in a packet
// sent is a transmission to its peer; in a packet dropped on arrival by
// the partition, each is a receipt dropped.
func (r *recorder) read(p tapped) {
	msg, err := openPacket(r.key, r.label, p.buf)
	if err != nil {
		return
	}
	for _, part := range userPayloads(msg) {
		if p.out == 0 {
			r.arrivedCut(part)
			continue
		}
		h := hashOf(part)
		r.mu.Lock()
		l, ok := r.sends[h]
		to := p.to
		if to == "" {
			to = r.addrs[p.addr]
		}
		r.mu.Unlock()
		if ok {
			r.add(recEvent{Type: recXmit, L: l, T: p.at, Peer: to, Out: p.out})
		}
	}
}

// arrivedCut records a payload dropped on arrival because the teacher's
// partition cuts its sender off.
func (r *recorder) arrivedCut(part []byte) {
	if r.onCut == nil {
		return
	}
	env, _, err := unseal(part, maxMessageBytes, r.label)
	if err != nil {
		return
	}
	if l, ok := r.onCut(env); ok {
		r.recv(l, env, outCut, "dropped: the teacher's partition cuts "+env.From+" off")
	}
}

// take is the record as it stands, for request budget bytes: the events
// made up to time end (those received after it too: they arrived during
// the grace), cut to fit the budget.
func (r *recorder) take(end uint64, budget int, left bool) memberRecord {
	r.mu.Lock()
	rec := memberRecord{Name: r.name, Run: r.run, Start: r.start, End: end, Full: r.full, Stop: r.stop,
		NotKept: r.notKept, Untraced: int(r.untraced.Load()), Left: left}
	evs := make([]recEvent, 0, len(r.events))
	for _, e := range r.events {
		if e.Type != recRecv && e.L > end {
			continue // made after the end: its messages are not in the record
		}
		evs = append(evs, e)
	}
	r.mu.Unlock()
	rec.Events = evs
	// Within the budget: the first events that fit.
	w := 400
	for i, e := range evs {
		if w += e.weight(); w > budget {
			rec.Full, rec.NotKept = true, rec.NotKept+len(evs)-i
			stop := e.L
			for _, f := range evs[i:] {
				stop = min(stop, f.L)
			}
			if rec.Stop == 0 || stop < rec.Stop {
				rec.Stop = stop
			}
			rec.Events = evs[:i]
			break
		}
	}
	return rec
}
