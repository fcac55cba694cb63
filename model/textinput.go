package model

import (
	"unicode"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
)

// Every text input in the app (the ':' prompt, the start menu's filter, and
// any added later) passes its keys through guardInput first. bubbles'
// textinput indexes past the end of its value when delete-word-forward
// (alt+d, alt+delete, ctrl+delete) is pressed with the cursor on the last
// rune (charmbracelet/bubbles#1056, open): guardInput deletes the word
// itself, as a shell does, so bubbles' code for that key never runs.

// guardInput handles k for in when bubbles' own handling of it is unsafe.
// It reports whether it handled the key, and whether the value changed.
func guardInput(in *textinput.Model, k tea.KeyPressMsg) (handled, changed bool) {
	if !key.Matches(k, in.KeyMap.DeleteWordForward) {
		return false, false
	}
	return true, deleteWordForward(in)
}

// deleteWordForward deletes from the cursor to the end of the next word
// (spaces first, then the word), as alt+d does in a shell, and reports
// whether anything was deleted.
func deleteWordForward(in *textinput.Model) bool {
	v := []rune(in.Value())
	pos := min(max(in.Position(), 0), len(v))
	end := pos
	for end < len(v) && unicode.IsSpace(v[end]) {
		end++
	}
	for end < len(v) && !unicode.IsSpace(v[end]) {
		end++
	}
	if end == pos {
		return false
	}
	in.SetValue(string(v[:pos]) + string(v[end:]))
	in.SetCursor(pos)
	return true
}
