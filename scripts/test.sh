#!/usr/bin/env bash
# `make test` after set-up and the type check: the suite (4 pytest-xdist workers) and, beside it, the wheel check
# (scripts/wheel-check.sh: build the wheel, install it into a fresh virtual environment, `optout selftest` from
# another folder). The two run at once: the wheel's build and install are mostly waiting on the disk, and the
# suite's last minutes leave a core idle. The wheel check's lines are printed after the suite's, as one block.
# WHEEL_CHECK=0 skips it (e.g. while running a few tests); arguments go to pytest.
set -uo pipefail
cd "$(dirname "$0")/.."

wheel_pid="" wheel_log=""
if [ "${WHEEL_CHECK:-1}" != 0 ]; then
  wheel_log=$(mktemp "${TMPDIR:-/tmp}/optout-wheel-check-log.XXXXXX")
  ./scripts/wheel-check.sh >"$wheel_log" 2>&1 &
  wheel_pid=$!
  trap 'kill "$wheel_pid" 2>/dev/null; rm -f "$wheel_log"' INT TERM
fi

.venv/bin/python -m pytest -q -n 4 --dist loadgroup -p no:logging --durations=15 "$@"
suite=$?

wheel=0
if [ -n "$wheel_pid" ]; then
  wait "$wheel_pid"
  wheel=$?
  cat "$wheel_log"
  rm -f "$wheel_log"
  [ "$wheel" = 0 ] || printf 'wheel-check: FAILED (exit %s)\n' "$wheel"
fi
[ "$suite" = 0 ] || exit "$suite"
exit "$wheel"
