package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"

	"crdtviz/lab"
	"crdtviz/ui"
)

// The lab screen (y): the student's nodes in words, as plain values for
// ui.LabScreenView.

// screen builds the lab screen.
func (m *Lab) screen() ui.LabScreen {
	word, detail, kind := m.verdict()
	sym := m.root.styles.Symbols
	v := ui.LabScreen{Title: "your nodes: " + m.opts.Command, Yours: &ui.Yours{Word: word, Detail: detail, Kind: kind}, Offset: m.offset}
	res := m.res
	for _, n := range res.Snapshot.Nodes {
		line := fmt.Sprintf("%s: %s, reads %s", n.Name, n.State, n.Read.Text())
		if n.Why != "" {
			line += ": " + n.Why
		}
		v.Head = append(v.Head, line)
	}
	if dir := res.Snapshot.LogDir; dir != "" {
		v.Head = append(v.Head, "Their stderr: "+dir+" (NAME.log)")
	}
	v.Head = append(v.Head, "", "Your network (messages are named s1, s2, … in the order they were written; g shows them in the diagram):")
	v.Head = append(v.Head, networkLines(res.Snapshot, sym.Arrow)...)
	if su := res.Setup; su != nil {
		v.Head = append(v.Head, "", fmt.Sprintf("Before step 1, your nodes start from the initial value %s: %s.", su.Value, su.Text()))
	}
	for i, evs := range res.Events {
		if i < len(res.Actions) {
			v.Log = append(v.Log, fmt.Sprintf("t%d %s:", i+1, res.Actions[i]))
		}
		for _, l := range lab.LaneLines(evs) {
			v.Log = append(v.Log, "  "+l)
		}
	}
	if fr := res.Final; fr != nil {
		v.Log = append(v.Log, "Final phase, as lab check runs it: every link heals, and everything waiting is delivered, round after round: "+fr.Summary()+".")
		v.Log = append(v.Log, "  After it: "+readText(fr.Reads))
	}
	if len(v.Log) == 0 {
		v.Log = []string{"Nothing has happened in your lane yet: every edit and network action you take reaches it too."}
	}
	v.Status = m.root.styles.App.Muted.Render("c judges the reads now, as if this were the end.")
	if m.checked != nil {
		v.Status = "checked now: " + m.checked.Text()
		if waiting(res.Snapshot) {
			v.Status += " (messages still wait: lab check's final phase would deliver them first)"
		}
	}
	v.Bar = m.bar()
	return v
}

// waiting reports whether anything waits in the student's network.
func waiting(s lab.Snapshot) bool {
	for _, l := range s.Links {
		if len(l.Outbox)+len(l.InFlight) > 0 {
			return true
		}
	}
	return false
}

// readText is "Alice 3, Bob 3".
func readText(reads []lab.Read) string {
	parts := make([]string, len(reads))
	for i, r := range reads {
		parts[i] = r.Node + " " + r.Text()
	}
	return strings.Join(parts, ", ")
}

// networkLines say what waits on each link of the student's network.
func networkLines(s lab.Snapshot, arrow string) []string {
	var out []string
	for _, l := range s.Links {
		var bits []string
		if len(l.Outbox) > 0 {
			bits = append(bits, "outbox "+msgList(l.Outbox))
		}
		if len(l.InFlight) > 0 {
			bits = append(bits, "in flight "+msgList(l.InFlight))
		}
		if !l.Up {
			bits = append(bits, "cut")
		}
		out = append(out, "  "+l.From+" "+arrow+" "+l.To+": "+strings.Join(bits, "; "))
	}
	if len(out) == 0 {
		return []string{"  nothing waits, and every link is up"}
	}
	return out
}

// msgList is "s4 gossip, s5 gossip and 3 more".
func msgList(ms []lab.MsgView) string {
	const most = 4
	var out []string
	for i, mv := range ms {
		if i == most {
			return strings.Join(out, ", ") + fmt.Sprintf(" and %d more", len(ms)-most)
		}
		out = append(out, mv.Label+" "+mv.Type)
	}
	return strings.Join(out, ", ")
}

// bar is the lab screen's help line.
func (m *Lab) bar() string {
	s := m.root.styles
	var parts []string
	for _, b := range []key.Binding{m.keys.Check, m.keys.ScrollUp, m.keys.ScrollDown, m.keys.Close, m.keys.Quit} {
		h := b.Help()
		parts = append(parts, s.Help.Key.Render(h.Key)+" "+s.Help.Desc.Render(strings.TrimSuffix(h.Desc, " (on y)")))
	}
	return strings.Join(parts, s.Help.Sep.Render(" "+s.Symbols.Dot+" "))
}

// yoursMsg is a student's message as the diagram shows it when selected.
func yoursMsg(mv lab.MsgView, where string) ui.YoursMsg {
	out := ui.YoursMsg{Label: ui.MsgLabel(ui.YoursID(mv.ID)), From: mv.From, To: mv.To, Type: mv.Type, Where: where, Body: mv.Body}
	if mv.CopyOf != 0 {
		out.CopyOf = ui.MsgLabel(ui.YoursID(mv.CopyOf))
	}
	var pretty bytes.Buffer
	if json.Indent(&pretty, []byte(mv.Body), "", "  ") == nil {
		out.Pretty = strings.Split(pretty.String(), "\n")
	}
	return out
}
