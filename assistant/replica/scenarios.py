"""Scenarios: which world the replica imitates, parsed from a short spec string.

A spec is comma-separated tokens, each a preset name or ``key=value``; later tokens override earlier
ones. Example: ``eu-de,form=A,fault=500@policy+slow@form,slowms=200``.

Keys (defaults in brackets; "auto" values are derived from region and language after parsing):

- ``region``: ISO 3166 alpha-2 country of the visitor [IE]. Eligible for the objection: EU-27,
  IS/LI/NO, GB, CH, BR.
- ``lang``: page language, one of en de fr es it nl pl pt [en]. ``pt`` with region BR uses the
  Brazilian wording where it differs.
- ``login``: 1 = the visitor counts as logged in; 0 = only after logging in on the replica's login
  page (session cookies) [1].
- ``form``: objection form version A|B|C|D [BR->D, GB->B, other eligible->C].
- ``gate``: 1|0, the "Does your request relate to AI at Meta?" question before the Facebook form
  [1 when lang=de and form=C, else 0].
- ``box``: auto|2024|2025|none|delaying|accordion, the AI notice on the policy, Privacy Center home and the
  "Information you've shared" page [auto: eligible -> 2025 (2024 with form A), else none]. ``accordion``
  is the 2025 box with its body (and link) collapsed behind a toggle button carrying the title.
- ``banner``: 1|0, the 2026 "... unless you have objected. Learn more." banner [1 if not eligible].
- ``formid``: default|fb|alt, which form URL the boxes link to [default].
- ``cookie``: 1|0, the cookie dialog on the first visit of each site [1 in EU/EEA/GB/CH].
- ``checkpoint``: none|settings|policy|form|submit, where a "Confirm it's you" check appears [none].
- ``latency``: milliseconds added to every response [0].
- ``fault``: ``kind@page`` joined by ``+``; kinds 500, blank, drop, slow, unavailable (a 200
  page that says "This content isn't available right now"); pages see ``PAGE_KEYS``.
- ``slowms``: delay of a ``slow`` fault in milliseconds [30000].
- ``late``: milliseconds after which JavaScript inserts the AI box and the form [0 = server-rendered].
- ``fields``: normal|renamed, the objection form's labels and field names [normal].
- ``password``: 1 plants a required "Re-enter password" input in the objection form [0].
- ``minreason``: minimum length of the reason, checked on submit [0].
- ``capture``: none or one of ``CAPTURES``: serve that real capture as the platform's policy page.
- ``hide``: settings links to remove, joined by ``+`` (see ``HIDEABLE``).
- ``email``: the account's email address [person@example.com].
- ``code``: the 6-digit code the replica emails for forms A and D (and the worlds with a code step)
  [123456].
- ``world``: none or one of ``WORLDS``: the objection form URLs (and, for ``meta-fetch``,
  help.meta.com/support/privacy/ai-objection/) serve that self-contained form world instead of forms A-D
  [none]. sv-combobox: Swedish, custom combobox country; cs-steps: Czech, two steps in one form, then a
  code; el-readonly: Greek, readonly email, ``<input type=submit>``; en-gate-reveal: a Yes/No radio gate
  that reveals the fields in the page; fi-gate-buttons: Finnish, Kyllä/Ei buttons, a div button;
  en-code-confirm: A-like, then a "Security code" step with a "Confirm" button; hu-datalist: Hungarian,
  country from a datalist (posted as the name), then a code; meta-fetch: Danish, script-built, no
  ``<form>``, JSON by ``fetch()``, and the AI boxes link to help.meta.com.
- ``hostile``: ``+``-joined ``HOSTILE`` behaviours of the objection form pages and the box [none]:
  beacons (logging POSTs to /ajax/bz every 250 ms), leak (the beacons carry the typed email and reason),
  robot (calls window functions with 'confirm' and clicks foreign and shadow-root buttons every 150 ms),
  robotsubmit (robot that also clicks the form's submit), selfsubmit (the page posts the form itself on
  every input/change of the email or reason), reauth (a "Re-enter your password" page after the form is
  posted), offhost / jslink / datalink (the box's objection link points off Meta / is ``javascript:`` /
  is a ``data:`` URL).
- ``accounts``: none|linked|single|unlinked|login|checkpoint, what Accounts Center
  (accountscenter.facebook.com, accountscenter.instagram.com) shows [none: it answers Meta's 404].
  linked: both profiles (Facebook and Instagram) in one Accounts Center; single: only the Facebook profile
  (Instagram's Accounts Center asks to log in: there is no Instagram account); unlinked: each Accounts
  Center holds only its own platform's profile, of two different names; login: Accounts Center asks to log
  in again (the replica's login page lets in); checkpoint: a "Confirm it's you" check before it.
- ``switch``: on|off, the AI-training switch of the LinkedIn and X worlds before anything is changed [on].
- ``layout``: flat|deeper, deeper puts the switch's page one sub-page further down its settings [flat].
- ``save``: ok|fail, fail: a change of the switch is answered 200 but not kept (it reads on after a reload) [ok].
  ``wording``: current|2024, 2024: X's older checkbox label ("Allow your posts as well as ...") [current].
  ``login=0`` is their login wall, ``checkpoint=settings`` their challenge page (X: /account/access).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

EU27 = frozenset(
    ["AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "IE", "IT", "LV", "LT", "LU", "MT",
     "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "HU"]
)
EEA_EXTRA = frozenset({"IS", "LI", "NO"})
EUROPEAN = EU27 | EEA_EXTRA | {"GB", "CH"}
ELIGIBLE = EUROPEAN | {"BR"}
LANGS = ("en", "de", "fr", "es", "it", "nl", "pl", "pt")

PRESETS: dict[str, dict[str, str]] = {
    "eu-de": {"region": "DE", "lang": "de"},
    "eu-fr": {"region": "FR", "lang": "fr"},
    "eu-es": {"region": "ES", "lang": "es"},
    "eu-it": {"region": "IT", "lang": "it"},
    "eu-nl": {"region": "NL", "lang": "nl"},
    "eu-pl": {"region": "PL", "lang": "pl"},
    "eu-pt": {"region": "PT", "lang": "pt"},
    "eu-en": {"region": "IE", "lang": "en"},
    "uk": {"region": "GB", "lang": "en"},
    "ch": {"region": "CH", "lang": "de"},
    "br": {"region": "BR", "lang": "pt"},
    "us": {"region": "US", "lang": "en"},
    "world": {"region": "IN", "lang": "en"},
}
DEFAULT_SPEC = "eu-en"

# Page keys a fault can target; the extra ones cover pages the brief's list leaves out.
PAGE_KEYS = frozenset(
    ["settings", "login", "about", "center", "topics", "genai", "policy", "printable", "form", "code", "confirm"]
    + ["home", "help", "checkpoint", "decoy", "meta_ai", "accounts"]
)
FAULT_KINDS = ("500", "blank", "drop", "slow", "unavailable")
CHECKPOINTS = ("none", "settings", "policy", "form", "submit")
BOXES = ("auto", "2024", "2025", "none", "delaying", "accordion")
WORLDS = ("none", "sv-combobox", "cs-steps", "el-readonly", "en-gate-reveal", "fi-gate-buttons", "en-code-confirm",
          "hu-datalist", "meta-fetch")
HOSTILE = frozenset(
    {"beacons", "leak", "robot", "robotsubmit", "selfsubmit", "reauth", "offhost", "jslink", "datalink"}
)
ACCOUNTS = ("none", "linked", "single", "unlinked", "login", "checkpoint")
CAPTURES = ("facebook-eu-de", "instagram-eu-de-box", "instagram-eu-de-nobox", "facebook-us", "instagram-us")
HIDEABLE = frozenset(
    {"policy_link", "center_link", "about_link", "audience_link", "meta_ai_link", "help_link",
     "accounts_center_link", "terms_link"}
)


@dataclass(frozen=True)
class Scenario:
    """One imitated world; build it with :meth:`parse`. ``None`` fields mean "auto" until resolved."""

    spec: str = DEFAULT_SPEC
    region: str = "IE"
    lang: str = "en"
    login: bool = True
    form: str | None = None
    gate: bool | None = None
    box: str = "auto"
    banner: bool | None = None
    formid: str = "default"
    cookie: bool | None = None
    checkpoint: str = "none"
    latency: int = 0
    faults: dict[str, str] = field(default_factory=dict)
    slowms: int = 30000
    late: int = 0
    fields: str = "normal"
    password: bool = False
    minreason: int = 0
    capture: str = "none"
    hide: frozenset[str] = frozenset()
    email: str = "person@example.com"
    code: str = "123456"
    world: str = "none"
    hostile: frozenset[str] = frozenset()
    accounts: str = "none"
    switch: str = "on"
    layout: str = "flat"
    save: str = "ok"
    wording: str = "current"

    @classmethod
    def parse(cls, spec: str | None) -> Scenario:
        """Parse ``spec`` (presets and ``key=value`` tokens); raise ``ValueError`` on anything unknown."""
        spec = (spec or "").strip() or DEFAULT_SPEC
        values: dict[str, object] = {}
        for token in (t.strip() for t in spec.split(",")):
            if not token:
                continue
            if "=" not in token:
                if token not in PRESETS:
                    raise ValueError(
                        f"unknown scenario preset {token!r}; presets: {', '.join(PRESETS)}"
                    )
                values.update(PRESETS[token])
                continue
            key, _, raw = token.partition("=")
            key, raw = key.strip(), raw.strip()
            if key not in _PARSERS:
                raise ValueError(f"unknown scenario key {key!r}; keys: {', '.join(sorted(_PARSERS))}")
            try:
                values[_FIELD_OF.get(key, key)] = _PARSERS[key](raw)
            except ValueError as err:
                raise ValueError(f"bad value for scenario key {key!r}: {err}") from None
        return cls(spec=spec, **values)._resolved()  # type: ignore[arg-type]

    def _resolved(self) -> Scenario:
        form = self.form or ("D" if self.region == "BR" else "B" if self.region == "GB" else "C")
        box = self.box
        if box == "auto":
            box = ("2024" if form == "A" else "2025") if self.eligible else "none"
        return dataclasses.replace(
            self,
            form=form,
            box=box,
            gate=self.gate if self.gate is not None else (self.lang == "de" and form == "C"),
            banner=self.banner if self.banner is not None else not self.eligible,
            cookie=self.cookie if self.cookie is not None else self.region in EUROPEAN,
        )

    @property
    def eligible(self) -> bool:
        return self.region in ELIGIBLE

    @property
    def european(self) -> bool:
        """Regions whose policy carries the generic GDPR-style objection text and look-alike links."""
        return self.region in EUROPEAN

    @property
    def text_variant(self) -> str:
        return "pt_BR" if self.lang == "pt" and self.region == "BR" else self.lang

    def fault_for(self, page: str) -> str | None:
        return self.faults.get(page)


def _bool(raw: str) -> bool:
    if raw not in ("0", "1"):
        raise ValueError(f"expected 1 or 0, got {raw!r}")
    return raw == "1"


def _choice(*options: str):
    def parse(raw: str) -> str:
        if raw not in options:
            raise ValueError(f"expected one of {', '.join(options)}, got {raw!r}")
        return raw
    return parse


def _int(raw: str) -> int:
    if not raw.isdigit():
        raise ValueError(f"expected a non-negative whole number, got {raw!r}")
    return int(raw)


def _region(raw: str) -> str:
    import pycountry

    code = raw.upper()
    if not re.fullmatch(r"[A-Z]{2}", code) or pycountry.countries.get(alpha_2=code) is None:
        raise ValueError(f"expected an ISO 3166 alpha-2 country code, got {raw!r}")
    return code


def _faults(raw: str) -> dict[str, str]:
    faults: dict[str, str] = {}
    for item in filter(None, raw.split("+")):
        kind, at, page = item.partition("@")
        if not at or kind not in FAULT_KINDS or page not in PAGE_KEYS:
            raise ValueError(
                f"expected kind@page with kind in {', '.join(FAULT_KINDS)} and page in "
                f"{', '.join(sorted(PAGE_KEYS))}, got {item!r}"
            )
        faults[page] = kind
    return faults


def _hide(raw: str) -> frozenset[str]:
    items = frozenset(filter(None, raw.split("+")))
    if unknown := items - HIDEABLE:
        raise ValueError(f"unknown link(s) {', '.join(sorted(unknown))}; hideable: {', '.join(sorted(HIDEABLE))}")
    return items


def _hostile(raw: str) -> frozenset[str]:
    items = frozenset(filter(None, raw.split("+")))
    if unknown := items - HOSTILE:
        raise ValueError(f"unknown hostile behaviour(s) {', '.join(sorted(unknown))}; known: "
                         f"{', '.join(sorted(HOSTILE))}")
    return items


def _email(raw: str) -> str:
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", raw):
        raise ValueError(f"expected an email address, got {raw!r}")
    return raw


def _code(raw: str) -> str:
    if not re.fullmatch(r"\d{6}", raw):
        raise ValueError(f"expected 6 digits, got {raw!r}")
    return raw


_PARSERS = {
    "region": _region,
    "lang": _choice(*LANGS),
    "login": _bool,
    "form": lambda raw: _choice("A", "B", "C", "D")(raw.upper()),
    "gate": _bool,
    "box": _choice(*BOXES),
    "banner": _bool,
    "formid": _choice("default", "fb", "alt"),
    "cookie": _bool,
    "checkpoint": _choice(*CHECKPOINTS),
    "latency": _int,
    "fault": _faults,
    "slowms": _int,
    "late": _int,
    "fields": _choice("normal", "renamed"),
    "password": _bool,
    "minreason": _int,
    "capture": _choice("none", *CAPTURES),
    "hide": _hide,
    "email": _email,
    "code": _code,
    "world": _choice(*WORLDS),
    "hostile": _hostile,
    "accounts": _choice(*ACCOUNTS),
    "switch": _choice("on", "off"),
    "layout": _choice("flat", "deeper"),
    "save": _choice("ok", "fail"),
    "wording": _choice("current", "2024"),
}
_FIELD_OF = {"fault": "faults"}
