package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	tea "charm.land/bubbletea/v2"

	"crdtviz/crdt"
	"crdtviz/model"
	"crdtviz/replicas"
)

func cmdPlay(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("play", "play [--type TYPE] [--replicas N] [--names A,B,C] [--mode state|op|delta] [--delivery causal|any] [--dedup on|off] [--theme T] [--ascii]\n\nStarts free play: make edits, cut links and sync, and watch both lanes.", stderr)
	typ := fs.String("type", "pn-counter", "the CRDT type: "+typeList())
	n := fs.Int("replicas", 3, "how many replicas, 2 to 8")
	names := fs.String("names", "", "comma-separated replica names (default Alice, Bob, Carol, ...)")
	mode := fs.String("mode", "state", "what a CRDT-lane message carries: state, op or delta")
	delivery := fs.String("delivery", "causal", "op mode: apply ops in causal order (causal) or as they arrive (any)")
	dedup := fs.String("dedup", "on", "op mode: ignore an op delivered twice (on) or apply it again (off)")
	look := addLookFlags(fs)
	rec := addRecordFlags(fs)
	if code := parseNoArgs(fs, args); code >= 0 {
		return code
	}
	t, err := crdt.ParseType(*typ)
	if err != nil {
		return usageFail(stderr, "play", err.Error())
	}
	list := defaultNames(*n)
	if *names != "" {
		list = strings.Split(*names, ",")
		for i := range list {
			list[i] = strings.TrimSpace(list[i])
		}
		setN := false
		fs.Visit(func(f *flag.Flag) { setN = setN || f.Name == "replicas" })
		if setN && len(list) != *n {
			return usageFail(stderr, "play", fmt.Sprintf("--replicas %d but --names gives %d names", *n, len(list)))
		}
	} else if *n < replicas.MinReplicas || *n > replicas.MaxReplicas {
		return usageFail(stderr, "play", fmt.Sprintf("--replicas must be %d to %d, not %d", replicas.MinReplicas, replicas.MaxReplicas, *n))
	}
	if err := replicas.CheckNames(list); err != nil {
		return usageFail(stderr, "play", err.Error())
	}
	cfg := replicas.Config{Type: t, Names: list}
	if cfg.Mode, err = replicas.ParseMode(*mode); err != nil {
		return usageFail(stderr, "play", err.Error())
	}
	switch *delivery {
	case "causal":
	case "any":
		cfg.AnyOrder = true
	default:
		return usageFail(stderr, "play", fmt.Sprintf("--delivery %q: choose causal or any", *delivery))
	}
	switch *dedup {
	case "on":
	case "off":
		cfg.NoDedup = true
	default:
		return usageFail(stderr, "play", fmt.Sprintf("--dedup %q: choose on or off", *dedup))
	}
	if (cfg.AnyOrder || cfg.NoDedup) && cfg.Mode != replicas.ModeOp {
		return usageFail(stderr, "play", "--delivery and --dedup are op mode's rules: add --mode op")
	}
	opts, err := look.options()
	if err != nil {
		return fail(stderr, err)
	}
	opts.Free = &cfg
	return runTUI(opts, rec, stderr)
}

// Exit codes for a session that a signal ended: 128 plus the signal.
const (
	exitHangup    = 129
	exitInterrupt = 130
	exitTerminate = 143
)

// runTUI runs the app until the user quits, keeping --record's file up to
// date and complete when the app ends, however it ends (q, ctrl+c, SIGINT,
// SIGTERM or SIGHUP). If the file cannot be written, the session goes to a
// file in the OS temp directory, and its path is printed.
func runTUI(opts model.Options, rec recordFlags, stderr io.Writer) int {
	var r *recorder
	if rec.path != nil && *rec.path != "" {
		var err error
		if r, err = newRecorder(*rec.path, *rec.force); err != nil {
			return usageFail(stderr, "play", err.Error())
		}
		opts.Save = r.cmd
		if r.t.note != "" {
			fmt.Fprintf(stderr, "crdtviz: --record: %s\n", r.t.note)
		}
	}
	if !terminal() {
		fmt.Fprintln(stderr, notATerminal)
		return 1
	}
	if r != nil {
		if err := r.start(); err != nil {
			return usageFail(stderr, "play", err.Error())
		}
	}
	var suspending atomic.Bool
	opts.Suspend = func() tea.Cmd {
		suspending.Store(true) // the SIGTSTP Bubble Tea raises is ours
		return tea.Suspend
	}
	opts.WriteFile = func(path string, data []byte, overwrite bool) error {
		return writeFile(path, data, overwrite, ":w")
	}
	root, err := model.New(opts)
	if err != nil {
		return fail(stderr, err)
	}
	p := tea.NewProgram(root, tea.WithoutSignalHandler())
	if r != nil {
		r.mu.Lock()
		r.report = p.Send
		r.mu.Unlock()
	}
	ended := handleSignals(p, &suspending)
	final, runErr := p.Run()
	code := endCode(ended(), runErr, stderr)
	m, ok := final.(*model.Root)
	if ok && m.Interrupted() && code == 0 {
		code = exitInterrupt
	}
	if r != nil && !finishRecording(r, m, stderr) { // m is nil after a panic
		return 1
	}
	return code
}

// endCode is the exit code of an app that ended by sig (nil for none) or
// with runErr.
func endCode(sig os.Signal, runErr error, stderr io.Writer) int {
	switch {
	case sig == syscall.SIGINT:
		return exitInterrupt
	case sig == syscall.SIGTERM:
		return exitTerminate
	case sig == syscall.SIGHUP:
		return exitHangup
	case runErr != nil && !errors.Is(runErr, tea.ErrInterrupted):
		fmt.Fprintf(stderr, "crdtviz: %v\n", runErr)
		return 1
	}
	return 0
}

// handleSignals ends the app on SIGINT, SIGTERM and SIGHUP (the caller
// saves what it must, then exits 128 plus the signal), and suspends it
// properly on SIGTSTP (kill -TSTP, or ctrl+z in the app): the terminal is
// given back to the shell, and on fg the app takes it again and repaints.
// suspending is set while a suspend is under way. It returns a function that says
// which signal ended the app, if any.
func handleSignals(p *tea.Program, suspending *atomic.Bool) func() os.Signal {
	var mu sync.Mutex
	var got os.Signal
	end := make(chan os.Signal, 1)
	signal.Notify(end, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		s := <-end
		mu.Lock()
		got = s
		mu.Unlock()
		p.Quit()
	}()
	tstp := make(chan os.Signal, 1)
	signal.Notify(tstp, syscall.SIGTSTP)
	go func() {
		for range tstp {
			if suspending.CompareAndSwap(false, true) {
				// kill -TSTP from outside: let Bubble Tea release the
				// terminal; it then raises SIGTSTP itself.
				p.Send(tea.SuspendMsg{})
				continue
			}
			// Bubble Tea's own SIGTSTP, with the terminal released. Once
			// notified, Go drops SIGTSTP, so stop the job as a shell's
			// ctrl+z would; fg continues it, and Bubble Tea takes the
			// terminal back and repaints.
			_ = syscall.Kill(0, syscall.SIGSTOP)
			suspending.Store(false)
		}
	}()
	return func() os.Signal {
		signal.Stop(end)
		signal.Stop(tstp)
		mu.Lock()
		defer mu.Unlock()
		return got
	}
}

// finishRecording writes --record's file at exit: the final recording, or,
// when the app ended without a model (a panic, which Bubble Tea recovers
// from), the newest recording it handed over, so that nothing is lost
// beyond the last change. When the file cannot be written, the session goes
// to a file in the temp directory. It reports whether the session is saved.
func finishRecording(r *recorder, m *model.Root, stderr io.Writer) bool {
	var err error
	text := ""
	if m != nil {
		text = m.Recording()
		err = r.final(text)
	} else {
		err, _ = r.flush()
		r.mu.Lock()
		text = r.pending
		r.mu.Unlock()
	}
	if err == nil {
		fmt.Fprintf(stderr, "crdtviz: recorded to %s (replay: crdtviz demo %s)\n", r.t.named, r.t.named)
		return true
	}
	fmt.Fprintf(stderr, "crdtviz: --record %s: %v\n", r.t.named, err)
	if text == "" {
		return false
	}
	if path, ferr := fallbackFile(r.t.named, []byte(text)); ferr == nil {
		fmt.Fprintf(stderr, "crdtviz: the session is saved instead to %s\n", path)
	} else {
		fmt.Fprintf(stderr, "crdtviz: and it could not be saved in the temp directory either: %v\n", ferr)
	}
	return false
}
