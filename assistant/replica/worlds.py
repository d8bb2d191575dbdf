"""Form worlds (scenario key ``world``): objection forms that look nothing like versions A-D.

Each world is one template (``templates/world_<name>.html``, all its steps) with its own language, field
names, labels and structure, and the server logic here: validation, the emailed code, confirmation, and
the record, whose fields are normalised to the same semantic keys as forms A-D (``country``, ``email``,
``reason``, ``extra``, ``gate``, ``code``, ``password``). The texts are in ``worlds.toml``.
"""

from __future__ import annotations

import json
import re
import secrets
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from .routes import Ctx, Response, mask_email, redact
from .sites import host_kind
from .texts import country_names

if TYPE_CHECKING:
    from .routes import ReplicaApp

WORLD_TEXTS = Path(__file__).with_name("worlds.toml")
PASSWORD_FIELD = "ajax_password"  # the hostile=reauth page's password input, in every world
TOKEN_FIELD = "lsd"


@dataclass(frozen=True)
class World:
    name: str
    lang: str  # the page's <html lang> and its worlds.toml table
    names: dict[str, str]  # semantic key -> the name the field is posted under
    required: frozenset[str]
    code: bool = False  # an emailed code step after the form
    country: str = "alpha2"  # how the country is posted: alpha2 | name (localised, datalist)
    gate_values: dict[str, str] = field(default_factory=dict)  # posted gate value -> yes | no
    json: bool = False  # posted by fetch() as JSON, answered in JSON

    @property
    def template(self) -> str:
        return f"world_{self.name.replace('-', '_')}.html"

    @property
    def semantic(self) -> dict[str, str]:
        return {name: key for key, name in self.names.items()}


WORLDS: dict[str, World] = {w.name: w for w in [
    World("sv-combobox", "sv", {"country": "data[land]", "email": "data[epost]", "reason": "data[skal]"},
          frozenset({"country", "email", "reason"})),
    World("cs-steps", "cs", {"country": "zeme_pobytu", "email": "kontaktni_email", "reason": "oduvodneni",
                             "code": "overovaci_kod"},
          frozenset({"country", "email", "reason"}), code=True),
    World("el-readonly", "el", {"email": "form_data[contact_point]", "reason": "form_data[description]",
                                "extra": "form_data[additional_info]"},
          frozenset({"email"})),
    World("en-gate-reveal", "en", {"gate": "ai_related", "email": "contact_email", "reason": "details"},
          frozenset({"gate", "email"}), gate_values={"yes": "yes", "no": "no"}),
    World("fi-gate-buttons", "fi", {"gate": "koskee_tekoalya", "email": "sahkoposti", "reason": "perustelu"},
          frozenset({"gate", "email"}), gate_values={"kylla": "yes", "ei": "no"}),
    World("en-code-confirm", "en", {"country": "country_code", "email": "email_address",
                                    "reason": "impact_statement", "code": "security_code"},
          frozenset({"country", "email", "reason"}), code=True),
    World("hu-datalist", "hu", {"country": "orszag", "email": "email", "reason": "indoklas", "code": "kod"},
          frozenset({"country", "email", "reason"}), code=True, country="name"),
    World("meta-fetch", "da", {"country": "countryCode", "email": "contactEmail", "reason": "objectionReason"},
          frozenset({"country", "email", "reason"}), json=True),
]}


@cache
def _texts() -> dict[str, dict[str, str]]:
    with WORLD_TEXTS.open("rb") as fh:
        return tomllib.load(fh)


class WorldTexts:
    def __init__(self, world: str) -> None:
        self._table = _texts()[world]

    def __call__(self, key: str, **values: object) -> str:
        text = self._table[key]
        return text.format(**values) if values else text


class WorldForms:
    """The objection form URLs when ``world`` is set (and help.meta.com's form for ``meta-fetch``)."""

    def __init__(self, app: ReplicaApp) -> None:
        self.app = app

    # -- dispatch -----------------------------------------------------------------------------------

    def objection(self, ctx: Ctx) -> Response:
        sc, req, world = ctx.sc, ctx.req, WORLDS[ctx.sc.world]
        if not sc.eligible:
            resp = self.app.page(ctx, "notfound.html", "form", message=None, unavailable=True)
            if req.method == "POST":
                resp.kind, resp.fields, resp.outcome = "objection_form", self.normalised(world, ctx), "unavailable"
            return resp
        if req.method == "GET":
            if not self.on_meta_host(ctx) and (wall := self.app.checkpoint_wall(ctx, "form")):
                return wall
            return self.render(ctx, world, "form")
        if PASSWORD_FIELD in req.form:
            return self.reauth_answer(ctx, world)
        if "code" in world.names and world.names["code"] in req.form:
            return self.code_answer(ctx, world)
        return self.form_answer(ctx, world)

    @staticmethod
    def on_meta_host(ctx: Ctx) -> bool:
        # Checkpoint cookies live on .facebook.com: a wall on help.meta.com could never be passed.
        return host_kind(ctx.req.host) == "metahelp"

    # -- pages and answers --------------------------------------------------------------------------

    def render(self, ctx: Ctx, world: World, state: str, status: int = 200, **values: object) -> Response:
        page = {"form": "form", "code": "code", "confirm": "confirm", "reauth": "reauth"}[state]
        args: dict[str, object] = {
            "w": WorldTexts(world.name), "wl": world.lang, "world": world, "state": state, "names": world.names,
            "email": ctx.sc.email, "countries": country_names(world.lang), "errors": [], "values": {},
            "token": "", "masked": "", "code_error": False, "password_field": PASSWORD_FIELD,
            "token_field": TOKEN_FIELD, "minreason": ctx.sc.minreason,
        }
        return self.app.page(ctx, world.template, page, status=status, **(args | values))

    @staticmethod
    def answer_json(status: int, data: dict[str, object], page: str) -> Response:
        return Response(status=status, body=json.dumps(data, ensure_ascii=False),
                        content_type="application/json; charset=utf-8", page=page)

    def errors_json(self, world: World, ctx: Ctx, errors: list[str]) -> Response:
        w = WorldTexts(world.name)
        field_of = {"err_country": "country", "err_email": "email", "err_reason": "reason",
                    "err_reason_short": "reason", "err_gate": "gate"}
        names = world.names | {"password": PASSWORD_FIELD}
        items = [{"field": names.get(field_of.get(e, "password" if e == "err_password" else ""), ""),
                  "message": w(e, n=ctx.sc.minreason)} for e in errors]
        return self.answer_json(400, {"ok": False, "errors": items}, "form")

    def normalised(self, world: World, ctx: Ctx) -> dict[str, str]:
        semantic, out = world.semantic, {}
        for name, value in ctx.req.form.items():
            if name in semantic:
                key = semantic[name]
                out[key] = world.gate_values.get(value, value) if key == "gate" else value
            elif name == PASSWORD_FIELD:
                out["password"] = value
        return redact(out)

    def validate(self, world: World, ctx: Ctx, raw: dict[str, str]) -> list[str]:
        errors: list[str] = []
        if "gate" in world.required and raw.get("gate") != "yes":
            errors.append("err_gate")
        if "country" in world.required:
            value = raw.get("country", "").strip()
            known = set(dict(country_names("en")))
            if world.country == "name":
                names = {name.casefold() for _, name in country_names(world.lang)}
                ok = value.casefold() in names or value.upper() in known
            else:
                ok = value in known
            if not ok:
                errors.append("err_country")
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", raw.get("email", "").strip()):
            errors.append("err_email")
        reason = raw.get("reason", "").strip()
        if "reason" in world.required and not reason:
            errors.append("err_reason")
        elif ctx.sc.minreason and len(reason) < ctx.sc.minreason:
            errors.append("err_reason_short")
        return errors

    def form_answer(self, ctx: Ctx, world: World) -> Response:
        sc, req = ctx.sc, ctx.req
        record = self.normalised(world, ctx)
        raw = {world.semantic[k]: v for k, v in req.form.items() if k in world.semantic}
        if "gate" in raw:
            raw["gate"] = world.gate_values.get(raw["gate"], raw["gate"])
        if not self.on_meta_host(ctx) and (wall := self.app.checkpoint_wall(ctx, "submit", next_url=req.url)):
            if world.json:
                location = dict(wall.headers)["Location"]
                wall = self.answer_json(403, {"ok": False, "redirect": location}, "form")
                wall.outcome = "checkpoint"
            wall.kind, wall.fields = "objection_form", record
            return wall
        if errors := self.validate(world, ctx, raw):
            if world.json:
                resp = self.errors_json(world, ctx, errors)
            else:
                resp = self.render(ctx, world, "form", errors=errors, values=raw)
            resp.kind, resp.fields, resp.outcome = "objection_form", record, "rejected:" + "+".join(errors)
            return resp
        email = raw["email"].strip()
        if "reauth" in sc.hostile:
            token = self.remember(ctx, email, reauth=True)
            if world.json:
                resp = self.answer_json(403, {"ok": False, "reauth": True, "token": token}, "reauth")
            else:
                resp = self.render(ctx, world, "reauth", token=token)
            resp.kind, resp.fields, resp.outcome = "objection_form", record, "reauth"
            return resp
        resp = self.after_form(ctx, world, email)
        resp.kind, resp.fields = "objection_form", record
        return resp

    def after_form(self, ctx: Ctx, world: World, email: str) -> Response:
        """The step after an accepted form (and password): the code page, or the confirmation."""
        if world.code:
            token = self.remember(ctx, email)
            resp = self.render(ctx, world, "code", token=token, masked=mask_email(email))
            resp.emails.append(self.email(ctx, world, email, "code", ctx.sc.code))
            resp.outcome = "code_sent"
            return resp
        resp = (self.answer_json(200, {"ok": True}, "confirm") if world.json
                else self.render(ctx, world, "confirm"))
        resp.emails.append(self.email(ctx, world, email, "confirmation"))
        resp.outcome = "accepted"
        return resp

    def remember(self, ctx: Ctx, email: str, reauth: bool = False) -> str:
        token = secrets.token_urlsafe(9)
        with self.app._lock:
            self.app._pending[token] = {"email": email, "spec": ctx.sc.spec, "platform": ctx.platform,
                                        "world": ctx.sc.world, "reauth": reauth}
        return token

    def pending(self, ctx: Ctx, world: World, reauth: bool) -> dict[str, object] | None:
        with self.app._lock:
            found = self.app._pending.get(ctx.req.form.get(TOKEN_FIELD, ""))
        if found is None or found.get("world") != world.name or bool(found.get("reauth")) != reauth:
            return None
        return found

    def forget(self, ctx: Ctx) -> None:
        with self.app._lock:
            self.app._pending.pop(ctx.req.form.get(TOKEN_FIELD, ""), None)

    def reauth_answer(self, ctx: Ctx, world: World) -> Response:
        password = ctx.req.form.get(PASSWORD_FIELD, "")
        record = redact({"password": password})
        pending = self.pending(ctx, world, reauth=True)
        if pending is None:
            resp = (self.errors_json(world, ctx, ["err_session"]) if world.json
                    else self.render(ctx, world, "form", errors=["err_session"]))
            resp.kind, resp.fields, resp.outcome = "objection_reauth", record, "rejected:session"
            return resp
        if not password:
            token = ctx.req.form.get(TOKEN_FIELD, "")
            resp = (self.errors_json(world, ctx, ["err_password"]) if world.json
                    else self.render(ctx, world, "reauth", token=token, errors=["err_password"]))
            resp.kind, resp.fields, resp.outcome = "objection_reauth", record, "rejected:err_password"
            return resp
        self.forget(ctx)
        resp = self.after_form(ctx, world, str(pending["email"]))
        resp.kind, resp.fields = "objection_reauth", record
        return resp

    def code_answer(self, ctx: Ctx, world: World) -> Response:
        code = ctx.req.form.get(world.names["code"], "").strip()
        pending = self.pending(ctx, world, reauth=False)
        if pending is None:
            resp = self.render(ctx, world, "form", errors=["err_session"])
            resp.kind, resp.fields, resp.outcome = "objection_code", {"code": code}, "rejected:session"
            return resp
        if code != ctx.sc.code:
            resp = self.render(ctx, world, "code", token=ctx.req.form.get(TOKEN_FIELD, ""),
                               masked=mask_email(str(pending["email"])), code_error=True)
            resp.kind, resp.fields, resp.outcome = "objection_code", {"code": code}, "code_wrong"
            return resp
        self.forget(ctx)
        resp = self.render(ctx, world, "confirm")
        resp.emails.append(self.email(ctx, world, str(pending["email"]), "confirmation"))
        resp.kind, resp.fields, resp.outcome = "objection_code", {"code": code}, "accepted"
        return resp

    @staticmethod
    def email(ctx: Ctx, world: World, to: str, kind: str, code: str | None = None) -> dict[str, object]:
        subject = f"{code} is your confirmation code" if kind == "code" else "We received your objection request"
        return {"to": to, "code": code, "scenario": ctx.sc.spec, "platform": ctx.platform, "kind": kind,
                "form": world.name, "subject": subject}
