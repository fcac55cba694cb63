package ui

import (
	"fmt"
	"strings"
)

// LabScreen is the lab's own screen (y): the student's nodes in words.
// Head is pinned at the top: each node, where its stderr is, what waits
// on each link of its network, how it started. Log is what each action
// did in the student's lane, oldest first, shown from the newest up
// (Offset lines scrolled up from the bottom).
type LabScreen struct {
	Title  string
	Yours  *Yours // for the verdict in the header
	Head   []string
	Log    []string
	Offset int
	Status string
	Bar    string
}

// LabScreenView draws the lab screen, exactly w by h.
func LabScreenView(v LabScreen, s Styles, w, h int) string {
	if w <= 0 || h <= 0 {
		return ""
	}
	title := s.App.Title.Render("crdtviz lab") + s.App.Muted.Render(" "+s.Symbols.Dot+" ")
	head := title + s.App.Header.Render(s.Text(v.Title))
	if v.Yours != nil {
		head = yoursTitle(v.Yours, "crdtviz lab "+s.Symbols.Dot+" "+v.Title, s, w)
	}
	body := max(0, h-3)
	var top []string
	for _, l := range v.Head {
		top = append(top, wrapLines(s.Text(l), w, 6, s.Symbols.Ellipsis)...)
	}
	if len(top) > body*2/3 { // the log keeps a third
		top = append(top[:max(0, body*2/3-1)], s.App.Muted.Render(s.Symbols.Ellipsis))
	}
	var log []string
	for _, l := range v.Log {
		style := s.App.Muted
		if strings.HasPrefix(l, "t") || strings.HasPrefix(l, "Before") || strings.HasPrefix(l, "Final") {
			style = s.App.Header
		}
		for _, wl := range wrapLines(s.Text(l), w, 6, s.Symbols.Ellipsis) {
			log = append(log, style.Render(wl))
		}
	}
	room := body - len(top)
	if len(top) > 0 && room > 0 {
		top = append(top, "")
		room--
	}
	off := min(max(v.Offset, 0), max(0, len(log)-room))
	end := len(log) - off
	start := max(0, end-room)
	shown := log[start:end]
	if start > 0 && len(shown) > 0 {
		shown[0] = s.App.Notice.Render(fmt.Sprintf("%s %d earlier lines ([ scrolls up)", s.Symbols.Ellipsis, start+1))
	}
	lines := append([]string{head}, top...)
	lines = append(lines, shown...)
	return strings.Join([]string{fit(strings.Join(lines, "\n"), w, h-2), fit(clipLineWith(v.Status, w, s.Symbols.Ellipsis), w, 1), fit(v.Bar, w, 1)}, "\n")
}
