package demos

import (
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
)

//go:embed builtin/*.demo
var builtinFS embed.FS

// builtinOrder is the order demos are listed and taught in: the seed story
// first.
var builtinOrder = []string{"seed", "lost-update", "partition", "reorder", "duplicate", "cart", "tombstone", "clock-skew", "siblings", "text",
	"bytes-state", "bytes-delta", "causal", "causal-any", "double-count"}

// Builtin describes one built-in demo.
type Builtin struct {
	Name     string
	Scenario *Scenario
}

// Builtins lists the built-in demos, parsed, in teaching order.
func Builtins() []Builtin {
	out := make([]Builtin, 0, len(builtinOrder))
	for _, name := range builtinOrder {
		s, err := LoadBuiltin(name)
		if err != nil {
			// The demos are embedded and checked by the tests; a broken one
			// is a build defect, not a user error.
			panic(fmt.Sprintf("demos: built-in demo %s: %v", name, err))
		}
		out = append(out, Builtin{Name: name, Scenario: s})
	}
	return out
}

// BuiltinNames lists the built-in demo names in teaching order.
func BuiltinNames() []string { return append([]string(nil), builtinOrder...) }

// BuiltinSource returns the text of a built-in demo.
func BuiltinSource(name string) ([]byte, bool) {
	b, err := builtinFS.ReadFile("builtin/" + name + ".demo")
	return b, err == nil
}

// LoadBuiltin parses a built-in demo by name.
func LoadBuiltin(name string) (*Scenario, error) {
	src, ok := BuiltinSource(name)
	if !ok {
		return nil, fmt.Errorf("no built-in demo %q (the demos are %s)", name, strings.Join(builtinOrder, ", "))
	}
	return Parse("builtin/"+name+".demo", src)
}

// ErrNotFound is wrapped when an argument is neither a file nor a built-in demo.
var ErrNotFound = errors.New("not found")

// Load parses a scenario named on the command line: a file if one exists
// at that path, else a built-in demo of that name.
func Load(arg string) (*Scenario, error) {
	src, err := ReadFile(arg)
	if err == nil {
		return Parse(arg, src)
	}
	if errors.Is(err, fs.ErrNotExist) {
		if _, ok := BuiltinSource(arg); ok {
			return LoadBuiltin(arg)
		}
		return nil, fmt.Errorf("%s: %w: no such file, and no built-in demo of that name (the demos are %s)", arg, ErrNotFound, strings.Join(builtinOrder, ", "))
	}
	return nil, err
}

// ReadFile reads a scenario file, refusing directories and files over
// MaxFileSize.
func ReadFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return nil, fmt.Errorf("%s is a directory, not a scenario file", path)
	}
	src, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(src) > MaxFileSize {
		return nil, fmt.Errorf("%s is larger than %d MB; scenario files are limited to that", path, MaxFileSize>>20)
	}
	return src, nil
}
