#!/usr/bin/env bash
# Fetches the asciinema-player that lesson web pages embed (crdtviz cast
# --html) again, with `npm pack`, checks it against the hashes in
# web/player/VERSION, and copies its files into web/player/. The binary
# embeds them with go:embed, so nothing is fetched at run time.
#
# Usage: scripts/vendor-player.sh          fetch, check, copy
#        scripts/vendor-player.sh --check  fetch and check only: the
#                                          vendored files must match too
# Needs npm and access to the npm registry.
set -euo pipefail
cd "$(dirname "$0")/.."

version=3.17.0
# The tarball's sha256 (npm's own integrity field is sha512; this is the
# hash of the .tgz npm pack writes, as recorded in web/player/VERSION).
want="$(sed -n 's/^tarball sha256: //p' web/player/VERSION)"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "asciinema-player@$version" >/dev/null)
tgz="$tmp/asciinema-player-$version.tgz"
got="$(sha256sum "$tgz" | cut -d' ' -f1)"
if [ "$got" != "$want" ]; then
  echo "asciinema-player $version: sha256 $got, expected $want" >&2
  exit 1
fi
tar -xzf "$tgz" -C "$tmp"

files=(dist/bundle/asciinema-player.min.js dist/bundle/asciinema-player.css LICENSE)
if [ "${1:-}" = "--check" ]; then
  for f in "${files[@]}"; do
    cmp -s "$tmp/package/$f" "web/player/$(basename "$f")" || { echo "web/player/$(basename "$f") differs from the package's $f" >&2; exit 1; }
  done
  echo "web/player matches asciinema-player $version ($got)"
  exit 0
fi
for f in "${files[@]}"; do
  cp "$tmp/package/$f" web/player/
done
{
  echo "asciinema-player $version, from npm (npm pack asciinema-player@$version), Apache-2.0 (see LICENSE)."
  echo "Fetched again and checked by scripts/vendor-player.sh."
  echo "tarball sha256: $got"
  for f in "${files[@]}"; do
    echo "$(basename "$f") sha256: $(sha256sum "$tmp/package/$f" | cut -d' ' -f1)"
  done
} > web/player/VERSION
echo "vendored asciinema-player $version into web/player"
