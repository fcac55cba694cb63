package replicas

import (
	"fmt"
	"strings"
	"unicode"
)

// Names a reader cannot see. A name is read off a screen, so two names
// that print alike are one name, and a name that prints as nothing is no
// name at all. Some code points print nothing: Unicode's
// Default_Ignorable_Code_Point (the combining grapheme joiner U+034F, the
// Khmer inherent vowels U+17B4 and U+17B5, the Hangul fillers U+115F,
// U+1160, U+3164 and U+FFA0, the format characters) and the variation
// selectors (U+FE00 to U+FE0F, U+E0100 to U+E01EF). "Ada" followed by a
// variation selector prints as "Ada"; a Hangul filler alone prints as a
// blank. Others print a blank: every space, and the blank braille pattern
// U+2800.
//
// So a name's key (SameName) and its confusable skeleton
// (demos.LookAlike) leave out the code points that print nothing, as
// Unicode TR39 does, and read a blank braille pattern as a space; a name
// must hold at least one code point that prints something of its own (a
// letter, a digit, a symbol: not a blank, nor a combining mark alone);
// and QuoteName writes the hidden and blank ones as \u escapes.

// Hidden reports whether r prints nothing: a Default_Ignorable code point
// or a variation selector.
func Hidden(r rune) bool {
	return unicode.In(r, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector, unicode.Cf)
}

// blank reports whether r prints a blank: a space, or the blank braille
// pattern.
func blank(r rune) bool { return unicode.IsSpace(r) || r == '\u2800' }

// printsAlone reports whether r prints something of its own: a graphic
// code point that is neither hidden, nor blank, nor a combining mark.
func printsAlone(r rune) bool {
	return unicode.IsGraphic(r) && !unicode.IsMark(r) && !Hidden(r) && !blank(r)
}

// escaped reports whether QuoteName writes r as an escape: hidden, or a
// blank other than U+0020.
func escaped(r rune) bool { return Hidden(r) || r != ' ' && blank(r) }

// withoutHidden is a name as a reader sees it: without its hidden code
// points, a blank braille pattern read as a space.
func withoutHidden(n string) string {
	if !strings.ContainsFunc(n, escaped) {
		return n
	}
	return strings.Map(func(r rune) rune {
		switch {
		case Hidden(r):
			return -1
		case r == '\u2800':
			return ' '
		}
		return r
	}, n)
}

// checkVisible refuses a name that prints as nothing, or as marks alone.
func checkVisible(n string) error {
	if strings.ContainsFunc(n, printsAlone) {
		return nil
	}
	if n == "" {
		return fmt.Errorf("a replica name cannot be empty")
	}
	return fmt.Errorf("replica name %s shows no letter, digit or symbol of its own (written %s): a name must be visible", QuoteName(n), codePoints(n))
}

// quoteEscaped writes a name as a quoted string with its hidden code
// points, and a combining mark that would sit on the opening quote, as
// \u escapes (\U for those past U+FFFF), which the scenario language reads.
func quoteEscaped(n string) string {
	var b strings.Builder
	b.WriteByte('"')
	first := true
	for _, r := range n {
		switch {
		case escaped(r) && r != '\t' && r != '\n' && r != '\r', first && unicode.IsMark(r):
			if r > 0xFFFF {
				fmt.Fprintf(&b, `\U%08X`, r)
			} else {
				fmt.Fprintf(&b, `\u%04X`, r)
			}
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		default:
			b.WriteRune(r)
		}
		first = false
	}
	b.WriteByte('"')
	return b.String()
}
