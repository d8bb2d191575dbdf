"""The commands. Options shared between commands are defined once; user errors are one sentence and exit 2.

Heavy imports (Playwright, the engine) happen inside the commands, so `optout --help` stays fast.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from assistant.cli import options
from assistant.cli.breakage import register as register_breakage
from assistant.cli.options import (
    browser_kind_option,
    browser_options,
    browser_path_option,
    cdp_option,
    evidence_dir_option,
    headless_option,
    json_option,
    platform_option,
    profile_option,
    reason_options,
    via_option,
    via_remote_option,
    yes_option,
)
from assistant.cli.selftest import register as register_selftest
from assistant.cli.watch import register as register_watch

EXIT_USAGE = 2


class Group(click.Group):
    """Turns our UsageError and click's own usage errors into one sentence and exit code 2."""

    def main(self, *args, **kwargs):
        if not kwargs.get("standalone_mode", True):
            return super().main(*args, **kwargs)
        kwargs["standalone_mode"] = False
        try:
            code = super().main(*args, **kwargs)
        except click.ClickException as exc:  # click's own usage errors: one sentence, not its usage block
            click.echo(f"Error: {exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("Aborted.", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx):
        from assistant.flows import FlowError
        from assistant.settings import UsageError

        try:
            return super().invoke(ctx)
        except (UsageError, FlowError) as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(EXIT_USAGE)
        except KeyboardInterrupt:
            click.echo("Interrupted. The run folder keeps what was gathered so far (marked incomplete).", err=True)
            ctx.exit(130)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:  # noqa: BLE001 - a bug: one sentence here; a run's traceback is in its run.log
            click.echo(f"Error: the assistant stopped unexpectedly ({type(exc).__name__}: {exc}).", err=True)
            ctx.exit(1)


_quiet_logging = options.quiet_logging
_settings = options.build_settings


def _person(s, quiet: bool = False):
    from assistant.settings import has_terminal
    from assistant.ui import Person

    return Person(interactive=(not s.headless) and has_terminal(), quiet=quiet)


def _remember(outcome, source: str) -> None:
    """Verdicts go to the local history that `optout status` and `optout watch` read, with where the pages came
    from (Meta, or a replica: the two are never compared)."""
    from assistant import history

    history.record_quietly(outcome.report, source, origin=outcome.origin)


def _finish(outcome, source: str, as_json: bool, person) -> None:
    """Every run, however it ended: history, what was found, the digest; then the exit code (130/143 when
    interrupted by Ctrl-C/SIGTERM)."""
    _remember(outcome, source)
    options.print_outcome(outcome, as_json)
    sys.exit(outcome.exit_code)


def _run(coro):
    """Run a command's coroutine; SIGTERM takes the same path as Ctrl-C (the run is sealed, then we exit)."""
    from assistant.session import drive

    return drive(coro)


def _print_version(ctx, _param, value) -> None:
    """`optout --version`: pyproject's version, looked up only when asked (keeps `optout --help` fast)."""
    if not value or ctx.resilient_parsing:
        return
    from assistant import version

    click.echo(f"optout, version {version()}")
    ctx.exit()


# -- the commands ----------------------------------------------------------------------------------------------
@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_print_version,
              help="Show the version and exit.")
def main() -> None:
    """optout: ask Meta not to train its AI on your Facebook and Instagram posts (and switch
    off LinkedIn's and X's AI training).

    A guided session in a visible browser. You log in yourself; the assistant finds the
    "AI at Meta" box and its right-to-object link, opens the objection form, fills it in
    and waits for YOU to confirm. Every step leaves evidence (screenshots, report, hashes).
    It never types or stores a password and never sends a form without your confirmation.

    \b
    Start here:
      optout demo                      the guided session against the built-in replica
      optout check --country DE        is the objection offered to you?
      optout object --email you@example.com --country DE
      optout check --platform linkedin,x  LinkedIn's and X's AI-training switches
    """


@main.command()
@platform_option()
@browser_options
def check(platform, via, via_remote, headless, browser_path, profile, evidence_dir, as_json, country, lang, trace):
    """Detect, per platform, whether Meta offers the AI objection in your region, and whether a platform's
    AI-training switch (LinkedIn, X) is `on` or `off`.

    Exit code 0 when every platform is `available`, `not_offered`, `on` or `off`, 1 otherwise, 2 for bad input.
    """
    from assistant import session

    _quiet_logging()
    s = _settings(platform, via, headless, browser_path, profile, evidence_dir, as_json, country, lang, trace,
                  via_remote=via_remote)
    person = _person(s, quiet=False)
    _warn_trace(s, person)
    outcome = _run(session.run(s, "check", person))
    _finish(outcome, "check", as_json, person)


@main.command("object")
@platform_option()
@browser_options
@click.option("--email", metavar="E", help="The email Meta should answer. Env: OPTOUT_EMAIL.")
@click.option("--replace-email", is_flag=True, help="Replace the form's prefilled email with --email.")
@reason_options
@yes_option("Send the filled form without asking (your explicit consent).")
@click.option("--confirm-timeout", type=click.FloatRange(min=1), metavar="SECONDS",
              help="How long to wait for your confirmation (default 600). Env: OPTOUT_CONFIRM_TIMEOUT.")
@click.option("--each", is_flag=True, help="Send each platform's form even when Accounts Center links them (one "
              "objection covers every account in the same Accounts Center).")
@click.option("--again", is_flag=True, help="Send even though this account already has a confirmed objection "
              "(without it, you are asked on a terminal; --yes alone never sends a second one).")
def object_(platform, via, via_remote, headless, browser_path, profile, evidence_dir, as_json, country, lang, trace,
            email, replace_email, reason, reason_file, reason_template, yes, confirm_timeout, each, again):
    """Object to Meta's AI training: check, open the form, pre-fill it, and wait for YOUR confirmation.

    Nothing is sent until you confirm: click the form's Send button yourself, click the banner's
    "Confirm and send", type yes in the terminal, or give --yes. When Meta emails a code, type it in
    the browser or as one line on standard input.

    A platform with a switch (LinkedIn, X) has it switched off with the same consent (the banner's button, yes
    in the terminal, or --yes), then the page is reloaded and the switch read again: `off` only when it holds.
    A platform whose flow has an objection form of its own (LinkedIn's Data Processing Objection Form) then
    gets that form, switch on or already off: filled like Meta's (--email, --reason, --country) and sent only
    with the same consent; its answer is the report's `further` entry.

    Exit code 0 for submitted, awaiting_confirmation (a switch left on without your yes too), not_offered and
    off; 1 otherwise (a save that does not hold is `error`); 2 for bad input.
    """
    from assistant import session

    _quiet_logging()
    s = _settings(platform, via, headless, browser_path, profile, evidence_dir, as_json, country, lang, trace,
                  via_remote=via_remote, email=email, replace_email=replace_email, reason=reason,
                  reason_file=reason_file, reason_template=reason_template, yes=yes)
    s = s.with_(each=each, again=again)
    if confirm_timeout:
        from dataclasses import replace

        s = s.with_(timeouts=replace(s.timeouts, confirm_s=confirm_timeout))
    person = _person(s)
    _warn_trace(s, person)
    _announce_reason(s, person)
    outcome = _run(session.run(s, "object", person, objecting=True))
    _finish(outcome, "object", as_json, person)


def _warn_trace(s, person) -> None:
    if s.trace:
        person.warn("--trace: the run folder will hold a Playwright trace with your cookies and the pages' contents "
                    "(trace-<platform>.zip, readable only by you). Do not share it.")


def _announce_reason(s, person) -> None:
    if s.reason and s.reason_source and s.reason_source.startswith("template"):
        person.say(f"Using the reason {s.reason_source} as your words (edit it with --reason or --reason-file):")
        person.say(f"  \"{s.reason}\"")


@main.command()
@platform_option(default="facebook", allow_all=False)
@via_option()
@via_remote_option()
@browser_path_option()
@profile_option()
def login(platform, via, via_remote, browser_path, profile):
    """Log in yourself in a visible browser; the assistant keeps the session (never the password)."""
    from assistant.login import run_login

    _quiet_logging()
    s = _settings(platform, via, False, browser_path, profile, None, False, None, None, via_remote=via_remote)
    sys.exit(_run(run_login(s, _person(s))))


@main.command()
@platform_option(default="all")
@profile_option()
def logout(platform, profile):
    """Delete the saved session of a platform (or all)."""
    from assistant.login import run_logout

    s = _settings(platform, None, True, None, profile, None, False, None, None)
    sys.exit(run_logout(s))


@main.command()
@click.option("--browser-path", metavar="PATH", help="Check this executable instead.")
@browser_kind_option()
@cdp_option()
def doctor(browser_path):
    """Say which browser will be used and why, whether a display exists, where things go, what is wrong."""
    from assistant.doctor import doctor_report

    meta = click.get_current_context().meta
    found = doctor_report(browser_path, browser_kind=meta.get("optout.browser"), cdp=meta.get("optout.cdp"))
    click.echo(found.heading)
    ok, bad = click.style("ok", fg="green"), click.style("!!", fg="red")
    for fine, line in found.lines:
        click.echo(f"[{ok if fine else bad}] {line}")
    if found.problems:
        click.echo(click.style("Problems:", fg="red", bold=True))
        for problem in found.problems:
            click.echo(f"  - {problem}")
    else:
        click.echo(click.style("Everything looks ready.", fg="green"))
    sys.exit(found.exit_code)


@main.command("install-browser")
@click.option("--quiet-if-present", is_flag=True, help="Do nothing (one line) when a browser is already there.")
def install_browser(quiet_if_present):
    """Make sure a Chromium exists: Playwright's download first, else the system's (Debian's via apt, with its
    headless shell for headless runs)."""
    from assistant import browser

    ok = browser.install_browser(echo=lambda m: click.echo(f"install-browser: {m}", err=True),
                                 quiet_if_present=quiet_if_present)
    sys.exit(0 if ok else 1)


@main.command()
@click.argument("run_dir", type=click.Path(path_type=Path))
def verify(run_dir: Path):
    """Re-check a run folder: its manifest (names any file added, missing or changed), and the digest this
    machine's history recorded when the run ended (catches files and manifest rewritten together).

    Exit code 0 when intact and matching the recorded digest; 1 when not; 3 when intact by its own manifest
    but unknown to this machine's history (made elsewhere, or the history was reset).
    """
    import sqlite3

    from assistant import history
    from assistant.evidence import manifest_chain
    from assistant.evidence import verify as verify_run
    from assistant.settings import UsageError, load_env_file

    if not run_dir.is_dir():
        raise UsageError(f"{run_dir} is not a folder.")
    load_env_file()
    result = verify_run(run_dir)
    click.echo(result.message)
    for label, names in (("changed", result.changed), ("missing", result.missing), ("added", result.added)):
        for name in names:
            click.echo(f"  {label}: {name}")
    try:
        recorded = history.recorded_run(run_dir)
    except (sqlite3.Error, OSError) as exc:
        click.echo(f"The history ({history.database_path()}) cannot be read ({exc}): the digest recorded when "
                   "the run ended was not compared.")
        sys.exit(1)
    current = manifest_chain(run_dir)
    if recorded is None:
        click.echo(f"Unknown to this machine's history ({history.database_path()}): the folder was made elsewhere "
                   "or the history was reset, so only its own manifest was checked (files and manifest rewritten "
                   "together would pass that).")
        sys.exit(3 if result.ok else 1)
    if current == recorded.chain:
        click.echo(f"Matches the digest recorded when the run ended ({recorded.time}): {recorded.chain}")
        sys.exit(0 if result.ok else 1)
    click.echo(f"NOT the folder this machine recorded: the digest recorded when the run ended ({recorded.time}) "
               f"is {recorded.chain}, the folder's is now {current or 'missing'}.")
    sys.exit(1)


@main.command("add-email")
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.argument("file", type=click.Path(path_type=Path))
def add_email(run_dir: Path, file: Path):
    """Add Meta's confirmation email (an .eml file, or a message in an mbox) to the run folder of that objection.

    It must be Meta's confirmation (sender, subject and text), sent to the email address the run used, dated
    after the run. It is copied into the folder, added to the report and the manifest (re-sealed, so
    `optout verify` still passes) and recorded in the history (`optout status`). Anything else is refused:
    exit code 2.
    """
    from assistant.mailproof import add_email as add
    from assistant.settings import load_env_file

    load_env_file()
    added = add(run_dir, file)
    click.echo(added.message)
    click.echo(f"Evidence digest: {added.digest} (`optout verify {run_dir}` re-checks the folder against it)", err=True)


@main.command()
@click.option("--last", is_flag=True, help="Print the latest run's report path only.")
@evidence_dir_option()
def runs(last, evidence_dir):
    """List past runs: time, platforms, verdicts, whether anything was submitted, folder."""
    from assistant import paths
    from assistant.evidence import list_runs
    from assistant.settings import load_env_file

    load_env_file()
    from assistant.settings import env

    root = Path(evidence_dir or env("OPTOUT_EVIDENCE_DIR") or paths.runs_dir())
    found = list_runs(root) if root.is_dir() else []
    if not found:
        click.echo(f"No runs yet in {root}.")
        return
    if last:
        report = found[0].path / "report.html"
        click.echo(report if report.exists() else found[0].path)
        return
    for r in found:
        verdicts = ", ".join(f"{p}: {v}" for p, v in r.verdicts.items()) or "-"
        flag = "" if r.complete else f"  [{r.status}]"
        click.echo(f"{r.time or '?':24} {r.command or '?':8} {verdicts:50} "
                   f"{'submitted' if r.submitted else '':9} {r.path}{flag}")


@main.command()
@click.option("--region", default="eu-en", show_default=True, metavar="SCENARIO",
              help="Replica scenario: a preset (eu-de, eu-it, uk, br, us ...) or key=value,... (see README).")
@click.option("--lang", metavar="xx", help="Language of the replica's pages (overrides the preset's).")
@yes_option("Complete the objection without asking (the replica only).")
@headless_option()
@json_option()
@evidence_dir_option()
@platform_option()
def demo(region, lang, yes, headless, as_json, evidence_dir, platform):
    """The guided session against the built-in replica of Meta's pages (nothing leaves this machine; a
    throw-away browser profile, so your saved sessions and your history of real verdicts are never touched)."""
    from assistant.demo import run_demo

    _quiet_logging()
    outcome = run_demo(region=region, lang=lang, yes=yes, headless=headless, as_json=as_json,
                       evidence_dir=evidence_dir, platform=platform)
    options.print_outcome(outcome, as_json, demo=True)
    sys.exit(outcome.exit_code)


register_watch(main)
register_selftest(main)
register_breakage(main)


if __name__ == "__main__":  # pragma: no cover
    main()
