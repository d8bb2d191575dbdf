"""Which accounts one objection covers (Accounts Center), whether it is already done (the history, `status`), and
Meta's confirmation email as evidence (`add-email`), against the replica's accounts= worlds."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from assistant.replica.mail import message

REASON = "My public posts are personal and I did not share them to train AI models."
QUOTE = "If you've already objected, you don't need to submit another request."


@pytest.fixture
def fresh(replica):
    replica.reset()
    return replica


def forms_sent(replica) -> list[dict]:
    """The objection forms the replica took (one POST per form; codes are not counted)."""
    return [p for p in replica.posts if p["kind"] == "objection_form"]


def by_platform(data: dict) -> dict[str, dict]:
    return {r["platform"]: r for r in data["results"]}


@pytest.fixture
def object_(assistant_run):
    """`optout object --yes --reason ... --json` in-process, in the worker's browser: (exit code, the JSON it
    prints). The flags themselves are the CLI's tests'; here it is what the objection does with the accounts."""

    def go(spec: str, platform: str = "facebook,instagram", each: bool = False, again: bool = False):
        outcome = assistant_run(spec, platform=platform, command="object", objecting=True, yes=True, reason=REASON,
                                each=each, again=again)
        return outcome.exit_code, dict(outcome.report, digest=outcome.digest)

    return go


def advice(result: dict) -> str:
    return " ".join(a["sentence"] for a in result["accounts"].get("advice", []))


# -- the worlds: the advice and the number of forms sent ----------------------------------------------------------
def test_linked_accounts_get_one_objection_and_the_other_form_is_not_sent(object_, fresh):
    code, data = object_("eu-en,accounts=linked")
    results = by_platform(data)
    assert code == 0, data
    assert results["facebook"]["status"] == "submitted"
    assert results["instagram"]["status"] == "already_objected"
    assert "covers this account too" in results["instagram"]["detail"] and QUOTE in results["instagram"]["detail"]
    assert "--each" in results["instagram"]["detail"]
    assert len(forms_sent(fresh)) == 1 and "facebook" in forms_sent(fresh)[0]["host"]
    profiles = {(p["platform"], p["username"]) for p in results["facebook"]["accounts"]["profiles"]}
    assert profiles == {("facebook", "anna.meier.42"), ("instagram", "anna.meier")}
    assert "One objection covers every profile" in advice(results["facebook"])
    shot = results["facebook"]["accounts"]["evidence"]
    assert shot and (Path(data["evidence_dir"]) / shot).is_file()


def test_each_sends_every_form_even_when_linked(object_, fresh):
    code, data = object_("eu-en,accounts=linked", each=True)
    assert code == 0, data
    assert {r["status"] for r in data["results"]} == {"submitted"}
    assert len(forms_sent(fresh)) == 2


def test_unlinked_accounts_each_need_their_own_objection(object_, fresh):
    code, data = object_("eu-en,accounts=unlinked")
    results = by_platform(data)
    assert code == 0, data
    assert {r["status"] for r in data["results"]} == {"submitted"}
    assert len(forms_sent(fresh)) == 2
    said = advice(results["facebook"])
    assert "Instagram account annas.photos (Anna M.) is not in the same Accounts Center" in said
    assert "needs its own objection" in said
    assert "Facebook account anna.meier.42" in advice(results["instagram"])
    assert any("needs its own objection" in s for s in results["facebook"]["next_steps"])


def test_a_single_platform_says_other_accounts_need_their_own(object_, fresh):
    code, data = object_("eu-en,accounts=single", platform="facebook")
    result = data["results"][0]
    assert code == 0, data
    assert result["status"] == "submitted" and len(forms_sent(fresh)) == 1
    assert [p["platform"] for p in result["accounts"]["profiles"]] == ["facebook"]
    assert "No Instagram account is linked in this Accounts Center" in advice(result)


@pytest.mark.parametrize("world,why", [("login", "log in"), ("checkpoint", "security check"),
                                       ("none", "not available"), ("linked,fault=500@accounts", "HTTP 500")])
def test_accounts_center_that_cannot_be_read_never_blocks(assistant_run, world, why):
    outcome = assistant_run(f"eu-en,accounts={world}", platform="facebook")
    result = outcome.report["results"][0]
    assert result["status"] == "available", result["detail"]
    assert result["accounts"]["read"] is False and why in result["accounts"]["why"], result["accounts"]
    assert "could not be read" in advice(result)


def test_accounts_center_behind_a_login_does_not_stop_the_objection(object_, fresh):
    code, data = object_("eu-en,accounts=login")
    assert code == 0, data
    assert {r["status"] for r in data["results"]} == {"submitted"}
    assert len(forms_sent(fresh)) == 2  # nothing known about linking: every form goes
    assert all(r["accounts"]["read"] is False for r in data["results"])


@pytest.mark.parametrize("spec", ["eu-de", "eu-fr", "eu-pl", "br"])
def test_the_profiles_list_is_read_in_every_language(assistant_run, spec):
    outcome = assistant_run(f"{spec},accounts=linked", platform="instagram")
    accounts = outcome.report["results"][0]["accounts"]
    assert accounts["read"], accounts
    assert [(p["platform"], p["username"]) for p in accounts["profiles"]] == [("instagram", "anna.meier"),
                                                                            ("facebook", "anna.meier.42")]


# -- the history: objected once, asked before again, `status` -------------------------------------------------------
@pytest.mark.long
def test_history_status_and_no_second_objection_without_again(optout, object_, assistant_run, fresh):
    spec = "eu-en,accounts=linked"  # the runs in-process, `status` through the CLI: one history (the test's)
    code, first = object_(spec)
    assert code == 0, first
    code, out, _, status = optout("status", "--json")
    assert code == 0
    [objection] = status["objections"]
    assert objection["platform"] == "facebook" and objection["account"] == "anna.meier.42"
    assert Path(objection["run_dir"]) == Path(first["evidence_dir"]).resolve()
    assert objection["digest"] == first["digest"] and objection["confirmation"]
    code, text, _, _ = optout("status")
    assert f"Facebook anna.meier.42: objected on {objection['time'][:10]}, evidence {objection['run_dir']}" in text
    checked = assistant_run(spec).report
    assert any(f"objected on {objection['time'][:10]}" in s for s in by_platform(checked)["facebook"]["next_steps"])

    fresh.reset()
    code, again = object_(spec)  # --yes alone never sends a second one
    results = by_platform(again)
    assert code == 0, again
    assert forms_sent(fresh) == []
    assert results["facebook"]["status"] == "already_objected"
    assert QUOTE in results["facebook"]["detail"] and "--again" in results["facebook"]["detail"]
    assert "you objected on" in results["facebook"]["detail"]
    assert results["instagram"]["status"] == "already_objected"

    fresh.reset()
    code, third = object_(spec, again=True)
    assert code == 0, third
    assert by_platform(third)["facebook"]["status"] == "submitted"
    assert len(forms_sent(fresh)) == 1  # Instagram stays covered by the linked objection
    _, _, _, status = optout("status", "--json")
    assert len(status["objections"]) == 2


# -- Meta's confirmation email --------------------------------------------------------------------------------------
def _run_with_email(object_, replica) -> tuple[Path, dict]:
    """A confirmed Facebook objection and Meta's confirmation email for it (from the replica's outbox)."""
    code, data = object_("eu-en,accounts=linked", platform="facebook")
    assert code == 0, data
    [mail] = [m for m in replica.outbox if m["kind"] == "confirmation"]
    return Path(data["evidence_dir"]), mail


def _eml(tmp_path: Path, name: str, msg) -> Path:
    path = tmp_path / name
    path.write_bytes(msg.as_bytes())
    return path


def test_add_email_accepts_metas_confirmation_and_the_folder_still_verifies(optout, object_, fresh, tmp_path):
    run_dir, mail = _run_with_email(object_, fresh)
    eml = _eml(tmp_path, "confirmation.eml", message(mail))
    code, out, err, _ = optout("add-email", str(run_dir), str(eml))
    assert code == 0, err
    assert (run_dir / "confirmation-email-facebook.eml").is_file()
    report = json.loads((run_dir / "report.json").read_text())
    assert report["results"][0]["confirmation_email"]["file"] == "confirmation-email-facebook.eml"
    assert "confirmation-email-facebook.eml" in (run_dir / "report.html").read_text()
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert "confirmation-email-facebook.eml" in {f["path"] for f in manifest["files"]}
    code, out, _, _ = optout("verify", str(run_dir))
    assert code == 0, out
    assert "Matches the digest recorded" in out
    _, _, _, status = optout("status", "--json")
    assert status["objections"][0]["email_file"] == "confirmation-email-facebook.eml"
    assert status["objections"][0]["digest"] == manifest["chain"]


def test_add_email_takes_the_confirmation_out_of_an_mbox(optout, object_, fresh, tmp_path):
    import mailbox

    run_dir, mail = _run_with_email(object_, fresh)
    box = mailbox.mbox(str(tmp_path / "inbox.mbox"))
    other = message(mail)
    other.replace_header("From", "Newsletter <news@example.org>")
    box.add(other)
    box.add(message(mail))
    box.close()
    code, _, err, _ = optout("add-email", str(run_dir), str(tmp_path / "inbox.mbox"))
    assert code == 0, err
    assert optout("verify", str(run_dir))[0] == 0


@pytest.fixture(scope="module")
def emailed(optout_module, replica):
    """One objection through the CLI, for the refusals below (each reads it, none changes it)."""
    replica.reset()

    def object_cli(spec: str, platform: str):
        code, _, stderr, data = optout_module("object", "--platform", platform, "--via", replica.scenario_url(spec),
                                              "--headless", "--json", "--yes", "--reason", REASON, "--evidence-dir",
                                              "runs")
        return code, data if data is not None else stderr[-2000:]

    run_dir, mail = _run_with_email(object_cli, replica)
    return optout_module.home / run_dir, mail


@pytest.mark.parametrize("change,said", [
    (lambda m: m.replace_header("From", "Facebook <security@faceb00k-mail.example>"), "not sent by Meta"),
    (lambda m: m.replace_header("To", "someone.else@example.com"), "another email address"),
    (lambda m: m.replace_header("Subject", "Your weekly summary"), "subject"),
    (lambda m: m.replace_header("Date", "Mon, 01 Jan 2024 10:00:00 +0000"), "before the run started"),
])
def test_add_email_refuses_anything_else_in_one_sentence(optout_module, emailed, tmp_path, change, said):
    run_dir, mail = emailed  # one run for every refusal: a refusal changes nothing (checked below)
    optout = optout_module
    before = (run_dir / "manifest.json").read_bytes()
    msg = message(mail)
    change(msg)
    code, out, err, _ = optout("add-email", str(run_dir), str(_eml(tmp_path, "wrong.eml", msg)))
    assert code == 2, (out, err)
    assert said in err and err.count("\n") == 1 and "Traceback" not in err
    assert (run_dir / "manifest.json").read_bytes() == before
    assert not list(run_dir.glob("confirmation-email-*"))
    assert optout("verify", str(run_dir))[0] == 0


def test_add_email_needs_a_run_with_a_confirmed_objection(optout, assistant_run, fresh, tmp_path):
    data = assistant_run("eu-en", platform="facebook").report
    mail = {"time": (datetime.now(UTC) + timedelta(seconds=1)).isoformat(), "to": "person@example.com",
            "platform": "facebook", "kind": "confirmation", "form": "C", "lang": "en"}
    code, _, err, _ = optout("add-email", data["evidence_dir"], str(_eml(tmp_path, "c.eml", message(mail))))
    assert code == 2 and "no confirmed objection" in err
    code, _, err, _ = optout("add-email", data["evidence_dir"], str(tmp_path / "missing.eml"))
    assert code == 2 and "not a file" in err


def test_the_demo_mailbox_adds_metas_email_to_the_report(optout, tmp_path):
    code, out, err, data = optout("demo", "--region", "eu-en,accounts=linked", "--yes", "--headless", "--json",
                                  "--evidence-dir", "runs", timeout=180)
    assert code == 0, err[-2000:]
    results = by_platform(data)
    assert results["facebook"]["status"] == "submitted" and results["instagram"]["status"] == "already_objected"
    run_dir = Path(data["evidence_dir"])
    report = json.loads((run_dir / "report.json").read_text())
    assert by_platform(report)["facebook"]["confirmation_email"]["file"] == "confirmation-email-facebook.eml"
    assert "Demo mailbox" in err
    assert optout("verify", str(run_dir))[0] == 0


def test_a_headless_run_saves_its_session_without_opening_accounts_center_again(assistant_run, shared_browser,
                                                                               tmp_path):
    """Headless, Accounts Center's tab stays open until the run's context closes: saving the session reads each
    origin's storage from its open page, so no page is opened to load Accounts Center a second time (Playwright
    does that for an origin with no open page). Counted as Chromium's page targets, which Playwright cannot hide."""
    from tests.conftest import run_async

    chromium = shared_browser.get()

    async def watch():
        cdp = await chromium._browser.new_browser_cdp_session()
        created: list[dict] = []
        cdp.on("Target.targetCreated", lambda event: created.append(event["targetInfo"]))
        await cdp.send("Target.setDiscoverTargets", {"discover": True})
        return cdp, created, len(created)  # the targets already there are announced first

    cdp, created, before = run_async(watch())
    try:
        outcome = assistant_run("eu-en,accounts=linked", platform="facebook")
    finally:
        run_async(cdp.detach())
    result = outcome.report["results"][0]
    assert result["status"] == "available" and result["accounts"]["read"], result
    pages = [t for t in created[before:] if t["type"] == "page"]
    assert len(pages) == 2, pages  # the platform's tab and Accounts Center's
    state = json.loads((tmp_path / "profiles" / "facebook" / "state.json").read_text())  # assistant_run's profile
    assert state["cookies"], state  # the session was saved all the same
