package replicas

import (
	"fmt"
	"strings"

	"crdtviz/crdt"
)

// StatusKind is the headline of a lane's status.
type StatusKind int

const (
	// Converged: every replica holds the same value, and delivering the
	// messages in flight would change nothing.
	Converged StatusKind = iota
	// Converging: once the messages in flight are delivered, every replica
	// will hold the same value.
	Converging
	// Diverged: replicas hold different values, and what is in flight will
	// not bring them together.
	Diverged
)

func (k StatusKind) String() string {
	switch k {
	case Converged:
		return "converged"
	case Converging:
		return "converging"
	}
	return "diverged"
}

// Status is a lane's state across the cluster.
type Status struct {
	Kind     StatusKind
	Values   int      // distinct values held now
	InFlight int      // messages in flight, over all links
	Lost     []EditID // edits this lane applied that no replica holds any more
	// AtRisk is set when every replica agrees now, but delivering what is in
	// flight would split them again (a stale plain message, say).
	AtRisk bool
}

// Summary is the status in words, e.g. "diverged: 2 values".
func (s Status) Summary() string {
	switch s.Kind {
	case Converged:
		if s.AtRisk {
			return fmt.Sprintf("converged for now: %s in flight would split it", plural(s.InFlight, "message"))
		}
		return "converged"
	case Converging:
		return fmt.Sprintf("converging: %s in flight", plural(s.InFlight, "message"))
	}
	return fmt.Sprintf("diverged: %d values", s.Values)
}

// lostShown is how many lost edit ids a summary names before "…".
const lostShown = 6

// LostSummary is e.g. "lost edits: 2 (#3, #5)", or "" when nothing is lost.
// A long list names the first few: "lost edits: 40 (#1, #2, #3, #4, #5, #6, …)".
func (s Status) LostSummary() string {
	if len(s.Lost) == 0 {
		return ""
	}
	var ids []string
	for _, id := range s.Lost[:min(len(s.Lost), lostShown)] {
		ids = append(ids, id.String())
	}
	if len(s.Lost) > lostShown {
		ids = append(ids, "…")
	}
	return fmt.Sprintf("lost edits: %d (%s)", len(s.Lost), strings.Join(ids, ", "))
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// Equal reports whether every replica holds the same value in lane l now,
// regardless of what is in flight. It is what `expect converged` checks.
func (c *Cluster) Equal(l Lane) bool {
	first := c.reps[0].ValueString(l)
	for _, r := range c.reps[1:] {
		if r.ValueString(l) != first {
			return false
		}
	}
	return true
}

// Lost lists the edits lane l applied that appear in no replica's current
// history.
func (c *Cluster) Lost(l Lane) []EditID {
	var held EditSet
	for _, r := range c.reps {
		held = held.Union(r.History(l))
	}
	return c.effective[l].Minus(held)
}

func distinct(vals []string) int {
	seen := map[string]bool{}
	for _, v := range vals {
		seen[v] = true
	}
	return len(seen)
}

// Status computes lane l's status. It is exact: when messages are in
// flight it works out, on copies, what delivering them all in the order sent
// would leave. The answer is cached until the next action.
func (c *Cluster) Status(l Lane) Status {
	if s := c.status[l]; s != nil {
		return *s
	}
	now := make([]string, len(c.reps))
	for i, r := range c.reps {
		now[i] = r.ValueString(l)
	}
	inflight := c.InFlight()
	s := Status{Values: distinct(now), InFlight: len(inflight), Lost: c.Lost(l)}
	after, changed := c.afterDelivery(l, inflight, now)
	switch {
	case distinct(after) == 1 && !changed:
		s.Kind = Converged
	case distinct(after) == 1:
		s.Kind = Converging
	case s.Values == 1:
		s.Kind, s.AtRisk = Converged, true
	default:
		s.Kind = Diverged
	}
	c.status[l] = &s
	return s
}

// afterDelivery returns each replica's lane-l value once every message in
// flight is delivered in send order, and whether any value would change.
func (c *Cluster) afterDelivery(l Lane, inflight []*Message, now []string) ([]string, bool) {
	after := append([]string(nil), now...)
	merged := map[int]crdt.CRDT{}
	for _, m := range inflight {
		to := c.index[m.To]
		if l == Plain {
			after[to] = m.valueStrings[Plain]
			continue
		}
		st, ok := merged[to]
		if !ok {
			st = c.reps[to].state.Clone()
			merged[to] = st
		}
		if _, err := m.crdt.applyTo(st); err != nil {
			panic(fmt.Sprintf("replicas: merge within one cluster failed: %v", err))
		}
		after[to] = st.Value().String()
	}
	changed := false
	for i := range now {
		if now[i] != after[i] {
			changed = true
		}
	}
	return after, changed
}
