"""`optout watch` and `optout status`: the commands (the rounds, the notifications and the history's read-out
are in assistant/watch.py)."""

from __future__ import annotations

import sys
from datetime import timedelta
from typing import Any

import click

from assistant.cli.options import (
    country_option,
    evidence_dir_option,
    json_option,
    platform_option,
    profile_option,
    via_option,
    via_remote_option,
    warn,
)


class Duration(click.ParamType):
    name = "DURATION"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> timedelta:
        if isinstance(value, timedelta):
            return value
        from assistant.settings import UsageError
        from assistant.watch import parse_duration

        try:
            return parse_duration(value)
        except UsageError as exc:
            self.fail(str(exc), param, ctx)




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


@click.command(epilog=WATCH_EPILOG)
@platform_option()
@click.option("--every", type=Duration(), default="1d", show_default=True,
              help="How often to check when looping: 30m, 6h, 1d, 1w (at least 10m).")
@click.option("--once", is_flag=True, help="One round, then exit (for cron or a systemd timer).")
@click.option("--notify", metavar="CMD", help="Run this command when a verdict changes (instead of a desktop "
              "notification); it gets the summary as its argument.")
@via_option()
@via_remote_option()
@country_option()
@evidence_dir_option()
@profile_option()
def watch(platform: str, every: timedelta, once: bool, notify: str | None, via: str | None, via_remote: bool,
          country: str | None, evidence_dir: str | None, profile: str | None) -> None:
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
    from assistant.watch import desktop_notifier, format_duration, notify_command, watch_loop

    logger.remove()  # the run folder keeps the log; the terminal gets the round lines
    settings_mod.load_env_file()
    command = notify_command(notify)
    s = settings_mod.build(platform=platform, via=via, headless=True, evidence_dir=evidence_dir, profile=profile,
                           country=country, via_remote=via_remote)
    if warning := settings_mod.remote_via_warning(s):
        warn(warning)
    person = Person(interactive=False, quiet=True)
    if not once:
        names = " and ".join(p.capitalize() for p in s.platforms)
        click.echo(f"Watching {names} every {format_duration(every)}; the first check runs now.")
        if not command and not desktop_notifier():
            click.echo("No desktop notifications in this session: changes are printed here (--notify CMD tells you "
                  "another way).")
    try:
        code = asyncio.run(watch_loop(s, person, None if once else every, command))
    except KeyboardInterrupt:
        click.echo("Stopped watching. Every round so far is in the history: optout status")
        sys.exit(0 if not once else 130)
    if not once:
        click.echo("Stopped watching. Every round so far is in the history: optout status")
    sys.exit(code)


@click.command()
@platform_option()
@json_option()
def status(platform: str, as_json: bool) -> None:
    """The latest verdict per platform, when it was checked, what changed since the first check, and each account's
    confirmed objection with its evidence (run folder, digest, Meta's email)."""
    from assistant import settings as settings_mod
    from assistant.watch import status_report, status_text

    settings_mod.load_env_file()
    platforms = settings_mod.parse_platforms(platform)
    report = status_report(platforms)
    if as_json:
        import json as jsonlib

        click.echo(jsonlib.dumps(report, ensure_ascii=False, indent=2))
    else:
        click.echo(status_text(report))


def register(main: click.Group) -> None:
    """Add `watch` and `status` to the CLI's group (idempotent)."""
    for command in (watch, status):
        if command.name not in main.commands:
            main.add_command(command)
