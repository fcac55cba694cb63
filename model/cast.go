package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"crdtviz/demos"
	"crdtviz/ui"
)

// CastOptions describe a recording of a demo.
type CastOptions struct {
	Width, Height int
	Theme         ui.Theme
	ASCII         bool
	Step          time.Duration // time each step stays on screen; 0 paces by reading time
	Base          time.Duration // with Step 0: a step's time before its reading time
	ByAction      bool          // a frame for each action (and two for a sync), not each step
	NoAsk         bool          // no question frames: each step shows its outcome at once
}

// frameTimes is how long each frame stays: Step each, or with Step 0 the
// base plus the reading time of what the frame gives to read that the
// frame before did not (the introduction, a question, a step's narration),
// and at least lastFrame for the last.
func frameTimes(read []string, o CastOptions) []time.Duration {
	out := make([]time.Duration, len(read))
	for i := range out {
		if o.Step > 0 {
			out[i] = o.Step
		} else {
			out[i] = ReadingTime(o.Base, read[i])
		}
	}
	if o.Step <= 0 && len(out) > 0 {
		out[len(out)-1] = max(out[len(out)-1], lastFrame)
	}
	return out
}

// Frames renders a demo exactly as the app shows it at Width×Height: the
// opening screen, then the screen after each → (each step, its question
// first when it asks one; by action, each action). No terminal is needed.
func Frames(s *demos.Scenario, o CastOptions) ([]string, error) {
	shots, err := castFrames(s, o, false)
	if err != nil {
		return nil, err
	}
	frames := make([]string, len(shots))
	for i, sh := range shots {
		frames[i] = sh.screen
	}
	return frames, nil
}

// castShot is one frame as castFrames takes it: the screen, what it gives
// to read that the frame before did not, the step it belongs to (0 for
// the opening screen), whether the step's question is on screen, and,
// when asked for, the diagram of the point it shows.
type castShot struct {
	screen, read string
	step         int
	asking       bool
	at           diagramPoint
	diagram      ui.Diagram
}

// diagramPoint names the point a frame's diagram shows.
type diagramPoint struct {
	pos  int
	half bool
}

// castFrames plays the demo through with →, taking a shot of each frame.
func castFrames(s *demos.Scenario, o CastOptions, diagrams bool) ([]castShot, error) {
	root, err := New(Options{Scenario: s, Theme: o.Theme, ThemeFixed: true, ASCII: o.ASCII, ByAction: o.ByAction, NoAsk: o.NoAsk})
	if err != nil {
		return nil, err
	}
	root.Update(tea.WindowSizeMsg{Width: o.Width, Height: o.Height})
	var shots []castShot
	last := ""
	shot := func() {
		sess := root.sess
		sh := castShot{screen: root.View().Content, step: sess.step, asking: sess.question() != nil,
			at: diagramPoint{sess.tl.Pos(), sess.half}}
		if text := sess.readingText(); text != last {
			sh.read, last = text, text
		}
		if sh.asking {
			// The class predicts the step's outcome: its diagram is the one
			// of the step's start (the boxes of its end are masked).
			sh.at = diagramPoint{pos: sess.run.Steps[sess.step-1].Start}
		}
		if diagrams {
			sh.diagram = sess.diagramOf(sh.at)
		}
		shots = append(shots, sh)
	}
	shot()
	for {
		before := root.sess.where()
		root.Update(tea.KeyPressMsg{Code: tea.KeyRight})
		if root.sess.where() == before {
			return shots, nil
		}
		shot()
	}
}

// RecordedRows is how many of the newest actions the diagram of each point
// of a recording shows, as a screen shows the newest rows: so a page holds
// one diagram of bounded size for each frame, and grows with the frames as
// the cast does, not with their square. (crdtviz demo --svg draws it all.)
const RecordedRows = 16

// diagramOf builds the diagram of a point of the session's timeline: the
// point shown, or one before it (a question's), which it seeks to and back.
func (s *session) diagramOf(p diagramPoint) ui.Diagram {
	here := s.tl.Pos()
	if p.pos == here {
		return ui.BuildDiagram(s.diagramInput(RecordedRows))
	}
	_ = s.tl.Seek(p.pos) // a point the timeline holds: it cannot fail
	d := ui.BuildDiagram(ui.DiagramAt(s.tl, s.tl.Cluster(), RecordedRows, nil))
	_ = s.tl.Seek(here)
	return d
}

// CastStep is one demo step of a recording.
type CastStep struct {
	// Label is its marker's label, which the player shows on hover, and
	// the page's list of steps too: see markerLabel.
	Label   string
	Text    string     // the narration
	Actions []string   // what the step does, as statements
	Ask     *demos.Ask // the question put before its outcome shows, if any
	// At is its marker's time: when its first frame shows. Reveal is when
	// its outcome shows: after its question, or At when it asks none.
	At, Reveal time.Duration
}

// CastFrame is one frame of a recording: when it shows, its step (0 for
// the opening screen), whether the step's question is on screen, and the
// diagram of the point it shows (an index into Recording.Diagrams).
type CastFrame struct {
	At      time.Duration
	Step    int
	Asking  bool
	Diagram int
}

// Recording is a demo rendered for the web page: the asciicast, with a
// marker for each step, and what the page needs to follow it.
type Recording struct {
	Cast     []byte
	Steps    []CastStep
	Frames   []CastFrame
	Diagrams []ui.Diagram // one per point shown, in order
	Duration time.Duration
}

// Cast renders a demo as an asciicast v2 recording. The same demo and
// options always give the same bytes: the header has no timestamp, and
// event times come from the step time or the narration's reading time.
func Cast(s *demos.Scenario, o CastOptions) ([]byte, error) {
	r, err := record(s, o, false)
	if err != nil {
		return nil, err
	}
	return r.Cast, nil
}

// Record renders a demo as Cast does, with each step's times and text and
// the diagram of every point shown.
func Record(s *demos.Scenario, o CastOptions) (*Recording, error) {
	return record(s, o, true)
}

func record(s *demos.Scenario, o CastOptions, diagrams bool) (*Recording, error) {
	if o.Width < ui.MinWidth || o.Height < ui.MinHeight {
		return nil, fmt.Errorf("a cast needs at least %dx%d, not %dx%d", ui.MinWidth, ui.MinHeight, o.Width, o.Height)
	}
	if o.Step < 0 {
		return nil, fmt.Errorf("the step time must be positive, not %s", o.Step)
	}
	shots, err := castFrames(s, o, diagrams)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := castHeader(&b, s, o); err != nil {
		return nil, err
	}
	event := func(at time.Duration, code, data string) error {
		d, err := json.Marshal(data)
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "[%.3f, %q, %s]\n", at.Seconds(), code, d)
		return nil
	}
	read := make([]string, len(shots))
	for i, sh := range shots {
		read[i] = sh.read
	}
	times := frameTimes(read, o)
	r := &Recording{}
	points := map[diagramPoint]int{}
	at := time.Duration(0)
	for i, sh := range shots {
		prefix := "\x1b[H" // each frame fills the screen: overwrite from the top
		if i == 0 {
			prefix = "\x1b[?25l\x1b[2J\x1b[H" // hide the cursor, clear once
		}
		if err := event(at, "o", prefix+strings.ReplaceAll(sh.screen, "\n", "\r\n")); err != nil {
			return nil, err
		}
		if sh.step > len(r.Steps) { // the first frame of a step: its marker
			st := s.Steps[sh.step-1]
			cs := CastStep{Label: markerLabel(s, sh.step, !o.NoAsk), Text: st.Text, Actions: st.Actions(), At: at}
			if sh.asking {
				cs.Ask = st.Ask
			}
			r.Steps = append(r.Steps, cs)
			label := cs.Label
			if o.ASCII {
				label = ui.ASCIIText(label)
			}
			if err := event(at, "m", label); err != nil {
				return nil, err
			}
		}
		if n := len(r.Steps); n > 0 && sh.step == n && !sh.asking && r.Steps[n-1].Reveal == 0 {
			r.Steps[n-1].Reveal = at // the step's outcome shows
		}
		d, ok := points[sh.at]
		if !ok && diagrams {
			d = len(r.Diagrams)
			points[sh.at] = d
			r.Diagrams = append(r.Diagrams, sh.diagram)
		}
		r.Frames = append(r.Frames, CastFrame{At: at, Step: sh.step, Asking: sh.asking, Diagram: d})
		at += times[i]
	}
	// Hold the last frame for its time, then show the cursor again.
	if err := event(at, "o", "\x1b[?25h"); err != nil {
		return nil, err
	}
	r.Cast, r.Duration = b.Bytes(), at
	return r, nil
}

// castHeader writes the asciicast's header: the size, the title, and the
// theme's own foreground and background, so that a player shows the
// colours the cast was made with (mono sets none: the player's own).
func castHeader(b *bytes.Buffer, s *demos.Scenario, o CastOptions) error {
	type theme struct {
		FG      string `json:"fg"`
		BG      string `json:"bg"`
		Palette string `json:"palette"`
	}
	h := struct {
		Version int               `json:"version"`
		Width   int               `json:"width"`
		Height  int               `json:"height"`
		Title   string            `json:"title"`
		Env     map[string]string `json:"env"`
		Theme   *theme            `json:"theme,omitempty"`
	}{Version: 2, Width: o.Width, Height: o.Height, Title: "crdtviz: " + s.Title, Env: map[string]string{"TERM": "xterm-256color"}}
	if o.ASCII {
		h.Title = ui.ASCIIText(h.Title)
	}
	if fg, bg := o.Theme.Foreground(), o.Theme.Background(); fg != nil && bg != nil {
		h.Theme = &theme{FG: ui.Hex(fg), BG: ui.Hex(bg), Palette: strings.Join(o.Theme.ANSIPalette(), ":")}
	}
	header, err := json.Marshal(h)
	if err != nil {
		return err
	}
	b.Write(header)
	b.WriteByte('\n')
	return nil
}

// ModeLabel names a scenario's replication mode in words: "state-based",
// "op-based, delivery any".
func ModeLabel(h demos.Header) string { return modeLabel(h.Mode, h.AnyOrder, h.NoDedup) }

// markerLabel is step k's marker label. It shows ahead of time (the
// player shows a marker's label on hover, the page lists every step), so
// with questions on it follows the worksheet's rule
// (demos.Scenario.NarrationUpFront): "Step k: " and the first sentence of
// its narration only for a step before the first question; a step with a
// question, its question; every later step, its actions, which never
// tell an outcome. With questions off, every step's first sentence.
func markerLabel(s *demos.Scenario, k int, questions bool) string {
	st := s.Steps[k-1]
	text := FirstSentence(st.Text)
	switch {
	case !questions || !s.HasAsk() || s.NarrationUpFront(k-1):
	case st.Ask != nil:
		text = st.Ask.Text
	default:
		text = strings.Join(st.Actions(), "; ")
	}
	label := fmt.Sprintf("Step %d", k)
	if text != "" {
		label += ": " + ansi.Truncate(text, maxLabel, "…")
	}
	return label
}

// maxLabel is the most cells of narration a marker's label keeps.
const maxLabel = 160

// FirstSentence is a text's first sentence: up to the first full stop,
// question or exclamation mark that ends a word and is followed by a space
// (after any closing quote or bracket), not counting abbreviations such as
// "e.g.".
func FirstSentence(text string) string {
	text = strings.TrimSpace(text)
	r := []rune(text)
	for i, c := range r {
		if c != '.' && c != '?' && c != '!' {
			continue
		}
		j := i + 1
		for j < len(r) && strings.ContainsRune(`"')]”’`, r[j]) {
			j++
		}
		if j < len(r) && r[j] != ' ' {
			continue
		}
		if c == '.' {
			word := string(r[:i])
			if k := strings.LastIndexAny(word, " ("); k >= 0 {
				word = word[k+1:]
			}
			switch strings.ToLower(word) {
			case "e.g", "i.e", "etc", "cf", "vs", "approx":
				continue
			}
		}
		return string(r[:j])
	}
	return text
}
