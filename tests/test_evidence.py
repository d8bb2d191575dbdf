"""The run folder, its report, manifest, verification and history listing; no browser needed."""

from __future__ import annotations

import base64
import json
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from loguru import logger

from assistant.evidence import EvidenceWriteError, Run, list_runs, mask_email, verify
from assistant.evidence import manifest as manifest_module
from assistant.evidence import run as evidence  # where Run looks up the clock and the writer
from assistant.evidence.report import render_html

# A valid 1x1 PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
STATUSES = [
    "available", "not_offered", "login_required", "blocked", "unknown", "error",
    "submitted", "awaiting_confirmation", "rejected",
]  # fmt: skip
EMAIL = "person@example.com"


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def result(platform: str, status: str, **extra: object) -> dict:
    return {
        "platform": platform,
        "status": status,
        "object_link": None,
        "detail": f"{platform} said {status}.",
        "evidence": [],
        **extra,
    }


def finished_run(root: Path, results: list[dict] | None = None) -> Run:
    run = Run.start(root, "check", {"browser_version": "Chromium 130"})
    run.add_step("facebook", "settings", "https://www.facebook.com/settings", PNG, {"box": "AI at Meta"})
    run.add_step("instagram", "privacy centre", "https://www.instagram.com/x", PNG)
    report = {"evidence_dir": str(run.path), "results": results or [result("facebook", "available")]}
    run.finish(report)
    return run


def read_run(run: Run) -> dict:
    return json.loads((run.path / "run.json").read_text(encoding="utf-8"))


# -- folder, modes, steps ---------------------------------------------------------------------------------


def test_two_runs_started_in_the_same_second_get_distinct_folders(tmp_path, monkeypatch):
    fixed = datetime(2024, 6, 1, 12, 0, 3, tzinfo=UTC)
    monkeypatch.setattr(evidence, "_utcnow", lambda: fixed)
    first = Run.start(tmp_path / "runs", "check", {})
    second = Run.start(tmp_path / "runs", "check", {})
    third = Run.start(tmp_path / "runs", "check", {})
    for run in (first, second, third):
        run.abort("test")
    assert first.path.name == "20240601T120003Z-check"
    assert second.path.name == "20240601T120003Z-check-2"
    assert third.path.name == "20240601T120003Z-check-3"


def test_folders_are_0700_and_files_0600(tmp_path):
    run = finished_run(tmp_path / "runs")
    assert mode_of(tmp_path / "runs") == 0o700
    assert mode_of(run.path) == 0o700
    files = [p for p in run.path.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"run.json", "report.json", "report.html", "run.log", "manifest.json"}
    assert all(mode_of(p) == 0o600 for p in files), {p.name: oct(mode_of(p)) for p in files}


def test_run_json_is_written_at_start_and_rewritten_after_each_step(tmp_path):
    run = Run.start(tmp_path, "object", {"headless": False})
    record = read_run(run)
    assert record["status"] == "incomplete" and record["finished"] is None and record["steps"] == []
    assert record["started"].endswith("Z") and record["meta"] == {"headless": False}

    first = run.add_step("facebook", "Settings page", "https://www.facebook.com/settings", PNG, {"box": "x"})
    assert [s["n"] for s in read_run(run)["steps"]] == [1]
    form_url = "https://help.instagram.com/form"
    second = run.add_step("instagram", "Objection form", form_url, None, status="filled")
    steps = read_run(run)["steps"]
    assert [s["n"] for s in steps] == [1, 2]
    assert first["screenshot"] == "01-facebook-settings-page.png"
    assert (run.path / first["screenshot"]).read_bytes() == PNG
    assert second["screenshot"] is None and steps[1]["status"] == "filled"
    assert steps[0]["texts"] == {"box": "x"} and steps[0]["highlights"] == []
    assert steps[0]["time"].endswith("Z")
    run.abort("test")


def test_finish_writes_the_report_exactly_and_a_second_finish_is_a_no_op(tmp_path):
    run = finished_run(tmp_path)
    report = json.loads((run.path / "report.json").read_text(encoding="utf-8"))
    assert report == {"evidence_dir": str(run.path), "results": [result("facebook", "available")]}
    record = read_run(run)
    assert record["status"] == "complete" and record["finished"].endswith("Z")
    manifest_before = (run.path / "manifest.json").read_bytes()
    run.finish({"evidence_dir": "other", "results": []})
    assert (run.path / "manifest.json").read_bytes() == manifest_before
    assert verify(run.path).ok


def test_an_aborted_run_is_marked_incomplete_and_still_verifies_intact(tmp_path):
    run = Run.start(tmp_path, "object", {})
    run.add_step("facebook", "settings", "https://www.facebook.com/settings", PNG)
    run.abort("interrupted by the person (Ctrl-C)")
    record = read_run(run)
    assert record["status"] == "incomplete" and record["reason"] == "interrupted by the person (Ctrl-C)"
    report = json.loads((run.path / "report.json").read_text(encoding="utf-8"))
    assert [(r["platform"], r["status"]) for r in report["results"]] == [("facebook", "unknown")]
    assert report["results"][0]["evidence"] == ["01-facebook-settings.png"]
    assert "INCOMPLETE" in (run.path / "report.html").read_text(encoding="utf-8")
    assert verify(run.path).ok
    run.abort("again")  # a second call is a no-op and does not raise


def test_abort_never_raises_even_when_the_folder_is_gone(tmp_path):
    run = Run.start(tmp_path, "check", {})
    for child in run.path.iterdir():
        child.unlink()
    run.path.rmdir()
    run.abort("disk error")


def test_leaving_a_with_block_by_an_exception_seals_the_run_as_incomplete(tmp_path):
    with pytest.raises(RuntimeError):
        with Run.start(tmp_path, "check", {}) as run:
            raise RuntimeError("browser crashed")
    assert read_run(run)["status"] == "incomplete"
    assert "browser crashed" in read_run(run)["reason"]
    assert verify(run.path).ok


def test_a_disk_error_during_a_step_becomes_an_evidence_write_error(tmp_path, monkeypatch):
    run = Run.start(tmp_path, "check", {})

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(evidence, "write_private", disk_full)
    with pytest.raises(EvidenceWriteError) as caught:
        run.add_step("facebook", "settings", "https://www.facebook.com/", PNG)
    assert str(run.path) in str(caught.value) and "No space left" in str(caught.value)
    assert caught.value.errno == 28
    monkeypatch.undo()
    run.abort("disk full")


# -- report ---------------------------------------------------------------------------------------------


def test_report_renders_every_status_and_form_version(tmp_path):
    link = {"text": "object", "href": "https://www.facebook.com/help/contact/123"}
    results = [result("facebook", status, object_link=link) for status in STATUSES]
    for version in ("A", "B/C", "D"):
        results.append(
            result(
                "instagram",
                "submitted",
                form={"version": version, "filled": {"country": "DE", "email": EMAIL, "reason": "No AI."}},
                confirmation={"text": f"We received your request ({version})."},
                region={"country": "DE", "expected": True, "mismatch": False, "note": "EU member"},
                next_steps=["Keep this folder.", "Check your inbox."],
            )
        )
    run = finished_run(tmp_path, results)
    html = (run.path / "report.html").read_text(encoding="utf-8")
    for status in STATUSES:
        assert f">{status}</span>" in html
    for version in ("A", "B/C", "D"):
        assert f"form version {version}" in html
        assert f"We received your request ({version})." in html
    assert "the objection is offered in your region" in html
    assert "Meta offers no objection here" in html
    assert 'href="https://www.facebook.com/help/contact/123"' in html
    assert EMAIL in html and "No AI." in html and "Check your inbox." in html
    assert "Complete: the run finished normally." in html and "Chromium 130" in html
    assert "optout verify" in html


def test_report_escapes_html_taken_from_the_pages(tmp_path):
    run = Run.start(tmp_path, "check", {})
    run.add_step("facebook", "box", "https://www.facebook.com/", PNG, {"box": "<script>alert(1)</script>"})
    evil_link = {"text": "<b>object</b>", "href": "javascript:alert(1)"}
    evil = result("facebook", "available", object_link=evil_link)
    run.finish({"evidence_dir": str(run.path), "results": [evil]})
    html = (run.path / "report.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;object&lt;/b&gt;" in html
    assert 'href="javascript:' not in html


def test_report_includes_the_screenshots_as_clickable_thumbnails(tmp_path):
    run = finished_run(tmp_path)
    html = (run.path / "report.html").read_text(encoding="utf-8")
    for name in ("01-facebook-settings.png", "02-instagram-privacy-centre.png"):
        assert f'<a href="{name}"><img src="{name}"' in html
    assert "http://" not in html.split("<main>")[0] and "https://" not in html.split("<main>")[0]


def test_render_html_is_private_and_renders_a_run_without_report(tmp_path):
    run = Run.start(tmp_path, "check", {})
    path = render_html(run.path)
    assert mode_of(path) == 0o600 and "INCOMPLETE" in path.read_text(encoding="utf-8")
    run.abort("test")


# -- verify ---------------------------------------------------------------------------------------------


def test_verify_passes_an_intact_folder(tmp_path):
    result_ = verify(finished_run(tmp_path).path)
    assert result_.ok and result_.chain_ok
    assert (result_.missing, result_.added, result_.changed) == ([], [], [])


def test_verify_names_a_screenshot_changed_by_one_byte(tmp_path):
    run = finished_run(tmp_path)
    shot = run.path / "01-facebook-settings.png"
    data = bytearray(shot.read_bytes())
    data[-1] ^= 1
    shot.write_bytes(bytes(data))
    result_ = verify(run.path)
    assert not result_.ok and result_.changed == ["01-facebook-settings.png"]
    assert result_.chain_ok and "01-facebook-settings.png" in result_.message


def test_verify_names_a_removed_file_as_missing(tmp_path):
    run = finished_run(tmp_path)
    (run.path / "run.log").unlink()
    result_ = verify(run.path)
    assert not result_.ok and result_.missing == ["run.log"]


def test_verify_names_an_added_file_even_in_a_subfolder(tmp_path):
    run = finished_run(tmp_path)
    (run.path / "extra").mkdir()
    (run.path / "extra" / "note.txt").write_text("added later")
    result_ = verify(run.path)
    assert not result_.ok and result_.added == ["extra/note.txt"]


def test_verify_catches_an_edited_manifest_entry_by_its_chain(tmp_path):
    run = finished_run(tmp_path)
    shot = run.path / "01-facebook-settings.png"
    shot.write_bytes(PNG + b"x")
    manifest_path = run.path / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    for entry in manifest["files"]:
        if entry["path"] == shot.name:
            entry["sha256"] = manifest_module._sha256_file(shot)
            entry["size"] = shot.stat().st_size
    manifest_path.write_text(json.dumps(manifest))
    result_ = verify(run.path)
    assert result_.changed == [] and not result_.chain_ok and not result_.ok
    assert "chain" in result_.message


def test_verify_explains_a_folder_without_manifest(tmp_path):
    run = Run.start(tmp_path, "check", {})
    result_ = verify(run.path)
    assert not result_.ok
    assert result_.message == "no manifest: the run did not finish or the folder is not a run folder"
    run.abort("test")


# -- masking and the log ----------------------------------------------------------------------------------


def test_mask_email_keeps_the_first_character_and_the_domain():
    assert mask_email("person@example.com") == "p•••••@example.com"
    masked = mask_email("to a.b+c@mail.example.co.uk and x@y.org.")
    assert masked == "to a•••••@mail.example.co.uk and x•••••@y.org."
    assert mask_email("no address here") == "no address here"
    assert mask_email(mask_email("person@example.com")) == "p•••••@example.com"


def test_the_run_log_holds_no_full_email(tmp_path):
    run = Run.start(tmp_path, "object", {})
    logger.info("filling the form with {}", EMAIL)
    run.add_step("facebook", "form", f"https://www.facebook.com/form?email={EMAIL}", PNG)
    run.finish({"evidence_dir": str(run.path), "results": []})
    log = (run.path / "run.log").read_text(encoding="utf-8")
    assert "p•••••@example.com" in log and EMAIL not in log
    assert "Z INFO" in log.splitlines()[0]


# -- history ----------------------------------------------------------------------------------------------


def test_list_runs_shows_newest_first_with_verdicts_and_a_broken_folder_as_unreadable(tmp_path, monkeypatch):
    times = iter(datetime(2024, 6, day, 9, 0, 0, tzinfo=UTC) for day in range(1, 30))
    now = next(times)
    monkeypatch.setattr(evidence, "_utcnow", lambda: now)
    older = finished_run(tmp_path, [result("facebook", "available"), result("instagram", "not_offered")])
    now = next(times)
    submitted = Run.start(tmp_path, "object", {})
    submitted.finish({"evidence_dir": str(submitted.path), "results": [result("facebook", "submitted")]})
    now = next(times)
    interrupted = Run.start(tmp_path, "object", {})
    interrupted.add_step("instagram", "settings", "https://www.instagram.com/", PNG)
    broken = tmp_path / "20240610T090000Z-check"
    broken.mkdir()
    (broken / "run.json").write_text("{not json")

    runs = list_runs(tmp_path)
    assert [r.path for r in runs] == [broken, interrupted.path, submitted.path, older.path]
    assert runs[0].status == "unreadable" and "run.json" in runs[0].note
    assert runs[1].status == "incomplete" and runs[1].platforms == ["instagram"] and not runs[1].submitted
    assert runs[2].complete and runs[2].submitted and runs[2].verdicts == {"facebook": "submitted"}
    assert runs[3].verdicts == {"facebook": "available", "instagram": "not_offered"}
    assert runs[3].command == "check" and runs[3].time == "2024-06-01T09:00:00.000Z"
    interrupted.abort("test")


def test_list_runs_of_a_missing_root_is_empty(tmp_path):
    assert list_runs(tmp_path / "nothing") == []
