package model

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// autoplayMsg is one tick of autoplay. gen tells stale ticks (from before a
// pause or a speed change) from the current one.
type autoplayMsg struct{ gen int }

// Autoplay speed limits.
const (
	minAutoplay = 250 * time.Millisecond
	maxAutoplay = 60 * time.Second
	// defaultAutoplay is the pace when a is pressed without --autoplay.
	defaultAutoplay = 3 * time.Second
	// perWord is the reading time each word of a step's narration adds.
	perWord = 60 * time.Millisecond
	// lastFrame is the least time the last step stays before --exit quits.
	lastFrame = 3 * time.Second
)

// ReadingTime is how long a step stays on screen when a demo plays by
// itself: the base time plus about 60 ms for each word of its narration,
// so that a long step is not gone before it is read.
func ReadingTime(base time.Duration, narration string) time.Duration {
	return base + time.Duration(len(strings.Fields(narration)))*perWord
}

// stepTime is how long the step on screen stays: its reading time, and at
// least lastFrame for the last step when the app then quits.
func (m *Root) stepTime() time.Duration {
	if m.sess == nil {
		return m.auto.every
	}
	text := m.sess.readingText()
	if m.sess.byAction && text == m.auto.read {
		text = "" // read on the step's first frame already
	}
	m.auto.read = m.sess.readingText()
	d := ReadingTime(m.auto.every, text)
	if m.opts.ExitAtEnd && m.sess.demo() && m.sess.atEnd() {
		d = max(d, lastFrame)
	}
	return d
}

// autoplayer steps a demo by itself. It owns its pace and a generation
// that makes ticks from before a pause or a speed change stale; it tells
// the root what to do, and never touches the session itself.
type autoplayer struct {
	on    bool
	every time.Duration
	gen   int
	read  string // the text the last frame gave to read (by action, read once)
}

// tick is the command that wakes autoplay after d, the time the step on
// screen stays.
func (a *autoplayer) tick(d time.Duration) tea.Cmd {
	gen := a.gen
	return tea.Tick(d, func(time.Time) tea.Msg { return autoplayMsg{gen: gen} })
}

// start turns autoplay on and says so; d is the step on screen's time.
func (a *autoplayer) start(d time.Duration) (tea.Cmd, string) {
	if a.every <= 0 {
		a.every = defaultAutoplay
		d += defaultAutoplay
	}
	a.on = true
	a.gen++
	return a.tick(d), fmt.Sprintf("Autoplay: %s a step, plus reading time. Any key pauses; + and - change the speed.", a.pace())
}

// stop turns autoplay off; ticks already scheduled become stale.
func (a *autoplayer) stop() {
	a.on = false
	a.gen++
}

func (a *autoplayer) pace() time.Duration { return a.every.Round(10 * time.Millisecond) }

// current reports whether msg is a tick autoplay is waiting for.
func (a *autoplayer) current(msg autoplayMsg) bool { return a.on && msg.gen == a.gen }

// key handles a key while autoplay runs: + and - change the speed; any
// other key pauses. It returns the command to run and a notice; d is the
// step on screen's time at the old pace.
func (a *autoplayer) key(k tea.KeyPressMsg, keys KeyMap, d time.Duration) (tea.Cmd, string) {
	old := a.every
	switch {
	case key.Matches(k, keys.Faster):
		a.every = max(minAutoplay, a.every*2/3)
	case key.Matches(k, keys.Slower):
		a.every = min(maxAutoplay, a.every*3/2)
	default:
		a.stop()
		return nil, "Autoplay paused. a resumes it."
	}
	a.gen++
	return a.tick(d - old + a.every), fmt.Sprintf("Autoplay: %s a step, plus reading time.", a.pace())
}

// handleAutoplay takes one step; after the last step it stops, or quits
// with ExitAtEnd.
func (m *Root) handleAutoplay(msg autoplayMsg) tea.Cmd {
	if !m.auto.current(msg) || m.mode == ModeStart {
		return nil
	}
	if m.sess.demo() && m.sess.next() {
		return m.auto.tick(m.stepTime())
	}
	m.auto.stop()
	if m.opts.ExitAtEnd {
		return tea.Quit
	}
	m.notice("Autoplay reached the end. a starts it again from here; ← goes back.")
	return nil
}

func (m *Root) startAutoplay(tea.KeyPressMsg) tea.Cmd {
	cmd, notice := m.auto.start(m.stepTime())
	m.notice(notice)
	return cmd
}
