"""Shared fixtures: the browser pytest-playwright launches, the built-in replica, running the assistant.

The engine is async; pytest-playwright's `page` fixture is sync and owns this thread's event loop once it
has started, so async work runs on a worker thread with its own loop (see `run_async`).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
REAL_PAGES = REPO.parent / "shared" / "real-pages"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright's browser: the same choice the assistant makes (Playwright's, else the system's)."""
    from assistant.browser import find_browser

    args = dict(browser_type_launch_args)
    choice = find_browser()
    if "channel" not in args and choice.executable:
        args["executable_path"] = choice.executable
    return args


@pytest.fixture(scope="session")
def replica():
    from assistant.replica.server import ReplicaServer

    with ReplicaServer() as server:
        yield server


@pytest.fixture(autouse=True)
def _private_home(tmp_path, monkeypatch):
    """Every test gets its own data folder and no stray settings from the developer's environment."""
    for key in list(os.environ):
        if key.startswith("OPTOUT_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("OPTOUT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("OPTOUT_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.chdir(tmp_path)


_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="async-tests")


def run_async(coro):
    """Run a coroutine to completion on a worker thread with its own event loop."""
    return _pool.submit(asyncio.run, coro).result(timeout=300)


@pytest.fixture
def assistant_run(replica, tmp_path):
    """Run check/object in-process against a replica scenario; returns the session Outcome."""
    from assistant import session, settings
    from assistant.ui import Person

    def go(spec: str, platform: str = "facebook,instagram", command: str = "check", objecting: bool = False,
           timeouts: settings.Timeouts | None = None, **kw):
        s = settings.build(platform=platform, via=replica.scenario_url(spec), headless=True,
                           evidence_dir=str(tmp_path / "runs"), profile=str(tmp_path / "profiles"), **kw)
        s = s.with_(timeouts=timeouts or settings.Timeouts(nav_s=10, recognise_s=5, late_s=1.5, login_s=5,
                                                           confirm_s=5))
        return run_async(session.run(s, command, Person(interactive=False, quiet=True), objecting=objecting))

    return go


@pytest.fixture
def optout(tmp_path):
    """Run the real CLI in a subprocess (no terminal); returns (returncode, stdout, stderr, json or None)."""

    def go(*args: str, input: str | None = None, env: dict | None = None, timeout: float = 120):
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("OPTOUT_")}
        full_env.update({"OPTOUT_DATA_DIR": str(tmp_path / "data"), "OPTOUT_CONFIG_DIR": str(tmp_path / "config"),
                         # Shorter waits for late content than a person's default: the replica renders fast.
                         "OPTOUT_LATE_CONTENT": "1.5", "OPTOUT_RECOGNISE_TIMEOUT": "5"})
        full_env.update(env or {})
        done = subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True,
                              input=input if input is not None else "", env=full_env, cwd=tmp_path, timeout=timeout)
        data = None
        if "--json" in args and done.stdout.strip().startswith("{"):
            data = json.loads(done.stdout)
        return done.returncode, done.stdout, done.stderr, data

    return go


def needs_real_pages():
    return pytest.mark.skipif(not REAL_PAGES.is_dir(),
                              reason=f"the real captures folder {REAL_PAGES} is absent (it sits beside the repo)")


@pytest.fixture(scope="session")
def xvfb():
    """A virtual display for the headed test (set-up installs xvfb and xauth); skipped where there is none."""
    import shutil

    exe = shutil.which("Xvfb")
    if not exe:
        pytest.skip("Xvfb is not installed (make test installs xvfb and xauth)")
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen([exe, "-displayfd", str(write_fd), "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
                            pass_fds=(write_fd,), stderr=subprocess.DEVNULL)
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        number = pipe.readline().strip()  # Xvfb writes its display number once it accepts clients
    if not number:
        proc.kill()
        pytest.skip("Xvfb did not start")
    yield f":{number}"
    proc.terminate()
    proc.wait(timeout=10)
