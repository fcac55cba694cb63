package replicas

import (
	"container/heap"
	"strings"

	"crdtviz/crdt"
)

// parkedTexts holds the text edits waiting at a replica in delta mode:
// edits whose character ops need a character that has not arrived (the
// origin of an insert, or the character its site typed before it). An edit
// waits on one character at a time, the first its ops lack (see
// crdt.TextState.Missing), so when an edit is applied, the edits that may
// now be placed are exactly those waiting on a character it inserted,
// found without looking at the rest: a text delivered in reverse, edit by
// edit, costs what it delivers, as op mode's causal buffer does.
//
// It is persistent (see ptree), like everything a replica keeps for its
// mode: clones and checkpoints share it.
type parkedTexts struct {
	byArrival ptree[*parkedPart] // in arrival order: what Waiting lists
	byNeed    ptree[*parkedPart] // the waiting ones, by (need, arrival)
	edits     EditSet
	arrivals  int64
	inserts   int // characters the waiting edits insert (see textGrowth)
}

// parkedPart is a text edit at a replica: its ops, when it arrived, and
// (filed) whether it waits in byNeed, on part.need.
type parkedPart struct {
	part    textPart
	arrival int64
	filed   bool
}

func (p parkedTexts) Len() int          { return p.byArrival.Len() }
func (p parkedTexts) has(e EditID) bool { return p.edits.Has(e) }

// parts lists the waiting edits, in arrival order.
func (p parkedTexts) parts() []textPart {
	out := make([]textPart, 0, p.Len())
	p.byArrival.Each(0, func(x *parkedPart) bool { out = append(out, x.part); return true })
	return out
}

func needLessThan(a *parkedPart, need crdt.TextID, arrival int64) bool {
	if c := strings.Compare(a.part.need.Site, need.Site); c != 0 {
		return c < 0
	}
	if a.part.need.Counter != need.Counter {
		return a.part.need.Counter < need.Counter
	}
	return a.arrival < arrival
}

func (p parkedTexts) arrivalPos(arrival int64) int {
	return p.byArrival.Search(func(x *parkedPart) bool { return x.arrival < arrival })
}

// add puts an edit at the back; it waits on part.need when filed.
func (p parkedTexts) add(part textPart, filed bool) (parkedTexts, *parkedPart) {
	x := &parkedPart{part: part, arrival: p.arrivals, filed: filed}
	p.arrivals++
	p.byArrival = p.byArrival.Insert(p.byArrival.Len(), x, 1)
	if filed {
		p.byNeed = p.byNeed.Insert(p.byNeed.Search(func(y *parkedPart) bool { return needLessThan(y, part.need, x.arrival) }), x, 1)
	}
	p.edits = p.edits.With(part.edit)
	p.inserts += textInserts([]textPart{part})
	return p, x
}

// unfile takes x out of byNeed.
func (p parkedTexts) unfile(x *parkedPart) parkedTexts {
	if x.filed {
		p.byNeed = p.byNeed.Delete(p.byNeed.Search(func(y *parkedPart) bool { return needLessThan(y, x.part.need, x.arrival) }))
	}
	return p
}

// remove takes x out of the waiting edits.
func (p parkedTexts) remove(x *parkedPart) parkedTexts {
	p = p.unfile(x)
	p.byArrival = p.byArrival.Delete(p.arrivalPos(x.arrival))
	p.edits = p.edits.without(x.part.edit)
	p.inserts -= textInserts([]textPart{x.part})
	return p
}

// refile is x waiting on a new need (filed), or ready to place (not).
func (p parkedTexts) refile(x *parkedPart, need crdt.TextID, filed bool) (parkedTexts, *parkedPart) {
	p = p.unfile(x)
	y := &parkedPart{part: x.part, arrival: x.arrival, filed: filed}
	y.part.need = need
	p.byArrival = p.byArrival.Set(p.arrivalPos(x.arrival), y, 1)
	if filed {
		p.byNeed = p.byNeed.Insert(p.byNeed.Search(func(z *parkedPart) bool { return needLessThan(z, need, y.arrival) }), y, 1)
	}
	return p, y
}

// waitingOn lists the edits waiting on character id.
func (p parkedTexts) waitingOn(id crdt.TextID) []*parkedPart {
	var out []*parkedPart
	p.byNeed.Each(p.byNeed.Search(func(y *parkedPart) bool { return needLessThan(y, id, -1) }), func(y *parkedPart) bool {
		if y.part.need != id {
			return false
		}
		out = append(out, y)
		return true
	})
	return out
}

// placeText applies, edit by edit, the text parts that arrived and those
// that were waiting at r: a part whose characters are all placeable is
// applied whole, and its edit becomes known; the others wait for what
// they need. The first placeable part in arrival order goes first (the
// waiting ones arrived before), then again, until none is placeable.
// recheck says that a state arrived too, which may have brought what a
// waiting edit needs, or the edit itself. It returns what it did in words,
// whether it applied a part, and whether the replica learned anything
// (applied a part, or keeps a new one waiting).
func (c *Cluster) placeText(r *Replica, incoming []textPart, recheck bool) (whys []string, placed, grew bool) {
	d := deltasOf(r).copy()
	t := r.state.(*crdt.TextState)
	before := d.parked // what was waiting
	p := d.parked
	var ready partHeap
	check := func(x *parkedPart) {
		if need, missing := t.Missing(x.part.ops); missing {
			if !x.filed || need != x.part.need {
				p, _ = p.refile(x, need, true)
			}
			return
		}
		p, x = p.refile(x, crdt.TextID{}, false)
		heap.Push(&ready, x)
	}
	if recheck {
		for _, x := range p.byArrival.Items() {
			if r.knows[CRDT].Has(x.part.edit) { // arrived whole with a state
				p = p.remove(x)
				continue
			}
			check(x)
		}
	}
	var fresh []int64 // the arrivals of the parts new here
	for _, part := range incoming {
		if r.knows[CRDT].Has(part.edit) || before.has(part.edit) {
			continue
		}
		var x *parkedPart
		p, x = p.add(part, false)
		fresh = append(fresh, x.arrival)
		check(x)
	}
	var applied []string
	for ready.Len() > 0 {
		x := heap.Pop(&ready).(*parkedPart)
		_, _ = crdt.Delta{Text: x.part.ops}.JoinInto(t)
		r.knows[CRDT] = r.knows[CRDT].With(x.part.edit)
		r.crdtHist = r.crdtHist.with("", x.part.edit)
		what := c.editInfo(x.part.edit).Describe()
		if before.has(x.part.edit) {
			what += ", which was waiting"
		}
		applied = append(applied, what)
		p = p.remove(x)
		for _, op := range x.part.ops {
			if !op.Delete {
				for _, y := range p.waitingOn(op.ID) {
					check(y)
				}
			}
		}
	}
	if len(applied) > 0 {
		whys = append(whys, "applied "+strings.Join(applied, " and ")+" → "+crdt.Brief(crdt.QuoteAlways(t.String())))
	}
	stillNew := 0
	for _, a := range fresh {
		if i := p.arrivalPos(a); i < p.Len() && p.byArrival.At(i).arrival == a {
			x := p.byArrival.At(i).part
			stillNew++
			whys = append(whys, c.editInfo(x.edit).Describe()+" waits: it needs the character "+x.need.String()+", which has not arrived here")
		}
	}
	d.parked = p
	r.mode = d
	if len(whys) == 0 {
		whys = append(whys, "every edit in it was here already")
	}
	return whys, len(applied) > 0, len(applied) > 0 || stillNew > 0
}

// partHeap holds the waiting edits that became placeable, earliest
// arrival first.
type partHeap []*parkedPart

func (h partHeap) Len() int           { return len(h) }
func (h partHeap) Less(i, j int) bool { return h[i].arrival < h[j].arrival }
func (h partHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *partHeap) Push(x any)        { *h = append(*h, x.(*parkedPart)) }
func (h *partHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
