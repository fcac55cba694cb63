package main

import (
	"fmt"
	"io"
	"time"

	"crdtviz/demos"
	"crdtviz/model"
	"crdtviz/ui"
)

// Cast limits: a cast is rendered in memory, frame by frame.
const (
	maxCastWidth  = 500
	maxCastHeight = 200
	maxCastStep   = time.Hour
	castBase      = 2 * time.Second // a step's time before its reading time
)

func cmdCast(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("cast", "cast NAME|FILE -o OUT.cast [--size 100x30] [--theme T] [--step 2s] [--ascii]\n\n"+
		"Records a demo as an asciicast v2 file, rendered from the real view at that size.\n"+
		"No terminal is needed, and the same input always gives the same bytes.\n"+
		"Play it with 'asciinema play OUT.cast'. With --frame N, writes the ANSI screen after step N instead.", stderr)
	out := fs.String("o", "", "the file to write (- for standard output)")
	size := fs.String("size", "100x30", "the terminal size, WIDTHxHEIGHT")
	theme := fs.String("theme", "dark", "dark, light, high-contrast or mono")
	step := fs.Duration("step", 0, "how long each step stays on screen (default: 2s plus about 60 ms for each word of its narration)")
	force := fs.Bool("force", false, "overwrite an existing file")
	ascii := fs.Bool("ascii", false, "use ASCII instead of box-drawing characters and symbols")
	frame := fs.Int("frame", -1, "write only frame N: 0 is the opening screen, then one for each → (a question and its answer are two)")
	by := fs.String("by", "step", "step: a frame for each step; action: one for each action, and two for a sync (taken, then delivered)")
	noAsk := fs.Bool("no-ask", false, "leave the demo's questions out: each step shows its outcome at once")
	pos, code := parseFlags(fs, args)
	if code >= 0 {
		return code
	}
	if len(pos) != 1 || *out == "" {
		fs.Usage()
		return exitUsage
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
