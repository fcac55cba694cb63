package model

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"crdtviz/crdt"
	"crdtviz/demos"
	"crdtviz/replicas"
	"crdtviz/ui"
)

// PromptIntent is what the user asked the prompt for with a key: nothing
// yet, run the text, or close. The prompt returns it; the root decides.
type PromptIntent struct {
	Submit, Cancel bool
	Text           string
}

// PromptKeyMap is the prompt's own keys.
type PromptKeyMap struct {
	Submit, Cancel, Older, Newer, Complete key.Binding
}

// DefaultPromptKeyMap is the standard prompt key map.
func DefaultPromptKeyMap() PromptKeyMap {
	return PromptKeyMap{
		Submit:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "run")),
		Cancel:   key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "close")),
		Older:    key.NewBinding(key.WithKeys("up"), key.WithHelp("↑", "older command")),
		Newer:    key.NewBinding(key.WithKeys("down"), key.WithHelp("↓", "newer command")),
		Complete: key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "complete name")),
	}
}

// ShortHelp and FullHelp make the prompt a help.KeyMap.
func (k PromptKeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Submit, k.Complete, k.Older, k.Newer, k.Cancel}
}
func (k PromptKeyMap) FullHelp() [][]key.Binding { return [][]key.Binding{k.ShortHelp()} }

// Prompt is the ':' command line. It accepts any statement of the scenario
// language; the root parses and runs it and hands back an error to show.
type Prompt struct {
	input   textinput.Model
	keys    PromptKeyMap
	styles  ui.Styles
	history []string
	back    int // how far back in history ↑ has gone; 0 is the line being typed
	draft   string
	err     string
	names   []string
	typ     crdt.Type
	hint    string // replaces the hint under the input (classroom mode)
}

// NewPrompt makes a closed prompt.
func NewPrompt(s ui.Styles) Prompt {
	in := textinput.New()
	in.Prompt = ": "
	in.ShowSuggestions = true
	in.CharLimit = 4096
	km := textinput.DefaultKeyMap()
	km.NextSuggestion = key.NewBinding(key.WithKeys("ctrl+n"))
	km.PrevSuggestion = key.NewBinding(key.WithKeys("ctrl+p"))
	in.KeyMap = km
	in.SetStyles(inputStyles(s))
	return Prompt{input: in, keys: DefaultPromptKeyMap(), styles: s}
}

// Open focuses the prompt with some text already typed, for a session of
// the given type and replica names (its examples and completions use them).
func (p Prompt) Open(prefill string, names []string, typ crdt.Type) (Prompt, tea.Cmd) {
	p.names, p.typ = names, typ
	p.err, p.back, p.draft = "", 0, ""
	p.input.SetValue(prefill)
	p.input.CursorEnd()
	p.suggest()
	return p, p.input.Focus()
}

// CursorBack moves the cursor n characters left of where it is.
func (p Prompt) CursorBack(n int) Prompt {
	p.input.SetCursor(max(0, p.input.Position()-n))
	return p
}

// Close blurs the prompt.
func (p Prompt) Close() Prompt {
	p.input.Blur()
	p.input.SetValue("")
	p.err = ""
	return p
}

// Failed shows an error under the input, with text in the input: what was
// typed, or what of it has not run yet.
func (p Prompt) Failed(err, text string) Prompt {
	p.err = err
	if text != p.input.Value() {
		p.input.SetValue(text)
		p.input.CursorEnd()
		p.suggest()
	}
	return p
}

// Remember adds a command that ran to the history.
func (p Prompt) Remember(text string) Prompt {
	if text = strings.TrimSpace(text); text != "" && (len(p.history) == 0 || p.history[len(p.history)-1] != text) {
		p.history = append(p.history, text)
	}
	return p
}

// SetStyles changes the styles (on a theme change).
func (p *Prompt) SetStyles(s ui.Styles) {
	p.styles = s
	p.input.SetStyles(inputStyles(s))
}

// SetSize sets the input's width.
func (p *Prompt) SetSize(w, _ int) { p.input.SetWidth(max(1, w-3)) }

// HandleKey handles a key while the prompt is open and says what the user
// wants. Returning the intent directly (rather than as a later message)
// means keys typed right after enter go to the screen, not the prompt.
func (p Prompt) HandleKey(k tea.KeyPressMsg) (Prompt, tea.Cmd, PromptIntent) {
	switch {
	case key.Matches(k, p.keys.Submit):
		return p, nil, PromptIntent{Submit: true, Text: p.input.Value()}
	case key.Matches(k, p.keys.Cancel):
		return p, nil, PromptIntent{Cancel: true}
	case key.Matches(k, p.keys.Older):
		p.walk(1)
		return p, nil, PromptIntent{}
	case key.Matches(k, p.keys.Newer):
		p.walk(-1)
		return p, nil, PromptIntent{}
	}
	if handled, changed := guardInput(&p.input, k); handled {
		if changed {
			p.err = ""
			p.suggest()
		}
		return p, nil, PromptIntent{}
	}
	p, cmd := p.Update(k)
	return p, cmd, PromptIntent{}
}

// Update passes other messages (pastes, cursor blinks) to the input.
func (p Prompt) Update(msg tea.Msg) (Prompt, tea.Cmd) {
	before := p.input.Value()
	var cmd tea.Cmd
	p.input, cmd = p.input.Update(msg)
	if p.input.Value() != before {
		p.err = ""
		p.suggest()
	}
	return p, cmd
}

// walk moves through the history: 1 is older, -1 newer.
func (p *Prompt) walk(dir int) {
	if p.back == 0 {
		p.draft = p.input.Value()
	}
	p.back = min(max(p.back+dir, 0), len(p.history))
	if p.back == 0 {
		p.input.SetValue(p.draft)
	} else {
		p.input.SetValue(p.history[len(p.history)-p.back])
	}
	p.input.CursorEnd()
	p.suggest()
}

// suggest offers completions of the word being typed: replica names
// anywhere, and keywords for the first word.
func (p *Prompt) suggest() {
	v := p.input.Value()
	cut := strings.LastIndexAny(v, " |")
	prefix, partial := v[:cut+1], v[cut+1:]
	if strings.Count(v, `"`)%2 == 1 { // inside a quoted name: complete from its quote
		q := strings.LastIndex(v, `"`)
		prefix, partial = v[:q], v[q:]
	}
	var cands []string
	for _, n := range p.names {
		cands = append(cands, replicas.QuoteName(n))
	}
	if strings.TrimSpace(prefix) == "" {
		cands = append(cands, demos.PromptKeywords()...)
	}
	var out []string
	if partial != "" {
		for _, c := range cands {
			if strings.HasPrefix(strings.ToLower(c), strings.ToLower(partial)) && c != partial {
				out = append(out, prefix+c)
			}
		}
	}
	slices.Sort(out)
	p.input.SetSuggestions(out)
}

// Value is the text typed so far.
func (p Prompt) Value() string { return p.input.Value() }

// View is the input line.
func (p Prompt) View() string { return p.input.View() }

// SetHint replaces the usual hint under the input: another screen takes
// other commands.
func (p *Prompt) SetHint(h string) { p.hint = h }

// HintView is the line under the input: the error, or how to use it.
func (p Prompt) HintView() string {
	if p.err != "" {
		return p.styles.App.Error.Render(p.styles.Symbols.Cross + " " + p.err)
	}
	if p.hint != "" {
		return p.styles.App.Muted.Render(p.hint)
	}
	if k, ok := p.statement(); ok {
		return p.styles.App.Muted.Render(k.Usage + " · " + k.Help)
	}
	return p.styles.App.Muted.Render("e.g. " + p.example() + " · several with ; · w FILE saves · enter runs · tab completes · ↑↓ history · esc closes")
}

// statement is the statement being typed, once its keyword is: the hint
// then shows its usage and its line of help, from the language's keyword
// table.
func (p Prompt) statement() (demos.Keyword, bool) {
	v := p.input.Value()
	if i := strings.LastIndex(v, ";"); i >= 0 {
		v = v[i+1:]
	}
	word, _, _ := strings.Cut(strings.TrimLeft(v, " "), " ")
	for _, k := range demos.Keywords() {
		if k.Place == demos.InStep && k.Name == word {
			return k, true
		}
	}
	return demos.Keyword{}, false
}

// example is a line of statements for this session's type and replicas,
// e.g. `edit Alice inc 1; sync Alice -> Bob; partition Alice | Bob Carol`.
func (p Prompt) example() string {
	if len(p.names) < 2 {
		return "sync all"
	}
	a, b := replicas.QuoteName(p.names[0]), replicas.QuoteName(p.names[1])
	op := map[crdt.Type]string{crdt.LWWRegister: "set x", crdt.MVRegister: "set x", crdt.GCounter: "inc 1", crdt.PNCounter: "dec 1",
		crdt.GSet: "add x", crdt.TwoPSet: "add x", crdt.LWWSet: "add x", crdt.ORSet: "add x", crdt.LWWMap: "put k v", crdt.Text: "insert 0 x"}[p.typ]
	if op == "" {
		op = "set x"
	}
	rest := make([]string, 0, len(p.names)-1)
	for _, n := range p.names[1:] {
		rest = append(rest, replicas.QuoteName(n))
	}
	return fmt.Sprintf("edit %s %s; sync %s -> %s; partition %s | %s", a, op, a, b, a, strings.Join(rest, " "))
}
