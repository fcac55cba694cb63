package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"crdtviz/model"
)

// saveEvery is the least time between two writes of --record's file: a
// burst of key presses costs one rewrite, not one per key. The last
// recording is always written at exit and on signals.
const saveEvery = 250 * time.Millisecond

// recorder keeps --record's file up to date. The app hands it every new
// recording; it writes the newest at most every saveEvery, in the
// background, and reports a failing save to the app at once (and a
// success after a failure), so that the warning shows while the session is
// still in memory.
type recorder struct {
	t target

	mu      sync.Mutex
	pending string
	has     bool
	last    time.Time
	timer   *time.Timer
	failed  error
	report  func(tea.Msg) // p.Send, once the program runs
	writes  int           // how many times the file was written, for tests
	// made numbers the recordings handed over, in the order the app made
	// them; newest is the number of the one pending. Commands run
	// concurrently, so an older recording can arrive after a newer one:
	// it is ignored.
	made, newest int
}

// newRecorder checks the path before anything runs (see checkTarget). Call
// start before the app runs.
func newRecorder(path string, force bool) (*recorder, error) {
	t, err := checkTarget(path, force, "--record")
	if err != nil {
		return nil, err
	}
	probe, err := os.CreateTemp(filepath.Dir(t.path), ".crdtviz-probe-*")
	if err != nil {
		return nil, fmt.Errorf("--record %s: cannot write there: %w", path, errors.Unwrap(err))
	}
	probe.Close()
	os.Remove(probe.Name())
	return &recorder{t: t}, nil
}

// start removes stale temporary files a killed run left beside the file,
// and claims the name by creating the file when it does not exist.
func (r *recorder) start() error {
	removeStale(r.t.path, time.Now())
	if err := claim(&r.t, nil); err != nil {
		return fmt.Errorf("--record %s: cannot write there: %w", r.t.named, err)
	}
	return nil
}

// cmd is model.Options.Save: it hands the recording over and returns at
// once; the write happens in the background.
func (r *recorder) cmd(text string) tea.Cmd {
	r.mu.Lock()
	r.made++
	n := r.made
	r.mu.Unlock()
	return func() tea.Msg {
		r.submitNth(n, text)
		return nil
	}
}

// submit hands over the newest recording.
func (r *recorder) submit(text string) {
	r.mu.Lock()
	r.made++
	n := r.made
	r.mu.Unlock()
	r.submitNth(n, text)
}

// submitNth hands over recording number n, unless a newer one came first.
func (r *recorder) submitNth(n int, text string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if n < r.newest {
		return
	}
	r.newest = n
	r.pending, r.has = text, true
	if r.timer == nil {
		wait := max(0, saveEvery-time.Since(r.last))
		r.timer = time.AfterFunc(wait, r.background)
	}
}

func (r *recorder) background() {
	err, changed := r.flush()
	r.mu.Lock()
	report := r.report
	r.mu.Unlock()
	if changed && report != nil {
		report(model.SaveFailedMsg{Path: r.t.named, Err: err})
	}
}

// flush writes the newest recording now, if there is one not written. It
// reports the error, and whether the failing state changed.
func (r *recorder) flush() (error, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.timer != nil {
		r.timer.Stop()
		r.timer = nil
	}
	if !r.has {
		return r.failed, false
	}
	err := writeAtomic(r.t, []byte(r.pending))
	r.writes++
	r.last = time.Now()
	if err == nil {
		r.has = false
	}
	changed := (err == nil) != (r.failed == nil)
	r.failed = err
	return err, changed
}

// final writes the session's last recording, at exit.
func (r *recorder) final(text string) error {
	r.mu.Lock()
	r.pending, r.has = text, true
	r.mu.Unlock()
	err, _ := r.flush()
	return err
}
