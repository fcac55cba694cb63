package class

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/memberlist"

	"crdtviz/crdt"
	"crdtviz/replicas"
)

// Collecting the room's records (class start --record FILE).
//
// The teacher presses E (or quits): its process asks every member for its
// record, directly and signed, numbered N, saying how much each may weigh
// (the file's bound shared out). Each member stops its record at that
// moment for what it makes, goes on taking in what arrives for a short
// grace (so that a message on its way is received, not counted lost), then
// sends its record, signed with its own key, straight to the teacher. The
// teacher keeps each record whose signature its roster proves, refuses and
// counts any other (a forged record), waits for the members it asked until
// a deadline, and notes each member that did not answer, left without a
// record, or stopped answering. It then writes one file, through a
// temporary file renamed into place. A member that quits sends its record
// as it leaves, unasked.
//
// The teacher's partition does not stop a request or a record: both cross
// it, as the teacher's controls do.

// Recorded is what writing the record file did.
type Recorded struct {
	File    string
	Records int      // members whose records are in the file, the teacher's included
	Earlier []string // members whose record in it is one they sent earlier, and why ("Bob: did not answer within 6 s")
	Missing []string // members with none, and why ("Bob: did not answer within 6 s")
	Forged  int      // records refused: signed by someone other than the member they name, or speaking for another
}

// String says it in one sentence.
func (r Recorded) String() string {
	s := fmt.Sprintf("wrote %s: the records of %s", r.File, replicas.Plural(r.Records, "member"))
	if len(r.Earlier) > 0 {
		// "Ben: did not answer …": Ben's record is one he sent before.
		s += fmt.Sprintf(", %s from an earlier request (%s)", replicas.Plural(len(r.Earlier), "record"), strings.Join(r.Earlier, "; "))
	}
	if len(r.Missing) > 0 {
		s += "; none from " + strings.Join(r.Missing, "; ")
	}
	if r.Forged > 0 {
		s += fmt.Sprintf("; %s refused", replicas.Plural(r.Forged, "forged record"))
	}
	return s + " (crdtviz class replay " + r.File + " shows it)"
}

// gotRecord is a member's record as the teacher holds it.
type gotRecord struct {
	n       uint64 // the request it answered (0: sent as it left)
	raw     []byte // as its member sealed it
	left    bool
	refused string // why its record was refused ("as forged: …"): there is none
}

// ErrNotRecording is EndSession's answer in a class that does not record.
var ErrNotRecording = errors.New("this class is not recorded: the teacher starts it with --record FILE to keep the room's diagram")

// EndSession collects every member's record and writes the record file
// (teacher only, in a class started with --record). The class goes on;
// pressing it again, or quitting, writes the file again with all that
// happened since.
func (n *Node) EndSession() (Recorded, error) {
	n.mu.Lock()
	teacher := n.st.teacher()
	n.mu.Unlock()
	switch {
	case !teacher:
		return Recorded{}, errors.New("only the teacher collects the room's records")
	case n.opts.Record == "":
		return Recorded{}, ErrNotRecording
	}
	n.collecting.Lock()
	defer n.collecting.Unlock()
	n.mu.Lock()
	n.recMu.Lock()
	n.collectN++
	num := n.collectN
	n.recMu.Unlock()
	budget := min(maxRecordBytes, max(minRecordBudget, maxFileBytes/max(1, len(n.st.roster))))
	req := wireCollect{N: num, Budget: budget}
	raw := n.st.seal(kindCollect, func(e *envelope) { e.Collect = &req })
	end := n.st.lc
	var asked []string
	var to []*memberlist.Node
	for _, name := range n.st.names() {
		m := n.st.members[name]
		if name == n.st.name || m == nil || !n.st.shown(name) || (m.status != Alive && m.status != Suspect) || n.nodes[name] == nil {
			continue
		}
		asked = append(asked, name)
		to = append(to, n.nodes[name])
	}
	n.mu.Unlock()
	n.emit(Event{Event: "collect", Text: fmt.Sprintf("collecting the room's records: asked %s", replicas.Plural(len(asked), "member"))})
	n.tr.bypass.Add(1)
	n.sendAll(to, raw)
	n.tr.bypass.Add(-1)

	// The teacher's own record, after the same grace as the others'.
	if !n.sleep(n.opts.Timing.Grace) {
		return Recorded{}, errors.New("the class stopped while collecting")
	}
	own := n.sealRecord(num, n.rec.take(end, budget*9/10, false), budget)
	deadline := time.NewTimer(n.opts.Timing.Collect)
	defer deadline.Stop()
	for !n.answered(asked, num) {
		select {
		case <-n.recSig:
		case <-deadline.C:
			return n.writeRecords(own, asked, num)
		case <-n.stop:
			return Recorded{}, errors.New("the class stopped while collecting")
		}
	}
	return n.writeRecords(own, asked, num)
}

// sleep waits d, or until the node stops (false).
func (n *Node) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-n.stop:
		return false
	}
}

// answered reports whether every member asked has answered request num.
func (n *Node) answered(asked []string, num uint64) bool {
	n.recMu.Lock()
	defer n.recMu.Unlock()
	for _, name := range asked {
		if g, ok := n.got[name]; !ok || g.n != num && !g.left {
			return false
		}
	}
	return true
}

// writeRecords writes the file: the teacher's record, every member's
// latest, and a note for each member with none, under the teacher's
// signed list of contents.
func (n *Node) writeRecords(own []byte, asked []string, num uint64) (Recorded, error) {
	n.mu.Lock()
	class, info, id, teacher := n.st.class, n.st.infoRaw, n.st.me, n.st.name
	names := slices.Sorted(mapsKeys(n.st.roster))
	var roster [][]byte
	keys := map[string]ed25519.PublicKey{}
	status := map[string]Liveness{}
	cutOff := map[string]bool{}
	for _, name := range names {
		roster = append(roster, n.st.roster[name].raw)
		keys[name] = ed25519.PublicKey(n.st.roster[name].rec.Key)
		if m := n.st.members[name]; m != nil {
			status[name] = m.status
		}
		cutOff[name] = n.st.blocked(name)
	}
	n.mu.Unlock()
	n.recMu.Lock()
	got := maps.Clone(n.got)
	forgedN := n.forgedRecords
	n.recMu.Unlock()

	res := Recorded{File: n.opts.Record, Records: 1, Forged: forgedN}
	recs := []fileRecord{{name: teacher, raw: own}}
	c := fileContents{Written: now(), Forged: forgedN}
	wait := n.opts.Timing.Grace + n.opts.Timing.Collect
	for _, name := range names {
		if name == teacher {
			continue
		}
		g, ok := got[name]
		// On a real network the teacher's transport refuses what comes
		// from across its partition (loopback cannot tell), records too.
		later := ""
		if cutOff[name] {
			later = " (the teacher's partition cuts it off: E after the heal, or quitting then, collects it)"
		}
		why := ""
		switch {
		case ok && g.refused != "":
			why = "the one it sent was refused " + g.refused
		case ok && !sealedBy(g.raw, keys[name], class):
			// A reader checks each record against the roster's key.
			why = "the record it sent is from its earlier run (it joined again since, with a new key)"
		case ok && g.n != num && !g.left:
			// Its record from an earlier request: it did not answer this one.
			why := "stopped answering (killed, or lost the network) before the last request"
			if slices.Contains(asked, name) {
				why = fmt.Sprintf("did not answer the last request within %s%s", seconds(wait), later)
			}
			recs = append(recs, fileRecord{name: name, raw: g.raw, note: why + "; its record here is the one it sent at an earlier request, and ends there"})
			res.Records++
			res.Earlier = append(res.Earlier, name+": "+why)
		case ok:
			recs = append(recs, fileRecord{name: name, raw: g.raw})
			res.Records++
		case slices.Contains(asked, name):
			why = fmt.Sprintf("did not answer within %s%s", seconds(wait), later)
		case status[name] == Left:
			why = "left the class without sending its record"
		default:
			why = "stopped answering (killed, or lost the network) before the end"
		}
		if why != "" {
			c.Missing = append(c.Missing, missingRecord{Name: name, Why: why})
			res.Missing = append(res.Missing, name+": "+why)
		}
	}
	save := n.opts.SaveRecord
	if save == nil {
		save = func(b []byte) error { return writeFileAtomic(n.opts.Record, b) }
	}
	if err := save(sealFile(id, class, info, roster, recs, c)); err != nil {
		return res, fmt.Errorf("writing the record: %v", err)
	}
	n.emit(Event{Event: "recorded", Name: n.opts.Record, Text: res.String()})
	r := res
	n.recorded.Store(&r)
	return res, nil
}

// sealedBy reports whether a sealed payload is signed by key.
func sealedBy(raw []byte, key ed25519.PublicKey, class string) bool {
	_, seal, err := unseal(raw, maxRecordBytes+4096, class)
	return err == nil && verify(key, seal.Body, seal.Sig)
}

// LastRecorded is what the last write of the record file did (nil: none).
func (n *Node) LastRecorded() *Recorded { return n.recorded.Load() }

func seconds(d time.Duration) string {
	return fmt.Sprintf("%g s", d.Round(100*time.Millisecond).Seconds())
}

// sealRecord seals this member's record as a kindRecord payload answering
// request num, cut until it weighs at most budget. The signature is made
// without the lock: it hashes the whole record.
func (n *Node) sealRecord(num uint64, rec memberRecord, budget int) []byte {
	data := encode(&rec)
	for len(data) > budget && len(rec.Events) > 0 {
		cut := len(rec.Events) * 9 / 10
		stop := rec.Events[cut].L
		for _, e := range rec.Events[cut:] {
			stop = min(stop, e.L)
		}
		rec.Full, rec.NotKept, rec.Stop = true, rec.NotKept+len(rec.Events)-cut, min(stop, max(rec.Stop, stop))
		rec.Events = rec.Events[:cut]
		data = encode(&rec)
	}
	n.mu.Lock()
	env := &envelope{Class: n.st.class, Kind: kindRecord, From: n.st.name, Epoch: n.st.ctl.Epoch, Run: n.st.run,
		Record: &wireRecord{N: num, Data: data}}
	env.L = n.st.tick()
	id := n.st.me
	n.mu.Unlock()
	return seal(id, env)
}

// answerCollect answers the teacher's request for this member's record:
// after the grace, straight to the teacher, across any partition.
func (n *Node) answerCollect(req wireCollect) {
	n.mu.Lock()
	end, teacher := n.st.lc, n.st.info.Teacher
	n.mu.Unlock()
	if !n.sleep(n.opts.Timing.Grace) {
		return
	}
	raw := n.sealRecord(req.N, n.rec.take(end, req.Budget*9/10, false), req.Budget)
	n.sendTeacher(teacher, raw)
}

// sendTeacher sends a payload straight to the teacher, across the
// partition.
func (n *Node) sendTeacher(teacher string, raw []byte) {
	nd := n.nodeFor(teacher, "")
	if nd == nil {
		return
	}
	n.tr.bypass.Add(1)
	_ = n.ml.SendReliable(nd, raw)
	n.tr.bypass.Add(-1)
}

// leaveRecord sends this member's record to the teacher as it leaves the
// class, unasked.
func (n *Node) leaveRecord() {
	n.mu.Lock()
	ok := n.st.ready() && n.st.admitted && n.st.info.Record && !n.st.teacher()
	var end uint64
	var teacher string
	members := 1
	if ok {
		end, teacher, members = n.st.lc, n.st.info.Teacher, max(1, len(n.st.roster))
	}
	n.mu.Unlock()
	if !ok {
		return
	}
	budget := min(maxRecordBytes, max(minRecordBudget, maxFileBytes/members))
	n.sendTeacher(teacher, n.sealRecord(0, n.rec.take(end, budget*9/10, true), budget))
}

// takeRecords keeps the records members sent (their signatures already
// checked against the roster): the newest of each member's.
func (n *Node) takeRecords(envs []*envelope) []Event {
	var evs []Event
	for _, env := range envs {
		r, err := decodeRecord(env)
		if err != nil {
			n.mu.Lock()
			evs = append(evs, n.dropLocked(err)...)
			n.mu.Unlock()
			n.forgedRecord(err, env.raw)
		}
		n.recMu.Lock()
		switch cur, ok := n.got[env.From]; {
		case err != nil && (!ok || env.Record.N >= cur.n):
			// Signed by its member, and refused: it has no record.
			why := "(" + err.Error() + ")"
			if d := (*dropError)(nil); errors.As(err, &d) && d.reason == dropForged {
				why = "as forged: " + d.err.Error()
			}
			n.got[env.From] = gotRecord{n: env.Record.N, refused: why}
		case err == nil && (!ok || env.Record.N >= cur.n || r.Left):
			n.got[env.From] = gotRecord{n: env.Record.N, raw: env.raw, left: r.Left}
		}
		n.recMu.Unlock()
		select {
		case n.recSig <- struct{}{}:
		default:
		}
	}
	return evs
}

// forgedRecord counts a record refused as forged, once however often it
// arrives (gossip brings a broadcast several times).
func (n *Node) forgedRecord(err error, raw []byte) {
	var d *dropError
	if !errors.As(err, &d) || d.reason != dropForged {
		return
	}
	n.recMu.Lock()
	defer n.recMu.Unlock()
	h := hashOf(raw)
	if n.forgedSeen[h] || len(n.forgedSeen) >= 4096 {
		return
	}
	n.forgedSeen[h] = true
	n.forgedRecords++
}

// takeRecord is the teacher's: a member's record, its signature checked,
// for the node to decode once the lock is released. Anyone else drops it.
func (s *state) takeRecord(env *envelope) error {
	if !s.recording || !s.teacher() || len(s.records) >= maxMembers {
		return nil
	}
	s.records = append(s.records, env)
	return nil
}

// controlText says what the teacher's control c did, after was.
func controlText(was, c wireControl) string {
	var parts []string
	switch {
	case len(c.Groups) > 0 && !sameGroups(was.Groups, c.Groups):
		parts = append(parts, "partition "+GroupsString(c.Groups))
	case len(c.Groups) == 0 && len(was.Groups) > 0:
		parts = append(parts, "heal")
	}
	if c.Epoch != was.Epoch {
		parts = append(parts, "reset")
	}
	if c.Hold != was.Hold {
		parts = append(parts, map[bool]string{true: "hold", false: "release"}[c.Hold])
	}
	if c.Freeze != was.Freeze {
		parts = append(parts, map[bool]string{true: "freeze", false: "thaw"}[c.Freeze])
	}
	if q := c.Question; q != nil && (was.Question == nil || was.Question.N != q.N) {
		parts = append(parts, "ask "+q.Text)
	} else if q != nil && q.Closed && !was.Question.Closed {
		parts = append(parts, "close the question")
	}
	if c.SayN != was.SayN {
		parts = append(parts, "say "+c.Say)
	}
	for _, k := range c.Kicked[min(len(was.Kicked), len(c.Kicked)):] {
		parts = append(parts, "kick "+replicas.QuoteName(k.Name))
	}
	return strings.Join(parts, "; ")
}

// receiptOf says what a payload received did here, for the record.
func receiptOf(evs []Event, err error, cutOff, viewed bool) (uint8, string) {
	switch {
	case err != nil:
		var d *dropError
		if errors.As(err, &d) {
			return outBad, "dropped: " + d.reason
		}
		return outBad, "dropped"
	case cutOff:
		return outCut, "dropped: the teacher's partition cuts its sender off"
	}
	var ctl, changed, taken []string
	for _, ev := range evs {
		switch ev.Event {
		case "partition", "heal", "hold", "release", "freeze", "thaw":
			ctl = append(ctl, ev.Event)
		case "merge":
			changed = append(changed, "CRDT → "+crdt.Brief(ev.CRDT))
		case "overwrite":
			changed = append(changed, "plain → "+crdt.Brief(ev.Plain))
		case "reset":
			changed = append(changed, "reset to "+crdt.Brief(ev.CRDT))
		default:
			if ev.Text != "" {
				taken = append(taken, ev.Text)
			}
		}
	}
	switch {
	case len(changed) > 0:
		return outNew, strings.Join(append(ctl, changed...), "; ")
	case len(ctl) > 0:
		return outTaken, strings.Join(ctl, "; ")
	case len(taken) > 0:
		return outTaken, taken[0]
	case viewed:
		return outTaken, "its box's values"
	}
	return outOld, ""
}
