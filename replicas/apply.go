package replicas

import (
	"errors"
	"fmt"
	"math"
	"slices"
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
func (c *Cluster) Apply(a Action) ([]Event, error) {
	c.now = c.tick + 1
	if c.mode == ModeOp && fullState(a) {
		return nil, fmt.Errorf("full sends a whole state, which is delta mode's repair; this cluster replicates by ops")
	}
	merged, err := c.checkBudget(a)
	if err != nil {
		return nil, err
	}
	if err := c.checkTextMerges(a); err != nil {
		return nil, err
	}
	var ev []Event
	switch a := a.(type) {
	case Edit:
		ev, err = c.edit(a)
	case Send:
		ev, err = c.send(a)
	case Deliver:
		ev, err = c.deliver(a)
	case DeliverAll:
		ev, err = c.deliverAll()
	case Drop:
		ev, err = c.drop(a)
	case Duplicate:
		ev, err = c.duplicate(a)
	case Sync:
		ev, err = c.sync(a)
	case SyncBoth:
		ev, err = c.syncBoth(a)
	case SyncAll:
		ev, err = c.syncAll()
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
	c.tick = c.now
	c.status = [2]*Status{}
	for i := range ev {
		ev[i].Tick = c.now
	}
	return ev, nil
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
	if c.typ == crdt.Text && a.Op.Kind == crdt.OpInsert {
		add := utf8.RuneCountInString(a.Op.Text)
		for _, l := range Lanes {
			if n := utf8.RuneCountInString(r.Value(l).Str) + add; n > crdt.MaxTextLen {
				return nil, fmt.Errorf("the %s text would be %d characters; the limit is %d", l, n, crdt.MaxTextLen)
			}
		}
	}
	id := EditID(len(c.edits) + 1)
	stamp := crdt.Stamp{T: c.now + r.Skew, Replica: r.Name}
	info := EditInfo{ID: id, Replica: r.Name, Op: a.Op, Tick: c.now, Stamp: stamp}

	beforeC, beforeP := r.ValueString(CRDT), r.ValueString(Plain)
	r.ownState()
	resC, effect, errC := crdt.Mutate(r.state, a.Op, crdt.Ctx{Replica: r.Name, Stamp: stamp})
	resP, errP := r.plain.Apply(a.Op)
	if errC == nil {
		r.touch(CRDT, c.now)
	}
	if errP == nil {
		r.touch(Plain, c.now)
	}
	if errC != nil && errP != nil {
		return nil, errC // neither lane changed
	}
	if errC != nil {
		resC = crdt.Result{Ignored: true, Why: errC.Error()}
	}
	if errP != nil {
		resP = crdt.Result{Ignored: true, Why: errP.Error()}
	}
	info.Effective = [2]bool{!resP.Ignored, !resC.Ignored}
	c.edits = append(c.edits, info)
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
		r.writes++
	}
	if !resC.Ignored {
		c.effective[CRDT] = c.effective[CRDT].With(id)
		r.crdtHist = r.crdtHist.with(c.historyKey(a.Op), id)
		if effect != nil {
			c.recordEffect(i, r, id, c.historyKey(a.Op), effect)
		}
	}
	what := fmt.Sprintf("%s: %s (edit %s)", r.Name, a.Op, id)
	ev := Event{Kind: EvEdit, Replica: r.Name, Edit: id}
	afterP, afterC := r.ValueString(Plain), r.ValueString(CRDT)
	ev.Lanes[Plain] = LaneChange{Touched: true, Ignored: resP.Ignored, Changed: afterP != beforeP}
	ev.Lanes[CRDT] = LaneChange{Touched: true, Ignored: resC.Ignored, Changed: afterC != beforeC}
	if resP.Ignored {
		ev.Lanes[Plain].Why = fmt.Sprintf("plain: %s declined: %s", what, resP.Why)
	} else {
		ev.Lanes[Plain].Why = fmt.Sprintf("plain: %s → %s", what, crdt.Brief(afterP))
	}
	if resC.Ignored {
		ev.Lanes[CRDT].Why = fmt.Sprintf("%s: %s declined: %s", c.typ, what, resC.Why)
	} else {
		ev.Lanes[CRDT].Why = fmt.Sprintf("%s: %s: %s; now %s", c.typ, what, resC.Why, crdt.Brief(afterC))
	}
	return []Event{ev}, nil
}

func (c *Cluster) send(a Send) ([]Event, error) {
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
	var ev []Event
	sc := c.copyOf(from)
	for _, to := range targets {
		m := c.take(sc, to, true, a.Full)
		c.queues[from][to] = append(c.queues[from][to], m)
		c.inflightBytes += messageBytes(m)
		what := map[PayloadKind]string{PayloadState: "its state", PayloadOps: "its ops", PayloadDelta: "its pending delta", PayloadFull: "its full state"}[m.crdt.kind]
		text := fmt.Sprintf("%s sent %s to %s as message #%d (%s)", m.From, what, m.To, m.ID, m.Summary())
		if !c.up[from][to] {
			text += "; the link is cut, so it waits"
		}
		ev = append(ev, Event{Kind: EvSend, From: m.From, To: m.To, Msg: m.ID, Text: text, Sent: m.SentTick, CopyOf: m.CopyOf, PlainNew: m.plain.carries})
	}
	return ev, nil
}

// queued checks that a link has something in flight.
func (c *Cluster) queued(from, to string) (int, int, error) {
	i, j, err := c.pair(from, to)
	if err != nil {
		return 0, 0, err
	}
	if len(c.queues[i][j]) == 0 {
		return 0, 0, fmt.Errorf("nothing is in flight from %s to %s", QuoteName(from), QuoteName(to))
	}
	return i, j, nil
}

func (c *Cluster) deliver(a Deliver) ([]Event, error) {
	i, j, err := c.queued(a.From, a.To)
	if err != nil {
		return nil, err
	}
	if !c.up[i][j] {
		return nil, fmt.Errorf("the link %s → %s is cut: heal it before delivering (%d waiting)", a.From, a.To, len(c.queues[i][j]))
	}
	q := c.queues[i][j]
	k := 0
	if a.Newest {
		k = len(q) - 1
	}
	m := q[k]
	// A new slice, never an in-place delete: clones share queue arrays.
	c.queues[i][j] = append(append([]*Message(nil), q[:k]...), q[k+1:]...)
	c.inflightBytes -= messageBytes(m)
	return []Event{c.receive(m)}, nil
}

func (c *Cluster) deliverAll() ([]Event, error) {
	var ms []*Message
	for _, m := range c.InFlight() {
		if c.up[c.index[m.From]][c.index[m.To]] {
			ms = append(ms, m)
		}
	}
	if len(ms) == 0 {
		return nil, nothingToDo("no message waits on a link that is up")
	}
	var ev []Event
	for _, m := range ms {
		i, j := c.index[m.From], c.index[m.To]
		c.queues[i][j] = c.queues[i][j][1:] // FIFO per link, and ms is in send order
		c.inflightBytes -= messageBytes(m)
		ev = append(ev, c.receive(m))
	}
	return ev, nil
}

func (c *Cluster) drop(a Drop) ([]Event, error) {
	i, j, err := c.queued(a.From, a.To)
	if err != nil {
		return nil, err
	}
	m := c.queues[i][j][0]
	c.queues[i][j] = c.queues[i][j][1:]
	c.inflightBytes -= messageBytes(m)
	text := fmt.Sprintf("message #%d from %s to %s was dropped: it will never arrive", m.ID, m.From, m.To)
	switch m.crdt.kind {
	case PayloadDelta:
		if !m.crdt.delta.empty() {
			text += "; its delta is lost, and is not sent again: a full sync (sync … full) repairs it"
		}
	case PayloadOps:
		if len(m.crdt.ops) > 0 {
			text += "; its ops are lost, and are not sent again"
		}
	}
	return []Event{{Kind: EvDrop, From: m.From, To: m.To, Msg: m.ID, Sent: m.SentTick, CopyOf: m.CopyOf, PlainNew: m.plain.carries, Text: text}}, nil
}

func (c *Cluster) duplicate(a Duplicate) ([]Event, error) {
	i, j, err := c.queued(a.From, a.To)
	if err != nil {
		return nil, err
	}
	orig := c.queues[i][j][0]
	c.nextMsg++
	dup := *orig
	dup.ID = c.nextMsg
	dup.CopyOf = orig.ID
	if orig.CopyOf != 0 {
		dup.CopyOf = orig.CopyOf
	}
	c.queues[i][j] = append(slices.Clip(c.queues[i][j]), &dup)
	c.inflightBytes += messageBytes(&dup)
	return []Event{{Kind: EvDuplicate, From: dup.From, To: dup.To, Msg: dup.ID, Sent: dup.SentTick, CopyOf: dup.CopyOf, PlainNew: dup.plain.carries,
		Text: fmt.Sprintf("message #%d from %s to %s was duplicated: copy #%d waits at the back of the queue", orig.ID, orig.From, orig.To, dup.ID)}}, nil
}

func (c *Cluster) sync(a Sync) ([]Event, error) {
	return c.syncRound(a)
}

func (c *Cluster) syncBoth(a SyncBoth) ([]Event, error) {
	return c.syncRound(a)
}

func (c *Cluster) syncAll() ([]Event, error) {
	return c.syncRound(SyncAll{})
}

// syncRound runs any form of sync: every message is taken, then each is
// delivered.
func (c *Cluster) syncRound(a Action) ([]Event, error) {
	msgs, notes, err := c.syncTake(a)
	if err != nil {
		return nil, err
	}
	var ev []Event
	for _, m := range msgs {
		ev = append(ev, c.receive(m))
	}
	return append(ev, notes...), nil
}

// syncTake takes the messages of a sync (a Sync, SyncBoth or SyncAll), in
// the order they are delivered: all of them before any is delivered, one
// copy of each sender's lanes shared by its messages. notes says which
// links a sync to all skipped.
func (c *Cluster) syncTake(a Action) (msgs []*Message, notes []Event, err error) {
	switch a := a.(type) {
	case Sync:
		from, err := c.lookup(a.From)
		if err != nil {
			return nil, nil, err
		}
		if !a.ToAll {
			_, to, err := c.pair(a.From, a.To)
			if err != nil {
				return nil, nil, err
			}
			if !c.up[from][to] {
				return nil, nil, fmt.Errorf("cannot sync %s → %s: the link is cut", a.From, a.To)
			}
			return []*Message{c.take(c.copyOf(from), to, false, a.Full)}, nil, nil
		}
		var targets []int
		var skipped []string
		for to := range c.names {
			if to == from {
				continue
			}
			if !c.up[from][to] {
				skipped = append(skipped, c.names[to])
				continue
			}
			targets = append(targets, to)
		}
		if len(targets) == 0 {
			return nil, nil, nothingToDo("%s cannot reach anyone: every link from it is cut", a.From)
		}
		sc := c.copyOf(from)
		for _, to := range targets {
			msgs = append(msgs, c.take(sc, to, false, a.Full))
		}
		if len(skipped) > 0 {
			notes = append(notes, Event{Kind: EvNote, Text: fmt.Sprintf("%s cannot reach %s: the link is cut", a.From, strings.Join(skipped, ", "))})
		}
		return msgs, notes, nil
	case SyncBoth:
		i, j, err := c.pair(a.A, a.B)
		if err != nil {
			return nil, nil, err
		}
		for _, l := range [][2]int{{i, j}, {j, i}} {
			if !c.up[l[0]][l[1]] {
				return nil, nil, fmt.Errorf("cannot sync %s ↔ %s: the link %s → %s is cut", a.A, a.B, c.names[l[0]], c.names[l[1]])
			}
		}
		toB, toA := c.take(c.copyOf(i), j, false, a.Full), c.take(c.copyOf(j), i, false, a.Full)
		return []*Message{toB, toA}, nil, nil
	case SyncAll:
		n := len(c.names)
		anyUp := false
		for i := range n {
			for j := range n {
				anyUp = anyUp || i != j && c.up[i][j]
			}
		}
		if !anyUp {
			return nil, nil, nothingToDo("every link is cut, so nothing can be exchanged")
		}
		copies := make([]*senderCopy, n)
		for from := range n {
			copies[from] = c.copyOf(from)
		}
		byTo := make([][]*Message, n) // byTo[to] in sender order
		for from := range n {
			for to := range n {
				if from != to && c.up[from][to] {
					byTo[to] = append(byTo[to], c.take(copies[from], to, false, a.Full))
				}
			}
		}
		for to := range n {
			msgs = append(msgs, byTo[to]...)
		}
		return msgs, nil, nil
	}
	return nil, nil, fmt.Errorf("%s is not a sync", a)
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
	msgs, notes, err := p.syncTake(a)
	if err != nil {
		return nil, nil, err
	}
	var ev []Event
	for _, m := range msgs {
		i, j := p.index[m.From], p.index[m.To]
		p.queues[i][j] = append(p.queues[i][j], m)
		p.inflightBytes += messageBytes(m)
		ev = append(ev, Event{Kind: EvSend, From: m.From, To: m.To, Msg: m.ID, Sent: m.SentTick, PlainNew: m.plain.carries, Synced: true,
			Text: fmt.Sprintf("%s took a snapshot of its state for %s as message #%d", m.From, m.To, m.ID)})
	}
	ev = append(ev, notes...)
	p.tick = p.now
	p.status = [2]*Status{}
	for i := range ev {
		ev[i].Tick = p.now
	}
	return p, ev, nil
}

func (c *Cluster) setLink(from, to string, both, up bool) ([]Event, error) {
	i, j, err := c.pair(from, to)
	if err != nil {
		return nil, err
	}
	links := [][2]int{{i, j}}
	if both {
		links = append(links, [2]int{j, i})
	}
	var changing [][2]int
	for _, l := range links {
		if c.up[l[0]][l[1]] != up {
			changing = append(changing, l)
		}
	}
	if len(changing) == 0 {
		state := "up"
		if !up {
			state = "cut"
		}
		return nil, nothingToDo("%s: already %s", c.linkNames(links), state)
	}
	return []Event{c.setLinks(links, up)}, nil
}

func (c *Cluster) setLinks(links [][2]int, up bool) Event {
	verb := "cut"
	if up {
		verb = "healed"
	}
	var changed, same [][2]int
	waiting := 0
	for _, l := range links {
		if c.up[l[0]][l[1]] == up {
			same = append(same, l)
			continue
		}
		c.up[l[0]][l[1]] = up
		changed = append(changed, l)
		waiting += len(c.queues[l[0]][l[1]])
	}
	ev := Event{Kind: EvLink, LinksUp: up}
	for _, l := range changed {
		ev.Links = append(ev.Links, Link{c.names[l[0]], c.names[l[1]]})
	}
	var text string
	switch {
	case len(changed) == 0:
		already := "up"
		if !up {
			already = "cut"
		}
		text = fmt.Sprintf("%s: already %s", c.linkNames(same), already)
	default:
		text = verb + " " + c.linkNames(changed)
		if up && waiting > 0 {
			text += fmt.Sprintf("; %s can now be delivered", plural(waiting, "waiting message"))
		}
	}
	ev.Text = text
	return ev
}

// linkNames names directed links as the links line shows them: a pair
// whose both directions are listed is "Alice ↔ Bob", a single direction
// "Alice → Bob".
func (c *Cluster) linkNames(links [][2]int) string {
	has := map[[2]int]bool{}
	for _, l := range links {
		has[l] = true
	}
	var parts []string
	for _, l := range links {
		back := [2]int{l[1], l[0]}
		switch {
		case has[back] && l[0] < l[1]:
			parts = append(parts, c.names[l[0]]+" ↔ "+c.names[l[1]])
		case has[back]:
		default:
			parts = append(parts, c.names[l[0]]+" → "+c.names[l[1]])
		}
	}
	return strings.Join(parts, ", ")
}

func (c *Cluster) healAll() ([]Event, error) {
	var links [][2]int
	for i := range c.names {
		for j := range c.names {
			if i != j && !c.up[i][j] {
				links = append(links, [2]int{i, j})
			}
		}
	}
	if len(links) == 0 {
		return nil, nothingToDo("every link is already up")
	}
	return []Event{c.setLinks(links, true)}, nil
}

func (c *Cluster) partition(a Partition) ([]Event, error) {
	if len(a.Groups) < 2 {
		return nil, fmt.Errorf("a partition needs at least two groups, separated by |")
	}
	group := map[int]int{}
	for g, names := range a.Groups {
		if len(names) == 0 {
			return nil, fmt.Errorf("group %d of the partition is empty", g+1)
		}
		for _, n := range names {
			i, err := c.lookup(n)
			if err != nil {
				return nil, err
			}
			if _, dup := group[i]; dup {
				return nil, fmt.Errorf("%s is in two groups of the partition", QuoteName(n))
			}
			group[i] = g
		}
	}
	var links [][2]int
	for i := range c.names {
		for j := range c.names {
			gi, ok1 := group[i]
			gj, ok2 := group[j]
			if ok1 && ok2 && gi != gj && c.up[i][j] {
				links = append(links, [2]int{i, j})
			}
		}
	}
	parts := make([]string, len(a.Groups))
	for g, names := range a.Groups {
		parts[g] = "{" + strings.Join(names, ", ") + "}"
	}
	if len(links) == 0 {
		return nil, nothingToDo("partition %s: those links are already cut", strings.Join(parts, " | "))
	}
	ev := c.setLinks(links, false)
	ev.Text = fmt.Sprintf("partition %s: cut %s", strings.Join(parts, " | "), countLinks(links))
	return []Event{ev}, nil
}

// countLinks counts directed links as the links line shows them, by pair:
// "4 links (both directions)", "1 link (one direction)", or a mix.
func countLinks(links [][2]int) string {
	dirs := map[[2]int]int{}
	for _, l := range links {
		a, b := min(l[0], l[1]), max(l[0], l[1])
		dirs[[2]int{a, b}]++
	}
	both, one := 0, 0
	for _, n := range dirs {
		if n == 2 {
			both++
		} else {
			one++
		}
	}
	switch {
	case one == 0:
		return plural(both, "link") + " (both directions)"
	case both == 0:
		return plural(one, "link") + " (one direction)"
	}
	return fmt.Sprintf("%s (both directions) and %s (one direction)", plural(both, "link"), plural(one, "link"))
}

// MaxSkew bounds a clock skew, so that tick + skew never overflows a
// timestamp: a trillion ticks either way.
const MaxSkew = 1_000_000_000_000

func (c *Cluster) setSkew(a SetSkew) ([]Event, error) {
	i, err := c.lookup(a.Replica)
	if err != nil {
		return nil, err
	}
	if a.Skew > MaxSkew || a.Skew < -MaxSkew {
		return nil, fmt.Errorf("a clock skew is at most %d ticks either way, not %d", int64(MaxSkew), a.Skew)
	}
	c.mutable(i).Skew = a.Skew
	return []Event{{Kind: EvSkew, Replica: a.Replica,
		Text: fmt.Sprintf("%s's clock now reads tick %+d: its next write at tick %d gets stamp %d", a.Replica, a.Skew, c.now+1, c.now+1+a.Skew)}}, nil
}

// receive delivers a message through the replica's one deliver, then says
// what each lane lost.
func (c *Cluster) receive(m *Message) Event {
	i := c.index[m.To]
	r := c.mutable(i)
	var d delivery
	switch m.crdt.kind {
	case PayloadOps:
		d = r.deliverPlainOnly(m, c.now, c.edits)
		d.lanes[CRDT] = c.deliverOps(r, m)
	case PayloadDelta:
		d = r.deliverPlainOnly(m, c.now, c.edits)
		lc, inflated := c.deliverDelta(r, m)
		d.lanes[CRDT] = lc
		if inflated {
			c.relay(i, c.index[m.From], m.crdt.delta)
		}
	default:
		d = r.deliver(m, c.typ, c.now, c.edits)
	}
	ev := Event{Kind: EvDeliver, Replica: r.Name, From: m.From, To: m.To, Msg: m.ID,
		Sent: m.SentTick, CopyOf: m.CopyOf, PlainNew: m.plain.carries, Synced: m.synced}
	for _, l := range Lanes {
		lc := d.lanes[l]
		lc.Lost = c.dropped(l, d.oldHist[l].All(), r.history(l).All())
		ev.Lanes[l] = lc
	}
	return ev
}

// lwwHistory takes, key by key, the history of the side whose stamp won.
func lwwHistory(mine History, myStamps map[string]crdt.Stamp, theirs History, theirStamps map[string]crdt.Stamp) History {
	keys := map[string]EditSet{}
	for k, s := range mine.keys {
		keys[k] = s
	}
	for k, s := range theirs.keys {
		ms, mok := myStamps[k]
		ts, tok := theirStamps[k]
		switch {
		case !mok || (tok && ms.Less(ts)):
			keys[k] = s
		case tok && ms == ts:
			keys[k] = keys[k].Union(s)
		}
	}
	return History{keys: keys}
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
		return ": edit " + c.edits[lost[0]-1].Describe() + " is lost"
	}
	parts := make([]string, len(lost))
	for i, id := range lost {
		parts[i] = c.edits[id-1].Describe()
	}
	return ": edits " + strings.Join(parts, ", ") + " are lost"
}
