package class

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/memberlist"

	"crdtviz/crdt"
	"crdtviz/replicas"
)

// KeySize is the size of a class key: AES-256.
const KeySize = 32

// DefaultPort is memberlist's port, which a class binds unless told
// otherwise (or unless it is taken).
const DefaultPort = 7946

// Timing is how often a class talks. DefaultTiming is what converges an
// edit's broadcast in about 30 ms on loopback.
type Timing struct {
	Gossip   time.Duration // broadcasts go out this often
	PushPull time.Duration // full-state anti-entropy with one random member
	Probe    time.Duration // failure detection
	Rejoin   time.Duration // joining lost members again
	Poll     time.Duration // reading memberlist's view of who is suspect
}

// DefaultTiming is the classroom's timing.
func DefaultTiming() Timing {
	return Timing{Gossip: 50 * time.Millisecond, PushPull: 2 * time.Second, Probe: 500 * time.Millisecond,
		Rejoin: 2 * time.Second, Poll: 250 * time.Millisecond}
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
	// Key is the class key, KeySize bytes. A process bound to an address
	// other than loopback refuses to run without one.
	Key []byte
	// Log receives memberlist's log; nil discards it.
	Log    io.Writer
	Timing Timing
}

// Node is one process of a class: a replica, in both lanes, on a real
// network. It is safe for concurrent use.
type Node struct {
	opts  Options
	ml    *memberlist.Memberlist
	mlp   atomic.Pointer[memberlist.Memberlist] // ml, for memberlist's own goroutines
	tr    *blockTransport
	queue *memberlist.TransmitLimitedQueue
	addr  string
	join  string

	mu    sync.Mutex
	st    *state
	nodes map[string]*memberlist.Node

	evMu   sync.Mutex
	events []Event
	notify chan struct{}

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
		return nil, fmt.Errorf("a class key is %d hex digits (the teacher's screen shows it in the join line)", 2*KeySize)
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

// Start starts a class: this process is its first replica and its teacher.
func Start(opts Options) (*Node, error) {
	t, err := crdt.ParseType(string(opts.Type))
	if err != nil {
		return nil, err
	}
	if opts.Mode != replicas.ModeState && opts.Mode != replicas.ModeDelta {
		return nil, fmt.Errorf("a class replicates by state or by delta, not %s", opts.Mode)
	}
	n, err := newNode(opts)
	if err != nil {
		return nil, err
	}
	n.mu.Lock()
	err = n.st.setClass(classInfo{Type: string(t), Mode: opts.Mode.String(), Teacher: opts.Name})
	n.mu.Unlock()
	if err != nil {
		n.shutdown()
		return nil, err
	}
	n.join = "crdtviz class join " + n.addr + " --key " + hex.EncodeToString(opts.Key)
	n.emit(Event{Event: "started", Addr: n.addr, Key: hex.EncodeToString(opts.Key), Join: n.join})
	n.run()
	return n, nil
}

// Join joins the class at addr (HOST:PORT). The class's type and mode
// come from it.
func Join(addr string, opts Options) (*Node, error) {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return nil, fmt.Errorf("%q is not HOST:PORT", addr)
	}
	timeout := 3 * time.Second
	conn, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, fmt.Errorf("nothing answers at %s: is the class started, and is the address right? (%v)", addr, err)
	}
	_ = conn.Close()
	n, err := newNode(opts)
	if err != nil {
		return nil, err
	}
	if _, err := n.ml.Join([]string{addr}); err != nil {
		n.shutdown()
		if errors.Is(err, ErrNameTaken) || strings.Contains(err.Error(), ErrNameTaken.Error()) {
			return nil, fmt.Errorf("%w: %q is already in the class at %s; choose another --name", ErrNameTaken, opts.Name, addr)
		}
		return nil, fmt.Errorf("the class at %s refused us: the key does not match (copy the join line from the teacher's screen again)", addr)
	}
	n.mu.Lock()
	ready := n.st.ready()
	n.mu.Unlock()
	if !ready {
		n.shutdown()
		return nil, fmt.Errorf("%s answered but sent no class: is it a crdtviz class?", addr)
	}
	n.emit(Event{Event: "joined", Addr: n.addr, Text: opts.Name + " joined the class at " + addr})
	n.run()
	return n, nil
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

func newNode(opts Options) (*Node, error) {
	if err := replicas.CheckName(opts.Name); err != nil {
		return nil, fmt.Errorf("--name: %w", err)
	}
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
	n := &Node{opts: opts, nodes: map[string]*memberlist.Node{}, notify: make(chan struct{}, 1), stop: make(chan struct{})}
	n.tr = newBlockTransport(nt)
	class := label(opts.Key)
	n.st = newState(opts.Name, class, randomRun())
	n.queue = &memberlist.TransmitLimitedQueue{RetransmitMult: 3, NumNodes: func() int {
		if ml := n.mlp.Load(); ml != nil {
			return ml.NumMembers()
		}
		return 1
	}}

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
	c.GossipInterval = opts.Timing.Gossip
	c.PushPullInterval = opts.Timing.PushPull
	c.ProbeInterval = opts.Timing.Probe
	c.ProbeTimeout = opts.Timing.Probe / 2
	c.GossipToTheDeadTime = 5 * time.Second
	c.DeadNodeReclaimTime = time.Second
	c.TCPTimeout = 3 * time.Second
	c.Logger = logger
	ml, err := memberlist.Create(c)
	if err != nil {
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
	n.mu.Unlock()
	n.mlp.Store(ml)
	return n, nil
}

// Addr is where this process listens, as others reach it: HOST:PORT.
func (n *Node) Addr() string { return n.addr }

// JoinLine is the line students type to join (for the teacher's process).
func (n *Node) JoinLine() string { return n.join }

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

// Snapshot is what a screen shows, now.
func (n *Node) Snapshot() Snapshot {
	n.mu.Lock()
	s := n.st.snapshot()
	n.mu.Unlock()
	s.Addr = n.addr
	if s.Teacher == s.Name {
		s.Join = n.join
	}
	return s
}

// Names is every member this process knows, itself included, sorted.
func (n *Node) Names() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.st.names()
}

// Members is the members alive or suspect, this one included, sorted.
func (n *Node) Members() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := []string{}
	for _, name := range n.st.names() {
		if m := n.st.members[name]; name == n.st.name || m.status == Alive || m.status == Suspect {
			out = append(out, name)
		}
	}
	return out
}

// Edit makes a local edit and broadcasts it.
func (n *Node) Edit(op crdt.Op) (Event, error) {
	n.mu.Lock()
	ev, env, err := n.st.edit(op)
	var view []byte
	if err == nil {
		view = n.viewLocked()
	}
	n.mu.Unlock()
	if err != nil {
		return Event{}, err
	}
	n.queue.QueueBroadcast(uniqueBroadcast(encode(env)))
	n.queueView(view)
	n.emit(ev)
	return ev, nil
}

func (n *Node) viewLocked() []byte {
	if !n.st.ready() {
		return nil
	}
	v := n.st.view()
	return encode(n.st.envelope(kindView, func(e *envelope) { e.View = &v }))
}

// Partition cuts the class into groups (teacher only). Every name must be
// a member; a member no group names keeps its links.
func (n *Node) Partition(groups [][]string) error {
	n.mu.Lock()
	if err := n.teacherLocked(); err != nil {
		n.mu.Unlock()
		return err
	}
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
			if !known[name] {
				n.mu.Unlock()
				return fmt.Errorf("no member is named %s (members: %s)", replicas.QuoteName(name), strings.Join(n.st.names(), ", "))
			}
			if seen[name] {
				n.mu.Unlock()
				return fmt.Errorf("%s is in two groups", replicas.QuoteName(name))
			}
			seen[name] = true
		}
	}
	if nonEmpty < 2 {
		n.mu.Unlock()
		return fmt.Errorf("a partition needs two groups: partition A B | C D")
	}
	c := wireControl{Version: n.st.ctl.Version + 1, Groups: cloneGroups(groups), Epoch: n.st.ctl.Epoch}
	n.mu.Unlock()
	// Tell everyone before cutting the cable: the other side must learn of
	// the partition it is in.
	n.sendControl(c)
	n.applyControl(c)
	return nil
}

// Heal ends the partition (teacher only).
func (n *Node) Heal() error {
	return n.control(func(cur wireControl) (wireControl, error) {
		if len(cur.Groups) == 0 {
			return cur, fmt.Errorf("there is no partition to heal")
		}
		return wireControl{Version: cur.Version + 1, Epoch: cur.Epoch}, nil
	})
}

// Reset starts the class afresh: every replica goes back to the type's
// zero value (teacher only). A partition stays.
func (n *Node) Reset() error {
	return n.control(func(cur wireControl) (wireControl, error) {
		return wireControl{Version: cur.Version + 1, Groups: cloneGroups(cur.Groups), Epoch: cur.Epoch + 1}, nil
	})
}

// control makes the teacher's next control from the current one, applies
// it here (so that a heal opens this side of the cut first), and sends it
// to everyone.
func (n *Node) control(next func(wireControl) (wireControl, error)) error {
	n.mu.Lock()
	err := n.teacherLocked()
	var c wireControl
	if err == nil {
		c, err = next(n.st.ctl)
	}
	n.mu.Unlock()
	if err != nil {
		return err
	}
	n.applyControl(c)
	n.sendControl(c)
	return nil
}

func (n *Node) teacherLocked() error {
	if !n.st.teacher() {
		return fmt.Errorf("only the teacher (%s) can partition, heal or reset the class", n.st.info.Teacher)
	}
	return nil
}

// sendControl sends a control to every member directly, across the
// current partition, and queues its broadcast; push/pull carries it too.
func (n *Node) sendControl(c wireControl) {
	n.mu.Lock()
	msg := encode(n.st.envelope(kindControl, func(e *envelope) { e.Ctl = &c }))
	var to []*memberlist.Node
	for _, name := range n.st.names() {
		if nd := n.nodes[name]; nd != nil && name != n.st.name && n.st.members[name].status != Left {
			to = append(to, nd)
		}
	}
	n.mu.Unlock()
	n.tr.bypass.Add(1)
	n.sendAll(to, msg)
	n.tr.bypass.Add(-1)
	n.queue.QueueBroadcast(namedBroadcast{name: "control", msg: msg})
}

func (n *Node) applyControl(c wireControl) {
	n.mu.Lock()
	evs := n.st.control(c, n.st.name)
	n.recutLocked()
	view := n.viewLocked()
	n.mu.Unlock()
	n.queueView(view)
	n.emit(evs...)
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

// run starts the watcher: who is suspect, and joining lost members again.
func (n *Node) run() {
	n.every(n.opts.Timing.Poll, n.watch)
	n.every(n.opts.Timing.Rejoin, n.rejoin)
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

// watch reads memberlist's view of who is suspect.
func (n *Node) watch() {
	states := map[string]memberlist.NodeStateType{}
	for _, m := range n.ml.Members() {
		states[m.Name] = m.State
	}
	var evs []Event
	n.mu.Lock()
	for _, name := range n.st.names() {
		m := n.st.members[name]
		if m == nil || (m.status != Alive && m.status != Suspect) {
			continue
		}
		s, ok := states[name]
		if !ok {
			continue
		}
		next := Alive
		if s == memberlist.StateSuspect {
			next = Suspect
		}
		if next != m.status {
			m.status = next
			evs = append(evs, memberEvent(name, next))
		}
	}
	n.mu.Unlock()
	n.emit(evs...)
}

// rejoin joins again, every Timing.Rejoin, the members this process has
// lost: memberlist never probes a dead member again, so after a heal (or
// a real network's loss) a class would otherwise stay split. Serf does
// the same.
func (n *Node) rejoin() {
	var addrs []string
	n.mu.Lock()
	for _, name := range n.st.names() {
		if m := n.st.members[name]; m != nil && m.status == Dead && m.addr != "" && !n.st.blocked(name) {
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

func memberEvent(name string, l Liveness) Event {
	text := map[Liveness]string{
		Alive:   name + " is alive",
		Suspect: name + " is suspect: it missed probes, and the others are checking",
		Dead:    name + " is dead: it stopped answering (quit without leaving, killed, or cut off)",
		Left:    name + " left the class",
	}[l]
	return Event{Event: "member", Name: name, State: l.String(), Text: text}
}

// Leave leaves the class gracefully, so that the others see "left" at
// once, and stops.
func (n *Node) Leave() error {
	var err error
	n.leaveOnce.Do(func() {
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
	if n.st.ready() {
		v := n.st.view()
		v.Left = true
		msg = encode(n.st.envelope(kindView, func(e *envelope) { e.View = &v }))
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
	var wg sync.WaitGroup
	for _, nd := range to {
		wg.Go(func() { _ = n.ml.SendReliable(nd, msg) })
	}
	wg.Wait()
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

// dropLocked counts a payload that was dropped, and says so once per
// reason (a flood of bad payloads does not flood the log; the count on
// screen goes on).
func (n *Node) dropLocked(err error) {
	var d *dropError
	if !errors.As(err, &d) {
		return
	}
	n.st.dropped[d.reason]++
	if n.st.dropped[d.reason] == 1 {
		n.emit(Event{Event: "dropped", Reason: d.reason,
			Text: "dropped a payload (" + d.reason + "); the header counts any more"})
	}
}

// receive handles one payload, from a broadcast or from push/pull.
func (n *Node) receive(buf []byte, limit int, via string) {
	env, err := decodeEnvelope(buf, limit, n.st.class)
	n.mu.Lock()
	if err != nil {
		n.dropLocked(err)
		n.mu.Unlock()
		return
	}
	groups := n.st.ctl.Version
	evs, relay, err := n.st.receive(env, via)
	if err != nil {
		n.dropLocked(err)
	}
	if n.st.ctl.Version != groups {
		n.recutLocked()
	}
	var view []byte
	if n.st.ready() && len(evs) > 0 {
		view = n.viewLocked()
	}
	poke := n.st.viewsChanged
	n.st.viewsChanged = false
	n.mu.Unlock()
	if poke {
		n.signal()
	}
	if relay {
		n.queue.QueueBroadcast(uniqueBroadcast(buf))
	}
	if env.Ctl != nil && len(evs) > 0 {
		n.queue.QueueBroadcast(namedBroadcast{name: "control", msg: buf})
	}
	if view != nil {
		n.queueView(view)
	}
	n.emit(evs...)
}

// delegate is memberlist's Delegate.
type delegate Node

func (d *delegate) NodeMeta(int) []byte { return nil }

func (d *delegate) NotifyMsg(b []byte) {
	(*Node)(d).receive(b, maxMessageBytes, "broadcast")
}

func (d *delegate) GetBroadcasts(overhead, limit int) [][]byte {
	return d.queue.GetBroadcasts(overhead, limit)
}

func (d *delegate) LocalState(bool) []byte {
	d.mu.Lock()
	defer d.mu.Unlock()
	return encode(d.st.localState())
}

func (d *delegate) MergeRemoteState(buf []byte, _ bool) {
	(*Node)(d).receive(buf, maxStateBytes, "push/pull")
}

// events is memberlist's EventDelegate.
type events Node

func (e *events) NotifyJoin(nd *memberlist.Node) {
	n := (*Node)(e)
	if nd.Name == n.opts.Name {
		return
	}
	n.mu.Lock()
	_, known := n.st.members[nd.Name]
	m := n.st.member(nd.Name)
	m.addr = nd.Address()
	was := m.status
	m.status = Alive
	cp := *nd
	n.nodes[nd.Name] = &cp
	n.recutLocked()
	view := n.viewLocked()
	n.mu.Unlock()
	n.queueView(view)
	ev := memberEvent(nd.Name, Alive)
	switch {
	case !known:
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
	if m.status == Left {
		// It said goodbye: it left, it did not die.
		n.mu.Unlock()
		return
	}
	m.status = Dead
	n.mu.Unlock()
	n.emit(memberEvent(nd.Name, Dead))
}

func (e *events) NotifyUpdate(nd *memberlist.Node) {
	n := (*Node)(e)
	if nd.Name == n.opts.Name {
		return
	}
	n.mu.Lock()
	n.st.member(nd.Name).addr = nd.Address()
	cp := *nd
	n.nodes[nd.Name] = &cp
	n.recutLocked()
	n.mu.Unlock()
}

// merger is memberlist's MergeDelegate: it refuses a second member with a
// name already in the class (or one that looks the same).
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
		if p.Name == n.opts.Name && addr != n.addr {
			return ErrNameTaken
		}
		if m := n.st.members[p.Name]; m != nil && m.addr != "" && m.addr != addr && (m.status == Alive || m.status == Suspect) {
			return ErrNameTaken
		}
		for _, name := range n.st.names() {
			if p.Name != name && replicas.SameName(p.Name, name) {
				return fmt.Errorf("%w: %s looks the same as %s", ErrNameTaken, replicas.QuoteName(p.Name), replicas.QuoteName(name))
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

// queueView broadcasts this replica's view, replacing an older one still
// queued.
func (n *Node) queueView(msg []byte) {
	if msg != nil {
		n.queue.QueueBroadcast(namedBroadcast{name: "view", msg: msg})
	}
}
