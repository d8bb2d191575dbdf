"""Walking a flow: route steps, walls and dialogs, the destination, and the verdict. No Meta strings here.

The engine asks flows/ what to look for, browser.py how to reach a page, detect.py what a page shows, and
hands every page it reaches to the evidence recorder. A fault ends in a clear status, never a traceback.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, TypeVar

from assistant import browser as nav
from assistant import detect
from assistant.flows import DESTINATION_LABELS, Flow, Labels, Meta, Route, Step, normalise
from assistant.pagejs import source
from assistant.settings import Timeouts
from assistant.status import WALLS, Status

if TYPE_CHECKING:  # Playwright, the settings' model and the terminal only for the checker
    from playwright.async_api import Page

    from assistant.settings import Settings
    from assistant.ui import Person as Terminal


V = TypeVar("V")  # what a route's verdict finds on the page it reached (walk_routes)


class Recorder(Protocol):
    """Where every page reached goes (evidence.py's run folder, through session.py)."""

    async def capture(self, page: Page, platform: str, name: str, texts: dict | None = None,
                      highlights: list[str] | None = None, status: str | None = None) -> str | None: ...


class Person(Protocol):
    """How the engine talks to the person (terminal and browser), see consent.py."""

    interactive: bool

    def say(self, message: str) -> None: ...

    async def wait_for_wall(self, page: Page, platform: str, kind: str, timeout_s: float, still_walled) -> bool: ...


@dataclass
class Result:
    platform: str
    status: str
    detail: str
    object_link: dict | None = None
    evidence: list[str] = field(default_factory=list)
    route: str | None = None
    region: dict | None = None
    form: dict | None = None
    confirmation: dict | None = None
    next_steps: list[str] = field(default_factory=list)
    box_text: str | None = None
    accounts: dict | None = None  # what Accounts Center listed, and which accounts one objection covers
    setting: dict | None = None  # a setting_switch platform's switch: {"label", "state"} (switch.py)
    further: dict | None = None  # the further step after the switch: the platform's own form (further.py)

    def as_json(self) -> dict:
        out = {"platform": self.platform, "status": self.status, "object_link": self.object_link,
               "detail": self.detail, "evidence": self.evidence}
        for key in ("route", "region", "form", "confirmation", "box_text", "accounts", "setting", "further"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.next_steps:
            out["next_steps"] = self.next_steps
        return out


@dataclass(frozen=True)
class PlatformRun:
    """One platform's run past its verdict: the page, the engine that reached it, the flow, the settings and the
    person. The actions (forms.py, guide.py) take this one object instead of the five."""

    page: Page
    engine: Engine
    flow: Flow
    settings: Settings
    person: Terminal


class Stop(Exception):
    """Ends a route: status and one sentence."""

    def __init__(self, status: str, detail: str, retry_route: bool = False) -> None:
        super().__init__(detail)
        self.status, self.detail, self.retry_route = status, detail, retry_route


class RouteBroken(Exception):
    """A step of this route cannot be taken (a link is missing): the next route may still work."""


def describe_error(exc: BaseException, timeout_s: float) -> tuple[str, str]:
    """Playwright's errors in plain words."""
    text = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
    name = exc.__class__.__name__
    if name == "TimeoutError" or "Timeout" in text:
        return Status.ERROR, f"A page took longer than {timeout_s:g} s to answer (slow network or page)."
    if "closed" in text.lower() or "crash" in text.lower() or "Target" in text:
        return Status.ERROR, "The browser closed unexpectedly."
    if "net::" in text:
        code = text.split("net::", 1)[1].split()[0]
        return Status.ERROR, f"The page could not be loaded ({code}): the network or Meta's server failed."
    return Status.ERROR, f"The browser reported an error: {text[:160]}"


# The DOM unchanged this long (no progress indicator shown, no request in flight): the page has settled.
QUIET_MS = 300
# Requests the page keeps open for good (push channels, beacons): not a sign that content is still coming.
LONG_LIVED = frozenset({"websocket", "eventsource", "ping", "manifest"})


class Activity:
    """The requests a page has in flight, counted from the browser's own events (the page sees nothing of it)."""

    def __init__(self, page) -> None:
        self._pending: dict[object, float] = {}
        self._changed = asyncio.Event()
        page.on("request", self._start)
        page.on("requestfinished", self._end)
        page.on("requestfailed", self._end)

    def _start(self, request) -> None:
        if request.resource_type not in LONG_LIVED:
            self._pending[request] = time.monotonic()

    def _end(self, request) -> None:
        if self._pending.pop(request, None) is not None:
            self._changed.set()

    def busy(self, younger_than_s: float) -> bool:
        """A request started less than `younger_than_s` ago is still open (older ones are long polls)."""
        cutoff = time.monotonic() - younger_than_s
        return any(started > cutoff for started in self._pending.values())

    async def next_end(self, timeout_s: float) -> None:
        """Until one of the requests in flight ends (or the time is up)."""
        self._changed.clear()
        try:
            async with asyncio.timeout(max(0.0, timeout_s)):
                await self._changed.wait()
        except TimeoutError:
            pass


class Engine:
    def __init__(self, labels: Labels, meta: Meta, recorder: Recorder, person: Person,
                 timeouts: Timeouts, lang: str | None = None) -> None:
        self.labels, self.meta, self.recorder, self.person = labels, meta, recorder, person
        self.timeouts, self.lang = timeouts, lang
        self.evidence: dict[str, list[str]] = {}
        self.failed: dict[str, Stop] = {}  # URL -> how it failed: later routes do not wait on it again
        self._captured: set[tuple[str, str]] = set()  # pages already in the evidence (a later route revisits)
        self._final_step = False
        self._activity: dict[object, Activity] = {}  # page -> its requests in flight
        self._opened: str | None = None  # the address the last route step asked for

    # -- public: check() and walk_routes(); then, for the actions of a platform's run (forms.py, guide.py,
    # switch.py), walk(), open(), arrive(), capture(), alive(), more_coming(), ms() and the attributes labels, lang,
    # meta, timeouts, evidence. Nothing else of the engine is theirs to call.
    async def check(self, page: Page, flow: Flow) -> tuple[Result, detect.Detection | None]:
        """Walk the routes in order until one reaches a recognised destination; give the verdict."""
        return await self.walk_routes(page, flow, self._verdict, "the Privacy Policy")

    async def walk_routes(self, page: Page, flow: Flow,
                          verdict: Callable[[Page, Flow, Route], Awaitable[tuple[Result, V]]],
                          goal: str) -> tuple[Result, V | None]:
        """Walk the flow's routes in order; at the end of a route, `verdict(page, flow, route)` judges the page it
        reached and its (result, finding) is the answer. A route that breaks (a missing link: RouteBroken), fails
        (Stop) or meets a browser error gives way to the next; a wall ends the walk (a wall the person got past
        restarts the route); a browser that is gone ends it too. No route reached: the worst failure, or `unknown`
        naming `goal` (what the routes lead to) and the first broken step. The finding is None on a failure."""
        failures: list[Stop] = []
        broken: list[str] = []
        for route in flow.ordered_routes():
            for _attempt in range(3):  # a wall the person got past restarts the route
                try:
                    await self.walk(page, flow, route)
                    return await verdict(page, flow, route)
                except Stop as stop:
                    if stop.retry_route:
                        continue
                    if stop.status in WALLS:
                        return self._result(flow, stop.status, stop.detail, route), None
                    failures.append(stop)
                    break
                except RouteBroken as exc:
                    broken.append(f"{route.description}: {exc}")
                    break
                except detect_errors() as exc:
                    status, detail = describe_error(exc, self.timeouts.nav_s)
                    failures.append(Stop(status, detail))
                    if not await self.alive(page):
                        return self._result(flow, status, detail, route), None
                    break
        if failures:
            worst = next((f for f in failures if f.status == Status.ERROR), failures[0])
            return self._result(flow, worst.status, worst.detail, None), None
        detail = f"None of the routes to {goal} could be followed (the layout may have changed)"
        if broken:
            detail += f": {broken[0]}"
        return self._result(flow, Status.UNKNOWN, detail + ".", None), None

    # -- routes ------------------------------------------------------------------------------------------
    async def walk(self, page: Page, flow: Flow, route: Route) -> None:
        """Take a route's steps (open, follow, press): the cookie dialog, walls, faults and late links handled,
        every page but the last in the evidence (the verdict captures the destination, outlined). Raises Stop,
        RouteBroken (a step that cannot be taken) or the browser's error."""
        try:
            await self._steps(page, flow, route)
        finally:
            self._final_step = False  # pages after the route (the form, the guide) are captured on arrival

    async def _steps(self, page: Page, flow: Flow, route: Route) -> None:
        for i, step in enumerate(route.steps):
            self._final_step = i == len(route.steps) - 1  # the verdict captures the destination, outlined
            if step.open:
                url = flow.start if step.open == "start" else step.open
                await self.open(page, flow, url, self._page_name(url, flow))
            elif step.follow:
                link = await self._find_link(page, step)
                if link is None:
                    if step.optional:
                        continue
                    raise RouteBroken(f"no '{self.labels.words(step.follow, self.lang)[0]}' link on {page.url}")
                await self.open(page, flow, link.href, step.follow.replace("_", "-"))
            else:
                self._opened = None  # the page after a press has no address of its own to remember
                await self._press(page, step)
                await nav.settle(page, self.ms(self.timeouts.nav_s))
                await self.arrive(page, flow, step.press or "page", None)

    # -- pages ---------------------------------------------------------------------------------------------------
    async def open(self, page: Page, flow: Flow, url: str, name: str) -> None:
        """Go to `url` as a route step does: the cookie dialog, walls and faults handled, the page in the evidence
        as `name`. Raises Stop (a status and one sentence) or the browser's error."""
        if url in self.failed:
            raise self.failed[url]
        self._activity_of(page)
        self._opened = url
        try:
            response = await nav.goto(page, url, self.ms(self.timeouts.nav_s))
            await self.arrive(page, flow, name, response)
        except Stop as stop:
            if not stop.retry_route and stop.status in (Status.ERROR, Status.UNKNOWN):
                self.failed[url] = stop
            raise
        except detect_errors() as exc:
            if await self.alive(page):
                self.failed[url] = Stop(*describe_error(exc, self.timeouts.nav_s))
            raise

    async def arrive(self, page: Page, flow: Flow, name: str, response) -> detect.PageFacts:
        """Every page reached (by `open`, or by a click: `response` None): the cookie dialog, walls, faults, then
        the evidence screenshot."""
        facts = await detect.snapshot(page)
        decline = detect.cookie_dialog(facts, self.labels)
        if decline is not None:
            await self._decline_cookies(page, flow, decline)
            facts = await detect.snapshot(page)
        walls = (
            ("checkpoint", Status.BLOCKED, "security-check",
             lambda f: detect.checkpoint(f, self.labels, flow.checkpoint_url_parts),
             f"{flow.name} asks for a security check (\"Confirm it's you\"); complete it in a visible browser "
             f"(optout login --platform {flow.platform}) and run again."),
            ("login", Status.LOGIN_REQUIRED, "login-wall",
             lambda f: detect.login_wall(f, self.labels, flow.login_url_parts),
             f"{flow.name} asks you to log in first: run `optout login --platform {flow.platform}` "
             "(or run with a visible browser)."),
        )
        for kind, status, shot_name, still_walled, advice in walls:
            if still_walled(facts):
                await self.capture(page, flow.platform, shot_name, status=status)
                if await self.person.wait_for_wall(page, flow.platform, kind, self.timeouts.login_s, still_walled):
                    raise Stop(status, "", retry_route=True)
                raise Stop(status, advice)
        http = response.status if response is not None else 200
        if http >= 400:
            await self.capture(page, flow.platform, f"{name}-http-{http}", status=Status.ERROR)
            if detect.unavailable(facts, self.labels):
                raise Stop(Status.UNKNOWN, f"{flow.name} answered {http} at {page.url} and says the page is not "
                                      f"available.")
            raise Stop(Status.ERROR, f"{flow.name} answered with HTTP {http} at {page.url}.")
        if facts.text_length == 0 and not facts.links:
            await self.capture(page, flow.platform, f"{name}-blank", status=Status.UNKNOWN)
            raise Stop(Status.UNKNOWN, f"The page at {page.url} came back blank.")
        if not self._final_step and (flow.platform, page.url) not in self._captured:
            self._captured.add((flow.platform, page.url))
            await self.capture(page, flow.platform, name)
        return facts

    async def _decline_cookies(self, page: Page, flow: Flow, decline: str) -> None:
        words = [decline] if decline else self.labels.words("decline_cookies", self.lang)
        dialog = page.get_by_role("dialog")
        for word in words:
            button = dialog.get_by_role("button", name=word, exact=True)
            if await button.count():
                await self.capture(page, flow.platform, "cookie-dialog", highlights=[f"button '{word}'"])
                try:
                    await button.first.click(timeout=self.ms(self.timeouts.recognise_s))
                    await dialog.first.wait_for(state="hidden", timeout=self.ms(self.timeouts.recognise_s))
                except detect_errors() as exc:
                    if not await self.alive(page):
                        raise
                    raise Stop(Status.UNKNOWN, f"{flow.name}'s cookie dialog did not close after '{word}' was "
                                          "pressed.") from exc
                self.person.say(f"{flow.name}: declined optional cookies.")
                return
        raise Stop(Status.UNKNOWN, f"{flow.name} shows a cookie dialog without a recognisable 'decline' button.")

    async def _find_link(self, page: Page, step: Step) -> detect.Link | None:
        """A link by its label (page language first) or, failing that, by a part of its address."""
        assert step.follow is not None, "a follow step"  # Step takes exactly one of open, follow, press
        words = self.labels.words(step.follow, self.lang)
        deadline = asyncio.get_running_loop().time() + (self.timeouts.late_s if not step.optional else 1.0)
        while True:
            facts = await detect.snapshot(page)
            visible = [lk for lk in facts.links if lk.visible]
            by_both = [lk for lk in visible if lk.says(words) and step.href and step.href in lk.href]
            by_label = [lk for lk in visible if lk.says(words)]
            by_href = [lk for lk in visible if step.href and step.href in lk.href]
            found = next(iter(by_both or by_label or by_href), None)
            if found or asyncio.get_running_loop().time() > deadline:
                return found
            if not await self.more_coming(page, deadline):
                deadline = 0.0  # the page has settled without it: one last look, then the route goes on without

    async def _press(self, page: Page, step: Step) -> None:
        assert step.press is not None, "a press step"
        words = self.labels.words(step.press, self.lang)
        for word in words:
            button = page.get_by_role("button", name=word)
            if await button.count():
                await button.first.click()
                return
        raise RouteBroken(f"no '{words[0]}' button on {page.url}")

    # -- the destination ---------------------------------------------------------------------------------------
    async def _verdict(self, page: Page, flow: Flow, route: Route) -> tuple[Result, detect.Detection | None]:
        key = DESTINATION_LABELS[route.lands_on]
        words = [normalise(w) for w in self.labels.words(key)]
        try:
            said = await self._destination(page, words)
        except detect_errors():
            if not await self.alive(page):
                raise
            said = None
        if said != "recognised":
            facts = await detect.snapshot(page)
            await self.capture(page, flow.platform, "unrecognised-page", status=Status.UNKNOWN)
            if detect.unavailable(facts, self.labels):
                stop = Stop(Status.UNKNOWN, f"{flow.name} says the page at {page.url} is not available.")
                for url in {page.url, self._opened}:  # a later route does not walk to it again
                    if url:
                        self.failed[url] = stop
                raise stop
            raise Stop(Status.UNKNOWN, f"The page at {page.url} is not the {route.lands_on.replace('_', ' ')} the flow "
                                  f"expects (Meta may have changed it).")
        facts = await detect.snapshot(page)
        found = detect.classify(facts, self.labels, self.meta)
        if found.ai_link is None and await self._expand_ai_sections(page, flow):
            facts = await detect.snapshot(page)
            found = detect.classify(facts, self.labels, self.meta)
        if found.ai_link is None and await self._late_box(page):  # the box may be rendered late by the page
            facts = await detect.snapshot(page)
            found = detect.classify(facts, self.labels, self.meta)
        where = f"the {route.lands_on.replace('_', ' ')} page, reached via {route.description}"
        if route.last_resort:
            where += " (its direct address: the links to it were not found)"
        if found.ai_link:
            link = found.ai_link
            await page.evaluate(source("outline_link"), {"index": link.index, "box": "#f59e0b", "link": "#dc2626"})
            await self.capture(
                page, flow.platform, "ai-box-found", texts={"box": found.box_text or "", "link": link.text,
                                                             "href": link.href},
                highlights=["AI at Meta box", f"link '{link.text}'"], status=Status.AVAILABLE)
            return self._result(flow, Status.AVAILABLE, f"The AI at Meta box offers the objection link "
                                f"'{link.text}' ({link.href}) on {where}.", route,
                                object_link=link.as_json(), box_text=found.box_text), found
        texts = {"lookalikes": "; ".join(f"{lk.text} -> {lk.href}" for lk in found.lookalikes)} if found.lookalikes \
            else None
        await self.capture(page, flow.platform, "no-ai-objection", texts=texts, status=Status.NOT_OFFERED)
        extra = f" ({len(found.lookalikes)} generic objection link(s) are not the AI objection)" \
            if found.lookalikes else ""
        return self._result(flow, Status.NOT_OFFERED, f"{where[0].upper()}{where[1:]} was read: Meta offers no AI "
                                                 f"objection link there{extra}.", route), found

    async def _expand_ai_sections(self, page: Page, flow: Flow) -> bool:
        """Open collapsed sections (aria-expanded=false) that speak of AI at Meta: the box may sit in one."""
        words = [normalise(w) for key in ("ai_at_meta", "box_title") for w in self.labels.words(key, self.lang)]
        toggles = await page.evaluate(source("collapsed"), words)
        for toggle in toggles:
            try:
                await page.locator(f'[data-optout-toggle="{toggle["id"]}"]').click(
                    timeout=self.ms(self.timeouts.recognise_s))
            except detect_errors():
                continue
            self.person.say(f"{flow.name}: opened the collapsed section '{toggle['name'][:60]}'.")
        if toggles:
            await nav.settle(page, self.ms(self.timeouts.nav_s))
        return bool(toggles)

    # -- helpers -------------------------------------------------------------------------------------------------
    async def capture(self, page: Page, platform: str, name: str, texts: dict | None = None,
                      highlights: list[str] | None = None, status: str | None = None) -> str | None:
        """The page in the evidence (outlined elements and all), kept in the platform's evidence list."""
        shot = await self.recorder.capture(page, platform, name, texts=texts, highlights=highlights, status=status)
        if shot:
            self.evidence.setdefault(platform, []).append(shot)
        return shot

    def _result(self, flow: Flow, status: str, detail: str, route: Route | None, **kw) -> Result:
        return Result(flow.platform, status, detail, evidence=list(self.evidence.get(flow.platform, [])),
                      route=route.name if route else None, **kw)

    def _page_name(self, url: str, flow: Flow) -> str:
        if url == flow.start:
            return "settings"
        from urllib.parse import urlsplit

        u = urlsplit(url)
        return (u.hostname or "page").split(".")[0] + "-" + (u.path.strip("/").replace("/", "-") or "home")

    async def _destination(self, page, words: list[str]) -> str:
        """'recognised' once the page is the destination; 'unavailable' once it has settled saying it is not
        available (a page that is not coming is not waited on for the whole time limit). Raises the browser's
        TimeoutError when it is neither within `recognise_s`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeouts.recognise_s
        arg = {"words": words, "unavailable": [normalise(w) for w in self.labels.words("unavailable")]}
        handle = await page.wait_for_function(source("destination"), arg=arg, polling=100,
                                              timeout=self.ms(max(0.05, deadline - loop.time())))
        if await handle.json_value() == "recognised":
            return "recognised"
        while await self.more_coming(page, deadline):  # it says "not available": unless that changes ...
            pass
        said = await page.evaluate(source("destination"), arg)
        if said == "unavailable" and detect.unavailable(await detect.snapshot(page), self.labels):
            return said
        if said != "recognised":  # the page's own words do not say so after all: the plain wait
            await page.wait_for_function(source("recognise"), arg=words, polling=100,
                                         timeout=self.ms(max(0.05, deadline - loop.time())))
        return "recognised"

    async def _late_box(self, page) -> bool:
        """Whether a candidate link (detect.candidate_predicate) is on the page, or comes before the page has
        settled (within `late_s`): a box rendered late by the page's scripts is waited for, an absent one is not."""
        js, arg = detect.candidate_predicate(self.meta)
        deadline = asyncio.get_running_loop().time() + self.timeouts.late_s
        try:
            while True:
                if await page.evaluate(js, arg):
                    return True
                if not await self.more_coming(page, deadline):
                    return bool(await page.evaluate(js, arg))
        except detect_errors():
            if not await self.alive(page):
                raise
            return False

    async def more_coming(self, page: Page, deadline: float) -> bool:
        """Wait until the page's links change (True: look again) or the page has settled (False): the DOM
        unchanged for QUIET_MS with no progress indicator shown and no request in flight, or the deadline passed.
        No fixed sleeps: a quiet page ends the wait at once, a busy one within the deadline."""
        loop = asyncio.get_running_loop()
        activity = self._activity_of(page)
        while (remaining := deadline - loop.time()) > 0:
            try:
                state = await page.evaluate(source("settled"), {"quiet_ms": QUIET_MS, "timeout_ms": self.ms(remaining)})
            except detect_errors():  # the page navigated (or went): whatever it shows now is new
                if not await self.alive(page):
                    raise
                return True
            if state == "links":
                return True
            if state != "quiet" or not activity.busy(self.timeouts.late_s):
                return False
            await activity.next_end(deadline - loop.time())
        return False

    def _activity_of(self, page) -> Activity:
        if page not in self._activity:
            self._activity[page] = Activity(page)
        return self._activity[page]

    async def alive(self, page: Page) -> bool:
        """The page (and its browser) still answers."""
        try:
            await page.evaluate("1")
            return True
        except Exception:  # noqa: BLE001 - any failure means the page or browser is gone
            return False

    @staticmethod
    def ms(seconds: float) -> float:
        """Seconds (the settings' time limits, `timeouts`) as Playwright's milliseconds."""
        return seconds * 1000


def detect_errors() -> tuple[type[BaseException], ...]:
    from playwright.async_api import Error as PlaywrightError

    return (PlaywrightError,)


def region_verdict(country: str | None, status: str, regions) -> dict | None:
    """Whether the objection is expected in the person's country, and a mismatch with what was seen."""
    if not country:
        return None
    expected = regions.expected(country)
    mismatch = (expected and status == Status.NOT_OFFERED) or (not expected and status == Status.AVAILABLE)
    note = regions.note(country)
    if mismatch and expected:
        note = f"Meta should offer the objection in {country}, but it was not offered to this account. " + note
    elif mismatch:
        note = f"The objection was offered although it is not expected in {country}. " + note
    return {"country": country, "expected": expected, "mismatch": mismatch, "note": note}
