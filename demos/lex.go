package demos

import (
	"fmt"
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

// lexLine splits one line into tokens. A # outside quotes starts a comment.
func lexLine(line string) ([]token, int, string) {
	if !utf8.ValidString(line) {
		col := 1
		for i, r := range line {
			if r == utf8.RuneError {
				if _, size := utf8.DecodeRuneInString(line[i:]); size == 1 {
					return nil, col, "the file is not valid UTF-8 text"
				}
			}
			col++
		}
	}
	var toks []token
	rs := []rune(line)
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case r == '\t' || r == ' ' || unicode.IsSpace(r):
			i++
		case r < ' ' || r == 0x7f:
			return nil, i + 1, fmt.Sprintf("unexpected control character U+%04X", r)
		case r == '#':
			return toks, 0, ""
		case strings.ContainsRune(punct, r):
			toks = append(toks, token{kind: tPunct, text: string(r), col: i + 1})
			i++
		case r == '"':
			start := i
			var b strings.Builder
			i++
			closed := false
			for i < len(rs) {
				c := rs[i]
				if c == '"' {
					closed = true
					i++
					break
				}
				if c == '\\' {
					if i+1 >= len(rs) {
						break
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
					default:
						return nil, i + 1, fmt.Sprintf("unknown escape \\%c in a string (use \\\" or \\\\)", rs[i+1])
					}
					i += 2
					continue
				}
				if c < ' ' && c != '\t' || c == 0x7f {
					return nil, i + 1, fmt.Sprintf("unexpected control character U+%04X in a string", c)
				}
				b.WriteRune(c)
				i++
			}
			if !closed {
				return nil, start + 1, "this string has no closing quote"
			}
			toks = append(toks, token{kind: tString, text: b.String(), col: start + 1})
		default:
			start := i
			for i < len(rs) && !unicode.IsSpace(rs[i]) && !strings.ContainsRune(punct+"\"#", rs[i]) && rs[i] >= ' ' && rs[i] != 0x7f {
				i++
			}
			toks = append(toks, token{kind: tWord, text: string(rs[start:i]), col: start + 1})
		}
	}
	return toks, 0, ""
}
