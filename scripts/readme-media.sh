#!/usr/bin/env bash
# Regenerates the README's pictures in docs/img/ from the real app:
#   docs/img/seed.png         the seed demo at step 4, rendered by freeze
#   docs/img/lost-update.svg  the lost-update demo, animated, by svg-term-cli
#   docs/img/lesson.png       the seed demo's lesson page (crdtviz cast --html),
#                             paused at step 4's question, in Chromium
#   docs/img/partition-diagram.svg  the partition demo's space-time diagram
# Needs Go, Node.js with npm, Chromium, and network access to the Go module
# proxy and the npm registry. Not run in CI. Usage: scripts/readme-media.sh
set -euo pipefail
cd "$(dirname "$0")/.."

tools="$(mktemp -d)"
trap 'rm -rf "$tools"' EXIT
GOBIN="$tools" go install github.com/charmbracelet/freeze@v0.2.2
npm install --silent --prefix "$tools" svg-term-cli@2.1.1

go build -o "$tools/crdtviz" .
mkdir -p docs/img

# The PNG: one frame, as ANSI, framed like a terminal window.
"$tools/crdtviz" cast seed --frame 4 --size 100x30 --theme dark -o "$tools/seed.ansi"
# freeze hands PNG conversion to rsvg-convert when it finds one, which drops
# freeze's embedded monospace font; an empty PATH keeps its own renderer.
PATH="$tools" "$tools/freeze" -l ansi "$tools/seed.ansi" -o docs/img/seed.png --window --padding 20 --margin 0 --font.size 14

# The SVG: the whole demo, three seconds a step, from our own asciicast.
"$tools/crdtviz" cast lost-update --size 100x30 --theme dark --step 3s -o "$tools/lost-update.cast"
"$tools/node_modules/.bin/svg-term" --in "$tools/lost-update.cast" --out docs/img/lost-update.svg --window --no-cursor

# The lesson page, photographed by the browser test (browser_test.go).
mkdir -p "$tools/shots"
CI=true CRDTVIZ_SCREENSHOT_DIR="$tools/shots" go test -count=1 -run '^TestLessonPageWithQuestions$' .
cp "$tools/shots/lesson.png" docs/img/lesson.png

# The diagram, as SVG.
"$tools/crdtviz" demo partition --svg --force -o docs/img/partition-diagram.svg

echo "wrote docs/img/seed.png, docs/img/lost-update.svg, docs/img/lesson.png and docs/img/partition-diagram.svg"
