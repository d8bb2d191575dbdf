"""`optout watch` and `optout status`, and the history under them: verdicts recorded, a change notified once,
an expired login said once, the history read back. The CLI runs in a subprocess against the real replica."""

from __future__ import annotations

import json
import os
import queue
import shlex
import signal
import stat
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from assistant import history
from assistant.cli.watch import register
from assistant.settings import UsageError
from assistant.watch import Notice, deliver, format_duration, parse_duration
from tests.conftest import as_in_a_terminal

REPO = Path(__file__).resolve().parents[1]
# Until cli.py registers watch/status itself, the subprocess registers them on the real group first.
CLI = ("import sys; from assistant.cli import main; from assistant.cli.watch import register; register(main); "
       "sys.argv[0] = 'optout'; main()")
FAST = {"OPTOUT_LATE_CONTENT": "1", "OPTOUT_RECOGNISE_TIMEOUT": "5", "OPTOUT_NAV_TIMEOUT": "10"}


def cli_env(data: Path, extra: dict | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPTOUT_")}
    env.update({"OPTOUT_DATA_DIR": str(data), "OPTOUT_CONFIG_DIR": str(data.parent / "config"), **FAST})
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))  # not installed: a checkout
    env.update(extra or {})
    return env


def run_cli(data: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", CLI, *args], check=False, capture_output=True, text=True,
                          input="", env=cli_env(data), cwd=data.parent, timeout=timeout)


def notifier(folder: Path) -> tuple[str, Path]:
    """A --notify command that appends its argument (and the change's env vars) to a file, one line per call."""
    out = folder / "notified.txt"
    script = folder / "notify.py"
    script.write_text(
        "import os, sys\n"
        f"with open({str(out)!r}, 'a', encoding='utf-8') as fh:\n"
        "    fh.write('|'.join([os.environ['OPTOUT_CHANGE_PLATFORM'], os.environ['OPTOUT_CHANGE_FROM'],\n"
        "                       os.environ['OPTOUT_CHANGE_TO'], sys.argv[1]]) + '\\n')\n")
    return f"{shlex.quote(sys.executable)} {shlex.quote(str(script))}", out


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


# -- durations ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("30m", timedelta(minutes=30)), ("6h", timedelta(hours=6)), ("1d", timedelta(days=1)),
    ("1w", timedelta(weeks=1)), ("1h30m", timedelta(minutes=90)), (" 2D ", timedelta(days=2)),
    ("10m", timedelta(minutes=10)),
])
def test_durations_in_minutes_hours_days_and_weeks_are_understood(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "1", "10", "5x", "1.5h", "h", "-1d", "1d extra", "30s"])
def test_a_duration_without_a_known_unit_is_a_usage_error(text):
    with pytest.raises(UsageError, match="not a duration"):
        parse_duration(text)


def test_a_duration_under_ten_minutes_is_refused_as_too_often():
    with pytest.raises(UsageError, match="too often"):
        parse_duration("9m")


def test_durations_are_shown_back_in_the_same_units():
    assert [format_duration(parse_duration(t)) for t in ("1h30m", "1d", "8d")] == ["1h30m", "1d", "1w1d"]


# -- the history (no browser) -------------------------------------------------------------------------------
def report(run: str, **results: tuple) -> dict:
    """A report as session.run writes it: platform=(status, link text, href, box text)."""
    out = []
    for platform, (status, text, href, box) in results.items():
        link = {"text": text, "href": href} if href else None
        out.append({"platform": platform, "status": status, "object_link": link, "detail": "d", "evidence": [],
                    **({"box_text": box} if box else {})})
    return {"evidence_dir": run, "results": out}


NONE = ("not_offered", None, None, None)
IG_FORM = "https://help.instagram.com/contact/233964459562201"
OFFERED = ("available", "object", IG_FORM, "How we use info for AI at Meta. You have the right to object.")


def test_the_first_verdict_of_a_platform_is_the_baseline_not_a_change():
    assert history.record(report("r1", instagram=NONE, facebook=OFFERED), "check") == []
    assert set(history.latest()) == {"facebook", "instagram"}


def test_a_status_change_is_returned_once_and_the_same_verdict_again_is_no_change():
    history.record(report("r1", instagram=NONE), "watch")
    [change] = history.record(report("r2", instagram=OFFERED), "watch")
    assert (change.platform, change.kind, change.from_status, change.to_status) == \
        ("instagram", "status", "not_offered", "available")
    assert "optout object --platform instagram" in change.summary and IG_FORM in change.summary
    assert history.record(report("r3", instagram=OFFERED), "watch") == []


def test_a_changed_link_or_box_text_with_the_same_status_is_a_change():
    history.record(report("r1", instagram=OFFERED), "check")
    [link] = history.record(report("r2", instagram=("available", "right to object", IG_FORM, OFFERED[3])), "watch")
    assert link.kind == "link" and "'right to object'" in link.summary
    [box] = history.record(report("r3", instagram=("available", "right to object", IG_FORM, "New wording.")),
                           "watch")
    assert box.kind == "box" and "New wording." in box.summary


def test_inconclusive_rounds_are_kept_but_never_compared():
    history.record(report("r1", facebook=NONE), "watch")
    assert history.record(report("r2", facebook=("error", None, None, None)), "watch") == []
    assert history.record(report("r3", facebook=("login_required", None, None, None)), "watch") == []
    assert history.record(report("r4", facebook=NONE), "watch") == []
    assert [r.status for r in history.history("facebook")] == ["not_offered", "error", "login_required",
                                                               "not_offered"]
    assert history.latest_verdict("facebook").run_dir == "r4"


def test_an_object_run_that_reached_the_form_counts_as_offered():
    history.record(report("r1", facebook=NONE), "check")
    [change] = history.record(report("r2", facebook=("submitted", "object", "https://x/form", None)), "object")
    assert change.to_status == "available"


def test_history_latest_and_first_read_back_rows_in_order():
    history.record(report("r1", facebook=NONE, instagram=NONE), "check")
    history.record(report("r2", instagram=OFFERED), "watch")
    assert [r.run_dir for r in history.history()] == ["r1", "r1", "r2"]
    assert history.first()["instagram"].run_dir == "r1" and history.latest()["instagram"].run_dir == "r2"
    assert history.latest()["instagram"].link_text == "object" and history.latest()["instagram"].source == "watch"
    assert len(history.changes()) == 1


def test_a_replica_round_is_never_compared_with_a_real_one_nor_a_baseline_for_it():
    replica = "replica:http://127.0.0.1:8765/scenario/eu-en"
    assert history.record(report("real-1", instagram=NONE), "watch") == []
    assert history.record(report("replica-1", instagram=OFFERED), "watch", origin=replica) == []  # its own baseline
    assert history.record(report("real-2", instagram=NONE), "watch") == []  # compared with real-1 only
    [change] = history.record(report("real-3", instagram=OFFERED), "watch")
    assert change.before.run_dir == "real-2"
    assert history.latest()["instagram"].run_dir == "real-3" and history.first()["instagram"].run_dir == "real-1"
    assert history.latest(real=False)["instagram"].origin == replica
    assert [c.after.run_dir for c in history.changes()] == ["real-3"] and history.changes(real=False) == []


def test_a_version_1_history_gets_each_row_s_origin_from_its_run_folder(tmp_path):
    import sqlite3

    v1 = history.SCHEMA.replace(",\n  origin      TEXT NOT NULL DEFAULT 'meta'  -- meta | replica:<via URL>: where "
                                "the pages came from", "")
    assert "origin" not in v1
    replica_run = tmp_path / "replica-run"
    replica_run.mkdir()
    (replica_run / "run.json").write_text(json.dumps({"meta": {"settings": {"via": "http://127.0.0.1:9/x"}}}))
    real_run = tmp_path / "real-run"
    real_run.mkdir()
    (real_run / "run.json").write_text(json.dumps({"meta": {"settings": {"via": None}}}))
    path = history.database_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    db.executescript(v1)
    for run_dir in (replica_run, real_run, tmp_path / "gone"):
        db.execute("INSERT INTO checks (time, platform, status, verdict, run_dir, source) VALUES "
                   "('2026-01-01T00:00:00Z', 'facebook', 'not_offered', 'not_offered', ?, 'check')", (str(run_dir),))
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    assert [r.origin for r in history.history()] == ["replica:http://127.0.0.1:9/x", "meta", "meta"]
    assert history.recorded_run(real_run) is None  # the runs table exists now, empty


def test_the_database_is_private_to_its_owner():
    history.record(report("r1", facebook=NONE), "check")
    path = history.database_path()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_an_unknown_source_is_refused():
    with pytest.raises(ValueError, match="source"):
        history.record(report("r1", facebook=NONE), "cron")


# -- notifying (no browser) ---------------------------------------------------------------------------------
def test_the_notify_command_gets_the_summary_as_its_one_argument_and_the_change_in_env(tmp_path):
    command, out = notifier(tmp_path)
    notice = Notice("instagram", "not_offered", "available", "Instagram: Meta now offers; it's $(not) a shell")
    assert deliver(notice, shlex.split(command)) == "command"
    assert lines(out) == ["instagram|not_offered|available|Instagram: Meta now offers; it's $(not) a shell"]


def test_a_failing_notify_command_is_reported_not_fatal(tmp_path, capsys):
    notice = Notice("facebook", "not_offered", "available", "x")
    assert deliver(notice, [sys.executable, "-c", "import sys; sys.exit(3)"]) == ""
    assert "exited with 3" in capsys.readouterr().err


def _group() -> click.Group:
    from assistant.cli import Group

    @click.group(cls=Group)
    def main():
        pass

    register(main)
    register(main)  # idempotent
    return main


def test_watch_refuses_an_interval_under_ten_minutes_before_any_browser():
    result = CliRunner().invoke(_group(), ["watch", "--every", "5m"])
    assert result.exit_code == 2 and "too often" in result.output


def test_watch_refuses_a_notify_program_that_does_not_exist():
    result = CliRunner().invoke(_group(), ["watch", "--once", "--notify", "no-such-notifier-xyz --flag"])
    assert result.exit_code == 2 and "no-such-notifier-xyz" in result.output


def test_watch_help_carries_ready_to_copy_cron_and_systemd_examples():
    result = CliRunner().invoke(_group(), ["watch", "--help"], terminal_width=120)
    assert result.exit_code == 0
    assert "15 9 * * * " in result.output and "optout watch --once" in result.output
    assert "OnCalendar=daily" in result.output and "systemctl --user enable --now optout-watch.timer" in result.output


def test_status_without_history_says_how_to_start_one():
    result = CliRunner().invoke(_group(), ["status"])
    assert result.exit_code == 0 and "No checks recorded yet" in result.output


# -- the real thing: rounds against the replica -----------------------------------------------------------
@pytest.fixture(scope="module")
def three_rounds(replica, tmp_path_factory):
    """Instagram watched three times with one data folder: US (baseline), EU (a change), EU (no change)."""
    folder = tmp_path_factory.mktemp("watch")
    data = folder / "data"
    command, out = notifier(folder)
    rounds = []
    for spec in ("us", "eu-en", "eu-en"):
        done = run_cli(data, "watch", "--once", "--platform", "instagram", "--via", replica.scenario_url(spec),
                       "--notify", command)
        rounds.append((done, lines(out)))
    return data, rounds


def test_watch_first_round_records_the_baseline_and_notifies_nothing(three_rounds):
    _data, [(first, notified), *_] = three_rounds
    assert first.returncode == 0, first.stderr
    assert "not_offered (first check" in first.stdout
    assert notified == []


def test_watch_notifies_once_when_the_objection_becomes_available(three_rounds):
    _data, [_, (second, notified), _] = three_rounds
    assert second.returncode == 0, second.stderr
    assert "CHANGED (not_offered -> available)" in second.stdout
    assert len(notified) == 1
    platform, before, after, summary = notified[0].split("|")
    assert (platform, before, after) == ("instagram", "not_offered", "available")
    assert "optout object --platform instagram" in summary
    assert "notified (command)" in second.stdout


def test_watch_does_not_notify_again_while_the_verdict_stays_the_same(three_rounds):
    _data, [*_, (third, notified)] = three_rounds
    assert third.returncode == 0, third.stderr
    assert "available, no change" in third.stdout
    assert len(notified) == 1


def test_status_shows_the_latest_verdict_and_the_change_since_the_first_check(three_rounds):
    data, _ = three_rounds
    done = run_cli(data, "status")
    assert done.returncode == 0, done.stderr
    # The rounds ran against the replica: shown apart from Meta's real pages, with where they came from.
    assert "Meta's real pages: no checks recorded yet" in done.stdout
    assert "Against replicas" in done.stdout and "replica:http://127.0.0.1:" in done.stdout
    assert "Instagram" in done.stdout and "objection offered" in done.stdout
    assert "3 check(s)" in done.stdout and "first: not offered" in done.stdout and "1 change(s)" in done.stdout
    assert "not offered -> objection offered" in done.stdout
    assert "help.instagram.com/contact/" in done.stdout
    assert "Facebook" not in done.stdout


def test_status_json_has_the_latest_the_first_and_the_changes(three_rounds):
    data, _ = three_rounds
    done = run_cli(data, "status", "--json", "--platform", "instagram")
    assert done.returncode == 0, done.stderr
    status = json.loads(done.stdout)
    assert status["platforms"] == {}  # nothing from Meta's real pages: the rounds ran against the replica
    ig = status["replica"]["instagram"]
    assert ig["latest"]["status"] == "available" and ig["latest"]["source"] == "watch"
    assert ig["latest"]["origin"].startswith("replica:http://127.0.0.1:")
    assert ig["first"]["status"] == "not_offered" and ig["checks"] == 3
    assert [(c["from"], c["to"]) for c in ig["changes"]] == [("not_offered", "available")]
    assert Path(ig["latest"]["run_dir"]).is_dir()


def test_an_expired_login_is_reported_with_the_login_command_and_notified_once(replica, tmp_path):
    data = tmp_path / "data"
    command, out = notifier(tmp_path)
    via = replica.scenario_url("us,login=0")
    first = run_cli(data, "watch", "--once", "--platform", "facebook", "--via", via, "--notify", command)
    assert first.returncode == 1
    assert "your saved login for Facebook has expired: run optout login --platform facebook" in first.stdout
    again = run_cli(data, "watch", "--once", "--platform", "facebook", "--via", via, "--notify", command)
    assert again.returncode == 1 and "optout login --platform facebook" in again.stdout
    [line] = lines(out)
    assert line.startswith("facebook||login_required|") and "optout login --platform facebook" in line


def test_watch_loops_with_a_next_check_line_and_ends_cleanly_on_ctrl_c(replica, tmp_path, monkeypatch):
    data = tmp_path / "data"
    proc = subprocess.Popen([sys.executable, "-c", CLI, "watch", "--every", "10m", "--platform", "instagram",
                             "--via", replica.scenario_url("us")], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, text=True, env=cli_env(data), cwd=tmp_path,
                            preexec_fn=as_in_a_terminal)
    seen: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        for line in proc.stdout:
            seen.put(line)
        seen.put(None)

    threading.Thread(target=read, daemon=True).start()
    out = []
    try:
        while not any(line.startswith("Next check at") for line in out):
            line = seen.get(timeout=90)
            assert line is not None, "".join(out) + proc.stderr.read()
            out.append(line)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    while (line := seen.get(timeout=10)) is not None:
        out.append(line)
    text = "".join(out)
    assert "Instagram not_offered (first check" in " ".join(text.split())
    assert "(every 10m). Ctrl-C to stop." in text and "Stopped watching" in text
    monkeypatch.setenv("OPTOUT_DATA_DIR", str(data))
    assert [r.source for r in history.history()] == ["watch"]
