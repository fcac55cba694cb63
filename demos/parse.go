package demos

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"crdtviz/crdt"
	"crdtviz/replicas"
)

// MaxFileSize is the largest scenario file crdtviz reads.
const MaxFileSize = 10 << 20

// Header is what a statement needs to know to be parsed: the type and the
// replica names.
type Header struct {
	Type     crdt.Type
	Replicas []string
	// Mode is what a CRDT-lane message carries (mode state|op|delta);
	// AnyOrder and NoDedup are op mode's delivery rules (delivery any,
	// dedup off).
	Mode              replicas.Mode
	AnyOrder, NoDedup bool
}

// Scenario is a parsed scenario file.
type Scenario struct {
	File    string
	Title   string
	About   string
	Initial *crdt.Value
	Header
	Steps []Step
	// opRules are where delivery and dedup lines stand: op mode's rules,
	// an error in any other mode.
	opRules []Pos
}

// HasAsk reports whether any step asks the class a question.
func (s *Scenario) HasAsk() bool {
	if s == nil {
		return false
	}
	for _, st := range s.Steps {
		if st.Ask != nil {
			return true
		}
	}
	return false
}

// Config is the cluster the scenario starts from.
func (s *Scenario) Config() replicas.Config {
	return replicas.Config{Type: s.Type, Names: slices.Clone(s.Replicas), Initial: s.Initial,
		Mode: s.Mode, AnyOrder: s.AnyOrder, NoDedup: s.NoDedup}
}

// Step is a narrated group of statements.
type Step struct {
	Pos   Pos
	Text  string
	Items []Statement
	// Ask is the step's question to the class, if it has one: it comes
	// before the step's actions (it is also among Items).
	Ask *Ask
}

// NarrationUpFront reports whether step i's narration (counting from 0)
// may be shown before the class has seen an answer: only for a step that
// comes before the first question and asks none itself. From the first
// question on, a step's words can give an answer away: the step's own
// outcome, or, for a later step, what an earlier question's step did. A
// worksheet then prints a step's actions (and its question), and a
// lesson page labels its markers and steps the same way (see Preview).
func (s *Scenario) NarrationUpFront(i int) bool {
	for _, st := range s.Steps[:min(i+1, len(s.Steps))] {
		if st.Ask != nil {
			return false
		}
	}
	return true
}

// Actions are the step's actions as statements, in order.
func (st Step) Actions() []string {
	var out []string
	for _, it := range st.Items {
		if it.Action != nil {
			out = append(out, it.Action.String())
		}
	}
	return out
}

// Ask is a question put to the class before a step's outcome is shown,
// with optional choices (lettered a, b, c on screen).
type Ask struct {
	Text    string
	Choices []string
}

// MaxChoices bounds an ask's choices: one letter each, a to f.
const MaxChoices = 6

// String renders the ask canonically: ask "TEXT" choices A | "B C".
func (a Ask) String() string {
	out := "ask " + crdt.QuoteAlways(a.Text)
	for i, c := range a.Choices {
		if i == 0 {
			out += " choices "
		} else {
			out += " | "
		}
		out += quoteWord(c)
	}
	return out
}

// quoteWord writes a word bare when it reads back as the same one word,
// quoted otherwise.
func quoteWord(w string) string {
	if crdt.IsBare(w) && w != "choices" {
		return w
	}
	return crdt.QuoteAlways(w)
}

// Statement is one line inside a step: an action or an expectation. At the
// TUI's prompt it can also be a step marker (Step set).
type Statement struct {
	Pos    Pos
	Action replicas.Action
	Expect *Expect
	Step   *string
	Ask    *Ask
}

// String renders the statement canonically, in scenario syntax.
func (st Statement) String() string {
	switch {
	case st.Action != nil:
		return st.Action.String()
	case st.Expect != nil:
		return st.Expect.String()
	case st.Step != nil:
		return "step " + crdt.QuoteAlways(*st.Step)
	case st.Ask != nil:
		return st.Ask.String()
	}
	return ""
}

// ExpectKind is what an expect line checks.
type ExpectKind int

const (
	ExpectConverged ExpectKind = iota
	ExpectDiverged
	ExpectValue // one replica's value
	ExpectAll   // every replica's value
	ExpectLost
	ExpectInFlight
	ExpectPending
	ExpectDeclined
	ExpectWaiting   // ops in every causal buffer (op mode)
	ExpectBytesLess // bytes sent in the lane, below N
	ExpectBytesMore // bytes sent in the lane, above N
	ExpectEqual     // equal values, though not every replica has seen every edit
)

// Expect is one checked expectation.
type Expect struct {
	Lane    replicas.Lane
	Kind    ExpectKind
	Replica string
	Value   crdt.Value
	N       int
}

func (e *Expect) String() string {
	var b strings.Builder
	b.WriteString("expect ")
	if e.Lane == replicas.Plain && e.Kind != ExpectInFlight && e.Kind != ExpectWaiting {
		b.WriteString("plain ")
	}
	switch e.Kind {
	case ExpectConverged:
		b.WriteString("converged")
	case ExpectDiverged:
		b.WriteString("diverged")
	case ExpectPending:
		b.WriteString("pending")
	case ExpectEqual:
		b.WriteString("equal")
	case ExpectDeclined:
		b.WriteString("declined " + strconv.Itoa(e.N))
	case ExpectValue:
		b.WriteString(replicas.QuoteName(e.Replica) + " = " + e.Value.String())
	case ExpectAll:
		b.WriteString("all = " + e.Value.String())
	case ExpectLost:
		b.WriteString("lost " + strconv.Itoa(e.N))
	case ExpectInFlight:
		b.WriteString("inflight " + strconv.Itoa(e.N))
	case ExpectWaiting:
		b.WriteString("waiting " + strconv.Itoa(e.N))
	case ExpectBytesLess:
		b.WriteString("bytes < " + strconv.Itoa(e.N))
	case ExpectBytesMore:
		b.WriteString("bytes > " + strconv.Itoa(e.N))
	}
	return b.String()
}

// line is the parser's view of one line: its tokens and where it is.
type line struct {
	file string
	num  int
	toks []token
	i    int
	end  int // column just past the last character, for "expected more" errors
}

func (l *line) errAt(col int, format string, args ...any) *Error {
	return &Error{Pos: Pos{File: l.file, Line: l.num, Col: col}, Msg: fmt.Sprintf(format, args...)}
}

// errHere reports at the current token, or at the end of the line.
func (l *line) errHere(format string, args ...any) *Error {
	col := l.end
	if l.i < len(l.toks) {
		col = l.toks[l.i].col
	}
	return l.errAt(col, format, args...)
}

func (l *line) more() bool { return l.i < len(l.toks) }

// lastCol is the column of the token read last, for errors about it.
func (l *line) lastCol() int {
	if l.i > 0 && l.i <= len(l.toks) {
		return l.toks[l.i-1].col
	}
	return l.end
}

func (l *line) peek() (token, bool) {
	if l.i < len(l.toks) {
		return l.toks[l.i], true
	}
	return token{}, false
}

func (l *line) next(what string) (token, *Error) {
	t, ok := l.peek()
	if !ok {
		return token{}, l.errHere("expected %s", what)
	}
	l.i++
	return t, nil
}

// text reads one word or string.
func (l *line) text(what string) (string, *Error) {
	t, err := l.next(what)
	if err != nil {
		return "", err
	}
	if t.kind == tPunct {
		return "", l.errAt(t.col, "expected %s, found %s", what, t.describe())
	}
	return t.text, nil
}

// is reports whether the next token is the word or punctuation w, and eats it.
func (l *line) is(w string) bool {
	t, ok := l.peek()
	if ok && t.kind != tString && t.text == w {
		l.i++
		return true
	}
	return false
}

func (l *line) expect(w string) *Error {
	if l.is(w) {
		return nil
	}
	if t, ok := l.peek(); ok {
		return l.errHere("expected %q, found %s", w, t.describe())
	}
	return l.errHere("expected %q", w)
}

func (l *line) done() *Error {
	t, ok := l.peek()
	if !ok {
		return nil
	}
	if sp, known := spec(t.text); known && t.kind == tWord && sp.Place == InStep && sp.Name != "step" {
		return l.errHere("one statement ends where the next keyword starts: %s begins another statement; put ; before it at the prompt, or start a new line in a file", t.describe())
	}
	return l.errHere("unexpected %s at the end of the statement", t.describe())
}

// prose reads the rest of the line as text: one quoted string, or bare words.
func (l *line) prose(what string) (string, *Error) {
	if !l.more() {
		return "", l.errHere("expected %s", what)
	}
	if t := l.toks[l.i]; t.kind == tString {
		l.i++
		if err := checkProse(t, what); err != nil {
			return "", l.errAt(t.col, "%s", err)
		}
		return t.text, l.done()
	}
	var words []string
	for l.more() {
		t := l.toks[l.i]
		if t.kind != tWord {
			return "", l.errHere("put %s in double quotes to use %s", what, t.describe())
		}
		words = append(words, t.text)
		l.i++
	}
	return strings.Join(words, " "), nil
}

// checkProse refuses a control character in a quoted string of prose.
// Prose may break lines (\n), which the screen wraps inside its region;
// any other control character would break the frame.
func checkProse(t token, what string) error {
	if i := strings.IndexFunc(t.text, func(r rune) bool { return r != '\n' && crdt.IsControl(r) }); i >= 0 {
		r := []rune(t.text[i:])[0]
		return fmt.Errorf("%s holds the control character U+%04X; prose may hold line breaks (\\n), but no other control character", what, r)
	}
	return nil
}

func (l *line) number(what string) (int64, *Error) {
	t, err := l.next(what)
	if err != nil {
		return 0, err
	}
	n, perr := strconv.ParseInt(t.text, 10, 64)
	if t.kind == tWord && errors.Is(perr, strconv.ErrRange) {
		return 0, l.errAt(t.col, "%s is out of range: numbers here are between %d and %d", t.text, int64(math.MinInt64+1), int64(math.MaxInt64))
	}
	if t.kind == tWord && perr == nil && n == math.MinInt64 {
		return 0, l.errAt(t.col, "%s is out of range: numbers here are between %d and %d", t.text, int64(math.MinInt64+1), int64(math.MaxInt64))
	}
	if t.kind != tWord || perr != nil {
		return 0, l.errAt(t.col, "expected %s, found %s", what, t.describe())
	}
	return n, nil
}

// replica reads a replica name, or "all" when allowAll is set (then it
// returns "" and true).
func (l *line) replica(h Header, allowAll bool) (string, bool, *Error) {
	what := "a replica name"
	if allowAll {
		what = "a replica name or all"
	}
	t, err := l.next(what)
	if err != nil {
		return "", false, err
	}
	if t.kind == tPunct {
		return "", false, l.errAt(t.col, "expected %s, found %s", what, t.describe())
	}
	if t.kind == tWord && t.text == "all" {
		if allowAll {
			return "", true, nil
		}
		return "", false, l.errAt(t.col, "all cannot be used here; name one replica")
	}
	if !slices.Contains(h.Replicas, t.text) {
		quoted := make([]string, len(h.Replicas))
		for i, n := range h.Replicas {
			quoted[i] = replicas.QuoteName(n)
		}
		return "", false, l.errAt(t.col, "unknown replica %s (the replicas are %s)", replicas.QuoteName(t.text), strings.Join(quoted, ", "))
	}
	return t.text, false, nil
}

// Parse reads a scenario file. Errors name file:line:col.
func Parse(file string, src []byte) (*Scenario, error) {
	if len(src) > MaxFileSize {
		return nil, &Error{Pos: Pos{File: file, Line: 1, Col: 1}, Msg: fmt.Sprintf("the file is %d bytes; scenario files are limited to %d MB", len(src), MaxFileSize>>20)}
	}
	s := &Scenario{File: file}
	var initial *line
	seen := map[string]int{}
	headerDone := false
	lines := strings.Split(string(src), "\n")
	finishHeader := func(l *line) *Error {
		headerDone = true
		for _, k := range []string{"title", "type", "replicas"} {
			if seen[k] == 0 {
				return l.errAt(1, "the header needs a %q line before the first step", k)
			}
		}
		if len(s.opRules) > 0 && s.Mode != replicas.ModeOp {
			p := s.opRules[0]
			return &Error{Pos: p, Msg: fmt.Sprintf("delivery and dedup are op mode's rules; add \"mode op\" to the header, or remove this line (this scenario replicates by %s)", s.Mode)}
		}
		if initial != nil {
			v, err := parseValue(initial, s.Type)
			if err != nil {
				return err
			}
			if err := initial.done(); err != nil {
				return err
			}
			if _, cerr := crdt.New(s.Type, &v); cerr != nil {
				return initial.errAt(1, "initial value: %v", cerr)
			}
			s.Initial = &v
		}
		return nil
	}
	for n, raw := range lines {
		raw = strings.TrimSuffix(raw, "\r")
		if n == 0 {
			raw = strings.TrimPrefix(raw, "\uFEFF") // a byte-order mark
		}
		toks, col, msg := lexLine(raw)
		if msg != "" {
			return nil, &Error{Pos: Pos{File: file, Line: n + 1, Col: col}, Msg: msg}
		}
		if len(toks) == 0 {
			continue
		}
		l := &line{file: file, num: n + 1, toks: toks, end: len([]rune(raw)) + 1}
		kw := toks[0]
		if kw.kind != tWord {
			return nil, l.errAt(kw.col, "a statement starts with a keyword, not %s", kw.describe())
		}
		l.i = 1
		sp, known := spec(kw.text)
		if known && sp.Place == InHeader {
			if headerDone {
				return nil, l.errAt(kw.col, "%q belongs in the header, before the first step", kw.text)
			}
			if prev := seen[kw.text]; prev != 0 {
				return nil, l.errAt(kw.col, "%q is given twice (first on line %d)", kw.text, prev)
			}
			seen[kw.text] = n + 1
			if err := sp.header(l, s, &initial); err != nil {
				return nil, err
			}
			continue
		}
		if kw.text == "step" {
			if !headerDone {
				if err := finishHeader(l); err != nil {
					return nil, err
				}
			}
			st, err := sp.parse(l, s.Header)
			if err != nil {
				return nil, err
			}
			s.Steps = append(s.Steps, Step{Pos: Pos{File: file, Line: n + 1, Col: kw.col}, Text: *st.Step})
			continue
		}
		if len(s.Steps) == 0 {
			if !known {
				return nil, l.errAt(kw.col, "unknown keyword %q", kw.text)
			}
			return nil, l.errAt(kw.col, "%q comes before the first step; start one with: step \"what happens\"", kw.text)
		}
		st, err := parseStatement(l, s.Header)
		if err != nil {
			return nil, err
		}
		last := &s.Steps[len(s.Steps)-1]
		if st.Ask != nil {
			if last.Ask != nil {
				return nil, l.errAt(kw.col, "this step already asks a question (line %d); a step asks one", askLine(last))
			}
			for _, it := range last.Items {
				if it.Action != nil {
					return nil, l.errAt(kw.col, "ask comes before the step's actions: the class predicts, then sees (the first action is on line %d)", it.Pos.Line)
				}
			}
			last.Ask = st.Ask
		}
		last.Items = append(last.Items, st)
	}
	end := &line{file: file, num: len(lines), end: 1}
	if !headerDone {
		if err := finishHeader(end); err != nil {
			return nil, err
		}
	}
	if len(s.Steps) == 0 {
		return nil, end.errAt(1, "the scenario has no steps; add one with: step \"what happens\"")
	}
	return s, nil
}

// askLine is the line of a step's ask.
func askLine(st *Step) int {
	for _, it := range st.Items {
		if it.Ask != nil {
			return it.Pos.Line
		}
	}
	return st.Pos.Line
}

func headerMode(l *line, s *Scenario, _ **line) *Error {
	w, err := l.text("a mode: state, op or delta")
	if err != nil {
		return err
	}
	m, merr := replicas.ParseMode(w)
	if merr != nil {
		return l.errAt(l.lastCol(), "%v", merr)
	}
	s.Mode = m
	return l.done()
}

func headerDelivery(l *line, s *Scenario, _ **line) *Error {
	w, err := l.text("causal or any")
	if err != nil {
		return err
	}
	switch w {
	case "causal":
	case "any":
		s.AnyOrder = true
	default:
		return l.errAt(l.lastCol(), "delivery is causal or any, not %q", w)
	}
	s.opRules = append(s.opRules, Pos{File: l.file, Line: l.num, Col: l.toks[0].col})
	return l.done()
}

func headerDedup(l *line, s *Scenario, _ **line) *Error {
	w, err := l.text("on or off")
	if err != nil {
		return err
	}
	switch w {
	case "on":
	case "off":
		s.NoDedup = true
	default:
		return l.errAt(l.lastCol(), "dedup is on or off, not %q", w)
	}
	s.opRules = append(s.opRules, Pos{File: l.file, Line: l.num, Col: l.toks[0].col})
	return l.done()
}

func headerTitle(l *line, s *Scenario, _ **line) *Error {
	t, err := l.prose("a title")
	s.Title = t
	return err
}

func headerAbout(l *line, s *Scenario, _ **line) *Error {
	t, err := l.prose("an introduction")
	s.About = t
	return err
}

func headerType(l *line, s *Scenario, _ **line) *Error {
	w, err := l.text("a type")
	if err != nil {
		return err
	}
	typ, terr := crdt.ParseType(w)
	if terr != nil {
		return l.errAt(l.lastCol(), "%v", terr)
	}
	s.Type = typ
	return l.done()
}

func headerReplicas(l *line, s *Scenario, _ **line) *Error {
	for l.more() {
		t := l.toks[l.i]
		name, err := l.text("a replica name")
		if err != nil {
			return err
		}
		if len(s.Replicas) == replicas.MaxReplicas { // counted first: a huge list stops here
			return l.errAt(t.col, "a cluster has %d to %d replicas; this is name %d", replicas.MinReplicas, replicas.MaxReplicas, len(s.Replicas)+1)
		}
		if err := replicas.CheckName(name); err != nil {
			return l.errAt(t.col, "%v", err)
		}
		for _, other := range s.Replicas {
			switch {
			case other == name:
				return l.errAt(t.col, "replica name %s is used twice", replicas.QuoteName(name))
			case LookAlike(other, name):
				return l.errAt(t.col, "%v", replicas.LookAlikeError(other, name))
			}
		}
		s.Replicas = append(s.Replicas, name)
	}
	if err := replicas.CheckNames(s.Replicas); err != nil {
		return l.errAt(l.toks[0].col, "%v", err)
	}
	return nil
}

func headerInitial(l *line, _ *Scenario, initial **line) *Error {
	if !l.more() {
		return l.errHere("expected the initial value")
	}
	*initial = l // parsed once the type is known
	return nil
}

// ParseStatement parses one statement typed at a prompt: any action, an
// expect line, or a step marker. Errors are at file "prompt", line 1.
func ParseStatement(src string, h Header) (Statement, error) {
	toks, col, msg := lexLine(src)
	if msg != "" {
		return Statement{}, &Error{Pos: Pos{File: "prompt", Line: 1, Col: col}, Msg: msg}
	}
	l := &line{file: "prompt", num: 1, toks: toks, end: len([]rune(src)) + 1}
	if len(toks) == 0 {
		return Statement{}, l.errAt(1, "type a command, for example: sync all")
	}
	sp, known := spec(toks[0].text)
	if toks[0].kind != tWord || !known || sp.Place != InStep {
		return Statement{}, l.errAt(toks[0].col, "unknown command %s; try %s", toks[0].describe(), promptList())
	}
	l.i = 1
	st, err := parseStatement(l, h)
	if err != nil {
		return Statement{}, err
	}
	return st, nil
}

// parseStatement parses a step statement (or step itself, at a prompt) by
// its row of the keyword table.
func parseStatement(l *line, h Header) (Statement, *Error) {
	kw := l.toks[0]
	sp, ok := spec(kw.text)
	if !ok || sp.parse == nil {
		return Statement{}, l.errAt(kw.col, "unknown keyword %q", kw.text)
	}
	st, err := sp.parse(l, h)
	if err != nil {
		return Statement{}, err
	}
	if err := l.done(); err != nil {
		return Statement{}, err
	}
	st.Pos = Pos{File: l.file, Line: l.num, Col: kw.col}
	return st, nil
}

func parseSend(l *line, h Header) (replicas.Action, *Error) {
	from, _, err := l.replica(h, false)
	if err != nil {
		return nil, err
	}
	if err := l.expect("->"); err != nil {
		return nil, err
	}
	to, all, err := l.replica(h, true)
	if err != nil {
		return nil, err
	}
	f, ferr := l.full(h)
	return replicas.Send{From: from, To: to, ToAll: all, Full: f}, ferr
}

func parseDeliver(l *line, h Header) (replicas.Action, *Error) {
	if l.is("all") {
		return replicas.DeliverAll{}, nil
	}
	from, to, err := parseLink(l, h)
	if err != nil {
		return nil, err
	}
	return replicas.Deliver{From: from, To: to, Newest: l.is("newest")}, nil
}

func parseDropDup(dup bool) func(l *line, h Header) (replicas.Action, *Error) {
	return func(l *line, h Header) (replicas.Action, *Error) {
		from, to, err := parseLink(l, h)
		if err != nil {
			return nil, err
		}
		if dup {
			return replicas.Duplicate{From: from, To: to}, nil
		}
		return replicas.Drop{From: from, To: to}, nil
	}
}

func parseCut(l *line, h Header) (replicas.Action, *Error)  { return parseCutHeal(l, h, false) }
func parseHeal(l *line, h Header) (replicas.Action, *Error) { return parseCutHeal(l, h, true) }

func parseClock(l *line, h Header) (replicas.Action, *Error) {
	name, _, err := l.replica(h, false)
	if err != nil {
		return nil, err
	}
	n, err := l.number("a clock skew such as +10 or -3")
	if err != nil {
		return nil, err
	}
	if n > replicas.MaxSkew || n < -replicas.MaxSkew {
		return nil, l.errAt(l.lastCol(), "a clock skew is at most %d ticks either way, not %d", int64(replicas.MaxSkew), n)
	}
	return replicas.SetSkew{Replica: name, Skew: n}, nil
}

func parseEdit(l *line, h Header) (replicas.Action, *Error) {
	name, _, err := l.replica(h, false)
	if err != nil {
		return nil, err
	}
	opTok, err := l.next("an operation: " + crdt.OpUsage(h.Type))
	if err != nil {
		return nil, err
	}
	op := crdt.Op{Kind: crdt.OpKind(opTok.text)}
	if opTok.kind != tWord || !slices.Contains([]crdt.OpKind{crdt.OpSet, crdt.OpInc, crdt.OpDec, crdt.OpAdd, crdt.OpRemove, crdt.OpPut, crdt.OpDelete, crdt.OpInsert}, op.Kind) {
		return nil, l.errAt(opTok.col, "unknown operation %s: %s takes %s", opTok.describe(), h.Type, crdt.OpUsage(h.Type))
	}
	if cerr := crdt.CheckOp(h.Type, crdt.Op{Kind: op.Kind, N: 1, Count: 1, Text: "x"}); cerr != nil {
		return nil, l.errAt(opTok.col, "%v", cerr)
	}
	switch op.Kind {
	case crdt.OpSet, crdt.OpAdd, crdt.OpRemove:
		op.Value, err = l.text("a value")
	case crdt.OpInc, crdt.OpDec:
		op.N = 1
		if l.more() {
			op.N, err = l.number("a positive amount")
			if err == nil && op.N <= 0 {
				err = l.errAt(l.lastCol(), "the amount must be positive, got %d", op.N)
			}
		}
	case crdt.OpPut:
		if op.Key, err = l.text("a key"); err == nil {
			op.Value, err = l.text("a value")
		}
	case crdt.OpInsert:
		var pos int64
		if pos, err = position(l); err == nil {
			op.Pos = int(pos)
			op.Text, err = l.text("the text to insert")
			if err == nil && op.Text == "" {
				err = l.errAt(l.lastCol(), "insert needs some text")
			}
		}
	case crdt.OpDelete:
		if h.Type == crdt.LWWMap {
			op.Key, err = l.text("a key")
			break
		}
		var pos int64
		if pos, err = position(l); err == nil {
			op.Pos, op.Count = int(pos), 1
			if l.more() {
				var n int64
				if n, err = l.number("a count"); err == nil && (n <= 0 || n > crdt.MaxTextLen) {
					err = l.errAt(l.lastCol(), "the count must be between 1 and %d, got %d", crdt.MaxTextLen, n)
				}
				op.Count = int(n)
			}
		}
	}
	if err != nil {
		return nil, err
	}
	return replicas.Edit{Replica: name, Op: op}, nil
}

func position(l *line) (int64, *Error) {
	n, err := l.number("a position (counting characters from 0)")
	if err == nil && (n < 0 || n > crdt.MaxTextLen) {
		return 0, l.errAt(l.lastCol(), "the position must be between 0 and %d, got %d", crdt.MaxTextLen, n)
	}
	return n, err
}

func parseLink(l *line, h Header) (string, string, *Error) {
	from, _, err := l.replica(h, false)
	if err != nil {
		return "", "", err
	}
	if err := l.expect("->"); err != nil {
		return "", "", err
	}
	to, _, err := l.replica(h, false)
	return from, to, err
}

func parseSync(l *line, h Header) (replicas.Action, *Error) {
	if l.is("all") {
		f, err := l.full(h)
		return replicas.SyncAll{Full: f}, err
	}
	from, _, err := l.replica(h, false)
	if err != nil {
		return nil, err
	}
	if l.is("<->") {
		to, _, err := l.replica(h, false)
		if err != nil {
			return nil, err
		}
		f, err := l.full(h)
		return replicas.SyncBoth{A: from, B: to, Full: f}, err
	}
	if err := l.expect("->"); err != nil {
		return nil, l.errHere("expected -> or <-> after the replica name")
	}
	to, all, err := l.replica(h, true)
	if err != nil {
		return nil, err
	}
	f, ferr := l.full(h)
	return replicas.Sync{From: from, To: to, ToAll: all, Full: f}, ferr
}

// full reads an optional "full" at the end of a send or sync: delta mode's
// whole-state repair. It is an error in op mode, and means nothing in
// state mode, where every message is a whole state anyway.
func (l *line) full(h Header) (bool, *Error) {
	t, ok := l.peek()
	if !ok || t.kind != tWord || t.text != "full" {
		return false, nil
	}
	l.i++
	if h.Mode == replicas.ModeOp {
		return false, l.errAt(t.col, "full sends a whole state, delta mode's repair; this scenario replicates by ops, which carry no state")
	}
	return true, nil
}

func parseCutHeal(l *line, h Header, heal bool) (replicas.Action, *Error) {
	if heal && !l.more() {
		return replicas.HealAll{}, nil
	}
	a, _, err := l.replica(h, false)
	if err != nil {
		return nil, err
	}
	both := !l.is("->")
	b, _, err := l.replica(h, false)
	if err != nil {
		return nil, err
	}
	if heal {
		return replicas.Heal{From: a, To: b, Both: both}, nil
	}
	return replicas.Cut{From: a, To: b, Both: both}, nil
}

func parsePartition(l *line, h Header) (replicas.Action, *Error) {
	groups := [][]string{{}}
	for l.more() {
		if l.is("|") {
			if len(groups[len(groups)-1]) == 0 {
				return nil, l.errAt(l.toks[l.i-1].col, "a group of the partition is empty")
			}
			groups = append(groups, []string{})
			continue
		}
		name, _, err := l.replica(h, false)
		if err != nil {
			return nil, err
		}
		groups[len(groups)-1] = append(groups[len(groups)-1], name)
	}
	if len(groups) < 2 {
		return nil, l.errHere("a partition needs groups separated by |, e.g. partition A | B C")
	}
	if len(groups[len(groups)-1]) == 0 {
		return nil, l.errHere("the last group of the partition is empty")
	}
	return replicas.Partition{Groups: groups}, nil
}

// expectClaims lists what an expect line can claim, for errors.
const expectClaims = "converged, equal, pending, diverged, lost N, declined N, inflight N, waiting N, bytes < N, bytes > N, or REPLICA = VALUE"

func parseExpect(l *line, h Header) (*Expect, *Error) {
	e := &Expect{Lane: replicas.CRDT}
	if len(l.toks) > l.i+1 && l.toks[l.i].kind == tWord && l.toks[l.i].text == "plain" && !(l.toks[l.i+1].kind == tPunct && l.toks[l.i+1].text == "=") {
		e.Lane = replicas.Plain
		l.i++
	}
	// "NAME = VALUE" or "all = VALUE"; otherwise a keyword.
	if len(l.toks) > l.i+1 && l.toks[l.i+1].kind == tPunct && l.toks[l.i+1].text == "=" {
		name, all, err := l.replica(h, true)
		if err != nil {
			return nil, err
		}
		l.i++ // =
		v, err := parseValue(l, h.Type)
		if err != nil {
			return nil, err
		}
		e.Kind, e.Replica, e.Value = ExpectValue, name, v
		if all {
			e.Kind = ExpectAll
		}
		return e, nil
	}
	kw, err := l.next(expectClaims)
	if err != nil {
		return nil, err
	}
	switch {
	case kw.kind == tWord && kw.text == "converged":
		e.Kind = ExpectConverged
	case kw.kind == tWord && kw.text == "diverged":
		e.Kind = ExpectDiverged
	case kw.kind == tWord && kw.text == "pending":
		e.Kind = ExpectPending
	case kw.kind == tWord && kw.text == "equal":
		e.Kind = ExpectEqual
	case kw.kind == tWord && kw.text == "bytes":
		cmp, err := l.next("< or >")
		if err != nil {
			return nil, err
		}
		switch {
		case cmp.kind == tWord && cmp.text == "<":
			e.Kind = ExpectBytesLess
		case cmp.kind == tWord && cmp.text == ">":
			e.Kind = ExpectBytesMore
		default:
			return nil, l.errAt(cmp.col, "expected < or >, found %s: sizes depend on the encoding, so expectations compare them", cmp.describe())
		}
		n, err := l.number("a number of bytes")
		if err != nil {
			return nil, err
		}
		if n < 0 {
			return nil, l.errAt(l.lastCol(), "a size cannot be negative")
		}
		e.N = int(n)
	case kw.kind == tWord && (kw.text == "lost" || kw.text == "inflight" || kw.text == "declined" || kw.text == "waiting"):
		if kw.text == "inflight" && e.Lane == replicas.Plain {
			return nil, l.errAt(kw.col, "inflight counts messages on the network, which both lanes share: write expect inflight N")
		}
		if kw.text == "waiting" && e.Lane == replicas.Plain {
			return nil, l.errAt(kw.col, "waiting counts what waits in the CRDT lane (ops in causal buffers, text edits in delta mode); the plain lane has none: write expect waiting N")
		}
		if kw.text == "waiting" && h.Mode == replicas.ModeState {
			return nil, l.errAt(kw.col, "waiting counts ops in causal buffers and text edits waiting in delta mode; in state mode nothing waits")
		}
		n, err := l.number("a count")
		if err != nil {
			return nil, err
		}
		if n < 0 {
			return nil, l.errAt(l.lastCol(), "a count cannot be negative")
		}
		e.N = int(n)
		e.Kind = map[string]ExpectKind{"lost": ExpectLost, "inflight": ExpectInFlight, "declined": ExpectDeclined, "waiting": ExpectWaiting}[kw.text]
	default:
		return nil, l.errAt(kw.col, "expected %s, found %s", expectClaims, kw.describe())
	}
	return e, nil
}

// ParseValue parses a value written for type t, as after "expect X =".
func ParseValue(src string, t crdt.Type) (crdt.Value, error) {
	toks, col, msg := lexLine(src)
	if msg != "" {
		return crdt.Value{}, &Error{Pos: Pos{File: "value", Line: 1, Col: col}, Msg: msg}
	}
	l := &line{file: "value", num: 1, toks: toks, end: len([]rune(src)) + 1}
	v, err := parseValue(l, t)
	if err != nil {
		return crdt.Value{}, err
	}
	if err := l.done(); err != nil {
		return crdt.Value{}, err
	}
	return v, nil
}

func parseValue(l *line, t crdt.Type) (crdt.Value, *Error) {
	switch crdt.ValueKind(t) {
	case crdt.KindInt:
		n, err := l.number("an integer")
		return crdt.IntValue(n), err
	case crdt.KindSet:
		elems, err := parseBraces(l, "a set such as {a, b}", false)
		if err != nil {
			return crdt.Value{}, err
		}
		vals := make([]string, len(elems))
		for i, p := range elems {
			vals[i] = p.Key
		}
		return crdt.SetValue(vals...), nil
	case crdt.KindMap:
		pairs, err := parseBraces(l, "a map such as {key: value}", true)
		if err != nil {
			return crdt.Value{}, err
		}
		return crdt.MapValue(pairs...), nil
	}
	if t == crdt.MVRegister && l.more() && l.toks[l.i].kind == tPunct && l.toks[l.i].text == "{" {
		elems, err := parseBraces(l, "siblings such as {a, b}", false)
		if err != nil {
			return crdt.Value{}, err
		}
		vals := make([]string, len(elems))
		for i, p := range elems {
			vals[i] = p.Key
		}
		v := crdt.SetValue(vals...)
		if len(v.Set) == 1 {
			return crdt.StringValue(v.Set[0]), nil
		}
		return v, nil
	}
	s, err := l.text("a value (a word or a \"quoted string\")")
	return crdt.StringValue(s), err
}

// parseBraces reads {a, b} or, with pairs, {k: v, ...}. Elements are
// returned as Pair keys.
func parseBraces(l *line, what string, pairs bool) ([]crdt.Pair, *Error) {
	if !l.is("{") {
		return nil, l.errHere("expected %s", what)
	}
	var out []crdt.Pair
	if l.is("}") {
		return out, nil
	}
	keys := map[string]bool{}
	for {
		k, err := l.text("an element")
		if err != nil {
			return nil, err
		}
		p := crdt.Pair{Key: k}
		if pairs && keys[k] {
			return nil, l.errAt(l.lastCol(), "key %s is given twice; a map holds one value per key", crdt.Quote(k))
		}
		keys[k] = true
		if pairs {
			if err := l.expect(":"); err != nil {
				return nil, err
			}
			if p.Value, err = l.text("a value"); err != nil {
				return nil, err
			}
		}
		out = append(out, p)
		if l.is("}") {
			return out, nil
		}
		if !l.is(",") {
			return nil, l.errHere("expected \",\" or \"}\" in %s", what)
		}
	}
}
