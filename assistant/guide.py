"""The not-offered path: what Meta uses, and the person's own settings to change instead, shown one by one.

Where Meta offers no objection, the guide explains in plain words and walks the same browser page to each of
the flow's `[alternatives]`, outlines the control that matters there, shows a banner inside the page and
keeps a screenshot. It never presses that control: the person changes their own settings. It never changes
the verdict either: the result stays `not_offered`, with the alternatives as next steps.
"""

from __future__ import annotations

import asyncio
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant import banner
from assistant.engine import Engine, PlatformRun, Result, Stop, describe_error, detect_errors
from assistant.flows import Flow, load_guidance
from assistant.pagejs import source

if TYPE_CHECKING:
    from playwright.async_api import Page


@dataclass(frozen=True)
class Alternative:
    title: str
    why: str
    control: str  # what the outline marks, in words (for the evidence)
    selectors: tuple[str, ...]  # tried in order; by role and form structure, never by Meta's hashed classes
    label: str | None = None  # a labels.toml key naming the control's button, tried first when present


ALTERNATIVES = {
    "account_privacy": Alternative(
        "Make your account private",
        "Posts of a private account are not public content, which is what Meta trains on. The outlined switch "
        "turns it on; change it yourself if you want to.",
        "the Private account switch", ("role=switch",)),
    "audience": Alternative(
        "Choose who sees your future posts",
        "Posts shared with Friends (not Public) are not public content. Pick the audience yourself in the "
        "outlined selector, then save.",
        "the default audience selector",
        ("role=radiogroup", "fieldset:has(input[type=radio])", "role=combobox", "select")),
    "ai_chats": Alternative(
        "Delete your chats with Meta AI",
        "What you send to Meta AI is used to improve it. The outlined control deletes those chats; it is your "
        "choice, the assistant does not press it.",
        "the delete-chats control",
        ("form:has(button[type=submit], input[type=submit])",), label="delete_chats"),
    "third_party_form": Alternative(
        "If Meta AI's answers show your personal data",
        "This rights form asks Meta to act on personal information about you that shows up in AI answers. "
        "Fill it in yourself if that applies to you.",
        "the third-party-information form", ("form:has(textarea)", "form:has(input[type=email])", "form")),
}

_turns: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # event loop -> (terminal lock, said intro)


def _turn() -> tuple[asyncio.Lock, set]:
    """One terminal per run: platforms take turns at the Enter key, and the explanation is said once."""
    loop = asyncio.get_running_loop()
    if loop not in _turns:
        _turns[loop] = (asyncio.Lock(), set())
    return _turns[loop]


async def not_offered_guide(run: PlatformRun, result: Result) -> Result:
    """Explain, then visit and outline each alternative (waiting for Enter when the person can act)."""
    engine, flow, person = run.engine, run.flow, run.person
    guidance = load_guidance()
    lock, said = _turn()
    if "intro" not in said:
        said.add("intro")
        person.say(guidance.not_offered_intro)
        for line in guidance.what_meta_uses:
            person.say(line)
    notes: list[str] = []
    shown = 0
    if person.interactive:
        async with lock:
            shown = await _walk(run, notes)
    else:
        shown = await _walk(run, notes)
    result.next_steps = list(guidance.alternatives) + notes
    total = len(flow.alternatives)
    if total:
        result.detail += f" The guide showed {shown} of {total} things you can do instead (see next steps)."
    result.evidence = list(engine.evidence.get(flow.platform, []))
    return result


async def _walk(run: PlatformRun, notes: list[str]) -> int:
    page, engine, flow, settings, person = run.page, run.engine, run.flow, run.settings, run.person
    steps = list(flow.alternatives.items())
    waiting = person.interactive
    if steps:
        person.say(f"{flow.name}: what you can do instead, {len(steps)} steps in this browser"
                   + (" (press Enter here for the next one)." if waiting else "."))
    shown = 0
    for n, (key, url) in enumerate(steps, 1):
        alt = ALTERNATIVES.get(key, Alternative(key.replace("_", " ").capitalize(), "", "the page", ()))
        try:
            await _open(page, engine, flow, url, key)
        except Stop as stop:
            notes.append(f"{flow.name}: the page for \"{alt.title}\" ({url}) could not be shown: {stop.detail}")
            person.warn(notes[-1])
            continue
        except detect_errors() as exc:
            _, detail = describe_error(exc, settings.timeouts.nav_s)
            notes.append(f"{flow.name}: the page for \"{alt.title}\" ({url}) could not be shown: {detail}")
            person.warn(notes[-1])
            if not await engine.alive(page):
                break
            continue
        found = await _outline(page, alt, engine)
        if not found and alt.selectors:
            notes.append(f"{flow.name}: on {page.url} the assistant could not find {alt.control}; look for it "
                         "yourself.")
        last = n == len(steps)
        hint = (" Press Enter in the terminal to finish." if last else " Press Enter in the terminal for the next "
                "step.") if waiting else ""
        bar = await banner.show_message(page, f"Step {n} of {len(steps)}: {alt.title}. {alt.why}{hint}")
        try:
            await engine.capture(page, flow.platform, f"guide-{key}", texts={"step": alt.title, "why": alt.why},
                                 highlights=[alt.control] if found else [], status="not_offered")
            shown += 1
            person.say(f"{flow.name}, step {n} of {len(steps)}: {alt.title}: {page.url}")
            if waiting:
                waiting = await _wait_for_enter(person, settings.timeouts.confirm_s, flow.platform)
        finally:
            await banner.remove(bar)
    return shown


async def _open(page: Page, engine: Engine, flow: Flow, url: str, key: str) -> None:
    """The engine's own navigation (walls, cookie dialog, evidence); once more after the person logged in."""
    for _attempt in range(2):
        try:
            await engine.open(page, flow, url, f"alternative-{key}")
            return
        except Stop as stop:
            if not stop.retry_route:
                raise
    raise Stop("login_required", f"{flow.name} still asks to log in at {url}.")


async def _outline(page: Page, alt: Alternative, engine: Engine) -> bool:
    """Outline the first visible control the alternative names; never click it."""
    words = engine.labels.words(alt.label, engine.lang) if alt.label else []
    candidates = [page.get_by_role("button", name=w) for w in words] + [page.locator(s) for s in alt.selectors]
    for loc in candidates:
        for i in range(min(await loc.count(), 5)):
            el = loc.nth(i)
            if await el.is_visible():
                await el.evaluate(source("outline_control", element=True))
                return True
    return False


async def _wait_for_enter(person, timeout_s: float, platform: str) -> bool:
    """True while the terminal can still be waited on (not at end of input, not timed out). The question waits
    its turn with the other platforms' questions."""
    try:
        async with asyncio.timeout(timeout_s):
            line = await person.ask(platform, "Press Enter for the next step ...")
    except TimeoutError:
        person.say("No answer: going on without waiting.")
        return False
    return line is not None
