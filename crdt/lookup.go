package crdt

import "strconv"

// What a sentence needs of a large value, without building it. A
// collection's Value sorts and renders every element, which is right for
// a screen and wrong for each of forty thousand edits: replicas keeps a
// sketch of each lane's value instead (its elements in order, with how
// each renders), and updates it at the one key an edit touches, asking
// Lookup what the value now holds there.

// Lookup says what a collection's value holds at one key, as Value would:
// for a set (any set type, or a set's plain lane), whether elem is in it;
// for a map (lww-map, or its plain lane), whether key is in it and the
// value it maps to. ok is false for every other type.
func Lookup(x any, key string) (val string, in, ok bool) {
	switch s := x.(type) {
	case *GSetState:
		return "", s.elems.has(key), true
	case *TwoPSetState:
		return "", s.adds.has(key) && !s.tombs.has(key), true
	case *LWWSetState:
		e, known := s.elems[key]
		return "", known && e.present(), true
	case *ORSetState:
		return "", len(s.dots[key]) > 0, true
	case *LWWMapState:
		e, known := s.entries[key]
		if !known || e.deleted {
			return "", false, true
		}
		return e.val, true, true
	case *plainSet:
		return "", s.s.has(key), true
	case *plainMap:
		v, known := s.m[key]
		return v, known, true
	}
	return "", false, false
}

// BriefLen is how many characters of a rendered value Brief keeps.
const BriefLen = briefLen

// BriefOf is Brief of a rendering known by its start and its length:
// head holds at least its first BriefLen characters (or all of it), and
// total is its length in characters.
func BriefOf(head string, total int) string {
	if total <= briefLen {
		return head
	}
	n := 0
	for i := range head {
		if n == briefLen {
			return head[:i] + "…(" + strconv.Itoa(total-briefLen) + " more characters)"
		}
		n++
	}
	return head + "…(" + strconv.Itoa(total-briefLen) + " more characters)"
}
