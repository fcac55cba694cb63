package demos

import (
	"errors"
	"testing"

	"crdtviz/crdt"
	"crdtviz/replicas"
)

// FuzzPrompt feeds anything typed at the ':' prompt to the statement parser,
// for each type; an accepted action is applied, and the cluster must keep
// its invariants.
func FuzzPrompt(f *testing.F) {
	for _, seed := range []string{`edit "Server 1" inc 5`, "partition A | B", "sync A <-> B", `expect plain A = {x, "y z"}`,
		`step "now"`, "deliver A -> B newest", "clock A -3", `edit A insert 0 "hé😀"`, "cut A -> B", `edit A put k v`, "\x00", `"`,
		// Issue 13: Unicode spaces must be quoted when written, C1 controls
		// refused, and large numbers refused rather than wrapped.
		"edit A set \"a\u2003b\"", "edit A add \"x\u0085\"", "edit A inc 9223372036854775807", "clock A +9223372036854775807",
		"edit A put \"k\u1680\" \"v\u205f\"",
		// Modes: full, waiting, bytes.
		"sync all full", "send A -> B full", "sync A <-> B full", "expect waiting 1", "expect plain bytes < 100", "expect bytes > 5"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, src string) {
		for k, typ := range crdt.Types {
			// Each type in one of the modes, so that full, waiting and
			// bytes meet every mode.
			h := Header{Type: typ, Replicas: []string{"A", "B", "Server 1"}, Mode: replicas.Modes[k%len(replicas.Modes)]}
			st, err := ParseStatement(src, h)
			if err != nil {
				var perr *Error
				if !errors.As(err, &perr) || perr.Pos.Col < 1 {
					t.Fatalf("%s: error without a place: %v", typ, err)
				}
				continue
			}
			if st.Action == nil {
				continue
			}
			c, err := replicas.New(replicas.Config{Type: typ, Names: h.Replicas, Mode: h.Mode})
			if err != nil {
				t.Fatal(err)
			}
			c.Apply(st.Action)
			if err := c.Check(); err != nil {
				t.Fatalf("%s after %s: %v", typ, st.Action, err)
			}
			if back, err := ParseStatement(st.String(), h); err != nil || back.String() != st.String() {
				t.Fatalf("%q renders as %q, which reads back as %v", src, st.String(), err)
			}
		}
	})
}

// FuzzValue feeds the value syntax of expect lines: a value that parses
// renders to text that parses back to the same value.
func FuzzValue(f *testing.F) {
	for _, seed := range []string{"1150", "-3", `"Hello world"`, "{eggs, milk}", `{"a b": c, d: "e\"f"}`, "{}", "{a,", `"\`,
		// Issue 13: Unicode spaces, C1 controls, duplicate keys, range.
		"{\"a\u2003b\"}", "{\"a\u202fb\": \"c\u2000\"}", "\"\u0085\"", "{a: b, a: c}", "-9223372036854775808", "99999999999999999999"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, src string) {
		for _, typ := range crdt.Types {
			v, err := ParseValue(src, typ)
			if err != nil {
				var perr *Error
				if !errors.As(err, &perr) || perr.Pos.Col < 1 {
					t.Fatalf("%s: error without a place: %v", typ, err)
				}
				continue
			}
			back, err := ParseValue(v.String(), typ)
			if err != nil || !back.Equal(v) {
				t.Fatalf("%s: %q is %s, which reads back as %s (%v)", typ, src, v, back, err)
			}
		}
	})
}
