package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	tea "charm.land/bubbletea/v2"
)

// recorder keeps --record's file up to date. Writes may come from several
// commands at once; only a newer recording replaces an older one.
type recorder struct {
	path    string
	mu      sync.Mutex
	seq     int // the newest recording handed out
	written int // the newest recording written
}

// newRecorder checks the path before anything runs: not a directory, not an
// existing file (unless force), and in a folder we can write to.
func newRecorder(path string, force bool) (*recorder, error) {
	if st, err := os.Stat(path); err == nil {
		if st.IsDir() {
			return nil, fmt.Errorf("--record %s: that is a directory; name a file", path)
		}
		if !force {
			return nil, fmt.Errorf("--record %s: the file exists; add --force to overwrite it", path)
		}
	}
	probe, err := os.CreateTemp(filepath.Dir(path), ".crdtviz-probe-*")
	if err != nil {
		return nil, fmt.Errorf("--record %s: cannot write there: %v", path, errors.Unwrap(err))
	}
	probe.Close()
	os.Remove(probe.Name())
	return &recorder{path: path}, nil
}

func (r *recorder) next() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seq++
	return r.seq
}

// cmd returns the command that writes a recording. It runs off the
// event loop, as every command does.
func (r *recorder) cmd(text string) tea.Cmd {
	seq := r.next()
	return func() tea.Msg {
		_ = r.save(seq, text) // a failure here is reported by the final save
		return nil
	}
}

func (r *recorder) save(seq int, text string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if seq <= r.written {
		return nil
	}
	if err := writeFileAtomic(r.path, []byte(text)); err != nil {
		return err
	}
	r.written = seq
	return nil
}

// writeFileAtomic writes data to a temporary file beside path, syncs it,
// and renames it over path, so that path is never half-written.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // gone after the rename; cleans up on failure
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
