"""The rooms keep their doors: click only in assistant/cli/, no circular import in assistant/evidence/, and
`optout --help` loads none of the heavy libraries. No browser needed."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ASSISTANT = REPO / "assistant"


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
    return found


def test_click_is_imported_only_in_the_cli_package():
    outside = [str(p.relative_to(REPO)) for p in ASSISTANT.rglob("*.py")
               if "click" in _imports(p) and (ASSISTANT / "cli") not in p.parents]
    assert outside == []


@pytest.mark.parametrize("module", ["files", "manifest", "run", "report", "breakage"])
def test_each_evidence_module_imports_first_in_a_fresh_interpreter(module):
    """A cycle shows as an ImportError (or a half-initialised module) when one side is imported first."""
    done = subprocess.run([sys.executable, "-c", f"import assistant.evidence.{module}; import assistant.evidence"],
                          env=_env(), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_help_loads_no_browser_model_or_template_library():
    probe = ("import sys; sys.argv = ['optout', '--help']\n"
             "from assistant.cli import main\n"
             "try:\n    main()\nexcept SystemExit:\n    pass\n"
             "heavy = sorted({m.split('.')[0] for m in sys.modules} & "
             "{'playwright', 'pydantic', 'rich', 'jinja2', 'loguru', 'asyncio', 'sqlite3'})\n"
             "print('HEAVY', heavy, file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", probe], env=_env(), capture_output=True, text=True, timeout=60)
    assert "HEAVY []" in done.stderr, done.stderr
    assert "check" in done.stdout and "watch" in done.stdout and "report-breakage" in done.stdout


def test_time_limits_use_asyncio_timeout_not_wait_for():
    """Python 3.11's asyncio.wait_for loses a cancellation that arrives as the awaited thing finishes: Ctrl-C (which
    cancels the run) is then swallowed and the run goes on. asyncio.timeout() keeps it."""
    users = [str(p.relative_to(REPO)) for p in ASSISTANT.rglob("*.py") if "asyncio.wait_for(" in p.read_text()]
    assert users == []
