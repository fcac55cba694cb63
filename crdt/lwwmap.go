package crdt

import (
	"maps"
)

type lwwEntry struct {
	val     string
	stamp   Stamp
	deleted bool // a tombstone: the key was deleted at stamp
}

// beats reports whether e wins over o. The greater stamp wins. Two edits
// never share a stamp; for states built by hand, an identical stamp goes to
// a put over a delete, then to the greater value, so that merge is a join.
func (e lwwEntry) beats(o lwwEntry) bool {
	if e.stamp != o.stamp {
		return o.stamp.Less(e.stamp)
	}
	if e.deleted != o.deleted {
		return !e.deleted
	}
	return e.val > o.val
}

// LWWMapState maps keys to values, with one last-writer-wins register per
// key. Deleting a key writes a timestamped tombstone, so that an older put
// arriving later cannot bring the key back. Merge keeps, key by key, the
// entry with the newer stamp.
type LWWMapState struct {
	entries map[string]lwwEntry
}

var (
	_ CRDT = (*LWWMapState)(nil)
	_ LWW  = (*LWWMapState)(nil)
)

func newLWWMap(initial *Value) *LWWMapState {
	m := &LWWMapState{entries: map[string]lwwEntry{}}
	if initial != nil {
		for _, p := range initial.Map {
			m.entries[p.Key] = lwwEntry{val: p.Value, stamp: InitialStamp}
		}
	}
	return m
}

func (m *LWWMapState) Type() Type { return LWWMap }

func (m *LWWMapState) Apply(op Op, ctx Ctx) (Result, error) {
	if err := CheckOp(LWWMap, op); err != nil {
		return Result{}, err
	}
	if err := checkLocalStamp(ctx.Stamp); err != nil {
		return Result{}, err
	}
	cur, known := m.entries[op.Key]
	if op.Kind == OpDelete && (!known || cur.deleted) {
		return ignored("delete(%s) does nothing: the key is not in the map", Quote(op.Key)), nil
	}
	if known && !cur.stamp.Less(ctx.Stamp) {
		return ignored("%s(%s) at %s is not newer than the key's stamp %s (clock skew), so it is declined",
			op.Kind, Quote(op.Key), ctx.Stamp, cur.stamp), nil
	}
	if op.Kind == OpPut {
		m.entries[op.Key] = lwwEntry{val: op.Value, stamp: ctx.Stamp}
		return did("put %s: %s at %s", Quote(op.Key), Quote(op.Value), ctx.Stamp), nil
	}
	m.entries[op.Key] = lwwEntry{stamp: ctx.Stamp, deleted: true}
	return did("delete(%s) wrote a tombstone at %s", Quote(op.Key), ctx.Stamp), nil
}

func (m *LWWMapState) Merge(other CRDT) (Result, error) {
	o, ok := other.(*LWWMapState)
	if !ok {
		return Result{}, mismatch(LWWMap, other)
	}
	var notes, decisive []string
	for _, k := range sortedKeys(o.entries) {
		theirs := o.entries[k]
		mine, had := m.entries[k]
		if had && !theirs.beats(mine) {
			continue
		}
		m.entries[k] = theirs
		decisive = append(decisive, "key/"+k)
		switch {
		case theirs.deleted && had && !mine.deleted:
			notes = append(notes, Quote(k)+" deleted ("+theirs.stamp.String()+" is the greater stamp)")
		case theirs.deleted:
		case had && !mine.deleted:
			notes = append(notes, Quote(k)+": "+Quote(theirs.val)+" ("+theirs.stamp.String()+") replaces "+Quote(mine.val)+" ("+mine.stamp.String()+")")
		default:
			notes = append(notes, Quote(k)+": "+Quote(theirs.val)+" arrives ("+theirs.stamp.String()+")")
		}
	}
	res := did("per key the greater stamp wins; nothing changes")
	if len(notes) > 0 {
		res = did("per key the greater stamp wins: %s → %s", joinNotes(notes, ", "), briefOf(len(m.entries), m.Value, "keys with stamps"))
	}
	res.Decisive, res.Same = decisive, len(decisive) == 0
	return res, nil
}

func (m *LWWMapState) Value() Value {
	var pairs []Pair
	for k, e := range m.entries {
		if !e.deleted {
			pairs = append(pairs, Pair{k, e.val})
		}
	}
	return MapValue(pairs...)
}

func (m *LWWMapState) Clone() CRDT { return &LWWMapState{entries: maps.Clone(m.entries)} }

func (m *LWWMapState) Equal(other CRDT) bool {
	o, ok := other.(*LWWMapState)
	return ok && maps.Equal(m.entries, o.entries)
}

func (m *LWWMapState) Stamps() map[string]Stamp {
	s := make(map[string]Stamp, len(m.entries))
	for k, e := range m.entries {
		s[k] = e.stamp
	}
	return s
}

func (m *LWWMapState) Internals() Internals {
	in := Internals{Sections: []Section{{Name: "stamps"}, {Name: "tombstones"}}}
	for _, k := range sortedKeys(m.entries) {
		e := m.entries[k]
		if e.deleted {
			in.Sections[1].Items = append(in.Sections[1].Items, Quote(k)+" "+e.stamp.String())
		} else {
			in.Sections[0].Items = append(in.Sections[0].Items, Quote(k)+" "+e.stamp.String())
		}
		in.Entries++
		in.Bytes += 8 + len(e.stamp.Replica) + len(k)
	}
	return in
}
