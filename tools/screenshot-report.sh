#!/usr/bin/env bash
# Renders the York board report ("RAG February 21") with headless Chromium to
# docs/york-report.png, to look at it as a person would. Not part of the test suite.
#
# Needs Chromium (Debian: apt-get install chromium). Usage, from anywhere:
#   tools/screenshot-report.sh [OUTPUT.png]
# Environment: CHROMIUM (default: chromium, chromium-browser or google-chrome on PATH),
#   AS_OF (default "RAG February 21"), KEEP_HTML=1 to keep the HTML next to the PNG.
set -euo pipefail
cd "$(dirname "$0")/.."

out=${1:-docs/york-report.png}
as_of=${AS_OF:-RAG February 21}
browser=${CHROMIUM:-}
if [ -z "$browser" ]; then
  for b in chromium chromium-browser google-chrome; do
    if command -v "$b" >/dev/null 2>&1; then browser=$b; break; fi
  done
fi
if [ -z "$browser" ]; then
  echo "error: no Chromium found; install it (apt-get install chromium) or set CHROMIUM" >&2
  exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
html="$work/york-report.html"

cargo build --quiet --release
target/release/readiness report --ledger events/york-wsoa.jsonl --as-of "$as_of" \
  --out "$html" >/dev/null

mkdir -p "$(dirname "$out")"
# A4 at 150 dpi is 1240 x 1754 pixels. No network, no profile, no sandbox (root in CI).
"$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --hide-scrollbars --user-data-dir="$work/profile" \
  --screenshot="$(realpath -m "$out")" --window-size=1240,1754 \
  "file://$html" 2>"$work/chromium.log" || {
  cat "$work/chromium.log" >&2
  exit 1
}
if [ "${KEEP_HTML:-}" = 1 ]; then
  cp "$html" "${out%.png}.html"
fi
echo "wrote $out"
