"""The replica of Meta's pages: scenarios, rendering in every language, forms end to end, walls and faults.

Rendering tests load the replica's loopback URLs directly. Flows that follow real Meta URLs (links,
redirects, cookies) go through ``routed``, a minimal stand-in for the assistant's routing layer.
"""

from __future__ import annotations

import http.client
import json
import re
import string
import time
import tomllib
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, Route, expect

from assistant.replica import ReplicaServer, Scenario
from assistant.replica.captures import default_captures_dir
from assistant.replica.scenarios import PRESETS

FB_FORM = "https://www.facebook.com/help/contact/6359191084165019"
IG_FORM = "https://help.instagram.com/contact/233964459562201"
META = re.compile(r"^https://([a-z0-9-]+\.)*(facebook\.com|instagram\.com|meta\.com|fbcdn\.net|threads\.net)/")

# (box title, link text, Privacy Policy heading) per language, from meta-facts.md where it gives them.
BOX_WORDS = {
    "en": ("How we use info for AI at Meta", "object", "Privacy Policy"),
    "de": ("So verwenden wir Informationen für KI bei Meta", "widersprechen", "Datenschutzrichtlinie"),
    "fr": ("l’IA chez Meta", "vous opposer", "Politique de confidentialité"),
    "es": ("IA en Meta", "oponerte", "Política de privacidad"),
    "it": ("IA in Meta", "opporti", "Informativa sulla privacy"),
    "nl": ("AI bij Meta", "bezwaar maken", "Privacybeleid"),
    "pl": ("SI w Meta", "sprzeciw", "Zasady ochrony prywatności"),
    "pt": ("IA na Meta", "opor", "Política de Privacidade"),
}


@pytest.fixture(scope="module")
def replica():
    with ReplicaServer() as server:
        yield server


@pytest.fixture(autouse=True)
def _fresh_record(replica: ReplicaServer):
    replica.reset()


def direct(replica: ReplicaServer, spec: str, url: str) -> str:
    return f"{replica.scenario_url(spec)}/{url.removeprefix('https://')}"


def routed(page: Page, replica: ReplicaServer, spec: str) -> None:
    """Send every request for a Meta host to the replica, as the assistant's --via routing does.

    Playwright never routes the target of a fulfilled redirect, so a redirected navigation is answered
    with a page that moves on by script (the browser then asks for the real URL again, and is routed).
    """

    def fetch(method: str, url: str, body: bytes | None, headers: dict[str, str]):
        parts = urlsplit(url)
        target = f"/scenario/{spec}/{parts.hostname}{parts.path}" + (f"?{parts.query}" if parts.query else "")
        conn = http.client.HTTPConnection(replica.host, replica.port, timeout=10)
        conn.request(method, target, body=body, headers=headers)
        response = conn.getresponse()
        return response, response.read()

    def handle(route: Route) -> None:
        request = route.request
        headers = {k: v for k, v in request.all_headers().items() if k in ("cookie", "content-type")}
        try:
            response, body = fetch(request.method, request.url, request.post_data_buffer, headers)
        except (OSError, http.client.HTTPException):
            route.abort("connectionreset")
            return
        out: dict[str, str] = {}
        for name, value in response.getheaders():
            out[name] = f"{out[name]}\n{value}" if name in out else value
        status, location = response.status, response.getheader("Location")
        if location and request.is_navigation_request():
            status, out["Content-Type"] = 200, "text/html"
            body = f"<script>location.replace({json.dumps(location)})</script>".encode()
            out.pop("Location"), out.pop("Content-Length", None)
        route.fulfill(status=status, headers=out, body=body)

    page.context.route(META, handle)


def http_get(url: str) -> tuple[int, dict[str, str], str]:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        response = urllib.request.build_opener(NoRedirect).open(url, timeout=10)
    except urllib.error.HTTPError as err:
        response = err
    return response.status, dict(response.headers.items()), response.read().decode()


def kinds(replica: ReplicaServer) -> list[str]:
    return [post["kind"] for post in replica.posts]


# -- scenarios and texts ----------------------------------------------------------------------------


def test_scenario_presets_resolve_form_box_gate_cookie_and_banner_defaults():
    de = Scenario.parse("eu-de")
    assert (de.region, de.lang, de.form, de.gate, de.box, de.cookie, de.banner) == ("DE", "de", "C", True, "2025",
                                                                                     True, False)
    assert Scenario.parse("uk").form == "B" and Scenario.parse("br").form == "D"
    us = Scenario.parse("us")
    assert (us.eligible, us.box, us.banner, us.cookie) == (False, "none", True, False)
    assert Scenario.parse("eu-de,form=A").box == "2024"
    assert Scenario.parse("eu-de,region=GB").form == "B"  # later tokens override earlier ones
    assert Scenario.parse("").spec == "eu-en" and Scenario.parse("").region == "IE"
    assert Scenario.parse("eu-fr,fault=500@policy+slow@form").faults == {"policy": "500", "form": "slow"}


@pytest.mark.parametrize("spec, message", [
    ("mars", "unknown scenario preset 'mars'"),
    ("eu-de,colour=red", "unknown scenario key 'colour'"),
    ("region=XX", "ISO 3166"),
    ("fault=500@nowhere", "kind@page"),
    ("hide=policy_link+nope", "nope"),
])
def test_bad_scenario_is_a_clear_error_and_a_400(replica: ReplicaServer, spec: str, message: str):
    with pytest.raises(ValueError, match=re.escape(message)):
        Scenario.parse(spec)
    status, _, body = http_get(direct(replica, spec, "www.facebook.com/privacy/policy/"))
    assert status == 400 and message.replace("'", "&#x27;") in body


def test_every_language_has_every_text_with_the_same_placeholders():
    table = tomllib.loads((Path(__file__).parents[1] / "assistant/replica/texts.toml").read_text("utf-8"))
    def names(text):
        return {f for _, f, _, _ in string.Formatter().parse(text) if f}

    for lang in BOX_WORDS:
        assert set(table[lang]) == set(table["en"]), lang
        for key, text in table[lang].items():
            assert names(text) == names(table["en"][key]), (lang, key)
    assert set(table["pt_BR"]) <= set(table["en"])


# -- rendering --------------------------------------------------------------------------------------


def test_every_preset_renders_its_box_or_banner_in_its_language(page: Page, replica: ReplicaServer):
    for preset in PRESETS:
        sc = Scenario.parse(preset)
        page.goto(direct(replica, preset, "https://www.facebook.com/privacy/policy/"))
        title, link, heading = BOX_WORDS[sc.lang]
        expect(page.locator("html")).to_have_attribute("lang", sc.text_variant.replace("_", "-"))
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        form_links = page.locator(f'a[href="{FB_FORM}"]')
        if sc.eligible:
            expect(page.get_by_text(title).first).to_be_visible()
            expect(form_links).to_have_count(1)
            expect(form_links).to_have_text(link)
            expect(page.get_by_text("unless you have objected")).to_have_count(0)
        else:
            expect(form_links).to_have_count(0)
            banner = page.get_by_role("link", name="Learn more.")
            expect(banner).to_have_attribute("href", "https://www.facebook.com/privacy/genai")
            expect(page.get_by_text("unless you have objected")).to_be_visible()
        decoys = page.locator('a[href*="367438723733209"], a[href*="1994830130782319"]')
        expect(decoys).to_have_count(2 if sc.european else 0)


def test_instagram_box_link_has_the_new_tab_accessible_name_on_every_surface(page: Page, replica: ReplicaServer):
    for url in ("https://privacycenter.instagram.com/policy/", "https://privacycenter.instagram.com/",
                "https://privacycenter.instagram.com/privacy/genai/info-you-shared/"):
        page.goto(direct(replica, "eu-en,cookie=0", url))
        link = page.get_by_role("link", name="object (Opens in a new tab)", exact=True)
        expect(link).to_have_attribute("href", IG_FORM)
        expect(link).to_have_attribute("target", "_blank")
    expect(page.get_by_role("heading", name="Right to object")).to_be_visible()
    expect(page.get_by_role("link", name="Learn more and submit requests here")).to_have_attribute(
        "href", "https://www.facebook.com/help/contact/510058597920541")


def test_box_versions_and_form_ids(page: Page, replica: ReplicaServer):
    for spec, link_name, href in [
        ("eu-en,box=2024", "right to object (Opens in a new tab)", IG_FORM),
        ("eu-en,formid=fb", "object (Opens in a new tab)", FB_FORM),
        ("eu-en,formid=alt", "object (Opens in a new tab)", "https://help.instagram.com/contact/767264225370182"),
    ]:
        page.goto(direct(replica, spec, "https://privacycenter.instagram.com/policy/"))
        expect(page.get_by_role("link", name=link_name, exact=True)).to_have_attribute("href", href)


def test_delaying_box_mentions_the_right_to_object_without_a_link(page: Page, replica: ReplicaServer):
    page.goto(direct(replica, "eu-en,box=delaying", "https://privacycenter.instagram.com/policy/"))
    expect(page.get_by_text("We’re delaying our plans")).to_contain_text("right to object")
    expect(page.locator('a[href*="/contact/233964459562201"], a[href*="6359191084165019"]')).to_have_count(0)
    expect(page.locator('a[href*="117037592428568"]')).to_have_count(1)  # the generic look-alike stays


def test_printable_policy_is_plain_with_a_paragraph_title(page: Page, replica: ReplicaServer):
    page.goto(direct(replica, "eu-de", "https://mbasic.facebook.com/privacy/policy/printable/"))
    expect(page.locator("p", has_text="So verwenden wir Informationen für KI bei Meta")).to_have_count(1)
    expect(page.locator(f'a[href="{FB_FORM}"]')).to_have_text("widersprechen")
    expect(page.locator("script")).to_have_count(0)


def test_pages_use_obfuscated_varying_classes_and_no_ids(page: Page, replica: ReplicaServer):
    classes = []
    for spec in ("eu-en", "eu-en,latency=0"):
        page.goto(direct(replica, spec, "https://www.facebook.com/privacy/policy/"))
        expect(page.locator("[id]")).to_have_count(0)
        names = set(" ".join(page.eval_on_selector_all("[class]", "els => els.map(e => e.className)")).split())
        assert names and all(re.fullmatch(r"x[0-9a-z]{7}", n) for n in names)
        classes.append(names)
    assert not classes[0] & classes[1]
    assert "’" in page.content()


def test_settings_links_are_real_meta_urls_and_can_be_hidden(page: Page, replica: ReplicaServer):
    page.goto(direct(replica, "eu-en,cookie=0", "https://www.facebook.com/settings/"))
    nav = page.get_by_role("navigation", name="Settings & privacy")
    expect(nav.get_by_role("link", name="Privacy Policy")).to_have_attribute(
        "href", "https://www.facebook.com/privacy/policy/")
    expect(nav.get_by_role("link", name="Privacy Center")).to_have_attribute(
        "href", "https://www.facebook.com/privacy/center/")
    page.goto(direct(replica, "eu-en,cookie=0,hide=policy_link+center_link", "https://www.facebook.com/settings/"))
    expect(page.get_by_role("link", name="Privacy Policy")).to_have_count(0)
    expect(page.get_by_role("link", name="Privacy Center")).to_have_count(0)
    expect(page.get_by_role("link", name="About")).to_have_count(1)
    page.goto(direct(replica, "eu-de,cookie=0", "https://www.instagram.com/accounts/edit/"))
    expect(page.get_by_text("Weitere Infos und Support")).to_be_visible()
    expect(page.get_by_role("link", name="Privacy Center")).to_have_attribute("href", "https://privacycenter.instagram.com/")


def test_unknown_pages_are_meta_style_404s(page: Page, replica: ReplicaServer):
    response = page.goto(direct(replica, "eu-en,cookie=0", "https://www.facebook.com/no/such/page"))
    assert response and response.status == 404
    expect(page.get_by_text("This content isn’t available right now")).to_be_visible()
    response = page.goto(direct(replica, "eu-en,cookie=0", "https://www.threads.net/@person"))
    assert response and response.status == 404


# -- walls ------------------------------------------------------------------------------------------


def test_logged_out_redirects_point_at_the_real_login_pages(replica: ReplicaServer):
    cases = {
        "https://www.facebook.com/settings/": "https://www.facebook.com/login/?next="
        + quote("https://www.facebook.com/settings/", safe=""),
        FB_FORM: "https://www.facebook.com/login/?next=" + quote(FB_FORM, safe=""),
        "https://www.instagram.com/accounts/edit/": "https://www.instagram.com/accounts/login/?next=%2Faccounts%2Fedit%2F",
        IG_FORM: "https://www.instagram.com/accounts/login/?next=" + quote(IG_FORM, safe=""),
    }
    for url, location in cases.items():
        status, headers, _ = http_get(direct(replica, "eu-en,login=0", url))
        assert (status, headers["Location"]) == (302, location)


def test_login_sets_session_cookies_and_returns_to_next(page: Page, replica: ReplicaServer):
    routed(page, replica, "eu-en,login=0,cookie=0")
    page.goto("https://www.facebook.com/settings/")
    expect(page).to_have_url(re.compile(r"^https://www\.facebook\.com/login/\?next="))
    page.get_by_label("Email address or phone number").fill("person@example.com")
    page.get_by_label("Password").fill("hunter2")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url("https://www.facebook.com/settings/")
    expect(page.get_by_role("heading", name="Settings", exact=True)).to_be_visible()
    login = replica.posts[0]
    assert login["kind"] == "login" and login["fields"]["pass"] == "<redacted>"
    assert "hunter2" not in json.dumps(replica.posts)
    assert {c["name"] for c in page.context.cookies()} >= {"c_user", "xs"}


def test_cookie_dialog_blocks_the_page_until_answered(page: Page, replica: ReplicaServer):
    routed(page, replica, "eu-fr")
    page.goto("https://www.facebook.com/privacy/policy/")
    dialog = page.get_by_role("dialog", name="Autoriser l’utilisation des cookies de Facebook sur ce navigateur ?")
    expect(dialog).to_be_visible()
    with pytest.raises(PlaywrightError, match="intercepts pointer events|Timeout"):
        page.get_by_role("link", name="vous opposer (S’ouvre dans un nouvel onglet)").click(timeout=600)
    dialog.get_by_role("button", name="Refuser les cookies optionnels").click()
    expect(dialog).to_have_count(0)
    assert replica.posts[-1]["kind"] == "cookie_consent" and replica.posts[-1]["fields"] == {"choice": "decline"}
    page.reload()
    expect(page.get_by_role("dialog")).to_have_count(0)


def test_checkpoint_interrupts_and_continue_returns_to_the_page(page: Page, replica: ReplicaServer):
    routed(page, replica, "eu-en,cookie=0,checkpoint=policy")
    page.goto("https://www.facebook.com/privacy/policy/")
    expect(page).to_have_url(re.compile(r"^https://www\.facebook\.com/checkpoint/\?next="))
    expect(page.get_by_role("heading", name="Confirm it’s you")).to_be_visible()
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url("https://www.facebook.com/privacy/policy/")
    assert kinds(replica) == ["checkpoint"]


# -- forms ------------------------------------------------------------------------------------------


def test_form_a_sends_an_emailed_code_and_confirms(page: Page, replica: ReplicaServer):
    routed(page, replica, "eu-en,form=A,cookie=0,code=654321")
    page.goto(FB_FORM)
    expect(page.get_by_role("heading", name="Object to your information being used for AI at Meta")).to_be_visible()
    expect(page.get_by_label("Email address")).to_have_value("person@example.com")
    page.get_by_label("Country of residence").select_option("IE")
    page.get_by_label("Please tell us how this processing impacts you").fill("My photos show my children.")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Enter the code we sent to p•••@example.com")).to_be_visible()
    assert replica.outbox[-1] | {"time": None} == {
        "time": None, "to": "person@example.com", "code": "654321", "scenario": "eu-en,form=A,cookie=0,code=654321",
        "platform": "facebook", "kind": "code", "form": "A", "subject": "654321 is your confirmation code"}
    page.get_by_label("Code").fill("111111")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("isn’t valid")
    page.get_by_label("Code").fill("654321")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Thanks for your request")).to_be_visible()
    form, wrong, right = replica.posts
    assert form["kind"] == "objection_form" and form["outcome"] == "code_sent"
    assert form["fields"] == {"country": "IE", "email": "person@example.com",
                              "reason": "My photos show my children.", "extra": ""}
    assert (wrong["kind"], wrong["outcome"], right["outcome"]) == ("objection_code", "code_wrong", "accepted")
    assert right["fields"] == {"code": "654321"} and replica.outbox[-1]["kind"] == "confirmation"


def test_form_c_in_german_asks_the_gate_question_first(page: Page, replica: ReplicaServer):
    routed(page, replica, "eu-de,cookie=0")
    page.goto(FB_FORM)
    page.get_by_role("group", name="Bezieht sich deine Anfrage auf KI bei Meta?").get_by_label("Ja").check()
    page.get_by_role("button", name="Weiter").click()
    expect(page.get_by_role("heading", name="Einspruch gegen die Verwendung deiner Informationen für KI bei Meta"))\
        .to_be_visible()
    expect(page.get_by_label("E-Mail-Adresse")).to_have_value("person@example.com")
    send = page.get_by_role("button", name="Senden")
    assert send.evaluate("el => el.tagName") == "DIV"
    send.click()
    expect(page.get_by_role("heading", name="Wir werden deinem Widerspruch nachkommen")).to_be_visible()
    gate, form = replica.posts
    assert (gate["kind"], gate["fields"]) == ("gate", {"gate": "yes"})
    assert form["fields"] == {"email": "person@example.com", "reason": ""} and form["outcome"] == "accepted"
    assert [m["kind"] for m in replica.outbox] == ["confirmation"]


def test_gate_answered_no_leads_to_a_generic_request_page(page: Page, replica: ReplicaServer):
    routed(page, replica, "eu-fr,gate=1,cookie=0")
    page.goto(FB_FORM)
    page.get_by_label("Non").check()
    page.get_by_role("button", name="Suivant").click()
    expect(page.get_by_role("heading", name="Autres demandes relatives à la confidentialité")).to_be_visible()
    expect(page.get_by_role("button", name="Envoyer")).to_have_count(0)


def test_form_b_on_instagram_confirms_in_the_uk(page: Page, replica: ReplicaServer):
    routed(page, replica, "uk,cookie=0")
    page.goto(IG_FORM)
    page.get_by_label("Please tell us how this processing impacts you (optional)").fill("I object.")
    page.get_by_role("button", name="Send").press("Enter")
    expect(page.get_by_role("heading", name="We’ll honor your objection")).to_be_visible()
    expect(page.get_by_text("applied going forward")).to_be_visible()
    assert replica.posts[0]["fields"]["reason"] == "I object." and replica.posts[0]["host"] == "help.instagram.com"


def test_form_d_in_brazil_uses_portuguese_labels_and_the_code(page: Page, replica: ReplicaServer):
    routed(page, replica, "br,cookie=0")
    page.goto(FB_FORM)
    page.get_by_label("País de residência").select_option(label="Brasil")
    page.get_by_label("Diga-nos como esse processamento afeta você").fill("Sou fotógrafa.")
    page.get_by_role("button", name="Enviar").click()
    page.get_by_label("Código").fill("123456")
    page.get_by_role("button", name="Continuar").click()
    expect(page.get_by_role("heading", name="Recebemos sua solicitação")).to_be_visible()
    assert replica.posts[0]["fields"]["country"] == "BR" and [m["kind"] for m in replica.outbox] == ["code",
                                                                                                   "confirmation"]


def test_form_is_unavailable_outside_eligible_regions(page: Page, replica: ReplicaServer):
    response = page.goto(direct(replica, "us", FB_FORM))
    assert response and response.status == 200
    expect(page.get_by_text("This form isn’t available in your country.")).to_be_visible()
    expect(page.locator("form")).to_have_count(0)


def test_renamed_fields_and_planted_password(page: Page, replica: ReplicaServer):
    routed(page, replica, "eu-en,form=A,fields=renamed,password=1,cookie=0")
    page.goto(FB_FORM)
    expect(page.get_by_label("Please tell us how this processing impacts you")).to_have_count(0)
    expect(page.get_by_label("Re-enter password")).to_have_attribute("type", "password")
    page.get_by_label("Where you live").select_option("DE")
    page.get_by_label("Your situation").fill("Reason in my words.")
    page.get_by_label("Re-enter password").evaluate("el => el.removeAttribute('required')")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("alert")).to_contain_text("Please re-enter your password.")
    post = replica.posts[0]
    assert post["fields"]["reason"] == "Reason in my words." and post["fields"]["password"] == ""
    assert post["outcome"] == "rejected:err_password" and not replica.outbox
    assert all(name.startswith("Field") for name, _ in post["raw_fields"] if name not in ("step", "lsd"))


def test_minimum_reason_length_is_enforced(page: Page, replica: ReplicaServer):
    routed(page, replica, "eu-en,minreason=100,cookie=0")
    page.goto(FB_FORM)
    page.get_by_label("Please tell us how this processing impacts you (optional)").fill("Too short.")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("alert")).to_contain_text("at least 100 characters")
    expect(page.get_by_label("Please tell us how this processing impacts you (optional)")).to_have_value("Too short.")
    assert not replica.outbox and replica.posts[0]["outcome"] == "rejected:err_reason_short"


def test_checkpoint_on_submit_sends_the_person_back_to_the_form(page: Page, replica: ReplicaServer):
    routed(page, replica, "uk,checkpoint=submit,cookie=0")
    page.goto(FB_FORM)
    page.get_by_role("button", name="Send").click()
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(FB_FORM)
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", name="We’ll honor your objection")).to_be_visible()
    assert [(p["kind"], p["outcome"]) for p in replica.posts] == [
        ("objection_form", "checkpoint"), ("checkpoint", "accepted"), ("objection_form", "accepted")]


def test_look_alike_forms_take_requests_but_are_no_objection(page: Page, replica: ReplicaServer):
    routed(page, replica, "eu-en,cookie=0")
    page.goto("https://www.facebook.com/help/contact/510058597920541")
    expect(page.get_by_role("heading", name=re.compile("third party information used for AI at Meta"))).to_be_visible()
    page.get_by_label("Full name").fill("Person Example")
    page.get_by_label("Country of residence").select_option("IE")
    page.get_by_label("Please describe your request").fill("An answer mentions me.")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("status")).to_contain_text("received your request")
    assert kinds(replica) == ["third_party_form"] and not replica.outbox


def test_settings_controls_change_state(page: Page, replica: ReplicaServer):
    routed(page, replica, "us")
    page.goto("https://www.facebook.com/settings/?tab=privacy")
    page.get_by_label("Friends", exact=True).check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_be_visible()
    page.goto("https://www.facebook.com/settings/?tab=privacy")
    expect(page.get_by_text("Current audience: Friends")).to_be_visible()
    page.goto("https://www.instagram.com/accounts/privacy_setting/")
    switch = page.get_by_role("switch", name="Private account")
    switch.click()
    expect(switch).to_have_attribute("aria-checked", "true")
    page.goto("https://www.facebook.com/your_information/meta_ai/")
    page.get_by_role("button", name="Delete all chats").click()
    page.get_by_role("dialog", name="Delete all chats?").get_by_role("button", name="Delete").click()
    expect(page.get_by_role("status")).to_have_text("Your chats with Meta AI were deleted.")
    assert kinds(replica) == ["audience", "account_privacy", "meta_ai_delete"]


# -- faults and timing ------------------------------------------------------------------------------


def test_server_error_blank_and_dropped_pages(page: Page, replica: ReplicaServer):
    response = page.goto(direct(replica, "eu-en,fault=500@policy", "https://www.facebook.com/privacy/policy/"))
    assert response and response.status == 500
    expect(page.get_by_role("heading", name="Sorry, something went wrong.")).to_be_visible()
    response = page.goto(direct(replica, "eu-en,fault=blank@form", FB_FORM))
    assert response and response.status == 200 and page.inner_text("body") == ""
    with pytest.raises(PlaywrightError, match="ERR_EMPTY_RESPONSE|ERR_CONNECTION"):
        page.goto(direct(replica, "eu-en,fault=drop@policy", "https://www.facebook.com/privacy/policy/"))


def test_fault_on_confirmation_sends_no_email(page: Page, replica: ReplicaServer):
    routed(page, replica, "uk,cookie=0,fault=500@confirm")
    page.goto(FB_FORM)
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", name="Sorry, something went wrong.")).to_be_visible()
    assert replica.posts[0]["outcome"] == "fault:500" and not replica.outbox


def test_slow_pages_and_latency_delay_the_answer(replica: ReplicaServer):
    for spec, at_least in (("eu-en,fault=slow@policy,slowms=800", 0.8), ("eu-en,latency=300", 0.3)):
        start = time.monotonic()
        status, _, _ = http_get(direct(replica, spec, "https://www.facebook.com/privacy/policy/"))
        assert status == 200 and time.monotonic() - start >= at_least
    start = time.monotonic()
    http_get(direct(replica, "eu-en,fault=slow@policy,slowms=800", "https://www.facebook.com/privacy/center/"))
    assert time.monotonic() - start < 0.8


def test_late_box_and_form_are_inserted_by_script(page: Page, replica: ReplicaServer):
    url = direct(replica, "eu-en,late=300", "https://www.facebook.com/privacy/policy/")
    assert re.search(r'<template data-late="300">(?:(?!</template>).)*6359191084165019', http_get(url)[2], re.DOTALL)
    page.goto(url)
    expect(page.locator(f'a[href="{FB_FORM}"]')).to_be_visible()
    url = direct(replica, "uk,late=300", FB_FORM)
    assert re.search(r'<template data-late="300">(?:(?!</template>).)*<form', http_get(url)[2], re.DOTALL)
    page.goto(url)
    expect(page.get_by_role("button", name="Send")).to_be_visible()


# -- captures and introspection ---------------------------------------------------------------------

needs_captures = pytest.mark.skipif(not default_captures_dir().is_dir(),
                                    reason=f"real captures not found at {default_captures_dir()}")


@needs_captures
def test_real_captures_are_served_as_the_policy_page(page: Page, replica: ReplicaServer):
    for capture, url, present, absent in [
        ("facebook-eu-de", "https://mbasic.facebook.com/privacy/policy/printable/", FB_FORM, None),
        ("facebook-eu-de", "https://www.facebook.com/privacy/policy/", FB_FORM, None),
        ("instagram-eu-de-box", "https://privacycenter.instagram.com/policy/", IG_FORM, None),
        ("instagram-eu-de-nobox", "https://privacycenter.instagram.com/policy/", "117037592428568", IG_FORM),
        ("facebook-us", "https://mbasic.facebook.com/privacy/policy/printable/", "/privacy/genai", FB_FORM),
        ("instagram-us", "https://privacycenter.instagram.com/policy/", "Privacy Policy", IG_FORM),
    ]:
        # The previous capture's late requests may still be in the old handler: it ends quietly, not in a race
        # with the new one ("Route is already handled").
        page.context.unroute_all(behavior="ignoreErrors")
        routed(page, replica, f"eu-de,cookie=0,capture={capture}")
        page.goto(url, wait_until="domcontentloaded")
        html = page.content()
        assert present in html and (absent is None or absent not in html), capture
        if capture == "instagram-eu-de-box":
            expect(page.get_by_role("link", name="object (Opens in a new tab)")).to_have_attribute("href", IG_FORM)


def test_missing_capture_folder_is_a_404_that_says_so(tmp_path: Path):
    with ReplicaServer(captures_dir=tmp_path / "absent") as server:
        status, _, body = http_get(direct(server, "capture=facebook-us", "https://www.facebook.com/privacy/policy/"))
    assert status == 404 and "not found" in body


def test_introspection_endpoints(replica: ReplicaServer):
    request = urllib.request.Request(direct(replica, "eu-en", "https://www.facebook.com/whatever"),
                                     data=b"a=1&a=2&b=x", method="POST")
    http_post(request)
    posts = json.loads(http_get(f"{replica.url}/_replica/posts")[2])
    assert posts[0]["fields"] == {"a": "2", "b": "x"} and posts[0]["raw_fields"] == [["a", "1"], ["a", "2"],
                                                                                     ["b", "x"]]
    assert posts[0]["kind"] == "other" and posts[0]["host"] == "www.facebook.com"
    assert json.loads(http_get(f"{replica.url}/_replica/outbox")[2]) == []
    urllib.request.urlopen(urllib.request.Request(f"{replica.url}/_replica/reset", method="POST")).close()
    assert replica.posts == []


def http_post(request: urllib.request.Request) -> None:
    try:
        urllib.request.urlopen(request).close()
    except urllib.error.HTTPError:
        pass  # a POST to an unknown page answers 404 but is still recorded
