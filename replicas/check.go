package replicas

import "fmt"

// Check verifies the cluster's invariants: every history names only edits
// that were made and that its lane applied, every queue holds messages of
// its own link in the order sent, and every replica holds the cluster's
// type. The fuzzers call it after every action; nil means all hold.
func (c *Cluster) Check() error {
	if int64(c.edits.Len()) > c.tick {
		return fmt.Errorf("%d edits at tick %d", c.edits.Len(), c.tick)
	}
	for i := range c.edits.Len() {
		if e := c.edits.At(i); e.ID != EditID(i+1) {
			return fmt.Errorf("edit %d has id %s", i+1, e.ID)
		}
	}
	for _, r := range c.reps {
		if r.state.Type() != c.typ || r.plain.Type() != c.typ {
			return fmt.Errorf("%s holds %s/%s in a %s cluster", r.Name, r.plain.Type(), r.state.Type(), c.typ)
		}
		for _, l := range Lanes {
			if !r.History(l).subsetOf(r.knows[l]) {
				return fmt.Errorf("%s's %s history %s names edits it does not know (%s)", r.Name, l, r.History(l), r.knows[l])
			}
			if last := r.knows[l].Last(1); len(last) > 0 && int(last[0]) > c.edits.Len() {
				return fmt.Errorf("%s knows %s in %s, which was never made", r.Name, last[0], l)
			}
			for _, id := range r.History(l).IDs() {
				if id < 1 || int(id) > c.edits.Len() {
					return fmt.Errorf("%s's %s history names %s, which was never made", r.Name, l, id)
				}
				if !c.effective[l].Has(id) {
					return fmt.Errorf("%s's %s history names %s, which that lane ignored", r.Name, l, id)
				}
			}
		}
	}
	for i := range c.queues {
		for j, q := range c.queues[i] {
			last := 0
			for _, m := range q.Messages() {
				if m.From != c.names[i] || m.To != c.names[j] {
					return fmt.Errorf("%s (%s → %s) waits on %s → %s", MsgName(m.ID), m.From, m.To, c.names[i], c.names[j])
				}
				if m.ID <= last || m.ID > c.nextMsg {
					return fmt.Errorf("%s is out of order on %s → %s", MsgName(m.ID), m.From, m.To)
				}
				last = m.ID
			}
		}
	}
	return nil
}
