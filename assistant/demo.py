"""`optout demo`: the guided session against the built-in replica (nothing leaves this machine)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.session import Outcome


def run_demo(region: str, lang: str | None, yes: bool, headless: bool | None, as_json: bool,
             evidence_dir: str | None, platform: str) -> Outcome:
    """Serve the replica, run `object` against it and return what was found (the CLI prints it)."""
    from assistant import browser, session, settings
    from assistant.replica.scenarios import Scenario
    from assistant.replica.server import ReplicaServer
    from assistant.ui import Person

    settings.load_env_file()
    spec = region + (f",lang={lang}" if lang else "")
    try:
        scenario = Scenario.parse(spec)
    except ValueError as exc:
        raise settings.UsageError(f"Unknown demo scenario {spec!r}: {exc}") from None
    if headless is None:
        headless = not browser.display_available()
    with ReplicaServer() as server:
        via = server.scenario_url(spec)
        s = settings.build(platform=platform, via=via, headless=headless, json=as_json, evidence_dir=evidence_dir,
                           country=scenario.region, lang=scenario.lang, email=scenario.email,
                           reason_template="personal", yes=yes)
        person = Person(interactive=(not headless) and settings.has_terminal())
        person.say(f"Demo against the built-in replica of Meta's pages (scenario {spec}: region {scenario.region}, "
                   f"language {scenario.lang}); nothing leaves this machine.")
        person.say("The browser is " + ("headless (no display found; run under xvfb-run or on a desktop to see it)"
                                        if headless else "visible: watch it work."))
        person.say("Demo reason: the 'personal' template. In a real run you give your own words (--reason).")

        def mailbox(platform_name: str) -> str | None:
            mails = [m for m in server.outbox if m.get("platform") in (platform_name, None)]
            return str(mails[-1]["code"]) if mails else None

        # A throw-away browser profile (as for every --via run): the person's saved sessions are never touched,
        # and the demo's verdicts stay out of the history that `watch` and `status` compare.
        outcome = session.drive(session.run(s, "demo", person, objecting=True, code_provider=mailbox))
        _deliver_confirmations(outcome, server.outbox, person)
    return outcome


def _deliver_confirmations(outcome, outbox: list[dict], person) -> None:
    """The demo mailbox: Meta's confirmation emails written as .eml files beside the run folder, then added to it as
    `optout add-email` does (so the report shows the email as evidence)."""
    from assistant.mailproof import add_email
    from assistant.replica.mail import message
    from assistant.settings import UsageError

    run = outcome.run
    mails = [m for m in outbox if m.get("kind") == "confirmation"]
    if run is None or outcome.interrupted or not mails:
        return
    folder = run.path.parent / f"{run.path.name}-mailbox"
    folder.mkdir(mode=0o700, exist_ok=True)
    for n, mail in enumerate(mails, 1):
        path = folder / f"{n:02d}-{mail.get('platform') or 'meta'}-confirmation.eml"
        path.write_bytes(message(mail).as_bytes())
        try:
            added = add_email(run.path, path)
        except UsageError as exc:
            person.say(f"Demo mailbox: {path.name} was not added: {exc}")
            continue
        outcome.digest = added.digest
        person.say(f"Demo mailbox: Meta's confirmation email arrived ({path}); added: optout add-email {run.path} "
                   f"{path}")
