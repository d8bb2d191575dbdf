"""The evidence of a whole objection run, as a person would use it: the report in a browser, verify, --trace."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

REASON = "My public posts are personal and I did not share them to train AI models."


def object_all(optout, replica, *extra):
    code, stdout, stderr, data = optout("object", "--platform", "facebook,instagram", "--via",
                                        replica.scenario_url("eu-en"),
                                        "--headless", "--json", "--yes", "--reason", REASON, *extra)
    assert code == 0, stderr[-1500:]
    assert {r["status"] for r in data["results"]} == {"submitted"}
    return Path(data["evidence_dir"]), stderr


@pytest.fixture(scope="module")
def objected(optout_module, replica):
    """One objection run of both platforms, made once: the tests below read it (verify puts back what it changes)."""
    folder, _ = object_all(optout_module, replica)
    return folder


def test_report_html_tells_the_whole_story_with_images(objected, page):
    folder = objected
    page.goto((folder / "report.html").as_uri())
    text = page.inner_text("body")
    assert "Facebook" in text and "Instagram" in text
    assert "honor your objection" in text  # Meta's confirmation, as seen
    assert REASON in text
    images = page.locator("img")
    assert images.count() >= len([p for p in folder.iterdir() if p.suffix == ".png"])
    broken = page.evaluate("() => [...document.images].filter(i => !i.complete || i.naturalWidth === 0).length")
    assert broken == 0
    page.screenshot(path=str(folder.parent / "report-screenshot.png"), full_page=False)


def test_verify_passes_then_fails_after_one_byte_of_a_screenshot_changes(optout_module, objected):
    folder = objected
    code, stdout, _, _ = optout_module("verify", str(folder))
    assert code == 0, stdout
    shot = sorted(folder.glob("*-confirmation.png"))[0]
    original = shot.read_bytes()
    data = bytearray(original)
    data[len(data) // 2] ^= 0x01
    try:
        shot.write_bytes(bytes(data))
        code, stdout, _, _ = optout_module("verify", str(folder))
        assert code == 1
        assert f"changed: {shot.name}" in stdout
    finally:
        shot.write_bytes(original)
    assert optout_module("verify", str(folder))[0] == 0  # the same bytes again: intact


def test_evidence_folder_and_files_are_private(objected):
    folder = objected
    assert folder.stat().st_mode & 0o777 == 0o700
    for path in folder.iterdir():
        assert path.stat().st_mode & 0o077 == 0, path


def test_trace_is_off_by_default_and_when_on_warned_about_and_private(objected, optout, replica):
    assert not list(objected.glob("trace-*.zip"))
    folder, stderr = object_all(optout, replica, "--trace")
    traces = list(folder.glob("trace-*.zip"))
    assert {t.name for t in traces} == {"trace-facebook.zip", "trace-instagram.zip"}
    assert all(os.stat(t).st_mode & 0o777 == 0o600 for t in traces)
    assert "cookies" in stderr and "trace" in stderr


def test_runs_lists_the_run_and_last_points_at_its_report(optout_module, objected):
    folder = objected
    code, stdout, _, _ = optout_module("runs", "--evidence-dir", str(folder.parent))
    assert code == 0 and str(folder) in stdout and "submitted" in stdout
    code, stdout, _, _ = optout_module("runs", "--last", "--evidence-dir", str(folder.parent))
    assert stdout.strip() == str(folder / "report.html")
    assert json.loads((folder / "report.json").read_text())["evidence_dir"] == str(folder)
