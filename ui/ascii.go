package ui

import (
	"strings"
	"unicode/utf8"
)

// asciiPairs is the one mapping from the symbols crdtviz writes (in its
// own words, the engine's sentences, the demos' narration) to ASCII, for
// --ascii: the screen, casts, transcripts and handout diagrams all go
// through it, so a sentence is written once and translated where it is
// shown. Longer keys come first where one is a prefix of another.
var asciiPairs = []string{
	"↑/↓", "up/down", "↑↓", "up/down", "↑", "up", "↓", "down",
	"→", "->", "←", "<-", "↔", "<->", "↮", "-x-",
	"✓", "ok", "✗", "X", "⋯", "...", "…", "...", "⋮", ":",
	"·", "-", "•", "|", "›", ">", "‹", "<", "−", "-", "–", "-", "—", "--",
	"●", "*", "○", "o", "×", "x", "▸", ">", "▶", ">", "◀", "<", "▷", ">", "◁", "<",
	"╳", "-x-", "│", "|", "─", "-", "╲", "\\", "╱", "/",
	"≤", "<=", "≥", ">=", "≠", "!=",
	"‘", "'", "’", "'", "“", "\"", "”", "\"",
}

var asciiReplacer = strings.NewReplacer(asciiPairs...)

// ASCIIText translates text for an ASCII-only terminal: each symbol to its
// ASCII spelling (→ to ->, ✓ to ok, · to -), and any other character
// beyond ASCII, such as an accented letter in a value, to '?'. Escape codes
// are ASCII and pass through.
func ASCIIText(text string) string {
	if isASCII(text) {
		return text
	}
	text = asciiReplacer.Replace(text)
	if isASCII(text) {
		return text
	}
	var b strings.Builder
	for _, r := range text {
		if r < utf8.RuneSelf {
			b.WriteRune(r)
		} else {
			b.WriteByte('?')
		}
	}
	return b.String()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// Text is text as these styles show it: unchanged, or in ASCII under
// --ascii. Everything that reaches the screen from outside ui (a value, a
// sentence, a narration) passes through it before it is measured.
func (s Styles) Text(text string) string {
	if s.Symbols == ASCIISymbols {
		return ASCIIText(text)
	}
	return text
}

// ASCII reports whether these styles are ASCII only.
func (s Styles) ASCII() bool { return s.Symbols == ASCIISymbols }

// oneCell spells the symbols whose ASCII spelling is longer than one
// character in one, for text that another package has already laid out.
var oneCell = map[rune]byte{'…': '.', '⋯': ':', '→': '>', '←': '<', '↔': '=', '↮': 'X', '✓': '+', '↑': '^', '↓': 'v', '╳': 'X', '—': '-'}

// ASCIICells is ASCIIText for text already laid out by another package
// (the start menu's list): each character becomes one ASCII character, so
// that every line keeps its width.
func ASCIICells(text string) string {
	if isASCII(text) {
		return text
	}
	var b strings.Builder
	for _, r := range text {
		switch rep := ASCIIText(string(r)); {
		case r < utf8.RuneSelf || len(rep) == 1:
			b.WriteString(rep)
		case oneCell[r] != 0:
			b.WriteByte(oneCell[r])
		default:
			b.WriteByte('?')
		}
	}
	return b.String()
}
