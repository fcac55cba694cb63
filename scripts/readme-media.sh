#!/usr/bin/env bash
# Regenerates the README's pictures in docs/img/ from the real app:
#   docs/img/seed.png         the seed demo at step 4, rendered by freeze
#   docs/img/lost-update.svg  the lost-update demo, animated, by svg-term-cli
# Needs Go, Node.js with npm, and network access to the Go module proxy and
# the npm registry. Not run in CI. Usage: scripts/readme-media.sh
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

echo "wrote docs/img/seed.png and docs/img/lost-update.svg"
