package class

import (
	"strings"
	"testing"
)

// TestReplayMissingRecord: a member with no record (killed, or cut off at
// the end) makes nothing up. The teacher's control went to Cy by gossip,
// which the partition dropped at the sender, and directly, which left:
// with no record of Cy's, whether it arrived is not known (review defect
// 4). A message all of whose transmissions the partition dropped is a
// drop at the sender, record or none.
func TestReplayMissingRecord(t *testing.T) {
	teacher := memberRecord{Name: "Teacher", Run: 1, End: 20, Events: []recEvent{
		{Type: recControl, L: 5, T: 100, Kind: kindControl, Text: "heal"},
		{Type: recSend, L: 5, T: 100, Kind: kindControl, Via: viaDirect, Text: "no partition"},
		{Type: recXmit, L: 5, T: 101, Peer: "Cy", Out: outCut},
		{Type: recXmit, L: 5, T: 102, Peer: "Cy", Out: outSent},
		{Type: recSend, L: 6, T: 110, Kind: kindView, Via: viaGossip},
		{Type: recXmit, L: 6, T: 111, Peer: "Cy", Out: outCut},
		{Type: recXmit, L: 6, T: 112, Peer: "Cy", Out: outCut},
	}}
	rec := &Recording{Teacher: "Teacher", Names: []string{"Teacher", "Cy"}, Records: []memberRecord{teacher},
		Missing: []missingRecord{{Name: "Cy", Why: "stopped answering"}}}
	rp := rec.Replay()
	if len(rp.Messages) != 2 {
		t.Fatalf("%+v", rp.Messages)
	}
	heal, view := rp.Messages[0], rp.Messages[1]
	if heal.End != NotKnown || heal.Where != "Cy left no record" {
		t.Errorf("the heal to Cy: %s (%s)", heal.End, heal.Where)
	}
	if heal.What != "the teacher's control: heal (no partition)" || !heal.Control {
		t.Errorf("the heal is called %q", heal.What)
	}
	if view.End != CutOff || view.Where != "at the sender" {
		t.Errorf("the view to Cy: %s (%s)", view.End, view.Where)
	}
	if c := rp.Count; c.Cut != 1 || c.NotKnown != 1 || c.Messages != 2 {
		t.Errorf("%+v", c)
	}
}

// TestReplayDroppedOnArrival: a payload its receiver dropped as it
// arrived (its sender not admitted yet, as far as it knew) is dropped on
// arrival, not received, in the count too; a later copy that was taken
// in makes it received, the dropped one its earlier copy (review defect
// 6).
func TestReplayDroppedOnArrival(t *testing.T) {
	cy := memberRecord{Name: "Cy", Run: 3, End: 20, Events: []recEvent{
		{Type: recSend, L: 1, T: 100, Kind: kindState, Via: viaState},
		{Type: recXmit, L: 1, T: 100, Out: outSent},
		{Type: recSend, L: 2, T: 100, Kind: kindView, Via: viaGossip},
		{Type: recXmit, L: 2, T: 100, Peer: "Teacher", Out: outSent},
		{Type: recXmit, L: 2, T: 300, Peer: "Teacher", Out: outSent},
	}}
	teacher := memberRecord{Name: "Teacher", Run: 1, End: 20, Events: []recEvent{
		{Type: recRecv, L: 6, T: 200, Peer: "Cy", PL: 1, PR: 3, Kind: kindState, Out: outBad, Text: "dropped: not admitted yet"},
		{Type: recRecv, L: 7, T: 201, Peer: "Cy", PL: 2, PR: 3, Kind: kindView, Out: outBad, Text: "dropped: not admitted yet"},
		{Type: recRecv, L: 9, T: 301, Peer: "Cy", PL: 2, PR: 3, Kind: kindView, Out: outTaken, Text: "its box's values"},
	}}
	rec := &Recording{Teacher: "Teacher", Names: []string{"Teacher", "Cy"}, Records: []memberRecord{teacher, cy}}
	rp := rec.Replay()
	c := rp.Count
	if c.Messages != 2 || c.Received != 1 || c.Dropped != 1 || c.Duplicates != 1 {
		t.Fatalf("%+v", c)
	}
	if got := c.String(); got != "2 messages: 1 received, 0 dropped by the partition, 1 dropped on arrival, 0 lost on the way; 1 duplicate" {
		t.Errorf("%s", got)
	}
	state, view, copy := rp.Messages[0], rp.Messages[1], rp.Messages[2]
	if state.End != Dropped || state.Where != "not admitted yet" || state.RecvL != 6 {
		t.Errorf("the state: %+v", state)
	}
	if view.End != Received || view.RecvL != 9 || view.Change != "its box's values" || !view.Taken {
		t.Errorf("the view: %+v", view)
	}
	if copy.CopyOf != view.ID || copy.RecvL != 7 || !strings.HasPrefix(copy.Change, "an earlier copy: dropped: not admitted yet") {
		t.Errorf("its copy: %+v", copy)
	}
}
