"""report.html: the run folder told as a readable, self-contained page (run.json + report.json -> HTML).

The page is for a person, an authority or a court: plain-word verdicts first, then the story step by
step with the screenshots that sit beside it. Everything taken from Meta's pages is escaped.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from assistant.evidence.files import REPORT_FILE, RUN_FILE, write_private
from assistant.status import Status

TEMPLATES = Path(__file__).parent.parent / "templates"
REPORT_HTML = "report.html"

PLATFORM_NAMES = {"facebook": "Facebook", "instagram": "Instagram"}


def platform_name(platform: str) -> str:
    """How the report names a platform: its flow file's `name` (LinkedIn, X ...), else its key title-cased."""
    if platform in PLATFORM_NAMES:
        return PLATFORM_NAMES[platform]
    from assistant import flows

    try:
        return flows.load_flow(platform).name
    except (flows.FlowError, OSError):
        return platform.title()

# status -> (tone for the colour, the verdict in plain words). The link and detail are added beside it.
VERDICTS: dict[str, tuple[str, str]] = {  # keyed by Status (a str)
    Status.AVAILABLE: ("good", "the objection is offered in your region"),
    Status.NOT_OFFERED: ("bad", "Meta offers no objection here"),
    Status.LOGIN_REQUIRED: ("neutral", "you were not logged in, so the settings could not be checked"),
    Status.BLOCKED: ("bad", "Meta blocked the pages (a security check or a limit), so nothing could be read"),
    Status.UNKNOWN: ("neutral", "the pages gave no clear answer, and no verdict is guessed"),
    Status.ERROR: ("bad", "the check failed with an error before a verdict"),
    Status.SUBMITTED: ("good", "the objection was submitted"),
    Status.AWAITING_CONFIRMATION: (
        "neutral",
        "the form is filled in and waits for your confirmation; nothing was sent",
    ),
    Status.REJECTED: ("bad", "Meta rejected the objection"),
    Status.ALREADY_OBJECTED: ("good", "a confirmed objection already covers this account; no form was sent again"),
    Status.ON: ("bad", "the AI-training switch is on: your data is used to train AI; you can switch it off"),
    Status.OFF: ("good", "the AI-training switch is off"),
}

FIELD_LABELS = {"country": "Country", "email": "Email", "reason": "Reason"}


def _readable_time(value: str | None) -> str:
    """'2024-06-01T12:00:03.123Z' -> '2024-06-01 12:00:03 UTC'; anything else is shown as it is."""
    if not value:
        return "—"
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _web_href(url: Any) -> str | None:
    """Only http(s) addresses become links: a `javascript:` href copied from a page must stay inert text."""
    if isinstance(url, str) and urlsplit(url.strip()).scheme in ("http", "https"):
        return url.strip()
    return None


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _file_href(name: str) -> str:
    return quote(name)


@cache
def _environment() -> Environment:
    """One for the process: Jinja compiles a template once per environment (about 50 ms of CPU for the report's),
    and an environment is safe to share between threads."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(when=_readable_time, web_href=_web_href, as_text=_as_text, file_href=_file_href)
    return env


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def _result_view(result: dict, run_dir: Path) -> dict:
    """One report result with every optional field present, so the template needs no guessing."""
    status = str(result.get("status") or "unknown")
    tone, verdict = VERDICTS.get(status, ("neutral", f"status “{status}”"))
    platform = str(result.get("platform") or "unknown")
    link = result.get("object_link") if isinstance(result.get("object_link"), dict) else None
    raw_further = result.get("further")  # a switch's further form (further.py)
    further: dict = raw_further if isinstance(raw_further, dict) else {}
    form = result.get("form") if isinstance(result.get("form"), dict) else None
    form = form or (further.get("form") if isinstance(further.get("form"), dict) else None)
    filled = form.get("filled") if form and isinstance(form.get("filled"), dict) else {}
    region = result.get("region") if isinstance(result.get("region"), dict) else None
    confirmation = result.get("confirmation") if isinstance(result.get("confirmation"), dict) else None
    confirmation = confirmation or (further.get("confirmation") if isinstance(further.get("confirmation"), dict)
                                    else None)
    return {
        "platform": platform,
        "name": platform_name(platform),
        "status": status,
        "tone": tone,
        "verdict": verdict,
        "detail": (result.get("detail") or "") + (f" {further.get('name')}: [{further.get('status')}] "
                                                  f"{further.get('detail')}" if further else ""),
        "link": {"text": link.get("text") or "", "href": link.get("href") or ""} if link else None,
        "region": (
            {
                "country": region.get("country") or "?",
                "expected": region.get("expected"),
                "mismatch": bool(region.get("mismatch")),
                "note": region.get("note") or "",
            }
            if region
            else None
        ),
        "form": (
            {
                "version": form.get("version") or "?",
                "fields": [
                    (FIELD_LABELS.get(key, key.replace("_", " ").capitalize()), value)
                    for key, value in filled.items()
                ],
                # What the browser actually sent (read from the request the gate let through; emails masked).
                "sent": [
                    {"url": str(s.get("url") or ""), "status": s.get("status"),
                     "fields": [(str(k) + (f" ({(s.get('kinds') or {})[k]})" if k in (s.get("kinds") or {}) else ""),
                                 str(v)) for k, v in (s.get("fields") or {}).items()]}
                    for s in form.get("submitted") or [] if isinstance(s, dict)
                ],
                "language": form.get("language") or None,
                "words": [str(w) for w in form.get("words") or []],
                "left_alone": [str(w) for w in form.get("left_alone") or []],
                "needs": [str(w) for w in form.get("needs") or []],
                "refused": len(form.get("refused_requests") or []),
            }
            if form
            else None
        ),
        "confirmation": (confirmation.get("text") or "") if confirmation else None,
        "email": _email_view(result.get("confirmation_email"), run_dir),
        "accounts": _accounts_view(result.get("accounts")),
        "next_steps": [str(s) for s in result.get("next_steps") or []],
        "evidence": [
            {"name": str(name), "present": (run_dir / str(name)).is_file()}
            for name in result.get("evidence") or []
        ],
    }


def _email_view(mail: Any, run_dir: Path) -> dict | None:
    """Meta's confirmation email added by `optout add-email`: its file beside the report, sender, subject, date."""
    if not isinstance(mail, dict) or not mail.get("file"):
        return None
    return {"file": str(mail["file"]), "present": (run_dir / str(mail["file"])).is_file(),
            "from": str(mail.get("from") or ""), "subject": str(mail.get("subject") or ""),
            "date": mail.get("date"), "sha256": str(mail.get("sha256") or "")}


def _accounts_view(accounts: Any) -> dict | None:
    """What Accounts Center listed (or why it could not be read)."""
    if not isinstance(accounts, dict):
        return None
    profiles = [p for p in accounts.get("profiles") or [] if isinstance(p, dict)]
    return {"read": bool(accounts.get("read")), "why": str(accounts.get("why") or ""),
            "profiles": [(PLATFORM_NAMES.get(str(p.get("platform")), str(p.get("platform"))), str(p.get("name") or ""),
                          str(p.get("username") or "")) for p in profiles]}


def _step_view(step: dict, run_dir: Path) -> dict:
    shot = step.get("screenshot")
    platform = str(step.get("platform") or "")
    return {
        "n": step.get("n"),
        "time": step.get("time"),
        "platform": platform_name(platform),
        "name": step.get("name") or "",
        "url": step.get("url") or "",
        "status": step.get("status"),
        "texts": list((step.get("texts") or {}).items()),
        "highlights": list(step.get("highlights") or []),
        "screenshot": shot,
        "screenshot_present": shot is not None and bool(shot) and (run_dir / shot).is_file(),
    }


def render_html(run_dir: Path) -> Path:
    """Render run_dir/report.html (0600) from its run.json and report.json; return the page's path."""
    run_dir = Path(run_dir)
    run = _read_json(run_dir / RUN_FILE)
    if not isinstance(run, dict):
        raise ValueError(f"{run_dir} has no readable {RUN_FILE}")
    report = _read_json(run_dir / REPORT_FILE) or {}
    meta: dict = run["meta"] if isinstance(run.get("meta"), dict) else {}
    results = [_result_view(r, run_dir) for r in report.get("results") or [] if isinstance(r, dict)]
    context = {
        "folder": run_dir.name,
        "command": run.get("command") or "?",
        "started": run.get("started"),
        "finished": run.get("finished"),
        "complete": run.get("status") == "complete",
        "reason": run.get("reason"),
        "tool_version": run.get("tool_version") or "unknown",
        "browser": _browser_text(meta.get("browser_version") or meta.get("browser")),
        "meta": sorted(meta.items()),
        "results": results,
        "forms": [r for r in results if r["form"]],
        "confirmations": [r for r in results if r["confirmation"] or r["email"]],
        "next_steps": [r for r in results if r["next_steps"]],
        "steps": [_step_view(s, run_dir) for s in run.get("steps") or [] if isinstance(s, dict)],
    }
    html = _environment().get_template("report.html.j2").render(**context)
    return write_private(run_dir / REPORT_HTML, html)


def _browser_text(browser) -> str | None:
    """'Chromium 156.0 (system: /usr/lib/chromium/chromium)' from the run's browser record."""
    if not isinstance(browser, dict):
        return browser
    where = browser.get("executable") or "Playwright's own download"
    return f"Chromium {browser.get('version', '?')} ({browser.get('source', '?')}: {where})"
