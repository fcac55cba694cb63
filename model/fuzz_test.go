package model

import (
	"testing"

	tea "charm.land/bubbletea/v2"

	"crdtviz/crdt"
	"crdtviz/replicas"
)

var fuzzKeys = []string{"right", "left", "up", "down", "tab", "enter", "esc", "space", "pgup", "pgdown", "backspace",
	"1", "2", "3", "4", "9", "a", "c", "d", "D", "e", "H", "i", "m", "N", "P", "r", "s", "S", "t", "u", "v", "x",
	"+", "-", ":", "?", "[", "]", "/", "é", "界", "\"", "|", "{", "#", "f", "A", "g", "G", "home", "end"}

// FuzzRootModel drives the root model with a stream of keys, clicks, pastes
// and resizes decoded from the input: no panic, the view always fits the
// window, and the cluster's invariants hold after every event.
func FuzzRootModel(f *testing.F) {
	f.Add([]byte("\x00\x01\x02\x10\x11\x12\x13"), uint8(0))
	f.Add([]byte{250, 40, 10, 251, 3, 4, 252, 5, 'h', 'i', 20, 21, 22}, uint8(1))
	f.Add([]byte(":edit Alice add x\n"), uint8(2))
	// The crash of charmbracelet/bubbles#1056: ":", "a", "b", left, alt+d.
	f.Add([]byte{35, 16, 17, 1, 253, 3, 0}, uint8(1))
	// The same crash in the start menu's filter: "/", "a", "b", left,
	// alt+d (the menu is start option 3).
	f.Add([]byte{39, 16, 17, 1, 253, 3, 0, 19, 253, 14, 1}, uint8(3))
	// Action by action through the seed demo (started by action), the
	// diagram open (g), messages selected (up), full screen (G), then by
	// step again (f).
	f.Add([]byte{48, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 49, 1, 1, 0, 46, 0}, uint8(4))
	f.Fuzz(func(t *testing.T, events []byte, start uint8) {
		opOrSet := &replicas.Config{Type: crdt.ORSet, Names: []string{"Alice", "Bob", "Carol"}, Mode: replicas.ModeOp, AnyOrder: start%2 == 0}
		opts := []Options{{Free: free(crdt.Text, "Ann", "Bø", "李")}, {Free: free(crdt.ORSet)}, {Scenario: demo(t, "cart")}, {},
			{Scenario: demo(t, "seed"), ByAction: true}, {Free: opOrSet}, {Scenario: demo(t, "bytes-delta")}}[int(start)%7]
		m := newRoot(t, opts, 80, 24)
		w, h := 80, 24
		for i := 0; i < len(events) && i < 400; i++ {
			b := events[i]
			switch {
			case b == 250 && i+2 < len(events): // resize
				w, h = int(events[i+1])%230+1, int(events[i+2])%70+1
				m.Update(tea.WindowSizeMsg{Width: w, Height: h})
				i += 2
			case b == 251 && i+2 < len(events): // click
				m.Update(tea.MouseClickMsg{X: int(events[i+1]), Y: int(events[i+2]), Button: tea.MouseLeft})
				i += 2
			case b == 253 && i+2 < len(events): // a key with alt, ctrl or both
				codes := []rune{'a', 'b', 'c', 'd', 'e', 'f', 'h', 'k', 'n', 'p', 'u', 'w', 'z', tea.KeyDelete, tea.KeyBackspace,
					tea.KeyLeft, tea.KeyRight, tea.KeyUp, tea.KeyDown, tea.KeyHome, tea.KeyEnd, tea.KeyEnter}
				mods := []tea.KeyMod{tea.ModAlt, tea.ModCtrl, tea.ModAlt | tea.ModCtrl, tea.ModShift}
				k := tea.KeyPressMsg{Code: codes[int(events[i+1])%len(codes)], Mod: mods[int(events[i+2])%len(mods)]}
				if k.String() != "ctrl+c" && k.String() != "ctrl+z" { // these end or stop the program
					m.Update(k)
				}
				i += 2
			case b == 252 && i+1 < len(events): // paste
				n := min(int(events[i+1])%16, len(events)-i-2)
				m.Update(tea.PasteMsg{Content: string(events[i+2 : i+2+n])})
				i += 1 + n
			default:
				send(t, m, fuzzKeys[int(b)%len(fuzzKeys)])
			}
			checkFits(t, screen(m), w, h)
			if m.sess != nil {
				if err := m.sess.cluster().Check(); err != nil {
					t.Fatalf("event %d: %v", i, err)
				}
			}
		}
	})
}
