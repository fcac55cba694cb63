package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"

	"crdtviz/class"
	"crdtviz/model"
	"crdtviz/ui"
)

// cmdClassReplay shows a recorded class (class start --record FILE): the
// room's own space-time diagram, in the app, as text, or as SVG.
func cmdClassReplay(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("class replay", "class replay FILE [--all] [--only A,B] [--transcript --diagram [--width N]] [--svg -o OUT.svg]\n\n"+
		"Shows a recorded class (crdtviz class start --record FILE): each laptop a line, each real message an arrow.", stderr)
	transcript := fs.Bool("transcript", false, "print it instead of opening the app: what every member's record holds, row by row")
	diagram := fs.Bool("diagram", false, "with --transcript: add the space-time diagram, for a handout")
	width := fs.Int("width", 0, "with --diagram: the diagram's width in columns (default: $COLUMNS, else 80)")
	all := fs.Bool("all", false, "draw every message (views, duplicates, what changed nothing), not only the story")
	only := fs.String("only", "", "draw only these laptops, and the messages between them: NAME,NAME,… (a class of 30 is 30 lines)")
	svg := fs.Bool("svg", false, "write the space-time diagram as SVG to -o")
	out := fs.String("o", "", "with --svg: the file to write (- for standard output)")
	force := fs.Bool("force", false, "with -o: overwrite an existing file")
	look := addLookFlags(fs)
	pos, code := parseFlags(fs, args)
	if code >= 0 {
		return code
	}
	if len(pos) != 1 {
		return usageFail(stderr, "class replay", "give the record file: crdtviz class replay FILE")
	}
	switch {
	case *diagram && !*transcript:
		return usageFail(stderr, "class replay", "--diagram goes with --transcript")
	case *width != 0 && !*diagram:
		return usageFail(stderr, "class replay", "--width goes with --transcript --diagram")
	case *width != 0 && (*width < minDiagramWidth || *width > maxDiagramWidth):
		return usageFail(stderr, "class replay", fmt.Sprintf("--width %d: give a width from %d to %d columns", *width, minDiagramWidth, maxDiagramWidth))
	case !*svg && (*out != "" || *force):
		return usageFail(stderr, "class replay", "-o and --force go with --svg")
	case *svg && *out == "":
		return usageFail(stderr, "class replay", "--svg writes to a file: add -o FILE.svg (or -o - for standard output)")
	case *svg && *transcript:
		return usageFail(stderr, "class replay", "--transcript and --svg are two ways to print it: give one (run crdtviz twice for both)")
	}
	var dest target
	if *svg && *out != "-" {
		var err error
		if dest, err = checkTarget(*out, *force, "-o"); err != nil {
			return usageFail(stderr, "class replay", err.Error())
		}
	}
	var opts model.Options
	if !*transcript && !*svg {
		var err error
		if opts, err = look.options(); err != nil {
			return fail(stderr, err)
		}
	}
	rp, err := loadReplay(pos[0])
	if err != nil {
		fmt.Fprintf(stderr, "crdtviz class replay: %s: %v\n", pos[0], err)
		return exitUsage
	}
	draw := model.ReplayDraw{}
	if *all {
		draw.Show = model.ShowAll
	}
	if *only != "" {
		for _, n := range strings.Split(*only, ",") {
			n = strings.TrimSpace(n)
			if !slices.Contains(rp.Names, n) {
				return usageFail(stderr, "class replay", fmt.Sprintf("--only: no laptop is named %q in %s (laptops: %s)", n, pos[0], strings.Join(rp.Names, ", ")))
			}
			draw.Only = append(draw.Only, n)
		}
	}
	if *diagram || *svg {
		if err := model.BuildReplayRows(rp, draw).Printable(draw); err != nil {
			fmt.Fprintf(stderr, "crdtviz class replay: %s: %v\n", pos[0], err)
			return exitUsage
		}
	}
	if *transcript {
		text := replayTranscript(rp, pos[0], draw, *diagram, diagramWidth(*width), *look.ascii)
		if _, err := io.WriteString(stdout, text); err != nil {
			return fail(stderr, err)
		}
		return 0
	}
	if *svg {
		rr := model.BuildReplayRows(rp, draw)
		d := ui.BuildDiagram(rr.Input(0))
		doc := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + ui.DiagramSVG(d, ui.SVGOptions{Title: model.ReplayTitle(rp, filepath.Base(pos[0])),
			Note: rp.Count.String() + ".\n" + model.ReplayClockNote})
		if *out == "-" {
			_, err = io.WriteString(stdout, doc)
		} else {
			err = writeAtomic(dest, []byte(doc))
		}
		if err != nil {
			return fail(stderr, err)
		}
		return 0
	}
	if !terminal() {
		// The diagram too, when it is not too large to print.
		withDiagram := model.BuildReplayRows(rp, draw).Printable(draw) == nil
		what, flags := "the transcript", "--transcript --diagram"
		if !withDiagram {
			what, flags = "the transcript, without its diagram (too large to print)", "--transcript"
		}
		fmt.Fprintf(stderr, "crdtviz: not a terminal, so here is %s (crdtviz class replay %s %s)\n", what, pos[0], flags)
		_, _ = io.WriteString(stdout, replayTranscript(rp, pos[0], draw, withDiagram, diagramWidth(0), *look.ascii))
		return 0
	}
	m := model.NewReplay(rp, model.ReplayOptions{Theme: opts.Theme, ThemeFixed: opts.ThemeFixed, ASCII: opts.ASCII, File: pos[0],
		Show: draw.Show, Only: draw.Only})
	if _, err := tea.NewProgram(m).Run(); err != nil {
		return fail(stderr, err)
	}
	return 0
}

// loadReplay reads and checks a record file, within its bound.
func loadReplay(path string) (*class.Replay, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file")
	}
	// Refused by its size before a byte is read; a file that grows while
	// it is read is read no further than the bound.
	if err := class.CheckRecordSize(st.Size()); err != nil {
		return nil, err
	}
	b, err := io.ReadAll(io.LimitReader(f, class.MaxRecordFileBytes+1))
	if err != nil {
		return nil, err
	}
	rec, err := class.LoadRecording(b)
	if err != nil {
		return nil, err
	}
	return rec.Replay(), nil
}

// replayTranscript is the replay as text: what the file holds, how every
// message ended, then each row (and the diagram, when asked).
func replayTranscript(rp *class.Replay, file string, draw model.ReplayDraw, diagram bool, width int, ascii bool) string {
	var b strings.Builder
	if diagram {
		b.WriteString(model.ReplayText(rp, file, draw, width, ascii))
	} else {
		b.WriteString(model.ReplayLog(rp, file, draw))
	}
	if ascii {
		return ui.ASCIIText(b.String())
	}
	return b.String()
}
