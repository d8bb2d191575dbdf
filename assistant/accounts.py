"""Which accounts one objection covers: the profiles Accounts Center lists, whether an objection is already done.

An objection covers every account in the same Accounts Center; an account that is not linked there needs its own
(../shared/meta-facts.md). `read` opens the platform's Accounts Center in a tab of its own (the engine's public API:
open, capture, alive, ms, timeouts) and reads the profiles list by structure (js/accounts.js); a page that is
missing, fails or stands behind a wall is "could not be read" and never stops the check or the objection.

`Accounts` is one run's view across its platforms (they run side by side): before a form is sent it says whether a
confirmed objection already covers the account (this run's, or the history's), and at the end, per account,
whether one objection covers it. Addresses and words come from flows/accounts.toml only.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass, field

from loguru import logger

from assistant import flows
from assistant.engine import Engine, Result, Stop, detect_errors
from assistant.pagejs import source
from assistant.status import Status

READ_FOR = ("check", "object", "demo")  # the commands that read Accounts Center (not watch or the selftest)
ASK_YES = ("y", "yes", "ja", "oui", "sí", "si", "sim", "tak")


@dataclass
class Profile:
    platform: str
    name: str | None
    username: str | None

    @property
    def key(self) -> str | None:
        """What the history calls the account: its username, else its name."""
        return self.username or self.name

    @property
    def label(self) -> str:
        shown = self.username or self.name or "(no name shown)"
        extra = f" ({self.name})" if self.username and self.name and self.name != self.username else ""
        return f"{self.platform.capitalize()} account {shown}{extra}"

    def same(self, other: Profile) -> bool:
        if self.platform != other.platform:
            return False
        if self.username and other.username:
            return self.username.lower() == other.username.lower()
        return bool(self.name and other.name and self.name.lower() == other.name.lower())


@dataclass
class View:
    """What one platform's Accounts Center showed (or why it could not be read)."""

    platform: str
    url: str
    read: bool
    profiles: list[Profile] = field(default_factory=list)
    why: str | None = None
    evidence: str | None = None

    def own(self) -> Profile | None:
        return next((p for p in self.profiles if p.platform == self.platform), None)

    def lists(self, profile: Profile) -> bool:
        return any(p.same(profile) for p in self.profiles)

    def others(self) -> list[Profile]:
        return [p for p in self.profiles if p.platform != self.platform]


async def read(ctx, engine: Engine, flow, keep_open: bool = False) -> View:
    """The profiles in the platform's Accounts Center, read in a tab of its own; never raises for a page fault.

    `keep_open` (a headless run, in a context of the assistant's own): the tab stays until the context closes.
    Saving the session reads each origin's storage from an open page; for an origin with none open, Playwright
    opens a page and loads the origin again."""
    config = flows.load_accounts()
    url = config.center.urls[flow.platform]
    args = {"platforms": {p: [flows.normalise(w) for w in names] for p, names in config.center.platforms.items()},
            "lists": [flows.normalise(w) for ws in config.center.list_names.values() for w in ws]}
    page = None
    try:
        page = await ctx.new_page()
        for _attempt in range(2):  # a wall the person got past: once more
            try:
                await engine.open(page, flow, url, "accounts-center")
                break
            except Stop as stop:
                if stop.retry_route:
                    continue
                return View(flow.platform, url, False, why=_why(stop))
        else:
            return View(flow.platform, url, False, why="it kept asking to log in")
        try:
            await page.wait_for_function(source("accounts"), arg=args, timeout=engine.ms(engine.timeouts.recognise_s),
                                         polling=200)
        except detect_errors():
            if not await engine.alive(page):
                raise
            await engine.capture(page, flow.platform, "accounts-center-unread", status=Status.UNKNOWN)
            return View(flow.platform, url, False, why=f"no list of profiles was recognised at {page.url}")
        found = await page.evaluate(source("accounts"), args)
        profiles = [Profile(p["platform"], p.get("name"), p.get("username")) for p in (found or {}).get("profiles", [])]
        shot = await engine.capture(page, flow.platform, "accounts-center-profiles",
                                    texts={"profiles": "; ".join(p.label for p in profiles)},
                                    highlights=[f"list '{(found or {}).get('list') or 'profiles'}'"])
        return View(flow.platform, url, bool(profiles), profiles, None if profiles else "the list was empty", shot)
    except detect_errors() as exc:
        return View(flow.platform, url, False, why=f"the browser failed there ({str(exc).splitlines()[0][:100]})")
    finally:
        if page is not None and not keep_open:
            try:
                await page.close()
            except Exception:  # noqa: BLE001 - the browser may be gone already
                pass


def _why(stop: Stop) -> str:
    if stop.status == Status.LOGIN_REQUIRED:
        return "it asks you to log in again"
    if stop.status == Status.BLOCKED:
        return "it asks for a security check (\"Confirm it's you\")"
    return stop.detail.rstrip(".") or stop.status


class Accounts:
    """One run's Accounts Center views and the objections its platforms reached, shared by the platforms."""

    def __init__(self, settings, command: str, origin: str) -> None:
        self.enabled = command in READ_FOR
        self.keep_tab = settings.headless  # nobody sees a headless run's tabs (see read)
        self.order = tuple(settings.platforms)
        self.each, self.again, self.yes = settings.each, settings.again, settings.yes
        self.lang = settings.lang
        self.origin = origin
        self.views: dict[str, View] = {}
        self.results: dict[str, Result] = {}
        self._done = {p: asyncio.Event() for p in self.order}

    async def after_check(self, ctx, engine: Engine, flow, person, result: Result) -> None:
        """Read Accounts Center when the objection is offered (which accounts it covers); never raises."""
        if not self.enabled or result.status != Status.AVAILABLE:
            return
        try:
            keep = self.keep_tab and not getattr(ctx, "shared", False)  # --cdp: the person's context
            self.views[flow.platform] = await read(ctx, engine, flow, keep_open=keep)
        except Exception as exc:  # noqa: BLE001 - reading the accounts must never stop the check or the objection
            logger.exception(f"{flow.platform}: Accounts Center could not be read")
            self.views[flow.platform] = View(flow.platform, "", False, why=f"an unexpected error ({exc})")
        view = self.views[flow.platform]
        person.say(f"{flow.name}: Accounts Center " + (
            f"lists {', '.join(p.label for p in view.profiles)}." if view.read else f"could not be read: {view.why}."))

    async def before_object(self, flow, person, result: Result) -> Result | None:
        """None: go on and send the form. A result (already_objected): not sent, and why."""
        from assistant import history

        platform = flow.platform
        view = self.views.get(platform)
        own = view.own() if view else None
        quote = flows.load_accounts().quote(self.lang)
        try:
            earlier = history.confirmed_objection(platform, own.key if own else None, self.origin)
        except Exception as exc:  # noqa: BLE001 - an unreadable history never blocks an objection
            logger.warning(f"the history could not be read: {exc}")
            earlier = None
        if earlier is not None and not self.again:
            said = (f"{flow.name}: you objected on {earlier.time[:10]} (evidence {earlier.run_dir}). Meta says: "
                    f"\"{quote}\"")
            if not self.yes and await _terminal_says_yes(person, platform, said):
                person.say(f"{flow.name}: sending another objection, as you asked.")
            else:
                how = "--yes does not send it again on its own" if self.yes else "no terminal to ask in"
                return _covered(result, f"{said} Not sent again ({how}); run with --again to send another.")
        if self.each or view is None or not view.read:
            return None
        for other in view.others():
            if other.platform in self.order and self.order.index(other.platform) < self.order.index(platform):
                await self._done[other.platform].wait()  # the platform before this one decides first
                first = self.results.get(other.platform)
                if first is not None and first.status == Status.SUBMITTED:
                    return _covered(result, f"Not sent: the objection just confirmed for {other.label} covers this "
                                            f"account too (the same Accounts Center). Meta says: \"{quote}\" Run with "
                                            "--each to send every form anyway.")
            try:
                linked = history.confirmed_objection(other.platform, other.key, self.origin)
            except Exception:  # noqa: BLE001
                linked = None
            if linked is not None:
                return _covered(result, f"Not sent: your objection of {linked.time[:10]} for {other.label} covers "
                                        f"this account too (the same Accounts Center; evidence {linked.run_dir}). Meta "
                                        f"says: \"{quote}\" Run with --each to send every form anyway.")
        return None

    def done(self, platform: str, result: Result) -> None:
        """A platform's run ended: the platforms waiting on it go on."""
        self.results[platform] = result
        if platform in self._done:
            self._done[platform].set()

    def annotate(self, results: dict[str, Result]) -> list[str]:
        """Per account, whether one objection covers it: into each result (accounts, next_steps); the sentences."""
        if not self.enabled:
            return []
        said: list[str] = []
        for platform in self.order:
            result = results.get(platform)
            if result is None:
                continue
            view = self.views.get(platform)
            if view is None:
                result.accounts = {"read": False, "why": "not opened (Meta's pages gave no verdict)"}
                continue
            advice = self._advice(platform, view, result, results)
            result.accounts = {"read": view.read, "url": view.url, "why": view.why, "evidence": view.evidence,
                               "profiles": [asdict(p) for p in view.profiles], "advice": advice}
            result.next_steps = [*result.next_steps, *(a["sentence"] for a in advice)]
            said += [f"{platform.capitalize()}: {a['sentence']}" for a in advice]
        return said

    def _advice(self, platform: str, view: View, result: Result, results: dict[str, Result]) -> list[dict]:
        if not view.read:
            return [{"account": None, "covered": None,
                     "sentence": f"Accounts Center could not be read ({view.why}): which of your accounts this "
                                 "objection covers is not known. It covers every account in the same Accounts "
                                 "Center; an account not linked there needs its own objection."}]
        done = result.status in (Status.SUBMITTED, Status.ALREADY_OBJECTED)
        verb = "covers" if done else "would cover"
        out = []
        own = view.own()
        linked = view.others()
        if own is not None or linked:
            names = ", ".join(p.label for p in ([own] if own else []) + linked)
            out.append({"account": [asdict(p) for p in ([own] if own else []) + linked], "covered": True,
                        "sentence": f"One objection {verb} every profile in this Accounts Center: {names}."})
        for other_platform, other in self.views.items():
            other_own = other.own() if other.read else None
            if other_platform == platform or other_own is None or view.lists(other_own):
                continue
            out.append({"account": asdict(other_own), "covered": False,
                        "sentence": f"{other_own.label} is not in the same Accounts Center as "
                                    f"{own.label if own else platform.capitalize()}: it needs its own objection."})
        earlier = _earlier(platform, own, self.origin) if result.status != Status.SUBMITTED else None
        if earlier is not None:
            out.append({"account": asdict(own) if own else None, "covered": True,
                        "sentence": f"{own.label if own else platform.capitalize()}: objected on {earlier.time[:10]}, "
                                    f"evidence {earlier.run_dir}."})
        if not linked and not any(o["covered"] is False for o in out):
            missing = [p.capitalize() for p in flows.load_accounts().center.platforms if p != platform]
            out.append({"account": None, "covered": False,
                        "sentence": f"No {' or '.join(missing)} account is linked in this Accounts Center: if you have "
                                    "one, it needs its own objection."})
        return out


def _earlier(platform: str, own: Profile | None, origin: str):
    from assistant import history

    try:
        return history.confirmed_objection(platform, own.key if own else None, origin)
    except Exception:  # noqa: BLE001 - an unreadable history: nothing to say
        return None


def _covered(result: Result, detail: str) -> Result:
    result.status, result.detail = Status.ALREADY_OBJECTED, detail
    return result


async def _terminal_says_yes(person, platform: str, said: str) -> bool:
    """Ask in the run's one queue of questions (only on a terminal): send another objection anyway?"""
    from assistant.settings import has_terminal

    if not has_terminal():
        return False
    line = await person.ask(platform, "Send another objection anyway? Type yes to send, anything else to leave it:",
                            preface=said)
    return (line or "").strip().lower() in ASK_YES
