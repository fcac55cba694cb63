package trace

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// sharedData finds ../shared/data beside the project, or skips the test:
// a user's fresh clone has no shared/ folder.
func sharedData(tb testing.TB, name string) string {
	tb.Helper()
	dir, _ := os.Getwd()
	for range 5 {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(dir, "..", "shared", "data", name)
			if _, err := os.Stat(p); err != nil {
				tb.Skipf("skipping: %s is not here (it ships beside the project, not in it)", p)
			}
			return p
		}
		dir = filepath.Dir(dir)
	}
	tb.Skip("skipping: cannot find the module root")
	return ""
}

func loadFile(tb testing.TB, path string) *Trace {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	tr, err := Load(f)
	if err != nil {
		tb.Fatal(err)
	}
	return tr
}

// replaySource loads a trace from JSON text and replays it.
func replaySource(t *testing.T, src string) *Report {
	t.Helper()
	tr, err := Load(strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Replay(tr)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestSequentialTrace(t *testing.T) {
	rep := replaySource(t, `{"startContent":"ab","endContent":"aXYc","txns":[
		{"patches":[[1,0,"XY"]]},
		{"patches":[[3,1,"c"]]}]}`)
	if !rep.Match || rep.Final != "aXYc" || rep.Tombstones != 1 || rep.Patches != 2 {
		t.Fatalf("report = %+v", rep)
	}
}

func TestGzippedTrace(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(`{"startContent":"","endContent":"hi","txns":[{"patches":[[0,0,"hi"]]}]}`))
	zw.Close()
	tr, err := Load(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if rep, _ := Replay(tr); !rep.Match {
		t.Fatalf("report = %+v", rep)
	}
}

func TestMismatchIsReported(t *testing.T) {
	tr, _ := Load(strings.NewReader(`{"endContent":"hello","txns":[{"patches":[[0,0,"help"]]}]}`))
	rep, err := Replay(tr)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Match || !strings.Contains(rep.Diff, `first difference at character 3 (line 1): expected "lo", got "p"`) {
		t.Fatalf("diff = %q", rep.Diff)
	}
}

// TestConcurrentTrace: two agents type at the same place from the same
// parent; the third transaction merges both.
func TestConcurrentTrace(t *testing.T) {
	src := `{"kind":"concurrent","numAgents":2,"endContent":"ab12c","txns":[
		{"parents":[],"agent":0,"patches":[[0,0,"ab"]]},
		{"parents":[0],"agent":0,"patches":[[2,0,"c"]]},
		{"parents":[0],"agent":1,"patches":[[2,0,"12"]]},
		{"parents":[1,2],"agent":0,"patches":[]}]}`
	tr, err := Load(strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	if !tr.Concurrent {
		t.Fatal("not detected as concurrent")
	}
	rep, err := Replay(tr)
	if err != nil {
		t.Fatal(err)
	}
	// "12" (agent1) and "c" (agent0) both follow 'b' with counter 3; agent1 > agent0 goes first.
	if !rep.Match {
		t.Fatalf("final %q: %s", rep.Final, rep.Diff)
	}
}

func TestNotATrace(t *testing.T) {
	for name, src := range map[string]string{
		"garbage":       "\x00\x01binary",
		"no txns":       `{"endContent":""}`,
		"bad patch":     `{"endContent":"","txns":[{"patches":[[0,0]]}]}`,
		"negative":      `{"endContent":"","txns":[{"patches":[[-1,0,"x"]]}]}`,
		"future parent": `{"numAgents":1,"endContent":"","txns":[{"parents":[3],"agent":0,"patches":[]}]}`,
		"agent too big": `{"numAgents":1,"endContent":"","txns":[{"parents":[],"agent":1,"patches":[]}]}`,
		"no agents":     `{"numAgents":0,"endContent":"","txns":[]}`,
		"empty":         ``,
		"not gzip":      "\x1f\x8bnope",
	} {
		if _, err := Load(strings.NewReader(src)); !errors.Is(err, ErrNotTrace) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func TestRealSequentialTrace(t *testing.T) {
	tr := loadFile(t, sharedData(t, "automerge-paper.json.gz"))
	rep, err := Replay(tr)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Match || rep.Patches != 259778 || len([]rune(rep.Final)) != 104852 {
		t.Fatalf("match=%v patches=%d len=%d %s", rep.Match, rep.Patches, len([]rune(rep.Final)), rep.Diff)
	}
}

func TestRealConcurrentTrace(t *testing.T) {
	tr := loadFile(t, sharedData(t, "friendsforever.json.gz"))
	rep, err := Replay(tr)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Match {
		t.Fatalf("no match: %s", rep.Diff)
	}
}

// BenchmarkAutomergePaper replays the sequential trace through the text
// CRDT; BenchmarkAutomergePaperRuneSplice replays the same patches on a
// plain []rune, the floor any text structure is measured against.
func BenchmarkAutomergePaper(b *testing.B) {
	tr := loadFile(b, sharedData(b, "automerge-paper.json.gz"))
	b.ReportAllocs()
	for b.Loop() {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		rep, err := Replay(tr)
		runtime.ReadMemStats(&after)
		if err != nil || !rep.Match {
			b.Fatal("replay failed")
		}
		// Everything allocated during the replay bounds the peak heap it adds.
		b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/(1<<20), "MB-alloc")
	}
}

func BenchmarkAutomergePaperRuneSplice(b *testing.B) {
	tr := loadFile(b, sharedData(b, "automerge-paper.json.gz"))
	b.ReportAllocs()
	for b.Loop() {
		doc := []rune(tr.StartContent)
		for _, tx := range tr.Txns {
			for _, p := range tx.Patches {
				doc = slices.Delete(doc, p.Pos, p.Pos+p.Del)
				doc = slices.Insert(doc, p.Pos, []rune(p.Ins)...)
			}
		}
		if string(doc) != *tr.EndContent {
			b.Fatal("splice replay does not match")
		}
	}
}

func BenchmarkFriendsForever(b *testing.B) {
	tr := loadFile(b, sharedData(b, "friendsforever.json.gz"))
	b.ReportAllocs()
	for b.Loop() {
		if rep, err := Replay(tr); err != nil || !rep.Match {
			b.Fatal("replay failed")
		}
	}
}

// A trace may claim any number of agents. Agents that author nothing are
// replayed as one replica, so a huge numAgents costs nothing; the report
// still names the number the trace gave.
func TestManyIdleAgentsReplayAsOne(t *testing.T) {
	rep := replaySource(t, `{"numAgents":300000000,"endContent":"hi","txns":[
		{"parents":[],"agent":7,"patches":[[0,0,"h"]]},
		{"parents":[0],"agent":299999999,"patches":[[1,0,"i"]]}]}`)
	if !rep.Match || rep.Replicas != 300000000 || rep.Final != "hi" {
		t.Fatalf("report = %+v", rep)
	}
}

// A trace whose replay would need more than MaxWork is refused with a
// message that says why, before any replica is built.
func TestTooLargeTraceIsRefused(t *testing.T) {
	agents := 2000
	txns := make([]Txn, agents)
	for i := range txns {
		txns[i] = Txn{Agent: i, Parents: []int{}}
	}
	txns[0].Patches = []Patch{{Ins: strings.Repeat("x", MaxWork/agents)}}
	end := ""
	tr := &Trace{EndContent: &end, NumAgents: agents, Txns: txns, Concurrent: true}
	_, err := Replay(tr)
	if err == nil || !strings.Contains(err.Error(), "too large to replay: 2000 agents that edit") {
		t.Fatalf("err = %v", err)
	}
}

// A patch is read against its author's replica. Agent 9 claims no parents,
// so its replica is still empty and position 1 is past the end: the replay
// says which transaction and patch.
func TestPatchPastItsAuthorsEnd(t *testing.T) {
	src := `{"numAgents":10,"endContent":"ab","txns":[
		{"parents":[],"agent":5,"patches":[[0,0,"a"]]},
		{"parents":[],"agent":9,"patches":[[1,0,"b"]]}]}`
	tr, err := Load(strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Replay(tr); err == nil || !strings.Contains(err.Error(), "txn 1 patch 0") {
		t.Fatalf("err = %v", err)
	}
}

// Load reads at most maxBytes of JSON, counted after decompression, so a
// small gzip file that inflates to gigabytes is refused rather than read.
func TestLoadLimitsDecompressedSize(t *testing.T) {
	defer func(old int64) { maxBytes = old }(maxBytes)
	maxBytes = 1000
	small := `{"endContent":"","txns":[]}`
	atLimit := small[:len(small)-1] + strings.Repeat(" ", 1000-len(small)) + "}"
	if _, err := Load(strings.NewReader(atLimit)); err != nil {
		t.Fatalf("a trace of exactly the limit: %v", err)
	}
	overLimit := small[:len(small)-1] + strings.Repeat(" ", 1001-len(small)) + "}"
	if _, err := Load(strings.NewReader(overLimit)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("a trace one byte over the limit: err = %v", err)
	}
	var bomb bytes.Buffer
	zw := gzip.NewWriter(&bomb)
	zw.Write([]byte(`{"endContent":"","txns":[` + strings.Repeat(" ", 100000) + `]}`))
	zw.Close()
	if bomb.Len() > 1000 {
		t.Fatalf("the compressed input should be under the limit, is %d bytes", bomb.Len())
	}
	if _, err := Load(&bomb); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "larger than 256 MB once decompressed") {
		t.Fatalf("gzip bomb: err = %v", err)
	}
}

// BenchmarkWholeFile is what `crdtviz trace` does: open the gzipped file,
// decode it as a stream and replay it.
func BenchmarkWholeFile(b *testing.B) {
	path := sharedData(b, "automerge-paper.json.gz")
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := ReplayFile(path); err != nil {
			b.Fatal(err)
		}
	}
}
