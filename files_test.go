package main

import (
	"bytes"
	"crdtviz/model"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

// umask reads the process umask (by setting it and setting it back; tests
// in this package do not run in parallel).
func umask() os.FileMode {
	m := syscall.Umask(0)
	syscall.Umask(m)
	return os.FileMode(m)
}

func modeOf(t *testing.T, path string) os.FileMode {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

// Files crdtviz creates (casts, :w files, recordings) get 0644 less the
// umask, so that a course directory can share them.
func TestFilesAreCreatedShareable(t *testing.T) {
	want := 0o644 &^ umask()
	dir := t.TempDir()
	cast := filepath.Join(dir, "seed.cast")
	if code, _, errs := runCLI("cast", "seed", "-o", cast, "--size", "80x24"); code != 0 {
		t.Fatal(errs)
	}
	if m := modeOf(t, cast); m != want {
		t.Errorf("cast: mode %v, want %v", m, want)
	}
	w := filepath.Join(dir, "session.demo")
	if err := writeFile(w, []byte(okScenario), false, ":w"); err != nil {
		t.Fatal(err)
	}
	if m := modeOf(t, w); m != want {
		t.Errorf(":w: mode %v, want %v", m, want)
	}
	rec := filepath.Join(dir, "rec.demo")
	r, err := newRecorder(rec, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.start(); err != nil {
		t.Fatal(err)
	}
	if m := modeOf(t, rec); m != want {
		t.Errorf("--record, claimed: mode %v, want %v", m, want)
	}
	if err := r.final(okScenario); err != nil {
		t.Fatal(err)
	}
	if m := modeOf(t, rec); m != want {
		t.Errorf("--record, saved: mode %v, want %v", m, want)
	}
	// An existing file keeps its own mode when overwritten.
	os.Chmod(w, 0o600)
	if err := writeFile(w, []byte(okScenario), true, ":w"); err != nil {
		t.Fatal(err)
	}
	if m := modeOf(t, w); m != 0o600 {
		t.Errorf("overwritten: mode %v, want 0600 kept", m)
	}
}

// cast refuses to overwrite a file without --force, exactly as --record
// does; refuses anything but a regular file even with --force; writes -o -
// to standard output.
func TestCastNeverClobbers(t *testing.T) {
	dir := t.TempDir()
	notes := writeTestFile(t, "notes.txt", "my notes\n")
	code, _, errs := runCLI("cast", "seed", "-o", notes)
	if code != 2 || !strings.Contains(errs, "cast -o "+notes+": the file exists; add --force to overwrite it") {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if b, _ := os.ReadFile(notes); string(b) != "my notes\n" {
		t.Fatal("the notes were overwritten")
	}
	_, _, recErrs := runCLI("play", "--record", notes)
	if !strings.Contains(recErrs, "--record "+notes+": the file exists; add --force to overwrite it") {
		t.Fatalf("--record says %q", recErrs)
	}
	if code, _, errs := runCLI("cast", "seed", "-o", notes, "--force"); code != 0 {
		t.Fatalf("--force: exit %d: %s", code, errs)
	}
	for _, dev := range []string{"/dev/null", dir} {
		if code, _, errs := runCLI("cast", "seed", "-o", dev, "--force"); code != 2 {
			t.Errorf("cast -o %s --force: exit %d: %s", dev, code, errs)
		}
	}
	if st, err := os.Stat("/dev/null"); err != nil || st.Mode()&os.ModeDevice == 0 {
		t.Fatal("/dev/null is no longer a device")
	}
	code, out, _ := runCLI("cast", "seed", "-o", "-", "--size", "80x24")
	if code != 0 || !strings.HasPrefix(out, `{"version":2`) {
		t.Fatalf("-o -: exit %d, %.40q", code, out)
	}
}

// A symlink is refused without --force, and with --force written through:
// its target is replaced, keeping its mode, and the link stays a link. A
// dangling link's target is created.
func TestTargetsFollowTheRules(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real.demo")
	os.WriteFile(real, []byte("old"), 0o640)
	link := filepath.Join(dir, "link.demo")
	os.Symlink("real.demo", link)
	if _, err := checkTarget(link, false, "--record"); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("symlink without --force: %v", err)
	}
	if err := writeFile(link, []byte("new"), true, "--record"); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Lstat(link); st.Mode()&os.ModeSymlink == 0 {
		t.Fatal("the link was replaced by a file")
	}
	if b, _ := os.ReadFile(real); string(b) != "new" || modeOf(t, real) != 0o640 {
		t.Fatalf("target: %q mode %v", b, modeOf(t, real))
	}
	dangling := filepath.Join(dir, "dangling.demo")
	os.Symlink("made.demo", dangling)
	if _, err := checkTarget(dangling, false, "--record"); err == nil {
		t.Fatal("a dangling symlink was accepted without --force")
	}
	if err := writeFile(dangling, []byte("x"), true, "--record"); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "made.demo")); err != nil || string(b) != "x" {
		t.Fatalf("dangling target: %q %v", b, err)
	}
	if _, err := checkTarget("/dev/null", true, "--record"); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("/dev/null with --force: %v", err)
	}
	hard := filepath.Join(dir, "hard.demo")
	os.Link(real, hard)
	if _, err := checkTarget(hard, false, "--record"); !errors.Is(err, errExists) {
		t.Fatalf("hard link without --force: %v", err)
	}
	if tg, err := checkTarget(hard, true, "--record"); err != nil || !strings.Contains(tg.note, "other hard links") {
		t.Fatalf("hard link with --force: %+v %v", tg, err)
	}
}

// Claiming: a record path that does not exist is created at start-up, so
// a file made in between cannot be overwritten; if one appears before the
// claim, the claim fails instead of clobbering it.
func TestRecordClaimsItsPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.demo")
	r, err := newRecorder(path, false)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(path, []byte("someone else's"), 0o644)
	if err := r.start(); err == nil {
		t.Fatal("the claim overwrote a file that appeared")
	}
	if b, _ := os.ReadFile(path); string(b) != "someone else's" {
		t.Fatal("clobbered")
	}
}

// Stale temporary files of ours, older than a minute, are removed at
// start-up; others are left alone.
func TestStaleTempFilesAreRemoved(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "s.demo")
	old := filepath.Join(dir, ".s.demo.tmp-0123456789abcdef")
	fresh := filepath.Join(dir, ".s.demo.tmp-fedcba9876543210")
	other := filepath.Join(dir, ".s.demo.tmp-notours")
	for _, p := range []string{old, fresh, other} {
		os.WriteFile(p, []byte("x"), 0o600)
	}
	past := time.Now().Add(-2 * time.Minute)
	os.Chtimes(old, past, past)
	os.Chtimes(other, past, past)
	if n := removeStale(target, time.Now()); n != 1 {
		t.Fatalf("removed %d", n)
	}
	for p, want := range map[string]bool{old: false, fresh: true, other: true} {
		if _, err := os.Stat(p); (err == nil) != want {
			t.Errorf("%s exists %v, want %v", filepath.Base(p), err == nil, want)
		}
	}
}

// A failing save is an error, not silence, and the session can still be
// written elsewhere: a later save, or the fallback in the temp directory.
func TestRecorderReportsFailures(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s.demo")
	r, err := newRecorder(path, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.start(); err != nil {
		t.Fatal(err)
	}
	// Point the target into a missing directory: every write fails.
	r.t.path = filepath.Join(dir, "gone", "s.demo")
	if err := r.final("x"); err == nil {
		t.Fatal("a save into a missing directory succeeded")
	}
	r.t.path = path
	if err := r.final(okScenario); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != okScenario {
		t.Fatalf("file %q", b)
	}
	p, err := fallbackFile(path, []byte(okScenario))
	if err != nil || !strings.HasPrefix(p, os.TempDir()) {
		t.Fatalf("fallback %q %v", p, err)
	}
	os.Remove(p)
}

// Cast paces by reading time unless --step is given.
func TestCastPacesByReadingTime(t *testing.T) {
	_, out, _ := runCLI("cast", "lost-update", "-o", "-", "--size", "80x24", "--no-ask")
	var times []float64
	for _, line := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
		var ev []any
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatal(err)
		}
		if ev[1] == "o" { // frames, not the steps' markers
			times = append(times, ev[0].(float64))
		}
	}
	// The opening frame, four steps, then the cursor shown again.
	if len(times) != 6 {
		t.Fatalf("%d events", len(times))
	}
	// Frame k is the screen after step k; it stays until the next event.
	if d := times[5] - times[4]; d < 3 || d < 2+0.06*40 { // step 4 has over 40 words
		t.Errorf("the last frame (step 4) stays %.2fs", d)
	}
	if d := times[3] - times[2]; d < 2 || d > 3 { // step 2: "Both send their budget to Carol. Two messages are in flight."
		t.Errorf("step 2 stays %.2fs", d)
	}
	_, fixed, _ := runCLI("cast", "lost-update", "-o", "-", "--size", "80x24", "--step", "1s", "--no-ask")
	if !strings.Contains(fixed, "[4.000, ") || !strings.Contains(fixed, "[5.000, ") {
		t.Errorf("--step 1s does not give one second a frame")
	}
}

// TestRecorderDebounces (issue 13, item 19): 3,000 changes in a burst
// (3,000 presses of +) cost a handful of rewrites, not 3,000, and the file
// ends with the newest recording.
func TestRecorderDebounces(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.demo")
	r, err := newRecorder(path, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.start(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for i := range 3000 {
		r.submit(fmt.Sprintf("%s# change %d\n", okScenario, i))
	}
	last := okScenario + "# change 2999\n"
	if err := r.final(last); err != nil {
		t.Fatal(err)
	}
	r.mu.Lock()
	writes := r.writes
	r.mu.Unlock()
	// One write per saveEvery at most, plus the final one.
	if most := int(time.Since(start)/saveEvery) + 2; writes > most {
		t.Errorf("%d writes for 3,000 changes in %s; want at most %d", writes, time.Since(start), most)
	}
	if b, _ := os.ReadFile(path); string(b) != last {
		t.Fatalf("the file holds %q", b)
	}
}

// TestRecorderReportsAFailedSaveAtOnce (issue 13, item 17): the first
// failing background save is reported to the app, and so is the first
// success after it, so the warning comes and goes with the disk.
func TestRecorderReportsAFailedSaveAtOnce(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s.demo")
	r, err := newRecorder(path, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.start(); err != nil {
		t.Fatal(err)
	}
	got := make(chan model.SaveFailedMsg, 4)
	r.report = func(msg tea.Msg) { got <- msg.(model.SaveFailedMsg) }
	wait := func() model.SaveFailedMsg {
		select {
		case m := <-got:
			return m
		case <-time.After(10 * time.Second):
			t.Fatal("no report from the recorder")
		}
		return model.SaveFailedMsg{}
	}
	r.mu.Lock()
	r.t.path = filepath.Join(dir, "gone", "s.demo") // every write fails
	r.mu.Unlock()
	r.submit(okScenario)
	if m := wait(); m.Err == nil || m.Path != path {
		t.Fatalf("first report %+v, want the failure", m)
	}
	r.submit(okScenario + "# again\n") // still failing: no second report
	r.mu.Lock()
	r.t.path = path
	r.mu.Unlock()
	r.submit(okScenario + "# fixed\n")
	if m := wait(); m.Err != nil {
		t.Fatalf("after the disk recovers: %+v", m)
	}
	if b, _ := os.ReadFile(path); string(b) != okScenario+"# fixed\n" {
		t.Fatalf("the file holds %q", b)
	}
}

// TestRecordingSurvivesACrash (issue 13, item 1): when the app ends
// without a model (Bubble Tea recovered a panic), the newest recording it
// handed over is still written, so nothing is lost beyond the last change.
func TestRecordingSurvivesACrash(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.demo")
	r, err := newRecorder(path, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.start(); err != nil {
		t.Fatal(err)
	}
	r.submit(okScenario) // written at once, or by the timer
	r.submit(okScenario + "# the last change before the crash\n")
	var stderr bytes.Buffer
	if !finishRecording(r, nil, &stderr) {
		t.Fatalf("not saved: %s", stderr.String())
	}
	if b, _ := os.ReadFile(path); string(b) != okScenario+"# the last change before the crash\n" {
		t.Fatalf("the file holds %q", b)
	}
	// And when the file cannot be written, the session goes to the temp
	// directory, and the path is printed.
	// The path goes first: a submitted recording may be written at once.
	r.mu.Lock()
	r.t.path = filepath.Join(t.TempDir(), "gone", "s.demo")
	r.mu.Unlock()
	r.submit(okScenario + "# more\n")
	stderr.Reset()
	if finishRecording(r, nil, &stderr) {
		t.Fatal("a failed save reported success")
	}
	m := regexp.MustCompile(`saved instead to (\S+)`).FindStringSubmatch(stderr.String())
	if m == nil {
		t.Fatalf("no fallback path: %s", stderr.String())
	}
	defer os.Remove(m[1])
	if b, _ := os.ReadFile(m[1]); string(b) != okScenario+"# more\n" {
		t.Fatalf("the fallback holds %q", b)
	}
}

// TestRecorderKeepsTheNewest: the app's save commands run concurrently, so
// an older recording can arrive after a newer one; it must not replace it.
func TestRecorderKeepsTheNewest(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.demo")
	r, err := newRecorder(path, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.start(); err != nil {
		t.Fatal(err)
	}
	older, newer := r.cmd(okScenario+"# one\n"), r.cmd(okScenario+"# two\n")
	newer() // the newer command happens to run first
	older()
	if err, _ := r.flush(); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != okScenario+"# two\n" {
		t.Fatalf("the file holds %q", b)
	}
}
