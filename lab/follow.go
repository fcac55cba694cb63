package lab

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"crdtviz/replicas"
)

// Follower keeps a lane in step with a timeline that the app moves: after
// each key, the app hands it the timeline's actions up to its position,
// and the follower applies what is new. A process cannot be rewound, so
// when the actions are not an extension of what it applied (← stepped
// back, or a branch replaced the future) it restarts the nodes and replays
// every action, and says so; where the replay's reads differ from the
// reads first seen at that point, it says that too.
//
// Follow, Poll and Close may be called from different goroutines (the app
// runs Follow in a command); they are serialized, and Close stops a
// replay under way.
type Follower struct {
	mu      sync.Mutex
	lane    *Lane
	started bool
	hist    any      // the history followed
	applied []string // the actions applied since the nodes started, rendered
	// events are the lane's events of each applied action; sent is, for
	// each message in flight or delivered, the index of the action that
	// put it in flight.
	events [][]Event
	sent   map[int]int
	// first are the reads first seen at each position of the history.
	first map[int][]Read
	// final is the final phase run at the end of a demo; after it the
	// lane is no longer where the actions left it, so the next Follow
	// restarts.
	final  *FinalResult
	closed atomic.Bool
}

// NewFollower wraps a lane whose nodes are not started yet.
func NewFollower(l *Lane) *Follower {
	return &Follower{lane: l, first: map[int][]Read{}, sent: map[int]int{}}
}

// Followed is what the lane shows after Follow or Poll: plain values.
type Followed struct {
	Snapshot Snapshot
	Reads    []Read
	Ops      []OpRecord
	Verdict  Verdict
	// Actions are the actions applied, rendered; Events the lane's events
	// of each, in order, and
	// Sent the action each message was put in flight by (for the
	// diagram).
	Actions []string
	Events  [][]Event
	Sent    map[int]int
	// Restarted is set when the nodes were restarted and Replayed actions
	// replayed; Differ lists the reads that differ from the first time the
	// same point was shown ("Alice 3, was 2").
	Restarted bool
	Replayed  int
	Differ    []string
	// Err is why the nodes did not start, if they did not.
	Err string
	// Setup is how the nodes were brought to the scenario's initial
	// value, when it has one (nil otherwise).
	Setup *Setup
	// Final is the final phase, run at a demo's last step (as lab
	// check runs it); Verdict is then its verdict.
	Final *FinalResult
	// Stopped says why the lane stopped short of the actions: a catch-up
	// that took longer than Options.ScenarioTime. The next Follow goes on.
	Stopped string
	Behind  int // the actions not applied yet
}

// Follow brings the lane to hist's actions. final judges the reads as the
// end of a scenario.
func (f *Follower) Follow(hist any, actions []replicas.Action, final bool) Followed {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out Followed
	if f.closed.Load() {
		return out
	}
	rendered := make([]string, len(actions))
	for i, a := range actions {
		rendered[i] = a.String()
	}
	extends := f.started && f.final == nil && hist == f.hist && len(rendered) >= len(f.applied) && slices.Equal(rendered[:len(f.applied)], f.applied)
	if hist != f.hist {
		f.first = map[int][]Read{}
	}
	f.hist = hist
	if !extends {
		out.Restarted = f.started
		f.applied, f.events, f.sent, f.final = nil, nil, map[int]int{}, nil
		f.started = true
		if err := f.lane.Start(); err != nil {
			out.Err = err.Error()
		}
		out.Replayed = len(actions)
	}
	began := time.Now()
	for i := len(f.applied); i < len(actions); i++ {
		if f.closed.Load() {
			return out
		}
		if took := time.Since(began); took > f.lane.opt.ScenarioTime {
			out.Behind = len(actions) - i
			out.Replayed -= out.Behind
			out.Stopped = fmt.Sprintf("your lane stopped after %s, its bound (--max-time), %s behind (%s); the next key goes on",
				took.Round(100*time.Millisecond), replicas.Plural(out.Behind, "action"), f.lane.slowness())
			final = false
			break
		}
		ev := f.lane.Apply(actions[i])
		for _, e := range ev {
			if e.Kind == EvSend || e.Kind == EvDeliver && e.Synced {
				f.sent[e.Msg] = i
			}
			if e.Kind == EvDuplicate {
				f.sent[e.Msg] = f.sent[e.CopyOf]
			}
		}
		f.applied = append(f.applied, rendered[i])
		f.events = append(f.events, ev)
	}
	if !out.Restarted {
		out.Replayed = 0
	}
	out.Reads = f.lane.ReadAll()
	if final && out.Err == "" && !Judge(f.lane.w, f.lane.ops, out.Reads, false).Wrong && len(f.lane.Crashed()) == 0 {
		fr := f.lane.FinalPhase()
		f.final = &fr
	}
	pos := len(actions)
	if before, ok := f.first[pos]; ok && out.Restarted {
		for i, r := range out.Reads {
			if i < len(before) && r.Text() != before[i].Text() {
				out.Differ = append(out.Differ, fmt.Sprintf("%s %s, was %s", r.Node, r.Text(), before[i].Text()))
			}
		}
	} else if !ok {
		f.first[pos] = out.Reads
	}
	f.fill(&out, final)
	return out
}

// Poll takes what the nodes wrote since the last call (their timers), for
// a screen that shows the outboxes as they fill.
func (f *Follower) Poll() Followed {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out Followed
	if f.closed.Load() || !f.started {
		return out
	}
	f.lane.collect()
	out.Reads = slices.Clone(f.lane.reads)
	f.fill(&out, false)
	return out
}

func (f *Follower) fill(out *Followed, final bool) {
	out.Snapshot = f.lane.Snapshot()
	out.Ops = f.lane.Ops()
	out.Setup = f.lane.SetupDone()
	if len(out.Reads) > 0 {
		out.Verdict = Judge(f.lane.w, out.Ops, out.Reads, final)
	}
	if fr := f.final; fr != nil {
		out.Final, out.Reads, out.Verdict = fr, fr.Reads, fr.Verdict
	}
	out.Actions = slices.Clone(f.applied)
	out.Events = slices.Clone(f.events)
	out.Sent = make(map[int]int, len(f.sent))
	for k, v := range f.sent {
		out.Sent[k] = v
	}
}

// Close stops the nodes, interrupting a Follow under way (its processes
// are killed first, so that it ends quickly).
func (f *Follower) Close() {
	f.closed.Store(true)
	f.lane.kill()
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lane.Close()
}

// Lane is the followed lane.
func (f *Follower) Lane() *Lane { return f.lane }
