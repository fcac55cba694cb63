package lab

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"crdtviz/crdt"
)

// Outcome is what became of an operation crdtviz asked a node to do.
type Outcome int

const (
	// Acked: the node answered *_ok; the operation happened.
	Acked Outcome = iota
	// Failed: the node answered with a definite error; it did not happen.
	Failed
	// InDoubt: no answer in time, an indefinite error, or a node that
	// crashed: it may have happened, or may yet happen.
	InDoubt
)

func (o Outcome) String() string {
	return [...]string{"acknowledged", "failed", "in doubt"}[o]
}

// OpRecord is one operation of a run, in the order crdtviz issued them.
// crdtviz waits for each answer before it issues the next, so the order
// is a real-time order.
type OpRecord struct {
	Node    string
	Op      crdt.Op
	Outcome Outcome
	Why     string // the error or timeout, for Failed and InDoubt
}

// Read is one node's answer to read: its value, or why there is none.
type Read struct {
	Node  string
	OK    bool
	Null  bool       // a register that answered null: nothing written yet
	Value crdt.Value // when OK and not Null
	Raw   string     // the value as the node wrote it, compact JSON
	Why   string     // when not OK: the error, the timeout, the crash
}

// Text is the read as the screen shows it: the value in scenario syntax,
// null, or a dash with the reason elsewhere.
func (r Read) Text() string {
	switch {
	case !r.OK:
		return "—"
	case r.Null:
		return "null"
	}
	return r.Value.String()
}

// same reports whether two reads show the same value.
func (r Read) same(o Read) bool {
	if !r.OK || !o.OK || r.Null != o.Null {
		return false
	}
	return r.Null || r.Value.Equal(o.Value)
}

// Workload is one of the lab's workloads: the messages a node must answer
// for one CRDT type, and the rules its reads are judged by. The first
// three are Maelstrom's (doc/workloads.md); lww-register and or-set are
// the lab's own, in the same style.
type Workload struct {
	Name string
	Type crdt.Type
	// request is the body fields of the RPC for a local edit.
	request func(op crdt.Op) (string, map[string]any)
	// value turns read_ok's value into a crdt.Value (null for registers
	// is handled before).
	value func(raw json.RawMessage) (crdt.Value, error)
	// possible says why a read could not have come from the operations
	// issued so far, at any time; nil if it could.
	possible func(ops []OpRecord, v Read) error
	// final says why a converged final read is not right; nil if it is.
	final func(ops []OpRecord, v Read) error
	// random makes a random edit for lab check.
	random func(r *rand.Rand) crdt.Op
	// Messages documents the RPCs, one line each, for help.
	Messages []string
}

// Workloads lists the lab's workloads, in the order the docs teach them.
var Workloads = []*Workload{gCounter, pnCounter, gSet, lwwRegister, orSet}

// WorkloadFor returns the workload of a CRDT type.
func WorkloadFor(t crdt.Type) (*Workload, error) {
	for _, w := range Workloads {
		if w.Type == t {
			return w, nil
		}
	}
	return nil, fmt.Errorf("the lab has no workload for %s: it runs %s", t, workloadList())
}

// ParseWorkload looks a workload up by name.
func ParseWorkload(name string) (*Workload, error) {
	for _, w := range Workloads {
		if w.Name == name {
			return w, nil
		}
	}
	return nil, fmt.Errorf("unknown workload %q: choose %s", name, workloadList())
}

func workloadList() string {
	names := make([]string, len(Workloads))
	for i, w := range Workloads {
		names[i] = w.Name
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// Request is the body crdtviz sends for a local edit, with its msg_id.
func (w *Workload) Request(op crdt.Op, msgID int64) json.RawMessage {
	typ, fields := w.request(op)
	return Body(typ, msgID, fields)
}

// ParseRead reads the value of a read_ok body.
func (w *Workload) ParseRead(node string, body json.RawMessage) Read {
	var b struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(body, &b); err != nil {
		return Read{Node: node, Why: "its read_ok is not a JSON object"}
	}
	r := Read{Node: node, Raw: string(b.Value)}
	switch {
	case len(b.Value) == 0:
		return Read{Node: node, Why: `its read_ok has no "value"`}
	case string(b.Value) != "null":
	case w.Type == crdt.LWWRegister:
		r.OK, r.Null, r.Raw = true, true, "null"
		return r
	case w.Type == crdt.GSet || w.Type == crdt.ORSet:
		return Read{Node: node, Why: `its read_ok's "value" is null, not a list (an empty set reads [])`}
	default:
		return Read{Node: node, Why: `its read_ok's "value" is null, not a number (a counter reads 0 before any add)`}
	}
	v, err := w.value(b.Value)
	if err != nil {
		r.Why = "its read_ok value " + Excerpt(string(b.Value), 40) + " " + err.Error()
		return r
	}
	r.OK, r.Value = true, v
	return r
}

// Possible says why a read could never have been given by a correct node
// after the operations issued so far; nil if it could.
func (w *Workload) Possible(ops []OpRecord, r Read) error {
	if !r.OK {
		return nil
	}
	return w.possible(ops, r)
}

// Final says why a final read, on which every node agrees, is wrong; nil
// if the operations could have left it.
func (w *Workload) Final(ops []OpRecord, r Read) error {
	if err := w.Possible(ops, r); err != nil {
		return err
	}
	return w.final(ops, r)
}

// Random makes a random edit, as lab check does.
func (w *Workload) Random(r *rand.Rand) crdt.Op { return w.random(r) }

// elemJSON is how an element or a written value travels: a JSON integer
// when the text is one (as Maelstrom's own workloads send), a string
// otherwise.
func elemJSON(s string) any {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && strconv.FormatInt(n, 10) == s {
		return json.Number(s)
	}
	return s
}

// elemText turns an element a node wrote back into its text: strings as
// they are, integers in decimal, anything else as compact JSON.
func elemText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if isNumber(raw) && json.Unmarshal(raw, &n) == nil {
		if i, err := n.Int64(); err == nil {
			return strconv.FormatInt(i, 10)
		}
		return n.String()
	}
	var buf bytes.Buffer
	if json.Compact(&buf, raw) == nil {
		return buf.String()
	}
	return string(raw)
}

// isNumber reports whether a JSON value is a number (json.Number also
// takes a string that holds one).
func isNumber(raw json.RawMessage) bool {
	return len(raw) > 0 && (raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9')
}

func intValue(raw json.RawMessage) (crdt.Value, error) {
	if !isNumber(raw) {
		return crdt.Value{}, fmt.Errorf("is not a number")
	}
	var n json.Number
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&n); err != nil {
		return crdt.Value{}, fmt.Errorf("is not a number")
	}
	i, err := strconv.ParseInt(n.String(), 10, 64)
	if err != nil {
		return crdt.Value{}, fmt.Errorf("is not an integer")
	}
	return crdt.IntValue(i), nil
}

func setValue(raw json.RawMessage) (crdt.Value, error) {
	var elems []json.RawMessage
	if err := json.Unmarshal(raw, &elems); err != nil {
		return crdt.Value{}, fmt.Errorf("is not a JSON array")
	}
	s := make([]string, len(elems))
	for i, e := range elems {
		s[i] = elemText(e)
	}
	return crdt.SetValue(s...), nil
}

// counted sums the deltas of the operations by outcome.
func counted(ops []OpRecord) (acked int64, doubt []int64, low, high int64) {
	for _, o := range ops {
		d := o.Op.N
		if o.Op.Kind == crdt.OpDec {
			d = -d
		}
		if o.Outcome == Failed {
			continue
		}
		if d < 0 {
			low += d
		} else {
			high += d
		}
		if o.Outcome == Acked {
			acked += d
		} else {
			doubt = append(doubt, d)
		}
	}
	return
}

func counterPossible(ops []OpRecord, r Read) error {
	_, _, low, high := counted(ops)
	if v := r.Value.Int; v < low || v > high {
		if low == 0 {
			return fmt.Errorf("%s read %d, but all the adds so far make only %d", r.Node, v, high)
		}
		return fmt.Errorf("%s read %d, but the adds so far allow only %d to %d", r.Node, v, low, high)
	}
	return nil
}

// maxSums bounds the set of sums the counter check enumerates; past it,
// the check allows the whole range between the smallest and the largest.
const maxSums = 4096

func counterFinal(ops []OpRecord, r Read) error {
	acked, doubt, _, _ := counted(ops)
	sums := map[int64]bool{acked: true}
	lo, hi := acked, acked
	for _, d := range doubt {
		if d < 0 {
			lo += d
		} else {
			hi += d
		}
		if len(sums) > maxSums {
			continue
		}
		for _, s := range sortedKeys(sums) {
			sums[s+d] = true
		}
	}
	v := r.Value.Int
	if len(sums) > maxSums {
		if v >= lo && v <= hi {
			return nil
		}
	} else if sums[v] {
		return nil
	}
	if len(doubt) == 0 {
		return fmt.Errorf("every node reads %d, but the acknowledged adds sum to %d", v, acked)
	}
	return fmt.Errorf("every node reads %d, but the acknowledged adds sum to %d, and the %d in doubt allow only %s", v, acked, len(doubt), sumList(sums, lo, hi))
}

// sortedKeys copies a set's keys, so that the caller may add to it.
func sortedKeys(m map[int64]bool) []int64 {
	out := make([]int64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func sumList(sums map[int64]bool, lo, hi int64) string {
	if len(sums) > 8 {
		return fmt.Sprintf("values from %d to %d", lo, hi)
	}
	ks := sortedKeys(sums)
	parts := make([]string, len(ks))
	for i, k := range ks {
		parts[i] = strconv.FormatInt(k, 10)
	}
	return strings.Join(parts, ", ")
}

// elements lists, by outcome, the elements (or values) of the operations
// of the given kind.
func elements(ops []OpRecord, kind crdt.OpKind) (acked, attempted map[string]bool) {
	acked, attempted = map[string]bool{}, map[string]bool{}
	for _, o := range ops {
		if o.Op.Kind != kind || o.Outcome == Failed {
			continue
		}
		attempted[o.Op.Value] = true
		if o.Outcome == Acked {
			acked[o.Op.Value] = true
		}
	}
	return
}

// strangers lists the elements of a read that were never added.
func strangers(r Read, attempted map[string]bool) []string {
	var out []string
	for _, e := range r.Value.Set {
		if !attempted[e] {
			out = append(out, crdt.Quote(e))
		}
	}
	return out
}

func setPossible(ops []OpRecord, r Read) error {
	_, attempted := elements(ops, crdt.OpAdd)
	if s := strangers(r, attempted); len(s) > 0 {
		return fmt.Errorf("%s read %s, but %s never added", r.Node, r.Value, andList(s))
	}
	return nil
}

// andList is "x was", "x and y were", "x, y and z were".
func andList(items []string) string {
	if len(items) == 1 {
		return items[0] + " was"
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1] + " were"
}

// missing lists the elements that must be in a read and are not.
func missing(r Read, must map[string]bool) []string {
	var out []string
	for e := range must {
		if !slices.Contains(r.Value.Set, e) {
			out = append(out, crdt.Quote(e))
		}
	}
	slices.Sort(out)
	return out
}

func gsetFinal(ops []OpRecord, r Read) error {
	acked, _ := elements(ops, crdt.OpAdd)
	if m := missing(r, acked); len(m) > 0 {
		return fmt.Errorf("every node reads %s, but the acknowledged add of %s is lost", r.Value, strings.Join(m, " and "))
	}
	return nil
}

// orsetFinal: an element must be there if an acknowledged add of it came
// after every remove of it that was issued (no remove could have seen
// that add, so the add wins); an element may be there only if it was
// added.
func orsetFinal(ops []OpRecord, r Read) error {
	must := map[string]bool{}
	for i, o := range ops {
		if o.Op.Kind != crdt.OpAdd || o.Outcome != Acked {
			continue
		}
		removedLater := false
		for _, later := range ops[i+1:] {
			if later.Op.Kind == crdt.OpRemove && later.Op.Value == o.Op.Value && later.Outcome != Failed {
				removedLater = true
			}
		}
		if !removedLater {
			must[o.Op.Value] = true
		}
	}
	if m := missing(r, must); len(m) > 0 {
		if len(m) == 1 {
			return fmt.Errorf("every node reads %s, but %s was added (and acknowledged) after its last remove, so it must be there", r.Value, m[0])
		}
		return fmt.Errorf("every node reads %s, but %s were added (and acknowledged) after their last removes, so they must be there", r.Value, strings.Join(m[:len(m)-1], ", ")+" and "+m[len(m)-1])
	}
	return nil
}

func registerPossible(ops []OpRecord, r Read) error {
	if r.Null {
		return nil
	}
	_, written := elements(ops, crdt.OpSet)
	if !written[r.Value.Str] {
		return fmt.Errorf("%s read %s, which was never written", r.Node, r.Value)
	}
	return nil
}

func registerFinal(ops []OpRecord, r Read) error {
	acked, _ := elements(ops, crdt.OpSet)
	if r.Null && len(acked) > 0 {
		return fmt.Errorf("every node reads null, but %d acknowledged write(s) were made", len(acked))
	}
	return nil
}

var gCounter = &Workload{
	Name: "g-counter", Type: crdt.GCounter,
	request: func(op crdt.Op) (string, map[string]any) {
		return "add", map[string]any{"delta": op.N}
	},
	value:    intValue,
	possible: counterPossible,
	final:    counterFinal,
	random: func(r *rand.Rand) crdt.Op {
		return crdt.Op{Kind: crdt.OpInc, N: int64(1 + r.IntN(3))}
	},
	Messages: []string{
		`add {"delta": N} → add_ok      (edit NODE inc N)`,
		`read → read_ok {"value": N}`,
	},
}

var pnCounter = &Workload{
	Name: "pn-counter", Type: crdt.PNCounter,
	request: func(op crdt.Op) (string, map[string]any) {
		d := op.N
		if op.Kind == crdt.OpDec {
			d = -d
		}
		return "add", map[string]any{"delta": d}
	},
	value:    intValue,
	possible: counterPossible,
	final:    counterFinal,
	random: func(r *rand.Rand) crdt.Op {
		k := crdt.OpInc
		if r.IntN(3) == 0 {
			k = crdt.OpDec
		}
		return crdt.Op{Kind: k, N: int64(1 + r.IntN(3))}
	},
	Messages: []string{
		`add {"delta": N} → add_ok      (edit NODE inc N; dec N sends -N)`,
		`read → read_ok {"value": N}`,
	},
}

var gSet = &Workload{
	Name: "g-set", Type: crdt.GSet,
	request: func(op crdt.Op) (string, map[string]any) {
		return "add", map[string]any{"element": elemJSON(op.Value)}
	},
	value:    setValue,
	possible: setPossible,
	final:    gsetFinal,
	random: func(r *rand.Rand) crdt.Op {
		return crdt.Op{Kind: crdt.OpAdd, Value: strconv.Itoa(r.IntN(8))}
	},
	Messages: []string{
		`add {"element": E} → add_ok    (edit NODE add E)`,
		`read → read_ok {"value": [E, ...]}`,
	},
}

var lwwRegister = &Workload{
	Name: "lww-register", Type: crdt.LWWRegister,
	request: func(op crdt.Op) (string, map[string]any) {
		return "write", map[string]any{"value": elemJSON(op.Value)}
	},
	value: func(raw json.RawMessage) (crdt.Value, error) {
		return crdt.StringValue(elemText(raw)), nil
	},
	possible: registerPossible,
	final:    registerFinal,
	random: func(r *rand.Rand) crdt.Op {
		return crdt.Op{Kind: crdt.OpSet, Value: strconv.Itoa(1 + r.IntN(99))}
	},
	Messages: []string{
		`write {"value": V} → write_ok  (edit NODE set V)`,
		`read → read_ok {"value": V}    (null before any write)`,
	},
}

var orSet = &Workload{
	Name: "or-set", Type: crdt.ORSet,
	request: func(op crdt.Op) (string, map[string]any) {
		return string(op.Kind), map[string]any{"element": elemJSON(op.Value)}
	},
	value:    setValue,
	possible: setPossible,
	final:    orsetFinal,
	random: func(r *rand.Rand) crdt.Op {
		k := crdt.OpAdd
		if r.IntN(3) == 0 {
			k = crdt.OpRemove
		}
		return crdt.Op{Kind: k, Value: strconv.Itoa(r.IntN(4))}
	},
	Messages: []string{
		`add {"element": E} → add_ok    (edit NODE add E)`,
		`remove {"element": E} → remove_ok (edit NODE remove E)`,
		`read → read_ok {"value": [E, ...]}`,
	},
}

// ReplyType is the type of the answer an edit expects: add_ok, write_ok,
// remove_ok.
func (w *Workload) ReplyType(op crdt.Op) string {
	typ, _ := w.request(op)
	return typ + "_ok"
}

// InitialOps are the edits that build an initial value from nothing, as
// c1 asks the first node to make them before a scenario's first step:
// add N for a counter (add -N for a negative pn-counter), add E for each
// element of a set, write V for a register.
func (w *Workload) InitialOps(v crdt.Value) ([]crdt.Op, error) {
	var ops []crdt.Op
	switch w.Type {
	case crdt.GCounter, crdt.PNCounter:
		switch {
		case v.Int > 0:
			ops = append(ops, crdt.Op{Kind: crdt.OpInc, N: v.Int})
		case v.Int < 0 && w.Type == crdt.PNCounter:
			ops = append(ops, crdt.Op{Kind: crdt.OpDec, N: -v.Int})
		case v.Int < 0:
			return nil, fmt.Errorf("a g-counter cannot start at %d: its adds are not negative", v.Int)
		}
	case crdt.GSet, crdt.ORSet:
		for _, e := range v.Set {
			ops = append(ops, crdt.Op{Kind: crdt.OpAdd, Value: e})
		}
	case crdt.LWWRegister:
		ops = append(ops, crdt.Op{Kind: crdt.OpSet, Value: v.Str})
	default:
		return nil, fmt.Errorf("the lab cannot build an initial %s", w.Type)
	}
	if len(ops) > maxInitialOps {
		return nil, fmt.Errorf("the lab builds an initial value with edits, at most %d, and this one needs %d", maxInitialOps, len(ops))
	}
	return ops, nil
}

// maxInitialOps bounds the edits that build an initial value.
const maxInitialOps = 1000
