"""`optout watch` and `optout status`: for the many who cannot object yet.

Watch re-runs the check headless with the saved sessions, records every verdict in the history and tells the
person when one changes (a desktop notification, or the command they chose, and always stdout). Status reads
the history back. Both are registered on the CLI's group by `register(main)`.
"""

from __future__ import annotations

import json as jsonlib
import os
import re
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from assistant.status import CONCLUSIVE, WALLS, Status

if TYPE_CHECKING:
    import asyncio

MIN_INTERVAL = timedelta(minutes=10)
UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
ATTENTION = WALLS  # the person must act; said once, not every round
WAKE_S = 60.0  # the wait re-reads the wall clock this often, so a suspended laptop still checks on time
NOTIFY_TIMEOUT_S = 30


# -- durations ------------------------------------------------------------------------------------------------
def parse_duration(text: str) -> timedelta:
    """'30m', '6h', '1d', '1w' or combinations like '1h30m'; at least 10 minutes."""
    from assistant.settings import UsageError

    raw = (text or "").strip().lower().replace(" ", "")
    parts = re.findall(r"(\d+)([mhdw])", raw)
    if not raw or not parts or "".join(n + u for n, u in parts) != raw:
        raise UsageError(f"{text!r} is not a duration like 30m, 6h, 1d or 1w.")
    total = timedelta(seconds=sum(int(n) * UNITS[u] for n, u in parts))
    if total < MIN_INTERVAL:
        raise UsageError(f"{text} is too often: checking Meta's pages more than every 10m does not help "
                         "and may get the account flagged.")
    return total


def format_duration(delta: timedelta) -> str:
    seconds, out = int(delta.total_seconds()), []
    for unit, size in (("w", UNITS["w"]), ("d", UNITS["d"]), ("h", UNITS["h"]), ("m", UNITS["m"])):
        if seconds >= size:
            out.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(out) or "0m"


class Duration(click.ParamType):
    name = "DURATION"

    def convert(self, value, param, ctx):
        if isinstance(value, timedelta):
            return value
        from assistant.settings import UsageError

        try:
            return parse_duration(value)
        except UsageError as exc:
            self.fail(str(exc), param, ctx)


# -- telling the person ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Notice:
    """Something the person should hear about: a changed verdict, or a saved login that stopped working."""

    platform: str
    from_status: str
    to_status: str
    summary: str


def notify_command(text: str | None) -> list[str] | None:
    """The --notify command as argv (no shell); checked before any browser starts."""
    from assistant.settings import UsageError

    if not text:
        return None
    try:
        argv = shlex.split(text)
    except ValueError as exc:
        raise UsageError(f"--notify {text!r} cannot be split into a command ({exc}).") from None
    if not argv:
        raise UsageError("--notify is empty: give a command, e.g. --notify 'notify-me --urgent'.")
    program = argv[0]
    found = shutil.which(program) if os.sep not in program else (program if os.access(program, os.X_OK) else None)
    if not found:
        raise UsageError(f"--notify: the program {program!r} is not found or not executable.")
    return argv


def desktop_notifier() -> list[str] | None:
    """The system's own notification command (argv before title and text), when this session can show one."""
    if sys.platform == "darwin" and shutil.which("osascript"):
        return ["osascript", "-e", "on run argv", "-e",
                "display notification (item 2 of argv) with title (item 1 of argv)", "-e", "end run"]
    if sys.platform.startswith("linux") and shutil.which("notify-send"):
        display = os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
        bus = os.environ.get("DBUS_SESSION_BUS_ADDRESS") or Path(f"/run/user/{os.getuid()}/bus").exists()
        if display and bus:
            return ["notify-send", "--app-name=optout-assistant"]
    return None


def deliver(notice: Notice, command: list[str] | None) -> str:
    """Notify through the person's command, else the desktop; returns the channel used ('' for none)."""
    from loguru import logger

    if command:
        env = dict(os.environ, OPTOUT_CHANGE_PLATFORM=notice.platform, OPTOUT_CHANGE_FROM=notice.from_status,
                   OPTOUT_CHANGE_TO=notice.to_status, OPTOUT_CHANGE_SUMMARY=notice.summary)
        argv, channel = [*command, notice.summary], "command"
    elif desktop := desktop_notifier():
        env, argv, channel = None, [*desktop, f"optout: {notice.platform.capitalize()}", notice.summary], "desktop"
    else:
        return ""
    try:
        done = subprocess.run(argv, check=False, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=NOTIFY_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as exc:
        _echo(f"Warning: the notification ({argv[0]}) failed: {exc}", err=True)
        return ""
    if done.returncode != 0:
        _echo(f"Warning: the notification command {argv[0]} exited with {done.returncode}: "
              f"{(done.stderr or '').strip()[:200]}", err=True)
        return ""
    logger.info(f"notified via {channel}: {notice.summary}")
    return channel


def _echo(message: str, err: bool = False) -> None:
    click.echo(message, err=err)


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def attention_message(platform: str, status: str) -> str:
    name = platform.capitalize()
    if status == Status.BLOCKED:
        return (f"{name} asks for a security check (\"Confirm it's you\") on the saved session: run "
                f"optout login --platform {platform} and complete it in the browser.")
    return f"your saved login for {name} has expired: run optout login --platform {platform}"


# -- one round --------------------------------------------------------------------------------------------------
async def watch_round(settings, person, command: list[str] | None) -> tuple[int, list]:
    """Check, record, notify. Returns (exit code, results)."""
    from assistant import history, session

    before = _quietly_latest(real=not settings.via)  # a replica round is never compared with a real one
    try:
        outcome = await session.run(settings, "watch", person, record=True)
    except session.Interrupted as stop:  # Ctrl-C mid-round: the folder is sealed; keep the round, then stop
        history.record_quietly(stop.outcome.report, "watch", origin=stop.outcome.origin)
        raise
    try:
        changes = history.record(outcome.report, "watch", origin=outcome.origin)
    except (sqlite3.Error, OSError) as exc:
        _echo(f"Warning: the history ({history.database_path()}) could not be written: {exc}", err=True)
        changes = []
    changed = {c.platform: c for c in changes}
    notices: list[Notice] = []
    for result in outcome.report["results"]:
        platform, status = result["platform"], result["status"]
        name = platform.capitalize()
        if platform in changed:
            c = changed[platform]
            line = f"CHANGED ({c.from_status} -> {c.to_status}). {c.summary}"
            notices.append(Notice(platform, c.from_status, c.to_status, c.summary))
        elif status in ATTENTION:
            line = f"{status}: {attention_message(platform, status)}"
            previous = before.get(platform)
            if previous is None or previous.status != status:
                notices.append(Notice(platform, previous.status if previous else "", status,
                                      f"{name}: {attention_message(platform, status)}"))
        elif status in CONCLUSIVE:
            previous = before.get(platform)
            line = status + (" (first check: the baseline to compare with)" if previous is None else ", no change")
        else:
            line = f"could not check ({status}): {result.get('detail', '')}"
        _echo(f"{_stamp()}  {name:9} {line}")
    for notice in notices:
        channel = deliver(notice, command)
        if channel:
            _echo(f"{_stamp()}  notified ({channel}): {notice.summary}")
    if outcome.report.get("evidence_dir"):
        _echo(f"{_stamp()}  evidence: {outcome.report['evidence_dir']}"
              + (f" (digest {outcome.digest})" if outcome.digest else ""))
    ok = outcome.results and all(r.status in CONCLUSIVE for r in outcome.results)
    return (0 if ok else 1), outcome.report["results"]


def _quietly_latest(real: bool = True) -> dict:
    from assistant import history

    try:
        return history.latest(real=real)
    except (sqlite3.Error, OSError):
        return {}


def _session_signature(settings, platform: str) -> tuple | None:
    from assistant.session import state_file

    try:
        st = state_file(settings, platform).stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


async def watch_loop(settings, person, every: timedelta | None, command: list[str] | None) -> int:
    """Rounds until Ctrl-C (or SIGTERM); with `every` None, one round and its exit code."""
    import asyncio  # lazy: it costs ~90 ms, and `optout --help` needs none of it
    paused: dict[str, tuple | None] = {}  # platform -> its saved session when the login stopped working
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    try:
        loop.add_signal_handler(signal.SIGTERM, stop.set)
    except (NotImplementedError, RuntimeError):  # Windows, or not the main thread
        pass
    while True:
        for platform in list(paused):
            if _session_signature(settings, platform) != paused[platform]:
                _echo(f"{_stamp()}  {platform.capitalize():9} the saved login changed: checking it again.")
                del paused[platform]
        active = tuple(p for p in settings.platforms if p not in paused)
        code = 0
        if active:
            code, results = await watch_round(settings.with_(platforms=active), person, command)
            if every is not None:
                for r in results:
                    if r["status"] in ATTENTION:
                        paused[r["platform"]] = _session_signature(settings, r["platform"])
        if every is None:
            return code
        due = datetime.now(UTC) + every
        local = due.astimezone().strftime("%Y-%m-%d %H:%M %Z")
        waiting = "" if not paused else " Paused until you log in again: " + ", ".join(
            f"optout login --platform {p}" for p in paused) + "."
        _echo(f"Next check at {local} (every {format_duration(every)}). Ctrl-C to stop.{waiting}")
        if await _wait_until(due, stop):
            return 0


async def _wait_until(due: datetime, stop: asyncio.Event) -> bool:
    """Wait for the wall-clock time `due`; True when asked to stop first."""
    import asyncio  # lazy: it costs ~90 ms, and `optout --help` needs none of it
    while (remaining := (due - datetime.now(UTC)).total_seconds()) > 0:
        try:
            await asyncio.wait_for(stop.wait(), timeout=min(WAKE_S, remaining))
            return True
        except TimeoutError:
            continue
    return stop.is_set()


# -- status -----------------------------------------------------------------------------------------------------
def status_report(platforms: tuple[str, ...]) -> dict:
    """`platforms`: what Meta's real pages said; `replica`: runs against replicas (--via, the demo), kept apart
    and never compared with the real ones."""
    from assistant import history

    out: dict = {"database": str(history.database_path()), "platforms": {}, "replica": {}}
    for real, key in ((True, "platforms"), (False, "replica")):
        latest, first = history.latest(real=real), history.first(real=real)
        for platform in platforms:
            if platform not in latest:
                continue
            rows = history.history(platform, real=real)
            verdict = history.latest_verdict(platform, real=real)
            out[key][platform] = {
                "latest": latest[platform].as_json(),
                "latest_verdict": verdict.as_json() if verdict else None,
                "first": first[platform].as_json(),
                "checks": len(rows),
                "changes": [c.as_json() for c in history.changes(platform, real=real)],
            }
    return out


PLAIN = {"available": "objection offered", "not_offered": "not offered", "login_required": "login expired",
         "blocked": "security check", "unknown": "page not recognised", "error": "check failed",
         "submitted": "objection sent", "awaiting_confirmation": "form filled, not sent", "rejected": "refused",
         "on": "AI-training switch on", "off": "AI-training switch off"}


def _when(iso: str) -> str:
    return iso.replace("T", " ").replace("Z", " UTC")


def _short(change: dict) -> str:
    """A change on one line of `status` (the notification's full sentence is in --json)."""
    if change["kind"] == "status":
        return f"{PLAIN.get(change['from'], change['from'])} -> {PLAIN.get(change['to'], change['to'])}"
    if change["kind"] == "link":
        before, after = change["previous_link"] or {}, change["link"] or {}
        return f"link changed: '{before.get('text')}' -> '{after.get('text')}' ({after.get('href')})"
    return "the AI at Meta box text changed"


def status_text(report: dict) -> str:
    if not report["platforms"] and not report.get("replica"):
        return (f"No checks recorded yet (history: {report['database']}).\n"
                "Run `optout check` or `optout watch --once` to start one.")
    lines = [f"History: {report['database']}", ""]
    if not report["platforms"]:
        lines += ["Meta's real pages: no checks recorded yet (run `optout check` or `optout watch --once`).", ""]
    sections = [(False, report["platforms"])]
    if report.get("replica"):
        sections.append((True, report["replica"]))
    for replica, platforms in sections:
        if replica:
            lines += ["Against replicas (--via, the demo): test runs, never compared with Meta's real pages:", ""]
        _status_lines(lines, platforms, replica)
    return "\n".join(lines).rstrip()


def _status_lines(lines: list[str], platforms: dict, replica: bool) -> None:
    from assistant.status import VERDICT_OF

    for platform, p in platforms.items():
        last, verdict, first = p["latest"], p["latest_verdict"], p["first"]
        where = f", {last['origin']}" if replica else ", Meta"
        lines.append(f"{platform.capitalize():10} {PLAIN.get(last['status'], last['status']):22} "
                     f"checked {_when(last['time'])} ({last['source']}{where})")
        pad = " " * 11
        if last["status"] in ATTENTION:
            lines.append(f"{pad}{attention_message(platform, last['status'])}")
        if verdict and verdict["id"] != last["id"] and last["status"] not in VERDICT_OF:
            lines.append(f"{pad}last verdict: {PLAIN[verdict['verdict']]} on {_when(verdict['time'])}")
        shown = verdict if verdict and verdict["verdict"] == Status.AVAILABLE else None
        if shown and shown["link_href"]:
            lines.append(f"{pad}link '{shown['link_text']}' -> {shown['link_href']}")
        n = len(p["changes"])
        lines.append(f"{pad}{p['checks']} check(s) since {_when(first['time'])}; first: "
                     f"{PLAIN.get(first['status'], first['status'])}; "
                     + ("no change since." if not n else f"{n} change(s):"))
        for c in p["changes"][-5:]:
            lines.append(f"{pad}  {_when(c['time'])}  {_short(c)}")
        if n > 5:
            lines.append(f"{pad}  ... {n - 5} earlier (see --json)")
        if last.get("run_dir"):
            lines.append(f"{pad}evidence: {last['run_dir']}")
        lines.append("")


# -- the commands -------------------------------------------------------------------------------------------------
WATCH_EPILOG = """\b
Run it from a scheduler: one round per run; exit 0 when every platform got a verdict.

\b
cron (crontab -e), every day at 09:15, with your own notifier:
  15 9 * * * $HOME/.local/bin/optout watch --once --notify "$HOME/bin/tell-me" >> $HOME/optout-watch.log 2>&1

\b
systemd, ~/.config/systemd/user/optout-watch.service:
  [Unit]
  Description=optout: has Meta started offering the AI objection here?
  [Service]
  Type=oneshot
  ExecStart=%h/.local/bin/optout watch --once
and ~/.config/systemd/user/optout-watch.timer:
  [Timer]
  OnCalendar=daily
  RandomizedDelaySec=1h
  Persistent=true
  [Install]
  WantedBy=timers.target
then:
  systemctl --user daemon-reload && systemctl --user enable --now optout-watch.timer
  journalctl --user -u optout-watch      (what each round said)

\b
The --notify command gets the change as its single argument and in OPTOUT_CHANGE_PLATFORM,
OPTOUT_CHANGE_FROM, OPTOUT_CHANGE_TO and OPTOUT_CHANGE_SUMMARY. Without it a desktop notification is
shown where the session has one (notify-send, macOS notifications); the message is printed either way.
"""


def _platform_option():
    return click.option("--platform", "-p", metavar="NAME[,NAME]", default="all",
                        show_default=True, help="Which platforms: all (every platform in flows/), one, or a comma "
                        "list (facebook,linkedin).")


@click.command(epilog=WATCH_EPILOG)
@_platform_option()
@click.option("--every", type=Duration(), default="1d", show_default=True,
              help="How often to check when looping: 30m, 6h, 1d, 1w (at least 10m).")
@click.option("--once", is_flag=True, help="One round, then exit (for cron or a systemd timer).")
@click.option("--notify", metavar="CMD", help="Run this command when a verdict changes (instead of a desktop "
              "notification); it gets the summary as its argument.")
@click.option("--via", metavar="URL", help="Serve Meta's pages from a local replica (loopback only; a throw-away "
              "profile, and its verdicts are kept apart from the real ones). Env: OPTOUT_VIA.")
@click.option("--via-remote", is_flag=True, help="Allow --via to name a server on another machine (warned; "
              "command line only).")
@click.option("--country", metavar="CC", help="Your country of residence, ISO code. Env: OPTOUT_COUNTRY.")
@click.option("--evidence-dir", metavar="DIR", help="Where run folders are written.")
@click.option("--profile", metavar="DIR", help="Folder of saved sessions (the ones `optout login` keeps).")
def watch(platform, every, once, notify, via, via_remote, country, evidence_dir, profile):
    """Re-check in the background and tell you when Meta starts (or stops) offering the objection.

    Headless, no questions asked: it uses the sessions saved by `optout login` and records every
    verdict in the history (see `optout status`). The first check is the baseline; a change in the
    verdict, the objection link or the AI at Meta box is notified once. An expired login is said
    once, and that platform waits until you log in again.

    \b
      optout watch --once                     one round now
      optout watch --every 6h                 keep watching; Ctrl-C to stop
      optout watch --once --notify ~/bin/tell-me
    """
    import asyncio  # lazy: it costs ~90 ms, and `optout --help` needs none of it

    from loguru import logger

    from assistant import settings as settings_mod
    from assistant.ui import Person

    logger.remove()  # the run folder keeps the log; the terminal gets the round lines
    settings_mod.load_env_file()
    command = notify_command(notify)
    s = settings_mod.build(platform=platform, via=via, headless=True, evidence_dir=evidence_dir, profile=profile,
                           country=country, via_remote=via_remote)
    if warning := settings_mod.remote_via_warning(s):
        _echo(f"Warning: {warning}", err=True)
    person = Person(interactive=False, quiet=True)
    if not once:
        names = " and ".join(p.capitalize() for p in s.platforms)
        _echo(f"Watching {names} every {format_duration(every)}; the first check runs now.")
        if not command and not desktop_notifier():
            _echo("No desktop notifications in this session: changes are printed here (--notify CMD tells you "
                  "another way).")
    try:
        code = asyncio.run(watch_loop(s, person, None if once else every, command))
    except KeyboardInterrupt:
        _echo("Stopped watching. Every round so far is in the history: optout status")
        sys.exit(0 if not once else 130)
    if not once:
        _echo("Stopped watching. Every round so far is in the history: optout status")
    sys.exit(code)


@click.command()
@_platform_option()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
def status(platform, as_json):
    """The latest verdict per platform, when it was checked, and what changed since the first check."""
    from assistant import settings as settings_mod

    settings_mod.load_env_file()
    platforms = settings_mod.parse_platforms(platform)
    report = status_report(platforms)
    if as_json:
        _echo(jsonlib.dumps(report, ensure_ascii=False, indent=2))
    else:
        _echo(status_text(report))


def register(main: click.Group) -> None:
    """Add `watch` and `status` to the CLI's group (idempotent)."""
    for command in (watch, status):
        if command.name not in main.commands:
            main.add_command(command)
