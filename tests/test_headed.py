"""The visible path, under Xvfb: the person confirms in the page, by the banner or by the form's own button."""

from __future__ import annotations

import asyncio

import pytest

from assistant import session, settings
from assistant.ui import Person
from tests.conftest import run_async

pytestmark = pytest.mark.headed
REASON = "My public posts are personal and I did not share them to train AI models."


def run_headed(replica, tmp_path, spec: str, person_acts):
    """Run `object` in a visible browser; `person_acts(page)` plays the person once the form is filled in."""
    s = settings.build(platform="facebook", via=replica.scenario_url(spec), headless=False, reason=REASON,
                       evidence_dir=str(tmp_path / "runs"), profile=str(tmp_path / "profiles"))
    s = s.with_(timeouts=settings.Timeouts(nav_s=15, recognise_s=8, late_s=3, login_s=5, confirm_s=60))

    async def main():
        acting: list[asyncio.Task] = []

        def on_context(platform, ctx):
            async def person():
                page = ctx.pages[0] if ctx.pages else await ctx.wait_for_event("page")
                await person_acts(page)

            acting.append(asyncio.create_task(person()))

        outcome = await session.run(s, "object", Person(interactive=False, quiet=True), objecting=True,
                                    on_context=on_context)
        for task in acting:
            if not task.done():
                task.cancel()
            elif task.exception():
                raise task.exception()
        return outcome

    return run_async(main())


async def click_banner_button(page, value: str) -> None:
    """The person's own click on the banner (a closed shadow root: no selector reaches it, a mouse does)."""
    host = page.locator(f"optout-consent-banner[data-{value}-at]")
    await host.wait_for(state="attached", timeout=60000)
    x, y = (float(n) for n in (await host.get_attribute(f"data-{value}-at")).split(","))
    await page.mouse.click(x, y)


def test_headed_person_confirms_with_the_banner_and_the_form_is_submitted(replica, tmp_path, xvfb, monkeypatch):
    monkeypatch.setenv("DISPLAY", xvfb)
    replica.reset()

    async def click_banner(page):
        await click_banner_button(page, "confirm")

    outcome = run_headed(replica, tmp_path, "eu-en", click_banner)
    result = outcome.results[0]
    assert result.status == "submitted", result.detail
    sent = [p for p in replica.posts if p["kind"] == "objection_form"]
    assert len(sent) == 1 and sent[0]["fields"]["reason"] == REASON


def test_headed_person_presses_the_forms_own_send_button(replica, tmp_path, xvfb, monkeypatch):
    monkeypatch.setenv("DISPLAY", xvfb)
    replica.reset()

    async def press_send(page):
        await page.locator("optout-consent-banner").wait_for(state="attached", timeout=60000)
        await page.get_by_role("button", name="Send", exact=True).click()

    outcome = run_headed(replica, tmp_path, "eu-en", press_send)
    assert outcome.results[0].status == "submitted", outcome.results[0].detail
    assert len([p for p in replica.posts if p["kind"] == "objection_form"]) == 1


def test_headed_person_saying_not_now_sends_nothing(replica, tmp_path, xvfb, monkeypatch):
    monkeypatch.setenv("DISPLAY", xvfb)
    replica.reset()

    async def decline(page):
        await click_banner_button(page, "cancel")

    outcome = run_headed(replica, tmp_path, "eu-en", decline)
    assert outcome.results[0].status == "awaiting_confirmation"
    assert [p for p in replica.posts if p["kind"] == "objection_form"] == []


def test_headed_run_waits_for_the_person_to_log_in_then_goes_on(replica, tmp_path, xvfb, monkeypatch):
    """The person types their own password in the visible browser; the assistant only waits, then goes on."""
    monkeypatch.setenv("DISPLAY", xvfb)
    s = settings.build(platform="facebook", via=replica.scenario_url("eu-en,login=0,cookie=0"), headless=False,
                       evidence_dir=str(tmp_path / "runs"), profile=str(tmp_path / "profiles"))
    s = s.with_(timeouts=settings.Timeouts(nav_s=15, recognise_s=8, late_s=3, login_s=60, confirm_s=5))

    async def main():
        def on_context(platform, ctx):
            async def person():
                page = ctx.pages[0] if ctx.pages else await ctx.wait_for_event("page")
                password = page.locator("input[type=password]")
                await password.wait_for(timeout=30000)
                await page.locator("input[type=email], input[type=text]").first.fill("person@example.com")
                await password.fill("the person's own secret")
                await page.get_by_role("button", name="Log in").first.click()

            asyncio.get_running_loop().create_task(person())

        return await session.run(s, "check", Person(interactive=True, quiet=True), on_context=on_context)

    outcome = run_async(main())
    assert outcome.results[0].status == "available", outcome.results[0].detail
    state = tmp_path / "profiles" / "facebook" / "state.json"
    assert state.stat().st_mode & 0o777 == 0o600
    assert "the person's own secret" not in state.read_text()


def test_login_keeps_the_session_privately_and_logout_deletes_it(optout, replica, xvfb, tmp_path):
    profile = tmp_path / "profiles"
    code, stdout, stderr, _ = optout("login", "--platform", "instagram", "--via", replica.scenario_url("eu-en"),
                                     "--profile", str(profile), env={"DISPLAY": xvfb})
    assert code == 0, stderr
    assert "already logged in" in stderr
    state = profile / "instagram" / "state.json"
    assert state.stat().st_mode & 0o777 == 0o600
    assert (profile / "instagram").stat().st_mode & 0o777 == 0o700
    code, stdout, _, _ = optout("logout", "--platform", "instagram", "--profile", str(profile))
    assert code == 0 and "saved session deleted" in stdout
    assert not state.exists()


def test_login_without_a_display_says_how_to_get_one(optout, replica):
    code, _, stderr, _ = optout("login", "--platform", "facebook", "--via", replica.scenario_url("eu-en"))
    assert code == 2
    assert "needs a visible browser" in stderr
