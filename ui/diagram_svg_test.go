package ui

import (
	"encoding/xml"
	"io"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"crdtviz/crdt"
	"crdtviz/demos"
	"crdtviz/replicas"
)

// svgElem is an element of a parsed SVG: its name, attributes, the
// classes of its parent group, and its own text.
type svgElem struct {
	name  string
	attr  map[string]string
	group string // the class of the <g> it is in, if any
	text  string
}

func (e svgElem) class() string { return e.attr["class"] }

func (e svgElem) num(t *testing.T, name string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(e.attr[name], 64)
	if err != nil {
		t.Fatalf("<%s %s=%q>: %v", e.name, name, e.attr[name], err)
	}
	return v
}

// parseSVG reads an SVG as XML, failing the test when it is not well
// formed, and returns its elements in order.
func parseSVG(t *testing.T, src string) []svgElem {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(src))
	var out []svgElem
	var stack []int // indexes into out of the open elements
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the SVG is not well-formed XML: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			e := svgElem{name: tok.Name.Local, attr: map[string]string{}}
			for _, a := range tok.Attr {
				e.attr[a.Name.Local] = a.Value
			}
			for i := len(stack) - 1; i >= 0; i-- {
				if p := out[stack[i]]; p.name == "g" {
					e.group = p.class()
					break
				}
			}
			stack = append(stack, len(out))
			out = append(out, e)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				out[stack[len(stack)-1]].text += string(tok)
			}
		}
	}
	if len(out) == 0 || out[0].name != "svg" || out[0].attr["xmlns"] != "http://www.w3.org/2000/svg" {
		t.Fatalf("not an SVG document: %.200s", src)
	}
	return out
}

// messages counts a run's messages from its events, not from the
// diagram: every message delivered or dropped, and every one in flight.
func messages(tl *replicas.Timeline) (all, dropped, inflight, edits int) {
	seen := map[int]bool{}
	for i := range tl.Pos() {
		for _, e := range tl.Events(i) {
			switch e.Kind {
			case replicas.EvDeliver, replicas.EvDrop:
				if !seen[e.Msg] {
					seen[e.Msg] = true
					all++
				}
				if e.Kind == replicas.EvDrop {
					dropped++
				}
			case replicas.EvEdit:
				edits++
			}
		}
	}
	for _, m := range tl.Cluster().InFlight() {
		if !seen[m.ID] {
			seen[m.ID] = true
			all++
			inflight++
		}
	}
	return all, dropped, inflight, edits
}

// TestDiagramSVGBuiltins: for every built-in demo, the SVG parses as XML
// and has one lifeline per replica, one arrow per message (with its m
// label), one dot per edit, a line of the margin per row, and no text
// past its right edge; the partition demo has its band.
func TestDiagramSVGBuiltins(t *testing.T) {
	for _, b := range demos.Builtins() {
		t.Run(b.Name, func(t *testing.T) {
			run := demos.Execute(b.Scenario)
			if run.Err != nil {
				t.Fatal(run.Err)
			}
			src := DiagramSVGFile(run.Timeline, b.Scenario.Title)
			if !strings.HasPrefix(src, `<?xml version="1.0" encoding="UTF-8"?>`) {
				t.Errorf("no XML declaration: %.60s", src)
			}
			els := parseSVG(t, src)
			width := els[0].num(t, "width")
			count := map[string]int{}
			labels := map[string]bool{}
			for _, e := range els {
				switch {
				case e.name == "line" && e.class() == "lifeline":
					count["lifeline"]++
				case e.name == "g" && strings.HasPrefix(e.class(), "msg "):
					count["msg"]++
					count[strings.TrimPrefix(e.class(), "msg ")]++
				case e.name == "circle" && e.class() == "edit":
					count["edit"]++
				case e.name == "g" && e.class() == "cut":
					count["cut"]++
				case e.name == "text" && e.group == "labels":
					for _, l := range strings.Split(e.text, ",") { // "m1,m2": a message and its copy
						labels[l] = true
					}
				}
				if e.name == "text" && e.attr["text-anchor"] == "" && e.group != "labels" {
					size := svgFont
					if e.attr["font-size"] != "" {
						size = e.num(t, "font-size")
					}
					end := e.num(t, "x") + float64(utf8.RuneCountInString(e.text))*size*0.6
					if end > width+0.5 {
						t.Errorf("%q ends at %.0f, past the SVG's width %.0f", e.text, end, width)
					}
				}
			}
			all, dropped, inflight, edits := messages(run.Timeline)
			if count["lifeline"] != len(b.Scenario.Replicas) {
				t.Errorf("%d lifelines for %d replicas", count["lifeline"], len(b.Scenario.Replicas))
			}
			if count["msg"] != all || count["dropped"] != dropped || count["in-flight"] != inflight {
				t.Errorf("arrows %v for %d messages (%d dropped, %d in flight)", count, all, dropped, inflight)
			}
			if len(labels) != all {
				t.Errorf("%d distinct message labels for %d messages", len(labels), all)
			}
			if count["edit"] != edits {
				t.Errorf("%d dots for %d edits", count["edit"], edits)
			}
			if b.Name == "partition" && count["cut"] == 0 {
				t.Error("no band for the partition")
			}
			if b.Name == "seed" && count["cut"] != 0 {
				t.Error("a band, yet no link was ever cut")
			}
		})
	}
}

// A drop ends partway with a cross, a message in flight at the "now"
// line, and a duplicate's original is labelled with its copies, as on
// screen; a long statement wraps in the margin without widening the rows
// it does not need to.
func TestDiagramSVGShapes(t *testing.T) {
	long := strings.Repeat("word ", 30)
	tl := timeline(t, crdt.LWWRegister, []string{"A", "B"},
		set("A", "x"), replicas.Send{From: "A", To: "B"}, replicas.Duplicate{From: "A", To: "B"},
		replicas.Drop{From: "A", To: "B"}, replicas.Send{From: "A", To: "B"}, set("B", long))
	d := build(tl)
	els := parseSVG(t, DiagramSVG(d, SVGOptions{Current: true}))
	var text []string
	var inflightNow, cross, current bool
	for _, e := range els {
		switch {
		case e.name == "text":
			text = append(text, e.text)
		case e.name == "path" && e.group == "msg dropped":
			cross = true
		case e.name == "line" && e.class() == "now":
			inflightNow = true
		case e.name == "rect" && e.class() == "current":
			current = true
		}
	}
	all := strings.Join(text, "|")
	for _, want := range []string{"m1,m2", "now: 2 messages in flight", "#1", "#2"} {
		if !strings.Contains(all, want) {
			t.Errorf("no %q in %q", want, all)
		}
	}
	if !cross || !inflightNow || !current {
		t.Errorf("cross %v, now line %v, current row %v", cross, inflightNow, current)
	}
	wrapped := 0
	for _, s := range text {
		if strings.Contains(s, "word") {
			wrapped++
			if utf8.RuneCountInString(s) > svgWrap+3 {
				t.Errorf("a margin line of %d characters: %q", utf8.RuneCountInString(s), s)
			}
		}
	}
	if wrapped < 3 {
		t.Errorf("the long statement is on %d lines", wrapped)
	}
}
