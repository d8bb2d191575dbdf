"""`optout object` on forms it was not written for: other languages and scripts, custom comboboxes, datalists,
steps, read-only emails, gates with and without a continue button, code steps whose button is not "Send", a
script-built form on help.meta.com posted by fetch(). Each world is filled with exactly the asked values and,
with --yes, confirmed; without --yes nothing is posted."""

from __future__ import annotations

import pytest

REASON = "My public posts are personal and I did not share them to train AI models."

# world, country asked, the country as the form posts it, stdin (codes), more expectations
WORLDS = [
    ("sv-combobox", "SE", "SE", "", {}),
    ("cs-steps", "CZ", "CZ", "123456\n", {"steps": 2}),
    ("el-readonly", "GR", None, "", {"extra": ""}),
    ("en-gate-reveal", "IE", None, "", {"gate": "yes"}),
    ("fi-gate-buttons", "FI", None, "", {"gate": "yes"}),
    ("en-code-confirm", "IE", "IE", "000000\n123456\n", {"codes": ["000000", "123456"]}),
    ("hu-datalist", "HU", "Magyarország", "123456\n", {}),
    ("meta-fetch", "DK", "DK", "", {"host": "help.meta.com"}),
]


def objection_posts(replica) -> list[dict]:
    return [p for p in replica.posts if p["kind"] in ("objection_form", "objection_code")]


@pytest.fixture
def fresh(replica):
    replica.reset()
    return replica


@pytest.mark.parametrize("world,country,posted_country,stdin,more", WORLDS, ids=[w[0] for w in WORLDS])
def test_object_fills_and_sends_a_form_world_it_was_not_written_for(object_run, fresh, world, country,
                                                                   posted_country, stdin, more):
    code, data = object_run(f"eu-en,world={world}", codes=tuple(stdin.split()), yes=True, country=country,
                            reason=REASON)
    result = data["results"][0]
    assert result["status"] == "submitted", result["detail"]
    assert code == 0
    forms = [p for p in objection_posts(fresh) if p["kind"] == "objection_form"]
    assert len(forms) == 1
    fields = forms[0]["fields"]
    assert fields["email"] == "person@example.com"
    assert fields["reason"] == REASON
    assert fields.get("country") == posted_country
    if "extra" in more:
        assert fields.get("extra", "") == ""
    if "gate" in more:
        assert fields["gate"] == more["gate"]
    if "codes" in more:
        assert [p["fields"]["code"] for p in objection_posts(fresh) if p["kind"] == "objection_code"] == more["codes"]
    if "steps" in more:
        assert result["form"]["steps"] == more["steps"]
        assert any("form-step-1" in e for e in result["evidence"])
    if "host" in more:
        assert forms[0]["host"] == more["host"]
    # What the report says was sent is what the request carried (emails masked), not what was meant.
    sent = result["confirmation"]["request"]
    assert REASON in sent["fields"].values() and 200 <= sent["status"] < 400
    assert "person@example.com" not in str(sent)
    assert result["form"]["language"]


@pytest.mark.parametrize("world", [w[0] for w in WORLDS])
def test_without_yes_a_form_world_is_filled_but_nothing_is_posted(object_run, fresh, world):
    country = next(w[1] for w in WORLDS if w[0] == world)
    code, data = object_run(f"eu-en,world={world}", country=country, reason=REASON)
    result = data["results"][0]
    assert result["status"] == "awaiting_confirmation", result["detail"]
    assert result["form"]["filled"]["reason"] == REASON
    assert objection_posts(fresh) == []


def test_a_required_country_without_country_given_is_named_never_guessed(object_run, fresh):
    code, data = object_run("eu-en,world=sv-combobox", yes=True, reason=REASON)
    result = data["results"][0]
    assert result["status"] == "awaiting_confirmation"
    assert "country" in result["detail"] and "--country" in result["detail"]
    assert objection_posts(fresh) == []


def test_country_is_ignored_where_the_form_has_no_country_field(object_run, fresh):
    code, data = object_run("uk", yes=True, country="GB", reason=REASON)
    result = data["results"][0]
    assert result["status"] == "submitted", result["detail"]
    assert "country" not in result["form"]["filled"]


def test_selftest_covers_every_form_world():
    from assistant.selftest import plan

    rows = plan(("facebook", "instagram"))
    for platform in ("facebook", "instagram"):
        assert {w[0] for w in WORLDS} <= {r.form for r in rows if r.platform == platform}


def english_only_flows(tmp_path):
    """A copy of flows/ whose labels know English only: forms in other languages must be read by structure."""
    import json
    import shutil
    import tomllib

    from assistant import paths

    folder = tmp_path / "flows-en"
    shutil.copytree(paths.flows_dir(), folder)
    labels = tomllib.loads((folder / "labels.toml").read_text(encoding="utf-8"))
    lines = ["version = 1", 'languages = ["en"]']
    for key, table in labels["labels"].items():
        lines += [f"[labels.{key}]", f"en = {json.dumps(table.get('en', []), ensure_ascii=False)}"]
    (folder / "labels.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.mark.parametrize("world,country,stdin", [("sv-combobox", "SE", ""), ("cs-steps", "CZ", "123456\n"),
                                                 ("el-readonly", "GR", ""), ("hu-datalist", "HU", "123456\n"),
                                                 ("meta-fetch", "DK", "")])
def test_a_form_in_a_language_the_labels_lack_is_still_filled_and_confirmed_by_structure(optout, fresh, tmp_path,
                                                                                         world, country, stdin):
    code, _, stderr, data = optout("object", "--platform", "facebook", "--via",
                                   fresh.scenario_url(f"eu-en,world={world}"), "--headless", "--json", "--yes",
                                   "--country", country, "--reason", REASON, input=stdin,
                                   env={"OPTOUT_FLOWS_DIR": str(english_only_flows(tmp_path))})
    result = data["results"][0]
    assert result["status"] == "submitted", (result["detail"], stderr[-1500:])
    assert result["form"]["words"] == []  # nothing was decided by a word
    assert result["form"]["language"] not in ("en", None)
    forms = [p for p in objection_posts(fresh) if p["kind"] == "objection_form"]
    assert len(forms) == 1 and forms[0]["fields"]["reason"] == REASON
