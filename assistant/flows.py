"""Flow files (flows/*.toml) loaded into typed, validated objects.

A broken flow file is a clear error naming the file, the field and the line, never a traceback.
"""

from __future__ import annotations

import difflib
import re
import tomllib
import unicodedata
from functools import cache, lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from assistant import paths

PLATFORMS = ("facebook", "instagram")  # Meta's two (the objection form); every platform is listed by platforms()
SUPPORTED_VERSION = 1
ACTIONS = ("objection_form", "setting_switch")
DATA_FILES = ("labels", "meta", "forms", "regions", "reasons", "guidance")  # the files that are not platforms


class FlowError(ValueError):
    """A flow file is broken: the message names the file, field and line."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Step(_Model):
    open: str | None = None
    follow: str | None = None
    press: str | None = None
    href: str | None = None
    optional: bool = False

    @model_validator(mode="after")
    def _one_action(self) -> Step:
        actions = [a for a in ("open", "follow", "press") if getattr(self, a)]
        if len(actions) != 1:
            raise ValueError("a step takes exactly one of open, follow, press")
        return self

    @property
    def action(self) -> str:
        return "open" if self.open else "follow" if self.follow else "press"


class Route(_Model):
    name: str
    description: str
    lands_on: Literal["policy", "privacy_center", "ai_topic", "setting"]
    last_resort: bool = False
    steps: list[Step]


class Setting(_Model):
    """A setting_switch platform's switch: labels.toml keys (or the flow's own [labels]) of its name and of the
    heading of the page it sits on; the paths of the requests that change it (empty: any write to the hosts)."""

    name: str  # how the report calls it
    label: str
    heading: str
    change_paths: list[str] = []


class FlowForm(_Model):
    """A platform's own objection form, offered as the further step after its switch (switch.py, further.py): its
    address, the paths its submission may go to on the flow's hosts (the submission gate watches them), a name for
    the report, and the labels (keys) of its answers; the fields are read by structure as Meta's are (forms.py)."""

    name: str
    url: str
    endpoint_paths: list[str]
    version: str = "?"  # how the report names the form (no version rules: one form)
    confirmation: str = "confirmation"
    refusal: str | None = "refusal"


class Flow(_Model):
    version: int
    platform: str
    name: str
    start: str
    login: str
    login_url_parts: list[str]
    checkpoint_url_parts: list[str]
    routes: list[Route]
    alternatives: dict[str, str] = {}
    order: int = 100  # where `--platform all` lists it (Meta's first)
    action: Literal["objection_form", "setting_switch"] = "objection_form"
    hosts: list[str] = []  # host suffixes (routed under --via, gated); Meta's are in meta.toml
    regions: list[str] = []  # ISO codes where the action is expected (empty: everywhere); Meta's: regions.toml
    further: dict[str, str] = {}  # further steps the person may take (name -> address), named in the report
    setting: Setting | None = None
    form: FlowForm | None = None  # the objection form offered after the switch (setting_switch platforms)
    labels: dict[str, dict[str, list[str]]] = {}  # the platform's own labels, merged over labels.toml

    @model_validator(mode="after")
    def _action_fits(self) -> Flow:
        if not re.fullmatch(r"[a-z][a-z0-9_-]*", self.platform):
            raise ValueError("a platform is lower-case letters, digits, - and _")
        if self.action == "setting_switch":
            if self.setting is None:
                raise ValueError("a setting_switch platform needs a [setting] table")
            if not self.hosts:
                raise ValueError("a setting_switch platform needs its hosts")
            if any(r.lands_on != "setting" for r in self.routes):
                raise ValueError("the routes of a setting_switch platform land on the setting (lands_on = "
                                 "\"setting\")")
        elif any(r.lands_on == "setting" for r in self.routes):
            raise ValueError("lands_on = \"setting\" is for setting_switch platforms")
        return self

    def expected_in(self, country: str | None) -> bool:
        return not self.regions or (country or "").upper() in self.regions

    def ordered_routes(self) -> list[Route]:
        return [r for r in self.routes if not r.last_resort] + [r for r in self.routes if r.last_resort]


class Labels(_Model):
    version: int
    languages: list[str]
    labels: dict[str, dict[str, list[str]]]

    def merged(self, extra: dict[str, dict[str, list[str]]]) -> Labels:
        """These labels with a flow's own added (a key's words per language appended)."""
        if not extra:
            return self
        table = {k: {lg: list(ws) for lg, ws in v.items()} for k, v in self.labels.items()}
        for key, langs in extra.items():
            for lg, ws in langs.items():
                table.setdefault(key, {}).setdefault(lg, []).extend(w for w in ws if w not in table[key].get(lg, []))
        return Labels(version=self.version, languages=self.languages, labels=table)

    def words(self, key: str, lang: str | None = None) -> list[str]:
        """The label in one language first (when given), then in all the others."""
        table = self.labels[key]
        first = table.get(lang, []) if lang else []
        return first + [w for lg, ws in table.items() if lg != lang for w in ws]


class Hosts(_Model):
    suffixes: list[str]


class FormAddresses(_Model):
    form_paths: list[str] = ["/help/contact/", "/contact/"]
    ai_objection: list[str]
    lookalikes: list[str]
    third_party_information: str


class Meta(_Model):
    version: int
    hosts: Hosts
    forms: FormAddresses


class AccountsCenter(_Model):
    urls: dict[Literal["facebook", "instagram"], str]
    platforms: dict[Literal["facebook", "instagram"], list[str]]
    list_names: dict[str, list[str]] = {}


class ConfirmationEmail(_Model):
    senders: dict[Literal["facebook", "instagram"], list[str]]
    subject: dict[str, list[str]]
    body: dict[str, list[str]]


class Accounts(_Model):
    """flows/accounts.toml: Accounts Center (where, how a profile names its platform), Meta's "already objected"
    sentence, and what Meta's confirmation email looks like."""

    version: int
    center: AccountsCenter
    already_objected: dict[str, str]
    email: ConfirmationEmail

    def quote(self, lang: str | None) -> str:
        return self.already_objected.get(lang or "en") or self.already_objected["en"]


class Regions(_Model):
    version: int
    objection: dict[str, list[str]]
    notes: dict[str, str]

    def expected(self, country: str) -> bool:
        return any(country.upper() in codes for codes in self.objection.values())

    def note(self, country: str) -> str:
        key = "default_expected" if self.expected(country) else "default_not_expected"
        return self.notes.get(country.upper(), self.notes[key])


class ReasonTemplate(_Model):
    title: str
    text: dict[str, str]


class Guidance(_Model):
    version: int
    after_submitted: list[str]
    not_offered_intro: str
    what_meta_uses: list[str]
    alternatives: list[str]


class FieldHints(_Model):
    autocomplete: list[str] = []
    types: list[str] = []
    inputmodes: list[str] = []
    labels: str | None = None  # a labels.toml key
    max_length: int = 0
    min_options: int = 0


class GateWords(_Model):
    question: str
    yes: str
    no: str | None = None


class Buttons(_Model):
    send: list[str]
    next: list[str]


class Answers(_Model):
    confirmation: str
    refusal: str | None = None


class VersionRule(_Model):
    name: str
    has: list[Literal["country", "email", "reason", "reason_required", "code", "extra"]] = []
    country_in: list[str] = []
    lang_in: list[str] = []

    def holds(self, kinds: set[str], country: str | None, lang: str) -> bool:
        if not set(self.has) <= kinds:
            return False
        if not (self.country_in or self.lang_in):
            return True
        return (country or "").upper() in self.country_in or lang.lower() in self.lang_in


class Submission(_Model):
    endpoint_paths: list[str]
    click_grace_s: float = 2.0


class Forms(_Model):
    """flows/forms.toml: what an objection form is made of (see the file's comments)."""

    version: int
    owner: str = "the platform"  # whose forms these are, as the texts name them
    fields: dict[Literal["password", "email", "code", "country", "reason", "extra"], FieldHints]
    gate: GateWords
    buttons: Buttons
    answers: Answers
    versions: list[VersionRule]
    submission: Submission

    def label_keys(self) -> list[tuple[str, str]]:
        """(where, labels.toml key) of every label this file names, to check at load."""
        keys = [(f"fields.{k}.labels", f.labels) for k, f in self.fields.items() if f.labels]
        keys += [(f"gate.{k}", getattr(self.gate, k)) for k in ("question", "yes", "no") if getattr(self.gate, k)]
        keys += [(f"buttons.{k}", w) for k in ("send", "next") for w in getattr(self.buttons, k)]
        keys += [(f"answers.{k}", getattr(self.answers, k)) for k in ("confirmation", "refusal")
                 if getattr(self.answers, k)]
        return keys

    def version_of(self, kinds: set[str], country: str | None, lang: str) -> str:
        return next((v.name for v in self.versions if v.holds(kinds, country, lang)), "?")


class Reasons(_Model):
    version: int
    max_chars: int
    templates: dict[str, ReasonTemplate]


# -- loading ---------------------------------------------------------------------------------------------
def _load(path: Path, model: type[_Model]):
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise FlowError(f"{path}: cannot be read ({exc.strerror or exc}).") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise FlowError(f"{path}: not valid TOML ({exc}).") from None
    try:
        obj = model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        field = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in loc).replace(".[", "[")
        msg = err["msg"].replace("Value error, ", "")
        if err["type"] == "extra_forbidden":
            msg = "unknown field" + _suggest(str(loc[-1]), model, loc)
        raise FlowError(f"{path}, line {_line_of(text, loc)}: field '{field or '(top)'}': {msg}.") from None
    if (version := getattr(obj, "version", SUPPORTED_VERSION)) > SUPPORTED_VERSION:
        raise FlowError(f"{path}: version {version} is newer than this assistant understands "
                        f"({SUPPORTED_VERSION}); update optout-assistant.")
    return obj


def _suggest(name: str, model: type[_Model], loc: tuple) -> str:
    fields: set[str] = set()
    for m in (Flow, Route, Step, Labels, Meta, Regions, Reasons, Hosts, FormAddresses, ReasonTemplate, Guidance,
              Setting, Forms, FieldHints, GateWords, Buttons, Answers, VersionRule, Submission):
        fields |= set(m.model_fields)
    close = difflib.get_close_matches(name, sorted(fields), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _line_of(text: str, loc: tuple) -> int:
    """Best-effort line of a validation error's location in TOML text."""
    lines = text.splitlines()
    start, end = 0, len(lines)
    i = 0
    while i < len(loc):
        part = loc[i]
        nxt = loc[i + 1] if i + 1 < len(loc) else None
        if isinstance(part, str) and isinstance(nxt, int):
            headers = [n for n in range(start, end) if re.match(rf"\s*\[\[\s*{re.escape(part)}\s*\]\]", lines[n])]
            if len(headers) > nxt:
                start = headers[nxt] + 1
                end = next((n for n in range(start, end) if re.match(r"\s*\[", lines[n])), end)
                i += 2
                continue
            key_line = _find_key(lines, part, start, end)
            if key_line is None:
                return start + 1
            items = [n for n in range(key_line, end) if "{" in lines[n]]
            if len(items) > nxt:
                start, end = items[nxt], items[nxt] + 1
                i += 2
                continue
            return key_line + 1
        if isinstance(part, str):
            found = _find_key(lines, part, start, end)
            if found is None:
                table = next((n for n in range(start, end) if re.match(rf"\s*\[\s*{re.escape(part)}\s*\]", lines[n])),
                             None)
                if table is not None:
                    start = table + 1
                    i += 1
                    continue
                return start + 1
            start = found
        i += 1
    return start + 1


def _find_key(lines: list[str], key: str, start: int, end: int) -> int | None:
    pattern = re.compile(rf"(^|[{{,\s]){re.escape(key)}\s*=")
    return next((n for n in range(start, end) if pattern.search(lines[n])), None)


@cache
def load_flow(platform: str, flows_dir: Path | None = None) -> Flow:
    folder = flows_dir or paths.flows_dir()
    path = folder / f"{platform}.toml"
    if not path.is_file():
        raise FlowError(f"{path}: no such flow file (the platforms are: {', '.join(platforms(folder))}).")
    flow = _load(path, Flow)
    if flow.platform != platform:
        raise FlowError(f"{path}: field 'platform': '{flow.platform}' must be the file's name ('{platform}').")
    labels = load_labels(folder).merged(flow.labels)
    if flow.setting is not None:
        for key in ("label", "heading"):
            name = getattr(flow.setting, key)
            if name not in labels.labels:
                raise FlowError(f"{path}: field 'setting.{key}': unknown label '{name}' (in labels.toml or the "
                                "flow's own [labels]).")
    if flow.form is not None:
        for key in ("confirmation", "refusal"):
            name = getattr(flow.form, key)
            if name and name not in labels.labels:
                raise FlowError(f"{path}: field 'form.{key}': unknown label '{name}' (in labels.toml or the "
                                "flow's own [labels]).")
    for r, route in enumerate(flow.routes):
        for s, step in enumerate(route.steps):
            key = step.follow or step.press
            if key and key not in labels.labels:
                close = difflib.get_close_matches(key, list(labels.labels), n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                text = (folder / f"{platform}.toml").read_text(encoding="utf-8")
                line = _line_of(text, ("routes", r, "steps", s, step.action))
                raise FlowError(f"{folder / f'{platform}.toml'}, line {line}: field "
                                f"'routes[{r}].steps[{s}].{step.action}': unknown label '{key}'{hint}.")
    return flow


# The destination a route lands on -> the labels.toml key of its heading (engine.py recognises it by that).
DESTINATION_LABELS = {"policy": "policy_heading", "privacy_center": "privacy_center_heading",
                      "ai_topic": "ai_topic_heading"}
# Every labels.toml key the Python code names (the routes' steps and forms.toml's keys are checked where they are
# named): checked when labels.toml loads, so a missing one is a FlowError naming it, not a KeyError mid-run.
CODE_LABELS = {
    "engine.py": (*DESTINATION_LABELS.values(), "ai_at_meta", "box_title", "decline_cookies"),
    "detect.py": ("object_link", "object_phrase", "ai_at_meta", "cookie_dialog", "decline_cookies", "login_button",
                  "checkpoint", "unavailable"),
    "forms.py": ("unavailable",),
    "guide.py": ("delete_chats",),
}


@cache
def platforms(flows_dir: Path | None = None) -> tuple[str, ...]:
    """Every platform in the flows folder (a .toml file with a top-level `platform`), in their `order`
    (Facebook and Instagram first), then by name."""
    folder = flows_dir or paths.flows_dir()
    if not folder.is_dir():
        raise FlowError(f"{folder}: the flows folder (OPTOUT_FLOWS_DIR) is not a folder.")
    found: list[tuple[int, str]] = []
    for path in sorted(folder.glob("*.toml")):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError):
            if path.stem not in DATA_FILES:
                found.append((0, path.stem))  # a broken platform file: load_flow names what is wrong with it
            continue
        if "platform" in data:
            order = data.get("order", 100)
            found.append((order if isinstance(order, int) else 100, path.stem))
    return tuple(name for _, name in sorted(found))


def flow_labels(flow: Flow, flows_dir: Path | None = None) -> Labels:
    """labels.toml with the flow's own labels merged in: what the engine reads that platform's pages with."""
    return load_labels(flows_dir).merged(flow.labels)


def all_host_suffixes(flows_dir: Path | None = None) -> tuple[str, ...]:
    """Meta's hosts and every platform's own: what --via routes."""
    out = list(load_meta(flows_dir).hosts.suffixes)
    for platform in platforms(flows_dir):
        out += [h for h in load_flow(platform, flows_dir).hosts if h not in out]
    return tuple(out)


@cache
def load_labels(flows_dir: Path | None = None) -> Labels:
    """flows/labels.toml, with every key the code names present (CODE_LABELS)."""
    path = (flows_dir or paths.flows_dir()) / "labels.toml"
    labels = _load(path, Labels)
    for where, keys in CODE_LABELS.items():
        for key in keys:
            if key not in labels.labels:
                raise FlowError(f"{path}: label '{key}' is missing ({where} looks it up by that name).")
    return labels


@cache
def load_meta(flows_dir: Path | None = None) -> Meta:
    return _load((flows_dir or paths.flows_dir()) / "meta.toml", Meta)


@cache
def load_forms(flows_dir: Path | None = None) -> Forms:
    """flows/forms.toml, with every labels.toml key it names checked (a missing key names the key)."""
    folder = flows_dir or paths.flows_dir()
    forms = _load(folder / "forms.toml", Forms)
    labels = load_labels(folder)
    for where, key in forms.label_keys():
        if key not in labels.labels:
            close = difflib.get_close_matches(key, list(labels.labels), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise FlowError(f"{folder / 'forms.toml'}: field '{where}': unknown label '{key}'{hint}.")
    return forms


@cache
def load_accounts(flows_dir: Path | None = None) -> Accounts:
    return _load((flows_dir or paths.flows_dir()) / "accounts.toml", Accounts)


@cache
def load_regions(flows_dir: Path | None = None) -> Regions:
    return _load((flows_dir or paths.flows_dir()) / "regions.toml", Regions)


@cache
def load_reasons(flows_dir: Path | None = None) -> Reasons:
    return _load((flows_dir or paths.flows_dir()) / "reasons.toml", Reasons)


@cache
def load_guidance(flows_dir: Path | None = None) -> Guidance:
    return _load((flows_dir or paths.flows_dir()) / "guidance.toml", Guidance)


def validate_all(flows_dir: Path | None = None) -> None:
    """Load every flow file once, so a broken one is reported before any browser starts."""
    load_labels(flows_dir)
    for platform in platforms(flows_dir):
        load_flow(platform, flows_dir)
    load_meta(flows_dir)
    load_forms(flows_dir)
    load_regions(flows_dir)
    load_reasons(flows_dir)
    load_guidance(flows_dir)
    load_accounts(flows_dir)


# -- text matching (shared by detection, routes and forms) ----------------------------------------------------
# The twins of js/prelude.js's squash() and norm() (tests/test_normalise.py checks that they agree).
_PLAIN = str.maketrans({"\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"',
                        "\u2011": "-"})
_SPACE = re.compile(r"[\s\ufeff]+")  # JavaScript's \s and Python's \s, together
_NEW_TAB = re.compile(r"\s*\([^()]*\)\s*$")  # "(Opens in a new tab)" in any language


def squash(text: str) -> str:
    """Whitespace of every kind (tabs, newlines, NBSP, narrow NBSP ...) as one space, trimmed."""
    return _SPACE.sub(" ", text or "").strip()


def fold(text: str) -> str:
    """Text as compared: NFC, typographic quotes and the non-breaking hyphen made plain, whitespace squashed,
    lower-cased with the final sigma folded into sigma ("ΟΔΟΣ" and "οδος" are both "οδοσ"). Like casefold() for
    the final sigma, unlike it for ß (JavaScript has no casefold): the same as norm() in js/prelude.js."""
    return squash(unicodedata.normalize("NFC", text or "").translate(_PLAIN)).lower().replace("\u03c2", "\u03c3")


@lru_cache(maxsize=8192)  # label words are normalised again for every name compared with them
def normalise(text: str) -> str:
    """fold(), then a trailing parenthesis dropped ("object (Opens in a new tab)" is "object"): for the names of
    links and buttons and for label words (the in-page scripts get words normalised so)."""
    return _NEW_TAB.sub("", fold(text))


def label_matches(name: str, words: list[str]) -> bool:
    """True when a name equals a label or starts with it at a word break."""
    n = normalise(name)
    for w in words:
        w = normalise(w)
        if n == w or (n.startswith(w) and not n[len(w)].isalnum()):
            return True
    return False


def text_contains(text: str, words: list[str]) -> bool:
    t = normalise(text)
    return any(normalise(w) in t for w in words)
