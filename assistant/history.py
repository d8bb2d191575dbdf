"""The local record of verdicts (SQLite in the data folder): what `watch` compares and `status` shows.

Every result of check, watch and object is one row. A *change* is a difference between two conclusive
verdicts (available / not_offered) of the same platform: the status, the objection link, or the text of the
AI at Meta box. Inconclusive rounds (a time-out, a login wall) are kept but never compared, so a flaky
network never raises a false alarm. The first verdict of a platform is the baseline, not a change.

Every row says where the pages came from (`origin`): `meta` (Meta's real pages) or `replica:<via URL>`. Real
and replica rows never mix: a verdict is compared only with the previous one of the same kind, so a test run
against a replica is never a baseline for the real pages (nor the other way round).

Each run folder's chained digest (its manifest's `chain`) is kept too (table `runs`), so `optout verify` can
tell a folder whose files and manifest were both rewritten from the one this machine made.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from loguru import logger

from assistant import paths
from assistant.status import VERDICT_OF, Status

FILE_NAME = "history.sqlite3"
SOURCES = ("check", "watch", "object")
SCHEMA_VERSION = 2
META = "meta"  # the origin of rows from Meta's real pages; others are "replica:<via URL>"
EXCERPT_CHARS = 240


SCHEMA = """
CREATE TABLE IF NOT EXISTS checks (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  time        TEXT NOT NULL,          -- UTC, ISO 8601 with Z
  platform    TEXT NOT NULL,
  status      TEXT NOT NULL,          -- as reported (available, not_offered, login_required, submitted ...)
  verdict     TEXT,                   -- available | not_offered; NULL when the round was inconclusive
  link_text   TEXT,
  link_href   TEXT,
  box_hash    TEXT,                   -- sha256 (16 hex) of the normalised AI at Meta box text
  box_excerpt TEXT,
  detail      TEXT,
  run_dir     TEXT,
  source      TEXT NOT NULL CHECK (source IN ('check', 'watch', 'object')),
  origin      TEXT NOT NULL DEFAULT 'meta'  -- meta | replica:<via URL>: where the pages came from
);
CREATE INDEX IF NOT EXISTS checks_by_platform ON checks (platform, id);
"""
RUNS_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
  run_dir     TEXT PRIMARY KEY,       -- the folder's absolute path when it was sealed
  name        TEXT NOT NULL,          -- its folder name (a moved folder is still found)
  time        TEXT NOT NULL,          -- UTC, when the folder was sealed
  command     TEXT,
  origin      TEXT NOT NULL,
  status      TEXT,                   -- the folder's: complete | incomplete
  chain       TEXT NOT NULL           -- the manifest's chained digest
);
CREATE INDEX IF NOT EXISTS runs_by_name ON runs (name);
"""
OBJECTIONS_SCHEMA = """
CREATE TABLE IF NOT EXISTS objections (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  time          TEXT NOT NULL,        -- UTC, when the run that confirmed it was sealed
  platform      TEXT NOT NULL,
  account       TEXT,                 -- the username (or name) Accounts Center listed; NULL when not read
  confirmation  TEXT,                 -- Meta's confirmation text, as shown
  run_dir       TEXT NOT NULL,
  digest        TEXT,                 -- the run folder's chained digest (updated when an email is added)
  origin        TEXT NOT NULL DEFAULT 'meta',
  email_file    TEXT,                 -- Meta's confirmation email, once added (optout add-email)
  email_subject TEXT,
  email_date    TEXT
);
CREATE INDEX IF NOT EXISTS objections_by_platform ON objections (platform, id);
"""


@dataclass(frozen=True)
class Check:
    """One recorded result."""

    id: int
    time: str
    platform: str
    status: str
    verdict: str | None
    link_text: str | None
    link_href: str | None
    box_hash: str | None
    box_excerpt: str | None
    detail: str | None
    run_dir: str | None
    source: str
    origin: str = META

    @property
    def real(self) -> bool:
        return self.origin == META

    def as_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class RunRecord:
    """A sealed run folder as this machine recorded it."""

    run_dir: str
    name: str
    time: str
    command: str | None
    origin: str
    status: str | None
    chain: str


@dataclass(frozen=True)
class Objection:
    """A confirmed objection: which account, when, Meta's words, and the evidence."""

    id: int
    time: str
    platform: str
    account: str | None
    confirmation: str | None
    run_dir: str
    digest: str | None
    origin: str = META
    email_file: str | None = None
    email_subject: str | None = None
    email_date: str | None = None

    @property
    def real(self) -> bool:
        return self.origin == META

    def as_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Change:
    """A verdict that differs from the platform's previous conclusive one."""

    platform: str
    kind: str  # "status", "link" or "box"
    before: Check
    after: Check

    @property
    def from_status(self) -> str:
        return self.before.verdict or self.before.status

    @property
    def to_status(self) -> str:
        return self.after.verdict or self.after.status

    @property
    def summary(self) -> str:
        return describe(self)

    def as_json(self) -> dict:
        return {"platform": self.platform, "kind": self.kind, "from": self.from_status, "to": self.to_status,
                "time": self.after.time, "previous_time": self.before.time, "summary": self.summary,
                "link": _link_json(self.after), "previous_link": _link_json(self.before),
                "run_dir": self.after.run_dir}


def database_path() -> Path:
    return paths.data_dir() / FILE_NAME


def _connect() -> sqlite3.Connection:
    """Open (creating on first use) the database: folder 0700, file 0600, schema in place."""
    path = database_path()
    paths.private_dir(path.parent)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    os.chmod(path, 0o600)
    db = sqlite3.connect(path, timeout=15)
    db.row_factory = sqlite3.Row
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version < SCHEMA_VERSION:
        with db:
            db.executescript(SCHEMA)
            columns = {r["name"] for r in db.execute("PRAGMA table_info(checks)")}
            if "origin" not in columns:  # a version 1 history: say where each row's pages came from
                db.execute("ALTER TABLE checks ADD COLUMN origin TEXT NOT NULL DEFAULT 'meta'")
                for row in db.execute("SELECT DISTINCT run_dir FROM checks WHERE run_dir IS NOT NULL").fetchall():
                    db.execute("UPDATE checks SET origin = ? WHERE run_dir = ?", (_origin_of_folder(row[0]),
                                                                                  row[0]))
            db.executescript(RUNS_SCHEMA)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'objections'").fetchone():
        db.executescript(OBJECTIONS_SCHEMA)  # independent of the version: added to any history on first use
    return db


def origin_of(via: str | None) -> str:
    """`meta` for Meta's real pages, `replica:<via URL>` for pages served by --via (or the demo's replica)."""
    return f"replica:{via}" if via else META


def _origin_of_folder(run_dir: str) -> str:
    """Where a version 1 row's pages came from, as its run folder recorded it (`meta` when unknown)."""
    import json

    try:
        run = json.loads((Path(run_dir) / "run.json").read_text(encoding="utf-8"))
        return origin_of(((run.get("meta") or {}).get("settings") or {}).get("via"))
    except (OSError, ValueError, AttributeError):
        return META


def _row(row: sqlite3.Row | None) -> Check | None:
    return Check(**dict(row)) if row is not None else None


def box_hash(text: str | None) -> str | None:
    if not text or not text.strip():
        return None
    norm = " ".join(text.replace("\u2019", "'").split()).lower()
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()[:16]


def _excerpt(text: str | None) -> str | None:
    if not text:
        return None
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS - 1] + "…"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- writing ------------------------------------------------------------------------------------------------
def record(report: dict, source: str, origin: str = META) -> list[Change]:
    """Store every result of a run's report; return the changes against each platform's previous verdict of the
    same kind (Meta's pages, or a replica's)."""
    if source not in SOURCES:
        raise ValueError(f"source must be one of {', '.join(SOURCES)}, not {source!r}")
    changes: list[Change] = []
    time = _now()
    db = _connect()
    try:
        with db:  # one transaction: a report is stored whole or not at all
            for result in report.get("results", []):
                platform, status = result["platform"], result["status"]
                link = result.get("object_link") or {}
                previous = _row(db.execute(
                    "SELECT * FROM checks WHERE platform = ? AND verdict IS NOT NULL AND (origin = 'meta') = ? "
                    "ORDER BY id DESC LIMIT 1", (platform, origin == META)).fetchone())
                cursor = db.execute(
                    "INSERT INTO checks (time, platform, status, verdict, link_text, link_href, box_hash, "
                    "box_excerpt, detail, run_dir, source, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (time, platform, status, _verdict_of(result), link.get("text"), link.get("href"),
                     box_hash(result.get("box_text")), _excerpt(result.get("box_text")), result.get("detail"),
                     report.get("evidence_dir"), source, origin))
                stored = _row(db.execute("SELECT * FROM checks WHERE id = ?", (cursor.lastrowid,)).fetchone())
                if previous is not None and stored is not None and (change := compare(previous, stored)):
                    changes.append(change)
    finally:
        db.close()
    return changes


def _verdict_of(result: dict) -> str | None:
    """The verdict a result stands for: a switch's state as read (an unsent change leaves it on), else VERDICT_OF."""
    status, state = result["status"], (result.get("setting") or {}).get("state")
    if status in VERDICT_OF and state in (Status.ON, Status.OFF):
        return Status(state)
    return VERDICT_OF.get(status)


def record_quietly(report: dict, source: str, origin: str = META) -> list[Change]:
    """`record` for commands whose own work must not fail because the history cannot be written."""
    try:
        return record(report, source, origin)
    except (sqlite3.Error, OSError) as exc:
        logger.warning(f"the history in {database_path()} could not be written: {exc}")
        return []


def record_run(run_dir: Path, command: str | None, origin: str, status: str | None, chain: str | None) -> None:
    """Keep a sealed run folder's chained digest (what `optout verify` compares the folder with later)."""
    run_dir = Path(run_dir).resolve()
    db = _connect()
    try:
        with db:
            db.execute("INSERT OR REPLACE INTO runs (run_dir, name, time, command, origin, status, chain) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?)", (str(run_dir), run_dir.name, _now(), command, origin,
                                                        status, chain))
    finally:
        db.close()


def record_objection(platform: str, account: str | None, confirmation: str | None, run_dir: Path,
                     digest: str | None, origin: str = META) -> None:
    """Keep a confirmed objection (status submitted) with its run folder and the folder's digest."""
    db = _connect()
    try:
        with db:
            db.execute("INSERT INTO objections (time, platform, account, confirmation, run_dir, digest, origin) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?)", (_now(), platform, account, confirmation,
                                                        str(Path(run_dir).resolve()), digest, origin))
    finally:
        db.close()


def objections(real: bool | None = None, platform: str | None = None) -> list[Objection]:
    """Every confirmed objection, oldest first (of Meta's pages or replicas' when `real` is given)."""
    if not database_path().exists():
        return []
    where, args = _kind(real)
    if platform:
        where, args = where + " AND platform = ?", (*args, platform)
    db = _connect()
    try:
        return [Objection(**dict(r)) for r in
                db.execute(f"SELECT * FROM objections WHERE 1{where} ORDER BY id", args).fetchall()]
    finally:
        db.close()


def confirmed_objection(platform: str, account: str | None, origin: str = META) -> Objection | None:
    """The latest confirmed objection of a platform's account (any account of it when either is unknown), on pages
    of the same origin (Meta's, or that very replica)."""
    found = [o for o in objections(origin == META, platform) if o.origin == origin
             and (account is None or o.account is None or o.account.lower() == account.lower())]
    return found[-1] if found else None


def attach_email(run_dir: Path, platform: str, email_file: str, subject: str, date: str, digest: str) -> bool:
    """Record Meta's confirmation email with the objection of that run folder and the folder's new digest (every row
    of the folder gets it). False when the folder holds no recorded objection of that platform."""
    run_dir = Path(run_dir).resolve()
    db = _connect()
    try:
        with db:
            changed = db.execute("UPDATE objections SET email_file = ?, email_subject = ?, email_date = ? "
                                 "WHERE run_dir = ? AND platform = ?",
                                 (email_file, subject, date, str(run_dir), platform)).rowcount
            db.execute("UPDATE objections SET digest = ? WHERE run_dir = ?", (digest, str(run_dir)))
    finally:
        db.close()
    return bool(changed)


def recorded_run(run_dir: Path) -> RunRecord | None:
    """The record of a run folder: by its path, else (a moved folder) by its unique folder name."""
    if not database_path().exists():
        return None
    run_dir = Path(run_dir).resolve()
    db = _connect()
    try:
        row = db.execute("SELECT * FROM runs WHERE run_dir = ?", (str(run_dir),)).fetchone()
        if row is None:
            rows = db.execute("SELECT * FROM runs WHERE name = ?", (run_dir.name,)).fetchall()
            row = rows[0] if len(rows) == 1 else None
    finally:
        db.close()
    return RunRecord(**dict(row)) if row is not None else None


def compare(before: Check, after: Check) -> Change | None:
    """The change between two records of one platform, if any (inconclusive records never change anything)."""
    if before.verdict is None or after.verdict is None:
        return None
    if before.verdict != after.verdict:
        return Change(after.platform, "status", before, after)
    if after.verdict == Status.AVAILABLE and after.link_href \
            and (before.link_href, before.link_text) != (after.link_href, after.link_text):
        return Change(after.platform, "link", before, after)
    if before.box_hash and after.box_hash and before.box_hash != after.box_hash:
        return Change(after.platform, "box", before, after)
    return None


# -- reading ------------------------------------------------------------------------------------------------
def _query(sql: str, args: tuple = ()) -> list[Check]:
    if not database_path().exists():
        return []
    db = _connect()
    try:
        return [Check(**dict(r)) for r in db.execute(sql, args).fetchall()]
    finally:
        db.close()


def _kind(real: bool | None) -> tuple[str, tuple]:
    """SQL (and its argument) keeping Meta's rows (True), the replicas' (False), or all (None)."""
    return ("", ()) if real is None else (" AND (origin = 'meta') = ?", (bool(real),))


def history(platform: str | None = None, real: bool | None = None) -> list[Check]:
    """Every record, oldest first (of one platform when given; of Meta's pages or replicas' when `real` is)."""
    where, args = _kind(real)
    if platform:
        return _query(f"SELECT * FROM checks WHERE platform = ?{where} ORDER BY id", (platform, *args))
    return _query(f"SELECT * FROM checks WHERE 1{where} ORDER BY id", args)


def latest(real: bool | None = True) -> dict[str, Check]:
    """The most recent record of each platform (by default from Meta's real pages)."""
    where, args = _kind(real)
    rows = _query(f"SELECT * FROM checks WHERE id IN (SELECT MAX(id) FROM checks WHERE 1{where} GROUP BY platform) "
                  "ORDER BY platform", args)
    return {r.platform: r for r in rows}


def first(real: bool | None = True) -> dict[str, Check]:
    """The first record of each platform (the baseline `status` compares with)."""
    where, args = _kind(real)
    rows = _query(f"SELECT * FROM checks WHERE id IN (SELECT MIN(id) FROM checks WHERE 1{where} GROUP BY platform) "
                  "ORDER BY platform", args)
    return {r.platform: r for r in rows}


def latest_verdict(platform: str, real: bool | None = True) -> Check | None:
    """The most recent conclusive record (available / not_offered) of a platform."""
    where, args = _kind(real)
    rows = _query(f"SELECT * FROM checks WHERE platform = ? AND verdict IS NOT NULL{where} ORDER BY id DESC LIMIT 1",
                  (platform, *args))
    return rows[0] if rows else None


def changes(platform: str | None = None, real: bool | None = True) -> list[Change]:
    """Every change since the first record, oldest first: what `watch` notified (or would have). Real and replica
    rows are compared only among themselves."""
    found: list[Change] = []
    last: dict[tuple[str, bool], Check] = {}
    for row in history(platform, real):
        if row.verdict is None:
            continue
        key = (row.platform, row.real)
        if key in last and (change := compare(last[key], row)):
            found.append(change)
        last[key] = row
    return found


# -- words ----------------------------------------------------------------------------------------------------
def describe(change: Change) -> str:
    """One sentence for a notification: what changed, and what the person can do now."""
    name, after, before = change.platform.capitalize(), change.after, change.before
    since = f"(checked {before.time[:10]} and {after.time[:10]})"
    if change.kind == "status" and after.verdict == Status.AVAILABLE:
        return (f"{name}: Meta now offers the objection to AI training: link '{after.link_text}' -> "
                f"{after.link_href}. Object with: optout object --platform {change.platform}")
    if change.kind == "status":
        return f"{name}: the objection to AI training is no longer offered {since}."
    if change.kind == "link":
        return (f"{name}: the objection link changed from '{before.link_text}' ({before.link_href}) to "
                f"'{after.link_text}' ({after.link_href}).")
    return f"{name}: the text of the AI at Meta box changed {since}: \"{after.box_excerpt or ''}\""


def _link_json(row: Check) -> dict | None:
    return {"text": row.link_text, "href": row.link_href} if row.link_href else None
