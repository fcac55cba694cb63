package web

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"html/template"
	"strings"
)

// The vendored player (see player/VERSION) and the page's own files.
var (
	//go:embed player/asciinema-player.min.js
	playerJS string
	//go:embed player/asciinema-player.css
	playerCSS string
	//go:embed player/VERSION
	playerVersion string
	//go:embed page.html
	pageHTML string
	//go:embed page.css
	pageCSS string
	//go:embed page.js
	pageJS string
)

// PlayerVersion is the version of asciinema-player the pages embed.
const PlayerVersion = "3.17.0"

var page = template.Must(template.New("page").Parse(pageHTML))

// Lesson is what a page shows.
type Lesson struct {
	Title, About string
	Type         string
	Replicas     []string
	Mode         string // how replicas replicate, in words ("state-based")
	Generator    string // what made the page ("crdtviz 1.0")
	Intro        string // the narration before the first step
	// Cast is the asciicast v2 recording, with one marker per step.
	Cast []byte
	// Steps are the demo's steps, in order; step k has marker k-1.
	Steps []Step
	// Frames are the recording's frames, in order of time; the first at 0.
	Frames []Frame
	// Diagrams are SVG elements, one per point the frames show, and
	// Legend explains their marks, once.
	Diagrams []string
	Legend   string
}

// Step is one step of the lesson.
type Step struct {
	// Label is its marker's label, which the player shows on hover and
	// the list of steps shows from the start: it must give nothing away
	// ahead of time (a question's step: its question; after the first
	// question: the step's actions).
	Label   string    `json:"label"`
	Text    string    `json:"text"` // its narration
	Actions []string  `json:"actions"`
	Ask     *Question `json:"ask,omitempty"` // the question it pauses on, if any
	At      float64   `json:"at"`            // its marker's time, in seconds
	Reveal  float64   `json:"reveal"`        // when its outcome shows (At when it asks nothing)
}

// Question is a step's question and its choices.
type Question struct {
	Text    string   `json:"text"`
	Choices []string `json:"choices"`
}

// Frame is one frame of the recording: when it shows, its step (0 for
// the opening screen), whether that step's question is on screen, and the
// diagram it shows (an index into Lesson.Diagrams).
type Frame struct {
	At      float64 `json:"at"`
	Step    int     `json:"step"`
	Asking  bool    `json:"asking"`
	Diagram int     `json:"diagram"`
}

// check reports a lesson the page could not follow.
func (l Lesson) check() error {
	if len(l.Cast) == 0 {
		return errors.New("the lesson has no cast")
	}
	if len(l.Frames) == 0 || l.Frames[0].At != 0 {
		return errors.New("the lesson's frames must start at time 0")
	}
	for i, f := range l.Frames {
		if i > 0 && f.At < l.Frames[i-1].At {
			return errors.New("the lesson's frames are out of order")
		}
		if f.Step < 0 || f.Step > len(l.Steps) {
			return errors.New("a frame names a step the lesson does not have")
		}
		if len(l.Diagrams) > 0 && (f.Diagram < 0 || f.Diagram >= len(l.Diagrams)) {
			return errors.New("a frame names a diagram the lesson does not have")
		}
	}
	for _, d := range l.Diagrams {
		if !strings.HasPrefix(d, "<svg") {
			return errors.New("a diagram is not an SVG element")
		}
	}
	if l.Legend != "" && !strings.HasPrefix(l.Legend, "<svg") {
		return errors.New("the legend is not an SVG element")
	}
	return nil
}

// Page renders the lesson as one self-contained HTML file.
func Page(l Lesson) ([]byte, error) {
	if err := l.check(); err != nil {
		return nil, err
	}
	data, err := json.Marshal(struct {
		Cast   string  `json:"cast"`
		Intro  string  `json:"intro"`
		Steps  []Step  `json:"steps"`
		Frames []Frame `json:"frames"`
	}{string(l.Cast), l.Intro, nonNil(l.Steps), l.Frames})
	if err != nil {
		return nil, err
	}
	diagrams := make([]template.HTML, len(l.Diagrams))
	for i, d := range l.Diagrams {
		diagrams[i] = template.HTML(d) // made by ui.DiagramSVG, which escapes every text it draws
	}
	// The list of steps shows each step's marker label, which gives
	// nothing away ahead of time (the recording's labels follow the
	// worksheet's rule: see model.CastStep.Label).
	asks := hasAsk(l.Steps)
	list := make([]string, len(l.Steps))
	for i, st := range l.Steps {
		list[i] = st.Label
	}
	var b bytes.Buffer
	err = page.Execute(&b, map[string]any{
		"Title":         l.Title,
		"About":         l.About,
		"Type":          l.Type,
		"ReplicaList":   strings.Join(l.Replicas, ", "),
		"Mode":          l.Mode,
		"Generator":     l.Generator,
		"Intro":         l.Intro,
		"Asks":          asks,
		"Steps":         l.Steps,
		"List":          list,
		"Diagrams":      diagrams,
		"Legend":        template.HTML(l.Legend), // made by ui.DiagramLegendSVG
		"Data":          template.JS(data),       // json.Marshal escapes <, > and &: nothing in it can close the script
		"PlayerVersion": PlayerVersion,
		"PlayerJS":      template.JS(playerJS),
		"PlayerCSS":     template.CSS(playerCSS),
		"PageJS":        template.JS(pageJS),
		"PageCSS":       template.CSS(pageCSS),
	})
	if err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func nonNil(s []Step) []Step {
	if s == nil {
		return []Step{}
	}
	return s
}

func hasAsk(steps []Step) bool {
	for _, s := range steps {
		if s.Ask != nil {
			return true
		}
	}
	return false
}
