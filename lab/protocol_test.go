package lab

import (
	"encoding/json"
	"strings"
	"testing"

	"crdtviz/crdt"
)

func TestParseLine(t *testing.T) {
	good := []struct {
		line     string
		typ      string
		inReplyT int64
	}{
		{`{"src":"Alice","dest":"c1","body":{"type":"init_ok","in_reply_to":1}}`, "init_ok", 1},
		{` {"dest":"Bob", "src":"Alice","body":{"type":"gossip","msg_id":7,"x":[1,2]}} ` + "\n", "gossip", 0},
		{`{"src":"A","dest":"B","body":{"type":"t","msg_id":null}}`, "t", 0},
		// Between nodes, bodies are the nodes' own: Maelstrom checks no
		// msg_id there, and neither does the lab.
		{`{"src":"A","dest":"B","body":{"type":"gossip","msg_id":"abc-123"}}`, "gossip", 0},
		{`{"src":"A","dest":"B","body":{"type":"gossip","msg_id":1.0}}`, "gossip", 0},
		{`{"src":"A","dest":"B","body":{"type":"t","in_reply_to":1.5}}`, "t", 0},
	}
	for _, g := range good {
		m, err := ParseLine([]byte(g.line))
		if err != nil {
			t.Errorf("%s: %v", g.line, err)
			continue
		}
		if m.Type != g.typ || m.InReplyTo != g.inReplyT {
			t.Errorf("%s: %+v", g.line, m)
		}
		if !json.Valid(m.Body) || strings.ContainsAny(string(m.Body), " \n") {
			t.Errorf("%s: body %q is not compact JSON", g.line, m.Body)
		}
	}
	bad := []struct{ line, why string }{
		{`hello`, "not a JSON message"},
		{`{"src":"A","dest":"B","body":{"type":"t"}} {"src":"A"}`, "two JSON values"},
		{`{"dest":"B","body":{"type":"t"}}`, `without "src"`},
		{`{"src":"A","body":{"type":"t"}}`, `without "dest"`},
		{`{"src":"A","dest":"B","body":[1]}`, "not a JSON object"},
		{`{"src":"A","dest":"B"}`, "not a JSON object"},
		{`{"src":"A","dest":"B","body":{"kind":"t"}}`, `no "type" string`},
		{`{"src":"A","dest":"B","body":{"type":3}}`, `no "type" string`},
		{"{\"src\":\"\xff\"}", "not UTF-8"},
		{`{"src":"A","dest":"B","body":{"type":"t"}`, "ends too soon"},
		// the bad token in view, however long the line before it
		{`{"src":"Alice","dest":"Bob","body":{"type":"gossip","counts":{"Alice":1,"Bob":2,"Carol":3},"rate":Infinity}}`, `"rate\":Infinity}}"`},
	}
	for _, b := range bad {
		if _, err := ParseLine([]byte(b.line)); err == nil || !strings.Contains(err.Error(), b.why) {
			t.Errorf("%s: %v; want %q", b.line, err, b.why)
		}
	}
	// An answer to c1 must say which request it answers with an integer.
	for _, c := range []struct{ line, why string }{
		{`{"src":"A","dest":"c1","body":{"type":"add_ok","in_reply_to":"7"}}`, `whose "in_reply_to" is "7", not an integer`},
		{`{"src":"A","dest":"c1","body":{"type":"add_ok","in_reply_to":1.5}}`, `whose "in_reply_to" is 1.5, not an integer`},
	} {
		m, err := ParseLine([]byte(c.line))
		if err != nil {
			t.Fatalf("%s: %v", c.line, err)
		}
		if err := m.ReplyError(); err == nil || !strings.Contains(err.Error(), c.why) {
			t.Errorf("%s: %v; want %q", c.line, err, c.why)
		}
	}
}

func FuzzParseLine(f *testing.F) {
	f.Add([]byte(`{"src":"Alice","dest":"c1","body":{"type":"read_ok","in_reply_to":1,"value":[1,"x"]}}`))
	f.Add([]byte(`{"src":"A","dest":"B","body":{"type":"t","msg_id":99999999999999999999}}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, line []byte) {
		m, err := ParseLine(line)
		if err != nil {
			return
		}
		if !json.Valid(m.Body) {
			t.Fatalf("body %q", m.Body)
		}
		// what a node wrote goes on to another node's stdin as one line
		out := Line(m.Src, m.Dest, m.Body)
		if strings.Count(string(out), "\n") != 1 {
			t.Fatalf("line %q", out)
		}
		back, err := ParseLine(out)
		if err != nil || back.Type != m.Type || back.Src != m.Src || back.Dest != m.Dest {
			t.Fatalf("round trip: %+v, %v", back, err)
		}
		for _, w := range Workloads {
			r := w.ParseRead("A", m.Body)
			_ = Judge(w, nil, []Read{r}, true)
		}
	})
}

func TestRequests(t *testing.T) {
	cases := []struct {
		w    *Workload
		op   crdt.Op
		want string
	}{
		{gCounter, crdt.Op{Kind: crdt.OpInc, N: 3}, `{"delta":3,"msg_id":5,"type":"add"}`},
		{pnCounter, crdt.Op{Kind: crdt.OpDec, N: 2}, `{"delta":-2,"msg_id":5,"type":"add"}`},
		{gSet, crdt.Op{Kind: crdt.OpAdd, Value: "4"}, `{"element":4,"msg_id":5,"type":"add"}`},
		{gSet, crdt.Op{Kind: crdt.OpAdd, Value: "04"}, `{"element":"04","msg_id":5,"type":"add"}`},
		{gSet, crdt.Op{Kind: crdt.OpAdd, Value: "milk"}, `{"element":"milk","msg_id":5,"type":"add"}`},
		{orSet, crdt.Op{Kind: crdt.OpRemove, Value: "x"}, `{"element":"x","msg_id":5,"type":"remove"}`},
		{lwwRegister, crdt.Op{Kind: crdt.OpSet, Value: "7"}, `{"msg_id":5,"type":"write","value":7}`},
	}
	for _, c := range cases {
		if got := string(c.w.Request(c.op, 5)); got != c.want {
			t.Errorf("%s %s: %s, want %s", c.w.Name, c.op, got, c.want)
		}
	}
	if gSet.ReplyType(crdt.Op{Kind: crdt.OpAdd}) != "add_ok" || lwwRegister.ReplyType(crdt.Op{Kind: crdt.OpSet}) != "write_ok" {
		t.Error("reply types")
	}
}

func TestParseRead(t *testing.T) {
	cases := []struct {
		w    *Workload
		body string
		want string // Text(), or "!" + part of Why
	}{
		{gCounter, `{"type":"read_ok","value":12}`, "12"},
		{gCounter, `{"type":"read_ok","value":1.5}`, "!not an integer"},
		{gCounter, `{"type":"read_ok","value":"3"}`, "!not a number"},
		{gCounter, `{"type":"read_ok"}`, `!no "value"`},
		{gCounter, `{"type":"read_ok","value":null}`, `!"value" is null, not a number`},
		{gSet, `{"type":"read_ok","value":null}`, `!"value" is null, not a list`},
		{gSet, `{"type":"read_ok","value":[3,1,"x",3]}`, "{1, 3, x}"},
		{gSet, `{"type":"read_ok","value":[]}`, "{}"},
		{gSet, `{"type":"read_ok","value":{"a":1}}`, "!not a JSON array"},
		{lwwRegister, `{"type":"read_ok","value":null}`, "null"},
		{lwwRegister, `{"type":"read_ok","value":"hi"}`, `"hi"`},
		{lwwRegister, `{"type":"read_ok","value":8}`, `"8"`},
	}
	for _, c := range cases {
		r := c.w.ParseRead("Alice", json.RawMessage(c.body))
		switch {
		case strings.HasPrefix(c.want, "!"):
			if r.OK || !strings.Contains(r.Why, c.want[1:]) {
				t.Errorf("%s %s: %+v", c.w.Name, c.body, r)
			}
		case !r.OK || r.Text() != c.want:
			t.Errorf("%s %s: %q (%s), want %q", c.w.Name, c.body, r.Text(), r.Why, c.want)
		}
	}
}

// op is an operation record for the judging tests.
func op(kind crdt.OpKind, n int64, v string, o Outcome) OpRecord {
	return OpRecord{Node: "Alice", Op: crdt.Op{Kind: kind, N: n, Value: v}, Outcome: o}
}

func read(v crdt.Value) Read { return Read{Node: "Alice", OK: true, Value: v} }

func TestJudgeCounters(t *testing.T) {
	ops := []OpRecord{op(crdt.OpInc, 2, "", Acked), op(crdt.OpInc, 3, "", InDoubt), op(crdt.OpInc, 5, "", Failed), op(crdt.OpDec, 1, "", Acked)}
	for v, want := range map[int64]string{
		1:  "", // 2 - 1
		4:  "", // 2 + 3 - 1
		2:  "the acknowledged adds sum to 1, and the 1 in doubt allow only 1, 4",
		-2: "the adds so far allow only -1 to 5",
		9:  "the adds so far allow only -1 to 5",
	} {
		err := pnCounter.Final(ops, read(crdt.IntValue(v)))
		switch {
		case want == "" && err != nil:
			t.Errorf("%d: %v", v, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("%d: %v; want %q", v, err, want)
		}
	}
	// g-counter: a read above every add together is wrong at any time
	if err := gCounter.Possible(ops[:1], read(crdt.IntValue(3))); err == nil || !strings.Contains(err.Error(), "make only 2") {
		t.Errorf("possible: %v", err)
	}
	// many in-doubt adds: a range, not a list
	var many []OpRecord
	for range 20 {
		many = append(many, op(crdt.OpInc, 1, "", InDoubt))
	}
	if err := gCounter.Final(many, read(crdt.IntValue(13))); err != nil {
		t.Errorf("13 of 20 in doubt: %v", err)
	}
}

func TestJudgeSets(t *testing.T) {
	gs := []OpRecord{op(crdt.OpAdd, 0, "1", Acked), op(crdt.OpAdd, 0, "2", InDoubt), op(crdt.OpAdd, 0, "3", Failed)}
	for _, c := range []struct {
		v    crdt.Value
		want string
	}{
		{crdt.SetValue("1"), ""},
		{crdt.SetValue("1", "2"), ""},
		{crdt.SetValue("2"), `acknowledged add of 1 is lost`},
		{crdt.SetValue("1", "3"), `3 was never added`},
	} {
		err := gSet.Final(gs, read(c.v))
		if (c.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), c.want) {
			t.Errorf("g-set %s: %v; want %q", c.v, err, c.want)
		}
	}
	// or-set: x added after its last remove must be there; y was removed
	// after its add, so either way; z was never added.
	or := []OpRecord{
		op(crdt.OpAdd, 0, "y", Acked), op(crdt.OpRemove, 0, "x", Acked), op(crdt.OpAdd, 0, "x", Acked),
		op(crdt.OpRemove, 0, "y", Acked),
	}
	for _, c := range []struct {
		v    crdt.Value
		want string
	}{
		{crdt.SetValue("w", "x"), ""},
		{crdt.SetValue("w", "x", "y"), ""},
		{crdt.SetValue("w", "y"), "x was added (and acknowledged) after its last remove"},
		{crdt.SetValue("w", "x", "z"), "z was never added"},
		{crdt.SetValue(), "w and x were added (and acknowledged) after their last removes, so they must be there"},
	} {
		err := orSet.Final(append(or, op(crdt.OpAdd, 0, "w", Acked)), read(c.v))
		if (c.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), c.want) {
			t.Errorf("or-set %s: %v; want %q", c.v, err, c.want)
		}
	}
}

func TestJudgeRegister(t *testing.T) {
	ops := []OpRecord{op(crdt.OpSet, 0, "5", Acked), op(crdt.OpSet, 0, "6", InDoubt)}
	if err := lwwRegister.Final(ops, read(crdt.StringValue("6"))); err != nil {
		t.Error(err)
	}
	if err := lwwRegister.Final(ops, read(crdt.StringValue("7"))); err == nil || !strings.Contains(err.Error(), "never written") {
		t.Errorf("7: %v", err)
	}
	if err := lwwRegister.Final(ops, Read{Node: "A", OK: true, Null: true}); err == nil {
		t.Error("null after an acknowledged write")
	}
	if err := lwwRegister.Final(nil, Read{Node: "A", OK: true, Null: true}); err != nil {
		t.Errorf("null before any write: %v", err)
	}
}

func TestVerdict(t *testing.T) {
	ops := []OpRecord{op(crdt.OpInc, 2, "", Acked)}
	r := func(node string, v int64) Read { return Read{Node: node, OK: true, Value: crdt.IntValue(v)} }
	for _, c := range []struct {
		reads []Read
		final bool
		word  string
		wrong bool
	}{
		{[]Read{r("A", 2), r("B", 2)}, false, "reads agree", false},
		{[]Read{r("A", 2), r("B", 0)}, false, "reads differ", false},
		{[]Read{r("A", 2), r("B", 0)}, true, "did not converge", true},
		{[]Read{r("A", 2), r("B", 2)}, true, "right", false},
		{[]Read{r("A", 1), r("B", 1)}, true, "wrong", true},
		{[]Read{r("A", 4), r("B", 0)}, false, "wrong", true},
		{[]Read{r("A", 2), {Node: "B", Why: "no read_ok within 1s"}}, false, "no read", false},
		{[]Read{r("A", 2), {Node: "B", Why: "no read_ok within 1s"}}, true, "no read", true},
	} {
		v := Judge(gCounter, ops, c.reads, c.final)
		if v.Word != c.word || v.Wrong != c.wrong {
			t.Errorf("%v final %v: %s (wrong %v)", c.reads, c.final, v.Text(), v.Wrong)
		}
	}
}
