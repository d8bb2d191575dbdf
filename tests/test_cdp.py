"""--cdp: the assistant works in the person's running browser, in tabs of its own, and leaves everything else alone.

The test plays the person: it starts Chromium itself with a remote-debugging port on loopback and one tab of its
own, then runs the CLI with --cdp against the replica (--via). Afterwards the browser still runs, the person's tab
is where it was (same address, same document, not one request made from it), and the assistant's tabs are gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import queue
import subprocess
import threading
from pathlib import Path

import pytest

from assistant import browser
from tests.conftest import run_async

REASON = "My public posts are personal and I did not share them to train AI models."
# The person's own tab: it keeps its own count of what it loaded, and a mark that a reload would lose.
# What the page itself fetched (navigation and resources): paint entries arrive late on their own.
NETWORK_ENTRIES = "() => ['navigation', 'resource'].map((t) => performance.getEntriesByType(t).length).join('+')"
OWN_TAB = ("data:text/html,<title>my tab</title><p>the person's own tab</p><script>window.__mine = 'kept';"
           "</script>")


@pytest.fixture
def fresh(replica):
    replica.reset()
    return replica


@pytest.fixture
def running_browser(tmp_path):
    """Chromium as a person starts it for --cdp: its own profile, a debugging port on loopback, one tab open."""
    choice = browser.find_browser()
    if choice.executable is None:
        pytest.skip("this test starts a Chromium executable itself (no system Chromium found)")
    profile = tmp_path / "person-profile"
    args = [choice.executable, "--headless=new", "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1",
            f"--user-data-dir={profile}", "--no-first-run", "--no-default-browser-check", "--disable-gpu"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--no-sandbox")  # Chromium refuses to run as root with its sandbox
    proc = subprocess.Popen([*args, OWN_TAB], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        for line in proc.stderr:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    try:
        while True:  # Chromium says "DevTools listening on ws://..." once DevToolsActivePort is written
            line = lines.get(timeout=30)
            assert line is not None, "Chromium exited before it opened its debugging port"
            if "DevTools listening on" in line:
                break
        active = profile / "DevToolsActivePort"  # written just after that line: wait for it, or for an exit
        for _ in range(600):
            if active.is_file() and active.read_text().strip():
                break
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=0.05)
            assert proc.poll() is None, "Chromium exited before it wrote DevToolsActivePort"
        port = int(active.read_text().split()[0])
        assert f"127.0.0.1:{port}/" in line
        yield proc, f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def objection_posts(replica) -> list[dict]:
    return [p for p in replica.posts if p["kind"] in ("objection_form", "objection_code")]


@pytest.mark.long
def test_check_and_object_in_the_persons_browser_leave_it_running_and_their_tab_untouched(
        running_browser, fresh, optout):
    proc, url = running_browser
    via = fresh.scenario_url("eu-en")

    async def scenario() -> dict:
        from playwright.async_api import async_playwright

        async with async_playwright() as pw:
            person = await pw.chromium.connect_over_cdp(url)
            context = person.contexts[0]
            (mine,) = context.pages
            assert mine.url == OWN_TAB and await mine.evaluate("() => window.__mine") == "kept"
            entries = await mine.evaluate(NETWORK_ENTRIES)
            watch = await context.new_cdp_session(mine)
            requests: list[str] = []
            watch.on("Network.requestWillBeSent", lambda e: requests.append(e["request"]["url"]))
            await watch.send("Network.enable")
            opened: list = []
            context.on("page", lambda page: opened.append(page))

            check = await asyncio.to_thread(optout, "check", "--cdp", url, "--via", via, "--headless", "--json",
                                          "--platform", "facebook,instagram")
            during_check = len(opened)
            obj = await asyncio.to_thread(optout, "object", "--cdp", url, "--via", via, "--headless", "--json",
                                          "--platform", "facebook,instagram", "--reason", REASON)
            unsent = objection_posts(fresh)
            sent = await asyncio.to_thread(optout, "object", "--cdp", url, "--via", via, "--headless", "--json",
                                           "--platform", "facebook", "--reason", REASON, "--yes")
            doctor = await asyncio.to_thread(optout, "doctor", "--cdp", url)

            targets = await (await person.new_browser_cdp_session()).send("Target.getTargets")
            pages = [t for t in targets["targetInfos"] if t["type"] == "page"]
            seen = {"check": check, "object": obj, "unsent": unsent, "sent": sent, "doctor": doctor,
                    "during_check": during_check,
                    "opened": len(opened), "closed": all(p.is_closed() for p in opened), "pages": pages,
                    "mine_url": mine.url, "mine_closed": mine.is_closed(),
                    "mark": await mine.evaluate("() => window.__mine"),
                    "entries": (entries, await mine.evaluate(NETWORK_ENTRIES)),
                    "requests": list(requests), "connected": person.is_connected()}
            await person.close()  # the test's own connection: disconnects, the browser runs on
            return seen

    seen = run_async(scenario())

    code, stdout, stderr, data = seen["check"]
    assert code == 0, stderr
    assert {r["platform"]: r["status"] for r in data["results"]} == {"facebook": "available",
                                                                    "instagram": "available"}
    run = json.loads((Path(data["evidence_dir"]) / "run.json").read_text())
    assert run["meta"]["browser"]["source"] == "cdp", run["meta"].get("browser")

    code, stdout, stderr, data = seen["object"]
    assert code == 0, stderr
    assert {r["status"] for r in data["results"]} == {"awaiting_confirmation"}, data["results"]
    assert seen["unsent"] == []  # without --yes nothing was sent
    code, stdout, stderr, data = seen["sent"]  # with it, the gate (on the assistant's tab) lets the form through
    assert code == 0 and data["results"][0]["status"] == "submitted", data["results"][0]["detail"]
    posted = [p for p in objection_posts(fresh) if p["kind"] == "objection_form"]
    assert len(posted) == 1 and posted[0]["fields"]["reason"] == REASON

    # The assistant worked in tabs of its own in the person's default context (per platform and run: Meta's pages,
    # and Accounts Center where the objection is offered): check 2 + 2, object 2 + 2, object --platform facebook 1 + 1
    assert seen["during_check"] == 4 and seen["opened"] == 10
    # ... and closed them all; the browser runs on with the person's tab alone, as it was.
    assert seen["closed"] and proc.poll() is None and seen["connected"]
    assert [p["url"] for p in seen["pages"]] == [OWN_TAB]
    assert seen["mine_url"] == OWN_TAB and not seen["mine_closed"] and seen["mark"] == "kept"
    assert seen["requests"] == [] and seen["entries"][0] == seen["entries"][1]

    code, stdout, stderr, _ = seen["doctor"]
    assert code == 0, stdout + stderr
    assert "--cdp" in stdout and "1 tab open" in stdout and "version" in stdout
    assert OWN_TAB not in stdout  # how many tabs, never their addresses


@pytest.mark.parametrize("address", ["http://example.org:9222", "http://10.0.0.1:9222", "http://0.0.0.0:9222",
                                     "http://127.0.0.1.nip.io:9222"])
def test_a_debugging_port_not_on_loopback_is_refused_before_any_browser(optout, address):
    code, stdout, stderr, _ = optout("check", "--cdp", address, "--headless")
    assert code == 2
    assert stderr.startswith("Error: --cdp") and len(stderr.strip().splitlines()) == 1, stderr
    assert "Starting" not in stdout + stderr and "Connecting" not in stdout + stderr


def test_optout_cdp_in_the_environment_is_loopback_only_too(optout):
    code, _, stderr, _ = optout("check", "--headless", env={"OPTOUT_CDP": "http://192.168.1.2:9222"})
    assert code == 2 and "not on this machine" in stderr


def test_browser_chrome_without_chrome_says_how_to_get_it(optout):
    if browser.channel_executable("chrome"):
        pytest.skip("Google Chrome is installed here")
    code, stdout, stderr, _ = optout("check", "--browser", "chrome", "--headless")
    assert code == 2
    assert len(stderr.strip().splitlines()) == 1, stderr
    assert "Google Chrome is not installed" in stderr and "--browser chromium" in stderr
    assert "Starting" not in stdout + stderr


def test_browser_chromium_and_a_path_choose_as_before(tmp_path):
    from assistant import settings

    exe = tmp_path / "my-chromium"
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    s = settings.build(browser_kind=str(exe))  # --browser PATH is --browser-path PATH
    assert s.browser_path == str(exe) and s.browser_kind is None
    assert browser.choose_browser(s.browser_kind, s.browser_path).source == "explicit"
    s = settings.build(browser_kind="chromium")
    assert s.browser_kind == "chromium"
    if browser.system_browser() or browser.playwright_browser_present():
        assert browser.choose_browser("chromium").source in ("playwright", "system")
