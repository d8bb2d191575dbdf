"""The run folder: every step's screenshot and texts, the report, and a SHA-256 manifest that guards them.

A run folder is what the person shows later to Meta, an authority or a court, so it is written as the run
goes (an interrupted run keeps every step so far), is private to its owner (0700/0600), never holds
cookies or tokens, and ends with a manifest that makes any later edit visible to `verify`.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from loguru import logger

from assistant.evidence.files import (
    _LOG_FORMAT,
    DIR_MODE,
    FILE_MODE,
    LOG_FILE,
    REPORT_FILE,
    RUN_FILE,
    EvidenceWriteError,
    _utcnow,
    json_text,
    mask_email,
    slug,
    utc_iso,
    write_private,
)
from assistant.evidence.manifest import manifest_chain, write_manifest


def _tool_version() -> str:
    from assistant import version

    return version()


class Run:
    """One run folder, written step by step; see the module docstring."""

    def __init__(self, path: Path, command: str, started: datetime, meta: dict) -> None:
        self.path = path
        self.command = command
        self.started = started
        self.meta = meta
        self.steps: list[dict] = []
        self.status = "incomplete"
        self.finished: datetime | None = None
        self.reason: str | None = None
        self._lock = threading.Lock()
        self._closed = False
        self._log: TextIO | None = None
        self._sink_id: int | None = None
        self.chain: str | None = None  # the manifest's chained digest, once the folder is sealed

    # -- lifecycle -------------------------------------------------------------------------------------

    @classmethod
    def start(cls, root: Path, command: str, meta: dict) -> Run:
        """Create a new, never reused folder `root/YYYYMMDDTHHMMSSZ-<command>` and write run.json at once."""
        root = Path(root)
        started = _utcnow()
        try:
            if not root.exists():
                root.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
                os.chmod(root, DIR_MODE)
            base = f"{started.strftime('%Y%m%dT%H%M%SZ')}-{slug(command)}"
            # mkdir without exist_ok is the atomic claim: two runs in the same second get distinct folders.
            for n in itertools.count(1):
                path = root / (base if n == 1 else f"{base}-{n}")
                try:
                    path.mkdir(mode=DIR_MODE)
                    break
                except FileExistsError:
                    continue
            os.chmod(path, DIR_MODE)  # the umask may have narrowed it; never widened past 0700
        except OSError as exc:
            raise EvidenceWriteError(
                f"Could not create the evidence folder in {root} ({exc.strerror or exc}).", exc.errno
            ) from exc
        run = cls(path, command, started, dict(meta))
        run._write_run_json()
        run._start_log()
        logger.info("evidence folder {} started for '{}'", path, command)
        return run

    def __enter__(self) -> Run:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: Any) -> None:
        # Leaving the block without finish() means the run was cut short: keep and seal what we have.
        if self._closed:
            return
        if exc_type is None:
            self.abort("the run ended without a report")
        elif issubclass(exc_type, KeyboardInterrupt):
            self.abort("interrupted by the person (Ctrl-C)")
        else:
            self.abort(f"stopped by an error: {exc_type.__name__}: {exc}")

    def add_step(
        self,
        platform: str,
        name: str,
        url: str,
        png: bytes | None,
        texts: dict[str, str] | None = None,
        highlights: list[str] | None = None,
        status: str | None = None,
    ) -> dict:
        """Record one step (screenshot, texts seen) and rewrite run.json: an interruption loses nothing."""
        if self._closed:
            raise RuntimeError(f"the run in {self.path} is already closed; no step can be added")
        with self._lock:
            n = len(self.steps) + 1
            shot = f"{n:02d}-{slug(platform)}-{slug(name)}.png" if png is not None else None
            step = {
                "n": n,
                "platform": platform,
                "name": name,
                "url": url,
                "time": utc_iso(_utcnow()),
                "screenshot": shot,
                "texts": dict(texts or {}),
                "highlights": list(highlights or []),
                "status": status,
            }
            try:
                if shot is not None and png is not None:
                    write_private(self.path / shot, png)
            except OSError as exc:
                raise self._write_error(exc) from exc
            self.steps.append(step)
            self._write_run_json()
        logger.info("step {:02d} {} {}: {}", n, platform, name, url)
        return step

    def finish(self, report: dict, status: str = "complete") -> None:
        """Write report.json, the final run.json, report.html, then manifest.json last; once only."""
        if self._closed:
            return
        try:
            write_private(self.path / REPORT_FILE, json_text(report))
            self.status = status
            self.finished = _utcnow()
            self._write_run_json()
        except OSError as exc:
            raise self._write_error(exc) from exc
        render_error: Exception | None = None
        try:
            from assistant.evidence.report import render_html  # here: jinja only when a run ends

            render_html(self.path)
        except Exception as exc:  # the evidence is still sealed below; the caller learns of the bug after
            logger.exception("report.html could not be rendered")
            render_error = exc
        self._close_log()
        try:
            write_manifest(self.path)
        except OSError as exc:
            raise self._write_error(exc) from exc
        self._closed = True
        self.chain = manifest_chain(self.path)
        if render_error is not None:
            raise render_error

    def abort(self, reason: str, report: dict | None = None) -> None:
        """Seal an interrupted run as "incomplete" with `reason`; never raises (the disk may have failed)."""
        if self._closed:
            return
        self._closed = True
        self.status = "incomplete"
        self.reason = reason
        self.finished = _utcnow()
        logger.warning("run stopped before the end: {}", reason)
        try:
            self._write_run_json()
        except Exception:
            logger.exception("run.json could not be updated")
        try:
            write_private(self.path / REPORT_FILE, json_text(report or self._minimal_report(reason)))
        except Exception:
            logger.exception("report.json could not be written")
        try:
            from assistant.evidence.report import render_html

            render_html(self.path)
        except Exception:
            logger.exception("report.html could not be rendered")
        self._close_log()
        try:
            write_manifest(self.path)
            self.chain = manifest_chain(self.path)
        except Exception as exc:
            logger.error("the manifest of {} could not be written: {}", self.path, exc)

    # -- internals -------------------------------------------------------------------------------------

    def _minimal_report(self, reason: str) -> dict:
        """The report of a run cut short: one "unknown" result per platform seen, never a guessed verdict."""
        platforms = list(dict.fromkeys(step["platform"] for step in self.steps))
        return {
            "evidence_dir": str(self.path),
            "results": [
                {
                    "platform": platform,
                    "status": "unknown",
                    "object_link": None,
                    "detail": f"The run stopped before a verdict: {reason}.",
                    "evidence": [
                        s["screenshot"] for s in self.steps if s["platform"] == platform and s["screenshot"]
                    ],
                }
                for platform in platforms
            ],
        }

    def _run_record(self) -> dict:
        record = {
            "command": self.command,
            "started": utc_iso(self.started),
            "finished": utc_iso(self.finished) if self.finished else None,
            "status": self.status,
            "tool_version": _tool_version(),
            "meta": self.meta,
            "steps": self.steps,
        }
        if self.reason is not None:
            record["reason"] = self.reason
        return record

    def _write_run_json(self) -> None:
        try:
            write_private(self.path / RUN_FILE, json_text(self._run_record()))
        except OSError as exc:
            raise self._write_error(exc) from exc

    def _write_error(self, exc: OSError) -> EvidenceWriteError:
        if isinstance(exc, EvidenceWriteError):
            return exc
        return EvidenceWriteError(
            f"Could not write to the evidence folder {self.path} ({exc.strerror or exc}).", exc.errno
        )

    def _start_log(self) -> None:
        fd = os.open(self.path / LOG_FILE, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
        self._log = os.fdopen(fd, "a", encoding="utf-8", buffering=1)
        log = self._log

        def sink(message: str) -> None:
            log.write(mask_email(str(message)))

        self._sink_id = logger.add(sink, format=_LOG_FORMAT, level="DEBUG", colorize=False)

    def _close_log(self) -> None:
        try:
            if self._sink_id is not None:
                logger.remove(self._sink_id)
        except ValueError:
            pass
        self._sink_id = None
        try:
            if self._log is not None:
                self._log.close()
        except OSError:
            pass
        self._log = None


# -- the list of runs --------------------------------------------------------------------------------------


@dataclass
class RunSummary:
    path: Path
    time: str | None
    command: str | None
    platforms: list[str] = field(default_factory=list)
    verdicts: dict[str, str] = field(default_factory=dict)
    submitted: bool = False
    status: str = "unreadable"  # "complete", "incomplete" or "unreadable"
    note: str = ""

    @property
    def complete(self) -> bool:
        return self.status == "complete"


_FOLDER_TIME = re.compile(r"^(\d{8}T\d{6}Z)")


def _sort_key(summary: RunSummary) -> tuple[str, str]:
    # run.json's time first; a broken folder falls back to the timestamp in its name.
    moment = ""
    if summary.time:
        moment = re.sub(r"[-:]", "", summary.time)[:15]
    elif match := _FOLDER_TIME.match(summary.path.name):
        moment = match.group(1)[:15]
    return moment, summary.path.name


def _summarise(folder: Path) -> RunSummary:
    try:
        run = json.loads((folder / RUN_FILE).read_text(encoding="utf-8"))
        if not isinstance(run, dict):
            raise ValueError("run.json is not an object")
    except (OSError, ValueError) as exc:
        return RunSummary(path=folder, time=None, command=None, note=f"run.json unreadable ({exc})")
    results: list = []
    note = str(run.get("reason") or "")
    try:
        report = json.loads((folder / REPORT_FILE).read_text(encoding="utf-8"))
        results = [r for r in report.get("results", []) if isinstance(r, dict)]
    except FileNotFoundError:
        note = note or "no report: the run did not finish"
    except (OSError, ValueError, AttributeError) as exc:
        note = note or f"report.json unreadable ({exc})"
    verdicts = {str(r.get("platform")): str(r.get("status")) for r in results}
    step_platforms = [s.get("platform") for s in run.get("steps") or [] if isinstance(s, dict)]
    platforms = list(dict.fromkeys([*verdicts, *(str(p) for p in step_platforms if p)]))
    return RunSummary(
        path=folder,
        time=run.get("started"),
        command=run.get("command"),
        platforms=platforms,
        verdicts=verdicts,
        submitted="submitted" in verdicts.values(),
        status="complete" if run.get("status") == "complete" else "incomplete",
        note=note,
    )


def list_runs(root: Path) -> list[RunSummary]:
    """Every run folder under `root`, newest first; a broken folder is listed as "unreadable", not skipped."""
    root = Path(root)
    if not root.is_dir():
        return []
    folders = [p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")]
    return sorted((_summarise(f) for f in folders), key=_sort_key, reverse=True)
