package model

import (
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"crdtviz/crdt"
	"crdtviz/demos"
	"crdtviz/replicas"
	"crdtviz/ui"
)

// logScreens is how many screens of the event log the pane keeps for
// scrolling back: the newest lines matter, and a long history must not
// slow a key press down.
const logScreens = 4

// sentenceLines caps how many lines one sentence of the log may take; a
// sentence that quotes a long value is cut with an ellipsis.
const sentenceLines = 5

// session is what is being played: a free-play cluster, or a demo. It owns
// the timeline; the screen only reads it.
type session struct {
	title      string
	name       string // the built-in demo's name, or ""
	header     demos.Header
	tl         *replicas.Timeline
	scenario   *demos.Scenario  // nil in free play
	run        *demos.Run       // the demo, executed once
	step       int              // demo steps shown, 0..len(steps)
	branched   bool             // the user acted in a demo: its steps are set aside
	branchAt   int              // the step the branch left from
	markFrom   int              // changes made from this timeline position on are marked
	gen        int              // counts branches: ticks name new states after one
	blocks     map[int][]string // action index → its log lines, wrapped
	blockWidth int              // the width the blocks were wrapped for
	// marks are statements typed at the prompt that are not actions (step
	// and expect lines), keyed by the timeline position they were typed at,
	// for the recording.
	marks map[int][]string
	// branchPos is the timeline position a branch left the demo from: the
	// recording keeps the demo's statements up to there. left is the
	// frame it left, which r brings back.
	branchPos int
	left      leftAt

	// byAction steps a demo one action at a time (f) instead of one step
	// at a time. Then half shows a sync half done: its messages taken and
	// in flight, before any lands (halfC is that state, halfEv its events).
	byAction bool
	half     bool
	halfC    *replicas.Cluster
	halfEv   []replicas.Event
	// asking shows a step's question, with the step's outcome hidden,
	// until → reveals it; noAsk turns questions off (A, --no-ask).
	asking bool
	noAsk  bool
}

func newFreeSession(cfg replicas.Config) (*session, error) {
	tl, err := replicas.NewTimeline(cfg)
	if err != nil {
		return nil, err
	}
	title := "Free play: " + string(cfg.Type)
	if cfg.Mode != replicas.ModeState {
		title += ", " + modeLabel(cfg.Mode, cfg.AnyOrder, cfg.NoDedup)
	}
	return &session{title: title, header: demos.Header{Type: cfg.Type, Replicas: cfg.Names, Mode: cfg.Mode, AnyOrder: cfg.AnyOrder, NoDedup: cfg.NoDedup}, tl: tl}, nil
}

func newDemoSession(s *demos.Scenario, name string) *session {
	run := demos.Execute(s)
	ss := &session{title: s.Title, name: name, header: s.Header, tl: run.Timeline, scenario: s, run: run}
	_ = ss.tl.Seek(0)
	return ss
}

func (s *session) demo() bool { return s.scenario != nil && !s.branched }

// cluster is the state shown: the timeline's, or a sync half done.
func (s *session) cluster() *replicas.Cluster {
	if s.half && s.halfC != nil {
		return s.halfC
	}
	return s.tl.Cluster()
}

// work is how many actions of this session are the user's own: every
// action in free play, those after the branch point in a branched demo, and
// none in a demo. They are what a recording holds beyond the demo's steps.
func (s *session) work() int {
	switch {
	case s.scenario == nil:
		return s.tl.Pos()
	case s.branched:
		start := 0
		if s.branchAt > 0 && s.branchAt <= len(s.run.Steps) {
			start = s.run.Steps[s.branchAt-1].End
		}
		return max(0, s.tl.Pos()-start)
	}
	return 0
}

// resumeLabel is the menu item that resumes this session: "Resume: The
// lost update (step 2/4)" or "Resume free play: or-set, 5 actions".
func (s *session) resumeLabel() string {
	switch {
	case s.scenario == nil:
		return fmt.Sprintf("Resume free play: %s, %s", s.header.Type, plural(s.work(), "action"))
	case s.branched:
		return fmt.Sprintf("Resume: %s (branched at step %d/%d, %s)", s.title, s.branchAt, len(s.scenario.Steps), plural(s.work(), "action"))
	}
	return fmt.Sprintf("Resume: %s (step %d/%d)", s.title, s.step, len(s.scenario.Steps))
}

func plural(n int, word string) string { return replicas.Plural(n, word) }

// modeLabel names a replication mode for titles and menus: "op-based,
// delivery any, dedup off".
func modeLabel(m replicas.Mode, anyOrder, noDedup bool) string {
	label := map[replicas.Mode]string{replicas.ModeState: "state-based", replicas.ModeOp: "op-based", replicas.ModeDelta: "delta-based"}[m]
	if anyOrder {
		label += ", delivery any"
	}
	if noDedup {
		label += ", dedup off"
	}
	return label
}

// do applies an action at the current point. In a demo it branches off:
// the demo's remaining steps are set aside. It returns a notice to show.
func (s *session) do(a replicas.Action) (string, error) {
	at := s.tl.Pos()
	left := leftAt{point: point{step: s.step, pos: at, half: s.half, asking: s.asking}, markFrom: s.markFrom, byAction: s.byAction, noAsk: s.noAsk}
	_, discarded, err := s.tl.Do(a)
	if err != nil {
		return "", err
	}
	for pos := range s.marks {
		if pos >= s.tl.Pos() { // typed in a future that was just discarded
			delete(s.marks, pos)
		}
	}
	for i := range s.blocks {
		if i >= s.tl.Pos()-1 { // the new action, and any discarded future
			delete(s.blocks, i)
		}
	}
	s.markFrom = s.tl.Pos() - 1
	if discarded > 0 {
		s.gen++
	}
	notice := ""
	s.clearHalf()
	s.asking = false
	if s.scenario != nil && !s.branched {
		s.branched, s.branchAt, s.branchPos, s.left = true, s.step, at, left
		notice = fmt.Sprintf("You branched off the demo at step %d/%d; its steps wait. r returns to them.", s.step, len(s.scenario.Steps))
	} else if discarded > 0 {
		notice = fmt.Sprintf("Acting in the past discarded %d later action(s).", discarded)
	}
	return notice, nil
}

// decisive lists, per replica, the parts of its CRDT metadata line that
// decided a merge since markFrom (the step just shown, or the last action).
func (s *session) decisive() [][]string {
	c := s.cluster()
	index := map[string]int{}
	for i, n := range c.Names() {
		index[n] = i
	}
	out := make([][]string, len(index))
	for i := s.markFrom; i < s.tl.Pos(); i++ {
		for _, ev := range s.tl.Events(i) {
			if ev.Kind == replicas.EvDeliver {
				r := index[ev.Replica]
				for _, k := range ev.Lanes[replicas.CRDT].Decisive {
					if !slices.Contains(out[r], k) {
						out[r] = append(out[r], k)
					}
				}
			}
		}
	}
	return out
}

// changed marks, per lane and replica, the values that changed since
// markFrom: in a demo, during the step just shown; otherwise, in the last
// action.
func (s *session) changed() [2][]bool {
	c := s.cluster()
	var out [2][]bool
	index := map[string]int{}
	for i, n := range c.Names() {
		index[n] = i
	}
	for l := range out {
		out[l] = make([]bool, len(index))
	}
	for i := s.markFrom; i < s.tl.Pos(); i++ {
		for _, ev := range s.tl.Events(i) {
			for _, l := range replicas.Lanes {
				lc := ev.Lanes[l]
				if lc.Touched && lc.Changed {
					out[l][index[ev.Replica]] = true
				}
			}
		}
	}
	return out
}

// changes lists, per lane and replica, what the step just shown (or the
// last action) did to each collection value it changed: the elements
// added and removed, which a box that cuts the value shows first.
func (s *session) changes(changed [2][]bool, memo *stateMemo) [2][]ui.ValueChange {
	var out [2][]ui.ValueChange
	if s.markFrom >= s.tl.Pos() {
		return out
	}
	var before *replicas.Cluster
	c := s.cluster()
	for l := range changed {
		for i, ch := range changed[l] {
			now := c.Replicas()[i].Value(replicas.Lane(l))
			if !ch || now.Kind != crdt.KindSet && now.Kind != crdt.KindMap {
				continue
			}
			if before == nil {
				before = s.tl.At(s.markFrom)
			}
			if out[l] == nil {
				out[l] = make([]ui.ValueChange, len(changed[l]))
			}
			out[l][i] = memo.valueChange(replicas.Lane(l), i, before.Replicas()[i], c.Replicas()[i])
		}
	}
	return out
}

// front lists, per replica, the parts of its CRDT metadata line that a
// box should show first when the line is cut, most wanted first: those the
// narration names ("Laptop:1", "4@Server 3"); then those the step just
// shown (or the last action) changed, those that decided a merge first,
// the latest merge first; then the other parts that decided a merge.
func (s *session) front(decisive [][]string, narration string, memo *stateMemo) [][]string {
	c := s.cluster()
	out := make([][]string, len(c.Names()))
	var before *replicas.Cluster
	for i, r := range c.Replicas() {
		add := func(k string) {
			if k != "" && !slices.Contains(out[i], k) {
				out[i] = append(out[i], k)
			}
		}
		for _, k := range memo.named(i, r, narration) {
			add(k)
		}
		var changed []string // in the line's order
		if s.markFrom < s.tl.Pos() && r.Changed(replicas.CRDT) > 0 {
			if before == nil {
				before = s.tl.At(s.markFrom)
			}
			changed = memo.changedParts(i, before.Replicas()[i], r)
		}
		latest := slices.Clone(decisive[i])
		slices.Reverse(latest)
		for _, k := range latest {
			if slices.Contains(changed, k) {
				add(k)
			}
		}
		for _, k := range changed {
			add(k)
		}
		for _, k := range latest {
			add(k)
		}
	}
	return out
}

// names reports whether a narration quotes token as a whole: "Laptop:1"
// in "a new dot, Laptop:1, which", not "init:1" in "init:10".
func names(narration, token string) bool {
	for at := 0; at < len(narration); {
		i := strings.Index(narration[at:], token)
		if i < 0 {
			return false
		}
		start, end := at+i, at+i+len(token)
		if (start == 0 || !isWordByte(narration[start-1])) && (end == len(narration) || !isWordByte(narration[end])) {
			return true
		}
		at = start + 1
	}
	return false
}

func isWordByte(b byte) bool {
	return b == '_' || b == '-' || b == ':' || b == '@' || '0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
}

// logLines is the event log up to the current point, newest last, word-
// wrapped to width. Each action's lines are wrapped once and kept.
// text puts a sentence in the screen's characters (ASCII under --ascii)
// before it is wrapped.
func (s *session) logLines(width, height int, text func(string) string) []string {
	limit := max(40, logScreens*height)
	if width != s.blockWidth || s.blocks == nil {
		s.blocks, s.blockWidth = map[int][]string{}, width
	}
	end := s.tl.Pos()
	// The newest blocks that reach the limit, then their lines in order.
	n, from := 0, end
	for from > 0 && n < limit {
		from--
		n += len(s.block(from, width, text))
	}
	lines := make([]string, 0, n)
	for i := from; i < end; i++ {
		lines = append(lines, s.blocks[i]...)
	}
	if s.half { // a sync half done: what it took so far
		lines = append(lines, ansi.Truncate(text(fmt.Sprintf("%d › %s (taken, in flight)", end+1, s.tl.Action(end))), width, text("…")))
		for _, ev := range s.halfEv {
			for _, w := range strings.Split(ansi.Wrap(text(ev.Text), max(10, width-6), " "), "\n") {
				lines = append(lines, "    "+w)
			}
		}
	}
	if len(lines) == 0 {
		lines = []string{"nothing has happened yet."}
	}
	return lines
}

// block is action i's log lines: the action, then each sentence indented,
// wrapped with continuation lines under their sentence.
func (s *session) block(i, width int, text func(string) string) []string {
	if b, ok := s.blocks[i]; ok {
		return b
	}
	b := []string{ansi.Truncate(text(fmt.Sprintf("%d › %s", i+1, s.tl.Action(i))), width, text("…"))}
	room := max(10, width-6)
	for _, ev := range s.tl.Events(i) {
		for _, sentence := range ev.Sentences() {
			sentence = text(sentence)
			if r := []rune(sentence); len(r) > room*sentenceLines {
				sentence = string(r[:room*sentenceLines-1])
				if i := strings.LastIndex(sentence, " "); i > 0 {
					sentence = sentence[:i]
				}
				sentence += text(" …")
			}
			wrapped := strings.Split(ansi.Wrap(sentence, room, " "), "\n")
			for k, w := range wrapped {
				indent := "    "
				if k > 0 {
					indent = "      "
				}
				b = append(b, indent+w)
			}
		}
	}
	s.blocks[i] = b
	return b
}

// lastSentence explains what was just shown (the step, or the last action)
// on the status line. It prefers the CRDT lane's reason for the most
// telling merge: the last delivery that changed a CRDT value, else the
// last that a decisive part of the metadata explains; its plain sentence
// follows. Without a merge, it gives the last action's sentences.
func (s *session) lastSentence() string {
	pos := s.tl.Pos()
	if pos == 0 {
		return ""
	}
	var telling, decided *replicas.Event
	for i := s.markFrom; i < pos; i++ {
		for _, ev := range s.tl.Events(i) {
			lc := ev.Lanes[replicas.CRDT]
			if ev.Kind != replicas.EvDeliver {
				continue
			}
			if lc.Changed {
				telling = &ev
			} else if len(lc.Decisive) > 0 {
				decided = &ev
			}
		}
	}
	if telling == nil {
		telling = decided
	}
	if telling != nil {
		return telling.Lanes[replicas.CRDT].Why + " · " + telling.Lanes[replicas.Plain].Why
	}
	var parts []string
	for _, ev := range s.tl.Events(pos - 1) {
		if ev.Text != "" {
			parts = append(parts, ev.Text)
		}
		for _, l := range []replicas.Lane{replicas.CRDT, replicas.Plain} { // the CRDT's reason first
			if ev.Lanes[l].Touched {
				parts = append(parts, ev.Lanes[l].Why)
			}
		}
	}
	return strings.Join(parts, " · ")
}

// mark remembers a step or expect line typed at the prompt.
func (s *session) mark(line string) {
	if s.marks == nil {
		s.marks = map[int][]string{}
	}
	s.marks[s.tl.Pos()] = append(s.marks[s.tl.Pos()], line)
}

// recording renders what was done as a scenario file: the header, the
// demo steps shown (in a demo), then every action up to the current point
// with the step and expect lines typed at the prompt. Replaying it with
// crdtviz check reproduces the current state.
func (s *session) recording() string {
	var b strings.Builder
	c := s.cluster()
	title := s.title
	b.WriteString("# Recorded with crdtviz. Replay it with: crdtviz check FILE, or crdtviz demo FILE\n")
	if s.scenario != nil {
		title = s.scenario.Title // a recording from a demo keeps its header
	} else {
		title = "Recorded: " + title
	}
	fmt.Fprintf(&b, "title %s\n", crdt.QuoteAlways(title))
	if s.scenario != nil && s.scenario.About != "" {
		fmt.Fprintf(&b, "about %s\n", crdt.QuoteAlways(s.scenario.About))
	}
	fmt.Fprintf(&b, "type %s\n", c.Type())
	names := make([]string, 0, len(c.Names()))
	for _, n := range c.Names() {
		names = append(names, replicas.QuoteName(n))
	}
	fmt.Fprintf(&b, "replicas %s\n", strings.Join(names, " "))
	if h := s.header; h.Mode != replicas.ModeState {
		fmt.Fprintf(&b, "mode %s\n", h.Mode)
		if h.AnyOrder {
			b.WriteString("delivery any\n")
		}
		if h.NoDedup {
			b.WriteString("dedup off\n")
		}
	}
	if v := c.Initial(); v != nil {
		fmt.Fprintf(&b, "initial %s\n", v)
	}
	start, steps := 0, 0
	if s.scenario != nil {
		// The demo's statements up to where it was left: the current
		// point, or where the branch left it. By action, that may be in
		// the middle of a step: its statements then stop there.
		upTo, limit := s.step, s.tl.Pos()
		if s.branched {
			upTo, limit = s.branchAt, s.branchPos
		}
		for k := 0; k < upTo && k < len(s.run.Steps); k++ {
			st, sr := s.scenario.Steps[k], s.run.Steps[k]
			fmt.Fprintf(&b, "\nstep %s\n", crdt.QuoteAlways(st.Text))
			steps++
			if sr.End <= limit {
				for _, item := range st.Items {
					b.WriteString(item.String() + "\n")
				}
				start = sr.End
				continue
			}
			t := sr.Start
			for _, item := range st.Items {
				if item.Action != nil && !sr.Skips(item) {
					if t >= limit {
						break
					}
					t++
				}
				b.WriteString(item.String() + "\n")
			}
			start = limit
			break
		}
	}
	pos := s.tl.Pos()
	var body []string
	for i := start; i <= pos; i++ {
		body = append(body, s.marks[i]...)
		if i < pos {
			body = append(body, s.tl.Action(i).String())
		}
	}
	if len(body) > 0 && !strings.HasPrefix(body[0], "step ") || steps == 0 && len(body) == 0 {
		what := "Free play"
		if s.scenario != nil {
			what = "On my own from here"
		}
		body = append([]string{"step " + crdt.QuoteAlways(what)}, body...)
	}
	for _, line := range body {
		if strings.HasPrefix(line, "step ") {
			b.WriteString("\n")
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}
