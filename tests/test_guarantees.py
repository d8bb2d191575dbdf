"""Guarantees no page, file or flag can fake: replica runs never touch the person's saved sessions or real
history; a .env file reaches the settings only, never the browser or its driver; every run ends sealed, whatever
stops it (a bug, a disk that refuses the report, SIGTERM); and `optout verify` compares a folder with the digest
this machine recorded when the run ended."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from assistant import history
from assistant.evidence import manifest_chain, verify, write_manifest
from tests.test_faults import steps_of, when
from tests.test_privacy import log_in_as_the_person

REASON = "My public posts are personal and I did not share them to train AI models."
LOGGED_OUT_SPEC = "eu-en,login=0,cookie=0"  # the settings page needs the session cookie of the replica's login


def the_run(runs: Path) -> Path:
    [folder] = [p for p in runs.iterdir() if p.is_dir()]
    return folder


def snapshot_of(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.rglob("*")
            if p.is_file()}


# -- 2. replica runs use a throw-away profile, and their verdicts stay apart -----------------------------------------
def test_demo_and_check_via_leave_the_saved_sessions_and_the_real_history_untouched(optout, replica, tmp_path):
    data = tmp_path / "data"
    profile = data / "profiles"
    log_in_as_the_person(replica, profile, LOGGED_OUT_SPEC)
    baseline = {"evidence_dir": "real-run", "results": [
        {"platform": "facebook", "status": "not_offered", "object_link": None, "detail": "d", "evidence": []}]}
    history.record(baseline, "check")  # the person's real baseline (Meta's pages)
    sessions, real_rows = snapshot_of(profile), history.history(real=True)
    assert {"facebook/state.json", "instagram/state.json"} <= set(sessions)
    # The throw-away profiles are made here (a short path: the browser keeps its sockets in TMPDIR too).
    scratch_root = Path(tempfile.mkdtemp(prefix="optout-t-"))
    env = {"TMPDIR": str(scratch_root)}

    code, _, stderr, demo = optout("demo", "--headless", "--yes", "--json", "--platform", "facebook,instagram",
                                   env=env, timeout=240)
    assert code == 0, (demo and [r["detail"] for r in demo["results"]], stderr[-2000:])
    assert {r["status"] for r in demo["results"]} == {"submitted"}
    code, _, stderr, checked = optout("check", "--platform", "facebook,instagram", "--via",
                                      replica.scenario_url(LOGGED_OUT_SPEC), "--headless",
                                      "--json", env=env)
    # Logged out: the saved sessions were not loaded (nor sent to the replica) ...
    assert [r["status"] for r in checked["results"]] == ["login_required", "login_required"], stderr[-2000:]
    # ... not written, and the throw-away profiles are gone.
    assert snapshot_of(profile) == sessions
    assert [p for p in scratch_root.iterdir() if p.name.startswith("optout-profile-")] == []
    run = json.loads((Path(checked["evidence_dir"]) / "run.json").read_text())
    assert run["meta"]["settings"]["profile_dir"].startswith("throw-away")
    assert run["meta"]["pages"] == f"replica:{replica.scenario_url(LOGGED_OUT_SPEC)}"

    # The real history is as it was: the demo kept no verdict, the check's are marked as the replica's.
    assert history.history(real=True) == real_rows
    replica_rows = history.history(real=False)
    assert [r.origin for r in replica_rows] == [f"replica:{replica.scenario_url(LOGGED_OUT_SPEC)}"] * 2
    assert history.latest(real=True)["facebook"].run_dir == "real-run"
    # A later real round compares with the real baseline, never with a replica's round.
    offered = {"evidence_dir": "real-run-2", "results": [
        {"platform": "facebook", "status": "available", "detail": "d", "evidence": [],
         "object_link": {"text": "object", "href": "https://www.facebook.com/help/contact/6359191084165019"}}]}
    [change] = history.record(offered, "watch")
    assert change.before.run_dir == "real-run" and change.from_status == "not_offered"
    code, stdout, _, status = optout("status", "--json")
    assert code == 0 and set(status["platforms"]) == {"facebook"} and set(status["replica"]) == {"facebook",
                                                                                                 "instagram"}

    # The same saved sessions, named with --profile, are the person's choice: then they are used (and the
    # check above was logged out because of the throw-away profile, not because the sessions do not work).
    code, _, stderr, chosen = optout("check", "--platform", "facebook,instagram", "--via",
                                      replica.scenario_url(LOGGED_OUT_SPEC), "--headless",
                                     "--json", "--profile", str(profile), env=env)
    assert [r["status"] for r in chosen["results"]] == ["available", "available"], stderr[-2000:]
    shutil.rmtree(scratch_root, ignore_errors=True)


# -- 3. .env: OPTOUT_* settings only, never the environment of the browser or its driver -------------------------------
def hostile_env_file(tmp_path: Path, via: str) -> tuple[Path, Path]:
    marker = tmp_path / "x-was-loaded"
    script = tmp_path / "x.js"
    script.write_text(f"require('fs').writeFileSync({json.dumps(str(marker))}, 'loaded');\n", encoding="utf-8")
    env_file = tmp_path / ".env"
    env_file.write_text(f"NODE_OPTIONS=--require {script}\nDEBUG=pw:*\nLD_PRELOAD=/nonexistent/libhook.so\n"
                        f"OPTOUT_VIA={via}\nOPTOUT_HEADLESS=1\n", encoding="utf-8")
    return env_file, marker


def test_an_env_file_changes_nothing_in_the_browser_or_its_driver(optout, replica, tmp_path):
    env_file, marker = hostile_env_file(tmp_path, replica.scenario_url("us"))
    code, _, stderr, data = optout("check", "--platform", "facebook", "--json")
    assert code == 0, stderr[-2000:]
    assert data["results"][0]["status"] == "not_offered"  # OPTOUT_VIA and OPTOUT_HEADLESS were read from .env
    assert not marker.exists()  # NODE_OPTIONS did not reach Playwright's driver
    assert "pw:" not in stderr  # nor DEBUG
    assert "LD_PRELOAD" in stderr and "NODE_OPTIONS" in stderr and "DEBUG" in stderr and "ignored" in stderr
    folder = Path(data["evidence_dir"])
    assert json.loads((folder / "run.json").read_text())["meta"]["env_file"] == str(env_file.resolve())
    assert f"settings file (.env) read: {env_file.resolve()}" in (folder / "run.log").read_text()
    # The test bites: the same two variables in the real environment do reach the driver.
    env_file.unlink()
    code, _, stderr, data = optout("check", "--platform", "facebook", "--json", "--headless", "--via",
                                   replica.scenario_url("us"), env={"NODE_OPTIONS": f"--require {tmp_path / 'x.js'}",
                                                                    "DEBUG": "pw:api"})
    assert marker.exists() and "pw:api" in stderr
    assert json.loads((Path(data["evidence_dir"]) / "run.json").read_text())["meta"]["env_file"] == "none"


def test_doctor_says_which_env_file_was_read(optout, tmp_path):
    code, stdout, _, _ = optout("doctor")
    assert "settings file (.env): none" in stdout
    env_file, _ = hostile_env_file(tmp_path, "http://127.0.0.1:9/x")
    code, stdout, _, _ = optout("doctor")
    assert f"settings file (.env): {env_file.resolve()}" in stdout
    assert "ignored: DEBUG, LD_PRELOAD, NODE_OPTIONS" in stdout


# -- 6. every run ends sealed ------------------------------------------------------------------------------------------
def in_process(*args: str):
    """The real CLI in this process (so a test can break one function), on a worker thread."""
    from click.testing import CliRunner

    from assistant.cli import main

    with ThreadPoolExecutor(max_workers=1) as pool:  # the CLI runs its own event loop: not on this thread's
        return pool.submit(lambda: CliRunner().invoke(main, list(args))).result(timeout=300)


def sealed(folder: Path) -> dict:
    """report.json (when the disk took it), report.html and a manifest that verifies; the run marked incomplete."""
    assert verify(folder).ok, verify(folder).message
    assert (folder / "report.html").is_file()
    run = json.loads((folder / "run.json").read_text())
    assert run["status"] == "incomplete" and run["reason"]
    return run


def test_a_bug_inside_a_platform_seals_the_run_with_error_and_one_sentence(replica, tmp_path, monkeypatch):
    from assistant import session

    async def broken(*args, **kwargs):
        raise RuntimeError("a bug planted by the test")

    monkeypatch.setattr(session, "_platform_run", broken)
    result = in_process("check", "--platform", "facebook,instagram", "--via", replica.scenario_url("eu-en"),
                        "--headless", "--json", "--evidence-dir", str(tmp_path / "runs"))
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and "Traceback" not in result.stderr
    folder = the_run(tmp_path / "runs")
    run = sealed(folder)
    assert "RuntimeError" in run["reason"]
    report = json.loads((folder / "report.json").read_text())
    for r in report["results"]:
        assert r["status"] == "error"
        assert "RuntimeError: a bug planted by the test" in r["detail"] and "\n" not in r["detail"]
    log = (folder / "run.log").read_text()
    assert "Traceback" in log and "a bug planted by the test" in log  # the details are kept, in run.log
    rows = history.history(real=False)
    assert [(r.platform, r.status) for r in rows] == [("facebook", "error"), ("instagram", "error")]
    assert history.recorded_run(folder).chain == manifest_chain(folder)


def test_a_disk_that_refuses_the_report_seals_the_run_with_error(replica, tmp_path, monkeypatch):
    import errno

    from assistant.evidence import run as evidence  # where Run looks up its writer

    real_write = evidence.write_private

    def refusing(path, data, mode=evidence.FILE_MODE):
        if Path(path).name == evidence.REPORT_FILE:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(path, data, mode)

    monkeypatch.setattr(evidence, "write_private", refusing)
    result = in_process("check", "--via", replica.scenario_url("us"), "--platform", "facebook", "--headless",
                        "--json", "--evidence-dir", str(tmp_path / "runs"))
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and "Traceback" not in result.stderr
    out = json.loads(result.stdout)
    [r] = out["results"]
    assert r["status"] == "error" and "No space left on device" in r["detail"] and "not_offered" in r["detail"]
    folder = the_run(tmp_path / "runs")
    assert not (folder / "report.json").exists()  # the disk never took it ...
    run = sealed(folder)  # ... and the folder is sealed all the same
    assert "No space left on device" in run["reason"]
    [row] = history.history(real=False)
    assert row.status == "error" and "No space left" in row.detail
    assert out["digest"] == history.recorded_run(folder).chain == manifest_chain(folder)


def test_sigterm_mid_run_seals_the_run_folder_and_exits_non_zero(replica, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPTOUT_")}
    env.update({"OPTOUT_DATA_DIR": str(tmp_path / "data"), "OPTOUT_CONFIG_DIR": str(tmp_path / "config"),
                "OPTOUT_NAV_TIMEOUT": "25"})
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "check", "--headless", "--json", "--platform",
                             "facebook", "--via", replica.scenario_url("eu-en,fault=slow@policy+slow@center,"
                                                                       "slowms=30000")],
                            env=env, cwd=tmp_path, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL)
    runs = tmp_path / "data" / "runs"
    try:
        assert when(lambda: any(s["name"] == "settings" for s in steps_of(runs)), 60)
        proc.send_signal(signal.SIGTERM)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 143, stderr
    assert "Traceback" not in stderr and "Interrupted (SIGTERM)" in stderr
    [r] = json.loads(stdout)["results"]
    assert r["status"] == "error" and "SIGTERM" in r["detail"]
    folder = the_run(runs)
    run = sealed(folder)
    assert "SIGTERM" in run["reason"]
    assert [s for s in run["steps"] if s["name"] == "settings" and (folder / s["screenshot"]).exists()]
    assert json.loads((folder / "report.json").read_text())["results"][0]["status"] == "error"
    [row] = history.history(real=False)
    assert row.status == "error" and row.run_dir == str(folder)
    assert history.recorded_run(folder).chain == manifest_chain(folder)


# -- 7. the digest recorded when the run ended -------------------------------------------------------------------------
def test_verify_catches_a_folder_whose_files_and_manifest_were_rewritten_together(optout, replica, tmp_path):
    code, _, stderr, data = optout("check", "--via", replica.scenario_url("eu-en"), "--platform", "instagram",
                                   "--headless", "--json")
    assert code == 0, stderr[-2000:]
    folder = Path(data["evidence_dir"])
    digest = data["digest"]
    assert f"Evidence digest: {digest}" in stderr  # printed at the end of the run
    assert digest == manifest_chain(folder) == history.recorded_run(folder).chain

    code, stdout, _, _ = optout("verify", str(folder))
    assert code == 0 and "Matches the digest recorded" in stdout and digest in stdout

    # A careful forger changes a screenshot AND rewrites the manifest: the folder is consistent with itself ...
    shot = sorted(folder.glob("*.png"))[-1]
    shot.write_bytes(shot.read_bytes() + b"\0")
    report = json.loads((folder / "report.json").read_text())
    report["results"][0]["status"] = "not_offered"
    (folder / "report.json").write_text(json.dumps(report))
    write_manifest(folder)
    assert verify(folder).ok
    # ... but not with what this machine recorded when the run ended.
    code, stdout, _, _ = optout("verify", str(folder))
    assert code == 1 and "NOT the folder this machine recorded" in stdout and digest in stdout

    # A folder this machine never recorded says so (and is not called verified).
    elsewhere = tmp_path / "elsewhere" / "20990101T000000Z-check"
    shutil.copytree(folder, elsewhere)
    code, stdout, _, _ = optout("verify", str(elsewhere))
    assert code == 3 and "Unknown to this machine's history" in stdout


def test_a_moved_run_folder_is_still_found_in_the_history(optout, replica, tmp_path):
    code, _, stderr, data = optout("check", "--via", replica.scenario_url("us"), "--platform", "facebook",
                                   "--headless", "--json")
    assert code == 0, stderr[-2000:]
    folder = Path(data["evidence_dir"])
    moved = tmp_path / "archive" / folder.name
    moved.parent.mkdir()
    shutil.move(folder, moved)
    code, stdout, _, _ = optout("verify", str(moved))
    assert code == 0 and "Matches the digest recorded" in stdout


@pytest.mark.parametrize("command", ["check"])
def test_via_remote_warns_and_the_run_still_ends_sealed(optout, tmp_path, command):
    # 127.0.0.1.nip.io is a name, not this machine's address: refused without --via-remote, warned with it.
    code, _, stderr, data = optout(command, "--via", "http://127.0.0.1.nip.io:9/x", "--via-remote", "--platform",
                                   "facebook", "--headless", "--json", env={"OPTOUT_NAV_TIMEOUT": "5"})
    assert "Warning: --via-remote" in stderr and "127.0.0.1.nip.io" in stderr
    assert "Traceback" not in stderr
    assert code == 1 and data["results"][0]["status"] in ("error", "unknown")
    assert verify(Path(data["evidence_dir"])).ok
