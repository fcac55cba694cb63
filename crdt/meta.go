package crdt

import (
	"strconv"
	"strings"
)

// MetaPart is one piece of a type's metadata line. Concatenating the Text
// of every part gives the line; a part with a Key can be named by a merge's
// Result.Decisive, so that a screen can highlight what decided the merge.
type MetaPart struct {
	Key  string
	Text string
}

// MetaLine renders parts as one line of text.
func MetaLine(parts []MetaPart) string {
	var b strings.Builder
	for _, p := range parts {
		b.WriteString(p.Text)
	}
	return b.String()
}

// Meta is a state's metadata in one compact line, the reason behind every
// merge, always shown under the value:
//
//	lww-register   stamp 4@S3
//	mv-register    red {Ann:1} · green {Ben:1}
//	g-counter      {Paris:3, Tokyo:5}
//	pn-counter     P{init:1000, Alice:200} N{Bob:50}
//	g-set          no metadata: merge is a union
//	2p-set         A{guest} R{guest}
//	lww-set        milk +3@Alice · eggs −5@Bob
//	or-set         eggs: init:2 · milk: Laptop:1
//	lww-map        colour 3@A · size del 5@B
//	text           12 chars · 3 tombstones
func Meta(c CRDT) []MetaPart {
	if m, ok := c.(interface{ meta() []MetaPart }); ok {
		return m.meta()
	}
	return nil
}

// list renders a braced list of keyed parts: name{k1, k2}.
func list(name string, keys, texts []string) []MetaPart {
	parts := []MetaPart{{Text: name + "{"}}
	for i := range keys {
		if i > 0 {
			parts = append(parts, MetaPart{Text: ", "})
		}
		parts = append(parts, MetaPart{Key: keys[i], Text: texts[i]})
	}
	return append(parts, MetaPart{Text: "}"})
}

// joined separates groups of parts with " · ".
func joined(groups [][]MetaPart) []MetaPart {
	var out []MetaPart
	for i, g := range groups {
		if i > 0 {
			out = append(out, MetaPart{Text: " · "})
		}
		out = append(out, g...)
	}
	return out
}

func (r *LWWRegisterState) meta() []MetaPart {
	return []MetaPart{{Text: "stamp "}, {Key: "stamp", Text: r.stamp.String()}}
}

func (r *MVRegisterState) meta() []MetaPart {
	if len(r.sibs) == 0 {
		return []MetaPart{{Text: "no write yet"}}
	}
	var groups [][]MetaPart
	for _, s := range r.sibs {
		text := s.vv.String()
		if len(r.sibs) > 1 {
			text = Quote(s.val) + " " + text
		}
		groups = append(groups, []MetaPart{{Key: sibKey(s), Text: text}})
	}
	return joined(groups)
}

func sibKey(s sibling) string { return "sib/" + s.val + "/" + s.vv.String() }

// slotKeys names a counter's slots for Decisive: prefix/replica.
func slotParts(prefix string, c counts) ([]string, []string) {
	var keys, texts []string
	for _, k := range sortedKeys(c) {
		keys = append(keys, prefix+"/"+k)
		texts = append(texts, showReplica(k)+":"+strconv.FormatUint(c[k], 10))
	}
	return keys, texts
}

// grown lists the slots of o larger than the same slot of c, keyed.
func grown(prefix string, c, o counts) []string {
	var out []string
	for _, k := range sortedKeys(o) {
		if o[k] > c[k] {
			out = append(out, prefix+"/"+k)
		}
	}
	return out
}

func (g *GCounterState) meta() []MetaPart {
	keys, texts := slotParts("P", g.c)
	return list("", keys, texts)
}

func (c *PNCounterState) meta() []MetaPart {
	pk, pt := slotParts("P", c.p)
	nk, nt := slotParts("N", c.n)
	return append(append(list("P", pk, pt), MetaPart{Text: " "}), list("N", nk, nt)...)
}

func (g *GSetState) meta() []MetaPart {
	return []MetaPart{{Text: "no metadata: merge is a union"}}
}

func setParts(prefix string, s strset) ([]string, []string) {
	var keys, texts []string
	for _, e := range s.sorted() {
		keys = append(keys, prefix+"/"+e)
		texts = append(texts, Quote(e))
	}
	return keys, texts
}

func (s *TwoPSetState) meta() []MetaPart {
	ak, at := setParts("A", s.adds)
	rk, rt := setParts("R", s.tombs)
	return append(append(list("A", ak, at), MetaPart{Text: " "}), list("R", rk, rt)...)
}

func lwwSetText(e lwwElem) string {
	if e.hasRm && (!e.hasAdd || e.add.Less(e.rm)) {
		return "−" + e.rm.String()
	}
	return "+" + e.add.String()
}

func (s *LWWSetState) meta() []MetaPart {
	if len(s.elems) == 0 {
		return []MetaPart{{Text: "no stamps yet"}}
	}
	var groups [][]MetaPart
	for _, e := range sortedKeys(s.elems) {
		groups = append(groups, []MetaPart{{Text: Quote(e) + " "}, {Key: "elem/" + e, Text: lwwSetText(s.elems[e])}})
	}
	return joined(groups)
}

func dotKey(e string, d Dot) string { return "dot/" + e + "/" + d.String() }

func (s *ORSetState) meta() []MetaPart {
	if len(s.dots) == 0 {
		return []MetaPart{{Text: "no dots · context " + s.ctx.String()}}
	}
	var groups [][]MetaPart
	for _, e := range sortedKeys(s.dots) {
		g := []MetaPart{{Text: Quote(e) + ":"}}
		for _, d := range s.dots[e] {
			g = append(g, MetaPart{Text: " "}, MetaPart{Key: dotKey(e, d), Text: d.String()})
		}
		groups = append(groups, g)
	}
	return joined(groups)
}

func lwwMapText(e lwwEntry) string {
	if e.deleted {
		return "del " + e.stamp.String()
	}
	return e.stamp.String()
}

func (m *LWWMapState) meta() []MetaPart {
	if len(m.entries) == 0 {
		return []MetaPart{{Text: "no stamps yet"}}
	}
	var groups [][]MetaPart
	for _, k := range sortedKeys(m.entries) {
		groups = append(groups, []MetaPart{{Text: Quote(k) + " "}, {Key: "key/" + k, Text: lwwMapText(m.entries[k])}})
	}
	return joined(groups)
}

func (t *TextState) meta() []MetaPart {
	return []MetaPart{
		{Key: "chars", Text: plural(t.length, "char")},
		{Text: " · "},
		{Key: "tombstones", Text: plural(t.items-t.length, "tombstone")},
	}
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
