#!/usr/bin/env bash
# Browser tests of the staff web application (issue 5).
#
# Installs what they need on a fresh Debian machine — Debian's chromium and a
# CJK font (so Chinese pages render in screenshots), playwright-core from npm
# (no browser download) — builds the `credgrid` binary if it is missing or
# older than the sources, and runs the specs with node's built-in test runner.
# Screenshots land in target/ui-screenshots/.
#
# Usage: tests/ui/run.sh            (from anywhere; exit status is the tests')
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
    echo "tests/ui/run.sh: need root to run: $*" >&2
    return 1
  fi
}

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
fc-list 2>/dev/null | grep -qi -e wqy -e "noto sans cjk" || missing+=(fonts-wqy-microhei)
command -v node >/dev/null 2>&1 || missing+=(nodejs npm)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "tests/ui/run.sh: installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

(cd "$here" && npm ci --no-audit --no-fund --loglevel=error)

bin="${CREDGRID_BIN:-}"
if [ -n "$bin" ]; then
  bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
  export CREDGRID_BIN="$bin"
else
  bin="$root/target/debug/credgrid"
  newest_source="$(find "$root/crates" -newer "$bin" -type f \( -name '*.rs' -o -name '*.html' -o -name '*.css' -o -name '*.txt' -o -name 'Cargo.toml' \) -print -quit 2>/dev/null || true)"
  if [ ! -x "$bin" ] || [ -n "$newest_source" ]; then
    (cd "$root" && cargo build -p credgrid-cli)
  fi
  export CREDGRID_BIN="$bin"
fi

cd "$here"
exec node --test --test-concurrency=1 ./*.test.mjs
