"""Every status a platform's run ends in, and their groups: one table for the engine, the actions, the exit codes,
the report, the history, watch and the CLI.

A Status is a str (StrEnum): it compares equal to its value and is written as it in report.json, the history and
--json, so the files and the output keep their plain strings.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    # what `check` finds
    AVAILABLE = "available"  # the AI at Meta box offers the objection link
    NOT_OFFERED = "not_offered"  # the destination was read; no AI objection link there
    LOGIN_REQUIRED = "login_required"  # a login wall (or a password the assistant never types)
    BLOCKED = "blocked"  # a security check ("Confirm it's you") or a limit
    UNKNOWN = "unknown"  # the pages gave no clear answer; no verdict is guessed
    ERROR = "error"  # a fault before a verdict (network, browser, disk, a bug)
    # what `check` finds for a setting_switch platform (LinkedIn, X ...)
    ON = "on"  # the switch is offered and on: the person can switch it off
    OFF = "off"  # the switch is offered and off (already, or switched off with consent and read off after a reload)
    # what `object` adds
    SUBMITTED = "submitted"  # sent with consent, answered 2xx/3xx, and confirmed by Meta
    AWAITING_CONFIRMATION = "awaiting_confirmation"  # filled in, not sent (or a code still to come)
    REJECTED = "rejected"  # Meta refused the form
    ALREADY_OBJECTED = "already_objected"  # not sent: a confirmed objection already covers this account


CHECK = (Status.AVAILABLE, Status.NOT_OFFERED, Status.ON, Status.OFF, Status.LOGIN_REQUIRED, Status.BLOCKED,
         Status.UNKNOWN, Status.ERROR)
OBJECT = (Status.SUBMITTED, Status.AWAITING_CONFIRMATION, Status.REJECTED, Status.ALREADY_OBJECTED)
ALL = CHECK + OBJECT

# A verdict: the destination was read (watch compares these; the rest are inconclusive rounds).
CONCLUSIVE = (Status.AVAILABLE, Status.NOT_OFFERED, Status.ON, Status.OFF)
# A wall: the person must act (log in, pass the security check); the route is not tried further.
WALLS = (Status.LOGIN_REQUIRED, Status.BLOCKED)
# Exit code 0 when every platform ends in one of these.
CHECK_OK = frozenset(CONCLUSIVE)
# A switch: `off` (already, or switched off and read off after a reload); left on without the person's yes it is
# awaiting_confirmation, as a form left unsent; a save that did not hold is an error.
OBJECT_OK = frozenset({Status.AVAILABLE, Status.NOT_OFFERED, Status.SUBMITTED, Status.AWAITING_CONFIRMATION,
                       Status.ALREADY_OBJECTED, Status.OFF})

# What an object run's status says about the check's verdict (a form was reached: the objection is offered).
VERDICT_OF: dict[Status, Status] = {Status.AVAILABLE: Status.AVAILABLE, Status.NOT_OFFERED: Status.NOT_OFFERED,
                                    Status.SUBMITTED: Status.AVAILABLE, Status.AWAITING_CONFIRMATION: Status.AVAILABLE,
                                    Status.REJECTED: Status.AVAILABLE, Status.ALREADY_OBJECTED: Status.AVAILABLE,
                                    Status.ON: Status.ON, Status.OFF: Status.OFF}


def exit_code(statuses: list[str], command: str) -> int:
    """0 when there are results and every one is fine for the command (check: a verdict; object: also submitted or
    awaiting confirmation), else 1."""
    ok = CHECK_OK if command == "check" else OBJECT_OK
    return 0 if statuses and all(s in ok for s in statuses) else 1
