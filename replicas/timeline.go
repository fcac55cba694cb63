package replicas

import (
	"fmt"
	"sort"
)

// CheckpointEvery is how many actions lie between two stored copies of the
// cluster. Going to any point restores the copy at or before it and replays
// at most this many actions, unless the history's states grew large while
// it did little (see wantCheckpoint).
const CheckpointEvery = 32

// A checkpoint shares the cluster's replicas with the present (copy on
// write), so the next change to a replica copies the lanes it shares: a
// checkpoint may cost as much as every replica's state, and a history of
// forty thousand edits to one growing set would keep over a thousand
// copies of it. So the timeline takes a checkpoint every CheckpointEvery
// actions only while what its checkpoints may copy stays within
// checkpointFree plus a checkpointShare-th of what the history has done
// (its merged and work totals, see budget.go); past that it waits, and
// seeking there replays more actions, each of which did little. A lesson
// never comes near: its checkpoints copy kilobytes.
const (
	checkpointFree  = 64 << 20
	checkpointShare = 4
)

// checkpoint is a stored copy of the cluster after pos actions, and what
// it may make the present copy (its replicas' states when it was taken).
type checkpoint struct {
	pos  int
	c    *Cluster
	cost int64
}

// footprint is what a checkpoint of the cluster may copy: every replica's
// lanes.
func (c *Cluster) footprint() int64 {
	var n int64
	for _, r := range c.reps {
		n += r.laneBytes()
	}
	return n
}

// Timeline is a cluster with its history of actions. It can go back to any
// earlier point and forward again. Acting at an earlier point branches: the
// old future is discarded, and Do says how many actions that was.
type Timeline struct {
	actions     []Action
	events      [][]Event
	checkpoints []checkpoint // by position; the first is the start
	spent       int64        // the checkpoints' costs, added up
	free, share int64        // checkpointFree and checkpointShare (tests lower them)
	pos         int
	cur         *Cluster
	// recent holds states near where the user has been, so that stepping
	// back and forth replays nothing. They are shared with cur until cur
	// is about to change (copy on write).
	recent    map[int]*Cluster
	recentAge []int // positions in recent, oldest first
	curShared bool  // cur is also in recent: clone it before changing it
}

// recentLimit bounds how many visited states a timeline keeps.
const recentLimit = 2 * CheckpointEvery

// NewTimeline starts a timeline at a new cluster.
func NewTimeline(cfg Config) (*Timeline, error) {
	c, err := New(cfg)
	if err != nil {
		return nil, err
	}
	return &Timeline{cur: c, checkpoints: []checkpoint{{c: c.Clone()}}, free: checkpointFree, share: checkpointShare}, nil
}

// Cluster is the state at the current point. Treat it as read-only: change
// it only through Do.
func (t *Timeline) Cluster() *Cluster { return t.cur }

// Pos is the number of actions applied at the current point.
func (t *Timeline) Pos() int { return t.pos }

// Len is the number of actions in the history, including any after Pos.
func (t *Timeline) Len() int { return len(t.actions) }

// Action returns the i-th action (0-based).
func (t *Timeline) Action(i int) Action { return t.actions[i] }

// Events returns what the i-th action (0-based) did.
func (t *Timeline) Events(i int) []Event { return t.events[i] }

// Do applies an action at the current point. If the point is not the end of
// the history, the actions after it are discarded first; discarded says how
// many. On error nothing changes, and nothing is discarded.
func (t *Timeline) Do(a Action) (ev []Event, discarded int, err error) {
	t.own() // cur may be shared with a remembered state
	ev, err = t.cur.Apply(a)
	if err != nil {
		return nil, 0, err
	}
	discarded = len(t.actions) - t.pos
	if discarded > 0 {
		t.actions = t.actions[:t.pos:t.pos]
		t.events = t.events[:t.pos:t.pos]
		k := t.checkpointAt(t.pos) + 1
		for _, cp := range t.checkpoints[k:] {
			t.spent -= cp.cost
		}
		t.checkpoints = t.checkpoints[:k:k]
		t.forgetAfter(t.pos)
	}
	t.actions = append(t.actions, a)
	t.events = append(t.events, ev)
	t.pos++
	if t.pos%CheckpointEvery == 0 {
		if cost, ok := t.wantCheckpoint(); ok {
			t.checkpoints = append(t.checkpoints, checkpoint{pos: t.pos, c: t.cur.Clone(), cost: cost})
			t.spent += cost
		}
	}
	return ev, discarded, nil
}

// wantCheckpoint says whether to store a copy of the present, and what it
// may cost (see checkpointFree).
func (t *Timeline) wantCheckpoint() (int64, bool) {
	c := t.cur
	cost := c.footprint()
	return cost, t.spent+cost <= t.free+(c.merged+c.work)/t.share
}

// checkpointAt is the index of the last checkpoint at or before position
// n.
func (t *Timeline) checkpointAt(n int) int {
	return sort.Search(len(t.checkpoints), func(k int) bool { return t.checkpoints[k].pos > n }) - 1
}

// Seek moves to the point after n actions, 0 ≤ n ≤ Len. A state visited
// recently is reused; otherwise the nearest stored state at or before n is
// copied and the actions after it replayed, keeping the states passed on
// the way (the next step back is then free).
func (t *Timeline) Seek(n int) error {
	if n < 0 || n > len(t.actions) {
		return fmt.Errorf("no point %d in a history of %d actions", n, len(t.actions))
	}
	if n == t.pos {
		return nil
	}
	t.remember(t.pos, t.cur)
	if c, ok := t.recent[n]; ok {
		t.cur, t.pos, t.curShared = c, n, true
		return nil
	}
	from := t.pos
	if cp := t.checkpoints[t.checkpointAt(n)]; n < t.pos || t.pos < cp.pos {
		if p := t.nearestRecent(cp.pos, n); p >= 0 { // a nearer recent state beats the checkpoint
			t.cur, from, t.curShared = t.recent[p], p, true
		}
		if from == t.pos {
			t.cur, from, t.curShared = cp.c.Clone(), cp.pos, false
		}
	}
	for i := from; i < n; i++ {
		t.own()
		if _, err := t.cur.Apply(t.actions[i]); err != nil {
			// Replaying a deterministic history cannot fail; if it does, the
			// engine has a bug that must not be hidden.
			panic(fmt.Sprintf("replicas: replaying action %d (%s) failed: %v", i+1, t.actions[i], err))
		}
		if i+1 < n && n-(i+1) < CheckpointEvery {
			t.remember(i+1, t.cur)
			t.curShared = true
		}
	}
	t.pos = n
	return nil
}

// nearestRecent is the latest remembered position after from and before
// n, or -1.
func (t *Timeline) nearestRecent(from, n int) int {
	best := -1
	for _, p := range t.recentAge {
		if p > from && p < n && p > best {
			best = p
		}
	}
	return best
}

// own makes cur safe to change: a copy, if it is shared with recent.
func (t *Timeline) own() {
	if t.curShared {
		t.cur, t.curShared = t.cur.Clone(), false
	}
}

// remember keeps c as the state at position p, sharing it.
func (t *Timeline) remember(p int, c *Cluster) {
	if t.recent == nil {
		t.recent = map[int]*Cluster{}
	}
	if _, ok := t.recent[p]; ok {
		return
	}
	if c == t.cur {
		t.curShared = true
	}
	t.recent[p] = c
	t.recentAge = append(t.recentAge, p)
	for len(t.recentAge) > recentLimit {
		delete(t.recent, t.recentAge[0])
		t.recentAge = t.recentAge[1:]
	}
}

// forgetAfter drops remembered states of a discarded future.
func (t *Timeline) forgetAfter(p int) {
	kept := t.recentAge[:0]
	for _, q := range t.recentAge {
		if q > p {
			delete(t.recent, q)
		} else {
			kept = append(kept, q)
		}
	}
	t.recentAge = kept
}

// Back moves one action back; it reports false at the start.
func (t *Timeline) Back() bool {
	if t.pos == 0 {
		return false
	}
	_ = t.Seek(t.pos - 1)
	return true
}

// Forward moves one action forward; it reports false at the end.
func (t *Timeline) Forward() bool {
	if t.pos == len(t.actions) {
		return false
	}
	_ = t.Seek(t.pos + 1)
	return true
}

// At returns the state after n actions without moving the current point:
// the current state, a remembered one, or a copy of the nearest checkpoint
// replayed. Treat it as read-only. It returns nil for a point outside the
// history.
func (t *Timeline) At(n int) *Cluster {
	switch {
	case n < 0 || n > len(t.actions):
		return nil
	case n == t.pos:
		return t.cur
	}
	if c, ok := t.recent[n]; ok {
		return c
	}
	cp := t.checkpoints[t.checkpointAt(n)]
	from, c := cp.pos, cp.c
	if p := t.nearestRecent(from, n); p >= 0 {
		from, c = p, t.recent[p]
	}
	if t.pos < n && t.pos > from {
		from, c = t.pos, t.cur
	}
	c = c.Clone()
	for i := from; i < n; i++ {
		if _, err := c.Apply(t.actions[i]); err != nil {
			panic(fmt.Sprintf("replicas: replaying action %d (%s) failed: %v", i+1, t.actions[i], err))
		}
	}
	return c
}
