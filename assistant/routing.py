"""In-place routing (`--via URL`): every request for a Meta host is answered by a server in the replica layout.

`https://HOST/PATH?QUERY` is served from `VIA + "/" + HOST + PATH` (+ `"?" + QUERY`). Method, body, status and
headers pass through, so the page believes it is on the real host. Playwright calls a route handler only for
the first request of a redirect chain, so a redirect is never handed back to the browser as such: a navigation
gets a tiny page that navigates anew to the target (the browser's URL stays the real one, and the next request
is routed again), and a sub-resource redirect is followed here. Requests for any other host are aborted.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import http.client
import json
import threading
from dataclasses import dataclass
from urllib.parse import SplitResult, urljoin, urlsplit

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "proxy-connection", "upgrade"}
REDIRECTS = {301, 302, 303, 307, 308}
STUB_MARK = "optout-routing-redirect"


@dataclass
class Exchange:
    method: str
    url: str
    routed_to: str | None
    status: int | None  # None: aborted or failed
    note: str = ""


@dataclass
class Upstream:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


class Router:
    """Maps Meta URLs onto a replica-layout server and records every exchange."""

    def __init__(self, via: str, host_suffixes: tuple[str, ...], timeout_s: float = 120.0) -> None:
        parts = urlsplit(via.rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"--via must be an http(s) URL, got {via!r}")
        self.via = parts
        self.host_suffixes = tuple(s.lower().lstrip(".") for s in host_suffixes)
        self.timeout_s = timeout_s
        self.exchanges: list[Exchange] = []
        self._stubs: dict[str, str] = {}  # URL answered with a navigate-anew page -> its target
        self._pool = _DaemonExecutor()

    def is_meta(self, url: str) -> bool:
        host = (urlsplit(url).hostname or "").lower()
        return any(host == s or host.endswith("." + s) for s in self.host_suffixes)

    def map_url(self, url: str) -> str:
        """The replica URL serving a Meta URL (the contract of `--via`)."""
        u = urlsplit(url)
        path = u.path or "/"
        mapped = f"{self.via.scheme}://{self.via.netloc}{self.via.path}/{u.hostname}{path}"
        return mapped + (f"?{u.query}" if u.query else "")

    def redirect_target(self, url: str) -> str | None:
        """Where the page at `url` is navigating to, if it was answered with a navigate-anew page."""
        return self._stubs.get(url)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    # -- the handler -------------------------------------------------------------------------------
    async def handle(self, route) -> None:  # route: playwright.async_api.Route
        request = route.request
        url = request.url
        if not self.is_meta(url):
            self.exchanges.append(Exchange(request.method, url, None, None, "blocked: not a Meta host"))
            await _quietly(route.abort("blockedbyclient"))
            return
        try:
            headers = await request.all_headers()
            body = request.post_data_buffer
            loop = asyncio.get_running_loop()
            follow = not request.is_navigation_request()
            up = await loop.run_in_executor(self._pool, self._fetch, request.method, url, headers, body, follow)
            status, out_headers, out_body, final_url = up
        except OSError as exc:  # refused, reset, timed out: the page sees a failed load, as on a real network
            self.exchanges.append(Exchange(request.method, url, self.map_url(url), None, f"failed: {exc}"))
            await _quietly(route.abort("connectionfailed"))
            return
        location = _header(out_headers, "location")
        if status in REDIRECTS and location:
            target = urljoin(final_url, location)
            self._stubs[url] = target
            self.exchanges.append(Exchange(request.method, url, self.map_url(url), status, f"redirect to {target}"))
            cookies = [(k, v) for k, v in out_headers if k.lower() == "set-cookie"]
            await _quietly(route.fulfill(status=200, headers=_join_headers(cookies, "text/html; charset=utf-8"),
                                         body=_stub_page(target)))
            return
        self._stubs.pop(url, None)
        self.exchanges.append(Exchange(request.method, url, self.map_url(url), status))
        await _quietly(route.fulfill(status=status, headers=_join_headers(out_headers), body=out_body))

    def _fetch(self, method: str, url: str, headers: dict[str, str], body: bytes | None, follow: bool):
        """Fetch a Meta URL from the replica. Sub-resource redirects are followed here, with their cookies."""
        up = self._request(method, self.map_url(url), headers, body)
        final_url = url
        hops = 0
        while follow and up.status in REDIRECTS and _header(up.headers, "location") and hops < 10:
            final_url = urljoin(final_url, _header(up.headers, "location"))
            if not self.is_meta(final_url):
                break
            headers = dict(headers)
            headers["cookie"] = _merge_cookies(headers.get("cookie", ""), up.headers)
            keep_body = up.status in (307, 308)
            method = method if keep_body else "GET"
            carried = [(k, v) for k, v in up.headers if k.lower() == "set-cookie"]
            up = self._request(method, self.map_url(final_url), headers, body if keep_body else None)
            up.headers = carried + up.headers
            hops += 1
        return up.status, up.headers, up.body, final_url

    def _request(self, method: str, mapped: str, headers: dict[str, str], body: bytes | None) -> Upstream:
        target = urlsplit(mapped)
        conn_cls = http.client.HTTPSConnection if target.scheme == "https" else http.client.HTTPConnection
        conn = conn_cls(target.hostname or "", target.port, timeout=self.timeout_s)
        try:
            send = {k: v for k, v in headers.items() if k.lower() not in HOP_BY_HOP and k.lower() != "host"}
            send["host"] = target.netloc
            conn.request(method, _path_and_query(target), body=body, headers=send)
            resp = conn.getresponse()
            return Upstream(resp.status, resp.getheaders(), resp.read())
        finally:
            conn.close()


class _DaemonExecutor(concurrent.futures.Executor):
    """One daemon thread per routed fetch. ThreadPoolExecutor's workers are joined when Python exits, so a fetch
    still waiting on a slow server (up to the Router's 120 s) kept `optout` from exiting after Ctrl-C or after a
    page had already timed out; daemon threads end with the process."""

    def submit(self, fn, /, *args, **kwargs):
        future: concurrent.futures.Future = concurrent.futures.Future()

        def work() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                future.set_result(fn(*args, **kwargs))
            except BaseException as exc:  # noqa: BLE001 - handed to the awaiting coroutine
                future.set_exception(exc)

        threading.Thread(target=work, name="optout-route", daemon=True).start()
        return future


def _path_and_query(u: SplitResult) -> str:
    return (u.path or "/") + (f"?{u.query}" if u.query else "")


def _header(headers: list[tuple[str, str]], name: str) -> str | None:
    return next((v for k, v in headers if k.lower() == name), None)


def _join_headers(headers: list[tuple[str, str]], content_type: str | None = None) -> dict[str, str]:
    """Playwright takes a dict; several Set-Cookie headers travel joined by newlines."""
    out: dict[str, str] = {}
    for k, v in headers:
        key = k.lower()
        if key in HOP_BY_HOP:
            continue
        out[key] = f"{out[key]}\n{v}" if key in out and key == "set-cookie" else v
    if content_type:
        out["content-type"] = content_type
    return out


def _merge_cookies(cookie_header: str, response_headers: list[tuple[str, str]]) -> str:
    jar = dict(p.strip().split("=", 1) for p in cookie_header.split(";") if "=" in p)
    for k, v in response_headers:
        if k.lower() == "set-cookie" and "=" in v:
            name, value = v.split(";", 1)[0].split("=", 1)
            jar[name.strip()] = value.strip()
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def _stub_page(target: str) -> str:
    t = json.dumps(target)
    return (f'<!doctype html><meta name="{STUB_MARK}" content="{_attr(target)}">'
            f"<title>Redirecting</title><script>location.replace({t})</script>")


def _attr(s: str) -> str:
    return s.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


async def _quietly(awaitable) -> None:
    """The page may have moved on (navigation, closed tab) before a slow answer arrives."""
    try:
        await awaitable
    except Exception:  # noqa: BLE001 - a route on a dead page has nobody left to tell
        pass
