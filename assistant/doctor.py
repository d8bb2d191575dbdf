"""`optout doctor`: one screen on which browser will be used and why, the display, the folders, the config."""

from __future__ import annotations

import os
import sys

import click

from assistant import browser, paths, version


def doctor_report(browser_path: str | None = None) -> int:
    from assistant import flows, settings

    problems: list[str] = []
    ok = click.style("ok", fg="green")
    bad = click.style("!!", fg="red")
    click.echo(f"optout-assistant {version()} on Python {sys.version.split()[0]} ({sys.platform})")
    try:
        settings.load_env_file()
        settings.check_keys(dict(os.environ), "the environment")
    except settings.UsageError as exc:
        problems.append(str(exc))
    try:
        choice = browser.find_browser(browser_path)
        where = choice.executable or f"Playwright's Chromium in {browser.playwright_browser_dir()}"
        click.echo(f"[{ok}] browser: {where}\n      why: {choice.reason}")
    except browser.BrowserMissing as exc:
        problems.append(str(exc))
        click.echo(f"[{bad}] browser: none found")
    if browser.display_available():
        screen = os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or "desktop"
        click.echo(f"[{ok}] display: available ({screen}"
                   "): the browser will be visible")
    else:
        click.echo(f"[{ok}] display: none: runs are headless (for a visible browser: xvfb-run -a optout ...)")
    click.echo(f"[{ok}] profiles: {paths.profiles_dir()} (private, 0700)")
    click.echo(f"[{ok}] evidence: {settings.env('OPTOUT_EVIDENCE_DIR') or paths.runs_dir()}")
    click.echo(f"[{ok}] flows: {paths.flows_dir()}")
    try:
        flows.validate_all()
    except flows.FlowError as exc:
        problems.append(str(exc))
    for key in ("OPTOUT_EMAIL", "OPTOUT_COUNTRY", "OPTOUT_LANG", "OPTOUT_VIA"):
        value = settings.env(key)
        if not value:
            continue
        try:
            {"OPTOUT_EMAIL": settings.validate_email, "OPTOUT_COUNTRY": settings.validate_country,
             "OPTOUT_LANG": settings.validate_lang, "OPTOUT_VIA": settings.validate_via}[key](value)
        except settings.UsageError as exc:
            problems.append(f"{key}: {exc}")
    if problems:
        click.echo(click.style("Problems:", fg="red", bold=True))
        for p in problems:
            click.echo(f"  - {p}")
        return 1
    click.echo(click.style("Everything looks ready.", fg="green"))
    return 0
