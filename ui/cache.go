package ui

import (
	"crdtviz/crdt"
	"crdtviz/replicas"
)

// BoxCache remembers rendered replica boxes. Within one history, a lane's
// state is named by the tick it last changed, so a box only needs drawing
// again when that, its marks, or the layout change.
type BoxCache struct {
	history any
	boxes   map[boxKey]string
	// network strips and lane titles drawn recently, by what they were
	// drawn for
	links map[clusterKey]string
	// metas holds replicas' metadata lines (crdt.Meta), by the replica and
	// the tick its CRDT lane last changed: an or-set's line sorts and
	// quotes every element, and both the boxes and the model's choice of
	// what a cut line shows first read it.
	metas map[metaKey][]crdt.MetaPart
	// rows of boxes drawn recently, by the keys of their boxes
	rows map[rowKey]string
	// text fitted to a size recently (see fit), by the text and the size
	fitted map[fitKey]string
	// diagrams drawn recently, by the diagram and how it was shown
	diagrams map[diagramKey]string
	// blocks joined side by side recently (see joinFitted), by the blocks
	joined map[joinKey]string
	// header lines and status lines drawn recently, by what they show
	headers map[headerKey]string
	lines   map[lineKey]string
	// the pane's tab bars, and the selected message's line under the
	// diagram, drawn recently
	tabs     map[tabsKey]string
	messages map[messageKey]string
}

// tabsKey is everything the pane's tab bar shows: the label of each of
// the panes (by their index in panes; "" for none), and the current one.
type tabsKey struct {
	tabs  [8]string
	cur   Pane
	w     int
	theme Theme
	ascii bool
}

// messageKey names a message's line: messages are immutable.
type messageKey struct {
	msg   *replicas.Message
	w     int
	theme Theme
	ascii bool
}

// headerKey is everything the header line shows.
type headerKey struct {
	title, label, notice, warning string
	tick                          int64
	w                             int
	theme                         Theme
	ascii                         bool
}

type lineKey struct {
	text string
	w    int
	ell  string
}

type joinKey struct {
	blocks [4]string
	n      int
}

type diagramKey struct {
	diagram any
	view    DiagramView
	theme   Theme
	ascii   bool
}

type fitKey struct {
	head, body string // the text is head, a newline, and body
	w, h       int
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

type metaKey struct {
	replica int
	changed int64
}

// clusterKey names a piece of the screen drawn from a whole cluster (the
// network strip, a lane's title line): every action advances the tick, so
// the cluster and its tick name what it shows.
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
// cluster, its tick (every action advances it), or its size changed.
func (bc *BoxCache) ofCluster(c *replicas.Cluster, what string, arg, w, h int, s Styles, draw func() string) string {
	if bc == nil {
		return draw()
	}
	k := clusterKey{c, c.Tick(), what, arg, w, h, s.Theme, s.Symbols == ASCIISymbols}
	if bc.links == nil || len(bc.links) >= boxCacheLimit/4 {
		bc.links = map[clusterKey]string{}
	}
	if piece, ok := bc.links[k]; ok {
		return piece
	}
	piece := draw()
	bc.links[k] = piece
	return piece
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
	styles         Theme
	ascii          bool
}

// boxCacheLimit bounds the cache; it starts afresh when full.
const boxCacheLimit = 1024

// within starts the cache afresh when the history changed: ticks name
// states only within one history.
func (bc *BoxCache) within(history any) {
	if bc.history != history || bc.boxes == nil {
		bc.boxes, bc.metas, bc.rows, bc.history = map[boxKey]string{}, map[metaKey][]crdt.MetaPart{}, map[rowKey]string{}, history
	}
}

func (bc *BoxCache) get(history any, k boxKey, draw func() string) string {
	if bc == nil {
		return draw()
	}
	bc.within(history)
	if len(bc.boxes) >= boxCacheLimit {
		bc.boxes = map[boxKey]string{}
	}
	if b, ok := bc.boxes[k]; ok {
		return b
	}
	b := draw()
	bc.boxes[k] = b
	return b
}

// Meta is the metadata line of replica i (r, in a cluster of history), as
// r.Meta() returns it, computed once per state of the replica's CRDT lane.
// The parts returned are shared: callers must not change them.
func (bc *BoxCache) Meta(history any, i int, r *replicas.Replica) []crdt.MetaPart {
	if bc == nil {
		return r.Meta()
	}
	bc.within(history)
	k := metaKey{i, r.Changed(replicas.CRDT)}
	if m, ok := bc.metas[k]; ok {
		return m
	}
	if len(bc.metas) >= boxCacheLimit {
		bc.metas = map[metaKey][]crdt.MetaPart{}
	}
	m := r.Meta()
	bc.metas[k] = m
	return m
}

// row returns a row of boxes, drawn again only when one of its boxes, or
// the row's size, changed.
func (bc *BoxCache) row(history any, k rowKey, draw func() string) string {
	if bc == nil {
		return draw()
	}
	bc.within(history)
	if r, ok := bc.rows[k]; ok {
		return r
	}
	if len(bc.rows) >= rowCacheLimit {
		bc.rows = map[rowKey]string{}
	}
	r := draw()
	bc.rows[k] = r
	return r
}

// rowCacheLimit bounds the rows kept: stepping back and forth, and moving
// the focus, revisit a few dozen rows.
const rowCacheLimit = 64

// fit is fit(head+"\n"+body, w, h), measured again only when the text
// or the size changed: the event log's lines, and the messages in
// flight, are the same from one frame to the next more often than not.
func (bc *BoxCache) fit(head, body string, w, h int) string {
	if bc == nil {
		return fit(head+"\n"+body, w, h)
	}
	k := fitKey{head, body, w, h}
	if f, ok := bc.fitted[k]; ok {
		return f
	}
	if bc.fitted == nil || len(bc.fitted) >= fitCacheLimit {
		bc.fitted = map[fitKey]string{}
	}
	f := fit(head+"\n"+body, w, h)
	bc.fitted[k] = f
	return f
}

// fitCacheLimit bounds the texts kept fitted.
const fitCacheLimit = 64

// drawDiagram returns the diagram named key drawn in view, drawn again
// only when the diagram or the view changed. A nil key names nothing: the
// diagram is drawn every time.
func (bc *BoxCache) drawDiagram(key any, v DiagramView, s Styles, draw func() string) string {
	if bc == nil || key == nil {
		return draw()
	}
	k := diagramKey{key, v, s.Theme, s.Symbols == ASCIISymbols}
	if d, ok := bc.diagrams[k]; ok {
		return d
	}
	if bc.diagrams == nil || len(bc.diagrams) >= diagramCacheLimit {
		bc.diagrams = map[diagramKey]string{}
	}
	d := draw()
	bc.diagrams[k] = d
	return d
}

// diagramCacheLimit bounds the diagrams kept drawn.
const diagramCacheLimit = 16

// joinFitted is joinFitted(blocks...), joined again only when a block
// changed. Up to four blocks are remembered; more are joined every time.
func (bc *BoxCache) joinFitted(blocks ...string) string {
	if bc == nil || len(blocks) > 4 {
		return joinFitted(blocks...)
	}
	k := joinKey{n: len(blocks)}
	copy(k.blocks[:], blocks)
	if j, ok := bc.joined[k]; ok {
		return j
	}
	if bc.joined == nil || len(bc.joined) >= fitCacheLimit {
		bc.joined = map[joinKey]string{}
	}
	j := joinFitted(blocks...)
	bc.joined[k] = j
	return j
}

// header returns the header line, drawn again only when what it shows
// changed.
func (bc *BoxCache) header(k headerKey, draw func() string) string {
	if bc == nil {
		return draw()
	}
	if h, ok := bc.headers[k]; ok {
		return h
	}
	if bc.headers == nil || len(bc.headers) >= fitCacheLimit {
		bc.headers = map[headerKey]string{}
	}
	h := draw()
	bc.headers[k] = h
	return h
}

// line is text (one line, styled) cut to w cells with the styles'
// ellipsis and padded to w: the status line, measured again only when it
// changed.
func (bc *BoxCache) line(text string, w int, s Styles) string {
	draw := func() string { return fit(clipLineWith(text, w, s.Symbols.Ellipsis), w, 1) }
	if bc == nil {
		return draw()
	}
	k := lineKey{text, w, s.Symbols.Ellipsis}
	if l, ok := bc.lines[k]; ok {
		return l
	}
	if bc.lines == nil || len(bc.lines) >= fitCacheLimit {
		bc.lines = map[lineKey]string{}
	}
	l := draw()
	bc.lines[k] = l
	return l
}

// tabBar returns the pane's tab bar, drawn again only when a label, the
// current tab, or the styles changed.
func (bc *BoxCache) tabBar(k tabsKey, draw func() string) string {
	if bc == nil {
		return draw()
	}
	if t, ok := bc.tabs[k]; ok {
		return t
	}
	if bc.tabs == nil || len(bc.tabs) >= fitCacheLimit {
		bc.tabs = map[tabsKey]string{}
	}
	t := draw()
	bc.tabs[k] = t
	return t
}

// messageLine is MessageLine(m, s, w), drawn once per message and width:
// it measures both of the message's payloads.
func (bc *BoxCache) messageLine(m *replicas.Message, s Styles, w int) string {
	if bc == nil {
		return MessageLine(m, s, w)
	}
	k := messageKey{m, w, s.Theme, s.Symbols == ASCIISymbols}
	if l, ok := bc.messages[k]; ok {
		return l
	}
	if bc.messages == nil || len(bc.messages) >= fitCacheLimit {
		bc.messages = map[messageKey]string{}
	}
	l := MessageLine(m, s, w)
	bc.messages[k] = l
	return l
}
