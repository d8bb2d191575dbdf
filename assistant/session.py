"""One run of the assistant: the run folder, one browser, the platforms side by side, the report.

Platforms run concurrently in separate contexts of one browser. Whatever happens (a crash, Ctrl-C, a full
disk), the run folder is left consistent: finished, or marked incomplete with the evidence so far.
"""

from __future__ import annotations

import asyncio
import contextlib
import platform as _platform
import sys
from dataclasses import dataclass
from pathlib import Path

from loguru import logger

from assistant import browser, flows
from assistant.engine import Engine, Result, describe_error, detect_errors, region_verdict
from assistant.evidence import EvidenceWriteError, Run, mask_email
from assistant.settings import Settings
from assistant.ui import Person

SCREENSHOT_RETRIES = 2
MAX_SHOT_HEIGHT = 6000  # CSS px: a whole Privacy Policy is ~40,000 px and 13 MB; keep the part that matters

PAGE_EXTENT_JS = """() => {
  const marked = document.querySelector('[data-optout-outline]');
  const top = marked ? marked.getBoundingClientRect().top + window.scrollY : 0;
  return {height: document.documentElement.scrollHeight, width: document.documentElement.clientWidth, focus: top};
}"""


class EvidenceRecorder:
    """Takes the screenshot of a page (found elements already outlined) and files it in the run folder."""

    def __init__(self, run: Run | None, full_page: bool = True) -> None:
        self.run, self.full_page = run, full_page
        self.seconds = 0.0  # time spent on evidence, for the benchmarks

    async def capture(self, page, platform: str, name: str, texts: dict | None = None,
                      highlights: list[str] | None = None, status: str | None = None) -> str | None:
        if self.run is None:
            return None
        loop = asyncio.get_running_loop()
        started = loop.time()
        png = redact = None
        for attempt in range(SCREENSHOT_RETRIES):
            try:
                clip = await self._clip(page)
                if clip:
                    highlights = list(highlights or []) + [f"page cut to {clip['height']:.0f} px around the "
                                                           f"found element (from y={clip['y']:.0f})"]
                redact = await _email_boxes(page, self.full_page, clip)
                png = await page.screenshot(full_page=self.full_page, clip=clip, timeout=15000,
                                            animations="disabled")
                break
            except detect_errors() as exc:  # headed on Xvfb a full-page capture can fail once; then give up
                if attempt == SCREENSHOT_RETRIES - 1 or not page.context.browser or page.is_closed():
                    logger.warning(f"screenshot of {name} failed: {str(exc).splitlines()[0]}")
        step = self.run.add_step(platform, name, page.url, png, texts=texts, highlights=highlights, status=status)
        if png is not None and redact is not None:
            # Where an email address shows on the screenshot, for `optout report-breakage` to black out. Kept in
            # the step (run.json is rewritten with the next step and at the end); a screenshot without it is
            # left out of a breakage bundle.
            step["redact"] = redact
        await _quietly_unmark(page)
        self.seconds += loop.time() - started
        return step.get("screenshot")


    async def _clip(self, page) -> dict | None:
        """None for a whole page; for a very long one, a window around the outlined element (or the top)."""
        if not self.full_page:
            return None
        extent = await page.evaluate(PAGE_EXTENT_JS)
        if extent["height"] <= MAX_SHOT_HEIGHT:
            return None
        y = max(0, min(extent["focus"] - MAX_SHOT_HEIGHT / 3, extent["height"] - MAX_SHOT_HEIGHT))
        return {"x": 0, "y": y, "width": extent["width"], "height": MAX_SHOT_HEIGHT}


EMAIL_BOXES_JS = r"""
(fullPage) => {
  const email = /[\p{L}\p{N}_.!#$&'*+\/=?^`{|}~-]+(@|%40)(?:[\p{L}\p{N}_-]+\.)+[\p{L}\p{N}_-]{2,}/u;
  const boxes = [];
  const add = (r) => { if (r.width > 0 && r.height > 0) boxes.push([r.left + (fullPage ? scrollX : 0),
    r.top + (fullPage ? scrollY : 0), r.width, r.height]); };
  for (const el of document.querySelectorAll('input, textarea, select')) {
    if (email.test(el.value || '') || email.test(el.getAttribute('placeholder') || '')) add(el.getBoundingClientRect());
  }
  const walk = (root) => {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node; (node = walker.nextNode());) {
      const text = node.nodeValue || '';
      const all = new RegExp(email.source, 'gu');
      for (let m; (m = all.exec(text));) {
        const range = document.createRange();
        range.setStart(node, m.index); range.setEnd(node, m.index + m[0].length);
        for (const r of range.getClientRects()) add(r);
      }
    }
    for (const el of root.querySelectorAll('*')) if (el.shadowRoot) walk(el.shadowRoot);
  };
  if (document.body) walk(document.body);
  return {boxes: boxes.slice(0, 500), scale: window.devicePixelRatio || 1};
}
"""


async def _email_boxes(page, full_page: bool, clip: dict | None) -> dict | None:
    """Boxes (CSS px, relative to the screenshot's top left) of every email address shown on the page."""
    try:
        found = await page.evaluate(EMAIL_BOXES_JS, full_page)
    except Exception:  # noqa: BLE001 - unknown: the screenshot is then never shared in a bundle
        return None
    x0, y0 = (clip["x"], clip["y"]) if clip else (0, 0)
    return {"boxes": [[round(x - x0, 1), round(y - y0, 1), round(w, 1), round(h, 1)] for x, y, w, h in found["boxes"]],
            "scale": found["scale"]}


async def _quietly_unmark(page) -> None:
    try:
        await page.evaluate("() => document.querySelectorAll('[data-optout-outline]')"
                            ".forEach(e => e.removeAttribute('data-optout-outline'))")
    except Exception:  # noqa: BLE001 - the page may be gone; nothing to clean
        pass


@dataclass
class Outcome:
    report: dict
    results: list[Result]
    run: Run | None

    @property
    def exit_code(self) -> int:
        ok = {"available", "not_offered", "submitted", "awaiting_confirmation"}
        if self.run is not None and self.run.command == "check":
            ok = {"available", "not_offered"}
        return 0 if all(r.status in ok for r in self.results) and self.results else 1


def state_file(settings: Settings, platform: str) -> Path:
    return settings.profile_dir / platform / "state.json"


def run_meta(settings: Settings) -> dict:
    return {
        "settings": {
            "platforms": list(settings.platforms), "via": settings.via, "headless": settings.headless,
            "country": settings.country, "lang": settings.lang, "email": settings.email,
            "reason_source": settings.reason_source, "yes": settings.yes,
            "profile_dir": str(settings.profile_dir),
        },
        "python": sys.version.split()[0],
        "system": f"{_platform.system()} {_platform.release()}",
        "flows": _flow_versions(),
    }


def _flow_versions() -> dict:
    from assistant.breakage import flow_versions

    try:
        return flow_versions()
    except OSError:
        return {}


async def run(settings: Settings, command: str, person: Person, objecting: bool = False,
              record: bool = True, code_provider=None, chromium: browser.Browser | None = None,
              on_context=None) -> Outcome:
    """Run check (or object) for the settings' platforms; never raises for a fault in the flow.

    `chromium`: an already started Browser to run in (fresh contexts; the caller closes it), for the selftest
    and test harnesses that run many scenarios in one browser."""
    flows.validate_all()
    labels, meta, regions = flows.load_labels(), flows.load_meta(), flows.load_regions()
    run_folder = Run.start(settings.evidence_dir, command, run_meta(settings)) if record else None
    results: dict[str, Result] = {}
    recorder = EvidenceRecorder(run_folder)

    def report() -> dict:
        ordered = [results[p] for p in settings.platforms if p in results]
        return {"evidence_dir": str(run_folder.path) if run_folder else None,
                "results": [r.as_json() for r in ordered]}

    try:
        if chromium is None and settings.cdp:  # the person's running browser: tabs of our own, left running at the end
            from assistant.cdp import ConnectedBrowser

            person.say(f"Connecting to your browser at {settings.cdp} (the assistant opens tabs of its own and leaves "
                       "yours alone).")
            opened = ConnectedBrowser(settings.cdp, settings.via, nav_timeout_ms=settings.timeouts.nav_s * 1000)
            choice = opened.choice
        elif chromium is None:
            choice = browser.choose_browser(settings.browser_kind, settings.browser_path)
            person.say(f"Starting {'a headless' if settings.headless else 'a visible'} browser "
                       f"({choice.executable or 'Playwright Chromium'}).")
            opened = browser.Browser(choice, settings.headless, settings.via,
                                     nav_timeout_ms=settings.timeouts.nav_s * 1000)
        else:
            choice, opened = chromium.choice, contextlib.nullcontext(chromium)
        async with opened as chromium:
            if run_folder:
                run_folder.meta["browser"] = {"executable": choice.executable, "source": choice.source,
                                              "version": chromium.version}

            write_failures: list[EvidenceWriteError] = []

            async def one(platform: str) -> None:
                flow = flows.load_flow(platform)
                engine = Engine(labels, meta, recorder, person, settings.timeouts, settings.lang)
                try:
                    results[platform] = await _platform_run(chromium, engine, flow, settings, person, objecting,
                                                            code_provider, on_context)
                except detect_errors() as exc:
                    status, detail = describe_error(exc, settings.timeouts.nav_s)
                    results[platform] = Result(platform, status, detail,
                                               evidence=engine.evidence.get(platform, []))
                except EvidenceWriteError as exc:  # each platform ends with its own clear status; then abort
                    write_failures.append(exc)
                    results[platform] = Result(platform, "error", f"Evidence could not be written: {exc}")
                result = results[platform]
                result.evidence = list(engine.evidence.get(platform, []))
                result.region = region_verdict(settings.country, result.status, regions)
                person.say(f"{flow.name}: {result.status.replace('_', ' ')}. {result.detail}")

            await asyncio.gather(*(one(p) for p in settings.platforms))
            if write_failures:
                raise write_failures[0]
    except EvidenceWriteError as exc:
        for p in settings.platforms:
            results.setdefault(p, Result(p, "error", f"Evidence could not be written: {exc}"))
        _abort(run_folder, str(exc), report())
        return Outcome(report(), list(results.values()), run_folder)
    except browser.BrowserMissing as exc:
        for p in settings.platforms:
            results.setdefault(p, Result(p, "error", str(exc)))
        _abort(run_folder, str(exc), report())
        return Outcome(report(), list(results.values()), run_folder)
    except (KeyboardInterrupt, asyncio.CancelledError):
        for p in settings.platforms:
            results.setdefault(p, Result(p, "error", "Interrupted (Ctrl-C) before this platform finished."))
        _abort(run_folder, "interrupted by the person (Ctrl-C)", report())
        raise
    except detect_errors() as exc:  # the browser failed to start or died outside a platform's flow
        status, detail = describe_error(exc, settings.timeouts.nav_s)
        for p in settings.platforms:
            results.setdefault(p, Result(p, status, detail))
        _abort(run_folder, detail, report())
        return Outcome(report(), [results[p] for p in settings.platforms], run_folder)
    final = report()
    if run_folder:
        incomplete = [r for r in results.values() if r.status == "error"]
        run_folder.finish(final, status="complete")
        if incomplete:
            logger.info("run finished with errors")
    return Outcome(final, [results[p] for p in settings.platforms], run_folder)


async def _platform_run(chromium, engine: Engine, flow, settings: Settings, person: Person,
                        objecting: bool, code_provider=None, on_context=None) -> Result:
    ctx = await chromium.new_context(state_file(settings, flow.platform), _locale(settings.lang), via=settings.via,
                                     nav_timeout_ms=settings.timeouts.nav_s * 1000)
    if on_context:  # a seam for tests that play the person in the same browser
        on_context(flow.platform, ctx)
    if settings.trace and engine.recorder.run is not None:
        await ctx.tracing.start(screenshots=True, snapshots=True)
    try:
        page = await ctx.new_page()
        person.say(f"{flow.name}: opening {flow.start}")
        result, found = await engine.check(page, flow)
        if objecting and result.status == "available":
            from assistant.forms import object_on_page

            result = await object_on_page(page, engine, flow, settings, person, result, code_provider)
        elif objecting and result.status == "not_offered":
            from assistant.guide import not_offered_guide

            result = await not_offered_guide(page, engine, flow, settings, person, result)
        if result.status not in ("error",) and chromium.connected:
            await browser.save_state(ctx, state_file(settings, flow.platform))
        return result
    finally:
        if settings.trace and engine.recorder.run is not None:
            await _save_trace(ctx, engine.recorder.run, flow.platform)
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
