"""LinkedIn's Data Processing Objection Form as the further step of `optout object --platform linkedin`, against a
real browser and the replica: after the switch (on or already off) the form is opened, read by its structure,
filled and sent once with --yes (`submitted` only with the POST answered and the confirmation shown); without
consent nothing is posted (neither the switch nor the form); a refused reason is `rejected`."""

from __future__ import annotations

from assistant.status import Status

EMAIL = "asked.person@example.org"
REASON = ("I object to LinkedIn processing my profile, posts and activity to train AI models that do not generate "
          "content: as a job seeker, my particular situation makes this profiling harmful to me.")


def posts(replica, spec: str, kind: str) -> list[dict]:
    return [p for p in replica.posts if p["kind"] == kind and p["scenario"] == spec]


def test_with_yes_the_switch_goes_off_and_the_form_is_posted_once_and_submitted(assistant_run, replica):
    spec = "eu-de,code=711111"
    outcome = assistant_run(spec, platform="linkedin", command="object", objecting=True, yes=True, email=EMAIL,
                            replace_email=True, reason=REASON, country="DE")
    (result,) = outcome.results
    assert result.status == Status.OFF and result.setting["changed"] is True, result.detail
    further = result.further
    assert further is not None and further["status"] == Status.SUBMITTED, further
    sent = posts(replica, spec, "objection_form")
    assert len(sent) == 1, sent
    assert sent[0]["host"] == "www.linkedin.com" and sent[0]["outcome"] == "accepted"
    assert sent[0]["fields"]["email"] == EMAIL and sent[0]["fields"]["reason"] == REASON
    assert sent[0]["fields"]["country"] == "DE" and sent[0]["fields"]["topic"] == "non_generative_ai"
    assert further["confirmation"]["request"]["status"] == 200
    assert "Wir haben Ihre Anfrage erhalten" in further["confirmation"]["text"]
    assert further["form"]["version"] == "TS-DPRO" and further["form"]["typed"] == ["country", "email", "reason"]
    shots = " ".join(result.evidence)
    assert all(name in shots for name in ("objection-form", "form-filled", "confirmation")), result.evidence
    assert len(posts(replica, spec, "setting_change")) == 1
    assert outcome.report["results"][0]["further"]["status"] == "submitted"  # the JSON report, beside `setting`
    assert not any("TS-DPRO" in step for step in result.next_steps)
    assert outcome.exit_code == 0


def test_an_already_off_switch_still_offers_the_form_in_french(assistant_run, replica):
    spec = "eu-fr,switch=off,code=722222"
    outcome = assistant_run(spec, platform="linkedin", command="object", objecting=True, yes=True, reason=REASON,
                            country="FR")
    (result,) = outcome.results
    assert result.status == Status.OFF and not result.setting.get("changed"), result.detail
    assert result.further["status"] == Status.SUBMITTED, result.further
    (sent,) = posts(replica, spec, "objection_form")
    assert sent["fields"]["email"] == "person@example.com" and sent["fields"]["country"] == "FR"
    assert result.further["form"]["kept"] == ["email"]  # the member's prefilled address, kept
    assert posts(replica, spec, "setting_change") == []


def test_without_consent_nothing_is_posted_and_the_switch_stays_on(assistant_run, replica):
    spec = "uk,code=733333"
    outcome = assistant_run(spec, platform="linkedin", command="object", objecting=True, email=EMAIL,
                            replace_email=True, reason=REASON, country="GB")  # no --yes, no terminal
    (result,) = outcome.results
    assert result.status == Status.AWAITING_CONFIRMATION and result.setting["state"] == "on", result.detail
    assert result.further["status"] == Status.AWAITING_CONFIRMATION, result.further
    assert "NOT sent" in result.further["detail"]
    assert posts(replica, spec, "objection_form") == [] and posts(replica, spec, "setting_change") == []
    assert not [p for p in replica.posts if p["scenario"] == spec], "no POST at all"
    assert "form-filled" in " ".join(result.evidence)
    assert outcome.exit_code == 0


def test_a_reason_the_form_refuses_is_rejected(assistant_run, replica):
    spec = "us,switch=off,minreason=400,code=744444"
    outcome = assistant_run(spec, platform="linkedin", command="object", objecting=True, yes=True, reason=REASON,
                            country="US")
    (result,) = outcome.results
    assert result.further["status"] == Status.REJECTED, result.further
    assert "400" in result.further["detail"]
    (sent,) = posts(replica, spec, "objection_form")
    assert sent["outcome"] == "rejected:err_reason_short"
    assert result.status == Status.OFF and outcome.exit_code == 1  # the switch is fine; the objection is not done


def test_without_a_reason_the_required_field_is_named_and_nothing_is_sent(assistant_run, replica):
    spec = "eu-en,switch=off,code=755555"
    outcome = assistant_run(spec, platform="linkedin", command="object", objecting=True, yes=True, country="IE")
    (result,) = outcome.results
    assert result.further["status"] == Status.AWAITING_CONFIRMATION, result.further
    assert "reason" in result.further["detail"] and posts(replica, spec, "objection_form") == []


def test_a_check_only_names_the_form(assistant_run, replica):
    outcome = assistant_run("eu-en,code=766666", platform="linkedin")
    (result,) = outcome.results
    assert result.further is None
    assert any("TS-DPRO" in step for step in result.next_steps)
