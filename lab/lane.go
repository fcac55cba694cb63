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

	"crdtviz/crdt"
	"crdtviz/replicas"
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
	// InitTimeout is how long a node has to answer init (Maelstrom
	// allows 10 s too).
	InitTimeout time.Duration
	// Final bounds the final phase (see Lane.FinalPhase).
	Final time.Duration
	// ScenarioTime bounds one run of a scenario file (lab demo, a replay
	// in lab check, a catch-up of the app's lane): a file of a few KB
	// must never ask for minutes. Past it the run stops, and says why.
	ScenarioTime time.Duration

	MaxLine      int   // bytes in one message (one line)
	MaxWaiting   int   // messages one link holds, outbox and in flight; past it the oldest unsent go
	MaxBytes     int64 // bytes waiting in the whole lane; past it the oldest unsent go too
	MaxStepMsgs  int   // messages one node may write in one step (between the timers' idle time, which only fills the outboxes)
	MaxPending   int   // lines read from the nodes and not yet taken
	MaxLog       int64 // bytes of one node's stderr kept in its log
	MaxRunning   int   // node processes running at once, in every lane of this crdtviz
	MaxStdinLine int   // lines waiting for one node's stdin

	// Shared, when set, is shared by several lanes (lab check's runs):
	// the processes they started, and whether a node ever answered init.
	Shared *Shared
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
	InitTimeout:  10 * time.Second,
	Final:        10 * time.Second,
	ScenarioTime: time.Minute,
	MaxLine:      256 << 10,
	MaxWaiting:   1000,
	MaxBytes:     64 << 20,
	MaxStepMsgs:  1000,
	MaxPending:   20000,
	MaxLog:       8 << 20,
	MaxRunning:   64,
	MaxStdinLine: 4096,
}

// Shared is what the lanes of one lab check share.
type Shared struct {
	// Starts counts the processes started.
	Starts atomic.Int64
	// Answered is set once any node has answered init: a node that then
	// does not is slow to start, not broken.
	Answered atomic.Bool
}

func (o Options) withDefaults() Options {
	d := Defaults
	orDefault(&o.Settle, d.Settle)
	orDefault(&o.StepTimeout, d.StepTimeout)
	orDefault(&o.RPCTimeout, d.RPCTimeout)
	orDefault(&o.InitTimeout, d.InitTimeout)
	orDefault(&o.Final, d.Final)
	orDefault(&o.ScenarioTime, d.ScenarioTime)
	orDefault(&o.MaxLine, d.MaxLine)
	orDefault(&o.MaxWaiting, d.MaxWaiting)
	orDefault(&o.MaxStepMsgs, d.MaxStepMsgs)
	orDefault(&o.MaxPending, d.MaxPending)
	orDefault(&o.MaxRunning, d.MaxRunning)
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
	// NotStarted: crdtviz did not start it, for a bound of its own (too
	// many node processes run at once); not the node's fault.
	NotStarted
)

func (s NodeState) String() string { return [...]string{"up", "silent", "crashed", "not started"}[s] }

// past is the state after "has": "has crashed", "was not started".
func (s NodeState) past() string {
	if s == NotStarted {
		return "was not started"
	}
	return "has " + s.String()
}

// down reports whether the node cannot be asked anything.
func (s NodeState) down() bool { return s == Crashed || s == NotStarted }

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
	// edited is set once c1 has asked it to edit (and it did not refuse);
	// mark is the id of the last message any node had written when it
	// answered its last edit: what it writes after has the edit in it.
	edited bool
	mark   int
	// heard[j] is the largest id of a message it wrote that was delivered
	// to node j (a duplicate counts as its original).
	heard []int
}

// rpc is a request from c1 waiting for its answer.
type rpc struct {
	node  int
	typ   string
	reply *Message
	mark  int // lastMsg when the reply was routed
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
	shared  *Shared
	// stepping is set while Apply runs: only then do a node's messages
	// count toward MaxStepMsgs. What timers write between steps only
	// fills the outboxes, whose bound drops the oldest unsent.
	stepping bool
	poked    time.Time // when crdtviz last wrote to a node
	wrote    time.Time // when a node last wrote a message to another
	logDir   string
	ownLogs  bool
	logsKept bool
	closed   bool
	// starting is set while the nodes answer init.
	starting bool
	// initial is the scenario's initial value, built after init; setup is
	// how it went.
	initial *crdt.Value
	setup   *Setup
	// slowSteps counts the steps that ended at StepTimeout, timeouts the
	// requests that got no answer: what makes a run slow.
	slowSteps, timeouts int
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
	l := &Lane{w: w, names: slices.Clone(names), argv: slices.Clone(argv), opt: opt, logDir: opt.LogDir, shared: opt.Shared}
	if l.shared == nil {
		l.shared = &Shared{}
	}
	if l.logDir == "" {
		dir, err := os.MkdirTemp("", "crdtviz-lab-")
		if err != nil {
			return nil, err
		}
		l.logDir, l.ownLogs = dir, true
	} else if err := os.MkdirAll(l.logDir, 0o755); err != nil {
		return nil, err
	}
	if _, err := LookCommand(argv, opt.Dir); err != nil {
		if l.ownLogs {
			os.RemoveAll(l.logDir)
		}
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

// LookCommand checks that a node's command can be run, for a clear
// message before any node starts: dir is where it will run ("" for the
// current directory).
func LookCommand(argv []string, dir string) (string, error) {
	if len(argv) == 0 || argv[0] == "" {
		return "", errors.New("no command to run: give it after --, e.g. -- python3 my_node.py")
	}
	cmd := argv[0]
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
		local := cmd
		if dir != "" {
			local = filepath.Join(dir, cmd)
		}
		if st, serr := os.Stat(local); serr == nil && !st.IsDir() {
			// A file of that name is here: the shell would not run it
			// without ./ either.
			if st.Mode()&0o111 != 0 {
				return "", fmt.Errorf("cannot run %s: no such command on the PATH; to run the file here, write -- ./%s", cmd, cmd)
			}
			return "", fmt.Errorf("cannot run %s: no such command on the PATH, and the file here is not executable; name its interpreter (-- python3 %s), or chmod +x it and write -- ./%s", cmd, cmd, cmd)
		}
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
	if err := checkRunning(n, l.opt.MaxRunning); err != nil {
		// crdtviz's own bound, not the nodes' fault: nothing starts.
		for i, name := range l.names {
			l.nodes[i] = &node{name: name, log: filepath.Join(l.logDir, logName(name)), heard: make([]int, n), state: NotStarted, why: err.Error()}
		}
		return err
	}
	for i, name := range l.names {
		nd := &node{name: name, log: filepath.Join(l.logDir, logName(name)), heard: make([]int, n)}
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
				case r.reply == nil && l.shared.Answered.Load():
					nd.state, nd.why = Silent, fmt.Sprintf("was slow to start: it did not answer init within %s, although it did before (a busy machine? try --init-timeout 30s)", l.opt.InitTimeout)
				case r.reply == nil:
					nd.state, nd.why = Silent, fmt.Sprintf("never answered init within %s (does it write init_ok, and flush its stdout after each line?)", l.opt.InitTimeout)
				case r.reply.Type == "error":
					nd.state, nd.why = Crashed, "answered init with "+errorText(r.reply.Body)
					nd.p.stop()
				case r.reply.Type != "init_ok":
					nd.state, nd.why = Crashed, fmt.Sprintf("answered init with %s, not init_ok", r.reply.Type)
					nd.p.stop()
				default:
					l.shared.Answered.Store(true)
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
	l.setup = nil
	if l.initial != nil {
		l.setupInitial()
	}
	return nil
}

// SetInitial gives the lane a scenario's initial value, which Start
// then builds (see Setup).
func (l *Lane) SetInitial(v *crdt.Value) { l.initial = v }

// Setup is how the nodes were brought to a scenario's initial value.
// Maelstrom's init has no such field, so c1 asks the first node to make
// the edits that build it (add 1000; add milk, add eggs; write "draft"),
// and the final phase's deliveries follow, until every node reads it.
type Setup struct {
	Value   crdt.Value
	At      string    // the node that made the edits
	Ops     []crdt.Op // the edits
	Reached bool      // every node reads the initial value
	Final   FinalResult
	Events  []Event
}

// Text says what the setup did, in a sentence.
func (s *Setup) Text() string {
	var t string
	if len(s.Ops) == 1 {
		t = fmt.Sprintf("c1 asked %s to %s", s.At, OpText(s.Ops[0]))
	} else {
		t = fmt.Sprintf("c1 asked %s to make %s", s.At, replicas.Plural(len(s.Ops), "edit"))
	}
	t += ", and the nodes exchanged what they wrote"
	if s.Reached {
		return t + fmt.Sprintf(": every node reads %s", s.Value)
	}
	return t + fmt.Sprintf(", but not every node reads %s: %s", s.Value, readList(s.Final.Reads))
}

// SetupDone is the setup of the last Start, or nil without an initial
// value.
func (l *Lane) SetupDone() *Setup { return l.setup }

func (l *Lane) setupInitial() {
	ops, err := l.w.InitialOps(*l.initial)
	if err != nil {
		return
	}
	su := &Setup{Value: *l.initial, At: l.names[0], Ops: ops}
	for _, op := range ops {
		l.events = nil
		for _, nd := range l.nodes {
			nd.wrote = 0
		}
		l.stepping = true
		l.edit(replicas.Edit{Replica: su.At, Op: op})
		l.stepping = false
		su.Events = append(su.Events, l.events...)
	}
	su.Final = l.FinalPhase()
	su.Events = append(su.Events, su.Final.Events...)
	su.Reached = true
	for _, r := range su.Final.Reads {
		if !r.OK || r.Null || !r.Value.Equal(*l.initial) {
			su.Reached = false
		}
	}
	l.events = nil
	l.setup = su
}

// slowness says why a run took long, for the message of a bound: the
// steps that ended at the step timeout, and the requests that timed out.
func (l *Lane) slowness() string {
	var parts []string
	if l.slowSteps > 0 {
		parts = append(parts, fmt.Sprintf("%s ended at --step-timeout %s because your nodes never went quiet for --settle %s (timers?)", replicas.Plural(l.slowSteps, "step"), l.opt.StepTimeout, l.opt.Settle))
	}
	if l.timeouts > 0 {
		parts = append(parts, fmt.Sprintf("%s got no answer within --rpc-timeout %s", replicas.Plural(l.timeouts, "request"), l.opt.RPCTimeout))
	}
	if len(parts) == 0 {
		return fmt.Sprintf("no step ran into --step-timeout %s and every request was answered in time: is the machine busy?", l.opt.StepTimeout)
	}
	return strings.Join(parts, "; ")
}

type failedNode struct{ name, why string }

// StartError says which nodes did not start, and where their logs are.
type StartError struct {
	Nodes  []failedNode
	LogDir string
}

// Error groups the nodes that failed for the same reason: "Alice, Bob
// and Carol each exited with status 3 before it answered init".
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
		who := names[0]
		if k := len(names); k > 1 {
			who = strings.Join(names[:k-1], ", ") + " and " + names[k-1] + " each"
		}
		lines = append(lines, who+" "+n.why)
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
	l.starts++
	l.shared.Starts.Add(1)
	flags := os.O_CREATE | os.O_WRONLY | os.O_TRUNC
	if appendLog {
		flags = os.O_CREATE | os.O_WRONLY | os.O_APPEND
	}
	logf, err := os.OpenFile(nd.log, flags, 0o644)
	if err != nil {
		return fmt.Errorf("could not open its log: %v", err)
	}
	if st, err := logf.Stat(); appendLog && err == nil && st.Size() > 0 {
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
	reapStrays()
	if l.ownLogs && !CleanLogs(l.logDir) {
		l.logsKept = true
	}
}

// LogsKept reports, after Close, whether the lane kept its own log
// directory: it removes it when every log is empty.
func (l *Lane) LogsKept() bool { return !l.ownLogs || l.logsKept }

// CleanLogs removes a log directory when nothing in it has anything to
// read (every file empty), and reports whether it did.
func CleanLogs(dir string) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return errors.Is(err, os.ErrNotExist)
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || e.IsDir() || info.Size() > 0 {
			return false
		}
	}
	return os.RemoveAll(dir) == nil
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
	if nd.state.down() || nd.p == nil {
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
		if err := m.ReplyError(); err != nil {
			l.crash(i, err.Error())
			return
		}
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
	if l.stepping {
		nd.wrote++
		if nd.wrote > l.opt.MaxStepMsgs {
			l.crash(i, fmt.Sprintf("wrote more than %d messages in one step: it floods the network", l.opt.MaxStepMsgs))
			return
		}
	}
	if to == i {
		// A message to itself crosses no link.
		l.write(i, nd.name, m.Body)
		return
	}
	// A full send buffer: the oldest unsent messages make room, or, with
	// everything in flight, the new one is lost.
	for len(l.outbox[i][to]) > 0 && (len(l.outbox[i][to])+len(l.flight[i][to]) >= l.opt.MaxWaiting || l.bytes+int64(size) > l.opt.MaxBytes) {
		old := l.outbox[i][to][0]
		l.outbox[i][to] = l.outbox[i][to][1:]
		l.bytes -= int64(old.size)
		l.full(i, to)
	}
	if len(l.outbox[i][to])+len(l.flight[i][to]) >= l.opt.MaxWaiting || l.bytes+int64(size) > l.opt.MaxBytes {
		l.full(i, to)
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
	l.emit(Event{Kind: EvNote, From: l.names[i], To: l.names[j], Text: fmt.Sprintf("the buffer from %s to %s is full (%d messages, or %s in the whole network): the oldest unsent ones are thrown away", l.names[i], l.names[j], l.opt.MaxWaiting, bytesText(int(l.opt.MaxBytes)))})
}

// reply matches an answer to c1 with its request.
func (l *Lane) reply(i int, m Message) {
	r, ok := l.rpcs[m.InReplyTo]
	if !m.HasReply || !ok || r.node != i || r.reply != nil {
		l.emit(Event{Kind: EvNote, Node: l.names[i], Text: fmt.Sprintf("%s wrote to %s %s that answers no request of its own; it is ignored", l.names[i], Client, article(m.Type))})
		return
	}
	mm := m
	r.reply, r.mark = &mm, l.nextMsg
	if r.typ == "edit" {
		l.emit(Event{Kind: EvReply, Node: l.names[i], Type: m.Type, Body: string(m.Body),
			Text: fmt.Sprintf("%s answered: %s", l.names[i], m.Body)})
	}
}

// article puts "a" or "an" before a word: "an add_ok", "a read_ok".
func article(word string) string {
	if word != "" && strings.ContainsRune("aeiouAEIOU", rune(word[0])) {
		return "an " + word
	}
	return "a " + word
}

// emit records an event of the current action.
func (l *Lane) emit(e Event) { l.events = append(l.events, e) }

// pending reports whether any request still waits for its answer.
func (l *Lane) pending() bool {
	for _, r := range l.rpcs {
		if r.reply == nil && !l.nodes[r.node].state.down() {
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
			l.slowSteps++
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

// Idle collects what the nodes write for d: time for their timers. It
// returns early, with true, once a node has written to another.
func (l *Lane) Idle(d time.Duration) bool {
	deadline := time.Now().Add(d)
	start := l.nextMsg
	for {
		l.collect()
		if l.nextMsg != start {
			return true
		}
		left := time.Until(deadline)
		if left <= 0 {
			return false
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

// Heard reports whether every node that has not crashed and made an edit
// has had a message it wrote after it answered its last edit delivered
// to every other node that has not crashed: then each has told every
// other what it did. It names the first that has not, as "Alice → Bob".
func (l *Lane) Heard() (bool, string) {
	for i, nd := range l.nodes {
		if nd.state.down() || !nd.edited {
			continue
		}
		for j, other := range l.nodes {
			if j != i && !other.state.down() && nd.heard[j] <= nd.mark {
				return false, nd.name + " " + arrowText + " " + other.name
			}
		}
	}
	return true, ""
}

// arrowText is the arrow of the lab's sentences.
const arrowText = "→"

// Waiting reports whether anything waits in the network, and whether a
// link is cut.
func (l *Lane) Waiting() (waiting, cut bool) {
	for i := range l.outbox {
		for j := range l.outbox[i] {
			waiting = waiting || len(l.outbox[i][j])+len(l.flight[i][j]) > 0
			cut = cut || i != j && !l.up[i][j]
		}
	}
	return waiting, cut
}
