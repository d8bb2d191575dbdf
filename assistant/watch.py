"""`optout watch` and `optout status`: for the many who cannot object yet.

Watch re-runs the check headless with the saved sessions, records every verdict in the history and tells the
person when one changes (a desktop notification, or the command they chose, and always stdout). Status reads
the history back. The commands themselves are in assistant/cli/watch.py.
"""

from __future__ import annotations

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
    """A round's line as it happens (watch runs for days: its lines cannot wait for a return value)."""
    print(message, file=sys.stderr if err else sys.stdout, flush=True)


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
            async with asyncio.timeout(min(WAKE_S, remaining)):
                await stop.wait()
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
    out["objections"] = [o.as_json() | {"summary": objection_line(o.as_json())}
                         for o in history.objections() if o.platform in platforms]
    return out


def objection_line(o: dict) -> str:
    """One account's confirmed objection: "Facebook anna.m: objected on DATE, evidence FOLDER (digest ...)"."""
    who = f"{o['platform'].capitalize()} {o['account'] or '(account not read)'}"
    line = f"{who}: objected on {o['time'][:10]}, evidence {o['run_dir']}"
    if o.get("digest"):
        line += f" (digest {o['digest'][:16]}…)"
    if o.get("email_file"):
        line += f"; Meta's confirmation email: {o['email_file']} ({o['email_date'] or '?'})"
    return line + ("" if o.get("origin") == "meta" else f" [replica: {o.get('origin')}]")


PLAIN = {"available": "objection offered", "not_offered": "not offered", "login_required": "login expired",
         "blocked": "security check", "unknown": "page not recognised", "error": "check failed",
         "submitted": "objection sent", "awaiting_confirmation": "form filled, not sent", "rejected": "refused",
         "already_objected": "already objected",
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
    lines = _objection_lines(report.get("objections") or [])
    if not report["platforms"] and not report.get("replica") and lines:
        return "\n".join([f"History: {report['database']}", "", *lines]).rstrip()
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
    lines += _objection_lines(report.get("objections") or [])
    return "\n".join(lines).rstrip()


def _objection_lines(objections: list[dict]) -> list[str]:
    if not objections:
        return []
    return ["Objections (per account, with their evidence):", *(f"  {o['summary']}" for o in objections), ""]


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
