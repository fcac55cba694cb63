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
	Step          time.Duration // time each step stays on screen
}

// Frames renders a demo exactly as the app shows it at Width×Height: the
// opening screen, then the screen after each step. No terminal is needed.
func Frames(s *demos.Scenario, o CastOptions) ([]string, error) {
	root, err := New(Options{Scenario: s, Theme: o.Theme, ThemeFixed: true, ASCII: o.ASCII})
	if err != nil {
		return nil, err
	}
	root.Update(tea.WindowSizeMsg{Width: o.Width, Height: o.Height})
	frames := []string{root.View().Content}
	for range s.Steps {
		root.Update(tea.KeyPressMsg{Code: tea.KeyRight})
		frames = append(frames, root.View().Content)
	}
	return frames, nil
}

// Cast renders a demo as an asciicast v2 recording. The same demo and
// options always give the same bytes: the header has no timestamp, and
// event times are multiples of the step time.
func Cast(s *demos.Scenario, o CastOptions) ([]byte, error) {
	if o.Width < ui.MinWidth || o.Height < ui.MinHeight {
		return nil, fmt.Errorf("a cast needs at least %dx%d, not %dx%d", ui.MinWidth, ui.MinHeight, o.Width, o.Height)
	}
	if o.Step <= 0 {
		return nil, fmt.Errorf("the step time must be positive, not %s", o.Step)
	}
	frames, err := Frames(s, o)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	header, err := json.Marshal(struct {
		Version int               `json:"version"`
		Width   int               `json:"width"`
		Height  int               `json:"height"`
		Title   string            `json:"title"`
		Env     map[string]string `json:"env"`
	}{2, o.Width, o.Height, "crdtviz: " + s.Title, map[string]string{"TERM": "xterm-256color"}})
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
	for i, f := range frames {
		prefix := "\x1b[H" // each frame fills the screen: overwrite from the top
		if i == 0 {
			prefix = "\x1b[?25l\x1b[2J\x1b[H" // hide the cursor, clear once
		}
		if err := event(time.Duration(i)*o.Step, prefix+strings.ReplaceAll(f, "\n", "\r\n")); err != nil {
			return nil, err
		}
	}
	// Hold the last frame for one step, then show the cursor again.
	if err := event(time.Duration(len(frames))*o.Step, "\x1b[?25h"); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
