// Package trace replays real editing histories into the text CRDT.
//
// The format is that of the public josephg/editing-traces collection:
// gzipped or plain JSON with a list of transactions, each a list of patches
// [position, deleteCount, insertText], with positions in Unicode code points.
//
// A sequential trace is one author typing: apply every patch in order.
//
// A concurrent trace also gives each transaction its agent and its parents
// (the transactions it was made on top of). Replay keeps one replica per
// agent. Before a transaction runs, its agent's replica receives every
// transaction in the causal past of the parents that it has not yet seen, op
// by op, so that the positions in the patches mean what they meant to the
// author. At the end every replica receives everything, and each must equal
// endContent.
package trace

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"unicode/utf8"

	"crdtviz/crdt"
)

// Patch is one edit: delete Del code points at Pos, then insert Ins there.
type Patch struct {
	Pos, Del int
	Ins      string
}

// Txn is one transaction: patches applied together by one agent.
type Txn struct {
	Parents []int
	Agent   int
	Patches []Patch
}

// Trace is a loaded editing trace.
type Trace struct {
	StartContent string
	EndContent   *string
	NumAgents    int
	Txns         []Txn
	Concurrent   bool
}

// ErrNotTrace is wrapped by every error Load returns, except ErrTooLarge.
var ErrNotTrace = errors.New("not an editing trace")

// MaxBytes is the largest trace Load reads, counted after decompression.
// The largest public traces are under 20 MB of JSON; the limit keeps a
// gzip bomb from taking the machine's time.
const MaxBytes = 256 << 20

// ErrTooLarge is returned by Load for a trace larger than MaxBytes.
var ErrTooLarge = fmt.Errorf("the trace is larger than %d MB once decompressed; crdtviz reads traces up to that size", MaxBytes>>20)

// maxBytes is MaxBytes, lowered by tests.
var maxBytes int64 = MaxBytes

// source is a trace's bytes: decompressed when gzipped, limited to
// maxBytes, and finished by reading a gzip stream to its end (so that its
// checksum is checked).
type source struct {
	io.Reader
	limited *io.LimitedReader
	gz      *gzip.Reader
}

func open(r io.Reader) (*source, error) {
	br := bufio.NewReader(r)
	var src io.Reader = br
	var gz *gzip.Reader
	if magic, _ := br.Peek(2); bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		var err error
		if gz, err = gzip.NewReader(br); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrNotTrace, err)
		}
		gz.Multistream(false)
		src = gz
	}
	limited := &io.LimitedReader{R: src, N: maxBytes + 1} // one byte more tells "too large" from "just fits"
	return &source{Reader: limited, limited: limited, gz: gz}, nil
}

// fail turns a reading error into ErrTooLarge or ErrNotTrace.
func (s *source) fail(err error) error {
	if s.limited.N <= 0 {
		return ErrTooLarge
	}
	if errors.Is(err, ErrNotTrace) || errors.Is(err, errRestart) {
		return err
	}
	return fmt.Errorf("%w: %v", ErrNotTrace, err)
}

// finish checks that nothing follows the trace: no trailing garbage, and
// a gzip stream read to its end, with a good checksum.
func (s *source) finish(sc *scanner) error {
	if err := sc.end(); err != nil {
		return s.fail(err)
	}
	if s.limited.N <= 0 {
		return ErrTooLarge
	}
	if s.gz != nil {
		if err := s.gz.Close(); err != nil {
			return s.fail(err)
		}
	}
	return nil
}

// header is what a trace says besides its transactions.
type header struct {
	start              string
	end                *string
	numAgents          int
	hasStart, hasAgent bool
	hasTxns            bool
}

// decode reads a trace object from sc, calling onTxn for each transaction
// as it is read, in order.
func decode(sc *scanner, h *header, onTxn func(i int, tx Txn) error) error {
	var tx Txn // reused: onTxn must copy what it keeps
	var seen keys
	return sc.object(func(key []byte) error {
		if err := seen.once(key, "the trace"); err != nil {
			return err
		}
		var err error
		switch string(key) {
		case "startContent":
			h.start, err = sc.str()
			h.hasStart = true
		case "endContent":
			var null bool
			if null, err = sc.isNull(); err == nil && null {
				return fmt.Errorf("%w: \"endContent\" is not a string", ErrNotTrace)
			} else if err == nil {
				var end string
				end, err = sc.str()
				h.end = &end
			}
		case "numAgents":
			h.numAgents, err = sc.integer("numAgents")
			h.hasAgent = true
		case "txns":
			h.hasTxns = true
			i := 0
			err = sc.array(func() error {
				if err := readTxn(sc, &tx); err != nil {
					return err
				}
				i++
				return onTxn(i-1, tx)
			})
		default:
			err = sc.skip()
		}
		return err
	})
}

// keys remembers the keys of one object that a trace reads, so that a key
// given twice is an error rather than a silent choice: JSON leaves it
// undefined, and decoders differ.
type keys uint8

func (k *keys) once(key []byte, in string) error {
	var bit keys
	switch string(key) {
	case "startContent":
		bit = 1
	case "endContent":
		bit = 2
	case "numAgents":
		bit = 4
	case "txns":
		bit = 8
	case "parents":
		bit = 16
	case "agent":
		bit = 32
	case "patches":
		bit = 64
	default:
		return nil // skipped anyway
	}
	if *k&bit != 0 {
		return fmt.Errorf("%w: %s gives %q twice", ErrNotTrace, in, key)
	}
	*k |= bit
	return nil
}

// readTxn reads a transaction into tx, reusing its slices.
func readTxn(sc *scanner, tx *Txn) error {
	tx.Parents, tx.Agent, tx.Patches = tx.Parents[:0], 0, tx.Patches[:0]
	var seen keys
	return sc.object(func(key []byte) error {
		if err := seen.once(key, "a transaction"); err != nil {
			return err
		}
		switch string(key) {
		case "parents":
			return sc.array(func() error {
				p, err := sc.integer("a parent")
				tx.Parents = append(tx.Parents, p)
				return err
			})
		case "agent":
			var err error
			tx.Agent, err = sc.integer("an agent")
			return err
		case "patches":
			return sc.array(func() error {
				p, err := readPatch(sc)
				tx.Patches = append(tx.Patches, p)
				return err
			})
		}
		return sc.skip()
	})
}

// readPatch reads [pos, del, "text"].
func readPatch(sc *scanner) (Patch, error) {
	if p, ok := sc.fastPatch(); ok {
		return p, nil
	}
	var p Patch
	k := 0
	err := sc.array(func() error {
		var err error
		switch k {
		case 0:
			p.Pos, err = sc.integer("a patch position")
		case 1:
			p.Del, err = sc.integer("a patch delete count")
		case 2:
			p.Ins, err = sc.str()
		default:
			return fmt.Errorf("%w: a patch must be [pos, del, text], got more than 3 items", ErrNotTrace)
		}
		k++
		return err
	})
	if err == nil && k != 3 {
		err = fmt.Errorf("%w: a patch must be [pos, del, text], got %d items", ErrNotTrace, k)
	}
	if err == nil && (p.Pos < 0 || p.Del < 0) {
		err = fmt.Errorf("%w: patch [%d, %d, …] has a negative number", ErrNotTrace, p.Pos, p.Del)
	}
	return p, err
}

// checkTxn checks a transaction against the ones before it.
func checkTxn(i int, tx Txn) error {
	for _, p := range tx.Parents {
		if p < 0 || p >= i {
			return fmt.Errorf("%w: txn %d has parent %d, which does not come before it", ErrNotTrace, i, p)
		}
	}
	if tx.Agent < 0 {
		return fmt.Errorf("%w: txn %d has agent %d", ErrNotTrace, i, tx.Agent)
	}
	return nil
}

// Load reads a whole trace, gzipped or not, decoding it as a stream.
func Load(r io.Reader) (*Trace, error) {
	src, err := open(r)
	if err != nil {
		return nil, err
	}
	sc := newScanner(src)
	var h header
	t := &Trace{}
	maxAgent := 0
	err = decode(sc, &h, func(i int, tx Txn) error {
		if err := checkTxn(i, tx); err != nil {
			return err
		}
		t.Concurrent = t.Concurrent || len(tx.Parents) > 0
		maxAgent = max(maxAgent, tx.Agent)
		t.Txns = append(t.Txns, Txn{Parents: slices.Clone(tx.Parents), Agent: tx.Agent, Patches: slices.Clone(tx.Patches)})
		return nil
	})
	if err != nil {
		return nil, src.fail(err)
	}
	if err := src.finish(sc); err != nil {
		return nil, err
	}
	if err := h.check(); err != nil {
		return nil, err
	}
	t.StartContent, t.EndContent, t.NumAgents = h.start, h.end, h.numAgents
	t.Concurrent = t.Concurrent || h.hasAgent
	if t.Concurrent {
		if !h.hasAgent {
			t.NumAgents = maxAgent + 1 // not stated: as many as the trace names
		}
		if t.NumAgents < 1 || maxAgent >= t.NumAgents {
			return nil, fmt.Errorf("%w: a txn has agent %d, but numAgents is %d", ErrNotTrace, maxAgent, t.NumAgents)
		}
	}
	return t, nil
}

func (h *header) check() error {
	if !h.hasTxns {
		return fmt.Errorf("%w: no \"txns\" list", ErrNotTrace)
	}
	if h.end == nil {
		return fmt.Errorf("%w: no \"endContent\"", ErrNotTrace)
	}
	return nil
}

// errRestart says that a streaming replay met a trace it cannot replay as
// a stream (concurrent, or with its start after its transactions).
var errRestart = errors.New("the trace must be read whole")

// ReplayStream replays a sequential trace as it is read, a transaction at
// a time, without holding the trace in memory. A trace that turns out to
// be concurrent, or that gives startContent after its transactions, is
// reported with errRestart: reopen it and use Load and Replay.
func ReplayStream(r io.Reader) (*Report, error) {
	src, err := open(r)
	if err != nil {
		return nil, err
	}
	sc := newScanner(src)
	var h header
	var doc *crdt.TextState
	rep := &Report{Replicas: 1}
	work := 0
	err = decode(sc, &h, func(i int, tx Txn) error {
		if len(tx.Parents) > 0 || h.hasAgent || (i == 0 && !h.hasStart) {
			return errRestart
		}
		if err := checkTxn(i, tx); err != nil {
			return err
		}
		if doc == nil {
			doc = crdt.NewText()
			if _, err := doc.InsertOps("start", 0, h.start); err != nil {
				return err
			}
			work = utf8.RuneCountInString(h.start)
		}
		rep.Txns++
		for j, p := range tx.Patches {
			work += 1 + utf8.RuneCountInString(p.Ins)
			if work > MaxWork {
				return tooMuchWork(1, work, rep.Txns)
			}
			if err := applyPatch(doc, "author", p, rep, nil); err != nil {
				return fmt.Errorf("txn %d patch %d: %w", i, j, err)
			}
		}
		return nil
	})
	if errors.Is(err, errRestart) {
		return nil, errRestart
	}
	if err != nil {
		if errors.Is(err, ErrNotTrace) || src.limited.N <= 0 || errors.Is(err, errSyntax) {
			return nil, src.fail(err)
		}
		return nil, err // a replay error: the trace was read, but does not replay
	}
	if err := src.finish(sc); err != nil {
		return nil, err
	}
	if err := h.check(); err != nil {
		return nil, err
	}
	if h.hasAgent {
		return nil, errRestart
	}
	if doc == nil {
		doc = crdt.NewText()
		if _, err := doc.InsertOps("start", 0, h.start); err != nil {
			return nil, err
		}
	}
	return finish(rep, doc, *h.end), nil
}

// ReplayFile replays the trace in a file: as a stream when it is
// sequential, whole otherwise. A gzipped file whose trailer says it
// decompresses to more than MaxBytes is refused before it is read.
func ReplayFile(path string) (*Trace, *Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	if err := checkGzipSize(f); err != nil {
		return nil, nil, err
	}
	rep, err := ReplayStream(f)
	if !errors.Is(err, errRestart) {
		return &Trace{}, rep, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, nil, err
	}
	t, err := Load(f)
	if err != nil {
		return nil, nil, err
	}
	rep, err = Replay(t)
	return t, rep, err
}

// checkGzipSize reads a gzip file's trailer, which gives its decompressed
// size (modulo 4 GB), and refuses a file that says it is too large: a bomb
// is refused before a byte is inflated. It leaves the file at its start.
func checkGzipSize(f *os.File) error {
	var magic [2]byte
	if _, err := io.ReadFull(f, magic[:]); err != nil || magic != [2]byte{0x1f, 0x8b} {
		_, err2 := f.Seek(0, io.SeekStart)
		return err2
	}
	var size [4]byte
	if st, err := f.Stat(); err == nil && st.Size() >= 18 {
		if _, err := f.ReadAt(size[:], st.Size()-4); err == nil && int64(binary.LittleEndian.Uint32(size[:])) > maxBytes {
			return ErrTooLarge
		}
	}
	_, err := f.Seek(0, io.SeekStart)
	return err
}

// Report is what a replay found.
type Report struct {
	Match      bool
	Diff       string // the first difference, when Match is false
	Txns       int
	Patches    int
	Inserted   int // code points inserted
	Deleted    int // code points deleted
	Replicas   int
	Items      int // items in the final document, tombstones included
	Tombstones int
	Final      string
}

// Replay runs the trace through the text CRDT and compares the result with
// endContent.
func Replay(t *Trace) (*Report, error) {
	if t.Concurrent {
		return replayConcurrent(t)
	}
	doc := crdt.NewText()
	rep := &Report{Txns: len(t.Txns), Replicas: 1}
	if _, err := doc.InsertOps("start", 0, t.StartContent); err != nil {
		return nil, err
	}
	work := utf8.RuneCountInString(t.StartContent)
	for _, tx := range t.Txns {
		for _, p := range tx.Patches {
			work += 1 + utf8.RuneCountInString(p.Ins)
		}
	}
	if work > MaxWork {
		return nil, tooMuchWork(1, work, len(t.Txns))
	}
	for i, tx := range t.Txns {
		for j, p := range tx.Patches {
			if err := applyPatch(doc, "author", p, rep, nil); err != nil {
				return nil, fmt.Errorf("txn %d patch %d: %w", i, j, err)
			}
		}
	}
	return finish(rep, doc, *t.EndContent), nil
}

func applyPatch(doc *crdt.TextState, site string, p Patch, rep *Report, ops *[]crdt.TextOp) error {
	rep.Patches++
	if ops == nil {
		// Sequential replay needs no op log.
		if err := doc.Splice(site, p.Pos, p.Del, p.Ins); err != nil {
			return err
		}
		rep.Deleted += p.Del
		rep.Inserted += utf8.RuneCountInString(p.Ins)
		return nil
	}
	if p.Del > 0 {
		d, err := doc.DeleteOps(p.Pos, p.Del)
		if err != nil {
			return err
		}
		rep.Deleted += p.Del
		*ops = append(*ops, d...)
	}
	if p.Ins != "" {
		in, err := doc.InsertOps(site, p.Pos, p.Ins)
		if err != nil {
			return err
		}
		*ops = append(*ops, in...)
		rep.Inserted += utf8.RuneCountInString(p.Ins)
	}
	return nil
}

// MaxWork bounds a replay: replicas × (characters + transactions) may not
// exceed it, for a sequential trace (one replica; patches count as
// transactions there) as for a concurrent one. Every replica ends up
// holding every character, at about 100 bytes each, so this bounds the
// replay's memory (under 1 GB) and time. friendsforever needs about
// 100,000 and automerge-paper about 450,000; a hostile file that claims a
// million editing agents, or millions of patches, gets a clear error
// instead of eating the machine.
const MaxWork = 1 << 23

func tooMuchWork(agents, chars, txns int) error {
	return fmt.Errorf("the trace is too large to replay: %d agents that edit, %d characters and %d transactions; crdtviz replays at most %d agents × (characters + transactions)",
		agents, chars, txns, MaxWork)
}

func replayConcurrent(t *Trace) (*Report, error) {
	// One replica per agent that authors a transaction, in order of first
	// appearance. Agents that author nothing all behave alike (start empty,
	// receive everything at the end), so one extra replica stands for them.
	replica := map[int]int{}
	var names []string // names[replica], for messages
	for _, tx := range t.Txns {
		if _, ok := replica[tx.Agent]; !ok {
			replica[tx.Agent] = len(names)
			names = append(names, "agent "+strconv.Itoa(tx.Agent))
		}
	}
	if t.NumAgents > len(names) || len(names) == 0 {
		names = append(names, "an agent that edits nothing")
	}
	agents := len(names)
	rep := &Report{Txns: len(t.Txns), Replicas: max(t.NumAgents, agents)}
	chars := utf8.RuneCountInString(t.StartContent)
	for _, tx := range t.Txns {
		for _, p := range tx.Patches {
			chars += utf8.RuneCountInString(p.Ins)
		}
	}
	if work := agents * (chars + len(t.Txns)); work > MaxWork || work < 0 {
		return nil, tooMuchWork(agents, chars, len(t.Txns))
	}
	docs := make([]*crdt.TextState, agents)
	seen := make([][]bool, agents) // seen[replica][txn]
	for a := range docs {
		docs[a] = crdt.NewText()
		if _, err := docs[a].InsertOps("", 0, t.StartContent); err != nil {
			return nil, err
		}
		seen[a] = make([]bool, len(t.Txns))
	}
	ops := make([][]crdt.TextOp, len(t.Txns))
	var stack, missing []int
	catchUp := func(a int, heads []int) error {
		stack, missing = append(stack[:0], heads...), missing[:0]
		for len(stack) > 0 {
			x := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if seen[a][x] {
				continue
			}
			seen[a][x] = true
			missing = append(missing, x)
			stack = append(stack, t.Txns[x].Parents...)
		}
		slices.Sort(missing) // txns come after their parents, so index order is causal order
		for _, x := range missing {
			if err := docs[a].ApplyOps(ops[x]); err != nil {
				return fmt.Errorf("txn %d reaching %s: %w", x, names[a], err)
			}
		}
		return nil
	}
	for i, tx := range t.Txns {
		a := replica[tx.Agent]
		if err := catchUp(a, tx.Parents); err != nil {
			return nil, err
		}
		site := "agent" + strconv.Itoa(tx.Agent)
		for j, p := range tx.Patches {
			if err := applyPatch(docs[a], site, p, rep, &ops[i]); err != nil {
				return nil, fmt.Errorf("txn %d patch %d: %w", i, j, err)
			}
		}
		seen[a][i] = true
	}
	all := make([]int, len(t.Txns))
	for i := range all {
		all[i] = i
	}
	for a := range docs {
		if err := catchUp(a, all); err != nil {
			return nil, err
		}
	}
	for a := 1; a < agents; a++ {
		if docs[a].String() != docs[0].String() {
			rep.Diff = fmt.Sprintf("%s and %s did not converge: %s", names[0], names[a], firstDiff(docs[0].String(), docs[a].String()))
		}
	}
	r := finish(rep, docs[0], *t.EndContent)
	if rep.Diff != "" && r.Match {
		r.Match = false
	}
	return r, nil
}

func finish(rep *Report, doc *crdt.TextState, want string) *Report {
	rep.Final = doc.String()
	rep.Items = doc.Items()
	rep.Tombstones = doc.Tombstones()
	rep.Match = rep.Final == want
	if !rep.Match && rep.Diff == "" {
		rep.Diff = firstDiff(want, rep.Final)
	}
	return rep
}

// firstDiff describes where got first differs from want.
func firstDiff(want, got string) string {
	w, g := []rune(want), []rune(got)
	i := 0
	for i < len(w) && i < len(g) && w[i] == g[i] {
		i++
	}
	line := 1
	for _, r := range w[:i] {
		if r == '\n' {
			line++
		}
	}
	snip := func(rs []rune) string {
		end := min(len(rs), i+20)
		return strconv.Quote(string(rs[i:end]))
	}
	return fmt.Sprintf("first difference at character %d (line %d): expected %s, got %s (lengths %d and %d)",
		i, line, snip(w), snip(g), len(w), len(g))
}
