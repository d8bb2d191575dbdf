"""The assistant's real code path (`session.run`) on a browser that is already running.

`session.run` launches its own Chromium unless it is handed one; a benchmark of the assistant "in-process, warm
browser" must not pay for a launch on every run. Everything measured (flows, run folder, contexts, routing,
engine, forms, consent, report, manifest) is session.run itself.

How the browser reaches session.run:
- session.run has a `chromium=` parameter (an already started Browser; contexts get the run's `via`): the
  benchmark's shared browser is passed there, and nothing of session is replaced;
- without it (an older session.py), for the duration of the call, session's reference to the `browser`
  module is replaced by a proxy that forwards every name to the real module except `Browser`, which hands
  out a `Lease`: a Browser that adopts the shared Chromium and closes only its own routers.
The baseline always uses a Lease (so it works with either browser.py).
`session.EvidenceRecorder` is replaced, during a run, by a subclass that only remembers its instances (for
the evidence share); `capture` is untouched.
"""

from __future__ import annotations

import contextlib
import inspect
import time
from typing import ClassVar, Self

from assistant import browser as real_browser
from assistant import session


class Lease(real_browser.Browser):
    """A `browser.Browser` for one run, on the benchmark's already-started Chromium."""

    def __init__(self, shared: real_browser.Browser, choice, headless: bool, via: str | None = None,
                 nav_timeout_ms: int = 20000) -> None:
        if headless != shared.headless:
            raise RuntimeError("the benchmark's browser is headless; a run asked for a visible one")
        super().__init__(choice, headless, via, nav_timeout_ms=nav_timeout_ms)
        self._shared = shared

    async def __aenter__(self) -> Self:
        self._pw, self._browser = self._shared._pw, self._shared._browser
        return self

    async def __aexit__(self, *exc) -> None:
        for router in self.routers:  # the shared browser stays; this run's routing threads go
            router.close()
        self.routers.clear()


class _BrowserModule:
    """Stands in for `assistant.browser` inside session: every name is the real one except `Browser`."""

    def __init__(self, shared: real_browser.Browser) -> None:
        self._shared = shared

    def Browser(self, choice, headless, via=None, nav_timeout_ms=20000):
        return Lease(self._shared, choice, headless, via, nav_timeout_ms)

    def __getattr__(self, name: str):
        return getattr(real_browser, name)


class _CountingRecorder(session.EvidenceRecorder):
    made: ClassVar[list[session.EvidenceRecorder]] = []

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _CountingRecorder.made.append(self)


def has_seam() -> bool:
    return "chromium" in inspect.signature(session.run).parameters


@contextlib.contextmanager
def _patched(shared: real_browser.Browser, seam: bool):
    saved_browser, saved_recorder = session.browser, session.EvidenceRecorder
    _CountingRecorder.made = []
    session.EvidenceRecorder = _CountingRecorder
    if not seam:
        session.browser = _BrowserModule(shared)
    try:
        yield
    finally:
        session.browser, session.EvidenceRecorder = saved_browser, saved_recorder


async def run(shared: real_browser.Browser, settings, command: str, person, objecting: bool = False,
              code_provider=None):
    """session.run on the shared browser: (Outcome, wall seconds, seconds spent on evidence)."""
    seam = has_seam()
    with _patched(shared, seam):
        extra = {"chromium": shared} if seam else {}
        started = time.perf_counter()
        outcome = await session.run(settings, command, person, objecting=objecting, code_provider=code_provider,
                                    **extra)
        seconds = time.perf_counter() - started
        evidence = sum(r.seconds for r in _CountingRecorder.made)
    return outcome, seconds, evidence
