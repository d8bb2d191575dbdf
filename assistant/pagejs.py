"""The assistant's in-page JavaScript (assistant/js/*.js), each script behind the one shared prelude."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def source(name: str) -> str:
    """`name`.js as a function of one argument, the prelude in front: for page.evaluate(source, arg)."""
    folder = resources.files("assistant") / "js"
    prelude = (folder / "prelude.js").read_text(encoding="utf-8")
    body = (folder / f"{name}.js").read_text(encoding="utf-8")
    return f"(arg) => {{\n{prelude}\n{body}\n}}"
