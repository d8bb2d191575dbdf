"""optout-assistant: a guided, evidence-keeping assistant for objecting to Meta's AI training."""

from __future__ import annotations

from functools import cache

DIST = "optout-assistant"


@cache
def version() -> str:
    """The one version, `[project] version` in pyproject.toml: from the installed metadata, or, in a source
    checkout that was never installed, from the checkout's pyproject.toml."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed(DIST)
    except PackageNotFoundError:
        pass
    import tomllib

    from assistant import paths

    if root := paths.checkout():
        try:
            return tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
        except (OSError, KeyError, tomllib.TOMLDecodeError):
            pass
    return "0+unknown"


def __getattr__(name: str) -> str:
    # `assistant.__version__` on first use: importlib.metadata costs tens of ms that `optout --help` need not pay
    if name == "__version__":
        return version()
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")
