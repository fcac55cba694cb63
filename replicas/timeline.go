package replicas

import "fmt"

// CheckpointEvery is how many actions lie between two stored copies of the
// cluster. Going to any point restores the copy at or before it and replays
// at most this many actions.
const CheckpointEvery = 32

// Timeline is a cluster with its history of actions. It can go back to any
// earlier point and forward again. Acting at an earlier point branches: the
// old future is discarded, and Do says how many actions that was.
type Timeline struct {
	actions     []Action
	events      [][]Event
	checkpoints []*Cluster // checkpoints[k]: the state after k*CheckpointEvery actions
	pos         int
	cur         *Cluster
}

// NewTimeline starts a timeline at a new cluster.
func NewTimeline(cfg Config) (*Timeline, error) {
	c, err := New(cfg)
	if err != nil {
		return nil, err
	}
	return &Timeline{cur: c, checkpoints: []*Cluster{c.Clone()}}, nil
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
	ev, err = t.cur.Apply(a)
	if err != nil {
		return nil, 0, err
	}
	discarded = len(t.actions) - t.pos
	if discarded > 0 {
		t.actions = t.actions[:t.pos:t.pos]
		t.events = t.events[:t.pos:t.pos]
		t.checkpoints = t.checkpoints[: t.pos/CheckpointEvery+1 : t.pos/CheckpointEvery+1]
	}
	t.actions = append(t.actions, a)
	t.events = append(t.events, ev)
	t.pos++
	if t.pos%CheckpointEvery == 0 {
		t.checkpoints = append(t.checkpoints, t.cur.Clone())
	}
	return ev, discarded, nil
}

// Seek moves to the point after n actions, 0 ≤ n ≤ Len.
func (t *Timeline) Seek(n int) error {
	if n < 0 || n > len(t.actions) {
		return fmt.Errorf("no point %d in a history of %d actions", n, len(t.actions))
	}
	if n == t.pos {
		return nil
	}
	from := t.pos
	if n < t.pos || n-t.pos > CheckpointEvery {
		k := n / CheckpointEvery
		t.cur = t.checkpoints[k].Clone()
		from = k * CheckpointEvery
	}
	for i := from; i < n; i++ {
		if _, err := t.cur.Apply(t.actions[i]); err != nil {
			// Replaying a deterministic history cannot fail; if it does, the
			// engine has a bug that must not be hidden.
			panic(fmt.Sprintf("replicas: replaying action %d (%s) failed: %v", i+1, t.actions[i], err))
		}
	}
	t.pos = n
	return nil
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
