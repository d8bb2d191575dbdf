"""Bad input is caught before any browser starts: one sentence on stderr, exit code 2, nothing written.

Every case runs the real CLI with a `--via` that would otherwise start a browser and create a run folder, so a
missing check shows up as a run folder (or a "Starting ... browser" line) and fails the test.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO

# Nothing listens here: if validation let a run through, it would still start a browser and write a run folder.
DEAD_VIA = "http://127.0.0.1:9/scenario/eu-en"
REASON = "My public posts are personal and I did not share them to train AI models."


def refused(result, tmp_path: Path, *names: str) -> str:
    """Exit code 2, exactly one line on stderr ("Error: ..."), no traceback, no browser, no run folder."""
    code, stdout, stderr, _ = result
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert code == 2, (code, stderr)
    assert len(lines) == 1 and lines[0].startswith("Error: "), stderr
    assert "Traceback" not in stderr and "Starting" not in stderr
    assert stdout == ""
    written = [p for p in (tmp_path / "data").rglob("*")] if (tmp_path / "data").exists() else []
    assert not [p for p in written if p.name == "runs" or p.suffix == ".png"], written
    for name in names:
        assert name in lines[0], (name, lines[0])
    return lines[0]


def test_a_malformed_email_is_refused(optout, tmp_path):
    line = refused(optout("object", "--platform", "facebook", "--via", DEAD_VIA, "--headless", "--email",
                          "person.example.com", "--reason", REASON), tmp_path, "person.example.com")
    assert "not valid" in line


@pytest.mark.parametrize("country", ["XX", "EU", "Germoney"])
def test_an_unknown_or_non_iso_country_is_refused(optout, tmp_path, country):
    line = refused(optout("check", "--platform", "facebook", "--via", DEAD_VIA, "--headless", "--country", country),
                   tmp_path, repr(country))
    assert "ISO 3166" in line


@pytest.mark.parametrize("reason", ["", "   \t  "])
def test_an_empty_or_blank_reason_is_refused(optout, tmp_path, reason):
    line = refused(optout("object", "--platform", "facebook", "--via", DEAD_VIA, "--headless", "--yes",
                          "--reason", reason), tmp_path)
    assert "reason is empty" in line


def test_an_empty_reason_file_is_refused(optout, tmp_path):
    (tmp_path / "reason.txt").write_text("  \n\n", encoding="utf-8")
    line = refused(optout("object", "--platform", "facebook", "--via", DEAD_VIA, "--headless", "--yes",
                          "--reason-file", "reason.txt"), tmp_path)
    assert "reason is empty" in line


def test_a_reason_longer_than_the_form_takes_is_refused(optout, tmp_path):
    import tomllib

    limit = tomllib.loads((REPO / "flows" / "reasons.toml").read_text(encoding="utf-8"))["max_chars"]
    line = refused(optout("object", "--platform", "facebook", "--via", DEAD_VIA, "--headless", "--yes",
                          "--reason", "x" * (limit + 1)), tmp_path, str(limit + 1), str(limit))
    assert "at most" in line


def test_a_missing_reason_file_is_refused(optout, tmp_path):
    refused(optout("object", "--platform", "facebook", "--via", DEAD_VIA, "--headless", "--yes",
                   "--reason-file", "no-such-reason.txt"), tmp_path, "no-such-reason.txt", "does not exist")


def test_an_unknown_platform_is_refused_in_one_line(optout, tmp_path):
    refused(optout("check", "--platform", "twitter", "--via", DEAD_VIA, "--headless"), tmp_path, "'twitter'",
            "facebook")


@pytest.mark.parametrize("how", ["flag", "env"])
def test_an_unknown_language_is_refused(optout, tmp_path, how):
    args = ["check", "--platform", "facebook", "--via", DEAD_VIA, "--headless"]
    env = {}
    if how == "flag":
        args += ["--lang", "deu"]
    else:
        env["OPTOUT_LANG"] = "deu"
    refused(optout(*args, env=env), tmp_path, "'deu'", "did you mean de")


@pytest.mark.parametrize("option", ["--profile", "--evidence-dir"])
def test_a_profile_or_evidence_path_that_is_a_file_is_refused(optout, tmp_path, option):
    (tmp_path / "a-file").write_text("not a folder")
    refused(optout("check", "--platform", "facebook", "--via", DEAD_VIA, "--headless", option, "a-file"),
            tmp_path, "a-file", "not a folder")


@pytest.mark.parametrize("option", ["--profile", "--evidence-dir"])
def test_a_profile_or_evidence_path_below_a_file_is_refused(optout, tmp_path, option):
    (tmp_path / "a-file").write_text("not a folder")
    refused(optout("check", "--platform", "facebook", "--via", DEAD_VIA, "--headless", option, "a-file/sub"),
            tmp_path, "a-file", "is a file")


def test_an_evidence_path_that_cannot_be_written_is_refused(optout, tmp_path):
    # /proc/sys is mounted read-only: no permission bit (not even root's) makes it writable.
    assert Path("/proc/sys").is_dir()
    refused(optout("check", "--platform", "facebook", "--via", DEAD_VIA, "--headless", "--evidence-dir",
                   "/proc/sys/optout-runs"), tmp_path, "/proc/sys/optout-runs", "cannot be written")


def test_an_unknown_optout_key_in_env_file_names_it_and_the_closest_known_one(optout, tmp_path):
    (tmp_path / ".env").write_text("OPTOUT_HEADLESS=1\nOPTOUT_EMIAL=person@example.com\n", encoding="utf-8")
    line = refused(optout("check", "--platform", "facebook", "--via", DEAD_VIA), tmp_path, "OPTOUT_EMIAL",
                   "OPTOUT_EMAIL")
    assert ".env" in line


@pytest.mark.parametrize("via", ["ftp://127.0.0.1:8765/scenario/eu-en", "127.0.0.1:8765/scenario/eu-en",
                                 "file:///etc/passwd", "http://"])
def test_a_via_that_is_not_an_http_url_is_refused(optout, tmp_path, via):
    refused(optout("check", "--platform", "facebook", "--via", via, "--headless"), tmp_path, "--via", repr(via))


def test_a_timeout_setting_that_is_not_a_number_is_refused(optout, tmp_path):
    refused(optout("check", "--platform", "facebook", "--via", DEAD_VIA, "--headless",
                   env={"OPTOUT_NAV_TIMEOUT": "soon"}), tmp_path, "OPTOUT_NAV_TIMEOUT", "'soon'")


def broken_flows(tmp_path: Path, old: str, new: str, file: str = "facebook.toml") -> tuple[Path, int]:
    """A copy of flows/ with one line changed; returns the folder and the (1-based) line changed."""
    folder = tmp_path / "flows"
    shutil.copytree(REPO / "flows", folder)
    path = folder / file
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    hits = [i for i, ln in enumerate(lines) if old in ln]
    assert hits, old
    lines[hits[0]] = lines[hits[0]].replace(old, new, 1)
    path.write_text("".join(lines), encoding="utf-8")
    return folder, hits[0] + 1


@pytest.mark.parametrize("old,new,field", [
    ('{ follow = "privacy_center"', '{ folow = "privacy_center"', "routes[1].steps[1].folow"),
    ('lands_on = "privacy_center"', 'lands_on = "privacy_centre"', "routes[1].lands_on"),
    ('{ follow = "privacy_topics"', '{ follow = "privacy_topix"', "routes[2].steps[1].follow"),
])
def test_a_flow_file_with_a_wrong_field_names_file_field_and_line(optout, tmp_path, old, new, field):
    folder, line_no = broken_flows(tmp_path, old, new)
    line = refused(optout("check", "--platform", "facebook", "--via", DEAD_VIA, "--headless",
                          env={"OPTOUT_FLOWS_DIR": str(folder)}), tmp_path)
    assert str(folder / "facebook.toml") in line
    assert f"line {line_no}:" in line, line
    assert f"'{field}'" in line, line


def test_a_flow_file_that_is_not_toml_names_the_file_and_line(optout, tmp_path):
    folder, line_no = broken_flows(tmp_path, 'name = "Instagram"', 'name = "Instagram', "instagram.toml")
    line = refused(optout("check", "--platform", "instagram", "--via", DEAD_VIA, "--headless",
                          env={"OPTOUT_FLOWS_DIR": str(folder)}), tmp_path, str(folder / "instagram.toml"))
    assert re.search(rf"line {line_no}\b", line), line


# -- --via is for local replicas ------------------------------------------------------------------------------------
@pytest.mark.parametrize("via", ["http://127.0.0.1.nip.io:8765/x", "https://example.org",
                                 "http://localhost.example.org:8765/x", "http://10.0.0.1:8765/x"])
@pytest.mark.parametrize("command", [["check"], ["object", "--yes", "--reason", REASON], ["login"],
                                     ["watch", "--once"]])
def test_a_via_that_is_not_this_machine_is_refused_before_any_browser(optout, tmp_path, via, command):
    line = refused(optout(*command, "--platform", "facebook", "--via", via), tmp_path, repr(via))
    assert "--via-remote" in line and "not on this machine" in line


@pytest.mark.parametrize("how", ["env", "dotenv"])
def test_a_via_from_the_environment_or_env_file_must_be_local_too(optout, tmp_path, how):
    env = {}
    if how == "env":
        env["OPTOUT_VIA"] = "https://example.org/x"
    else:
        (tmp_path / ".env").write_text("OPTOUT_VIA=https://example.org/x\n", encoding="utf-8")
    refused(optout("check", "--platform", "facebook", "--headless", env=env), tmp_path, "not on this machine")


@pytest.mark.parametrize("how", ["env", "dotenv"])
def test_via_remote_cannot_be_set_by_the_environment_or_an_env_file(optout, tmp_path, how):
    env = {}
    if how == "env":
        env["OPTOUT_VIA_REMOTE"] = "1"
    else:
        (tmp_path / ".env").write_text("OPTOUT_VIA_REMOTE=1\n", encoding="utf-8")
    refused(optout("check", "--platform", "facebook", "--via", "https://example.org", "--headless", env=env),
            tmp_path, "OPTOUT_VIA_REMOTE", "--via-remote", "command line")


@pytest.mark.parametrize("via", ["http://127.0.0.1:8765/x", "http://127.3.4.5:8765/x", "http://[::1]:8765/x",
                                 "http://localhost:8765/x", "http://LOCALHOST./x"])
def test_loopback_addresses_and_localhost_are_accepted(via):
    from assistant.settings import build

    assert build(platform="facebook", via=via).via == via.rstrip("/")


def test_via_remote_on_the_command_line_allows_another_host_with_a_warning():
    from assistant.settings import build, remote_via_warning

    s = build(platform="facebook", via="https://example.org/x", via_remote=True)
    assert s.via == "https://example.org/x" and s.via_remote
    assert "example.org" in remote_via_warning(s) and "another machine" in remote_via_warning(s)
    assert remote_via_warning(build(platform="facebook", via="http://127.0.0.1:9/x", via_remote=True)) is None
