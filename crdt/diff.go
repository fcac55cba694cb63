package crdt

// Parts are a collection value's elements (a set) or entries (a map),
// each written as String writes it inside the braces; nil for a counter,
// a register or a text.
func (v Value) Parts() []string {
	switch v.Kind {
	case KindSet:
		out := make([]string, len(v.Set))
		for i, e := range v.Set {
			out[i] = Quote(e)
		}
		return out
	case KindMap:
		out := make([]string, len(v.Map))
		for i, p := range v.Map {
			out[i] = Quote(p.Key) + ": " + Quote(p.Value)
		}
		return out
	}
	return nil
}

// Changes lists what turned a collection value before into after: the
// parts after has and before lacks (an element added, a map entry added or
// given a new value), and the parts before has and after lacks, leaving out
// the old entry of a key that only changed its value. Both are in the
// value's order; both are nil for values that are not collections.
func Changes(before, after Value) (added, removed []string) {
	if before.Kind != after.Kind || (after.Kind != KindSet && after.Kind != KindMap) {
		return nil, nil
	}
	was := map[string]bool{}
	for _, p := range before.Parts() {
		was[p] = true
	}
	is := map[string]bool{}
	for _, p := range after.Parts() {
		is[p] = true
		if !was[p] {
			added = append(added, p)
		}
	}
	kept := map[string]bool{} // map keys still there, with another value
	if after.Kind == KindMap {
		for _, p := range after.Map {
			kept[p.Key] = true
		}
	}
	for i, p := range before.Parts() {
		if is[p] || after.Kind == KindMap && kept[before.Map[i].Key] {
			continue
		}
		removed = append(removed, p)
	}
	return added, removed
}
