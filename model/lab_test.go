package model

import (
	"bufio"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"crdtviz/crdt"
	"crdtviz/demos"
	"crdtviz/lab"
	"crdtviz/ui"
)

// The lab screen is tested with real processes: this test binary, run as
// a node when labNodeEnv is set. The node is a g-counter without timers
// that gossips only when an add is made, right after it answers, so that
// what the screen shows does not depend on timing.

const labNodeEnv = "CRDTVIZ_MODEL_LABNODE"

func TestMain(m *testing.M) {
	if os.Getenv(labNodeEnv) != "" {
		quietCounter()
		return
	}
	os.Exit(m.Run())
}

func quietCounter() {
	out := json.NewEncoder(os.Stdout)
	var id string
	var peers []string
	counts := map[string]int64{}
	send := func(dest string, body map[string]any) {
		out.Encode(map[string]any{"src": id, "dest": dest, "body": body})
	}
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		var msg struct {
			Src  string
			Body struct {
				Type    string           `json:"type"`
				MsgID   int64            `json:"msg_id"`
				NodeID  string           `json:"node_id"`
				NodeIDs []string         `json:"node_ids"`
				Delta   int64            `json:"delta"`
				Counts  map[string]int64 `json:"counts"`
			}
		}
		if json.Unmarshal(in.Bytes(), &msg) != nil {
			continue
		}
		b := msg.Body
		switch b.Type {
		case "init":
			id = b.NodeID
			for _, p := range b.NodeIDs {
				if p != id {
					peers = append(peers, p)
				}
			}
			send(msg.Src, map[string]any{"type": "init_ok", "in_reply_to": b.MsgID})
		case "add":
			counts[id] += b.Delta
			send(msg.Src, map[string]any{"type": "add_ok", "in_reply_to": b.MsgID})
			for _, p := range peers {
				send(p, map[string]any{"type": "gossip", "counts": counts})
			}
		case "read":
			var sum int64
			for _, c := range counts {
				sum += c
			}
			send(msg.Src, map[string]any{"type": "read_ok", "in_reply_to": b.MsgID, "value": sum})
		case "gossip":
			for k, v := range b.Counts {
				counts[k] = max(counts[k], v)
			}
		}
	}
}

// newLab starts the lab screen on free play (or a demo) with three quiet
// counters, at w×h, and runs its commands until the lane is there.
func newLab(t *testing.T, opts Options, w, h int) *Lab {
	t.Helper()
	t.Setenv(labNodeEnv, "1")
	if opts.Theme == "" {
		opts.Theme, opts.ThemeFixed = ui.Mono, true
	}
	cfg := free(crdt.GCounter)
	if opts.Scenario == nil {
		opts.Free = cfg
	}
	lo := lab.Defaults
	lo.LogDir, lo.RPCTimeout = t.TempDir(), 5*time.Second
	lane, err := lab.New(lab.Workloads[0], cfg.Names, []string{os.Args[0]}, lo)
	if err != nil {
		t.Fatal(err)
	}
	f := lab.NewFollower(lane)
	t.Cleanup(f.Close)
	m, err := NewLab(opts, LabOptions{Lane: f, Workload: lab.Workloads[0], Names: cfg.Names, Command: "./quiet-counter"})
	if err != nil {
		t.Fatal(err)
	}
	run(m, m.Init())
	run(m, cmdOf(m.Update(tea.WindowSizeMsg{Width: w, Height: h})))
	return m
}

func cmdOf(_ tea.Model, c tea.Cmd) tea.Cmd { return c }

// run runs commands, and the lab's answers through Update, until none is
// left; other messages (the terminal's background colour) are dropped.
func run(m *Lab, cmd tea.Cmd) {
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch msg := c().(type) {
		case tea.BatchMsg:
			queue = append(queue, msg...)
		case labFollowedMsg, labPolledMsg:
			_, next := m.Update(msg)
			queue = append(queue, next)
		}
	}
}

// labPress sends keys, each followed by the lane's catching up.
func labPress(m *Lab, keys ...string) {
	for _, k := range keys {
		run(m, cmdOf(m.Update(keyMsg(k))))
	}
}

func labScreen(m *Lab) string { return ansi.Strip(m.View().Content) }

// TestLabBand: the student's nodes are a third band below the CRDT band,
// a box under each replica's with its read; the band's verdict says only
// whether the reads agree. Goldens at 80x24 and 200x50.
func TestLabBand(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {200, 50}} {
		name := "lab-free-" + strconv.Itoa(sz[0]) + "x" + strconv.Itoa(sz[1])
		t.Run(name, func(t *testing.T) {
			m := newLab(t, Options{}, sz[0], sz[1])
			if got := labScreen(m); !strings.Contains(got, "READS AGREE ✓ 0") {
				t.Fatalf("at the start:\n%s", got)
			}
			labPress(m, "+", "2", "+", "+")
			got := labScreen(m)
			checkFits(t, got, sz[0], sz[1])
			if n := len(strings.Split(got, "\n")); n != sz[1] {
				t.Errorf("%d lines", n)
			}
			golden(t, name, got)
			lines := strings.Split(got, "\n")
			crdt, yours := -1, -1
			for i, l := range lines {
				if strings.HasPrefix(l, "CRDT: g-counter") {
					crdt = i
				}
				if strings.HasPrefix(l, "Your CRDT: ./quiet-counter") {
					yours = i
				}
			}
			if crdt < 0 || yours <= crdt {
				t.Fatalf("no third band below the CRDT band:\n%s", got)
			}
			for _, want := range []string{"READS DIFFER ⋯ Alice 1, Bob 2, Carol 0", "y yours"} {
				if !strings.Contains(got, want) {
					t.Errorf("no %q in\n%s", want, got)
				}
			}
			for _, never := range []string{"PENDING", "DIVERGED"} {
				if strings.Contains(lines[yours], never) {
					t.Errorf("the band says %s: %s", never, lines[yours])
				}
			}
			if sz[1] >= 50 && !strings.Contains(got, "outbox 2 · in flight 0") {
				t.Errorf("the tall boxes do not show the queues:\n%s", got)
			}
		})
	}
}

// TestLabCompactBand: with the diagram pane, each compact box has a third
// line, the node's read, and the title line a third part.
func TestLabCompactBand(t *testing.T) {
	m := newLab(t, Options{}, 80, 24)
	labPress(m, "+", "g")
	got := labScreen(m)
	checkFits(t, got, 80, 24)
	golden(t, "lab-compact-80x24", got)
	yours := ""
	for _, l := range strings.Split(got, "\n") {
		if strings.HasPrefix(l, "yours ") {
			yours = l
		}
	}
	if f := strings.Fields(yours); len(f) < 3 || f[2] != "1" {
		t.Errorf("the compact boxes' third line: %q", yours)
	}
	for _, want := range []string{"│ Yours", "READS DIFFER"} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in\n%s", want, got)
		}
	}
}

// TestLabFollowsAndRestarts: every action reaches the nodes, and ←
// restarts them, replays, and says so.
func TestLabFollowsAndRestarts(t *testing.T) {
	m := newLab(t, Options{}, 80, 24)
	labPress(m, "+", "S")
	if got := labScreen(m); !strings.Contains(got, "READS AGREE ✓ 1") {
		t.Fatalf("after an edit and sync all:\n%s", got)
	}
	labPress(m, "left")
	got := labScreen(m)
	if !strings.Contains(got, "Your nodes were restarted and 1 action replayed") || !strings.Contains(got, "READS DIFFER ⋯ Alice 1, Bob 0, Carol 0") {
		t.Errorf("after ←:\n%s", got)
	}
	labPress(m, "right")
	if got := labScreen(m); !strings.Contains(got, "READS AGREE ✓ 1") || strings.Contains(got, "restarted") {
		t.Errorf("after →, the lane goes on without a restart:\n%s", got)
	}
}

// TestLabDiagram: the space-time diagram shows the student's messages
// beside crdtviz's own, labelled s1, s2, …; selecting one shows its JSON
// body, in one line in the pane and pretty on the full screen.
func TestLabDiagram(t *testing.T) {
	m := newLab(t, Options{}, 120, 36)
	labPress(m, "+", "m", "2", "g")
	got := labScreen(m)
	for _, want := range []string{"m1", "s1"} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in the diagram pane:\n%s", want, got)
		}
	}
	labPress(m, "up")
	got = labScreen(m)
	if !strings.Contains(got, `s1 Alice → Bob (gossip), in flight · {"counts":{"Alice":1},"type":"gossip"}`) {
		t.Errorf("the selected message's body:\n%s", got)
	}
	labPress(m, "d")
	if got := labScreen(m); !strings.Contains(got, "s1 is your nodes' message") {
		t.Errorf("d on a student's message:\n%s", got)
	}
	labPress(m, "G")
	got = labScreen(m)
	checkFits(t, got, 120, 36)
	golden(t, "lab-diagram-full-120x36", got)
	for _, want := range []string{"s1 Alice → Bob (gossip), in flight:", `"type": "gossip"`, `"Alice": 1`} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q on the full screen:\n%s", want, got)
		}
	}
}

// TestLabNodesScreen: y shows the nodes in words: their state, what waits
// on each link, what each action did in their lane; c checks the reads
// now, and says when messages still wait.
func TestLabNodesScreen(t *testing.T) {
	m := newLab(t, Options{}, 80, 24)
	labPress(m, "+", "m", "2", "y")
	got := labScreen(m)
	for _, want := range []string{"crdtviz lab · your nodes", "Alice: up, reads 1", "Alice → Bob: in flight s1 gossip", "Alice → Carol: outbox s2 gossip", "t2 send Alice -> Bob:"} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q on the lab screen:\n%s", want, got)
		}
	}
	checkFits(t, got, 80, 24)
	labPress(m, "c")
	if got := labScreen(m); !strings.Contains(got, "checked now: did not converge") || !strings.Contains(got, "messages still wait") {
		t.Errorf("c:\n%s", got)
	}
	labPress(m, "esc")
	if got := labScreen(m); !strings.Contains(got, "Plain overwrite") {
		t.Errorf("esc does not go back:\n%s", got)
	}
	labPress(m, "?")
	help := labScreen(m)
	for range 6 {
		labPress(m, "pgdown")
		help += labScreen(m)
	}
	for _, want := range []string{"Your CRDT (the lab)", "y        yours: your nodes, their logs and queues", "c        check the reads now (on y)"} {
		if !strings.Contains(help, want) {
			t.Errorf("? does not list %q:\n%s", want, help)
		}
	}
}

// TestLabQuestionWaits: while a demo step's question is asked, the lane
// stays at the step's start, so its reads give nothing away; at the last
// step, the nodes get lab check's final phase before their reads are
// judged.
func TestLabQuestionWaits(t *testing.T) {
	s, err := demos.Parse("q.demo", []byte("title q\ntype g-counter\nreplicas Alice Bob Carol\n"+
		"step one\nedit Alice inc 1\n"+
		"step two\nask \"What does Bob read?\" choices 0 | 1\nsync Alice -> Bob\n"))
	if err != nil {
		t.Fatal(err)
	}
	m := newLab(t, Options{Scenario: s}, 80, 24)
	labPress(m, "right", "right")
	got := labScreen(m)
	if !strings.Contains(got, "What does Bob read?") || !strings.Contains(got, "READS DIFFER ⋯ Alice 1, Bob 0, Carol 0") {
		t.Fatalf("while asking:\n%s", got)
	}
	labPress(m, "right")
	if got := labScreen(m); !strings.Contains(got, "RIGHT ✓ every node reads 1 (after the final phase)") {
		t.Errorf("after the answer, the last step is checked after the final phase:\n%s", got)
	}
}

// TestLabTooSmall: the lab needs two lines more than crdtviz alone (the
// third band's title and a line of reads), and says so below that.
func TestLabTooSmall(t *testing.T) {
	m := newLab(t, Options{}, 80, ui.MinHeight)
	if got := labScreen(m); !strings.Contains(got, "need at least 48x22") {
		t.Errorf("at 80x%d:\n%s", ui.MinHeight, got)
	}
	labPress(m)
	m2 := newLab(t, Options{}, 80, ui.MinHeight+2)
	got := labScreen(m2)
	if !strings.Contains(got, "Your CRDT") {
		t.Errorf("at 80x%d:\n%s", ui.MinHeight+2, got)
	}
	checkFits(t, got, 80, ui.MinHeight+2)
}
