"""`optout login` / `optout logout`: the person logs in themselves; the session (never a password) is kept."""

from __future__ import annotations

import shutil

from assistant import browser, flows
from assistant.settings import Settings, UsageError


async def run_login(settings: Settings, person) -> int:
    from assistant.session import scratch_profile

    if not browser.display_available():
        raise UsageError("optout login needs a visible browser: run it on a desktop, or under xvfb-run with a "
                         "VNC viewer.")
    with scratch_profile(settings) as used:
        if used is not settings:
            person.warn("--via without --profile: this login is kept in a throw-away profile, removed at the end; "
                        "your saved sessions are not touched (give --profile DIR to keep a test session).")
        return await _login(used, person)


async def _login(settings: Settings, person) -> int:
    from assistant import detect
    from assistant.session import state_file

    platform = settings.platforms[0]
    flow = flows.load_flow(platform)
    labels = flows.load_labels().merged(flow.labels)
    choice = browser.find_browser(settings.browser_path)
    async with browser.Browser(choice, headless=False, via=settings.via,
                               nav_timeout_ms=settings.timeouts.nav_s * 1000) as chromium:
        ctx = await chromium.new_context(state_file(settings, platform))
        page = await ctx.new_page()
        await browser.goto(page, flow.start, settings.timeouts.nav_s * 1000)
        facts = await detect.snapshot(page)
        if not detect.login_wall(facts, labels, flow.login_url_parts):
            await browser.save_state(ctx, state_file(settings, platform))
            person.say(f"{flow.name}: you are already logged in. Session kept in {state_file(settings, platform)}.")
            return 0
        person.interactive = True
        ok = await person.wait_for_wall(page, platform, "login", settings.timeouts.login_s,
                                        lambda f: detect.login_wall(f, labels, flow.login_url_parts))
        if not ok:
            person.warn(f"{flow.name}: the login did not complete in time; nothing was saved.")
            return 1
        await browser.save_state(ctx, state_file(settings, platform))
        person.say(f"{flow.name}: logged in. Your session (cookies only, never your password) is kept privately "
                   f"in {state_file(settings, platform)}.")
        return 0


def run_logout(settings: Settings) -> int:
    from assistant.session import state_file

    for platform in settings.platforms:
        folder = state_file(settings, platform).parent
        if folder.exists():
            shutil.rmtree(folder)
            print(f"{platform}: saved session deleted ({folder}).")
        else:
            print(f"{platform}: no saved session.")
    return 0
