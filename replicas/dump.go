package replicas

import (
	"fmt"
	"strings"
)

// Dump renders the whole cluster as text, deterministically: tick, every
// replica's skew, values, histories and metadata, every link and every
// message in flight. Two clusters with equal dumps and equal CRDT states
// are the same.
func (c *Cluster) Dump() string {
	var b strings.Builder
	fmt.Fprintf(&b, "tick %d, %d edits, type %s\n", c.tick, c.edits.Len(), c.typ)
	for _, r := range c.reps {
		fmt.Fprintf(&b, "%s skew %+d\n", QuoteName(r.Name), r.Skew)
		fmt.Fprintf(&b, "  plain %s %s\n", r.plain.Value(), r.History(Plain))
		fmt.Fprintf(&b, "  crdt  %s %s\n", r.state.Value(), r.History(CRDT))
		fmt.Fprintf(&b, "  meta  %s\n", r.state.Internals())
		if r.mode != nil {
			for _, line := range r.mode.dump(c) {
				fmt.Fprintf(&b, "  %s\n", line)
			}
		}
	}
	for i, from := range c.names {
		for j, to := range c.names {
			if i == j {
				continue
			}
			state := "up"
			if !c.up[i][j] {
				state = "cut"
			}
			fmt.Fprintf(&b, "%s -> %s %s", QuoteName(from), QuoteName(to), state)
			for _, m := range c.queues[i][j].Messages() {
				fmt.Fprintf(&b, " [%s sent %d: %s | %s]", MsgName(m.ID), m.SentTick, m.values[Plain], m.values[CRDT])
			}
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// SameState reports whether two clusters are identical: equal dumps and
// equal CRDT states replica by replica.
func SameState(a, b *Cluster) bool {
	if a.Dump() != b.Dump() || len(a.reps) != len(b.reps) {
		return false
	}
	for i := range a.reps {
		if !a.reps[i].state.Equal(b.reps[i].state) {
			return false
		}
	}
	return true
}
