"""The commands. Options shared between commands are defined once; user errors are one sentence and exit 2.

Heavy imports (Playwright, the engine) happen inside the commands, so `optout --help` stays fast.
"""

from __future__ import annotations

import json as jsonlib
import sys
from pathlib import Path

import click

from assistant.breakage import register as register_breakage
from assistant.selftest import register as register_selftest
from assistant.watch import register as register_watch

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


def _quiet_logging() -> None:
    """loguru writes to the run's log file; the terminal gets the assistant's own short messages."""
    from loguru import logger

    logger.remove()


# -- shared options ---------------------------------------------------------------------------------------------
def platform_option(default: str = "all", allow_all: bool = True):
    def check(ctx, param, value):  # one sentence and exit 2 for an unknown name, before any browser
        from assistant.settings import UsageError, parse_platforms

        try:
            parse_platforms(value, allow_all=allow_all, many=allow_all)
        except UsageError as exc:
            raise click.UsageError(str(exc)) from None
        return value

    helptext = ("Which platforms: all (every platform in flows/: facebook, instagram, linkedin, x ...), one, or a "
                "comma list (facebook,linkedin)." if allow_all else "Which platform (facebook, instagram, linkedin, "
                "x ...: every platform in flows/).")
    return click.option("--platform", "-p", metavar="NAME[,NAME]" if allow_all else "NAME", default=default,
                        show_default=True, callback=check, help=helptext)


def browser_options(f):
    options = [
        click.option("--via", metavar="URL", help="Serve Meta's pages from a local replica (e.g. "
                     "http://127.0.0.1:8765/scenario/eu-de); loopback only. Throw-away browser profile unless "
                     "--profile is given. Env: OPTOUT_VIA."),
        via_remote_option(),
        click.option("--headless/--headed", default=None,
                     help="Hide the browser, or show it (default: visible when a display exists)."),
        click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout."),
        click.option("--evidence-dir", metavar="DIR", help="Where run folders are written."),
        click.option("--profile", metavar="DIR", help="Folder of saved sessions (one per platform; private)."),
        click.option("--country", metavar="CC", help="Your country of residence, ISO code (DE, IT, US ...). "
                     "Env: OPTOUT_COUNTRY."),
        click.option("--lang", metavar="xx", help="Language of Meta's pages: en de fr es it nl pl pt bg cs da el et "
                                                  "fi ga hr hu lt lv mt ro sk sl sv nb is (pt covers pt-BR)."),
        click.option("--browser-path", metavar="PATH", help="The Chromium executable to use (as --browser PATH). "
                     "Env: OPTOUT_BROWSER."),
        browser_kind_option(),
        cdp_option(),
        click.option("--trace", is_flag=True, help="Also save a Playwright trace (for debugging). It holds your "
                     "cookies: keep it private."),
    ]
    for option in reversed(options):  # click lists options in the order they are applied, innermost first
        f = option(f)
    return f


def _keep(ctx, param, value):
    """--browser and --cdp: kept for `_settings`, so every command taking browser options gets them."""
    ctx.meta[f"optout.{param.name}"] = value
    return value


def browser_kind_option():
    return click.option("--browser", metavar="chromium|chrome|msedge|PATH", expose_value=False, callback=_keep,
                        help="Which browser to start: Playwright's or the system's Chromium, an installed Google "
                             "Chrome or Microsoft Edge, or an executable.")


def cdp_option():
    return click.option("--cdp", metavar="URL", expose_value=False, callback=_keep,
                        help="Use your running browser (the one you are logged in to), started with "
                             "--remote-debugging-port: http://127.0.0.1:PORT (loopback only). The assistant opens "
                             "tabs of its own and leaves yours and the browser running. Env: OPTOUT_CDP.")


def via_remote_option():
    return click.option("--via-remote", is_flag=True, help="Allow --via to name a server on another machine "
                        "(warned; command line only, a .env file cannot set it).")


def _settings(platform: str, via, headless, browser_path, profile, evidence_dir, as_json, country, lang,
              trace: bool = False, via_remote: bool = False, **extra):
    from assistant import browser, settings

    settings.load_env_file()
    if headless is None:
        headless = True if settings.env("OPTOUT_HEADLESS") in ("1", "true", "yes") else not browser.display_available()
    meta = click.get_current_context().meta
    extra.setdefault("browser_kind", meta.get("optout.browser"))
    extra.setdefault("cdp", meta.get("optout.cdp"))
    s = settings.build(platform=platform, via=via, headless=headless, json=as_json, evidence_dir=evidence_dir,
                       profile=profile, country=country, lang=lang, browser_path=browser_path, trace=trace,
                       via_remote=via_remote, **extra)
    if warning := settings.remote_via_warning(s):
        click.echo(f"Warning: {warning}", err=True)
    return s


def _person(s, quiet: bool = False):
    from assistant.settings import has_terminal
    from assistant.ui import Person

    return Person(interactive=(not s.headless) and has_terminal(), quiet=quiet)


def _print_outcome(outcome, as_json: bool, person) -> None:
    if as_json:
        shown = dict(outcome.report, digest=outcome.digest) if outcome.digest else outcome.report
        click.echo(jsonlib.dumps(shown, ensure_ascii=False, indent=2))
    else:
        from assistant.summary import human_summary

        click.echo(human_summary(outcome.report))
    if outcome.digest:
        click.echo(f"Evidence digest: {outcome.digest} (kept in this machine's history; "
                   f"`optout verify {outcome.run.path}` re-checks the folder against it)", err=True)


def _remember(outcome, source: str) -> None:
    """Verdicts go to the local history that `optout status` and `optout watch` read, with where the pages came
    from (Meta, or a replica: the two are never compared)."""
    from assistant import history

    history.record_quietly(outcome.report, source, origin=outcome.origin)


def _finish(outcome, source: str, as_json: bool, person) -> None:
    """Every run, however it ended: history, what was found, the digest; then the exit code (130/143 when
    interrupted by Ctrl-C/SIGTERM)."""
    _remember(outcome, source)
    _print_outcome(outcome, as_json, person)
    if outcome.interrupted:
        click.echo(f"Interrupted ({outcome.interrupted}). The run folder keeps what was gathered so far "
                   "(marked incomplete).", err=True)
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
    """optout: ask Meta not to train its AI on your Facebook and Instagram posts.

    A guided session in a visible browser. You log in yourself; the assistant finds the
    "AI at Meta" box and its right-to-object link, opens the objection form, fills it in
    and waits for YOU to confirm. Every step leaves evidence (screenshots, report, hashes).
    It never types or stores a password and never sends a form without your confirmation.

    \b
    Start here:
      optout demo                      the guided session against the built-in replica
      optout check --country DE        is the objection offered to you?
      optout object --email you@example.com --country DE
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


def reason_options(f):
    f = click.option("--reason", metavar="TEXT", help="Your reason, in your own words. Env: OPTOUT_REASON.")(f)
    f = click.option("--reason-file", metavar="FILE", help="A file holding your reason.")(f)
    f = click.option("--reason-template", metavar="NAME",
                     help="Start from a template (personal, creative, family) in the page's language.")(f)
    return f


@main.command("object")
@platform_option()
@browser_options
@click.option("--email", metavar="E", help="The email Meta should answer. Env: OPTOUT_EMAIL.")
@click.option("--replace-email", is_flag=True, help="Replace the form's prefilled email with --email.")
@reason_options
@click.option("--yes", is_flag=True, help="Send the filled form without asking (your explicit consent).")
@click.option("--confirm-timeout", type=click.FloatRange(min=1), metavar="SECONDS",
              help="How long to wait for your confirmation (default 600). Env: OPTOUT_CONFIRM_TIMEOUT.")
def object_(platform, via, via_remote, headless, browser_path, profile, evidence_dir, as_json, country, lang, trace,
            email, replace_email, reason, reason_file, reason_template, yes, confirm_timeout):
    """Object to Meta's AI training: check, open the form, pre-fill it, and wait for YOUR confirmation.

    Nothing is sent until you confirm: click the form's Send button yourself, click the banner's
    "Confirm and send", type yes in the terminal, or give --yes. When Meta emails a code, type it in
    the browser or as one line on standard input.

    A platform with a switch (LinkedIn, X) has it switched off with the same consent (the banner's button, yes
    in the terminal, or --yes), then the page is reloaded and the switch read again: `off` only when it holds.

    Exit code 0 for submitted, awaiting_confirmation (a switch left on without your yes too), not_offered and
    off; 1 otherwise (a save that does not hold is `error`); 2 for bad input.
    """
    from assistant import session

    _quiet_logging()
    s = _settings(platform, via, headless, browser_path, profile, evidence_dir, as_json, country, lang, trace,
                  via_remote=via_remote, email=email, replace_email=replace_email, reason=reason,
                  reason_file=reason_file, reason_template=reason_template, yes=yes)
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
@click.option("--via", metavar="URL", help="Serve Meta's pages from a local replica (loopback only; the session "
              "is then thrown away unless --profile is given).")
@via_remote_option()
@click.option("--browser-path", metavar="PATH", help="The Chromium executable to use.")
@click.option("--profile", metavar="DIR", help="Folder of saved sessions (private).")
def login(platform, via, via_remote, browser_path, profile):
    """Log in yourself in a visible browser; the assistant keeps the session (never the password)."""
    from assistant.login import run_login

    _quiet_logging()
    s = _settings(platform, via, False, browser_path, profile, None, False, None, None, via_remote=via_remote)
    sys.exit(_run(run_login(s, _person(s))))


@main.command()
@platform_option(default="all")
@click.option("--profile", metavar="DIR", help="Folder of saved sessions.")
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
    code = doctor_report(browser_path, browser_kind=meta.get("optout.browser"), cdp=meta.get("optout.cdp"))
    sys.exit(code)


@main.command("install-browser")
@click.option("--quiet-if-present", is_flag=True, help="Do nothing (one line) when a browser is already there.")
def install_browser(quiet_if_present):
    """Make sure a Chromium exists: Playwright's download first, else the system's (Debian's via apt)."""
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


@main.command()
@click.option("--last", is_flag=True, help="Print the latest run's report path only.")
@click.option("--evidence-dir", metavar="DIR", help="Where run folders are written.")
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
@click.option("--yes", is_flag=True, help="Complete the objection without asking (the replica only).")
@click.option("--headless/--headed", default=None, help="Hide or show the browser (default: visible if possible).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@click.option("--evidence-dir", metavar="DIR", help="Where run folders are written.")
@platform_option()
def demo(region, lang, yes, headless, as_json, evidence_dir, platform):
    """The guided session against the built-in replica of Meta's pages (nothing leaves this machine; a
    throw-away browser profile, so your saved sessions and your history of real verdicts are never touched)."""
    from assistant.demo import run_demo

    _quiet_logging()
    sys.exit(run_demo(region=region, lang=lang, yes=yes, headless=headless, as_json=as_json,
                      evidence_dir=evidence_dir, platform=platform))


register_watch(main)
register_selftest(main)
register_breakage(main)


if __name__ == "__main__":  # pragma: no cover
    main()
