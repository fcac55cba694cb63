package lab

import (
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"crdtviz/replicas"
)

// CheckConfig is what lab check runs.
type CheckConfig struct {
	Workload *Workload
	Names    []string
	Argv     []string
	Runs     int    // random scenarios to run
	Actions  int    // actions in each
	Seed     uint64 // the random scenarios follow from it
	// Retries is how many times a shrinking candidate, and the written
	// file, are run before crdtviz believes they pass: nodes can be
	// nondeterministic.
	Retries int
	// Final bounds the final phase; Quiet ends it early when the reads
	// agree, no node has written anything for that long and nothing
	// waits in the network.
	Final, Quiet time.Duration
	// MaxCandidates and ShrinkTime bound the shrinking.
	MaxCandidates int
	ShrinkTime    time.Duration
	// MaxStarts bounds the processes the whole check starts.
	MaxStarts int
	Options   Options
	// Progress, if set, gets a line per run and per shrinking step.
	Progress io.Writer
	// File is where the failure will be written, for the comments in it
	// that say how to replay it (default failure.demo).
	File string
}

// CheckDefaults are lab check's defaults.
var CheckDefaults = CheckConfig{Runs: 20, Actions: 12, Retries: 3, Final: 10 * time.Second, Quiet: 2 * time.Second,
	MaxCandidates: 150, ShrinkTime: 3 * time.Minute, MaxStarts: 3000}

func (c CheckConfig) withDefaults() CheckConfig {
	d := CheckDefaults
	orDefault(&c.Runs, d.Runs)
	orDefault(&c.Actions, d.Actions)
	orDefault(&c.Retries, d.Retries)
	orDefault(&c.Final, d.Final)
	orDefault(&c.Quiet, d.Quiet)
	orDefault(&c.MaxCandidates, d.MaxCandidates)
	orDefault(&c.ShrinkTime, d.ShrinkTime)
	orDefault(&c.MaxStarts, d.MaxStarts)
	return c
}

// FailureKind says how a run failed. Shrinking keeps the kind: a
// candidate counts as failing only if it fails the same way.
type FailureKind string

const (
	FailStart    FailureKind = "did not start"
	FailCrash    FailureKind = "crashed"
	FailSilent   FailureKind = "silent"
	FailConverge FailureKind = "did not converge"
	FailWrong    FailureKind = "wrong"
)

// Phrase says the kind after "your nodes": "were wrong".
func (k FailureKind) Phrase() string {
	switch k {
	case FailWrong:
		return "were wrong"
	case FailSilent:
		return "went silent"
	}
	return string(k)
}

// Failure is one failing run.
type Failure struct {
	Kind    FailureKind
	Text    string
	Actions []replicas.Action
	Rounds  int // rounds of the final phase that delivered something
	Reads   []Read
	Ops     []OpRecord
}

// CheckResult is what lab check found.
type CheckResult struct {
	Runs    int      // runs completed
	Found   *Failure // the first failure, as found
	Run     int      // which run found it (1-based)
	Shrunk  *Failure // the smallest failing scenario found
	Tried   int      // shrinking candidates tried
	File    string   // the shrunk failure as a scenario file
	Replays int      // times the file was replayed
	Failed  int      // of which it failed
	LogDir  string
	Starts  int64 // processes started
}

// Checker runs random scenarios against a student's node.
type Checker struct {
	cfg    CheckConfig
	starts atomic.Int64
	logDir string
}

// Check runs cfg.Runs random scenarios; on the first failure it shrinks
// it, writes it as a scenario file and replays the file.
func Check(cfg CheckConfig) (*CheckResult, error) {
	cfg = cfg.withDefaults()
	ch := &Checker{cfg: cfg}
	ch.starts.Store(int64(cfg.MaxStarts))
	ch.logDir = cfg.Options.LogDir
	res := &CheckResult{}
	defer func() { res.Starts = int64(cfg.MaxStarts) - ch.starts.Load() }()
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x1ab))
	for run := 1; run <= cfg.Runs; run++ {
		actions := Generate(rng, cfg.Workload, cfg.Names, cfg.Actions)
		f, err := ch.runOnce(actions)
		if err != nil {
			return res, err
		}
		res.LogDir = ch.logDir
		if f == nil {
			res.Runs++
			ch.progress("run %d/%d: ok", run, cfg.Runs)
			continue
		}
		if f.Kind == FailStart {
			ch.progress("run %d/%d: your nodes did not start", run, cfg.Runs)
		} else {
			ch.progress("run %d/%d: FAILED, %s: %s", run, cfg.Runs, f.Kind, f.Text)
		}
		res.Found, res.Run = f, run
		if f.Kind == FailStart {
			return res, nil
		}
		res.Shrunk, res.Tried = ch.shrink(f)
		file, err := WriteScenario(cfg, res.Shrunk, run)
		if err != nil {
			return res, err
		}
		res.File = file
		res.Replays, res.Failed = ch.replay(file)
		return res, nil
	}
	return res, nil
}

func (ch *Checker) progress(format string, args ...any) {
	if ch.cfg.Progress != nil {
		fmt.Fprintf(ch.cfg.Progress, format+"\n", args...)
	}
}

// options are the lane options of one run: shared bounds, shared logs.
func (ch *Checker) options() Options {
	o := ch.cfg.Options
	o.Starts = &ch.starts
	o.LogDir = ch.logDir
	return o
}

// lane starts a lane for one run.
func (ch *Checker) lane() (*Lane, error) {
	l, err := New(ch.cfg.Workload, ch.cfg.Names, ch.cfg.Argv, ch.options())
	if err != nil {
		return nil, err
	}
	ch.logDir = l.LogDir()
	return l, nil
}

// runOnce runs one scenario and its final phase; nil if it passed. The
// error is for what stops the check itself.
func (ch *Checker) runOnce(actions []replicas.Action) (*Failure, error) {
	if ch.starts.Load() < int64(len(ch.cfg.Names)) {
		return nil, fmt.Errorf("lab check has started %d processes, its bound: stopping", ch.cfg.MaxStarts)
	}
	l, err := ch.lane()
	if err != nil {
		return nil, err
	}
	defer l.Close()
	if err := l.Start(); err != nil {
		return &Failure{Kind: FailStart, Text: err.Error(), Actions: actions}, nil
	}
	for k, a := range actions {
		l.Apply(a)
		if c := l.Crashed(); len(c) > 0 {
			return &Failure{Kind: FailCrash, Text: strings.Join(c, "; ") + " (after " + a.String() + ")", Actions: slices.Clone(actions[:k+1]), Ops: l.Ops()}, nil
		}
	}
	f := ch.finalPhase(l)
	if f != nil {
		f.Actions = actions
	}
	return f, nil
}

// finalPhase heals every link, then delivers everything and reads every
// node, round after round, until the reads have stayed the same while
// every node had a message it wrote since delivered; or until the reads
// agree and nothing has been written for Quiet; or until Final has
// passed. Then it judges.
func (ch *Checker) finalPhase(l *Lane) *Failure {
	l.Apply(replicas.HealAll{})
	start := time.Now()
	var last []Read
	mark, rounds, busy := 0, 0, 0
	var reads []Read
	for {
		rounds++
		delivered := false
		for _, e := range l.Apply(replicas.SyncAll{}) {
			delivered = delivered || e.Kind == EvDeliver
		}
		if delivered {
			busy++
		}
		reads = l.ReadAll()
		if c := l.Crashed(); len(c) > 0 {
			return &Failure{Kind: FailCrash, Text: strings.Join(c, "; ") + " (in the final phase)", Rounds: busy, Reads: reads, Ops: l.Ops()}
		}
		v := Judge(l.w, l.ops, reads, false)
		if v.Wrong {
			return &Failure{Kind: FailWrong, Text: v.Detail, Rounds: busy, Reads: reads, Ops: l.Ops()}
		}
		if !sameReads(reads, last) {
			last, mark = reads, l.lastMsg()
		} else if l.heardSince(mark) {
			break // stable while every node was heard: they have said all they know
		}
		// Nodes that gossip only on change go quiet once they agree.
		quietFor, waiting := l.quiet()
		if v.Agree && !waiting && quietFor >= ch.cfg.Quiet || time.Since(start) > ch.cfg.Final {
			break
		}
		if !delivered {
			l.Idle(l.opt.Settle) // time for the nodes' timers
		}
	}
	v := Judge(l.w, l.ops, reads, true)
	if !v.Wrong {
		return nil
	}
	f := &Failure{Kind: FailWrong, Text: v.Detail, Rounds: busy, Reads: reads, Ops: l.Ops()}
	switch v.Word {
	case "no read":
		f.Kind = FailSilent
	case "did not converge":
		f.Kind = FailConverge
		f.Text += fmt.Sprintf(" (after %d rounds of the final phase, %s)", rounds, time.Since(start).Round(10*time.Millisecond))
	}
	return f
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

// replay runs the written file as lab demo would, Retries times, and
// counts the runs in which the student's lane came out wrong.
func (ch *Checker) replay(file string) (runs, failed int) {
	s, err := parseScenario("failure.demo", file)
	if err != nil {
		return 0, 0
	}
	for range ch.cfg.Retries {
		if ch.starts.Load() < int64(len(ch.cfg.Names)) {
			break
		}
		sess, err := NewSession(s, ch.cfg.Argv, ch.options())
		if err != nil {
			return runs, failed
		}
		runs++
		if sess.Start() != nil {
			failed++
			sess.Close()
			continue
		}
		sess.RunAll()
		if sess.Wrong() || len(sess.Lane.Crashed()) > 0 {
			failed++
		}
		sess.Close()
		if failed > 0 {
			break
		}
	}
	return runs, failed
}
