"""Shared fixtures: the browser pytest-playwright launches, the built-in replica, running the assistant.

The engine is async; pytest-playwright's `page` fixture is sync and owns this thread's event loop once it
has started, so async work runs on one long-lived event loop in a thread of its own (see `run_async`). On that
loop each pytest worker keeps one headless browser (`shared_browser`): in-process runs take fresh contexts in
it instead of starting Python's driver and a Chromium each (a browser start costs more than most runs).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
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
        args["executable_path"] = choice.executable_for(args.get("headless", True))
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


class _Loop:
    """One event loop for the whole worker, in a daemon thread: objects made on it (a browser) outlive a test."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, name="async-tests", daemon=True).start()

    def run(self, coro, timeout: float = 300):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=timeout)


_loop = _Loop()


def run_async(coro, timeout: float = 300):
    """Run a coroutine to completion on the worker's event loop (shared by every test of this worker)."""
    return _loop.run(coro, timeout)


class SharedBrowser:
    """The worker's headless browser, started on first use and started again if a test's run lost it."""

    def __init__(self, via: str) -> None:
        self.via, self.browser = via, None

    def get(self):
        from assistant import browser

        if self.browser is None or not self.browser.connected:
            if self.browser is not None:
                run_async(self._close(self.browser))
            self.browser = browser.Browser(browser.find_browser(), True, self.via)
            run_async(self.browser.__aenter__())
        return self.browser

    @staticmethod
    async def _close(chromium) -> None:
        try:
            await chromium.__aexit__(None, None, None)
        except Exception:  # noqa: BLE001 - a browser that died is gone already
            pass

    def close(self) -> None:
        if self.browser is not None:
            run_async(self._close(self.browser))


@pytest.fixture(scope="session")
def shared_browser(replica):
    """The worker's headless browser (loopback routing); each run opens fresh contexts in it."""
    shared = SharedBrowser(replica.url)
    yield shared
    shared.close()


@pytest.fixture
def assistant_run(replica, tmp_path, shared_browser):
    """Run check/object in-process against a replica scenario, in the worker's browser; returns the Outcome.

    Its data and config folders are the test's (`_private_home`), the same ones `optout` gives the CLI: a run made
    here is in the history `optout status` reads."""
    from assistant import session, settings
    from assistant.ui import Person

    def go(spec: str, platform: str = "facebook,instagram", command: str = "check", objecting: bool = False,
           timeouts: settings.Timeouts | None = None, code_provider=None, each: bool = False, again: bool = False,
           **kw):
        s = settings.build(platform=platform, via=replica.scenario_url(spec), headless=True,
                           evidence_dir=str(tmp_path / "runs"), profile=str(tmp_path / "profiles"), **kw)
        s = s.with_(timeouts=timeouts or settings.Timeouts(nav_s=10, recognise_s=5, late_s=1.5, login_s=5,
                                                           confirm_s=5), each=each, again=again)
        return run_async(session.run(s, command, Person(interactive=False, quiet=True), objecting=objecting,
                                     code_provider=code_provider, chromium=shared_browser.get()))

    return go


@pytest.fixture
def object_run(assistant_run):
    """`optout object --headless --json` in-process, in the worker's browser: (exit code, the JSON report).

    `codes`: the lines the person types, one per emailed code Meta asks for (none left: no code is given). The
    CLI's own part (flags, printing, exit) is tested with `optout`; this is for what the run does on a page."""

    def go(spec: str, platform: str = "facebook", codes: tuple[str, ...] = (), **kw):
        lines = iter(codes)
        outcome = assistant_run(spec, platform=platform, command="object", objecting=True,
                                code_provider=lambda _platform: next(lines, None), **kw)
        return outcome.exit_code, outcome.report

    return go


def cli_in(home: Path):
    """The real CLI in a subprocess (no terminal), with `home` as its folder and its data and config folders in it;
    returns (returncode, stdout, stderr, json or None)."""

    def go(*args: str, input: str | None = None, env: dict | None = None, timeout: float = 120):
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("OPTOUT_")}
        full_env.update({"OPTOUT_DATA_DIR": str(home / "data"), "OPTOUT_CONFIG_DIR": str(home / "config"),
                         # Shorter waits for late content than a person's default: the replica renders fast.
                         "OPTOUT_LATE_CONTENT": "1.5", "OPTOUT_RECOGNISE_TIMEOUT": "5"})
        full_env.update(env or {})
        done = subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True,
                              input=input if input is not None else "", env=full_env, cwd=home, timeout=timeout)
        data = None
        if "--json" in args and done.stdout.strip().startswith("{"):
            data = json.loads(done.stdout)
        return done.returncode, done.stdout, done.stderr, data

    go.home = home  # type: ignore[attr-defined]  # where relative paths in its output start
    return go


@pytest.fixture
def optout(tmp_path):
    """Run the real CLI in a subprocess in the test's own folder (see cli_in)."""
    return cli_in(tmp_path)


@pytest.fixture(scope="module")
def optout_module(tmp_path_factory):
    """The CLI in one folder for a whole module: for tests that read the same run (made once, not once per test)."""
    return cli_in(tmp_path_factory.mktemp("module-home"))


def as_in_a_terminal() -> None:
    """preexec_fn for a CLI a test will Ctrl-C: SIGINT as a terminal's foreground process has it. A suite started in
    the background (`make test &`, some CI runners) ignores SIGINT, every child inherits that, and Python then
    installs no Ctrl-C handler at all."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


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


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config, items):
    """Tests marked `long` first (pytest-xdist hands out work in this order: a long one started last would
    keep one worker busy while the others idle). Tests that share a module-scoped fixture (three watch rounds, a
    logged-in profile, a page of look-alikes) run on one pytest-xdist worker (`--dist loadgroup`), so the
    fixture's work is done once, not once per worker."""
    items.sort(key=lambda item: item.get_closest_marker("long") is None)  # stable: the long ones first
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        shared = sorted(name for name, defs in (info.name2fixturedefs.items() if info else ())
                        if defs and defs[-1].scope == "module")
        if shared:
            item.add_marker(pytest.mark.xdist_group(f"{item.module.__name__}:{'+'.join(shared)}"))
