package ui

import (
	"fmt"
	"image/color"

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
// role, never by colour.
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
}

type palette struct {
	fg, muted, accent, good, warn, bad, focus, conflictBg, conflictFg color.Color
}

// NewStyles builds the styles for a theme. ascii swaps the symbols and the
// box borders for plain ASCII.
func NewStyles(t Theme, ascii bool) Styles {
	s := Styles{Theme: t, Symbols: UnicodeSymbols, Border: lipgloss.RoundedBorder()}
	if ascii {
		s.Symbols = ASCIISymbols
		s.Border = lipgloss.ASCIIBorder()
	}
	ns := lipgloss.NewStyle
	if t == Mono {
		bold := ns().Bold(true)
		s.App.Header = ns().Reverse(true).Bold(true)
		s.App.Title, s.App.Muted, s.App.Error, s.App.Notice, s.App.Key = bold, ns().Faint(true), ns().Bold(true).Underline(true), bold, bold
		s.Band.Title, s.Band.Converged, s.Band.Pending, s.Band.Diverged, s.Band.Lost = bold, bold, ns().Underline(true), ns().Reverse(true), ns().Reverse(true)
		box := ns().Border(s.Border).Padding(0, 1)
		s.Replica.Box = box
		focusBorder := lipgloss.DoubleBorder()
		if ascii {
			focusBorder = lipgloss.Border{Top: "=", Bottom: "=", Left: "#", Right: "#", TopLeft: "#", TopRight: "#", BottomLeft: "#", BottomRight: "#"}
		}
		s.Replica.BoxFocused = box.Border(focusBorder)
		s.Replica.Name, s.Replica.NameFocused = bold, bold.Underline(true)
		s.Replica.Value, s.Replica.Conflict, s.Replica.Changed = bold, ns().Reverse(true).Bold(true), bold
		s.Replica.Edits, s.Replica.Internals = ns().Faint(true), ns()
		s.Replica.Meta, s.Replica.Decisive, s.Replica.Clock = ns(), ns().Reverse(true).Bold(true), ns().Underline(true)
		s.Network.Up, s.Network.OneWay, s.Network.Cut, s.Network.InFlight = ns(), ns().Underline(true), ns().Reverse(true), bold
		s.Pane.Title, s.Pane.TabActive, s.Pane.TabInactive, s.Pane.Text, s.Pane.Selected = bold, ns().Reverse(true).Padding(0, 1), ns().Padding(0, 1), ns(), ns().Reverse(true)
		s.Expect.Pass, s.Expect.Fail = ns(), ns().Reverse(true)
		return s
	}
	var p palette
	switch t {
	case Light:
		p = palette{fg: lipgloss.Color("#1b1b1b"), muted: lipgloss.Color("#5f5f5f"), accent: lipgloss.Color("#5a3fc0"), good: lipgloss.Color("#0a6e2c"),
			warn: lipgloss.Color("#8a5a00"), bad: lipgloss.Color("#b00020"), focus: lipgloss.Color("#005fd7"), conflictBg: lipgloss.Color("#ffd7d7"), conflictFg: lipgloss.Color("#8b0000")}
	case HighContrast:
		p = palette{fg: lipgloss.Color("#ffffff"), muted: lipgloss.Color("#d0d0d0"), accent: lipgloss.Color("#ffff00"), good: lipgloss.Color("#00ff00"),
			warn: lipgloss.Color("#ffaf00"), bad: lipgloss.Color("#ff5f5f"), focus: lipgloss.Color("#00ffff"), conflictBg: lipgloss.Color("#ffff00"), conflictFg: lipgloss.Color("#000000")}
	default:
		p = palette{fg: lipgloss.Color("#e4e4e4"), muted: lipgloss.Color("#8a8a8a"), accent: lipgloss.Color("#af87ff"), good: lipgloss.Color("#5fd787"),
			warn: lipgloss.Color("#ffd75f"), bad: lipgloss.Color("#ff5f87"), focus: lipgloss.Color("#5fafff"), conflictBg: lipgloss.Color("#5f0000"), conflictFg: lipgloss.Color("#ffd7d7")}
	}
	strong := t == HighContrast
	s.App.Header = ns().Foreground(p.fg).Bold(true)
	s.App.Title = ns().Foreground(p.accent).Bold(true)
	s.App.Muted = ns().Foreground(p.muted)
	s.App.Error = ns().Foreground(p.bad).Bold(true)
	s.App.Notice = ns().Foreground(p.warn).Bold(true)
	s.App.Key = ns().Foreground(p.accent).Bold(true)
	s.Band.Title = ns().Foreground(p.accent).Bold(true)
	s.Band.Converged = ns().Foreground(p.good).Bold(true)
	s.Band.Pending = ns().Foreground(p.warn).Bold(true)
	s.Band.Diverged = ns().Foreground(p.bad).Bold(true)
	s.Band.Lost = ns().Foreground(p.bad).Bold(true)
	box := ns().Border(s.Border).BorderForeground(p.muted).Padding(0, 1)
	if strong {
		box = box.BorderForeground(p.fg)
	}
	s.Replica.Box = box
	focusBorder := lipgloss.ThickBorder()
	if ascii {
		focusBorder = lipgloss.Border{Top: "=", Bottom: "=", Left: "#", Right: "#", TopLeft: "#", TopRight: "#", BottomLeft: "#", BottomRight: "#"}
	}
	s.Replica.BoxFocused = box.Border(focusBorder).BorderForeground(p.focus)
	s.Replica.Name = ns().Foreground(p.fg).Bold(true)
	s.Replica.NameFocused = ns().Foreground(p.focus).Bold(true).Underline(strong)
	s.Replica.Value = ns().Foreground(p.fg).Bold(true)
	s.Replica.Conflict = ns().Foreground(p.conflictFg).Background(p.conflictBg).Bold(true)
	s.Replica.Changed = ns().Foreground(p.warn).Bold(true)
	s.Replica.Edits = ns().Foreground(p.muted)
	s.Replica.Internals = ns().Foreground(p.accent)
	s.Replica.Meta = ns().Foreground(p.accent)
	s.Replica.Decisive = ns().Foreground(p.warn).Bold(true).Underline(true)
	s.Replica.Clock = ns().Foreground(p.warn)
	s.Network.Up = ns().Foreground(p.good)
	s.Network.OneWay = ns().Foreground(p.warn).Bold(true)
	s.Network.Cut = ns().Foreground(p.bad).Bold(true)
	s.Network.InFlight = ns().Foreground(p.warn).Bold(true)
	s.Pane.Title = ns().Foreground(p.accent).Bold(true)
	s.Pane.TabActive = ns().Foreground(p.fg).Background(p.accent).Bold(true).Padding(0, 1)
	if t == Dark || strong {
		s.Pane.TabActive = s.Pane.TabActive.Foreground(lipgloss.Color("#000000"))
	}
	s.Pane.TabInactive = ns().Foreground(p.muted).Padding(0, 1)
	s.Pane.Text = ns().Foreground(p.fg)
	s.Pane.Selected = ns().Foreground(p.focus).Bold(true)
	s.Expect.Pass = ns().Foreground(p.good).Bold(true)
	s.Expect.Fail = ns().Foreground(p.bad).Bold(true)
	return s
}
