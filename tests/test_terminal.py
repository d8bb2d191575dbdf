"""The terminal path: a real pseudo-terminal, the person reads the summary and types yes (or not). One question at
a time for all platforms, each naming its platform; what was typed before a question answers nothing; page and
person texts are shown literally (never read as markup)."""

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


def talk(args, tmp_path, respond, early: bytes = b"", timeout: float = 120) -> tuple[int, str]:
    """Run the CLI on a pseudo-terminal; `respond(everything shown so far)` returns what to type (or None).
    `early` is typed at once, before the program has asked anything."""
    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPTOUT_") and k != "DISPLAY"}
    env.update({"OPTOUT_DATA_DIR": str(tmp_path / "data"), "OPTOUT_CONFIG_DIR": str(tmp_path / "config"),
                "COLUMNS": "200", "TERM": "dumb"})
    proc = subprocess.Popen([sys.executable, "-m", "assistant", *args], stdin=slave, stdout=slave, stderr=slave,
                            env=env, cwd=tmp_path, close_fds=True)
    os.close(slave)
    if early:
        os.write(master, early)
    seen = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 1.0)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
            reply = respond(seen.decode(errors="replace"))
            if reply is not None:
                os.write(master, reply.encode() + b"\n")
        if proc.poll() is not None and not ready:
            break
    proc.wait(timeout=30)
    os.close(master)
    return proc.returncode, seen.decode(errors="replace")


QUESTION = "Send this objection to {} now? Type yes to send"
LITERAL_REASON = "My photos [of my kids] and [/] notes are [bold]mine[/bold]; not for AI :smile:."


def test_both_platforms_ask_one_question_at_a_time_each_naming_its_platform(replica, tmp_path):
    replica.reset()
    order: list[str] = []
    seen_when_answered: dict[str, str] = {}

    def respond(shown: str) -> str | None:
        for name in ("Facebook", "Instagram"):
            if name in order or QUESTION.format(name) not in shown:
                continue
            # Answer the first question only once the other platform's form is filled too (its question would
            # show by now if two could be on screen at once), and the question is shown again below that news.
            if not order and not (all(f"{p}: the form is filled in" in shown for p in ("Facebook", "Instagram"))
                                  and shown.rstrip().endswith("anything else to leave it unsent:")):
                return None
            order.append(name)
            seen_when_answered[name] = shown
            return "yes" if len(order) == 1 else "no"
        return None

    code, shown = talk(["object", "--platform", "facebook,instagram", "--via", replica.scenario_url("eu-en"),
                        "--headless",
                        "--reason", LITERAL_REASON], tmp_path, respond)
    assert len(order) == 2, shown[-3000:]
    first, second = order
    assert QUESTION.format(second) not in seen_when_answered[first]  # never two questions at once
    assert f"{first}: {QUESTION.format(first)}" in shown and f"{second}: {QUESTION.format(second)}" in shown
    # The question stays the last thing on screen while it waits (other lines go above it).
    assert seen_when_answered[first].rstrip().endswith("anything else to leave it unsent:")
    # Texts from the person and the pages are shown as they are: no markup, no emoji codes, no crash on "[/]".
    assert LITERAL_REASON in shown
    assert "Traceback" not in shown and "MarkupError" not in shown
    assert code == 0, shown[-2000:]
    sent = [p for p in replica.posts if p["kind"] == "objection_form"]
    assert len(sent) == 1
    host = "facebook" if first == "Facebook" else "instagram"
    assert host in sent[0]["host"]


def test_a_yes_typed_before_the_question_answers_nothing(replica, tmp_path):
    replica.reset()
    asked: list[bool] = []

    def respond(shown: str) -> str | None:
        if not asked and QUESTION.format("Facebook") in shown:
            asked.append(True)
            return "no"
        return None

    code, shown = talk(["object", "--platform", "facebook", "--via", replica.scenario_url("eu-en"), "--headless",
                        "--reason", REASON], tmp_path, respond, early=b"yes\n")
    assert asked, shown[-2000:]
    assert "[awaiting_confirmation]" in shown, shown[-2000:]
    assert [p for p in replica.posts if p["kind"] == "objection_form"] == []
