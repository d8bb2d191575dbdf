"""The run folder's ground floor: file names, private atomic writes, the one time format, email masking.

Every other module of assistant/evidence builds on this one; it imports none of them.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

DIR_MODE = 0o700
FILE_MODE = 0o600
RUN_FILE = "run.json"
REPORT_FILE = "report.json"
LOG_FILE = "run.log"
MANIFEST_FILE = "manifest.json"
CHAIN_SEED = b"optout-assistant manifest v1"
NO_MANIFEST = "no manifest: the run did not finish or the folder is not a run folder"
_LOG_FORMAT = "{time:YYYY-MM-DDTHH:mm:ss.SSS!UTC}Z {level: <8} {message}"

# Local part of an address, then "@" (or its URL-encoded form, as in query strings), then a dotted domain.
_EMAIL = re.compile(r"([\w.!#$&'*+/=?^`{|}~-]+)(@|%40)((?:[\w-]+\.)+[\w-]{2,})", re.UNICODE)


class EvidenceWriteError(OSError):
    """The evidence folder could not be written (disk full, permissions); the message names the folder."""

    def __init__(self, message: str, cause_errno: int | None = None) -> None:
        super().__init__(message)
        self.errno = cause_errno


def mask_email(text: str) -> str:
    """Mask every email address: `person@example.com` -> `p•••••@example.com` (first character, domain)."""
    return _EMAIL.sub(lambda m: f"{m.group(1)[0]}•••••{m.group(2)}{m.group(3)}", text)


def utc_iso(moment: datetime) -> str:
    """UTC ISO 8601 with milliseconds and a Z, the one time format of every evidence file."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _utcnow() -> datetime:
    return datetime.now(UTC)


def slug(text: str, limit: int = 48) -> str:
    """A short ASCII file-name form of a label: "Privacy Centre – Objection" -> "privacy-centre-objection"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:limit].strip("-") or "step"


def write_private(path: Path, data: bytes | str, mode: int = FILE_MODE) -> Path:
    """Write a file atomically (temp file in the same folder, then os.replace) with `mode`, default 0600.

    A reader, or a crash, sees the old file or the new one, never half of it.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), mode)
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return path


def json_text(obj: Any) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"

