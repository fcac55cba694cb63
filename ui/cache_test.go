package ui

import (
	"strings"
	"testing"

	"pgregory.net/rapid"

	"crdtviz/crdt"
	"crdtviz/replicas"
)

// joinSplit is joinFitted as it was first written: split every block into
// lines, then join the row's lines; the first block's lines are the rows.
func joinSplit(blocks ...string) string {
	if len(blocks) == 0 {
		return ""
	}
	split := make([][]string, len(blocks))
	for i, b := range blocks {
		split[i] = strings.Split(b, "\n")
	}
	var out strings.Builder
	for row := range split[0] {
		if row > 0 {
			out.WriteByte('\n')
		}
		for _, lines := range split {
			if row < len(lines) {
				out.WriteString(lines[row])
			}
		}
	}
	return out.String()
}

// TestJoinFittedJoinsLineByLine: joinFitted, which writes into one buffer
// without splitting, joins any blocks (even of other heights than the
// first, or empty lines) as splitting them would.
func TestJoinFittedJoinsLineByLine(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		blocks := rapid.SliceOfN(rapid.StringMatching(`(|[a-z█\x1b\[0-9m]{0,6})(\n[a-z█ ]{0,6}){0,5}`), 0, 20).Draw(rt, "blocks")
		if got, want := joinFitted(blocks...), joinSplit(blocks...); got != want {
			rt.Fatalf("joinFitted(%q) = %q, want %q", blocks, got, want)
		}
		var bc BoxCache
		for range 2 { // drawn, then remembered
			if got, want := bc.joinFitted(blocks...), joinSplit(blocks...); got != want {
				rt.Fatalf("BoxCache.joinFitted(%q) = %q, want %q", blocks, got, want)
			}
		}
	})
}

// TestBoxCacheDrawsWhatItNames: each piece the cache remembers is the piece
// drawn afresh, asked for in turn with others of the same size.
func TestBoxCacheDrawsWhatItNames(t *testing.T) {
	c, err := replicas.New(replicas.Config{Type: crdt.ORSet, Names: []string{"Ann", "Bob", "Cy"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []replicas.Action{
		replicas.Edit{Replica: "Ann", Op: crdt.Op{Kind: crdt.OpAdd, Value: "milk"}},
		replicas.Send{From: "Ann", To: "Bob"},
		replicas.Edit{Replica: "Bob", Op: crdt.Op{Kind: crdt.OpAdd, Value: "eggs"}},
		replicas.Send{From: "Bob", To: "Cy"},
		replicas.Send{From: "Ann", To: "Cy"},
	} {
		if _, err := c.Apply(a); err != nil {
			t.Fatal(err)
		}
	}
	s := NewStyles(Dark, false)
	var bc BoxCache
	for range 2 { // drawn, then remembered
		for _, m := range c.InFlight() {
			if got, want := bc.messageLine(m, s, 90), MessageLine(m, s, 90); got != want {
				t.Errorf("message m%d: remembered %q, drawn %q", m.ID, got, want)
			}
		}
		for _, text := range []string{"one", "two", "a longer line than fits in ten cells"} {
			if got, want := bc.line(text, 10, s), fit(clipLineWith(text, 10, s.Symbols.Ellipsis), 10, 1); got != want {
				t.Errorf("line %q: remembered %q, drawn %q", text, got, want)
			}
			if got, want := bc.fit("head", text, 12, 3), fit("head\n"+text, 12, 3); got != want {
				t.Errorf("fit %q: remembered %q, drawn %q", text, got, want)
			}
		}
	}
}
