"""The assistant's real code path (`session.run`) on a browser that is already running.

`session.run` launches its own Chromium unless it is handed one; a benchmark of the assistant "in-process, warm
browser" must not pay for a launch on every run. Everything measured (flows, run folder, contexts, routing,
engine, forms, consent, report, manifest) is session.run itself.

The benchmark's shared browser reaches session.run through its `chromium=` parameter (an already started
Browser; contexts get the run's `via`): nothing of session is replaced. The baseline uses a `Lease`: a Browser
that adopts the shared Chromium and closes only its own routers.
`session.EvidenceRecorder` is replaced, during a run, by a subclass that only remembers its instances (for
the evidence share); `capture` is untouched.
"""

from __future__ import annotations

import contextlib
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


class _CountingRecorder(session.EvidenceRecorder):
    made: ClassVar[list[session.EvidenceRecorder]] = []

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _CountingRecorder.made.append(self)


@contextlib.contextmanager
def _counting():
    saved = session.EvidenceRecorder
    _CountingRecorder.made = []
    session.EvidenceRecorder = _CountingRecorder
    try:
        yield
    finally:
        session.EvidenceRecorder = saved


async def run(shared: real_browser.Browser, settings, command: str, person, objecting: bool = False,
              code_provider=None):
    """session.run on the shared browser: (Outcome, wall seconds, seconds spent on evidence)."""
    with _counting():
        started = time.perf_counter()
        outcome = await session.run(settings, command, person, objecting=objecting, code_provider=code_provider,
                                    chromium=shared)
        seconds = time.perf_counter() - started
        evidence = sum(r.seconds for r in _CountingRecorder.made)
    return outcome, seconds, evidence
