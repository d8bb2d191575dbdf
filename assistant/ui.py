"""Talking to the person: messages on stderr (stdout stays clean for --json), progress during long waits,
and waiting at a wall (login, security check) while they act in the visible browser.

Everything shown is literal text: what comes from pages or from the person (a form's summary, a reason such as
"photos [of my kids]") is never read as markup. Questions go one at a time through `ask`, for all platforms of a
run together; the spinner pauses while a question waits, and the question names its platform.
"""

from __future__ import annotations

import asyncio
from contextlib import contextmanager
from typing import TYPE_CHECKING

from loguru import logger

from assistant import detect
from assistant.evidence import mask_email

if TYPE_CHECKING:  # rich is imported when the first line is shown, not at start-up
    from playwright.async_api import Page
    from rich.console import Console
    from rich.status import Status as Spinner
    from rich.text import Text


class Person:
    def __init__(self, interactive: bool, quiet: bool = False) -> None:
        self.interactive = interactive  # a visible browser and a terminal: the person can act
        self.quiet = quiet
        self._console: Console | None = None
        self._waits: list[str] = []  # what we are waiting for (the platforms wait side by side)
        self._status: Spinner | None = None  # the one spinner on screen, for all of them
        self._asking: Text | None = None  # the question on screen while it waits for its answer
        self._questions: asyncio.Lock | None = None  # one question at a time, for every platform

    @property
    def console(self):
        if self._console is None:
            from rich.console import Console

            # No markup, no emoji codes, no highlighting: text is shown as it is.
            self._console = Console(stderr=True, highlight=False, markup=False, emoji=False)
        return self._console

    def _line(self, mark: str, style: str, message: str) -> None:
        from rich.text import Text

        self._print(Text.assemble((mark, style), " ", message))

    def _print(self, renderable) -> None:
        """Print a line; while a question waits, the question is shown again below it, so it stays in view."""
        if self._asking is None:
            self.console.print(renderable, soft_wrap=True)
            return
        self.console.print()
        self.console.print(renderable, soft_wrap=True)
        self.console.print(self._asking, end="", soft_wrap=True)

    def say(self, message: str) -> None:
        message = mask_email(message)
        logger.info(message)
        if not self.quiet:
            self._line("•", "bold cyan", message)

    def warn(self, message: str) -> None:
        message = mask_email(message)
        logger.warning(message)
        if not self.quiet:
            self._line("!", "bold yellow", message)

    @contextmanager
    def waiting(self, message: str):
        """A spinner while the person or a page keeps us waiting (only on a terminal). Platforms wait side by
        side: one spinner shows what is awaited; it pauses while a question is asked."""
        logger.info(message)
        if self.quiet or not self.console.is_terminal:
            if not self.quiet:
                self._line("…", "bold cyan", message)
            yield
            return
        self._waits.append(message)
        self._show_status()
        try:
            yield
        finally:
            self._waits.remove(message)
            self._show_status()

    def _show_status(self) -> None:
        from rich.text import Text

        if self._asking is not None or not self._waits:
            if self._status is not None:
                self._status.stop()
                self._status = None
            return
        text = Text("  ".join(dict.fromkeys(self._waits)))
        if self._status is None:
            self._status = spinner = self.console.status(text)
            spinner.start()
        else:
            self._status.update(text)

    async def ask(self, platform: str, question: str, preface: str | None = None, show: bool = True) -> str | None:
        """One question to the person on standard input, for one platform; the answer line, or None at the end
        of input. Questions of all platforms wait their turn; on a terminal, lines typed before the question was
        asked are discarded (an early Enter or "yes" answers nothing). `preface` (e.g. the filled form's
        summary) is shown with the question, literally."""
        from rich.text import Text

        from assistant.consent import StdinLines  # here: consent imports the browser's side

        if self._questions is None:
            self._questions = asyncio.Lock()
        async with self._questions:
            lines = StdinLines.get()
            await lines.discard_pending()
            prompt = Text(f"{platform.capitalize()}: {question} ")
            logger.info(f"asking ({platform}): {question}")
            answered = False
            if show:
                self._asking = prompt
                self._show_status()
                if preface:
                    self.console.print(Text(preface), soft_wrap=True)  # what will be sent, as it will be
                self.console.print(prompt, end="", soft_wrap=True)
            try:
                line = await lines.readline()
                answered = True
                return line
            finally:
                if show:
                    self._asking = None
                    if not answered:  # no answer came (given in the browser, or timed out): end the line
                        self.console.print()
                    self._show_status()

    async def wait_for_wall(self, page: Page, platform: str, kind: str, timeout_s: float, still_walled) -> bool:
        """Wait for the person to get past a login or security check in the browser. False if we cannot."""
        if not self.interactive:
            return False
        what = "log in" if kind == "login" else "complete the security check"
        self.say(f"{platform.capitalize()}: please {what} in the browser window. The assistant never sees or "
                 f"types your password. Waiting up to {timeout_s / 60:.0f} minutes.")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        with self.waiting(f"Waiting for you to {what} on {platform.capitalize()} ..."):
            while loop.time() < deadline:
                try:
                    await page.wait_for_event("framenavigated", timeout=(deadline - loop.time()) * 1000)
                    await page.wait_for_load_state("load")
                    facts = await detect.snapshot(page)
                except Exception:  # noqa: BLE001 - closed window or time-out: give up waiting
                    return False
                if not still_walled(facts):
                    self.say(f"{platform.capitalize()}: thank you, you are past the {kind} page.")
                    return True
        return False
