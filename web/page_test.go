package web

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"regexp"
	"strings"
	"testing"
)

// The vendored player is the one player/VERSION names, byte for byte:
// what the binary embeds, and the LICENSE beside it.
func TestVendoredPlayer(t *testing.T) {
	license, err := os.ReadFile("player/LICENSE")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(playerVersion, "asciinema-player "+PlayerVersion) || !strings.Contains(string(license), "Apache License") {
		t.Fatalf("VERSION %q", playerVersion)
	}
	for name, data := range map[string]string{"asciinema-player.min.js": playerJS, "asciinema-player.css": playerCSS, "LICENSE": string(license)} {
		sum := sha256.Sum256([]byte(data))
		want := regexp.MustCompile(regexp.QuoteMeta(name) + ` sha256: ([0-9a-f]{64})`).FindStringSubmatch(playerVersion)
		if want == nil || want[1] != hex.EncodeToString(sum[:]) {
			t.Errorf("%s: sha256 %x, VERSION says %v", name, sum, want)
		}
	}
	// Nothing in the inlined files could end their element early.
	if strings.Contains(strings.ToLower(playerJS), "</script") || strings.Contains(playerJS, "<!--") || strings.Contains(strings.ToLower(playerCSS), "</style") {
		t.Error("the player's files would close the element they are inlined in")
	}
}

func lesson() Lesson {
	return Lesson{
		Title: `A <b>bold</b> "title" & more`, About: "About </script><script>alert(1)</script>", Type: "lww-register",
		Replicas: []string{"A", "B"}, Mode: "state-based", Generator: "crdtviz test", Intro: "Press play.",
		Cast:     []byte("{\"version\":2,\"width\":80,\"height\":24}\n[0.000, \"o\", \"</script><!--\"]\n[1.000, \"m\", \"Step 1: go\"]\n"),
		Steps:    []Step{{Label: "Step 1: go </script>", Text: "It goes.", Actions: []string{"sync all"}, Ask: &Question{Text: "Where?", Choices: []string{"a", "b"}}, At: 1, Reveal: 2}},
		Frames:   []Frame{{At: 0}, {At: 1, Step: 1, Asking: true}, {At: 2, Step: 1, Diagram: 1}},
		Diagrams: []string{`<svg xmlns="http://www.w3.org/2000/svg"></svg>`, `<svg xmlns="http://www.w3.org/2000/svg"><text>t1</text></svg>`},
	}
}

// Page escapes what it is given: no text of a lesson can close the
// script that holds it or add an element; the page's own three scripts
// are the only ones.
func TestPageEscapes(t *testing.T) {
	page, err := Page(lesson())
	if err != nil {
		t.Fatal(err)
	}
	s := string(page)
	if n := strings.Count(strings.ToLower(s), "</script>"); n != 3 {
		t.Errorf("%d </script> in the page; want the page's own 3", n)
	}
	if strings.Contains(s, "<b>bold</b>") || strings.Contains(s, "<script>alert") || strings.Contains(s, "<!--") {
		t.Error("a lesson's text became markup")
	}
	for _, want := range []string{"A &lt;b&gt;bold&lt;/b&gt;", "lww-register", "A, B", `data-diagram="1" hidden`, "Step 1: go &lt;/script&gt;</button>"} {
		if !strings.Contains(s, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	// The list names each step by its marker's label, which the
	// recording makes safe to show ahead of time (model.markerLabel).
	list := regexp.MustCompile(`(?s)<ol class="steps" id="steps">(.*?)</ol>`).FindStringSubmatch(s)
	if list == nil || strings.TrimSpace(list[1]) != `<li><button type="button">Step 1: go &lt;/script&gt;</button></li>` {
		t.Errorf("the steps list: %q", list)
	}
	noAsk := lesson()
	noAsk.Steps[0].Ask, noAsk.Frames[1].Asking = nil, false
	page, err = Page(noAsk)
	if err != nil || !strings.Contains(string(page), `<button type="button">Step 1: go &lt;/script&gt;</button>`) {
		t.Errorf("without questions, the list does not name the steps: %v", err)
	}
}

// The page is self-contained: outside its scripts and styles, it loads
// nothing (no src, no link, no import), and links one page, the player's.
func TestPageSelfContained(t *testing.T) {
	page, err := Page(lesson())
	if err != nil {
		t.Fatal(err)
	}
	outside := regexp.MustCompile(`(?s)<(script|style)[^>]*>.*?</(script|style)>`).ReplaceAllString(string(page), "")
	for _, bad := range []string{" src=", "<link", "@import", "<iframe", "<img", "url("} {
		if strings.Contains(outside, bad) {
			t.Errorf("the page loads something: %q", bad)
		}
	}
	hrefs := regexp.MustCompile(`href="([^"]*)"`).FindAllStringSubmatch(outside, -1)
	if len(hrefs) != 1 || hrefs[0][1] != "https://github.com/asciinema/asciinema-player" {
		t.Errorf("links %v", hrefs)
	}
	if strings.Contains(pageCSS, "url(") || strings.Contains(pageJS, "fetch(") || strings.Contains(pageJS, "XMLHttpRequest") {
		t.Error("the page's own style or script asks for something")
	}
}

// A lesson the page could not follow is refused, with a reason.
func TestPageChecks(t *testing.T) {
	for name, change := range map[string]func(*Lesson){
		"no cast":           func(l *Lesson) { l.Cast = nil },
		"no frames":         func(l *Lesson) { l.Frames = nil },
		"late first frame":  func(l *Lesson) { l.Frames[0].At = 1 },
		"frames backwards":  func(l *Lesson) { l.Frames[2].At = 0.5 },
		"a step too many":   func(l *Lesson) { l.Frames[2].Step = 2 },
		"a missing diagram": func(l *Lesson) { l.Frames[2].Diagram = 2 },
		"not SVG":           func(l *Lesson) { l.Diagrams[0] = "<p>no</p>" },
		"a legend not SVG":  func(l *Lesson) { l.Legend = "<p>no</p>" },
	} {
		l := lesson()
		change(&l)
		if _, err := Page(l); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
