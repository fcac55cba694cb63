package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"crdtviz/demos"
	"crdtviz/model"
	"crdtviz/ui"
	"crdtviz/web"
)

// Cast limits: a cast is rendered in memory, frame by frame.
const (
	maxCastWidth  = 500
	maxCastHeight = 200
	maxCastStep   = time.Hour
	castBase      = 2 * time.Second // a step's time before its reading time
)

func cmdCast(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("cast", "cast NAME|FILE -o OUT.cast [--size 100x30] [--theme T] [--step 2s] [--ascii] [--html]\n\n"+
		"Records a demo as an asciicast v2 file, rendered from the real view at that size, with a marker\n"+
		"for each step. No terminal is needed, and the same input always gives the same bytes.\n"+
		"Play it with 'asciinema play OUT.cast'. With --frame N, writes the ANSI screen after step N instead.\n"+
		"With --html (or -o ending in .html), writes one web page that plays the lesson offline: the player,\n"+
		"each step's narration beside it, a pause at each question, and the space-time diagram.", stderr)
	out := fs.String("o", "", "the file to write (- for standard output)")
	size := fs.String("size", "100x30", "the terminal size, WIDTHxHEIGHT")
	theme := fs.String("theme", "dark", "dark, light, high-contrast or mono")
	step := fs.Duration("step", 0, "how long each step stays on screen (default: 2s plus about 60 ms for each word of its narration)")
	force := fs.Bool("force", false, "overwrite an existing file")
	ascii := fs.Bool("ascii", false, "use ASCII instead of box-drawing characters and symbols")
	frame := fs.Int("frame", -1, "write only frame N: 0 is the opening screen, then one for each → (a question and its answer are two)")
	by := fs.String("by", "step", "step: a frame for each step; action: one for each action, and two for a sync (taken, then delivered)")
	noAsk := fs.Bool("no-ask", false, "leave the demo's questions out: each step shows its outcome at once")
	html := fs.Bool("html", false, "write a self-contained web page with the player, the narration and the diagram (default when -o ends in .html)")
	pos, code := parseFlags(fs, args)
	if code >= 0 {
		return code
	}
	if len(pos) != 1 || *out == "" {
		fs.Usage()
		return exitUsage
	}
	if ext := strings.ToLower(filepath.Ext(*out)); ext == ".html" || ext == ".htm" {
		*html = true
	}
	if *html && *frame >= 0 {
		return usageFail(stderr, "cast", "--frame writes one screen; --html writes a whole page: choose one")
	}
	var w, h int
	if n, err := fmt.Sscanf(*size, "%dx%d", &w, &h); n != 2 || err != nil || fmt.Sprintf("%dx%d", w, h) != *size {
		return usageFail(stderr, "cast", fmt.Sprintf("--size %q: write it as WIDTHxHEIGHT, e.g. 100x30", *size))
	}
	if w > maxCastWidth || h > maxCastHeight {
		return usageFail(stderr, "cast", fmt.Sprintf("--size %s: a cast is at most %dx%d", *size, maxCastWidth, maxCastHeight))
	}
	if *step < 0 || *step > 0 && *step < time.Millisecond || *step > maxCastStep {
		return usageFail(stderr, "cast", fmt.Sprintf("--step %s: give a time from 1ms to %s", *step, maxCastStep))
	}
	var dest target
	if *out != "-" {
		var err error
		if dest, err = checkTarget(*out, *force, "cast -o"); err != nil {
			return usageFail(stderr, "cast", err.Error())
		}
	}
	t, err := ui.ParseTheme(*theme)
	if err != nil {
		return usageFail(stderr, "cast", err.Error())
	}
	s, err := demos.Load(pos[0])
	if err != nil {
		fmt.Fprintf(stderr, "crdtviz cast: %v\n", err)
		return exitUsage
	}
	if *by != "step" && *by != "action" {
		return usageFail(stderr, "cast", fmt.Sprintf("--by %q: choose step or action", *by))
	}
	o := model.CastOptions{Width: w, Height: h, Theme: t, ASCII: *ascii, Step: *step, Base: castBase, ByAction: *by == "action", NoAsk: *noAsk}
	var data []byte
	if *frame >= 0 {
		frames, err := model.Frames(s, o)
		if err != nil {
			return fail(stderr, err)
		}
		if *frame >= len(frames) {
			return usageFail(stderr, "cast", fmt.Sprintf("--frame %d: this cast has frames 0 to %d", *frame, len(frames)-1))
		}
		data = []byte(frames[*frame] + "\n")
	} else if *html {
		if data, err = lessonPage(s, o); err != nil {
			return usageFail(stderr, "cast", err.Error())
		}
	} else if data, err = model.Cast(s, o); err != nil {
		return usageFail(stderr, "cast", err.Error())
	}
	if *out == "-" {
		_, err = stdout.Write(data)
	} else {
		err = writeAtomic(dest, data)
	}
	if err != nil {
		fmt.Fprintf(stderr, "crdtviz cast: %v\n", err)
		return 1
	}
	return 0
}

// lessonPage renders a demo as one web page: the cast with a marker for
// each step, each step's narration and question, and the diagram of every
// point shown.
func lessonPage(s *demos.Scenario, o model.CastOptions) ([]byte, error) {
	r, err := model.Record(s, o)
	if err != nil {
		return nil, err
	}
	l := web.Lesson{Title: s.Title, About: s.About, Type: string(s.Type), Replicas: s.Replicas,
		Mode: model.ModeLabel(s.Header), Generator: "crdtviz " + version, Cast: r.Cast,
		Intro: "Press play (or Space) to watch the lesson, or → to go through it step by step."}
	if s.HasAsk() && !o.NoAsk {
		l.Intro += " At each question the lesson waits: predict the outcome, then press Reveal."
	}
	for _, st := range r.Steps {
		ws := web.Step{Label: st.Label, Text: st.Text, Actions: st.Actions, At: st.At.Seconds(), Reveal: st.Reveal.Seconds()}
		if st.Ask != nil {
			ws.Ask = &web.Question{Text: st.Ask.Text, Choices: st.Ask.Choices}
		}
		l.Steps = append(l.Steps, ws)
	}
	for _, f := range r.Frames {
		l.Frames = append(l.Frames, web.Frame{At: f.At.Seconds(), Step: f.Step, Asking: f.Asking, Diagram: f.Diagram})
	}
	for i, d := range r.Diagrams {
		l.Diagrams = append(l.Diagrams, ui.DiagramSVG(d, ui.SVGOptions{Current: i > 0}))
	}
	l.Legend = ui.DiagramLegendSVG(560)
	return web.Page(l)
}
