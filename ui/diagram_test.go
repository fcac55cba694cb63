package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"crdtviz/crdt"
	"crdtviz/replicas"
)

// timeline runs actions on a fresh cluster of the named replicas.
func timeline(t *testing.T, typ crdt.Type, names []string, actions ...replicas.Action) *replicas.Timeline {
	t.Helper()
	tl, err := replicas.NewTimeline(replicas.Config{Type: typ, Names: names})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range actions {
		if _, _, err := tl.Do(a); err != nil {
			t.Fatalf("%s: %v", a, err)
		}
	}
	return tl
}

func build(tl *replicas.Timeline) Diagram {
	return BuildDiagram(DiagramAt(tl, tl.Cluster(), 0, nil))
}

func drawn(d Diagram, w, h int) string {
	return ansi.Strip(DrawDiagram(d, DiagramView{W: w, H: h}, NewStyles(Mono, false)))
}

func arrow(t *testing.T, d Diagram, id int) Arrow {
	t.Helper()
	for _, a := range d.Arrows {
		if a.ID == id {
			return a
		}
	}
	t.Fatalf("no arrow #%d in %+v", id, d.Arrows)
	return Arrow{}
}

func set(r, v string) replicas.Action {
	return replicas.Edit{Replica: r, Op: crdt.Op{Kind: crdt.OpSet, Value: v}}
}

// A sync both ways is taken and delivered in one tick: both arrows run
// from the row's line to its arrival line, in opposite directions, and
// cross on the middle line.
func TestDiagramSyncCrosses(t *testing.T) {
	tl := timeline(t, crdt.LWWRegister, []string{"A", "B"}, set("A", "x"), set("B", "y"), replicas.SyncBoth{A: "A", B: "B"})
	d := build(tl)
	if len(d.Rows) != 3 || len(d.Marks) != 2 {
		t.Fatalf("rows %+v marks %+v", d.Rows, d.Marks)
	}
	r := d.Rows[2]
	if r.Bottom != r.Top+syncGap+1 {
		t.Fatalf("sync row %+v", r)
	}
	ab, ba := arrow(t, d, 1), arrow(t, d, 2)
	if ab.From != 0 || ab.To != 1 || ba.From != 1 || ba.To != 0 || ab.Start != r.Top || ab.End != r.Bottom || ba.Start != r.Top || ba.End != r.Bottom {
		t.Fatalf("arrows %+v %+v in row %+v", ab, ba, r)
	}
	out := drawn(d, 60, d.Lines+1)
	if strings.Count(out, "╳") != 1 || !strings.Contains(out, "▶") || !strings.Contains(out, "◀") {
		t.Fatalf("no crossing:\n%s", out)
	}
}

// Overtaking: the message sent later is delivered first; its arrow starts
// below the other's start and ends above the other's end.
func TestDiagramOvertaking(t *testing.T) {
	tl := timeline(t, crdt.LWWRegister, []string{"Editor", "Mirror"},
		set("Editor", "v1"), replicas.Send{From: "Editor", To: "Mirror"},
		set("Editor", "v2"), replicas.Send{From: "Editor", To: "Mirror"},
		replicas.Deliver{From: "Editor", To: "Mirror", Newest: true}, replicas.Deliver{From: "Editor", To: "Mirror"})
	d := build(tl)
	first, second := arrow(t, d, 1), arrow(t, d, 2)
	if !(second.Start > first.Start && second.End < first.End) {
		t.Fatalf("#2 %+v does not overtake #1 %+v", second, first)
	}
}

// Duplicates, drops and messages in flight each end their own way.
func TestDiagramEnds(t *testing.T) {
	tl := timeline(t, crdt.GCounter, []string{"Shop", "Warehouse", "Office"},
		replicas.Edit{Replica: "Shop", Op: crdt.Op{Kind: crdt.OpInc, N: 1}},
		replicas.Send{From: "Shop", To: "Warehouse"}, replicas.Duplicate{From: "Shop", To: "Warehouse"},
		replicas.Deliver{From: "Shop", To: "Warehouse"}, replicas.Deliver{From: "Shop", To: "Warehouse"},
		replicas.Send{From: "Shop", To: "Office"}, replicas.Drop{From: "Shop", To: "Office"},
		replicas.Send{From: "Warehouse", To: "Shop"})
	d := build(tl)
	orig, dup := arrow(t, d, 1), arrow(t, d, 2)
	if orig.Copies != 2 || dup.CopyOf != 1 || dup.Start != orig.Start || orig.How != EndDelivered || dup.How != EndDelivered {
		t.Fatalf("duplicate: %+v %+v", orig, dup)
	}
	if a := arrow(t, d, 3); a.How != EndDropped || a.End != d.Rows[6].Top {
		t.Fatalf("drop: %+v", a)
	}
	if a := arrow(t, d, 4); a.How != EndInFlight || a.End != d.Now || d.Now != d.Lines-1 {
		t.Fatalf("in flight: %+v, now %d of %d lines", a, d.Now, d.Lines)
	}
	out := drawn(d, 80, d.Lines+1)
	for _, want := range []string{"m1,m2", "✗", "◁", "now: 1 message in flight"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	// The warehouse has made no write of its own, so its message carries
	// nothing new for the plain lane: it is drawn dim. The shop's first
	// message carries its write, and so does the copy.
	if a := arrow(t, d, 4); !a.Dim {
		t.Errorf("a message with nothing new for the plain lane is not dim: %+v", a)
	}
	if orig.Dim || dup.Dim {
		t.Errorf("the shop's message and its copy carry its write: %+v %+v", orig, dup)
	}
}

// A declined edit is drawn as declined.
func TestDiagramDeclinedEdit(t *testing.T) {
	tl := timeline(t, crdt.TwoPSet, []string{"A", "B"},
		replicas.Edit{Replica: "A", Op: crdt.Op{Kind: crdt.OpAdd, Value: "x"}},
		replicas.Edit{Replica: "A", Op: crdt.Op{Kind: crdt.OpRemove, Value: "x"}},
		replicas.Edit{Replica: "A", Op: crdt.Op{Kind: crdt.OpAdd, Value: "x"}})
	d := build(tl)
	if len(d.Marks) != 3 || d.Marks[0].Declined || !d.Marks[2].Declined {
		t.Fatalf("marks %+v", d.Marks)
	}
	if out := drawn(d, 60, d.Lines+1); !strings.Contains(out, "○#3") {
		t.Fatalf("no declined mark:\n%s", out)
	}
}

// Links down are named on every row they are down after, as groups for a
// partition, and the rows before the cut and after the heal name none.
func TestDiagramLinksDown(t *testing.T) {
	tl := timeline(t, crdt.GCounter, []string{"P", "B", "T", "L"},
		replicas.Edit{Replica: "P", Op: crdt.Op{Kind: crdt.OpInc, N: 1}},
		replicas.Partition{Groups: [][]string{{"P", "B"}, {"T", "L"}}},
		replicas.Send{From: "P", To: "T"},
		replicas.HealAll{},
		replicas.Deliver{From: "P", To: "T"},
		replicas.Cut{From: "P", To: "B"})
	d := build(tl)
	want := []string{"", "1 2 | 3 4", "1 2 | 3 4", "", "", "1→2"}
	for i, r := range d.Rows {
		got := ""
		if len(r.Down) > 0 {
			got = downText(r.Down, 4, UnicodeSymbols)
		}
		if got != want[i] {
			t.Errorf("row %d (%s): down %q, want %q", i, r.Action, got, want[i])
		}
	}
	if a := arrow(t, d, 1); a.Start != d.Rows[2].Top || a.End != d.Rows[4].Top || a.How != EndDelivered {
		t.Fatalf("the held message %+v", a)
	}
}

// Only the newest lines are drawn when the history is long, with a marker
// for the rest; scrolling shows older ones.
func TestDiagramWindow(t *testing.T) {
	var actions []replicas.Action
	for i := range 40 {
		actions = append(actions, replicas.Edit{Replica: []string{"A", "B"}[i%2], Op: crdt.Op{Kind: crdt.OpInc, N: 1}})
	}
	tl := timeline(t, crdt.GCounter, []string{"A", "B"}, actions...)
	d := build(tl)
	out := drawn(d, 60, 10)
	if lines := strings.Split(out, "\n"); len(lines) != 10 || !strings.Contains(lines[1], "earlier rows above") || !strings.Contains(out, "t40") || strings.Contains(out, "t30 ") {
		t.Fatalf("window:\n%s", out)
	}
	up := ansi.Strip(DrawDiagram(d, DiagramView{W: 60, H: 10, Offset: 20}, NewStyles(Mono, false)))
	if strings.Contains(up, "t40") || !strings.Contains(up, "t29") || !strings.Contains(up, "lines below") {
		t.Fatalf("scrolled:\n%s", up)
	}
	// Given only the newest rows, the diagram draws the same bottom.
	part := BuildDiagram(DiagramAt(tl, tl.Cluster(), 8, nil))
	if got := drawn(part, 60, 10); got != out {
		t.Fatalf("from 8 rows:\n%s\nfrom all:\n%s", got, out)
	}
}

// Every frame fits its size, in Unicode and in ASCII, and ASCII uses only
// ASCII.
func TestDiagramFitsAndASCII(t *testing.T) {
	tl := timeline(t, crdt.ORSet, []string{"Alice", "Bob", "Carol", "Dave", "Erin"},
		replicas.Edit{Replica: "Alice", Op: crdt.Op{Kind: crdt.OpAdd, Value: "x"}},
		replicas.SyncAll{}, replicas.Send{From: "Erin", To: "Alice"}, replicas.Cut{From: "Bob", To: "Carol", Both: true},
		replicas.Duplicate{From: "Erin", To: "Alice"}, replicas.Drop{From: "Erin", To: "Alice"})
	d := build(tl)
	for _, w := range []int{20, 48, 80, 120, 200} {
		for _, h := range []int{1, 3, 10, 40} {
			for _, ascii := range []bool{false, true} {
				out := DrawDiagram(d, DiagramView{W: w, H: h}, NewStyles(Dark, ascii))
				lines := strings.Split(out, "\n")
				if len(lines) != h {
					t.Fatalf("%dx%d: %d lines", w, h, len(lines))
				}
				for _, ln := range lines {
					if ansi.StringWidth(ln) != w {
						t.Fatalf("%dx%d: a line %d wide: %q", w, h, ansi.StringWidth(ln), ln)
					}
					if ascii {
						for _, r := range ansi.Strip(ln) {
							if r > 126 {
								t.Fatalf("%dx%d ascii: %q in %q", w, h, r, ln)
							}
						}
					}
				}
			}
		}
	}
}

// TestEveryMessageNumberIsInTheDiagram: a copy the network makes takes a
// message number of its own (the log says "copy m2"), so the diagram
// shows it: the original's label names its copies ("m1,m2"), on screen, in
// the handout and in the SVG.
func TestEveryMessageNumberIsInTheDiagram(t *testing.T) {
	tl := timeline(t, crdt.GCounter, []string{"Shop", "Warehouse"},
		replicas.Edit{Replica: "Shop", Op: crdt.Op{Kind: crdt.OpInc, N: 1}},
		replicas.Send{From: "Shop", To: "Warehouse"},
		replicas.Duplicate{From: "Shop", To: "Warehouse"},
		replicas.Deliver{From: "Shop", To: "Warehouse"},
		replicas.Edit{Replica: "Warehouse", Op: crdt.Op{Kind: crdt.OpInc, N: 2}},
		replicas.Deliver{From: "Shop", To: "Warehouse"})
	text := DiagramText(tl, 80, false)
	svg := DiagramSVGFile(tl, "t")
	for _, want := range []string{"m1,m2"} {
		if !strings.Contains(text, want) {
			t.Errorf("the handout lacks %q:\n%s", want, text)
		}
		if !strings.Contains(svg, want) {
			t.Errorf("the SVG lacks %q", want)
		}
	}
	if strings.Contains(text, "×2") || strings.Contains(svg, "×2") {
		t.Errorf("a copy is still counted, not named:\n%s", text)
	}
}

// TestHandoutMarksNothingNew: on paper nothing is dim, so the handout
// labels a message with nothing new for the plain lane "(m2)", and its
// legend says so; a message that carries a value keeps its bare label.
func TestHandoutMarksNothingNew(t *testing.T) {
	tl := timeline(t, crdt.GCounter, []string{"A", "B"},
		replicas.Edit{Replica: "A", Op: crdt.Op{Kind: crdt.OpInc, N: 1}},
		replicas.Sync{From: "A", To: "B"},
		replicas.Sync{From: "A", To: "B"})
	text := DiagramText(tl, 80, false)
	if !strings.Contains(text, "(m2)") || strings.Contains(text, "(m1)") || !strings.Contains(text, "m1") {
		t.Fatalf("the handout should mark m2 (nothing new) and not m1:\n%s", text)
	}
	if !strings.Contains(strings.Join(strings.Fields(text), " "), "(m4): a message with nothing new for the plain lane") {
		t.Fatalf("the legend does not explain (m4):\n%s", text)
	}
}
