package replicas

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fxamacker/cbor/v2"
	"pgregory.net/rapid"

	"crdtviz/crdt"
)

var update = flag.Bool("update", false, "rewrite testdata/wire-sizes.txt")

// TestWireSizes pins the encoded size of a few fixed messages in each
// mode, so that a change of encoding is a visible decision: the golden
// file changes with it (go test ./replicas -update rewrites it).
func TestWireSizes(t *testing.T) {
	var b strings.Builder
	row := func(name string, m *Message) {
		fmt.Fprintf(&b, "%-44s plain %4d B   crdt %5d B\n", name, m.Bytes(Plain), m.Bytes(CRDT))
	}
	big := crdt.SetValue()
	for i := range 200 {
		big.Set = append(big.Set, fmt.Sprintf("item-%03d", i))
	}
	big = crdt.SetValue(big.Set...)
	for _, tc := range []struct {
		name    string
		typ     crdt.Type
		initial *crdt.Value
		op      crdt.Op
	}{
		{"lww-register set", crdt.LWWRegister, nil, crdt.Op{Kind: crdt.OpSet, Value: "Director's Cut"}},
		{"pn-counter inc 200", crdt.PNCounter, nil, crdt.Op{Kind: crdt.OpInc, N: 200}},
		{"or-set add milk", crdt.ORSet, nil, crdt.Op{Kind: crdt.OpAdd, Value: "milk"}},
		{"or-set of 200, add one", crdt.ORSet, &big, crdt.Op{Kind: crdt.OpAdd, Value: "item-new"}},
		{"text insert hello", crdt.Text, nil, crdt.Op{Kind: crdt.OpInsert, Pos: 0, Text: "hello"}},
	} {
		for _, mode := range Modes {
			c, err := New(Config{Type: tc.typ, Names: []string{"Alice", "Bob"}, Initial: tc.initial, Mode: mode})
			if err != nil {
				t.Fatal(err)
			}
			apply(t, c, Edit{Replica: "Alice", Op: tc.op}, Send{From: "Alice", To: "Bob"})
			row(tc.name+", "+mode.String(), c.Queue("Alice", "Bob")[0])
			if mode == ModeDelta {
				apply(t, c, Send{From: "Alice", To: "Bob", Full: true})
				row(tc.name+", delta full", c.Queue("Alice", "Bob")[1])
			}
		}
	}
	got := b.String()
	path := filepath.Join("testdata", "wire-sizes.txt")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./replicas -update writes it)", err)
	}
	if got != string(want) {
		t.Fatalf("encoded sizes changed; if the encoding changed on purpose, run go test ./replicas -update and commit the file.\ngot:\n%s\nwant:\n%s", got, want)
	}
}

// TestSentTotals: each lane counts the messages replicas sent and what
// they weighed, and how many carried a plain value; a duplicate is the
// network's.
func TestSentTotals(t *testing.T) {
	c, _ := New(Config{Type: crdt.GCounter, Names: []string{"A", "B", "C"}})
	apply(t, c, Edit{Replica: "A", Op: crdt.Op{Kind: crdt.OpInc, N: 1}}, Send{From: "A", To: "B"}, Duplicate{From: "A", To: "B"}, Send{From: "A", To: "C"}, SyncAll{})
	n, bytes := c.Sent(CRDT)
	if n != 2+6 || bytes <= 0 {
		t.Fatalf("crdt: %d messages, %d B", n, bytes)
	}
	pn, pbytes := c.Sent(Plain)
	// Every message counts. A's two sends carry its write; in sync all,
	// neither has been delivered yet, so A's two messages carry it again;
	// B and C made no write: nothing new.
	if pn != 8 || c.SentValues() != 4 || pbytes <= 0 || pbytes >= bytes {
		t.Fatalf("plain: %d messages (%d with a value), %d B (crdt %d B)", pn, c.SentValues(), pbytes, bytes)
	}
}

// TestWireRoundTrip: every type's state, encoded and decoded again, is the
// same state; and its value reads back from the plain value's form.
func TestWireRoundTrip(t *testing.T) {
	for _, typ := range crdt.Types {
		t.Run(string(typ), func(t *testing.T) {
			rapid.Check(t, func(rt *rapid.T) {
				c, _ := New(Config{Type: typ, Names: names(3)})
				ch := rapidChooser{rt}
				for range rapid.IntRange(0, 30).Draw(rt, "n") {
					_, _ = c.Apply(randomAction(ch, c, false))
				}
				for _, r := range c.Replicas() {
					st := r.state
					b, err := cbor.Marshal(crdt.Wire(st))
					if err != nil {
						rt.Fatal(err)
					}
					w := crdt.NewWire(typ)
					if err := cbor.Unmarshal(b, w); err != nil {
						rt.Fatalf("decode: %v", err)
					}
					back, err := crdt.FromWire(typ, w)
					if err != nil {
						rt.Fatalf("%s: %v", st.Internals(), err)
					}
					if !back.Equal(st) {
						rt.Fatalf("round trip: %s (%s) became %s (%s)", st.Value(), st.Internals(), back.Value(), back.Internals())
					}
					pb, _ := cbor.Marshal(crdt.WireOfValue(r.plain.Value()))
					var pw crdt.WireValue
					if err := cbor.Unmarshal(pb, &pw); err != nil {
						rt.Fatal(err)
					}
					if v, err := crdt.ValueFromWire(typ, pw); err != nil || !v.Equal(r.plain.Value()) {
						rt.Fatalf("plain value %s read back as %s (%v)", r.plain.Value(), v, err)
					}
				}
			})
		})
	}
}
