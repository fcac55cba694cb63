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

	tea "charm.land/bubbletea/v2"

	"crdtviz/crdt"
	"crdtviz/model"
	"crdtviz/replicas"
)

func cmdPlay(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("play", "play [--type TYPE] [--replicas N] [--names A,B,C] [--theme T] [--ascii]\n\nStarts free play: make edits, cut links and sync, and watch both lanes.", stderr)
	typ := fs.String("type", "pn-counter", "the CRDT type: "+typeList())
	n := fs.Int("replicas", 3, "how many replicas, 2 to 8")
	names := fs.String("names", "", "comma-separated replica names (default Alice, Bob, Carol, ...)")
	look := addLookFlags(fs)
	rec := addRecordFlags(fs)
	if code := parseNoArgs(fs, args); code >= 0 {
		return code
	}
	t, err := crdt.ParseType(*typ)
	if err != nil {
		return fail(stderr, usageError{err.Error()})
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
			return fail(stderr, usageError{fmt.Sprintf("--replicas %d but --names gives %d names", *n, len(list))})
		}
	} else if *n < replicas.MinReplicas || *n > replicas.MaxReplicas {
		return fail(stderr, usageError{fmt.Sprintf("--replicas must be %d to %d, not %d", replicas.MinReplicas, replicas.MaxReplicas, *n)})
	}
	if err := replicas.CheckNames(list); err != nil {
		return fail(stderr, usageError{err.Error()})
	}
	opts, err := look.options()
	if err != nil {
		return fail(stderr, err)
	}
	opts.Free = &replicas.Config{Type: t, Names: list}
	return runTUI(opts, rec, stderr)
}

// runTUI runs the app until the user quits, keeping --record's file up to
// date after every change and complete when the app ends, however it ends
// (q, ctrl+c, SIGTERM or SIGHUP).
func runTUI(opts model.Options, rec recordFlags, stderr io.Writer) int {
	var r *recorder
	if rec.path != nil && *rec.path != "" {
		var err error
		if r, err = newRecorder(*rec.path, *rec.force); err != nil {
			return fail(stderr, usageError{err.Error()})
		}
		opts.Save = r.cmd
	}
	if !terminal() {
		fmt.Fprintln(stderr, notATerminal)
		return 1
	}
	root, err := model.New(opts)
	if err != nil {
		return fail(stderr, err)
	}
	p := tea.NewProgram(root)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP) // SIGINT and SIGTERM are Bubble Tea's
	defer signal.Stop(hup)
	go func() {
		if _, ok := <-hup; ok {
			p.Quit()
		}
	}()
	final, runErr := p.Run()
	code := 0
	if runErr != nil && !errors.Is(runErr, tea.ErrInterrupted) {
		fmt.Fprintf(stderr, "crdtviz: %v\n", runErr)
		code = 1
	}
	if r != nil {
		if m, ok := final.(*model.Root); ok {
			if err := r.save(r.next(), m.Recording()); err != nil {
				fmt.Fprintf(stderr, "crdtviz: --record: %v\n", err)
				return 1
			}
			fmt.Fprintf(stderr, "crdtviz: recorded to %s (replay: crdtviz demo %s)\n", r.path, r.path)
		}
	}
	return code
}
