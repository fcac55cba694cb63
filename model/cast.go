package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

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
	frames, _, err := castFrames(s, o)
	return frames, err
}

// castFrames is Frames, with what each frame gives to read.
func castFrames(s *demos.Scenario, o CastOptions) ([]string, []string, error) {
	root, err := New(Options{Scenario: s, Theme: o.Theme, ThemeFixed: true, ASCII: o.ASCII, ByAction: o.ByAction, NoAsk: o.NoAsk})
	if err != nil {
		return nil, nil, err
	}
	root.Update(tea.WindowSizeMsg{Width: o.Width, Height: o.Height})
	var frames, read []string
	last := ""
	shot := func() {
		frames = append(frames, root.View().Content)
		text := root.sess.readingText()
		if text == last {
			read = append(read, "")
		} else {
			read = append(read, text)
		}
		last = text
	}
	shot()
	for {
		before := root.sess.where()
		root.Update(tea.KeyPressMsg{Code: tea.KeyRight})
		if root.sess.where() == before {
			return frames, read, nil
		}
		shot()
	}
}

// Cast renders a demo as an asciicast v2 recording. The same demo and
// options always give the same bytes: the header has no timestamp, and
// event times come from the step time or the narration's reading time.
func Cast(s *demos.Scenario, o CastOptions) ([]byte, error) {
	if o.Width < ui.MinWidth || o.Height < ui.MinHeight {
		return nil, fmt.Errorf("a cast needs at least %dx%d, not %dx%d", ui.MinWidth, ui.MinHeight, o.Width, o.Height)
	}
	if o.Step < 0 {
		return nil, fmt.Errorf("the step time must be positive, not %s", o.Step)
	}
	frames, read, err := castFrames(s, o)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	title := "crdtviz: " + s.Title
	if o.ASCII {
		title = ui.ASCIIText(title)
	}
	header, err := json.Marshal(struct {
		Version int               `json:"version"`
		Width   int               `json:"width"`
		Height  int               `json:"height"`
		Title   string            `json:"title"`
		Env     map[string]string `json:"env"`
	}{2, o.Width, o.Height, title, map[string]string{"TERM": "xterm-256color"}})
	if err != nil {
		return nil, err
	}
	b.Write(header)
	b.WriteByte('\n')
	event := func(at time.Duration, data string) error {
		d, err := json.Marshal(data)
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "[%.3f, \"o\", %s]\n", at.Seconds(), d)
		return nil
	}
	times := frameTimes(read, o)
	at := time.Duration(0)
	for i, f := range frames {
		prefix := "\x1b[H" // each frame fills the screen: overwrite from the top
		if i == 0 {
			prefix = "\x1b[?25l\x1b[2J\x1b[H" // hide the cursor, clear once
		}
		if err := event(at, prefix+strings.ReplaceAll(f, "\n", "\r\n")); err != nil {
			return nil, err
		}
		at += times[i]
	}
	// Hold the last frame for its time, then show the cursor again.
	if err := event(at, "\x1b[?25h"); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
