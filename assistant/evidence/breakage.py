"""`optout report-breakage RUN_DIR`: a redacted zip to attach to an issue when a flow broke.

The bundle holds what a maintainer needs to repair a flow: the screenshots (every email address blacked out), the
page texts the run recorded, run.json and report.json, the flow files' versions and SHA-256 hashes (as at the run
and now), the tool version and whether the run folder still verifies. Every email address in a text is masked
(mask_email), the person's home folder is shown as `~`, and no cookie, session or log of the browser is
ever part of it (the run folder holds none). A screenshot without a record of where emails appear on it (a run
cut short before that record was written, or an older run) is left out rather than shared unredacted.

The bundle is written outside the run folder (adding a file there would break its manifest), private (0600).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tomllib
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from assistant import paths
from assistant import version as tool_version

BUNDLE_README = """optout-assistant breakage report
================================

Made by `optout report-breakage` from the run folder {run_name}, to attach to an issue when a flow broke.

Inside:
  steps.txt        every step of the run: page address, status, the texts the assistant recorded
  run.json         the run's record (email addresses masked)
  report.json      the run's verdicts (email addresses masked)
  flows.json       the flow files' versions and SHA-256, as at the run and now
  about.json       tool version, Python, system, whether the run folder verifies
  screenshots/     the run's screenshots with every email address blacked out
{left_out}
Email addresses are masked in every text and blacked out on the screenshots. Other personal details (a name,
a profile picture) may still show on a screenshot: look through the files before attaching this zip.
"""


def flow_versions(folder: Path | None = None) -> dict[str, dict]:
    """Every flow file: its `version` and SHA-256 (each file read and hashed every time; its parsed `version`
    is kept by that hash, so the same bytes are parsed once per process)."""
    folder = folder or paths.flows_dir()
    out = {}
    for path in sorted(Path(folder).glob("*.toml")):
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        out[path.name] = {"version": _version_of(digest, data), "sha256": digest}
    return out


_VERSIONS: dict[str, object] = {}  # a flow file's SHA-256 -> its `version` (a handful of files per process)


def _version_of(digest: str, data: bytes) -> object:
    if digest not in _VERSIONS:
        try:
            _VERSIONS[digest] = tomllib.loads(data.decode("utf-8")).get("version")
        except (UnicodeDecodeError, tomllib.TOMLDecodeError):
            _VERSIONS[digest] = None
    return _VERSIONS[digest]


def _clean(text: str) -> str:
    """Mask email addresses; show the home folder as ~ (it often holds the person's name)."""
    from assistant.evidence.files import mask_email

    text = mask_email(text)
    home = str(Path.home())
    return text.replace(home, "~") if len(home) > 1 else text


def _json(obj) -> str:
    return _clean(json.dumps(obj, indent=2, ensure_ascii=False)) + "\n"


def _redacted_png(path: Path, redact: dict) -> bytes:
    """The screenshot with every recorded email box filled black, re-encoded with no metadata chunks."""
    from PIL import Image, ImageDraw

    with Image.open(path) as original:
        image = original.convert("RGB")
    draw = ImageDraw.Draw(image)
    scale = float(redact.get("scale") or 1)
    pad = 3
    for x, y, w, h in redact.get("boxes", []):
        draw.rectangle([(x - pad) * scale, (y - pad) * scale, (x + w + pad) * scale, (y + h + pad) * scale],
                       fill=(0, 0, 0))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


def _steps_text(steps: list[dict]) -> str:
    lines = []
    for step in steps:
        lines.append(f"{step.get('n', '?'):>3} {step.get('platform', '?')} {step.get('name', '?')} "
                     f"[{step.get('status') or '-'}] {step.get('url', '')}")
        for key, value in (step.get("texts") or {}).items():
            lines.append(f"      {key}: {value}")
        for note in step.get("highlights") or []:
            lines.append(f"      highlight: {note}")
    return _clean("\n".join(lines) + "\n")


def make_bundle(run_dir: Path, out: Path) -> dict:
    """Write the zip; returns a summary (path, screenshots in, screenshots left out)."""
    from assistant.evidence.manifest import verify
    from assistant.settings import UsageError

    run_dir = Path(run_dir)
    try:
        run = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
        if not isinstance(run, dict):
            raise ValueError("not an object")
    except (OSError, ValueError) as exc:
        raise UsageError(f"{run_dir} is not a run folder (its run.json cannot be read: {exc}).") from None
    try:
        report = json.loads((run_dir / "report.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        report = None
    steps = [s for s in run.get("steps") or [] if isinstance(s, dict)]
    included, left_out = [], []
    files: dict[str, bytes] = {}
    for step in steps:
        shot = step.get("screenshot")
        if not shot or "/" in shot or not (run_dir / shot).is_file():
            continue
        if not isinstance(step.get("redact"), dict):
            left_out.append(shot)
            continue
        try:
            files[f"screenshots/{shot}"] = _redacted_png(run_dir / shot, step["redact"])
            included.append(shot)
        except (OSError, ValueError):
            left_out.append(shot)
    checked = verify(run_dir)
    about = {"tool_version": tool_version(), "run_tool_version": run.get("tool_version"),
             "python": (run.get("meta") or {}).get("python"), "system": (run.get("meta") or {}).get("system"),
             "browser": (run.get("meta") or {}).get("browser"), "command": run.get("command"),
             "status": run.get("status"), "reason": run.get("reason"),
             "run_folder_verifies": checked.ok, "verify": checked.message,
             "bundled": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
    files["about.json"] = _json(about).encode()
    files["flows.json"] = _json({"at_run": (run.get("meta") or {}).get("flows"), "now": flow_versions(),
                                 "flows_dir": str(paths.flows_dir())}).encode()
    files["run.json"] = _json(run).encode()
    if report is not None:
        files["report.json"] = _json(report).encode()
    files["steps.txt"] = _steps_text(steps).encode()
    note = ("  Left out (no record of where an email shows on them): " + ", ".join(left_out) + "\n") if left_out \
        else ""
    files["README.txt"] = BUNDLE_README.format(run_name=run_dir.name, left_out=note).encode()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle, zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as bundle:
            for name, data in files.items():
                bundle.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), data,
                                compress_type=zipfile.ZIP_DEFLATED)
        os.chmod(tmp, 0o600)
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return {"path": str(out), "screenshots": included, "left_out": left_out}
