package lab

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
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
	// MaxCandidates and ShrinkTime bound the shrinking.
	MaxCandidates int
	ShrinkTime    time.Duration
	// MaxTime bounds the random runs together. The shrinking has its own
	// bound, and each replay of the written file Options.ScenarioTime.
	MaxTime time.Duration
	// Options time and bound each run's lane; Options.Final bounds the
	// final phase.
	Options Options
	// Progress, if set, gets a line per run and per shrinking step.
	Progress io.Writer
	// File is where the failure will be written, for the comments in it
	// that say how to replay it (default failure.demo).
	File string
}

// CheckDefaults are lab check's defaults.
var CheckDefaults = CheckConfig{Runs: 20, Actions: 12, Retries: 3,
	MaxCandidates: 150, ShrinkTime: 3 * time.Minute, MaxTime: 5 * time.Minute}

func (c CheckConfig) withDefaults() CheckConfig {
	d := CheckDefaults
	orDefault(&c.Runs, d.Runs)
	orDefault(&c.Actions, d.Actions)
	orDefault(&c.Retries, d.Retries)
	orDefault(&c.MaxCandidates, d.MaxCandidates)
	orDefault(&c.ShrinkTime, d.ShrinkTime)
	orDefault(&c.MaxTime, d.MaxTime)
	c.Options = c.Options.withDefaults()
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
	Actions []replicas.Action // the actions run, up to the one that failed
	Of      int               // the actions the run had
	Rounds  int               // rounds of the final phase that delivered something
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
	Failed  int      // of which it failed the same way
	// Other is how a replay failed when it failed another way.
	Other *Failure
	// LogDir holds the nodes' stderr, the last run's; "" once removed,
	// when every log was empty.
	LogDir string
	Starts int64 // processes started
	// Stopped says why the check stopped before its runs were done: its
	// bound on time.
	Stopped string
}

// Checker runs random scenarios against a student's node.
type Checker struct {
	cfg      CheckConfig
	shared   Shared
	logDir   string
	deadline time.Time // the runs, or the shrinking, stop here
}

// errStopped ends a run at the check's deadline.
var errStopped = errors.New("stopped: out of time")

// Check runs cfg.Runs random scenarios; on the first failure it shrinks
// it, writes it as a scenario file and replays the file.
func Check(cfg CheckConfig) (*CheckResult, error) {
	cfg = cfg.withDefaults()
	ch := &Checker{cfg: cfg, logDir: cfg.Options.LogDir}
	own := ch.logDir == ""
	if own {
		dir, err := os.MkdirTemp("", "crdtviz-lab-")
		if err != nil {
			return nil, err
		}
		ch.logDir = dir
	}
	res := &CheckResult{LogDir: ch.logDir}
	defer func() {
		res.Starts = ch.shared.Starts.Load()
		if own && CleanLogs(ch.logDir) {
			res.LogDir = ""
		}
	}()
	if _, err := LookCommand(cfg.Argv, cfg.Options.Dir); err != nil {
		return res, err
	}
	began := time.Now()
	ch.deadline = began.Add(cfg.MaxTime)
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x1ab))
	for run := 1; run <= cfg.Runs; run++ {
		actions := Generate(rng, cfg.Workload, cfg.Names, cfg.Actions)
		f, err := ch.runOnce(actions)
		if errors.Is(err, errStopped) {
			res.Stopped = fmt.Sprintf("lab check stopped after %s, its bound (--max-time): %s passed, about %s each", cfg.MaxTime, replicas.Plural(res.Runs, "run"), (time.Since(began) / time.Duration(max(res.Runs, 1))).Round(100*time.Millisecond))
			return res, nil
		}
		if err != nil {
			return res, err
		}
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
		ch.deadline = time.Now().Add(cfg.ShrinkTime)
		res.Shrunk, res.Tried = ch.shrink(f)
		file, err := WriteScenario(cfg, res.Shrunk, run)
		if err != nil {
			return res, err
		}
		res.File = file
		res.Replays, res.Failed, res.Other = ch.replay(file, res.Shrunk.Kind)
		return res, nil
	}
	return res, nil
}

func (ch *Checker) progress(format string, args ...any) {
	if ch.cfg.Progress != nil {
		fmt.Fprintf(ch.cfg.Progress, format+"\n", args...)
	}
}

// options are the lane options of one run: shared counters, shared logs.
func (ch *Checker) options() Options {
	o := ch.cfg.Options
	o.Shared = &ch.shared
	o.LogDir = ch.logDir
	return o
}

// runOnce runs one scenario as lab demo runs a file of it: each action,
// then every node is read (a read no correct node could give fails the
// run at once, as a crash does); then the final phase, and its verdict.
// It returns nil if the run passed. The error is for what stops the
// check itself: errStopped at its deadline.
func (ch *Checker) runOnce(actions []replicas.Action) (*Failure, error) {
	l, err := New(ch.cfg.Workload, ch.cfg.Names, ch.cfg.Argv, ch.options())
	if err != nil {
		return nil, err
	}
	defer l.Close()
	if err := l.Start(); err != nil {
		var se *StartError
		if !errors.As(err, &se) {
			return nil, err // crdtviz's own bound
		}
		return &Failure{Kind: FailStart, Text: err.Error(), Actions: actions, Of: len(actions)}, nil
	}
	for k, a := range actions {
		if time.Now().After(ch.deadline) {
			return nil, errStopped
		}
		l.Apply(a)
		reads := l.ReadAll()
		at := func(kind FailureKind, text string) *Failure {
			return &Failure{Kind: kind, Text: text + " (after " + a.String() + ")", Actions: slices.Clone(actions[:k+1]), Of: len(actions), Reads: reads, Ops: l.Ops()}
		}
		if c := l.Crashed(); len(c) > 0 {
			return at(FailCrash, strings.Join(c, "; ")), nil
		}
		if v := Judge(l.w, l.ops, reads, false); v.Wrong {
			return at(FailWrong, v.Detail), nil
		}
	}
	if time.Now().After(ch.deadline) {
		return nil, errStopped
	}
	fr := l.FinalPhase()
	f := finalFailure(l, fr)
	if f != nil {
		f.Actions, f.Of = actions, len(actions)
	}
	return f, nil
}

// finalFailure turns a final phase's verdict into a failure, or nil.
func finalFailure(l *Lane, fr FinalResult) *Failure {
	f := &Failure{Rounds: fr.Rounds, Reads: fr.Reads, Ops: l.Ops()}
	v := fr.Verdict
	switch {
	case len(l.Crashed()) > 0:
		f.Kind, f.Text = FailCrash, strings.Join(l.Crashed(), "; ")+" (in the final phase)"
	case !v.Wrong:
		return nil
	case v.Word == "no read":
		f.Kind, f.Text = FailSilent, v.Detail
	case v.Word == "did not converge":
		f.Kind, f.Text = FailConverge, v.Detail+" (after the final phase: "+fr.Summary()+")"
	default:
		f.Kind, f.Text = FailWrong, v.Detail
	}
	return f
}

// replay runs the written file as lab demo runs it, up to Retries
// times, and counts the runs in which it failed the same way (kind) as
// the shrunk failure; other is the first that failed another way.
func (ch *Checker) replay(file string, kind FailureKind) (runs, same int, other *Failure) {
	s, err := parseScenario("failure.demo", file)
	if err != nil {
		return 0, 0, nil
	}
	for range ch.cfg.Retries {
		sess, err := NewSession(s, ch.cfg.Argv, ch.options())
		if err != nil {
			return runs, same, other
		}
		runs++
		if err := sess.Start(); err == nil {
			sess.RunAll()
		}
		f := sess.Failure()
		sess.Close()
		switch {
		case f != nil && f.Kind == kind:
			same++
			return runs, same, other
		case f != nil && other == nil:
			other = f
		}
	}
	return runs, same, other
}
