package lab

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"crdtviz/demos"
)

// The tests run real processes: the example nodes, built with go build,
// and, for the nodes that misbehave, this test binary itself, which
// becomes a node when CRDTVIZ_LAB_TESTNODE names a behaviour.

const nodeEnv = "CRDTVIZ_LAB_TESTNODE"

func TestMain(m *testing.M) {
	if driving() {
		driveLane()
		os.Exit(0)
	}
	if b := os.Getenv(nodeEnv); b != "" {
		if strings.HasPrefix(b, "counter") {
			counterNode(b)
		} else {
			misbehave(b)
		}
		os.Exit(0)
	}
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// misbehave is a node that breaks the protocol in one way.
func misbehave(how string) {
	in := bufio.NewScanner(os.Stdin)
	out := json.NewEncoder(os.Stdout)
	var id string
	reply := func(m map[string]any, body map[string]any) {
		b := m["body"].(map[string]any)
		body["in_reply_to"] = b["msg_id"]
		out.Encode(map[string]any{"src": id, "dest": m["src"], "body": body})
	}
	switch how {
	case "garbage":
		fmt.Println("hello, I am a node")
		time.Sleep(time.Minute)
		return
	case "exit":
		fmt.Fprintln(os.Stderr, "panic: something went wrong")
		os.Exit(3)
	case "no-init":
		for in.Scan() {
		}
		return
	case "no-stdin":
		time.Sleep(time.Minute)
		return
	}
	for in.Scan() {
		var m map[string]any
		if json.Unmarshal(in.Bytes(), &m) != nil {
			continue
		}
		body := m["body"].(map[string]any)
		switch body["type"] {
		case "init":
			id = body["node_id"].(string)
			reply(m, map[string]any{"type": "init_ok"})
			continue
		case "read":
			if how == "no-read" {
				continue
			}
			reply(m, map[string]any{"type": "read_ok", "value": 0})
			continue
		}
		// an add
		switch how {
		case "crash-on-add":
			fmt.Fprintln(os.Stderr, "KeyError: 'delta'")
			os.Exit(1)
		case "garbage-on-add":
			fmt.Println("oops")
		case "unknown-dest":
			out.Encode(map[string]any{"src": id, "dest": "n7", "body": map[string]any{"type": "gossip"}})
		case "seq-kv":
			out.Encode(map[string]any{"src": id, "dest": "seq-kv", "body": map[string]any{"type": "read", "key": "x", "msg_id": 1}})
		case "wrong-src":
			out.Encode(map[string]any{"src": "n1", "dest": "c1", "body": map[string]any{"type": "add_ok"}})
		case "flood":
			for i := 0; ; i++ {
				if out.Encode(map[string]any{"src": id, "dest": "Bob", "body": map[string]any{"type": "gossip", "n": i}}) != nil {
					return
				}
			}
		case "long-line":
			os.Stdout.WriteString(`{"src":"` + id + `","dest":"Bob","body":{"type":"gossip","pad":"` + strings.Repeat("x", 1<<20) + "\"}}\n")
		case "hang":
			time.Sleep(time.Minute)
		case "error":
			reply(m, map[string]any{"type": "error", "code": 11, "text": "not ready"})
			continue
		}
		reply(m, map[string]any{"type": "add_ok"})
	}
}

// testNode is the command of a misbehaving node; t.Setenv passes the
// behaviour to the processes the lane starts.
func testNode(t *testing.T, how string) []string {
	t.Setenv(nodeEnv, how)
	return []string{os.Args[0]}
}

// built holds the example nodes, built once per test binary.
var built struct {
	once sync.Once
	dir  string
	err  error
}

// exampleNode builds examples/lab/NAME and returns its path.
func exampleNode(t *testing.T, name string) string {
	t.Helper()
	built.once.Do(func() {
		built.dir, built.err = os.MkdirTemp("", "crdtviz-lab-test-")
		if built.err != nil {
			return
		}
		for _, n := range []string{"gcounter", "gcounter-buggy"} {
			out, err := exec.Command("go", "build", "-o", filepath.Join(built.dir, n), "../examples/lab/"+n).CombinedOutput()
			if err != nil {
				built.err = fmt.Errorf("go build %s: %v\n%s", n, err, out)
				return
			}
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return filepath.Join(built.dir, name)
}

// testOptions are the lane options of the tests: the defaults (10 s to
// start: python3 on a machine at load 16 took more than 5), with answers
// given time enough for a loaded machine (and -race), and logs in the
// test's own directory.
func testOptions(t *testing.T) Options {
	o := Defaults
	o.Settle = 40 * time.Millisecond
	o.RPCTimeout = 5 * time.Second
	o.LogDir = t.TempDir()
	return o
}

// noneRunning checks that every node process has exited.
func noneRunning(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for Running() > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := Running(); n > 0 {
		t.Errorf("%d node processes still run after Close", n)
	}
}

func python3(t *testing.T) string {
	p, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed")
	}
	return p
}

var _ = runtime.GOOS

// counterNode is a g-counter node with knobs, named by the behaviour:
// "counter" followed by options, each after a comma:
//
//	timer=DUR    gossip the whole state to every peer every DUR
//	onchange     gossip after an add, and after a merge that grew
//	sum          merge by adding counts (the bug), not by taking the larger
//	strid        gossip with a string msg_id, as some nodes do
//	slowinit=F   answer init 2 s late if file F exists (and create it)
//	setsid=F     start "sleep 1234" in a session of its own, its pid in F
//	closeout     close stdout after init_ok, and keep running
//
// It answers add and read, and merges gossip by taking, for each node,
// the larger count (or the sum, with sum).
func counterNode(spec string) {
	opts := map[string]string{}
	for _, o := range strings.Split(spec, ",")[1:] {
		k, v, _ := strings.Cut(o, "=")
		opts[k] = v
	}
	var mu sync.Mutex
	out := json.NewEncoder(os.Stdout)
	var id string
	var peers []string
	counts := map[string]float64{}
	gossip := func() {
		for _, p := range peers {
			body := map[string]any{"type": "gossip", "counts": counts}
			if _, ok := opts["strid"]; ok {
				body["msg_id"] = "abc-123"
			}
			out.Encode(map[string]any{"src": id, "dest": p, "body": body})
		}
	}
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		var m struct {
			Src  string         `json:"src"`
			Body map[string]any `json:"body"`
		}
		if json.Unmarshal(in.Bytes(), &m) != nil {
			continue
		}
		mu.Lock()
		reply := func(body map[string]any) {
			body["in_reply_to"] = m.Body["msg_id"]
			out.Encode(map[string]any{"src": id, "dest": m.Src, "body": body})
		}
		_, onchange := opts["onchange"]
		switch m.Body["type"] {
		case "init":
			id = m.Body["node_id"].(string)
			for _, n := range m.Body["node_ids"].([]any) {
				if n != id {
					peers = append(peers, n.(string))
				}
			}
			if f := opts["slowinit"]; f != "" {
				f = strings.ReplaceAll(f, "%s", id)
				if _, err := os.Stat(f); err == nil {
					time.Sleep(2 * time.Second)
				}
				os.WriteFile(f, nil, 0o644)
			}
			if f := opts["setsid"]; f != "" {
				f = strings.ReplaceAll(f, "%s", id)
				c := exec.Command("sleep", "1234")
				c.SysProcAttr = setsidAttr()
				if c.Start() == nil {
					os.WriteFile(f, []byte(fmt.Sprint(c.Process.Pid)), 0o644)
				}
			}
			reply(map[string]any{"type": "init_ok"})
			if _, ok := opts["closeout"]; ok {
				os.Stdout.Close()
			}
			if d, err := time.ParseDuration(opts["timer"]); err == nil {
				go func() {
					for range time.Tick(d) {
						mu.Lock()
						gossip()
						mu.Unlock()
					}
				}()
			}
		case "add":
			counts[id] += m.Body["delta"].(float64)
			reply(map[string]any{"type": "add_ok"})
			if onchange {
				gossip()
			}
		case "read":
			sum := 0.0
			for _, c := range counts {
				sum += c
			}
			reply(map[string]any{"type": "read_ok", "value": sum})
		case "gossip":
			grew := false
			for k, v := range m.Body["counts"].(map[string]any) {
				n := v.(float64)
				if _, bug := opts["sum"]; bug {
					counts[k] += n
					grew = true
				} else if n > counts[k] {
					counts[k], grew = n, true
				}
			}
			if grew && onchange {
				gossip()
			}
		}
		mu.Unlock()
	}
}

// counter is the command of a counterNode with the given options
// ("timer=3s,onchange").
func counter(t *testing.T, opts string) []string {
	t.Helper()
	spec := "counter"
	if opts != "" {
		spec += "," + opts
	}
	t.Setenv(nodeEnv, spec)
	return []string{os.Args[0]}
}

// startLane starts a lane of argv's nodes and closes it when the test
// ends.
func startLane(t *testing.T, w *Workload, names, argv []string, opt Options) *Lane {
	t.Helper()
	l, err := New(w, names, argv, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	if err := l.Start(); err != nil {
		t.Fatal(err)
	}
	return l
}

// playSession plays a scenario with argv's nodes, as lab demo does, and
// closes them when the test ends.
func playSession(t *testing.T, s *demos.Scenario, argv []string, opt Options) *Session {
	t.Helper()
	sess, err := NewSession(s, argv, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sess.Close)
	if err := sess.Start(); err != nil {
		t.Fatal(err)
	}
	sess.RunAll()
	return sess
}
