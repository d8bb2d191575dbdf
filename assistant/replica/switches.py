"""LinkedIn and X in the replica: their settings pages down to the AI-training switch, their login wall and
challenge page, and the switch's state (kept per scenario and site until reset).

Scenario keys (scenarios.py): ``switch=on|off`` (the state before anything changes), ``layout=flat|deeper`` (deeper:
the switch's page sits one sub-page further down), ``save=ok|fail`` (fail: a change is answered 200 and not kept:
the switch flips back on the next load), ``login=0`` (the login wall), ``checkpoint=settings`` (the challenge page),
``lang=en|de|fr`` (other languages fall back to English). Every request that changes the switch is a POST recorded
by the server with kind ``setting_change`` and ``fields`` ``{"site", "setting", "value"}``.

The two sites' markup differs on purpose: LinkedIn's switch is a ``<button role=switch aria-checked>`` named by
``aria-labelledby``, saved by ``fetch`` as JSON; X's is an ``<input type=checkbox>`` inside a ``<label>``, visually
replaced by a styled track, saved by ``fetch`` as a form body.
"""

from __future__ import annotations

import json
import secrets
import threading
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from .routes import Request, Response, redirect
from .scenarios import Scenario
from .texts import country_names

TEXTS = tomllib.loads(Path(__file__).with_name("switches.toml").read_text(encoding="utf-8"))
TEMPLATES = Path(__file__).with_name("templates")

# Where each page lives (the real addresses where meta-facts.md gives them; the others are the replica's own).
SITES: dict[str, dict[str, Any]] = {
    "linkedin": {
        "hosts": ("www.linkedin.com", "linkedin.com"),
        "cookie": "li_at",
        "home": "https://www.linkedin.com/feed/",
        "login": "https://www.linkedin.com/login",
        "checkpoint": "https://www.linkedin.com/checkpoint/challenge/",
        "settings": "https://www.linkedin.com/mypreferences/d/categories/account",
        "privacy": "https://www.linkedin.com/mypreferences/d/categories/privacy",
        "sub": "https://www.linkedin.com/mypreferences/d/categories/privacy/how-linkedin-uses-your-data",
        "setting": "https://www.linkedin.com/mypreferences/d/settings/data-for-ai-improvement",
        "save": "https://www.linkedin.com/mypreferences/api/settings/data-for-ai-improvement",
        "form": "https://www.linkedin.com/help/linkedin/ask/TS-DPRO",
    },
    "x": {
        "hosts": ("x.com", "twitter.com", "www.twitter.com", "www.x.com"),
        "cookie": "auth_token",
        "home": "https://x.com/home",
        "login": "https://x.com/i/flow/login",
        "checkpoint": "https://x.com/account/access",
        "settings": "https://x.com/settings",
        "privacy": "https://x.com/settings/privacy_and_safety",
        "sub": "https://x.com/settings/data_sharing_and_personalization",
        "setting": "https://x.com/settings/grok_settings",
        "save": "https://x.com/i/api/1.1/account/settings.json",
    },
}
SETTING_NAME = {"linkedin": "data_for_ai_improvement", "x": "allow_grok_training"}


class SwitchSites:
    """Answers the LinkedIn and X hosts for the replica app."""

    def __init__(self, renderer) -> None:
        self._env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                                undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
        self._state: dict[tuple[str, str], bool] = {}
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self._state.clear()

    def serves(self, host: str) -> bool:
        return any(host in site["hosts"] for site in SITES.values())

    def site_of(self, host: str) -> str:
        return next(name for name, site in SITES.items() if host in site["hosts"])

    # -- state ----------------------------------------------------------------------------------------
    def is_on(self, site: str, sc: Scenario) -> bool:
        with self._lock:
            return self._state.get((sc.spec, site), sc.switch == "on")

    def _set(self, site: str, sc: Scenario, on: bool) -> None:
        with self._lock:
            self._state[(sc.spec, site)] = on

    # -- dispatch -------------------------------------------------------------------------------------
    def handle(self, req: Request, sc: Scenario) -> Response:
        site = self.site_of(req.host)
        urls = SITES[site]
        if req.host != urls["hosts"][0]:  # linkedin.com -> www.linkedin.com, twitter.com -> x.com
            return redirect(f"https://{urls['hosts'][0]}{req.path}" + (f"?{req.query}" if req.query else ""))
        url = req.url.split("?")[0].rstrip("/")
        page = {urls[k].rstrip("/"): k for k in ("home", "login", "checkpoint", "settings", "privacy", "sub",
                                                 "setting", "save", "form") if k in urls}.get(url)
        if page is None and req.route_path == "/":
            page = "home"
        if page is None:
            return self._render(site, sc, "notfound", status=404)
        if page == "login":
            return self._login(site, sc, req)
        if page == "checkpoint":
            return self._render(site, sc, "checkpoint")
        logged_in = sc.login or urls["cookie"] in req.cookies
        if not logged_in:
            key = "session_redirect" if site == "linkedin" else "redirect_after_login"
            return redirect(f"{urls['login']}?{key}={quote(req.url, safe='')}", outcome="login_required")
        if sc.checkpoint != "none" and page != "save":
            return redirect(f"{urls['checkpoint']}?next={quote(req.url, safe='')}", outcome="checkpoint")
        if page == "save":
            return self._save(site, sc, req)
        if page == "form":
            return self._form(site, sc, req)
        if page == "sub" and sc.layout != "deeper":
            return self._render(site, sc, "notfound", status=404)
        return self._render(site, sc, page)

    def _login(self, site: str, sc: Scenario, req: Request) -> Response:
        if req.method != "POST":
            nxt = req.params.get("session_redirect") or req.params.get("redirect_after_login") or ""
            return self._render(site, sc, "login", next_url=nxt)
        target = req.form.get("redirect") or SITES[site]["settings"]
        resp = redirect(target, kind="login", fields={"username": req.form.get("username", ""),
                                                      "password": "<redacted>" if req.form.get("password") else ""},
                        outcome="accepted")
        resp.headers.append(("Set-Cookie", f"{SITES[site]['cookie']}={secrets.token_hex(8)}; Domain=."
                             f"{'.'.join(req.host.split('.')[-2:])}; Path=/; Secure; SameSite=None"))
        return resp

    def _save(self, site: str, sc: Scenario, req: Request) -> Response:
        if req.method != "POST":
            return Response(status=405, body='{"error":"method"}', content_type="application/json")
        value = (req.form.get("value") or req.form.get("allow_grok_training") or "").lower()
        on = value in ("true", "1", "on")
        fields = {"site": site, "setting": SETTING_NAME[site], "value": "on" if on else "off"}
        if sc.save == "fail":
            return Response(body=json.dumps({"ok": True}), content_type="application/json", kind="setting_change",
                            fields=fields, outcome="not_kept")
        self._set(site, sc, on)
        return Response(body=json.dumps({"ok": True, "value": on}), content_type="application/json",
                        kind="setting_change", fields=fields, outcome="saved")

    def _form(self, site: str, sc: Scenario, req: Request) -> Response:
        """LinkedIn's Data Processing Objection Form (a help-center "ask" form): the topic preselected by its
        address, the member's email prefilled, a reason, a country; a POST is recorded as an objection form (kind
        ``objection_form``, fields ``topic/email/reason/country``) and answered with "We've received your request",
        or the form again with an alert (``minreason=N``: a reason shorter than N characters is refused)."""
        lang = sc.lang if sc.lang in TEXTS[site] else "en"
        countries = country_names(lang)
        if req.method != "POST":
            return self._render(site, sc, "form", values={"topic": "non_generative_ai", "email": sc.email, "reason": "",
                                                          "country": ""}, errors=[], invalid=[], countries=countries)
        values = {"topic": req.form.get("topic", ""), "email": req.form.get("email", "").strip(),
                  "reason": req.form.get("description", "").strip(), "country": req.form.get("country", "")}
        t, errors, invalid = TEXTS[site][lang], [], []
        for key in ("topic", "email", "reason", "country"):
            if not values[key] or (key == "country" and values[key] not in dict(countries)):
                errors.append(f"err_{key}")
                invalid.append(key)
        if values["reason"] and sc.minreason and len(values["reason"]) < sc.minreason:
            errors.append("err_reason_short")
            invalid.append("reason")
        if errors:
            shown = [t["form_err_short"].format(n=sc.minreason) if e == "err_reason_short" else t["form_err_required"]
                     for e in errors]
            resp = self._render(site, sc, "form", values=values, errors=list(dict.fromkeys(shown)), invalid=invalid,
                                countries=countries)
            resp.kind, resp.fields, resp.outcome = "objection_form", values, "rejected:" + "+".join(errors)
            return resp
        resp = self._render(site, sc, "form", values=values, errors=[], invalid=[], countries=countries, done=True,
                            case=f"{secrets.randbelow(10**9):09d}")
        resp.kind, resp.fields, resp.outcome = "objection_form", values, "accepted"
        return resp

    def _render(self, site: str, sc: Scenario, page: str, status: int = 200, **values: object) -> Response:
        lang = sc.lang if sc.lang in TEXTS[site] else "en"
        texts = TEXTS[site][lang]
        salt = secrets.token_hex(3)  # X's atomic classes change with every build
        values.setdefault("done", False)  # the objection form: answered (li_form.html)
        body = self._env.get_template(f"{'li' if site == 'linkedin' else 'x'}_{page}.html"
                                      if page != "notfound" else "switch_notfound.html").render(
            t=texts, u=SITES[site], sc=sc, lang=lang, on=self.is_on(site, sc), deeper=sc.layout == "deeper",
            site=site, rc=lambda name: f"r-{abs(hash((salt, name))) % 16**6:06x}", **values)
        return Response(status=status, body=body, page=None)
