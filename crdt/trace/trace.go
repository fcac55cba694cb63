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
	"encoding/json"
	"errors"
	"fmt"
	"io"
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

// UnmarshalJSON reads a patch written as [pos, del, "text"].
func (p *Patch) UnmarshalJSON(b []byte) error {
	var parts []json.RawMessage
	if err := json.Unmarshal(b, &parts); err != nil {
		return fmt.Errorf("a patch must be [pos, del, text]: %w", err)
	}
	if len(parts) != 3 {
		return fmt.Errorf("a patch must be [pos, del, text], got %d items", len(parts))
	}
	if err := json.Unmarshal(parts[0], &p.Pos); err != nil {
		return fmt.Errorf("patch position: %w", err)
	}
	if err := json.Unmarshal(parts[1], &p.Del); err != nil {
		return fmt.Errorf("patch delete count: %w", err)
	}
	if err := json.Unmarshal(parts[2], &p.Ins); err != nil {
		return fmt.Errorf("patch text: %w", err)
	}
	if p.Pos < 0 || p.Del < 0 {
		return fmt.Errorf("patch [%d, %d, …] has a negative number", p.Pos, p.Del)
	}
	return nil
}

// Txn is one transaction: patches applied together by one agent.
type Txn struct {
	Parents []int   `json:"parents"`
	Agent   int     `json:"agent"`
	Patches []Patch `json:"patches"`
}

// Trace is a loaded editing trace.
type Trace struct {
	StartContent string  `json:"startContent"`
	EndContent   *string `json:"endContent"`
	NumAgents    int     `json:"numAgents"`
	Txns         []Txn   `json:"txns"`
	Concurrent   bool    `json:"-"`
}

// ErrNotTrace is wrapped by every error Load returns, except ErrTooLarge.
var ErrNotTrace = errors.New("not an editing trace")

// MaxBytes is the largest trace Load reads, counted after decompression.
// The largest public traces are under 20 MB of JSON; the limit keeps a
// gzip bomb from filling the machine's memory.
const MaxBytes = 256 << 20

// ErrTooLarge is returned by Load for a trace larger than MaxBytes.
var ErrTooLarge = fmt.Errorf("the trace is larger than %d MB once decompressed; crdtviz reads traces up to that size", MaxBytes>>20)

// maxBytes is MaxBytes, lowered by tests.
var maxBytes int64 = MaxBytes

// Load reads a trace, gzipped or not.
func Load(r io.Reader) (*Trace, error) {
	br := bufio.NewReader(r)
	var src io.Reader = br
	if magic, _ := br.Peek(2); bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrNotTrace, err)
		}
		defer gz.Close()
		src = gz
	}
	var raw map[string]json.RawMessage
	limited := &io.LimitedReader{R: src, N: maxBytes + 1} // one byte more tells "too large" from "just fits"
	err := json.NewDecoder(limited).Decode(&raw)
	if limited.N == 0 {
		return nil, ErrTooLarge
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotTrace, err)
	}
	if _, ok := raw["txns"]; !ok {
		return nil, fmt.Errorf("%w: no \"txns\" list", ErrNotTrace)
	}
	if _, ok := raw["endContent"]; !ok {
		return nil, fmt.Errorf("%w: no \"endContent\"", ErrNotTrace)
	}
	var t Trace
	for key, dst := range map[string]any{"startContent": &t.StartContent, "endContent": &t.EndContent, "numAgents": &t.NumAgents, "txns": &t.Txns} {
		if v, ok := raw[key]; ok {
			if err := json.Unmarshal(v, dst); err != nil {
				return nil, fmt.Errorf("%w: %s: %v", ErrNotTrace, key, err)
			}
		}
	}
	if t.EndContent == nil {
		return nil, fmt.Errorf("%w: \"endContent\" is not a string", ErrNotTrace)
	}
	_, t.Concurrent = raw["numAgents"]
	maxAgent := 0
	for i, tx := range t.Txns {
		for _, p := range tx.Parents {
			if p < 0 || p >= i {
				return nil, fmt.Errorf("%w: txn %d has parent %d, which does not come before it", ErrNotTrace, i, p)
			}
			t.Concurrent = true
		}
		if tx.Agent < 0 {
			return nil, fmt.Errorf("%w: txn %d has agent %d", ErrNotTrace, i, tx.Agent)
		}
		maxAgent = max(maxAgent, tx.Agent)
	}
	if t.Concurrent {
		if _, given := raw["numAgents"]; !given {
			t.NumAgents = maxAgent + 1 // not stated: as many as the trace names
		}
		if t.NumAgents < 1 || maxAgent >= t.NumAgents {
			return nil, fmt.Errorf("%w: a txn has agent %d, but numAgents is %d", ErrNotTrace, maxAgent, t.NumAgents)
		}
	}
	return &t, nil
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
	if p.Del > 0 {
		d, err := doc.DeleteOps(p.Pos, p.Del)
		if err != nil {
			return err
		}
		rep.Deleted += p.Del
		if ops != nil {
			*ops = append(*ops, d...)
		}
	}
	if p.Ins != "" {
		if ops == nil {
			// Sequential replay needs no op log; skip building one.
			if _, err := doc.Apply(crdt.Op{Kind: crdt.OpInsert, Pos: p.Pos, Text: p.Ins}, crdt.Ctx{Replica: site}); err != nil {
				return err
			}
		} else {
			in, err := doc.InsertOps(site, p.Pos, p.Ins)
			if err != nil {
				return err
			}
			*ops = append(*ops, in...)
		}
		rep.Inserted += utf8.RuneCountInString(p.Ins)
	}
	return nil
}

// MaxWork bounds a concurrent replay: replicas × (characters + transactions)
// may not exceed it. Every replica ends up holding every character, at about
// 100 bytes each, so this bounds the replay's memory (under 1 GB) and time.
// friendsforever needs about 100,000; a hostile file that claims a million
// editing agents gets a clear error instead of eating the machine.
const MaxWork = 1 << 23

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
		return nil, fmt.Errorf("the trace is too large to replay: %d agents that edit, %d characters and %d transactions; crdtviz replays at most %d agents × (characters + transactions)",
			agents, chars, len(t.Txns), MaxWork)
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
