package model

import "strings"

// scroller is the event log's window: lines already wrapped to the pane's
// width, and how far the window is scrolled. Unlike a viewport it never
// measures its lines: the log wraps them to width when it builds them, so
// a key press that moves through history does not measure four screens of
// log again.
type scroller struct {
	lines  []string
	offset int // the first line shown
	w, h   int
}

func (s *scroller) SetSize(w, h int) { s.w, s.h = max(1, w), max(1, h); s.clamp() }

// SetLines replaces the content; the window stays at the bottom if it was
// there.
func (s *scroller) SetLines(lines []string, bottom bool) {
	s.lines = lines
	if bottom {
		s.GotoBottom()
	}
	s.clamp()
}

func (s *scroller) maxOffset() int { return max(0, len(s.lines)-s.h) }

func (s *scroller) clamp() { s.offset = min(max(s.offset, 0), s.maxOffset()) }

func (s *scroller) AtBottom() bool { return s.offset >= s.maxOffset() }

func (s *scroller) GotoBottom() { s.offset = s.maxOffset() }

func (s *scroller) ScrollUp(n int)   { s.offset -= n; s.clamp() }
func (s *scroller) ScrollDown(n int) { s.offset += n; s.clamp() }

// View is the window's lines, h of them; the screen fits them to width.
func (s *scroller) View() string {
	end := min(len(s.lines), s.offset+s.h)
	shown := s.lines[min(s.offset, end):end]
	out := strings.Join(shown, "\n")
	for range s.h - len(shown) {
		out += "\n"
	}
	return out
}
