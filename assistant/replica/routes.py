"""What each Meta host and path answers: pages, walls (login, checkpoint), forms and their steps.

Knows nothing of HTTP transport: the server hands in a :class:`Request` and writes out the
:class:`Response`. Every URL a page or a redirect shows is the real Meta URL.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from urllib.parse import parse_qsl, quote

from . import captures
from .render import Renderer, View
from .scenarios import Scenario
from .sites import (
    DECOY_FORM_IDS,
    OBJECTION_FORM_IDS,
    THIRD_PARTY_FORM_ID,
    URLS,
    host_kind,
    is_meta_url,
    platform_of,
    site_of,
)
from .texts import Texts, country_names

# 1x1 transparent PNG for fbcdn.net images the captures reference.
PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)

# Meta help-center forms name their inputs "Field<id>"; a changed layout means new ids.
FIELD_NAMES = {
    "normal": {
        "country": "Field1431298887140335",
        "email": "Field1532829940277339",
        "reason": "Field1490432431281929",
        "extra": "Field1437416869868318",
        "password": "Field1552079195053406",
    },
    "renamed": {
        "country": "Field2040361372899512",
        "email": "Field2211378229154101",
        "reason": "Field2097523867103298",
        "extra": "Field2287711340114556",
        "password": "Field2165308513740287",
    },
}
GATE_FIELD = "Field1611286489130567"
CODE_FIELD = "confirmation_code"
SEMANTIC = {name: key for names in FIELD_NAMES.values() for key, name in names.items()} | {
    GATE_FIELD: "gate",
    CODE_FIELD: "code",
}
FORM_FIELDS = {"A": ("country", "email", "reason", "extra"), "B": ("email", "reason"),
               "C": ("email", "reason"), "D": ("country", "email", "reason")}
LOGIN_COOKIE = {"facebook": "c_user", "instagram": "sessionid"}
# The profiles each Accounts Center lists, per `accounts=` world: (platform, name, username).
_FB_PROFILE = ("facebook", "Anna Meier", "anna.meier.42")
_IG_PROFILE = ("instagram", "Anna Meier", "anna.meier")
ACCOUNT_PROFILES: dict[str, dict[str, list[tuple[str, str, str]]]] = {
    "linked": {"facebook": [_FB_PROFILE, _IG_PROFILE], "instagram": [_IG_PROFILE, _FB_PROFILE]},
    "single": {"facebook": [_FB_PROFILE], "instagram": []},
    "unlinked": {"facebook": [_FB_PROFILE], "instagram": [("instagram", "Anna M.", "annas.photos")]},
    "login": {"facebook": [_FB_PROFILE, _IG_PROFILE], "instagram": [_IG_PROFILE, _FB_PROFILE]},
    "checkpoint": {"facebook": [_FB_PROFILE, _IG_PROFILE], "instagram": [_IG_PROFILE, _FB_PROFILE]},
}


@dataclass
class Request:
    method: str
    host: str
    path: str
    query: str = ""
    cookies: dict[str, str] = field(default_factory=dict)
    raw_fields: list[tuple[str, str]] = field(default_factory=list)
    content_type: str = ""

    @property
    def url(self) -> str:
        return f"https://{self.host}{self.path}" + (f"?{self.query}" if self.query else "")

    @cached_property
    def params(self) -> dict[str, str]:
        return dict(parse_qsl(self.query, keep_blank_values=True))

    @cached_property
    def form(self) -> dict[str, str]:
        return dict(self.raw_fields)

    @property
    def route_path(self) -> str:
        return self.path.rstrip("/") or "/"


@dataclass
class Response:
    status: int = 200
    body: str | bytes = ""
    content_type: str = "text/html; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)
    page: str | None = None  # the page key faults aim at
    kind: str | None = None  # semantic name of a POST, for the record
    fields: dict[str, str] | None = None  # normalised POST fields, for the record
    outcome: str | None = None
    emails: list[dict[str, object]] = field(default_factory=list)  # sent unless a fault hits


def redirect(location: str, **extra: object) -> Response:
    return Response(status=302, headers=[("Location", location)], body="", **extra)  # type: ignore[arg-type]


def cookie(name: str, value: str, host: str, *, http_only: bool = False, max_age: int = 31536000) -> tuple[str, str]:
    attrs = f"{name}={value}; Domain=.{site_of(host)}; Path=/; Max-Age={max_age}; Secure; SameSite=None"
    return ("Set-Cookie", attrs + ("; HttpOnly" if http_only else ""))


def redact(fields: dict[str, str]) -> dict[str, str]:
    """Passwords never enter the record: only whether one was given."""
    return {k: ("<redacted>" if v else "") if "pass" in k.lower() or SEMANTIC.get(k) == "password" else v
            for k, v in fields.items()}


def mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}"


@dataclass
class Ctx:
    req: Request
    sc: Scenario

    @property
    def platform(self) -> str:
        return platform_of(self.req.host)

    def logged_in(self) -> bool:
        return self.sc.login or LOGIN_COOKIE[self.platform] in self.req.cookies

    @property
    def consent_needed(self) -> bool:
        return bool(self.sc.cookie) and "cookie_consent" not in self.req.cookies


ROUTES: dict[str, list[tuple[str, str]]] = {
    "fb": [
        (r"/", "home"), (r"/login(\.php)?", "login"), (r"/settings", "fb_settings"),
        (r"/privacy/policy", "policy"), (r"/policy\.php|/about/privacy", "policy_redirect"),
        (r"/privacy/center", "center"), (r"/privacy/topics", "topics"), (r"/privacy/policies", "policies"),
        (r"/privacy/genai", "genai"), (r"/privacy/guide/genai", "genai_redirect"),
        (r"/privacy/genai/info-you-shared", "genai_info"), (r"/help(/\d+)?", "help"),
        (r"/privacy/dialog/how-generative-ai-models-work", "genai"),
        (r"/help/contact/(?P<form_id>\d+)", "contact"), (r"/checkpoint", "checkpoint"),
        (r"/your_information/meta_ai", "meta_ai"), (r"/ajax/bz", "beacon"), (r"/sso/meta", "meta_sso"),
    ],
    "mbasic": [(r"/privacy/policy/printable", "printable"), (r"/", "mbasic_home")],
    "ig": [
        (r"/", "home"), (r"/accounts/login", "login"), (r"/accounts/edit", "ig_settings"),
        (r"/accounts/privacy_setting", "ig_privacy"), (r"/accounts/about", "about"),
        (r"/challenge", "checkpoint"), (r"/your_activity/meta_ai", "meta_ai"), (r"/ajax/bz", "beacon"),
    ],
    "igpc": [
        (r"/", "center"), (r"/policy", "policy"), (r"/privacy/topics", "topics"), (r"/policies", "policies"),
        (r"/privacy/genai", "genai"), (r"/privacy/genai/info-you-shared", "genai_info"),
        (r"/dialog/how-generative-ai-models-work", "genai"),
    ],
    "ighelp": [(r"/", "help"), (r"/contact/(?P<form_id>\d+)", "contact")],
    "about": [(r"/", "about")],
    "metahelp": [(r"/support/privacy/ai-objection", "meta_objection"), (r"/sso/callback", "meta_sso_callback")],
    "accounts": [(r"/", "accounts_center"), (r"/profiles", "accounts_center")],
}
COMPILED = {kind: [(re.compile(p + "$"), name) for p, name in routes] for kind, routes in ROUTES.items()}


class ReplicaApp:
    """Answers one request of one scenario. Thread-safe: the only shared state is pending code steps."""

    def __init__(self, renderer: Renderer, captures_dir: Path) -> None:
        self.renderer = renderer
        self.captures_dir = captures_dir
        self._pending: dict[str, dict[str, object]] = {}
        self._lock = threading.Lock()
        from .worlds import WorldForms  # the worlds build on this module

        self.worlds = WorldForms(self)
        from .switches import SwitchSites  # LinkedIn and X: their AI-training switches

        self.switches = SwitchSites(renderer)

    def reset(self) -> None:
        with self._lock:
            self._pending.clear()
        self.switches.reset()

    # -- dispatch -----------------------------------------------------------------------------------

    def handle(self, req: Request, sc: Scenario) -> Response:
        if self.switches.serves(req.host):
            return self.switches.handle(req, sc)
        ctx = Ctx(req, sc)
        kind = host_kind(req.host)
        if req.method == "POST" and "cookie_consent" in req.form:
            return self.cookie_consent(ctx)
        if kind == "cdn":
            return Response(body=PIXEL, content_type="image/png")
        if kind == "bare":
            return redirect(f"https://www.{req.host}{req.path}" + (f"?{req.query}" if req.query else ""))
        for pattern, name in COMPILED.get(kind or "", []):
            if match := pattern.match(req.route_path):
                return getattr(self, name)(ctx, **match.groupdict())
        return self.not_found(ctx)

    def page(self, ctx: Ctx, template: str, page: str, status: int = 200, **values: object) -> Response:
        view = View(ctx.sc, ctx.platform, ctx.req.host, page, ctx.consent_needed)
        return Response(status=status, body=self.renderer.render(template, view, **values), page=page)

    def not_found(self, ctx: Ctx, message: str | None = None) -> Response:
        return self.page(ctx, "notfound.html", "notfound", status=404, message=message, unavailable=False)

    # -- walls --------------------------------------------------------------------------------------

    def login_wall(self, ctx: Ctx) -> Response | None:
        platform = ctx.platform
        if ctx.logged_in():
            return None
        if host_kind(ctx.req.host) == "metahelp":  # its session comes from Facebook's, by a hop (see NOTES.md)
            return redirect(f"{URLS['facebook']['home']}sso/meta/?next={quote(ctx.req.url, safe='')}",
                            outcome="login_required")
        login = URLS[platform]["login"]
        same_host = platform == "instagram" and ctx.req.host == "www.instagram.com"
        target = ctx.req.path + (f"?{ctx.req.query}" if ctx.req.query else "") if same_host else ctx.req.url
        return redirect(f"{login}?next={quote(target, safe='')}", outcome="login_required")

    def checkpoint_wall(self, ctx: Ctx, point: str, next_url: str | None = None) -> Response | None:
        if ctx.sc.checkpoint != point or "checkpoint_ok" in ctx.req.cookies:
            return None
        target = URLS[ctx.platform]["checkpoint"]
        return redirect(f"{target}?next={quote(next_url or ctx.req.url, safe='')}", outcome="checkpoint")

    def safe_next(self, ctx: Ctx, raw: str | None) -> str:
        if raw and raw.startswith("/") and not raw.startswith("//"):
            return f"https://{ctx.req.host}{raw}"
        return raw if raw and is_meta_url(raw) else URLS[ctx.platform]["home"]

    def meta_sso(self, ctx: Ctx) -> Response:
        """www.facebook.com/sso/meta/?next=<help.meta.com URL>: hands the Facebook session to help.meta.com."""
        if wall := self.login_wall(ctx):
            return wall
        target = ctx.req.params.get("next", "")
        if host_kind(target.removeprefix("https://").split("/", 1)[0]) != "metahelp":
            return redirect(URLS["facebook"]["home"])
        return redirect(f"https://help.meta.com/sso/callback/?next={quote(target, safe='')}")

    def meta_sso_callback(self, ctx: Ctx) -> Response:
        resp = redirect(self.safe_next(ctx, ctx.req.params.get("next")))
        resp.headers.append(cookie("c_user", "100089000000042", ctx.req.host, http_only=True))
        return resp

    def beacon(self, ctx: Ctx) -> Response:
        """/ajax/bz: Meta's logging endpoint; hostile=beacons|leak pages post here (``q`` is JSON)."""
        fields = {k: v for k, v in ctx.req.form.items() if k != "q"}
        try:
            data = json.loads(ctx.req.form.get("q", ""))
        except ValueError:
            data = None
        if isinstance(data, dict):
            fields |= {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in data.items()}
        return Response(body='for (;;);{"__ar":1,"payload":null}', content_type="application/x-javascript",
                        kind="beacon" if ctx.req.method == "POST" else None, fields=redact(fields),
                        outcome="accepted")

    def cookie_consent(self, ctx: Ctx) -> Response:
        choice = ctx.req.form.get("choice", "")
        if choice not in ("decline", "allow"):
            return Response(status=400, body='{"ok":false}', content_type="application/json",
                            kind="cookie_consent", fields={"choice": choice}, outcome="rejected")
        return Response(body='{"ok":true}', content_type="application/json", kind="cookie_consent",
                        fields={"choice": choice}, outcome="accepted",
                        headers=[cookie("cookie_consent", choice, ctx.req.host, max_age=15552000)])

    # -- accounts -----------------------------------------------------------------------------------

    def home(self, ctx: Ctx) -> Response:
        if not ctx.logged_in():
            return self.login(ctx)
        return self.page(ctx, "fb_home.html" if ctx.platform == "facebook" else "ig_home.html", "home")

    def mbasic_home(self, ctx: Ctx) -> Response:
        return redirect(URLS["facebook"]["home"])

    def login(self, ctx: Ctx) -> Response:
        req = ctx.req
        if req.method == "GET":
            if ctx.logged_in() and "next" in req.params:
                return redirect(self.safe_next(ctx, req.params["next"]))
            return self.page(ctx, "login.html", "login", next=req.params.get("next", ""), error=None)
        user = req.form.get("email") or req.form.get("username") or ""
        fields = redact(req.form)
        if not user.strip() or not (req.form.get("pass") or req.form.get("password")):
            resp = self.page(ctx, "login.html", "login", next=req.form.get("next", ""), error="login_error")
            resp.kind, resp.fields, resp.outcome = "login", fields, "rejected"
            return resp
        token = secrets.token_hex(12)
        if ctx.platform == "facebook":
            set_cookies = [cookie("c_user", "100089000000042", req.host), cookie("xs", token, req.host, http_only=True)]
        else:
            set_cookies = [cookie("sessionid", token, req.host, http_only=True),
                           cookie("ds_user_id", "58000000042", req.host)]
        resp = redirect(self.safe_next(ctx, req.form.get("next")), kind="login", fields=fields, outcome="accepted")
        resp.headers += set_cookies
        return resp

    def checkpoint(self, ctx: Ctx) -> Response:
        req = ctx.req
        if req.method == "GET":
            return self.page(ctx, "checkpoint.html", "checkpoint", next=req.params.get("next", ""))
        resp = redirect(self.safe_next(ctx, req.form.get("next")), kind="checkpoint", fields=redact(req.form),
                        outcome="accepted")
        resp.headers.append(cookie("checkpoint_ok", "1", req.host, http_only=True))
        return resp

    # -- settings -----------------------------------------------------------------------------------

    def fb_settings(self, ctx: Ctx) -> Response:
        if wall := self.login_wall(ctx) or self.checkpoint_wall(ctx, "settings"):
            return wall
        if ctx.req.params.get("tab") != "privacy":
            return self.page(ctx, "fb_settings.html", "settings")
        audience = ctx.req.cookies.get("audience", "public")
        if ctx.req.method == "POST":
            chosen = ctx.req.form.get("audience", "")
            if chosen in ("public", "friends", "only_me"):
                resp = self.page(ctx, "fb_audience.html", "settings", audience=chosen, saved=True)
                resp.headers.append(cookie("audience", chosen, ctx.req.host))
                resp.kind, resp.fields, resp.outcome = "audience", {"audience": chosen}, "accepted"
                return resp
        return self.page(ctx, "fb_audience.html", "settings", audience=audience, saved=False)

    def ig_settings(self, ctx: Ctx) -> Response:
        if wall := self.login_wall(ctx) or self.checkpoint_wall(ctx, "settings"):
            return wall
        return self.page(ctx, "ig_settings.html", "settings", section="edit")

    def ig_privacy(self, ctx: Ctx) -> Response:
        if wall := self.login_wall(ctx) or self.checkpoint_wall(ctx, "settings"):
            return wall
        if ctx.req.method == "POST":
            private = ctx.req.form.get("private_account") == "1"
            return Response(body=json.dumps({"ok": True, "private": private}), content_type="application/json",
                            headers=[cookie("ig_private", "1" if private else "0", ctx.req.host)],
                            kind="account_privacy", fields={"private_account": "1" if private else "0"},
                            outcome="accepted", page="settings")
        private = ctx.req.cookies.get("ig_private") == "1"
        return self.page(ctx, "ig_settings.html", "settings", section="privacy", private=private)

    def about(self, ctx: Ctx) -> Response:
        return self.page(ctx, "about.html", "about")

    def meta_ai(self, ctx: Ctx) -> Response:
        if wall := self.login_wall(ctx):
            return wall
        deleted = ctx.req.cookies.get("meta_ai_deleted") == "1"
        if ctx.req.method == "POST" and ctx.req.form.get("delete_all") == "1":
            resp = self.page(ctx, "meta_ai.html", "meta_ai", deleted=True, just_deleted=True)
            resp.headers.append(cookie("meta_ai_deleted", "1", ctx.req.host))
            resp.kind, resp.fields, resp.outcome = "meta_ai_delete", {"delete_all": "1"}, "accepted"
            return resp
        return self.page(ctx, "meta_ai.html", "meta_ai", deleted=deleted, just_deleted=False)

    def help(self, ctx: Ctx) -> Response:
        return self.page(ctx, "help.html", "help")

    def accounts_center(self, ctx: Ctx) -> Response:
        """accountscenter.facebook.com / .instagram.com: the profiles in this Accounts Center (``accounts=``)."""
        sc, platform = ctx.sc, ctx.platform
        if sc.accounts == "none":
            return self.not_found(ctx)
        if wall := self.login_wall(ctx):
            return wall
        walled = (sc.accounts == "login" or (sc.accounts == "single" and platform == "instagram"))
        if walled and LOGIN_COOKIE[platform] not in ctx.req.cookies:  # asks to log in again, whatever `login` says:
            if ctx.req.method == "POST":  # the login page in place (a redirect would bounce back: `login` is 1)
                return self.login(ctx)
            return self.page(ctx, "login.html", "login", next=ctx.req.url, error=None)
        if sc.accounts == "checkpoint" and "checkpoint_ok" not in ctx.req.cookies:
            return redirect(f"{URLS[platform]['checkpoint']}?next={quote(ctx.req.url, safe='')}", outcome="checkpoint")
        return self.page(ctx, "accounts_center.html", "accounts", profiles=ACCOUNT_PROFILES[sc.accounts][platform])

    # -- privacy center and policy ------------------------------------------------------------------

    def center(self, ctx: Ctx) -> Response:
        return self.page(ctx, "center.html", "center")

    def topics(self, ctx: Ctx) -> Response:
        return self.page(ctx, "topics.html", "topics")

    def policies(self, ctx: Ctx) -> Response:
        return self.page(ctx, "policies.html", "topics")

    def genai(self, ctx: Ctx) -> Response:
        return self.page(ctx, "genai.html", "genai")

    def genai_info(self, ctx: Ctx) -> Response:
        return self.page(ctx, "genai_info.html", "genai")

    def genai_redirect(self, ctx: Ctx) -> Response:
        return redirect(URLS["facebook"]["genai"])

    def policy_redirect(self, ctx: Ctx) -> Response:
        return redirect(URLS["facebook"]["policy"])

    def policy(self, ctx: Ctx) -> Response:
        if served := self.capture(ctx, "policy"):
            return served
        if wall := self.checkpoint_wall(ctx, "policy"):
            return wall
        return self.page(ctx, "policy.html", "policy", effective=self.effective_date(ctx.sc))

    def printable(self, ctx: Ctx) -> Response:
        if served := self.capture(ctx, "printable", platform="facebook"):
            return served
        if wall := self.checkpoint_wall(ctx, "policy"):
            return wall
        return self.page(ctx, "printable.html", "printable", effective=self.effective_date(ctx.sc))

    @staticmethod
    def effective_date(sc: Scenario) -> str:
        texts = Texts(sc.text_variant)
        if sc.banner:
            return texts.date(2025, 12, 16)
        return texts.date(2024, 6, 26) if sc.box in ("2024", "delaying") else texts.date(2025, 4, 7)

    def capture(self, ctx: Ctx, page: str, platform: str | None = None) -> Response | None:
        chosen = captures.CAPTURES.get(ctx.sc.capture)
        if chosen is None or chosen.platform != (platform or ctx.platform):
            return None
        loaded = captures.load(chosen, self.captures_dir)
        if loaded is None:
            return self.not_found(ctx, f"Real capture {chosen.filename} not found in {self.captures_dir}")
        kind, content = loaded
        if kind == "full":
            return Response(body=content, page=page)
        return self.page(ctx, "capture.html", page, content=content, kind=kind)

    # -- forms --------------------------------------------------------------------------------------

    def contact(self, ctx: Ctx, form_id: str) -> Response:
        urls = URLS["instagram" if ctx.req.host == "help.instagram.com" else "facebook"]
        served_here = {url.rsplit("/", 1)[1] for url in urls.values() if "/contact/" in url}
        if form_id not in served_here and form_id != THIRD_PARTY_FORM_ID:
            return self.not_found(ctx)
        if form_id in OBJECTION_FORM_IDS:
            return self.objection(ctx)
        if form_id in DECOY_FORM_IDS:
            return self.simple_form(ctx, "generic", "decoy", "generic_form")
        if urls is URLS["facebook"]:
            return self.simple_form(ctx, "third_party", "decoy", "third_party_form")
        return self.not_found(ctx)

    def meta_objection(self, ctx: Ctx) -> Response:
        """help.meta.com/support/privacy/ai-objection/: only in world=meta-fetch (the box links there)."""
        if ctx.sc.world != "meta-fetch":
            return self.not_found(ctx)
        return self.objection(ctx)

    def simple_form(self, ctx: Ctx, variant: str, page: str, kind: str) -> Response:
        """The look-alike forms: they take a request but are no AI objection."""
        if wall := self.login_wall(ctx):
            return wall
        if ctx.req.method == "GET":
            return self.page(ctx, "simple_form.html", page, variant=variant, sent=False, email=ctx.sc.email,
                             countries=country_names(ctx.sc.text_variant))
        resp = self.page(ctx, "simple_form.html", page, variant=variant, sent=True, email=ctx.sc.email,
                         countries=[])
        resp.kind, resp.fields, resp.outcome = kind, redact(ctx.req.form), "accepted"
        return resp

    def objection(self, ctx: Ctx) -> Response:
        sc, req = ctx.sc, ctx.req
        if wall := self.login_wall(ctx):
            return wall
        if sc.world != "none":
            return self.worlds.objection(ctx)
        if not sc.eligible:
            resp = self.page(ctx, "notfound.html", "form", message=None, unavailable=True)
            if req.method == "POST":
                resp.kind, resp.fields, resp.outcome = "objection_form", self.normalised(req), "unavailable"
            return resp
        gate = bool(sc.gate) and ctx.platform == "facebook"
        if req.method == "GET":
            if wall := self.checkpoint_wall(ctx, "form"):
                return wall
            return self.gate_page(ctx) if gate else self.form_page(ctx)
        step = req.form.get("step", "form")
        if step == "gate":
            return self.gate_answer(ctx)
        if step == "reauth":
            return self.reauth_answer(ctx)
        return self.code_answer(ctx) if step == "code" else self.form_answer(ctx)

    @staticmethod
    def normalised(req: Request) -> dict[str, str]:
        fields = {SEMANTIC[k]: v for k, v in req.form.items() if k in SEMANTIC}
        return redact(fields)

    def form_fields(self, ctx: Ctx, values: dict[str, str] | None = None) -> list[dict[str, object]]:
        sc, texts = ctx.sc, Texts(ctx.sc.text_variant)
        names, renamed = FIELD_NAMES[sc.fields], sc.fields == "renamed"
        values = values or {}
        optional = f" {texts('optional')}"
        out: list[dict[str, object]] = []
        for key in FORM_FIELDS[sc.form or "C"]:
            required = key in ("country", "email") or (key == "reason" and sc.form in ("A", "D"))
            label = texts(f"form_{key}_renamed" if renamed else f"form_{key}")
            out.append({
                "key": key, "name": names[key], "required": required,
                "label": label + ("" if required else optional),
                "value": values.get(key, sc.email if key == "email" else ""),
                "help": texts("form_email_help") if key == "email" and sc.form in ("B", "C") else "",
            })
        if sc.password:
            out.append({"key": "password", "name": names["password"], "required": True,
                        "label": texts("form_password"), "value": "", "help": texts("form_password_help")})
        return out

    def form_page(self, ctx: Ctx, values: dict[str, str] | None = None, errors: list[str] | None = None,
                  page: str = "form") -> Response:
        return self.page(ctx, "objection_form.html", page, fields=self.form_fields(ctx, values),
                         errors=errors or [], countries=country_names(ctx.sc.text_variant),
                         version=ctx.sc.form)

    def gate_page(self, ctx: Ctx, error: bool = False) -> Response:
        return self.page(ctx, "gate.html", "form", gate_field=GATE_FIELD, error=error)

    def gate_answer(self, ctx: Ctx) -> Response:
        answer = ctx.req.form.get(GATE_FIELD, "")
        if answer == "yes":
            resp = self.form_page(ctx)
        elif answer == "no":
            resp = self.page(ctx, "privacy_request.html", "form")
        else:
            resp = self.gate_page(ctx, error=True)
        resp.kind, resp.fields = "gate", {"gate": answer}
        resp.outcome = "accepted" if answer in ("yes", "no") else "rejected"
        return resp

    def validate(self, ctx: Ctx, fields: dict[str, str]) -> list[str]:
        sc, errors = ctx.sc, []
        need = FORM_FIELDS[sc.form or "C"]
        if "country" in need and fields.get("country", "") not in dict(country_names("en")):
            errors.append("err_country")
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", fields.get("email", "").strip()):
            errors.append("err_email")
        reason = fields.get("reason", "").strip()
        if sc.form in ("A", "D") and not reason:
            errors.append("err_reason")
        elif sc.minreason and len(reason) < sc.minreason:
            errors.append("err_reason_short")
        if sc.password and not fields.get("password"):
            errors.append("err_password")
        return errors

    def form_answer(self, ctx: Ctx) -> Response:
        sc, req = ctx.sc, ctx.req
        raw = {SEMANTIC[k]: v for k, v in req.form.items() if k in SEMANTIC}
        record = self.normalised(req)
        if wall := self.checkpoint_wall(ctx, "submit", next_url=req.url):
            wall.kind, wall.fields = "objection_form", record
            return wall
        if errors := self.validate(ctx, raw):
            resp = self.form_page(ctx, raw, errors)
            resp.kind, resp.fields, resp.outcome = "objection_form", record, "rejected:" + "+".join(errors)
            return resp
        email = raw["email"].strip()
        if "reauth" in sc.hostile:
            token = secrets.token_urlsafe(9)
            with self._lock:
                self._pending[token] = {"email": email, "spec": sc.spec, "platform": ctx.platform, "reauth": True}
            resp = self.reauth_page(ctx, token)
            resp.kind, resp.fields, resp.outcome = "objection_form", record, "reauth"
            return resp
        resp = self.after_form(ctx, email)
        resp.kind, resp.fields = "objection_form", record
        return resp

    def reauth_page(self, ctx: Ctx, token: str, error: bool = False) -> Response:
        return self.page(ctx, "reauth.html", "reauth", token=token, error=error)

    def reauth_answer(self, ctx: Ctx) -> Response:
        """hostile=reauth: the password asked for after the form; then the step the form would have led to."""
        token, password = ctx.req.form.get("lsd", ""), ctx.req.form.get("ajax_password", "")
        record = redact({"password": password})
        with self._lock:
            pending = self._pending.get(token)
        if pending is None or not pending.get("reauth"):
            resp = self.form_page(ctx, errors=["err_session"])
            resp.kind, resp.fields, resp.outcome = "objection_reauth", record, "rejected:session"
            return resp
        if not password:
            resp = self.reauth_page(ctx, token, error=True)
            resp.kind, resp.fields, resp.outcome = "objection_reauth", record, "rejected:err_password"
            return resp
        with self._lock:
            self._pending.pop(token, None)
        resp = self.after_form(ctx, str(pending["email"]))
        resp.kind, resp.fields = "objection_reauth", record
        return resp

    def after_form(self, ctx: Ctx, email: str) -> Response:
        """The step after an accepted form: the code page (A, D), or the confirmation."""
        sc = ctx.sc
        if sc.form in ("A", "D"):
            token = secrets.token_urlsafe(9)
            with self._lock:
                self._pending[token] = {"email": email, "spec": sc.spec, "platform": ctx.platform}
            resp = self.page(ctx, "code.html", "code", token=token, masked=mask_email(email), error=False,
                             code_field=CODE_FIELD)
            resp.emails.append(self.email(ctx, email, "code", sc.code))
            resp.outcome = "code_sent"
            return resp
        resp = self.page(ctx, "confirm.html", "confirm", version=sc.form)
        resp.emails.append(self.email(ctx, email, "confirmation"))
        resp.outcome = "accepted"
        return resp

    def code_answer(self, ctx: Ctx) -> Response:
        req, sc = ctx.req, ctx.sc
        code = req.form.get(CODE_FIELD, "").strip()
        token = req.form.get("lsd", "")
        with self._lock:
            pending = self._pending.get(token)
        if pending is None or pending.get("reauth"):
            resp = self.form_page(ctx, errors=["err_session"])
            resp.kind, resp.fields, resp.outcome = "objection_code", {"code": code}, "rejected:session"
            return resp
        if code != sc.code:
            resp = self.page(ctx, "code.html", "code", token=token, masked=mask_email(str(pending["email"])),
                             error=True, code_field=CODE_FIELD)
            resp.kind, resp.fields, resp.outcome = "objection_code", {"code": code}, "code_wrong"
            return resp
        with self._lock:
            self._pending.pop(token, None)
        resp = self.page(ctx, "confirm.html", "confirm", version=sc.form)
        resp.emails.append(self.email(ctx, str(pending["email"]), "confirmation"))
        resp.kind, resp.fields, resp.outcome = "objection_code", {"code": code}, "accepted"
        return resp

    @staticmethod
    def email(ctx: Ctx, to: str, kind: str, code: str | None = None) -> dict[str, object]:
        subject = {
            "code": f"{code} is your confirmation code",
            "confirmation": "We'll honour your objection" if ctx.sc.form in ("B", "C")
            else "We received your objection request",
        }[kind]
        return {"to": to, "code": code, "scenario": ctx.sc.spec, "platform": ctx.platform, "kind": kind,
                "form": ctx.sc.form, "subject": subject}
