package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"

	"crdtviz/demos"
)

// TestRecordFlushedOnSignals runs the real binary in a pseudo-terminal,
// makes some edits, ends it with each way a session ends, and checks that
// the --record file is complete and replays.
func TestRecordFlushedOnSignals(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "crdtviz")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	wantCode := map[string]int{"q": 0, "ctrl+c": 130, "SIGINT": 130, "SIGTERM": 143, "SIGHUP": 129}
	for _, end := range []string{"q", "ctrl+c", "SIGINT", "SIGTERM", "SIGHUP"} {
		t.Run(end, func(t *testing.T) {
			rec := filepath.Join(t.TempDir(), "session.demo")
			cmd := exec.Command(bin, "play", "--type", "g-counter", "--theme", "mono", "--record", rec)
			cmd.Env = append(os.Environ(), "TERM=xterm-256color")
			f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 24, Cols: 80})
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			var screen bytes.Buffer
			done := make(chan struct{})
			go func() { io.Copy(&screen, f); close(done) }()
			waitFor(t, rec, "replicas Alice Bob Carol")
			f.Write([]byte("+"))
			waitFor(t, rec, "edit Alice inc 1\n")
			f.Write([]byte("2++"))
			waitFor(t, rec, "edit Bob inc 1\nedit Bob inc 1\n")
			switch end {
			case "q":
				f.Write([]byte("q"))
			case "ctrl+c":
				f.Write([]byte{3})
			case "SIGINT":
				cmd.Process.Signal(syscall.SIGINT)
			case "SIGTERM":
				cmd.Process.Signal(syscall.SIGTERM)
			case "SIGHUP":
				cmd.Process.Signal(syscall.SIGHUP)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			select {
			case <-exited:
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
				t.Fatalf("the app did not end after %s", end)
			}
			if code := cmd.ProcessState.ExitCode(); code != wantCode[end] {
				t.Errorf("%s: exit %d, want %d", end, code, wantCode[end])
			}
			f.Close()
			<-done
			if !strings.Contains(screen.String(), "\x1b[?1049l") {
				t.Errorf("the alternate screen was not left: the terminal is not restored")
			}
			s, err := demos.Load(rec)
			if err != nil {
				t.Fatal(err)
			}
			run := demos.Execute(s)
			if run.Err != nil || run.Timeline.Cluster().Replica("Bob").Value(1).Int != 2 {
				t.Fatalf("replay: %v\n%s", run.Err, run.Timeline.Cluster().Dump())
			}
			entries, _ := os.ReadDir(filepath.Dir(rec))
			if len(entries) != 1 {
				t.Errorf("files left beside the recording: %v", entries)
			}
		})
	}
}

// waitFor waits until the file holds the text. The app writes it in the
// background; polling with a deadline is how a test sees another process.
func waitFor(t *testing.T, path, text string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(path); err == nil && strings.Contains(string(b), text) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	b, _ := os.ReadFile(path)
	t.Fatalf("%s never held %q; it holds:\n%s", path, text, b)
}
