package lab

import (
	"math/rand/v2"

	"crdtviz/replicas"
)

// Generate makes a random scenario of n actions: edits, sends and
// deliveries, drops, duplicates, deliveries out of order, cuts,
// partitions and heals. Every action is one the reference cluster
// accepts where it stands, so that the scenario is a valid file; the
// same seed gives the same actions.
func Generate(rng *rand.Rand, w *Workload, names []string, n int) []replicas.Action {
	c, err := replicas.New(replicas.Config{Type: w.Type, Names: names})
	if err != nil {
		return nil
	}
	var out []replicas.Action
	for tries := 0; len(out) < n && tries < 50*n; tries++ {
		a := randomAction(rng, c, w, names)
		if a == nil {
			continue
		}
		if _, err := c.Apply(a); err != nil {
			continue
		}
		out = append(out, a)
	}
	return out
}

// randomAction picks one action, weighted toward edits and messages.
func randomAction(rng *rand.Rand, c *replicas.Cluster, w *Workload, names []string) replicas.Action {
	pick := func() string { return names[rng.IntN(len(names))] }
	pair := func() (string, string) {
		i := rng.IntN(len(names))
		j := (i + 1 + rng.IntN(len(names)-1)) % len(names)
		return names[i], names[j]
	}
	// links with a message in flight, on a link that is up
	var busy [][2]string
	for _, a := range names {
		for _, b := range names {
			if a != b && len(c.Queue(a, b)) > 0 && c.Up(a, b) {
				busy = append(busy, [2]string{a, b})
			}
		}
	}
	busyLink := func() ([2]string, bool) {
		if len(busy) == 0 {
			return [2]string{}, false
		}
		return busy[rng.IntN(len(busy))], true
	}
	switch r := rng.IntN(100); {
	case r < 30:
		return replicas.Edit{Replica: pick(), Op: w.Random(rng)}
	case r < 42:
		if rng.IntN(4) == 0 {
			return replicas.Send{From: pick(), ToAll: true}
		}
		a, b := pair()
		return replicas.Send{From: a, To: b}
	case r < 56:
		if l, ok := busyLink(); ok {
			return replicas.Deliver{From: l[0], To: l[1], Newest: rng.IntN(4) == 0}
		}
	case r < 64:
		if l, ok := busyLink(); ok {
			return replicas.Duplicate{From: l[0], To: l[1]}
		}
	case r < 69:
		if l, ok := busyLink(); ok {
			return replicas.Drop{From: l[0], To: l[1]}
		}
	case r < 77:
		a, b := pair()
		return replicas.Sync{From: a, To: b}
	case r < 80:
		return replicas.SyncAll{}
	case r < 86:
		a, b := pair()
		return replicas.Cut{From: a, To: b, Both: true}
	case r < 89:
		perm := rng.Perm(len(names))
		k := 1 + rng.IntN(len(names)-1)
		var g1, g2 []string
		for i, p := range perm {
			if i < k {
				g1 = append(g1, names[p])
			} else {
				g2 = append(g2, names[p])
			}
		}
		return replicas.Partition{Groups: [][]string{g1, g2}}
	case r < 97:
		if rng.IntN(2) == 0 {
			return replicas.HealAll{}
		}
		a, b := pair()
		return replicas.Heal{From: a, To: b, Both: true}
	default:
		return replicas.DeliverAll{}
	}
	return nil
}

// Valid keeps the actions the reference cluster accepts in order, and
// drops those that fail or find nothing to do there: what is left is a
// scenario that runs as a file.
func Valid(w *Workload, names []string, actions []replicas.Action) []replicas.Action {
	c, err := replicas.New(replicas.Config{Type: w.Type, Names: names})
	if err != nil {
		return nil
	}
	var out []replicas.Action
	for _, a := range actions {
		if _, err := c.Apply(a); err != nil {
			continue // an error, or nothing to do: either way not in a file
		}
		out = append(out, a)
	}
	return out
}
