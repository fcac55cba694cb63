package model

import (
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/list"
	tea "charm.land/bubbletea/v2"

	"crdtviz/crdt"
	"crdtviz/demos"
	"crdtviz/ui"
)

// MenuChoice is what the user picked: a demo, or a type for free play.
type MenuChoice struct {
	Demo string    // a built-in demo's name, or ""
	Type crdt.Type // the type for free play, when Demo is ""
}

type menuItem struct {
	title, desc string
	choice      *MenuChoice
}

func (i menuItem) Title() string       { return i.title }
func (i menuItem) Description() string { return i.desc }
func (i menuItem) FilterValue() string { return i.title + " " + i.desc }

// Menu is the start screen: the built-in demos, the seed story first, then
// free play with each type. It filters with /.
type Menu struct {
	list  list.Model
	enter key.Binding
}

// NewMenu builds the start screen. With typesOnly it offers only the
// free-play types (for choosing a type during free play).
func NewMenu(s ui.Styles, typesOnly bool) Menu {
	var items []list.Item
	if !typesOnly {
		for _, b := range demos.Builtins() {
			items = append(items, menuItem{
				title:  "Demo: " + b.Scenario.Title,
				desc:   b.Name + " · " + string(b.Scenario.Type) + " · " + firstStep(b.Scenario),
				choice: &MenuChoice{Demo: b.Name},
			})
		}
	}
	for _, t := range crdt.Types {
		items = append(items, menuItem{
			title:  "Free play: " + string(t),
			desc:   t.Describe(),
			choice: &MenuChoice{Type: t},
		})
	}
	d := list.NewDefaultDelegate()
	d.Styles = list.NewDefaultItemStyles(s.Theme != ui.Light)
	l := list.New(items, d, 0, 0)
	l.Title = "crdtviz: pick a demo, or free play"
	if typesOnly {
		l.Title = "Free play: pick a type (esc keeps the current one)"
	}
	l.SetStatusBarItemName("choice", "choices")
	l.Styles.Title = s.App.Title
	enter := key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "start"))
	l.AdditionalShortHelpKeys = func() []key.Binding { return []key.Binding{enter} }
	l.AdditionalFullHelpKeys = func() []key.Binding { return []key.Binding{enter} }
	return Menu{list: l, enter: enter}
}

func firstStep(s *demos.Scenario) string {
	if len(s.Steps) == 0 {
		return ""
	}
	return s.Steps[0].Text
}

// SetSize fits the list to the screen.
func (m *Menu) SetSize(w, h int) { m.list.SetSize(w, h) }

// Filtering reports whether the user is typing a filter.
func (m Menu) Filtering() bool { return m.list.SettingFilter() }

// HandleKey handles a key on the start screen and returns the choice when
// enter picks one.
func (m Menu) HandleKey(k tea.KeyPressMsg) (Menu, tea.Cmd, *MenuChoice) {
	if key.Matches(k, m.enter) && !m.list.SettingFilter() {
		if it, ok := m.list.SelectedItem().(menuItem); ok {
			return m, nil, it.choice
		}
	}
	m, cmd := m.Update(k)
	return m, cmd, nil
}

// Update passes messages to the list (keys, filter results).
func (m Menu) Update(msg tea.Msg) (Menu, tea.Cmd) {
	var cmd tea.Cmd
	m.list, cmd = m.list.Update(msg)
	return m, cmd
}

// View renders the list.
func (m Menu) View() string { return m.list.View() }
