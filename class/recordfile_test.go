package class

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"crdtviz/crdt"
	"crdtviz/replicas"
)

// fakeFile is a record file of a class without a network: Alice (the
// teacher) and Bob, each with a record of one edit sent to the other and
// received, signed by its member.
func fakeFile(t testing.TB) (*fakeClass, recordFile) {
	c := newFakeClass(t, crdt.ORSet, replicas.ModeDelta, "Alice", "Bob")
	recs := map[string]memberRecord{
		"Alice": {Name: "Alice", Run: 7, End: 9, Events: []recEvent{
			{Type: recEdit, L: 1, T: 1000, Kind: kindEdit, Of: "Alice", ERun: 7, Seq: 1, Text: "add milk"},
			{Type: recSend, L: 2, T: 1001, Kind: kindEdit, Of: "Alice", ERun: 7, Seq: 1, Via: viaGossip, Text: "add milk"},
			{Type: recXmit, L: 2, T: 1002, Peer: "Bob", Out: outSent},
			{Type: recControl, L: 3, T: 1003, Kind: kindControl, Text: "partition Alice | Bob", Groups: [][]string{{"Alice"}, {"Bob"}}},
			{Type: recRecv, L: 6, T: 1010, Peer: "Bob", PL: 5, PR: 7, Kind: kindState, Out: outNew, Text: "CRDT → {eggs, milk}"},
		}},
		"Bob": {Name: "Bob", Run: 7, End: 9, Events: []recEvent{
			{Type: recRecv, L: 3, T: 2000, Peer: "Alice", PL: 2, PR: 7, Kind: kindEdit, Of: "Alice", ERun: 7, Seq: 1, Out: outNew, Text: "CRDT → {milk}"},
			{Type: recRecv, L: 4, T: 2001, Peer: "Alice", PL: 2, PR: 7, Kind: kindEdit, Of: "Alice", ERun: 7, Seq: 1, Out: outOld},
			{Type: recSend, L: 5, T: 2002, Kind: kindState, Via: viaState},
			{Type: recXmit, L: 5, T: 2002, Out: outSent},
		}},
	}
	f := recordFile{Magic: recordMagic, Version: recordFileVersion, Class: testClass, Info: c.infoRaw, Roster: c.admits, Written: 3000}
	for _, name := range c.names {
		r := recs[name]
		f.Records = append(f.Records, seal(c.ids[name], &envelope{Class: testClass, Kind: kindRecord, From: name, Run: 7, L: 9,
			Record: &wireRecord{N: 1, Data: encode(&r)}}))
	}
	return c, f
}

// TestLoadRecording reads a good file and works it out; refuses, with a
// clear error, a file that is not one, a damaged one, and one whose record
// is signed by another key.
func TestLoadRecording(t *testing.T) {
	c, f := fakeFile(t)
	rec, err := LoadRecording(encode(&f))
	if err != nil {
		t.Fatal(err)
	}
	rp := rec.Replay()
	if got := rp.Count.String(); got != "2 messages: 2 received, 0 dropped by the partition, 0 lost on the way; 1 duplicate" {
		t.Fatalf("%s", got)
	}
	if len(rp.Edits) != 1 || rp.Edits[0].By != "Alice" || rp.Messages[0].What != "edit #1 (add milk)" {
		t.Fatalf("edits %+v, messages %+v", rp.Edits, rp.Messages)
	}
	forgedBob := f
	forgedBob.Records = append([][]byte(nil), f.Records...)
	r := memberRecord{Name: "Bob", Run: 7}
	forgedBob.Records[1] = seal(c.ids["Alice"], &envelope{Class: testClass, Kind: kindRecord, From: "Bob", Run: 7, Record: &wireRecord{Data: encode(&r)}})
	badEvent := f
	badEvent.Records = append([][]byte(nil), f.Records...)
	r = memberRecord{Name: "Bob", Run: 7, Events: []recEvent{{Type: 9}}}
	badEvent.Records[1] = seal(c.ids["Bob"], &envelope{Class: testClass, Kind: kindRecord, From: "Bob", Run: 7, Record: &wireRecord{Data: encode(&r)}})
	otherVersion := f
	otherVersion.Version = 99
	for name, c := range map[string]struct {
		b    []byte
		want string
	}{
		"empty":         {nil, "not a crdtviz class record"},
		"text":          {[]byte("# a scenario\nreplicas A B\n"), "not a crdtviz class record"},
		"cut short":     {encode(&f)[:len(encode(&f))/2], "not a crdtviz class record"},
		"other version": {encode(&otherVersion), "version 99"},
		"forged":        {encode(&forgedBob), "record 2: Bob's record: forged"},
		"bad event":     {encode(&badEvent), "event 1: of an unknown type"},
	} {
		_, err := LoadRecording(c.b)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
	}
}

// FuzzLoadRecording feeds the record file's loader arbitrary bytes: it
// never panics, and a file it accepts replays with every message
// accounted for.
func FuzzLoadRecording(f *testing.F) {
	_, file := fakeFile(f)
	good := encode(&file)
	f.Add(good)
	f.Add(good[:len(good)-3])
	f.Add([]byte{0xa0})
	if b, err := os.ReadFile("../model/testdata/class3.rec"); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		rec, err := LoadRecording(b)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an error that says nothing")
			}
			return
		}
		rp := rec.Replay()
		c := rp.Count
		if c.Messages != c.Received+c.Cut+c.Lost+c.NotKnown {
			t.Fatalf("not every message accounted for: %+v", c)
		}
		for i, m := range rp.Messages {
			if m.ID != i+1 {
				t.Fatalf("message %d has id %d", i+1, m.ID)
			}
		}
	})
}

// bigFile is a record file of a class of n members, each of whom sent k
// payloads to six peers, each received once: about 8k events a member.
func bigFile(b testing.TB, n, k int) []byte {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("S%02d", i)
	}
	c := newFakeClass(b, crdt.ORSet, replicas.ModeDelta, names...)
	recs := make([]memberRecord, n)
	for i := range recs {
		recs[i] = memberRecord{Name: names[i], Run: 7, End: uint64(2*n*k + 10)}
	}
	for j := range k * n {
		from := j % n
		l := uint64(2*j + 1)
		recs[from].Events = append(recs[from].Events, recEvent{Type: recSend, L: l, T: int64(j), Kind: kindView, Via: viaGossip})
		for p := 1; p <= 6; p++ {
			to := (from + p) % n
			recs[from].Events = append(recs[from].Events, recEvent{Type: recXmit, L: l, T: int64(j), Peer: names[to], Out: outSent})
			recs[to].Events = append(recs[to].Events, recEvent{Type: recRecv, L: l + 1, T: int64(j), Peer: names[from], PL: l, PR: 7, Kind: kindView, Out: outTaken})
		}
	}
	f := recordFile{Magic: recordMagic, Version: recordFileVersion, Class: testClass, Info: c.infoRaw, Roster: c.admits}
	for i, name := range names {
		f.Records = append(f.Records, seal(c.ids[name], &envelope{Class: testClass, Kind: kindRecord, From: name, Run: 7,
			Record: &wireRecord{N: 1, Data: encode(&recs[i])}}))
	}
	return encode(&f)
}

// BenchmarkReplay loads and works out a record file of a class of 30:
// 30,000 payloads, 180,000 messages (docs/performance.md).
func BenchmarkReplay(b *testing.B) {
	file := bigFile(b, 30, 1000)
	b.ReportAllocs()
	for b.Loop() {
		rec, err := LoadRecording(file)
		if err != nil {
			b.Fatal(err)
		}
		if c := rec.Replay().Count; c.Messages != 180000 || c.Received != 180000 {
			b.Fatalf("%+v", c)
		}
	}
	b.ReportMetric(float64(len(file))/(1<<20), "file-MB")
}
