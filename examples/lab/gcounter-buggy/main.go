// Command gcounter-buggy is a grow-only counter node with one bug, for
// crdtviz lab to find: build it and run
//
//	go build -o gcounter-buggy ./examples/lab/gcounter-buggy
//	crdtviz lab check --workload g-counter -- ./gcounter-buggy
//
// It is examples/lab/gcounter with one change, in merge: it adds the
// counts it receives to its own instead of taking the larger. The first
// message from a node is merged correctly; the second copy of the same
// state, a duplicate or a relay through a third node, counts the same
// adds again. Find the line, and say which of the three laws of a merge
// (commutative, associative, idempotent) it breaks.
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

// merge adds the counts of the other state to its own, and reports
// whether anything grew. (The bug: a state received twice counts twice.)
func (n *node) merge(other map[string]int64) bool {
	grew := false
	for k, v := range other {
		if v > 0 {
			n.counts[k] += v
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
