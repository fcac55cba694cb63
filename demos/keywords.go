package demos

import (
	"slices"
	"strings"

	"crdtviz/replicas"
)

// Place says where a statement may stand.
type Place int

const (
	// InHeader statements come before the first step, at most once each.
	InHeader Place = iota
	// InStep statements belong to the step above them, and can be typed at
	// the app's prompt.
	InStep
)

// Keyword describes one statement of the scenario language, for help and
// completion.
type Keyword struct {
	Name  string
	Usage string // e.g. "edit REPLICA OP ARGS"
	Help  string // one line
	Place Place
}

// statementSpec is one row of the language: what the statement is and how
// it is parsed. A new statement is one row here: the parser dispatches on
// this table, the prompt completes first words from PromptKeywords, and
// the prompt's hint shows the usage and help (Keywords) of the statement
// being typed.
type statementSpec struct {
	Keyword
	// header parses a header statement into the scenario (InHeader rows).
	header func(l *line, s *Scenario, initial **line) *Error
	// parse parses a step statement (InStep rows; step itself is handled
	// by the parser, which starts a new step with it).
	parse func(l *line, h Header) (Statement, *Error)
}

// statements is the table of every keyword, in the order help lists them.
// It is filled in init, because the parsers it names refer back to it.
var statements []statementSpec

func init() { statements = statementTable() }

func statementTable() []statementSpec {
	return []statementSpec{
		{Keyword: Keyword{"title", "title TEXT", "the demo's title (required)", InHeader}, header: headerTitle},
		{Keyword: Keyword{"type", "type TYPE", "the CRDT type every replica holds (required)", InHeader}, header: headerType},
		{Keyword: Keyword{"replicas", "replicas NAME NAME ...", "2 to 8 replica names, in screen order (required)", InHeader}, header: headerReplicas},
		{Keyword: Keyword{"initial", "initial VALUE", "every replica's starting value", InHeader}, header: headerInitial},
		{Keyword: Keyword{"about", "about TEXT", "an introduction shown before step 1", InHeader}, header: headerAbout},
		{Keyword: Keyword{"mode", "mode state|op|delta", "what a CRDT-lane message carries (default state)", InHeader}, header: headerMode},
		{Keyword: Keyword{"delivery", "delivery causal|any", "op mode: apply ops in causal order, or as they arrive", InHeader}, header: headerDelivery},
		{Keyword: Keyword{"dedup", "dedup on|off", "op mode: ignore an op delivered twice, or apply it again", InHeader}, header: headerDedup},
		{Keyword: Keyword{"step", "step TEXT", "start a narrated step", InStep}, parse: parseStep},
		{Keyword: Keyword{"ask", "ask TEXT [choices A | B | C]", "a question for the class, before the step's actions", InStep}, parse: parseAsk},
		{Keyword: Keyword{"edit", "edit REPLICA OP ARGS", "a local edit, e.g. edit Alice inc 200", InStep}, parse: action(parseEdit)},
		{Keyword: Keyword{"send", "send FROM -> TO|all", "put FROM's state in flight", InStep}, parse: action(parseSend)},
		{Keyword: Keyword{"deliver", "deliver FROM -> TO [newest] | deliver all", "deliver a message in flight", InStep}, parse: action(parseDeliver)},
		{Keyword: Keyword{"drop", "drop FROM -> TO", "lose the oldest message on a link", InStep}, parse: action(parseDropDup(false))},
		{Keyword: Keyword{"duplicate", "duplicate FROM -> TO", "copy the oldest message on a link", InStep}, parse: action(parseDropDup(true))},
		{Keyword: Keyword{"sync", "sync FROM -> TO|all | sync A <-> B | sync all", "send and deliver at once", InStep}, parse: action(parseSync)},
		{Keyword: Keyword{"cut", "cut A B | cut A -> B", "cut a link", InStep}, parse: action(parseCut)},
		{Keyword: Keyword{"heal", "heal [A B | A -> B]", "heal a link, or every link", InStep}, parse: action(parseHeal)},
		{Keyword: Keyword{"partition", "partition A B | C D", "cut every link between the groups", InStep}, parse: action(parsePartition)},
		{Keyword: Keyword{"clock", "clock REPLICA +N|-N", "set a replica's clock skew", InStep}, parse: action(parseClock)},
		{Keyword: Keyword{"expect", "expect [plain] CLAIM", "check a claim: converged, equal, pending, diverged, lost N, NAME = VALUE, ...", InStep}, parse: parseExpectStatement},
	}
}

// spec looks a keyword up in the table.
func spec(name string) (statementSpec, bool) {
	i := slices.IndexFunc(statements, func(s statementSpec) bool { return s.Name == name })
	if i < 0 {
		return statementSpec{}, false
	}
	return statements[i], true
}

// Keywords lists every statement of the language, in the order help shows
// them.
func Keywords() []Keyword {
	out := make([]Keyword, len(statements))
	for i, s := range statements {
		out[i] = s.Keyword
	}
	return out
}

// PromptKeywords lists the keywords that can be typed at the app's prompt.
func PromptKeywords() []string {
	var out []string
	for _, s := range statements {
		if s.Place == InStep {
			out = append(out, s.Name)
		}
	}
	return out
}

// promptList is "edit, send, …, expect or step", for error messages.
func promptList() string {
	kws := PromptKeywords()
	// step last: it marks, it does not act
	if i := slices.Index(kws, "step"); i >= 0 {
		kws = append(append(kws[:i:i], kws[i+1:]...), "step")
	}
	return strings.Join(kws[:len(kws)-1], ", ") + " or " + kws[len(kws)-1]
}

// action adapts an action parser to a statement parser.
func action(f func(l *line, h Header) (replicas.Action, *Error)) func(l *line, h Header) (Statement, *Error) {
	return func(l *line, h Header) (Statement, *Error) {
		a, err := f(l, h)
		return Statement{Action: a}, err
	}
}

func parseStep(l *line, _ Header) (Statement, *Error) {
	text, err := l.prose("the step's narration")
	return Statement{Step: &text}, err
}

// parseAsk reads ask TEXT [choices A | B | C]: TEXT is one quoted string
// or bare words up to "choices"; each choice is a bare word or a quoted
// string.
func parseAsk(l *line, _ Header) (Statement, *Error) {
	if !l.more() {
		return Statement{}, l.errHere("expected the question, for example: ask \"Which value wins?\" choices 1200 | 950")
	}
	var q Ask
	if t := l.toks[l.i]; t.kind == tString {
		l.i++
		q.Text = t.text
		if err := checkProse(t, "the question"); err != nil {
			return Statement{}, l.errAt(t.col, "%s", err)
		}
	} else {
		var words []string
		for l.more() {
			t := l.toks[l.i]
			if t.kind == tWord && t.text == "choices" {
				break
			}
			if t.kind != tWord {
				return Statement{}, l.errHere("put the question in double quotes to use %s", t.describe())
			}
			words = append(words, t.text)
			l.i++
		}
		if len(words) == 0 {
			return Statement{}, l.errHere("expected the question before choices")
		}
		q.Text = strings.Join(words, " ")
	}
	if l.is("choices") {
		for {
			t, err := l.next("a choice: a word or a quoted string")
			if err != nil {
				return Statement{}, err
			}
			if t.kind == tPunct {
				return Statement{}, l.errAt(t.col, "expected a choice, found %s", t.describe())
			}
			if t.kind == tString {
				if err := checkProse(t, "a choice"); err != nil {
					return Statement{}, l.errAt(t.col, "%s", err)
				}
			}
			q.Choices = append(q.Choices, t.text)
			if len(q.Choices) > MaxChoices {
				return Statement{}, l.errAt(t.col, "an ask has at most %d choices (a to f)", MaxChoices)
			}
			if !l.is("|") {
				break
			}
		}
		if len(q.Choices) < 2 {
			return Statement{}, l.errHere("give at least two choices, separated by |")
		}
	}
	return Statement{Ask: &q}, nil
}

func parseExpectStatement(l *line, h Header) (Statement, *Error) {
	e, err := parseExpect(l, h)
	return Statement{Expect: e}, err
}
