"""Every option more than one command takes, declared once (one name, one help text); the helpers the commands
share to turn options into settings and print what a run found.

Nothing heavy is imported here: `optout --help` reads these declarations, and only click is loaded for it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

LANGS = "en de fr es it nl pl pt bg cs da el et fi ga hr hu lt lv mt ro sk sl sv nb is (pt covers pt-BR)"

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def platform_option(default: str = "all", allow_all: bool = True) -> Decorator:
    """--platform: the platforms in flows/ (all, one, or a comma list); an unknown name is one sentence and exit 2,
    before any browser."""

    def check(ctx, param, value):
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


def via_option() -> Decorator:
    return click.option("--via", metavar="URL", help="Serve Meta's pages from a local replica (e.g. "
                        "http://127.0.0.1:8765/scenario/eu-de); loopback only. Throw-away browser profile unless "
                        "--profile is given, and its verdicts are kept apart from the real ones. Env: OPTOUT_VIA.")


def via_remote_option() -> Decorator:
    return click.option("--via-remote", is_flag=True, help="Allow --via to name a server on another machine "
                        "(warned; command line only, a .env file cannot set it).")


def headless_option() -> Decorator:
    return click.option("--headless/--headed", default=None,
                        help="Hide the browser, or show it (default: visible when a display exists).")


def json_option() -> Decorator:
    return click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")


def evidence_dir_option() -> Decorator:
    return click.option("--evidence-dir", metavar="DIR", help="Where run folders are written. "
                        "Env: OPTOUT_EVIDENCE_DIR.")


def profile_option() -> Decorator:
    return click.option("--profile", metavar="DIR", help="Folder of saved sessions, one per platform, the ones "
                        "`optout login` keeps (private).")


def country_option() -> Decorator:
    return click.option("--country", metavar="CC", help="Your country of residence, ISO code (DE, IT, US ...). "
                        "Env: OPTOUT_COUNTRY.")


def lang_option() -> Decorator:
    return click.option("--lang", metavar="xx", help=f"Language of Meta's pages: {LANGS}.")


def browser_path_option() -> Decorator:
    return click.option("--browser-path", metavar="PATH", help="The Chromium executable to use (as --browser "
                        "PATH). Env: OPTOUT_BROWSER.")


def yes_option(text: str) -> Decorator:
    return click.option("--yes", is_flag=True, help=text)


def _keep(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """--browser and --cdp: kept for `build_settings`, so every command taking browser options gets them."""
    ctx.meta[f"optout.{param.name}"] = value
    return value


def browser_kind_option() -> Decorator:
    return click.option("--browser", metavar="chromium|chrome|msedge|PATH", expose_value=False, callback=_keep,
                        help="Which browser to start: Playwright's or the system's Chromium, an installed Google "
                             "Chrome or Microsoft Edge, or an executable.")


def cdp_option() -> Decorator:
    return click.option("--cdp", metavar="URL", expose_value=False, callback=_keep,
                        help="Use your running browser (the one you are logged in to), started with "
                             "--remote-debugging-port: http://127.0.0.1:PORT (loopback only). The assistant opens "
                             "tabs of its own and leaves yours and the browser running. Env: OPTOUT_CDP.")


def apply(f: Callable[..., Any], *options: Decorator) -> Callable[..., Any]:
    """Apply options so that `--help` lists them in the order given (click lists the innermost first)."""
    for option in reversed(options):
        f = option(f)
    return f


def browser_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """What every command that opens Meta's pages takes."""
    return apply(
        f, via_option(), via_remote_option(), headless_option(), json_option(), evidence_dir_option(),
        profile_option(), country_option(), lang_option(), browser_path_option(), browser_kind_option(),
        cdp_option(),
        click.option("--trace", is_flag=True, help="Also save a Playwright trace (for debugging). It holds your "
                     "cookies: keep it private."),
    )


def reason_options(f: Callable[..., Any]) -> Callable[..., Any]:
    return apply(
        f,
        click.option("--reason-template", metavar="NAME",
                     help="Start from a template (personal, creative, family) in the page's language."),
        click.option("--reason-file", metavar="FILE", help="A file holding your reason."),
        click.option("--reason", metavar="TEXT", help="Your reason, in your own words. Env: OPTOUT_REASON."),
    )


# -- shared helpers ---------------------------------------------------------------------------------------------
def quiet_logging() -> None:
    """loguru writes to the run's log file; the terminal gets the assistant's own short messages."""
    from loguru import logger

    logger.remove()


def warn(message: str) -> None:
    click.echo(f"Warning: {message}", err=True)


def build_settings(platform: str, via: str | None, headless: bool | None, browser_path: str | None,
                   profile: str | None, evidence_dir: str | None, as_json: bool, country: str | None,
                   lang: str | None, trace: bool = False, via_remote: bool = False, **extra: Any) -> Any:
    """The validated settings of a command (assistant.settings.Settings); --browser and --cdp from the context."""
    from assistant import browser, settings

    settings.load_env_file()
    if headless is None:
        headless = True if settings.env("OPTOUT_HEADLESS") in ("1", "true", "yes") else not browser.display_available()
    ctx = click.get_current_context(silent=True)
    meta = ctx.meta if ctx is not None else {}
    extra.setdefault("browser_kind", meta.get("optout.browser"))
    extra.setdefault("cdp", meta.get("optout.cdp"))
    s = settings.build(platform=platform, via=via, headless=headless, json=as_json, evidence_dir=evidence_dir,
                       profile=profile, country=country, lang=lang, browser_path=browser_path, trace=trace,
                       via_remote=via_remote, **extra)
    if warning := settings.remote_via_warning(s):
        warn(warning)
    return s


def print_outcome(outcome: Any, as_json: bool, demo: bool = False) -> None:
    """What a run found (assistant.session.Outcome): JSON or the human summary, then the digest and, when cut
    short, that the folder keeps what was gathered. The demo points at its report; its digest is not kept."""
    if as_json:
        import json as jsonlib

        shown = dict(outcome.report, digest=outcome.digest) if outcome.digest or demo else outcome.report
        click.echo(jsonlib.dumps(shown, ensure_ascii=False, indent=2))
    else:
        from assistant.summary import human_summary

        click.echo(human_summary(outcome.report))
        if demo and outcome.run:
            click.echo(f"Open the report: {outcome.run.path / 'report.html'}")
    if outcome.digest and demo:
        click.echo(f"Evidence digest: {outcome.digest} (`optout verify {outcome.run.path}` re-checks it)", err=True)
    elif outcome.digest:
        click.echo(f"Evidence digest: {outcome.digest} (kept in this machine's history; "
                   f"`optout verify {outcome.run.path}` re-checks the folder against it)", err=True)
    if outcome.interrupted:
        click.echo(f"Interrupted ({outcome.interrupted}). The run folder keeps what was gathered so far "
                   "(marked incomplete).", err=True)

