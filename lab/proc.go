package lab

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// inbox collects what every node of a lane writes, in the order it
// arrives, for the lane to take when it is ready. The node goroutines only
// append to it; everything else happens on the lane's own goroutine.
type inbox struct {
	mu    sync.Mutex
	items []incoming
	wake  chan struct{} // a token whenever items grows
	last  time.Time     // when a node last wrote a message
	max   int           // items beyond this are a flood
}

// incoming is one thing a node did: wrote a message, broke the protocol,
// or exited.
type incoming struct {
	node  int
	gen   int // the generation of processes it belongs to (restarts bump it)
	msg   Message
	fault string // a protocol violation that stops the node
	exit  string // set when the process has exited: how
	size  int    // bytes of the line
}

func newInbox(max int) *inbox { return &inbox{wake: make(chan struct{}, 1), max: max} }

// put adds an item and reports whether there was room.
func (b *inbox) put(it incoming) bool {
	b.mu.Lock()
	ok := len(b.items) < b.max || it.exit != "" || it.fault != ""
	if ok {
		b.items = append(b.items, it)
		if it.exit == "" {
			b.last = time.Now()
		}
	}
	b.mu.Unlock()
	select {
	case b.wake <- struct{}{}:
	default:
	}
	return ok
}

// take removes and returns everything waiting.
func (b *inbox) take() []incoming {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := b.items
	b.items = nil
	return out
}

// quietFor is how long no node has written a message.
func (b *inbox) quietFor(now time.Time) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.last.IsZero() {
		return time.Hour
	}
	return now.Sub(b.last)
}

// proc is one node's running process: its pipes, its log, and the
// goroutines that move bytes. Nothing in it decides anything: faults are
// reported to the inbox, and the lane acts on them.
type proc struct {
	cmd     *exec.Cmd
	stdin   *os.File
	stdout  *os.File
	writes  chan []byte   // lines for its stdin, in order
	quit    chan struct{} // closed by stop
	waited  chan struct{} // closed once the process has been waited for
	exited  chan struct{} // closed once it has been waited for and its output read
	readers sync.WaitGroup
	stopped bool

	tailMu sync.Mutex
	tail   []byte // the end of its stderr, for messages
}

// procSpec is how to start one node.
type procSpec struct {
	argv     []string
	dir      string
	logFile  *os.File // its stderr goes here (appended), up to maxLog bytes
	maxLog   int64
	maxLine  int
	maxQueue int // lines waiting for its stdin
	node     int
	gen      int
}

// tailSize is how much of a node's stderr is kept for messages.
const tailSize = 600

func startProc(spec procSpec, in *inbox) (*proc, error) {
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, err
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		for _, f := range []*os.File{inR, inW, outR, outW} {
			f.Close()
		}
		return nil, err
	}
	cmd := exec.Command(spec.argv[0], spec.argv[1:]...)
	cmd.Dir = spec.dir
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, errW
	// Python buffers stdout when it is a pipe; a node that forgets to
	// flush would look silent. Maelstrom's own Python demos flush.
	cmd.Env = append(os.Environ(), "PYTHONUNBUFFERED=1")
	setProcAttr(cmd)
	// Started and registered at once, so that killStrays never takes a
	// node that is starting for an orphan.
	live.Lock()
	err = cmd.Start()
	inR.Close()
	outW.Close()
	errW.Close()
	if err != nil {
		live.Unlock()
		inW.Close()
		outR.Close()
		errR.Close()
		return nil, err
	}
	p := &proc{cmd: cmd, stdin: inW, stdout: outR, writes: make(chan []byte, spec.maxQueue),
		quit: make(chan struct{}), waited: make(chan struct{}), exited: make(chan struct{})}
	live.procs[p] = true
	live.Unlock()
	p.readers.Add(2)
	go p.readStdout(spec, in)
	go p.copyStderr(errR, spec.logFile, spec.maxLog)
	go p.writeStdin()
	go func() {
		err := cmd.Wait()
		unregister(p)
		close(p.waited)
		p.readers.Wait() // its last lines first, then its exit
		close(p.exited)
		in.put(incoming{node: spec.node, gen: spec.gen, exit: exitText(err)})
	}()
	return p, nil
}

// live is every node process that has not yet exited, in every lane, so
// that KillAll can stop them from any goroutine.
var live = struct {
	sync.Mutex
	procs map[*proc]bool
}{procs: map[*proc]bool{}}

func unregister(p *proc) {
	live.Lock()
	delete(live.procs, p)
	live.Unlock()
}

// KillAll kills every node process crdtviz has started and that still
// runs, with their process groups, and (on Linux, once Subreaper has
// been called) every process they started that was left to crdtviz. It
// is safe from any goroutine, and meant for the ways out that skip
// Close: a signal, a panic.
func KillAll() {
	live.Lock()
	for p := range live.procs {
		killGroup(p.cmd)
	}
	live.Unlock()
	reapStrays()
}

// reapStrays kills what the nodes left to crdtviz until none is left for
// a little while: a process is handed over only when its parent dies,
// which can come a moment after the node itself. It does nothing unless
// crdtviz is a subreaper.
func reapStrays() {
	quiet := 0
	for range 50 {
		if killStrays() == 0 {
			quiet++
			if quiet == 3 || !reaping.Load() {
				return
			}
		} else {
			quiet = 0
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// checkRunning refuses to start n more node processes when that would
// make more than max run at once: crdtviz's own bound, reached only when
// nodes did not exit when they were killed.
func checkRunning(n, max int) error {
	if r := Running(); r+n > max {
		return fmt.Errorf("crdtviz did not start your nodes: %d node processes still run, and it runs at most %d at once (they did not exit when they were killed)", r, max)
	}
	return nil
}

// Running is how many node processes run now.
func Running() int {
	live.Lock()
	defer live.Unlock()
	return len(live.procs)
}

// exitText says how a process ended.
func exitText(err error) string {
	var ee *exec.ExitError
	switch {
	case err == nil:
		return "exited with status 0"
	case errors.As(err, &ee):
		if s := signalOf(ee); s != "" {
			return "was killed by " + s
		}
		return fmt.Sprintf("exited with status %d", ee.ExitCode())
	}
	return "ended: " + err.Error()
}

// readStdout reads the node's messages, one a line, each at most
// maxLine bytes.
func (p *proc) readStdout(spec procSpec, in *inbox) {
	defer p.readers.Done()
	defer p.stdout.Close()
	r := bufio.NewReaderSize(p.stdout, 64<<10)
	for {
		line, err := readLine(r, spec.maxLine)
		if errors.Is(err, errLong) {
			in.put(incoming{node: spec.node, gen: spec.gen, fault: fmt.Sprintf("wrote a line longer than %s; a message must fit in one line of at most that", bytesText(spec.maxLine))})
			return
		}
		if len(bytes.TrimSpace(line)) > 0 {
			m, perr := ParseLine(line)
			it := incoming{node: spec.node, gen: spec.gen, msg: m, size: len(line)}
			if perr != nil {
				it = incoming{node: spec.node, gen: spec.gen, fault: perr.Error()}
			}
			if !in.put(it) {
				in.put(incoming{node: spec.node, gen: spec.gen, fault: fmt.Sprintf("wrote more than %d messages that crdtviz has not yet taken: it floods the network", in.max)})
				return
			}
			if perr != nil {
				return
			}
		}
		if err != nil {
			// The end of its stdout. If it still runs, it closed it:
			// crdtviz can hear nothing more from it.
			select {
			case <-p.waited:
			case <-p.quit:
			case <-time.After(closedGrace):
				in.put(incoming{node: spec.node, gen: spec.gen, fault: "closed its stdout, but still runs: crdtviz can hear nothing more from it"})
			}
			return
		}
	}
}

// closedGrace is how long a node whose stdout ended has to exit before
// crdtviz says that it closed its stdout.
const closedGrace = 500 * time.Millisecond

var errLong = errors.New("line too long")

// readLine reads up to a newline, refusing lines longer than max.
func readLine(r *bufio.Reader, max int) ([]byte, error) {
	var line []byte
	for {
		chunk, err := r.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > max+1 {
			return nil, errLong
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return line, err
	}
}

// copyStderr copies the node's stderr to its log, up to max bytes, and
// keeps its tail for messages. Past the limit it goes on reading, so that
// the node never blocks on a full pipe, and throws the rest away.
func (p *proc) copyStderr(r *os.File, log *os.File, max int64) {
	defer p.readers.Done()
	defer r.Close()
	buf := make([]byte, 32<<10)
	var written int64
	for {
		n, err := r.Read(buf)
		if n > 0 {
			chunk := buf[:n]
			p.tailMu.Lock()
			p.tail = append(p.tail, chunk...)
			if len(p.tail) > tailSize {
				p.tail = append([]byte(nil), p.tail[len(p.tail)-tailSize:]...)
			}
			p.tailMu.Unlock()
			if log != nil && written < max {
				if int64(len(chunk)) > max-written {
					chunk = chunk[:max-written]
				}
				m, _ := log.Write(chunk)
				written += int64(m)
				if written >= max {
					log.WriteString("\n[crdtviz: the log is full; the rest of this node's stderr is discarded]\n")
				}
			}
		}
		if err != nil {
			return
		}
	}
}

// lastWords is the last line or two the node wrote to stderr, for an
// error message: often the exception that ended it.
func (p *proc) lastWords() string {
	p.tailMu.Lock()
	defer p.tailMu.Unlock()
	lines := strings.Split(strings.TrimSpace(string(p.tail)), "\n")
	var keep []string
	for i := len(lines) - 1; i >= 0 && len(keep) < 2; i-- {
		if l := strings.TrimSpace(lines[i]); l != "" {
			keep = append([]string{l}, keep...)
		}
	}
	s := strings.Join(keep, " / ")
	if r := []rune(s); len(r) > 160 {
		s = "…" + string(r[len(r)-160:])
	}
	return s
}

// writeStdin writes lines to the node until stop. A node that has died
// makes writes fail; they are dropped, since its exit is reported anyway.
func (p *proc) writeStdin() {
	defer p.stdin.Close()
	for {
		select {
		case <-p.quit:
			return
		case line := <-p.writes:
			if _, err := p.stdin.Write(line); err != nil {
				// Keep draining until stop, so that send never blocks.
				continue
			}
		}
	}
}

// send queues a line for the node's stdin. It never blocks: a node that
// has let maxQueue lines pile up is not reading its input.
func (p *proc) send(line []byte) bool {
	if p.stopped {
		return true
	}
	select {
	case p.writes <- line:
		return true
	default:
		return false
	}
}

// stop kills the node and its children and waits, briefly, for the
// goroutines to finish. It is safe to call more than once.
func (p *proc) stop() {
	if p.stopped {
		return
	}
	p.stopped = true
	killGroup(p.cmd)
	close(p.quit)
	deadline := time.After(2 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-p.exited:
			killStrays()
			return
		case <-tick.C:
			// What it started and left behind (on Linux, once Subreaper
			// has been called) is now crdtviz's child: kill it too, so
			// that it lets go of the pipes.
			killStrays()
		case <-deadline:
			// A process that left the process group holds the pipes
			// open, and crdtviz is not its reaper: close our ends, so
			// the readers end.
			p.stdout.Close()
			return
		}
	}
}

// alive reports whether the process has not yet exited.
func (p *proc) alive() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

func bytesText(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
