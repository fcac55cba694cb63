package trace

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// scanner reads JSON a token at a time, so that a trace is decoded as a
// stream, a transaction at a time, without holding the document in memory.
// It knows exactly the JSON a trace needs (objects, arrays, strings,
// integers, and any value to skip), keeps its own window of the input for
// speed, and reports the byte offset of an error.
type scanner struct {
	r     io.Reader
	buf   []byte // the window: buf[i:n] is not read yet
	i, n  int
	off   int64 // the offset of buf[0] in the input
	err   error // the reader's error, once it returned one
	tmp   []byte
	kbuf  []byte
	depth int // objects and arrays open
}

// maxDepth bounds nesting: a trace needs four levels, and a file of ten
// million '[' must get an error, not exhaust the stack.
const maxDepth = 64

// windowSize is how much input the scanner reads at a time (lowered by
// tests, to cross window edges everywhere).
var windowSize = 64 << 10

func newScanner(r io.Reader) *scanner { return &scanner{r: r, buf: make([]byte, windowSize)} }

// errSyntax is wrapped by every error the scanner reports.
var errSyntax = errors.New("invalid JSON")

func (s *scanner) fail(format string, args ...any) error {
	return fmt.Errorf("%w at byte %d: %s", errSyntax, s.off+int64(s.i), fmt.Sprintf(format, args...))
}

// fill reads more input into the window, keeping what is not read yet. It
// reports false at the end of the input.
func (s *scanner) fill() bool {
	if s.err != nil {
		return false
	}
	if s.i > 0 {
		copy(s.buf, s.buf[s.i:s.n])
		s.off += int64(s.i)
		s.n -= s.i
		s.i = 0
	}
	if s.n == len(s.buf) {
		s.buf = append(s.buf, make([]byte, len(s.buf))...)
	}
	m, err := s.r.Read(s.buf[s.n:])
	s.n += m
	if err != nil {
		s.err = err
	}
	return m > 0 || err == nil
}

func (s *scanner) readByte() (byte, error) {
	for s.i >= s.n {
		if !s.fill() {
			return 0, s.readErr()
		}
	}
	c := s.buf[s.i]
	s.i++
	return c, nil
}

func (s *scanner) readErr() error {
	if s.err == nil || s.err == io.EOF {
		return io.EOF
	}
	return s.err
}

// peek returns the next byte that is not white space, without reading it.
func (s *scanner) peek() (byte, error) {
	for {
		buf, i, n := s.buf, s.i, s.n
		for ; i < n; i++ {
			if c := buf[i]; c > ' ' || c != ' ' && c != '\t' && c != '\n' && c != '\r' {
				s.i = i
				return c, nil
			}
		}
		s.i = n
		if !s.fill() {
			if err := s.readErr(); err != io.EOF {
				return 0, err
			}
			return 0, s.fail("unexpected end of the input")
		}
	}
}

// expect reads the next non-space byte, which must be c.
func (s *scanner) expect(c byte) error {
	b, err := s.peek()
	if err != nil {
		return err
	}
	if b != c {
		return s.fail("expected %q, found %q", c, b)
	}
	s.i++
	return nil
}

// more reports whether another element follows in an object or array:
// it reads a comma, or sees the closing bracket (and reads it).
func (s *scanner) more(closing byte, first bool) (bool, error) {
	b, err := s.peek()
	if err != nil {
		return false, err
	}
	if b == closing {
		s.i++
		return false, nil
	}
	if !first {
		if b != ',' {
			return false, s.fail("expected ',' or %q, found %q", closing, b)
		}
		s.i++
	}
	return true, nil
}

// object calls f with each key of an object; f must read the value. The
// key is valid only until f reads on.
func (s *scanner) object(f func(key []byte) error) error {
	if err := s.expect('{'); err != nil {
		return err
	}
	if err := s.nest(); err != nil {
		return err
	}
	defer func() { s.depth-- }()
	for first := true; ; first = false {
		ok, err := s.more('}', first)
		if err != nil || !ok {
			return err
		}
		key, err := s.key()
		if err != nil {
			return err
		}
		if err := s.expect(':'); err != nil {
			return err
		}
		if err := f(key); err != nil {
			return err
		}
	}
}

// array calls f for each element of an array; f must read the element.
func (s *scanner) array(f func() error) error {
	if err := s.expect('['); err != nil {
		return err
	}
	if err := s.nest(); err != nil {
		return err
	}
	defer func() { s.depth-- }()
	for first := true; ; first = false {
		ok, err := s.more(']', first)
		if err != nil || !ok {
			return err
		}
		if err := f(); err != nil {
			return err
		}
	}
}

func (s *scanner) nest() error {
	s.depth++
	if s.depth > maxDepth {
		return s.fail("objects and arrays nested more than %d deep", maxDepth)
	}
	return nil
}

// isNull reads a null if one is next.
func (s *scanner) isNull() (bool, error) {
	b, err := s.peek()
	if err != nil || b != 'n' {
		return false, err
	}
	return true, s.literal("null")
}

func (s *scanner) literal(word string) error {
	for i := range len(word) {
		c, err := s.readByte()
		if err != nil || c != word[i] {
			return s.fail("expected %s", word)
		}
	}
	return nil
}

// key reads an object's key into a reused buffer (no allocation in the
// usual case, a key with no escape); it is valid until the next key.
func (s *scanner) key() ([]byte, error) {
	if err := s.expect('"'); err != nil {
		return nil, err
	}
	for j := s.i; j < s.n; j++ {
		c := s.buf[j]
		if c == '"' {
			// A copy in a reused buffer: the window may move before the
			// caller reads the key.
			s.kbuf = append(s.kbuf[:0], s.buf[s.i:j]...)
			s.i = j + 1
			return s.kbuf, nil
		}
		if c == '\\' || c < 0x20 {
			break
		}
	}
	s.i-- // back to the quote: read it the long way
	k, err := s.str()
	return []byte(k), err
}

// str reads a string, unescaping it.
func (s *scanner) str() (string, error) {
	if err := s.expect('"'); err != nil {
		return "", err
	}
	// The usual string has no escape: find its end in the window.
	ascii := true
	for j := s.i; j < s.n; j++ {
		c := s.buf[j]
		if c == '"' {
			if !ascii && !utf8.Valid(s.buf[s.i:j]) {
				return "", s.fail("a string is not valid UTF-8")
			}
			str := string(s.buf[s.i:j])
			s.i = j + 1
			return str, nil
		}
		if c == '\\' || c < 0x20 {
			break
		}
		ascii = ascii && c < utf8.RuneSelf
	}
	s.tmp = s.tmp[:0]
	for {
		c, err := s.readByte()
		if err != nil {
			return "", s.fail("a string has no closing quote")
		}
		switch {
		case c == '"':
			if !utf8.Valid(s.tmp) {
				return "", s.fail("a string is not valid UTF-8")
			}
			return string(s.tmp), nil
		case c < 0x20:
			return "", s.fail("a control character in a string")
		case c != '\\':
			s.tmp = append(s.tmp, c)
			continue
		}
		e, err := s.readByte()
		if err != nil {
			return "", s.fail("a string ends in an escape")
		}
		switch e {
		case '"', '\\', '/':
			s.tmp = append(s.tmp, e)
		case 'b':
			s.tmp = append(s.tmp, '\b')
		case 'f':
			s.tmp = append(s.tmp, '\f')
		case 'n':
			s.tmp = append(s.tmp, '\n')
		case 'r':
			s.tmp = append(s.tmp, '\r')
		case 't':
			s.tmp = append(s.tmp, '\t')
		case 'u':
			r, err := s.hex4()
			if err != nil {
				return "", err
			}
			if utf16.IsSurrogate(r) {
				for s.n-s.i < 2 && s.fill() {
				}
				if s.n-s.i >= 2 && s.buf[s.i] == '\\' && s.buf[s.i+1] == 'u' {
					s.i += 2
					r2, err := s.hex4()
					if err != nil {
						return "", err
					}
					r = utf16.DecodeRune(r, r2)
				} else {
					r = utf8.RuneError
				}
			}
			s.tmp = utf8.AppendRune(s.tmp, r)
		default:
			return "", s.fail("unknown escape \\%c", e)
		}
	}
}

func (s *scanner) hex4() (rune, error) {
	var r rune
	for range 4 {
		c, err := s.readByte()
		if err != nil {
			return 0, s.fail("a \\u escape is cut short")
		}
		v := -1
		switch {
		case c >= '0' && c <= '9':
			v = int(c - '0')
		case c >= 'a' && c <= 'f':
			v = int(c-'a') + 10
		case c >= 'A' && c <= 'F':
			v = int(c-'A') + 10
		}
		if v < 0 {
			return 0, s.fail("a \\u escape has %q", c)
		}
		r = r<<4 | rune(v)
	}
	return r, nil
}

// isNumberByte reports whether c can be part of a JSON number.
func isNumberByte(c byte) bool {
	return c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}

// number reads a JSON number's text.
func (s *scanner) number() (string, error) {
	if _, err := s.peek(); err != nil {
		return "", err
	}
	s.tmp = s.tmp[:0]
	for {
		if s.i >= s.n && !s.fill() {
			break
		}
		c := s.buf[s.i]
		if !isNumberByte(c) {
			break
		}
		s.tmp = append(s.tmp, c)
		s.i++
	}
	if !validNumber(s.tmp) {
		return "", s.fail("expected a number, found %q", s.tmp)
	}
	return string(s.tmp), nil
}

// validNumber reports whether b is a JSON number:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func validNumber(b []byte) bool {
	i := 0
	digits := func() bool {
		start := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i > start
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case !digits():
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if !digits() {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if !digits() {
			return false
		}
	}
	return i == len(b)
}

// integer reads a number that must be a whole number within int.
func (s *scanner) integer(what string) (int, error) {
	if _, err := s.peek(); err != nil {
		return 0, err
	}
	// The usual integer is short and within the window: parse it there.
	n, neg, j := 0, false, s.i
	if j < s.n && s.buf[j] == '-' {
		neg, j = true, j+1
	}
	start := j
	for j < s.n && s.buf[j] >= '0' && s.buf[j] <= '9' && j-start < 18 {
		n = n*10 + int(s.buf[j]-'0')
		j++
	}
	if j > start && j < s.n && !isNumberByte(s.buf[j]) && (s.buf[start] != '0' || j == start+1) {
		s.i = j
		if neg {
			n = -n
		}
		return n, nil
	}
	text, err := s.number()
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseInt(text, 10, 64)
	if err != nil || int64(int(v)) != v {
		return 0, s.fail("%s %s is not a whole number in range", what, text)
	}
	return int(v), nil
}

// skip reads any value and throws it away.
func (s *scanner) skip() error {
	b, err := s.peek()
	if err != nil {
		return err
	}
	switch {
	case b == '{':
		return s.object(func([]byte) error { return s.skip() })
	case b == '[':
		return s.array(s.skip)
	case b == '"':
		if s.skipStr() {
			return nil
		}
		_, err := s.str()
		return err
	case b == 't':
		return s.literal("true")
	case b == 'f':
		return s.literal("false")
	case b == 'n':
		return s.literal("null")
	}
	_, err = s.number()
	return err
}

// end requires that nothing but white space follows the value.
func (s *scanner) end() error {
	for {
		c, err := s.readByte()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		}
		s.i--
		return s.fail("unexpected %q after the trace", c)
	}
}

// fastPatch reads the usual patch, [pos, del, "text"] with small numbers
// and a string with no escape, when all of it is in the window. It reports
// false, having read nothing, for anything else: the caller then reads the
// patch the general way, which also finds any error.
func (s *scanner) fastPatch() (Patch, bool) {
	b := s.buf[s.i:s.n]
	j := skipSpace(b, 0)
	if j >= len(b) || b[j] != '[' {
		return Patch{}, false
	}
	var p Patch
	var ok bool
	if p.Pos, j, ok = smallInt(b, skipSpace(b, j+1)); !ok {
		return Patch{}, false
	}
	if j = skipSpace(b, j); j >= len(b) || b[j] != ',' {
		return Patch{}, false
	}
	if p.Del, j, ok = smallInt(b, skipSpace(b, j+1)); !ok {
		return Patch{}, false
	}
	if j = skipSpace(b, j); j >= len(b) || b[j] != ',' {
		return Patch{}, false
	}
	if j = skipSpace(b, j+1); j >= len(b) || b[j] != '"' {
		return Patch{}, false
	}
	start, ascii := j+1, true
	for j = start; j < len(b) && b[j] != '"'; j++ {
		c := b[j]
		if c == '\\' || c < 0x20 {
			return Patch{}, false
		}
		ascii = ascii && c < utf8.RuneSelf
	}
	if j >= len(b) || !ascii && !utf8.Valid(b[start:j]) {
		return Patch{}, false
	}
	text := b[start:j]
	if j = skipSpace(b, j+1); j >= len(b) || b[j] != ']' {
		return Patch{}, false
	}
	p.Ins = string(text)
	s.i += j + 1
	return p, true
}

func skipSpace(b []byte, j int) int {
	for j < len(b) && (b[j] == ' ' || b[j] == '\n' || b[j] == '\t' || b[j] == '\r') {
		j++
	}
	return j
}

// smallInt reads a non-negative integer of at most 18 digits at b[j:],
// followed by a byte that cannot continue a number.
func smallInt(b []byte, j int) (int, int, bool) {
	n, start := 0, j
	for j < len(b) && b[j] >= '0' && b[j] <= '9' && j-start < 18 {
		n = n*10 + int(b[j]-'0')
		j++
	}
	if j == start || j >= len(b) || isNumberByte(b[j]) || b[start] == '0' && j > start+1 {
		return 0, j, false
	}
	return n, j, true
}

// skipStr skips a string with no escape or control character that lies
// wholly in the window, without copying it. It reports false, having read
// nothing, for anything else: the caller reads the string the general way.
func (s *scanner) skipStr() bool {
	b := s.buf[s.i:s.n]
	if len(b) == 0 || b[0] != '"' {
		return false
	}
	ascii := true
	for j := 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			if !ascii && !utf8.Valid(b[1:j]) {
				return false
			}
			s.i += j + 1
			return true
		case c == '\\' || c < 0x20:
			return false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return false
}
