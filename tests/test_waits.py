"""Waits on conditions, not budgets: a settled page ends the wait for a late box, a box still loading is waited
for, a destination that says it is not available is not walked to again; and the evidence those runs leave."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

from PIL import Image

from assistant.settings import Timeouts

FB_FORM = "https://www.facebook.com/help/contact/6359191084165019"


def results(outcome) -> dict[str, dict]:
    return {r["platform"]: r for r in outcome.report["results"]}


def test_a_box_that_arrives_late_after_a_quiet_page_is_still_found(assistant_run):
    # The page is quiet (no DOM change, no request) for 2 s while its loading placeholder shows; the box comes then.
    patient = Timeouts(nav_s=10, recognise_s=5, late_s=6, login_s=5, confirm_s=5)
    out = results(assistant_run("eu-en,late=2000", platform="facebook", timeouts=patient))
    assert out["facebook"]["status"] == "available", out["facebook"]["detail"]
    assert out["facebook"]["object_link"]["href"] == FB_FORM


def test_not_offered_is_decided_once_the_page_has_settled_not_at_the_late_content_limit(assistant_run):
    # A late-content limit of 60 s: waiting it out would take a minute; a settled page ends the wait at once.
    patient = Timeouts(nav_s=10, recognise_s=5, late_s=60, login_s=5, confirm_s=5)
    started = time.monotonic()
    out = results(assistant_run("eu-en,box=none", platform="facebook", timeouts=patient))
    assert out["facebook"]["status"] == "not_offered", out["facebook"]["detail"]
    assert time.monotonic() - started < 40


def test_a_destination_that_says_it_is_not_available_gives_unknown_and_is_not_walked_to_again(assistant_run,
                                                                                               replica):
    spec = "eu-en,fault=unavailable@policy+unavailable@center"
    replica.reset()
    out = results(assistant_run(spec, platform="facebook"))
    assert out["facebook"]["status"] == "unknown", out["facebook"]["detail"]
    assert "not available" in out["facebook"]["detail"]
    visited = [r["path"] for r in replica.requests if r["scenario"] == spec and r["host"] == "www.facebook.com"
               and r["method"] == "GET"]
    # The Privacy Policy (route 1) and the Privacy Center (route 2) once each; route 3 starts at the Privacy Center
    # and route 4 is the policy's own address: neither is walked to again, and nothing behind them is asked for.
    assert visited.count("/privacy/policy/") == 1, visited
    assert visited.count("/privacy/center/") == 1, visited
    assert not [p for p in visited if p.startswith("/privacy/genai")], visited


def test_the_evidence_screenshots_are_valid_full_width_pngs_with_the_email_boxes_recorded(assistant_run):
    out = assistant_run("eu-en", platform="facebook")
    folder = Path(out.report["evidence_dir"])
    run = json.loads((folder / "run.json").read_text())
    shots = [s for s in run["steps"] if s["screenshot"]]
    assert "ai-box-found" in [s["name"] for s in shots]
    for step in shots:
        with Image.open(io.BytesIO((folder / step["screenshot"]).read_bytes())) as image:
            image.load()
            assert image.format == "PNG"
            scale = step["redact"]["scale"]
            assert image.width >= 1000 * scale, (step["name"], image.size)  # the 1280 px wide viewport
            assert image.height >= 900 * scale - 1, (step["name"], image.size)  # the whole page, not the viewport
            assert image.height <= 6000 * scale, (step["name"], image.size)
    found = next(s for s in shots if s["name"] == "ai-box-found")
    with Image.open(folder / found["screenshot"]) as image:
        colours = {c for _, c in image.convert("RGB").getcolors(maxcolors=1 << 20) or []}
    assert (220, 38, 38) in colours  # the link's outline (#dc2626) is on the screenshot
