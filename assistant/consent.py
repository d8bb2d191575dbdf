"""The person's consent: the single gate to submission. The only module that presses a form's send button.

Consent is one of: `--yes` on the command line, "yes" typed in the terminal, the person's click on the
in-page banner's button, or the person's own click on the form's button. Without any of these the form is
left filled in and nothing is sent (status awaiting_confirmation).
"""

from __future__ import annotations

import asyncio
import sys
import threading
from typing import TYPE_CHECKING

from assistant import banner
from assistant.isolated import IsolatedWorld

if TYPE_CHECKING:
    from playwright.async_api import Page

BANNER_TAG = "optout-consent-banner"
BANNER_LABEL = "optout-assistant confirmation"
BANNER_TEXT = {
    "message": "Review this form. Click Send yourself, or confirm in the terminal.",
    "confirm": "Confirm and send",
    "cancel": "Not now",
}


class StdinLines:
    """One daemon thread reads standard input for the whole process, so a pending question never blocks exit."""

    _instance: StdinLines | None = None

    def __init__(self) -> None:
        self._lines: asyncio.Queue[str | None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @classmethod
    def get(cls) -> StdinLines:
        if cls._instance is None:
            cls._instance = StdinLines()
        return cls._instance

    def _ensure(self) -> asyncio.Queue:
        loop = asyncio.get_running_loop()
        if self._lines is None or self._loop is not loop:
            self._lines, self._loop = asyncio.Queue(), loop
            queue = self._lines

            def pump() -> None:
                for line in sys.stdin:
                    loop.call_soon_threadsafe(queue.put_nowait, line.rstrip("\n"))
                loop.call_soon_threadsafe(queue.put_nowait, None)

            threading.Thread(target=pump, daemon=True, name="optout-stdin").start()
        return self._lines

    async def readline(self) -> str | None:
        """The next line, or None at the end of input."""
        return await self._ensure().get()

    async def discard_pending(self) -> None:
        """Forget what the person typed before a question is asked (on a terminal only: piped input holds answers
        given in advance on purpose). Flushed before the reader thread first starts, so nothing slips past."""
        stdin = sys.stdin
        try:
            tty = stdin is not None and stdin.isatty()
        except (ValueError, OSError):  # closed
            tty = False
        if tty:
            try:
                import termios

                termios.tcflush(stdin.fileno(), termios.TCIFLUSH)
            except (ImportError, OSError, ValueError):
                pass
        queue = self._ensure()
        if not tty:
            return
        await asyncio.sleep(0)  # lines the reader thread handed over just now arrive first
        ended = False
        while not queue.empty():
            ended = ended or queue.get_nowait() is None
        if ended:
            queue.put_nowait(None)  # the end of input is not "typed before": it stays


class Consent:
    """Asks, waits, and (only when confirmed) presses the form's button."""

    def __init__(self, yes: bool, terminal: bool, visible: bool, timeout_s: float, person,
                 code_provider=None) -> None:
        self.yes, self.terminal, self.visible, self.timeout_s, self.person = yes, terminal, visible, timeout_s, person
        self.code_provider = code_provider  # the demo reads the replica's mailbox; real runs ask the person
        self._terminal_lock = asyncio.Lock()

    async def obtain(self, page: Page, platform: str, summary: str, form=None, gate=None, question: str | None = None,
                     message: str | None = None) -> str:
        """'confirm' (send it for me), 'self' (the person pressed the form's button), or 'declined'/'timeout'.

        In a visible browser both ways of saying yes live in the assistant's isolated world (isolated.py): the
        banner, in a closed shadow root, and the watch on the form's submit control; each reports only trusted
        events, so no script of the page can confirm for the person. The person's own press on Send opens the
        submission gate (gate.py) once; a page's own attempts to send stay refused."""
        if self.yes:
            self.person.say(f"{platform.capitalize()}: --yes given: sending the filled form.")
            return "confirm"
        if not (self.terminal or self.visible):
            return "no-channel"
        loop = asyncio.get_running_loop()
        decided: asyncio.Future[str] = loop.create_future()

        def decide(value: str) -> None:
            if not decided.done():
                decided.set_result(value)

        def heard(message: dict) -> None:
            if message.get("kind") == "banner":
                decide("confirm" if message.get("value") == "confirm" else "declined")
            elif message.get("kind") == "submit" and not decided.done():
                if gate is not None:
                    gate.open_once(f"the person pressed the form's own button ({message.get('how')})")
                decide("self")

        waiters: list[asyncio.Task] = []
        world = await IsolatedWorld.attach(page) if self.visible else None
        if world is not None:
            world.on_message(heard)
            if form is not None and form.submit:
                await world.run({"op": "watch", "submit": form.submit["id"], "container": form.raw["container"]})
            await banner.show(world, message or BANNER_TEXT["message"], tag=BANNER_TAG, label=BANNER_LABEL,
                              buttons=(banner.Button(BANNER_TEXT["confirm"], "confirm", "ok"),
                                       banner.Button(BANNER_TEXT["cancel"], "cancel", "no")))
        if self.terminal:
            waiters.append(asyncio.create_task(self._ask_terminal(platform, summary, decide, question)))
        if world is None and not self.terminal:
            return "no-channel"
        self.person.say(f"{platform.capitalize()}: the form is filled in. Review it"
                        + (" in the browser" if world is not None else "") + ". Nothing is sent without your yes.")
        try:
            with self.person.waiting(f"Waiting for your confirmation on {platform.capitalize()} ..."):
                async with asyncio.timeout(self.timeout_s):
                    return await decided
        except TimeoutError:
            return "timeout"
        finally:
            for w in waiters:
                w.cancel()
            await banner.remove(world)

    async def _ask_terminal(self, platform: str, summary: str, decide, question: str | None = None) -> None:
        """The summary and the question, in the one queue of questions of the whole run (shown literally)."""
        line = await self.person.ask(platform, question or f"Send this objection to {platform.capitalize()} now? "
                                     "Type yes to send, anything else to leave it unsent:", preface=summary)
        decide("confirm" if (line or "").strip().lower() in ("y", "yes", "ja", "oui", "sí", "si", "sim", "tak")
               else "declined")

    async def read_code(self, platform: str) -> str | None:
        """The emailed code, typed as one line on standard input (with or without a terminal)."""
        if self.code_provider and (code := self.code_provider(platform)):
            self.person.say(f"{platform.capitalize()}: demo mailbox: Meta's code is {code}; typing it for you.")
            return code
        line = await self.person.ask(platform, "Meta emailed you a code. Type it here (or in the browser):",
                                     show=self.terminal)
        return line.strip() if line and line.strip() else None

    @staticmethod
    async def press(gate, button) -> None:
        """The one place a submission button is pressed, and only after consent was obtained: the gate opens once."""
        gate.open_once("the person confirmed (banner, terminal or --yes)")
        await button.click()
