package lab

import (
	"strings"
)

// Verdict is what crdtviz can say of the student's lane from its reads.
// It cannot see what a node has seen, so it never says pending or
// diverged: only whether the reads agree and, once checked, whether they
// are right. A read that no correct node could give is wrong at once.
type Verdict struct {
	Agree   bool // every node answered, with the same value
	Checked bool // judged against the operations (at the end)
	Wrong   bool // a read no correct node could give, or a checked value that is not right
	// Word is the verdict: reads agree, reads differ, no read, right,
	// wrong or did not converge. Detail says on what.
	Word, Detail string
}

// Text is "wrong: Alice read 4, but ...".
func (v Verdict) Text() string { return v.Word + ": " + v.Detail }

// Judge reads a round of reads against the operations issued so far.
// With final set (the end of a scenario, or lab check's final phase) it
// also says whether the agreed value is right, or that the nodes did not
// converge.
func Judge(w *Workload, ops []OpRecord, reads []Read, final bool) Verdict {
	v := Verdict{Agree: len(reads) > 0, Checked: final}
	var missing []string
	for _, r := range reads {
		if !r.OK {
			v.Agree = false
			why := r.Why
			for _, st := range []NodeState{Crashed, NotStarted} {
				if strings.HasPrefix(why, st.String()+":") {
					why = st.String()
				}
			}
			missing = append(missing, r.Node+" ("+why+")")
			continue
		}
		if err := w.Possible(ops, r); err != nil {
			v.Wrong, v.Word, v.Detail = true, "wrong", err.Error()
			return v
		}
		if !r.same(reads[0]) {
			v.Agree = false
		}
	}
	switch {
	case len(missing) > 0:
		v.Word, v.Detail = "no read", "from "+strings.Join(missing, ", ")
		v.Wrong = final
	case !v.Agree:
		v.Word, v.Detail = "reads differ", readList(reads)
		if final {
			v.Wrong, v.Word = true, "did not converge"
		}
	case final:
		if err := w.Final(ops, reads[0]); err != nil {
			v.Wrong, v.Word, v.Detail = true, "wrong", err.Error()
		} else {
			v.Word, v.Detail = "right", "every node reads "+reads[0].Text()
		}
	default:
		v.Word, v.Detail = "reads agree", reads[0].Text()
	}
	return v
}

// readList is "Alice 3, Bob 2, Carol —".
func readList(reads []Read) string {
	parts := make([]string, len(reads))
	for i, r := range reads {
		parts[i] = r.Node + " " + r.Text()
	}
	return strings.Join(parts, ", ")
}

// NodeView is one node as a screen shows it.
type NodeView struct {
	Name  string
	State NodeState
	Why   string // for silent and crashed nodes
	Read  Read   // its last read
	Log   string // the path of its stderr log
}

// MsgView is one message as a screen shows it.
type MsgView struct {
	ID     int
	Label  string // s4
	From   string
	To     string
	Type   string
	Body   string
	CopyOf int
}

// LinkView is one directed link that holds messages or is cut.
type LinkView struct {
	From, To string
	Up       bool
	Outbox   []MsgView // written, not yet sent
	InFlight []MsgView
}

// Snapshot is the lane as plain values, for a screen: it shares nothing
// with the lane.
type Snapshot struct {
	Workload string
	Nodes    []NodeView
	Links    []LinkView
	LogDir   string
}

func view(m *Msg) MsgView {
	return MsgView{ID: m.ID, Label: m.Label(), From: m.From, To: m.To, Type: m.Type, Body: string(m.Body), CopyOf: m.CopyOf}
}

// Snapshot returns the lane as it stands, with the last reads.
func (l *Lane) Snapshot() Snapshot {
	s := Snapshot{Workload: l.w.Name, LogDir: l.logDir}
	for i, nd := range l.nodes {
		nv := NodeView{Name: nd.name, State: nd.state, Why: nd.why, Log: nd.log}
		if i < len(l.reads) {
			nv.Read = l.reads[i]
		}
		s.Nodes = append(s.Nodes, nv)
	}
	for i := range l.names {
		for j := range l.names {
			if i == j {
				continue
			}
			lv := LinkView{From: l.names[i], To: l.names[j], Up: l.up[i][j]}
			for _, m := range l.outbox[i][j] {
				lv.Outbox = append(lv.Outbox, view(m))
			}
			for _, m := range l.flight[i][j] {
				lv.InFlight = append(lv.InFlight, view(m))
			}
			if !lv.Up || len(lv.Outbox)+len(lv.InFlight) > 0 {
				s.Links = append(s.Links, lv)
			}
		}
	}
	return s
}
