"""One run of the assistant: the run folder, one browser, the platforms side by side, the report.

Platforms run concurrently in separate contexts of one browser. Whatever happens (a crash, Ctrl-C, a full
disk), the run folder is left consistent: finished, or marked incomplete with the evidence so far.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import platform as _platform
import shutil
import sqlite3
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from loguru import logger

from assistant import browser, flows
from assistant.accounts import Accounts
from assistant.engine import Engine, PlatformRun, Result, describe_error, detect_errors, region_verdict
from assistant.evidence import EvidenceWriteError, Run, mask_email
from assistant.pagejs import source
from assistant.settings import Settings, env_file_read
from assistant.status import Status, exit_code
from assistant.ui import Person

SCREENSHOT_RETRIES = 2
MAX_SHOT_HEIGHT = 6000  # CSS px: a whole Privacy Policy is ~40,000 px and 13 MB; keep the part that matters

class EvidenceRecorder:
    """Takes the screenshot of a page (found elements already outlined) and files it in the run folder.

    One page evaluation gathers what the screenshot needs (the page's size, the outlined element, the email
    addresses shown; js/evidence.js), then one DevTools capture with Chromium's speed-optimised PNG encoding
    (`optimizeForSpeed`: a larger file, a fraction of the encoding time); Playwright's own screenshot where the
    DevTools protocol is not offered. Still a valid PNG, hashed in the manifest like any other."""

    def __init__(self, run: Run | None, full_page: bool = True) -> None:
        self.run, self.full_page = run, full_page
        self.seconds = 0.0  # time spent on evidence, for the benchmarks
        self._cdp: dict[object, object] = {}  # page -> its DevTools session (False: none to be had)

    async def capture(self, page, platform: str, name: str, texts: dict | None = None,
                      highlights: list[str] | None = None, status: str | None = None) -> str | None:
        if self.run is None:
            return None
        loop = asyncio.get_running_loop()
        started = loop.time()
        png = redact = None
        capture_errors: tuple[type[BaseException], ...] = (*detect_errors(), TimeoutError)
        for attempt in range(SCREENSHOT_RETRIES):
            try:
                seen = await page.evaluate(source("evidence"), self.full_page)
                clip = self._clip(seen)
                if clip:
                    highlights = list(highlights or []) + [f"page cut to {clip['height']:.0f} px around the "
                                                           f"found element (from y={clip['y']:.0f})"]
                redact = _email_boxes(seen, clip)
                png = await self._screenshot(page, seen, clip)
                break
            except capture_errors as exc:  # headed on Xvfb a full-page capture can fail once
                if attempt == SCREENSHOT_RETRIES - 1 or not page.context.browser or page.is_closed():
                    logger.warning(f"screenshot of {name} failed: {(str(exc).splitlines() or [repr(exc)])[0]}")
        # The file and run.json are written (and synced) on a worker thread: the other platform's flow and the
        # browser's messages go on meanwhile. Run.add_step takes its own lock.
        step = await asyncio.to_thread(self.run.add_step, platform, name, page.url, png, texts=texts,
                                       highlights=highlights, status=status)
        if png is not None and redact is not None:
            # Where an email address shows on the screenshot, for `optout report-breakage` to black out. Kept in
            # the step (run.json is rewritten with the next step and at the end); a screenshot without it is
            # left out of a breakage bundle.
            step["redact"] = redact
        self.seconds += loop.time() - started
        return step.get("screenshot")

    def _clip(self, seen: dict) -> dict | None:
        """None for a whole page; for a very long one, a window around the outlined element (or the top)."""
        if not self.full_page or seen["height"] <= MAX_SHOT_HEIGHT:
            return None
        y = max(0, min(seen["focus"] - MAX_SHOT_HEIGHT / 3, seen["height"] - MAX_SHOT_HEIGHT))
        return {"x": 0, "y": y, "width": seen["width"], "height": MAX_SHOT_HEIGHT}

    async def _screenshot(self, page, seen: dict, clip: dict | None) -> bytes:
        """The PNG: the clip, the whole page (full_page) or the viewport."""
        cdp = await self._session(page)
        if cdp is None:
            return await page.screenshot(full_page=self.full_page, clip=clip, timeout=15000, animations="disabled")
        params: dict = {"format": "png", "optimizeForSpeed": True, "fromSurface": True}
        if self.full_page:
            area = clip or {"x": 0, "y": 0, "width": seen["fullWidth"], "height": seen["height"]}
            params |= {"clip": {**area, "scale": 1}, "captureBeyondViewport": True}
        async with asyncio.timeout(15):
            shot = await cdp.send("Page.captureScreenshot", params)
        return base64.b64decode(shot["data"])

    async def _session(self, page):
        if page not in self._cdp:
            try:
                self._cdp[page] = await page.context.new_cdp_session(page)
            except Exception:  # noqa: BLE001 - not Chromium (or not allowed): Playwright's screenshot
                self._cdp[page] = None
        return self._cdp[page]


def _email_boxes(seen: dict, clip: dict | None) -> dict:
    """Boxes (CSS px, relative to the screenshot's top left) of every email address shown on the page."""
    x0, y0 = (clip["x"], clip["y"]) if clip else (0, 0)
    return {"boxes": [[round(x - x0, 1), round(y - y0, 1), round(w, 1), round(h, 1)] for x, y, w, h in seen["boxes"]],
            "scale": seen["scale"]}


@dataclass
class Outcome:
    report: dict
    results: list[Result]
    run: Run | None
    origin: str = "meta"  # where the pages came from: meta | replica:<via URL>
    interrupted: str | None = None  # "Ctrl-C" or "SIGTERM" when the run was cut short
    digest: str | None = None  # the run folder's chained digest (also kept in the history)

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return 143 if self.interrupted == "SIGTERM" else 130
        further = [r.further["status"] for r in self.results if r.further]  # a switch's further form counts too
        return exit_code([r.status for r in self.results] + further,
                         self.run.command if self.run is not None else "object")


def state_file(settings: Settings, platform: str) -> Path:
    return settings.profile_dir / platform / "state.json"


def run_meta(settings: Settings, scratch: Path | None = None) -> dict:
    return {
        "settings": {
            "platforms": list(settings.platforms), "via": settings.via, "headless": settings.headless,
            "country": settings.country, "lang": settings.lang, "email": settings.email,
            "reason_source": settings.reason_source, "yes": settings.yes,
            "profile_dir": "throw-away (a fresh profile, removed at the end)" if scratch else str(settings.profile_dir),
            "via_remote": settings.via_remote,
        },
        "pages": "meta" if not settings.via else f"replica:{settings.via}",
        "env_file": env_file_read(),
        "python": sys.version.split()[0],
        "system": f"{_platform.system()} {_platform.release()}",
        "flows": _flow_versions(),
    }


def _flow_versions() -> dict:
    from assistant.evidence.breakage import flow_versions

    try:
        return flow_versions()
    except OSError:
        return {}


async def run(settings: Settings, command: str, person: Person, objecting: bool = False,
              record: bool = True, code_provider=None, chromium: browser.Browser | None = None,
              on_context=None) -> Outcome:
    """Run check (or object) for the settings' platforms; never raises for a fault, a bug or a refusing disk.

    Whatever happens, the run folder ends sealed (report.json, report.html, manifest; `incomplete` with the
    reason when the run was cut short) and every platform has a status with one sentence; a traceback goes to
    run.log only. Ctrl-C and SIGTERM seal the folder too, then raise `Interrupted` (a cancellation) carrying the
    Outcome. Under --via the run uses a throw-away browser profile unless --profile was given.

    `chromium`: an already started Browser to run in (fresh contexts; the caller closes it), for the selftest
    and test harnesses that run many scenarios in one browser."""
    from assistant.history import origin_of

    flows.validate_all()
    labels, meta, regions = flows.load_labels(), flows.load_meta(), flows.load_regions()
    origin = origin_of(settings.via)
    scratch = _scratch_profile(settings)
    if scratch is not None:
        settings = settings.with_(profile_dir=scratch)
    results: dict[str, Result] = {}
    run_folder: Run | None = None
    interrupted: str | None = None

    def report() -> dict:
        ordered = [results[p] for p in settings.platforms if p in results]
        return {"evidence_dir": str(run_folder.path) if run_folder else None,
                "results": [r.as_json() for r in ordered]}

    def fill(status: str, detail: str) -> None:
        for p in settings.platforms:
            results.setdefault(p, Result(p, status, detail))

    try:
        try:
            run_folder = Run.start(settings.evidence_dir, command, run_meta(settings, scratch)) if record else None
        except EvidenceWriteError as exc:
            fill("error", f"Evidence could not be written: {exc}")
            return Outcome(report(), [results[p] for p in settings.platforms], None, origin=origin)
        logger.info(f"settings file (.env) read: {env_file_read()}")
        logger.info("pages from: " + ("Meta" if origin == "meta" else f"{settings.via} (a replica, not Meta)")
                    + "; browser profile: " + ("throw-away, removed at the end" if scratch else
                                               str(settings.profile_dir)))
        recorder = EvidenceRecorder(run_folder)
        stopped: str | None = None  # why the run was cut short: the folder is then sealed `incomplete`
        try:
            await _platforms(settings, chromium, person, labels, meta, regions, recorder, run_folder, results,
                             objecting, code_provider, on_context, Accounts(settings, command, origin))
        except EvidenceWriteError as exc:
            fill("error", f"Evidence could not be written: {exc}")
            stopped = str(exc)
        except browser.BrowserMissing as exc:
            fill("error", str(exc))
            stopped = str(exc)
        except (KeyboardInterrupt, asyncio.CancelledError):
            interrupted = "SIGTERM" if _STOPPED_BY else "Ctrl-C"
            if interrupted == "SIGTERM":
                fill("error", "Stopped (SIGTERM) before this platform finished.")
                stopped = "stopped by SIGTERM"
            else:
                fill("error", "Interrupted (Ctrl-C) before this platform finished.")
                stopped = "interrupted by the person (Ctrl-C)"
        except detect_errors() as exc:  # the browser failed to start or died outside a platform's flow
            status, detail = describe_error(exc, settings.timeouts.nav_s)
            fill(status, detail)
            stopped = detail
        except Exception as exc:  # noqa: BLE001 - a bug: one sentence for the person, the traceback to run.log
            logger.exception("the run stopped unexpectedly")
            fill("error", unexpected(exc))
            stopped = unexpected(exc)
        _seal(run_folder, stopped, report, results)
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    digest = run_folder.chain if run_folder else None
    if run_folder is not None and digest:
        _keep_digest(run_folder, command, origin)
        if command in ("object", "demo"):  # not the selftest's or the benchmarks' objections
            _keep_objections(run_folder, report(), origin)
    outcome = Outcome(report(), [results[p] for p in settings.platforms], run_folder, origin=origin,
                      interrupted=interrupted, digest=digest)
    if interrupted:
        raise Interrupted(outcome)
    return outcome


async def _platforms(settings: Settings, chromium, person: Person, labels, meta, regions, recorder, run_folder,
                     results: dict[str, Result], objecting: bool, code_provider, on_context,
                     accounts: Accounts | None = None) -> None:
    """One browser (started here unless given), the platforms side by side; fills `results`."""
    opened: contextlib.AbstractAsyncContextManager
    if chromium is None and settings.cdp:  # the person's running browser: tabs of our own, left running at the end
        from assistant.cdp import ConnectedBrowser

        person.say(f"Connecting to your browser at {settings.cdp} (the assistant opens tabs of its own and leaves "
                   "yours alone).")
        connected = ConnectedBrowser(settings.cdp, settings.via, nav_timeout_ms=settings.timeouts.nav_s * 1000)
        choice, opened = connected.choice, connected
    elif chromium is None:
        choice = browser.choose_browser(settings.browser_kind, settings.browser_path)
        person.say(f"Starting {'a headless' if settings.headless else 'a visible'} browser "
                   f"({choice.executable_for(settings.headless) or 'Playwright Chromium'}).")
        opened = browser.Browser(choice, settings.headless, settings.via,
                                 nav_timeout_ms=settings.timeouts.nav_s * 1000)
    else:
        choice, opened = chromium.choice, contextlib.nullcontext(chromium)
    async with opened as chromium:
        if run_folder:
            run_folder.meta["browser"] = {"executable": choice.executable_for(getattr(chromium, "headless", False)),
                                          "source": choice.source,
                                          "version": chromium.version}

        write_failures: list[EvidenceWriteError] = []
        failures: list[str] = []

        async def one(platform: str) -> None:
            flow = flows.load_flow(platform)
            engine = Engine(labels.merged(flow.labels), meta, recorder, person, settings.timeouts, settings.lang)
            try:
                results[platform] = await _platform_run(chromium, engine, flow, settings, person, objecting,
                                                        code_provider, on_context, accounts)
            except detect_errors() as exc:
                status, detail = describe_error(exc, settings.timeouts.nav_s)
                results[platform] = Result(platform, status, detail, evidence=engine.evidence.get(platform, []))
            except EvidenceWriteError as exc:  # each platform ends with its own clear status; then abort
                write_failures.append(exc)
                results[platform] = Result(platform, "error", f"Evidence could not be written: {exc}")
            except Exception as exc:  # noqa: BLE001 - a bug: this platform ends in error, the other goes on
                logger.exception(f"{platform}: stopped unexpectedly")
                failures.append(unexpected(exc))
                results[platform] = Result(platform, "error", unexpected(exc))
            result = results[platform]
            if accounts is not None:
                accounts.done(platform, result)
            result.evidence = list(engine.evidence.get(platform, []))
            if flow.action == "objection_form":  # a switch's region is its flow's (switch.py)
                result.region = region_verdict(settings.country, result.status, regions)
            person.say(f"{flow.name}: {result.status.replace('_', ' ')}. {result.detail}")

        await asyncio.gather(*(one(p) for p in settings.platforms))
        if accounts is not None:
            for line in accounts.annotate(results):
                person.say(line)
        if write_failures:
            raise write_failures[0]
        if failures:
            raise _Unexpected(failures[0])


class _Unexpected(Exception):
    """A platform stopped by a bug (already logged with its traceback): the run is sealed incomplete."""


class Interrupted(asyncio.CancelledError):
    """Ctrl-C or SIGTERM cut the run short; its folder is sealed and `outcome` holds what was gathered."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome.interrupted)
        self.outcome = outcome


def unexpected(exc: BaseException) -> str:
    """One sentence for a failure nobody planned for (the traceback is in run.log)."""
    if isinstance(exc, _Unexpected):
        return str(exc)
    text = (str(exc).splitlines() or [""])[0][:160]
    return mask_email(f"The run stopped unexpectedly ({type(exc).__name__}{': ' + text if text else ''}); "
                      "the details are in the run folder's run.log.")


def _seal(run_folder: Run | None, stopped: str | None, report, results: dict[str, Result]) -> None:
    """Finish the folder (complete), or seal it incomplete with the reason; a disk that refuses the report turns
    every result into an error that says so. Never raises."""
    if run_folder is None:
        return
    if stopped is None:
        try:
            run_folder.finish(report(), status="complete")
            return
        except EvidenceWriteError as exc:
            stopped = str(exc)
            for p, r in list(results.items()):
                results[p] = Result(p, "error", f"Evidence could not be written (the run had reached {r.status}): "
                                                f"{exc}", evidence=r.evidence, object_link=r.object_link,
                                    route=r.route, region=r.region, form=r.form, confirmation=r.confirmation)
        except Exception:  # noqa: BLE001 - report.html failed to render: the folder itself is sealed
            if run_folder.chain is not None:
                return
            stopped = "the report could not be written"
    _abort(run_folder, stopped, report())


def _keep_digest(run_folder: Run, command: str, origin: str) -> None:
    from assistant import history

    try:
        history.record_run(run_folder.path, command, origin, run_folder.status, run_folder.chain)
    except (sqlite3.Error, OSError) as exc:
        logger.warning(f"the digest of {run_folder.path} could not be kept in the history: {exc}")


def _keep_objections(run_folder: Run, report: dict, origin: str) -> None:
    """Every objection this run confirmed (status submitted) into the history, with the folder and its digest."""
    from assistant import history

    for r in report.get("results", []):
        if r.get("status") != Status.SUBMITTED and (r.get("further") or {}).get("status") == Status.SUBMITTED:
            r = {**r, "confirmation": r["further"].get("confirmation")}  # a switch's further form, confirmed
        elif r.get("status") != Status.SUBMITTED:
            continue
        own = next((p for p in (r.get("accounts") or {}).get("profiles") or [] if p.get("platform") == r["platform"]),
                   None)
        try:
            history.record_objection(r["platform"], (own or {}).get("username") or (own or {}).get("name"),
                                     (r.get("confirmation") or {}).get("text"), run_folder.path, run_folder.chain,
                                     origin)
        except (sqlite3.Error, OSError) as exc:
            logger.warning(f"the objection of {r['platform']} could not be kept in the history: {exc}")


def _scratch_profile(settings: Settings) -> Path | None:
    """Under --via a fresh, private (0700) browser profile, removed at the end: no saved session of the person
    is loaded, written or sent to a replica. Not when --profile was given on the command line."""
    if not settings.via or settings.profile_given:
        return None
    return Path(tempfile.mkdtemp(prefix="optout-profile-"))


@contextlib.contextmanager
def scratch_profile(settings: Settings):
    """`_scratch_profile` for commands outside `run` (login): yields the settings to use."""
    scratch = _scratch_profile(settings)
    try:
        yield settings if scratch is None else settings.with_(profile_dir=scratch)
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


# Set by `drive` when SIGTERM cancelled the run (Ctrl-C cancels it through asyncio.run itself).
_STOPPED_BY: list[str] = []


def drive(coro):
    """asyncio.run for a command: SIGTERM takes the same path as Ctrl-C (the run is sealed), and an interrupted
    run's Outcome is returned (Outcome.interrupted says by what) instead of a traceback."""
    import signal

    async def guarded():
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None  # guarded() runs as a task

        def on_sigterm() -> None:
            _STOPPED_BY.append("SIGTERM")
            task.cancel()

        try:
            loop.add_signal_handler(signal.SIGTERM, on_sigterm)
            installed = True
        except (NotImplementedError, RuntimeError, ValueError):  # Windows, or not the main thread
            installed = False
        try:
            return await coro
        except Interrupted as stop:
            return stop.outcome
        finally:
            if installed:
                loop.remove_signal_handler(signal.SIGTERM)

    _STOPPED_BY.clear()
    return asyncio.run(guarded())


async def _platform_run(chromium, engine: Engine, flow, settings: Settings, person: Person,
                        objecting: bool, code_provider=None, on_context=None,
                        accounts: Accounts | None = None) -> Result:
    ctx = await chromium.new_context(state_file(settings, flow.platform), _locale(settings.lang), via=settings.via,
                                     nav_timeout_ms=settings.timeouts.nav_s * 1000)
    if on_context:  # a seam for tests that play the person in the same browser
        on_context(flow.platform, ctx)
    trace_run = getattr(engine.recorder, "run", None) if settings.trace else None  # the run folder, when tracing
    if trace_run is not None:
        await ctx.tracing.start(screenshots=True, snapshots=True)
    try:
        page = await ctx.new_page()
        person.say(f"{flow.name}: opening {flow.start}")
        covered: Result | None = None
        if flow.action == "setting_switch":  # read, and (object) switched off with consent: switch.py
            from assistant.switch import switch_run

            result = await switch_run(PlatformRun(page, engine, flow, settings, person), objecting)
        else:
            result, found = await engine.check(page, flow)
            if accounts is not None:  # Accounts Center: which of Meta's accounts one objection covers
                await accounts.after_check(ctx, engine, flow, person, result)
            if accounts is not None and objecting and result.status == Status.AVAILABLE:
                covered = await accounts.before_object(flow, person, result)
        if flow.action == "setting_switch":
            pass
        elif covered is not None:
            result = covered
        elif objecting and result.status == Status.AVAILABLE:
            from assistant.forms import object_on_page

            result = await object_on_page(PlatformRun(page, engine, flow, settings, person), result, code_provider)
        elif objecting and result.status == Status.NOT_OFFERED:
            from assistant.guide import not_offered_guide

            result = await not_offered_guide(PlatformRun(page, engine, flow, settings, person), result)
        if result.status != Status.ERROR and chromium.connected:
            await browser.save_state(ctx, state_file(settings, flow.platform))
        return result
    finally:
        if trace_run is not None:
            await _save_trace(ctx, trace_run, flow.platform)
        try:
            await ctx.close()
        except Exception:  # noqa: BLE001 - the browser may already be gone
            pass
        if getattr(ctx, "router", None) is not None:
            ctx.router.close()  # its threads end with its context (a shared browser outlives many)


async def _save_trace(ctx, run_folder: Run, platform: str) -> None:
    """The Playwright trace holds cookies and page contents: written 0600, and the person was warned."""
    import os

    path = run_folder.path / f"trace-{platform}.zip"
    try:
        await ctx.tracing.stop(path=str(path))
        os.chmod(path, 0o600)
    except Exception as exc:  # noqa: BLE001 - a lost trace must not end the run
        logger.warning(f"the trace of {platform} could not be saved: {exc}")


def _locale(lang: str | None) -> str | None:
    return {"en": "en-GB", "de": "de-DE", "fr": "fr-FR", "es": "es-ES", "it": "it-IT", "nl": "nl-NL",
            "pl": "pl-PL", "pt": "pt-PT", "bg": "bg-BG", "cs": "cs-CZ", "da": "da-DK", "el": "el-GR",
            "et": "et-EE", "fi": "fi-FI", "ga": "ga-IE", "hr": "hr-HR", "hu": "hu-HU", "lt": "lt-LT",
            "lv": "lv-LV", "mt": "mt-MT", "ro": "ro-RO", "sk": "sk-SK", "sl": "sl-SI", "sv": "sv-SE",
            "nb": "nb-NO", "is": "is-IS"}.get(lang or "", None)


def _abort(run_folder: Run | None, reason: str, report: dict) -> None:
    if run_folder is not None:
        run_folder.abort(mask_email(reason), report)
