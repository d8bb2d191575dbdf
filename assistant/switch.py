"""The setting_switch action: a platform's AI-training switch (a switch or a checkbox) found by structure, read,
explained, changed only with the person's consent, and read again after a reload.

A platform is data: its hosts, routes, labels and the switch's name come from its flow file (flows/<platform>.toml,
`action = "setting_switch"`); this module holds no platform's name, address or word. It uses the engine's public
API only (walk_routes, open, capture, alive, ms, labels, lang, timeouts, evidence: the engine's own route loop and
step walking, with this module's verdict at the end of a route) and the same consent (consent.py) and
network gate (gate.py) as the objection forms: before the person's yes, every request that would change a setting
on the platform's hosts is refused; after it, one is let through. `off` after a change needs the switch to read
off after a reload; a save that does not hold (the switch reads on again, or the request failed) is an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from assistant import detect
from assistant.consent import Consent
from assistant.engine import Engine, PlatformRun, Result, Stop, detect_errors
from assistant.flows import Flow, Route, normalise, text_contains
from assistant.gate import WRITES, SubmissionGate
from assistant.pagejs import source
from assistant.settings import Settings, has_terminal
from assistant.status import Status


@dataclass
class Switch:
    id: str
    name: str
    state: bool | None
    visible: bool
    disabled: bool
    kind: str

    @property
    def reads(self) -> str:
        return "on" if self.state else "off"


async def switch_run(run: PlatformRun, objecting: bool) -> Result:
    """Check (and, when `objecting`, switch off with consent) one setting_switch platform. Never raises for what a
    page does; the browser's own errors go up to the session, as the forms' do."""
    page, engine, flow, settings, person = run.page, run.engine, run.flow, run.settings, run.person
    result, switch, gate = await _check(page, engine, flow, bool(settings.cdp))
    result.region = _region(flow, settings.country, result.status)
    if flow.further:
        result.next_steps = [f"{name.replace('_', ' ').capitalize()}: {url}" for name, url in flow.further.items()]
    if not objecting or switch is None:
        return result
    assert gate is not None, "a switch was read, so its gate is installed"
    if result.status == Status.ON:
        result = await _switch_off(page, engine, flow, settings, person, result, switch, gate)
    if flow.form is not None:  # the further step, whether the switch was on or already off (further.py)
        from assistant.further import further_form

        result = await further_form(run, result, gate)
    return result


# -- walking to the switch ------------------------------------------------------------------------------------
async def _check(page, engine: Engine, flow: Flow,
                 on_page: bool = False) -> tuple[Result, Switch | None, SubmissionGate | None]:
    """The engine's routes walked to the setting's page, judged by the switch verdict."""
    async def verdict(page, flow: Flow, route: Route) -> tuple[Result, tuple[Switch, SubmissionGate] | None]:
        return await _verdict(page, engine, flow, route, on_page)

    result, reached = await engine.walk_routes(page, flow, verdict, f"{flow.name}'s setting")
    switch, gate = reached if reached is not None else (None, None)
    return result, switch, gate


# -- reading the switch ---------------------------------------------------------------------------------------
async def read_switches(page) -> list[Switch]:
    """Every switch and checkbox on the page, with its accessible name (or the nearest label) and its state."""
    return [Switch(**raw) for raw in await page.evaluate(source("switch"), {"mode": "list"})]


def _named(switches: list[Switch], words: list[str]) -> Switch | None:
    """The switch the flow names: its accessible name says one of the words; a shown one first."""
    named = [s for s in switches if s.state is not None and text_contains(s.name, words)]
    return next((s for s in named if s.visible), named[0] if named else None)


async def _find_switch(page, engine: Engine, flow: Flow) -> tuple[bool, Switch | None]:
    """(the page is the setting's, the switch): the heading recognised, then the switch (which may come late)."""
    assert flow.setting is not None, "a setting_switch flow has a [setting] (checked at load)"
    heading = [normalise(w) for w in engine.labels.words(flow.setting.heading)]
    words = [normalise(w) for w in engine.labels.words(flow.setting.label, engine.lang)]
    recognised = True
    try:
        await page.wait_for_function(source("recognise"), arg=heading, timeout=engine.ms(engine.timeouts.recognise_s),
                                     polling=100)
    except detect_errors():
        if not await engine.alive(page):
            raise
        recognised = False
    switch = _named(await read_switches(page), words)
    if switch is None:
        try:
            await page.wait_for_function(source("switch"), arg={"mode": "wait", "words": words},
                                         timeout=engine.ms(engine.timeouts.late_s), polling=100)
            switch = _named(await read_switches(page), words)
        except detect_errors():
            if not await engine.alive(page):
                raise
    return recognised or switch is not None, switch


async def _verdict(page, engine: Engine, flow: Flow, route: Route,
                   on_page: bool = False) -> tuple[Result, tuple[Switch, SubmissionGate] | None]:
    assert flow.setting is not None, "a setting_switch flow has a [setting] (checked at load)"
    # The gate first: from the setting's page on, nothing that changes a setting leaves without the person's yes
    # (on the page alone under --cdp: the context is shared with the person's own tabs).
    gate = SubmissionGate((), tuple(flow.hosts), change_hosts=tuple(flow.hosts),
                          change_paths=tuple(flow.setting.change_paths))
    await gate.install(page if on_page else page.context)
    recognised, switch = await _find_switch(page, engine, flow)
    where = f"{flow.setting.name}, reached via {route.description}"
    if route.last_resort:
        where += " (its direct address: the links to it were not found)"
    if switch is None:
        facts = await detect.snapshot(page)
        if not recognised:
            await engine.capture(page, flow.platform, "unrecognised-page", status=Status.UNKNOWN)
            if detect.unavailable(facts, engine.labels):
                raise Stop(Status.UNKNOWN, f"{flow.name} says the page at {page.url} is not available.")
            raise Stop(Status.UNKNOWN, f"The page at {page.url} is not {flow.name}'s '{flow.setting.name}' page the "
                                       "flow expects (the site may have changed it).")
        await engine.capture(page, flow.platform, "no-switch", status=Status.NOT_OFFERED)
        return _result(engine, flow, Status.NOT_OFFERED, f"{where[0].upper()}{where[1:]} was read: {flow.name} offers "
                       "no such switch there (not for this account or region).", route), None
    status = Status.ON if switch.state else Status.OFF
    await _outlined(page, engine, flow, switch, f"switch-{switch.reads}", status)
    words = engine.labels.words(flow.setting.label, engine.lang)
    label = next((w for w in words if text_contains(switch.name, [w])), words[0])  # as the page words it
    if status == Status.ON:
        detail = (f"'{label}' is on in {where}: {flow.name} uses your data to train AI; you can switch it off "
                  f"(optout object --platform {flow.platform}).")
    else:
        detail = f"'{label}' is already off in {where}."
    result = _result(engine, flow, status, detail, route)
    result.setting = {"label": label, "state": switch.reads, "url": page.url}
    return result, (switch, gate)


async def _outlined(page, engine: Engine, flow: Flow, switch: Switch, name: str, status: str) -> None:
    await page.evaluate(source("switch"), {"mode": "outline", "id": switch.id})
    await engine.capture(page, flow.platform, name, texts={"switch": switch.name, "state": switch.reads},
                         highlights=[f"{switch.kind} '{switch.name[:80]}' ({switch.reads})"], status=status)


# -- switching it off -----------------------------------------------------------------------------------------
async def _switch_off(page, engine: Engine, flow: Flow, settings: Settings, person, result: Result, switch: Switch,
                      gate: SubmissionGate) -> Result:
    assert flow.setting is not None and result.setting is not None, "a switch that was read"
    label = result.setting["label"]
    summary = (f"{flow.name}: the switch '{label}' is on: {flow.name} may use your data to train its AI models. "
               f"Switching it off applies from now on (what was already used is not removed). Nothing is changed "
               "without your yes.")
    consent = Consent(settings.yes, has_terminal(), not settings.headless, settings.timeouts.confirm_s, person)
    decision = await consent.obtain(page, flow.platform, summary, gate=gate,
                                    question=f"Switch off '{label}' on {flow.name} now? Type yes to switch it off, "
                                             "anything else to leave it on:",
                                    message=f"Switch off '{label}'? Confirm here or in the terminal.")
    if decision not in ("confirm", "self"):
        why = {"no-channel": "no terminal and no visible browser to ask you in (run with --yes to switch it off)",
               "timeout": "no answer in time", "declined": "you said no"}.get(decision, decision)
        result.status = Status.AWAITING_CONFIRMATION  # as a form left unsent: the switch still reads on
        result.detail = f"'{label}' is left on: {why}. Nothing was changed; it waits for your yes."
        return result
    hosts = tuple(flow.hosts)

    def changes(request) -> bool:
        host = (urlsplit(request.url).hostname or "").lower()
        return request.method.upper() in WRITES and any(host == h or host.endswith("." + h) for h in hosts)

    press = page.locator(f'[data-optout-switch-press="{switch.id}"]').first
    answered: int | None = None
    sent = False
    try:
        async with page.expect_request(changes, timeout=engine.ms(engine.timeouts.nav_s)) as info:
            await Consent.press(gate, press)
        request = await info.value
        sent = True
        response = await request.response()
        answered = response.status if response is not None else None
    except detect_errors():
        if not await engine.alive(page):
            raise
    person.say(f"{flow.name}: switched '{label}' " + ("and the change was sent" if sent else
                                                    "(no request was seen)") + "; reloading to read it again.")
    await engine.capture(page, flow.platform, "switch-pressed", highlights=[f"{switch.kind} '{label[:80]}' pressed"])
    await engine.open(page, flow, page.url, "setting-reloaded")
    _, after = await _find_switch(page, engine, flow)
    if after is None:
        await engine.capture(page, flow.platform, "switch-after-reload", status=Status.UNKNOWN)
        return _changed(result, engine, flow, Status.UNKNOWN, f"After the change and a reload, '{label}' is no longer "
                        f"on the page: whether {flow.name} kept it is unknown.", None)
    failed = (sent and (answered is None or answered >= 400))
    status = Status.OFF if not after.state and not failed else Status.ERROR
    await _outlined(page, engine, flow, after, "switch-after-reload", status)
    if status == Status.OFF:
        detail = (f"'{label}' was switched off with your consent and reads off after a reload "
                  f"({page.url}). It applies from now on.")
    elif failed:
        detail = (f"The save failed: {flow.name} answered the change with "
                  f"{answered if answered is not None else 'no answer'}, and after a reload '{label}' reads "
                  f"{after.reads}. Nothing is done; try again later or switch it off yourself at {page.url}.")
    else:
        detail = (f"The save did not hold: after a reload '{label}' reads on again ({flow.name} did not keep the "
                  f"change). Nothing is done; try again later or switch it off yourself at {page.url}.")
    return _changed(result, engine, flow, status, detail, after)


def _changed(result: Result, engine: Engine, flow: Flow, status: str, detail: str, after: Switch | None) -> Result:
    result.status, result.detail = status, detail
    result.evidence = list(engine.evidence.get(flow.platform, []))
    result.setting = dict(result.setting or {}, state=after.reads if after else "unknown",
                          changed=status == Status.OFF)
    return result


# -- helpers ----------------------------------------------------------------------------------------------------
def _result(engine: Engine, flow: Flow, status: str, detail: str, route: Route | None) -> Result:
    return Result(flow.platform, status, detail, evidence=list(engine.evidence.get(flow.platform, [])),
                  route=route.name if route else None)


def _region(flow: Flow, country: str | None, status: str) -> dict | None:
    if not country:
        return None
    expected = flow.expected_in(country)
    mismatch = not expected and status in (Status.ON, Status.OFF)
    where = "everywhere" if not flow.regions else ", ".join(flow.regions)
    note = f"{flow.name} offers the switch {where}."
    return {"country": country, "expected": expected, "mismatch": mismatch, "note": note}

