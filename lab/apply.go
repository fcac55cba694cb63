package lab

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"crdtviz/replicas"
)

// EventKind says what a lane event reports.
type EventKind int

const (
	EvWrite     EventKind = iota // a node wrote a message to another: it waits in the outbox
	EvSend                       // a message left the outbox: in flight
	EvDeliver                    // a message was written to its receiver's stdin
	EvDrop                       // the network lost a message
	EvDuplicate                  // the network copied a message
	EvRequest                    // c1 asked a node to edit
	EvReply                      // a node answered c1
	EvFault                      // a node crashed, or was stopped
	EvNote                       // a remark: nothing to do, a link that holds, a late answer
)

// Event is one thing that happened in the student's lane, with a sentence.
type Event struct {
	Kind     EventKind
	Node     string // for requests, replies and faults
	From, To string // for messages
	Msg      int    // the message's id, for message events
	CopyOf   int
	Type     string // the body's type
	Body     string // the body, compact JSON
	Synced   bool   // a delivery by a sync, straight from the outbox
	Text     string
}

// Apply applies one scenario action to the lane, as docs/lab.md says:
//
//   - edit N OP asks node N, from c1, to do the workload's operation, and
//     waits for its answer;
//   - send A -> B puts everything A has written for B in flight;
//   - deliver A -> B delivers the oldest message in flight (newest with
//     newest); drop and duplicate act on the oldest;
//   - sync sends and delivers everything waiting on each of its links;
//     deliver all delivers everything in flight on links that are up;
//   - cut, heal and partition change the links; a cut link holds its
//     messages until it heals;
//   - clock has nothing to act on: the nodes keep their own clocks.
//
// After anything that reached a node, it waits for the nodes to be quiet
// (Options.Settle), for at most Options.StepTimeout. It returns what
// happened.
func (l *Lane) Apply(a replicas.Action) []Event {
	l.events = nil
	l.collect() // what the nodes wrote since the last step (timers)
	for _, nd := range l.nodes {
		nd.wrote = 0
	}
	l.stepping = true
	defer func() { l.stepping = false }()
	poked := false
	switch a := a.(type) {
	case replicas.Edit:
		l.edit(a)
		poked = true
	case replicas.Send:
		for _, to := range l.targets(a.From, a.To, a.ToAll) {
			l.send(l.index(a.From), to)
		}
	case replicas.Deliver:
		poked = l.deliverOne(l.index(a.From), l.index(a.To), a.Newest)
	case replicas.DeliverAll:
		poked = l.deliverAll()
	case replicas.Drop:
		l.drop(l.index(a.From), l.index(a.To))
	case replicas.Duplicate:
		l.duplicate(l.index(a.From), l.index(a.To))
	case replicas.Sync:
		from := l.index(a.From)
		var links [][2]int
		for _, to := range l.targets(a.From, a.To, a.ToAll) {
			links = append(links, [2]int{from, to})
		}
		poked = l.syncLinks(links)
	case replicas.SyncBoth:
		i, j := l.index(a.A), l.index(a.B)
		poked = l.syncLinks([][2]int{{i, j}, {j, i}})
	case replicas.SyncAll:
		poked = l.syncLinks(l.allLinks())
	case replicas.Cut:
		l.setLink(a.From, a.To, a.Both, false)
	case replicas.Heal:
		l.setLink(a.From, a.To, a.Both, true)
	case replicas.HealAll:
		for i := range l.up {
			for j := range l.up[i] {
				l.up[i][j] = true
			}
		}
	case replicas.Partition:
		group := map[int]int{}
		for g, names := range a.Groups {
			for _, n := range names {
				group[l.index(n)] = g
			}
		}
		for i := range l.up {
			for j := range l.up[i] {
				gi, iok := group[i]
				gj, jok := group[j]
				if iok && jok && gi != gj {
					l.up[i][j] = false
				}
			}
		}
	case replicas.SetSkew:
		l.emit(Event{Kind: EvNote, Text: "your nodes keep their own clocks: clock skew does not reach them"})
	}
	if poked {
		l.settle()
	} else {
		l.collect()
	}
	return slices.Clone(l.events)
}

// targets are the receivers of a send or sync: one, or every other node.
func (l *Lane) targets(from, to string, all bool) []int {
	if !all {
		return []int{l.index(to)}
	}
	var out []int
	for j, n := range l.names {
		if n != from {
			out = append(out, j)
		}
	}
	return out
}

// allLinks lists every directed link, receivers in declaration order and
// each receiver's senders in declaration order, as sync all delivers.
func (l *Lane) allLinks() [][2]int {
	var out [][2]int
	for to := range l.names {
		for from := range l.names {
			if from != to {
				out = append(out, [2]int{from, to})
			}
		}
	}
	return out
}

func (l *Lane) setLink(from, to string, both, up bool) {
	i, j := l.index(from), l.index(to)
	l.up[i][j] = up
	if both {
		l.up[j][i] = up
	}
}

// edit asks a node to make a local edit and waits for its answer.
func (l *Lane) edit(a replicas.Edit) {
	i := l.index(a.Replica)
	nd := l.nodes[i]
	rec := OpRecord{Node: nd.name, Op: a.Op, Outcome: InDoubt}
	if nd.state.down() {
		rec.Outcome, rec.Why = Failed, nd.name+" "+nd.state.past()
		l.ops = append(l.ops, rec)
		l.emit(Event{Kind: EvNote, Node: nd.name, Text: fmt.Sprintf("%s %s, so it cannot %s", nd.name, nd.state.past(), a.Op)})
		return
	}
	body := l.w.Request(a.Op, 0)
	id := l.request(i, body, "edit")
	sent := l.rpcBody(body, id)
	l.emit(Event{Kind: EvRequest, Node: nd.name, Type: typeOf(body), Body: sent,
		Text: fmt.Sprintf("%s asked %s: %s", Client, nd.name, sent)})
	l.await(l.opt.RPCTimeout)
	r := l.rpcs[id]
	delete(l.rpcs, id)
	want := l.w.ReplyType(a.Op)
	switch {
	case r.reply == nil && nd.state.down():
		rec.Why = nd.name + " crashed before it answered"
	case r.reply == nil:
		l.timeouts++
		rec.Why = fmt.Sprintf("no answer within %s", l.opt.RPCTimeout)
		if nd.state == Up {
			nd.state, nd.why = Silent, fmt.Sprintf("did not answer %s within %s", typeOf(body), l.opt.RPCTimeout)
		}
	case r.reply.Type == "error":
		var e ErrorBody
		_ = json.Unmarshal(r.reply.Body, &e)
		rec.Why = e.String()
		if e.Definite() {
			rec.Outcome = Failed
		}
	case r.reply.Type == want:
		rec.Outcome = Acked
	default:
		rec.Why = fmt.Sprintf("it answered %s, not %s", r.reply.Type, want)
	}
	switch rec.Outcome {
	case Failed:
		l.emit(Event{Kind: EvNote, Node: nd.name, Text: fmt.Sprintf("%s's %s failed: %s", nd.name, a.Op, rec.Why)})
	case InDoubt:
		l.emit(Event{Kind: EvNote, Node: nd.name, Text: fmt.Sprintf("%s's %s is in doubt: %s", nd.name, a.Op, rec.Why)})
	}
	if rec.Outcome != Failed {
		// What it writes from now on has the edit in it. Without an
		// answer, from when crdtviz stopped waiting.
		nd.edited, nd.mark = true, l.nextMsg
		if r.reply != nil {
			nd.mark = r.mark
		}
	}
	l.ops = append(l.ops, rec)
}

// rpcBody is a request body with its msg_id, as the node saw it.
func (l *Lane) rpcBody(body json.RawMessage, id int64) string {
	var m map[string]any
	_ = json.Unmarshal(body, &m)
	m["msg_id"] = id
	b, _ := json.Marshal(m)
	return string(b)
}

func typeOf(body json.RawMessage) string {
	var h struct {
		Type string `json:"type"`
	}
	_ = json.Unmarshal(body, &h)
	return h.Type
}

// send moves a link's outbox into flight.
func (l *Lane) send(i, j int) {
	out := l.outbox[i][j]
	if len(out) == 0 {
		l.emit(Event{Kind: EvNote, From: l.names[i], To: l.names[j], Text: fmt.Sprintf("%s has written nothing for %s: nothing to send", l.names[i], l.names[j])})
		return
	}
	l.outbox[i][j] = nil
	l.flight[i][j] = append(l.flight[i][j], out...)
	for _, m := range out {
		text := fmt.Sprintf("%s is in flight from %s to %s", m.Label(), m.From, m.To)
		if !l.up[i][j] {
			text += "; the link is cut, so it waits"
		}
		l.emit(Event{Kind: EvSend, From: m.From, To: m.To, Msg: m.ID, CopyOf: m.CopyOf, Type: m.Type, Body: string(m.Body), Text: text})
	}
}

// held reports a cut link, with a note; it returns true if the link is cut.
func (l *Lane) held(i, j int) bool {
	if l.up[i][j] {
		return false
	}
	if n := len(l.flight[i][j]); n > 0 {
		l.emit(Event{Kind: EvNote, From: l.names[i], To: l.names[j], Text: fmt.Sprintf("the link %s → %s is cut: its %d in flight wait", l.names[i], l.names[j], n)})
	}
	return true
}

// take removes message k in flight on a link.
func (l *Lane) take(i, j, k int) *Msg {
	q := l.flight[i][j]
	m := q[k]
	l.flight[i][j] = append(q[:k:k], q[k+1:]...)
	l.bytes -= int64(m.size)
	return m
}

// deliverOne delivers the oldest (or newest) message in flight on a link.
func (l *Lane) deliverOne(i, j int, newest bool) bool {
	if len(l.flight[i][j]) == 0 {
		l.emit(Event{Kind: EvNote, From: l.names[i], To: l.names[j], Text: fmt.Sprintf("nothing of yours is in flight from %s to %s", l.names[i], l.names[j])})
		return false
	}
	if l.held(i, j) {
		return false
	}
	k := 0
	if newest {
		k = len(l.flight[i][j]) - 1
	}
	l.deliver(l.take(i, j, k), false)
	return true
}

// deliver writes a message to its receiver. synced says that a sync took
// it from the outbox and delivered it at once.
func (l *Lane) deliver(m *Msg, synced bool) {
	to := l.index(m.To)
	from := l.nodes[l.index(m.From)]
	orig := m.ID
	if m.CopyOf != 0 {
		orig = m.CopyOf // a copy says what its original said, when it was written
	}
	from.heard[to] = max(from.heard[to], orig)
	if l.nodes[to].state.down() {
		l.emit(Event{Kind: EvDeliver, From: m.From, To: m.To, Msg: m.ID, CopyOf: m.CopyOf, Type: m.Type, Body: string(m.Body), Synced: synced,
			Text: fmt.Sprintf("%s from %s reached %s, which has crashed: it is lost", m.Label(), m.From, m.To)})
		return
	}
	l.emit(Event{Kind: EvDeliver, From: m.From, To: m.To, Msg: m.ID, CopyOf: m.CopyOf, Type: m.Type, Body: string(m.Body), Synced: synced,
		Text: fmt.Sprintf("%s from %s reached %s: %s", m.Label(), m.From, m.To, m.Body)})
	l.write(to, m.From, m.Body)
}

// deliverAll delivers every message in flight on a link that is up, in
// the order they were written.
func (l *Lane) deliverAll() bool {
	var ms []*Msg
	for i := range l.flight {
		for j := range l.flight[i] {
			if l.up[i][j] {
				ms = append(ms, l.flight[i][j]...)
			}
		}
	}
	if len(ms) == 0 {
		l.emit(Event{Kind: EvNote, Text: "nothing of yours is in flight on a link that is up"})
		return false
	}
	slices.SortFunc(ms, func(a, b *Msg) int { return a.ID - b.ID })
	for _, m := range ms {
		i, j := l.index(m.From), l.index(m.To)
		l.take(i, j, slices.Index(l.flight[i][j], m))
		l.deliver(m, false)
	}
	return true
}

// syncLinks sends and delivers everything waiting on each link that is
// up: what was in flight first, then the outbox, oldest first.
func (l *Lane) syncLinks(links [][2]int) bool {
	moved := false
	var cut []string
	for _, ln := range links {
		i, j := ln[0], ln[1]
		if !l.up[i][j] {
			if len(l.outbox[i][j])+len(l.flight[i][j]) > 0 {
				cut = append(cut, l.names[i]+" → "+l.names[j])
			}
			continue
		}
		// in flight first, then the outbox: the order they would arrive
		l.flight[i][j] = append(l.flight[i][j], l.outbox[i][j]...)
		synced := map[int]bool{}
		for _, m := range l.outbox[i][j] {
			synced[m.ID] = true
		}
		l.outbox[i][j] = nil
		for len(l.flight[i][j]) > 0 {
			m := l.take(i, j, 0)
			l.deliver(m, synced[m.ID])
			moved = true
		}
	}
	if len(cut) > 0 {
		l.emit(Event{Kind: EvNote, Text: "cut, so their messages wait: " + strings.Join(cut, ", ")})
	}
	if !moved {
		l.emit(Event{Kind: EvNote, Text: "nothing of yours waited on those links"})
	}
	return moved
}

func (l *Lane) drop(i, j int) {
	if len(l.flight[i][j]) == 0 {
		l.emit(Event{Kind: EvNote, From: l.names[i], To: l.names[j], Text: fmt.Sprintf("nothing of yours is in flight from %s to %s to drop", l.names[i], l.names[j])})
		return
	}
	m := l.take(i, j, 0)
	l.emit(Event{Kind: EvDrop, From: m.From, To: m.To, Msg: m.ID, CopyOf: m.CopyOf, Type: m.Type, Body: string(m.Body),
		Text: fmt.Sprintf("%s from %s to %s was dropped: it will never arrive", m.Label(), m.From, m.To)})
}

func (l *Lane) duplicate(i, j int) {
	if len(l.flight[i][j]) == 0 {
		l.emit(Event{Kind: EvNote, From: l.names[i], To: l.names[j], Text: fmt.Sprintf("nothing of yours is in flight from %s to %s to duplicate", l.names[i], l.names[j])})
		return
	}
	orig := l.flight[i][j][0]
	l.nextMsg++
	dup := *orig
	dup.ID, dup.CopyOf = l.nextMsg, orig.ID
	if orig.CopyOf != 0 {
		dup.CopyOf = orig.CopyOf
	}
	l.flight[i][j] = append(l.flight[i][j], &dup)
	l.bytes += int64(dup.size)
	l.emit(Event{Kind: EvDuplicate, From: dup.From, To: dup.To, Msg: dup.ID, CopyOf: dup.CopyOf, Type: dup.Type, Body: string(dup.Body),
		Text: fmt.Sprintf("%s from %s to %s was duplicated: copy %s waits at the back of the queue", orig.Label(), orig.From, orig.To, dup.Label())})
}

// ReadAll asks every node that has not crashed to read, and waits for the
// answers for at most RPCTimeout. A node that does not answer is silent
// until it answers a later read.
func (l *Lane) ReadAll() []Read {
	l.collect()
	ids := make([]int64, len(l.nodes))
	for i, nd := range l.nodes {
		if !nd.state.down() {
			ids[i] = l.request(i, Body("read", 0, nil), "read")
		}
	}
	l.await(l.opt.RPCTimeout)
	reads := make([]Read, len(l.nodes))
	for i, nd := range l.nodes {
		if ids[i] == 0 {
			reads[i] = Read{Node: nd.name, Why: nd.state.String() + ": " + nd.why}
			continue
		}
		r := l.rpcs[ids[i]]
		delete(l.rpcs, ids[i])
		switch {
		case r.reply == nil && nd.state.down():
			reads[i] = Read{Node: nd.name, Why: nd.state.String() + ": " + nd.why}
		case r.reply == nil:
			l.timeouts++
			reads[i] = Read{Node: nd.name, Why: fmt.Sprintf("no read_ok within %s", l.opt.RPCTimeout)}
			if nd.state == Up {
				nd.state, nd.why = Silent, "did not answer read within "+l.opt.RPCTimeout.String()
			}
		case r.reply.Type == "error":
			reads[i] = Read{Node: nd.name, Why: "answered read with " + errorText(r.reply.Body)}
		case r.reply.Type != "read_ok":
			reads[i] = Read{Node: nd.name, Why: fmt.Sprintf("answered read with %s, not read_ok", r.reply.Type)}
		default:
			reads[i] = l.w.ParseRead(nd.name, r.reply.Body)
			if nd.state == Silent {
				nd.state, nd.why = Up, ""
			}
		}
	}
	l.reads = reads
	return slices.Clone(reads)
}

// errorText renders an error body.
func errorText(body json.RawMessage) string {
	var e ErrorBody
	_ = json.Unmarshal(body, &e)
	return e.String()
}
