// Command gcounter is a correct grow-only counter node for crdtviz lab
// and for Maelstrom's g-counter workload: build it and run
//
//	go build -o gcounter ./examples/lab/gcounter
//	crdtviz lab check --workload g-counter -- ./gcounter
//
// It keeps one count per node (a version vector of counts). An add raises
// its own count; a read answers the sum. It gossips its whole state to
// every other node when the state changes, and every second in any case
// (which repairs lost messages). A node that receives a state merges it by
// taking, for each node, the larger count: a merge that is commutative,
// associative and idempotent, so duplicates and reordering do no harm.
package main

import (
	"bufio"
	"encoding/json"
	"os"
	"sync"
	"time"
)

// message is one line of Maelstrom's protocol.
type message struct {
	Src  string          `json:"src"`
	Dest string          `json:"dest"`
	Body json.RawMessage `json:"body"`
}

type body struct {
	Type      string           `json:"type"`
	MsgID     int64            `json:"msg_id,omitempty"`
	InReplyTo int64            `json:"in_reply_to,omitempty"`
	NodeID    string           `json:"node_id,omitempty"`
	NodeIDs   []string         `json:"node_ids,omitempty"`
	Delta     int64            `json:"delta,omitempty"`
	Value     *int64           `json:"value,omitempty"`
	Counts    map[string]int64 `json:"counts,omitempty"`
}

type node struct {
	mu     sync.Mutex
	out    *json.Encoder
	id     string
	peers  []string
	counts map[string]int64
}

// send writes one message; json.Encoder ends it with a newline, and
// os.Stdout is not buffered, so it leaves at once.
func (n *node) send(dest string, b body) {
	raw, _ := json.Marshal(b)
	n.out.Encode(message{Src: n.id, Dest: dest, Body: raw})
}

// gossip sends the whole state to every other node. Call with mu held.
func (n *node) gossip() {
	for _, p := range n.peers {
		n.send(p, body{Type: "gossip", Counts: n.counts})
	}
}

func (n *node) sum() int64 {
	var s int64
	for _, c := range n.counts {
		s += c
	}
	return s
}

// merge takes the larger count for every node, and reports whether
// anything grew.
func (n *node) merge(other map[string]int64) bool {
	grew := false
	for k, v := range other {
		if v > n.counts[k] {
			n.counts[k] = v
			grew = true
		}
	}
	return grew
}

func (n *node) handle(m message) {
	var b body
	if json.Unmarshal(m.Body, &b) != nil {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	switch b.Type {
	case "init":
		n.id = b.NodeID
		for _, p := range b.NodeIDs {
			if p != n.id {
				n.peers = append(n.peers, p)
			}
		}
		n.send(m.Src, body{Type: "init_ok", InReplyTo: b.MsgID})
		go n.every(time.Second)
	case "add":
		n.counts[n.id] += b.Delta
		n.send(m.Src, body{Type: "add_ok", InReplyTo: b.MsgID})
		n.gossip()
	case "read":
		v := n.sum()
		n.send(m.Src, body{Type: "read_ok", InReplyTo: b.MsgID, Value: &v})
	case "gossip":
		if n.merge(b.Counts) {
			n.gossip()
		}
	}
}

// every gossips on a timer, as Maelstrom's CRDT chapter does.
func (n *node) every(d time.Duration) {
	for range time.Tick(d) {
		n.mu.Lock()
		n.gossip()
		n.mu.Unlock()
	}
}

func main() {
	n := &node{out: json.NewEncoder(os.Stdout), counts: map[string]int64{}}
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	for in.Scan() {
		var m message
		if json.Unmarshal(in.Bytes(), &m) == nil {
			n.handle(m)
		}
	}
}
