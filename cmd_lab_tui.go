package main

import (
	"fmt"
	"io"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"

	"crdtviz/demos"
	"crdtviz/lab"
	"crdtviz/model"
	"crdtviz/replicas"
)

// runLabTUI runs the app with the student's lane: a demo (s) or free play
// (free). The nodes are stopped however the app ends: q, ctrl+c, a signal,
// or a panic (Bubble Tea recovers it and Run returns).
func runLabTUI(opts model.Options, s *demos.Scenario, free *replicas.Config, argv []string, opt lab.Options, stderr io.Writer) int {
	cfg := free
	if s != nil {
		c := s.Config()
		cfg = &c
		opts.Scenario = s
	} else {
		opts.Free = free
	}
	w, err := lab.WorkloadFor(cfg.Type)
	if err != nil {
		return fail(stderr, err)
	}
	lane, err := lab.New(w, cfg.Names, argv, opt)
	if err != nil {
		fmt.Fprintf(stderr, "crdtviz lab: %v\n", err)
		return 1
	}
	if s != nil && s.Initial != nil {
		lane.SetInitial(s.Initial)
	}
	f := lab.NewFollower(lane)
	defer f.Close()
	defer lab.KillAll()
	var suspending atomic.Bool
	opts.Suspend = func() tea.Cmd {
		suspending.Store(true)
		return tea.Suspend
	}
	opts.WriteFile = func(path string, data []byte, overwrite bool) error {
		return writeFile(path, data, overwrite, ":w")
	}
	m, err := model.NewLab(opts, model.LabOptions{Lane: f, Workload: w, Names: cfg.Names, Command: lab.ShellJoin(argv), Poll: time.Second})
	if err != nil {
		return fail(stderr, err)
	}
	p := tea.NewProgram(m, tea.WithoutSignalHandler())
	ended := handleSignals(p, &suspending)
	_, runErr := p.Run()
	code := endCode(ended(), runErr, stderr)
	if m.Root().Interrupted() && code == 0 {
		code = exitInterrupt
	}
	f.Close()
	if lane.LogsKept() {
		fmt.Fprintf(stderr, "crdtviz lab: your nodes' stderr is in %s\n", lane.LogDir())
	}
	return code
}
