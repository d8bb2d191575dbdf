"""The assistant's own JavaScript world inside a page (Chromium's isolated worlds, over the DevTools protocol).

It shares the page's DOM but none of its scripts: the page cannot call the binding through which this world
reports to Python, cannot reach what this world builds in a closed shadow root, and cannot replace the built-ins
this world's code relies on (js/world.js). The assistant's bar (banner.py: the guide's steps, consent's question)
and consent's watch on the form's submit control live here; both report only trusted events (the person's own
mouse and keyboard).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING

from loguru import logger

from assistant.pagejs import source

if TYPE_CHECKING:
    from playwright.async_api import Page


class IsolatedWorld:
    def __init__(self, page: Page, cdp, context_id: int, binding: str) -> None:
        self.page, self._cdp, self._context_id, self.binding = page, cdp, context_id, binding
        self._listeners: list[Callable[[dict], None]] = []

    @classmethod
    async def attach(cls, page) -> IsolatedWorld | None:
        """A fresh world in the page's current document; None where the browser offers no DevTools protocol."""
        try:
            cdp = await page.context.new_cdp_session(page)
        except Exception as exc:  # noqa: BLE001 - not Chromium, or the page is gone
            logger.warning(f"no isolated world: {exc}")
            return None
        token = secrets.token_hex(8)
        world, binding = f"optout-{token}", f"__optout_{token}"
        tree = await cdp.send("Page.getFrameTree")
        await cdp.send("Runtime.enable")
        await cdp.send("Runtime.addBinding", {"name": binding, "executionContextName": world})
        made = await cdp.send("Page.createIsolatedWorld", {"frameId": tree["frameTree"]["frame"]["id"],
                                                           "worldName": world, "grantUniveralAccess": False})
        self = cls(page, cdp, made["executionContextId"], binding)
        cdp.on("Runtime.bindingCalled", self._called)
        return self

    def on_message(self, listener: Callable[[dict], None]) -> None:
        self._listeners.append(listener)

    def _called(self, event: dict) -> None:
        if event.get("name") != self.binding or event.get("executionContextId") != self._context_id:
            return
        try:
            message = json.loads(event.get("payload") or "{}")
        except ValueError:
            return
        for listener in list(self._listeners):
            listener(message)

    async def run(self, arg: dict):
        """world.js with `arg` (plus the binding's name), in this world; None if the document is gone."""
        expression = f"({source('world')})({json.dumps(dict(arg, binding=self.binding))})"
        try:
            answer = await self._cdp.send("Runtime.evaluate", {"expression": expression, "contextId": self._context_id,
                                                               "returnByValue": True})
        except Exception:  # noqa: BLE001 - the page navigated: this world ended with its document
            return None
        if "exceptionDetails" in answer:
            logger.warning(f"isolated world: {answer['exceptionDetails'].get('text')}")
            return None
        return answer.get("result", {}).get("value")

    async def detach(self) -> None:
        try:
            await self._cdp.detach()
        except Exception:  # noqa: BLE001 - already gone with its page
            pass
