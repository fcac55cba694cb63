package model

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"crdtviz/crdt"
	"crdtviz/ui"
)

// alt+d, alt+delete and ctrl+delete at every cursor position delete the
// next word and never panic (bubbles' own deleteWordForward indexes past
// the end: charmbracelet/bubbles#1056).
func TestPromptDeleteWordForwardEverywhere(t *testing.T) {
	keys := []tea.KeyPressMsg{
		{Code: 'd', Mod: tea.ModAlt},
		{Code: tea.KeyDelete, Mod: tea.ModAlt},
		{Code: tea.KeyDelete, Mod: tea.ModCtrl},
	}
	for _, text := range []string{"ab", "a b", "edit Alice  add x", " x ", "é😀 b", ""} {
		for _, k := range keys {
			for pos := 0; pos <= len([]rune(text)); pos++ {
				p, _ := NewPrompt(ui.NewStyles(ui.Mono, false)).Open(text, []string{"Alice", "Bob"}, crdt.ORSet)
				p.input.SetCursor(pos)
				p, _, _ = p.HandleKey(k)
				rs := []rune(text)
				end := pos
				for end < len(rs) && rs[end] == ' ' {
					end++
				}
				for end < len(rs) && rs[end] != ' ' {
					end++
				}
				if want := string(rs[:pos]) + string(rs[end:]); p.Value() != want {
					t.Errorf("%q at %d, %s: %q, want %q", text, pos, k, p.Value(), want)
				}
			}
		}
	}
}

// The same through the root model, as typed: ab, ←, alt+d.
func TestAltDAtThePromptDoesNotCrash(t *testing.T) {
	m := newRoot(t, Options{Free: free(crdt.ORSet)}, 80, 24)
	send(t, m, ":")
	typeText(t, m, "ab")
	m.Update(tea.KeyPressMsg{Code: tea.KeyLeft})
	m.Update(tea.KeyPressMsg{Code: 'd', Mod: tea.ModAlt})
	if !strings.Contains(screen(m), ": a") {
		t.Fatalf("screen:\n%s", screen(m))
	}
}
