"""Never a false `available`: pages that look like the AI objection but are not, and real offers in a new shape.

A tiny server in the replica layout serves one Privacy Policy page per variant (plus a settings page linking to
it). The detector (`detect.classify` on a real browser's `detect.snapshot`) reads every page in one browser;
a few variants also go end to end through the engine.
"""

from __future__ import annotations

import http.server
import threading
from html import escape

import pytest

from assistant import detect, flows
from assistant.browser import Browser, find_browser, goto
from assistant.settings import Timeouts
from tests.conftest import run_async

FB_FORM = "https://www.facebook.com/help/contact/6359191084165019"
IG_FORM = "https://help.instagram.com/contact/233964459562201"
POLICY = "https://www.facebook.com/privacy/policy/"

FILLER = ("We use information we collect to provide, personalise and improve our Products, to promote safety and "
          "security, and to communicate with you. ")
AI_BOX_EN = ("How we use info for AI at Meta. We're always improving AI at Meta, and we use information from our "
             "Products and services to develop and improve AI at Meta. You have the right to object to the use of "
             "your information for these purposes. ")


def box(text: str, link: str = "", style: str = "") -> str:
    extra = f";{style}" if style else ""
    return f'<section style="border:1px solid #ccc;padding:12px{extra}"><p>{text}{link}</p></section>'


def a(href: str, text: str, style: str = "", attrs: str = "") -> str:
    return f'<a href="{escape(href)}" style="{style}" {attrs}>{escape(text)}</a>'


# variant -> (lang, body). Every look-alike must come out `not_offered`; every offer `available`.
LOOKALIKES = {
    # The generic objection and rights links of every EU policy, even placed right inside an AI-at-Meta box.
    "generic-links": ("en", box(AI_BOX_EN + "Learn more about your right to object: ",
                                a("https://www.facebook.com/help/contact/367438723733209", "object") + ", "
                                + a("https://www.facebook.com/help/contact/1994830130782319", "right to object") + ", "
                                + a("https://help.instagram.com/contact/117037592428568", "object"))),
    "right-to-object-without-link": ("en", box(AI_BOX_EN + "Learn more about your right to object in our Help "
                                               "Center.")),
    "delaying-box": ("en", box("We're delaying our plans to train AI at Meta using public content from adults on "
                               "Facebook and Instagram in the EU/EEA. You have the right to object to how your "
                               "information is used for these purposes, and your objection will be honoured.")),
    "banner-2026": ("en", box("From 16 December your information, including your interactions with AI at Meta, "
                              "will be used to improve AI at Meta unless you have objected. ",
                              a("https://www.facebook.com/privacy/genai/", "Learn more"))),
    "object-word-to-a-non-form-page": ("en", box(AI_BOX_EN, a("https://www.facebook.com/privacy/genai/", "object"))),
    "third-party-information-form": ("en", box(AI_BOX_EN, a("https://www.facebook.com/help/contact/510058597920541",
                                                             "object"))),
    "ai-form-link-display-none": ("en", box(AI_BOX_EN, a(FB_FORM, "object", "display:none"))),
    "ai-form-link-visibility-hidden": ("en", box(AI_BOX_EN, a(FB_FORM, "object", "visibility:hidden"))),
    "ai-form-link-hidden-attribute": ("en", box(AI_BOX_EN, a(FB_FORM, "object", attrs="hidden"))),
    "ai-form-link-in-a-transparent-box": ("en", box(AI_BOX_EN, a(IG_FORM, "object"), "opacity:0")),
    "ai-form-link-of-zero-size": ("en", box(AI_BOX_EN, a(FB_FORM, "object",
                                                        "display:inline-block;width:0;height:0;overflow:hidden"))),
    "ai-form-link-pushed-off-the-page": ("en", box(AI_BOX_EN, a(FB_FORM, "object",
                                                               "position:absolute;left:-9999px;top:-9999px"))),
    "unknown-form-without-ai-context": ("en", box("You have the right to object to the processing of your "
                                                  "information for direct marketing, and to processing based on our "
                                                  "legitimate interests. " + FILLER,
                                                  a("https://www.facebook.com/help/contact/111122223333444",
                                                    "object"))),
    "unknown-form-on-another-host": ("en", box(AI_BOX_EN, a("https://meta-objection.example/help/contact/111122223333444",
                                                            "object"))),
    "known-form-path-on-another-host": ("en", box(AI_BOX_EN, a("https://facebook.com.example/help/contact/"
                                                               "6359191084165019", "object"))),
}
OFFERS = {
    "known-form": ("en", box(AI_BOX_EN, a(FB_FORM, "object")), FB_FORM),
    "known-form-on-a-regional-subdomain": ("de", box(
        "So verwenden wir Informationen für KI bei Meta. Du hast das Recht, der Verwendung deiner Informationen für "
        "diese Zwecke zu widersprechen. " + FILLER,
        a("https://de-de.facebook.com/help/contact/6359191084165019", "widersprechen")),
        "https://de-de.facebook.com/help/contact/6359191084165019"),
    "new-form-in-a-german-box": ("de", box(
        "So verwenden wir Informationen für KI bei Meta. Wir verbessern KI bei Meta ständig. Du hast das Recht, der "
        "Verwendung deiner Informationen für diese Zwecke zu ",
        a("https://www.facebook.com/help/contact/987654321098765", "widersprechen") + "."),
        "https://www.facebook.com/help/contact/987654321098765"),
    "new-form-in-a-french-box": ("fr", box(
        "Comment nous utilisons les informations pour l'IA chez Meta. Nous améliorons constamment l'IA chez Meta. "
        "Vous avez le droit de vous opposer à l'utilisation de vos informations à ces fins : ",
        a("https://help.instagram.com/contact/555566667777888", "vous opposer")),
        "https://help.instagram.com/contact/555566667777888"),
}
HEADINGS = {"en": "Privacy Policy", "de": "Datenschutzrichtlinie", "fr": "Politique de confidentialité"}


def page_html(lang: str, body: str) -> str:
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{HEADINGS[lang]}</title></head>'
            f'<body><h1>{HEADINGS[lang]}</h1><p>{FILLER * 3}</p>{body}<p>{FILLER * 2}</p></body></html>')


class LookalikeServer(http.server.BaseHTTPRequestHandler):
    """`/<variant>/<host>/<path>`: the variant's policy page, a settings page linking to it, else 404."""

    def log_message(self, *args):
        pass

    def do_GET(self):
        variant, _, rest = self.path.lstrip("/").partition("/")
        lang, body = (LOOKALIKES.get(variant) or OFFERS.get(variant, ("en", "", ""))[:2])
        if rest.startswith("www.facebook.com/settings"):
            html = (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>Settings</title></head>'
                    f'<body><h1>Settings</h1><nav>{a(POLICY, HEADINGS[lang])}</nav></body></html>')
        elif rest.startswith("www.facebook.com/privacy/policy") and body:
            html = page_html(lang, body)
        else:
            self.send_response(404)
            self.end_headers()
            return
        data = html.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), LookalikeServer)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def detections(server) -> dict[str, detect.Detection]:
    """Every variant's policy page read by the detector in one real browser."""
    labels, meta = flows.load_labels(), flows.load_meta()

    async def read_all():
        out = {}
        async with Browser(find_browser(), headless=True, via=server, nav_timeout_ms=10000) as chromium:
            for variant in [*LOOKALIKES, *OFFERS]:
                ctx = await chromium.new_context(via=f"{server}/{variant}")
                page = await ctx.new_page()
                await goto(page, POLICY, 10000)
                out[variant] = detect.classify(await detect.snapshot(page), labels, meta)
                await ctx.close()
        return out

    return run_async(read_all())


@pytest.mark.parametrize("variant", list(LOOKALIKES))
def test_a_lookalike_is_never_detected_as_the_ai_objection(detections, variant):
    found = detections[variant]
    assert found.ai_link is None, (found.ai_link, found.why)


@pytest.mark.parametrize("variant", list(OFFERS))
def test_an_ai_objection_link_is_detected_by_form_address_or_by_its_box(detections, variant):
    found = detections[variant]
    assert found.ai_link is not None, found.why
    assert found.ai_link.href == OFFERS[variant][2]


def test_generic_objection_links_are_reported_as_lookalikes(detections):
    hrefs = {lk.href for lk in detections["generic-links"].lookalikes}
    assert {"https://www.facebook.com/help/contact/367438723733209",
            "https://help.instagram.com/contact/117037592428568"} <= hrefs


def test_the_engine_says_not_offered_for_lookalikes_and_available_for_a_new_form_in_the_box(server, tmp_path):
    """End to end: settings page, Privacy Policy link, verdict; one browser for the three runs."""
    from assistant import session, settings
    from assistant.ui import Person

    quick = Timeouts(nav_s=5, recognise_s=3, late_s=1, login_s=1, confirm_s=1)

    async def runs():
        out = {}
        async with Browser(find_browser(), headless=True, via=server, nav_timeout_ms=5000) as chromium:
            for variant in ("generic-links", "ai-form-link-in-a-transparent-box", "new-form-in-a-german-box"):
                s = settings.build(platform="facebook", via=f"{server}/{variant}", headless=True,
                                   evidence_dir=str(tmp_path / "runs"), profile=str(tmp_path / "profiles"))
                out[variant] = await session.run(s.with_(timeouts=quick), "check", Person(False, quiet=True),
                                                 chromium=chromium)
        return out

    outcomes = run_async(runs())
    generic = outcomes["generic-links"].results[0]
    assert generic.status == "not_offered", generic.detail
    assert "generic objection link" in generic.detail
    hidden = outcomes["ai-form-link-in-a-transparent-box"].results[0]
    assert hidden.status == "not_offered", hidden.detail
    new = outcomes["new-form-in-a-german-box"].results[0]
    assert new.status == "available", new.detail
    assert new.object_link["href"] == OFFERS["new-form-in-a-german-box"][2]
