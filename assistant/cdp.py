"""`--cdp URL`: use the browser the person already runs (and is logged in to), over its remote-debugging port.

The assistant connects with Playwright's `connect_over_cdp` and works in tabs of its OWN, opened in the browser's
default context (the person's session). It never reads, navigates or closes the person's other tabs, never saves
or loads a session file, and at the end closes only its own tabs and disconnects: the browser keeps running.
Because that context is shared with the person's tabs, everything the assistant installs is per page: the
`--via` routing, the WebSocket refusal and the submission gate (forms.py installs it on the page in this mode).

The address must be this machine's loopback (127.0.0.1, localhost or [::1]): whoever reaches a remote-debugging
port controls the browser and everything it is logged in to.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from assistant.browser import BrowserChoice, _refuse_web_socket, meta_host_suffixes
from assistant.settings import UsageError

if TYPE_CHECKING:
    from playwright.async_api import Browser, Playwright

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
CONNECT_TIMEOUT_MS = 15000


def validate_cdp(value: str) -> str:
    """http://127.0.0.1:PORT, http://localhost:PORT or http://[::1]:PORT; anything else is one sentence."""
    text = (value or "").strip()
    try:
        u = urlsplit(text)
        host, port = (u.hostname or "").lower(), u.port
    except ValueError:  # a malformed address or port
        u, host, port = None, "", None
    if u is None or u.scheme != "http" or not port or u.path not in ("", "/") or u.query or u.username:
        raise UsageError(f"--cdp must be the browser's remote-debugging address on this machine, such as "
                         f"http://127.0.0.1:9222, got {text!r}.")
    if host not in LOOPBACK_NAMES:
        raise UsageError(f"--cdp {text!r} is not on this machine: only http://127.0.0.1:PORT, http://localhost:PORT "
                         "or http://[::1]:PORT are accepted, because whoever reaches a remote-debugging port "
                         "controls that browser.")
    return f"http://{'[::1]' if host == '::1' else host}:{port}"


class OwnTabs:
    """The assistant's tabs in the person's default context: what a platform run uses instead of a context.

    `new_page` opens a tab and installs the routing on that tab only; `close` closes only these tabs."""

    shared = True  # browser.save_state keeps nothing of a shared context

    def __init__(self, context, router, nav_timeout_ms: float) -> None:
        self._context, self.router, self.nav_timeout_ms = context, router, nav_timeout_ms
        self.pages: list = []

    @property
    def browser(self):
        return self._context.browser

    async def new_page(self):
        page = await self._context.new_page()  # about:blank: no request is made before the routes are in place
        self.pages.append(page)
        page.set_default_navigation_timeout(self.nav_timeout_ms)
        page.set_default_timeout(self.nav_timeout_ms)
        page.router = self.router
        if self.router is not None:
            await page.route("**/*", self.router.handle)
            await page.route_web_socket("**", functools.partial(_refuse_web_socket, self.router))
        return page

    async def close(self) -> None:
        for page in self.pages:
            try:
                if not page.is_closed():
                    await page.close()
            except Exception:  # noqa: BLE001 - the browser or the tab may be gone already
                pass


class ConnectedBrowser:
    """The person's running browser, connected over CDP: the same interface as browser.Browser for a run."""

    def __init__(self, url: str, via: str | None = None, nav_timeout_ms: float = 20000) -> None:
        self.url, self.via, self.nav_timeout_ms = url, via, nav_timeout_ms
        self.choice = BrowserChoice(None, "cdp", f"--cdp: the browser already running at {url}")
        self._pw: Playwright | None = None
        self._browser: Browser | None = None
        self.tabs: list[OwnTabs] = []
        self.routers: list = []

    async def __aenter__(self) -> ConnectedBrowser:
        from playwright.async_api import async_playwright

        self._pw = pw = await async_playwright().start()
        try:
            self._browser = connected = await pw.chromium.connect_over_cdp(self.url, timeout=CONNECT_TIMEOUT_MS)
            if not connected.contexts:
                raise ConnectionError(f"the browser at {self.url} has no default context to work in")
        except Exception:
            await pw.stop()
            raise
        return self

    @property
    def version(self) -> str:
        return self._browser.version if self._browser else "?"

    @property
    def connected(self) -> bool:
        return bool(self._browser and self._browser.is_connected())

    def tab_count(self) -> int:
        return sum(len(c.pages) for c in self._browser.contexts) if self._browser else 0

    async def new_context(self, state_file=None, locale=None, via: str | None = None,
                          nav_timeout_ms: float | None = None) -> OwnTabs:
        """Not a new context (it would have none of the person's session): tabs of our own in the default one.
        `state_file` and `locale` are the browser's own here."""
        from assistant.routing import Router

        via = via or self.via
        router = Router(via, meta_host_suffixes()) if via else None
        if router is not None:
            self.routers.append(router)
        assert self._browser is not None, "new_context before the browser was connected"
        tabs = OwnTabs(self._browser.contexts[0], router, nav_timeout_ms or self.nav_timeout_ms)
        self.tabs.append(tabs)
        return tabs

    async def __aexit__(self, *exc) -> None:
        for tabs in self.tabs:
            await tabs.close()
        for router in self.routers:
            router.close()
        try:
            if self._browser:
                await self._browser.close()  # connected over CDP: disconnects; the browser keeps running
        except Exception:  # noqa: BLE001 - already disconnected
            pass
        if self._pw:
            await self._pw.stop()


async def probe(url: str) -> tuple[str, int]:
    """For `optout doctor --cdp`: the browser's version and how many tabs it has (never their addresses)."""
    async with ConnectedBrowser(url) as connected:
        return connected.version, connected.tab_count()
