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
)

// The tests run real processes: the example nodes, built with go build,
// and, for the nodes that misbehave, this test binary itself, which
// becomes a node when CRDTVIZ_LAB_TESTNODE names a behaviour.

const nodeEnv = "CRDTVIZ_LAB_TESTNODE"

func TestMain(m *testing.M) {
	if b := os.Getenv(nodeEnv); b != "" {
		misbehave(b)
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

// testOptions are the lane options of the tests: the defaults, with
// timeouts generous enough for a loaded machine (and -race), and logs in
// the test's own directory.
func testOptions(t *testing.T) Options {
	o := Defaults
	o.Settle = 40 * time.Millisecond
	o.RPCTimeout = 5 * time.Second
	o.InitTimeout = 5 * time.Second
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
