#!/usr/bin/env bash
# One-command set-up: virtual environment, the project, a browser (Playwright's, else the system's),
# and, with WITH_XVFB=1, the virtual display the headed test needs. Safe and fast to re-run.
set -euo pipefail
export PIP_NO_INPUT=1
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
WITH_XVFB=${WITH_XVFB:-0}
WITH_TEST=${WITH_TEST:-0}
stamp=.venv/.installed

say() { printf 'setup: %s\n' "$*"; }

if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  say "Python 3.11 or newer is needed (found: $("$PY" --version 2>&1)). Set PYTHON=/path/to/python3.11 and run again."
  exit 1
fi

[ -x .venv/bin/python ] || { say "creating .venv"; "$PY" -m venv .venv; }

SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
apt_install() {
  if ! command -v apt-get >/dev/null 2>&1; then return 1; fi
  if [ -n "$SUDO" ] && ! sudo -n true 2>/dev/null; then return 1; fi
  say "installing $* with apt (no recommends)"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# The virtual display for the headed tests, from apt while pip installs the project (apt waits on the network and
# the disk, pip mostly on its cache); done before the browser's own apt install below (one apt at a time).
xvfb_pid=""
if [ "$WITH_XVFB" = 1 ] && [ "$(uname)" = Linux ] \
    && ! { command -v xvfb-run >/dev/null 2>&1 && command -v xauth >/dev/null 2>&1; }; then
  { apt_install xvfb xauth \
      || say "could not install xvfb and xauth; the headed tests will be skipped (run: sudo apt-get install xvfb xauth)"; } &
  xvfb_pid=$!
fi

extras=""; [ "$WITH_TEST" = 1 ] && extras="[test]"
want="$(cat pyproject.toml)$extras"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  say "installing the project$extras into .venv"
  # (grep: some machines' pip configs name index folders that do not exist; pip warns about each)
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".$extras" 2>&1 \
    | { grep -v "^WARNING: Location 'file:" || true; }
  printf '%s' "$want" > "$stamp"
fi

[ -z "$xvfb_pid" ] || wait "$xvfb_pid" || true

# The browser: the assistant's own installer tries Playwright's download first (bounded), then a
# system Chromium, installing Debian's where it can. It prints exactly what to run when it cannot.
.venv/bin/optout install-browser --quiet-if-present

say "ready"
