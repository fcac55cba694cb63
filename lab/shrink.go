package lab

import (
	"slices"
	"time"

	"crdtviz/replicas"
)

// shrink makes a failing scenario smaller (see Minimize), running each
// candidate up to Retries times: nodes can be nondeterministic, so a
// candidate that fails once, the same way, is kept. It is bounded by
// MaxCandidates and ShrinkTime (the checker's deadline, set before).
func (ch *Checker) shrink(f *Failure) (*Failure, int) {
	cfg := ch.cfg
	tried := 0
	over := func() bool {
		return tried >= cfg.MaxCandidates || time.Now().After(ch.deadline)
	}
	run := func(actions []replicas.Action) *Failure {
		tried++
		for range cfg.Retries {
			got, err := ch.runOnce(actions)
			if err != nil {
				return nil
			}
			if got != nil && got.Kind == f.Kind {
				ch.progress("shrinking: %s, still %s: %s", replicas.Plural(len(got.Actions), "action"), got.Kind, got.Text)
				return got
			}
		}
		return nil
	}
	valid := func(a []replicas.Action) []replicas.Action { return Valid(cfg.Workload, cfg.Names, a) }
	best := Minimize(f, valid, run, over)
	// Then smaller amounts: add 1 reads more easily than add 3.
	for i, a := range best.Actions {
		e, ok := a.(replicas.Edit)
		if !ok || e.Op.N <= 1 || over() {
			continue
		}
		e.Op.N = 1
		cand := slices.Clone(best.Actions)
		cand[i] = e
		if got := run(valid(cand)); got != nil {
			best = got
		}
	}
	return best, tried
}

// Minimize removes chunks of a failure's actions while it still fails:
// halves first, then smaller pieces, down to single actions (Zeller's
// delta debugging, ddmin). Each candidate is made valid first (valid: a
// removed send takes its deliveries with it), and is tried once; run
// returns its failure, or nil if it passed. over stops the search early.
// The result is the smallest failure found; when the search ends by
// itself, removing any one action of it makes it pass.
func Minimize(f *Failure, valid func([]replicas.Action) []replicas.Action, run func([]replicas.Action) *Failure, over func() bool) *Failure {
	best := f
	seen := map[string]bool{key(f.Actions): true}
	try := func(cand []replicas.Action) *Failure {
		cand = valid(cand)
		if seen[key(cand)] {
			return nil
		}
		seen[key(cand)] = true
		return run(cand)
	}
	n := 2
	for len(best.Actions) > 0 && !over() {
		cur := best.Actions
		n = min(n, len(cur))
		size := (len(cur) + n - 1) / n
		smaller := false
		for start := 0; start < len(cur) && !over(); start += size {
			cand := slices.Concat(cur[:start], cur[min(start+size, len(cur)):])
			if got := try(cand); got != nil {
				best, smaller = got, true
				break
			}
		}
		switch {
		case smaller:
			n = max(n-1, 2)
		case n >= len(cur):
			return best // no single action can go
		default:
			n = min(2*n, len(cur))
		}
	}
	return best
}

// key names a list of actions, for remembering which were tried.
func key(actions []replicas.Action) string {
	b := make([]byte, 0, 16*len(actions))
	for _, a := range actions {
		b = append(b, a.String()...)
		b = append(b, '\n')
	}
	return string(b)
}
