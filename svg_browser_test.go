package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"crdtviz/ui"
)

// TestSVGTitleFits: in a real browser, an SVG diagram's title and note
// lines end inside the sheet, however wide their letters: a replay's title
// ends in the join code, all capitals and digits, which the sheet once cut
// short (review defect 8).
func TestSVGTitleFits(t *testing.T) {
	ctx, _ := browser(t, 1800, 400, false)
	d := ui.BuildDiagram(ui.DiagramInput{Names: []string{"Teacher", "Ada"}})
	for i, o := range []ui.SVGOptions{
		{Title: "room1.rec: or-set (delta), 4 laptops, teacher Teacher, code DKX4-1SX9-MEDA-WW8C",
			Note: "521 messages: 491 received, 30 dropped by the partition, 0 lost on the way; 49 duplicates.\nRows: Lamport time (causal order)."},
		{Title: "CODE DKX4-1SX9-MEDA-WW8C MWMW-WWMM-0000-8888 QQQQ", Note: "WWWW MMMM 0000 8888 QQQQ OOOO WWWW MMMM 0000 8888"},
	} {
		path := filepath.Join(t.TempDir(), fmt.Sprintf("t%d.svg", i))
		if err := os.WriteFile(path, []byte(ui.DiagramSVG(d, o)), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx, chromedp.Navigate("file://"+path)); err != nil {
			t.Fatal(err)
		}
		// The right edge of each heading line, and the sheet's width.
		got := js[[]float64](t, ctx, `(() => {
			const svg = document.querySelector("svg");
			const out = [svg.width.baseVal.value];
			for (const el of svg.querySelectorAll(":scope > text")) { const b = el.getBBox(); out.push(b.x + b.width); }
			return out; })()`)
		if len(got) < 2 {
			t.Fatalf("no heading in %s", path)
		}
		for _, right := range got[1:] {
			if right > got[0] {
				src, _ := os.ReadFile(path)
				t.Errorf("a heading line ends at %.0f px, past the sheet's %.0f px: %s", right, got[0], strings.SplitN(string(src), "\n", 4)[2])
			}
		}
	}
}
