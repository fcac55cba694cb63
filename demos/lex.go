package demos

import (
	"fmt"

	"crdtviz/crdt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Pos is a place in a scenario file. Line and Col count from 1; Col counts
// Unicode code points.
type Pos struct {
	File      string
	Line, Col int
}

func (p Pos) String() string { return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col) }

// Error is a parse or runtime error in a scenario, with its place.
type Error struct {
	Pos Pos
	Msg string
}

func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

type tokKind int

const (
	tWord   tokKind = iota // a bare word: keywords, names, numbers, ->
	tString                // a double-quoted string, unescaped
	tPunct                 // one of { } , : | =
)

type token struct {
	kind tokKind
	text string
	col  int
}

// describe names a token for error messages.
func (t token) describe() string {
	switch t.kind {
	case tString:
		return "the string " + strings.TrimSpace(fmt.Sprintf("%q", t.text))
	case tPunct:
		return "\"" + t.text + "\""
	}
	return "\"" + t.text + "\""
}

const punct = "{},:|="

// isControl reports whether r is a control character, which no token may
// hold (a quoted string may hold a tab). It is the one definition the
// lexer and the replica-name check share (crdt.IsControl).
func isControl(r rune) bool { return crdt.IsControl(r) }

// isBareRune reports whether r can be part of a bare word.
func isBareRune(r rune) bool {
	return !unicode.IsSpace(r) && !strings.ContainsRune(punct+"\"#", r) && !isControl(r)
}

// lexLine splits one line into tokens. A # outside quotes starts a comment.
// On an error it returns the column and the message.
func lexLine(line string) ([]token, int, string) {
	if col := invalidUTF8(line); col > 0 {
		return nil, col, "the file is not valid UTF-8 text"
	}
	var toks []token
	rs := []rune(line)
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case unicode.IsSpace(r):
			i++
		case isControl(r):
			return nil, i + 1, fmt.Sprintf("unexpected control character U+%04X", r)
		case r == '#':
			return toks, 0, ""
		case strings.ContainsRune(punct, r):
			toks = append(toks, token{kind: tPunct, text: string(r), col: i + 1})
			i++
		case r == '"':
			tok, next, col, msg := lexString(rs, i)
			if msg != "" {
				return nil, col, msg
			}
			toks, i = append(toks, tok), next
		default:
			start := i
			for i < len(rs) && isBareRune(rs[i]) {
				i++
			}
			toks = append(toks, token{kind: tWord, text: string(rs[start:i]), col: start + 1})
		}
	}
	return toks, 0, ""
}

// invalidUTF8 returns the column of the first byte that is not UTF-8, or 0.
func invalidUTF8(line string) int {
	if utf8.ValidString(line) {
		return 0
	}
	col := 1
	for i, r := range line {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(line[i:]); size == 1 {
				return col
			}
		}
		col++
	}
	return 0
}

// lexString reads the quoted string that starts at rs[start] (a "). It
// returns the token and the index after the closing quote, or an error's
// column and message.
func lexString(rs []rune, start int) (token, int, int, string) {
	var b strings.Builder
	for i := start + 1; i < len(rs); {
		c := rs[i]
		switch {
		case c == '"':
			return token{kind: tString, text: b.String(), col: start + 1}, i + 1, 0, ""
		case c == '\\':
			if i+1 >= len(rs) {
				return token{}, 0, start + 1, "this string has no closing quote"
			}
			switch rs[i+1] {
			case '"', '\\':
				b.WriteRune(rs[i+1])
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case 'u', 'U':
				// \u0301, \U000E0100: how a name's invisible code points are
				// written (replicas.QuoteName).
				n := 4
				if rs[i+1] == 'U' {
					n = 8
				}
				r, ok := hexRune(rs[i+2 : min(len(rs), i+2+n)])
				if !ok || i+2+n > len(rs) {
					return token{}, 0, i + 1, fmt.Sprintf("\\%c takes %d hex digits, such as \\u034F", rs[i+1], n)
				}
				b.WriteRune(r)
				i += 2 + n
				continue
			default:
				return token{}, 0, i + 1, fmt.Sprintf("unknown escape \\%c in a string (use \\\" or \\\\)", rs[i+1])
			}
			i += 2
			continue
		case c != '\t' && isControl(c):
			return token{}, 0, i + 1, fmt.Sprintf("unexpected control character U+%04X in a string", c)
		}
		b.WriteRune(c)
		i++
	}
	return token{}, 0, start + 1, "this string has no closing quote"
}

// hexRune reads a \u or \U escape's hex digits as a code point.
func hexRune(digits []rune) (rune, bool) {
	var r rune
	for _, d := range digits {
		v := strings.IndexRune("0123456789abcdef", unicode.ToLower(d))
		if v < 0 {
			return 0, false
		}
		r = r<<4 | rune(v)
	}
	return r, r <= unicode.MaxRune && !(r >= 0xD800 && r <= 0xDFFF)
}
