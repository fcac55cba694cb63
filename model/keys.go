package model

import (
	"strings"

	"charm.land/bubbles/v2/key"
)

// KeyMap is every key of the play screen (free play and demos). Every
// binding carries its help text, so `?` shows them all.
type KeyMap struct {
	Next, Prev         key.Binding
	FocusNext, Focus   key.Binding
	Edit, Inc, Dec     key.Binding
	Sync, SyncAll      key.Binding
	Send, Link         key.Binding
	Partition, HealAll key.Binding
	MsgUp, MsgDown     key.Binding
	Deliver, Newest    key.Binding
	DeliverAll         key.Binding
	Drop, Duplicate    key.Binding
	Internals, Pane    key.Binding
	InternalsUp        key.Binding
	InternalsDown      key.Binding
	LogUp, LogDown     key.Binding
	Prompt, Help       key.Binding
	ChooseType, Return key.Binding
	Menu, Quit         key.Binding
	ForceQuit          key.Binding // ctrl+c: quits from anywhere, at once
	Autoplay           key.Binding
	Faster, Slower     key.Binding // while autoplay runs
}

// DefaultKeyMap is the standard play-screen key map. Presenter remotes send
// PageUp and PageDown, which step too.
func DefaultKeyMap() KeyMap {
	b := func(keys []string, k, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
	}
	return KeyMap{
		Next:          b([]string{"right", "l", "space", "n", "pgdown"}, "→/space", "next step"),
		Prev:          b([]string{"left", "h", "p", "pgup"}, "←", "previous step"),
		FocusNext:     b([]string{"tab"}, "tab", "focus next replica"),
		Focus:         b([]string{"1", "2", "3", "4", "5", "6", "7", "8"}, "1-8", "focus replica"),
		Edit:          b([]string{"e"}, "e", "edit focused replica"),
		Inc:           b([]string{"+", "="}, "+", "inc / add"),
		Dec:           b([]string{"-", "_"}, "-", "dec / remove"),
		Sync:          b([]string{"s"}, "s", "sync focused → chosen"),
		SyncAll:       b([]string{"S"}, "S", "sync all (one round)"),
		Send:          b([]string{"m"}, "m", "send focused → chosen"),
		Link:          b([]string{"c"}, "c", "cut/heal link to chosen"),
		Partition:     b([]string{"P"}, "P", "partition focused away"),
		HealAll:       b([]string{"H"}, "H", "heal every link"),
		MsgUp:         b([]string{"up", "k"}, "↑/k", "select message"),
		MsgDown:       b([]string{"down", "j"}, "↓/j", "select message"),
		Deliver:       b([]string{"d"}, "d", "deliver selected message"),
		Newest:        b([]string{"N"}, "N", "deliver newest on its link"),
		DeliverAll:    b([]string{"D"}, "D", "deliver all"),
		Drop:          b([]string{"x"}, "x", "drop (oldest on link)"),
		Duplicate:     b([]string{"u"}, "u", "duplicate (oldest on link)"),
		Internals:     b([]string{"i"}, "i", "show/hide full CRDT internals"),
		InternalsUp:   b([]string{"{"}, "{", "scroll internals up"),
		InternalsDown: b([]string{"}"}, "}", "scroll internals down"),
		Pane:          b([]string{"v"}, "v", "switch pane: messages, log, details"),
		LogUp:         b([]string{"["}, "[", "scroll log or details up"),
		LogDown:       b([]string{"]"}, "]", "scroll log or details down"),
		Prompt:        b([]string{":"}, ":", "command prompt"),
		Help:          b([]string{"?"}, "?", "all keys"),
		ChooseType:    b([]string{"t"}, "t", "choose type (free play)"),
		Return:        b([]string{"r"}, "r", "return to the demo"),
		Menu:          b([]string{"esc"}, "esc", "back to the menu"),
		Quit:          b([]string{"q"}, "q", "quit"),
		ForceQuit:     b([]string{"ctrl+c"}, "ctrl+c", "quit at once"),
		Autoplay:      b([]string{"a"}, "a", "autoplay a demo (any key pauses)"),
		Faster:        b([]string{"+", "="}, "+", "autoplay faster"),
		Slower:        b([]string{"-", "_"}, "-", "autoplay slower"),
	}
}

// ASCII returns the key map with help labels in plain ASCII, for --ascii.
func (k KeyMap) ASCII() KeyMap {
	swap := strings.NewReplacer("→", "right", "←", "left", "↑", "up", "↓", "down")
	for _, b := range []*key.Binding{&k.Next, &k.Prev, &k.FocusNext, &k.Focus, &k.Edit, &k.Inc, &k.Dec, &k.Sync, &k.SyncAll,
		&k.Send, &k.Link, &k.Partition, &k.HealAll, &k.MsgUp, &k.MsgDown, &k.Deliver, &k.Newest, &k.DeliverAll, &k.Drop,
		&k.Duplicate, &k.Internals, &k.InternalsUp, &k.InternalsDown, &k.Pane, &k.LogUp, &k.LogDown, &k.Prompt, &k.Help, &k.ChooseType, &k.Return, &k.Menu, &k.Quit,
		&k.ForceQuit, &k.Autoplay, &k.Faster, &k.Slower} {
		h := b.Help()
		b.SetHelp(swap.Replace(h.Key), swap.Replace(h.Desc))
	}
	return k
}

// update enables the keys that work in this mode and session and disables
// the rest, as bubbles' list does, so that the help bar and the help screen
// list only keys that do something here, and a disabled key matches
// nothing. Stepping is relabelled undo and redo outside a demo.
func (k *KeyMap) update(mode Mode, s *session, autoplaying, internals bool) {
	k.InternalsUp.SetEnabled(internals)
	k.InternalsDown.SetEnabled(internals)
	play := s != nil && mode != ModeStart && mode != ModeTypes
	demo := play && s.demo()
	k.ChooseType.SetEnabled(play && s.scenario == nil)
	k.Return.SetEnabled(play && s.branched)
	k.Autoplay.SetEnabled(demo && !autoplaying)
	k.Faster.SetEnabled(autoplaying)
	k.Slower.SetEnabled(autoplaying)
	next, prev := "next step", "previous step"
	if play && !demo {
		next, prev = "redo", "undo"
	}
	k.Next.SetHelp(k.Next.Help().Key, next)
	k.Prev.SetHelp(k.Prev.Help().Key, prev)
}

// ShortHelp is the help bar: the keys a newcomer needs first.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Next, k.Prev, k.Edit, k.Sync, k.Link, k.Prompt, k.Help, k.Quit}
}

// FullHelp is every key, grouped.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Next, k.Prev, k.FocusNext, k.Focus, k.Return, k.Menu},
		{k.Edit, k.Inc, k.Dec, k.Sync, k.SyncAll, k.Send},
		{k.Link, k.Partition, k.HealAll, k.MsgUp, k.MsgDown, k.Deliver},
		{k.Newest, k.DeliverAll, k.Drop, k.Duplicate, k.Internals, k.InternalsUp, k.InternalsDown, k.Pane},
		{k.LogUp, k.LogDown, k.ChooseType, k.Prompt, k.Help, k.Quit},
		{k.Autoplay, k.Faster, k.Slower},
	}
}
