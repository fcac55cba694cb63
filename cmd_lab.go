package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/charmbracelet/x/ansi"

	"crdtviz/demos"
	"crdtviz/lab"
	"crdtviz/replicas"
)

const labUsage = `crdtviz lab: run your own CRDT nodes (Maelstrom's protocol) beside crdtviz's.

Usage:
  crdtviz lab [flags] -- CMD [ARGS...]              the app, with a third lane: your nodes
  crdtviz lab check [flags] -- CMD [ARGS...]        random runs; exit 0, or a shrunk failure
  crdtviz lab demo [--transcript] FILE -- CMD ...   step through a scenario (a failure) with your nodes

CMD is your node: crdtviz starts one process per replica and talks to it
on stdin and stdout, one JSON message per line (docs/lab.md).

Examples:
  crdtviz lab --workload g-counter -- python3 my_counter.py
  crdtviz lab check --workload g-set -- python3 examples/lab/gset.py
  crdtviz lab demo failure.demo -- ./my-counter

Run 'crdtviz lab check --help' (or lab demo, lab) for the flags.
`

// splitCommand splits arguments at the first "--": crdtviz's own before,
// the node's command after.
func splitCommand(args []string) (own, argv []string) {
	for i, a := range args {
		if a == "--" {
			return args[:i], args[i+1:]
		}
	}
	return args, nil
}

func cmdLab(args []string, stdout, stderr io.Writer) int {
	// crdtviz is the reaper of everything the nodes start (Linux), so
	// that it can kill what they leave behind: the lab commands start no
	// other child.
	_ = lab.Subreaper()
	if len(args) > 0 {
		switch args[0] {
		case "check":
			return cmdLabCheck(args[1:], stdout, stderr)
		case "demo":
			return cmdLabDemo(args[1:], stdout, stderr)
		case "-h", "--help", "-help", "help":
			fmt.Fprint(stdout, labUsage)
			return 0
		}
	}
	return cmdLabPlay(args, stdout, stderr)
}

// labFlags are the timing flags every lab command takes.
type labFlags struct {
	settle, step, rpc, init, final, maxTime *time.Duration
	logs                                    *string
}

// addLabFlags adds the timing flags; maxTime is what --max-time bounds
// in this command, and its default.
func addLabFlags(fs *flag.FlagSet, maxTime string, maxDefault time.Duration) labFlags {
	d := lab.Defaults
	return labFlags{
		settle:  fs.Duration("settle", d.Settle, "a step ends when the nodes have been quiet this long"),
		step:    fs.Duration("step-timeout", d.StepTimeout, "a step ends after this in any case (nodes that gossip on timers are never quiet for long)"),
		rpc:     fs.Duration("rpc-timeout", d.RPCTimeout, "how long an edit or a read waits for its answer"),
		init:    fs.Duration("init-timeout", d.InitTimeout, "how long a node has to answer init"),
		final:   fs.Duration("final", d.Final, "the final phase ends after this in any case"),
		maxTime: fs.Duration("max-time", maxDefault, maxTime),
		logs:    fs.String("logs", "", "directory for the nodes' stderr, NAME.log (default: a new one in the temp directory, removed if every log is empty)"),
	}
}

func (f labFlags) options() (lab.Options, error) {
	o := lab.Options{Settle: *f.settle, StepTimeout: *f.step, RPCTimeout: *f.rpc, InitTimeout: *f.init, Final: *f.final,
		ScenarioTime: *f.maxTime, LogDir: *f.logs}
	for _, fl := range []struct {
		name string
		d    time.Duration
	}{{"--settle", o.Settle}, {"--step-timeout", o.StepTimeout}, {"--rpc-timeout", o.RPCTimeout}, {"--init-timeout", o.InitTimeout}, {"--final", o.Final}} {
		if fl.d <= 0 || fl.d > 10*time.Minute {
			return o, fmt.Errorf("%s %s: give a positive time up to 10m, such as 50ms or 2s", fl.name, fl.d)
		}
	}
	if *f.maxTime <= 0 || *f.maxTime > time.Hour {
		return o, fmt.Errorf("--max-time %s: give a positive time up to 1h, such as 30s or 5m", *f.maxTime)
	}
	if o.Settle >= o.StepTimeout {
		return o, fmt.Errorf("--settle %s must be shorter than --step-timeout %s", o.Settle, o.StepTimeout)
	}
	return o, nil
}

// clusterFlags are --workload, --replicas and --names.
type clusterFlags struct {
	workload *string
	n        *int
	names    *string
	fs       *flag.FlagSet
}

func addClusterFlags(fs *flag.FlagSet) clusterFlags {
	return clusterFlags{
		workload: fs.String("workload", "g-counter", "what your nodes implement: g-counter, pn-counter, g-set, lww-register or or-set"),
		n:        fs.Int("replicas", 3, "how many nodes, 2 to 8"),
		names:    fs.String("names", "", "comma-separated node ids (default Alice, Bob, Carol, ...)"),
		fs:       fs,
	}
}

func (c clusterFlags) parse() (*lab.Workload, []string, error) {
	w, err := lab.ParseWorkload(*c.workload)
	if err != nil {
		return nil, nil, err
	}
	list := defaultNames(*c.n)
	if *c.names != "" {
		list = strings.Split(*c.names, ",")
		for i := range list {
			list[i] = strings.TrimSpace(list[i])
		}
		setN := false
		c.fs.Visit(func(f *flag.Flag) { setN = setN || f.Name == "replicas" })
		if setN && len(list) != *c.n {
			return nil, nil, fmt.Errorf("--replicas %d but --names gives %d names", *c.n, len(list))
		}
	} else if *c.n < replicas.MinReplicas || *c.n > replicas.MaxReplicas {
		return nil, nil, fmt.Errorf("--replicas must be %d to %d, not %d", replicas.MinReplicas, replicas.MaxReplicas, *c.n)
	}
	if err := replicas.CheckNames(list); err != nil {
		return nil, nil, err
	}
	if err := lab.CheckNames(list); err != nil {
		return nil, nil, err
	}
	return w, list, nil
}

// needCommand checks that a node command was given, and that it can be
// run: both are usage errors. example is the command line the message
// suggests, before the --.
func needCommand(argv []string, stderr io.Writer, cmd, example string) bool {
	if len(argv) == 0 || argv[0] == "" {
		fmt.Fprintf(stderr, "crdtviz %s: give your node's command after --, for example:\n  %s -- python3 my_counter.py\n", cmd, example)
		return false
	}
	return true
}

// canRun checks that the node's command can be run (a usage error).
func canRun(argv []string, stderr io.Writer, cmd string) bool {
	if _, err := lab.LookCommand(argv, ""); err != nil {
		fmt.Fprintf(stderr, "crdtviz %s: %v\n", cmd, err)
		return false
	}
	return true
}

// logsNote says where the nodes' stderr is, when a log has something in
// it: an own directory whose every log is empty is removed.
func logsNote(stderr io.Writer, cmd, dir string, own bool) {
	if dir == "" || own && lab.CleanLogs(dir) {
		return
	}
	fmt.Fprintf(stderr, "crdtviz %s: your nodes' stderr is in %s\n", cmd, dir)
}

// stopOnSignal runs cleanup when SIGINT, SIGTERM or SIGHUP arrives, and
// exits 128 plus the signal: the nodes never outlive crdtviz. The
// returned function stops listening.
func stopOnSignal(cleanup func(os.Signal)) func() {
	ch := make(chan os.Signal, 1)
	done := make(chan struct{})
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		select {
		case s := <-ch:
			cleanup(s)
			code := map[os.Signal]int{syscall.SIGINT: exitInterrupt, syscall.SIGTERM: exitTerminate, syscall.SIGHUP: exitHangup}[s]
			os.Exit(code)
		case <-done:
		}
	}()
	return func() {
		signal.Stop(ch)
		close(done)
	}
}

func cmdLabCheck(args []string, stdout, stderr io.Writer) int {
	own, argv := splitCommand(args)
	fs := newFlags("lab check", "lab check [flags] -- CMD [ARGS...]\n\nRuns random scenarios against your nodes: edits, cuts, partitions, drops,\nduplicates and reordering, then a final phase that heals and delivers until\nevery node that made an edit has been heard by every other. It checks that\nthe nodes converge and that their value is right. On a failure it shrinks\nthe scenario and writes it to -o.", stderr)
	cl := addClusterFlags(fs)
	d := lab.CheckDefaults
	lf := addLabFlags(fs, "the random runs end after this in any case (the shrinking has its own bound, 3m)", d.MaxTime)
	runs := fs.Int("runs", d.Runs, "random scenarios to run")
	actions := fs.Int("actions", d.Actions, "actions in each scenario")
	seed := fs.Uint64("seed", 0, "the seed of the random scenarios (default: a new one, printed)")
	retries := fs.Int("retries", d.Retries, "runs of each shrinking candidate (nodes can be nondeterministic)")
	out := fs.String("o", "failure.demo", "where to write the shrunk failure")
	force := fs.Bool("force", false, "overwrite -o even if lab check did not write it")
	pos, code := parseFlags(fs, own)
	if code >= 0 {
		return code
	}
	if len(pos) > 0 {
		return usageFail(stderr, "lab check", fmt.Sprintf("unexpected argument %q: the node's command goes after --", pos[0]))
	}
	w, names, err := cl.parse()
	if err != nil {
		return usageFail(stderr, "lab check", err.Error())
	}
	opt, err := lf.options()
	if err != nil {
		return usageFail(stderr, "lab check", err.Error())
	}
	switch {
	case *runs < 1 || *runs > 10000:
		return usageFail(stderr, "lab check", "--runs must be 1 to 10000")
	case *actions < 1 || *actions > 200:
		return usageFail(stderr, "lab check", "--actions must be 1 to 200")
	case *retries < 1 || *retries > 20:
		return usageFail(stderr, "lab check", "--retries must be 1 to 20")
	}
	if !needCommand(argv, stderr, "lab check", "crdtviz lab check --workload "+w.Name) || !canRun(argv, stderr, "lab check") {
		return exitUsage
	}
	fsSet := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { fsSet[f.Name] = true })
	if !fsSet["seed"] {
		*seed = uint64(time.Now().UnixNano()) % 1_000_000
	}
	// -o is checked before any node runs: a failure found after minutes
	// must have somewhere to go.
	if err := checkOutput(*out, *force); err != nil {
		return usageFail(stderr, "lab check", err.Error())
	}
	maxTime := opt.ScenarioTime
	opt.ScenarioTime = 0 // each replay of the file: the default bound
	cfg := lab.CheckConfig{Workload: w, Names: names, Argv: argv, Runs: *runs, Actions: *actions, Seed: *seed,
		Retries: *retries, MaxTime: maxTime, Options: opt, Progress: stdout, File: *out}
	fmt.Fprintf(stdout, "lab check: %s, nodes %s, %d runs of %d actions, seed %d\n", w.Name, strings.Join(names, ", "), *runs, *actions, *seed)
	stop := stopOnSignal(func(os.Signal) {
		lab.KillAll()
		fmt.Fprintf(stdout, "\ninterrupted: lab check stopped, and so did your nodes (rerun with --seed %d for the same runs)\n", *seed)
	})
	defer stop()
	defer lab.KillAll() // a panic, too
	res, err := lab.Check(cfg)
	if res != nil {
		defer logsNote(stderr, "lab check", res.LogDir, false)
	}
	if err != nil {
		fmt.Fprintf(stderr, "crdtviz lab check: %v\n", err)
		return 1
	}
	if res.Stopped != "" {
		fmt.Fprintf(stdout, "\n%s; no failure found, but the check is not done: give it more time, or fewer --runs\n", res.Stopped)
		return 1
	}
	if res.Found == nil {
		fmt.Fprintf(stdout, "passed: %s, every node converged on a right value (%d processes started)\n", replicas.Plural(res.Runs, "run"), res.Starts)
		return 0
	}
	f := res.Found
	if f.Kind == lab.FailStart {
		fmt.Fprintf(stdout, "\nFAILED: %s\n", f.Text)
		return 1
	}
	fmt.Fprintf(stdout, "\nFAILED in run %d: your nodes %s: %s\n", res.Run, f.Kind.Phrase(), f.Text)
	if res.File == "" {
		return 1
	}
	from := replicas.Plural(f.Of, "action")
	if len(f.Actions) < f.Of {
		from = fmt.Sprintf("the %s the run got to (of %d)", replicas.Plural(len(f.Actions), "action"), f.Of)
	}
	fmt.Fprintf(stdout, "shrunk from %s to %s (%d candidates tried)\n", from, replicas.Plural(len(res.Shrunk.Actions), "action"), res.Tried)
	switch {
	case res.Failed > 0:
		fmt.Fprintf(stdout, "replayed as a file, it fails again the same way (%d of %d tries)\n", res.Failed, res.Replays)
	case res.Other != nil:
		fmt.Fprintf(stdout, "note: replayed as a file, it failed %d times, but not the same way: your nodes %s: %s; they depend on timing here, so lab demo may show either\n", res.Replays, res.Other.Kind.Phrase(), res.Other.Text)
	case res.Replays > 0:
		fmt.Fprintf(stdout, "note: replayed as a file, it passed %d times: your nodes depend on timing here; lab demo may not show the failure every time\n", res.Replays)
	}
	if err := writeFile(*out, []byte(res.File), true, "-o"); err != nil {
		fmt.Fprintf(stderr, "crdtviz lab check: %v\n", err)
		fmt.Fprint(stdout, "\n"+res.File)
		return 1
	}
	fmt.Fprintf(stdout, "wrote %s:\n\n%s\nstep through it: crdtviz lab demo %s -- %s\n", *out, indent(res.File), *out, lab.ShellJoin(argv))
	return 1
}

// checkOutput refuses to replace a file lab check did not write, unless
// force.
func checkOutput(path string, force bool) error {
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		_, err := checkTarget(path, false, "-o")
		return err
	case err != nil:
		return fmt.Errorf("-o %s: %v", path, err)
	case force || strings.HasPrefix(string(data), lab.Marker):
		_, err := checkTarget(path, true, "-o")
		return err
	}
	return fmt.Errorf("-o %s: %w, and lab check did not write it; add --force to overwrite it, or name another file", path, errExists)
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = "  " + l
		}
	}
	return strings.Join(lines, "\n") + "\n"
}

func cmdLabDemo(args []string, stdout, stderr io.Writer) int {
	own, argv := splitCommand(args)
	fs := newFlags("lab demo", "lab demo [--transcript] FILE -- CMD [ARGS...]\n\nPlays a scenario (a failure lab check wrote, any file of a lab workload's\ntype, or a built-in demo such as cart) with your nodes as a third lane.\nAfter its last step, your nodes get lab check's final phase; then their\nreads are judged.", stderr)
	transcript := fs.Bool("transcript", false, "print a transcript instead of opening the app")
	lf := addLabFlags(fs, "a run of the scenario stops after this (in the app: a catch-up after ←)", lab.Defaults.ScenarioTime)
	look := addLookFlags(fs)
	pos, code := parseFlags(fs, own)
	if code >= 0 {
		return code
	}
	if len(pos) != 1 {
		fs.Usage()
		return exitUsage
	}
	if !needCommand(argv, stderr, "lab demo", "crdtviz lab demo "+lab.ShellJoin(pos)) {
		return exitUsage
	}
	opt, err := lf.options()
	if err != nil {
		return usageFail(stderr, "lab demo", err.Error())
	}
	s, err := demos.Load(pos[0])
	if err != nil {
		fmt.Fprintf(stderr, "crdtviz lab demo: %v\n", err)
		return exitUsage
	}
	if _, err := lab.CheckScenario(s); err != nil {
		fmt.Fprintf(stderr, "crdtviz lab demo: %v\n", err)
		return exitUsage
	}
	if err := lab.CheckNames(s.Replicas); err != nil {
		fmt.Fprintf(stderr, "crdtviz lab demo: %s: %v\n", s.File, err)
		return exitUsage
	}
	if !canRun(argv, stderr, "lab demo") {
		return exitUsage
	}
	if !*transcript {
		opts, err := look.options()
		if err != nil {
			return fail(stderr, err)
		}
		if terminal() {
			return runLabTUI(opts, s, nil, argv, opt, stderr)
		}
		fmt.Fprintf(stderr, "crdtviz: not a terminal, so here is the transcript (crdtviz lab demo --transcript %s -- %s)\n", pos[0], lab.ShellJoin(argv))
	}
	sess, err := lab.NewSession(s, argv, opt)
	if err != nil {
		fmt.Fprintf(stderr, "crdtviz lab demo: %v\n", err)
		return exitUsage
	}
	defer func() {
		sess.Close()
		logsNote(stderr, "lab demo", sess.Lane.LogDir(), opt.LogDir == "")
	}()
	stop := stopOnSignal(func(os.Signal) { lab.KillAll() })
	defer stop()
	if err := sess.Start(); err != nil {
		fmt.Fprintf(stderr, "crdtviz lab demo: %v\n", err)
		return 1
	}
	sess.RunAll()
	if err := lab.WriteTranscript(stdout, sess, ansi.StringWidth); err != nil {
		fmt.Fprintf(stderr, "crdtviz lab demo: %v\n", err)
		return 1
	}
	switch {
	case sess.Err != nil:
		return exitUsage
	case sess.Wrong(), sess.Stopped != "":
		return 1
	}
	return 0
}

func cmdLabPlay(args []string, stdout, stderr io.Writer) int {
	own, argv := splitCommand(args)
	fs := newFlags("lab", "lab [flags] -- CMD [ARGS...]\n\nFree play with your nodes as a third lane: every edit and every network\naction reaches them too.", stderr)
	cl := addClusterFlags(fs)
	lf := addLabFlags(fs, "a catch-up of your lane after ← stops after this", lab.Defaults.ScenarioTime)
	look := addLookFlags(fs)
	if code := parseNoArgs(fs, own); code >= 0 {
		return code
	}
	w, names, err := cl.parse()
	if err != nil {
		return usageFail(stderr, "lab", err.Error())
	}
	if !needCommand(argv, stderr, "lab", "crdtviz lab --workload "+w.Name) || !canRun(argv, stderr, "lab") {
		return exitUsage
	}
	opt, err := lf.options()
	if err != nil {
		return usageFail(stderr, "lab", err.Error())
	}
	opts, err := look.options()
	if err != nil {
		return fail(stderr, err)
	}
	if !terminal() {
		fmt.Fprintln(stderr, "crdtviz: the lab app needs a terminal; without one, try: crdtviz lab check ... or crdtviz lab demo --transcript FILE ...")
		return 1
	}
	cfg := replicas.Config{Type: w.Type, Names: names}
	return runLabTUI(opts, nil, &cfg, argv, opt, stderr)
}
