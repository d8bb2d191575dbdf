"""The not-offered guide: where Meta offers no objection, `optout object` explains and shows the person's own
settings one by one (outlined, with a banner, a screenshot each), never presses them, never changes the
verdict, and notes a page it cannot reach instead of failing."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

from assistant import flows, settings
from assistant.flows import load_flow, load_guidance
from tests.conftest import run_async

REPO = Path(__file__).resolve().parents[1]
FAST = settings.Timeouts(nav_s=10, recognise_s=5, late_s=1, login_s=5, confirm_s=5)
SETTING_POSTS = {"account_privacy", "audience", "meta_ai_delete", "third_party_form"}


def steps_of(run_dir: str | Path) -> list[dict]:
    return json.loads((Path(run_dir) / "run.json").read_text(encoding="utf-8"))["steps"]


def same_page(url: str, expected: str) -> bool:
    got, want = urlsplit(url), urlsplit(expected)
    return (got.hostname, got.path.rstrip("/")) == (want.hostname, want.path.rstrip("/"))


def guide_steps(run_dir: str | Path, platform: str) -> dict[str, dict]:
    return {s["name"].removeprefix("guide-"): s for s in steps_of(run_dir)
            if s["platform"] == platform and s["name"].startswith("guide-")}


def setting_posts(replica, spec: str) -> list[dict]:
    return [p for p in replica.posts if p["scenario"] == spec and p["kind"] in SETTING_POSTS]


def test_object_where_not_offered_shows_each_instagram_alternative_without_pressing_it(replica, tmp_path):
    spec = "us,email=guide.cli@example.com"
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPTOUT_")}
    env.update({"OPTOUT_DATA_DIR": str(tmp_path / "data"), "OPTOUT_CONFIG_DIR": str(tmp_path / "config"),
                "OPTOUT_LATE_CONTENT": "1", "PYTHONPATH": str(REPO)})
    done = subprocess.run([sys.executable, "-m", "assistant", "object", "--platform", "instagram", "--via",
                           replica.scenario_url(spec), "--headless", "--json", "--email", "a@example.com"],
                          check=False, capture_output=True, text=True, input="", env=env, cwd=tmp_path,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    [result] = report["results"]
    assert result["status"] == "not_offered", result["detail"]
    assert result["next_steps"][:len(load_guidance().alternatives)] == load_guidance().alternatives
    shown = guide_steps(report["evidence_dir"], "instagram")
    alternatives = load_flow("instagram").alternatives
    assert set(shown) == set(alternatives)
    for key, url in alternatives.items():
        assert same_page(shown[key]["url"], url), (key, shown[key]["url"])
        assert (Path(report["evidence_dir"]) / shown[key]["screenshot"]).stat().st_size > 0
    assert setting_posts(replica, spec) == []


def test_guide_outlines_each_facebook_control_never_presses_it_and_keeps_the_verdict(assistant_run, replica):
    spec = "us,email=guide.fb@example.com"
    outcome = assistant_run(spec, platform="facebook", command="object", objecting=True, email="a@example.com",
                            timeouts=FAST)
    [result] = outcome.results
    assert result.status == "not_offered" and outcome.exit_code == 0
    assert result.next_steps == load_guidance().alternatives, result.next_steps
    shown = guide_steps(outcome.report["evidence_dir"], "facebook")
    assert {k: s["highlights"] for k, s in shown.items()} == {
        "audience": ["the default audience selector"], "ai_chats": ["the delete-chats control"],
        "third_party_form": ["the third-party-information form"]}
    assert all(s["screenshot"] in result.evidence for s in shown.values())
    assert "The guide showed 3 of 3" in result.detail
    assert setting_posts(replica, spec) == []


def test_guide_notes_a_missing_alternative_page_and_goes_on(replica, tmp_path):
    """A flow whose alternatives include a page the site does not have (404)."""
    from assistant import browser
    from assistant.engine import Engine, PlatformRun, Result
    from assistant.evidence import Run
    from assistant.guide import not_offered_guide
    from assistant.session import EvidenceRecorder
    from assistant.ui import Person

    flow = load_flow("instagram")
    flow = flow.model_copy(update={"alternatives": {
        "account_privacy": flow.alternatives["account_privacy"],
        "gone": "https://www.instagram.com/accounts/no_such_settings_page/",
        "third_party_form": flow.alternatives["third_party_form"]}})

    async def go():
        run = Run.start(tmp_path / "runs", "object", {})
        person = Person(interactive=False, quiet=True)
        engine = Engine(flows.load_labels(), flows.load_meta(), EvidenceRecorder(run), person, FAST)
        s = settings.build(platform="instagram", headless=True)
        async with browser.Browser(browser.find_browser(), True, replica.scenario_url("us")) as chromium:
            ctx = await chromium.new_context()
            page = await ctx.new_page()
            result = Result("instagram", "not_offered", "No objection.")
            result = await not_offered_guide(PlatformRun(page, engine, flow, s, person), result)
            banners = await page.evaluate("document.querySelectorAll('optout-guide-banner').length")
        run.finish({"results": [result.as_json()]})
        return run, result, banners

    run, result, banners = run_async(go())
    assert result.status == "not_offered"
    missing = [n for n in result.next_steps if "no_such_settings_page" in n]
    assert len(missing) == 1 and "could not be shown" in missing[0]
    assert set(guide_steps(run.path, "instagram")) == {"account_privacy", "third_party_form"}
    assert "The guide showed 2 of 3" in result.detail
    assert banners == 0  # the banner goes when the step is done


GUIDE_SCRIPT = """
import asyncio, sys
from pathlib import Path
from assistant import browser, flows, settings
from assistant.engine import Engine, PlatformRun, Result
from assistant.evidence import Run
from assistant.guide import not_offered_guide
from assistant.session import EvidenceRecorder
from assistant.ui import Person

async def main(via, runs):
    run = Run.start(Path(runs), "object", {})
    person = Person(interactive=True)
    t = settings.Timeouts(nav_s=10, recognise_s=5, late_s=1, login_s=5, confirm_s=60)
    engine = Engine(flows.load_labels(), flows.load_meta(), EvidenceRecorder(run), person, t)
    s = settings.build(platform="facebook", headless=True).with_(timeouts=t)
    async with browser.Browser(browser.find_browser(), True, via) as chromium:
        page = await (await chromium.new_context()).new_page()
        result = Result("facebook", "not_offered", "No objection.")
        result = await not_offered_guide(PlatformRun(page, engine, flows.load_flow("facebook"), s, person), result)
    run.finish({"results": [result.as_json()]})
    print("DONE", run.path, flush=True)

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


def test_an_interactive_guide_waits_for_enter_before_each_next_step(replica, tmp_path):
    from datetime import UTC, datetime

    env = {k: v for k, v in os.environ.items() if not k.startswith("OPTOUT_")}
    env.update({"OPTOUT_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(REPO)})
    proc = subprocess.Popen([sys.executable, "-c", GUIDE_SCRIPT, replica.scenario_url("us"), str(tmp_path / "runs")],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, cwd=tmp_path)
    said: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        try:
            for line in proc.stderr:
                said.put(line)
        except ValueError:  # communicate() below closed the pipe once the guide was done
            pass
        said.put(None)

    threading.Thread(target=read, daemon=True).start()
    pressed: dict[int, str] = {}
    try:
        for n in (1, 2, 3):
            for expected in (f"step {n} of 3", "Press Enter for the next step"):
                while expected not in (line := said.get(timeout=60) or ""):
                    assert line and f"step {n + 1} of 3" not in line, f"no '{expected}' at step {n}"
            pressed[n] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
            proc.stdin.write("\n")
            proc.stdin.flush()
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0 and out.startswith("DONE")
    arrived = {s["name"]: s["time"] for s in steps_of(out.split(" ", 1)[1].strip())}
    # each next page was opened only after Enter was pressed for the step before
    assert arrived["alternative-ai_chats"] >= pressed[1]
    assert arrived["alternative-third_party_form"] >= pressed[2]
