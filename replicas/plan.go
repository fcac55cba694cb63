package replicas

import (
	"fmt"
	"strings"

	"crdtviz/crdt"
)

// Routing, worked out once. plan turns an action that moves messages into
// hops: which messages it takes (and what each carries), which it
// delivers, drops or copies, and in what order. Apply checks the plan
// against the work budget and the text limit, then runs it; Preview runs
// only its takes; nothing else works out where messages go.

// hop is one message's part in an action: a new message the action takes
// on the link from → to (take), or a message in flight it acts on (msg).
type hop struct {
	from, to int

	// take: the action takes a new message carrying these payloads;
	// queued: it waits on its link (a send) instead of being delivered in
	// this action (a sync).
	take   bool
	queued bool
	sc     *senderCopy
	crdt   payload
	plain  plainPayload

	// msg: a message in flight, which the action delivers, drops or
	// duplicates.
	msg  *Message
	drop bool
	dup  bool
}

// delivers reports whether the hop ends with its message delivered.
func (h *hop) delivers() bool { return h.take && !h.queued || h.msg != nil && !h.drop && !h.dup }

// payload is the CRDT payload the hop's message carries.
func (h *hop) payload() payload {
	if h.msg != nil {
		return h.msg.crdt
	}
	return h.crdt
}

// plan is an action's hops in the order they end (delivered, queued,
// dropped or copied); takes lists the hops that take a message in the
// order they are taken, which is the order of their ids. notes are the
// links a sync to all skipped.
type plan struct {
	hops  []hop
	takes []int
	notes []Event
}

func (p *plan) add(h hop) {
	if h.take {
		p.takes = append(p.takes, len(p.hops))
	}
	p.hops = append(p.hops, h)
}

// senderCopy is one sender's lanes, taken once per action and shared,
// read-only, by every message the sender takes in that action.
type senderCopy struct {
	from         int
	writes       int
	lastWrite    EditID
	declined     int
	lastDeclined EditID
	heard        bool
	plain        crdt.Plain
	plainHist    History
	state        crdt.CRDT
	crdtHist     History
	knows        EditSet
	mode         modeData
	values       [2]crdt.Value
	valueStrings [2]string
	wholeP       *statePayload
	// rendered is what rendering the sender's values cost, when they had
	// changed since they were last rendered (see budget.go).
	rendered int64
	// groups are the delta-groups its messages took in this action, by
	// where they start on the sender's log and the link they leave out
	// (-1: none): sending to all joins what is pending once, not once per
	// link.
	groups map[[2]int]deltaGroup
}

// copyOf takes replica i's lanes for the messages it is about to send. The
// states are not copied: they are shared, and marked so, and whoever
// changes one first (the replica) copies it then.
func (c *Cluster) copyOf(i int) *senderCopy {
	r := c.reps[i]
	r.share()
	var rendered int64
	if v := r.values[Plain]; v == nil || !v.done {
		rendered += int64(crdt.PlainBytes(r.plain))
	}
	if v := r.values[CRDT]; v == nil || !v.done {
		rendered += passBytes(r.state)
	}
	return &senderCopy{
		rendered: rendered,
		from:     i, writes: r.writes, lastWrite: r.lastWrite, declined: r.declined, lastDeclined: r.lastDeclined,
		heard: r.holdsHeard(), mode: r.mode,
		plain: r.plain, plainHist: r.plainHist,
		state: r.state, crdtHist: r.crdtHist, knows: r.knows[CRDT],
		values:       [2]crdt.Value{r.Value(Plain), r.Value(CRDT)},
		valueStrings: [2]string{r.ValueString(Plain), r.ValueString(CRDT)},
	}
}

// whole is the sender's whole state as a payload, one per sender per
// action, shared by its messages.
func (sc *senderCopy) whole(*Cluster) *statePayload {
	if sc.wholeP == nil {
		sc.wholeP = &statePayload{state: sc.state, h: sc.crdtHist, k: sc.knows}
	}
	return sc.wholeP
}

// takeHop is the hop that takes a message from sc's sender to replica to:
// the CRDT lane carries what the mode says (full changes only that); the
// plain lane carries the sender's value only if the sender has written
// since the last plain value this link delivered, and then it carries
// whatever the sender holds, its own write or one it received.
func (c *Cluster) takeHop(sc *senderCopy, to int, queued, full bool) hop {
	h := hop{from: sc.from, to: to, take: true, queued: queued, sc: sc, crdt: c.rules.payload(c, sc, to, full)}
	h.plain = plainPayload{writes: sc.writes, last: sc.lastWrite, declined: sc.declined, lastDeclined: sc.lastDeclined, heard: sc.heard}
	if sc.writes > c.delivered[sc.from][to] {
		h.plain.carries, h.plain.value, h.plain.hist = true, sc.plain, sc.plainHist
	}
	return h
}

// plan works out an action's hops, or why it cannot be done. It changes
// nothing (but marks shared states shared). Actions that move no message
// have an empty plan.
func (c *Cluster) plan(a Action) (*plan, error) {
	p := &plan{}
	switch a := a.(type) {
	case Send:
		from, err := c.lookup(a.From)
		if err != nil {
			return nil, err
		}
		targets := []int{}
		if a.ToAll {
			for j := range c.names {
				if j != from {
					targets = append(targets, j)
				}
			}
		} else {
			_, to, err := c.pair(a.From, a.To)
			if err != nil {
				return nil, err
			}
			targets = append(targets, to)
		}
		sc := c.copyOf(from)
		for _, to := range targets {
			p.add(c.takeHop(sc, to, true, a.Full))
		}
	case Deliver:
		i, j, err := c.queued(a.From, a.To)
		if err != nil {
			return nil, err
		}
		if !c.up[i][j] {
			return nil, fmt.Errorf("the link %s → %s is cut: heal it before delivering (%d waiting)", a.From, a.To, c.queues[i][j].Len())
		}
		q := c.queues[i][j]
		m := q.Oldest()
		if a.Newest {
			m = q.Newest()
		}
		p.add(hop{from: i, to: j, msg: m})
	case DeliverAll:
		for _, m := range c.InFlight() {
			if i, j := c.index[m.From], c.index[m.To]; c.up[i][j] {
				p.add(hop{from: i, to: j, msg: m})
			}
		}
		if len(p.hops) == 0 {
			return nil, nothingToDo("no message waits on a link that is up")
		}
	case Drop, Duplicate:
		from, to := linkOf(a)
		i, j, err := c.queued(from, to)
		if err != nil {
			return nil, err
		}
		_, dup := a.(Duplicate)
		p.add(hop{from: i, to: j, msg: c.queues[i][j].Oldest(), drop: !dup, dup: dup})
	case Sync:
		return p, c.planSync(p, a)
	case SyncBoth:
		i, j, err := c.pair(a.A, a.B)
		if err != nil {
			return nil, err
		}
		for _, l := range [][2]int{{i, j}, {j, i}} {
			if !c.up[l[0]][l[1]] {
				return nil, fmt.Errorf("cannot sync %s ↔ %s: the link %s → %s is cut", a.A, a.B, c.names[l[0]], c.names[l[1]])
			}
		}
		p.add(c.takeHop(c.copyOf(i), j, false, a.Full))
		p.add(c.takeHop(c.copyOf(j), i, false, a.Full))
	case SyncAll:
		return p, c.planSyncAll(p, a)
	}
	return p, nil
}

// linkOf is the link a drop or duplicate acts on.
func linkOf(a Action) (from, to string) {
	if d, ok := a.(Drop); ok {
		return d.From, d.To
	}
	d := a.(Duplicate)
	return d.From, d.To
}

// queued checks that a link has something in flight.
func (c *Cluster) queued(from, to string) (int, int, error) {
	i, j, err := c.pair(from, to)
	if err != nil {
		return 0, 0, err
	}
	if c.queues[i][j].Len() == 0 {
		return 0, 0, fmt.Errorf("nothing is in flight from %s to %s", QuoteName(from), QuoteName(to))
	}
	return i, j, nil
}

// planSync plans a sync from one replica: to one, or to every replica it
// can reach, in declaration order, noting the links it skips.
func (c *Cluster) planSync(p *plan, a Sync) error {
	from, err := c.lookup(a.From)
	if err != nil {
		return err
	}
	if !a.ToAll {
		_, to, err := c.pair(a.From, a.To)
		if err != nil {
			return err
		}
		if !c.up[from][to] {
			return fmt.Errorf("cannot sync %s → %s: the link is cut", a.From, a.To)
		}
		p.add(c.takeHop(c.copyOf(from), to, false, a.Full))
		return nil
	}
	var targets []int
	var skipped []string
	for to := range c.names {
		switch {
		case to == from:
		case !c.up[from][to]:
			skipped = append(skipped, c.names[to])
		default:
			targets = append(targets, to)
		}
	}
	if len(targets) == 0 {
		return nothingToDo("%s cannot reach anyone: every link from it is cut", a.From)
	}
	sc := c.copyOf(from)
	for _, to := range targets {
		p.add(c.takeHop(sc, to, false, a.Full))
	}
	if len(skipped) > 0 {
		p.notes = append(p.notes, Event{Kind: EvNote, Text: fmt.Sprintf("%s cannot reach %s: the link is cut", a.From, strings.Join(skipped, ", "))})
	}
	return nil
}

// planSyncAll plans one round: every replica takes a message for every
// replica it can reach (senders in declaration order), then every message
// is delivered, receivers in declaration order, each receiving its
// senders in declaration order.
func (c *Cluster) planSyncAll(p *plan, a SyncAll) error {
	n := len(c.names)
	copies := make([]*senderCopy, n)
	index := map[[2]int]int{} // link → its place in take order
	var taken []hop
	for from := range n {
		for to := range n {
			if from != to && c.up[from][to] {
				if copies[from] == nil {
					copies[from] = c.copyOf(from)
				}
				index[[2]int{from, to}] = len(taken)
				taken = append(taken, c.takeHop(copies[from], to, false, a.Full))
			}
		}
	}
	if len(taken) == 0 {
		return nothingToDo("every link is cut, so nothing can be exchanged")
	}
	p.takes = make([]int, len(taken))
	for to := range n {
		for from := range n {
			if k, ok := index[[2]int{from, to}]; ok {
				p.takes[k] = len(p.hops)
				p.hops = append(p.hops, taken[k])
			}
		}
	}
	return nil
}

// take makes the message of a hop, as it is taken: it gets the next id, is
// weighed, and its sender's bookkeeping records what the link carried.
// The plain lane's link moves only when a value is delivered.
func (c *Cluster) take(h *hop) *Message {
	sc := h.sc
	m := &Message{
		From: c.names[h.from], To: c.names[h.to], SentTick: c.now,
		plain: h.plain, crdt: h.crdt,
		values:       sc.values,
		valueStrings: sc.valueStrings,
		synced:       !h.queued,
	}
	c.rules.taken(c, h.from, h.to, h.crdt)
	c.weigh(m)
	// Every message has an id, a sync's too: the space-time diagram
	// labels each arrow, and the log names the message it merged.
	c.nextMsg++
	m.ID = c.nextMsg
	return m
}
