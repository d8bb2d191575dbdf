#!/usr/bin/env bash
# The wheel as a person installs it: build it from a clean copy of the tree, check that it holds every module and
# data file (flows/ as assistant/flowfiles), install it with its dependencies into a fresh virtual environment,
# and run `optout --version`, `optout demo --headless --yes` and `optout selftest` from a folder outside the
# repository, with empty data and config folders. Dependencies are pinned to the versions in .venv (the ones the tests just ran with, and pip's
# cache has); WHEEL_CHECK_PIN=0 resolves them afresh. Keeps nothing unless WHEEL_CHECK_KEEP=1.
set -euo pipefail
export PIP_NO_INPUT=1 PIP_DISABLE_PIP_VERSION_CHECK=1
cd "$(dirname "$0")/.."
repo=$PWD
PY=${PYTHON:-python3}
BUILD_PY=${BUILD_PY:-$repo/.venv/bin/python}
[ -x "$BUILD_PY" ] || BUILD_PY=$PY
start=$SECONDS

say() { printf 'wheel-check: %s\n' "$*"; }
fail() { say "FAILED: $*"; exit 1; }
quiet_pip() { { grep -v "^WARNING: Location 'file:" || true; }; }  # some pip configs name index folders that do not exist

work=$(mktemp -d "${TMPDIR:-/tmp}/optout-wheel-check.XXXXXX")
if [ "${WHEEL_CHECK_KEEP:-0}" = 1 ]; then say "keeping $work"; else trap 'rm -rf "$work"' EXIT; fi

# 1. A clean copy: what a fresh clone has, plus new files not yet committed (a build in the tree itself would
#    reuse a stale build/ folder and could ship files that no longer exist).
mkdir -p "$work/src"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git ls-files -co --exclude-standard | while IFS= read -r f; do [ -f "$f" ] && printf '%s\n' "$f"; done \
    | tar -cf - -T - | tar -xf - -C "$work/src"
else
  tar -cf - --exclude=./.venv --exclude=./build --exclude='*.egg-info' --exclude=__pycache__ --exclude=./.env . \
    | tar -xf - -C "$work/src"
fi

"$BUILD_PY" -m pip wheel -q --no-deps "$work/src" -w "$work/dist" 2>&1 | quiet_pip
wheel=$(ls "$work"/dist/optout_assistant-*.whl 2>/dev/null | head -n1)
[ -n "$wheel" ] || fail "no wheel was built"
say "built $(basename "$wheel") ($(( $(wc -c <"$wheel") / 1024 )) KiB) in $(( SECONDS - start )) s"

# 2. Everything the code reads is in it: every file under assistant/ and under flows/.
"$PY" - "$work/src" "$wheel" <<'EOF' || fail "the wheel lacks files (add a glob to [tool.setuptools.package-data] or the sub-package to packages)"
import sys, zipfile
from pathlib import Path

src, wheel = Path(sys.argv[1]), zipfile.ZipFile(sys.argv[2])
inside = set(wheel.namelist())
want = {p.relative_to(src).as_posix() for p in (src / "assistant").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"}
want |= {"assistant/flowfiles/" + p.relative_to(src / "flows").as_posix() for p in (src / "flows").rglob("*")
         if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"}
missing = sorted(want - inside)
for name in missing:
    print(f"wheel-check: missing from the wheel: {name}")
if not missing:
    flows = sum(n.startswith("assistant/flowfiles/") for n in inside)
    print(f"wheel-check: the wheel holds all {len(want)} files of assistant/ and flows/ ({flows} flow files)")
sys.exit(1 if missing else 0)
EOF

# 3. A fresh virtual environment, the wheel and its dependencies.
"$PY" -m venv "$work/venv"
pin=()
if [ "${WHEEL_CHECK_PIN:-1}" = 1 ] && [ -x "$repo/.venv/bin/python" ]; then
  "$repo/.venv/bin/python" -m pip freeze --exclude-editable 2>/dev/null | grep -vi '^optout-assistant' \
    | grep -v '^-e ' >"$work/pins.txt" || true
  pin=(-c "$work/pins.txt")
fi
"$work/venv/bin/python" -m pip install -q ${pin[@]+"${pin[@]}"} "$wheel" 2>&1 | quiet_pip
[ -x "$work/venv/bin/optout" ] || fail "pip install did not give an optout command"
say "installed into $work/venv (with its dependencies$([ ${#pin[@]} -gt 0 ] && echo ", pinned to .venv's")) in $(( SECONDS - start )) s"

# 4. From another folder, with nothing of the checkout or the developer's settings in reach.
mkdir -p "$work/elsewhere"
cd "$work/elsewhere"
for key in $(env | sed -n 's/^\(OPTOUT_[A-Z_]*\)=.*/\1/p'); do unset "$key"; done
unset PYTHONPATH
export OPTOUT_DATA_DIR="$work/data" OPTOUT_CONFIG_DIR="$work/config"
optout="$work/venv/bin/optout"

want_version=$("$PY" -c 'import sys, tomllib; print(tomllib.load(open(sys.argv[1], "rb"))["project"]["version"])' \
  "$repo/pyproject.toml")
got_version=$("$optout" --version)
[ "$got_version" = "optout, version $want_version" ] || fail "optout --version printed '$got_version', not $want_version"
flows=$("$work/venv/bin/python" -c 'from assistant import paths; print(paths.flows_dir())')
case "$flows" in "$work/venv/"*) ;; *) fail "the installed optout reads its flows from $flows, not from the wheel" ;; esac
say "$got_version; flows from $flows"

# The guided demo as a person runs it, only headless and with --yes (no one is there to click): every platform,
# against the replica in the wheel; its run folder must verify.
t0=$SECONDS
if ! "$optout" demo --headless --yes >"$work/demo.txt" 2>"$work/demo.err"; then
  cat "$work/demo.txt" "$work/demo.err"
  fail "optout demo from the wheel"
fi
demo_dir=$(sed -n 's/^Evidence: \(.*\)  (report.html.*/\1/p' "$work/demo.txt" | head -n1)
[ -n "$demo_dir" ] && [ -f "$demo_dir/report.html" ] || { cat "$work/demo.txt"; fail "optout demo named no run folder with a report"; }
"$optout" verify "$demo_dir" >"$work/verify.txt" 2>&1 || { cat "$work/verify.txt"; fail "the demo's run folder does not verify"; }
say "demo ok in $(( SECONDS - t0 )) s; its run folder verifies"

t0=$SECONDS
if ! "$optout" selftest >"$work/selftest.txt" 2>"$work/selftest.err"; then
  cat "$work/selftest.txt" "$work/selftest.err"
  fail "optout selftest from the wheel"
fi
say "selftest ok ($(grep -c ' ok  *ok$' "$work/selftest.txt") rows in $(( SECONDS - t0 )) s); all in $(( SECONDS - start )) s"
