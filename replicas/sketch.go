package replicas

import (
	"strings"
	"unicode/utf8"

	"crdtviz/crdt"
)

// A lane's sketch: what an edit's event needs of the lane's value, kept up
// to date edit by edit instead of rendering the whole value after each
// one. An edit's sentence quotes the value briefly ("now {e0, e1, …(240000
// more characters)}"), and its event says whether the value changed; for
// a set of forty thousand elements, sorting and rendering the value for
// each of forty thousand edits took minutes. A sketch holds the value's
// pieces in order (an element or a key with how it renders, or a
// character of a text), in a persistent tree that knows how many
// characters each subtree renders to. An edit touches one key (sets and
// maps: crdt.Lookup says what the value now holds there) or one stretch
// of a text (the edit's own position and length), so the sketch changes
// in O(log n), and the sentence reads its first characters and its
// length. Anything else that changes a lane (a merge, an op or a delta
// from elsewhere) drops the sketch, and the next edit builds it again from
// the value, once.
//
// Sketches are persistent, so replicas, clones and checkpoints share them
// as they share everything else.
type sketch struct {
	text   bool // a text, one piece per character; otherwise a set or a map, one piece per element or key
	pieces ptree[piece]
}

// piece is one element (or key) and how the value renders it, or one
// character of a text and how a quoted text renders it.
type piece struct {
	key  string
	text string
}

func pieceWeight(p piece) int { return utf8.RuneCountInString(p.text) }

// sketchable reports whether a cluster of this type keeps sketches: the
// collections and text, whose values grow with every edit.
func sketchable(t crdt.Type) bool {
	switch t {
	case crdt.GSet, crdt.TwoPSet, crdt.LWWSet, crdt.ORSet, crdt.LWWMap, crdt.Text:
		return true
	}
	return false
}

// newSketch sketches a value: a set, a map or (text) a string.
func newSketch(v crdt.Value, text bool) *sketch {
	var ps []piece
	switch {
	case text:
		for _, r := range v.Str {
			ps = append(ps, charPiece(r))
		}
	case v.Kind == crdt.KindMap:
		for _, p := range v.Map {
			ps = append(ps, mapPiece(p.Key, p.Value))
		}
	default:
		for _, e := range v.Set {
			ps = append(ps, piece{key: e, text: crdt.Quote(e)})
		}
	}
	return &sketch{text: text, pieces: buildTree(ps, pieceWeight)}
}

func mapPiece(k, v string) piece { return piece{key: k, text: crdt.Quote(k) + ": " + crdt.Quote(v)} }

// charPiece is a character as crdt.QuoteAlways renders it inside a text.
func charPiece(r rune) piece {
	switch r {
	case '"':
		return piece{text: `\"`}
	case '\\':
		return piece{text: `\\`}
	case '\n':
		return piece{text: `\n`}
	case '\t':
		return piece{text: `\t`}
	case '\r':
		return piece{text: `\r`}
	}
	return piece{text: string(r)}
}

// length is how many characters the value renders to: "{a, b}" or "\"ab\"".
func (s *sketch) length() int {
	n := s.pieces.Len()
	switch {
	case s.text:
		return 2 + s.pieces.Weight()
	case n == 0:
		return 2
	}
	return 2 + s.pieces.Weight() + 2*(n-1)
}

// render writes the value as crdt.Value.String would, stopping once it
// has at least limit characters (limit < 0: all of it).
func (s *sketch) render(limit int) string {
	var b strings.Builder
	open, sep, end := "{", ", ", "}"
	if s.text {
		open, sep, end = `"`, "", `"`
	}
	b.WriteString(open)
	n, first, done := 1, true, true
	s.pieces.Each(0, func(p piece) bool {
		if limit >= 0 && n >= limit {
			done = false
			return false
		}
		if !first {
			b.WriteString(sep)
			n += len(sep)
		}
		first = false
		b.WriteString(p.text)
		n += utf8.RuneCountInString(p.text)
		return true
	})
	if done {
		b.WriteString(end)
	}
	return b.String()
}

// brief is crdt.Brief of the rendered value, without rendering it all.
func (s *sketch) brief() string {
	return crdt.BriefOf(s.render(crdt.BriefLen), s.length())
}

// find is the position of key, and whether it is there.
func (s *sketch) find(key string) (int, bool) {
	i := s.pieces.Search(func(p piece) bool { return p.key < key })
	return i, i < s.pieces.Len() && s.pieces.At(i).key == key
}

// with is the sketch with key set to what lane x now holds there
// (crdt.Lookup), and whether that changed the value.
func (s *sketch) with(x any, key string, isMap bool) (*sketch, bool) {
	val, in, _ := crdt.Lookup(x, key)
	p := piece{key: key, text: crdt.Quote(key)}
	if isMap {
		p = mapPiece(key, val)
	}
	i, had := s.find(key)
	switch {
	case !in && !had:
		return s, false
	case !in:
		return &sketch{pieces: s.pieces.Delete(i)}, true
	case !had:
		return &sketch{pieces: s.pieces.Insert(i, p, pieceWeight(p))}, true
	case s.pieces.At(i).text == p.text:
		return s, false
	}
	return &sketch{pieces: s.pieces.Set(i, p, pieceWeight(p))}, true
}

// insert is the text with str inserted at position pos; remove, with n
// characters from pos removed.
func (s *sketch) insert(pos int, str string) *sketch {
	t := s.pieces
	for _, r := range str {
		p := charPiece(r)
		t = t.Insert(pos, p, pieceWeight(p))
		pos++
	}
	return &sketch{text: true, pieces: t}
}

func (s *sketch) remove(pos, n int) *sketch {
	return &sketch{text: true, pieces: s.pieces.DeleteRange(pos, pos+n)}
}

// editView is what an edit needs of the editor's lanes: for the types
// that keep sketches, each lane's sketch before the edit; otherwise each
// lane's rendered value before it. After the edit, record says what
// changed, and brief quotes each lane's value for the sentence.
type editView struct {
	sketched bool
	sk       [2]*sketch
	before   [2]string
	changed  [2]bool
}

func (c *Cluster) editView(r *Replica) *editView {
	v := &editView{sketched: sketchable(c.typ)}
	for _, l := range Lanes {
		if v.sketched {
			v.sk[l] = r.sketch(l, c.typ == crdt.Text)
		} else {
			v.before[l] = r.ValueString(l)
		}
	}
	return v
}

// record files the edit's effect on each lane that took it (err nil):
// the sketch moved at the key or stretch the op touched, or the cached
// value dropped.
func (v *editView) record(c *Cluster, r *Replica, op crdt.Op, err [2]error, ignored [2]bool) {
	for _, l := range Lanes {
		if err[l] != nil {
			continue
		}
		if !v.sketched {
			r.touch(l, c.now)
			v.changed[l] = r.ValueString(l) != v.before[l]
			continue
		}
		sk, changed := v.sk[l], false
		var x any = r.state
		if l == Plain {
			x = r.plain
		}
		switch {
		case c.typ == crdt.Text && ignored[l]:
		case c.typ == crdt.Text && op.Kind == crdt.OpInsert:
			sk, changed = sk.insert(op.Pos, op.Text), op.Text != ""
		case c.typ == crdt.Text:
			sk, changed = sk.remove(op.Pos, op.Count), op.Count > 0
		case c.typ == crdt.LWWMap:
			sk, changed = sk.with(x, op.Key, true)
		default:
			sk, changed = sk.with(x, op.Value, false)
		}
		v.sk[l], v.changed[l] = sk, changed
		r.edited(l, c.now, sk, changed)
	}
}

// brief is lane l's value after the edit, for its sentence.
func (v *editView) brief(r *Replica, l Lane) string {
	if v.sketched {
		return v.sk[l].brief()
	}
	return crdt.Brief(r.ValueString(l))
}
