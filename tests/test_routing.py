"""The --via contract: Meta URLs served from a replica-layout server, everything passing through, redirects
landing on the replica, other hosts blocked. A small echo server stands in for the replica here."""

from __future__ import annotations

import http.server
import json
import threading

import pytest

from assistant.browser import Browser, find_browser, goto
from assistant.routing import Router
from tests.conftest import run_async


class Echo(http.server.BaseHTTPRequestHandler):
    """Answers every request with what it received; /redirect* paths redirect to real Meta URLs."""

    def log_message(self, *args):
        pass

    def _answer(self):
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        if "/redirect-login" in self.path:
            self.send_response(302)
            self.send_header("Location", "https://www.facebook.com/login/?next=x")
            self.send_header("Set-Cookie", "hop=1; Path=/; Secure")
            self.end_headers()
            return
        if "/redirect-cross" in self.path:
            self.send_response(302)
            self.send_header("Location", "https://privacycenter.instagram.com/policy/")
            self.end_headers()
            return
        if "/set-cookie" in self.path:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Set-Cookie", "c_user=42; Path=/; Secure; HttpOnly")
            self.send_header("Set-Cookie", "xs=abc; Path=/; Secure")
            self.end_headers()
            self.wfile.write(b"<p>cookies set</p>")
            return
        payload = {"method": self.command, "path": self.path, "body": body,
                   "content_type": self.headers.get("content-type"), "cookie": self.headers.get("cookie")}
        status = 418 if "/teapot" in self.path else 200
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("X-Echo", "yes")
        self.end_headers()
        self.wfile.write(f"<pre id=echo>{json.dumps(payload)}</pre>".encode())

    do_GET = do_POST = do_PUT = do_DELETE = _answer


@pytest.fixture(scope="module")
def echo():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def in_browser(via: str, script):
    async def main():
        async with Browser(find_browser(), headless=True, via=via, nav_timeout_ms=10000) as b:
            ctx = await b.new_context()
            page = await ctx.new_page()
            return await script(page, ctx)

    return run_async(main())


async def echoed(page) -> dict:
    return json.loads(await page.inner_text("pre"))


def test_map_url_appends_host_and_path_to_the_prefix():
    router = Router("http://127.0.0.1:9/x", ("facebook.com",))
    assert router.map_url("https://www.facebook.com/privacy/policy/") == \
        "http://127.0.0.1:9/x/www.facebook.com/privacy/policy/"
    assert router.map_url("https://www.facebook.com/login/?next=a%2Fb") == \
        "http://127.0.0.1:9/x/www.facebook.com/login/?next=a%2Fb"
    assert router.map_url("https://www.facebook.com") == "http://127.0.0.1:9/x/www.facebook.com/"


def test_policy_request_reaches_the_prefixed_replica_path(echo):
    async def script(page, ctx):
        await goto(page, "https://www.facebook.com/privacy/policy/", 10000)
        return page.url, await echoed(page)

    url, seen = in_browser(echo + "/x", script)
    assert url == "https://www.facebook.com/privacy/policy/"  # the page believes it is on the real host
    assert seen["path"] == "/x/www.facebook.com/privacy/policy/"


def test_query_is_passed_only_when_present(echo):
    async def script(page, ctx):
        await goto(page, "https://www.instagram.com/accounts/edit/?a=1&b=two", 10000)
        first = await echoed(page)
        await goto(page, "https://www.instagram.com/accounts/edit/", 10000)
        return first, await echoed(page)

    with_query, without = in_browser(echo + "/scenario/us", script)
    assert with_query["path"] == "/scenario/us/www.instagram.com/accounts/edit/?a=1&b=two"
    assert without["path"] == "/scenario/us/www.instagram.com/accounts/edit/"


def test_post_method_body_and_content_type_pass_through(echo):
    async def script(page, ctx):
        await goto(page, "https://www.facebook.com/form/", 10000)
        await page.set_content("""<form method=post action="https://www.facebook.com/help/contact/1">
            <input name=email value="a@example.com"><textarea name=reason>why &amp; how</textarea>
            <button>Send</button></form>""")
        async with page.expect_navigation():
            await page.click("button")
        return await echoed(page)

    seen = in_browser(echo, script)
    assert seen["method"] == "POST"
    assert seen["path"] == "/www.facebook.com/help/contact/1"
    assert seen["content_type"] == "application/x-www-form-urlencoded"
    assert seen["body"] == "email=a%40example.com&reason=why+%26+how"


def test_fetch_with_other_methods_passes_through(echo):
    async def script(page, ctx):
        await goto(page, "https://www.facebook.com/", 10000)
        return await page.evaluate("""async () => {
            const r = await fetch('https://www.facebook.com/api/x', {method: 'PUT', body: '{"a":1}',
              headers: {'content-type': 'application/json'}});
            return {status: r.status, echo: r.headers.get('x-echo'), text: await r.text()}; }""")

    out = in_browser(echo, script)
    assert out["status"] == 200 and out["echo"] == "yes"
    assert '"method": "PUT"' in out["text"] and '\\"a\\":1' in out["text"]


def test_status_and_headers_pass_through(echo):
    async def script(page, ctx):
        response = await page.goto("https://www.facebook.com/teapot/")
        return response.status, await response.all_headers()

    status, headers = in_browser(echo, script)
    assert status == 418
    assert headers["x-echo"] == "yes"


def test_set_cookie_is_kept_for_the_real_host_and_sent_back(echo):
    async def script(page, ctx):
        await goto(page, "https://www.facebook.com/set-cookie/", 10000)
        await goto(page, "https://www.facebook.com/after/", 10000)
        return await ctx.cookies(), await echoed(page)

    cookies, seen = in_browser(echo, script)
    assert {(c["name"], c["domain"]) for c in cookies} >= {("c_user", "www.facebook.com"), ("xs", "www.facebook.com")}
    assert "c_user=42" in seen["cookie"] and "xs=abc" in seen["cookie"]


def test_redirect_to_a_meta_url_lands_on_the_replica_with_its_cookie(echo):
    async def script(page, ctx):
        await goto(page, "https://www.facebook.com/settings/redirect-login", 10000)
        return page.url, await echoed(page), await ctx.cookies()

    url, seen, cookies = in_browser(echo + "/p", script)
    assert url == "https://www.facebook.com/login/?next=x"
    assert seen["path"] == "/p/www.facebook.com/login/?next=x"
    assert seen["cookie"] == "hop=1"
    assert any(c["name"] == "hop" for c in cookies)


def test_redirect_across_meta_hosts_after_a_link_click(echo):
    async def script(page, ctx):
        await goto(page, "https://www.instagram.com/", 10000)
        await page.set_content('<a href="https://www.instagram.com/redirect-cross">go</a>')
        async with page.expect_navigation():
            await page.click("a")
        from assistant.browser import settle

        await settle(page, 10000)
        return page.url, await echoed(page)

    url, seen = in_browser(echo, script)
    assert url == "https://privacycenter.instagram.com/policy/"
    assert seen["path"] == "/privacycenter.instagram.com/policy/"


def test_requests_for_other_hosts_are_aborted_and_recorded(echo):
    async def script(page, ctx):
        await goto(page, "https://www.facebook.com/", 10000)
        result = await page.evaluate("""async () => { try { await fetch('https://example.org/x'); return 'reached'; }
            catch (e) { return 'blocked'; } }""")
        return result, ctx.router.exchanges

    result, exchanges = in_browser(echo, script)
    assert result == "blocked"
    blocked = [e for e in exchanges if e.url.startswith("https://example.org")]
    assert blocked and blocked[0].status is None and "not a Meta host" in blocked[0].note


def test_every_meta_host_suffix_is_routed(echo):
    async def script(page, ctx):
        out = []
        for url in ("https://help.instagram.com/contact/1", "https://www.meta.com/x", "https://scontent.fbcdn.net/y",
                    "https://www.threads.net/z", "https://mbasic.facebook.com/privacy/policy/printable/"):
            await goto(page, url, 10000)
            out.append((await echoed(page))["path"])
        return out

    paths = in_browser(echo, script)
    assert paths == ["/help.instagram.com/contact/1", "/www.meta.com/x", "/scontent.fbcdn.net/y",
                     "/www.threads.net/z", "/mbasic.facebook.com/privacy/policy/printable/"]


def test_no_request_leaves_for_a_non_loopback_address(echo):
    """Everything the browser asked for was either routed to loopback or blocked."""

    async def script(page, ctx):
        await goto(page, "https://www.facebook.com/", 10000)
        await page.set_content('<img src="https://tracker.example.com/p.gif"><script src="https://cdn.example.net/a.js">'
                               '</script><img src="https://static.xx.fbcdn.net/i.png">')
        await page.wait_for_load_state("load")
        return ctx.router.exchanges

    exchanges = in_browser(echo, script)
    for e in exchanges:
        assert e.routed_to is None or e.routed_to.startswith(echo), e
    assert any("tracker.example.com" in e.url and e.status is None for e in exchanges)
