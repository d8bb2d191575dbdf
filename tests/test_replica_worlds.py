"""The replica's form worlds (``world=``), the accordion box and the hostile behaviours (``hostile=``).

Each world test plays the person with plain Playwright through the routed browser: open the form URL, fill it
by hand, send it, type the code where there is one, and check what the replica recorded and showed.
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from assistant.replica import ReplicaServer, Scenario
from tests.test_replica_pages import direct, http_get, routed

FB_FORM = "https://www.facebook.com/help/contact/6359191084165019"
FB_FORM_ALT = "https://www.facebook.com/help/contact/712876720715583"
IG_FORM = "https://help.instagram.com/contact/233964459562201"
IG_FORM_ALT = "https://help.instagram.com/contact/767264225370182"
META_FORM = "https://help.meta.com/support/privacy/ai-objection/"
FB_BZ = "https://www.facebook.com/ajax/bz"
IG_BZ = "https://www.instagram.com/ajax/bz"
EMAIL = "person@example.com"


@pytest.fixture(scope="module")
def replica():
    with ReplicaServer() as server:
        yield server


@pytest.fixture(autouse=True)
def _fresh_record(replica: ReplicaServer):
    replica.reset()


def posts(replica: ReplicaServer, kind: str | None = None) -> list[dict]:
    return [p for p in replica.posts if kind is None or p["kind"] == kind]


def summary(replica: ReplicaServer) -> list[tuple[str, str]]:
    return [(p["kind"], p["outcome"]) for p in replica.posts if p["kind"] != "beacon"]


# -- scenario keys ----------------------------------------------------------------------------------


def test_world_and_hostile_keys_parse_and_reject_unknown_values():
    sc = Scenario.parse("eu-en,world=sv-combobox,hostile=beacons+reauth,box=accordion")
    assert (sc.world, sc.hostile, sc.box) == ("sv-combobox", frozenset({"beacons", "reauth"}), "accordion")
    assert Scenario.parse("eu-en").world == "none" and Scenario.parse("eu-en").hostile == frozenset()
    with pytest.raises(ValueError, match="world"):
        Scenario.parse("world=xx-nothing")
    with pytest.raises(ValueError, match="unknown hostile behaviour"):
        Scenario.parse("hostile=beacons+nice")


@pytest.mark.parametrize("world", ["sv-combobox", "cs-steps", "el-readonly", "en-gate-reveal", "fi-gate-buttons",
                                   "en-code-confirm", "hu-datalist", "meta-fetch"])
def test_every_world_serves_every_form_url_in_its_own_language_and_only_where_eligible(replica: ReplicaServer,
                                                                                         world: str):
    lang = {"sv-combobox": "sv", "cs-steps": "cs", "el-readonly": "el", "fi-gate-buttons": "fi", "hu-datalist": "hu",
            "meta-fetch": "da"}.get(world, "en")
    for url in (FB_FORM, FB_FORM_ALT, IG_FORM, IG_FORM_ALT):
        status, _, body = http_get(direct(replica, f"eu-en,cookie=0,world={world}", url))
        assert status == 200 and f'<html lang="{lang}"' in body, (world, url)
        assert "Field1532829940277339" not in body  # none of the A-D field names
        status, _, body = http_get(direct(replica, f"us,world={world}", url))
        assert status == 200 and "This form isn’t available in your country." in body
    status, _, body = http_get(direct(replica, f"eu-en,world={world},late=200", FB_FORM))
    assert status == 200 and 'role="dialog"' in body  # the site's cookie dialog, as on every page
    status, headers, _ = http_get(direct(replica, f"eu-en,login=0,world={world}", FB_FORM))
    assert status == 302 and headers["Location"].startswith("https://www.facebook.com/login/?next=")
    status, _, _ = http_get(direct(replica, f"eu-en,world={world}", META_FORM))
    assert status == (200 if world == "meta-fetch" else 404)


# -- the form worlds, played by the person ----------------------------------------------------------


def test_sv_combobox_country_is_chosen_from_the_listbox(page: Page, replica: ReplicaServer):
    routed(page, replica, "region=SE,cookie=0,world=sv-combobox")
    page.goto(FB_FORM)
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(page.get_by_role("heading", name="Invänd mot att din information används för AI hos Meta")).to_be_visible()
    combobox = page.get_by_role("combobox", name="Land där du bor")
    expect(combobox).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_label("E-postadress")).to_have_value(EMAIL)
    page.get_by_label("Berätta hur den här behandlingen påverkar dig").fill("Mina barn syns på mina bilder.")
    combobox.fill("Sverige")  # typed, not chosen: the hidden country stays empty
    page.get_by_role("button", name="Skicka").click()
    expect(page.get_by_role("alert")).to_have_text("Välj det land där du bor i listan.")
    assert summary(replica) == [("objection_form", "rejected:err_country")]
    combobox = page.get_by_role("combobox", name="Land där du bor")
    combobox.fill("sver")
    expect(combobox).to_have_attribute("aria-expanded", "true")
    listbox = page.get_by_role("listbox")
    expect(listbox.get_by_role("option")).to_have_count(1)
    listbox.get_by_role("option", name="Sverige").click()
    expect(combobox).to_have_value("Sverige")
    expect(page.locator('input[type=hidden][name="data[land]"]')).to_have_value("SE")
    expect(page.get_by_role("listbox")).to_be_hidden()
    expect(page.get_by_label("Berätta hur den här behandlingen påverkar dig")).to_have_value(
        "Mina barn syns på mina bilder.")
    page.get_by_role("button", name="Skicka").click()
    expect(page.get_by_role("heading", name="Vi kommer att respektera din invändning")).to_be_visible()
    form = posts(replica)[-1]
    assert (form["kind"], form["outcome"]) == ("objection_form", "accepted")
    assert form["fields"] == {"country": "SE", "email": EMAIL, "reason": "Mina barn syns på mina bilder."}
    assert [(m["kind"], m["form"]) for m in replica.outbox] == [("confirmation", "sv-combobox")]


def test_cs_steps_two_steps_in_one_form_then_the_code(page: Page, replica: ReplicaServer):
    routed(page, replica, "region=CZ,cookie=0,world=cs-steps")
    page.goto(IG_FORM)
    expect(page.locator("html")).to_have_attribute("lang", "cs")
    expect(page.locator("form")).to_have_count(1)
    email = page.get_by_label("E-mailová adresa")
    expect(email).to_have_value(EMAIL)
    expect(email).to_have_attribute("autocomplete", "email")
    assert email.get_attribute("type") is None
    reason = page.get_by_label("Řekněte nám, jak vás toto zpracování ovlivňuje")
    expect(reason).to_be_hidden()
    page.get_by_label("Země pobytu").select_option(label="Česko")
    page.get_by_role("button", name="Pokračovat").click()
    expect(reason).to_be_visible()
    expect(page.get_by_label("Země pobytu")).to_be_hidden()
    reason.fill("Jsem fotografka.")
    page.get_by_role("button", name="Odeslat").click()
    code = page.get_by_label("Ověřovací kód")
    expect(code).to_have_attribute("autocomplete", "one-time-code")
    expect(page.get_by_text("Zadejte kód, který jsme poslali na adresu p•••@example.com.")).to_be_visible()
    code.fill(str(replica.outbox[-1]["code"]))
    page.get_by_role("button", name="Potvrdit").click()
    expect(page.get_by_role("heading", name="Vaši žádost jsme obdrželi")).to_be_visible()
    form, entered = posts(replica)
    assert (form["kind"], form["outcome"]) == ("objection_form", "code_sent")
    assert form["fields"] == {"country": "CZ", "email": EMAIL, "reason": "Jsem fotografka."}
    assert (entered["kind"], entered["outcome"], entered["fields"]) == ("objection_code", "accepted",
                                                                        {"code": "123456"})
    assert [m["kind"] for m in replica.outbox] == ["code", "confirmation"] and form["host"] == "help.instagram.com"


def test_el_readonly_email_is_not_typed_and_the_extra_stays_empty(page: Page, replica: ReplicaServer):
    routed(page, replica, "region=GR,cookie=0,world=el-readonly")
    page.goto(FB_FORM_ALT)
    expect(page.locator("html")).to_have_attribute("lang", "el")
    email = page.get_by_label("Διεύθυνση email")
    expect(email).to_have_value(EMAIL)
    expect(email).not_to_be_editable()
    page.get_by_label("Πείτε μας πώς σας επηρεάζει αυτή η επεξεργασία (προαιρετικό)").fill("Είμαι φωτογράφος.")
    send = page.get_by_role("button", name="Υποβολή")
    assert send.evaluate("el => [el.tagName, el.type]") == ["INPUT", "submit"]
    send.click()
    expect(page.get_by_role("heading", name="Θα σεβαστούμε την αντίρρησή σας")).to_be_visible()
    form = posts(replica)[0]
    assert (form["kind"], form["outcome"]) == ("objection_form", "accepted")
    assert form["fields"] == {"email": EMAIL, "reason": "Είμαι φωτογράφος.", "extra": ""}


def test_en_gate_reveal_yes_reveals_the_form_in_the_page(page: Page, replica: ReplicaServer):
    routed(page, replica, "eu-en,cookie=0,world=en-gate-reveal")
    page.goto(FB_FORM)
    question = page.get_by_role("group", name="Is your request about AI at Meta?")
    email = page.get_by_label("Email address")
    expect(email).to_be_hidden()
    expect(page.get_by_role("button")).to_have_count(0)  # no continue button: the answer itself reveals
    question.get_by_label("No").check()
    expect(page.get_by_text("This form is only for requests about AI at Meta.")).to_be_visible()
    expect(email).to_be_hidden()
    question.get_by_label("Yes").check()
    expect(page.get_by_text("This form is only for requests about AI at Meta.")).to_be_hidden()
    expect(email).to_have_value(EMAIL)
    page.get_by_label("Tell us how this processing affects you (optional)").fill("I am a photographer.")
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("heading", name="Your objection was received")).to_be_visible()
    form = posts(replica)[0]
    assert (form["kind"], form["outcome"]) == ("objection_form", "accepted")
    assert form["fields"] == {"gate": "yes", "email": EMAIL, "reason": "I am a photographer."}


def test_fi_gate_buttons_kylla_reveals_and_the_div_sends(page: Page, replica: ReplicaServer):
    routed(page, replica, "region=FI,cookie=0,world=fi-gate-buttons")
    page.goto(IG_FORM_ALT)
    expect(page.locator("html")).to_have_attribute("lang", "fi")
    expect(page.get_by_text("Koskeeko pyyntösi tekoälyä Metassa?")).to_be_visible()
    email = page.get_by_label("Sähköpostiosoite")
    expect(email).to_be_hidden()
    page.get_by_role("button", name="Kyllä").click()
    expect(page.get_by_role("button", name="Kyllä")).to_have_attribute("aria-pressed", "true")
    expect(email).to_have_value(EMAIL)
    page.get_by_label("Kerro meille, miten tämä käsittely vaikuttaa sinuun (valinnainen)").fill("Olen valokuvaaja.")
    send = page.get_by_role("button", name="Lähetä")
    assert send.evaluate("el => el.tagName") == "DIV"
    send.press("Enter")
    expect(page.get_by_role("heading", name="Kunnioitamme vastustustasi")).to_be_visible()
    form = posts(replica)[0]
    assert (form["kind"], form["outcome"]) == ("objection_form", "accepted")
    assert form["fields"] == {"gate": "yes", "email": EMAIL, "reason": "Olen valokuvaaja."}


def test_en_code_confirm_wrong_code_first_then_the_right_one(page: Page, replica: ReplicaServer):
    routed(page, replica, "eu-en,cookie=0,world=en-code-confirm,code=246810")
    page.goto(FB_FORM)
    page.get_by_label("Your country of residence").select_option(label="Ireland")
    expect(page.get_by_label("Contact email address")).to_have_value(EMAIL)
    page.get_by_label("Tell us how this processing impacts you").fill("My photos show my children.")
    page.get_by_role("button", name="Send").click()
    code = page.get_by_label("Security code")
    expect(code).to_have_attribute("inputmode", "numeric")
    expect(code).to_have_attribute("maxlength", "6")
    main_buttons = page.get_by_role("main").get_by_role("button")
    expect(main_buttons).to_have_count(1)
    expect(main_buttons).to_have_text("Confirm")
    code.fill("000000")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("alert")).to_have_text("That code didn’t work. Check the code and try again.")
    expect(page.get_by_label("Security code")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Security code").fill(str(replica.outbox[-1]["code"]))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Your objection is confirmed")).to_be_visible()
    form, wrong, right = posts(replica)
    assert form["fields"] == {"country": "IE", "email": EMAIL, "reason": "My photos show my children."}
    assert [(p["kind"], p["outcome"], p["fields"]) for p in (form, wrong, right)][1:] == [
        ("objection_code", "code_wrong", {"code": "000000"}), ("objection_code", "accepted", {"code": "246810"})]
    assert form["outcome"] == "code_sent"
    assert [(m["kind"], m["code"]) for m in replica.outbox] == [("code", "246810"), ("confirmation", None)]


def test_hu_datalist_country_is_typed_as_its_hungarian_name(page: Page, replica: ReplicaServer):
    routed(page, replica, "region=HU,cookie=0,world=hu-datalist")
    page.goto(FB_FORM)
    expect(page.locator("html")).to_have_attribute("lang", "hu")
    country = page.get_by_label("Lakóhely szerinti ország")
    expect(country).to_have_attribute("list", "countries")
    assert page.locator("datalist#countries option").count() > 200
    country.fill("Magyarország")
    expect(page.get_by_label("E-mail-cím")).to_have_value(EMAIL)
    page.get_by_label("Mondd el, hogyan érint téged ez az adatkezelés").fill("Fotós vagyok.")
    send = page.get_by_role("button", name="Küldés")
    assert send.get_attribute("type") is None
    send.click()
    code = page.get_by_label("Megerősítő kód")
    expect(code).to_have_attribute("autocomplete", "one-time-code")
    code.fill("123456")
    page.get_by_role("button", name="Megerősítés").click()
    expect(page.get_by_role("heading", name="Megkaptuk a kérésedet")).to_be_visible()
    form, entered = posts(replica)
    assert form["fields"] == {"country": "Magyarország", "email": EMAIL, "reason": "Fotós vagyok."}
    assert (form["outcome"], entered["kind"], entered["outcome"]) == ("code_sent", "objection_code", "accepted")


def test_meta_fetch_is_reached_from_the_box_and_posts_json(page: Page, replica: ReplicaServer):
    routed(page, replica, "region=DK,cookie=0,world=meta-fetch")
    page.goto("https://www.facebook.com/privacy/policy/")
    link = page.get_by_role("link", name="object (Opens in a new tab)", exact=True)
    expect(link).to_have_attribute("href", META_FORM)
    page.goto(META_FORM)
    expect(page.locator("html")).to_have_attribute("lang", "da")
    expect(page.get_by_role("heading", name="Gør indsigelse mod brugen af dine oplysninger til AI hos Meta"))\
        .to_be_visible()
    expect(page.locator("form")).to_have_count(0)
    expect(page.get_by_label("E-mailadresse")).to_have_value(EMAIL)
    page.get_by_label("Bopælsland").select_option(label="Danmark")
    send = page.get_by_role("button", name="Send")
    expect(send).to_have_attribute("type", "button")
    send.click()
    expect(page.get_by_role("alert")).to_have_text("Fortæl os, hvordan denne behandling påvirker dig.")
    rejected = posts(replica)[0]
    assert rejected["outcome"] == "rejected:err_reason" and rejected["content_type"] == "application/json"
    page.get_by_label("Fortæl os, hvordan denne behandling påvirker dig").fill("Jeg er fotograf.")
    page.get_by_role("button", name="Send").click()
    status = page.get_by_role("status")
    expect(status.get_by_role("heading", name="Vi har modtaget din indsigelse")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)
    form = posts(replica)[-1]
    assert (form["kind"], form["outcome"], form["host"]) == ("objection_form", "accepted", "help.meta.com")
    assert form["fields"] == {"country": "DK", "email": EMAIL, "reason": "Jeg er fotograf."}
    assert [(m["kind"], m["form"]) for m in replica.outbox] == [("confirmation", "meta-fetch")]


def test_meta_fetch_logged_out_goes_through_facebook_login_and_back(page: Page, replica: ReplicaServer):
    routed(page, replica, "region=DK,cookie=0,login=0,world=meta-fetch")
    page.goto(META_FORM)
    expect(page).to_have_url(re.compile(r"^https://www\.facebook\.com/login/\?next="))
    page.get_by_label("Email address or phone number").fill(EMAIL)
    page.get_by_label("Password").fill("hunter2")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(META_FORM)
    expect(page.get_by_label("E-mailadresse")).to_have_value(EMAIL)
    assert "c_user" in {c["name"] for c in page.context.cookies("https://help.meta.com/")}


# -- the accordion box ------------------------------------------------------------------------------


@pytest.mark.parametrize("url, href", [
    ("https://www.facebook.com/privacy/policy/", FB_FORM),
    ("https://privacycenter.instagram.com/", IG_FORM),
    ("https://privacycenter.instagram.com/privacy/genai/info-you-shared/", IG_FORM),
])
def test_accordion_box_hides_the_link_until_the_toggle_is_pressed(page: Page, replica: ReplicaServer, url: str,
                                                                  href: str):
    page.goto(direct(replica, "eu-en,cookie=0,box=accordion", url))
    toggle = page.get_by_role("button", name="How we use info for AI at Meta")
    link = page.locator(f'a[href="{href}"]')
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(link).to_have_count(1)
    expect(link).to_be_hidden()
    assert page.locator(f"#{toggle.get_attribute('aria-controls')}").count() == 1
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("link", name="object (Opens in a new tab)", exact=True)).to_be_visible()


def test_accordion_box_title_is_in_the_page_language(page: Page, replica: ReplicaServer):
    page.goto(direct(replica, "eu-de,cookie=0,box=accordion", "https://www.facebook.com/privacy/center/"))
    page.get_by_role("button", name="So verwenden wir Informationen für KI bei Meta").click()
    expect(page.get_by_role("link", name=re.compile("^widersprechen"))).to_have_attribute("href", FB_FORM)


# -- hostile worlds ---------------------------------------------------------------------------------


@pytest.mark.parametrize("form_url, bz", [(FB_FORM, FB_BZ), (IG_FORM, IG_BZ)])
def test_beacons_are_posted_by_fetch_and_send_beacon_and_recorded(page: Page, replica: ReplicaServer, form_url: str,
                                                                  bz: str):
    routed(page, replica, "uk,cookie=0,hostile=beacons")

    def beacon(request) -> dict:
        return json.loads(request.post_data_json["q"]) if request.url == bz and request.method == "POST" else {}

    # A keepalive fetch reports no "requestfinished"; a sendBeacon does, and the route handlers run in order.
    with page.expect_event("requestfinished", lambda r: beacon(r).get("via") == "beacon" and beacon(r)["seq"] >= 4):
        page.goto(form_url)
    beacons = posts(replica, "beacon")
    assert {b["fields"]["via"] for b in beacons} == {"fetch", "beacon"} and len(beacons) >= 4
    assert beacons[0]["fields"]["event"] == "ods_page_heartbeat" and "email" not in beacons[0]["fields"]
    assert {b["host"] for b in beacons} == {bz.split("/")[2]} and summary(replica) == []


def test_leak_beacons_carry_what_was_typed(page: Page, replica: ReplicaServer):
    routed(page, replica, "uk,cookie=0,hostile=leak")
    page.goto(FB_FORM)
    page.get_by_label("Please tell us how this processing impacts you (optional)").fill("My private words.")
    with page.expect_event("requestfinished", lambda r: r.url == FB_BZ and "private" in (r.post_data or "")
                           and "%22via%22%3A%22beacon%22" in r.post_data):
        pass
    leaked = [b["fields"] for b in posts(replica, "beacon") if b["fields"].get("reason") == "My private words."]
    assert leaked and leaked[0]["email"] == EMAIL


PLANT = """() => {
  window.__clicks = {shadow: 0, foreign: 0};
  window.__calls = [];
  window.optoutConsent = (value) => window.__calls.push(value);
  const host = document.createElement('div');
  document.body.appendChild(host);
  const button = host.attachShadow({mode: 'open'}).appendChild(document.createElement('button'));
  button.textContent = 'Confirm';
  button.addEventListener('click', () => window.__clicks.shadow++);
  const foreign = document.body.appendChild(document.createElement('button'));
  foreign.textContent = 'Yes, send';
  foreign.addEventListener('click', () => window.__clicks.foreign++);
}"""


def test_robot_calls_window_functions_and_clicks_shadow_and_foreign_buttons_not_the_submit(page: Page,
                                                                                           replica: ReplicaServer):
    routed(page, replica, "uk,cookie=0,hostile=robot")
    page.goto(FB_FORM)
    page.evaluate(PLANT)
    page.wait_for_function("() => window.__clicks.shadow >= 6 && window.__clicks.foreign >= 6")
    assert "confirm" in page.evaluate("() => window.__calls")
    expect(page.get_by_role("button", name="Send", exact=True)).to_be_visible()
    assert summary(replica) == []  # several rounds went by and the form's own Send was never pressed


def test_robotsubmit_also_presses_the_forms_submit(page: Page, replica: ReplicaServer):
    routed(page, replica, "uk,cookie=0,hostile=robotsubmit")
    page.goto(FB_FORM)
    expect(page.get_by_role("heading", name="We’ll honor your objection")).to_be_visible()
    assert ("objection_form", "accepted") in summary(replica)


@pytest.mark.parametrize("spec, label", [
    ("uk,cookie=0", "Please tell us how this processing impacts you (optional)"),
    ("region=DK,cookie=0,world=meta-fetch", "Fortæl os, hvordan denne behandling påvirker dig"),
])
def test_selfsubmit_posts_the_form_on_input(page: Page, replica: ReplicaServer, spec: str, label: str):
    routed(page, replica, spec + ",hostile=selfsubmit")
    page.goto(FB_FORM)
    with page.expect_response(lambda r: r.request.method == "POST" and r.url == FB_FORM):
        page.get_by_label(label).fill("x")
    form = posts(replica, "objection_form")[0]
    assert form["fields"]["reason"] == "x" and form["fields"]["email"] == EMAIL
    expect(page.get_by_label(label)).to_be_visible()  # the page never moved: nobody pressed anything


@pytest.mark.parametrize("spec, button, done", [
    ("uk,cookie=0", "Send", "We’ll honor your objection"),
    ("eu-en,cookie=0,world=en-gate-reveal", None, "Your objection was received"),
])
def test_reauth_asks_for_the_password_after_the_form_then_confirms(page: Page, replica: ReplicaServer, spec: str,
                                                                   button: str | None, done: str):
    routed(page, replica, spec + ",hostile=reauth")
    page.goto(FB_FORM)
    if button is None:
        page.get_by_label("Yes").check()
        button = "Submit"
    page.get_by_role("button", name=button).click()
    expect(page.get_by_role("heading", name="Re-enter your password")).to_be_visible()
    password = page.get_by_label("Password")
    expect(password).to_have_attribute("type", "password")
    expect(password).to_have_attribute("autocomplete", "current-password")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_be_visible()
    page.get_by_label("Password").fill("hunter2")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name=done)).to_be_visible()
    assert summary(replica) == [("objection_form", "reauth"), ("objection_reauth", "rejected:err_password"),
                                ("objection_reauth", "accepted")]
    assert posts(replica)[-1]["fields"] == {"password": "<redacted>"}
    assert "hunter2" not in json.dumps(replica.posts) and [m["kind"] for m in replica.outbox] == ["confirmation"]


def test_reauth_in_the_json_world_then_confirms(page: Page, replica: ReplicaServer):
    routed(page, replica, "region=DK,cookie=0,world=meta-fetch,hostile=reauth")
    page.goto(META_FORM)
    page.get_by_label("Bopælsland").select_option("DK")
    page.get_by_label("Fortæl os, hvordan denne behandling påvirker dig").fill("Jeg er fotograf.")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", name="Angiv din adgangskode igen")).to_be_visible()
    page.get_by_label("Adgangskode").fill("hunter2")
    page.get_by_role("button", name="Fortsæt").click()
    expect(page.get_by_role("status")).to_contain_text("Vi har modtaget din indsigelse")
    assert summary(replica) == [("objection_form", "reauth"), ("objection_reauth", "accepted")]
    assert "hunter2" not in json.dumps(replica.posts)


@pytest.mark.parametrize("key, href", [
    ("offhost", "https://elsewhere.example/x.facebook.com/help/contact/6359191084165019"),
    ("jslink", "javascript:void(0)"),
    ("datalink", re.compile(r"^data:text/html")),
])
def test_hostile_box_links(page: Page, replica: ReplicaServer, key: str, href):
    for url in ("https://www.facebook.com/privacy/policy/", "https://privacycenter.instagram.com/"):
        page.goto(direct(replica, f"eu-en,cookie=0,hostile={key}", url))
        link = page.get_by_role("link", name="object (Opens in a new tab)", exact=True)
        expect(link).to_have_attribute("href", href)
    page.goto(direct(replica, f"eu-en,hostile={key}", "https://mbasic.facebook.com/privacy/policy/printable/"))
    expect(page.get_by_role("link", name="object", exact=True)).to_have_attribute("href", href)
