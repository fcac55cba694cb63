package model

import (
	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/textinput"

	"crdtviz/ui"
)

// The Bubbles components take their styles from the theme, so that every
// theme (mono included) covers the help, the menus and the prompt.

func helpStyles(s ui.Styles) help.Styles {
	return help.Styles{
		Ellipsis:       s.Help.Sep,
		ShortKey:       s.Help.Key,
		ShortDesc:      s.Help.Desc,
		ShortSeparator: s.Help.Sep,
		FullKey:        s.Help.Key,
		FullDesc:       s.Help.Desc,
		FullSeparator:  s.Help.Sep,
	}
}

func inputStyles(s ui.Styles) textinput.Styles {
	st := textinput.DefaultStyles(s.Theme != ui.Light)
	for _, state := range []*textinput.StyleState{&st.Focused, &st.Blurred} {
		state.Prompt, state.Text, state.Suggestion, state.Placeholder = s.Prompt.Prompt, s.Prompt.Text, s.Prompt.Suggestion, s.Prompt.Placeholder
	}
	st.Cursor.Color = s.Prompt.Text.GetForeground()
	return st
}
