"""`optout add-email`: Meta's confirmation email as evidence of an objection, added to its run folder.

The message (an .eml file, or one message of an mbox) is read with Python's `email` package and must be Meta's
confirmation of that run's objection: from a Meta sender domain, with a confirmation subject and text (words of
flows/accounts.toml, any language), sent to the email address the run used, and dated after the run started. It is
copied into the folder, named in report.json and report.html, the manifest is written again and the new digest kept
in the history (so `optout verify` passes), and the objection's record in the history gets it. Anything else is one
sentence (a UsageError: exit code 2), and the folder is left as it was.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import hashlib
import json
import mailbox
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

from assistant import flows
from assistant.evidence import (
    REPORT_FILE,
    RUN_FILE,
    manifest_chain,
    mask_email,
    utc_iso,
    verify,
    write_manifest,
    write_private,
)
from assistant.evidence.files import json_text
from assistant.settings import UsageError
from assistant.status import Status

MAX_BYTES = 20 * 1024 * 1024


@dataclass
class Added:
    platform: str
    file: str  # its name in the run folder
    digest: str
    message: str


def add_email(run_dir: Path, file: Path) -> Added:
    """Check, copy, add to the report and manifest, re-seal, record; raises UsageError (one sentence) otherwise."""
    run_dir, file = Path(run_dir), Path(file)
    if not file.is_file():
        raise UsageError(f"{file} is not a file.")
    run, report = _run_folder(run_dir)
    submitted = [r for r in report.get("results", []) if isinstance(r, dict) and r.get("status") == Status.SUBMITTED]
    if not submitted:
        raise UsageError(f"{run_dir} holds no confirmed objection (no platform ended 'submitted'), so there is no "
                         "objection for Meta's email to confirm.")
    messages = _messages(file)
    started = _time(run.get("started"))
    addresses = _run_addresses(run, submitted)
    refusals = []
    for message in messages:
        try:
            platform = _check(message, submitted, addresses, started)
        except _Refused as why:
            refusals.append(str(why))
            continue
        return _add(run_dir, run, report, platform, message)
    if len(messages) == 1:
        raise UsageError(f"{file} is not Meta's confirmation of this objection: {refusals[0]}.")
    raise UsageError(f"None of the {len(messages)} messages in {file} is Meta's confirmation of this objection "
                     f"(the first: {refusals[0]}).")


class _Refused(Exception):
    pass


def _run_folder(run_dir: Path) -> tuple[dict, dict]:
    from assistant import history

    if not run_dir.is_dir():
        raise UsageError(f"{run_dir} is not a folder.")
    try:
        run = json.loads((run_dir / RUN_FILE).read_text(encoding="utf-8"))
        report = json.loads((run_dir / REPORT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"{run_dir} is not a finished run folder ({exc}).") from None
    checked = verify(run_dir)
    if not checked.ok:
        raise UsageError(f"{run_dir} is not intact ({checked.message}); nothing is added to a changed folder.")
    try:
        recorded = history.recorded_run(run_dir)
    except Exception:  # noqa: BLE001 - an unreadable history: the manifest alone was checked
        recorded = None
    if recorded is not None and recorded.chain != manifest_chain(run_dir):
        raise UsageError(f"{run_dir} is not the folder this machine recorded (its digest changed); nothing is added.")
    return run, report


def _messages(file: Path) -> list[EmailMessage]:
    if not file.is_file():
        raise UsageError(f"{file} is not a file.")
    if file.stat().st_size > MAX_BYTES:
        raise UsageError(f"{file} is larger than {MAX_BYTES // (1024 * 1024)} MB: not a confirmation email.")
    data = file.read_bytes()
    if data.startswith(b"From "):  # an mbox: every message in it is a candidate
        box = mailbox.mbox(str(file), create=False,
                           factory=lambda f: email.message_from_binary_file(
                               f, policy=email.policy.default))  # type: ignore[call-overload]
        try:
            found: list[EmailMessage] = [m for m in box if isinstance(m, EmailMessage)]
        finally:
            box.close()
    else:
        found = [email.message_from_bytes(data, policy=email.policy.default)]
    found = [m for m in found if m.get("From") and m.get("Subject") is not None]
    if not found:
        raise UsageError(f"{file} is not an email message (.eml) or an mbox holding one.")
    return found


def _time(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None
    except ValueError:
        return None


def _run_addresses(run: dict, submitted: list[dict]) -> set[str]:
    """The email addresses the run used: given on the command line, and the form's (filled or kept)."""
    found = {((run.get("meta") or {}).get("settings") or {}).get("email")}
    for r in submitted:
        found.add(((r.get("form") or {}).get("filled") or {}).get("email"))
    return {a.strip().lower() for a in found if isinstance(a, str) and a.strip()}


def _text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    try:
        return str(part.get_content()) if part is not None else ""
    except (LookupError, ValueError):
        return ""


def _check(message: EmailMessage, submitted: list[dict], addresses: set[str], started: datetime | None) -> str:
    """The platform whose objection the message confirms; raises _Refused with the reason otherwise."""
    config = flows.load_accounts().email
    sender = email.utils.parseaddr(str(message.get("From", "")))[1].lower()
    domain = sender.rpartition("@")[2]
    platforms = [r["platform"] for r in submitted
                 if any(domain == d or domain.endswith("." + d) for d in config.senders.get(r["platform"], []))]
    if not platforms:
        raise _Refused(f"it was not sent by Meta (sender domain '{domain or '?'}')")
    primary = [p for p in platforms if (config.senders[p] or [""])[0] in (domain, domain.partition(".")[2])]
    platforms = primary or platforms  # the platform's own sender first (Instagram's mail.instagram.com)
    subject = str(message.get("Subject", ""))
    if not flows.text_contains(subject, [w for ws in config.subject.values() for w in ws]):
        raise _Refused(f"its subject '{subject[:80]}' is not Meta's confirmation of an objection")
    if not flows.text_contains(_text(message), [w for ws in config.body.values() for w in ws]):
        raise _Refused("its text does not confirm an objection")
    to = {a.lower() for _, a in email.utils.getaddresses([str(v) for v in message.get_all("To", []) or []]) if a}
    masked = {mask_email(a) for a in addresses}
    if not (to & addresses or {mask_email(a) for a in to} & masked):
        raise _Refused("it was sent to another email address than the one this objection used")
    try:
        date = email.utils.parsedate_to_datetime(str(message.get("Date", "")))
    except (TypeError, ValueError):
        date = None
    if date is None or date.tzinfo is None:
        raise _Refused("it carries no readable date")
    if started is not None and date < started:
        raise _Refused(f"it is dated {utc_iso(date)}, before the run started ({utc_iso(started)})")
    if len(platforms) > 1:  # one sender for both: the platform named in the message, else the first without one
        text = subject + " " + _text(message)
        named = [p for p in platforms if flows.text_contains(text, flows.load_accounts().center.platforms[p])]
        platforms = named[:1] if len(named) == 1 else platforms
        mailed = {r["platform"] for r in submitted if r.get("confirmation_email")}
        unmailed = [p for p in platforms if p not in mailed]
        platforms = unmailed or platforms
    return platforms[0]


def _add(run_dir: Path, run: dict, report: dict, platform: str, message: EmailMessage) -> Added:
    from assistant import history
    from assistant.evidence.report import render_html

    data = message.as_bytes(policy=email.policy.default.clone(linesep="\r\n"))
    name = f"confirmation-email-{platform}.eml"
    n = 2
    while (run_dir / name).exists():
        name, n = f"confirmation-email-{platform}-{n}.eml", n + 1
    date = email.utils.parsedate_to_datetime(str(message["Date"]))
    subject = str(message.get("Subject", ""))
    try:
        write_private(run_dir / name, data)
        for r in report.get("results", []):
            if r.get("platform") == platform:
                r["confirmation_email"] = {
                    "file": name, "sha256": hashlib.sha256(data).hexdigest(), "subject": subject,
                    "from": email.utils.parseaddr(str(message.get("From", "")))[1], "date": utc_iso(date),
                    "added": utc_iso(datetime.now(UTC))}
        write_private(run_dir / REPORT_FILE, json_text(report))
        render_html(run_dir)
        write_manifest(run_dir)
    except OSError as exc:
        raise UsageError(f"The email could not be added to {run_dir} ({exc.strerror or exc}).") from None
    digest = manifest_chain(run_dir) or ""
    origin = history.origin_of(((run.get("meta") or {}).get("settings") or {}).get("via"))
    recorded = history.recorded_run(run_dir)
    history.record_run(run_dir, recorded.command if recorded else run.get("command"),
                       recorded.origin if recorded else origin, run.get("status"), digest)
    if not history.attach_email(run_dir, platform, name, subject, utc_iso(date), digest):
        result = next(r for r in report["results"] if r.get("platform") == platform)
        history.record_objection(platform, _account(result), (result.get("confirmation") or {}).get("text"), run_dir,
                                 digest, recorded.origin if recorded else origin)
        history.attach_email(run_dir, platform, name, subject, utc_iso(date), digest)
    return Added(platform, name, digest, f"Added Meta's confirmation email ({subject!r}, {utc_iso(date)}) to "
                                         f"{run_dir} as {name}: {platform.capitalize()}'s objection now has it as "
                                         "evidence (report.html, manifest and history updated).")


def _account(result: dict) -> str | None:
    own = next((p for p in (result.get("accounts") or {}).get("profiles") or []
                if p.get("platform") == result.get("platform")), None)
    return (own or {}).get("username") or (own or {}).get("name")
