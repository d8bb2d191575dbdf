"""The further step after a platform's switch: its own objection form (the flow's `[form]`), offered by
`optout object` whether the switch was on or already off.

The form is opened, read by structure and filled by the same machinery as Meta's (forms.py: email, reason,
country; a required field it cannot tell apart is named, never guessed), asked about with the same consent
(consent.py) and guarded by the same submission gate (gate.py) on the flow's hosts and its form's endpoint paths:
before the person's yes no request carrying the email or reason, nor any to the form's action, leaves; after it,
one. `submitted` needs the request that carried the form answered 2xx/3xx and the form's confirmation on the page.
The answer goes into the result's `further` entry, beside `setting`; the switch's own verdict stays the result's.
"""

from __future__ import annotations

from assistant.engine import PlatformRun, Result
from assistant.gate import SubmissionGate
from assistant.status import Status


async def further_form(run: PlatformRun, result: Result, setting_gate: SubmissionGate | None) -> Result:
    """The flow's own objection form after its switch; its outcome in `result.further` (never raises for what a
    page does: forms.py turns it into a status)."""
    from assistant.forms import object_on_page

    flow, engine, page = run.flow, run.engine, run.page
    assert flow.form is not None, "a flow with a [form]"
    if not await engine.alive(page):
        return result
    if setting_gate is not None:  # the switch is done: the form's own gate guards from here on
        await setting_gate.uninstall()
    step = Result(flow.platform, Status.AVAILABLE, "", object_link={"text": flow.form.name, "href": flow.form.url})
    done = await object_on_page(run, step)
    result.further = {"name": flow.form.name, "url": flow.form.url, "status": done.status, "detail": done.detail}
    if done.form is not None:
        result.further["form"] = done.form
    if done.confirmation is not None:
        result.further["confirmation"] = done.confirmation
    result.evidence = list(engine.evidence.get(flow.platform, []))
    if done.status == Status.SUBMITTED:  # no longer a step left to take
        result.next_steps = [s for s in result.next_steps if flow.form.url not in s]
    run.person.say(f"{flow.name}: {flow.form.name}: {done.status}: {done.detail}")
    return result
