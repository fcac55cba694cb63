package model

import (
	"crdtviz/crdt"
	"crdtviz/replicas"
	"crdtviz/ui"
)

// stateMemo remembers what the screen works out from replica states and
// does not change between frames: a replica's metadata line (kept with its
// boxes, which draw it too), and what turned one state of a replica into
// another (the elements a step added and removed, the metadata parts it
// changed). Within one history, the tick a lane last changed names the
// lane's state, so these are keyed by ticks, as the boxes are.
type stateMemo struct {
	boxes   *ui.BoxCache
	history historyID
	values  map[diffKey]ui.ValueChange
	parts   map[diffKey][]string
	quoted  map[namedKey][]string
}

// namedKey names a narration read against one state of a replica.
type namedKey struct {
	replica   int
	changed   int64
	narration string
}

// diffKey names a change of replica's lane from the state it had at tick
// was to the one it has at tick now.
type diffKey struct {
	lane, replica int
	was, now      int64
}

// memoLimit bounds each memo; it starts afresh when full.
const memoLimit = 256

// within starts the memo afresh when the history changed.
func (sm *stateMemo) within(h historyID) {
	if sm.history != h || sm.values == nil || len(sm.values) >= memoLimit || len(sm.parts) >= memoLimit || len(sm.quoted) >= memoLimit {
		sm.history, sm.values, sm.parts, sm.quoted = h, map[diffKey]ui.ValueChange{}, map[diffKey][]string{}, map[namedKey][]string{}
	}
}

// meta is replica i's metadata line (r.Meta()). The parts are shared:
// callers must not change them.
func (sm *stateMemo) meta(i int, r *replicas.Replica) []crdt.MetaPart {
	return sm.boxes.Meta(sm.history, i, r)
}

// valueChange is what turned replica i's value in lane l from was's into
// now's (see crdt.Changes).
func (sm *stateMemo) valueChange(l replicas.Lane, i int, was, now *replicas.Replica) ui.ValueChange {
	k := diffKey{int(l), i, was.Changed(l), now.Changed(l)}
	if c, ok := sm.values[k]; ok {
		return c
	}
	added, removed := crdt.Changes(was.Value(l), now.Value(l))
	c := ui.ValueChange{Added: added, Removed: removed}
	sm.values[k] = c
	return c
}

// changedParts are the keys of the parts of replica i's metadata line in
// now that are new since was, or whose text changed, in the line's order.
// The slice is shared: callers must not change it.
func (sm *stateMemo) changedParts(i int, was, now *replicas.Replica) []string {
	k := diffKey{int(replicas.CRDT), i, was.Changed(replicas.CRDT), now.Changed(replicas.CRDT)}
	if p, ok := sm.parts[k]; ok {
		return p
	}
	var out []string
	if k.was != k.now { // the same tick, the same state: nothing changed
		before := sm.meta(i, was)
		text := make(map[string]string, len(before))
		for _, p := range before {
			text[p.Key] = p.Text
		}
		seen := map[string]bool{}
		for _, p := range sm.meta(i, now) {
			if t, ok := text[p.Key]; (!ok || t != p.Text) && p.Key != "" && !seen[p.Key] {
				out = append(out, p.Key)
				seen[p.Key] = true
			}
		}
	}
	sm.parts[k] = out
	return out
}

// named are the keys of the parts of replica i's metadata line (r's) that
// the narration quotes as a whole (see names), in the line's order. The
// slice is shared: callers must not change it.
func (sm *stateMemo) named(i int, r *replicas.Replica, narration string) []string {
	k := namedKey{i, r.Changed(replicas.CRDT), narration}
	if n, ok := sm.quoted[k]; ok {
		return n
	}
	var out []string
	if narration != "" {
		for _, p := range sm.meta(i, r) {
			if names(narration, p.Text) {
				out = append(out, p.Key)
			}
		}
	}
	sm.quoted[k] = out
	return out
}
