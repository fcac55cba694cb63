package ui

import (
	"crdtviz/replicas"
)

// BoxCache remembers rendered replica boxes. Within one history, a lane's
// state is named by the tick it last changed, so a box only needs drawing
// again when that, its marks, or the layout change.
type BoxCache struct {
	history any
	boxes   map[boxKey]string
	// network strips drawn recently, by what they were drawn for
	links map[stripKey]string
}

type stripKey struct {
	cluster *replicas.Cluster
	tick    int64
	w, h    int
	theme   Theme
	ascii   bool
}

// strip returns the network strip, drawn again only when the cluster, its
// tick (every action advances it) or the layout changed.
func (bc *BoxCache) strip(c *replicas.Cluster, draw func() string, l Layout, s Styles) string {
	k := stripKey{c, c.Tick(), l.W, l.Network.H, s.Theme, s.Symbols == ASCIISymbols}
	if bc == nil {
		return draw()
	}
	if bc.links == nil || len(bc.links) >= boxCacheLimit/8 {
		bc.links = map[stripKey]string{}
	}
	if strip, ok := bc.links[k]; ok {
		return strip
	}
	bc.links[k] = draw()
	return bc.links[k]
}

// boxKey is everything a box shows besides its replica's lane state (named
// by the tick it last changed) and the styles (named by their theme): box
// draws from it, so what is cached and what is drawn cannot drift apart.
type boxKey struct {
	replica, lane                        int
	changed                              int64
	seen                                 int // how many edits the replica has seen in the lane: it only grows
	focused, conflict, marked, internals bool
	// For a compact box (lane -1), both lanes: the plain lane in changed,
	// conflict and marked, the CRDT lane here.
	changedCRDT              int64
	conflictCRDT, markedCRDT bool
	// waiting lists the ops in the replica's causal buffer (op mode): they
	// change the box without changing the state.
	waiting                         string
	w, h, valueLines, internalLines int
	metaLines, internalsOffset      int
	decisive                        string // the metadata parts to highlight, joined by "\x00"
	// news is what the step changed in a collection value, "+item-new
	// -milk" (newsCRDT for a compact box's CRDT lane): shown first, and
	// highlighted, when the value is cut.
	news, newsCRDT string
	front          string // the metadata parts to show first when the line is cut, joined by "\x00"
	clock          int64  // the replica's clock, when showClock
	showClock      bool
	yours          YoursCell // a compact box's third line (the lab), when h says so
	styles         Theme
	ascii          bool
}

// boxCacheLimit bounds the cache; it starts afresh when full.
const boxCacheLimit = 1024

func (bc *BoxCache) get(history any, k boxKey, draw func() string) string {
	if bc == nil {
		return draw()
	}
	if bc.boxes == nil || bc.history != history || len(bc.boxes) >= boxCacheLimit {
		bc.boxes, bc.history = map[boxKey]string{}, history
	}
	if b, ok := bc.boxes[k]; ok {
		return b
	}
	b := draw()
	bc.boxes[k] = b
	return b
}
