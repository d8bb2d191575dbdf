"""The assistant's own bar inside Meta's page: a message, and buttons that answer the assistant (not Meta)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant.engine import detect_errors
from assistant.pagejs import source

if TYPE_CHECKING:
    from playwright.async_api import Page

# A fixed bar in a shadow root (js/banner.js). Used by guide.py (explain).


@dataclass(frozen=True)
class Button:
    label: str
    value: str
    kind: str = "ok"  # "ok" (green) or "no" (grey)


async def show_banner(page: Page, message: str, *, tag: str = "optout-guide-banner", label: str = "optout-assistant",
                      heading: str = "optout-assistant:", buttons: tuple[Button, ...] = (),
                      callback: str | None = None) -> bool:
    """Show a bar at the bottom of the page; a button click calls `window[callback](value)` (expose it first)."""
    arg = {"tag": tag, "label": label, "heading": heading, "message": message, "callback": callback,
           "buttons": [{"label": b.label, "value": b.value, "kind": b.kind} for b in buttons]}
    return bool(await page.evaluate(source("banner"), arg))


async def remove_banner(page: Page, tag: str = "optout-guide-banner") -> None:
    try:
        await page.evaluate(source("banner_remove"), tag)
    except detect_errors():  # the page may have navigated away
        pass
