package ui

import (
	"fmt"
	"image/color"
	"math"

	"charm.land/lipgloss/v2"
)

// Theme names a colour scheme.
type Theme string

// The themes. HighContrast is for projectors; Mono is for NO_COLOR and
// carries every meaning with symbols and text attributes alone.
const (
	Dark         Theme = "dark"
	Light        Theme = "light"
	HighContrast Theme = "high-contrast"
	Mono         Theme = "mono"
)

// Themes lists the themes for flags and help.
var Themes = []Theme{Dark, Light, HighContrast, Mono}

// ParseTheme checks a theme name.
func ParseTheme(s string) (Theme, error) {
	for _, t := range Themes {
		if string(t) == s {
			return t, nil
		}
	}
	return "", fmt.Errorf("unknown theme %q: choose dark, light, high-contrast or mono", s)
}

// Symbols are the characters that carry meaning. ASCII swaps them all for
// fonts without box drawing or check marks.
type Symbols struct {
	Check, Cross, Pending, Arrow, BothWays, OneWayBack, Cut, Changed, Focus, Selected, Ellipsis, Left, Right, Dot string
}

// UnicodeSymbols and ASCIISymbols are the two symbol sets.
var (
	UnicodeSymbols = Symbols{Check: "✓", Cross: "✗", Pending: "⋯", Arrow: "→", BothWays: "↔", OneWayBack: "←", Cut: "╳", Changed: "●", Focus: "▶", Selected: "▸", Ellipsis: "…", Left: "◀", Right: "▶", Dot: "·"}
	ASCIISymbols   = Symbols{Check: "ok", Cross: "X", Pending: "...", Arrow: "->", BothWays: "<->", OneWayBack: "<-", Cut: "-x-", Changed: "*", Focus: ">", Selected: ">", Ellipsis: "...", Left: "<", Right: ">", Dot: "-"}
)

// Styles holds every style the screen uses, grouped by area and named by
// role, never by colour. The help bar, the help screen, the menus and the
// prompt take their styles from here too, so every theme covers them.
type Styles struct {
	Theme   Theme
	Symbols Symbols
	Border  lipgloss.Border

	App struct {
		Header, Title, Muted, Error, Notice, Key lipgloss.Style
	}
	Band struct {
		Title, Converged, Pending, Diverged, Lost lipgloss.Style
	}
	Replica struct {
		Box, BoxFocused, Name, NameFocused, Value, Conflict, Changed, Edits, Internals lipgloss.Style
		// Meta is the compact metadata line; Decisive the part of it that
		// decided the last merge; Clock a replica's skewed clock.
		Meta, Decisive, Clock lipgloss.Style
	}
	Network struct {
		Up, OneWay, Cut, InFlight lipgloss.Style
	}
	Pane struct {
		Title, TabActive, TabInactive, Text, Selected lipgloss.Style
	}
	Expect struct {
		Pass, Fail lipgloss.Style
	}
	// Diagram is the space-time diagram: replica lines, message arrows
	// (dim: nothing new for the plain lane), edits, the margin with each
	// row's tick, the current row, and links down.
	Diagram struct {
		Names, Lifeline, Arrow, ArrowDim, Dropped, InFlight, Edit, Declined, Label, Selected, Margin, Current, Cut lipgloss.Style
		// Yours is a student's message (the lab), labelled s1, s2, …
		Yours lipgloss.Style
	}
	// Help is the help bar and the help screen.
	Help struct {
		Key, Desc, Sep, Group lipgloss.Style
	}
	// Menu is the start menu and the type picker.
	Menu struct {
		Title, Item, ItemDesc, Selected, SelectedDesc, Dimmed, DimmedDesc, Match, Status lipgloss.Style
	}
	// Prompt is the : command line.
	Prompt struct {
		Prompt, Text, Suggestion, Placeholder lipgloss.Style
	}
}

// palette is a theme's colours. bg is the background the theme is made for
// (black for dark and high-contrast, white for light); every foreground is
// measured against it (see Contrast).
type palette struct {
	bg, fg, muted, accent, good, warn, bad, focus, conflictBg, conflictFg, tabFg color.Color
}

var (
	darkPalette = palette{bg: lipgloss.Color("#000000"), fg: lipgloss.Color("#e4e4e4"), muted: lipgloss.Color("#9e9e9e"),
		accent: lipgloss.Color("#b794ff"), good: lipgloss.Color("#5fd787"), warn: lipgloss.Color("#ffd75f"),
		bad: lipgloss.Color("#ff6b8b"), focus: lipgloss.Color("#5fafff"), conflictBg: lipgloss.Color("#5f0000"),
		conflictFg: lipgloss.Color("#ffd7d7"), tabFg: lipgloss.Color("#000000")}
	lightPalette = palette{bg: lipgloss.Color("#ffffff"), fg: lipgloss.Color("#1b1b1b"), muted: lipgloss.Color("#595959"),
		accent: lipgloss.Color("#5a3fc0"), good: lipgloss.Color("#0a6e2c"), warn: lipgloss.Color("#7a4f00"),
		bad: lipgloss.Color("#b00020"), focus: lipgloss.Color("#005fc4"), conflictBg: lipgloss.Color("#ffd7d7"),
		conflictFg: lipgloss.Color("#8b0000"), tabFg: lipgloss.Color("#ffffff")}
	highContrastPalette = palette{bg: lipgloss.Color("#000000"), fg: lipgloss.Color("#ffffff"), muted: lipgloss.Color("#d0d0d0"),
		accent: lipgloss.Color("#ffff00"), good: lipgloss.Color("#00ff00"), warn: lipgloss.Color("#ffaf00"),
		bad: lipgloss.Color("#ff8787"), focus: lipgloss.Color("#00ffff"), conflictBg: lipgloss.Color("#ffff00"),
		conflictFg: lipgloss.Color("#000000"), tabFg: lipgloss.Color("#000000")}
)

// Background is the background colour the theme is made for, or nil for
// mono, which sets no colour at all.
func (t Theme) Background() color.Color {
	if p, ok := t.palette(); ok {
		return p.bg
	}
	return nil
}

// Foreground is the theme's plain text colour, or nil for mono.
func (t Theme) Foreground() color.Color {
	if p, ok := t.palette(); ok {
		return p.fg
	}
	return nil
}

func (t Theme) palette() (palette, bool) {
	switch t {
	case Light:
		return lightPalette, true
	case Dark:
		return darkPalette, true
	case HighContrast:
		return highContrastPalette, true
	}
	return palette{}, false
}

// ANSIPalette is the theme as a terminal's 16 colours ("#rrggbb": black,
// red, green, yellow, blue, magenta, cyan, white, then the bright ones),
// for an asciicast's header: black is the darker of the foreground and
// background, white the lighter. Nil for mono.
func (t Theme) ANSIPalette() []string {
	p, ok := t.palette()
	if !ok {
		return nil
	}
	dark, light := p.bg, p.fg
	if luminance(dark) > luminance(light) {
		dark, light = light, dark
	}
	base := []color.Color{dark, p.bad, p.good, p.warn, p.focus, p.accent, p.focus, light}
	out := make([]string, 0, 16)
	for _, c := range append(base, append([]color.Color{p.muted}, base[1:]...)...) {
		out = append(out, Hex(c))
	}
	return out
}

// Hex writes a colour as "#rrggbb".
func Hex(c color.Color) string {
	r, g, b, _ := c.RGBA()
	return fmt.Sprintf("#%02x%02x%02x", r>>8, g>>8, b>>8)
}

// MinContrast is the WCAG 2 contrast ratio every foreground colour of the
// theme reaches against its background: 7:1 (AAA) for the projector theme,
// 4.5:1 (AA) for dark and light.
func (t Theme) MinContrast() float64 {
	if t == HighContrast {
		return 7
	}
	return 4.5
}

// Contrast is the WCAG 2 contrast ratio of two colours, from 1 to 21.
func Contrast(a, b color.Color) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// luminance is WCAG 2's relative luminance of an sRGB colour.
func luminance(c color.Color) float64 {
	r, g, b, _ := c.RGBA()
	lin := func(v uint32) float64 {
		x := float64(v) / 0xffff
		if x <= 0.03928 {
			return x / 12.92
		}
		return math.Pow((x+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}

// NewStyles builds the styles for a theme. ascii swaps the symbols and the
// box borders for plain ASCII.
func NewStyles(t Theme, ascii bool) Styles {
	s := Styles{Theme: t, Symbols: UnicodeSymbols, Border: lipgloss.RoundedBorder()}
	if ascii {
		s.Symbols = ASCIISymbols
		s.Border = lipgloss.ASCIIBorder()
	}
	focusBorder := lipgloss.ThickBorder()
	if t == Mono {
		focusBorder = lipgloss.DoubleBorder()
	}
	if ascii {
		focusBorder = lipgloss.Border{Top: "=", Bottom: "=", Left: "#", Right: "#", TopLeft: "#", TopRight: "#", BottomLeft: "#", BottomRight: "#"}
	}
	if t == Mono {
		monoStyles(&s, focusBorder)
		return s
	}
	p := darkPalette
	switch t {
	case Light:
		p = lightPalette
	case HighContrast:
		p = highContrastPalette
	}
	colourStyles(&s, p, t == HighContrast, focusBorder)
	return s
}

// monoStyles carries every meaning with bold, faint, reverse and underline:
// no colour code at all.
func monoStyles(s *Styles, focusBorder lipgloss.Border) {
	ns := lipgloss.NewStyle
	bold, faint, rev, under := ns().Bold(true), ns().Faint(true), ns().Reverse(true), ns().Underline(true)
	s.App.Header = rev.Bold(true)
	s.App.Title, s.App.Muted, s.App.Error, s.App.Notice, s.App.Key = bold, faint, bold.Underline(true), bold, bold
	s.Band.Title, s.Band.Converged, s.Band.Pending, s.Band.Diverged, s.Band.Lost = bold, bold, under, rev, rev
	box := ns().Border(s.Border).Padding(0, 1)
	s.Replica.Box = box
	s.Replica.BoxFocused = box.Border(focusBorder)
	s.Replica.Name, s.Replica.NameFocused = bold, bold.Underline(true)
	s.Replica.Value, s.Replica.Conflict, s.Replica.Changed = bold, rev.Bold(true), bold
	s.Replica.Edits, s.Replica.Internals = faint, ns()
	s.Replica.Meta, s.Replica.Decisive, s.Replica.Clock = ns(), rev.Bold(true), under
	s.Network.Up, s.Network.OneWay, s.Network.Cut, s.Network.InFlight = ns(), under, rev, bold
	s.Pane.Title, s.Pane.TabActive, s.Pane.TabInactive, s.Pane.Text, s.Pane.Selected = bold, rev.Padding(0, 1), ns().Padding(0, 1), ns(), rev
	s.Expect.Pass, s.Expect.Fail = ns(), rev
	s.Diagram.Names, s.Diagram.Lifeline, s.Diagram.Arrow, s.Diagram.ArrowDim = bold, faint, ns(), faint
	s.Diagram.Dropped, s.Diagram.InFlight, s.Diagram.Edit, s.Diagram.Declined = bold, under, bold, faint
	s.Diagram.Label, s.Diagram.Selected, s.Diagram.Margin, s.Diagram.Current, s.Diagram.Cut = ns(), rev, ns(), rev, bold
	s.Diagram.Yours = ns()
	s.Help.Key, s.Help.Desc, s.Help.Sep, s.Help.Group = bold, ns(), faint, bold.Underline(true)
	s.Menu.Title, s.Menu.Item, s.Menu.ItemDesc = rev.Bold(true).Padding(0, 1), ns(), faint
	s.Menu.Selected, s.Menu.SelectedDesc = bold.Reverse(true), rev
	s.Menu.Dimmed, s.Menu.DimmedDesc, s.Menu.Match, s.Menu.Status = faint, faint, under, faint
	s.Prompt.Prompt, s.Prompt.Text, s.Prompt.Suggestion, s.Prompt.Placeholder = bold, ns(), faint, faint
}

// colourStyles builds a colour theme from its palette. Every foreground is
// one of the palette's colours, each measured against the background.
func colourStyles(s *Styles, p palette, strong bool, focusBorder lipgloss.Border) {
	ns := lipgloss.NewStyle
	fg := func(c color.Color) lipgloss.Style { return ns().Foreground(c) }
	s.App.Header = fg(p.fg).Bold(true)
	s.App.Title = fg(p.accent).Bold(true)
	s.App.Muted = fg(p.muted)
	s.App.Error = fg(p.bad).Bold(true)
	s.App.Notice = fg(p.warn).Bold(true)
	s.App.Key = fg(p.accent).Bold(true)
	s.Band.Title = fg(p.accent).Bold(true)
	s.Band.Converged = fg(p.good).Bold(true)
	s.Band.Pending = fg(p.warn).Bold(true)
	s.Band.Diverged = fg(p.bad).Bold(true)
	s.Band.Lost = fg(p.bad).Bold(true)
	box := ns().Border(s.Border).BorderForeground(p.muted).Padding(0, 1)
	if strong {
		box = box.BorderForeground(p.fg)
	}
	s.Replica.Box = box
	s.Replica.BoxFocused = box.Border(focusBorder).BorderForeground(p.focus)
	s.Replica.Name = fg(p.fg).Bold(true)
	s.Replica.NameFocused = fg(p.focus).Bold(true).Underline(strong)
	s.Replica.Value = fg(p.fg).Bold(true)
	s.Replica.Conflict = fg(p.conflictFg).Background(p.conflictBg).Bold(true)
	s.Replica.Changed = fg(p.warn).Bold(true)
	s.Replica.Edits = fg(p.muted)
	s.Replica.Internals = fg(p.accent)
	s.Replica.Meta = fg(p.accent)
	s.Replica.Decisive = fg(p.warn).Bold(true).Underline(true)
	s.Replica.Clock = fg(p.warn)
	s.Network.Up = fg(p.good)
	s.Network.OneWay = fg(p.warn).Bold(true)
	s.Network.Cut = fg(p.bad).Bold(true)
	s.Network.InFlight = fg(p.warn).Bold(true)
	s.Pane.Title = fg(p.accent).Bold(true)
	s.Pane.TabActive = fg(p.tabFg).Background(p.accent).Bold(true).Padding(0, 1)
	s.Pane.TabInactive = fg(p.muted).Padding(0, 1)
	s.Pane.Text = fg(p.fg)
	s.Pane.Selected = fg(p.focus).Bold(true)
	s.Expect.Pass = fg(p.good).Bold(true)
	s.Expect.Fail = fg(p.bad).Bold(true)
	s.Diagram.Names = fg(p.fg).Bold(true)
	s.Diagram.Lifeline = fg(p.muted)
	s.Diagram.Arrow = fg(p.focus)
	s.Diagram.ArrowDim = fg(p.muted)
	s.Diagram.Dropped = fg(p.bad).Bold(true)
	s.Diagram.InFlight = fg(p.warn).Bold(true)
	s.Diagram.Edit = fg(p.warn).Bold(true)
	s.Diagram.Declined = fg(p.muted)
	s.Diagram.Label = fg(p.fg)
	s.Diagram.Selected = fg(p.accent).Bold(true).Underline(true)
	s.Diagram.Margin = fg(p.muted)
	s.Diagram.Current = fg(p.fg).Bold(true)
	s.Diagram.Cut = fg(p.bad).Bold(true)
	s.Diagram.Yours = fg(p.accent)
	s.Help.Key = fg(p.accent).Bold(true)
	s.Help.Desc = fg(p.muted)
	s.Help.Sep = fg(p.muted)
	s.Help.Group = fg(p.fg).Bold(true).Underline(true)
	s.Menu.Title = fg(p.tabFg).Background(p.accent).Bold(true).Padding(0, 1)
	s.Menu.Item = fg(p.fg)
	s.Menu.ItemDesc = fg(p.muted)
	s.Menu.Selected = fg(p.focus).Bold(true)
	s.Menu.SelectedDesc = fg(p.focus)
	s.Menu.Dimmed = fg(p.muted)
	s.Menu.DimmedDesc = fg(p.muted)
	s.Menu.Match = fg(p.warn).Underline(true)
	s.Menu.Status = fg(p.muted)
	s.Prompt.Prompt = fg(p.accent).Bold(true)
	s.Prompt.Text = fg(p.fg)
	s.Prompt.Suggestion = fg(p.muted)
	s.Prompt.Placeholder = fg(p.muted)
}
