"""The assistant's in-page JavaScript (assistant/js/*.js), each script behind the one shared prelude.

No in-page JavaScript lives in Python strings: every script is a file here, the body of a function of one
argument `arg` (an object or array when it needs several values), with prelude.js (norm, squash, shown, says,
labelOf, outline ...) in front. A script run on one element (Locator.evaluate) gets it as `el` before `arg`.
"""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def source(name: str, element: bool = False) -> str:
    """`name`.js as a function of one argument, the prelude in front: for page.evaluate(source, arg); with
    `element`, a function of the element and the argument: for locator.evaluate(source, arg)."""
    folder = resources.files("assistant") / "js"
    prelude = (folder / "prelude.js").read_text(encoding="utf-8")
    body = (folder / f"{name}.js").read_text(encoding="utf-8")
    params = "(el, arg)" if element else "(arg)"
    return f"{params} => {{\n{prelude}\n{body}\n}}"
