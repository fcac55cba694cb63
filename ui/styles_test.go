package ui

import (
	"image/color"
	"reflect"
	"regexp"
	"testing"

	"charm.land/lipgloss/v2"
)

// eachStyle calls f with every lipgloss.Style in s, named by its path.
func eachStyle(s Styles, f func(name string, st lipgloss.Style)) {
	var walk func(prefix string, v reflect.Value)
	walk = func(prefix string, v reflect.Value) {
		switch v.Kind() {
		case reflect.Struct:
			if st, ok := v.Interface().(lipgloss.Style); ok {
				f(prefix, st)
				return
			}
			for i := range v.NumField() {
				if v.Type().Field(i).IsExported() {
					walk(prefix+"."+v.Type().Field(i).Name, v.Field(i))
				}
			}
		}
	}
	walk("Styles", reflect.ValueOf(s))
}

func isColour(c color.Color) bool {
	_, none := c.(lipgloss.NoColor)
	return c != nil && !none
}

// TestThemeContrast measures every foreground colour of every theme with
// the WCAG 2 contrast ratio: against the style's own background when it has
// one, else against the theme's background (black for dark and
// high-contrast, white for light). High-contrast reaches 7:1, dark and
// light 4.5:1. That covers the help bar, the help screen, dimmed text and
// the menus, whose styles live in Styles too.
func TestThemeContrast(t *testing.T) {
	for _, th := range []Theme{Dark, Light, HighContrast} {
		for _, ascii := range []bool{false, true} {
			s := NewStyles(th, ascii)
			checked := 0
			eachStyle(s, func(name string, st lipgloss.Style) {
				bg := th.Background()
				if isColour(st.GetBackground()) {
					bg = st.GetBackground()
				}
				for what, fg := range map[string]color.Color{"foreground": st.GetForeground(), "border": st.GetBorderTopForeground()} {
					if !isColour(fg) {
						continue
					}
					checked++
					if r := Contrast(fg, bg); r < th.MinContrast() {
						t.Errorf("%s: %s %s %v on %v has contrast %.2f:1, below %.1f:1", th, name, what, fg, bg, r, th.MinContrast())
					}
				}
			})
			if checked < 40 {
				t.Fatalf("%s: only %d colours measured", th, checked)
			}
		}
	}
}

func TestContrastIsWCAG(t *testing.T) {
	black, white := lipgloss.Color("#000000"), lipgloss.Color("#ffffff")
	if r := Contrast(black, white); r < 20.99 || r > 21.01 {
		t.Fatalf("black on white is %.3f:1, want 21:1", r)
	}
	if r := Contrast(lipgloss.Color("#777777"), white); r < 4.47 || r > 4.49 {
		t.Fatalf("#777 on white is %.3f:1, want 4.48:1", r)
	}
	// The old high-contrast help bar: xterm 241 on black is about 2.9:1.
	if r := Contrast(lipgloss.Color("#626262"), black); r > 3.5 {
		t.Fatalf("#626262 on black is %.2f:1", r)
	}
}

// sgrColour matches a colour SGR parameter: 30–37, 39, 40–47, 49, 90–97,
// 100–107, or 38;… / 48;… (256 and true colour).
var sgrColour = regexp.MustCompile(`\x1b\[([0-9;:]*;)?(3[0-9]|4[0-9]|9[0-7]|10[0-7])(;[0-9;:]*)?m`)

// TestMonoHasNoColour: every mono style renders without a colour code,
// only bold, faint, reverse and underline.
func TestMonoHasNoColour(t *testing.T) {
	for _, ascii := range []bool{false, true} {
		s := NewStyles(Mono, ascii)
		eachStyle(s, func(name string, st lipgloss.Style) {
			if isColour(st.GetForeground()) || isColour(st.GetBackground()) || isColour(st.GetBorderTopForeground()) {
				t.Errorf("mono: %s sets a colour", name)
			}
			if out := st.Render("x"); sgrColour.MatchString(out) {
				t.Errorf("mono: %s renders a colour code: %q", name, out)
			}
		})
	}
}
