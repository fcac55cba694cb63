// Package lab runs a student's own CRDT beside crdtviz's: "bring your own
// CRDT".
//
// A student writes a node, in any language, that speaks the protocol of
// Jepsen's Maelstrom: one JSON message per line, {"src", "dest", "body"},
// on stdin and stdout. The lab starts one process per replica, gives each
// init (its node id is the replica's name), and becomes the client c1:
// an edit is a request from c1 to one node, and after each step c1 reads
// every node.
//
// The network between the nodes is crdtviz's. Every message a node writes
// to another is held by the Lane, per directed link: first in the link's
// outbox (written, not sent), then in flight (sent, not delivered). The
// scenario's actions, the same replicas.Action values that drive the
// built-in lanes, move them: send puts an outbox in flight, deliver writes
// the oldest message in flight to the receiver's stdin, drop and duplicate
// act on the oldest, sync sends and delivers everything waiting, and cut
// links hold their messages. Lane.Apply is that mapping, in one switch.
//
//	l, _ := lab.New(workload, []string{"Alice", "Bob"}, []string{"./my-node"}, lab.Options{})
//	defer l.Close()
//	l.Start()                                                // init, init_ok
//	l.Apply(replicas.Edit{Replica: "Alice", Op: op})         // c1 → Alice: add
//	l.Apply(replicas.Sync{From: "Alice", To: "Bob"})         // Alice's gossip reaches Bob
//	reads := l.ReadAll()                                     // c1 → every node: read
//	v := lab.Judge(workload, l.Ops(), reads, true)           // right, wrong, or did not converge
//
// Unlike the core, the lab is not deterministic. The nodes are real
// processes with their own timers: what a node writes, and when, depends
// on timing. What crdtviz controls is what is delivered, and when: a
// message reaches a node only through an action. A step ends when the
// nodes have been quiet for Options.Settle, or after StepTimeout.
//
// A Verdict never says pending or diverged, as the built-in lanes do:
// crdtviz cannot see what a node has seen. It says whether the reads
// agree, whether a read is one no correct node could give, and, at the
// end, whether the agreed value is right by the workload's rule (Maelstrom's
// for g-counter, pn-counter and g-set; the lab's own for lww-register and
// or-set; see docs/lab.md).
//
// Check is lab check: random scenarios (Generate), each followed by a final
// phase that heals and delivers until the reads settle, then judged. A
// failure is shrunk (Minimize, delta debugging, re-running each candidate
// because nodes can be nondeterministic) and written as an ordinary
// scenario file (WriteScenario) with the reference's expect lines. Session
// plays any scenario in the reference timeline and the student's lane
// together, for lab demo and the app; WriteTranscript prints one.
//
// A node can misbehave in every way: exit, hang, write garbage, write to a
// node that does not exist or to one of Maelstrom's services, flood. None
// of it hangs or crashes crdtviz: the node is stopped or marked silent,
// with a reason a student can act on, and its stderr is in a log file.
// Every bound is an Options field: bytes per message, messages per link
// and per step, bytes waiting, time per step, processes started. Close
// kills every node and its process group; KillAll does it from any
// goroutine, for signals and panics; on Linux the kernel kills a node whose
// parent dies.
//
// The package imports the core (crdt, replicas, demos); the core never
// imports it, and ui never does. model turns a Lane's Snapshot into the
// plain values the screen draws.
package lab
