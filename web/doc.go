// Package web makes a crdtviz lesson into one web page: a lecture
// recording that students can step through at home, with the questions
// intact.
//
// A lesson page is a single HTML file that works from disk (file://) and
// from any static host, and asks no other site for anything. It holds:
//
//   - the asciicast of the demo, with a marker for each step, played by
//     asciinema-player (vendored in player/, embedded with go:embed; see
//     player/VERSION and scripts/vendor-player.sh);
//   - the narration of each step beside the player, following it; a step
//     that asks a question pauses there, shows the question and its
//     choices, and plays on when the student presses Reveal;
//   - the space-time diagram of every point shown, as SVG, in a Diagram
//     tab that follows the player too, so it never shows what a question
//     asks about before the reveal.
//
// The package is plain data in, bytes out: the command line (crdtviz cast
// --html) renders the cast and the diagrams, and Page puts them together.
// It imports only the standard library.
package web
