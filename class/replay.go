package class

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"crdtviz/replicas"
)

// The replay: a recording worked out into the room's own space-time
// diagram, as plain values (crdtviz class replay; model/ draws it with
// ui's diagram).
//
// A message is one payload sent to one peer. Each sender's record says
// what it sent, at what Lamport time, and each transmission of it (to a
// peer, or, for a push/pull state, to a peer memberlist did not name);
// each receiver's record says what arrived, from whom, and the sender's
// time for it. Matching the two accounts for every message:
//
//   - received: its first arrival taken in (the others are duplicates:
//     gossip sends a broadcast several times, and a peer may get it
//     twice);
//   - dropped on arrival: it arrived and its receiver dropped it (its
//     sender was not admitted yet, as far as the receiver knew, or it was
//     forged or stale), and no copy of it was taken in;
//   - dropped by the partition: at the sender (every transmission of it),
//     or on arrival;
//   - lost on the way: sent, and not received, though the receiver's
//     record covers the time it would have arrived;
//   - not known: the receiver's record is missing, full, or ended before
//     the message could have arrived (a message sent at Lamport time L
//     arrives after L), or memberlist did not say to whom it went. A
//     missing record never makes a drop: a message that left its sender
//     and went to a member with no record is not known.
//
// Everything is ordered by Lamport time: a message is always received at
// a later time than it was sent, whatever each laptop's clock said.

// MessageEnd says how a message ended.
type MessageEnd int

const (
	Received MessageEnd = iota // it arrived
	CutOff                     // the teacher's partition dropped it (at the sender, or on arrival)
	Lost                       // sent, and never arrived
	NotKnown                   // no record says whether it arrived
	Dropped                    // it arrived, and its receiver dropped it (Where says why)
)

func (e MessageEnd) String() string {
	return [...]string{"received", "dropped by the partition", "lost on the way", "not known", "dropped on arrival"}[e]
}

// Replay is a recording worked out.
type Replay struct {
	Type, Mode, Teacher string
	Code                string   // the teacher key's fingerprint: the class's join code
	Written             int64    // the teacher's clock when the file was written (Unix ms)
	Names               []string // the members the teacher admitted, the teacher first
	Edits               []ReplayEdit
	Controls            []ReplayControl
	Messages            []ReplayMessage // by the time they were sent, then by id
	Count               Accounting
	Notes               []string // what the records cannot tell, per member
	// Complete: every member's record is in the file, none refused and
	// nothing left out of any.
	Complete bool
}

// ReplayEdit is an edit, on its author's line.
type ReplayEdit struct {
	N  int // its number in the replay: #1, #2, … in causal order
	By string
	L  uint64
	At int64 // its author's clock (Unix ms)
	Op string
}

// ReplayControl is one of the teacher's controls, on the teacher's line.
type ReplayControl struct {
	L      uint64
	At     int64
	Text   string     // what it did: "partition A B | C", "heal", "hold", …
	Groups [][]string // the partition after it (none: whole)
	Cut    bool       // it changed the partition
}

// ReplayMessage is one message: a payload sent to one peer. A duplicate
// (Copy > 0) is a later arrival of a message already received.
type ReplayMessage struct {
	ID       int
	From, To string // To is "" when memberlist did not say, and no one received it
	Kind     string // edit, relay, view, state, control, admission, request, refusal, answer
	What     string // what it carried, in words
	Edit     int    // the edit it carries (its number), or 0
	Control  bool   // it carries the teacher's control (its own, or passed on)
	Via      string // gossip, direct, push/pull
	SentL    uint64
	MadeAt   int64 // the sender's clock when it made the payload and handed it to the network (0: not known)
	SentAt   int64 // the sender's clock at the first transmission to this peer (0: not known)
	End      MessageEnd
	Where    string // for a drop by the partition: "at the sender" or "on arrival"; dropped on arrival and not known: why
	RecvL    uint64 // its arrival (or its drop on arrival)
	RecvAt   int64  // the receiver's clock (0: not known)
	New      bool   // it changed the receiver's replica
	Taken    bool   // it changed something else there: a control, a view, an admission
	Change   string // what it did there
	CopyOf   int    // a duplicate: the message it repeats
	Copies   int    // a message received: how many times it arrived in all
}

// Accounting counts the messages of a recording.
type Accounting struct {
	Messages, Received, Cut, Dropped, Lost, NotKnown int
	Duplicates                                       int // arrivals after the first: gossip's retransmissions
	Transmissions                                    int
	// Unmatched counts arrivals their sender's record does not hold
	// (forged, or sent past its bound); not drawn.
	Unmatched int
}

// Short says it in fewer words, for a screen's line.
func (a Accounting) Short() string { return a.say("lost") }

// String says it in one sentence.
func (a Accounting) String() string { return a.say("lost on the way") }

func (a Accounting) say(lost string) string {
	s := fmt.Sprintf("%s: %d received, %d dropped by the partition", replicas.Plural(a.Messages, "message"), a.Received, a.Cut)
	if a.Dropped > 0 {
		s += fmt.Sprintf(", %d dropped on arrival", a.Dropped)
	}
	s += fmt.Sprintf(", %d %s", a.Lost, lost)
	if a.NotKnown > 0 {
		s += fmt.Sprintf(", %d not known", a.NotKnown)
	}
	return s + fmt.Sprintf("; %s", replicas.Plural(a.Duplicates, "duplicate"))
}

// sendKey names a payload sent: its sender's run and time.
type sendKey struct {
	from string
	run  uint64
	l    uint64
}

type sendInfo struct {
	ev    recEvent
	xmits []*recEvent // into the records' events
	// what it carried, worked out once for all its messages
	worded     bool
	kind, what string
	edit       int
}

// editKey names an edit: its write id.
type editKey struct {
	of       string
	run, seq uint64
}

type arrival struct {
	to string
	ev *recEvent // into the receiver's record
}

// Replay works a recording out.
func (r *Recording) Replay() *Replay {
	rp := &Replay{Type: r.Type, Mode: r.Mode, Teacher: r.Teacher, Code: r.Code, Written: r.Written, Names: slices.Clone(r.Names)}
	rp.Complete = r.Complete() && len(r.Refused) == 0
	records := map[string]*memberRecord{}
	for i := range r.Records {
		rec := &r.Records[i]
		records[rec.Name] = rec
	}
	rp.notes(r)
	// Edits, numbered in causal order; sends and arrivals, by key.
	editN := map[editKey]int{}
	sends := map[sendKey]*sendInfo{}
	var arrivals []arrival
	n := 0
	for _, rec := range r.Records {
		for _, e := range rec.Events {
			if e.Type == recRecv {
				n++
			}
		}
	}
	arrivals = make([]arrival, 0, n)
	for ri := range r.Records {
		rec := &r.Records[ri]
		for ei := range rec.Events {
			e := &rec.Events[ei]
			switch e.Type {
			case recEdit:
				rp.Edits = append(rp.Edits, ReplayEdit{By: rec.Name, L: e.L, At: e.T, Op: e.Text})
				editN[editKey{e.Of, e.ERun, e.Seq}] = -1
			case recSend:
				k := sendKey{rec.Name, rec.Run, e.L}
				if s := sends[k]; s == nil {
					sends[k] = &sendInfo{ev: *e}
				}
			case recControl:
				if rec.Name == r.Teacher {
					rp.Controls = append(rp.Controls, ReplayControl{L: e.L, At: e.T, Text: e.Text, Groups: cloneGroups(e.Groups)})
				}
			case recRecv:
				arrivals = append(arrivals, arrival{to: rec.Name, ev: e})
			}
		}
		for ei := range rec.Events {
			if e := &rec.Events[ei]; e.Type == recXmit {
				if s := sends[sendKey{rec.Name, rec.Run, e.L}]; s != nil {
					s.xmits = append(s.xmits, e)
				}
			}
		}
	}
	slices.SortFunc(rp.Edits, func(a, b ReplayEdit) int {
		return cmp.Or(cmp.Compare(a.L, b.L), compareNames(a.By, b.By, r.Teacher))
	})
	for i := range rp.Edits {
		rp.Edits[i].N = i + 1
	}
	type byAt struct {
		by string
		l  uint64
	}
	numbered := make(map[byAt]int, len(rp.Edits))
	for _, e := range rp.Edits {
		numbered[byAt{e.By, e.L}] = e.N
	}
	for _, rec := range r.Records {
		for _, e := range rec.Events {
			if e.Type == recEdit {
				editN[editKey{e.Of, e.ERun, e.Seq}] = numbered[byAt{rec.Name, e.L}]
			}
		}
	}
	slices.SortFunc(rp.Controls, func(a, b ReplayControl) int { return cmp.Compare(a.L, b.L) })
	var was [][]string
	for i := range rp.Controls {
		c := &rp.Controls[i]
		c.Cut = !sameGroups(was, c.Groups)
		was = c.Groups
	}
	// What each of the teacher's controls did, by its time: a control sent
	// (or passed on) says which it is.
	ctlText := make(map[uint64]string, len(rp.Controls))
	for _, c := range rp.Controls {
		ctlText[c.L] = c.Text
	}

	// Arrivals by the payload they carry and their receiver.
	type pair struct {
		k  sendKey
		to string
	}
	byPair := map[pair][]int{}          // indices into arrivals
	receivers := map[sendKey][]string{} // who received each payload, in the order first seen
	for i, a := range arrivals {
		k := sendKey{a.ev.Peer, a.ev.PR, a.ev.PL}
		s := sends[k]
		if s == nil {
			sender := records[a.ev.Peer]
			if sender == nil || sender.Full && a.ev.PL >= sender.Stop {
				// Its sender kept no record of it: the receiver's word.
				// (A receipt's text says what it did there, not what it
				// carried.)
				sends[k] = &sendInfo{ev: recEvent{Type: recSend, L: a.ev.PL, Kind: a.ev.Kind, Rel: a.ev.Rel, IL: a.ev.IL, Of: a.ev.Of,
					ERun: a.ev.ERun, Seq: a.ev.Seq}}
			} else if a.ev.PL <= sender.End {
				rp.Count.Unmatched++
				continue
			} else {
				continue // made after its sender's record ended: not in the recording
			}
		}
		if _, had := byPair[pair{k, a.to}]; !had {
			receivers[k] = append(receivers[k], a.to)
		}
		byPair[pair{k, a.to}] = append(byPair[pair{k, a.to}], i)
	}
	rp.Messages = make([]ReplayMessage, 0, len(arrivals)+len(sends))
	keys := slices.Collect(func(yield func(sendKey) bool) {
		for k := range sends {
			if !yield(k) {
				return
			}
		}
	})
	slices.SortFunc(keys, func(a, b sendKey) int {
		return cmp.Or(cmp.Compare(a.l, b.l), compareNames(a.from, b.from, r.Teacher), cmp.Compare(a.run, b.run))
	})
	type peer struct {
		name  string
		xmits []*recEvent
	}
	var peers []peer
	var got []*recEvent
	w := &wording{editN: editN, ctl: ctlText, teacher: r.Teacher}
	for _, k := range keys {
		s := sends[k]
		// The peers: those transmitted to, and those it arrived at (a few:
		// a slice is quicker than a map).
		peers = peers[:0]
		find := func(name string) int {
			for i := range peers {
				if peers[i].name == name {
					return i
				}
			}
			peers = append(peers, peer{name: name})
			return len(peers) - 1
		}
		unnamed := 0
		for _, x := range s.xmits {
			if x.Peer == "" {
				unnamed++
				continue
			}
			i := find(x.Peer)
			peers[i].xmits = append(peers[i].xmits, x)
		}
		rp.Count.Transmissions += len(s.xmits)
		for _, to := range receivers[k] {
			if n := len(peers); find(to) == n && unnamed > 0 {
				unnamed--
			}
		}
		slices.SortFunc(peers, func(a, b peer) int { return compareNames(a.name, b.name, r.Teacher) })
		for _, p := range peers {
			got = got[:0]
			for _, i := range byPair[pair{k, p.name}] {
				got = append(got, arrivals[i].ev)
			}
			rp.message(k, s, p.name, p.xmits, got, records[p.name], w)
		}
		for range unnamed {
			m := rp.newMessage(k, s, "", nil, w)
			m.End, m.Where = NotKnown, "memberlist does not say which peer it went to, and no record holds it"
			rp.Count.NotKnown++
		}
	}
	return rp
}

// notes says what the records cannot tell, per member: whose record is
// missing and why, refused or older, cut short or incomplete.
func (rp *Replay) notes(r *Recording) {
	for _, m := range r.Missing {
		rp.Notes = append(rp.Notes, m.Name+" has no record: "+m.Why)
	}
	for _, m := range r.Earlier {
		rp.Notes = append(rp.Notes, m.Name+": "+m.Why)
	}
	rp.Notes = append(rp.Notes, r.Refused...)
	if r.Forged > 0 {
		rp.Notes = append(rp.Notes, fmt.Sprintf("The teacher refused %s while collecting: signed by someone other than the member named, or speaking for another.",
			replicas.Plural(r.Forged, "forged record")))
	}
	var left []string
	for _, rec := range r.Records {
		if rec.Full {
			rp.Notes = append(rp.Notes, fmt.Sprintf("%s: its record reached its bound at time %d; %s after it not kept, and messages to it after that are not known",
				rec.Name, rec.Stop, replicas.Plural(rec.NotKept, "event")))
		}
		if rec.Untraced > 0 {
			rp.Notes = append(rp.Notes, fmt.Sprintf("%s: %s it sent could not be read off in time: their transmissions are missing",
				rec.Name, replicas.Plural(rec.Untraced, "packet")))
		}
		if rec.Left {
			left = append(left, rec.Name)
		}
	}
	switch len(left) {
	case 0:
	case 1:
		rp.Notes = append(rp.Notes, left[0]+": left the class; its record ends there")
	default:
		rp.Notes = append(rp.Notes, strings.Join(left, ", ")+": left the class; their records end there")
	}
}

// wording is what the replay knows to word a payload: the number of each
// edit, and what each of the teacher's controls did.
type wording struct {
	editN   map[editKey]int
	ctl     map[uint64]string // the teacher's control at its time → what it did
	teacher string
}

// newMessage adds a message of payload k to peer to.
func (rp *Replay) newMessage(k sendKey, s *sendInfo, to string, xmits []*recEvent, w *wording) *ReplayMessage {
	m := ReplayMessage{ID: len(rp.Messages) + 1, From: k.from, To: to, SentL: k.l, Via: viaName(s.ev.Via), MadeAt: s.ev.T}
	if len(xmits) > 0 {
		m.SentAt = xmits[0].T
	} else if len(s.xmits) > 0 {
		m.SentAt = s.xmits[0].T
	}
	if !s.worded {
		if s.ev.Of != "" {
			s.edit = max(0, w.editN[editKey{s.ev.Of, s.ev.ERun, s.ev.Seq}])
		}
		did := ""
		if s.ev.Kind == kindControl {
			// The control's own time: the payload's, or, passed on, the
			// one it carries.
			at := k.l
			if s.ev.Rel {
				at = s.ev.IL
			}
			if s.ev.Rel || k.from == w.teacher {
				did = w.ctl[at]
			}
		}
		s.kind, s.what = payloadWords(s.ev, s.edit, did)
		if s.ev.Rel && s.ev.Of == k.from && s.edit > 0 {
			// Its author's own relay: an edit held during the teacher's
			// hold, sent at the release.
			s.kind, s.what = "edit", strings.TrimPrefix(s.what, "passes on "+k.from+"'s ")+", held until the release"
		}
		s.worded = true
	}
	m.Kind, m.What, m.Edit, m.Control = s.kind, s.what, s.edit, s.ev.Kind == kindControl
	rp.Messages = append(rp.Messages, m)
	rp.Count.Messages++
	return &rp.Messages[len(rp.Messages)-1]
}

// message accounts for payload k sent to peer to: its transmissions there
// and its arrivals (receipts) there.
func (rp *Replay) message(k sendKey, s *sendInfo, to string, xmits, arrived []*recEvent, recv *memberRecord, w *wording) {
	slices.SortFunc(arrived, func(a, b *recEvent) int { return cmp.Compare(a.L, b.L) })
	var got, cut []*recEvent
	taken := -1 // the first arrival taken in
	for _, a := range arrived {
		if a.Out == outCut {
			cut = append(cut, a)
			continue
		}
		if taken < 0 && a.Out != outBad {
			taken = len(got)
		}
		got = append(got, a)
	}
	// Some transmission of it left (or failed): not all were dropped by
	// the partition at the sender.
	left := slices.ContainsFunc(xmits, func(x *recEvent) bool { return x.Out != outCut })
	m := rp.newMessage(k, s, to, xmits, w)
	switch {
	case len(got) > 0:
		first := got[max(taken, 0)]
		m.RecvL, m.RecvAt, m.Copies = first.L, first.T, len(got)
		if taken >= 0 {
			m.End, m.New, m.Taken, m.Change = Received, first.Out == outNew, first.Out == outTaken, first.Text
			rp.Count.Received++
		} else {
			m.End, m.Where, m.Change = Dropped, strings.TrimPrefix(first.Text, "dropped: "), first.Text
			rp.Count.Dropped++
		}
		id := m.ID
		for _, d := range got {
			if d == first {
				continue
			}
			rp.Messages = append(rp.Messages, ReplayMessage{ID: len(rp.Messages) + 1, From: k.from, To: to, Kind: m.Kind, What: m.What,
				Edit: m.Edit, Control: m.Control, Via: m.Via, SentL: k.l, MadeAt: m.MadeAt, SentAt: m.SentAt, End: Received,
				RecvL: d.L, RecvAt: d.T, Change: copyWords(d, first), CopyOf: id})
			rp.Count.Duplicates++
		}
	case len(cut) > 0:
		m.End, m.Where, m.RecvL, m.RecvAt, m.Change = CutOff, "on arrival", cut[0].L, cut[0].T, cut[0].Text
		rp.Count.Cut++
	case len(xmits) > 0 && !left:
		m.End, m.Where = CutOff, "at the sender"
		rp.Count.Cut++
	case recv == nil:
		m.End, m.Where = NotKnown, to+" left no record"
		rp.Count.NotKnown++
	case recv.Full && k.l >= recv.Stop || recv.Full && len(xmits) > 0:
		m.End, m.Where = NotKnown, to+"'s record was full"
		rp.Count.NotKnown++
	case k.l >= lastL(recv):
		m.End, m.Where = NotKnown, to+"'s record ended before it could arrive"
		rp.Count.NotKnown++
	default:
		m.End = Lost
		if slices.ContainsFunc(xmits, func(x *recEvent) bool { return x.Out == outCut }) {
			m.Where = "the partition dropped some of its transmissions at the sender; those that left never arrived"
		}
		for _, x := range xmits {
			if x.Out == outFailed {
				m.Where = "the send failed: " + x.Text
			}
		}
		rp.Count.Lost++
	}
}

// copyWords says what a copy of a message did where it arrived, beside
// the arrival that counts.
func copyWords(d, first *recEvent) string {
	if d.L < first.L {
		return "an earlier copy: " + orNothing(d.Text)
	}
	return "a duplicate: " + orNothing(d.Text)
}

func orNothing(s string) string {
	if s == "" {
		return "nothing new"
	}
	return s
}

// lastL is the latest Lamport time in a record.
func lastL(r *memberRecord) uint64 {
	l := r.End
	for _, e := range r.Events {
		l = max(l, e.L)
	}
	return l
}

func viaName(v uint8) string {
	switch v {
	case viaGossip:
		return "gossip"
	case viaDirect:
		return "direct"
	case viaState:
		return "push/pull"
	}
	return ""
}

// The kinds of payload, in a word and in words.
var (
	payloadWhat = map[int]string{kindEdit: "an edit", kindView: "its view", kindControl: "the teacher's control",
		kindState: "its whole state (push/pull)", kindInfo: "the class", kindAdmit: "an admission", kindAsk: "a request to be admitted",
		kindRefuse: "a refusal", kindPlain: "a plain write", kindAnswer: "an answer"}
	payloadKind = map[int]string{kindEdit: "edit", kindView: "view", kindControl: "control", kindState: "state", kindAdmit: "admission",
		kindAsk: "request", kindRefuse: "refusal", kindPlain: "plain", kindAnswer: "answer", kindInfo: "class"}
)

// payloadWords says what a payload sent was: its kind, and in words
// (edit: the number of the edit it carries, or 0; did: for the teacher's
// control, what it did, or "" when no record says).
func payloadWords(e recEvent, edit int, did string) (kind, what string) {
	what, kind = payloadWhat[int(e.Kind)], payloadKind[int(e.Kind)]
	if what == "" {
		what, kind = "a payload", "other"
	}
	if e.Kind == kindEdit {
		what = "an edit"
		if edit > 0 {
			what = fmt.Sprintf("edit #%d", edit)
		}
	}
	switch {
	case e.Kind == kindControl && did != "":
		// What it did, and what the room is like after it, where that
		// says more: "heal (no partition)", "hold (no partition, held)".
		what += ": " + did
		var after []string
		for _, p := range strings.Split(e.Text, ", ") {
			if p != "" && !strings.Contains(did, p) {
				after = append(after, p)
			}
		}
		if len(after) > 0 {
			what += " (" + strings.Join(after, ", ") + ")"
		}
	case e.Text != "" && (e.Kind == kindEdit || e.Kind == kindControl):
		what += " (" + e.Text + ")"
	}
	if e.Rel {
		if e.Of != "" {
			what = e.Of + "'s " + strings.TrimPrefix(what, "an ")
		}
		return "relay", "passes on " + what
	}
	return kind, what
}
