"""The browser: which Chromium to use (Playwright's own, else the system's), launching it, contexts, navigation.

One browser per run; one context per platform, loaded from the person's private saved state (0600 files in
0700 folders) so they log in once. With `--via`, every context is routed (see routing.py) and the browser's
host resolver refuses everything but loopback, so nothing leaves the machine.
"""

from __future__ import annotations

import functools
import glob
import json
import os
import platform
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant import paths

if TYPE_CHECKING:  # Playwright's types only for the checker: importing it costs start-up time
    from playwright.async_api import Browser as PlaywrightBrowser
    from playwright.async_api import Page, Playwright, Response

SYSTEM_CANDIDATES = (
    "/usr/lib/chromium/chromium",  # Debian's real binary; /usr/bin/chromium is a slower shell wrapper
    "/usr/lib/chromium-browser/chromium-browser",
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/snap/bin/chromium",
    "/usr/bin/google-chrome",
    "/usr/bin/google-chrome-stable",
    "/opt/google/chrome/chrome",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
)
WHICH_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
# Chromium's headless shell (Debian's `chromium-headless-shell`): what Playwright itself runs for headless pages. It
# lacks the browser's own interface, so a context costs a fifth of the CPU; a visible browser is the full one.
DEBIAN_CHROMIUM = ("/usr/lib/chromium/chromium", "/usr/bin/chromium")
HEADLESS_SHELL_CANDIDATES = ("/usr/lib/chromium/chromium-headless-shell", "/usr/bin/chromium-headless-shell")


class BrowserMissing(RuntimeError):
    """No usable browser: the message names the command to run."""


@dataclass(frozen=True)
class BrowserChoice:
    executable: str | None  # None: Playwright's own download
    source: str  # explicit | playwright | system | chrome | msedge | cdp
    reason: str
    channel: str | None = None  # Playwright's channel for an installed Google Chrome / Microsoft Edge
    headless_shell: str | None = None  # the system's headless shell, for headless runs of the system's Chromium

    def executable_for(self, headless: bool) -> str | None:
        """The binary a run starts: the headless shell for a headless run where there is one, else `executable`."""
        return self.headless_shell if headless and self.headless_shell else self.executable


def _executable(path: str | None) -> bool:
    return path is not None and bool(path) and os.path.isfile(path) and os.access(path, os.X_OK)


def playwright_browser_dir() -> Path:
    if env := os.environ.get("PLAYWRIGHT_BROWSERS_PATH"):
        if env != "0":
            return Path(env)
        import playwright  # noqa: PLC0415

        return Path(playwright.__file__).parent / "driver" / "package" / ".local-browsers"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "ms-playwright"
    if sys.platform.startswith("win"):
        return Path(os.environ.get("LOCALAPPDATA", Path.home())) / "ms-playwright"
    return Path.home() / ".cache" / "ms-playwright"


def _playwright_revision() -> str | None:
    """The Chromium revision this Playwright expects, read from its package (no driver start needed)."""
    try:
        import importlib.util

        spec = importlib.util.find_spec("playwright")
        if not spec or not spec.origin:
            return None
        data = json.loads((Path(spec.origin).parent / "driver" / "package" / "browsers.json").read_text())
        return next(b["revision"] for b in data["browsers"] if b["name"] == "chromium")
    except (OSError, StopIteration, KeyError, ValueError):
        return None


def playwright_browser_present() -> bool:
    rev = _playwright_revision()
    if not rev:
        return False
    root = playwright_browser_dir()
    full = glob.glob(str(root / f"chromium-{rev}" / "*" / "chrome")) + glob.glob(
        str(root / f"chromium-{rev}" / "*" / "Chromium.app"))
    shell = glob.glob(str(root / f"chromium_headless_shell-{rev}" / "*" / "chrome-headless-shell"))
    return bool(full) and bool(shell)


def system_browser() -> str | None:
    for candidate in SYSTEM_CANDIDATES:
        if _executable(candidate):
            return candidate
    for name in WHICH_NAMES:
        if found := shutil.which(name):
            return found
    return None


def system_headless_shell() -> str | None:
    return next((c for c in HEADLESS_SHELL_CANDIDATES if _executable(c)), None)


def _system_choice(found: str, reason: str) -> BrowserChoice:
    """The system's Chromium; with Debian's headless shell beside it (built from the same source) for headless runs."""
    shell = system_headless_shell() if found in DEBIAN_CHROMIUM else None
    return BrowserChoice(found, "system", reason, headless_shell=shell)


def find_browser(explicit: str | None = None) -> BrowserChoice:
    """Which browser a run will use, and why. Raises BrowserMissing with the command to run."""
    from assistant.settings import env

    explicit = explicit or env("OPTOUT_BROWSER")
    if explicit:
        if not _executable(explicit):
            raise BrowserMissing(f"The browser named by --browser-path/OPTOUT_BROWSER is not an executable file: "
                                 f"{explicit}")
        return BrowserChoice(explicit, "explicit", "named by --browser-path or OPTOUT_BROWSER")
    if playwright_browser_present():
        return BrowserChoice(None, "playwright", "Playwright's own Chromium is installed")
    if found := system_browser():
        return _system_choice(found, "Playwright's own Chromium is not installed; using the system's")
    raise BrowserMissing(f"No Chromium browser found. Run: {install_hint()}")


def install_hint() -> str:
    if sys.platform == "darwin":
        return "optout install-browser (or: brew install --cask chromium)"
    if shutil.which("apt-get"):
        return "optout install-browser (or: sudo apt-get install --no-install-recommends chromium)"
    return "optout install-browser (or install Chromium with your system's package manager)"


# Google Chrome and Microsoft Edge where their installers put them (Playwright's channels look there too).
CHANNEL_PLACES = {
    "chrome": {
        "linux": ("/opt/google/chrome/chrome", "/usr/bin/google-chrome", "/usr/bin/google-chrome-stable"),
        "darwin": ("/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",),
        "win32": (r"%PROGRAMFILES%\Google\Chrome\Application\chrome.exe",
                  r"%PROGRAMFILES(X86)%\Google\Chrome\Application\chrome.exe",
                  r"%LOCALAPPDATA%\Google\Chrome\Application\chrome.exe"),
    },
    "msedge": {
        "linux": ("/opt/microsoft/msedge/msedge", "/usr/bin/microsoft-edge", "/usr/bin/microsoft-edge-stable"),
        "darwin": ("/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge",),
        "win32": (r"%PROGRAMFILES(X86)%\Microsoft\Edge\Application\msedge.exe",
                  r"%PROGRAMFILES%\Microsoft\Edge\Application\msedge.exe",
                  r"%LOCALAPPDATA%\Microsoft\Edge\Application\msedge.exe"),
    },
}
CHANNEL_NAMES = {"chrome": "Google Chrome", "msedge": "Microsoft Edge"}
BROWSER_KINDS = ("chromium", "chrome", "msedge")


def channel_executable(channel: str) -> str | None:
    """Where an installed Google Chrome (`chrome`) or Microsoft Edge (`msedge`) is, or None."""
    system = "win32" if sys.platform.startswith("win") else ("darwin" if sys.platform == "darwin" else "linux")
    for place in CHANNEL_PLACES[channel][system]:
        path = os.path.expandvars(place)
        if "%" not in path and _executable(path):
            return path
    return None


def channel_hint(channel: str) -> str:
    """One sentence for `--browser chrome|msedge` when that browser is not installed."""
    name = CHANNEL_NAMES[channel]
    where = {"chrome": "https://www.google.com/chrome/", "msedge": "https://www.microsoft.com/edge"}[channel]
    return (f"--browser {channel}: {name} is not installed here; install it from {where} (or: "
            f"python -m playwright install {channel}), or use --browser chromium.")


def choose_browser(kind: str | None = None, path: str | None = None) -> BrowserChoice:
    """`--browser chromium|chrome|msedge` (or a path, `--browser-path`, OPTOUT_BROWSER); nothing named: as
    `find_browser`. Raises BrowserMissing with one sentence."""
    if kind in CHANNEL_NAMES:
        found = channel_executable(kind)
        if not found:
            raise BrowserMissing(channel_hint(kind))
        return BrowserChoice(found, kind, f"--browser {kind}: {CHANNEL_NAMES[kind]} is installed at {found}",
                             channel=kind)
    if kind == "chromium":
        if playwright_browser_present():
            return BrowserChoice(None, "playwright", "--browser chromium: Playwright's own Chromium is installed")
        if found := system_browser():
            return _system_choice(found, "--browser chromium: Playwright's own Chromium is not installed; using the "
                                         "system's")
        raise BrowserMissing(f"No Chromium browser found. Run: {install_hint()}")
    return find_browser(path)


def _attempts_file() -> Path:
    return paths.config_dir() / "browser-install.json"


def _attempts() -> dict:
    try:
        return json.loads(_attempts_file().read_text())
    except (OSError, ValueError):
        return {}


def _remember(key: str, value: str) -> None:
    try:
        paths.private_dir(_attempts_file().parent)
        _attempts_file().write_text(json.dumps(dict(_attempts(), **{key: value})))
    except OSError:
        pass


def _apt_install(*packages: str) -> bool:
    """Debian's packages with apt (no recommends; all or none), as root or with password-less sudo; False where that
    cannot be."""
    if platform.system() != "Linux" or not shutil.which("apt-get"):
        return False
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    if sudo and not shutil.which("sudo"):
        return False
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    null = subprocess.DEVNULL
    return subprocess.run(sudo + ["apt-get", "update", "-qq"], env=env, stdout=null, stderr=null).returncode == 0 and \
        subprocess.run(sudo + ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages], env=env,
                       stdout=null, stderr=null).returncode == 0


def _add_headless_shell(found: str, echo) -> None:
    """Beside Debian's Chromium, Debian's headless shell (as Playwright installs its own beside its Chromium):
    headless runs use it. Tried once; without it a headless run uses the full browser, only slower."""
    if found not in DEBIAN_CHROMIUM or system_headless_shell() or _attempts().get("headless_shell") == "failed":
        return
    echo("Installing Debian's chromium-headless-shell for headless runs (apt, no recommends) ...")
    if _apt_install("chromium-headless-shell") and (shell := system_headless_shell()):
        echo(f"Headless runs use {shell}.")
        return
    _remember("headless_shell", "failed")
    echo("Could not install chromium-headless-shell; headless runs use the full browser (slower). To add it: "
         "sudo apt-get install --no-install-recommends chromium-headless-shell")


def install_browser(echo=print, quiet_if_present: bool = False, timeout_s: int = 300) -> bool:
    """Set-up's browser step: Playwright's download first (bounded), else a system Chromium (Debian's via apt,
    with its headless shell).

    A failed download is remembered, so re-running set-up does not try (and wait for) it again.
    """
    if playwright_browser_present():
        echo("browser: Playwright's own Chromium is installed.")
        return True
    tried = _attempts().get("playwright_download") == "failed"
    if quiet_if_present and tried and (found := system_browser()):
        _add_headless_shell(found, echo)
        shell = system_headless_shell() if found in DEBIAN_CHROMIUM else None
        echo(f"browser: {found}{f' (headless: {shell})' if shell else ''} (Playwright's download was tried before "
             "and failed; using the system's)")
        return True
    echo("Trying Playwright's own Chromium download ...")
    env = dict(os.environ, PLAYWRIGHT_DOWNLOAD_CONNECTION_TIMEOUT="15000")
    try:
        done = subprocess.run([sys.executable, "-m", "playwright", "install", "chromium"], env=env,
                              capture_output=True, text=True, timeout=timeout_s)
        if done.returncode == 0 and playwright_browser_present():
            echo("Installed Playwright's Chromium.")
            return True
        why = next((ln.strip() for ln in done.stderr.splitlines() if "Error" in ln), "download failed")
        echo(f"Playwright's download failed ({why[:120]}); looking for a system Chromium.")
    except subprocess.TimeoutExpired:
        echo(f"Playwright's download did not finish in {timeout_s} s; looking for a system Chromium.")
    _remember("playwright_download", "failed")
    if found := system_browser():
        echo(f"Using the system Chromium at {found}.")
        _add_headless_shell(found, echo)
        return True
    if platform.system() == "Linux" and shutil.which("apt-get"):
        echo("Installing Debian's chromium and its headless shell with apt (no recommends) ...")
    # One apt transaction for both (one index update); where the shell is not to be had, the browser alone.
    installed = _apt_install("chromium", "chromium-headless-shell") or _apt_install("chromium")
    if installed and (found := system_browser()):
        shell = system_headless_shell() if found in DEBIAN_CHROMIUM else None
        echo(f"Installed Chromium at {found}{f'; headless runs use {shell}' if shell else ''}.")
        _add_headless_shell(found, echo)
        return True
    echo(f"No browser could be installed. Run: {install_hint()}")
    return False


def display_available() -> bool:
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def meta_host_suffixes() -> tuple[str, ...]:
    """The hosts --via routes: Meta's (meta.toml) and every platform's own (its flow file's `hosts`)."""
    import tomllib

    from assistant import flows

    try:
        return flows.all_host_suffixes()
    except flows.FlowError:  # reported where the flows are validated; route Meta's hosts meanwhile
        data = tomllib.loads((paths.flows_dir() / "meta.toml").read_text(encoding="utf-8"))
        return tuple(data["hosts"]["suffixes"])


class Browser:
    """One running browser for a run: contexts per platform, routed when `via` is set."""

    def __init__(self, choice: BrowserChoice, headless: bool, via: str | None = None,
                 nav_timeout_ms: float = 20000) -> None:
        self.choice, self.headless, self.via, self.nav_timeout_ms = choice, headless, via, nav_timeout_ms
        self._pw: Playwright | None = None
        self._browser: PlaywrightBrowser | None = None
        self.routers: list = []

    async def __aenter__(self) -> Browser:
        from playwright.async_api import async_playwright

        self._pw = pw = await async_playwright().start()
        args = ["--disable-gpu"] if not self.headless else []  # headed on Xvfb: no flaky full-page captures
        extra: dict[str, Any] = {}
        if self.via and _is_loopback(self.via):
            args.append("--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost")
            # Every page request is answered by the router, so the browser itself needs no network at all: a
            # dead-end loopback proxy stops what neither routing nor the resolver rule sees (a preconnect to an
            # IP address), and WebRTC may not use UDP around it.
            args.append("--force-webrtc-ip-handling-policy=disable_non_proxied_udp")
            extra["proxy"] = {"server": "http://127.0.0.1:9"}
        try:
            if self.choice.channel:  # an installed Google Chrome / Microsoft Edge, found by Playwright itself
                extra["channel"] = self.choice.channel
            else:
                extra["executable_path"] = self.choice.executable_for(self.headless)
            self._browser = await pw.chromium.launch(headless=self.headless, args=args, **extra)
        except Exception:
            await pw.stop()
            raise
        return self

    @property
    def version(self) -> str:
        return self._browser.version if self._browser else "?"

    @property
    def connected(self) -> bool:
        return bool(self._browser and self._browser.is_connected())

    async def new_context(self, state_file: Path | None = None, locale: str | None = None, via: str | None = None,
                          nav_timeout_ms: float | None = None):
        """A context for one platform; `via`/`nav_timeout_ms` override the browser's (a shared browser serves
        runs of several scenarios)."""
        from assistant.routing import Router

        via = via or self.via
        assert self._browser is not None, "new_context before the browser started"
        ctx = await self._browser.new_context(
            storage_state=str(state_file) if state_file and state_file.exists() else None,
            viewport={"width": 1280, "height": 900}, locale=locale or "en-US")
        ctx.set_default_navigation_timeout(nav_timeout_ms or self.nav_timeout_ms)
        ctx.set_default_timeout(nav_timeout_ms or self.nav_timeout_ms)
        if via:
            router = Router(via, meta_host_suffixes())
            self.routers.append(router)
            await ctx.route("**/*", router.handle)
            await ctx.route_web_socket("**", functools.partial(_refuse_web_socket, router))
            ctx.router = router  # type: ignore[attr-defined]  # the context carries its router (see settle)
        else:
            ctx.router = None  # type: ignore[attr-defined]
        return ctx

    async def __aexit__(self, *exc) -> None:
        for router in self.routers:
            router.close()
        try:
            if self._browser:
                await self._browser.close()
        except Exception:  # noqa: BLE001 - a crashed browser is already closed
            pass
        if self._pw:
            await self._pw.stop()


async def _refuse_web_socket(router, ws) -> None:
    """WebSockets bypass request routing: under --via none is connected anywhere; each is recorded and closed."""
    from assistant.routing import Exchange

    router.exchanges.append(Exchange("WEBSOCKET", ws.url, None, None, "blocked: WebSocket"))
    try:
        await ws.close()
    except Exception:  # noqa: BLE001 - the page may be gone already
        pass


async def save_state(context, state_file: Path) -> None:
    """The person's session (cookies, storage) for next time: private to them. Never for the tabs of a browser
    the assistant connected to (--cdp): that session is the browser's own, not ours to copy."""
    if getattr(context, "shared", False):
        return
    # <profile folder>/<platform>/state.json: mkdir(parents=True) gives the profile folder itself the default
    # 0755, so both levels are made (or tightened to) 0700.
    paths.private_dir(state_file.parent.parent)
    paths.private_dir(state_file.parent)
    tmp = state_file.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(await context.storage_state(), fh)
    os.chmod(tmp, 0o600)
    os.replace(tmp, state_file)


async def settle(page: Page, timeout_ms: float) -> None:
    """Wait until the page has loaded and is not a routing stub that is about to navigate anew."""
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    router = getattr(page, "router", None) or getattr(page.context, "router", None)  # --cdp: routed per page
    try:
        for _ in range(10):
            await page.wait_for_load_state("load", timeout=timeout_ms)
            current = page.url
            if router is None or router.redirect_target(current) is None:
                return
            await page.wait_for_url(lambda u, c=current: u != c,  # type: ignore[misc]
                                    wait_until="load", timeout=timeout_ms)
    except PlaywrightTimeout:
        await stop_loading(page)
        raise


async def goto(page: Page, url: str, timeout_ms: float) -> Response | None:
    """Navigate to a real Meta URL and follow any redirect to where it lands."""
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    try:
        response = await page.goto(url, wait_until="load", timeout=timeout_ms)
    except PlaywrightTimeout:
        await stop_loading(page)
        raise
    await settle(page, timeout_ms)
    return response


async def stop_loading(page: Page) -> None:
    """After a navigation timed out, stop it (as the browser's Stop button does). Otherwise the page stays
    mid-navigation: every later look at it (snapshot, screenshot) waits for the slow answer after all, and that
    answer replaces whatever page the flow has moved on to."""
    try:
        cdp = await page.context.new_cdp_session(page)
        try:
            await cdp.send("Page.stopLoading")
        finally:
            await cdp.detach()
    except Exception:  # noqa: BLE001 - the page or browser may be gone; the timeout is reported either way
        pass


def _is_loopback(url: str) -> bool:
    """The address itself is this machine (127.0.0.0/8, ::1, `localhost`); never a name like 127.0.0.1.nip.io."""
    from assistant.settings import loopback_url

    return loopback_url(url)
