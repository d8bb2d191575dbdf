"""`optout doctor`: one screen on which browser will be used and why, the display, the folders, the config."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field

from assistant import browser, paths, version


@dataclass
class Doctor:
    """What `optout doctor` found: a heading, one line per thing checked (fine or not), the problems to fix."""

    heading: str
    lines: list[tuple[bool, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 1 if self.problems else 0


def doctor_report(browser_path: str | None = None, browser_kind: str | None = None,
                  cdp: str | None = None) -> Doctor:
    from assistant import flows, settings

    found = Doctor(f"optout-assistant {version()} on Python {sys.version.split()[0]} ({sys.platform})")
    problems, lines = found.problems, found.lines
    try:
        settings.load_env_file()
        settings.check_keys(dict(os.environ), "the environment")
    except settings.UsageError as exc:
        problems.append(str(exc))
    ignored = settings.ENV_FILE["ignored"]
    lines.append((True, f"settings file (.env): {settings.env_file_read()}"
               + (f"; only OPTOUT_* keys are read, ignored: {', '.join(ignored)}" if ignored else "")))
    _browser_lines(browser_path, browser_kind, cdp, problems, lines)
    if browser.display_available():
        screen = os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or "desktop"
        lines.append((True, f"display: available ({screen}"
                   "): the browser will be visible"))
    else:
        lines.append((True, "display: none: runs are headless (for a visible browser: xvfb-run -a optout ...)"))
    lines.append((True, f"profiles: {paths.profiles_dir()} (private, 0700)"))
    lines.append((True, f"evidence: {settings.env('OPTOUT_EVIDENCE_DIR') or paths.runs_dir()}"))
    lines.append((True, f"flows: {paths.flows_dir()}"))
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
    return found


def _browser_lines(browser_path: str | None, browser_kind: str | None, cdp: str | None, problems: list[str],
                   lines: list[tuple[bool, str]]) -> str | None:
    """Which browsers are present (Chromium, Google Chrome, Microsoft Edge), which one a run will use and why; with
    --cdp (or OPTOUT_CDP), whether the running browser answers. Returns the --cdp address checked, if any."""
    from assistant import settings

    try:
        browser_kind, browser_path, cdp = settings.browser_choice(browser_kind, browser_path,
                                                                  cdp or settings.env("OPTOUT_CDP"), False)
    except settings.UsageError as exc:
        problems.append(str(exc))
        browser_kind = cdp = None
        failed = True
    else:
        failed = False
    chromium = ("Playwright's own" if browser.playwright_browser_present() else None) or browser.system_browser()
    present = [f"chromium ({chromium})" if chromium else "chromium: none"]
    present += [f"{kind} ({exe})" if (exe := browser.channel_executable(kind)) else f"{kind}: not installed"
                for kind in browser.CHANNEL_NAMES]
    lines.append((True, f"browsers present: {'; '.join(present)}"))
    if failed:
        lines.append((False, "browser: the one asked for cannot be used (see Problems)"))
        return None
    if cdp:
        import asyncio

        from assistant.cdp import probe

        try:
            version, tabs = asyncio.run(probe(cdp))
            lines.append((True, f"browser: your running browser at {cdp} (--cdp): version {version}, {tabs} "
                       f"tab{'s' if tabs != 1 else ''} open\n      why: --cdp connects to it; the assistant opens "
                       "tabs of its own there and leaves yours and the browser running"))
        except Exception as exc:  # noqa: BLE001 - refused, not a browser, timed out: one sentence
            why = (str(exc).splitlines() or [type(exc).__name__])[0][:160]
            problems.append(f"--cdp {cdp}: no browser answered there ({why}). Start it with "
                            "--remote-debugging-port (see README).")
            lines.append((False, f"browser: nothing to connect to at {cdp}"))
        return cdp
    try:
        choice = browser.choose_browser(browser_kind, browser_path)
        where = choice.executable or f"Playwright's Chromium in {browser.playwright_browser_dir()}"
        shell = f" (headless runs: {choice.headless_shell})" if choice.headless_shell else ""
        lines.append((True, f"browser: {where}{shell}\n      why: {choice.reason}"))
    except browser.BrowserMissing as exc:
        problems.append(str(exc))
        lines.append((False, "browser: none found"))
    return None
