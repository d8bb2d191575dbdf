"""The limit of the browser itself: a bare Playwright script that does the job the assistant did, nothing more.

Its plan is taken from a finished assistant run (the run folder's steps: page URL, step name, what was
pressed), so it visits the same pages through the same routing (`Browser.new_context` with `via`):

- every page the assistant reached: `goto` (redirects followed the same way, `browser.goto`) and ONE full-page
  screenshot, where the assistant may take several (a cookie dialog before and after, a found box outlined);
- the cookie dialog: the same button the assistant pressed (from its step's highlights), then the dialog gone;
- the objection form (version A): country, reason, send; the emailed code 123456, continue; a screenshot of
  the form filled, of the code page and of the confirmation.

No detection: no page snapshots, no label look-ups, no recognition waits. Selectors are the replica's own
field names. The only waits are Playwright's (load events, navigation, an element's state).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from assistant import browser as nav
from assistant.replica.routes import CODE_FIELD, FIELD_NAMES

# The form part of an object run (form A): where it starts, and the steps it must have, in this order.
FORM_START = ("objection-form", "form-filled")
FORM_STEPS = ("form-filled", "code-step", "confirmation")


class BaselineError(RuntimeError):
    """The baseline did not get the job done (a fast wrong answer is not a result)."""


@dataclass
class Visit:
    url: str
    decline: str | None = None  # the cookie dialog's button the assistant pressed on this page


@dataclass
class Plan:
    visits: list[Visit] = field(default_factory=list)
    form_url: str | None = None  # object: the form page, reached by goto like the others

    @property
    def screenshots(self) -> int:
        return len(self.visits) + (3 if self.form_url else 0)


def plan_from_steps(steps: list[dict], objecting: bool = False) -> Plan:
    """The pages (and cookie buttons) of an assistant run, in order; the form part for `object`."""
    plan = Plan()
    check_steps = steps
    if objecting:
        names = [s["name"] for s in steps]
        at = next((i for i, n in enumerate(names) if n in FORM_START), None)
        if at is None or [n for n in names[at:] if n in FORM_STEPS] != list(FORM_STEPS) \
                or not set(names[at:]) <= set(FORM_START + FORM_STEPS):
            raise BaselineError(f"the object run's steps are {names}; the baseline knows a form part of "
                                f"{FORM_START[0]}? {' '.join(FORM_STEPS)}: update bench/baseline.py")
        plan.form_url = steps[at]["url"]
        check_steps = steps[:at]
    for step in check_steps:
        if not plan.visits or plan.visits[-1].url != step["url"]:
            plan.visits.append(Visit(step["url"]))
        if step["name"] == "cookie-dialog":
            found = [m.group(1) for h in step.get("highlights", []) if (m := re.match(r"button '(.+)'$", h))]
            if not found:
                raise BaselineError(f"the cookie-dialog step names no button: {step.get('highlights')}")
            plan.visits[-1].decline = found[0]
    return plan


async def run(lease, plan: Plan, locale: str | None, nav_ms: float, country: str | None = None,
              reason: str | None = None, code: str = "123456") -> float:
    """Carry out the plan in a fresh routed context of the leased browser; wall seconds."""
    started = time.perf_counter()
    async with lease:
        ctx = await lease.new_context(None, locale)
        try:
            page = await ctx.new_page()
            for visit in plan.visits:
                response = await nav.goto(page, visit.url, nav_ms)
                _ok(response, visit.url, page.url)
                if visit.decline:
                    dialog = page.get_by_role("dialog")
                    await dialog.get_by_role("button", name=visit.decline, exact=True).first.click()
                    await dialog.first.wait_for(state="hidden")
                await page.screenshot(full_page=True)
            if plan.form_url:
                await _objection_form(page, plan.form_url, nav_ms, country, reason, code)
        finally:
            await ctx.close()
    return time.perf_counter() - started


async def _objection_form(page, url: str, nav_ms: float, country: str | None, reason: str | None,
                          code: str) -> None:
    names = FIELD_NAMES["normal"]
    response = await nav.goto(page, url, nav_ms)
    _ok(response, url, page.url)
    if country:
        await page.locator(f"select[name='{names['country']}']").select_option(country)
    if reason:
        await page.locator(f"textarea[name='{names['reason']}']").fill(reason)
    await page.screenshot(full_page=True)
    async with page.expect_navigation(wait_until="load"):
        await page.locator(f"form:has([name='{names['email']}']) button[type=submit]").click()
    await page.screenshot(full_page=True)
    await page.locator(f"input[name='{CODE_FIELD}']").fill(code)
    async with page.expect_navigation(wait_until="load"):
        await page.locator(f"form:has([name='{CODE_FIELD}']) button[type=submit]").click()
    await page.screenshot(full_page=True)


def _ok(response, wanted: str, landed: str) -> None:
    status = response.status if response is not None else None
    if status is None or status >= 400:
        raise BaselineError(f"the baseline got HTTP {status} for {wanted}")
    if landed != wanted:
        raise BaselineError(f"the baseline landed on {landed}, the assistant on {wanted}")


def check_object_posts(posts: list[dict], code: str = "123456") -> None:
    """The replica's record after one object run: the form sent (code mailed) and the code accepted."""
    kinds = [(p["kind"], p["outcome"]) for p in posts if p["kind"] in ("objection_form", "objection_code")]
    if kinds != [("objection_form", "code_sent"), ("objection_code", "accepted")]:
        raise BaselineError(f"the replica recorded {kinds}, not one form sent and the code {code} accepted")
