"""`optout object` against the replica: every form version through to Meta's confirmation, and consent."""

from __future__ import annotations

import pytest

REASON = "My public posts are personal and I did not share them to train AI models."


def objection_posts(replica, platform_host: str | None = None) -> list[dict]:
    posts = [p for p in replica.posts if p["kind"] in ("objection_form", "objection_code")]
    return [p for p in posts if platform_host is None or platform_host in p["host"]]


@pytest.fixture
def fresh(replica):
    replica.reset()
    return replica


@pytest.mark.parametrize("spec,platform,version,country", [
    ("eu-en,form=A", "facebook", "A", "IE"),
    ("eu-en,form=A", "instagram", "A", "IE"),
    ("uk", "facebook", "B/C", None),
    ("eu-fr", "instagram", "B/C", None),
    ("eu-de", "facebook", "B/C", None),  # with the German gate question
    ("eu-it", "facebook", "B/C", None),
    ("eu-es", "instagram", "B/C", None),
    ("eu-nl", "facebook", "B/C", None),
    ("eu-pl", "instagram", "B/C", None),
    ("eu-pt", "facebook", "B/C", None),
    ("br", "facebook", "D", "BR"),
    ("br", "instagram", "D", "BR"),
])
def test_object_with_yes_completes_every_form_version(object_run, fresh, spec, platform, version, country):
    code, data = object_run(spec, platform, codes=("123456",), yes=True, reason=REASON, country=country)
    result = data["results"][0]
    assert result["status"] == "submitted", result["detail"]
    assert code == 0
    assert result["form"]["version"] == version
    assert result["confirmation"]["text"]
    sent = [p for p in objection_posts(fresh) if p["kind"] == "objection_form"]
    assert len(sent) == 1
    fields = sent[0]["fields"]
    assert fields["email"] == result["form"]["filled"]["email"]
    assert fields.get("reason") == REASON
    if country:
        assert fields["country"] == country
    if version in ("A", "D"):
        assert [p["fields"]["code"] for p in objection_posts(fresh) if p["kind"] == "objection_code"] == ["123456"]
    names = result["evidence"]
    assert any("objection-form" in n for n in names), names  # the form as Meta served it, before any fill
    assert any("form-filled" in n for n in names) and any("confirmation" in n for n in names)


def test_object_without_yes_and_without_a_terminal_sends_nothing(optout, fresh):
    code, _, stderr, data = optout("object", "--platform", "all", "--via", fresh.scenario_url("eu-en"),
                                   "--headless", "--json", "--reason", REASON)
    assert code == 0
    assert {r["status"] for r in data["results"]} == {"awaiting_confirmation"}
    assert "NOT sent" in data["results"][0]["detail"]
    assert objection_posts(fresh) == []
    assert [p for p in fresh.posts if p["kind"] not in ("cookie_consent",)] == []


def test_a_form_refused_by_meta_is_rejected_never_submitted(object_run, fresh):
    code, data = object_run("eu-en,form=A,minreason=100", yes=True, country="IE", reason="Too short.")
    result = data["results"][0]
    assert result["status"] == "rejected"
    assert "confirmation" not in result
    assert code == 1


def test_a_required_reason_missing_stops_with_a_clear_message_and_no_post(object_run, fresh):
    code, data = object_run("eu-en,form=A", yes=True, country="IE")
    result = data["results"][0]
    assert result["status"] == "awaiting_confirmation"
    assert "reason" in result["detail"] and "--reason" in result["detail"]
    assert objection_posts(fresh) == []


def test_a_form_with_renamed_labels_and_names_is_still_filled_by_its_structure(object_run, fresh):
    code, data = object_run("eu-en,fields=renamed", yes=True, reason=REASON)
    result = data["results"][0]
    assert result["status"] == "submitted", result["detail"]
    sent = [p for p in objection_posts(fresh) if p["kind"] == "objection_form"]
    assert len(sent) == 1 and sent[0]["fields"]["reason"] == REASON


def test_a_page_with_no_form_fields_is_unknown_and_nothing_is_sent(object_run, fresh):
    """The objection link opens a page that shows no form at all (Meta answers 'not available' in this world)."""
    code, data = object_run("eu-en,fault=blank@form", yes=True, reason=REASON)
    result = data["results"][0]
    assert result["status"] in ("unknown", "error"), result["detail"]
    assert objection_posts(fresh) == []


def test_the_code_step_without_a_code_is_not_claimed_as_submitted(optout, fresh):
    code, _, _, data = optout("object", "--platform", "instagram", "--via", fresh.scenario_url("br"), "--headless",
                              "--json", "--yes", "--country", "BR", "--reason", REASON, input="")
    result = data["results"][0]
    assert result["status"] == "awaiting_confirmation"
    assert "code" in result["detail"]


def test_three_wrong_codes_are_rejected(object_run, fresh):
    code, data = object_run("eu-en,form=A", codes=("000000", "111111", "222222"), yes=True, country="IE",
                            reason=REASON)
    assert data["results"][0]["status"] == "rejected", data["results"][0]["detail"]
    assert [p["outcome"] for p in objection_posts(fresh) if p["kind"] == "objection_code"] == ["code_wrong"] * 3


def test_a_wrong_first_code_asks_again_and_the_next_line_completes_it(object_run, fresh):
    code, data = object_run("eu-en,form=A", codes=("000000", "123456"), yes=True, country="IE", reason=REASON)
    result = data["results"][0]
    assert result["status"] == "submitted", result["detail"]
    assert [p["fields"]["code"] for p in objection_posts(fresh) if p["kind"] == "objection_code"] == ["000000",
                                                                                                  "123456"]


def test_the_assistant_never_types_into_a_planted_password_field(assistant_run, fresh):
    outcome = assistant_run("eu-en,password=1", platform="facebook", command="object", objecting=True, yes=True,
                            reason=REASON)
    result = outcome.results[0]
    assert result.status == "login_required"
    assert "password" in result.detail
    assert objection_posts(fresh) == []


def test_the_form_page_text_is_never_taken_for_a_confirmation(shared_browser):
    """A form still showing is not Meta's confirmation, even though its intro says 'applied going forward'."""
    from assistant import flows
    from assistant.engine import PlatformRun
    from assistant.forms import FormView, ObjectionForm
    from assistant.settings import Timeouts, build
    from assistant.ui import Person
    from tests.conftest import run_async

    form = ("<main><h1>Object to your information being used for AI at Meta</h1><p>If your objection is honoured,"
            " your request will be applied going forward.</p><label>Email address<input type=email></label>"
            "<button>Send</button></main>")
    done = ("<main><h2>We’ll honor your objection</h2><p>This means that your request will be applied going"
            " forward to the development and improvement of AI at Meta.</p></main>")

    async def read(html):
        context = await shared_browser.get().new_context()
        try:
            page = await context.new_page()
            await page.set_content(html)

            class Engine:
                labels, lang = flows.load_labels(), None
                timeouts = Timeouts(nav_s=1, recognise_s=1, late_s=1, login_s=1, confirm_s=1)
                ms = staticmethod(lambda s: s * 1000)

            run = PlatformRun(page, Engine(), flows.load_flow("facebook"), build(), Person(False, quiet=True))
            reader = ObjectionForm(run, None)
            return await reader._read_answer(FormView({"controls": [], "headings": []}, []))
        finally:
            await context.close()

    assert run_async(read(form))[0] == "none"
    kind, text = run_async(read(done))
    assert kind == "confirm" and text.startswith("We’ll honor your objection")


def test_a_prefilled_email_is_kept_and_a_different_one_warned_about(optout, fresh):
    code, _, stderr, data = optout("object", "--platform", "facebook", "--via", fresh.scenario_url("eu-en"),
                                   "--headless", "--json", "--yes", "--email", "other@example.org")
    result = data["results"][0]
    assert result["status"] == "submitted"
    assert result["form"]["filled"]["email"] == "person@example.com"
    assert "keeping Meta's" in stderr


def test_not_offered_explains_and_exits_zero(optout, fresh):
    code, stdout, _, _ = optout("object", "--platform", "facebook", "--via", fresh.scenario_url("us"), "--headless")
    assert code == 0
    assert "not_offered" in stdout
