"""The submission gate: until the person consents, no request that would submit the objection leaves the browser.

Installed on the browser context when the objection form is opened (on every request, with or without `--via`),
it refuses and records:
- a POST/PUT/PATCH to a Meta form endpoint (flows/forms.toml `[submission]`) that carries an email address;
- any POST/PUT/PATCH to the form's own action once the form is known, until consent;
- any request at all, to any host, whose URL or body carries the filled email or reason;
- for a setting_switch platform (switch.py), any POST/PUT/PATCH to the platform's hosts (or to its flow's
  `change_paths` there): a request that changes a setting.
Other traffic (logging beacons, the cookie dialog, the gate question) passes. Consent (consent.py) opens the
gate once for that form, for a few seconds; after it, the form's emailed-code step may post (it carries no
secret). Every submission let through is kept, with its fields as sent and its answer, as the proof behind
`submitted`. A refused navigation is answered 204 (the browser stays on the filled form); anything else aborted.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl, unquote_plus, urlsplit

from loguru import logger

EMAIL_IN_TEXT = re.compile(r"[^\s@\"'<>&=,;:{}\[\]]+@[^\s@\"'<>&=,;:{}\[\]]+\.[a-z]{2,}", re.I)
WRITES = ("POST", "PUT", "PATCH")
OPEN_FOR_S = 8.0  # how long one opening waits for the submission it was given for


@dataclass
class Sent:
    """A submission let through: what the browser sent, and (later) how it was answered."""

    method: str
    url: str
    fields: dict[str, str]
    why: str
    request: Any = None
    status: int | None = None

    async def answered(self, timeout_s: float) -> int | None:
        if self.status is None and self.request is not None:
            try:
                async with asyncio.timeout(timeout_s):
                    response = await self.request.response()
                self.status = response.status if response is not None else None
            except Exception:  # noqa: BLE001 - no answer (aborted, timed out, the page went away)
                self.status = None
        return self.status

    def as_json(self, mask) -> dict:
        return {"method": self.method, "url": self.url.split("?")[0], "status": self.status, "why": self.why,
                "fields": {k: mask(v) for k, v in self.fields.items()}}


@dataclass
class SubmissionGate:
    endpoint_paths: tuple[str, ...]
    host_suffixes: tuple[str, ...]
    click_grace_s: float = 2.0
    secrets: set[str] = field(default_factory=set)
    actions: set[str] = field(default_factory=set)
    consented: bool = False
    refused: list[dict] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    change_hosts: tuple[str, ...] = ()  # a setting_switch platform's hosts: a write there changes a setting
    change_paths: tuple[str, ...] = ()  # ... only at these paths, when given
    _windows: list[float] = field(default_factory=list)
    _is_open: asyncio.Event | None = None
    _on: Any = None  # the context or page it is installed on

    # -- set-up --------------------------------------------------------------------------------------------
    async def install(self, ctx) -> SubmissionGate:
        """On a context, or on one page (both have route): a page under --cdp, whose context is shared
        with the person's own tabs."""
        self._is_open = asyncio.Event()
        self._on = ctx
        await ctx.route("**/*", self.handle)
        return self

    async def uninstall(self) -> None:
        """Off the context (or page) it was installed on, when another gate takes over there (a setting's gate
        before the platform's own objection form is opened: the form's gate then guards its submission)."""
        if self._on is not None:
            on, self._on = self._on, None
            await _quietly(on.unroute("**/*", self.handle))

    def keep_secret(self, value: str | None) -> None:
        """The filled email and reason: no request may carry them before consent."""
        if value and len(value.strip()) >= 5:
            self.secrets.add(value.strip().lower())

    def know_action(self, url: str | None) -> None:
        if url:
            self.actions.add(_bare(url))

    def open_once(self, why: str) -> None:
        """The person consented: the next submission passes (within OPEN_FOR_S seconds), then the gate closes."""
        self.consented = True
        self._windows.append(asyncio.get_running_loop().time() + OPEN_FOR_S)
        logger.info(f"submission gate opened once: {why}")
        if self._is_open is not None:
            self._is_open.set()

    # -- deciding ------------------------------------------------------------------------------------------
    def _is_meta(self, url: str) -> bool:
        host = (urlsplit(url).hostname or "").lower()
        return any(host == s or host.endswith("." + s) for s in self.host_suffixes)

    def _changes_setting(self, url: str, path: str) -> bool:
        host = (urlsplit(url).hostname or "").lower()
        if not any(host == s or host.endswith("." + s) for s in self.change_hosts):
            return False
        return not self.change_paths or any(p.lower() in path for p in self.change_paths)

    def judge(self, method: str, url: str, body: bytes | None) -> tuple[str, bool] | None:
        """Why this request would submit the objection, and whether it goes where the form is sent (the form's
        action or a Meta form endpoint); None: it would not submit anything."""
        texts = _texts(url, body)
        bare, path = _bare(url), urlsplit(url).path.lower()
        if method.upper() in WRITES and self._changes_setting(url, path):
            return "it changes a setting", True
        to_form = method.upper() in WRITES and (bare in self.actions or (
            self._is_meta(url) and any(p in path for p in self.endpoint_paths)))
        if self.secrets and any(secret in text for text in texts for secret in self.secrets):
            return "it carries the email or reason filled in", to_form
        if not to_form:
            return None
        if bare in self.actions and not self.consented:
            return "it posts to the objection form", True
        if self._is_meta(url) and any(EMAIL_IN_TEXT.search(text) for text in texts[1:]):
            return "it posts an email address to a Meta form endpoint", True
        return None

    def _take_opening(self) -> bool:
        now = asyncio.get_running_loop().time()
        self._windows = [t for t in self._windows if t > now]
        if self._windows:
            self._windows.pop(0)
            if not self._windows and self._is_open is not None:
                self._is_open.clear()
            return True
        return False

    async def handle(self, route) -> None:
        request = route.request
        try:
            body = request.post_data_buffer
        except Exception:  # noqa: BLE001 - a body Playwright cannot give: judged by its URL alone
            body = None
        judged = self.judge(request.method, request.url, body)
        if judged is None:
            await _quietly(route.fallback())
            return
        why, to_form = judged
        allowed = False
        if to_form:  # only a request that goes where the form is sent may take the person's one opening
            allowed = self._take_opening()
            if not allowed and self._is_open is not None:
                try:  # the person's own click on Send may be reported a moment after the request it caused
                    async with asyncio.timeout(self.click_grace_s):
                        await self._is_open.wait()
                except TimeoutError:
                    pass
                allowed = self._take_opening()
        if allowed:
            self.sent.append(Sent(request.method, request.url, _fields(body, request.headers), why, request))
            await _quietly(route.fallback())
            return
        self.refused.append({"method": request.method, "url": request.url.split("?")[0], "why": why})
        logger.warning(f"refused without consent: {request.method} {request.url.split('?')[0]} ({why})")
        if request.is_navigation_request():
            await _quietly(route.fulfill(status=204, body=""))  # the browser stays on the filled form
        else:
            await _quietly(route.abort("blockedbyclient"))


def _bare(url: str) -> str:
    u = urlsplit(url)
    return f"{(u.hostname or '').lower()}{u.path.rstrip('/')}"


def _texts(url: str, body: bytes | None) -> list[str]:
    """The request's URL and body as the page meant them: raw, form-decoded and JSON-decoded, lower-case."""
    out = [unquote_plus(url).lower()]
    if body:
        raw = body.decode("utf-8", "replace")
        out += [raw.lower(), unquote_plus(raw).lower()]
        try:
            out.append(json.dumps(json.loads(raw), ensure_ascii=False).lower())
        except ValueError:
            pass
    return out


def _fields(body: bytes | None, headers: dict) -> dict[str, str]:
    """The submitted fields as sent: form-encoded, multipart or JSON (flattened)."""
    if not body:
        return {}
    kind = (headers.get("content-type") or "").lower()
    text = body.decode("utf-8", "replace")
    if "json" in kind or text.lstrip().startswith(("{", "[")):
        try:
            return dict(_flatten(json.loads(text)))
        except ValueError:
            pass
    if "multipart/" in kind:
        message = BytesParser(policy=HTTP).parsebytes(b"content-type: " + kind.encode() + b"\r\n\r\n" + body)
        return {str(part.get_param("name", header="content-disposition") or "?"): part.get_content()
                for part in message.iter_parts() if not part.get_filename()}
    return dict(parse_qsl(text, keep_blank_values=True))


def _flatten(value, prefix: str = ""):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _flatten(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _flatten(v, f"{prefix}[{i}]")
    else:
        yield prefix, "" if value is None else str(value)


async def _quietly(awaitable) -> None:
    try:
        await awaitable
    except Exception:  # noqa: BLE001 - the page moved on before the answer
        pass
