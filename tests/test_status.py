"""One status type: every table keyed by status covers all of them, the groups and exit codes hold, and the JSON
keeps the plain strings (no browser)."""

from __future__ import annotations

import json

from assistant import status
from assistant.status import Status


def test_every_status_has_its_verdict_and_plain_words():
    from assistant.evidence.report import VERDICTS
    from assistant.summary import PLAIN
    from assistant.watch import PLAIN as WATCH_PLAIN

    assert set(VERDICTS) == set(Status)
    assert set(PLAIN) == set(Status)
    assert set(WATCH_PLAIN) == set(Status)


def test_the_groups():
    assert set(status.ALL) == set(Status) and len(status.ALL) == len(Status)
    assert not set(status.CHECK) & set(status.OBJECT)
    assert set(status.CONCLUSIVE) <= set(status.CHECK) and set(status.WALLS) <= set(status.CHECK)
    assert set(status.VERDICT_OF.values()) <= set(status.CONCLUSIVE)


def test_exit_codes():
    assert status.exit_code(["available", "not_offered"], "check") == 0
    assert status.exit_code(["submitted"], "check") == 1
    assert status.exit_code(["submitted", "awaiting_confirmation", "not_offered"], "object") == 0
    assert status.exit_code(["rejected"], "object") == 1
    assert status.exit_code([], "check") == 1


def test_statuses_are_their_plain_strings():
    assert json.dumps({"status": Status.NOT_OFFERED}) == '{"status": "not_offered"}'
    assert Status.AWAITING_CONFIRMATION == "awaiting_confirmation" and f"{Status.ERROR}" == "error"
