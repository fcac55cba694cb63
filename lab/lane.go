package lab

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
)

// Options time and bound a lane. The zero value of a field takes its
// default (see Defaults).
type Options struct {
	// Settle is the quiet time that ends a step: a step ends once no node
	// has written anything for this long since crdtviz last wrote to one.
	Settle time.Duration
	// StepTimeout bounds a step: nodes that gossip on timers are never
	// quiet for long, so a step ends after this in any case.
	StepTimeout time.Duration
	// RPCTimeout is how long an edit or a read waits for its answer.
	RPCTimeout time.Duration
	// InitTimeout is how long a node has to answer init.
	InitTimeout time.Duration

	MaxLine      int   // bytes in one message (one line)
	MaxWaiting   int   // messages one link holds, outbox and in flight; past it the oldest unsent go
	MaxBytes     int64 // bytes waiting in the whole lane
	MaxStepMsgs  int   // messages one node may write in one step
	MaxPending   int   // lines read from the nodes and not yet taken
	MaxLog       int64 // bytes of one node's stderr kept in its log
	MaxStarts    int   // processes one lane may start, restarts included
	MaxStdinLine int   // lines waiting for one node's stdin

	// Starts, when set, is shared by several lanes (lab check's runs) and
	// bounds the processes they start together.
	Starts *atomic.Int64
	// LogDir holds each node's stderr, NAME.log; empty for a new
	// directory in the OS temp directory.
	LogDir string
	// Dir is the directory the nodes run in; empty for crdtviz's own.
	Dir string
}

// Defaults are the lab's timings and bounds.
var Defaults = Options{
	Settle:       50 * time.Millisecond,
	StepTimeout:  2 * time.Second,
	RPCTimeout:   time.Second,
	InitTimeout:  2 * time.Second,
	MaxLine:      256 << 10,
	MaxWaiting:   1000,
	MaxBytes:     64 << 20,
	MaxStepMsgs:  1000,
	MaxPending:   20000,
	MaxLog:       8 << 20,
	MaxStarts:    400,
	MaxStdinLine: 4096,
}

func (o Options) withDefaults() Options {
	d := Defaults
	orDefault(&o.Settle, d.Settle)
	orDefault(&o.StepTimeout, d.StepTimeout)
	orDefault(&o.RPCTimeout, d.RPCTimeout)
	orDefault(&o.InitTimeout, d.InitTimeout)
	orDefault(&o.MaxLine, d.MaxLine)
	orDefault(&o.MaxWaiting, d.MaxWaiting)
	orDefault(&o.MaxStepMsgs, d.MaxStepMsgs)
	orDefault(&o.MaxPending, d.MaxPending)
	orDefault(&o.MaxStarts, d.MaxStarts)
	orDefault(&o.MaxStdinLine, d.MaxStdinLine)
	orDefault(&o.MaxBytes, d.MaxBytes)
	orDefault(&o.MaxLog, d.MaxLog)
	return o
}

// orDefault sets a field that is not positive to its default.
func orDefault[T int | int64 | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// NodeState is how a node is doing, as far as crdtviz can tell.
type NodeState int

const (
	// Up: it answered init and its last read.
	Up NodeState = iota
	// Silent: it runs, but did not answer init or its last read in time.
	Silent
	// Crashed: its process ended, or crdtviz stopped it for breaking the
	// protocol or a bound.
	Crashed
)

func (s NodeState) String() string { return [...]string{"up", "silent", "crashed"}[s] }

// Msg is a message one node wrote to another: it waits in the link's
// outbox until a send puts it in flight, then in flight until it is
// delivered, dropped or copied.
type Msg struct {
	ID       int
	From, To string
	Type     string
	Body     json.RawMessage // compact JSON, as the node wrote it
	CopyOf   int             // for a duplicate, the message it copies
	size     int
}

// Label is the message's name on screen: s4.
func (m *Msg) Label() string { return fmt.Sprintf("s%d", m.ID) }

// node is one student node: its process and what crdtviz knows of it.
type node struct {
	name  string
	p     *proc
	state NodeState
	why   string
	log   string
	wrote int // messages written this step
	// lastSent is the largest id of its messages delivered so far.
	lastDelivered int
}

// rpc is a request from c1 waiting for its answer.
type rpc struct {
	node  int
	typ   string
	reply *Message
}

// Lane is the student's lane: the nodes, running as child processes, and
// the network crdtviz keeps between them. It applies the scenario's
// actions to its own queues (see Apply), asks the nodes to edit and read,
// and never lets a node hang or crash crdtviz. A Lane is used from one
// goroutine; its methods block for at most the bounds in its Options.
type Lane struct {
	w       *Workload
	names   []string
	argv    []string
	opt     Options
	in      *inbox
	gen     int
	nodes   []*node
	up      [][]bool
	outbox  [][][]*Msg
	flight  [][][]*Msg
	bytes   int64
	nextMsg int
	nextID  int64
	rpcs    map[int64]*rpc
	ops     []OpRecord
	reads   []Read
	events  []Event
	starts  int
	poked   time.Time // when crdtviz last wrote to a node
	wrote   time.Time // when a node last wrote a message to another
	logDir  string
	ownLogs bool
	closed  bool
	// starting is set while the nodes answer init.
	starting bool
	// procs are every process the lane started, for kill, which may be
	// called from any goroutine.
	pmu   sync.Mutex
	procs []*proc
}

// New starts a lane: one process per name, each given init. The error is
// for what stops the lane from starting at all (a command that cannot be
// run); a node that starts and then fails is reported in Start's error
// and shown in Nodes.
func New(w *Workload, names, argv []string, opt Options) (*Lane, error) {
	if len(argv) == 0 {
		return nil, errors.New("no command to run: give it after --, e.g. -- python3 my_node.py")
	}
	if err := CheckNames(names); err != nil {
		return nil, err
	}
	opt = opt.withDefaults()
	l := &Lane{w: w, names: slices.Clone(names), argv: slices.Clone(argv), opt: opt, logDir: opt.LogDir}
	if l.logDir == "" {
		dir, err := os.MkdirTemp("", "crdtviz-lab-")
		if err != nil {
			return nil, err
		}
		l.logDir, l.ownLogs = dir, true
	} else if err := os.MkdirAll(l.logDir, 0o755); err != nil {
		return nil, err
	}
	if _, err := lookPath(argv[0], opt.Dir); err != nil {
		return nil, err
	}
	return l, nil
}

// CheckNames refuses node ids the lab gives another meaning: the client
// c1 and Maelstrom's services.
func CheckNames(names []string) error {
	for _, n := range names {
		if n == Client || slices.Contains(Services, n) {
			return fmt.Errorf("%q is a reserved id in the lab (the client is %s; %s are Maelstrom's services): give the nodes other names", n, Client, strings.Join(Services, ", "))
		}
	}
	return nil
}

// lookPath checks that the command can be found, for a clear message
// before any node starts.
func lookPath(cmd, dir string) (string, error) {
	if strings.ContainsRune(cmd, filepath.Separator) {
		p := cmd
		if !filepath.IsAbs(p) && dir != "" {
			p = filepath.Join(dir, p)
		}
		st, err := os.Stat(p)
		if err != nil {
			return "", fmt.Errorf("cannot run %s: %w", cmd, errors.Unwrap(err))
		}
		if st.IsDir() || st.Mode()&0o111 == 0 {
			return "", fmt.Errorf("cannot run %s: it is not an executable file (try chmod +x, or name its interpreter: -- python3 %s)", cmd, cmd)
		}
		return p, nil
	}
	p, err := execLookPath(cmd)
	if err != nil {
		return "", fmt.Errorf("cannot run %s: no such command on the PATH", cmd)
	}
	return p, nil
}

// Start starts (or restarts) every node and sends each init. It returns
// an error naming every node that did not answer init_ok, and why.
func (l *Lane) Start() error {
	l.stopAll()
	l.gen++
	l.in = newInbox(l.opt.MaxPending)
	n := len(l.names)
	l.up = make([][]bool, n)
	l.outbox = make([][][]*Msg, n)
	l.flight = make([][][]*Msg, n)
	for i := range n {
		l.up[i] = slices.Repeat([]bool{true}, n)
		l.outbox[i] = make([][]*Msg, n)
		l.flight[i] = make([][]*Msg, n)
	}
	l.bytes, l.nextMsg, l.ops, l.reads, l.events, l.wrote = 0, 0, nil, nil, nil, time.Time{}
	l.rpcs = map[int64]*rpc{}
	restart := l.nodes != nil
	l.nodes = make([]*node, n)
	for i, name := range l.names {
		nd := &node{name: name, log: filepath.Join(l.logDir, logName(name))}
		l.nodes[i] = nd
		if err := l.startNode(i, restart); err != nil {
			nd.state, nd.why = Crashed, err.Error()
		}
	}
	l.starting = true
	defer func() { l.starting = false }()
	// init, to every node that started
	for i, nd := range l.nodes {
		if nd.state == Up {
			l.request(i, Body("init", 0, map[string]any{"node_id": nd.name, "node_ids": l.names}), "init")
		}
	}
	l.await(l.opt.InitTimeout)
	var bad []failedNode
	for i, nd := range l.nodes {
		for id, r := range l.rpcs {
			if r.node == i && r.typ == "init" {
				delete(l.rpcs, id)
				switch {
				case nd.state == Crashed:
				case r.reply == nil:
					nd.state, nd.why = Silent, fmt.Sprintf("never answered init within %s (does it write init_ok, and flush its stdout after each line?)", l.opt.InitTimeout)
				case r.reply.Type == "error":
					nd.state, nd.why = Crashed, "answered init with "+errorText(r.reply.Body)
					nd.p.stop()
				case r.reply.Type != "init_ok":
					nd.state, nd.why = Crashed, fmt.Sprintf("answered init with %s, not init_ok", r.reply.Type)
					nd.p.stop()
				}
			}
		}
		if nd.state != Up {
			bad = append(bad, failedNode{nd.name, nd.why})
		}
	}
	l.events = nil
	if len(bad) > 0 {
		return &StartError{Nodes: bad, LogDir: l.logDir}
	}
	return nil
}

type failedNode struct{ name, why string }

// StartError says which nodes did not start, and where their logs are.
type StartError struct {
	Nodes  []failedNode
	LogDir string
}

// Error groups the nodes that failed for the same reason: "Alice, Bob,
// Carol: exited with status 3 before it answered init".
func (e *StartError) Error() string {
	var lines []string
	done := map[int]bool{}
	for i, n := range e.Nodes {
		if done[i] {
			continue
		}
		names := []string{n.name}
		for j := i + 1; j < len(e.Nodes); j++ {
			if e.Nodes[j].why == n.why {
				names = append(names, e.Nodes[j].name)
				done[j] = true
			}
		}
		lines = append(lines, strings.Join(names, ", ")+": "+n.why)
	}
	return "your nodes did not start:\n  " + strings.Join(lines, "\n  ") + "\n  (their stderr is in " + e.LogDir + ")"
}

// logName is a node's log file name: its name, made safe for a file.
func logName(name string) string {
	safe := strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, name)
	return safe + ".log"
}

func (l *Lane) startNode(i int, appendLog bool) error {
	nd := l.nodes[i]
	if l.starts >= l.opt.MaxStarts {
		return fmt.Errorf("was not started: this lab has started %d processes, its bound", l.starts)
	}
	if l.opt.Starts != nil && l.opt.Starts.Add(-1) < 0 {
		return errors.New("was not started: lab check has used up its bound on processes")
	}
	l.starts++
	flags := os.O_CREATE | os.O_WRONLY | os.O_TRUNC
	if appendLog {
		flags = os.O_CREATE | os.O_WRONLY | os.O_APPEND
	}
	logf, err := os.OpenFile(nd.log, flags, 0o644)
	if err != nil {
		return fmt.Errorf("could not open its log: %v", err)
	}
	if appendLog {
		fmt.Fprintf(logf, "\n[crdtviz: the nodes were restarted]\n")
	}
	p, err := startProc(procSpec{argv: l.argv, dir: l.opt.Dir, logFile: logf, maxLog: l.opt.MaxLog,
		maxLine: l.opt.MaxLine, maxQueue: l.opt.MaxStdinLine, node: i, gen: l.gen}, l.in)
	if err != nil {
		logf.Close()
		return fmt.Errorf("could not start: %v", err)
	}
	go func() { <-p.exited; logf.Close() }()
	nd.p, nd.state, nd.why = p, Up, ""
	l.pmu.Lock()
	l.procs = slices.DeleteFunc(l.procs, func(p *proc) bool { return !p.alive() })
	l.procs = append(l.procs, p)
	l.pmu.Unlock()
	return nil
}

// kill kills every process of the lane that still runs, from any
// goroutine: for a Close that must not wait for a step under way.
func (l *Lane) kill() {
	l.pmu.Lock()
	defer l.pmu.Unlock()
	for _, p := range l.procs {
		if p.alive() {
			killGroup(p.cmd)
		}
	}
}

// Close stops every node. It is safe to call more than once, and from a
// deferred call on any exit path.
func (l *Lane) Close() {
	if l == nil || l.closed {
		return
	}
	l.closed = true
	l.stopAll()
}

func (l *Lane) stopAll() {
	for _, nd := range l.nodes {
		if nd.p != nil {
			nd.p.stop()
		}
	}
}

// LogDir is the directory of the nodes' logs.
func (l *Lane) LogDir() string { return l.logDir }

// Starts is how many processes the lane has started.
func (l *Lane) Starts() int { return l.starts }

// Ops are the edits issued so far, with their outcomes.
func (l *Lane) Ops() []OpRecord { return slices.Clone(l.ops) }

// Workload is the lane's workload.
func (l *Lane) Workload() *Workload { return l.w }

// Names are the nodes' ids, in order.
func (l *Lane) Names() []string { return slices.Clone(l.names) }

// index finds a node by name.
func (l *Lane) index(name string) int { return slices.Index(l.names, name) }

// request sends c1's request to a node and registers it for its answer.
func (l *Lane) request(i int, body json.RawMessage, typ string) int64 {
	l.nextID++
	id := l.nextID
	var m map[string]any
	_ = json.Unmarshal(body, &m)
	m["msg_id"] = id
	b, _ := json.Marshal(m)
	l.rpcs[id] = &rpc{node: i, typ: typ}
	l.write(i, Client, b)
	return id
}

// write puts a line on a node's stdin.
func (l *Lane) write(i int, src string, body json.RawMessage) {
	nd := l.nodes[i]
	if nd.state == Crashed || nd.p == nil {
		return
	}
	l.poked = time.Now()
	if !nd.p.send(Line(src, nd.name, body)) {
		l.crash(i, fmt.Sprintf("stopped reading its stdin: %d lines wait for it", l.opt.MaxStdinLine))
	}
}

// crash stops a node for a reason.
func (l *Lane) crash(i int, why string) {
	nd := l.nodes[i]
	if nd.state == Crashed {
		return
	}
	nd.state, nd.why = Crashed, why
	if nd.p != nil {
		nd.p.stop()
	}
	l.emit(Event{Kind: EvFault, Node: nd.name, Text: nd.name + " " + why})
}

// collect takes everything the nodes wrote since the last call: messages
// to other nodes go to the link's outbox, answers to c1 to their request,
// faults and exits mark the node.
func (l *Lane) collect() {
	for _, it := range l.in.take() {
		if it.gen != l.gen {
			continue
		}
		nd := l.nodes[it.node]
		switch {
		case it.exit != "":
			if nd.state != Crashed {
				why := it.exit
				if l.starting {
					why += " before it answered init"
				}
				if w := nd.p.lastWords(); w != "" {
					why += "; its stderr ends: " + w
				}
				nd.state, nd.why = Crashed, why
				l.emit(Event{Kind: EvFault, Node: nd.name, Text: nd.name + " " + why})
			}
		case it.fault != "":
			l.crash(it.node, it.fault)
		case nd.state != Crashed:
			l.route(it.node, it.msg, it.size)
		}
	}
}

// route handles one message a node wrote.
func (l *Lane) route(i int, m Message, size int) {
	nd := l.nodes[i]
	switch {
	case m.Src != nd.name:
		l.crash(i, fmt.Sprintf("wrote a message with src %q, but its node_id is %q (from init)", m.Src, nd.name))
		return
	case m.Dest == Client:
		l.reply(i, m)
		return
	case slices.Contains(Services, m.Dest):
		l.crash(i, fmt.Sprintf("wrote to %s, one of Maelstrom's services; the lab has none: a lab node keeps its own state and talks only to the other nodes", m.Dest))
		return
	}
	to := l.index(m.Dest)
	if to < 0 {
		l.crash(i, fmt.Sprintf("wrote to %q, which is no node here: the nodes are %s (init's node_ids), and the client is %s", m.Dest, strings.Join(l.names, ", "), Client))
		return
	}
	nd.wrote++
	if nd.wrote > l.opt.MaxStepMsgs {
		l.crash(i, fmt.Sprintf("wrote more than %d messages in one step: it floods the network", l.opt.MaxStepMsgs))
		return
	}
	if to == i {
		// A message to itself crosses no link.
		l.write(i, nd.name, m.Body)
		return
	}
	if len(l.outbox[i][to])+len(l.flight[i][to]) >= l.opt.MaxWaiting {
		// A full send buffer: the oldest unsent message makes room, or,
		// with everything in flight, the new one is lost.
		if len(l.outbox[i][to]) == 0 {
			l.full(i, to)
			return
		}
		old := l.outbox[i][to][0]
		l.outbox[i][to] = l.outbox[i][to][1:]
		l.bytes -= int64(old.size)
		l.full(i, to)
	}
	if l.bytes+int64(size) > l.opt.MaxBytes {
		l.crash(i, fmt.Sprintf("wrote more than %s that waits in the network: it floods it", bytesText(int(l.opt.MaxBytes))))
		return
	}
	l.nextMsg++
	l.wrote = time.Now()
	msg := &Msg{ID: l.nextMsg, From: nd.name, To: m.Dest, Type: m.Type, Body: m.Body, size: size}
	l.outbox[i][to] = append(l.outbox[i][to], msg)
	l.bytes += int64(size)
	l.emit(Event{Kind: EvWrite, From: msg.From, To: msg.To, Msg: msg.ID, Type: msg.Type, Body: string(msg.Body),
		Text: fmt.Sprintf("%s wrote %s to %s (%s): it waits in the outbox", msg.From, msg.Label(), msg.To, msg.Type)})
}

// full notes, once per step and link, that a link's buffer is full.
func (l *Lane) full(i, j int) {
	for _, e := range l.events {
		if e.Kind == EvNote && e.From == l.names[i] && e.To == l.names[j] && strings.HasPrefix(e.Text, "the buffer") {
			return
		}
	}
	l.emit(Event{Kind: EvNote, From: l.names[i], To: l.names[j], Text: fmt.Sprintf("the buffer from %s to %s holds %d messages: the oldest unsent ones are thrown away", l.names[i], l.names[j], l.opt.MaxWaiting)})
}

// reply matches an answer to c1 with its request.
func (l *Lane) reply(i int, m Message) {
	r, ok := l.rpcs[m.InReplyTo]
	if !m.HasReply || !ok || r.node != i || r.reply != nil {
		l.emit(Event{Kind: EvNote, Node: l.names[i], Text: fmt.Sprintf("%s wrote to %s a %s that answers no request of its own; it is ignored", l.names[i], Client, m.Type)})
		return
	}
	mm := m
	r.reply = &mm
	if r.typ == "edit" {
		l.emit(Event{Kind: EvReply, Node: l.names[i], Type: m.Type, Body: string(m.Body),
			Text: fmt.Sprintf("%s answered: %s", l.names[i], m.Body)})
	}
}

// emit records an event of the current action.
func (l *Lane) emit(e Event) { l.events = append(l.events, e) }

// pending reports whether any request still waits for its answer.
func (l *Lane) pending() bool {
	for _, r := range l.rpcs {
		if r.reply == nil && l.nodes[r.node].state != Crashed {
			return true
		}
	}
	return false
}

// await collects until every request is answered or timeout passes.
func (l *Lane) await(timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	for {
		l.collect()
		if !l.pending() {
			return
		}
		left := time.Until(deadline)
		if left <= 0 {
			return
		}
		l.wait(left)
	}
}

// wait sleeps until a node writes something, or for at most d.
func (l *Lane) wait(d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-l.in.wake:
	case <-t.C:
	}
}

// settle collects until the nodes have been quiet for Settle since
// crdtviz last wrote to one, or StepTimeout passes.
func (l *Lane) settle() {
	start := time.Now()
	deadline := start.Add(l.opt.StepTimeout)
	for {
		l.collect()
		now := time.Now()
		quiet := min(l.in.quietFor(now), now.Sub(l.poked))
		if quiet >= l.opt.Settle && !l.pending() {
			return
		}
		if now.After(deadline) {
			l.emit(Event{Kind: EvNote, Text: fmt.Sprintf("the nodes were still writing after %s, so the step ends anyway (timers?)", l.opt.StepTimeout)})
			return
		}
		d := deadline.Sub(now)
		if quiet < l.opt.Settle {
			d = min(d, l.opt.Settle-quiet)
		}
		l.wait(d + time.Millisecond)
	}
}

var execLookPath = exec.LookPath

// Idle collects what the nodes write for d: time for their timers.
func (l *Lane) Idle(d time.Duration) {
	deadline := time.Now().Add(d)
	for {
		l.collect()
		left := time.Until(deadline)
		if left <= 0 {
			return
		}
		l.wait(left)
	}
}

// Crashed lists the nodes that have crashed, with why.
func (l *Lane) Crashed() []string {
	var out []string
	for _, nd := range l.nodes {
		if nd.state == Crashed {
			out = append(out, nd.name+" "+nd.why)
		}
	}
	return out
}

// lastMsg is the id of the newest message any node has written.
func (l *Lane) lastMsg() int { return l.nextMsg }

// heardSince reports whether every node that has not crashed has had a
// message it wrote after message id mark delivered.
func (l *Lane) heardSince(mark int) bool {
	for _, nd := range l.nodes {
		if nd.state != Crashed && nd.lastDelivered <= mark {
			return false
		}
	}
	return true
}

// quietSince reports how long it is since a node last wrote to another,
// and whether anything still waits in the network.
func (l *Lane) quiet() (time.Duration, bool) {
	waiting := false
	for i := range l.outbox {
		for j := range l.outbox[i] {
			waiting = waiting || len(l.outbox[i][j])+len(l.flight[i][j]) > 0
		}
	}
	if l.wrote.IsZero() {
		return time.Hour, waiting
	}
	return time.Since(l.wrote), waiting
}
