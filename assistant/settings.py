"""Settings: `.env` and flags into one validated object. Every bad input is one sentence, before any browser."""

from __future__ import annotations

import difflib
import os
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from assistant import paths

PLATFORM_CHOICES = ("facebook", "instagram", "all")
LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pl", "pt",
             "bg", "cs", "da", "el", "et", "fi", "ga", "hr", "hu", "lt", "lv", "mt", "ro", "sk", "sl", "sv", "nb", "is")

# Every setting the assistant reads from the environment or .env (documented in .env.example).
KNOWN_KEYS = {
    "OPTOUT_EMAIL": "the email Meta should answer (the form's prefilled one is kept unless this differs)",
    "OPTOUT_COUNTRY": "your country of residence, ISO code (DE, IT, GB, BR, US ...)",
    "OPTOUT_REASON": "your reason, in your own words",
    "OPTOUT_REASON_FILE": "a file holding your reason",
    "OPTOUT_REASON_TEMPLATE": "a reason template to start from (see `optout object --help`)",
    "OPTOUT_LANG": "the language of Meta's pages (an EU/EEA language code, nb or is; pt covers pt-BR)",
    "OPTOUT_VIA": "serve Meta's pages from a local replica (http://127.0.0.1:PORT/...; this machine only)",
    "OPTOUT_BROWSER": "the Chromium executable to use",
    "OPTOUT_CDP": "use your running browser over its remote-debugging port (http://127.0.0.1:PORT; loopback only)",
    "OPTOUT_DATA_DIR": "where profiles, runs and history live",
    "OPTOUT_CONFIG_DIR": "where the assistant's own configuration lives",
    "OPTOUT_EVIDENCE_DIR": "where run folders are written",
    "OPTOUT_PROFILE_DIR": "where the saved sessions (one per platform) are kept",
    "OPTOUT_FLOWS_DIR": "another folder of flow files",
    "OPTOUT_HEADLESS": "1 to run without a visible browser",
    "OPTOUT_NAV_TIMEOUT": "seconds a page may take to load",
    "OPTOUT_RECOGNISE_TIMEOUT": "seconds to wait for a page to show what the flow expects",
    "OPTOUT_LATE_CONTENT": "seconds to wait for the AI box or form to appear late",
    "OPTOUT_LOGIN_TIMEOUT": "seconds to wait for you to log in",
    "OPTOUT_CONFIRM_TIMEOUT": "seconds to wait for your confirmation",
    "OPTOUT_REAL_PAGES": "folder of real captures the built-in replica can serve",
    "OPTOUT_ENV_FILE": "another .env file to read",
}


class UsageError(ValueError):
    """Bad input: one clear sentence; the CLI exits with code 2."""


@dataclass(frozen=True)
class Timeouts:
    nav_s: float = 20.0
    recognise_s: float = 8.0
    late_s: float = 4.0
    login_s: float = 300.0
    confirm_s: float = 600.0


@dataclass(frozen=True)
class Settings:
    platforms: tuple[str, ...] = ("facebook", "instagram")
    via: str | None = None
    headless: bool = False
    json: bool = False
    evidence_dir: Path = field(default_factory=paths.runs_dir)
    profile_dir: Path = field(default_factory=paths.profiles_dir)
    country: str | None = None
    lang: str | None = None
    email: str | None = None
    reason: str | None = None
    reason_source: str | None = None  # "flag", "file", "template NAME", "env"
    yes: bool = False
    replace_email: bool = False
    browser_path: str | None = None
    browser_kind: str | None = None  # --browser chromium|chrome|msedge
    cdp: str | None = None  # --cdp: the person's running browser (loopback only), instead of launching one
    trace: bool = False
    timeouts: Timeouts = field(default_factory=Timeouts)
    profile_given: bool = False  # --profile on the command line: the person's choice, kept even under --via
    via_remote: bool = False  # --via-remote on the command line (never from .env or the environment)
    each: bool = False  # --each: send each platform's form even when one objection covers linked accounts
    again: bool = False  # --again: send even though this account already has a confirmed objection

    def with_(self, **kw) -> Settings:
        return replace(self, **kw)


# What `.env` held (only its OPTOUT_* keys), for `env()`. Never copied into os.environ: the browser, its driver
# and every other child process get the environment the person started us with, nothing a .env file adds.
_FILE_VALUES: dict[str, str] = {}
# Which .env file was read (absolute path; None: none), and the keys in it that were ignored.
ENV_FILE: dict = {"path": None, "ignored": []}
# Flags that only the command line can give (a .env file or the environment cannot set them).
COMMAND_LINE_ONLY = {"OPTOUT_VIA_REMOTE": "--via-remote"}


def load_env_file() -> dict[str, str]:
    """Read .env (or OPTOUT_ENV_FILE): its OPTOUT_* keys into the settings only, never into the environment.

    Other keys (NODE_OPTIONS, LD_PRELOAD, DEBUG ...) are ignored and named once on stderr. The environment the
    program was started with wins over the file."""
    from dotenv import dotenv_values

    named = os.environ.get("OPTOUT_ENV_FILE")
    path = Path(named or (Path.cwd() / ".env")).expanduser()
    _FILE_VALUES.clear()
    ENV_FILE.update(path=None, ignored=[])
    if not path.is_file():
        if named:
            raise UsageError(f"OPTOUT_ENV_FILE names {path}, which is not a readable file.")
        return {}
    try:
        raw = dotenv_values(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"The settings file {path.resolve()} cannot be read ({exc}).") from None
    values = {k: v for k, v in raw.items() if v is not None and k.startswith("OPTOUT_")}
    ignored = sorted(k for k in raw if not k.startswith("OPTOUT_"))
    check_keys(values, f"{path}")
    ENV_FILE.update(path=str(path.resolve()), ignored=ignored)
    if ignored:
        print(f"Warning: {path.resolve()}: only OPTOUT_* settings are read; ignored (and never passed to the "
              f"browser): {', '.join(ignored)}.", file=sys.stderr)
    _FILE_VALUES.update(values)
    return dict(values)


def env_file_read() -> str:
    """The absolute path of the .env file read, or "none"."""
    return ENV_FILE["path"] or "none"


def check_keys(values: dict[str, str], where: str) -> None:
    """An unknown OPTOUT_ key is a typo. OPTOUT_CHANGE_* are what `watch --notify` hands its command."""
    for key in values:
        if key in COMMAND_LINE_ONLY:
            raise UsageError(f"{key} in {where} is not a setting: {COMMAND_LINE_ONLY[key]} can only be given on "
                             "the command line.")
        if key.startswith("OPTOUT_") and key not in KNOWN_KEYS and not key.startswith("OPTOUT_CHANGE_"):
            close = difflib.get_close_matches(key, list(KNOWN_KEYS), n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise UsageError(f"Unknown setting {key} in {where}{hint}")


def env(key: str) -> str | None:
    """A setting from the environment, else from the .env file read (empty counts as unset)."""
    value = os.environ.get(key)
    if value in (None, ""):
        value = _FILE_VALUES.get(key)
    return value if value not in (None, "") else None


def validate_email(value: str) -> str:
    from email_validator import EmailNotValidError
    from email_validator import validate_email as _validate

    try:
        return _validate(value.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise UsageError(f"The email address {value!r} is not valid: {exc}") from None


def validate_country(value: str) -> str:
    import pycountry

    code = value.strip().upper()
    if len(code) == 2 and pycountry.countries.get(alpha_2=code):
        return code
    if len(code) == 3 and (c := pycountry.countries.get(alpha_3=code)):
        return c.alpha_2
    named = pycountry.countries.get(name=value.strip()) or pycountry.countries.get(common_name=value.strip())
    if named:
        return named.alpha_2
    hint = ""
    if len(code) > 3:
        try:
            guess = pycountry.countries.search_fuzzy(value)[0]
            hint = f"; did you mean {guess.alpha_2} ({guess.name})?"
        except LookupError:
            pass
    raise UsageError(f"{value!r} is not an ISO 3166 country code (like DE, IT, GB, BR, US){hint}")


def validate_lang(value: str) -> str:
    lang = value.strip().lower()
    if lang not in LANGUAGES:
        close = difflib.get_close_matches(lang, LANGUAGES, n=1)
        near = {"no": "nb", "nn": "nb", "pt-br": "pt", "pt_br": "pt", "pt-pt": "pt"}.get(lang) or (close and close[0])
        hint = f"; did you mean {near}?" if near else ""
        raise UsageError(f"Unknown language {value!r}: choose one of {', '.join(LANGUAGES)} (pt covers pt-BR){hint}")
    return lang


def loopback_host(host: str | None) -> bool:
    """This machine, by its address itself: an IP literal in 127.0.0.0/8 or ::1, or the name `localhost`.

    No other name counts, whatever it resolves to here (`127.0.0.1.nip.io` may resolve to anywhere)."""
    import ipaddress

    host = (host or "").strip().lower().rstrip(".")
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_loopback


def loopback_url(url: str) -> bool:
    try:
        return loopback_host(urlsplit(url).hostname)
    except ValueError:
        return False


def validate_via(value: str, remote: bool = False) -> str:
    """An http(s) URL on this machine (a local replica); another host only with `remote` (--via-remote)."""
    try:
        u = urlsplit(value.strip())
        scheme, host, _port = u.scheme, u.hostname, u.port
    except ValueError:  # a malformed address or port
        scheme, host = "", None
    if scheme not in ("http", "https") or not host:
        raise UsageError(f"--via must be an http(s) URL such as http://127.0.0.1:8765/scenario/eu-de, got {value!r}")
    if not remote and not loopback_host(host):
        raise UsageError(f"--via {value.strip()!r} is not on this machine: --via serves local replicas only "
                         "(127.0.0.1, ::1 or localhost); give --via-remote on the command line to use another host.")
    return value.strip().rstrip("/")


def remote_via_warning(settings: Settings) -> str | None:
    """The warning --via-remote prints: Meta's pages then come from a server on another machine."""
    if not settings.via or loopback_url(settings.via):
        return None
    return (f"--via-remote: Meta's pages will come from {urlsplit(settings.via).hostname}, a server on another "
            "machine. It sees everything the browser sends there (the form, your email, your reason); the run "
            "uses a throw-away browser profile, never your saved sessions.")


def validate_reason(value: str, max_chars: int) -> str:
    reason = value.strip()
    if not reason:
        raise UsageError("The reason is empty: write a sentence about how this processing affects you.")
    if len(reason) > max_chars:
        raise UsageError(f"The reason has {len(reason)} characters; the form takes at most {max_chars}.")
    return reason


def writable_dir(value: str | Path, what: str) -> Path:
    path = Path(value).expanduser()
    if path.exists() and not path.is_dir():
        raise UsageError(f"The {what} {path} is not a folder.")
    probe = path
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        raise UsageError(f"The {what} {path} cannot be created: {probe} is a file, not a folder.")
    if probe == path and not os.access(path, os.R_OK | os.W_OK | os.X_OK):
        raise UsageError(f"The {what} {path} cannot be read and written (no permission).")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise UsageError(f"The {what} {path} cannot be written (no permission for {probe}).")
    return path


def reason_from(reason: str | None, reason_file: str | None, template: str | None,
                lang: str | None) -> tuple[str | None, str | None]:
    """The person's reason and where it came from; validated against the form's limit."""
    from assistant.flows import load_reasons

    given = [x for x in (reason, reason_file, template) if x is not None]
    if len(given) > 1:
        raise UsageError("Give the reason one way only: --reason, --reason-file or --reason-template.")
    limits = load_reasons()
    if reason_file is not None:
        if not reason_file.strip():
            raise UsageError("--reason-file needs the name of a file holding your reason.")
        path = Path(reason_file).expanduser()
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise UsageError(f"The reason file {path} does not exist.") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"The reason file {path} cannot be read ({exc}).") from None
        return validate_reason(text, limits.max_chars), f"file {path}"
    if template is not None:
        if template not in limits.templates:
            close = difflib.get_close_matches(template, list(limits.templates), n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise UsageError(f"Unknown reason template {template!r}: choose one of "
                             f"{', '.join(limits.templates)}{hint}")
        texts = limits.templates[template].text
        return texts.get(lang or "en", texts["en"]), f"template {template}"
    if reason is not None:
        return validate_reason(reason, limits.max_chars), "given"
    return None, None


def float_env(key: str, default: float) -> float:
    raw = env(key)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise UsageError(f"{key} must be a number of seconds, got {raw!r}.") from None
    if value <= 0:
        raise UsageError(f"{key} must be more than 0 seconds, got {raw!r}.")
    return value


def timeouts_from_env() -> Timeouts:
    d = Timeouts()
    return Timeouts(
        nav_s=float_env("OPTOUT_NAV_TIMEOUT", d.nav_s),
        recognise_s=float_env("OPTOUT_RECOGNISE_TIMEOUT", d.recognise_s),
        late_s=float_env("OPTOUT_LATE_CONTENT", d.late_s),
        login_s=float_env("OPTOUT_LOGIN_TIMEOUT", d.login_s),
        confirm_s=float_env("OPTOUT_CONFIRM_TIMEOUT", d.confirm_s),
    )


def build(*, platform: str = "all", via: str | None = None, headless: bool | None = None, json: bool = False,
          evidence_dir: str | None = None, profile: str | None = None, country: str | None = None,
          lang: str | None = None, email: str | None = None, reason: str | None = None,
          reason_file: str | None = None, reason_template: str | None = None, yes: bool = False,
          replace_email: bool = False,
          browser_path: str | None = None, trace: bool = False, via_remote: bool = False,
          browser_kind: str | None = None, cdp: str | None = None) -> Settings:
    """Flags first, then the environment (.env already read), then defaults."""
    check_keys(dict(os.environ), "the environment")
    platforms = parse_platforms(platform)
    via = via or env("OPTOUT_VIA")
    lang = lang or env("OPTOUT_LANG")
    country = country or env("OPTOUT_COUNTRY")
    email = email or env("OPTOUT_EMAIL")
    if headless is None:
        headless = env("OPTOUT_HEADLESS") in ("1", "true", "yes")
    if reason is None and reason_file is None and reason_template is None:  # an empty --reason "" is an error
        reason, reason_file, reason_template = (env("OPTOUT_REASON"), env("OPTOUT_REASON_FILE"),
                                                env("OPTOUT_REASON_TEMPLATE"))
    lang = validate_lang(lang) if lang else None
    reason_text, source = reason_from(reason, reason_file, reason_template, lang)
    browser_kind, browser_path, cdp = browser_choice(browser_kind, browser_path, cdp or env("OPTOUT_CDP"), trace)
    browser_path = browser_path or (None if browser_kind or cdp else env("OPTOUT_BROWSER"))
    if browser_path and not (os.path.isfile(browser_path) and os.access(browser_path, os.X_OK)):
        raise UsageError(f"The browser {browser_path} is not an executable file.")
    return Settings(
        platforms=platforms,
        via=validate_via(via, remote=via_remote) if via else None,
        headless=bool(headless),
        json=json,
        evidence_dir=writable_dir(evidence_dir or env("OPTOUT_EVIDENCE_DIR") or paths.runs_dir(), "evidence folder"),
        profile_dir=writable_dir(profile or env("OPTOUT_PROFILE_DIR") or paths.profiles_dir(), "profile folder"),
        country=validate_country(country) if country else None,
        lang=lang,
        email=validate_email(email) if email else None,
        reason=reason_text,
        reason_source=source,
        yes=yes,
        replace_email=replace_email,
        browser_path=browser_path,
        browser_kind=browser_kind,
        cdp=cdp,
        trace=trace,
        timeouts=timeouts_from_env(),
        profile_given=profile is not None,
        via_remote=bool(via_remote and via),
    )


def parse_platforms(value: str, allow_all: bool = True, many: bool = True) -> tuple[str, ...]:
    """`all` (every platform in the flows folder, Facebook and Instagram first), one name, or a comma list
    (`facebook,linkedin`): the platforms in the flows folder's order. Anything else is one sentence."""
    from assistant.flows import FlowError, platforms

    try:
        known = platforms()
    except FlowError as exc:
        raise UsageError(str(exc)) from None
    names = [n.strip().lower() for n in (value or "").split(",") if n.strip()]
    choices = ", ".join(known) + (" or all" if allow_all else "")
    if not names:
        raise UsageError(f"No platform given: choose {choices}.")
    if "all" in names:
        if not allow_all:
            raise UsageError(f"Choose one platform here: {', '.join(known)}.")
        return known
    unknown = [n for n in names if n not in known]
    if unknown:
        close = difflib.get_close_matches(unknown[0], list(known), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise UsageError(f"Unknown platform {unknown[0]!r}{hint}: choose {choices}"
                         + (f", or a comma list such as {known[0]},{known[-1]}." if many and len(known) > 1 else "."))
    if not many and len(names) > 1:
        raise UsageError(f"Choose one platform here: {', '.join(known)}.")
    return tuple(p for p in known if p in names)


def has_terminal() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def browser_choice(kind: str | None, path: str | None, cdp: str | None,
                   trace: bool) -> tuple[str | None, str | None, str | None]:
    """`--browser chromium|chrome|msedge|PATH`, `--browser-path PATH` (its alias) and `--cdp URL`, checked before any
    browser starts: (kind, path, cdp URL). A missing Chrome or Edge is one sentence with how to get it."""
    from assistant import browser

    if kind and path and kind != path:
        raise UsageError("Give the browser one way only: --browser or --browser-path.")
    if kind and kind.strip().lower() not in browser.BROWSER_KINDS:
        kind, path = None, kind  # --browser PATH: an executable
    kind = kind.strip().lower() if kind else None
    if cdp:
        from assistant.cdp import validate_cdp

        cdp = validate_cdp(cdp)
        if kind or path:
            raise UsageError("--cdp uses the browser already running there; leave out --browser and --browser-path.")
        if trace:
            raise UsageError("--trace cannot be used with --cdp: a trace would record the tabs of your own browser.")
    if kind in browser.CHANNEL_NAMES and not browser.channel_executable(kind):
        raise UsageError(browser.channel_hint(kind))
    return kind, path, cdp
