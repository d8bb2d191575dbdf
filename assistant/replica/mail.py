"""The replica's outbox as real email messages: what Meta's confirmation looks like in the person's mailbox.

`message(mail)` turns an outbox entry (kind `confirmation`) into an RFC 5322 message from Meta's sender domain
(facebookmail.com, mail.instagram.com), in the scenario's language; `write_mbox` writes several into one mbox.
The demo puts them where `optout add-email` can take them.
"""

from __future__ import annotations

import email.utils
import mailbox
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

from .texts import Texts

SENDERS = {"facebook": ("Facebook", "security@facebookmail.com"),
           "instagram": ("Instagram", "no-reply@mail.instagram.com")}


def message(mail: dict, name: str = "Anna") -> EmailMessage:
    """The confirmation email of one outbox entry (its `time`, `to`, `platform`, `form`, `scenario`)."""
    texts = Texts(str(mail.get("lang") or _language(mail.get("scenario"))))
    platform = str(mail.get("platform") or "facebook")
    when = datetime.fromisoformat(str(mail.get("time"))) if mail.get("time") else datetime.now(UTC)
    msg = EmailMessage()
    msg["From"] = email.utils.formataddr(SENDERS.get(platform, SENDERS["facebook"]))
    msg["To"] = str(mail["to"])
    msg["Subject"] = texts("mail_subject_received" if mail.get("form") in ("A", "D") else "mail_subject_honour")
    msg["Date"] = email.utils.format_datetime(when.astimezone(UTC))
    msg["Message-ID"] = email.utils.make_msgid(domain=SENDERS.get(platform, SENDERS["facebook"])[1].split("@")[1])
    msg.set_content(texts("mail_body", name=name))
    return msg


def _language(spec: object) -> str:
    """The text variant of the scenario an outbox entry came from (its `scenario` spec)."""
    from .scenarios import Scenario

    try:
        return Scenario.parse(str(spec) if spec else None).text_variant
    except ValueError:
        return "en"


def write_mbox(path: Path, mails: list[dict]) -> Path:
    """Every confirmation of `mails` into the mbox at `path` (created or appended to); returns the path."""
    box = mailbox.mbox(str(path))
    try:
        for mail in mails:
            if mail.get("kind") == "confirmation":
                box.add(message(mail))
        box.flush()
    finally:
        box.close()
    return path
