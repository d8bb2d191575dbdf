"""One normaliser on both sides: Python's flows.fold / flows.squash and the in-page norm() / squash() of
js/prelude.js give the same text for every string that matters (the words of flows/ against Meta's pages), run in
a real Chromium. flows.normalise is fold() plus one step of its own: a trailing parenthesis dropped."""

from __future__ import annotations

import pytest

from assistant import flows

TRICKY = [
    "We’re always improving",  # curly apostrophe
    "‘AI at Meta’ and “object”",  # curly quotes
    "„Widerspruch“ einlegen",  # German low-9 quote
    "don\u02bct",  # modifier letter apostrophe
    "right\u00a0to\u00a0object",  # NBSP
    "1\u202f000 pages",  # narrow NBSP
    "e\u2011mail",  # non-breaking hyphen
    "Re\u0301sume\u0301 vs R\u00e9sum\u00e9",  # combining accents vs precomposed
    "Ä\u0308",  # a combining mark on a precomposed letter
    "ΟΔΟΣ",  # Greek capitals: final sigma
    "οδος ΟΔΟΣ Σ",  # final sigma lower-case, mid-string and alone
    "ΣΊΓΜΑ σίγμα",
    "ПРАВО НА ВОЗРАЖЕНИЕ Ёлка",  # Cyrillic
    "İstanbul ILIK ıi",  # Turkish dotted and dotless i
    "Straße STRASSE",  # ß: not folded on either side
    "\ttabs\tand\nnew\r\nlines  ",
    "  \u2003em space\u3000ideographic\u2028line\u2029para\ufeffbom ",
    "\x1cfile\x1fseparators\x85next line",
    "Object (Opens in a new tab)",
    "",
    "ÉCRIRE À META",
    "Ǆ ǅ ǆ",  # titlecase digraphs
]


@pytest.fixture(scope="module")
def in_page():
    """The in-page normalisers' answers for TRICKY: [(squash, norm), ...]."""
    from assistant.browser import Browser, find_browser
    from tests.conftest import run_async

    script = "(arg) => {\n" + _prelude() + "\nreturn arg.map((s) => [squash(s), norm(s)]);\n}"

    async def go():
        async with Browser(find_browser(), headless=True) as b:
            page = await (await b.new_context()).new_page()
            return await page.evaluate(script, TRICKY)

    return run_async(go())


def _prelude() -> str:
    from importlib import resources

    return (resources.files("assistant") / "js" / "prelude.js").read_text(encoding="utf-8")


@pytest.mark.parametrize("i", range(len(TRICKY)), ids=[repr(t)[:30] for t in TRICKY])
def test_python_and_javascript_normalise_alike(in_page, i):
    text = TRICKY[i]
    js_squash, js_norm = in_page[i]
    assert flows.fold(text) == js_norm
    assert flows.squash(text) == js_squash


def test_the_folding_itself():
    assert flows.fold("ΟΔΟΣ") == flows.fold("οδος") == "οδοσ"
    assert flows.fold("Re\u0301sume\u0301") == flows.fold("R\u00e9sum\u00e9")
    assert flows.fold("We’re\u00a0\u00a0here") == "we're here"
    assert flows.fold("e\u2011mail") == "e-mail"
    assert flows.fold("Object (Opens in a new tab)") == "object (opens in a new tab)"


def test_normalise_is_fold_without_a_trailing_parenthesis():
    assert flows.normalise("Object (Opens in a new tab)") == "object"
    assert flows.normalise("Objet (s’ouvre dans un nouvel onglet)") == "objet"
    assert flows.normalise("(a) first") == "(a) first"
    for text in TRICKY:
        if not text.rstrip().endswith(")"):
            assert flows.normalise(text) == flows.fold(text)
