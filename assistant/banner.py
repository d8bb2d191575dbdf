"""The assistant's own bar inside a page, the one implementation for every message it shows there.

It is built in the assistant's isolated world (isolated.py, js/world.js) in a closed shadow root: the page's
styles and scripts cannot reach it, and a button on it reports only the person's own (trusted) click. The guide
shows its steps on it (no buttons); consent asks on it (confirm / cancel).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant.isolated import IsolatedWorld

if TYPE_CHECKING:
    from playwright.async_api import Page

HEADING = "optout-assistant:"
GUIDE_TAG = "optout-guide-banner"


@dataclass(frozen=True)
class Button:
    label: str
    value: str
    kind: str = "ok"  # "ok" (green) or "no" (grey)


async def show(world: IsolatedWorld, message: str, *, tag: str, label: str,
               buttons: tuple[Button, ...] = ()) -> bool:
    """The bar at the bottom of the page, in `world`; a button's trusted click reaches the world's listeners as
    {"kind": "banner", "value": ...}. Without buttons it is a status bar (role=status)."""
    return bool(await world.run({"op": "banner", "tag": tag, "label": label, "heading": HEADING, "message": message,
                                 "buttons": [{"label": b.label, "value": b.value, "kind": b.kind} for b in buttons]}))


async def show_message(page: Page, message: str, tag: str = GUIDE_TAG) -> IsolatedWorld | None:
    """A bar with a message only (the guide's steps), in a world of its own; give it to `remove` when done."""
    world = await IsolatedWorld.attach(page)
    if world is not None:
        await show(world, message, tag=tag, label="optout-assistant")
    return world


async def remove(world: IsolatedWorld | None) -> None:
    """The bar gone and its world detached (a page that navigated away took both already)."""
    if world is not None:
        await world.run({"op": "remove"})
        await world.detach()
