package replicas

import (
	"fmt"
	"strings"
)

// StatusKind is the headline of a lane's status. It is the claim of strong
// eventual consistency, checked: replicas that have seen the same edits
// hold the same value. Messages in flight do not count.
type StatusKind int

const (
	// Converged: every replica holds the same value, and every replica has
	// seen every applied edit that survives in some replica's value. (An
	// edit no value holds any more is lost, and can never be seen again:
	// it does not hold convergence back. The lost count says so.)
	Converged StatusKind = iota
	// Equal: every replica holds the same value, but some replica has not
	// seen an edit that survives in some value: the values agree for now,
	// by coincidence or because the edits cancel out.
	Equal
	// Pending: values differ, but every two replicas whose values differ
	// have also seen different edits. They may yet agree.
	Pending
	// Diverged: two replicas have seen the same edits and still hold
	// different values. Strong eventual consistency is broken.
	Diverged
)

func (k StatusKind) String() string {
	return [...]string{"converged", "equal", "pending", "diverged"}[k]
}

// Unseen says which edits one replica has not seen yet.
type Unseen struct {
	Replica string
	Edits   []EditID
}

// Status is a lane's state across the cluster.
type Status struct {
	Kind     StatusKind
	Values   int      // distinct values held now
	InFlight int      // messages in flight, over all links
	Lost     []EditID // edits this lane applied that no replica holds any more
	Declined []EditID // edits this lane turned into no-ops, over the whole run
	// Same names, when Kind is Diverged, the first two replicas (in
	// declaration order) that have seen the same edits, Seen, and hold
	// different values.
	Same [2]string
	Seen []EditID
	// Unseen lists, when Kind is Pending, each replica that has not seen
	// every edit some replica has, and what it lacks; when Kind is Equal,
	// each replica that has not seen every edit that survives in some
	// value, and which.
	Unseen []Unseen
}

// idsShown is how many edit ids a summary names before "…".
const idsShown = 6

// idList is "#3, #5", or "#1, #2, #3, #4, #5, #6, …" for a long list.
func idList(ids []EditID, most int) string {
	parts := make([]string, 0, min(len(ids), most)+1)
	for _, id := range ids[:min(len(ids), most)] {
		parts = append(parts, id.String())
	}
	if len(ids) > most {
		parts = append(parts, "…")
	}
	return strings.Join(parts, ", ")
}

// Reason is the status in words after its headline: "Carol hasn't seen
// #2", "Server 2 and Server 3 each saw #1 #2 #3", or "" when converged.
func (s Status) Reason() string {
	switch s.Kind {
	case Diverged:
		return s.Same[0] + " and " + s.Same[1] + " each saw " + seenList(s.Seen, idsShown)
	case Pending, Equal:
		parts := make([]string, len(s.Unseen))
		for i, u := range s.Unseen {
			parts[i] = u.Replica + " hasn't seen " + idList(u.Edits, 3)
		}
		return strings.Join(parts, " · ")
	}
	return ""
}

// seenList is "#1 #2 #3", the first few of a long list then "…", or "no
// edit" for none.
func seenList(ids []EditID, most int) string {
	if len(ids) == 0 {
		return "no edit"
	}
	return strings.ReplaceAll(idList(ids, most), ", ", " ")
}

// Summary is the status in words, e.g. "pending: Carol hasn't seen #2".
func (s Status) Summary() string {
	if r := s.Reason(); r != "" {
		return s.Kind.String() + ": " + r
	}
	return s.Kind.String()
}

// LostSummary is e.g. "lost edits: 2 (#3, #5)", or "" when nothing is lost.
// A long list names the first few: "lost edits: 40 (#1, #2, #3, #4, #5, #6, …)".
func (s Status) LostSummary() string {
	if len(s.Lost) == 0 {
		return ""
	}
	return fmt.Sprintf("lost edits: %d (%s)", len(s.Lost), idList(s.Lost, idsShown))
}

// DeclinedSummary is e.g. "declined: 1 (#3)", or "" when no edit was
// declined.
func (s Status) DeclinedSummary() string {
	if len(s.Declined) == 0 {
		return ""
	}
	return fmt.Sprintf("declined: %d (%s)", len(s.Declined), idList(s.Declined, idsShown))
}

// Tally is the lost and declined edits together, "lost edits: 1 (#2) ·
// declined: 1 (#3)", or "" when there are none.
func (s Status) Tally() string {
	var parts []string
	for _, p := range []string{s.LostSummary(), s.DeclinedSummary()} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, " · ")
}

func plural(n int, word string) string { return Plural(n, word) }

// Plural is "1 word" or "n words".
func Plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// Equal reports whether every replica holds the same value in lane l now,
// regardless of what is in flight and of what each has seen.
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

// Declined lists the edits lane l turned into no-ops, in the order made.
// Every edit counts once per lane, and a declined edit is never lost.
func (c *Cluster) Declined(l Lane) []EditID {
	var out []EditID
	c.edits.Each(func(e EditInfo) {
		if !e.Effective[l] {
			out = append(out, e.ID)
		}
	})
	return out
}

// Status computes lane l's status from what each replica holds and has
// seen now; messages in flight do not count. The answer is cached until
// the next action.
func (c *Cluster) Status(l Lane) Status {
	if s := c.status[l]; s != nil {
		return *s
	}
	s := Status{InFlight: len(c.InFlight()), Lost: c.Lost(l), Declined: c.Declined(l)}
	values := map[string]bool{}
	for _, r := range c.reps {
		values[r.ValueString(l)] = true
	}
	s.Values = len(values)
	switch {
	case s.Values == 1:
		var held EditSet
		for _, r := range c.reps {
			held = held.Union(r.History(l))
		}
		s.Unseen = c.unseen(l, held)
		s.Kind = Converged
		if len(s.Unseen) > 0 {
			s.Kind = Equal
		}
	case c.sameKnowsDiffer(l, &s):
		s.Kind = Diverged
	default:
		var all EditSet
		for _, r := range c.reps {
			all = all.Union(r.knows[l])
		}
		s.Kind = Pending
		s.Unseen = c.unseen(l, all)
	}
	c.status[l] = &s
	return s
}

// sameKnowsDiffer finds the first two replicas that have seen the same
// edits in lane l and hold different values, and names them in s.
func (c *Cluster) sameKnowsDiffer(l Lane, s *Status) bool {
	for i, a := range c.reps {
		for _, b := range c.reps[i+1:] {
			if a.ValueString(l) != b.ValueString(l) && a.knows[l].Equal(b.knows[l]) {
				s.Same, s.Seen = [2]string{a.Name, b.Name}, a.knows[l].IDs()
				return true
			}
		}
	}
	return false
}

// unseen lists, for each replica, the edits of want it has not seen in
// lane l.
func (c *Cluster) unseen(l Lane, want EditSet) []Unseen {
	var out []Unseen
	for _, r := range c.reps {
		if missing := want.Minus(r.knows[l]); len(missing) > 0 {
			out = append(out, Unseen{Replica: r.Name, Edits: missing})
		}
	}
	return out
}
