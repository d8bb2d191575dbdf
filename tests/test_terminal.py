"""The terminal path: a real pseudo-terminal, the person reads the summary and types yes (or not)."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time

REASON = "My public posts are personal and I did not share them to train AI models."


def converse(args, answer: str, tmp_path, timeout: float = 90) -> tuple[int, str]:
    """Run the CLI on a pseudo-terminal; answer once it asks; return (exit code, everything it showed)."""
    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPTOUT_") and k != "DISPLAY"}
    env.update({"OPTOUT_DATA_DIR": str(tmp_path / "data"), "OPTOUT_CONFIG_DIR": str(tmp_path / "config"),
                "COLUMNS": "200", "TERM": "dumb"})
    proc = subprocess.Popen([sys.executable, "-m", "assistant", *args], stdin=slave, stdout=slave, stderr=slave,
                            env=env, cwd=tmp_path, close_fds=True)
    os.close(slave)
    seen, answered = b"", False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 1.0)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the other end closed: the program ended
                break
            if not chunk:
                break
            seen += chunk
        if not answered and b"Type yes to send" in seen:
            os.write(master, answer.encode() + b"\n")
            answered = True
        if proc.poll() is not None and not ready:
            break
    proc.wait(timeout=30)
    os.close(master)
    return proc.returncode, seen.decode(errors="replace")


def test_typing_yes_in_the_terminal_sends_the_form(replica, tmp_path):
    replica.reset()
    code, shown = converse(["object", "--platform", "facebook", "--via", replica.scenario_url("eu-en"),
                            "--headless", "--reason", REASON], "yes", tmp_path)
    assert "Type yes to send" in shown
    assert "objection sent, and Meta confirmed it [submitted]" in shown, shown[-1500:]
    assert code == 0
    assert len([p for p in replica.posts if p["kind"] == "objection_form"]) == 1


def test_anything_but_yes_in_the_terminal_sends_nothing(replica, tmp_path):
    replica.reset()
    code, shown = converse(["object", "--platform", "facebook", "--via", replica.scenario_url("eu-en"),
                            "--headless", "--reason", REASON], "no", tmp_path)
    assert "[awaiting_confirmation]" in shown, shown[-1500:]
    assert "you chose not to send it" in shown
    assert [p for p in replica.posts if p["kind"] == "objection_form"] == []
