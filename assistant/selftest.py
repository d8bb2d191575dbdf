"""`optout selftest`: do the flows still hold? Every flow against the built-in replica, per platform, route and
language: is the AI objection detected by the intended route, and is the form filled and confirmed?

Each route is forced by taking the earlier routes away in the replica (`hide=` their first link, or a server error
on the page they open directly); languages run on the first route, and each form version (A, B, C, D) on it too.
`--full` crosses every route with every language. Every row is an object run with `--yes` against the local
replica (nothing leaves the machine), with a throw-away profile, never the person's own.

The run folders are deleted when everything holds; when something broke they are kept, so one can be sent with
`optout report-breakage RUN_DIR`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# language -> the replica preset whose pages are in it (EU region: form C, the German gate for Facebook)
LANG_PRESETS = {"en": "eu-en", "de": "eu-de", "fr": "eu-fr", "es": "eu-es", "it": "eu-it", "nl": "eu-nl",
                "pl": "eu-pl", "pt": "eu-pt"}
# the other form versions, each through the region that gets it; then forms in the replica's own other worlds
# (other languages and scripts, comboboxes, steps, gates, code steps, help.meta.com): filled by structure
FORM_PRESETS = {"A": "eu-en,form=A", "B": "uk", "D": "br",
                "sv-combobox": "eu-en,region=SE,world=sv-combobox", "cs-steps": "eu-en,region=CZ,world=cs-steps",
                "el-readonly": "eu-en,region=GR,world=el-readonly", "en-gate-reveal": "eu-en,world=en-gate-reveal",
                "fi-gate-buttons": "eu-en,region=FI,world=fi-gate-buttons",
                "en-code-confirm": "eu-en,world=en-code-confirm", "hu-datalist": "eu-en,region=HU,world=hu-datalist",
                "meta-fetch": "eu-en,region=DK,world=meta-fetch"}
# which replica link a route's first `follow` step uses: hiding it takes that route away
HIDE_FOR_LABEL = {"privacy_policy": "policy_link", "privacy_center": "center_link", "about": "about_link"}


@dataclass
class Row:
    platform: str
    route: str
    lang: str
    form: str
    spec: str
    detection: bool | None = None
    filling: bool | None = None
    status: str = ""
    route_used: str | None = None
    detail: str = ""
    run_dir: str | None = None

    @property
    def ok(self) -> bool:
        return bool(self.detection and self.filling)


def forcing(flow, index: int) -> list[str] | None:
    """Scenario tokens that take away every route before `index`, or None when the replica cannot do it."""
    from assistant.replica.scenarios import PAGE_KEYS
    from assistant.replica.sites import URLS

    hide, faults = [], []
    for route in flow.ordered_routes()[:index]:
        for step in route.steps:
            if step.open == "start":
                continue
            if step.follow and step.follow in HIDE_FOR_LABEL:
                hide.append(HIDE_FOR_LABEL[step.follow])
                break
            if step.open:
                keys = [k for k, url in URLS[flow.platform].items()
                        if url.rstrip("/") == step.open.rstrip("/") and k in PAGE_KEYS]
                if not keys:
                    return None
                faults.append(f"500@{keys[0]}")
                break
            return None
    tokens = []
    if hide:
        tokens.append("hide=" + "+".join(dict.fromkeys(hide)))
    if faults:
        tokens.append("fault=" + "+".join(dict.fromkeys(faults)))
    return tokens


def plan(platforms: tuple[str, ...], langs: tuple[str, ...] | None = None, routes: tuple[str, ...] | None = None,
         full: bool = False) -> list[Row]:
    """The rows to run: every route (English), every language and form version (first route); or the full cross."""
    from assistant import flows

    rows: list[Row] = []
    for platform in platforms:
        flow = flows.load_flow(platform)
        ordered = flow.ordered_routes()
        for index, route in enumerate(ordered):
            if routes and route.name not in routes:
                continue
            tokens = forcing(flow, index)
            if tokens is None:
                rows.append(Row(platform, route.name, "en", "C", "", detail="the replica cannot force this route"))
                continue
            for lang, preset in LANG_PRESETS.items():
                if langs and lang not in langs:
                    continue
                if not (full or index == 0 or lang == "en"):
                    continue
                rows.append(Row(platform, route.name, lang, "C", ",".join([preset, *tokens])))
            if index == 0 or full:
                for form, preset in FORM_PRESETS.items():
                    from assistant.replica.scenarios import Scenario

                    lang = Scenario.parse(preset).lang
                    if langs and lang not in langs:
                        continue
                    rows.append(Row(platform, route.name, lang, form, ",".join([preset, *tokens])))
    return rows


CONCURRENT = 4  # rows at a time in the one browser: most of a row is waiting for the replica's pages


async def run_rows(rows: list[Row], root: Path, echo=None) -> None:
    """Run every row (an object run with --yes) in one browser against the built-in replica, a few at a time, each
    in contexts of its own; fills in the rows. `echo(row, finished, total)` as each row ends."""
    import asyncio

    from assistant import browser, session, settings
    from assistant.replica.scenarios import Scenario
    from assistant.replica.server import ReplicaServer
    from assistant.ui import Person

    timeouts = settings.Timeouts(nav_s=10, recognise_s=4, late_s=3, login_s=2, confirm_s=5)
    gate = asyncio.Semaphore(CONCURRENT)
    finished = 0
    with ReplicaServer() as server:
        def mailbox(spec: str):
            def code(platform: str) -> str | None:  # this row's mail: rows run side by side
                mails = [m for m in server.outbox
                         if m.get("scenario") == spec and m.get("platform") in (platform, None)]
                return str(mails[-1]["code"]) if mails else None
            return code

        async def one(n: int, row: Row, chromium) -> None:
            nonlocal finished
            if not row.spec:
                row.detection = row.filling = False
            else:
                async with gate:
                    scenario = Scenario.parse(row.spec)
                    s = settings.build(platform=row.platform, via=server.scenario_url(row.spec), headless=True,
                                       evidence_dir=str(root / "runs"), profile=str(root / "profiles" / str(n)),
                                       country=scenario.region, lang=scenario.lang, reason_template="personal",
                                       yes=True)
                    outcome = await session.run(s.with_(timeouts=timeouts), "selftest", Person(False, quiet=True),
                                                objecting=True, code_provider=mailbox(row.spec), chromium=chromium)
                judge(row, outcome)
            finished += 1
            if echo:
                echo(row, finished, len(rows))

        choice = browser.find_browser()
        async with browser.Browser(choice, True, server.url, nav_timeout_ms=timeouts.nav_s * 1000) as chromium:
            await asyncio.gather(*(one(n, row, chromium) for n, row in enumerate(rows, 1)))


def judge(row: Row, outcome) -> None:
    """The row's verdict from its run: detected by the intended route, and filled and sent."""
    result = outcome.results[0]
    row.status, row.route_used, row.detail = result.status, result.route, result.detail
    row.run_dir = str(outcome.run.path) if outcome.run else None
    row.detection = result.object_link is not None and result.route == row.route
    row.filling = result.status == "submitted"
    if row.detection and not row.filling:
        row.detail = f"detected, but the form ended {result.status}: {result.detail}"
    elif not row.detection and result.object_link is not None:
        row.detail = f"found by route {result.route}, not {row.route}"


def table(rows: list[Row]) -> str:
    mark = {True: "ok", False: "BROKEN", None: "-"}
    head = ("platform", "route", "language", "form", "detection", "filling")
    lines = [head] + [(r.platform, r.route, r.lang, r.form, mark[r.detection], mark[r.filling]) for r in rows]
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(head))]
    out = ["  ".join(str(v).ljust(w) for v, w in zip(line, widths, strict=True)).rstrip() for line in lines]
    for r in rows:
        if not r.ok:
            out.append(f"- {r.platform} {r.route} {r.lang} form {r.form}: {r.detail or r.status}"
                       + (f" (run folder: {r.run_dir})" if r.run_dir else ""))
    return "\n".join(out)
