"""The setting_switch platforms (LinkedIn, X, and one that does not exist) against a real browser and the replica:
the verdict in every world, the switch changed only with consent, read again after a reload, a failed save never
reported as done, the challenge page `blocked`; and a made-up platform from its flow file alone."""

from __future__ import annotations

import json
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from assistant.status import Status
from tests.conftest import REPO


def changes(replica, spec: str) -> list[dict]:
    return [p for p in replica.posts if p["kind"] == "setting_change" and p["scenario"] == spec]


@pytest.mark.parametrize("platform", ["linkedin", "x"])
@pytest.mark.parametrize("spec,status,state", [
    ("eu-en", Status.ON, "on"),
    ("us,switch=off", Status.OFF, "off"),
    ("eu-de", Status.ON, "on"),
    ("eu-fr,switch=off", Status.OFF, "off"),
    ("eu-en,layout=deeper", Status.ON, "on"),
    ("us,login=0", Status.LOGIN_REQUIRED, None),
    ("us,checkpoint=settings", Status.BLOCKED, None),
    ("us,wording=2024", Status.ON, "on"),
])
def test_check_gives_the_switch_verdict_in_every_world(assistant_run, replica, platform, spec, status, state):
    spec = f"{spec},code=1{'11111' if platform == 'x' else '22222'}"  # a spec of its own: the switch's state
    outcome = assistant_run(spec, platform=platform)
    (result,) = outcome.results
    assert result.status == status, result.detail
    if state:
        assert result.setting["state"] == state
        assert result.route == ("settings-data-privacy" if platform == "linkedin" else "settings-privacy-and-safety")
        assert any("switch-" in shot for shot in result.evidence), result.evidence
    assert not changes(replica, spec), "a check never changes a setting"


@pytest.mark.parametrize("platform", ["linkedin", "x"])
def test_with_yes_the_switch_is_off_after_a_reload_and_one_change_was_sent(assistant_run, replica, platform):
    spec = f"eu-de,code=3{'11111' if platform == 'x' else '22222'}"
    outcome = assistant_run(spec, platform=platform, command="object", objecting=True, yes=True)
    (result,) = outcome.results
    assert result.status == Status.OFF, result.detail
    assert result.setting["state"] == "off" and result.setting["changed"] is True
    sent = changes(replica, spec)
    assert len(sent) == 1 and sent[0]["fields"]["value"] == "off" and sent[0]["outcome"] == "saved", sent
    assert any("after-reload" in shot for shot in result.evidence)
    again = assistant_run(spec, platform=platform)  # the replica keeps it: a new check reads it off
    assert again.results[0].status == Status.OFF


@pytest.mark.parametrize("platform", ["linkedin", "x"])
def test_without_consent_no_change_request_is_sent(assistant_run, replica, platform):
    spec = f"uk,code=4{'11111' if platform == 'x' else '22222'}"
    outcome = assistant_run(spec, platform=platform, command="object", objecting=True)  # no --yes, no terminal
    (result,) = outcome.results
    assert result.status == Status.AWAITING_CONFIRMATION and "Nothing was changed" in result.detail, result.detail
    assert result.setting["state"] == "on"
    assert changes(replica, spec) == []
    assert outcome.exit_code == 0


@pytest.mark.parametrize("platform", ["linkedin", "x"])
def test_a_save_that_does_not_hold_is_never_done(assistant_run, replica, platform):
    spec = f"us,save=fail,code=5{'11111' if platform == 'x' else '22222'}"
    outcome = assistant_run(spec, platform=platform, command="object", objecting=True, yes=True)
    (result,) = outcome.results
    assert result.status == Status.ERROR, result.detail
    assert "did not hold" in result.detail and result.setting["state"] == "on"
    assert len(changes(replica, spec)) == 1
    assert outcome.exit_code == 1


def test_all_lists_every_platform_meta_first_and_json_has_the_setting(optout, replica, tmp_path):
    code, _, stderr, data = optout("check", "--platform", "all", "--via", replica.scenario_url("us,code=611111"),
                                   "--headless", "--json", timeout=240)
    assert [r["platform"] for r in data["results"]] == ["facebook", "instagram", "linkedin", "x"], stderr
    by = {r["platform"]: r for r in data["results"]}
    assert by["facebook"]["status"] == "not_offered" and "setting" not in by["facebook"]
    assert by["linkedin"]["status"] == "on" and by["linkedin"]["setting"]["state"] == "on"
    assert by["x"]["setting"]["label"].startswith("Allow your public data")
    assert code == 0


def test_an_unknown_platform_in_a_list_is_one_sentence(optout):
    code, stdout, stderr, _ = optout("check", "--platform", "facebook,myspace", "--via", "http://127.0.0.1:9/x",
                                     "--headless")
    assert code == 2 and stdout == "" and len(stderr.strip().splitlines()) == 1
    assert "'myspace'" in stderr and "linkedin" in stderr


# -- a platform that does not exist, from its flow file alone ---------------------------------------------------------
MADEUP_FLOW = '''
version = 1
platform = "madeup"
name = "Madeup"
action = "setting_switch"
hosts = ["madeup.example"]
start = "https://www.madeup.example/prefs"
login = "https://www.madeup.example/signin"
login_url_parts = ["madeup.example/signin"]
checkpoint_url_parts = ["madeup.example/verify"]

[setting]
name = "Model training"
label = "madeup_switch"
heading = "madeup_heading"
change_paths = ["/api/prefs"]

[[routes]]
name = "prefs"
description = "Preferences > Model training"
lands_on = "setting"
steps = [{ open = "start" }, { follow = "madeup_heading", href = "/prefs/training" }]

[labels.madeup_heading]
en = ["Model training"]

[labels.madeup_switch]
en = ["Let Madeup train its models on my posts"]
'''

# Markup unlike LinkedIn's and X's: a div role=checkbox named only by the text before it, saved by a PUT.
MADEUP_PAGE = '''<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Model training</title></head><body>
<h1>Model training</h1><div class="row"><span>Let Madeup train its models on my posts</span>
<div id="t" role="checkbox" tabindex="0" aria-checked="{state}"
 style="width:30px;height:18px;background:#888"></div></div>
<script>
document.getElementById('t').addEventListener('click', (e) => {{
  const next = e.target.getAttribute('aria-checked') !== 'true';
  e.target.setAttribute('aria-checked', String(next));
  fetch('/api/prefs', {{method: 'PUT', headers: {{'Content-Type': 'application/json'}},
                       body: JSON.stringify({{training: next}})}});
}});
</script></body></html>'''


class MadeupSite:
    """The made-up platform's two pages in the replica's URL layout (/<host>/<path>), and its record of changes."""

    def __init__(self) -> None:
        self.on = True
        self.changes: list[dict] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _send(self, status: int, body: str, kind: str = "text/html; charset=utf-8") -> None:
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                path = self.path.split("?")[0].rstrip("/")
                if path == "/www.madeup.example/prefs":
                    self._send(200, '<!DOCTYPE html><html lang="en"><head><title>Preferences</title></head><body>'
                               '<h1>Preferences</h1><a href="https://www.madeup.example/prefs/training">Model '
                               'training</a></body></html>')
                elif path == "/www.madeup.example/prefs/training":
                    self._send(200, MADEUP_PAGE.format(state="true" if site.on else "false"))
                else:
                    self._send(404, "<h1>Not found</h1>")

            def do_PUT(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                site.changes.append({"path": self.path, "body": body})
                site.on = bool(body.get("training"))
                self._send(200, '{"ok":true}', "application/json")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_a_made_up_platform_is_checked_and_switched_from_its_flow_file(optout, tmp_path):
    flows = tmp_path / "flows"
    shutil.copytree(REPO / "flows", flows)
    (flows / "madeup.toml").write_text(MADEUP_FLOW, encoding="utf-8")
    env = {"OPTOUT_FLOWS_DIR": str(flows)}
    site = MadeupSite()
    try:
        code, _, stderr, data = optout("check", "--platform", "madeup", "--via", site.url, "--headless", "--json",
                                       env=env)
        assert data and data["results"][0]["status"] == "on", stderr
        assert data["results"][0]["setting"]["state"] == "on" and site.changes == []
        code, _, stderr, data = optout("object", "--platform", "madeup", "--via", site.url, "--headless", "--json",
                                       env=env)  # no consent: nothing changes
        assert data["results"][0]["status"] == "awaiting_confirmation" and site.changes == [], stderr
        assert data["results"][0]["setting"]["state"] == "on"
        code, _, stderr, data = optout("object", "--platform", "madeup", "--via", site.url, "--headless", "--json",
                                       "--yes", env=env)
        result = data["results"][0]
        assert result["status"] == "off" and result["setting"]["state"] == "off", (result, stderr)
        assert site.changes == [{"path": "/www.madeup.example/api/prefs", "body": {"training": False}}]
        assert code == 0
    finally:
        site.close()


BROKEN_ROUTE = '[labels.madeup_missing]\nen = ["Nowhere"]\n'
DIRECT_ROUTE = ('[[routes]]\nname = "direct"\ndescription = "The setting\'s own address"\nlands_on = "setting"\n'
                'last_resort = true\nsteps = [{ open = "https://www.madeup.example/prefs/training" }]\n')


@pytest.mark.parametrize("direct", [True, False])
def test_a_switch_route_that_breaks_gives_way_to_the_next_or_names_the_setting(optout, tmp_path, direct):
    """The engine's one route loop, with the switch's verdict: a missing link breaks the route; the last resort is
    taken and said so, and with none left the verdict is `unknown` naming the platform's setting and the step."""
    flows = tmp_path / "flows"
    shutil.copytree(REPO / "flows", flows)
    flow = MADEUP_FLOW.replace('{ follow = "madeup_heading", href = "/prefs/training" }',
                               '{ follow = "madeup_missing", href = "/prefs/nowhere" }') + BROKEN_ROUTE
    (flows / "madeup.toml").write_text(flow + (DIRECT_ROUTE if direct else ""), encoding="utf-8")
    site = MadeupSite()
    try:
        code, _, stderr, data = optout("check", "--platform", "madeup", "--via", site.url, "--headless", "--json",
                                       env={"OPTOUT_FLOWS_DIR": str(flows)})
    finally:
        site.close()
    assert data, stderr
    result = data["results"][0]
    if direct:
        assert result["status"] == "on" and result["route"] == "direct", result
        assert "(its direct address: the links to it were not found)" in result["detail"], result["detail"]
        assert any("switch-on" in shot for shot in result["evidence"]), result["evidence"]
    else:
        assert result["status"] == "unknown" and "setting" not in result, result
        assert result["detail"].startswith("None of the routes to Madeup's setting could be followed (the layout may "
                                           "have changed): Preferences > Model training: no 'Nowhere' link on "
                                           "https://www.madeup.example/prefs"), result["detail"]
    assert site.changes == []


@pytest.mark.parametrize("cut,paste,says", [
    ('[setting]\nname = "Model training"\nlabel = "madeup_switch"\nheading = "madeup_heading"\n'
     'change_paths = ["/api/prefs"]\n', "", "needs a [setting] table"),
    ('label = "madeup_switch"', 'label = "madeup_swtch"', "'setting.label': unknown label 'madeup_swtch'"),
    ('action = "setting_switch"', 'action = "settings_switch"', "'action'"),
])
def test_a_broken_switch_flow_is_one_sentence_naming_file_and_field(tmp_path, cut, paste, says):
    from assistant import flows

    folder = tmp_path / "flows"
    shutil.copytree(REPO / "flows", folder)
    assert cut in MADEUP_FLOW
    (folder / "madeup.toml").write_text(MADEUP_FLOW.replace(cut, paste), encoding="utf-8")
    assert "madeup" in flows.platforms(folder)
    with pytest.raises(flows.FlowError) as caught:
        flows.validate_all(folder)
    message = str(caught.value)
    assert str(folder / "madeup.toml") in message and says in message and "\n" not in message, message


def test_the_gate_counts_a_write_to_the_platforms_hosts_as_a_setting_change():
    from assistant.gate import SubmissionGate

    gate = SubmissionGate((), ("linkedin.com",), change_hosts=("linkedin.com",))
    assert gate.judge("POST", "https://www.linkedin.com/mypreferences/api/x", b'{"value":false}') == \
        ("it changes a setting", True)
    assert gate.judge("PUT", "https://linkedin.com/anything", None) == ("it changes a setting", True)
    assert gate.judge("GET", "https://www.linkedin.com/mypreferences/d/settings/x", None) is None
    assert gate.judge("POST", "https://notlinkedin.com/api", b"v=1") is None
    narrow = SubmissionGate((), ("x.com",), change_hosts=("x.com",), change_paths=("/i/api/",))
    assert narrow.judge("POST", "https://x.com/i/api/1.1/account/settings.json", b"a=b") is not None
    assert narrow.judge("POST", "https://x.com/beacon", b"a=b") is None
