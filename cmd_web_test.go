package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// crdtviz cast --html writes one page, atomically; a name ending in .html
// asks for one too; - writes it to standard output.
func TestCastHTMLCommand(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		path string
		args []string
	}{
		{filepath.Join(dir, "a.page"), []string{"--html"}},
		{filepath.Join(dir, "b.html"), []string{"--theme", "light", "--no-ask"}},
	} {
		args := append([]string{"cast", "seed", "-o", c.path}, c.args...)
		if code, _, errs := runCLI(args...); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
		page, err := os.ReadFile(c.path)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(page), "<!DOCTYPE html>") || !strings.Contains(string(page), `id="lesson-data"`) || strings.Count(string(page), "<svg") < 2 {
			t.Errorf("%v: not a lesson page: %.200s", args, page)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("files left: %v", entries)
	}
	code, out, _ := runCLI("cast", "seed", "--html", "-o", "-", "--size", "80x24")
	if code != 0 || !strings.HasPrefix(out, "<!DOCTYPE html>") || !strings.Contains(out, `\"width\":80`) {
		t.Errorf("cast --html -o -: exit %d, %.200q", code, out)
	}
}

// crdtviz demo --svg writes the diagram: to a file, to standard output,
// or to a file beside the transcript; never half a file for a run that
// stopped.
func TestDemoSVGCommand(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "p.svg")
	if code, out, errs := runCLI("demo", "partition", "--svg", "-o", file); code != 0 || out != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
	svg, err := os.ReadFile(file)
	if err != nil || !strings.HasPrefix(string(svg), `<?xml version="1.0" encoding="UTF-8"?>`) || !strings.Contains(string(svg), `<g class="cut">`) || !strings.HasSuffix(string(svg), "</svg>\n") {
		t.Fatalf("%v: %.200s", err, svg)
	}
	if code, out, _ := runCLI("demo", "seed", "--svg", "-o", "-"); code != 0 || !strings.Contains(out, "<svg") || !strings.Contains(out, "Three servers, one movie") {
		t.Errorf("--svg -o -: exit %d, %.100q", code, out)
	}
	both := filepath.Join(dir, "seed.svg")
	code, out, errs := runCLI("demo", "seed", "--transcript", "--diagram", "--svg", "-o", both)
	if code != 0 || !strings.Contains(out, "Space-time diagram") || !strings.Contains(out, "passed, 0 failed") {
		t.Errorf("--transcript --diagram --svg: exit %d, %q, %q", code, out, errs)
	}
	if _, err := os.Stat(both); err != nil {
		t.Error(err)
	}
	stops := writeTestFile(t, "rt.demo", "title t\ntype g-counter\nreplicas A B\nstep s\ndeliver A -> B\n")
	if code, _, _ := runCLI("demo", stops, "--svg", "-o", filepath.Join(dir, "rt.svg")); code != 2 {
		t.Errorf("a run that stops: exit %d", code)
	}
	if _, err := os.Stat(filepath.Join(dir, "rt.svg")); err == nil {
		t.Error("a run that stopped left an SVG")
	}
}

// A page grows with its frames as the cast does: each point's diagram
// shows the newest ticks only, so a long lesson (here 120 steps of a few
// KB) gives a page a few times its cast, not the square of its length.
func TestCastHTMLBounded(t *testing.T) {
	var src strings.Builder
	src.WriteString("title Long\ntype g-counter\nreplicas A B C\n")
	for i := range 120 {
		fmt.Fprintf(&src, "step \"Round %d: everyone syncs.\"\nedit A inc 1\nsync all\n", i+1)
	}
	file := writeTestFile(t, "long.demo", src.String())
	dir := t.TempDir()
	page, cast := filepath.Join(dir, "long.html"), filepath.Join(dir, "long.cast")
	for _, out := range []string{page, cast} {
		if code, _, errs := runCLI("cast", file, "-o", out, "--step", "1s"); code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
	}
	p, _ := os.Stat(page)
	c, _ := os.Stat(cast)
	if p.Size() > 4*c.Size()+600<<10 {
		t.Errorf("the page is %d bytes for a cast of %d", p.Size(), c.Size())
	}
	body, _ := os.ReadFile(page)
	if !strings.Contains(string(body), "earlier actions not shown") {
		t.Error("no diagram says that it leaves earlier actions out")
	}
}
