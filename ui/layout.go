package ui

// Breakpoints and sizes. Everything on screen is placed by Compute from
// these, so that every size is predictable.
const (
	MinWidth = 48 // below this, or MinHeight, the "too small" screen shows
	// MinHeight is what the smallest screen stacks: the fixed rows, two
	// rows of boxes (the CRDT box has its metadata line too) and the
	// smallest pane.
	MinHeight   = fixedRows + 1 + 2*(boxChrome+1) + metaLines + MinPane
	MinBoxWidth = 16  // replica boxes narrower than this do not fit; the row scrolls
	WideWidth   = 120 // from here, messages and log sit side by side
	TallHeight  = 30  // from here, values get two lines
	HugeHeight  = 40  // from here, values get three lines
	MinPane     = 3   // the bottom pane never gets fewer lines than this
)

// Rect is a region of the screen.
type Rect struct{ X, Y, W, H int }

// Contains reports whether the cell (x, y) is inside r.
func (r Rect) Contains(x, y int) bool { return x >= r.X && x < r.X+r.W && y >= r.Y && y < r.Y+r.H }

// Layout is where everything goes at one terminal size.
type Layout struct {
	W, H     int
	TooSmall bool

	Header                     Rect
	PlainTitle, PlainBoxes     Rect
	CRDTTitle, CRDTBoxes       Rect
	Network, Pane, Status, Bar Rect

	Columns      int  // replica boxes shown side by side
	BoxW         int  // width of one box, border included
	Scroll       bool // more replicas than columns: arrows at the row's ends
	ValueLines   int  // lines for the value in each box
	MetaLines    int  // the compact metadata line in each CRDT box, always shown
	Internals    int  // lines for full CRDT internals in each CRDT box (0 when off)
	SideBySide   bool // messages and log side by side in the pane
	NetworkLines int
	// Compact is the one-band screen the space-time diagram gets: one row
	// of boxes, each with both lanes' values, under one title line with
	// both lanes' status (Band), so that the diagram has room.
	Compact bool
	Band    Rect // the compact band's title line
	// Gutter is the compact band's left column, which names the lanes
	// once ("plain", "crdt") so that every box gives its width to values.
	Gutter int
	// Yours is the third band, the student's own nodes (crdtviz lab),
	// below the CRDT band: its title line and its boxes, YoursH lines
	// high (4 with each node's queues, 3, or 1 without borders when the
	// screen is short). In the compact layout it is a third line in each
	// box, under the band's one title line.
	Yours              bool
	YoursTitle, YoursB Rect
	YoursH             int
}

// MinHeightFor is the least height that shows every band: MinHeight, and
// two more lines for the third band (its title and a line of reads).
func MinHeightFor(yours bool) int {
	if yours {
		return MinHeight + 2
	}
	return MinHeight
}

// boxChrome is a box's border (top and bottom) plus its name line and its
// edits line.
const boxChrome = 4

// metaLines is the CRDT box's metadata line: the reason behind every merge.
const metaLines = 1

// fixedRows are the rows every screen has besides the boxes, the links and
// the pane: the header, two band titles, the status line and the help bar.
const fixedRows = 5

// compactBoxH is a compact box's height: its border (the name in the top
// one), and one line for each lane's value.
const compactBoxH = 4

// compactGutter is the compact band's column of lane names, and
// minCompactBoxW the narrowest compact box: a name, or a value of a
// dozen cells, and its border.
const (
	compactGutter  = 6
	minCompactBoxW = 14
)

// ComputeCompact lays out the one-band screen shown with the space-time
// diagram pane: one title line with both lanes' status, one row of boxes
// holding both lanes' values, the links, and the rest for the pane.
func ComputeCompact(w, h, n int) Layout { return ComputeCompactWith(w, h, n, false) }

// ComputeCompactWith is ComputeCompact, with the third band (yours) as a
// third line in each box.
func ComputeCompactWith(w, h, n int, yours bool) Layout {
	l := ComputeWith(w, h, n, false, yours)
	if l.TooSmall {
		return l
	}
	l.Compact, l.Internals, l.MetaLines, l.ValueLines = true, 0, 0, 1
	// The boxes share what the lane names leave.
	l.Gutter = compactGutter
	avail := w - l.Gutter
	l.Columns = min(n, avail/minCompactBoxW)
	l.Scroll = l.Columns < n
	if l.Scroll {
		avail -= 2 // one column for each scroll arrow
		l.Columns = max(1, avail/minCompactBoxW)
	}
	l.BoxW = avail / l.Columns
	y := 0
	row := func(height int) Rect { r := Rect{X: 0, Y: y, W: w, H: height}; y += height; return r }
	l.Header = row(1)
	l.Band = row(1)
	l.PlainTitle, l.CRDTTitle = l.Band, l.Band
	bh := compactBoxH
	if yours {
		bh++
		l.YoursTitle, l.YoursH = l.Band, 1
	}
	l.PlainBoxes = row(bh)
	l.CRDTBoxes = l.PlainBoxes
	l.YoursB = l.PlainBoxes
	l.Network = row(l.NetworkLines)
	l.Pane = row(h - y - 2)
	l.Status = row(1)
	l.Bar = row(1)
	return l
}

// Compute lays out a screen of w×h cells for n replicas. It is pure: the
// same arguments always give the same layout.
func Compute(w, h, n int, internals bool) Layout { return ComputeWith(w, h, n, internals, false) }

// Yours boxes: with each node's queues, without, and a line of reads
// without borders (a short screen).
const (
	yoursTall  = 4
	yoursBoxH  = 3
	yoursFlatH = 1
)

// ComputeWith is Compute, with the third band (yours) below the CRDT
// band when set.
func ComputeWith(w, h, n int, internals, yours bool) Layout {
	l := Layout{W: w, H: h, Yours: yours}
	if w < MinWidth || h < MinHeightFor(yours) || n < 1 {
		l.TooSmall = true
		return l
	}
	l.Columns = min(n, w/MinBoxWidth)
	l.Scroll = l.Columns < n
	avail := w
	if l.Scroll {
		avail -= 2 // one column for each scroll arrow
		l.Columns = max(1, avail/MinBoxWidth)
	}
	l.BoxW = avail / l.Columns
	l.SideBySide = w >= WideWidth

	// Links: a token per pair of replicas, about 12 cells each.
	pairs := n * (n - 1) / 2
	l.NetworkLines = min(3, max(1, (pairs*12+w-1)/w))

	l.ValueLines = 1
	switch {
	case h >= HugeHeight:
		l.ValueLines = 3
	case h >= TallHeight:
		l.ValueLines = 2
	}
	if internals {
		l.Internals = 2
		switch {
		case h >= HugeHeight:
			l.Internals = 8
		case h >= TallHeight:
			l.Internals = 4
		}
	}
	l.MetaLines = metaLines
	if yours {
		l.YoursH = yoursBoxH
		if h >= TallHeight {
			l.YoursH = yoursTall
		}
	}
	fixed := fixedRows + l.NetworkLines
	for {
		boxes := 2*(boxChrome+l.ValueLines) + l.MetaLines + l.Internals
		if yours {
			boxes += 1 + l.YoursH
		}
		if h-fixed-boxes >= MinPane {
			break
		}
		switch {
		case l.Internals > 1:
			l.Internals--
		case l.YoursH > yoursBoxH:
			l.YoursH = yoursBoxH
		case l.ValueLines > 1:
			l.ValueLines--
		case l.NetworkLines > 1:
			l.NetworkLines--
			fixed--
		case l.YoursH > yoursFlatH:
			l.YoursH = yoursFlatH
		default:
			l.TooSmall = true
			return l
		}
	}
	plainH := boxChrome + l.ValueLines
	crdtH := plainH + l.MetaLines + l.Internals
	y := 0
	row := func(height int) Rect { r := Rect{X: 0, Y: y, W: w, H: height}; y += height; return r }
	l.Header = row(1)
	l.PlainTitle = row(1)
	l.PlainBoxes = row(plainH)
	l.CRDTTitle = row(1)
	l.CRDTBoxes = row(crdtH)
	if yours {
		l.YoursTitle = row(1)
		l.YoursB = row(l.YoursH)
	}
	l.Network = row(l.NetworkLines)
	l.Pane = row(h - y - 2)
	l.Status = row(1)
	l.Bar = row(1)
	return l
}

// BoxAt returns the replica column under the cell (x, y), if any, counting
// from the first column shown.
func (l Layout) BoxAt(x, y int) (int, bool) {
	if l.TooSmall || !(l.PlainBoxes.Contains(x, y) || l.CRDTBoxes.Contains(x, y) || l.Yours && l.YoursB.Contains(x, y)) {
		return 0, false
	}
	x -= l.Gutter
	if l.Scroll {
		x--
	}
	if x < 0 || l.BoxW == 0 {
		return 0, false
	}
	col := x / l.BoxW
	return col, col < l.Columns
}
