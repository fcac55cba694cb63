package class

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"crdtviz/demos"
	"crdtviz/replicas"
)

// Status is what `status` prints: this member's name, the members alive
// or suspect (this one included), and its two values, each written as an
// expect line writes it.
type Status struct {
	Name    string   `json:"name"`
	Members []string `json:"members"`
	CRDT    string   `json:"crdt"`
	Plain   string   `json:"plain"`
	// CRDTStatus and PlainStatus are each lane's word, as the banners say
	// it: CONVERGED, EQUAL, PENDING, DIVERGED, or ALONE.
	CRDTStatus  string `json:"crdt_status"`
	PlainStatus string `json:"plain_status"`
}

// Status is this member's status now.
func (n *Node) Status() Status {
	s := n.Snapshot()
	return Status{Name: s.Name, Members: n.Members(), CRDT: s.CRDT, Plain: s.Plain,
		CRDTStatus: s.Status(replicas.CRDT).Word, PlainStatus: s.Status(replicas.Plain).Word}
}

// Commands is what a class's prompt takes, for its hint and errors.
func (n *Node) Commands() string {
	me := replicas.QuoteName(n.opts.Name)
	if n.Snapshot().Teacher == n.opts.Name {
		return "edit " + me + " OP ARGS, partition A B | C D, heal, reset, hold [SECONDS], release, freeze, thaw, ask TEXT choices A | B, close, say TEXT, kick NAME, end, status"
	}
	return "edit " + me + " OP ARGS, answer N, status"
}

// Do runs one line typed at the prompt (or read by --headless), in the
// scenario language: an edit of this member's own replica; for the
// teacher, partition, heal, reset, hold [SECONDS], release, freeze, thaw,
// ask, close, say TEXT and kick NAME; and status. It returns the status
// for status, and the event of an edit.
func (n *Node) Do(line string) (*Status, *Event, error) {
	line = strings.TrimSpace(line)
	switch line {
	case "", "#":
		return nil, nil, nil
	case "status":
		s := n.Status()
		return &s, nil, nil
	case "reset":
		return nil, nil, n.Reset()
	case "hold":
		return nil, nil, n.Hold(0)
	case "release":
		return nil, nil, n.Release()
	case "freeze":
		return nil, nil, n.Freeze()
	case "thaw":
		return nil, nil, n.Thaw()
	case "close":
		return nil, nil, n.Close()
	case "end":
		_, err := n.EndSession()
		return nil, nil, err
	}
	if rest, ok := strings.CutPrefix(line, "kick "); ok {
		name := strings.TrimSpace(rest)
		if q, err := strconv.Unquote(name); err == nil {
			name = q
		}
		if err := replicas.CheckName(name); err != nil {
			return nil, nil, fmt.Errorf("kick NAME: %v", err)
		}
		return nil, nil, n.Kick(name)
	}
	if rest, ok := strings.CutPrefix(line, "say "); ok {
		return nil, nil, n.Say(strings.TrimSpace(rest))
	}
	if f := strings.Fields(line); len(f) == 2 && f[0] == "answer" {
		c, err := strconv.Atoi(f[1])
		if err != nil {
			return nil, nil, fmt.Errorf("answer N: the number of a choice, from 1")
		}
		return nil, nil, n.Answer(c)
	}
	if f := strings.Fields(line); len(f) == 2 && f[0] == "hold" {
		secs, err := strconv.Atoi(f[1])
		if err != nil || secs < 1 || secs > 3600 {
			return nil, nil, fmt.Errorf("hold SECONDS: a whole number of seconds from 1 to 3600")
		}
		return nil, nil, n.Hold(time.Duration(secs) * time.Second)
	}
	if strings.HasPrefix(line, "#") {
		return nil, nil, nil
	}
	snap := n.Snapshot()
	me := replicas.QuoteName(snap.Name)
	names := n.Names()
	if len(names) < 2 {
		// The scenario language's header needs two replicas; the class
		// may not have them yet.
		names = append(names, "\x00nobody")
	}
	st, err := demos.ParseStatement(line, demos.Header{Type: snap.Type, Replicas: names, Mode: snap.Mode})
	if err != nil {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "edit" && !strings.HasPrefix(line, "edit "+me) {
			return nil, nil, n.notYours(f[1])
		}
		var pe *demos.Error
		if errors.As(err, &pe) {
			return nil, nil, fmt.Errorf("column %d: %s", pe.Pos.Col, pe.Msg)
		}
		return nil, nil, err
	}
	if st.Ask != nil {
		if len(st.Ask.Choices) == 0 {
			return nil, nil, fmt.Errorf("a question for the room needs its choices: ask \"TEXT\" choices A | B | C")
		}
		return nil, nil, n.Ask(st.Ask.Text, st.Ask.Choices)
	}
	if st.Action == nil {
		return nil, nil, fmt.Errorf("not in a class: type %s", n.Commands())
	}
	switch a := st.Action.(type) {
	case replicas.Edit:
		if a.Replica != snap.Name {
			return nil, nil, n.notYours(a.Replica)
		}
		ev, err := n.Edit(a.Op)
		if err != nil {
			return nil, nil, err
		}
		return nil, &ev, nil
	case replicas.Partition:
		return nil, nil, n.Partition(a.Groups)
	case replicas.HealAll:
		return nil, nil, n.Heal()
	case replicas.Heal, replicas.Cut:
		return nil, nil, fmt.Errorf("a class is cut and healed as a whole: the teacher types partition A B | C D, then heal")
	}
	return nil, nil, fmt.Errorf("in a class the network delivers by itself; type %s", n.Commands())
}

func (n *Node) notYours(name string) error {
	return fmt.Errorf("you are %s: you can edit only your own replica (%s edits %s's); type edit %s OP ARGS",
		replicas.QuoteName(n.opts.Name), name, name, replicas.QuoteName(n.opts.Name))
}
