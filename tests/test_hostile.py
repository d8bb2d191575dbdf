"""Hostile pages: beacons, leaks, scripts that confirm, click and submit for the person, a password after Send,
look-alike links. Headless and headed (Xvfb, no terminal, a short confirmation time-out): zero objection requests
reach Meta without the person's consent, and never a false `submitted`."""

from __future__ import annotations

import json

import pytest

from assistant import session, settings
from assistant.ui import Person
from tests.conftest import run_async
from tests.test_headed import click_banner_button

REASON = "My public posts are personal and I did not share them to train AI models."
FORM_HOSTILES = ["beacons", "leak", "robot", "robotsubmit", "selfsubmit", "beacons+leak+robotsubmit+selfsubmit"]


def objection_posts(replica) -> list[dict]:
    return [p for p in replica.posts if p["kind"] in ("objection_form", "objection_code", "objection_reauth")]


def leaked(replica) -> list[dict]:
    return [p for p in replica.posts if p["kind"] == "beacon" and REASON in json.dumps(p["fields"])]


def run(replica, tmp_path, spec: str, headless: bool = True, yes: bool = False, person_acts=None, platform="facebook",
        chromium=None):
    """One object run; `chromium`: the worker's shared headless browser (headed runs start their own)."""
    s = settings.build(platform=platform, via=replica.scenario_url(spec), headless=headless, reason=REASON,
                       yes=yes, country="IE", evidence_dir=str(tmp_path / "runs"), profile=str(tmp_path / "profiles"))
    s = s.with_(timeouts=settings.Timeouts(nav_s=10, recognise_s=5, late_s=1.5, login_s=3, confirm_s=4))

    async def main():
        acting = []

        def on_context(platform, ctx):
            if person_acts:
                async def person():
                    page = ctx.pages[0] if ctx.pages else await ctx.wait_for_event("page")
                    await person_acts(page)

                import asyncio
                acting.append(asyncio.get_running_loop().create_task(person()))

        outcome = await session.run(s, "object", Person(interactive=False, quiet=True), objecting=True,
                                    on_context=on_context, chromium=chromium)
        for task in acting:
            if task.done() and task.exception():
                raise task.exception()
            task.cancel()
        return outcome

    return run_async(main()).results[0]


@pytest.fixture
def fresh(replica):
    replica.reset()
    return replica


@pytest.mark.parametrize("hostile", FORM_HOSTILES)
@pytest.mark.parametrize("world", ["none", "meta-fetch"])
def test_a_hostile_form_page_sends_nothing_without_consent_headless(fresh, tmp_path, shared_browser, hostile, world):
    result = run(fresh, tmp_path, f"eu-en,world={world},hostile={hostile}", chromium=shared_browser.get())
    assert result.status == "awaiting_confirmation", result.detail
    assert "NOT sent" in result.detail
    assert objection_posts(fresh) == []
    assert leaked(fresh) == []
    if hostile == "robotsubmit" and world == "none":
        assert result.form["refused_requests"], "the page's own attempts are recorded"


@pytest.mark.headed
@pytest.mark.parametrize("hostile", ["robot", "robotsubmit+selfsubmit+leak"])
def test_a_hostile_form_page_sends_nothing_without_consent_headed(fresh, tmp_path, xvfb, monkeypatch, hostile):
    monkeypatch.setenv("DISPLAY", xvfb)
    result = run(fresh, tmp_path, f"eu-en,hostile={hostile}", headless=False)
    assert result.status == "awaiting_confirmation", result.detail
    assert "no confirmation came in time" in result.detail
    assert objection_posts(fresh) == []
    assert leaked(fresh) == []


@pytest.mark.headed
def test_on_a_robot_page_the_persons_own_banner_click_still_sends_exactly_once(fresh, tmp_path, xvfb, monkeypatch):
    monkeypatch.setenv("DISPLAY", xvfb)

    async def confirm(page):
        await click_banner_button(page, "confirm")

    result = run(fresh, tmp_path, "eu-en,hostile=robot+leak", headless=False, person_acts=confirm)
    assert result.status == "submitted", result.detail
    assert len([p for p in objection_posts(fresh) if p["kind"] == "objection_form"]) == 1
    assert leaked(fresh) == []


@pytest.mark.parametrize("hostile", ["beacons", "leak"])
def test_with_consent_the_form_is_sent_once_beacons_pass_and_leaks_do_not(fresh, tmp_path, shared_browser, hostile):
    result = run(fresh, tmp_path, f"eu-en,hostile={hostile}", yes=True, chromium=shared_browser.get())
    assert result.status == "submitted", result.detail
    assert len(objection_posts(fresh)) == 1
    assert leaked(fresh) == []
    if hostile == "beacons":
        assert [p for p in fresh.posts if p["kind"] == "beacon"], "harmless beacons pass"


@pytest.mark.parametrize("world", ["none", "en-gate-reveal", "meta-fetch"])
def test_a_password_asked_after_send_is_login_required_and_nothing_is_typed(fresh, tmp_path, shared_browser, world):
    result = run(fresh, tmp_path, f"eu-en,world={world},hostile=reauth", yes=True, chromium=shared_browser.get())
    assert result.status == "login_required", result.detail
    assert "password" in result.detail and "yourself" in result.detail
    assert [p for p in fresh.posts if p["kind"] == "objection_reauth"] == []
    assert result.confirmation is None


@pytest.mark.parametrize("hostile", ["offhost", "jslink", "datalink"])
def test_a_box_link_off_metas_hosts_is_never_the_ai_form(fresh, tmp_path, shared_browser, hostile):
    result = run(fresh, tmp_path, f"eu-en,hostile={hostile}", yes=True, chromium=shared_browser.get())
    assert result.status in ("not_offered", "unknown"), result.detail
    assert result.object_link is None
    assert objection_posts(fresh) == []
