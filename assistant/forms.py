"""The objection form: the gate question, recognising the version, filling it, the emailed code, and reading
Meta's answer (confirmation or refusal). Submission itself goes through consent.py only."""

from __future__ import annotations

import asyncio
import gettext
from dataclasses import dataclass, field

from assistant import browser as nav
from assistant import detect
from assistant.consent import Consent
from assistant.engine import Engine, Result, Stop, describe_error, detect_errors
from assistant.flows import Flow, load_guidance, normalise, text_contains
from assistant.settings import Settings, has_terminal

OUTCOME_JS = r"""
([confirmWords, codeWords]) => {
  const norm = (s) => (s || '').normalize('NFC').replace(/[\u2018\u2019]/g, "'").replace(/\s+/g, ' ')
    .trim().toLowerCase();
  const vis = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  const alerts = [...document.querySelectorAll('[role=alert]')].filter(vis).map(e => norm(e.innerText)).filter(Boolean);
  if (alerts.length) return {kind: 'alert', text: [...document.querySelectorAll('[role=alert]')].filter(vis)
    .map(e => e.innerText.trim()).filter(Boolean).join(' ')};
  for (const input of document.querySelectorAll('input:not([type=hidden]):not([type=email]):not([type=password])')) {
    if (!vis(input)) continue;
    const label = norm((input.labels && input.labels[0] && input.labels[0].innerText)
      || input.getAttribute('aria-label')
      || input.getAttribute('placeholder') || '');
    if (codeWords.some(w => label.includes(w))) return {kind: 'code', text: label};
  }
  // The form still showing is never a confirmation, whatever its own text says ("... applied going forward").
  const fields = 'textarea, input[type=email], input[type=password], select';
  if ([...document.querySelectorAll(fields)].some(vis)) return null;
  const body = norm(document.body ? document.body.innerText : '');
  if (!confirmWords.some(w => body.includes(w))) return null;
  // Meta's message as the person reads it: the smallest block holding a heading and the matched words.
  const blocks = [...document.querySelectorAll('main, [role=main], section, article, div, p')]
    .filter(vis).filter(b => confirmWords.some(w => norm(b.innerText).includes(w)));
  const rich = blocks.filter(b => b.querySelector('h1,h2,h3,[role=heading]'));
  const pick = (rich.length ? rich : blocks).sort((a, b) => a.innerText.length - b.innerText.length)[0];
  const text = (pick ? pick.innerText : document.body.innerText).replace(/[ \t]+/g, ' ')
    .replace(/\n\s*\n+/g, '\n').trim();
  return {kind: 'confirm', text: text.slice(0, 1500)};
}
"""

FORM_READY_JS = r"""
() => [...document.querySelectorAll('textarea, input[type=email], select, input[type=text]')]
  .some(e => e.getClientRects().length > 0)
"""


@dataclass
class FormFields:
    country: object | None = None
    email: object | None = None
    reason: object | None = None
    extra: object | None = None
    send: object | None = None
    reason_required: bool = False
    filled: dict = field(default_factory=dict)
    version: str = "?"


async def object_on_page(page, engine: Engine, flow: Flow, settings: Settings, person, result: Result,
                         code_provider=None) -> Result:
    """From an `available` verdict: open the form, fill it, get consent, submit, read Meta's answer."""
    href = result.object_link["href"]
    consent = Consent(settings.yes, has_terminal(), not settings.headless, settings.timeouts.confirm_s, person,
                      code_provider)
    guidance = load_guidance()
    form_json: dict | None = None
    try:
        person.say(f"{flow.name}: opening the objection form {href}")
        await engine._open(page, flow, href, "objection-form")
        await _answer_gate(page, engine, flow)
        fields = await _recognise(page, engine, flow)
        await _fill(page, engine, fields, settings, person, flow)
        form_json = {"version": fields.version, "filled": dict(fields.filled)}
        await _outline(page, fields)
        texts = {k: str(v) for k, v in fields.filled.items()}
        await engine._shot(page, flow.platform, "form-filled", texts=texts,
                           highlights=[f"field {k}" for k in fields.filled], status="awaiting_confirmation")
        asks_password = await _asks_for_password(page)
        if asks_password:
            await engine._shot(page, flow.platform, "form-asks-password", status="awaiting_confirmation",
                               highlights=["password field (left empty)"])
            if consent.visible:
                person.warn(f"{flow.name}'s form asks for your password. The assistant never types it: type it "
                            "yourself in the browser, then press the form's button.")
        if asks_password and not consent.visible:
            return _with(result, "awaiting_confirmation", f"{flow.name}'s form asks for your password, which the "
                         "assistant never types: type it yourself in the browser and press the form's button "
                         "(run with a visible browser).", form_json)
        missing = _missing(fields)
        if missing and not consent.visible:
            return _with(result, "awaiting_confirmation", f"The form is open but needs {missing}: " + _missing_hint(
                missing), form_json)
        summary = _summary(flow, fields)
        decision = await consent.obtain(page, flow.platform, summary)
        if decision in ("no-channel", "timeout", "declined"):
            why = {"no-channel": "there is no terminal or visible browser to confirm in and --yes was not given",
                   "timeout": "no confirmation came in time", "declined": "you chose not to send it"}[decision]
            await engine._shot(page, flow.platform, "form-not-sent", status="awaiting_confirmation")
            return _with(result, "awaiting_confirmation", f"The form is filled in and was NOT sent: {why}. "
                                                           "Run again with your confirmation to send it.", form_json)
        if decision == "confirm":
            if missing:
                return _with(result, "awaiting_confirmation", f"Not sent: the form still needs {missing}. "
                             + _missing_hint(missing), form_json)
            await Consent.press(fields.send)
        outcome = await _after_submit(page, engine, flow, consent, person)
    except Stop as stop:
        return _with(result, stop.status, stop.detail, form_json)
    except detect_errors() as exc:
        status, detail = describe_error(exc, settings.timeouts.nav_s)
        return _with(result, status, detail, form_json)
    kind, text = outcome
    if kind == "confirm":
        r = _with(result, "submitted", f"{flow.name} confirmed the objection.", form_json)
        r.confirmation = {"text": text}
        r.next_steps = list(guidance.after_submitted)
        return r
    if kind == "alert":
        return _with(result, "rejected", f"{flow.name} refused the form: \"{text[:300]}\". Nothing was accepted.",
                     form_json)
    return _with(result, "unknown", f"After sending, {flow.name} showed no confirmation: {text}", form_json)


async def _asks_for_password(page) -> bool:
    return await page.evaluate(
        "() => [...document.querySelectorAll('input[type=password]')].some(e => e.getClientRects().length > 0)")


def _with(result: Result, status: str, detail: str, form: dict | None) -> Result:
    result.status, result.detail = status, detail
    if form is not None:
        result.form = form
    return result


async def _answer_gate(page, engine: Engine, flow: Flow) -> None:
    """The German 'Bezieht sich deine Anfrage auf KI bei Meta?' question: answer yes, go on."""
    facts = await detect.snapshot(page)
    if not text_contains(" ".join(facts.headings) + " " + facts.text[:2000], engine.labels.words("gate_question")):
        return
    for word in engine.labels.words("yes", engine.lang):
        for role in ("radio", "button"):
            choice = page.get_by_role(role, name=word, exact=True)
            if await choice.count():
                await engine._shot(page, flow.platform, "gate-question", highlights=[f"{role} '{word}'"])
                if role == "radio":
                    await choice.first.check()
                    await _press_first(page, engine.labels.words("continue", engine.lang))
                else:
                    await choice.first.click()
                await nav.settle(page, engine._ms(engine.t.nav_s))
                await engine._arrive(page, flow, "after-gate", None)
                return
    raise Stop("unknown", "The form asks whether the request relates to AI at Meta, but no 'yes' answer was found.")


async def _press_first(page, words: list[str]) -> None:
    for word in words:
        button = page.get_by_role("button", name=word, exact=True)
        if await button.count():
            await button.first.click()
            return
    raise Stop("unknown", f"No '{words[0]}' button to go on.")


FIELDS_JS = r"""
(specs) => {
  const norm = (s) => (s || '').normalize('NFC').replace(/[\u2018\u2019]/g, "'").replace(/\s+/g, ' ')
    .trim().toLowerCase();
  const vis = (e) => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';
  const kind = (e) => e.tagName.toLowerCase();
  const labelOf = (e) => {
    const parts = [...(e.labels || [])].map((l) => l.innerText);
    parts.push(e.getAttribute('aria-label') || '', e.getAttribute('placeholder') || '');
    for (const id of (e.getAttribute('aria-labelledby') || '').split(/\s+/).filter(Boolean)) {
      const ref = document.getElementById(id); if (ref) parts.push(ref.innerText);
    }
    return norm(parts.join(' | '));
  };
  const skip = new Set(['hidden', 'password', 'checkbox', 'radio', 'submit', 'button']);
  const controls = [...document.querySelectorAll('input, select, textarea')]
    .filter((e) => vis(e) && !skip.has((e.type || '').toLowerCase()));
  document.querySelectorAll('[data-optout-field]').forEach((e) => e.removeAttribute('data-optout-field'));
  const found = {};
  for (const [key, spec] of Object.entries(specs)) {
    for (const word of spec.words) {
      const el = controls.find((e) => !e.hasAttribute('data-optout-field') && spec.tags.includes(kind(e))
        && labelOf(e).includes(word));
      if (el) { el.setAttribute('data-optout-field', key); found[key] = true; break; }
    }
  }
  return found;
}
"""

FIELD_TAGS = {"country": ("select", "input"), "email": ("input",), "reason": ("textarea",),
              "extra": ("textarea", "input"), "code": ("input",)}


async def _controls(page, engine: Engine, keys: tuple[str, ...]) -> dict:
    """The form's fields by their labels (page language first), found in one look at the page."""
    specs = {key: {"words": [normalise(w) for w in engine.labels.words(f"{key}_field", engine.lang)],
                   "tags": list(FIELD_TAGS[key])} for key in keys}
    found = await page.evaluate(FIELDS_JS, specs)
    return {key: page.locator(f'[data-optout-field="{key}"]') if found.get(key) else None for key in keys}


async def _recognise(page, engine: Engine, flow: Flow) -> FormFields:
    try:
        await page.wait_for_function(FORM_READY_JS, timeout=engine._ms(engine.t.late_s + engine.t.recognise_s),
                                     polling=100)
    except detect_errors() as exc:
        await engine._shot(page, flow.platform, "form-not-found", status="unknown")
        raise Stop("unknown", f"The objection form at {page.url} did not appear (Meta may have changed it).") from exc
    lang = engine.lang
    words = engine.labels.words
    f = FormFields(**await _controls(page, engine, ("country", "email", "reason", "extra")))
    for word in words("send", lang):
        button = page.get_by_role("button", name=word, exact=True)
        if await button.count():
            f.send = button.first
            break
    if f.email is None or f.send is None:
        await engine._shot(page, flow.platform, "form-unrecognised", status="unknown")
        missing = "email field" if f.email is None else "send button"
        raise Stop("unknown", f"The objection form's fields are not the ones the flow knows (no {missing}); "
                              "nothing was filled. Meta may have changed the form.")
    if f.reason is not None:
        f.reason_required = bool(await f.reason.evaluate(
            "e => e.required || e.getAttribute('aria-required') === 'true'"))
    page_lang = (await page.evaluate("document.documentElement.lang") or "").lower()
    if f.country is not None and f.reason_required:
        f.version = "D" if page_lang == "pt-br" or await _selected(f.country) == "BR" else "A"
    else:
        f.version = "B/C"
    return f


async def _selected(select) -> str:
    try:
        return (await select.evaluate("e => e.value || ''")).upper()
    except detect_errors():
        return ""


async def _fill(page, engine: Engine, f: FormFields, settings: Settings, person, flow: Flow) -> None:
    if f.country is not None:
        if settings.country:
            await _choose_country(page, f.country, settings.country, engine.lang)
            f.filled["country"] = settings.country
        elif (current := await _selected(f.country)):
            f.filled["country"] = current
    prefilled = (await f.email.input_value()).strip()
    if prefilled and settings.email and prefilled.lower() != settings.email.lower():
        if settings.replace_email:
            await f.email.fill(settings.email)
            f.filled["email"] = settings.email
        else:
            person.warn(f"{flow.name}: the form is prefilled with {prefilled}, not {settings.email}; keeping Meta's "
                        "(use --replace-email to use yours).")
            f.filled["email"] = prefilled
    elif prefilled:
        f.filled["email"] = prefilled
    elif settings.email:
        await f.email.fill(settings.email)
        f.filled["email"] = settings.email
    if f.reason is not None and settings.reason:
        limit = await f.reason.evaluate("e => e.maxLength > 0 ? e.maxLength : 0")
        if limit and len(settings.reason) > limit:
            raise Stop("awaiting_confirmation", f"Your reason has {len(settings.reason)} characters; this form "
                                                f"takes at most {limit}. Shorten it and run again.")
        await f.reason.fill(settings.reason)
        f.filled["reason"] = settings.reason
    if f.reason is not None and not settings.reason and f.reason_required:
        person.warn(f"{flow.name}: this form requires a reason in your own words (give --reason, --reason-file "
                    "or --reason-template); the assistant never invents one.")


def _missing(f: FormFields) -> str:
    gaps = []
    if f.country is not None and "country" not in f.filled:
        gaps.append("your country of residence")
    if "email" not in f.filled:
        gaps.append("your email")
    if f.reason is not None and f.reason_required and "reason" not in f.filled:
        gaps.append("a reason in your own words")
    return " and ".join(gaps)


def _missing_hint(missing: str) -> str:
    hints = []
    if "country" in missing:
        hints.append("--country CC")
    if "email" in missing:
        hints.append("--email ADDRESS")
    if "reason" in missing:
        hints.append("--reason TEXT (or --reason-file / --reason-template)")
    return "run again with " + ", ".join(hints) + "."


async def _choose_country(page, select, code: str, lang: str | None) -> None:
    """By ISO code when the options carry it, else by the country's name in the page's language."""
    import pycountry

    tag = await select.evaluate("e => e.tagName.toLowerCase()")
    country = pycountry.countries.get(alpha_2=code)
    names = [country.name, getattr(country, "common_name", country.name)]
    page_lang = ((await page.evaluate("document.documentElement.lang")) or lang or "en").split("-")[0]
    try:
        tr = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[page_lang])
        names = [tr.gettext(n) for n in names] + names
    except OSError:
        pass
    if tag != "select":
        await select.fill(names[0])
        return
    for attempt in ({"value": code}, *({"label": n} for n in names)):
        try:
            await select.select_option(**attempt, timeout=2000)
            return
        except detect_errors():
            continue
    raise Stop("unknown", f"The form's country list has no entry for {code} ({names[0]}).")


async def _outline(page, f: FormFields) -> None:
    for el in (f.country, f.email, f.reason, f.extra):
        if el is not None:
            await el.evaluate("e => { e.style.outline = '3px solid #16a34a'; e.style.outlineOffset = '2px'; }")


def _summary(flow: Flow, f: FormFields) -> str:
    lines = [f"\n{flow.name} objection form (version {f.version}):"]
    for key, value in f.filled.items():
        text = str(value)
        lines.append(f"  {key:8} {text if len(text) < 120 else text[:117] + '...'}")
    return "\n".join(lines)


async def _after_submit(page, engine: Engine, flow: Flow, consent: Consent, person) -> tuple[str, str]:
    """Wait for Meta's answer; handle the emailed-code step (the person types the code)."""
    for _round in range(3):
        kind, text = await _outcome(page, engine)
        if kind == "unknown" and detect.checkpoint(await detect.snapshot(page), engine.labels,
                                                   flow.checkpoint_url_parts):
            await engine._shot(page, flow.platform, "security-check-after-send", status="blocked")
            raise Stop("blocked", f"{flow.name} asked for a security check (\"Confirm it's you\") after the form was "
                                  "sent, so the objection is not confirmed: complete the check in a visible browser "
                                  f"(optout login --platform {flow.platform}) and run optout object again.")
        if kind != "code":
            await engine._shot(page, flow.platform, "confirmation" if kind == "confirm" else f"after-send-{kind}",
                               texts={"page": text[:1500]}, status={"confirm": "submitted", "alert": "rejected"}
                               .get(kind, "unknown"))
            return kind, text
        await engine._shot(page, flow.platform, "code-step", status="awaiting_confirmation")
        code = await _code(page, engine, consent, flow, person)
        if code is None:
            raise Stop("awaiting_confirmation", "Meta emailed a code to confirm the objection, and none was entered: "
                                                "the objection is not complete. Run again and type the code.")
        field_ = (await _controls(page, engine, ("code",)))["code"]
        if field_ is None:
            raise Stop("unknown", "The code step's field was not found.")
        if code != "typed-in-browser":
            await field_.fill(code)
            await _press_submit(page, engine)
        await nav.settle(page, engine._ms(engine.t.nav_s))
    return "unknown", "the code was not accepted after three tries"


async def _press_submit(page, engine: Engine) -> None:
    for key in ("send", "continue"):
        for word in engine.labels.words(key, engine.lang):
            button = page.get_by_role("button", name=word, exact=True)
            if await button.count():
                await Consent.press(button.first)
                return
    raise Stop("unknown", "The code step has no button to send the code.")


async def _code(page, engine: Engine, consent: Consent, flow: Flow, person) -> str | None:
    """A line on standard input, or the person typing it into the browser and pressing the button."""
    tasks = [asyncio.create_task(consent.read_code(flow.platform))]
    if consent.visible:
        person.say(f"{flow.name}: type the emailed code in the browser or here.")
        tasks.append(asyncio.create_task(_typed_in_browser(page)))
    done, pending = await asyncio.wait(tasks, timeout=engine.t.confirm_s, return_when=asyncio.FIRST_COMPLETED)
    for t in pending:
        t.cancel()
    for t in done:
        if (value := t.result()):
            return value
    return None


async def _typed_in_browser(page) -> str | None:
    try:
        await page.wait_for_event("request", predicate=lambda r: r.method == "POST", timeout=0)
        return "typed-in-browser"
    except detect_errors():
        return None


async def _outcome(page, engine: Engine) -> tuple[str, str]:
    words = [normalise(w) for w in engine.labels.words("confirmation")]
    code_words = [normalise(w) for w in engine.labels.words("code_field")]
    try:
        await nav.settle(page, engine._ms(engine.t.nav_s))
        handle = await page.wait_for_function(OUTCOME_JS, arg=[words, code_words],
                                              timeout=engine._ms(engine.t.nav_s), polling="raf")
        value = await handle.json_value()
        return value["kind"], value["text"]
    except detect_errors() as exc:
        if "Timeout" in str(exc):
            return "unknown", "no confirmation page appeared"
        raise
