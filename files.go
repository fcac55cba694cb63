package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"
)

// The files a user owns are never lost, never half-written, and never
// replaced by surprise. Every file crdtviz writes (--record, cast -o, :w)
// goes through checkTarget and writeAtomic.

// target is where a file will be written, once checked.
type target struct {
	path   string      // the path to rename over: the named file, or a symlink's target
	named  string      // the path the user gave
	mode   fs.FileMode // the mode to keep for a file that exists; 0 for a new one
	exists bool
	note   string // something the user should hear (a hard link that will be split)
}

// errExists is wrapped when a file exists and --force was not given.
var errExists = errors.New("the file exists")

// checkTarget decides whether path may be written, by Lstat (a symlink is
// not followed by accident):
//   - a path that does not exist is fine;
//   - a directory, a device, a pipe or a socket is refused, even with force:
//     crdtviz writes regular files only;
//   - an existing regular file is refused unless force, and then replaced,
//     keeping its mode;
//   - a symlink is refused unless force, and then written through: its
//     target (which must be a regular file or not exist) is replaced,
//     keeping its mode, and the link stays a link;
//   - a file with other hard links is refused unless force, which replaces
//     this name only (the note says so).
//
// flag names the option in messages ("--record", "cast -o", ":w").
func checkTarget(path string, force bool, flag string) (target, error) {
	t := target{path: path, named: path}
	st, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return t, nil
	}
	if err != nil {
		return t, fmt.Errorf("%s %s: %w", flag, path, err)
	}
	switch {
	case st.IsDir():
		return t, fmt.Errorf("%s %s: that is a directory; name a file", flag, path)
	case st.Mode()&fs.ModeSymlink != 0:
		if !force {
			return t, fmt.Errorf("%s %s: that is a symbolic link; add --force to write through it to its target", flag, path)
		}
		real, err := resolveLink(path)
		if err != nil {
			return t, fmt.Errorf("%s %s: %w", flag, path, err)
		}
		inner, err := checkTarget(real, true, flag)
		if err != nil {
			return t, err
		}
		inner.named = path
		return inner, nil
	case !st.Mode().IsRegular():
		return t, fmt.Errorf("%s %s: that is not a regular file (%s); crdtviz writes only regular files", flag, path, st.Mode().Type())
	case !force:
		return t, fmt.Errorf("%s %s: %w; add --force to overwrite it", flag, path, errExists)
	}
	t.exists, t.mode = true, st.Mode().Perm()
	if links(st) > 1 {
		t.note = fmt.Sprintf("%s has other hard links; they keep the old content", path)
	}
	return t, nil
}

// resolveLink follows a chain of symlinks to the path it names, which may
// not exist yet (a dangling link is written through too).
func resolveLink(path string) (string, error) {
	for range 40 {
		st, err := os.Lstat(path)
		if errors.Is(err, fs.ErrNotExist) || err == nil && st.Mode()&fs.ModeSymlink == 0 {
			return path, nil
		}
		if err != nil {
			return "", err
		}
		dest, err := os.Readlink(path)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(dest) {
			dest = filepath.Join(filepath.Dir(path), dest)
		}
		path = dest
	}
	return "", errors.New("too many levels of symbolic links")
}

// tempName is a new name for one of our temporary files beside a target: a
// dot, the target's name, ".tmp-" and 16 hex digits.
func tempName(path string) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp-"+hex.EncodeToString(b[:]))
}

// newFileMode is the mode of a file crdtviz creates, before the umask: the
// usual 0644, so that a course directory can share it.
const newFileMode fs.FileMode = 0o644

// writeAtomic writes data to a temporary file beside t.path (created with
// the file's mode, or 0644 less the umask for a new file), syncs it, and
// renames it over t.path, so that the file is never half-written.
func writeAtomic(t target, data []byte) error {
	tmp := tempName(t.path)
	mode := newFileMode
	if t.exists {
		mode = t.mode
	}
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	defer os.Remove(tmp) // gone after the rename; cleans up on failure
	if t.exists {
		if err := f.Chmod(t.mode); err != nil { // exactly the old mode, whatever the umask
			f.Close()
			return err
		}
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, t.path)
}

// writeFile checks path and writes data to it atomically; an existing
// file is overwritten only with overwrite (--force, or :w!).
func writeFile(path string, data []byte, overwrite bool, flag string) error {
	t, err := checkTarget(path, overwrite, flag)
	if err != nil {
		return err
	}
	return writeAtomic(t, data)
}

// claim creates the file at t.path (O_EXCL, 0644 less the umask) when it
// does not exist, so that nothing else can take the name between start-up
// and the first save.
func claim(t *target, data []byte) error {
	if t.exists {
		return nil
	}
	f, err := os.OpenFile(t.path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, newFileMode)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s appeared while crdtviz was starting; add --force to overwrite it", t.path)
		}
		return err
	}
	_, werr := f.Write(data)
	if err := f.Close(); werr == nil {
		werr = err
	}
	if werr != nil {
		os.Remove(t.path)
		return werr
	}
	st, err := os.Stat(t.path)
	if err != nil {
		return err
	}
	t.exists, t.mode = true, st.Mode().Perm()
	return nil
}

// staleAfter is how old one of our temporary files must be before
// start-up removes it: older than any write in progress.
const staleAfter = time.Minute

// removeStale removes our own temporary files for this target left by a
// process that was killed (kill -9) mid-write: exactly our pattern, and
// older than a minute. It returns how many it removed.
func removeStale(path string, now time.Time) int {
	dir, base := filepath.Dir(path), filepath.Base(path)
	pat := regexp.MustCompile(`^\.` + regexp.QuoteMeta(base) + `\.tmp-[0-9a-f]{16}$`)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	n := 0
	for _, e := range entries {
		if !pat.MatchString(e.Name()) || !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if err != nil || now.Sub(info.ModTime()) < staleAfter {
			continue
		}
		if os.Remove(filepath.Join(dir, e.Name())) == nil {
			n++
		}
	}
	return n
}

// links is how many hard links the file has (1 where the system does not
// say).
func links(st fs.FileInfo) uint64 {
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		return uint64(sys.Nlink)
	}
	return 1
}

// fallbackFile writes data to a new file in the OS temp directory, for a
// session whose own file cannot be written, and returns its path.
func fallbackFile(name string, data []byte) (string, error) {
	base := strings.TrimSuffix(filepath.Base(name), filepath.Ext(name))
	f, err := os.CreateTemp("", "crdtviz-"+base+"-*.demo")
	if err != nil {
		return "", err
	}
	_, werr := f.Write(data)
	if err := f.Close(); werr == nil {
		werr = err
	}
	return f.Name(), werr
}
