// Package class is classroom mode: every laptop in the room is one
// replica, and the network between them is real.
//
// Each process holds one replica in both lanes, exactly as a replica of
// the simulator does: a plain value that the last arrival overwrites, and
// a CRDT of the crdt package that merges. The processes find each other
// and talk through hashicorp/memberlist, the gossip library that Consul
// and Serf use:
//
//   - An edit is broadcast at once through memberlist's
//     TransmitLimitedQueue: its delta (delta mode) or the whole state
//     (state mode), when it fits in a packet, with the plain value. A
//     process that hears an edit for the first time passes it on, as Serf
//     passes on user events.
//   - Every 2 s each process swaps its whole state with one other
//     (push/pull, memberlist's LocalState and MergeRemoteState): anti-
//     entropy, which repairs whatever broadcasts missed.
//   - The plain lane overwrites with every write it has not heard before;
//     a write it has heard (its own, or a repeat) is nothing new, as in
//     the simulator. The CRDT lane merges.
//
// The teacher's process can partition the class, heal it and reset it.
// Those controls are versioned, sent to every member directly, broadcast,
// and carried in push/pull, so that a late joiner learns them. Each
// process then makes the partition real by wrapping memberlist's
// Transport: it drops packets to and from the other side and refuses to
// dial it. memberlist does not say who sent a payload, so every payload
// names its sender, and payloads from the other side are dropped. After a
// heal (or any real loss) a process joins the members it has lost again
// every 2 s; memberlist never probes a dead member again by itself.
//
// Traffic is encrypted and authenticated with memberlist's keyring
// (AES-256-GCM). The class's memberlist label, which is also its id in
// every payload, is derived from the key, so two classes in one room
// never mix, and a student with the wrong key is refused at once.
// Payloads are CBOR, checked on arrival (wire.go): one that does not
// decode, is too large, or has the wrong version, class or type is
// dropped and counted.
//
// Unlike the simulator, a class is not deterministic: the network decides
// what arrives when, memberlist's timers read the clock, and the key and
// each run's id come from crypto/rand (a key must not be guessable). The
// rules themselves are deterministic: the same payloads in the same order
// make the same replica.
//
// state.go holds everything one process knows, with no I/O and no clock,
// so that its rules are tested without a network; node.go connects it to
// memberlist. The package imports the core (crdt, replicas, demos) and the
// core never imports it.
package class
