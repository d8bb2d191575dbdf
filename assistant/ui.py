"""Talking to the person: messages on stderr (stdout stays clean for --json), progress during long waits,
and waiting at a wall (login, security check) while they act in the visible browser."""

from __future__ import annotations

import asyncio
from contextlib import contextmanager

from loguru import logger

from assistant import detect
from assistant.evidence import mask_email


class Person:
    def __init__(self, interactive: bool, quiet: bool = False) -> None:
        self.interactive = interactive  # a visible browser and a terminal: the person can act
        self.quiet = quiet
        self._console = None

    @property
    def console(self):
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=True, highlight=False)
        return self._console

    def say(self, message: str) -> None:
        message = mask_email(message)
        logger.info(message)
        if not self.quiet:
            self.console.print(f"[bold cyan]•[/] {message}", markup=True, soft_wrap=True)

    def warn(self, message: str) -> None:
        message = mask_email(message)
        logger.warning(message)
        if not self.quiet:
            self.console.print(f"[bold yellow]![/] {message}", soft_wrap=True)

    @contextmanager
    def waiting(self, message: str):
        """A spinner while the person or a page keeps us waiting (only on a terminal)."""
        logger.info(message)
        if self.quiet or not self.console.is_terminal:
            if not self.quiet:
                self.console.print(f"[bold cyan]…[/] {message}")
            yield
            return
        with self.console.status(message):
            yield

    async def wait_for_wall(self, page, platform: str, kind: str, timeout_s: float, still_walled) -> bool:
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
