"""Reading a page: where we are (destination, wall, dialog), and whether an AI objection link is offered.

One in-page snapshot (js/snapshot.js) gathers links (accessible name, absolute href, visibility, the text around them),
headings, dialogs and password fields; the decisions are made here in Python against flows/ data, so a
changed label is a data change. Never by class names: Meta's are hashed and change with every build.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from assistant.flows import Labels, Meta, label_matches, text_contains
from assistant.pagejs import source

if TYPE_CHECKING:
    from playwright.async_api import Page


@dataclass
class Link:
    index: int
    text: str  # what the person sees
    name: str  # the accessible name (aria-label first), e.g. "object (Opens in a new tab)"
    href: str
    context: str
    visible: bool

    def says(self, words: list[str]) -> bool:
        return label_matches(self.text, words) or label_matches(self.name, words)

    def as_json(self) -> dict:
        return {"text": self.text, "href": self.href}


@dataclass
class PageFacts:
    url: str
    title: str
    lang: str
    links: list[Link]
    headings: list[str]
    dialogs: list[dict]
    passwords: int
    alerts: list[str]
    text: str
    text_length: int


@dataclass
class Detection:
    ai_link: Link | None
    box_text: str | None
    lookalikes: list[Link] = field(default_factory=list)
    why: str = ""


async def snapshot(page: Page) -> PageFacts:
    raw = await page.evaluate(source("snapshot"))
    links = [Link(x["i"], x["text"], x["name"], x["href"], x["context"], x["visible"]) for x in raw.pop("links")]
    return PageFacts(links=links, **raw)


def page_language(facts: PageFacts, labels: Labels) -> str | None:
    lang = (facts.lang or "").split("-")[0].lower()
    return lang if lang in labels.languages else None


def _https_host(href: str) -> tuple[str, str] | None:
    """(host, path) of an https URL; None for anything else (http, javascript:, data:, malformed)."""
    try:
        u = urlsplit(href.strip())
        host = (u.hostname or "").lower().rstrip(".")
    except ValueError:
        return None
    if u.scheme.lower() != "https" or not host:
        return None
    return host, u.path.rstrip("/")


def _host_is(host: str, suffix: str) -> bool:
    """`host` is `suffix` or one of its subdomains: by whole labels, never by substring."""
    suffix = suffix.lower().strip(".")
    return host == suffix or host.endswith("." + suffix)


def _matches_form(href: str, forms: list[str], hosts: list[str] | tuple[str, ...] | None = None) -> bool:
    """A known form address (`host/path` in flows/meta.toml), on its host or any subdomain of it
    (fr-fr.facebook.com, m.facebook.com ...), over https, and on one of Meta's hosts when `hosts` is given.
    The host and the path are compared apart: `https://elsewhere.example/x.facebook.com/help/contact/…` is not
    Facebook's form."""
    parts = _https_host(href)
    if parts is None:
        return False
    host, path = parts
    if hosts is not None and not any(_host_is(host, s) for s in hosts):
        return False
    for form in forms:
        form_host, _, form_path = form.partition("/")
        if path == "/" + form_path.rstrip("/") and _host_is(host, form_host):
            return True
    return False


def is_contact_form(href: str, meta: Meta | None = None) -> bool:
    """The address of a form (a help-center contact form, Meta's privacy support forms): flows/meta.toml."""
    path = urlsplit(href).path.lower()
    paths = meta.forms.form_paths if meta is not None else ["/help/contact/", "/contact/"]
    return any(p in path for p in paths) and not path.rstrip("/").endswith(tuple(p.rstrip("/") for p in paths))


def _on_meta_host(href: str, meta: Meta) -> bool:
    parts = _https_host(href)
    return parts is not None and any(_host_is(parts[0], s) for s in meta.hosts.suffixes)


def _page_words(labels: Labels, key: str, lang: str | None) -> list[str]:
    """A label in the page's language only (all languages when the page does not say which it is)."""
    return list(labels.labels[key].get(lang) or []) if lang else labels.words(key)


def classify(facts: PageFacts, labels: Labels, meta: Meta) -> Detection:
    """Is an AI objection link offered on this page? Known form addresses first, then text and context."""
    lang = page_language(facts, labels)
    object_words = labels.words("object_link", lang)
    phrase_words = labels.words("object_phrase", lang)
    # An unlisted form counts only inside the box as the page's own language words it, and only on Meta's hosts.
    box_object, box_ai, box_phrase = (_page_words(labels, key, lang) for key in ("object_link", "ai_at_meta",
                                                                                 "object_phrase"))
    lookalikes: list[Link] = []
    candidates: list[tuple[int, Link, str]] = []
    for link in facts.links:
        if not link.visible:
            continue
        if _matches_form(link.href, meta.forms.lookalikes, meta.hosts.suffixes):
            lookalikes.append(link)
            continue
        if _matches_form(link.href, meta.forms.ai_objection, meta.hosts.suffixes):
            candidates.append((2, link, "links to a known AI objection form"))
        elif (is_contact_form(link.href, meta) and _on_meta_host(link.href, meta) and link.says(box_object)
              and text_contains(link.context, box_ai) and text_contains(link.context, box_phrase)):
            candidates.append((1, link, "an objection link in the AI at Meta box (unlisted form address)"))
        elif link.says(object_words) and text_contains(link.context, phrase_words):
            lookalikes.append(link)
    if not candidates:
        why = "no link to an AI objection form"
        if lookalikes:
            why += f"; {len(lookalikes)} generic objection link(s) that are not the AI objection"
        return Detection(None, None, lookalikes, why)
    candidates.sort(key=lambda c: -c[0])
    _, best, why = candidates[0]
    return Detection(best, best.context, lookalikes, why)


def cookie_dialog(facts: PageFacts, labels: Labels) -> str | None:
    """The decline button's name, when a cookie dialog is showing."""
    for dialog in facts.dialogs:
        if text_contains(dialog["name"] + " " + dialog["text"], labels.words("cookie_dialog")):
            decline = labels.words("decline_cookies")
            return next((b for b in dialog["buttons"] if label_matches(b, decline)), None) or ""
    return None


def login_wall(facts: PageFacts, labels: Labels, url_parts: list[str]) -> bool:
    if any(part in facts.url for part in url_parts) and facts.passwords:
        return True
    return facts.passwords > 0 and text_contains(facts.text[:1500], labels.words("login_button"))


def checkpoint(facts: PageFacts, labels: Labels, url_parts: list[str]) -> bool:
    if any(part in facts.url for part in url_parts):
        return True
    return any(label_matches(h, labels.words("checkpoint")) for h in facts.headings)


def unavailable(facts: PageFacts, labels: Labels) -> bool:
    return text_contains(" ".join(facts.headings) + " " + facts.text[:800], labels.words("unavailable"))


def candidate_predicate(meta: Meta) -> tuple[str, dict[str, list[str]]]:
    """candidate.js (and its argument): true once a link to a known AI form, or to a contact form that is not a
    known look-alike, is on the page: the box may be rendered after the rest of the page. Only https links on
    Meta's hosts count, host and path compared apart (as `_matches_form` does)."""
    return source("candidate"), {"forms": list(meta.forms.ai_objection), "lookalikes": list(meta.forms.lookalikes),
                                 "suffixes": list(meta.hosts.suffixes), "paths": list(meta.forms.form_paths)}
