package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"pgregory.net/rapid"
)

// TestLayoutTilesTheScreen: for any size and replica count, the regions are
// stacked without gaps or overlap, fill the height exactly, and the boxes
// fit the width.
func TestLayoutTilesTheScreen(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		w, h := rapid.IntRange(1, 400).Draw(rt, "w"), rapid.IntRange(1, 150).Draw(rt, "h")
		n := rapid.IntRange(2, 8).Draw(rt, "n")
		l := Compute(w, h, n, rapid.Bool().Draw(rt, "internals"))
		if l != Compute(w, h, n, l.Internals > 0) && l.Internals > 0 {
			rt.Fatal("Compute is not pure")
		}
		if l.TooSmall {
			if w >= MinWidth && h >= MinHeight+4 {
				rt.Fatalf("%dx%d with %d replicas is called too small", w, h, n)
			}
			return
		}
		y := 0
		for _, r := range []Rect{l.Header, l.PlainTitle, l.PlainBoxes, l.CRDTTitle, l.CRDTBoxes, l.Network, l.Pane, l.Status, l.Bar} {
			if r.Y != y || r.W != w || r.H < 1 {
				rt.Fatalf("region %+v at y=%d in %dx%d", r, y, w, h)
			}
			y += r.H
		}
		if y != h || l.Pane.H < MinPane {
			rt.Fatalf("regions cover %d of %d lines; pane %d", y, h, l.Pane.H)
		}
		used := l.Columns * l.BoxW
		if l.Scroll {
			used += 2
		}
		if used > w || l.BoxW < MinBoxWidth || l.Columns < 1 || l.Columns > n || (l.Columns < n) != l.Scroll {
			rt.Fatalf("%d columns of %d in %d (scroll %v)", l.Columns, l.BoxW, w, l.Scroll)
		}
	})
}

func TestLayoutBreakpoints(t *testing.T) {
	for _, tc := range []struct{ w, h, n, cols int }{{80, 24, 3, 3}, {120, 36, 5, 5}, {200, 50, 8, 8}, {80, 24, 8, 4}} {
		l := Compute(tc.w, tc.h, tc.n, false)
		if l.TooSmall || l.Columns != tc.cols {
			t.Errorf("%dx%d with %d replicas: %d columns (too small %v), want %d", tc.w, tc.h, tc.n, l.Columns, l.TooSmall, tc.cols)
		}
	}
	if l := Compute(MinWidth-1, 40, 3, false); !l.TooSmall {
		t.Error("narrower than MinWidth must be too small")
	}
	if l := Compute(100, MinHeight-1, 3, false); !l.TooSmall {
		t.Error("shorter than MinHeight must be too small")
	}
}

func TestFitIsExact(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		parts := rapid.SliceOfN(rapid.SampledFrom([]string{"a", "b", " ", "界", "😀", "é", "\n", "\x1b[1m", "\x1b[0m", "\x1b[38;5;200m"}), 0, 60).Draw(rt, "parts")
		text := strings.Join(parts, "")
		w, h := rapid.IntRange(1, 30).Draw(rt, "w"), rapid.IntRange(1, 8).Draw(rt, "h")
		out := fit(text, w, h)
		lines := splitLines(out)
		if len(lines) != h {
			rt.Fatalf("%d lines, want %d", len(lines), h)
		}
		for _, ln := range lines {
			if got := ansi.StringWidth(ln); got != w {
				rt.Fatalf("line %q is %d wide, want %d", ln, got, w)
			}
		}
	})
}

func splitLines(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}
