package replicas

import (
	"fmt"
	"strings"
	"unicode"
)

// Names a reader cannot see. A name is read off a screen, so two names
// that print alike are one name, and a name that prints as nothing is no
// name at all. Some code points print nothing by themselves: Unicode's
// Default_Ignorable_Code_Point (the combining grapheme joiner U+034F, the
// Khmer inherent vowels U+17B4 and U+17B5, the Hangul fillers U+115F,
// U+1160, U+3164 and U+FFA0, the variation selectors U+FE00 to U+FE0F and
// U+E0100 to U+E01EF, the format characters), the blank braille pattern
// U+2800, and every space but U+0020. "Ada" followed by a variation
// selector prints as "Ada"; a Hangul filler alone prints as a blank.
//
// So a name's key (SameName) and its confusable skeleton
// (demos.LookAlike) leave these out, a name must hold at least one code
// point that prints something of its own (a letter, a digit, a symbol: not
// a combining mark alone), and QuoteName writes them as \u escapes.

// Hidden reports whether r prints nothing by itself: a Default_Ignorable
// code point, a variation selector, a space other than U+0020, or the
// blank braille pattern.
func Hidden(r rune) bool {
	switch {
	case r == ' ':
		return false
	case r == '\u2800', unicode.IsSpace(r):
		return true
	}
	return unicode.In(r, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector, unicode.Cf)
}

// printsAlone reports whether r prints something of its own: a graphic
// code point that is neither hidden nor a combining mark.
func printsAlone(r rune) bool {
	return unicode.IsGraphic(r) && !unicode.IsMark(r) && !Hidden(r)
}

// withoutHidden is a name without its hidden code points: what a reader
// sees of it.
func withoutHidden(n string) string {
	if !strings.ContainsFunc(n, Hidden) {
		return n
	}
	return strings.Map(func(r rune) rune {
		if Hidden(r) {
			return -1
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
		case Hidden(r) && r != '\t', first && unicode.IsMark(r):
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
