"""The replica's HTTP server: URL layout, scenario selection, faults, and the record of POSTs and emails.

URL layout: ``[/scenario/<spec>]/<host>/<path>?<query>``, for example
``http://127.0.0.1:8765/scenario/eu-de,form=A/www.facebook.com/privacy/policy/``. Introspection:
``GET /_replica/posts``, ``GET /_replica/outbox``, ``POST /_replica/reset``.
"""

from __future__ import annotations

import email.parser
import email.policy
import html
import json
import secrets
import sys
import threading
import traceback
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Self
from urllib.parse import parse_qsl, unquote, urlsplit

from .captures import default_captures_dir
from .render import Renderer, View
from .routes import ReplicaApp, Request, Response, redact
from .scenarios import PRESETS, Scenario
from .sites import platform_of

BLANK = "<!DOCTYPE html><html><head></head><body></body></html>"


class ReplicaServer:
    """Serves the replica on loopback in a daemon thread; use as a context manager or start()/stop()."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, captures_dir: str | Path | None = None) -> None:
        self.host = host
        self._port = port
        self.captures_dir = Path(captures_dir) if captures_dir else default_captures_dir()
        self.app = ReplicaApp(Renderer(secrets.token_hex(4)), self.captures_dir)
        self._lock = threading.Lock()
        self._posts: list[dict[str, object]] = []
        self._outbox: list[dict[str, object]] = []
        self._requests: list[dict[str, object]] = []  # every scenario request: method, host, path, status
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------------------------------

    def start(self) -> Self:
        handler = type("ReplicaHandler", (_Handler,), {"replica": self})
        self._httpd = ThreadingHTTPServer((self.host, self._port), handler)
        self._httpd.daemon_threads = True
        self._stopping.clear()
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="replica-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes handlers sleeping on latency or a slow fault
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if not self._httpd:
            raise RuntimeError("the replica server is not running")
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def scenario_url(self, spec: str) -> str:
        return f"{self.url}/scenario/{spec}"

    # -- record -------------------------------------------------------------------------------------

    @property
    def posts(self) -> list[dict[str, object]]:
        with self._lock:
            return list(self._posts)

    @property
    def outbox(self) -> list[dict[str, object]]:
        with self._lock:
            return list(self._outbox)

    @property
    def requests(self) -> list[dict[str, object]]:
        """Every page request answered under a scenario (GET and POST): which pages a run visited."""
        with self._lock:
            return list(self._requests)

    def reset(self) -> None:
        with self._lock:
            self._posts.clear()
            self._outbox.clear()
            self._requests.clear()
        self.app.reset()

    # -- serving ------------------------------------------------------------------------------------

    def serve(self, h: _Handler) -> None:
        parts = urlsplit(h.path)
        path = parts.path
        if path.startswith("/_replica/"):
            return self._introspect(h, path, h.command)
        if path in ("", "/"):
            return _write(h, Response(body=_index(self.url)))
        spec = None
        if path.startswith("/scenario/"):
            spec, _, tail = path[len("/scenario/"):].partition("/")
            spec, path = unquote(spec), "/" + tail
        try:
            sc = Scenario.parse(spec)
        except ValueError as err:
            return _write(h, Response(status=400, body=_plain_page("Bad replica scenario", str(err))))
        host, _, rest = path[1:].partition("/")
        host = unquote(host).lower()
        if "." not in host:
            return _write(h, Response(status=404, body=_plain_page("Not a Meta host", f"No host in {h.path!r}")))
        if sc.latency:
            self._stopping.wait(sc.latency / 1000)
        req = Request(method=h.command, host=host, path="/" + rest, query=parts.query, cookies=_cookies(h),
                      raw_fields=_fields(h), content_type=h.headers.get("Content-Type", ""))
        try:
            resp = self.app.handle(req, sc)
        except Exception:  # noqa: BLE001 (a replica bug must show as a page, not a hung browser)
            traceback.print_exc(file=sys.stderr)
            resp = self._error_page(req, sc)
        page = resp.page
        fault = sc.fault_for(resp.page) if resp.page else None
        if fault in ("500", "blank", "drop"):  # the page failed before anything was committed
            failed = self._error_page(req, sc) if fault == "500" else Response(body=BLANK)
            failed.kind, failed.fields, failed.outcome = resp.kind, resp.fields, f"fault:{fault}"
            resp = failed
        elif fault == "unavailable":  # Meta's "This content isn't available right now", answered 200
            gone = self._unavailable_page(req, sc)
            gone.kind, gone.fields, gone.outcome = resp.kind, resp.fields, "fault:unavailable"
            resp = gone
        self._record(req, sc, resp, page)
        if fault == "drop":
            h.close_connection = True
            return None
        if fault == "slow":
            self._stopping.wait(sc.slowms / 1000)
        _write(h, resp)
        return None

    def _error_page(self, req: Request, sc: Scenario) -> Response:
        view = View(sc, platform_of(req.host), req.host, "error")
        body = self.app.renderer.render("error.html", view)
        return Response(status=500, body=body)

    def _unavailable_page(self, req: Request, sc: Scenario) -> Response:
        view = View(sc, platform_of(req.host), req.host, "notfound")
        body = self.app.renderer.render("notfound.html", view, message=None, unavailable=False)
        return Response(status=200, body=body)

    def _record(self, req: Request, sc: Scenario, resp: Response, page: str | None = None) -> None:
        with self._lock:
            self._requests.append({"method": req.method, "scenario": sc.spec, "host": req.host, "path": req.path,
                                   "page": page, "status": resp.status})
            if req.method == "POST":
                self._posts.append({
                    "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
                    "scenario": sc.spec,
                    "host": req.host,
                    "path": req.path,
                    "query": req.query,
                    "content_type": req.content_type,
                    "fields": resp.fields if resp.fields is not None else redact(req.form),
                    "raw_fields": [(k, redact({k: v})[k]) for k, v in req.raw_fields],
                    "kind": resp.kind or "other",
                    "outcome": resp.outcome,
                })
            for mail in resp.emails:
                self._outbox.append({"time": datetime.now(UTC).isoformat(timespec="milliseconds"), **mail})

    def _introspect(self, h: _Handler, path: str, method: str) -> None:
        name = path.removeprefix("/_replica/").strip("/")
        if name == "reset" and method == "POST":
            self.reset()
            data: object = {"ok": True}
        elif name in ("posts", "outbox", "requests") and method == "GET":
            data = {"posts": self.posts, "outbox": self.outbox, "requests": self.requests}[name]
        else:
            return _write(h, Response(status=404, body='{"error":"unknown"}', content_type="application/json"))
        return _write(h, Response(body=json.dumps(data, ensure_ascii=False), content_type="application/json"))


class _Handler(BaseHTTPRequestHandler):
    replica: ReplicaServer
    server_version = "proxygen-bolt"
    sys_version = ""

    def do_GET(self) -> None:
        self.replica.serve(self)

    do_POST = do_GET

    def log_message(self, format: str, *args: object) -> None:  # quiet: no request log
        pass


def _write(h: BaseHTTPRequestHandler, resp: Response) -> None:
    body = resp.body.encode("utf-8") if isinstance(resp.body, str) else resp.body
    try:
        h.send_response(resp.status)
        h.send_header("Content-Type", resp.content_type)
        h.send_header("Content-Length", str(len(body)))
        h.send_header("Cache-Control", "private, no-cache, no-store, must-revalidate")
        for name, value in resp.headers:
            h.send_header(name, value)
        h.end_headers()
        if h.command != "HEAD":
            h.wfile.write(body)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the browser went away (navigated on); nothing to answer


def _cookies(h: BaseHTTPRequestHandler) -> dict[str, str]:
    jar: dict[str, str] = {}
    for header in h.headers.get_all("Cookie") or []:
        for pair in header.split(";"):
            name, eq, value = pair.strip().partition("=")
            if eq:
                jar[name] = value
    return jar


def _fields(h: BaseHTTPRequestHandler) -> list[tuple[str, str]]:
    """Body fields of a urlencoded, multipart or JSON request, in order."""
    length = int(h.headers.get("Content-Length") or 0)
    body = h.rfile.read(length) if length else b""
    ctype = h.headers.get("Content-Type", "")
    if not body:
        return []
    if ctype.startswith("multipart/form-data"):
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + ctype.encode("latin-1") + b"\r\n\r\n" + body
        )
        out = []
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if name:
                content = part.get_content()
                out.append((str(name), content if isinstance(content, str) else part.get_filename() or ""))
        return out
    if ctype.startswith("application/json"):
        try:
            data = json.loads(body)
        except ValueError:
            return []
        return [(str(k), v if isinstance(v, str) else json.dumps(v)) for k, v in data.items()] \
            if isinstance(data, dict) else []
    return parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)


def _plain_page(title: str, text: str) -> str:
    return (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
            f"</head><body><h1>{html.escape(title)}</h1><p role=\"alert\">{html.escape(text)}</p></body></html>")


def _index(url: str) -> str:
    examples = [
        "www.facebook.com/settings/", "www.facebook.com/privacy/policy/", "www.facebook.com/privacy/center/",
        "mbasic.facebook.com/privacy/policy/printable/", "www.facebook.com/help/contact/6359191084165019",
        "www.instagram.com/accounts/edit/", "privacycenter.instagram.com/policy/",
        "help.instagram.com/contact/233964459562201",
    ]
    rows = "".join(
        f"<li>{html.escape(p)}: " + " ".join(
            f'<a href="{url}/scenario/{s}/{e}">{s}</a>' for s in PRESETS
        ) + "</li>" for e in examples for p in [e]
    )
    return (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Meta replica</title></head>"
            f"<body><h1>Local replica of Meta's privacy pages</h1><p>URL layout: "
            f"<code>{url}[/scenario/&lt;spec&gt;]/&lt;host&gt;/&lt;path&gt;</code>. Links inside the pages "
            f"point at the real Meta hosts; browse them through the assistant's routing.</p><ul>{rows}</ul>"
            f"</body></html>")
