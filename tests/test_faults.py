"""Faults injected through the replica's scenario settings (and the OS): every one ends in a clear status, keeps
the evidence so far, leaves a run folder that verifies, and never shows a traceback."""

from __future__ import annotations

import hashlib
import json
import os
import resource
import signal
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest

from assistant.evidence import verify
from assistant.settings import Timeouts
from assistant.status import ALL as ALL_STATUSES
from tests.conftest import as_in_a_terminal

REASON = "My public posts are personal and I did not share them to train AI models."
QUICK = Timeouts(nav_s=3, recognise_s=2, late_s=2, login_s=1, confirm_s=2)


def objection_posts(replica) -> list[dict]:
    return [p for p in replica.posts if p["kind"] in ("objection_form", "objection_code")]


def consistent(outcome, folder_status: tuple[str, ...] = ("complete",)) -> dict:
    """The run folder verifies, names its status, holds every screenshot the results cite, and no traceback."""
    folder = outcome.run.path
    assert verify(folder).ok, verify(folder).message
    run = json.loads((folder / "run.json").read_text())
    assert run["status"] in folder_status, run["status"]
    for result in outcome.report["results"]:
        assert result["status"] in ALL_STATUSES
        assert result["detail"].strip() and "\n" not in result["detail"] and "Traceback" not in result["detail"]
        for name in result["evidence"]:
            assert (folder / name).stat().st_size > 1000, name
    assert "Traceback" not in (folder / "run.log").read_text()
    return run


def one(outcome):
    assert len(outcome.results) == 1
    return outcome.results[0]


# -- faults inside the flow -----------------------------------------------------------------------------------
def test_a_form_page_slower_than_the_timeout_ends_in_error_and_keeps_the_evidence(assistant_run, replica):
    replica.reset()
    outcome = assistant_run("eu-en,fault=slow@form,slowms=6000", platform="facebook", command="object",
                            objecting=True, yes=True, reason=REASON, timeouts=QUICK)
    result = one(outcome)
    assert result.status == "error"
    assert "longer than 3 s" in result.detail
    assert any("ai-box-found" in e for e in result.evidence)  # what was seen before the slow page is kept
    assert objection_posts(replica) == []
    consistent(outcome)


@pytest.mark.parametrize("fault,status,words,shot", [
    ("500", "error", "HTTP 500", "objection-form-http-500"),
    ("blank", "unknown", "came back blank", "objection-form-blank"),
    ("drop", "error", "could not be loaded", "ai-box-found"),
])
def test_a_fault_on_the_form_page_mid_flow_ends_in_a_clear_status(assistant_run, replica, fault, status, words, shot):
    replica.reset()
    outcome = assistant_run(f"eu-en,fault={fault}@form", platform="facebook", command="object", objecting=True,
                            yes=True, reason=REASON, timeouts=QUICK)
    result = one(outcome)
    assert result.status == status, result.detail
    assert words in result.detail
    assert any(shot in e for e in result.evidence), result.evidence
    assert objection_posts(replica) == []
    consistent(outcome)


def test_a_server_error_after_sending_is_never_claimed_as_submitted(assistant_run, replica):
    replica.reset()
    outcome = assistant_run("eu-en,fault=500@confirm", platform="instagram", command="object", objecting=True,
                            yes=True, reason=REASON, timeouts=QUICK)
    result = one(outcome)
    assert result.status == "unknown", result.detail
    assert result.confirmation is None
    consistent(outcome)


def test_the_box_and_the_form_rendered_late_are_still_found_and_filled(assistant_run, replica):
    replica.reset()
    outcome = assistant_run("eu-en,late=1200", platform="facebook,instagram", command="object", objecting=True,
                            yes=True,
                            reason=REASON, timeouts=Timeouts(nav_s=5, recognise_s=3, late_s=4, login_s=1,
                                                             confirm_s=2))
    assert [r.status for r in outcome.results] == ["submitted", "submitted"], [r.detail for r in outcome.results]
    assert len([p for p in objection_posts(replica) if p["kind"] == "objection_form"]) == 2
    consistent(outcome)


def test_a_form_with_renamed_fields_is_still_filled_by_its_structure(assistant_run, replica):
    replica.reset()
    outcome = assistant_run("eu-en,fields=renamed", platform="instagram", command="object", objecting=True,
                            yes=True, reason=REASON, timeouts=QUICK)
    result = one(outcome)
    assert result.status == "submitted", result.detail
    assert [p["fields"]["reason"] for p in objection_posts(replica) if p["kind"] == "objection_form"] == [REASON]
    consistent(outcome)


@pytest.mark.parametrize("where,sent", [("form", False), ("submit", True)])
def test_a_security_check_in_the_middle_of_the_form_is_blocked_never_submitted(assistant_run, replica, where, sent):
    replica.reset()
    outcome = assistant_run(f"eu-en,checkpoint={where}", platform="facebook", command="object", objecting=True,
                            yes=True, reason=REASON, timeouts=QUICK)
    result = one(outcome)
    assert result.status == "blocked", result.detail
    assert "security check" in result.detail and "optout login" in result.detail
    assert result.confirmation is None
    assert any("security-check" in e for e in result.evidence)
    assert bool(objection_posts(replica)) is sent
    consistent(outcome)


# -- the browser process killed ---------------------------------------------------------------------------------
def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry))
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def assistant_browsers() -> list[int]:
    """This test process's Chromium main processes started by the assistant (only they carry its resolver rule)."""
    pids = []
    for pid in _descendants(os.getpid()):
        try:
            args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if not any(a.startswith(b"--type=") for a in args) and any(a.startswith(b"--host-resolver-rules")
                                                                    for a in args):
            pids.append(pid)
    return pids


def steps_of(runs: Path) -> list[dict]:
    for run_json in runs.glob("*/run.json") if runs.is_dir() else []:
        try:
            return json.loads(run_json.read_text()).get("steps", [])
        except ValueError:  # never half-written (atomic replace), but be safe
            return []
    return []


def when(condition, timeout_s: float, stop: threading.Event | None = None) -> bool:
    """Wait for a condition by polling (no fixed sleep decides anything)."""
    stop = stop or threading.Event()
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        stop.wait(0.05)
    return False


def test_the_browser_killed_mid_run_ends_in_error_with_a_consistent_run_folder(assistant_run, tmp_path):
    killed: list[int] = []

    def killer():
        if when(lambda: any(s["name"] == "settings" for s in steps_of(tmp_path / "runs")), 60):
            for pid in assistant_browsers():
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)

    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    # The policy and the Privacy Center hang far longer than the kill takes: the browser dies while waiting.
    outcome = assistant_run("eu-en,fault=slow@policy+slow@center,slowms=30000", platform="facebook",
                            timeouts=Timeouts(nav_s=20, recognise_s=2, late_s=2, login_s=1, confirm_s=1))
    thread.join(timeout=5)
    assert killed
    result = one(outcome)
    assert result.status == "error"
    assert result.detail == "The browser closed unexpectedly."
    assert any("settings" in e for e in result.evidence)
    consistent(outcome, ("complete", "incomplete"))


# -- the CLI in a subprocess: Ctrl-C and a disk that refuses to write -----------------------------------------------
def cli(replica, tmp_path, spec: str, *extra: str, env: dict | None = None, preexec_fn=None) -> subprocess.Popen:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("OPTOUT_")}
    full_env.update({"OPTOUT_DATA_DIR": str(tmp_path / "data"), "OPTOUT_CONFIG_DIR": str(tmp_path / "config")},
                    **(env or {}))
    return subprocess.Popen([sys.executable, "-m", "assistant", "check", "--headless", "--json", "--via",
                             replica.scenario_url(spec), *extra], env=full_env, cwd=tmp_path, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            preexec_fn=preexec_fn)


def the_run(tmp_path) -> Path:
    folders = list((tmp_path / "data" / "runs").iterdir())
    assert len(folders) == 1
    return folders[0]


def test_ctrl_c_mid_run_exits_130_and_marks_the_run_folder_incomplete(replica, tmp_path):
    proc = cli(replica, tmp_path, "eu-en,fault=slow@policy+slow@center,slowms=30000", "--platform", "facebook",
               env={"OPTOUT_NAV_TIMEOUT": "25"}, preexec_fn=as_in_a_terminal)
    try:
        assert when(lambda: any(s["name"] == "settings" for s in steps_of(tmp_path / "data" / "runs")), 60)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 130, stderr
    assert "Interrupted" in stderr and "incomplete" in stderr
    assert "Traceback" not in stderr and "Exception" not in stderr
    folder = the_run(tmp_path)
    run = json.loads((folder / "run.json").read_text())
    assert run["status"] == "incomplete"
    assert "Ctrl-C" in run["reason"]
    assert [s for s in run["steps"] if s["name"] == "settings" and (folder / s["screenshot"]).exists()]
    assert verify(folder).ok, verify(folder).message


def test_a_disk_that_refuses_to_write_evidence_ends_in_a_clear_error(replica, tmp_path):
    # Once the first screenshot is on disk, the CLI process (not its browser) may write no file over 60 kB:
    # the next screenshot fails with EFBIG ("File too large"), as on a full or broken disk.
    proc = cli(replica, tmp_path, "eu-en", "--platform", "facebook,instagram",
               preexec_fn=lambda: signal.signal(signal.SIGXFSZ, signal.SIG_IGN))
    try:
        assert when(lambda: bool(steps_of(tmp_path / "data" / "runs")), 60)
        _, hard = resource.prlimit(proc.pid, resource.RLIMIT_FSIZE)
        resource.prlimit(proc.pid, resource.RLIMIT_FSIZE, (60_000, hard))
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 1, stderr
    assert "Traceback" not in stderr
    report = json.loads(stdout)
    assert [r["status"] for r in report["results"]] == ["error", "error"]
    for r in report["results"]:
        assert r["detail"].startswith("Evidence could not be written") and "File too large" in r["detail"]
    folder = the_run(tmp_path)
    run = json.loads((folder / "run.json").read_text())
    assert run["status"] == "incomplete" and "File too large" in run["reason"]
    assert run["steps"] and all((folder / s["screenshot"]).exists() for s in run["steps"] if s["screenshot"])
    assert verify(folder).ok, verify(folder).message


def test_the_page_timeout_is_a_setting_read_from_the_environment(replica, tmp_path):
    proc = cli(replica, tmp_path, "eu-en,fault=slow@settings+slow@center+slow@policy,slowms=8000", "--platform",
               "facebook", env={"OPTOUT_NAV_TIMEOUT": "1.5", "OPTOUT_LATE_CONTENT": "1"})
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 1, stderr
    result = json.loads(stdout)["results"][0]
    assert result["status"] == "error"
    assert "longer than 1.5 s" in result["detail"]
    assert verify(the_run(tmp_path)).ok


# -- flow health: optout selftest ------------------------------------------------------------------------------------
def selftest(tmp_path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("OPTOUT_")}
    full_env.update({"OPTOUT_DATA_DIR": str(tmp_path / "data"), "OPTOUT_CONFIG_DIR": str(tmp_path / "config")},
                    **(env or {}))
    return subprocess.run([sys.executable, "-m", "assistant", "selftest", *args], capture_output=True, text=True,
                          env=full_env, cwd=tmp_path, stdin=subprocess.DEVNULL, timeout=240)


def test_selftest_forces_each_route_and_reports_detection_and_filling(tmp_path):
    done = selftest(tmp_path, "--platform", "instagram", "--lang", "en", "--route", "settings-privacy-center",
                    "--route", "direct-policy-url", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["ok"] is True and report["run_folders"] is None
    rows = {(r["platform"], r["route"], r["lang"]): r for r in report["rows"]}
    assert set(rows) == {("instagram", "settings-privacy-center", "en"), ("instagram", "direct-policy-url", "en")}
    for (_, route, _), row in rows.items():
        assert row["detection"] is True and row["filling"] is True, row
        assert row["route_used"] == route and row["status"] == "submitted"
    assert not list((tmp_path / "data" / "selftest").glob("*/runs"))  # nothing kept when everything holds


def test_selftest_names_a_broken_flow_and_keeps_its_run_folder_for_a_breakage_report(tmp_path):
    import shutil

    from tests.conftest import REPO

    flows_copy = tmp_path / "flows"
    shutil.copytree(REPO / "flows", flows_copy)
    labels = flows_copy / "labels.toml"
    text = labels.read_text(encoding="utf-8")
    broken = text.replace('en = ["Privacy Policy", "What is the Privacy Policy and what does it cover?", '
                          '"Meta Privacy Policy"]', 'en = ["Privacy Rules"]')
    assert broken != text
    labels.write_text(broken, encoding="utf-8")
    done = selftest(tmp_path, "--platform", "instagram", "--lang", "en", "--route", "direct-policy-url",
                    env={"OPTOUT_FLOWS_DIR": str(flows_copy)})
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["platform", "route", "language", "form", "detection", "filling"]
    assert lines[1].split()[:6] == ["instagram", "direct-policy-url", "en", "C", "BROKEN", "BROKEN"]
    assert "optout report-breakage" in done.stdout
    kept = [p for p in (tmp_path / "data" / "selftest").glob("*/runs/*") if p.is_dir()]
    assert len(kept) == 1 and verify(kept[0]).ok
    bundle = subprocess.run([sys.executable, "-m", "assistant", "report-breakage", str(kept[0]), "--out",
                             str(tmp_path / "broke.zip")], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert bundle.returncode == 0, bundle.stderr
    with zipfile.ZipFile(tmp_path / "broke.zip") as z:
        flows = json.loads(z.read("flows.json"))
    # The bundle tells which flow files the broken run used (the changed copy), and what they are now.
    assert flows["at_run"]["labels.toml"]["sha256"] == hashlib.sha256(broken.encode("utf-8")).hexdigest()
    now = hashlib.sha256((REPO / "flows" / "labels.toml").read_bytes()).hexdigest()
    assert flows["now"]["labels.toml"]["sha256"] == now
