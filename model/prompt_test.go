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

// The start menu's filter is a bubbles textinput too: the same keys at
// every cursor position delete the next word, keep the filter open and
// never panic (issue 23: "/", ab, ←, alt+d exited with index out of range).
func TestMenuFilterDeleteWordForwardEverywhere(t *testing.T) {
	keys := []tea.KeyPressMsg{
		{Code: 'd', Mod: tea.ModAlt},
		{Code: tea.KeyDelete, Mod: tea.ModAlt},
		{Code: tea.KeyDelete, Mod: tea.ModCtrl},
	}
	for _, text := range []string{"ab", "se ed", "cart"} {
		for _, k := range keys {
			for left := 0; left <= len(text); left++ {
				m := newRoot(t, Options{}, 80, 24)
				send(t, m, "/")
				typeText(t, m, text)
				for range left {
					m.Update(tea.KeyPressMsg{Code: tea.KeyLeft})
				}
				m.Update(k)
				pos := len(text) - left
				end := pos
				for end < len(text) && text[end] == ' ' {
					end++
				}
				for end < len(text) && text[end] != ' ' {
					end++
				}
				want := text[:pos] + text[end:]
				if !m.menu.Filtering() || m.menu.list.FilterValue() != want {
					t.Errorf("%q, %d left, %s: filtering %v, filter %q, want %q", text, left, k, m.menu.Filtering(), m.menu.list.FilterValue(), want)
				}
				// Typing goes on where the cursor was.
				typeText(t, m, "x")
				if got := m.menu.list.FilterValue(); got != text[:pos]+"x"+text[end:] {
					t.Errorf("%q, %d left, %s, then x: filter %q", text, left, k, got)
				}
			}
		}
	}
}
