// Package replicas simulates a small cluster of servers that replicate one
// value, and the network between them, so that replication can be watched
// step by step.
//
// # Two worlds, one set of events
//
// Every replica holds the value twice, in two lanes that receive exactly the
// same edits and messages:
//
//   - the Plain lane holds an ordinary value, as a system without CRDTs
//     does. A replica sends after the writes its users make, over a
//     transport that retries: a message carries the sender's value while
//     the link has not yet delivered the sender's latest write (a write
//     counter per replica, and per link the counter of the last value it
//     delivered). That value is whatever the sender holds, its own write
//     or one it received since. Otherwise the message carries nothing
//     new. When a value arrives, it overwrites the receiver's ("the last
//     value I received wins"). A plain lane never passes a value on only
//     because it received it;
//   - the CRDT lane holds a crdt.CRDT. A message carries, depending on the
//     cluster's Mode, the sender's whole state, its ops, or its pending
//     deltas, and when it arrives, it is merged, applied or joined.
//
// So the plain lane fails only where real systems without versions fail:
// under concurrent writes, reordering and duplication on a link, and
// messages that reach a replica out of causal order by different paths (a
// value already replaced arriving after its replacement); loss and
// partitions only delay it, and one writer loses nothing. The CRDT lane shows replicas converging all the same.
//
// # A tour
//
//	c, _ := replicas.New(replicas.Config{
//		Type:    crdt.PNCounter,
//		Names:   []string{"Alice", "Bob", "Carol"},
//		Initial: &init, // crdt.IntValue(1000)
//	})
//	c.Apply(replicas.Edit{Replica: "Alice", Op: crdt.Op{Kind: crdt.OpInc, N: 200}})
//	c.Apply(replicas.Edit{Replica: "Bob", Op: crdt.Op{Kind: crdt.OpDec, N: 50}})
//	c.Apply(replicas.Send{From: "Alice", To: "Carol"}) // message m1 in flight
//	c.Apply(replicas.Send{From: "Bob", To: "Carol"})   // message m2 in flight
//	c.Apply(replicas.DeliverAll{})
//	c.Replica("Carol").Value(replicas.CRDT)  // 1150: both edits merged
//	c.Replica("Carol").Value(replicas.Plain) // 950: Bob's message arrived last
//
// Each Apply returns events. Every event carries a sentence per lane that
// says what happened and why, for example
//
//	plain: Carol's value 1200 was overwritten by Bob's 950 (m2, 5 B)
//	pn-counter: Carol merged Bob's state (m2, 19 B): max per entry P {init:1000, Alice:200} − N {Bob:50} → 1150
//
// # The network
//
// Links are directed: Alice → Bob can be up while Bob → Alice is cut. Each
// directed link has its own queue of messages in flight. A message is
// taken when it is sent; it can be delivered oldest first or newest first
// (a reordering), dropped, or duplicated to the back of its queue. A message sent over a cut link waits until the
// link heals. Sync sends and delivers at once. SyncBoth, Sync to all and
// SyncAll take all their messages before delivering any; SyncAll is one
// round in which everyone sends to everyone it can reach.
//
// # Time and clocks
//
// There is no wall clock. A global tick advances by one with every action.
// Each replica has a clock skew; its clock reads tick + skew, and that is the
// timestamp its last-writer-wins edits carry. Ties go to the greater replica
// name. A replica with a fast clock therefore wins over a write made later.
//
// # Lost edits
//
// Every edit gets an id (#1, #2, …), and every lane value carries its causal
// history: the edits it reflects. A local edit adds itself; a plain receive
// takes the sender's history; a CRDT merge takes the union, except for the
// last-writer-wins types, which take the winning write's history (key by key
// for lww-set and lww-map). An edit is lost when no replica's current value
// has it in its history. An edit a lane turned into a no-op is declined; it
// is counted, never lost.
//
// # Strong eventual consistency, checked
//
// Each replica also has, per lane, a knows set: the edits that have reached
// it. The editor knows its edit, applied or declined; a CRDT message adds
// everything its sender knew; a plain message adds the edits its value
// reflects (and "nothing new" adds nothing). Status ignores messages in
// flight and has three headlines:
//
//   - converged: every replica holds the same value;
//   - pending: values differ, but every two replicas whose values differ
//     know different edits: they may yet agree (Status says who has not
//     seen what);
//   - diverged: two replicas know the same edits and hold different values.
//
// Strong eventual consistency is the claim that the CRDT lane is never
// diverged; a property test checks it over random histories, and finds
// diverged plain lanes.
//
// # Rules the engine keeps
//
//   - Apply either succeeds or returns an error and changes nothing.
//   - The same actions always give the same state and the same events: no
//     clock, no goroutines, no unseeded randomness, no map order in output.
//   - Replicas share no memory: messages carry deep copies, and a merge
//     copies what it takes.
//
// # Time travel
//
// A Timeline keeps the list of actions, with a stored copy of the cluster
// every CheckpointEvery actions (fewer, when the states grow large while the
// actions do little: see wantCheckpoint). Going to any earlier point
// restores the copy before it and replays the rest; acting there discards
// the old future.
//
// # Work that grows with what was asked
//
// A history of forty thousand edits must cost forty thousand edits, not
// forty thousand times the state. So what a replica keeps for its mode is
// persistent and shared by prefix (an op log, a delta log, a causal buffer
// found by what each op waits for), an edit updates a sketch of its lanes'
// values instead of rendering them, and a work budget (budget.go) stops a
// file whose work would still take too long, with an error that names the
// statement.
package replicas
