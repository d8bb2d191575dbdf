"""Private by construction: private files, the email masked where it is not evidence, no cookie or token in any
evidence, and with --via nothing leaves for another host. (The planted password field: see test_object.py.)"""

from __future__ import annotations

import http.server
import json
import stat
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from assistant.browser import Browser, find_browser, goto, save_state
from assistant.settings import Timeouts
from tests.conftest import run_async

REASON = "My public posts are personal and I did not share them to train AI models."
ACCOUNT_EMAIL = "person@example.com"  # the replica account's own (prefilled) address
GIVEN_EMAIL = "other.person@example.org"
LOGIN = {"facebook": ("https://www.facebook.com/login/", "email", "pass"),
         "instagram": ("https://www.instagram.com/accounts/login/", "username", "password")}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def log_in_as_the_person(replica, profile: Path, spec: str) -> None:
    """What the person does with `optout login`: log in on the (replica) login page; the session is saved."""

    async def login():
        async with Browser(find_browser(), headless=True, via=replica.url, nav_timeout_ms=10000) as chromium:
            for platform, (url, user_field, password_field) in LOGIN.items():
                ctx = await chromium.new_context(via=replica.scenario_url(spec))
                page = await ctx.new_page()
                await goto(page, url, 10000)
                await page.fill(f"input[name={user_field}]", ACCOUNT_EMAIL)
                await page.fill(f"input[name={password_field}]", "the person's own password")
                async with page.expect_navigation():
                    await page.click("button[name=login]")
                await save_state(ctx, profile / platform / "state.json")
                await ctx.close()

    run_async(login())


@pytest.fixture(scope="module")
def logged_in_run(replica, tmp_path_factory):
    """One `optout object --yes` run in a subprocess, logged in through the saved session (cookies)."""
    import os
    import subprocess
    import sys

    home = tmp_path_factory.mktemp("privacy")
    spec = "eu-en,login=0,cookie=0"
    profile = home / "data" / "profiles"
    log_in_as_the_person(replica, profile, spec)
    cookies = [c for p in LOGIN for c in json.loads((profile / p / "state.json").read_text())["cookies"]]
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPTOUT_")}
    env.update(OPTOUT_DATA_DIR=str(home / "data"), OPTOUT_CONFIG_DIR=str(home / "config"))
    # Under --via the saved sessions are used only when named with --profile (else a throw-away profile).
    done = subprocess.run([sys.executable, "-m", "assistant", "object", "--platform", "facebook,instagram", "--via",
                           replica.scenario_url(spec), "--headless", "--yes", "--reason", REASON, "--email",
                           GIVEN_EMAIL, "--profile", str(profile)], capture_output=True, text=True, env=env, cwd=home,
                          stdin=subprocess.DEVNULL, timeout=180)
    folder = next((home / "data" / "runs").iterdir())
    return {"done": done, "folder": folder, "profile": profile, "cookies": cookies}


def test_the_run_is_logged_in_by_the_saved_session_and_submits(logged_in_run):
    done, folder = logged_in_run["done"], logged_in_run["folder"]
    report = json.loads((folder / "report.json").read_text())
    assert [r["status"] for r in report["results"]] == ["submitted", "submitted"], done.stderr
    assert done.returncode == 0
    names = {c["name"] for c in logged_in_run["cookies"]}
    assert {"c_user", "xs", "sessionid"} <= names  # the session really is in cookies, so the checks below bite


def test_profiles_are_0700_and_saved_sessions_0600(logged_in_run):
    profile = logged_in_run["profile"]
    assert mode(profile) == 0o700
    for platform in LOGIN:
        assert mode(profile / platform) == 0o700
        assert mode(profile / platform / "state.json") == 0o600
    folder = logged_in_run["folder"]
    assert mode(folder) == 0o700 and mode(folder.parent) == 0o700
    assert {mode(f) for f in folder.iterdir()} == {0o600}


def test_the_email_is_masked_in_the_log_and_console_but_kept_in_the_report(logged_in_run):
    done, folder = logged_in_run["done"], logged_in_run["folder"]
    log = (folder / "run.log").read_text()
    for text, where in ((done.stdout, "stdout"), (done.stderr, "stderr"), (log, "run.log")):
        for email in (ACCOUNT_EMAIL, GIVEN_EMAIL, ACCOUNT_EMAIL.replace("@", "%40")):
            assert email not in text, (email, where)
    assert "p•••••@example.com" in done.stderr and "o•••••@example.org" in done.stderr
    report = json.loads((folder / "report.json").read_text())
    assert {r["form"]["filled"]["email"] for r in report["results"]} == {ACCOUNT_EMAIL}  # the person's evidence


def test_no_cookie_or_session_token_reaches_the_evidence_or_the_console(logged_in_run):
    done, folder = logged_in_run["done"], logged_in_run["folder"]
    secrets = [c["value"] for c in logged_in_run["cookies"] if len(c["value"]) >= 8]
    assert len(secrets) >= 3  # c_user, xs, sessionid, ds_user_id
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for secret in secrets:
                assert secret.encode() not in data, (secret, path.name)
    for secret in secrets:
        assert secret not in done.stdout and secret not in done.stderr


# -- with --via, nothing leaves for another host ------------------------------------------------------------------
PLANTED = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Privacy Policy</title>
<link rel="stylesheet" href="https://fonts.example.net/css"><script src="https://cdn.example.net/tag.js"></script>
<link rel="preconnect" href="https://203.0.113.9"></head><body><h1>Privacy Policy</h1>
<img src="https://tracker.example/pixel.png"><img src="https://static.xx.fbcdn.net/rsrc.php/v3/logo.png">
<iframe src="https://www.youtube.com/embed/x"></iframe>
<script>fetch('https://api.example.org/collect').catch(() => {});
navigator.sendBeacon('https://analytics.example/b', 'x');
for (const url of ['wss://203.0.113.7/ws', 'wss://gateway.facebook.com/ws']) {
  try { new WebSocket(url); } catch (e) {}
}
</script><p>We use information to provide and improve our Products.</p></body></html>"""
PLANTED_HOSTS = {"fonts.example.net", "cdn.example.net", "tracker.example", "www.youtube.com", "api.example.org",
                 "analytics.example", "203.0.113.7", "gateway.facebook.com"}


class PlantedPages(http.server.BaseHTTPRequestHandler):
    """A replica-layout server whose policy page pulls in third-party resources, a beacon and WebSockets."""

    def log_message(self, *args):
        pass

    def do_GET(self):
        if "/www.facebook.com/settings" in self.path:
            body = ('<!DOCTYPE html><html lang="en"><title>Settings</title><h1>Settings</h1>'
                    '<a href="https://www.facebook.com/privacy/policy/">Privacy Policy</a>')
        elif "/www.facebook.com/privacy/policy" in self.path:
            body = PLANTED
        else:
            body = '<!DOCTYPE html><html lang="en"><title>x</title><p>x</p>'
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8" if "." not in self.path[-5:] else "image/png")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class RecordingBrowser(Browser):
    """The assistant's browser, also recording every request and WebSocket its pages start, and which finished."""

    requested: list[str]
    finished: list[str]
    sockets: list[str]

    async def new_context(self, *args, **kwargs):
        ctx = await super().new_context(*args, **kwargs)
        ctx.on("request", lambda r: self.requested.append(r.url))
        ctx.on("requestfinished", lambda r: self.finished.append(r.url))
        ctx.on("page", lambda p: p.on("websocket", lambda ws: self.sockets.append(ws.url)))
        return ctx


def loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host in ("localhost", "::1") or host.startswith("127.")


def test_with_via_no_request_leaves_for_a_non_loopback_host(replica, tmp_path):
    from assistant import session, settings
    from assistant.ui import Person

    planted = http.server.ThreadingHTTPServer(("127.0.0.1", 0), PlantedPages)
    threading.Thread(target=planted.serve_forever, daemon=True).start()
    planted_via = f"http://127.0.0.1:{planted.server_port}/x"
    quick = Timeouts(nav_s=8, recognise_s=3, late_s=1, login_s=1, confirm_s=2)

    async def runs():
        chromium = RecordingBrowser(find_browser(), headless=True, via=replica.url, nav_timeout_ms=8000)
        chromium.requested, chromium.finished, chromium.sockets = [], [], []
        async with chromium:
            outcomes = []
            for via, platform, objecting in ((replica.scenario_url("eu-en"), "facebook,instagram", True),
                                             (planted_via, "facebook", False)):
                s = settings.build(platform=platform, via=via, headless=True, evidence_dir=str(tmp_path / "runs"),
                                   profile=str(tmp_path / "profiles"), yes=objecting, reason=REASON)
                outcomes.append(await session.run(s.with_(timeouts=quick), "object" if objecting else "check",
                                                  Person(False, quiet=True), objecting=objecting, chromium=chromium))
            return chromium, outcomes

    try:
        chromium, outcomes = run_async(runs())
    finally:
        planted.shutdown()
    assert [r.status for r in outcomes[0].results] == ["submitted", "submitted"]
    exchanges = [e for router in chromium.routers for e in router.exchanges]
    # Every exchange was answered from loopback or refused; nothing was passed on to its real host.
    for e in exchanges:
        assert (e.routed_to and loopback(e.routed_to)) or (e.routed_to is None and e.note.startswith("blocked")), e
    refused = {urlsplit(e.url).hostname for e in exchanges if e.note.startswith("blocked")}
    assert PLANTED_HOSTS <= refused, PLANTED_HOSTS - refused
    # Every request the pages made went through the router (none bypassed it) ...
    routed = {e.url for e in exchanges}
    assert set(chromium.requested) <= routed, set(chromium.requested) - routed
    # ... and the only ones that completed were Meta pages served by the local replica; no WebSocket was opened.
    for url in chromium.finished:
        assert any(e.url == url and e.routed_to and loopback(e.routed_to) for e in exchanges), url
    assert chromium.sockets == []


# -- the "flow broke" bundle ---------------------------------------------------------------------------------------
def breakage_bundle(run_dir: Path, out: Path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("OPTOUT_")}
    env.update(OPTOUT_DATA_DIR=str(out.parent / "data"), OPTOUT_CONFIG_DIR=str(out.parent / "config"))
    return subprocess.run([sys.executable, "-m", "assistant", "report-breakage", str(run_dir), "--out", str(out)],
                          capture_output=True, text=True, env=env, cwd=out.parent, timeout=60)


def test_the_breakage_bundle_masks_every_email_and_holds_no_secret(logged_in_run, tmp_path):
    import hashlib
    import io
    import zipfile

    from PIL import Image

    from assistant.evidence import verify
    from tests.conftest import REPO

    folder = logged_in_run["folder"]
    done = breakage_bundle(folder, tmp_path / "bundle.zip")
    assert done.returncode == 0, done.stderr
    assert "Look through it before attaching" in done.stdout
    assert mode(tmp_path / "bundle.zip") == 0o600
    assert verify(folder).ok  # the run folder itself is untouched
    secrets = [c["value"] for c in logged_in_run["cookies"] if len(c["value"]) >= 8]
    with zipfile.ZipFile(tmp_path / "bundle.zip") as bundle:
        members = {name: bundle.read(name) for name in bundle.namelist()}
    assert {"README.txt", "steps.txt", "run.json", "report.json", "flows.json", "about.json"} <= set(members)
    for name, data in members.items():
        for needle in (ACCOUNT_EMAIL, GIVEN_EMAIL, ACCOUNT_EMAIL.replace("@", "%40"), *secrets):
            assert needle.encode() not in data, (needle, name)
        if name.endswith(".png"):
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                assert not any("@" in str(v) for v in image.info.values()), image.info  # no text chunk at all
    assert "p•••••@example.com" in members["steps.txt"].decode()  # the texts are there, masked
    flows = json.loads(members["flows.json"])
    for path in (REPO / "flows").glob("*.toml"):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert flows["now"][path.name]["sha256"] == digest and flows["at_run"][path.name]["sha256"] == digest
    assert json.loads(members["about.json"])["tool_version"]
    # The filled form's screenshot: the email's box is black in the bundle, and was not in the original.
    run = json.loads((folder / "run.json").read_text())
    filled = next(s for s in run["steps"] if s["name"] == "form-filled")
    assert filled["redact"]["boxes"], filled
    x, y, w, h = filled["redact"]["boxes"][0]
    scale = filled["redact"]["scale"]
    box = (int(x * scale) + 2, int(y * scale) + 2, int((x + w) * scale) - 2, int((y + h) * scale) - 2)
    with Image.open(folder / filled["screenshot"]) as original, \
            Image.open(io.BytesIO(members[f"screenshots/{filled['screenshot']}"])) as masked:
        before, after = original.convert("RGB").crop(box), masked.convert("RGB").crop(box)
        assert before.getextrema() != ((0, 0), (0, 0), (0, 0))  # the original shows something there
        assert after.getextrema() == ((0, 0), (0, 0), (0, 0))  # the bundle shows black
        corner = (0, 0, 200, 40)  # far from the form: untouched
        assert original.convert("RGB").crop(corner).tobytes() == masked.convert("RGB").crop(corner).tobytes()


def test_a_screenshot_with_no_record_of_where_emails_show_is_left_out_of_the_bundle(logged_in_run, tmp_path):
    import shutil
    import zipfile

    copy = tmp_path / "run-copy"
    shutil.copytree(logged_in_run["folder"], copy)
    run = json.loads((copy / "run.json").read_text())
    dropped = next(s for s in run["steps"] if s["name"] == "form-filled")
    del dropped["redact"]
    (copy / "run.json").write_text(json.dumps(run))
    done = breakage_bundle(copy, tmp_path / "bundle.zip")
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(tmp_path / "bundle.zip") as bundle:
        names = bundle.namelist()
        readme = bundle.read("README.txt").decode()
        about = json.loads(bundle.read("about.json"))
    assert f"screenshots/{dropped['screenshot']}" not in names
    assert dropped["screenshot"] in readme
    assert about["run_folder_verifies"] is False  # the edited copy no longer matches its manifest, and says so


def test_report_breakage_refuses_a_folder_that_is_not_a_run_in_one_line(tmp_path):
    (tmp_path / "not-a-run").mkdir()
    done = breakage_bundle(tmp_path / "not-a-run", tmp_path / "bundle.zip")
    assert done.returncode == 2
    assert done.stderr.startswith("Error: ") and len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "bundle.zip").exists()
