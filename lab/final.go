package lab

import (
	"fmt"
	"time"

	"crdtviz/replicas"
)

// FinalResult is what a final phase did, and the verdict it ended on.
type FinalResult struct {
	Reads   []Read
	Verdict Verdict // judged as the end
	// Rounds counts the rounds that delivered something, Took the time
	// the phase took; Ended says why it ended, in a sentence.
	Rounds int
	Took   time.Duration
	Ended  string
	// Events are what the phase did in the lane: the heal's and each
	// round's deliveries.
	Events []Event
}

// FinalPhase is lab check's final phase, which lab demo runs too after a
// scenario's last step: every link heals; then, round after round,
// everything waiting on every link is sent and delivered (a sync all) and
// every node is read. It ends when the reads agree, every node that made
// an edit has been heard by every other since (it had a message it wrote
// after it answered its last edit delivered to each of them: then each
// has told every other what it did), and one more round, which delivers
// whatever they wrote meanwhile, leaves the reads as they were. Agreeing
// reads alone are not enough: two nodes that each added 1 read 1 and 1
// before either has gossiped; and a merge that counts a state twice
// shows only when the relays arrive. Between rounds that deliver
// nothing, the nodes' timers get time to fire. It also ends at once on a
// crash or on a read that no correct node could give, and after
// Options.Final in any case. Then the reads are judged as the end.
func (l *Lane) FinalPhase() FinalResult {
	start := time.Now()
	var res FinalResult
	res.Events = append(res.Events, l.Apply(replicas.HealAll{})...)
	var settled []Read // the reads of the round where they agreed and every node was heard
	for {
		delivered := false
		for _, e := range l.Apply(replicas.SyncAll{}) {
			if e.Kind == EvDeliver {
				delivered = true
			}
			if e.Kind != EvNote {
				res.Events = append(res.Events, e)
			}
		}
		if delivered {
			res.Rounds++
		}
		res.Reads = l.ReadAll()
		v := Judge(l.w, l.ops, res.Reads, false)
		heard, who := l.Heard()
		took := time.Since(start)
		done := v.Agree && heard && settled != nil && sameReads(settled, res.Reads)
		first := v.Agree && heard && !done
		switch {
		case v.Agree && heard:
			settled = res.Reads
		default:
			settled = nil
		}
		switch {
		case len(l.Crashed()) > 0:
			res.Ended = "a node crashed"
		case v.Wrong:
			res.Ended = "a node read what no correct node could"
		case done:
			res.Ended = "the reads agree, every node that made an edit has been heard by every other since, and one more round changed nothing"
		case took > l.opt.Final:
			res.Ended = fmt.Sprintf("it reached its bound, %s (--final)", l.opt.Final)
			switch {
			case !heard:
				res.Ended += fmt.Sprintf("; %s never delivered a message written after the last edit", who)
			case v.Agree:
				res.Ended += "; the reads agree, but still changed in the last round"
			}
		default:
			if !delivered && settled == nil || first {
				// Time for the nodes' timers, or, before the last round,
				// for what they write on hearing each other (a slow node on
				// a busy machine); back as soon as one writes.
				l.Idle(idleRound)
			}
			continue
		}
		break
	}
	res.Took = time.Since(start)
	res.Verdict = Judge(l.w, l.ops, res.Reads, true)
	return res
}

// sameReads compares two rounds of reads.
func sameReads(a, b []Read) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].same(b[i]) {
			return false
		}
	}
	return true
}

// idleRound is how long the final phase waits for a node to write when a
// round delivered nothing.
const idleRound = 250 * time.Millisecond

// Summary says what the phase did: "3 rounds, 1.2s: the reads agree, and
// …".
func (r FinalResult) Summary() string {
	return fmt.Sprintf("%s that delivered, %s: it ended because %s", replicas.Plural(r.Rounds, "round"), r.Took.Round(10*time.Millisecond), r.Ended)
}
