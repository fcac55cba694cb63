package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/charmbracelet/x/ansi"
	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"crdtviz/demos"
)

// The lesson page (crdtviz cast --html) in a real browser: Debian's
// Chromium, headless, driven by chromedp. Outside CI the tests skip when no
// Chromium is installed; with CI set (CI=true), they fail instead.

// screenshotEnv names a directory: when set, the test writes the page's
// picture there (scripts/readme-media.sh sets it to docs/img).
const screenshotEnv = "CRDTVIZ_SCREENSHOT_DIR"

func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("CI is set and no Chromium was found: install Debian's chromium (apt-get install -y chromium)")
	}
	t.Skip("no Chromium found (apt-get install -y chromium); CI runs this test")
	return ""
}

// pageLog is what a page did behind the scenes: every URL it asked for,
// and every error it wrote to the console (calls of console.error,
// uncaught exceptions, errors in the browser's log).
type pageLog struct {
	mu       sync.Mutex
	requests []string
	errors   []string
}

func (l *pageLog) add(list *[]string, s string) {
	l.mu.Lock()
	*list = append(*list, s)
	l.mu.Unlock()
}

// check fails the test for any request but the page itself (and data:
// or blob: URLs, which never leave it), and for any console error.
func (l *pageLog) check(t *testing.T, page string) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, u := range l.requests {
		if u != page && !strings.HasPrefix(u, "data:") && !strings.HasPrefix(u, "blob:") {
			t.Errorf("the page asked for %s", truncate(u, 120))
		}
	}
	if len(l.requests) == 0 {
		t.Error("no request seen at all, not even the page: is the network log working?")
	}
	for _, e := range l.errors {
		t.Errorf("console error: %s", e)
	}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// browser starts a headless Chromium with a fresh profile and a w×h
// viewport, in the dark or light colour scheme, recording what its page
// does. Everything stops when the test ends.
func browser(t *testing.T, w, h int64, dark bool) (context.Context, *pageLog) {
	t.Helper()
	exe := chromiumPath(t)
	profile, err := os.MkdirTemp("", "crdtviz-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Chromium's helpers may still write to the profile for a moment
		// after it exits: try again for a while, then leave it.
		for range 50 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.UserDataDir(profile), chromedp.WindowSize(int(w), int(h)),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	ctx, cancelTime := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTime(); cancelTab(); cancelAlloc() })
	log := &pageLog{}
	err = chromedp.Listen(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			log.add(&log.requests, ev.Request.URL)
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
				var parts []string
				for _, a := range ev.Args {
					parts = append(parts, strings.Trim(string(a.Value), `"`)+a.Description)
				}
				log.add(&log.errors, "console."+string(ev.Type)+": "+strings.Join(parts, " "))
			}
		case *runtime.EventExceptionThrown:
			log.add(&log.errors, (&chromedp.ExceptionError{ExceptionDetails: ev.ExceptionDetails}).Error())
		case *cdplog.EventEntryAdded:
			if ev.Entry.Level == cdplog.EntryLevelError {
				log.add(&log.errors, ev.Entry.Text+" "+ev.Entry.URL)
			}
		}
	})
	if err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	scheme := "light"
	if dark {
		scheme = "dark"
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, h)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}}); err != nil {
		t.Fatal(err)
	}
	return ctx, log
}

// js evaluates an expression in the page (awaiting a promise).
func js[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// waitJS waits until a JavaScript condition holds, and says what it was
// waiting for, and what the page showed, when it never does.
func waitJS(t *testing.T, ctx context.Context, what, cond string) {
	t.Helper()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](cond, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(20*time.Second)))
	if err != nil {
		state, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify(crdtvizLesson.state()) + " | " + document.querySelector(".now").innerText`))
		t.Fatalf("waiting for %s (%s): %v\npage: %s", what, cond, err, state)
	}
}

// quote makes a Go string a JavaScript string literal.
func quote(s string) string { return fmt.Sprintf("%q", s) }

// termText is the text on the player's terminal.
const termText = `document.querySelector("#player .ap-term-text").textContent`

// panelText is the text of the narration panel's current step.
const panelText = `document.querySelector(".now").innerText`

// writeLesson writes a built-in demo's page with crdtviz cast --html.
func writeLesson(t *testing.T, name string, args ...string) (string, *demos.Scenario) {
	t.Helper()
	out := filepath.Join(t.TempDir(), name+".html")
	if code, _, errs := runCLI(append([]string{"cast", name, "--html", "-o", out}, args...)...); code != 0 {
		t.Fatalf("crdtviz cast %s --html: exit %d: %s", name, code, errs)
	}
	s, err := demos.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	return out, s
}

// open loads a page from disk and waits for the player to hold the cast.
func open(t *testing.T, ctx context.Context, path string) string {
	t.Helper()
	url := "file://" + path
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "the player to load the cast", `!!window.crdtvizLesson && crdtvizLesson.player.getDuration() > 0`)
	return url
}

// TestLessonPageWithQuestions: the seed demo, questions on, at 1280×800.
// The first marker shows the movie; step 4 shows its question and keeps
// its narration back; Reveal plays on; playback pauses at a question's
// marker, and only there; the keys step.
func TestLessonPageWithQuestions(t *testing.T) {
	ctx, log := browser(t, 1280, 800, false)
	path, s := writeLesson(t, "seed")
	url := open(t, ctx, path)

	head := js[string](t, ctx, `document.querySelector(".head").innerText`)
	for _, want := range []string{s.Title, string(s.Type), strings.Join(s.Replicas, ", "), "state-based"} {
		if !strings.Contains(head, want) {
			t.Errorf("the page's top lacks %q:\n%s", want, head)
		}
	}

	// The first marker: step 1, on the terminal and in the panel.
	js[any](t, ctx, `crdtvizLesson.go(1)`)
	waitJS(t, ctx, "step 1 on the terminal", `crdtvizLesson.state().step === 1 && `+termText+`.includes("step 1/6") && `+termText+`.includes("Blockbuster Movie")`)
	if got := js[string](t, ctx, panelText); !strings.Contains(got, s.Steps[0].Text) {
		t.Errorf("the panel at step 1 does not read step 1's narration:\n%s", got)
	}

	// Step 4's marker: its question, and not its narration.
	js[any](t, ctx, `crdtvizLesson.go(4)`)
	waitJS(t, ctx, "step 4's question", `crdtvizLesson.state().step === 4 && crdtvizLesson.state().asking && !document.getElementById("question").hidden && `+termText+`.includes("step 4/6")`)
	panel := js[string](t, ctx, panelText)
	if !strings.Contains(panel, "Step 4 of 6") || !strings.Contains(panel, s.Steps[3].Ask.Text) {
		t.Errorf("the panel at step 4 lacks its question:\n%s", panel)
	}
	for _, c := range s.Steps[3].Ask.Choices {
		if !strings.Contains(panel, c) {
			t.Errorf("the panel at step 4 lacks the choice %q:\n%s", c, panel)
		}
	}
	if strings.Contains(panel, s.Steps[3].Text[:40]) {
		t.Errorf("the panel gives step 4's outcome away before the reveal:\n%s", panel)
	}
	if js[bool](t, ctx, `crdtvizLesson.state().playing`) {
		t.Error("the player plays on through step 4's question")
	}
	shot(t, ctx, "lesson.png")

	// Reveal plays on, from the step's outcome.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("reveal"))); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "Reveal to play step 4's outcome", `crdtvizLesson.state().step === 4 && !crdtvizLesson.state().asking && crdtvizLesson.state().playing && !`+termText+`.includes("predict")`)
	if got := js[string](t, ctx, panelText); !strings.Contains(got, s.Steps[3].Text) {
		t.Errorf("after Reveal, the panel does not read step 4's narration:\n%s", got)
	}
	js[any](t, ctx, `crdtvizLesson.player.pause()`)

	// Playing into step 2 pauses at its question's marker, by itself.
	step := func(k int, field string) float64 {
		return js[float64](t, ctx, fmt.Sprintf(`JSON.parse(document.getElementById("lesson-data").textContent).steps[%d].%s`, k-1, field))
	}
	js[any](t, ctx, fmt.Sprintf(`crdtvizLesson.player.seek(%f).then(() => crdtvizLesson.player.play())`, step(2, "at")-0.4))
	waitJS(t, ctx, "playback to pause at step 2's question", `crdtvizLesson.state().step === 2 && crdtvizLesson.state().asking && !crdtvizLesson.state().playing`)
	if at := js[float64](t, ctx, `crdtvizLesson.state().time`); at >= step(2, "reveal") {
		t.Errorf("paused at %.2fs, past step 2's outcome at %.2fs", at, step(2, "reveal"))
	}
	if got := js[string](t, ctx, panelText); !strings.Contains(got, s.Steps[1].Ask.Text) {
		t.Errorf("the pause at step 2 does not show its question:\n%s", got)
	}
	// Step 3 asks nothing: playing into it goes on.
	js[any](t, ctx, fmt.Sprintf(`crdtvizLesson.player.seek(%f).then(() => crdtvizLesson.player.play())`, step(3, "at")-0.3))
	waitJS(t, ctx, "playback to go on through step 3", fmt.Sprintf(`crdtvizLesson.state().step === 3 && crdtvizLesson.state().time > %f && crdtvizLesson.state().playing`, step(3, "at")+0.3))

	// Keys: Space pauses; → goes to the next step (4, its question); → again
	// reveals; ← goes back.
	if err := chromedp.Do(ctx, chromedp.KeyEvent(" ")); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "Space to pause", `!crdtvizLesson.state().playing`)
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.ArrowRight)); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "→ to show step 4's question", `crdtvizLesson.state().step === 4 && crdtvizLesson.state().asking`)
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.ArrowRight)); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "→ to reveal step 4", `crdtvizLesson.state().step === 4 && !crdtvizLesson.state().asking`)
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.ArrowLeft)); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "← to go back to step 3", `crdtvizLesson.state().step === 3`)

	// A click on a step in the list seeks there. ← left the player
	// playing from step 3, toward step 4's question: pause it first, so
	// that the click is not raced by that pause. The button is focused
	// and clicked by script: a synthesized mouse click at the button's
	// coordinates was lost about one run in five.
	js[any](t, ctx, `crdtvizLesson.player.pause()`)
	waitJS(t, ctx, "the player to pause before the click", `!crdtvizLesson.state().playing`)
	js[any](t, ctx, `(function () { var b = document.querySelector("#steps li:nth-child(6) button"); b.focus(); b.click(); })()`)
	waitJS(t, ctx, "a click to show step 6", `crdtvizLesson.state().step === 6 && `+termText+`.includes("step 6/6")`)
	// Space, with the focus still on that step's button, plays and pauses:
	// it does not go to the step again.
	js[any](t, ctx, `crdtvizLesson.player.pause()`)
	waitJS(t, ctx, "the player to pause", `!crdtvizLesson.state().playing`)
	if err := chromedp.Do(ctx, chromedp.KeyEvent(" ")); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "Space on a step's button to play", `crdtvizLesson.state().playing && crdtvizLesson.state().step === 6`)
	js[any](t, ctx, `crdtvizLesson.player.pause()`)

	log.check(t, url)
}

// TestLessonPageOnAPhone: the seed demo without questions (--no-ask), at
// 360×740 in the dark scheme. Nothing spills sideways; step 4's marker
// shows step 4's narration at once; playback never pauses by itself; the
// Diagram tab shows the diagram of the point shown.
func TestLessonPageOnAPhone(t *testing.T) {
	ctx, log := browser(t, 360, 740, true)
	path, s := writeLesson(t, "seed", "--no-ask")
	url := open(t, ctx, path)

	if w := js[float64](t, ctx, `document.documentElement.scrollWidth`); w > 360 {
		t.Errorf("the page is %.0f px wide on a 360 px screen", w)
	}
	if w := js[float64](t, ctx, `document.querySelector("#player .ap-term").getBoundingClientRect().right`); w > 360 {
		t.Errorf("the termText reaches %.0f px on a 360 px screen", w)
	}
	if bg := js[string](t, ctx, `getComputedStyle(document.body).backgroundColor`); bg == "rgb(255, 255, 255)" || bg == "rgb(247, 247, 245)" {
		t.Errorf("the page's frame ignores the dark scheme: background %s", bg)
	}
	if js[int](t, ctx, `document.querySelectorAll("#question:not([hidden])").length`) != 0 {
		t.Error("a question shows with --no-ask")
	}

	js[any](t, ctx, `crdtvizLesson.go(1)`)
	waitJS(t, ctx, "step 1 on the terminal", `crdtvizLesson.state().step === 1 && `+termText+`.includes("Blockbuster Movie")`)
	js[any](t, ctx, `crdtvizLesson.go(4)`)
	waitJS(t, ctx, "step 4's narration", `crdtvizLesson.state().step === 4 && `+panelText+`.includes(`+quote(s.Steps[3].Text)+`)`)
	shot(t, ctx, "lesson-phone.png")

	// Without questions, playback runs through step 2's marker.
	js[any](t, ctx, `crdtvizLesson.go(1)`)
	at := js[float64](t, ctx, `JSON.parse(document.getElementById("lesson-data").textContent).steps[1].at`)
	js[any](t, ctx, fmt.Sprintf(`crdtvizLesson.player.seek(%f).then(() => crdtvizLesson.player.play())`, at-0.3))
	waitJS(t, ctx, "playback to run through step 2", fmt.Sprintf(`crdtvizLesson.state().step === 2 && crdtvizLesson.state().time > %f && crdtvizLesson.state().playing`, at+0.3))
	js[any](t, ctx, `crdtvizLesson.player.pause()`)

	// The Diagram tab: the diagram of the point shown, one line per replica.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("tab-diagram"))); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "the diagram tab", `!document.getElementById("panel-diagram").hidden && document.getElementById("panel-player").hidden`)
	shown := js[int](t, ctx, `document.querySelectorAll("figure.diagram:not([hidden])").length`)
	lines := js[int](t, ctx, `document.querySelectorAll("figure.diagram:not([hidden]) line.lifeline").length`)
	if shown != 1 || lines != len(s.Replicas) {
		t.Errorf("the diagram tab shows %d diagrams with %d lifelines; want 1 with %d", shown, lines, len(s.Replicas))
	}
	if w := js[float64](t, ctx, `document.documentElement.scrollWidth`); w > 360 {
		t.Errorf("with the diagram, the page is %.0f px wide on a 360 px screen", w)
	}
	log.check(t, url)
}

// TestLessonPageDiagramFollows: the partition demo (light theme). The
// Diagram tab never shows what a question asks about: at step 4's
// question it is the diagram of step 3's end; revealed, it has step 4's
// message; the partition's band shows while the link is cut.
func TestLessonPageDiagramFollows(t *testing.T) {
	ctx, log := browser(t, 1280, 800, false)
	path, s := writeLesson(t, "partition", "--theme", "light")
	url := open(t, ctx, path)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("tab-diagram"))); err != nil {
		t.Fatal(err)
	}
	ask := 0
	for i, st := range s.Steps {
		if st.Ask != nil {
			ask = i + 1
			break
		}
	}
	if ask < 2 {
		t.Fatalf("the partition demo has no question after step 1")
	}
	msgs := `document.querySelectorAll("figure.diagram:not([hidden]) g.msg").length`
	js[any](t, ctx, fmt.Sprintf(`crdtvizLesson.go(%d)`, ask-1))
	waitJS(t, ctx, "the step before the question", fmt.Sprintf(`crdtvizLesson.state().step === %d`, ask-1))
	before := js[int](t, ctx, msgs)
	js[any](t, ctx, fmt.Sprintf(`crdtvizLesson.go(%d)`, ask))
	waitJS(t, ctx, "the question", fmt.Sprintf(`crdtvizLesson.state().step === %d && crdtvizLesson.state().asking`, ask))
	if got := js[int](t, ctx, msgs); got != before {
		t.Errorf("at step %d's question the diagram shows %d messages, not the %d of the step before", ask, got, before)
	}
	if js[int](t, ctx, `document.querySelectorAll("figure.diagram:not([hidden]) g.cut").length`) == 0 {
		t.Error("no partition band while the link is cut")
	}
	shot(t, ctx, "lesson-diagram.png")
	js[any](t, ctx, `crdtvizLesson.reveal()`)
	waitJS(t, ctx, "the outcome's diagram", fmt.Sprintf(`!crdtvizLesson.state().asking && %s > %d`, msgs, before))
	log.check(t, url)
}

// shot writes the viewport as a PNG into $CRDTVIZ_SCREENSHOT_DIR, when set.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv(screenshotEnv)
	if dir == "" {
		return
	}
	buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), buf, 0o644); err != nil {
		t.Fatal(errors.Join(errors.New("writing the screenshot"), err))
	}
}

// lessonData is the lesson page's own data: its cast, steps and frames.
type lessonData struct {
	Cast  string `json:"cast"`
	Steps []struct {
		Label  string  `json:"label"`
		At     float64 `json:"at"`
		Reveal float64 `json:"reveal"`
		Ask    *struct {
			Text string `json:"text"`
		} `json:"ask"`
	} `json:"steps"`
	Frames []struct {
		At      float64 `json:"at"`
		Step    int     `json:"step"`
		Asking  bool    `json:"asking"`
		Diagram int     `json:"diagram"`
	} `json:"frames"`
}

// readLesson reads a page's data, and the screen of each of its frames
// from its cast, without its escape codes.
func readLesson(t *testing.T, path string) (lessonData, []string) {
	t.Helper()
	page, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?s)<script type="application/json" id="lesson-data">(.*?)</script>`).FindSubmatch(page)
	if m == nil {
		t.Fatal("the page has no lesson data")
	}
	var l lessonData
	if err := json.Unmarshal(m[1], &l); err != nil {
		t.Fatal(err)
	}
	var screens []string
	for _, ln := range strings.Split(l.Cast, "\n")[1:] {
		var ev []any
		if json.Unmarshal([]byte(ln), &ev) != nil || len(ev) != 3 || ev[1] != "o" {
			continue
		}
		if s := ev[2].(string); strings.Contains(s, "\x1b[H") {
			screens = append(screens, ansi.Strip(s))
		}
	}
	if len(screens) != len(l.Frames) {
		t.Fatalf("%d screens in the cast for %d frames", len(screens), len(l.Frames))
	}
	return l, screens
}

// squeeze is a screen's text without white space and box drawing, so
// that a player's terminal (which draws some box lines as shapes, not
// text) and a cast's frame can be compared; squeezeJS does the same in
// the page.
func squeeze(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r >= 0x2500 && r <= 0x259f {
			return -1
		}
		return r
	}, s)
}

const squeezeJS = `.replace(/[\s\u2500-\u259f]/g, "")`

// TestLessonPageQuestionsShowTheStateBefore: at every question's marker,
// in seed and partition, the page's terminal shows the app's question
// frame, which is the state before the step (the same boxes and tick as
// the step before's end), and the Diagram tab the diagram of that same
// point; Reveal then shows the step's outcome, on the terminal and in
// the Diagram tab. Every marker's label (which the player shows on hover)
// is the recording's, which gives nothing away ahead of time.
func TestLessonPageQuestionsShowTheStateBefore(t *testing.T) {
	for _, name := range []string{"seed", "partition"} {
		t.Run(name, func(t *testing.T) {
			ctx, log := browser(t, 1280, 800, false)
			path, s := writeLesson(t, name)
			l, screens := readLesson(t, path)
			url := open(t, ctx, path)
			boxes := func(screen string) string { // the header's tick and the boxes, down to the links, without the marks of what the last step changed
				lines := strings.Split(screen, "\n")
				f := strings.Fields(lines[0])
				out := f[len(f)-1]
				for _, ln := range lines[1:] {
					if strings.HasPrefix(ln, "links:") {
						break
					}
					out += "\n" + strings.Join(strings.Fields(strings.ReplaceAll(ln, "●", "")), " ")
				}
				return out
			}
			frameOf := func(step int, asking bool) int {
				last := -1
				for i, f := range l.Frames {
					if f.Step == step && f.Asking == asking {
						if asking {
							return i
						}
						last = i
					}
				}
				return last
			}
			shownDiagram := `+document.querySelector("figure.diagram:not([hidden])").dataset.diagram`
			// The list of steps shows every marker's label from the start.
			list := js[[]string](t, ctx, `Array.from(document.querySelectorAll("#steps button")).map(b => b.textContent)`)
			for i, st := range l.Steps {
				if i >= len(list) || list[i] != st.Label {
					t.Errorf("the steps list's item %d reads %q, the marker's label %q", i+1, list, st.Label)
					break
				}
			}
			for k, st := range s.Steps {
				k++
				if st.Ask == nil {
					continue
				}
				q, before, out := frameOf(k, true), frameOf(k-1, false), frameOf(k, false)
				if q < 0 || before < 0 || out < 0 {
					t.Fatalf("step %d: frames %d (question), %d (before), %d (outcome)", k, q, before, out)
				}
				// What the recording holds: the question's frame is the state
				// before, its diagram that point's.
				if got, want := boxes(screens[q]), boxes(screens[before]); got != want {
					t.Errorf("step %d's question frame shows other boxes than step %d's end:\n%s\nwant\n%s", k, k-1, got, want)
				}
				if l.Frames[q].Diagram != l.Frames[before].Diagram {
					t.Errorf("step %d's question has diagram %d, step %d's end %d", k, l.Frames[q].Diagram, k-1, l.Frames[before].Diagram)
				}
				if want := "Step " + strconv.Itoa(k) + ": " + st.Ask.Text; l.Steps[k-1].Label != want {
					t.Errorf("step %d's marker label %q, want %q", k, l.Steps[k-1].Label, want)
				}
				// What the page shows.
				js[any](t, ctx, fmt.Sprintf(`crdtvizLesson.go(%d)`, k))
				waitJS(t, ctx, fmt.Sprintf("step %d's question", k), fmt.Sprintf(`crdtvizLesson.state().step === %d && crdtvizLesson.state().asking && !crdtvizLesson.state().playing`, k))
				waitJS(t, ctx, fmt.Sprintf("step %d's question frame on the terminal", k), `(`+termText+`)`+squeezeJS+` === `+quote(squeeze(screens[q])))
				if got := js[int](t, ctx, shownDiagram); got != l.Frames[before].Diagram {
					t.Errorf("at step %d's question the Diagram tab shows diagram %d, not step %d's end's %d", k, got, k-1, l.Frames[before].Diagram)
				}
				js[any](t, ctx, `crdtvizLesson.reveal()`)
				waitJS(t, ctx, fmt.Sprintf("step %d's outcome", k), fmt.Sprintf(`crdtvizLesson.state().step === %d && !crdtvizLesson.state().asking`, k))
				js[any](t, ctx, `crdtvizLesson.player.pause()`)
				waitJS(t, ctx, fmt.Sprintf("step %d's outcome frame on the terminal", k), `(`+termText+`)`+squeezeJS+` === `+quote(squeeze(screens[out])))
				if got := js[int](t, ctx, shownDiagram); got != l.Frames[out].Diagram || (len(st.Actions()) > 0 && got == l.Frames[q].Diagram) {
					t.Errorf("after step %d's reveal the Diagram tab shows diagram %d; the outcome's is %d, the question's %d", k, got, l.Frames[out].Diagram, l.Frames[q].Diagram)
				}
			}
			log.check(t, url)
		})
	}
}
