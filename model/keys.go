package model

import (
	"strings"

	"charm.land/bubbles/v2/key"

	"crdtviz/replicas"
	"crdtviz/ui"
)

// KeyMap is every key of the play screen (free play and demos). Every
// binding carries its help text, so `?` shows them all; update enables only
// those that work in the current mode.
type KeyMap struct {
	Next, Prev, Restart, Last key.Binding
	FocusNext, Focus          key.Binding
	Edit, Inc, Dec            key.Binding
	Sync, SyncBoth, SyncAll   key.Binding
	FullSync                  key.Binding // delta mode: sync with whole states, which repairs a lost delta
	Send, Link                key.Binding
	Partition, HealAll        key.Binding
	MsgUp, MsgDown            key.Binding
	Deliver, Newest           key.Binding
	DeliverAll                key.Binding
	Drop, Duplicate           key.Binding
	Internals, Pane           key.Binding
	InternalsUp               key.Binding
	InternalsDown             key.Binding
	LogUp, LogDown            key.Binding
	Prompt, Help              key.Binding
	ChooseType, Return        key.Binding
	Menu, Quit                key.Binding
	ForceQuit                 key.Binding // ctrl+c: quits from anywhere, at once
	Suspend                   key.Binding // ctrl+z: back to the shell; fg resumes
	Autoplay                  key.Binding
	Faster, Slower            key.Binding // while autoplay runs
	ByAction, Asks            key.Binding // step by action (f); questions on or off (A)
	Diagram, DiagramFull      key.Binding // the space-time diagram pane (g), full screen (G)
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
		Restart:       b([]string{"home"}, "home", "restart the demo"),
		Last:          b([]string{"end"}, "end", "jump to the last step"),
		FocusNext:     b([]string{"tab"}, "tab", "focus next replica"),
		Focus:         b([]string{"1", "2", "3", "4", "5", "6", "7", "8"}, "1-8", "focus replica"),
		Edit:          b([]string{"e"}, "e", "edit focused replica"),
		Inc:           b([]string{"+", "="}, "+", "inc / add"),
		Dec:           b([]string{"-", "_"}, "-", "dec / remove"),
		Sync:          b([]string{"s"}, "s", "sync focused → chosen/all"),
		SyncBoth:      b([]string{"b"}, "b", "sync both ways with chosen"),
		SyncAll:       b([]string{"S"}, "S", "sync all (one round)"),
		FullSync:      b([]string{"F"}, "F", "full sync: whole states"),
		Send:          b([]string{"m"}, "m", "send focused → chosen/all"),
		Link:          b([]string{"c"}, "c", "cut/heal link to chosen"),
		Partition:     b([]string{"P"}, "P", "partition focused away"),
		HealAll:       b([]string{"H"}, "H", "heal every link"),
		MsgUp:         b([]string{"up", "k"}, "↑/k", "select message above"),
		MsgDown:       b([]string{"down", "j"}, "↓/j", "select message below"),
		Deliver:       b([]string{"d"}, "d", "deliver selected message"),
		Newest:        b([]string{"N"}, "N", "deliver newest on its link"),
		DeliverAll:    b([]string{"D"}, "D", "deliver all"),
		Drop:          b([]string{"x"}, "x", "drop oldest on link"),
		Duplicate:     b([]string{"u"}, "u", "duplicate oldest on link"),
		Internals:     b([]string{"i"}, "i", "show/hide full internals"),
		InternalsUp:   b([]string{"{"}, "{", "scroll internals up"),
		InternalsDown: b([]string{"}"}, "}", "scroll internals down"),
		Pane:          b([]string{"v"}, "v", "switch pane"),
		LogUp:         b([]string{"["}, "[", "scroll pane up"),
		LogDown:       b([]string{"]"}, "]", "scroll pane down"),
		Prompt:        b([]string{":"}, ":", "command prompt"),
		Help:          b([]string{"?"}, "?", "help: every key"),
		ChooseType:    b([]string{"t"}, "t", "choose another type"),
		Return:        b([]string{"r"}, "r", "return to the demo"),
		Menu:          b([]string{"esc"}, "esc", "menu (keeps your place)"),
		Quit:          b([]string{"q"}, "q", "quit"),
		ForceQuit:     b([]string{"ctrl+c"}, "ctrl+c", "quit at once"),
		Suspend:       b([]string{"ctrl+z"}, "ctrl+z", "suspend (fg resumes)"),
		Autoplay:      b([]string{"a"}, "a", "autoplay (any key pauses)"),
		Faster:        b([]string{"+", "="}, "+", "autoplay faster"),
		Slower:        b([]string{"-", "_"}, "-", "autoplay slower"),
		ByAction:      b([]string{"f"}, "f", "step by action / by step"),
		Asks:          b([]string{"A"}, "A", "questions on / off"),
		Diagram:       b([]string{"g"}, "g", "space-time diagram pane"),
		DiagramFull:   b([]string{"G"}, "G", "diagram full screen"),
	}
}

func (k *KeyMap) all() []*key.Binding {
	return []*key.Binding{&k.Next, &k.Prev, &k.Restart, &k.Last, &k.FocusNext, &k.Focus, &k.Edit, &k.Inc, &k.Dec,
		&k.Sync, &k.SyncBoth, &k.SyncAll, &k.FullSync, &k.Send, &k.Link, &k.Partition, &k.HealAll, &k.MsgUp, &k.MsgDown,
		&k.Deliver, &k.Newest, &k.DeliverAll, &k.Drop, &k.Duplicate, &k.Internals, &k.InternalsUp, &k.InternalsDown,
		&k.Pane, &k.LogUp, &k.LogDown, &k.Prompt, &k.Help, &k.ChooseType, &k.Return, &k.Menu, &k.Quit,
		&k.ForceQuit, &k.Suspend, &k.Autoplay, &k.Faster, &k.Slower, &k.ByAction, &k.Asks, &k.Diagram, &k.DiagramFull}
}

// ASCII returns the key map with help labels in plain ASCII, for --ascii.
func (k KeyMap) ASCII() KeyMap {
	for _, b := range k.all() {
		h := b.Help()
		b.SetHelp(ui.ASCIIText(h.Key), ui.ASCIIText(h.Desc))
	}
	return k
}

// keyState is what decides which keys work.
type keyState struct {
	mode        Mode
	sess        *session
	autoplaying bool
	internals   bool
}

// update enables the keys that work in this state and disables the rest,
// as bubbles' list does, so that the help bar and the help screen list only
// keys that do something here, and a disabled key matches nothing. Stepping
// is relabelled undo and redo outside a demo.
func (k *KeyMap) update(st keyState) {
	s := st.sess
	play := s != nil && (st.mode == ModeFree || st.mode == ModeDemo || st.mode == ModePrompt || st.mode == ModeHelp)
	demo := play && s.demo()
	for _, b := range k.all() {
		b.SetEnabled(play)
	}
	k.ForceQuit.SetEnabled(true)
	k.Suspend.SetEnabled(true)
	k.InternalsUp.SetEnabled(play && st.internals)
	k.InternalsDown.SetEnabled(play && st.internals)
	k.ChooseType.SetEnabled(play && s.scenario == nil)
	k.Return.SetEnabled(play && s.branched)
	k.Autoplay.SetEnabled(demo && !st.autoplaying)
	k.ByAction.SetEnabled(demo)
	k.Asks.SetEnabled(demo && s.scenario.HasAsk())
	k.FullSync.SetEnabled(play && s.header.Mode == replicas.ModeDelta)
	k.Faster.SetEnabled(st.autoplaying)
	k.Slower.SetEnabled(st.autoplaying)
	next, prev, restart, last := "next step", "previous step", "restart the demo", "jump to the last step"
	if demo && s.byAction {
		next, prev = "next action", "previous action"
	}
	if play && !demo {
		next, prev, restart, last = "redo", "undo", "undo all", "redo all"
	}
	k.Next.SetHelp(k.Next.Help().Key, next)
	k.Prev.SetHelp(k.Prev.Help().Key, prev)
	k.Restart.SetHelp(k.Restart.Help().Key, restart)
	k.Last.SetHelp(k.Last.Help().Key, last)
}

// shortLabels are the help bar's words for its keys: short, so that the bar
// fits at 80 columns, and always ending with help and quit.
var shortLabels = map[string]string{
	"→/space": "next", "←": "back", "e": "edit", "s": "sync", "F": "full", "c": "cut/heal", ":": "command", "?": "help", "q": "quit",
	"->/space": "next", "<-": "back",
}

// ShortHelp is the help bar: the keys a newcomer needs first, with short
// labels. It always ends with "? help" and "q quit".
func (k KeyMap) ShortHelp() []key.Binding {
	next, prev := "next", "back"
	if k.Next.Help().Desc == "redo" {
		next, prev = "redo", "undo"
	}
	short := func(b key.Binding, desc string) key.Binding {
		b.SetHelp(b.Help().Key, desc)
		return b
	}
	first := short(k.Next, next)
	first.SetHelp(strings.SplitN(first.Help().Key, "/", 2)[0], next) // "→", not "→/space": the bar fits 80 columns
	out := []key.Binding{first, short(k.Prev, prev)}
	for _, b := range []key.Binding{k.Edit, k.Sync, k.FullSync, k.Link, k.Prompt, k.Help, k.Quit} {
		if b.Enabled() || b.Help().Key != "F" { // the full sync only where it does something (delta mode)
			out = append(out, short(b, shortLabels[b.Help().Key]))
		}
	}
	return out
}

// HelpGroup is a titled group of keys on the help screen.
type HelpGroup struct {
	Title string
	Keys  []key.Binding
}

// Groups is every key, grouped by what it does, for the help screen.
func (k KeyMap) Groups() []HelpGroup {
	return []HelpGroup{
		{"Step through time", []key.Binding{k.Next, k.Prev, k.Restart, k.Last, k.ByAction, k.Asks, k.Return, k.Autoplay, k.Faster, k.Slower}},
		{"Focus and edit", []key.Binding{k.FocusNext, k.Focus, k.Edit, k.Inc, k.Dec}},
		{"Sync and send", []key.Binding{k.Sync, k.SyncBoth, k.SyncAll, k.FullSync, k.Send}},
		{"Network", []key.Binding{k.Link, k.Partition, k.HealAll}},
		{"Messages in flight", []key.Binding{k.MsgUp, k.MsgDown, k.Deliver, k.Newest, k.DeliverAll, k.Drop, k.Duplicate}},
		{"Panes and internals", []key.Binding{k.Pane, k.LogUp, k.LogDown, k.Diagram, k.DiagramFull, k.Internals, k.InternalsUp, k.InternalsDown}},
		{"App", []key.Binding{k.Prompt, k.Help, k.ChooseType, k.Menu, k.Suspend, k.Quit, k.ForceQuit}},
	}
}

// FullHelp is every key, grouped (help.KeyMap).
func (k KeyMap) FullHelp() [][]key.Binding {
	var out [][]key.Binding
	for _, g := range k.Groups() {
		out = append(out, g.Keys)
	}
	return out
}
