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
	settle, step, rpc, init *time.Duration
	logs                    *string
}

func addLabFlags(fs *flag.FlagSet) labFlags {
	d := lab.Defaults
	return labFlags{
		settle: fs.Duration("settle", d.Settle, "a step ends when the nodes have been quiet this long"),
		step:   fs.Duration("step-timeout", d.StepTimeout, "a step ends after this in any case (nodes that gossip on timers are never quiet for long)"),
		rpc:    fs.Duration("rpc-timeout", d.RPCTimeout, "how long an edit or a read waits for its answer"),
		init:   fs.Duration("init-timeout", d.InitTimeout, "how long a node has to answer init"),
		logs:   fs.String("logs", "", "directory for the nodes' stderr, NAME.log (default: a new one in the temp directory)"),
	}
}

func (f labFlags) options(cmd string) (lab.Options, error) {
	o := lab.Options{Settle: *f.settle, StepTimeout: *f.step, RPCTimeout: *f.rpc, InitTimeout: *f.init, LogDir: *f.logs}
	for name, d := range map[string]time.Duration{"--settle": o.Settle, "--step-timeout": o.StepTimeout, "--rpc-timeout": o.RPCTimeout, "--init-timeout": o.InitTimeout} {
		if d <= 0 || d > 10*time.Minute {
			return o, fmt.Errorf("%s %s: give a positive time up to 10m, such as 50ms or 2s", name, d)
		}
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

// needCommand checks that a node command was given.
func needCommand(argv []string, stderr io.Writer, cmd string) bool {
	if len(argv) > 0 && argv[0] != "" {
		return true
	}
	fmt.Fprintf(stderr, "crdtviz %s: give your node's command after --, for example:\n  crdtviz %s --workload g-counter -- python3 my_counter.py\n", cmd, cmd)
	return false
}

// stopOnSignal runs cleanup when SIGINT, SIGTERM or SIGHUP arrives, and
// exits 128 plus the signal: the nodes never outlive crdtviz. The
// returned function stops listening.
func stopOnSignal(cleanup func()) func() {
	ch := make(chan os.Signal, 1)
	done := make(chan struct{})
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		select {
		case s := <-ch:
			cleanup()
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
	fs := newFlags("lab check", "lab check [flags] -- CMD [ARGS...]\n\nRuns random scenarios against your nodes: edits, cuts, partitions, drops,\nduplicates and reordering, then a final phase that heals and delivers until\nthe reads settle. It checks that the nodes converge and that their value is\nright. On a failure it shrinks the scenario and writes it to -o.", stderr)
	cl := addClusterFlags(fs)
	lf := addLabFlags(fs)
	d := lab.CheckDefaults
	runs := fs.Int("runs", d.Runs, "random scenarios to run")
	actions := fs.Int("actions", d.Actions, "actions in each scenario")
	seed := fs.Uint64("seed", 0, "the seed of the random scenarios (default: a new one, printed)")
	retries := fs.Int("retries", d.Retries, "runs of each shrinking candidate (nodes can be nondeterministic)")
	final := fs.Duration("final", d.Final, "the final phase ends after this in any case")
	quiet := fs.Duration("quiet", d.Quiet, "the final phase ends when no node has written for this long")
	out := fs.String("o", "failure.demo", "where to write the shrunk failure")
	force := fs.Bool("force", false, "overwrite -o even if lab check did not write it")
	pos, code := parseFlags(fs, own)
	if code >= 0 {
		return code
	}
	if len(pos) > 0 {
		return usageFail(stderr, "lab check", fmt.Sprintf("unexpected argument %q: the node's command goes after --", pos[0]))
	}
	if !needCommand(argv, stderr, "lab check") {
		return exitUsage
	}
	w, names, err := cl.parse()
	if err != nil {
		return usageFail(stderr, "lab check", err.Error())
	}
	opt, err := lf.options("lab check")
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
	case *final <= 0 || *quiet <= 0 || *final > time.Hour:
		return usageFail(stderr, "lab check", "--final and --quiet must be positive times, --final at most 1h")
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
	cfg := lab.CheckConfig{Workload: w, Names: names, Argv: argv, Runs: *runs, Actions: *actions, Seed: *seed,
		Retries: *retries, Final: *final, Quiet: *quiet, Options: opt, Progress: stdout, File: *out}
	fmt.Fprintf(stdout, "lab check: %s, nodes %s, %d runs of %d actions, seed %d\n", w.Name, strings.Join(names, ", "), *runs, *actions, *seed)
	stop := stopOnSignal(lab.KillAll)
	defer stop()
	defer lab.KillAll() // a panic, too
	res, err := lab.Check(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "crdtviz lab check: %v\n", err)
		return 1
	}
	if res.Found == nil {
		fmt.Fprintf(stdout, "passed: %d runs, every node converged on a right value (%d processes started)\n", res.Runs, res.Starts)
		return 0
	}
	f := res.Found
	if f.Kind == lab.FailStart {
		fmt.Fprintf(stdout, "\nFAILED: %s\n", f.Text)
		return 1
	}
	fmt.Fprintf(stdout, "\nFAILED in run %d: your nodes %s: %s\n", res.Run, f.Kind.Phrase(), f.Text)
	if res.LogDir != "" {
		fmt.Fprintf(stdout, "their stderr: %s\n", res.LogDir)
	}
	if res.File == "" {
		return 1
	}
	fmt.Fprintf(stdout, "shrunk from %s to %s (%d candidates tried)\n", replicas.Plural(len(f.Actions), "action"), replicas.Plural(len(res.Shrunk.Actions), "action"), res.Tried)
	switch {
	case res.Failed > 0:
		fmt.Fprintf(stdout, "replayed as a file, it fails again (%d of %d tries)\n", res.Failed, res.Replays)
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
	fs := newFlags("lab demo", "lab demo [--transcript] FILE -- CMD [ARGS...]\n\nPlays a scenario (a failure lab check wrote, or any file of a lab workload's\ntype) with your nodes as a third lane.", stderr)
	transcript := fs.Bool("transcript", false, "print a transcript instead of opening the app")
	lf := addLabFlags(fs)
	look := addLookFlags(fs)
	pos, code := parseFlags(fs, own)
	if code >= 0 {
		return code
	}
	if len(pos) != 1 {
		fs.Usage()
		return exitUsage
	}
	if !needCommand(argv, stderr, "lab demo") {
		return exitUsage
	}
	opt, err := lf.options("lab demo")
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
	defer sess.Close()
	stop := stopOnSignal(lab.KillAll)
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
	if sess.Err != nil {
		return exitUsage
	}
	if sess.Wrong() {
		return 1
	}
	return 0
}

func cmdLabPlay(args []string, stdout, stderr io.Writer) int {
	own, argv := splitCommand(args)
	fs := newFlags("lab", "lab [flags] -- CMD [ARGS...]\n\nFree play with your nodes as a third lane: every edit and every network\naction reaches them too.", stderr)
	cl := addClusterFlags(fs)
	lf := addLabFlags(fs)
	look := addLookFlags(fs)
	if code := parseNoArgs(fs, own); code >= 0 {
		return code
	}
	if !needCommand(argv, stderr, "lab") {
		return exitUsage
	}
	w, names, err := cl.parse()
	if err != nil {
		return usageFail(stderr, "lab", err.Error())
	}
	opt, err := lf.options("lab")
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
