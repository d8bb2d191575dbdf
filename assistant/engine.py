"""Walking a flow: route steps, walls and dialogs, the destination, and the verdict. No Meta strings here.

The engine asks flows/ what to look for, browser.py how to reach a page, detect.py what a page shows, and
hands every page it reaches to the evidence recorder. A fault ends in a clear status, never a traceback.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Protocol

from assistant import browser as nav
from assistant import detect
from assistant.flows import DESTINATION_LABELS, Flow, Labels, Meta, Route, Step, normalise
from assistant.pagejs import source
from assistant.settings import Timeouts
from assistant.status import WALLS, Status


class Recorder(Protocol):
    """Where every page reached goes (evidence.py's run folder, through session.py)."""

    async def capture(self, page, platform: str, name: str, texts: dict | None = None,
                      highlights: list[str] | None = None, status: str | None = None) -> str | None: ...


class Person(Protocol):
    """How the engine talks to the person (terminal and browser), see consent.py."""

    interactive: bool

    def say(self, message: str) -> None: ...

    async def wait_for_wall(self, page, platform: str, kind: str, timeout_s: float, still_walled) -> bool: ...


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
    setting: dict | None = None  # a setting_switch platform's switch: {"label", "state"} (switch.py)

    def as_json(self) -> dict:
        out = {"platform": self.platform, "status": self.status, "object_link": self.object_link,
               "detail": self.detail, "evidence": self.evidence}
        for key in ("route", "region", "form", "confirmation", "box_text", "setting"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.next_steps:
            out["next_steps"] = self.next_steps
        return out


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


class Engine:
    def __init__(self, labels: Labels, meta: Meta, recorder: Recorder, person: Person,
                 timeouts: Timeouts, lang: str | None = None) -> None:
        self.labels, self.meta, self.recorder, self.person = labels, meta, recorder, person
        self.timeouts, self.lang = timeouts, lang
        self.evidence: dict[str, list[str]] = {}
        self.failed: dict[str, Stop] = {}  # URL -> how it failed: later routes do not wait on it again
        self._captured: set[tuple[str, str]] = set()  # pages already in the evidence (a later route revisits)
        self._final_step = False

    # -- public: check(); then, for the actions of a platform's run (forms.py, guide.py), open(), arrive(),
    # capture(), alive(), ms() and the attributes labels, lang, meta, timeouts, evidence. Nothing else of the engine
    # is theirs to call.
    async def check(self, page, flow: Flow) -> tuple[Result, detect.Detection | None]:
        """Walk the routes in order until one reaches a recognised destination; give the verdict."""
        failures: list[Stop] = []
        broken: list[str] = []
        for route in flow.ordered_routes():
            for _attempt in range(3):  # a wall the person got past restarts the route
                try:
                    await self._walk(page, flow, route)
                    return await self._verdict(page, flow, route)
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
        detail = "None of the routes to the Privacy Policy could be followed (the layout may have changed)"
        if broken:
            detail += f": {broken[0]}"
        return self._result(flow, Status.UNKNOWN, detail + ".", None), None

    # -- routes ------------------------------------------------------------------------------------------
    async def _walk(self, page, flow: Flow, route: Route) -> None:
        try:
            await self._steps(page, flow, route)
        finally:
            self._final_step = False  # pages after the route (the form, the guide) are captured on arrival

    async def _steps(self, page, flow: Flow, route: Route) -> None:
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
                await self._press(page, step)
                await nav.settle(page, self.ms(self.timeouts.nav_s))
                await self.arrive(page, flow, step.press or "page", None)

    # -- pages ---------------------------------------------------------------------------------------------------
    async def open(self, page, flow: Flow, url: str, name: str) -> None:
        """Go to `url` as a route step does: the cookie dialog, walls and faults handled, the page in the evidence
        as `name`. Raises Stop (a status and one sentence) or the browser's error."""
        if url in self.failed:
            raise self.failed[url]
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

    async def arrive(self, page, flow: Flow, name: str, response) -> detect.PageFacts:
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
        status = response.status if response is not None else 200
        if status >= 400:
            await self.capture(page, flow.platform, f"{name}-http-{status}", status=Status.ERROR)
            if detect.unavailable(facts, self.labels):
                raise Stop(Status.UNKNOWN, f"{flow.name} answered {status} at {page.url} and says the page is not "
                                      f"available.")
            raise Stop(Status.ERROR, f"{flow.name} answered with HTTP {status} at {page.url}.")
        if facts.text_length == 0 and not facts.links:
            await self.capture(page, flow.platform, f"{name}-blank", status=Status.UNKNOWN)
            raise Stop(Status.UNKNOWN, f"The page at {page.url} came back blank.")
        if not self._final_step and (flow.platform, page.url) not in self._captured:
            self._captured.add((flow.platform, page.url))
            await self.capture(page, flow.platform, name)
        return facts

    async def _decline_cookies(self, page, flow: Flow, decline: str) -> None:
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

    async def _find_link(self, page, step: Step) -> detect.Link | None:
        """A link by its label (page language first) or, failing that, by a part of its address."""
        words = self.labels.words(step.follow, self.lang)
        deadline = asyncio.get_running_loop().time() + (self.timeouts.late_s if not step.optional else 1.0)
        while True:
            facts = await detect.snapshot(page)
            visible = [lk for lk in facts.links if lk.visible]
            by_both = [lk for lk in visible if lk.says(words) and step.href and step.href in lk.href]
            by_label = [lk for lk in visible if lk.says(words)]
            by_href = [lk for lk in visible if step.href and step.href in lk.href]
            found = (by_both or by_label or by_href or [None])[0]
            if found or asyncio.get_running_loop().time() > deadline:
                return found
            await self._next_change(page, deadline)

    async def _press(self, page, step: Step) -> None:
        words = self.labels.words(step.press, self.lang)
        for word in words:
            button = page.get_by_role("button", name=word)
            if await button.count():
                await button.first.click()
                return
        raise RouteBroken(f"no '{words[0]}' button on {page.url}")

    # -- the destination ---------------------------------------------------------------------------------------
    async def _verdict(self, page, flow: Flow, route: Route) -> tuple[Result, detect.Detection | None]:
        key = DESTINATION_LABELS[route.lands_on]
        words = [normalise(w) for w in self.labels.words(key)]
        try:
            await page.wait_for_function(source("recognise"), arg=words, timeout=self.ms(self.timeouts.recognise_s),
                                         polling=100)
        except detect_errors() as exc:
            if not await self.alive(page):
                raise
            facts = await detect.snapshot(page)
            await self.capture(page, flow.platform, "unrecognised-page", status=Status.UNKNOWN)
            if detect.unavailable(facts, self.labels):
                raise Stop(Status.UNKNOWN, f"{flow.name} says the page at {page.url} is not available.") from exc
            raise Stop(Status.UNKNOWN, f"The page at {page.url} is not the {route.lands_on.replace('_', ' ')} the flow "
                                  f"expects (Meta may have changed it).") from exc
        facts = await detect.snapshot(page)
        found = detect.classify(facts, self.labels, self.meta)
        if found.ai_link is None and await self._expand_ai_sections(page, flow):
            facts = await detect.snapshot(page)
            found = detect.classify(facts, self.labels, self.meta)
        if found.ai_link is None:
            js, arg = detect.candidate_predicate(self.meta)
            try:  # the box may be rendered late by the page's scripts
                await page.wait_for_function(js, arg=arg, timeout=self.ms(self.timeouts.late_s), polling=100)
                facts = await detect.snapshot(page)
                found = detect.classify(facts, self.labels, self.meta)
            except detect_errors():
                if not await self.alive(page):
                    raise
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

    async def _expand_ai_sections(self, page, flow: Flow) -> bool:
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
    async def capture(self, page, platform: str, name: str, texts: dict | None = None,
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

    async def _next_change(self, page, deadline: float) -> None:
        """Wait for the DOM to change (or the deadline): no fixed sleeps."""
        remaining = max(0.05, deadline - asyncio.get_running_loop().time())
        try:
            before = await page.evaluate(source("link_count"))
            await page.wait_for_function(source("link_count"), arg={"before": before}, timeout=self.ms(remaining),
                                         polling=100)
        except detect_errors():
            pass

    async def alive(self, page) -> bool:
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
