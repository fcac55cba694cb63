package lab

import (
	"fmt"
	"strings"

	"crdtviz/crdt"
	"crdtviz/demos"
	"crdtviz/replicas"
)

// Marker starts every file lab check writes, so that the next check may
// replace it without --force.
const Marker = "# crdtviz lab check:"

// WriteScenario renders a failure as an ordinary scenario file: a step
// per action, then the final phase (heal, and a sync all per round it
// took), ending with the reference's expect lines. Comments at the top
// say what failed and how to replay it.
func WriteScenario(cfg CheckConfig, f *Failure, run int) (string, error) {
	var b strings.Builder
	argv := ShellJoin(cfg.Argv)
	fmt.Fprintf(&b, "%s a failure of %s (workload %s)\n", Marker, argv, cfg.Workload.Name)
	fmt.Fprintf(&b, "# Found by run %d of seed %d and shrunk to %s.\n", run, cfg.Seed, replicas.Plural(len(f.Actions), "action"))
	fmt.Fprintf(&b, "# lab demo runs lab check's final phase for your nodes after the last step, in real time, as the check did.\n")
	fmt.Fprintf(&b, "# Your nodes %s: %s\n", f.Kind.Phrase(), oneLine(f.Text))
	file := cfg.File
	if file == "" {
		file = "failure.demo"
	}
	file = ShellJoin([]string{file})
	fmt.Fprintf(&b, "# Step through it:  crdtviz lab demo %s -- %s\n", file, argv)
	fmt.Fprintf(&b, "# Read it as text:  crdtviz lab demo --transcript %s -- %s\n", file, argv)
	fmt.Fprintf(&b, "# The plain and crdt lanes are crdtviz's reference; your nodes are the third lane.\n\n")
	fmt.Fprintf(&b, "title %s\n", crdt.QuoteAlways("Your "+cfg.Workload.Name+": "+string(f.Kind)))
	fmt.Fprintf(&b, "type %s\n", cfg.Workload.Type)
	names := make([]string, len(cfg.Names))
	for i, n := range cfg.Names {
		names[i] = replicas.QuoteName(n)
	}
	fmt.Fprintf(&b, "replicas %s\n", strings.Join(names, " "))
	fmt.Fprintf(&b, "about %s\n", crdt.QuoteAlways("The smallest scenario lab check found in which your nodes fail. Each step is one action; the last step is the check's final phase."))
	for _, a := range f.Actions {
		fmt.Fprintf(&b, "\nstep %s\n%s\n", crdt.QuoteAlways(Narrate(a)), a)
	}
	// the final phase
	c, err := replicas.New(replicas.Config{Type: cfg.Workload.Type, Names: cfg.Names})
	if err != nil {
		return "", err
	}
	for _, a := range f.Actions {
		if _, err := c.Apply(a); err != nil {
			return "", fmt.Errorf("the shrunk scenario does not run: %s: %v", a, err)
		}
	}
	fmt.Fprintf(&b, "\nstep %s\n", crdt.QuoteAlways("The final phase: every link heals, and everything waiting is sent and delivered, round after round. Your nodes get lab check's final phase: rounds until every node that made an edit has been heard by every other, with time for their timers. Then the reads are judged."))
	if _, err := c.Apply(replicas.HealAll{}); err == nil {
		b.WriteString("heal\n")
	}
	rounds := min(max(f.Rounds, 2), 8)
	for range rounds {
		if _, err := c.Apply(replicas.SyncAll{}); err != nil {
			return "", err
		}
		b.WriteString("sync all\n")
	}
	st := c.Status(replicas.CRDT)
	if st.Kind == replicas.Converged {
		fmt.Fprintf(&b, "expect converged\nexpect all = %s\n", c.Replicas()[0].Value(replicas.CRDT))
	} else {
		for _, r := range c.Replicas() {
			fmt.Fprintf(&b, "expect %s = %s\n", replicas.QuoteName(r.Name), r.Value(replicas.CRDT))
		}
	}
	text := b.String()
	// The file must run, and its expect lines pass, as crdtviz check runs it.
	s, err := parseScenario("failure.demo", text)
	if err != nil {
		return "", err
	}
	if run := demos.Execute(s); run.Err != nil || run.Failed() > 0 {
		return "", fmt.Errorf("the written scenario does not pass crdtviz check (a bug in crdtviz):\n%s", text)
	}
	return text, nil
}

func parseScenario(name, text string) (*demos.Scenario, error) {
	return demos.Parse(name, []byte(text))
}

// Narrate says what an action does in the student's lane, for a step.
func Narrate(a replicas.Action) string {
	switch a := a.(type) {
	case replicas.Edit:
		return fmt.Sprintf("c1 asks %s to %s.", a.Replica, OpText(a.Op))
	case replicas.Send:
		if a.ToAll {
			return fmt.Sprintf("Everything %s has written to the others goes in flight.", a.From)
		}
		return fmt.Sprintf("Everything %s has written to %s goes in flight.", a.From, a.To)
	case replicas.Deliver:
		if a.Newest {
			return fmt.Sprintf("The newest message in flight from %s to %s arrives first.", a.From, a.To)
		}
		return fmt.Sprintf("The oldest message in flight from %s to %s arrives.", a.From, a.To)
	case replicas.DeliverAll:
		return "Every message in flight on a link that is up arrives."
	case replicas.Drop:
		return fmt.Sprintf("The network loses the oldest message in flight from %s to %s.", a.From, a.To)
	case replicas.Duplicate:
		return fmt.Sprintf("The network duplicates the oldest message in flight from %s to %s.", a.From, a.To)
	case replicas.Sync:
		if a.ToAll {
			return fmt.Sprintf("Everything waiting from %s to the others is sent and delivered.", a.From)
		}
		return fmt.Sprintf("Everything waiting from %s to %s is sent and delivered.", a.From, a.To)
	case replicas.SyncBoth:
		return fmt.Sprintf("Everything waiting between %s and %s is sent and delivered, both ways.", a.A, a.B)
	case replicas.SyncAll:
		return "Everything waiting on every link that is up is sent and delivered."
	case replicas.Cut:
		if a.Both {
			return fmt.Sprintf("The link between %s and %s is cut.", a.From, a.To)
		}
		return fmt.Sprintf("The link %s → %s is cut.", a.From, a.To)
	case replicas.Heal:
		if a.Both {
			return fmt.Sprintf("The link between %s and %s heals.", a.From, a.To)
		}
		return fmt.Sprintf("The link %s → %s heals.", a.From, a.To)
	case replicas.HealAll:
		return "Every link heals."
	case replicas.Partition:
		return "The network splits: " + strings.TrimPrefix(a.String(), "partition ") + "."
	}
	return a.String()
}

// OpText says an edit as the workload's message does: add 3, add -2,
// remove "x", write 7.
func OpText(op crdt.Op) string {
	switch op.Kind {
	case crdt.OpInc:
		return fmt.Sprintf("add %d", op.N)
	case crdt.OpDec:
		return fmt.Sprintf("add %d", -op.N)
	case crdt.OpSet:
		return "write " + crdt.Quote(op.Value)
	}
	return op.String()
}

// ShellJoin renders a command for a comment or a message, quoting words
// a shell would split.
func ShellJoin(argv []string) string {
	out := make([]string, len(argv))
	for i, a := range argv {
		if a == "" || strings.ContainsAny(a, " \t\n'\"\\$`!*?[]{}()<>|&;#~") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		out[i] = a
	}
	return strings.Join(out, " ")
}

// oneLine keeps a text on one line of a comment.
func oneLine(s string) string { return strings.ReplaceAll(s, "\n", " ") }
