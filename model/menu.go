package model

import (
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/list"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"crdtviz/crdt"
	"crdtviz/demos"
	"crdtviz/replicas"
	"crdtviz/ui"
)

// MenuChoice is what the user picked: the kept session, a demo, or a type
// for free play.
type MenuChoice struct {
	Resume bool
	Demo   string    // a built-in demo's name, or ""
	Type   crdt.Type // the type for free play, when Demo is "" and not Resume
	// Mode is how free play's CRDT lane replicates. PickType asks for a
	// type next (free play by ops or by deltas).
	Mode     replicas.Mode
	PickType bool
}

type menuItem struct {
	title, desc string
	choice      MenuChoice
}

func (i menuItem) Title() string       { return i.title }
func (i menuItem) Description() string { return i.desc }

// FilterValue is the title, then a tab, then the description: the filter
// ranks a match in the title first.
func (i menuItem) FilterValue() string { return i.title + "\t" + i.desc }

// MenuKeyMap is the menu's own keys, besides the list's browsing keys.
type MenuKeyMap struct {
	Start, Back, Quit key.Binding
}

// MenuOptions say what the menu offers.
type MenuOptions struct {
	// TypesOnly offers only the free-play types: the type picker, for
	// free play in Mode.
	TypesOnly bool
	Mode      replicas.Mode
	// Resume, when set, is the first item: the kept session, e.g.
	// "Resume: The lost update (step 2/4)".
	Resume string
	// Back labels esc when it leaves the menu ("back to free play",
	// "resume"); "" when esc has nowhere to go.
	Back string
}

// Menu is the start screen (the kept session first, then the built-in
// demos, the seed story first, then free play with each type) or the type
// picker. It filters with /. Its keys do what their labels say: q quits
// (except while typing a filter), esc clears a filter or goes back, and the
// list's own quit keys are off.
type Menu struct {
	list  list.Model
	keys  MenuKeyMap
	opts  MenuOptions
	ascii bool
}

// NewMenu builds the start screen, or with opts.TypesOnly the type picker,
// in the given styles.
func NewMenu(s ui.Styles, opts MenuOptions) Menu {
	var items []list.Item
	if opts.Resume != "" && !opts.TypesOnly {
		items = append(items, menuItem{title: opts.Resume, desc: "carry on where you left off", choice: MenuChoice{Resume: true}})
	}
	if !opts.TypesOnly {
		for _, b := range demos.Builtins() {
			items = append(items, menuItem{
				title:  "Demo: " + strings.ReplaceAll(b.Scenario.Title, "\n", " "),
				desc:   b.Name + " · " + string(b.Scenario.Type) + " · " + strings.ReplaceAll(firstStep(b.Scenario), "\n", " "),
				choice: MenuChoice{Demo: b.Name},
			})
		}
	}
	for _, t := range crdt.Types {
		title := "Free play: " + string(t)
		if opts.Mode != replicas.ModeState {
			title += ", " + modeLabel(opts.Mode, false, false)
		}
		items = append(items, menuItem{title: title, desc: t.Describe(), choice: MenuChoice{Type: t, Mode: opts.Mode}})
	}
	if !opts.TypesOnly {
		// The other two ways to replicate, each with a type to pick next.
		items = append(items,
			menuItem{title: "Free play, op-based: pick a type", desc: "messages carry ops, delivered in causal order, duplicates ignored (crdtviz play --mode op)",
				choice: MenuChoice{PickType: true, Mode: replicas.ModeOp}},
			menuItem{title: "Free play, delta-based: pick a type", desc: "messages carry the deltas pending on their link; send … full repairs a loss (crdtviz play --mode delta)",
				choice: MenuChoice{PickType: true, Mode: replicas.ModeDelta}})
	}
	l := list.New(items, menuDelegate(s), 0, 0)
	l.Title = "crdtviz: pick a demo, or free play"
	if opts.TypesOnly {
		l.Title = "Free play: pick a type"
		if opts.Mode != replicas.ModeState {
			l.Title = "Free play, " + modeLabel(opts.Mode, false, false) + ": pick a type"
		}
	}
	l.SetStatusBarItemName("choice", "choices")
	l.DisableQuitKeybindings()
	l.SetShowTitle(true)
	l.Filter = rankTitlesFirst
	l.Styles = menuStyles(s)
	l.Paginator.ActiveDot = l.Styles.ActivePaginationDot.String()
	l.Paginator.InactiveDot = l.Styles.InactivePaginationDot.String()
	l.Help.Styles = helpStyles(s)
	l.FilterInput.SetStyles(inputStyles(s))
	keys := MenuKeyMap{
		Start: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "start")),
		Back:  key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", opts.Back)),
		Quit:  key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit")),
	}
	keys.Back.SetEnabled(opts.Back != "")
	l.AdditionalShortHelpKeys = func() []key.Binding { return []key.Binding{keys.Start, keys.Back, keys.Quit} }
	l.AdditionalFullHelpKeys = l.AdditionalShortHelpKeys
	return Menu{list: l, keys: keys, opts: opts, ascii: s.ASCII()}
}

func firstStep(s *demos.Scenario) string {
	if len(s.Steps) == 0 {
		return ""
	}
	return s.Steps[0].Text
}

// menuDelegate draws the items in the theme's menu styles.
func menuDelegate(s ui.Styles) list.DefaultDelegate {
	d := list.NewDefaultDelegate()
	pad := func(st lipgloss.Style) lipgloss.Style { return st.Padding(0, 0, 0, 2) }
	mark := func(st lipgloss.Style) lipgloss.Style {
		return st.Border(lipgloss.NormalBorder(), false, false, false, true).
			BorderForeground(s.Menu.Selected.GetForeground()).Padding(0, 0, 0, 1)
	}
	d.Styles = list.DefaultItemStyles{
		NormalTitle: pad(s.Menu.Item), NormalDesc: pad(s.Menu.ItemDesc),
		SelectedTitle: mark(s.Menu.Selected), SelectedDesc: mark(s.Menu.SelectedDesc),
		DimmedTitle: pad(s.Menu.Dimmed), DimmedDesc: pad(s.Menu.DimmedDesc),
		FilterMatch: s.Menu.Match,
	}
	return d
}

// menuStyles are the list's styles, every one from the theme.
func menuStyles(s ui.Styles) list.Styles {
	var st list.Styles
	st.TitleBar = lipgloss.NewStyle().Padding(0, 0, 1, 2)
	st.Title = s.Menu.Title
	st.Spinner = s.Menu.Status
	st.Filter = inputStyles(s)
	st.DefaultFilterCharacterMatch = s.Menu.Match
	st.StatusBar = s.Menu.Status.Padding(0, 0, 1, 2)
	st.StatusEmpty = s.Menu.Status
	st.StatusBarActiveFilter = s.Menu.Item
	st.StatusBarFilterCount = s.Menu.Status
	st.NoItems = s.Menu.Status
	st.PaginationStyle = lipgloss.NewStyle().PaddingLeft(2)
	st.HelpStyle = lipgloss.NewStyle().Padding(1, 0, 0, 2)
	on, off := "•", "•"
	if s.ASCII() {
		on, off = "*", "."
	}
	st.ActivePaginationDot = s.Menu.Item.SetString(on)
	st.InactivePaginationDot = s.Menu.Status.SetString(off)
	st.ArabicPagination = s.Menu.Status
	st.DividerDot = s.Menu.Status.SetString(s.Text(" • "))
	return st
}

// rankTitlesFirst filters menu items: those whose title holds the term
// first (in menu order, so demos before free play), then those whose
// description holds it, then fuzzy matches. Typing /car and enter starts
// the cart demo.
func rankTitlesFirst(term string, targets []string) []list.Rank {
	low := strings.ToLower(term)
	var ranks []list.Rank
	seen := map[int]bool{}
	add := func(i int, matched []int) {
		if !seen[i] {
			seen[i] = true
			ranks = append(ranks, list.Rank{Index: i, MatchedIndexes: matched})
		}
	}
	title := func(t string) string { return strings.SplitN(t, "\t", 2)[0] }
	for i, t := range targets {
		if at := strings.Index(strings.ToLower(title(t)), low); at >= 0 && low != "" {
			start := len([]rune(title(t)[:at]))
			var idx []int
			for k := range len([]rune(term)) {
				idx = append(idx, start+k)
			}
			add(i, idx)
		}
	}
	for i, t := range targets {
		if strings.Contains(strings.ToLower(t), low) {
			add(i, nil)
		}
	}
	for _, r := range list.DefaultFilter(term, targets) {
		n := len([]rune(title(targets[r.Index])))
		add(r.Index, slices.DeleteFunc(r.MatchedIndexes, func(k int) bool { return k >= n }))
	}
	return ranks
}

// best is the first item the filter ranks for term, or nil.
func (m Menu) best(term string) *MenuChoice {
	items := m.list.Items()
	targets := make([]string, len(items))
	for i, it := range items {
		targets[i] = it.FilterValue()
	}
	ranks := rankTitlesFirst(term, targets)
	if len(ranks) == 0 {
		return nil
	}
	c := items[ranks[0].Index].(menuItem).choice
	return &c
}

// SetSize fits the list to the screen.
func (m *Menu) SetSize(w, h int) {
	if m.built() {
		m.list.SetSize(max(0, w), max(0, h))
	}
}

// built reports whether the menu was made by NewMenu (the zero Menu is an
// empty placeholder).
func (m Menu) built() bool { return m.keys.Start.Keys() != nil }

// Filtering reports whether the user is typing a filter.
func (m Menu) Filtering() bool { return m.list.SettingFilter() }

// MenuIntent is what a key on the menu asked for.
type MenuIntent struct {
	Choice *MenuChoice
	Back   bool
	Quit   bool
}

// HandleKey handles a key on the menu and says what the user asked for.
// While a filter is being typed, enter applies it and starts the first
// match, and esc cancels it; every other key types.
func (m Menu) HandleKey(k tea.KeyPressMsg) (Menu, tea.Cmd, MenuIntent) {
	if m.list.SettingFilter() {
		if key.Matches(k, m.keys.Start) {
			// Rank now, whatever filter results are still on their way, so
			// that typing /car and enter quickly starts the cart demo.
			if c := m.best(m.list.FilterValue()); c != nil {
				return m, nil, MenuIntent{Choice: c}
			}
		}
		in := m.list.FilterInput
		if handled, changed := guardInput(&in, k); handled {
			if changed {
				// Filter again now, and stay in the filter where the
				// cursor was.
				pos := in.Position()
				m.list.SetFilterText(in.Value())
				m.list.SetFilterState(list.Filtering)
				m.list.FilterInput.SetCursor(pos)
			}
			return m, nil, MenuIntent{}
		}
		var cmd tea.Cmd
		m.list, cmd = m.list.Update(k)
		return m, cmd, MenuIntent{}
	}
	switch {
	case key.Matches(k, m.keys.Start):
		if it, ok := m.list.SelectedItem().(menuItem); ok {
			return m, nil, MenuIntent{Choice: &it.choice}
		}
		return m, nil, MenuIntent{}
	case key.Matches(k, m.keys.Quit):
		return m, nil, MenuIntent{Quit: true}
	case k.String() == "esc" && m.list.FilterState() == list.FilterApplied:
		m.list.ResetFilter()
		return m, nil, MenuIntent{}
	case key.Matches(k, m.keys.Back):
		return m, nil, MenuIntent{Back: true}
	}
	var cmd tea.Cmd
	m.list, cmd = m.list.Update(k)
	return m, cmd, MenuIntent{}
}

// Update passes other messages to the list (filter results, pastes).
func (m Menu) Update(msg tea.Msg) (Menu, tea.Cmd) {
	var cmd tea.Cmd
	m.list, cmd = m.list.Update(msg)
	return m, cmd
}

// View renders the list.
func (m Menu) View() string {
	if m.ascii {
		// The list lays its lines out itself, with "…" and its own
		// borders: each character becomes one in ASCII, keeping widths.
		return ui.ASCIICells(m.list.View())
	}
	return m.list.View()
}

// ShortHelp and FullHelp make the menu a help.KeyMap.
func (m Menu) ShortHelp() []key.Binding  { return m.list.ShortHelp() }
func (m Menu) FullHelp() [][]key.Binding { return m.list.FullHelp() }
