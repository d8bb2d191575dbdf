"""The objection form, understood by its structure: the gate question, the fields, the steps, the emailed code,
and Meta's answer. Structure first (autocomplete, input types, the form's own controls), words second: the hints
and words live in flows/forms.toml and flows/labels.toml; this module holds no Meta word and no version rule.

Nothing is sent without the person: the submission gate (gate.py) refuses every request that would submit the
form until consent.py opens it once, and `submitted` needs the request that carried the form, answered 2xx/3xx,
and then Meta's confirmation.
"""

from __future__ import annotations

import asyncio
import gettext
from collections.abc import Callable
from dataclasses import dataclass, field

from assistant import browser as nav
from assistant import detect
from assistant.consent import Consent
from assistant.engine import PlatformRun, Result, Stop, describe_error, detect_errors
from assistant.evidence import mask_email
from assistant.flows import Flow, Forms, fold, load_forms, load_guidance, normalise
from assistant.gate import SubmissionGate
from assistant.pagejs import source
from assistant.settings import has_terminal

MAX_STEPS = 5
MAX_CODES = 3
GATE_REVEAL_S = 1.5  # how long a chosen gate answer may take to reveal the form by script


@dataclass
class Control:
    id: str
    kind: str  # email code country text extra password unknown (form.js); "text" becomes reason or extra here
    why: str
    widget: str
    tag: str
    type: str
    name: str
    label: str
    visible: bool
    required: bool
    readonly: bool
    disabled: bool
    value: str
    selected: str
    maxlength: int

    @property
    def named(self) -> str:
        return self.label.split(" | ")[0][:60] or self.name or self.widget


@dataclass
class FormView:
    """One look at the form: its container, controls, gate, submit and next-step controls."""

    raw: dict
    controls: list[Control]

    @classmethod
    def of(cls, raw: dict) -> FormView:
        view = cls(raw, [Control(**c) for c in raw["controls"]])
        texts = [c for c in view.controls if c.kind == "text"]
        # The reason is the form's first textarea (or reason-labelled input); any further one is "extra".
        for i, c in enumerate(texts):
            c.kind = "reason" if i == 0 else "extra"
        if not texts:
            for c in view.controls:
                if c.kind == "extra" and "reason" not in view.kinds():
                    c.kind = "reason"
        return view

    def kinds(self) -> set[str]:
        return {c.kind for c in self.controls}

    def shown(self, kind: str | None = None) -> list[Control]:
        return [c for c in self.controls if c.visible and (kind is None or c.kind == kind)]

    @property
    def submit(self) -> dict | None:
        return self.raw.get("submit")

    @property
    def next(self) -> dict | None:
        return self.raw.get("next")

    @property
    def gate(self) -> dict | None:
        return self.raw.get("gate")


@dataclass
class Filled:
    """What was done with the form, for the summary, the report and the consent question."""

    filled: dict[str, str] = field(default_factory=dict)  # kind -> value typed or chosen
    read: dict[str, str] = field(default_factory=dict)  # kind -> value kept as Meta had it (prefilled, read-only)
    left: list[str] = field(default_factory=list)  # fields left alone, by label
    needs: list[str] = field(default_factory=list)  # required fields it could not fill: the person must
    words: list[str] = field(default_factory=list)  # label words that decided something
    steps: int = 1
    names: dict[str, str] = field(default_factory=dict)  # the controls' name attributes -> kind

    def value(self, kind: str) -> str | None:
        return self.filled.get(kind) or self.read.get(kind)


def hints(forms: Forms, labels, lang: str | None) -> dict:
    """flows/forms.toml and labels.toml as form.js takes them: words normalised, the page's language first."""
    def words(key: str | None) -> list[str]:
        return [normalise(w) for w in labels.words(key, lang)] if key else []

    kinds = {kind: {"autocomplete": h.autocomplete, "types": h.types, "inputmodes": h.inputmodes,
                    "max_length": h.max_length, "min_options": h.min_options, "words": words(h.labels)}
             for kind, h in forms.fields.items()}
    return {"kinds": kinds,
            "gate": {"question": words(forms.gate.question), "yes": words(forms.gate.yes),
                     "no": words(forms.gate.no)},
            "send": [w for key in forms.buttons.send for w in words(key)],
            "next": [w for key in forms.buttons.next for w in words(key)]}


class ObjectionForm:
    """One objection form on one page, from the gate question to Meta's answer."""

    def __init__(self, run: PlatformRun, gate: SubmissionGate) -> None:
        self.page, self.engine, self.flow, self.settings, self.person = run.page, run.engine, run.flow, \
            run.settings, run.person
        self.gate = gate
        self.forms = load_forms()
        self.labels = run.engine.labels
        self.done = Filled()
        self.lang = run.engine.lang
        self.page_lang = ""
        self.owner = run.flow.name if run.flow.form else self.forms.owner  # whose form it is, in the texts
        own = run.flow.form  # a platform's own form (its flow's [form]): its answers' labels; else forms.toml's
        self.answers = (own.confirmation, own.refusal) if own else (self.forms.answers.confirmation,
                                                                    self.forms.answers.refusal)

    # -- looking ---------------------------------------------------------------------------------------------
    def _loc(self, optout_id: str):
        return self.page.locator(f'[data-optout-id="{optout_id}"]')

    async def look(self) -> FormView:
        raw = await self.page.evaluate(source("form"), hints(self.forms, self.labels, self.lang))
        self.page_lang = raw.get("lang") or self.page_lang
        return FormView.of(raw)

    async def appear(self, timeout_s: float, leave_out: str | None = None, question: bool = False) -> bool:
        try:
            await self.page.wait_for_function(source("ready"), arg={"leave_out": leave_out, "question": question},
                                              timeout=timeout_s * 1000, polling=100)
            return True
        except detect_errors():
            if not await self.engine.alive(self.page):
                raise
            return False

    async def shot(self, name: str, status: str | None = None, texts: dict | None = None,
                   highlights: list[str] | None = None) -> None:
        await self.engine.capture(self.page, self.flow.platform, name, texts=texts, highlights=highlights,
                                  status=status)

    async def outline(self, ids: list[str], color: str = "#16a34a") -> None:
        for optout_id in ids:
            try:
                await self._loc(optout_id).evaluate(source("outline_field", element=True), color)
            except detect_errors():
                pass

    # -- the gate question -----------------------------------------------------------------------------------
    async def answer_gate(self) -> FormView:
        t = self.engine.timeouts
        started = asyncio.get_running_loop().time()
        if not await self.appear(t.late_s + t.recognise_s, question=True):
            await self.shot("form-not-found", status="unknown")
            raise Stop("unknown", f"The objection form at {self.page.url} did not appear ({self.owner} may have "
                                  "changed it).")
        view = await self.look()
        if not (view.gate or view.shown("email") or view.shown("reason")):  # only a button so far: the form is late
            left = t.late_s + t.recognise_s - (asyncio.get_running_loop().time() - started)
            if await self.appear(max(left, 0.5)):
                view = await self.look()
        gate = view.gate
        if not gate:
            return view
        options = gate["options"]
        yes = gate["yes"]
        if yes >= 0:
            self.done.words.append(f"gate: '{options[yes]['label']}' answers '{gate['question'][:80]}'")
        await self.outline([o["id"] for o in options], "#f59e0b")
        await self.shot("gate-question", highlights=[f"question '{gate['question'][:80]}'"] +
                        [f"{gate['kind']} '{o['label']}'" for o in options])
        order = [yes] if yes >= 0 else (list(range(len(options))) if gate["kind"] == "radio" and not gate["go"] else [])
        for i in order:
            await self._choose(gate, options[i])
            if gate["go"] is None and await self.appear(GATE_REVEAL_S, gate.get("select")):
                break
            if gate["go"] is not None:
                await self._loc(gate["go"]).click()  # a gate of its own: its answer carries no email (gate.py)
                await nav.settle(self.page, self.engine.ms(t.nav_s))
                await self.engine.arrive(self.page, self.flow, "after-gate", None)
                if await self.appear(t.late_s + t.recognise_s):
                    break
        else:
            await self.shot("gate-unanswered", status="unknown")
            raise Stop("unknown", "The form first asks whether the request is about AI at Meta, and no answer that "
                                  "the assistant could give revealed the objection form.")
        view = await self.look()
        if view.gate and not (view.shown("email") or view.shown("reason")):
            raise Stop("unknown", "The form's question about AI at Meta was answered, but the objection form did not "
                                  "follow.")
        return view

    async def _choose(self, gate: dict, option: dict) -> None:
        loc = self._loc(option["id"])
        if gate["kind"] == "select":
            await self._loc(gate["select"]).select_option(value=option["value"])
        elif gate["kind"] == "radio":
            try:
                await loc.check(timeout=2000)
            except detect_errors():  # a styled radio whose input is not itself shown: its label takes the click
                await loc.evaluate(source("click_label", element=True))
        else:
            await loc.click()

    # -- filling -----------------------------------------------------------------------------------------------
    async def fill(self, view: FormView) -> FormView:
        """Fill what is showing; walk a form in steps; stop before a password."""
        for step in range(1, MAX_STEPS + 1):
            self.done.steps = step
            if view.shown("password"):
                await self.shot("form-asks-password", status="login_required",
                                highlights=["password field (left empty)"])
                raise Stop("login_required", f"{self.flow.name}'s form asks for your password, which the assistant "
                           "never types: enter it yourself in a visible browser (optout login --platform "
                           f"{self.flow.platform}), then run optout object again.")
            await self._fill_shown(view)
            if view.submit or not view.next:
                return view
            before = await self.page.evaluate(source("signature"))
            await self.outline([c.id for c in view.shown()])
            await self.shot(f"form-step-{step}", highlights=[f"next '{view.next['text']}' ({view.next['why']})"])
            await self._loc(view.next["id"]).click()
            await nav.settle(self.page, self.engine.ms(self.engine.timeouts.nav_s))
            try:
                await self.page.wait_for_function(source("signature"), arg={"before": before},
                                                  timeout=self.engine.ms(self.engine.timeouts.recognise_s), polling=100)
            except detect_errors() as exc:
                raise Stop("unknown", f"The form's '{view.next['text']}' step did not lead on ({self.owner} may "
                                      "have changed the form); nothing was sent.") from exc
            view = await self.look()
        return view

    async def _fill_shown(self, view: FormView) -> None:
        s = self.settings
        for c in view.shown():
            if c.name:
                self.done.names.setdefault(c.name, c.kind)
            if c.kind in self.done.filled or c.kind in self.done.read:
                continue
            if c.why == "label":
                self.done.words.append(f"{c.kind}: label '{c.named}'")
            if c.kind == "email":
                await self._email(c)
            elif c.kind == "country":
                await self._country(c)
            elif c.kind == "reason":
                if s.reason:
                    if c.maxlength and len(s.reason) > c.maxlength:
                        raise Stop("awaiting_confirmation", f"Your reason has {len(s.reason)} characters; this form "
                                                            f"takes at most {c.maxlength}. Shorten it and run again.")
                    await self._type(c, s.reason)
                    self.done.filled["reason"] = s.reason
                    self.gate.keep_secret(s.reason)
                elif c.required:
                    self.done.needs.append("a reason in your own words")
                    self.person.warn(f"{self.flow.name}: this form requires a reason in your own words (give --reason, "
                                     "--reason-file or --reason-template); the assistant never invents one.")
            elif c.kind == "extra":
                self.done.left.append(f"{c.named} (left empty)")
            elif c.kind == "code":
                continue  # a code field before sending is not the form's business yet
            elif c.required and not c.value:
                self.done.needs.append(f"'{c.named}'")
            else:
                self.done.left.append(c.named)

    async def _type(self, c: Control, value: str) -> None:
        """Type into a field, re-checking at that moment that it is no password field (before and after)."""
        loc = self._loc(c.id)
        check = source("password_field", element=True)
        if await loc.evaluate(check):
            raise Stop("login_required", f"{self.flow.name}'s form turned a field into a password field; the "
                                         "assistant never types into one. Nothing was sent.")
        await loc.fill(value)
        if await loc.evaluate(check):
            await loc.fill("")
            raise Stop("login_required", f"{self.flow.name}'s form turned a field into a password field; the "
                                         "assistant never types into one. Nothing was sent.")

    async def _email(self, c: Control) -> None:
        s, current = self.settings, c.value.strip()
        if c.readonly or c.disabled:
            self.done.read["email"] = current
            if current and s.email and current.lower() != s.email.lower():
                self.person.warn(f"{self.flow.name}: the form shows {current} and does not let it be changed; "
                                 f"{self.owner} will answer there.")
        elif current and s.email and current.lower() != s.email.lower():
            if s.replace_email:
                await self._type(c, s.email)
                self.done.filled["email"] = s.email
            else:
                self.person.warn(f"{self.flow.name}: the form is prefilled with {current}, not {s.email}; keeping "
                                 f"{self.owner}'s (use --replace-email to use yours).")
                self.done.read["email"] = current
        elif current:
            self.done.read["email"] = current
        elif s.email:
            await self._type(c, s.email)
            self.done.filled["email"] = s.email
        else:
            self.done.needs.append("your email")
        self.gate.keep_secret(self.done.value("email"))

    async def _country(self, c: Control) -> None:
        code = self.settings.country
        if not code:
            if c.widget == "select" and c.value:
                self.done.read["country"] = c.value.upper() if len(c.value) == 2 else c.selected
            elif c.required or c.widget in ("select", "combobox"):
                self.done.needs.append("your country of residence")
            return
        names = country_names(code, self.page_lang or self.lang or "en")
        loc = self._loc(c.id)
        if c.widget == "combobox":
            await loc.click()
            await loc.fill(names[0])
        options = await self.page.evaluate(source("options"), {"id": c.id})
        match = _best_option(options, code, names)
        if c.widget == "select":
            if match is None:
                raise Stop("unknown", f"The form's country list has no entry for {code} ({names[0]}).")
            await loc.select_option(index=match["index"])
            chosen = await loc.input_value()
            ok = chosen == match["value"]
        elif c.widget == "combobox":
            if match is None:
                try:  # the list may arrive after the typing
                    await self.page.wait_for_function(
                        source("options"), arg={"id": c.id, "wanted": [fold(n) for n in names]},
                        timeout=self.engine.ms(self.engine.timeouts.recognise_s))
                except detect_errors():
                    pass
                options = await self.page.evaluate(source("options"), {"id": c.id})
                match = _best_option(options, code, names)
            if match is None:
                raise Stop("unknown", f"The form's country box offers no entry for {code} ({names[0]}).")
            await self.page.locator(f'[data-optout-option="{match["index"]}"]').click()
            shown = normalise(await loc.evaluate(source("shown_value", element=True)))
            ok = shown == normalise(match["text"])
        else:
            value = match["value"] if match else names[0]
            await self._type(c, value)
            ok = True
        if not ok:
            raise Stop("unknown", f"The form did not take {code} ({names[0]}) as the country; nothing was sent.")
        self.done.filled["country"] = code

    # -- the question, and sending -------------------------------------------------------------------------------
    def summary(self, view: FormView) -> str:
        lines = [f"{self.flow.name} objection form (version {self.version(view)}):"]
        for kind, value in {**self.done.read, **self.done.filled}.items():
            text = str(value)
            how = "" if kind in self.done.filled else f" (as {self.owner} filled it)"
            lines.append(f"  {kind:8} {text if len(text) < 120 else text[:117] + '...'}{how}")
        for label in self.done.left:
            lines.append(f"  left alone: {label}")
        for need in self.done.needs:
            lines.append(f"  still needed: {need}")
        return "\n".join(lines)

    def version(self, view: FormView) -> str:
        if self.flow.form is not None:  # one form of its own: named by its flow, no version rules
            return self.flow.form.version
        kinds = view.kinds() - {"text"}
        if any(c.kind == "reason" and c.required for c in view.controls):
            kinds.add("reason_required")
        return self.forms.version_of(kinds, self.settings.country or self.done.read.get("country"), self.page_lang)

    def as_json(self, view: FormView | None) -> dict:
        out = {"version": self.version(view) if view else "?", "filled": {**self.done.read, **self.done.filled},
               "typed": sorted(self.done.filled), "kept": sorted(self.done.read), "left_alone": self.done.left,
               "needs": self.done.needs, "steps": self.done.steps, "language": self.page_lang or None,
               "words": self.done.words}
        if self.gate.refused:
            out["refused_requests"] = self.gate.refused[:50]
        if self.gate.sent:
            out["submitted"] = [s.as_json(_mask) | {"kinds": dict(self.done.names)} for s in self.gate.sent]
        return out

    # -- after sending --------------------------------------------------------------------------------------------
    async def answer(self, before: FormView, consent: Consent, code_provider_used: bool) -> tuple[str, str]:
        """Wait for Meta's answer; the emailed-code step (up to three codes) on the way."""
        codes = 0
        view = before
        while True:
            kind, text = await self._read_answer(view)
            facts = await detect.snapshot(self.page)
            if kind in ("none", "confirm") and detect.checkpoint(facts, self.labels, self.flow.checkpoint_url_parts):
                await self.shot("security-check-after-send", status="blocked")
                raise Stop("blocked", f"{self.flow.name} asked for a security check (\"Confirm it's you\") after the "
                                      "form was sent, so the objection is not confirmed: complete the check in a "
                                      f"visible browser (optout login --platform {self.flow.platform}) and run "
                                      "optout object again.")
            if kind == "password":
                await self.shot("asks-password-after-send", status="login_required")
                raise Stop("login_required", f"{self.flow.name} asks you to enter your password again before it takes "
                                             "the objection. The assistant never types it: do it yourself in a visible "
                                             "browser, then check that Meta confirmed it (optout check shows the "
                                             "history).")
            if kind in ("code", "code_refused"):
                if kind == "code_refused":
                    await self.shot(f"code-refused-{codes}", status="awaiting_confirmation", texts={"page": text})
                    self.person.warn(f"{self.flow.name} did not accept that code: \"{text[:200]}\".")
                if codes >= MAX_CODES:
                    raise Stop("rejected", f"{self.flow.name} did not accept the emailed code after {MAX_CODES} tries: "
                                           f"\"{text[:200]}\". The objection is not complete.")
                view = await self._code_round(consent, codes)
                codes += 1
                continue
            status = {"confirm": "submitted", "refused": "rejected"}.get(kind, "unknown")
            await self.shot("confirmation" if kind == "confirm" else f"after-send-{kind}", status=status,
                            texts={"page": text[:1500]})
            return kind, text

    async def _read_answer(self, view: FormView) -> tuple[str, str]:
        t = self.engine.timeouts
        words = {k: [normalise(w) for w in self.labels.words(key)] if key else []
                 for k, key in (("confirm", self.answers[0]), ("refusal", self.answers[1]),
                                ("unavailable", "unavailable"))}
        code = self.forms.fields["code"]
        arg = {**words, "code": {"autocomplete": code.autocomplete, "inputmodes": code.inputmodes,
                                 "max_length": code.max_length,
                                 "words": [normalise(w) for w in self.labels.words(code.labels)]
                                          if code.labels else []},
               "marked": [c.id for c in view.controls], "names": [c.name for c in view.controls if c.name],
               "headings": [normalise(h) for h in view.raw.get("headings", [])]}
        try:
            await nav.settle(self.page, self.engine.ms(t.nav_s))
            handle = await self.page.wait_for_function(source("outcome"), arg=arg, timeout=self.engine.ms(t.nav_s),
                                                       polling=100)
            value = await handle.json_value()
            return value["kind"], value["text"]
        except detect_errors() as exc:
            if "Timeout" in str(exc):
                return "none", "no answer appeared after the form was sent"
            raise

    async def _code_round(self, consent: Consent, tries: int) -> FormView:
        await self.shot("code-step" if tries == 0 else f"code-step-{tries + 1}", status="awaiting_confirmation")
        view = await self.look()
        field_ = next(iter(view.shown("code")), None) or (view.shown("unknown")[0] if len(view.shown("unknown")) == 1
                                                          else None)
        if field_ is None or view.submit is None:
            raise Stop("unknown", f"{self.flow.name} asks for the emailed code, but its field or button could not be "
                                  "told apart; type it yourself in a visible browser.")
        self.gate.know_action(view.raw.get("action") or self.page.url)
        code = await self._code(consent, view)
        if code is None:
            raise Stop("awaiting_confirmation", "Meta emailed a code to confirm the objection, and none was entered: "
                                                "the objection is not complete. Run again and type the code.")
        if code != "typed-in-browser":
            await self._type(field_, code)
            await self._loc(view.submit["id"]).click()  # the code step is the person's: they gave the code
        await nav.settle(self.page, self.engine.ms(self.engine.timeouts.nav_s))
        return view

    async def _code(self, consent: Consent, view: FormView) -> str | None:
        """A line on standard input (one more each time), or the person typing it into the browser."""
        tasks = [asyncio.create_task(consent.read_code(self.flow.platform))]
        if consent.visible:
            self.person.say(f"{self.flow.name}: type the emailed code in the browser or here.")
            tasks.append(asyncio.create_task(self._typed_in_browser()))
        done, pending = await asyncio.wait(tasks, timeout=self.engine.timeouts.confirm_s,
                                           return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        for task in done:
            if (value := task.result()):
                return value
        return None

    async def _typed_in_browser(self) -> str | None:
        actions = set(self.gate.actions)
        try:
            from assistant.gate import _bare

            await self.page.wait_for_event(
                "request", predicate=lambda r: r.method in ("POST", "PUT", "PATCH") and _bare(r.url) in actions,
                timeout=0)
            return "typed-in-browser"
        except detect_errors():
            return None


def country_names(code: str, lang: str) -> list[str]:
    """The country's names as a page in `lang` may write them: localised first (pycountry's catalogues)."""
    import pycountry

    country = pycountry.countries.get(alpha_2=code.upper())
    if country is None:
        return [code]
    english = [n for n in dict.fromkeys([getattr(country, "common_name", None), country.name,
                                         getattr(country, "official_name", None)]) if n]
    names: list[str] = []
    base = lang.replace("-", "_")
    for variant in dict.fromkeys([base if "_" not in base else base.split("_")[0] + "_" + base.split("_")[1].upper(),
                                  base.split("_")[0]]):
        try:
            tr = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[variant])
        except OSError:
            continue
        names += [tr.gettext(n) for n in english]
    return list(dict.fromkeys(names + english))


def _best_option(options: list[dict], code: str, names: list[str]) -> dict | None:
    """The option for a country: by its ISO value, else by its name (exactly, then at the start)."""
    for o in options:
        if (o.get("value") or "").strip().upper() == code.upper():
            return o
    wanted = [normalise(n) for n in names]
    for o in options:
        if normalise(o["text"]) in wanted:
            return o
    for o in options:
        text = normalise(o["text"])
        if text and any(text.startswith(w) or w.startswith(text) for w in wanted if len(text) >= 4):
            return o
    return None


def _mask(value: str) -> str:
    return mask_email(value) if "@" in (value or "") else value


async def object_on_page(run: PlatformRun, result: Result,
                         code_provider: Callable[[str], str | None] | None = None) -> Result:
    """From an `available` verdict: open the form, fill it, get consent, submit, read Meta's answer."""
    page, engine, flow, settings, person = run.page, run.engine, run.flow, run.settings, run.person
    assert result.object_link is not None, "an available verdict names its objection link"
    href = result.object_link["href"]
    forms = load_forms()
    own = flow.form  # a platform's own form: its endpoints on its own hosts (the flow's [form]); else Meta's
    endpoints = tuple(own.endpoint_paths) if own else tuple(forms.submission.endpoint_paths)
    hosts = tuple(flow.hosts) if own else tuple(engine.meta.hosts.suffixes)
    gate = await SubmissionGate(endpoints, hosts, forms.submission.click_grace_s).install(
        page if settings.cdp else page.context)
    consent = Consent(settings.yes, has_terminal(), not settings.headless, settings.timeouts.confirm_s, person,
                      code_provider)
    form = ObjectionForm(run, gate)
    view: FormView | None = None
    try:
        person.say(f"{flow.name}: opening the objection form {href}")
        await engine.open(page, flow, href, "objection-form")
        view = await form.answer_gate()
        if not (view.shown("email") or view.shown("reason") or view.next):
            await form.shot("form-unrecognised", status="unknown")
            raise Stop("unknown", "The page the objection link opened shows no form the assistant can tell apart (no "
                                  f"email or reason field); nothing was filled. {form.owner} may have changed the "
                                  "form.")
        view = await form.fill(view)
        gate.know_action(view.raw.get("action"))
        if view.submit is None:
            await form.shot("form-unrecognised", status="unknown")
            raise Stop("unknown", "The objection form is filled in, but its send button could not be told apart; "
                                  f"nothing was sent. {form.owner} may have changed the form.")
        await form.outline([c.id for c in view.controls if c.kind in form.done.filled or c.kind in form.done.read]
                           + [view.submit["id"]])
        texts = {k: str(v) for k, v in {**form.done.read, **form.done.filled}.items()}
        await form.shot("form-filled", texts=texts, status="awaiting_confirmation",
                        highlights=[f"field {k}" for k in texts] + [f"send '{view.submit['text']}' "
                                                                    f"({view.submit['why']})"])
        if "email" not in form.done.filled and "email" not in form.done.read and "your email" not in form.done.needs:
            form.done.needs.append("your email")
        needs = " and ".join(form.done.needs)
        if needs and not consent.visible:
            return _with(result, "awaiting_confirmation", f"The form is open but needs {needs}: " + _hint(needs),
                         form.as_json(view))
        decision = await consent.obtain(page, flow.platform, form.summary(view), view, gate)
        if decision in ("no-channel", "timeout", "declined"):
            why = {"no-channel": "there is no terminal or visible browser to confirm in and --yes was not given",
                   "timeout": "no confirmation came in time", "declined": "you chose not to send it"}[decision]
            await form.shot("form-not-sent", status="awaiting_confirmation")
            return _with(result, "awaiting_confirmation", f"The form is filled in and was NOT sent: {why}. "
                                                          "Run again with your confirmation to send it.",
                         form.as_json(view))
        if decision == "confirm":
            if needs:
                return _with(result, "awaiting_confirmation",
                             f"Not sent: the form still needs {needs}. " + _hint(needs), form.as_json(view))
            await Consent.press(gate, form._loc(view.submit["id"]))
        kind, text = await form.answer(view, consent, code_provider is not None)
    except Stop as stop:
        return _with(result, stop.status, stop.detail, form.as_json(view))
    except detect_errors() as exc:
        status, detail = describe_error(exc, settings.timeouts.nav_s)
        return _with(result, status, detail, form.as_json(view))
    # The gate stays until the page and its context close: a page that keeps trying to send is refused to the end.
    return await _outcome(result, flow, form, view, kind, text)


async def _outcome(result: Result, flow: Flow, form: ObjectionForm, view: FormView, kind: str, text: str) -> Result:
    gate = form.gate
    sent = gate.sent[0] if gate.sent else None
    status = await sent.answered(form.engine.timeouts.nav_s) if sent else None
    if kind == "confirm":
        if sent is None or status is None or not 200 <= status < 400:
            how = "no request carrying the form went out" if sent is None else \
                f"the request that carried the form was answered {status or 'with nothing'}"
            return _with(result, "unknown", f"The page reads like a confirmation, but {how}: the objection is not "
                                            "confirmed.", form.as_json(view))
        r = _with(result, "submitted", f"{flow.name} confirmed the objection.", form.as_json(view))
        r.confirmation = {"text": text, "request": sent.as_json(_mask)}
        if flow.form is None:  # the guidance after Meta's form (guidance.toml)
            r.next_steps = list(load_guidance().after_submitted)
        return r
    if kind == "error_page" or (sent is not None and (status is None or status >= 500)):
        answer = f"HTTP {status}" if status else "no answer"
        return _with(result, "unknown", f"After sending, {flow.name} answered {answer} and showed \"{text[:200]}\": "
                                        "it is not known whether the objection was taken. Look for "
                                        f"{form.owner}'s email, or run optout object again later.", form.as_json(view))
    if kind == "refused":
        return _with(result, "rejected", f"{flow.name} refused the form: \"{text[:300]}\". Nothing was accepted.",
                     form.as_json(view))
    return _with(result, "unknown", f"After sending, {flow.name} showed no confirmation: {text}", form.as_json(view))


def _with(result: Result, status: str, detail: str, form: dict | None) -> Result:
    result.status, result.detail = status, detail
    if form is not None:
        result.form = form
    return result


def _hint(needs: str) -> str:
    hints = []
    if "country" in needs:
        hints.append("--country CC")
    if "email" in needs:
        hints.append("--email ADDRESS")
    if "reason" in needs:
        hints.append("--reason TEXT (or --reason-file / --reason-template)")
    others = [n for n in needs.split(" and ") if n.startswith("'")]
    text = ("run again with " + ", ".join(hints) + ".") if hints else ""
    if others:
        text += (" " if text else "") + f"Fill in {', '.join(others)} yourself in a visible browser (--headed)."
    return text
