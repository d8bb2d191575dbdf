"""The AI objection form counts only on Meta's own hosts: an https link whose host is, or ends in "." plus, a host
suffix of flows/meta.toml. Never by substring: another site's path that spells a Meta form, a `javascript:` or a
`data:` link, plain http, or a look-alike domain must not count, neither for the detector (Python, on the page's
links) nor for the in-page predicate that waits for a late box (JS)."""

from __future__ import annotations

from html import escape

import pytest

from assistant import detect, flows
from assistant.pagejs import source

FORM = "facebook.com/help/contact/6359191084165019"
AI_BOX = ("How we use info for AI at Meta. We're always improving AI at Meta, and we use information from our "
          "Products and services to develop and improve AI at Meta. You have the right to object to the use of "
          "your information for these purposes. ")

COUNTS = [
    f"https://www.{FORM}",
    f"https://{FORM}",
    f"https://fr-fr.{FORM}",
    f"https://m.{FORM}/",
    f"https://WWW.{FORM}?ref=policy#top",
    "https://help.instagram.com/contact/233964459562201",
]
NEVER = [
    f"https://elsewhere.example/x.{FORM}",
    f"https://elsewhere.example/{FORM}",
    f"https://elsewhere.example/?u=https://www.{FORM}",
    f"http://www.{FORM}",
    f"javascript:alert('www.{FORM}')",
    f"data:text/html,<a href=https://www.{FORM}>x</a>",
    f"https://evil{FORM}",
    "https://www.facebook.com.evil.example/help/contact/6359191084165019",
    "https://facebook.com@elsewhere.example/help/contact/6359191084165019",
]
UNLISTED_NEVER = [  # a contact-form path, inside the AI box, but not on Meta's hosts
    "https://elsewhere.example/help/contact/9999999999",
    "https://facebook.com.elsewhere.example/help/contact/9999999999",
    "http://www.facebook.com/help/contact/9999999999",
]


@pytest.fixture(scope="module")
def meta():
    return flows.load_meta()


@pytest.fixture(scope="module")
def labels():
    return flows.load_labels()


def facts_with(href: str, text: str = "object") -> detect.PageFacts:
    """A page in English whose AI at Meta box holds one visible link."""
    link = detect.Link(0, text, text, href, AI_BOX + text, True)
    return detect.PageFacts(url="https://www.facebook.com/privacy/policy/", title="Privacy Policy", lang="en",
                            links=[link], headings=["Privacy Policy"], dialogs=[], passwords=0, alerts=[],
                            text=AI_BOX, text_length=len(AI_BOX))


@pytest.mark.parametrize("href", COUNTS)
def test_a_known_form_on_a_meta_host_or_subdomain_counts(href, meta, labels):
    assert detect._matches_form(href, meta.forms.ai_objection, meta.hosts.suffixes)
    found = detect.classify(facts_with(href), labels, meta)
    assert found.ai_link is not None and found.ai_link.href == href


@pytest.mark.parametrize("href", NEVER)
def test_a_form_address_anywhere_but_on_a_meta_host_over_https_never_counts(href, meta, labels):
    assert not detect._matches_form(href, meta.forms.ai_objection, meta.hosts.suffixes)
    assert detect.classify(facts_with(href), labels, meta).ai_link is None


@pytest.mark.parametrize("href", UNLISTED_NEVER)
def test_an_unlisted_contact_form_counts_only_on_a_meta_host(href, meta, labels):
    assert detect.classify(facts_with(href), labels, meta).ai_link is None
    # ... while the same path on Facebook itself is an offer (the box's own words around an unlisted form)
    real = "https://www.facebook.com/help/contact/9999999999"
    assert detect.classify(facts_with(real), labels, meta).ai_link is not None


def test_a_lookalike_elsewhere_is_not_taken_for_meta_s_lookalike_form(meta):
    assert detect._matches_form("https://www.facebook.com/help/contact/367438723733209", meta.forms.lookalikes,
                                meta.hosts.suffixes)
    assert not detect._matches_form("https://elsewhere.example/x.facebook.com/help/contact/367438723733209",
                                    meta.forms.lookalikes, meta.hosts.suffixes)


def page_with(page, hrefs: list[str]) -> None:
    links = "".join(f'<p>{escape(AI_BOX)}<a href="{escape(h)}">object</a></p>' for h in hrefs)
    page.set_content(f'<!DOCTYPE html><html lang="en"><title>Privacy Policy</title><h1>Privacy Policy</h1>{links}')


def in_page_facts(page) -> detect.PageFacts:
    raw = page.evaluate(source("snapshot"))
    links = [detect.Link(x["i"], x["text"], x["name"], x["href"], x["context"], x["visible"]) for x in raw.pop("links")]
    return detect.PageFacts(links=links, **raw)


def test_in_a_real_page_only_meta_s_own_form_link_counts(page, meta, labels):
    js, arg = detect.candidate_predicate(meta)
    page_with(page, NEVER + UNLISTED_NEVER)
    assert page.evaluate(js, arg) is False  # the late-content wait does not stop early for any of them
    assert detect.classify(in_page_facts(page), labels, meta).ai_link is None
    page_with(page, NEVER + [f"https://fr-fr.{FORM}"])
    assert page.evaluate(js, arg) is True
    found = detect.classify(in_page_facts(page), labels, meta)
    assert found.ai_link is not None and found.ai_link.href == f"https://fr-fr.{FORM}"


@pytest.mark.parametrize("href", COUNTS + ["https://www.facebook.com/help/contact/9999999999"])
def test_the_in_page_predicate_turns_true_for_each_form_on_meta_s_hosts(page, meta, href):
    js, arg = detect.candidate_predicate(meta)
    page_with(page, [href])
    assert page.evaluate(js, arg) is True


@pytest.mark.parametrize("href", ["https://www.facebook.com/help/contact/367438723733209",
                                  "https://help.instagram.com/contact/117037592428568"])
def test_the_in_page_predicate_ignores_the_known_lookalike_forms(page, meta, href):
    js, arg = detect.candidate_predicate(meta)
    page_with(page, [href])
    assert page.evaluate(js, arg) is False
