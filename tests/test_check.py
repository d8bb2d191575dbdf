"""`optout check` against the replica: every verdict, language, route, decoy, wall and fault it offers."""

from __future__ import annotations

import json

import pytest

from assistant.settings import Timeouts
from tests.conftest import needs_real_pages

FB_FORM = "https://www.facebook.com/help/contact/6359191084165019"
IG_FORM = "https://help.instagram.com/contact/233964459562201"


def results(outcome) -> dict[str, dict]:
    return {r["platform"]: r for r in outcome.report["results"]}


@pytest.mark.parametrize("preset", ["eu-en", "eu-de", "eu-fr", "eu-es", "eu-it", "eu-nl", "eu-pl", "eu-pt", "uk",
                                    "ch", "br"])
def test_check_finds_the_objection_link_where_it_is_offered(assistant_run, preset):
    out = results(assistant_run(preset))
    assert out["facebook"]["status"] == "available", out["facebook"]["detail"]
    assert out["instagram"]["status"] == "available", out["instagram"]["detail"]
    assert out["facebook"]["object_link"]["href"] == FB_FORM
    assert out["instagram"]["object_link"]["href"] == IG_FORM


@pytest.mark.parametrize("preset", ["us", "world"])
def test_check_reports_not_offered_outside_the_objection_regions(assistant_run, preset):
    out = results(assistant_run(preset))
    for platform in ("facebook", "instagram"):
        assert out[platform]["status"] == "not_offered", out[platform]["detail"]
        assert out[platform]["object_link"] is None
        assert "was read" in out[platform]["detail"]


def test_check_records_the_2024_link_text_right_to_object(assistant_run):
    out = results(assistant_run("eu-en,box=2024"))
    assert out["facebook"]["status"] == "available"
    assert out["facebook"]["object_link"]["text"].lower().startswith("right to object")


def test_check_reports_not_offered_for_instagrams_delaying_box_without_a_link(assistant_run):
    out = results(assistant_run("eu-en,box=delaying", platform="instagram"))
    assert out["instagram"]["status"] == "not_offered"


def test_check_reports_not_offered_for_the_unless_you_have_objected_banner(assistant_run):
    out = results(assistant_run("us,banner=1", platform="facebook"))
    assert out["facebook"]["status"] == "not_offered"


def test_check_reports_not_offered_when_policy_has_only_generic_objection_links(assistant_run):
    out = results(assistant_run("eu-en,box=none", platform="facebook"))
    assert out["facebook"]["status"] == "not_offered"
    assert "generic objection link" in out["facebook"]["detail"]


def test_check_accepts_the_facebook_form_linked_from_instagrams_first_day_box(assistant_run):
    out = results(assistant_run("eu-en,formid=fb", platform="instagram"))
    assert out["instagram"]["status"] == "available"
    assert out["instagram"]["object_link"]["href"] == FB_FORM


def test_check_falls_back_to_the_privacy_center_when_the_policy_link_is_gone(assistant_run):
    out = results(assistant_run("eu-en,hide=policy_link", platform="facebook"))
    assert out["facebook"]["status"] == "available"
    assert out["facebook"]["route"] == "settings-privacy-center"


def test_check_follows_privacy_topics_to_the_ai_page_when_settings_links_are_gone(assistant_run):
    out = results(assistant_run("eu-en,hide=policy_link+center_link", platform="facebook"))
    assert out["facebook"]["status"] == "available"
    assert out["facebook"]["route"] == "privacy-center-topics"


def test_check_uses_the_direct_policy_address_as_a_recorded_last_resort(assistant_run):
    out = results(assistant_run("eu-en,hide=policy_link+center_link+about_link", platform="instagram"))
    assert out["instagram"]["status"] == "available"
    assert out["instagram"]["route"] == "direct-policy-url"
    assert "direct address" in out["instagram"]["detail"]


def test_check_declines_optional_cookies_and_goes_on(assistant_run, replica):
    replica.reset()
    out = results(assistant_run("eu-en,cookie=1", platform="facebook"))
    assert out["facebook"]["status"] == "available"
    choices = [p["fields"].get("choice") for p in replica.posts if p["kind"] == "cookie_consent"]
    assert choices and set(choices) == {"decline"}


def test_check_finds_a_box_rendered_late_by_the_pages_script(assistant_run):
    out = results(assistant_run("eu-en,late=900"))
    assert out["facebook"]["status"] == "available"
    assert out["instagram"]["status"] == "available"


def test_check_headless_ends_at_login_required_on_a_login_wall(assistant_run):
    out = results(assistant_run("eu-en,login=0"))
    for platform in ("facebook", "instagram"):
        assert out[platform]["status"] == "login_required"
        assert "optout login" in out[platform]["detail"]


def test_check_reports_blocked_at_a_security_check(assistant_run):
    out = results(assistant_run("eu-en,checkpoint=settings", platform="facebook"))
    assert out["facebook"]["status"] == "blocked"


def test_check_reports_error_when_every_route_fails_with_a_server_error(assistant_run):
    out = results(assistant_run("eu-en,fault=500@settings+500@center+500@policy", platform="facebook"))
    assert out["facebook"]["status"] == "error"
    assert "500" in out["facebook"]["detail"]


def test_check_gets_past_a_server_error_on_one_route_through_another(assistant_run):
    out = results(assistant_run("eu-en,fault=500@policy", platform="facebook"))
    assert out["facebook"]["status"] == "available"


def test_check_reports_error_for_pages_slower_than_the_timeout(assistant_run):
    quick = Timeouts(nav_s=2, recognise_s=2, late_s=1, login_s=1, confirm_s=1)
    out = results(assistant_run("eu-en,fault=slow@settings+slow@center+slow@policy,slowms=6000",
                                platform="facebook", timeouts=quick))
    assert out["facebook"]["status"] == "error"
    assert "longer than 2 s" in out["facebook"]["detail"]


def test_check_reports_unknown_for_a_blank_page(assistant_run):
    out = results(assistant_run("eu-en,fault=blank@settings+blank@center+blank@policy", platform="facebook"))
    assert out["facebook"]["status"] == "unknown"


def test_check_reports_error_when_the_connection_drops(assistant_run):
    out = results(assistant_run("eu-en,fault=drop@settings+drop@center+drop@policy", platform="facebook"))
    assert out["facebook"]["status"] == "error"


def test_region_verdict_flags_a_german_account_that_is_not_offered_the_box(assistant_run):
    out = results(assistant_run("eu-de,box=none", platform="facebook", country="DE"))
    region = out["facebook"]["region"]
    assert region["expected"] is True and region["mismatch"] is True


def test_region_verdict_expects_no_objection_in_the_us(assistant_run):
    out = results(assistant_run("us", platform="instagram", country="US"))
    assert out["instagram"]["region"] == {**out["instagram"]["region"], "expected": False, "mismatch": False}


def test_check_evidence_has_a_screenshot_of_every_page_and_the_report(assistant_run):
    outcome = assistant_run("eu-de")
    folder = outcome.run.path
    report = json.loads((folder / "report.json").read_text())
    assert report == outcome.report
    for r in report["results"]:
        assert r["evidence"], r
        for name in r["evidence"]:
            assert (folder / name).stat().st_size > 1000
    run = json.loads((folder / "run.json").read_text())
    assert all(step["url"].startswith("https://") and step["time"].endswith("Z") for step in run["steps"])
    assert (folder / "manifest.json").exists() and (folder / "report.html").exists()


def test_href_is_the_real_meta_url_never_the_routed_one(assistant_run, replica):
    out = results(assistant_run("eu-it"))
    for r in out.values():
        assert r["object_link"]["href"].startswith("https://")
        assert "127.0.0.1" not in json.dumps(r["object_link"])


@needs_real_pages()
@pytest.mark.parametrize("capture,platform,status,href", [
    ("facebook-eu-de", "facebook", "available", FB_FORM),
    ("instagram-eu-de-box", "instagram", "available", IG_FORM),
    ("instagram-eu-de-nobox", "instagram", "not_offered", None),
    ("facebook-us", "facebook", "not_offered", None),
    ("instagram-us", "instagram", "not_offered", None),
])
def test_real_captures_give_the_right_verdict(assistant_run, capture, platform, status, href):
    # Every other route hidden or failing, so the verdict comes from the capture served as the policy page.
    spec = (("eu-en" if "eu" in capture else "us") + f",capture={capture},hide=policy_link+center_link+about_link"
            ",fault=500@center")
    out = results(assistant_run(spec, platform=platform))
    assert out[platform]["status"] == status, out[platform]["detail"]
    if href:
        assert out[platform]["object_link"]["href"] == href


def test_cli_check_json_contract_and_exit_codes(optout, replica):
    code, stdout, stderr, data = optout("check", "--platform", "all", "--via", replica.scenario_url("us"),
                                        "--headless", "--json", "--country", "US")
    assert code == 0, stderr
    assert set(data) == {"evidence_dir", "results", "digest"}  # digest: the run folder's, kept in the history
    assert len(data["digest"]) == 64
    for r in data["results"]:
        assert {"platform", "status", "object_link", "detail", "evidence"} <= set(r)
    code, _, _, data = optout("check", "--platform", "facebook", "--via", replica.scenario_url("eu-en,login=0"),
                              "--headless", "--json")
    assert code == 1 and data["results"][0]["status"] == "login_required"


def test_cli_check_prints_a_short_human_summary(optout, replica):
    code, stdout, stderr, _ = optout("check", "--platform", "facebook", "--via", replica.scenario_url("eu-de"),
                                     "--headless")
    assert code == 0
    assert "Facebook: the objection is offered [available]" in stdout
    assert "Evidence:" in stdout


def test_instagram_falls_back_to_its_privacy_center_when_about_is_gone(assistant_run):
    out = results(assistant_run("eu-en,hide=about_link", platform="instagram"))
    assert out["instagram"]["status"] == "available"
    assert out["instagram"]["route"] == "settings-privacy-center"
