"""Where the assistant keeps things: the person's data directory, flow files, private folders."""

from __future__ import annotations

import os
from pathlib import Path

APP = "optout-assistant"
REPO_ROOT = Path(__file__).resolve().parents[1]


def _setting(key: str) -> str | None:
    """The environment's value, else the .env file's (read into the settings, never into the environment)."""
    from assistant.settings import env  # here: settings imports this module

    return env(key)


def data_dir() -> Path:
    """The user's data directory (profiles, runs, history); OPTOUT_DATA_DIR overrides it."""
    if env := _setting("OPTOUT_DATA_DIR"):
        return Path(env).expanduser()
    import platformdirs  # lazy: keeps `optout --help` fast

    return Path(platformdirs.user_data_dir(APP, appauthor=False))


def config_dir() -> Path:
    if env := _setting("OPTOUT_CONFIG_DIR"):
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir(APP, appauthor=False))


def checkout() -> Path | None:
    """The repository's root when running from a source checkout (editable install included), else None."""
    return REPO_ROOT if (REPO_ROOT / "pyproject.toml").is_file() and (REPO_ROOT / "flows").is_dir() else None


def flows_dir() -> Path:
    """The flow files: OPTOUT_FLOWS_DIR; else the copy inside the installed package (the repository's `flows/`,
    shipped as `assistant/flowfiles`); else, in a source checkout, the repository's `flows/` itself."""
    if env := _setting("OPTOUT_FLOWS_DIR"):
        return Path(env)
    from importlib.resources import files

    shipped = files("assistant") / "flowfiles"
    if shipped.is_dir():
        return Path(str(shipped))
    return REPO_ROOT / "flows"


def runs_dir() -> Path:
    return data_dir() / "runs"


def profiles_dir() -> Path:
    return data_dir() / "profiles"


def private_dir(path: Path) -> Path:
    """Create a folder only its owner can enter (0700), tightening it if it exists."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)
    return path
