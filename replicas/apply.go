package replicas

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"crdtviz/crdt"
)

// EventKind says what an event reports.
type EventKind int

const (
	EvEdit      EventKind = iota // a local edit
	EvSend                       // a message put in flight
	EvDeliver                    // a message received (queued or by sync)
	EvDrop                       // a message discarded
	EvDuplicate                  // a message copied
	EvLink                       // links cut or healed
	EvSkew                       // a clock skew changed
	EvNote                       // a remark: what an action skipped, and why
)

// LaneChange is what an event did to one lane of one replica. It does not
// keep the values themselves: a long history of events must not hold a copy
// of every value it passed through (the cluster holds the current ones).
type LaneChange struct {
	Touched bool
	Ignored bool     // the lane declined the edit
	Changed bool     // the lane's value is different afterwards
	Lost    []EditID // edits that this change left in no replica's history
	Why     string   // one sentence
	// Decisive names the parts of the CRDT's metadata line that decided a
	// merge (see crdt.Result.Decisive); a screen highlights them.
	Decisive []string
}

// Event is the record of one thing that happened, with the sentences a
// teacher reads aloud. Edits and deliveries change lanes (Lanes); other
// events explain themselves in Text.
type Event struct {
	Tick     int64
	Kind     EventKind
	Replica  string // whose lanes changed
	From, To string
	Msg      int
	Edit     EditID
	Lanes    [2]LaneChange
	Text     string

	// For message events (send, deliver, drop, duplicate): the tick the
	// message was taken at, the message it copies (0 for an original), and
	// whether it carries a plain value (false: nothing new for the plain
	// lane). Sync messages are taken and delivered in one tick.
	Sent     int64
	CopyOf   int
	PlainNew bool
	Synced   bool   // taken and delivered by a sync, in the same tick
	Links    []Link // for a link event: the directed links it changed
	LinksUp  bool   // for a link event: healed (true) or cut
}

// Link is a directed link, by replica names.
type Link struct{ From, To string }

// Sentences are the event's explanations, plain lane first.
func (e Event) Sentences() []string {
	var out []string
	if e.Text != "" {
		out = append(out, e.Text)
	}
	for _, l := range Lanes {
		if e.Lanes[l].Touched {
			out = append(out, e.Lanes[l].Why)
		}
	}
	return out
}

// ErrNothingToDo is wrapped by the error Apply returns for an action that
// finds nothing to do: healing links that are all up, cutting a cut link,
// delivering when nothing can be delivered, syncing where every link is
// cut. Such an action changes nothing, not even the tick, so a screen can
// show a notice and record nothing.
var ErrNothingToDo = errors.New("nothing to do")

// nothingToDo is the error for an action that would change nothing.
func nothingToDo(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrNothingToDo}, args...)...)
}

// Apply applies one action. On error the cluster is unchanged; on success
// the tick advances by one and the events say what happened and why. An
// action that finds nothing to do returns an error wrapping ErrNothingToDo.
//
// An action that moves messages goes plan → check → run → settle: plan
// works out its hops (and every reason it cannot be done), the checks
// hold the plan against the work budget and the text limit, run carries
// it out, and settle says which edits the action lost. Every other action
// validates first and changes the cluster second.
func (c *Cluster) Apply(a Action) ([]Event, error) {
	c.now = c.tick + 1
	if fullState(a) {
		if err := c.rules.full(); err != nil {
			return nil, err
		}
	}
	p, err := c.plan(a)
	if err != nil {
		return nil, err
	}
	merged, work, err := c.checkBudget(a, p)
	if err != nil {
		return nil, err
	}
	if err := c.checkTextMerges(p); err != nil {
		return nil, err
	}
	var ev []Event
	switch a := a.(type) {
	case Edit:
		ev, err = c.edit(a)
	case Send, Deliver, DeliverAll, Drop, Duplicate, Sync, SyncBoth, SyncAll:
		ev = c.run(p)
	case Cut:
		ev, err = c.setLink(a.From, a.To, a.Both, false)
	case Heal:
		ev, err = c.setLink(a.From, a.To, a.Both, true)
	case HealAll:
		ev, err = c.healAll()
	case Partition:
		ev, err = c.partition(a)
	case SetSkew:
		ev, err = c.setSkew(a)
	case nil:
		err = fmt.Errorf("no action")
	default:
		err = fmt.Errorf("unknown action %T", a)
	}
	if err != nil {
		return nil, err
	}
	c.settleLost(ev)
	c.merged += merged
	c.work += work
	c.tick = c.now
	c.status = [2]*Status{}
	for i := range ev {
		ev[i].Tick = c.now
	}
	return ev, nil
}

// run carries out a plan: it takes every message first (so that a sync's
// messages all leave before any arrives), then ends each hop in order.
func (c *Cluster) run(p *plan) []Event {
	msgs := make([]*Message, len(p.hops))
	for _, k := range p.takes {
		msgs[k] = c.take(&p.hops[k])
	}
	var ev []Event
	for k := range p.hops {
		h := &p.hops[k]
		switch {
		case h.take && h.queued:
			ev = append(ev, c.enqueue(msgs[k]))
		case h.take:
			ev = append(ev, c.receive(msgs[k]))
		case h.drop:
			c.unqueue(h.msg)
			ev = append(ev, Event{Kind: EvDrop, From: h.msg.From, To: h.msg.To, Msg: h.msg.ID, Sent: h.msg.SentTick, CopyOf: h.msg.CopyOf, PlainNew: h.msg.plain.carries,
				Text: fmt.Sprintf("%s from %s to %s was dropped: it will never arrive%s", MsgName(h.msg.ID), h.msg.From, h.msg.To, h.msg.crdt.lost())})
		case h.dup:
			ev = append(ev, c.duplicate(h.msg))
		default:
			c.unqueue(h.msg)
			ev = append(ev, c.receive(h.msg))
		}
	}
	return append(ev, p.notes...)
}

// enqueue puts a message taken by a send in flight on its link.
func (c *Cluster) enqueue(m *Message) Event {
	i, j := c.index[m.From], c.index[m.To]
	c.queues[i][j] = c.queues[i][j].push(m)
	c.inflightBytes += messageBytes(m)
	text := fmt.Sprintf("%s sent %s to %s as %s (%s)", m.From, m.crdt.noun(), m.To, MsgName(m.ID), m.Summary())
	if !c.up[i][j] {
		text += "; the link is cut, so it waits"
	}
	return Event{Kind: EvSend, From: m.From, To: m.To, Msg: m.ID, Text: text, Sent: m.SentTick, CopyOf: m.CopyOf, PlainNew: m.plain.carries}
}

// unqueue takes a message off its link's queue.
func (c *Cluster) unqueue(m *Message) {
	i, j := c.index[m.From], c.index[m.To]
	c.queues[i][j] = c.queues[i][j].remove(m)
	c.inflightBytes -= messageBytes(m)
}

// duplicate copies a message in flight to the back of its queue.
func (c *Cluster) duplicate(orig *Message) Event {
	i, j := c.index[orig.From], c.index[orig.To]
	c.nextMsg++
	dup := *orig
	dup.ID = c.nextMsg
	dup.CopyOf = orig.ID
	if orig.CopyOf != 0 {
		dup.CopyOf = orig.CopyOf
	}
	c.queues[i][j] = c.queues[i][j].push(&dup)
	c.inflightBytes += messageBytes(&dup)
	return Event{Kind: EvDuplicate, From: dup.From, To: dup.To, Msg: dup.ID, Sent: dup.SentTick, CopyOf: dup.CopyOf, PlainNew: dup.plain.carries,
		Text: fmt.Sprintf("%s from %s to %s was duplicated: copy %s waits at the back of the queue", MsgName(orig.ID), orig.From, orig.To, MsgName(dup.ID))}
}

// Preview is a sync half done, for action-by-action playback: a copy of
// the cluster in which the sync's messages are taken and in flight on their
// links, before any is delivered, at the sync's tick. Their ids are the ones
// the sync gives them. events are a send event for each, and the notes of
// links it skips. For an action that is not a sync, Preview returns nil and
// no error. The cluster itself is not changed.
func (c *Cluster) Preview(a Action) (*Cluster, []Event, error) {
	switch a.(type) {
	case Sync, SyncBoth, SyncAll:
	default:
		return nil, nil, nil
	}
	p := c.Clone()
	p.now = p.tick + 1
	if fullState(a) {
		if err := p.rules.full(); err != nil {
			return nil, nil, err
		}
	}
	pl, err := p.plan(a)
	if err != nil {
		return nil, nil, err
	}
	var ev []Event
	for _, k := range pl.takes {
		m := p.take(&pl.hops[k])
		i, j := p.index[m.From], p.index[m.To]
		p.queues[i][j] = p.queues[i][j].push(m)
		p.inflightBytes += messageBytes(m)
		ev = append(ev, Event{Kind: EvSend, From: m.From, To: m.To, Msg: m.ID, Sent: m.SentTick, PlainNew: m.plain.carries, Synced: true,
			Text: fmt.Sprintf("%s took a snapshot of its state for %s as %s", m.From, m.To, MsgName(m.ID))})
	}
	ev = append(ev, pl.notes...)
	p.tick = p.now
	p.status = [2]*Status{}
	for i := range ev {
		ev[i].Tick = p.now
	}
	return p, ev, nil
}

// fullState reports whether a send or sync asks for whole states (full).
func fullState(a Action) bool {
	switch a := a.(type) {
	case Send:
		return a.Full
	case Sync:
		return a.Full
	case SyncBoth:
		return a.Full
	case SyncAll:
		return a.Full
	}
	return false
}

// historyKey is the key an edit's history lives under: the element or map
// key for the last-writer-wins collections, "" for everything else.
func (c *Cluster) historyKey(op crdt.Op) string {
	switch c.typ {
	case crdt.LWWSet:
		return op.Value
	case crdt.LWWMap:
		return op.Key
	}
	return ""
}

// checkCounter refuses a counter edit that could overflow anywhere: a
// replica's counter never exceeds the initial value plus every increment
// made in the cluster (less every decrement), so bounding those totals
// bounds every merge too.
func (c *Cluster) checkCounter(op crdt.Op) error {
	if op.Kind != crdt.OpInc && op.Kind != crdt.OpDec {
		return nil
	}
	var init int64
	if c.initial != nil {
		init = c.initial.Int
	}
	total, start := c.incs, max(init, 0)
	if op.Kind == crdt.OpDec {
		total, start = c.decs, max(-init, 0)
	}
	if op.N > math.MaxInt64-start-total {
		return fmt.Errorf("%w: %s %d would take a counter past it (the %s made so far add up to %d)", crdt.ErrOverflow, op.Kind, op.N,
			map[crdt.OpKind]string{crdt.OpInc: "increments", crdt.OpDec: "decrements"}[op.Kind], total)
	}
	return nil
}

func (c *Cluster) edit(a Edit) ([]Event, error) {
	i, err := c.lookup(a.Replica)
	if err != nil {
		return nil, err
	}
	if err := crdt.CheckOp(c.typ, a.Op); err != nil {
		return nil, err
	}
	if err := c.checkCounter(a.Op); err != nil {
		return nil, err
	}
	r := c.mutable(i)
	v := c.editView(r)
	if c.typ == crdt.Text && a.Op.Kind == crdt.OpInsert {
		add := utf8.RuneCountInString(a.Op.Text)
		for _, l := range Lanes {
			if n := v.sk[l].pieces.Len() + add; n > crdt.MaxTextLen {
				return nil, fmt.Errorf("the %s text would be %d characters; the limit is %d", l, n, crdt.MaxTextLen)
			}
		}
	}
	id := EditID(c.edits.Len() + 1)
	stamp := crdt.Stamp{T: c.now + r.Skew, Replica: r.Name}
	info := EditInfo{ID: id, Replica: r.Name, Op: a.Op, Tick: c.now, Stamp: stamp}

	r.ownState()
	resC, effect, errC := crdt.Mutate(r.state, a.Op, crdt.Ctx{Replica: r.Name, Stamp: stamp})
	resP, errP := r.plain.Apply(a.Op)
	if errC != nil && errP != nil {
		return nil, errC // neither lane changed
	}
	v.record(c, r, a.Op, [2]error{errP, errC}, [2]bool{resP.Ignored, resC.Ignored})
	if errC != nil {
		resC = crdt.Result{Ignored: true, Why: errC.Error()}
	}
	if errP != nil {
		resP = crdt.Result{Ignored: true, Why: errP.Error()}
	}
	info.Effective = [2]bool{!resP.Ignored, !resC.Ignored}
	c.edits = c.edits.Append(info)
	switch a.Op.Kind {
	case crdt.OpInc:
		c.incs += a.Op.N
	case crdt.OpDec:
		c.decs += a.Op.N
	}
	for _, l := range Lanes {
		r.knows[l] = r.knows[l].With(id) // the editor knows its edit, applied or declined
	}
	if !resP.Ignored {
		c.effective[Plain] = c.effective[Plain].With(id)
		r.plainHist = r.plainHist.with("", id)
		r.writes, r.lastWrite = r.writes+1, id
	} else {
		r.declined, r.lastDeclined = r.declined+1, id
	}
	if !resC.Ignored {
		c.effective[CRDT] = c.effective[CRDT].With(id)
		r.crdtHist = r.crdtHist.with(c.historyKey(a.Op), id)
		if effect != nil {
			c.rules.edit(c, i, r, id, c.historyKey(a.Op), effect)
		}
	}
	// Sentences are built by concatenation: every edit makes two.
	what := r.Name + ": " + a.Op.String() + " (edit " + id.String() + ")"
	ev := Event{Kind: EvEdit, Replica: r.Name, Edit: id}
	ev.Lanes[Plain] = LaneChange{Touched: true, Ignored: resP.Ignored, Changed: v.changed[Plain]}
	ev.Lanes[CRDT] = LaneChange{Touched: true, Ignored: resC.Ignored, Changed: v.changed[CRDT]}
	if resP.Ignored {
		ev.Lanes[Plain].Why = "plain: " + what + " declined: " + resP.Why
	} else {
		ev.Lanes[Plain].Why = "plain: " + what + " → " + v.brief(r, Plain)
	}
	if resC.Ignored {
		ev.Lanes[CRDT].Why = string(c.typ) + ": " + what + " declined: " + resC.Why
	} else {
		ev.Lanes[CRDT].Why = string(c.typ) + ": " + what + ": " + resC.Why + "; now " + v.brief(r, CRDT)
	}
	return []Event{ev}, nil
}

// dropped lists the effective edits in old but not in new: the edits a
// replica let go of. Whether they are lost is settled when the action ends.
func (c *Cluster) dropped(l Lane, old, new EditSet) []EditID {
	var out []EditID
	for _, id := range old.Minus(new) {
		if c.effective[l].Has(id) {
			out = append(out, id)
		}
	}
	return out
}

// settleLost runs when an action has finished. An edit a replica dropped is
// lost if no replica holds it now; the loss is reported on the last event
// that dropped it, and sentences say so. (Within one action a dropped edit
// can come back: in a crossing sync, the second delivery may restore what
// the first one dropped.)
func (c *Cluster) settleLost(ev []Event) {
	for _, l := range Lanes {
		var held EditSet
		computed := false
		reported := map[EditID]bool{}
		for i := len(ev) - 1; i >= 0; i-- {
			lc := &ev[i].Lanes[l]
			if len(lc.Lost) == 0 {
				continue
			}
			if !computed {
				for _, r := range c.reps {
					held = held.Union(r.History(l))
				}
				computed = true
			}
			var lost []EditID
			for _, id := range lc.Lost {
				if !held.Has(id) && !reported[id] {
					lost = append(lost, id)
					reported[id] = true
				}
			}
			lc.Lost = lost
			lc.Why += c.lostSuffix(lost)
		}
	}
}

func (c *Cluster) lostSuffix(lost []EditID) string {
	switch len(lost) {
	case 0:
		return ""
	case 1:
		return ": edit " + c.editInfo(lost[0]).Describe() + " is lost"
	}
	parts := make([]string, len(lost))
	for i, id := range lost {
		parts[i] = c.editInfo(id).Describe()
	}
	return ": edits " + strings.Join(parts, ", ") + " are lost"
}
