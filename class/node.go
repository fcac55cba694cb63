package class

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log"
	"math"
	mrand "math/rand/v2"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/memberlist"

	"crdtviz/crdt"
	"crdtviz/demos"
	"crdtviz/replicas"
)

// KeySize is the size of a class key: AES-256.
const KeySize = 32

// DefaultPort is memberlist's port, which a class binds unless told
// otherwise (or unless it is taken).
const DefaultPort = 7946

// Timing is how often a class talks.
type Timing struct {
	Gossip   time.Duration // broadcasts go out this often
	PushPull time.Duration // full-state anti-entropy with one random member
	Probe    time.Duration // failure detection: a probe this often, answered within half of it
	Rejoin   time.Duration // joining lost members again
	Poll     time.Duration // reading memberlist's view of who is suspect
	View     time.Duration // at most one view of this replica's values this often, per 10 members
	Admit    time.Duration // the teacher answers a laptop's requests to join this often, after a few at once (laptops.go)
	// Grace is how long a member goes on recording what arrives after
	// the teacher asks for its record, and Collect how long the teacher
	// then waits for the records (record.go).
	Grace   time.Duration
	Collect time.Duration
}

// DefaultTiming is the classroom's timing.
func DefaultTiming() Timing {
	return Timing{Gossip: 50 * time.Millisecond, PushPull: 2 * time.Second, Probe: time.Second,
		Rejoin: 2 * time.Second, Poll: 250 * time.Millisecond, View: 300 * time.Millisecond, Admit: 2 * time.Second,
		Grace: time.Second, Collect: 6 * time.Second}
}

// Options configure a process of a class.
type Options struct {
	Name string
	// Type and Mode are the class's (Start only): ModeState or ModeDelta.
	Type crdt.Type
	Mode replicas.Mode
	// Bind is ADDR:PORT to listen on; "" binds 0.0.0.0:7946, or a free
	// port when 7946 is taken. Port 0 picks a free port.
	Bind string
	// Code is the join code (Join): the class key is derived from it, and
	// the teacher key must match it.
	Code string
	// Key is the class key, KeySize bytes: for Start, instead of a join
	// code (scripts); for Join, instead of Code. A process bound to an
	// address other than loopback refuses to run without a key or code.
	Key []byte
	// Teacher, with Key, is the teacher key's fingerprint that Join
	// requires; "" trusts the first teacher key it meets.
	Teacher string
	// Record is the file the teacher writes the room's records to (Start
	// only): every member then records what it sends and receives, and
	// EndSession (and leaving) collects them (record.go, collect.go).
	Record string
	// SaveRecord writes the record file's bytes to Record (the CLI's
	// atomic writer); nil writes through a temporary file renamed into
	// place.
	SaveRecord func([]byte) error
	// Log receives memberlist's log; nil discards it.
	Log    io.Writer
	Timing Timing
}

// Node is one process of a class: a replica, in both lanes, on a real
// network. It is safe for concurrent use.
//
// Locks: memberlist calls NotifyJoin, NotifyLeave and NotifyUpdate while
// it holds its own node lock, and the broadcast queue's lock is held when
// it asks NumNodes. So n.mu is never held while calling memberlist (or
// the queue), NumNodes reads an atomic count, and payloads to send are
// handed to a goroutine (the pump) that sends them with no lock held.
type Node struct {
	opts  Options
	ml    *memberlist.Memberlist
	tr    *blockTransport
	queue *memberlist.TransmitLimitedQueue
	addr  string
	join  string

	mu    sync.Mutex
	st    *state
	nodes map[string]*memberlist.Node
	holds uint64 // the teacher's holds so far (room.go)

	snap     atomic.Pointer[Snapshot]
	typ      atomic.Pointer[crdt.Type]
	count    atomic.Int32 // members alive or suspect, this one included: memberlist's NumNodes
	takenBy  atomic.Pointer[string]
	admitted chan struct{}
	again    chan struct{} // the teacher's challenge came: ask again at once

	outMu    sync.Mutex
	out      []outMsg
	outSig   chan struct{}
	viewAt   uint64 // the view sequence last queued (noView: none yet)
	viewTick uint64 // rounds of queueView
	// viewAgain is the round at which the view last sent goes once more
	// (0: it has): a view is one UDP packet to each member, and a busy
	// laptop can drop it; the second copy keeps a banner from waiting for
	// push/pull.
	viewAgain uint64

	evMu   sync.Mutex
	events []Event
	notify chan struct{}

	// The room's record (record.go), and the teacher's collection of
	// everyone's (collect.go): recMu is a leaf lock.
	rec           *recorder
	collecting    sync.Mutex
	recMu         sync.Mutex
	got           map[string]gotRecord
	collectN      uint64
	forgedRecords int
	forgedSeen    map[uint64]bool
	recSig        chan struct{}
	recorded      atomic.Pointer[Recorded]

	stop      chan struct{}
	stopOnce  sync.Once
	leaveOnce sync.Once
	wg        sync.WaitGroup
}

// NewKey makes a fresh class key.
func NewKey() []byte {
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		panic("class: no randomness for a key: " + err.Error())
	}
	return k
}

// ParseKey reads a key written as 64 hex digits.
func ParseKey(s string) ([]byte, error) {
	k, err := hex.DecodeString(strings.TrimSpace(s))
	if err != nil || len(k) != KeySize {
		return nil, fmt.Errorf("a class key is %d hex digits", 2*KeySize)
	}
	return k, nil
}

// label is the class's memberlist label and its id in every payload:
// derived from the key, so that two classes in one room never mix and a
// student with the wrong key is refused at once.
func label(key []byte) string {
	sum := sha256.Sum256(append([]byte("crdtviz class\x00"), key...))
	return "crdtviz-" + hex.EncodeToString(sum[:6])
}

func randomRun() uint64 {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("class: no randomness: " + err.Error())
	}
	return binary.LittleEndian.Uint64(b[:]) | 1
}

// ErrNameTaken is returned by Join when another member has the name.
var ErrNameTaken = errors.New("that name is taken in this class")

// Start starts a class: this process is its first replica and its
// teacher. Without a key it makes the class's join code, from which the
// key is derived.
func Start(opts Options) (*Node, error) {
	if err := replicas.CheckName(opts.Name); err != nil {
		return nil, fmt.Errorf("--name: %w", err)
	}
	t, err := crdt.ParseType(string(opts.Type))
	if err != nil {
		return nil, err
	}
	if opts.Mode != replicas.ModeState && opts.Mode != replicas.ModeDelta {
		return nil, fmt.Errorf("a class replicates by state or by delta, not %s", opts.Mode)
	}
	id := newIdentity()
	code := Fingerprint(id.pub)
	withKey := len(opts.Key) > 0
	if !withKey {
		opts.Key = KeyFromCode(code)
	}
	n, err := newNode(opts, id)
	if err != nil {
		return nil, err
	}
	info := classInfo{Type: string(t), Mode: opts.Mode.String(), Teacher: opts.Name, TeacherKey: id.pub, Record: opts.Record != ""}
	n.join = "crdtviz class join " + n.addr + " " + code
	if withKey {
		n.join = "crdtviz class join " + n.addr + " --key " + hex.EncodeToString(opts.Key) + " --teacher " + code
	}
	n.mu.Lock()
	raw := n.st.seal(kindInfo, func(e *envelope) { e.Info = &info })
	err = n.st.setClass(info, raw)
	if err == nil {
		n.st.admitSelf(n.addr)
		n.st.admitted = true
		n.st.recording = info.Record
		n.publishLocked()
	}
	n.mu.Unlock()
	if !info.Record {
		n.rec.off()
	}
	if err != nil {
		n.shutdown()
		return nil, err
	}
	n.emit(Event{Event: "started", Addr: n.addr, Key: hex.EncodeToString(opts.Key), Code: code, Fingerprint: code, Join: n.join})
	n.run()
	return n, nil
}

// Join joins the class at addr (HOST:PORT), with its join code (or its
// key, and optionally the teacher key's fingerprint), and asks the
// teacher to admit this process. The class's type and mode come from it.
func Join(addr string, opts Options) (*Node, error) {
	if err := replicas.CheckName(opts.Name); err != nil {
		return nil, fmt.Errorf("--name: %w", err)
	}
	return join(addr, opts)
}

// join is Join without the check of the name, which the teacher checks
// too (a modified client skips it: the tests' attackers do).
func join(addr string, opts Options) (*Node, error) {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return nil, fmt.Errorf("%q is not HOST:PORT", addr)
	}
	expect := ""
	switch {
	case opts.Code != "":
		c, err := ParseCode(opts.Code)
		if err != nil {
			return nil, err
		}
		expect = c
		if len(opts.Key) == 0 {
			opts.Key = KeyFromCode(c)
		}
	case opts.Teacher != "":
		c, err := ParseCode(opts.Teacher)
		if err != nil {
			return nil, fmt.Errorf("--teacher: %w", err)
		}
		expect = c
	}
	conn, err := net.DialTimeout("tcp", addr, 3*time.Second)
	if err != nil {
		return nil, fmt.Errorf("nothing answers at %s: is the class started, and is the address right? (%v)", addr, err)
	}
	_ = conn.Close()
	n, err := newNode(opts, newIdentity())
	if err != nil {
		return nil, err
	}
	n.st.expect = expect
	if _, err := n.ml.Join([]string{addr}); err != nil {
		n.shutdown()
		if why := n.takenBy.Load(); why != nil {
			return nil, fmt.Errorf("%w: %s; choose another --name", ErrNameTaken, *why)
		}
		if errors.Is(err, ErrNameTaken) || strings.Contains(err.Error(), ErrNameTaken.Error()) {
			return nil, fmt.Errorf("%w: %s; choose another --name", ErrNameTaken, strings.TrimPrefix(err.Error(), ErrNameTaken.Error()+": "))
		}
		return nil, fmt.Errorf("the class at %s refused us: the code (or key) does not match: copy the join line from the teacher's screen again", addr)
	}
	n.mu.Lock()
	ready, pinErr, teacher, recording := n.st.ready(), n.st.pinErr, "", false
	if ready {
		teacher, recording = n.st.info.Teacher, n.st.info.Record
	}
	n.mu.Unlock()
	if !recording {
		n.rec.off() // the class keeps no record: nor does this member
	}
	if !ready {
		_ = n.Leave() // memberlist lists us already: leave, so that the name is free at once
		if pinErr != "" {
			return nil, fmt.Errorf("the class at %s is not the one the code names: %s", addr, pinErr)
		}
		return nil, fmt.Errorf("%s answered but sent no class: is it a crdtviz class?", addr)
	}
	n.run()
	if err := n.askAdmission(teacher); err != nil {
		// Leave memberlist, not only stop: otherwise the others list the
		// name as alive for seconds, and a retry under it is refused.
		_ = n.Leave()
		return nil, err
	}
	n.emit(Event{Event: "joined", Addr: n.addr, Code: n.Snapshot().Code, Text: opts.Name + " joined the class at " + addr})
	return n, nil
}

// admitWait is how long a joiner waits for the teacher's answer.
const admitWait = 60 * time.Second

// askAdmission asks the teacher to admit this process, again every
// 300 ms until it answers (memberlist may not list us there yet).
func (n *Node) askAdmission(teacher string) error {
	deadline := time.After(admitWait)
	tick := time.NewTicker(300 * time.Millisecond)
	defer tick.Stop()
	for {
		n.mu.Lock()
		req := n.st.ask(n.addr) // with the teacher's challenge, once it has come
		n.mu.Unlock()
		n.later(outMsg{msg: req, to: teacher})
		select {
		case <-n.admitted:
			return nil
		case <-tick.C:
		case <-n.again:
		case <-deadline:
			return fmt.Errorf("the teacher (%s) did not admit us within %v: is the teacher's process still running?", teacher, admitWait)
		}
		n.mu.Lock()
		r := n.st.refused
		n.mu.Unlock()
		switch {
		case r != nil && r.Taken:
			return fmt.Errorf("%w: %s; choose another --name", ErrNameTaken, r.Why)
		case r != nil:
			return fmt.Errorf("the teacher refused us: %s", r.Why)
		}
	}
}

func bindAddr(bind string) (host string, port int, dflt bool, err error) {
	if bind == "" {
		return "0.0.0.0", DefaultPort, true, nil
	}
	h, p, err := net.SplitHostPort(bind)
	if err != nil {
		return "", 0, false, fmt.Errorf("--bind %q: write ADDR:PORT, such as 0.0.0.0:7946 or 127.0.0.1:0", bind)
	}
	if net.ParseIP(h) == nil {
		return "", 0, false, fmt.Errorf("--bind %q: %q is not an IP address", bind, h)
	}
	port, err = strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, false, fmt.Errorf("--bind %q: the port is 0 to 65535", bind)
	}
	return h, port, false, nil
}

func newNode(opts Options, id identity) (*Node, error) {
	host, port, dflt, err := bindAddr(opts.Bind)
	if err != nil {
		return nil, err
	}
	if len(opts.Key) == 0 && !net.ParseIP(host).IsLoopback() {
		return nil, fmt.Errorf("refusing to listen on %s without a key: a class's traffic is encrypted", host)
	}
	if len(opts.Key) != 0 && len(opts.Key) != KeySize {
		return nil, fmt.Errorf("a class key is %d bytes", KeySize)
	}
	if opts.Timing == (Timing{}) {
		opts.Timing = DefaultTiming()
	}
	if opts.Timing.View == 0 {
		opts.Timing.View = DefaultTiming().View
	}
	if opts.Timing.Admit == 0 {
		opts.Timing.Admit = DefaultTiming().Admit
	}
	if opts.Timing.Grace == 0 {
		opts.Timing.Grace = DefaultTiming().Grace
	}
	if opts.Timing.Collect == 0 {
		opts.Timing.Collect = DefaultTiming().Collect
	}
	logOut := opts.Log
	if logOut == nil {
		logOut = io.Discard
	}
	logger := log.New(logOut, "", log.LstdFlags)
	nt, err := memberlist.NewNetTransport(&memberlist.NetTransportConfig{BindAddrs: []string{host}, BindPort: port, Logger: logger})
	if err != nil && dflt {
		nt, err = memberlist.NewNetTransport(&memberlist.NetTransportConfig{BindAddrs: []string{host}, BindPort: 0, Logger: logger})
	}
	if err != nil {
		return nil, fmt.Errorf("cannot listen on %s: %v", net.JoinHostPort(host, strconv.Itoa(port)), err)
	}
	port = nt.GetAutoBindPort()
	n := &Node{opts: opts, nodes: map[string]*memberlist.Node{}, notify: make(chan struct{}, 1), stop: make(chan struct{}),
		outSig: make(chan struct{}, 1), admitted: make(chan struct{}), again: make(chan struct{}, 1), got: map[string]gotRecord{}, recSig: make(chan struct{}, 1),
		forgedSeen: map[uint64]bool{}}
	n.count.Store(1)
	n.viewAt = noView
	n.tr = newBlockTransport(nt)
	class := label(opts.Key)
	n.st = newState(opts.Name, class, randomRun(), id)
	n.st.admitEvery = opts.Timing.Admit
	if _, err := rand.Read(n.st.secret[:]); err != nil {
		panic("class: no randomness: " + err.Error())
	}
	// Every process records from the start, and forgets it at once when
	// the class turns out not to record (its description says).
	n.rec = newRecorder(opts.Name, n.st.run, opts.Key, class)
	n.rec.onCut = n.observeCut
	n.tr.rec = n.rec
	n.queue = &memberlist.TransmitLimitedQueue{RetransmitMult: 3, NumNodes: func() int { return int(n.count.Load()) }}

	c := memberlist.DefaultLANConfig()
	c.Name = opts.Name
	c.Transport = n.tr
	c.BindAddr, c.BindPort, c.AdvertisePort = host, port, port
	if !net.ParseIP(host).IsUnspecified() {
		c.AdvertiseAddr = host
	}
	c.SecretKey = opts.Key
	c.Label = class
	c.Delegate = (*delegate)(n)
	c.Events = (*events)(n)
	c.Merge = (*merger)(n)
	c.Alive = (*aliveGuard)(n)
	c.GossipInterval = opts.Timing.Gossip
	// Each gossip round sends a packet of broadcasts to 6 members (memberlist's
	// default is 3): "everyone add one item" puts 30 edits in every queue at
	// once, each to be sent 6 times, and more packets a round empty the
	// queues sooner.
	c.GossipNodes = 6
	// Payloads are signed CBOR, short or already dense: LZW gains little
	// on them, and costs every member CPU on every packet.
	c.EnableCompression = false
	c.PushPullInterval = opts.Timing.PushPull
	c.ProbeInterval = opts.Timing.Probe
	c.ProbeTimeout = opts.Timing.Probe / 2
	c.GossipToTheDeadTime = 5 * time.Second
	c.DeadNodeReclaimTime = time.Second
	c.TCPTimeout = 3 * time.Second
	c.Logger = logger
	// The pump sends what the callbacks hand it; it runs from the start,
	// since memberlist calls them as soon as it joins.
	n.wg.Go(n.pump)
	n.wg.Go(func() { n.rec.loop(n.stop) })
	ml, err := memberlist.Create(c)
	if err != nil {
		n.stopOnce.Do(func() { close(n.stop) })
		n.wg.Wait()
		_ = n.tr.Shutdown()
		if strings.Contains(err.Error(), "private IP") {
			return nil, fmt.Errorf("cannot tell which address the others should use: give it with --bind IP:%d (%v)", port, err)
		}
		return nil, err
	}
	self := ml.LocalNode()
	n.mu.Lock()
	n.ml = ml
	n.addr = net.JoinHostPort(self.Addr.String(), strconv.Itoa(int(self.Port)))
	n.publishLocked()
	n.mu.Unlock()
	return n, nil
}

// Addr is where this process listens, as others reach it: HOST:PORT.
func (n *Node) Addr() string { return n.addr }

// JoinLine is the line students type to join (for the teacher's process).
func (n *Node) JoinLine() string { return n.join }

// Done is closed when this process has left the class, or stopped: by
// Leave, or when the teacher kicked it out (kick.go).
func (n *Node) Done() <-chan struct{} { return n.stop }

// Notify is signalled after new events.
func (n *Node) Notify() <-chan struct{} { return n.notify }

// Drain returns the events since the last Drain.
func (n *Node) Drain() []Event {
	n.evMu.Lock()
	defer n.evMu.Unlock()
	out := n.events
	n.events = nil
	return out
}

func (n *Node) emit(evs ...Event) {
	if len(evs) == 0 {
		return
	}
	n.evMu.Lock()
	n.events = append(n.events, evs...)
	n.evMu.Unlock()
	n.signal()
}

// signal wakes a screen waiting on Notify: something it shows changed.
func (n *Node) signal() {
	select {
	case n.notify <- struct{}{}:
	default:
	}
}

// publishLocked makes a new snapshot for the screens. The caller holds
// the lock; the snapshot copies kept strings and counts, so it takes
// microseconds whatever the size of the state.
func (n *Node) publishLocked() {
	s := n.st.snapshot()
	s.Addr = n.addr
	if s.Teacher == s.Name {
		s.Join = n.join
	}
	n.snap.Store(s)
	if n.st.ready() {
		t := n.st.typ
		n.typ.Store(&t)
	}
	alive := int32(1)
	for _, m := range n.st.members {
		if m.listed && (m.status == Alive || m.status == Suspect) {
			alive++
		}
	}
	n.count.Store(alive)
}

// Snapshot is what a screen shows, now. It takes no lock.
func (n *Node) Snapshot() Snapshot {
	s := *n.snap.Load()
	s.Members = append([]Member(nil), s.Members...)
	return s
}

// Names is every member on screen, this one included, sorted.
func (n *Node) Names() []string {
	s := n.snap.Load()
	out := []string{s.Name}
	for _, m := range s.Members {
		out = append(out, m.Name)
	}
	return sortedNames(out)
}

// Members is the members on screen that are alive or suspect, this one
// included, sorted.
func (n *Node) Members() []string {
	s := n.snap.Load()
	out := []string{s.Name}
	for _, m := range s.Members {
		if m.Counted() {
			out = append(out, m.Name)
		}
	}
	return sortedNames(out)
}

func sortedNames(ns []string) []string {
	for i := 1; i < len(ns); i++ {
		for j := i; j > 0 && ns[j] < ns[j-1]; j-- {
			ns[j], ns[j-1] = ns[j-1], ns[j]
		}
	}
	return ns
}

// Edit makes a local edit and broadcasts it.
func (n *Node) Edit(op crdt.Op) (Event, error) {
	n.mu.Lock()
	l := n.st.tick()
	ev, msg, err := n.st.edit(op)
	if err == nil {
		n.rec.edit(l, writeID{Origin: n.st.name, Run: n.st.writeRun(), Seq: n.st.seq}, op.String())
		n.st.sendEdit(msg) // or keeps it, during the teacher's hold
		n.publishLocked()
	}
	out := n.st.takeOut()
	if err == nil {
		// Emitted under the lock, as every event of this replica is: an
		// event never follows one that saw a later value.
		n.emit(ev)
	}
	n.mu.Unlock()
	if err != nil {
		return Event{}, err
	}
	n.later(out...)
	return ev, nil
}

// Partition cuts the class into groups (teacher only). Every name must be
// a member; a member no group names keeps its links.
func (n *Node) Partition(groups [][]string) error {
	return n.control(func(cur wireControl) (wireControl, error) {
		known := map[string]bool{}
		for _, name := range n.st.names() {
			known[name] = true
		}
		seen := map[string]bool{}
		nonEmpty := 0
		for _, g := range groups {
			if len(g) > 0 {
				nonEmpty++
			}
			for _, name := range g {
				if !known[name] || name != n.st.name && !n.st.shown(name) {
					return cur, fmt.Errorf("no member is named %s (members: %s)", replicas.QuoteName(name), strings.Join(n.st.names(), ", "))
				}
				if seen[name] {
					return cur, fmt.Errorf("%s is in two groups", replicas.QuoteName(name))
				}
				seen[name] = true
			}
		}
		if nonEmpty < 2 {
			return cur, fmt.Errorf("a partition needs two groups: partition A B | C D")
		}
		cur.Groups = groups
		return cur, nil
	})
}

// Heal ends the partition (teacher only).
func (n *Node) Heal() error {
	return n.control(func(cur wireControl) (wireControl, error) {
		if len(cur.Groups) == 0 {
			return cur, fmt.Errorf("there is no partition to heal")
		}
		cur.Groups = nil
		return cur, nil
	})
}

// Reset starts the class afresh: every replica goes back to the type's
// zero value (teacher only). A partition, a hold and a freeze stay.
func (n *Node) Reset() error {
	return n.control(func(cur wireControl) (wireControl, error) {
		if cur.Epoch == math.MaxUint64 {
			return cur, errVersions
		}
		cur.Epoch++
		return cur, nil
	})
}

// control makes the teacher's next control from the current one, signed,
// applies it here, and sends it to every member directly (across the
// partition: the other side must learn of the cut it is in, and of the
// heal), then by broadcast; push/pull carries it too.
func (n *Node) control(next func(wireControl) (wireControl, error)) error {
	n.mu.Lock()
	if err := n.teacherLocked(); err != nil {
		n.mu.Unlock()
		return err
	}
	want, err := next(n.st.ctl)
	var c wireControl
	var raw []byte
	if err == nil {
		c, raw, err = n.st.nextControl(want)
	}
	if err != nil {
		n.mu.Unlock()
		return err
	}
	var to []*memberlist.Node
	for _, name := range n.st.names() {
		if nd := n.nodes[name]; nd != nil && name != n.st.name && n.st.members[name].status != Left {
			to = append(to, nd)
		}
	}
	was := cloneGroups(n.st.ctl.Groups)
	n.rec.control(n.st.lc, controlText(n.st.ctl, c), c.Groups)
	evs := n.st.control(c, raw, true)
	n.recutLocked()
	n.publishLocked()
	out := n.st.takeOut()
	peers := n.acrossLocked(was)
	n.emit(evs...)
	n.mu.Unlock()
	n.exchange(peers)
	n.tr.bypass.Add(1)
	n.sendAll(to, raw)
	n.tr.bypass.Add(-1)
	n.later(out...)
	return nil
}

func (n *Node) teacherLocked() error {
	if !n.st.teacher() {
		return fmt.Errorf("only the teacher (%s) can partition, heal, reset, hold, freeze or kick", n.st.info.Teacher)
	}
	return nil
}

// recutLocked tells the transport who is cut off now.
func (n *Node) recutLocked() {
	c := &cutSet{names: map[string]bool{}, addrs: map[string]bool{}, ips: map[string]bool{}}
	ipUsers := map[string]int{}
	for name, m := range n.st.members {
		if host, _, err := net.SplitHostPort(m.addr); err == nil && name != n.st.name {
			ipUsers[host]++
		}
	}
	for name, m := range n.st.members {
		if name == n.st.name || !n.st.blocked(name) {
			continue
		}
		c.names[name] = true
		if m.addr != "" {
			c.addrs[m.addr] = true
			host, _, _ := net.SplitHostPort(m.addr)
			// A stream's address has a fresh port: only an IP no one else
			// uses tells who opened it. The teacher's is never closed, so
			// that a heal can cross the cut.
			if ipUsers[host] == 1 && name != n.st.info.Teacher && host != n.selfHost() {
				c.ips[host] = true
			}
		}
	}
	n.tr.setCut(c)
}

func (n *Node) selfHost() string {
	h, _, _ := net.SplitHostPort(n.addr)
	return h
}

// acrossLocked picks, after a control that healed a partition (was: the
// groups before it), two members from across the old cut, to exchange
// states with at once.
func (n *Node) acrossLocked(was [][]string) []string {
	if len(was) == 0 || len(n.st.ctl.Groups) != 0 {
		return nil
	}
	var across []string
	for _, name := range n.st.names() {
		if m := n.st.members[name]; m != nil && m.addr != "" && separated(was, n.st.name, name) && n.st.shown(name) {
			across = append(across, m.addr)
		}
	}
	mrand.Shuffle(len(across), func(i, j int) { across[i], across[j] = across[j], across[i] })
	return across[:min(2, len(across))]
}

// exchange swaps whole states with each address at once (a push/pull, as
// a join does), on its own goroutine: after a heal each side holds the
// other's edits in one round, instead of waiting for the next rounds of
// anti-entropy with random members.
func (n *Node) exchange(addrs []string) {
	for _, a := range addrs {
		// Not on n.wg: a payload can arrive while the node stops, and a
		// join after memberlist's shutdown returns at once.
		go func() {
			select {
			case <-n.stop:
			default:
				_, _ = n.ml.Join([]string{a})
			}
		}()
	}
}

// run starts the watcher (who is suspect), the rejoin loop, and the
// views.
func (n *Node) run() {
	n.every(n.opts.Timing.Poll, n.watch)
	n.every(n.opts.Timing.Rejoin, n.rejoin)
	n.every(n.opts.Timing.View, n.queueView)
}

// every runs f every d until the node stops.
func (n *Node) every(d time.Duration, f func()) {
	n.wg.Go(func() {
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			select {
			case <-n.stop:
				return
			case <-t.C:
				f()
			}
		}
	})
}

// viewRepeat is the rounds of queueView after which a view that has not
// changed goes once more (about 0.9 s with the classroom's timing).
const viewRepeat = 3

// noView is viewAt before any view is queued.
const noView = ^uint64(0)

// queueView sends this replica's view, when it has changed since the
// last, to every member it can reach, directly (one UDP packet each): at
// most one every Timing.View, so that a burst of merges does not flood the
// room with views. Gossip carried a view to at most 6 members (memberlist
// sends a broadcast 3 × ⌈log10(n+1)⌉ times, to members picked at random,
// and nobody passes a view on), and push/pull the rest seconds later:
// after a heal, the banners of a class of 30 said CONVERGED 5 to 7 s after
// the values agreed.
func (n *Node) queueView() {
	// A class of 30 hears 29 views for every round of its own, about 100
	// signatures a second to check, a few milliseconds: beyond 30 members,
	// the rounds grow further apart, so that it stays so.
	n.viewTick++
	if every := (int(n.count.Load()) + 29) / 30; every > 1 && n.viewTick%uint64(every) != 0 {
		return
	}
	n.mu.Lock()
	fresh := n.st.viewSeq != n.viewAt
	again := !fresh && n.viewAgain != 0 && n.viewTick >= n.viewAgain
	if !n.st.ready() || !n.st.admitted || !fresh && !again || n.st.hold != nil {
		n.mu.Unlock()
		return // during a hold this member's box stays as the others last saw it
	}
	n.viewAgain = 0
	if fresh {
		n.viewAgain = n.viewTick + viewRepeat
	}
	n.viewAt = n.st.viewSeq
	msg := n.st.sealView(false)
	var to []*memberlist.Node
	for _, name := range n.st.names() {
		m := n.st.members[name]
		if name == n.st.name || m == nil || !n.st.shown(name) || m.status != Alive && m.status != Suspect || n.st.blocked(name) {
			continue
		}
		if nd := n.nodeForLocked(name, ""); nd != nil {
			to = append(to, nd)
		}
	}
	class := n.st.class
	n.mu.Unlock()
	n.rec.sent(msg, viaDirect, class) // each packet is recorded as it leaves (transport.go)
	for _, nd := range to {
		_ = n.ml.SendBestEffort(nd, msg)
	}
}

// watch reads memberlist's view of who is suspect. It also shows alive a
// member that memberlist holds dead while the member's own signed
// payloads keep arriving (heardAt within revive): memberlist's messages
// are not signed, and one forged "dead" with the largest incarnation
// number makes memberlist hold a live member dead for good (her
// refutation wraps to 0). The rejoin loop asks such a member for its
// state every Timing.Rejoin, so a live one is heard from that often.
func (n *Node) watch() {
	states := map[string]memberlist.NodeStateType{}
	for _, m := range n.ml.Members() {
		states[m.Name] = m.State
	}
	revive := 4 * max(n.opts.Timing.Rejoin, n.opts.Timing.PushPull)
	now := time.Now()
	var evs []Event
	n.mu.Lock()
	for _, name := range n.st.names() {
		m := n.st.members[name]
		if m == nil || !m.listed || name == n.st.name {
			continue
		}
		s, ok := states[name]
		fresh := !m.heardAt.IsZero() && now.Sub(m.heardAt) < revive && n.st.held(name) && !n.st.kicked(name) && !n.st.blocked(name)
		next := m.status
		switch {
		case ok && (m.status == Alive || m.status == Suspect || m.revived):
			m.revived = false
			next = Alive
			if s == memberlist.StateSuspect {
				next = Suspect
			}
		case !ok && m.status == Dead && fresh:
			m.revived, next = true, Alive
		case !ok && m.revived && !fresh:
			m.revived, next = false, Dead
		}
		if next != m.status {
			was := m.status
			m.status = next
			if n.st.shown(name) {
				ev := memberEvent(name, next, n.st.blocked(name))
				if was == Dead && next == Alive && m.revived {
					ev.Text = name + " is alive again (its payloads arrive; memberlist says dead)"
				}
				evs = append(evs, ev)
			}
		}
	}
	if len(evs) > 0 {
		n.publishLocked()
	}
	n.emit(evs...)
	n.mu.Unlock()
}

// rejoin joins again, every Timing.Rejoin, the members this process has
// lost: memberlist never probes a dead member again, so after a heal (or
// a real network's loss) a class would otherwise stay split. Serf does
// the same.
func (n *Node) rejoin() {
	var addrs []string
	listed := map[string]bool{}
	for _, m := range n.ml.Members() {
		listed[m.Name] = true // alive or suspect again: nothing to join
	}
	n.mu.Lock()
	for _, name := range n.st.names() {
		if m := n.st.members[name]; m != nil && (m.status == Dead || m.revived) && m.addr != "" && !n.st.blocked(name) && n.st.roster[name] != nil && !listed[name] {
			addrs = append(addrs, m.addr)
		}
	}
	n.mu.Unlock()
	for _, a := range addrs {
		select {
		case <-n.stop:
			return
		default:
		}
		_, _ = n.ml.Join([]string{a})
	}
}

func memberEvent(name string, l Liveness, blocked bool) Event {
	text := map[Liveness]string{
		Alive:   name + " is alive",
		Suspect: name + " is suspect: it missed probes, and the others are checking",
		Dead:    name + " is dead: it stopped answering (quit without leaving, killed, or lost the network)",
		Left:    name + " left the class",
	}[l]
	state := l.String()
	if blocked && (l == Dead || l == Suspect) {
		text, state = name+" is cut off by the teacher's partition", "cut off"
	}
	return Event{Event: "member", Name: name, State: state, Text: text}
}

// Leave leaves the class gracefully, so that the others see "left" at
// once, and stops.
func (n *Node) Leave() error {
	var err error
	n.leaveOnce.Do(func() {
		select {
		case <-n.stop:
			return // stopped already: memberlist panics on a leave after its shutdown
		default:
		}
		if n.opts.Record != "" {
			if _, rerr := n.EndSession(); rerr != nil && !errors.Is(rerr, ErrNotRecording) {
				n.emit(Event{Event: "error", Text: rerr.Error()})
			}
		}
		n.leaveRecord()
		n.sayGoodbye()
		err = n.ml.Leave(2 * time.Second)
		n.shutdown()
	})
	return err
}

// sayGoodbye tells every member directly that this one is leaving, so
// that their screens say "left", not "dead".
func (n *Node) sayGoodbye() {
	n.mu.Lock()
	var msg []byte
	var to []*memberlist.Node
	if n.st.ready() && n.st.admitted {
		msg = n.st.sealView(true)
		for _, name := range n.st.names() {
			if m := n.st.members[name]; m != nil && n.nodes[name] != nil && (m.status == Alive || m.status == Suspect) && !n.st.blocked(name) {
				to = append(to, n.nodes[name])
			}
		}
	}
	n.mu.Unlock()
	n.sendAll(to, msg)
}

// sendAll sends msg to each node directly (over TCP), all at once, and
// waits for the sends.
func (n *Node) sendAll(to []*memberlist.Node, msg []byte) {
	h := n.rec.sent(msg, viaDirect, n.st.class)
	var wg sync.WaitGroup
	for _, nd := range to {
		wg.Go(func() { n.sendReliable(nd, msg, h) })
	}
	wg.Wait()
}

// sendReliable sends msg (of hash h, in the record) to one node over TCP,
// and records the transmission.
func (n *Node) sendReliable(nd *memberlist.Node, msg []byte, h uint64) {
	err := n.ml.SendReliable(nd, msg)
	out, why := uint8(outSent), ""
	var c errCut
	switch {
	case errors.As(err, &c):
		out = outCut
	case err != nil:
		out, why = outFailed, cut(err.Error(), 120)
	}
	n.rec.xmit(h, nd.Name, out, why)
}

func (n *Node) shutdown() {
	n.stopOnce.Do(func() { close(n.stop) })
	n.wg.Wait()
	if n.ml != nil {
		_ = n.ml.Shutdown()
	} else {
		_ = n.tr.Shutdown()
	}
}

// later hands payloads to the pump, which sends them with no lock held.
// It never blocks, so memberlist's callbacks may call it.
func (n *Node) later(msgs ...outMsg) {
	if len(msgs) == 0 {
		return
	}
	n.outMu.Lock()
	n.out = append(n.out, msgs...)
	n.outMu.Unlock()
	select {
	case n.outSig <- struct{}{}:
	default:
	}
}

// pump sends what later hands it: broadcasts into memberlist's queue,
// direct messages over TCP (each on its own goroutine: a dead member's
// timeout must not hold up the rest).
func (n *Node) pump() {
	for {
		select {
		case <-n.stop:
			return
		case <-n.outSig:
		}
		n.outMu.Lock()
		out := n.out
		n.out = nil
		n.outMu.Unlock()
		for _, m := range out {
			switch {
			case m.to != "" || m.toAddr != "":
				nd := n.nodeFor(m.to, m.toAddr)
				if nd == nil || n.ml == nil {
					continue
				}
				if m.packet {
					n.rec.sent(m.msg, viaDirect, n.st.class)
					_ = n.ml.SendBestEffort(nd, m.msg)
					continue
				}
				msg := m.msg
				h := n.rec.sent(msg, viaDirect, n.st.class)
				n.wg.Go(func() { n.sendReliable(nd, msg, h) })
			case m.name != "":
				n.rec.sent(m.msg, viaGossip, n.st.class)
				n.queue.QueueBroadcast(namedBroadcast{name: m.name, msg: m.msg})
			default:
				n.rec.sent(m.msg, viaGossip, n.st.class)
				n.queue.QueueBroadcast(uniqueBroadcast(m.msg))
			}
		}
	}
}

// nodeFor is the memberlist node to send to: a member by name, at the
// address its signed admission names (not where memberlist says the name
// lives: names.go), or an address.
func (n *Node) nodeFor(name, addr string) *memberlist.Node {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.nodeForLocked(name, addr)
}

func (n *Node) nodeForLocked(name, addr string) *memberlist.Node {
	if name != "" {
		nd, signed := n.nodes[name], n.st.adminAddr(name)
		if signed != "" {
			addr = signed
		} else if nd != nil || addr == "" {
			return nd
		}
	}
	host, p, err := net.SplitHostPort(addr)
	port, perr := strconv.Atoi(p)
	if err != nil || perr != nil || net.ParseIP(host) == nil {
		return nil
	}
	return &memberlist.Node{Name: name, Addr: net.ParseIP(host), Port: uint16(port)}
}

// dropLocked counts a payload that was dropped, and says so once per
// reason (a flood of bad payloads does not flood the log; the count on
// screen goes on). A payload from a member not admitted yet, from a
// member's earlier run, or from a member the teacher kicked out (the
// teacher's kick says so already) is not said, nor counted on screen.
func (n *Node) dropLocked(err error) []Event {
	var d *dropError
	if !errors.As(err, &d) {
		return nil
	}
	n.st.dropped[d.reason]++
	if n.st.dropped[d.reason] == 1 && d.reason != dropNotYet && d.reason != dropStale && d.reason != dropKicked {
		return []Event{{Event: "dropped", Reason: d.reason,
			Text: "dropped a payload (" + d.reason + "); the header counts any more"}}
	}
	return nil
}

// receive handles one payload, from a broadcast or from push/pull. buf
// is memberlist's: it is copied before anything keeps it.
func (n *Node) receive(buf []byte, limit int) {
	buf = bytes.Clone(buf)
	env, seal, err := unseal(buf, limit, n.st.class)
	var pre *decoded
	if t := n.typ.Load(); err == nil && t != nil {
		pre = predecode(*t, env) // outside the lock: a large state takes milliseconds
	}
	n.mu.Lock()
	if err != nil {
		evs := n.dropLocked(err)
		n.publishLocked()
		n.emit(evs...)
		n.mu.Unlock()
		return
	}
	if pre == nil && n.st.ready() {
		pre = predecode(n.st.typ, env)
	}
	if len(buf) > maxMessageBytes && env.Kind != kindRecord && limit < maxStateBytes {
		err = dropped(dropTooLarge, fmt.Errorf("%d bytes", len(buf)))
	}
	var at uint64
	if err == nil {
		at, err = n.st.observe(env.L)
	}
	version, wasAdmitted, was, wasKicked, challenge := n.st.ctl.Version, n.st.admitted, n.st.ctl.Groups, n.st.kickedMe, n.st.challenge
	n.st.now = time.Now()
	var evs []Event
	if err == nil {
		evs, err = n.st.receive(env, seal, pre)
	}
	if err != nil {
		evs = append(evs, n.dropLocked(err)...)
	}
	if env.Kind != kindCollect && env.Kind != kindRecord && at > 0 && n.rec.on.Load() {
		out, text := receiptOf(evs, err, n.st.cutOff, n.st.viewsChanged)
		n.rec.recv(at, env, out, text)
	}
	if err != nil && env.Kind == kindRecord {
		n.forgedRecord(err, buf)
	}
	collect, records := n.st.collect, n.st.records
	n.st.collect, n.st.records = nil, nil
	var peers []string
	if n.st.ctl.Version != version {
		n.recutLocked()
		peers = n.acrossLocked(was)
	}
	admitted := n.st.admitted && !wasAdmitted
	kicked := n.st.kickedMe && !wasKicked
	if !bytes.Equal(challenge, n.st.challenge) {
		select {
		case n.again <- struct{}{}:
		default:
		}
	}
	changed := len(evs) > 0 || err != nil || n.st.viewsChanged || admitted
	n.st.viewsChanged = false
	if changed {
		n.publishLocked()
	}
	out := n.st.takeOut()
	n.emit(evs...)
	n.mu.Unlock()
	if admitted {
		close(n.admitted)
	}
	n.later(out...)
	if collect != nil {
		go n.answerCollect(*collect) // not on n.wg: a payload can arrive while the node stops
	}
	n.emit(n.takeRecords(records)...) // this replica's own events went out under the lock
	n.exchange(peers)
	if changed {
		n.signal()
	}
	if kicked {
		go func() { _ = n.Leave() }() // not on memberlist's goroutine: Leave waits for it
	}
}

// observeCut takes the time of a payload that arrived from across the
// teacher's partition and was dropped on arrival, for the record.
func (n *Node) observeCut(env *envelope) (uint64, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	l, err := n.st.observe(env.L)
	return l, err == nil
}

// delegate is memberlist's Delegate.
type delegate Node

func (d *delegate) NodeMeta(int) []byte { return nil }

// NotifyMsg takes payloads up to a record's size: memberlist hands over
// what arrived by TCP whole, and a member's record may weigh up to
// maxRecordBytes; receive drops anything else over maxMessageBytes.
func (d *delegate) NotifyMsg(b []byte) { (*Node)(d).receive(b, maxRecordBytes+4096) }

func (d *delegate) GetBroadcasts(overhead, limit int) [][]byte {
	return d.queue.GetBroadcasts(overhead, limit)
}

func (d *delegate) LocalState(bool) []byte {
	d.mu.Lock()
	defer d.mu.Unlock()
	b := d.st.localState()
	d.rec.sentState(d.st.lc)
	return b
}

func (d *delegate) MergeRemoteState(buf []byte, _ bool) { (*Node)(d).receive(buf, maxStateBytes) }

// events is memberlist's EventDelegate. Its methods run while memberlist
// holds its node lock: they take n.mu (never held while calling
// memberlist) and hand anything to send to the pump.
type events Node

func (e *events) NotifyJoin(nd *memberlist.Node) {
	n := (*Node)(e)
	if nd.Name == n.opts.Name {
		return
	}
	n.mu.Lock()
	_, known := n.st.members[nd.Name]
	m := n.st.member(nd.Name)
	wasListed := m.listed
	m.addr, m.listed = nd.Address(), true
	was := m.status
	m.status = Alive
	cp := *nd
	n.nodes[nd.Name] = &cp
	n.rec.member(nd.Name, nd.Address())
	n.recutLocked()
	shown := n.st.shown(nd.Name)
	n.viewAt = noView // the newcomer needs our view
	n.publishLocked()
	defer n.mu.Unlock()
	if !shown {
		return
	}
	ev := memberEvent(nd.Name, Alive, false)
	switch {
	case !known || !wasListed:
		ev.Text = nd.Name + " joined the class"
	case was != Alive:
		ev.Text = nd.Name + " is alive again"
	}
	n.emit(ev)
}

func (e *events) NotifyLeave(nd *memberlist.Node) {
	n := (*Node)(e)
	if nd.Name == n.opts.Name {
		return
	}
	n.mu.Lock()
	m := n.st.member(nd.Name)
	if m.status == Left || !m.listed {
		// It said goodbye: it left, it did not die.
		n.mu.Unlock()
		return
	}
	m.status = Dead
	shown, blocked := n.st.shown(nd.Name), n.st.blocked(nd.Name)
	n.publishLocked()
	if shown {
		n.emit(memberEvent(nd.Name, Dead, blocked))
	}
	n.mu.Unlock()
}

func (e *events) NotifyUpdate(nd *memberlist.Node) {
	n := (*Node)(e)
	if nd.Name == n.opts.Name {
		return
	}
	n.mu.Lock()
	m := n.st.member(nd.Name)
	m.addr, m.listed = nd.Address(), true
	cp := *nd
	n.nodes[nd.Name] = &cp
	n.rec.member(nd.Name, nd.Address())
	n.recutLocked()
	n.publishLocked()
	n.mu.Unlock()
}

// merger is memberlist's MergeDelegate: it refuses a second member with a
// name already in the class (or one that looks the same). It is the fast
// check; the teacher's admission is the one that holds under a race.
type merger Node

func (g *merger) NotifyMerge(peers []*memberlist.Node) error {
	n := (*Node)(g)
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, p := range peers {
		if p.State == memberlist.StateDead || p.State == memberlist.StateLeft {
			continue
		}
		addr := p.Address()
		if err := replicas.CheckName(p.Name); err != nil {
			return err // a modified client's name, blank or invisible: the class lists no such name
		}
		if p.Name == n.opts.Name && addr != n.addr {
			why := fmt.Sprintf("%s is already in the class at %s", replicas.QuoteName(p.Name), addr)
			n.takenBy.Store(&why)
			return ErrNameTaken
		}
		if m := n.st.members[p.Name]; m != nil && m.addr != "" && m.addr != addr && (m.status == Alive || m.status == Suspect) {
			return fmt.Errorf("%w: %s is already in the class at %s", ErrNameTaken, replicas.QuoteName(p.Name), m.addr)
		}
		for _, name := range n.st.names() {
			if p.Name != name && demos.LookAlike(p.Name, name) {
				why := fmt.Sprintf("%s looks the same as %s, who is in the class at %s", replicas.QuoteName(name), replicas.QuoteName(p.Name), addr)
				if name == n.opts.Name {
					n.takenBy.Store(&why)
				}
				return fmt.Errorf("%w: %s", ErrNameTaken, why)
			}
		}
	}
	return nil
}

// Broadcasts.

type uniqueBroadcast []byte

func (b uniqueBroadcast) Invalidates(memberlist.Broadcast) bool { return false }
func (b uniqueBroadcast) Message() []byte                       { return b }
func (b uniqueBroadcast) Finished()                             {}
func (b uniqueBroadcast) UniqueBroadcast()                      {}

type namedBroadcast struct {
	name string
	msg  []byte
}

func (b namedBroadcast) Invalidates(o memberlist.Broadcast) bool {
	nb, ok := o.(namedBroadcast)
	return ok && nb.name == b.name
}
func (b namedBroadcast) Message() []byte { return b.msg }
func (b namedBroadcast) Finished()       {}
func (b namedBroadcast) Name() string    { return b.name }
