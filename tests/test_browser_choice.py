"""Which browser a run uses, and why: an explicit one, Playwright's own, else the system's; and doctor."""

from __future__ import annotations

import json
import stat

import pytest

from assistant import browser


def fake_playwright_browsers(root, revision):
    """The folders `playwright install chromium` leaves, with empty executables."""
    for rel in (f"chromium-{revision}/chrome-linux64/chrome",
                f"chromium_headless_shell-{revision}/chrome-headless-shell-linux64/chrome-headless-shell"):
        exe = root / rel
        exe.parent.mkdir(parents=True)
        exe.write_text("#!/bin/sh\n")
        exe.chmod(exe.stat().st_mode | stat.S_IEXEC)


def test_an_explicit_browser_path_wins_and_says_why(tmp_path, monkeypatch):
    exe = tmp_path / "my-chrome"
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    choice = browser.find_browser(str(exe))
    assert choice.executable == str(exe) and choice.source == "explicit"
    monkeypatch.setenv("OPTOUT_BROWSER", str(exe))
    assert browser.find_browser().source == "explicit"


def test_an_explicit_path_that_is_not_executable_is_one_clear_sentence(tmp_path):
    with pytest.raises(browser.BrowserMissing, match="not an executable file"):
        browser.find_browser(str(tmp_path / "missing"))


def test_playwrights_own_chromium_is_preferred_when_installed(tmp_path, monkeypatch):
    revision = browser._playwright_revision()
    assert revision, "the installed playwright names its Chromium revision"
    fake_playwright_browsers(tmp_path, revision)
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path))
    choice = browser.find_browser()
    assert choice.executable is None and choice.source == "playwright"


def test_a_half_installed_playwright_chromium_falls_back_to_the_system(tmp_path, monkeypatch):
    revision = browser._playwright_revision()
    (tmp_path / f"chromium-{revision}").mkdir()
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path))
    system = browser.system_browser()
    if system is None:
        pytest.skip("no system Chromium on this machine")
    choice = browser.find_browser()
    assert choice.source == "system" and choice.executable == system
    assert "not installed" in choice.reason


def test_headless_runs_use_debians_headless_shell_beside_debians_chromium(tmp_path, monkeypatch):
    def exe(name):
        path = tmp_path / name
        path.write_text("#!/bin/sh\n")
        path.chmod(0o755)
        return str(path)

    chromium, shell, other = exe("chromium"), exe("chromium-headless-shell"), exe("google-chrome")
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path / "none"))
    monkeypatch.setattr(browser, "DEBIAN_CHROMIUM", (chromium,))
    monkeypatch.setattr(browser, "HEADLESS_SHELL_CANDIDATES", (shell,))
    monkeypatch.setattr(browser, "SYSTEM_CANDIDATES", (chromium,))
    choice = browser.find_browser()
    assert choice.executable_for(headless=True) == shell and choice.executable_for(headless=False) == chromium
    assert browser.choose_browser("chromium").executable_for(headless=True) == shell
    monkeypatch.setattr(browser, "SYSTEM_CANDIDATES", (other,))  # another vendor's browser: no shell of Debian's
    assert browser.find_browser().executable_for(headless=True) == other
    monkeypatch.setattr(browser, "SYSTEM_CANDIDATES", (chromium,))
    monkeypatch.setattr(browser, "HEADLESS_SHELL_CANDIDATES", (str(tmp_path / "absent"),))
    assert browser.find_browser().executable_for(headless=True) == chromium  # none installed: the full browser
    assert browser.find_browser(other).executable_for(headless=True) == other  # a named browser is used as named


def test_a_headless_run_records_the_binary_it_started(assistant_run):
    outcome = assistant_run("eu-en", platform="facebook")
    recorded = json.loads((outcome.run.path / "run.json").read_text())["meta"]["browser"]
    choice = browser.find_browser()
    assert recorded["executable"] == choice.executable_for(headless=True)
    if choice.headless_shell:
        assert recorded["executable"].endswith("headless-shell")


def test_no_browser_at_all_names_the_command_to_run(tmp_path, monkeypatch):
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path))
    monkeypatch.setattr(browser, "SYSTEM_CANDIDATES", ())
    monkeypatch.setattr(browser, "WHICH_NAMES", ())
    with pytest.raises(browser.BrowserMissing, match="Run: optout install-browser"):
        browser.find_browser()


def test_doctor_says_which_browser_and_why_on_one_screen(optout):
    code, stdout, stderr, _ = optout("doctor")
    assert code == 0, stdout + stderr
    assert "browser:" in stdout and "why:" in stdout and "display:" in stdout and "profiles:" in stdout
    assert len(stdout.splitlines()) <= 24


def test_doctor_names_a_configuration_problem(optout, tmp_path):
    (tmp_path / ".env").write_text("OPTOUT_COUNTRI=DE\n")
    code, stdout, _, _ = optout("doctor")
    assert code == 1
    assert "OPTOUT_COUNTRI" in stdout and "OPTOUT_COUNTRY" in stdout


def test_install_browser_is_quick_and_quiet_when_a_browser_was_chosen_before(optout, tmp_path):
    config = tmp_path / "config"
    config.mkdir()
    (config / "browser-install.json").write_text(json.dumps({"playwright_download": "failed",
                                                             "headless_shell": "failed"}))
    if browser.system_browser() is None:
        pytest.skip("no system Chromium on this machine")
    code, _, stderr, _ = optout("install-browser", "--quiet-if-present")
    assert code == 0
    assert "tried before" in stderr


def test_a_wrong_option_is_a_short_usage_error(optout):
    code, stdout, stderr, _ = optout("check", "--platfrom", "facebook")
    assert code == 2
    assert "No such option" in stderr and "--platform" in stderr
    assert len(stderr.splitlines()) <= 6
