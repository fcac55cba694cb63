package ui

import (
	"crdtviz/crdt"
	"crdtviz/replicas"
)

// BoxCache remembers what the screen drew, by what it shows, so that a key
// press draws again only what changed. Within one history, a lane's state
// is named by the tick it last changed, so a box (and a row of boxes, and a
// replica's metadata line) is drawn again only when that, its marks, or the
// layout change; a piece drawn from a whole cluster is named by the
// cluster and its tick (every action advances it); and a piece drawn from
// text by the text itself. Each memo is bounded, and starts afresh when
// full; those keyed by ticks start afresh in a new history.
type BoxCache struct {
	history any
	boxes   memo[boxKey, string]
	rows    memo[rowKey, string]
	// metas holds replicas' metadata lines (crdt.Meta): an or-set's line
	// sorts and quotes every element, and both the boxes and the model's
	// choice of what a cut line shows first read it.
	metas memo[metaKey, []crdt.MetaPart]
	// pieces drawn from a whole cluster: the network strip, the lane
	// titles, the messages in flight
	ofClusters memo[clusterKey, string]
	fitted     memo[fitKey, string]
	joined     memo[joinKey, string]
	lines      memo[lineKey, string]
	headers    memo[headerKey, string]
	tabs       memo[tabsKey, string]
	messages   memo[messageKey, string]
	diagrams   memo[diagramKey, string]
}

// memo is a map of what was drawn, by what it shows, that starts afresh
// when it holds limit pieces.
type memo[K comparable, V any] struct {
	m map[K]V
}

func (m *memo[K, V]) get(k K, limit int, draw func() V) V {
	if v, ok := m.m[k]; ok {
		return v
	}
	if m.m == nil || len(m.m) >= limit {
		m.m = map[K]V{}
	}
	v := draw()
	m.m[k] = v
	return v
}

// Bounds of the memos: stepping back and forth and moving the focus
// revisit a few dozen rows and lines.
const (
	boxCacheLimit     = 1024
	rowCacheLimit     = 64
	fitCacheLimit     = 64
	diagramCacheLimit = 16
)

// within starts the memos keyed by ticks afresh when the history changed:
// ticks name states only within one history.
func (bc *BoxCache) within(history any) {
	if bc.history != history {
		bc.boxes, bc.rows, bc.metas, bc.history = memo[boxKey, string]{}, memo[rowKey, string]{}, memo[metaKey, []crdt.MetaPart]{}, history
	}
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

func (bc *BoxCache) get(history any, k boxKey, draw func() string) string {
	if bc == nil {
		return draw()
	}
	bc.within(history)
	return bc.boxes.get(k, boxCacheLimit, draw)
}

// rowKey is everything a row of boxes shows: its boxes (by their keys),
// whether replicas are scrolled off either side, and the row's size.
type rowKey struct {
	boxes              [replicas.MaxReplicas]boxKey
	first, n           int // n boxes, of replicas first on
	more, scroll       bool
	w, h, boxW, gutter int
	styles             Theme
	ascii              bool
}

// row returns a row of boxes, drawn again only when one of its boxes, or
// the row's size, changed.
func (bc *BoxCache) row(history any, k rowKey, draw func() string) string {
	if bc == nil {
		return draw()
	}
	bc.within(history)
	return bc.rows.get(k, rowCacheLimit, draw)
}

type metaKey struct {
	replica int
	changed int64 // the tick the replica's CRDT lane last changed
}

// Meta is the metadata line of replica i (r, in a cluster of history), as
// r.Meta() returns it, computed once per state of the replica's CRDT lane.
// The parts returned are shared: callers must not change them.
func (bc *BoxCache) Meta(history any, i int, r *replicas.Replica) []crdt.MetaPart {
	if bc == nil {
		return r.Meta()
	}
	bc.within(history)
	return bc.metas.get(metaKey{i, r.Changed(replicas.CRDT)}, boxCacheLimit, r.Meta)
}

// clusterKey names a piece of the screen drawn from a whole cluster (the
// network strip, a lane's title line, the messages in flight): every
// action advances the tick, so the cluster and its tick name what it shows.
type clusterKey struct {
	cluster *replicas.Cluster
	tick    int64
	what    string // which piece
	arg     int    // what else it shows: the message selected
	w, h    int
	theme   Theme
	ascii   bool
}

// ofCluster returns the piece named what, drawn again only when the
// cluster, its tick, what else it shows (arg), or its size changed.
func (bc *BoxCache) ofCluster(c *replicas.Cluster, what string, arg, w, h int, s Styles, draw func() string) string {
	if bc == nil {
		return draw()
	}
	return bc.ofClusters.get(clusterKey{c, c.Tick(), what, arg, w, h, s.Theme, s.Symbols == ASCIISymbols}, boxCacheLimit/4, draw)
}

type fitKey struct {
	head, body string // the text is head, a newline, and body
	w, h       int
}

// fit is fit(head+"\n"+body, w, h), measured again only when the text
// or the size changed: the event log's lines, and the messages in
// flight, are the same from one frame to the next more often than not.
func (bc *BoxCache) fit(head, body string, w, h int) string {
	draw := func() string { return fit(head+"\n"+body, w, h) }
	if bc == nil {
		return draw()
	}
	return bc.fitted.get(fitKey{head, body, w, h}, fitCacheLimit, draw)
}

type joinKey struct {
	blocks [4]string
	n      int
}

// joinFitted is joinFitted(blocks...), joined again only when a block
// changed. Up to four blocks are remembered; more are joined every time.
func (bc *BoxCache) joinFitted(blocks ...string) string {
	draw := func() string { return joinFitted(blocks...) }
	if bc == nil || len(blocks) > 4 {
		return draw()
	}
	k := joinKey{n: len(blocks)}
	copy(k.blocks[:], blocks)
	return bc.joined.get(k, fitCacheLimit, draw)
}

type lineKey struct {
	text string
	w    int
	ell  string
}

// line is text (one line, styled) cut to w cells with the styles'
// ellipsis and padded to w: the status line, measured again only when it
// changed.
func (bc *BoxCache) line(text string, w int, s Styles) string {
	draw := func() string { return fit(clipLineWith(text, w, s.Symbols.Ellipsis), w, 1) }
	if bc == nil {
		return draw()
	}
	return bc.lines.get(lineKey{text, w, s.Symbols.Ellipsis}, fitCacheLimit, draw)
}

// headerKey is everything the header line shows.
type headerKey struct {
	title, label, notice, warning string
	tick                          int64
	w                             int
	theme                         Theme
	ascii                         bool
}

// header returns the header line, drawn again only when what it shows
// changed.
func (bc *BoxCache) header(k headerKey, draw func() string) string {
	if bc == nil {
		return draw()
	}
	return bc.headers.get(k, fitCacheLimit, draw)
}

// tabsKey is everything the pane's tab bar shows: the label of each of
// the panes (by their index in panes; "" for none), and the current one.
type tabsKey struct {
	tabs  [8]string // more panes than this would not fit a bar anyway
	cur   Pane
	w     int
	theme Theme
	ascii bool
}

// tabBar returns the pane's tab bar, drawn again only when a label, the
// current tab, or the styles changed.
func (bc *BoxCache) tabBar(k tabsKey, draw func() string) string {
	if bc == nil {
		return draw()
	}
	return bc.tabs.get(k, fitCacheLimit, draw)
}

// messageKey names a message's line: messages are immutable.
type messageKey struct {
	msg   *replicas.Message
	w     int
	theme Theme
	ascii bool
}

// messageLine is MessageLine(m, s, w), drawn once per message and width:
// it measures both of the message's payloads.
func (bc *BoxCache) messageLine(m *replicas.Message, s Styles, w int) string {
	draw := func() string { return MessageLine(m, s, w) }
	if bc == nil {
		return draw()
	}
	return bc.messages.get(messageKey{m, w, s.Theme, s.Symbols == ASCIISymbols}, fitCacheLimit, draw)
}

type diagramKey struct {
	diagram any
	view    DiagramView
	theme   Theme
	ascii   bool
}

// drawDiagram returns the diagram named key drawn in view, drawn again
// only when the diagram or the view changed. A nil key names nothing: the
// diagram is drawn every time.
func (bc *BoxCache) drawDiagram(key any, v DiagramView, s Styles, draw func() string) string {
	if bc == nil || key == nil {
		return draw()
	}
	return bc.diagrams.get(diagramKey{key, v, s.Theme, s.Symbols == ASCIISymbols}, diagramCacheLimit, draw)
}
