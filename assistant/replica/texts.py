"""The replica's visible strings (``texts.toml``) and localised country names."""

from __future__ import annotations

import gettext
import tomllib
import unicodedata
from collections.abc import Callable
from functools import cache
from pathlib import Path

from markupsafe import Markup, escape

TEXTS_FILE = Path(__file__).with_name("texts.toml")


@cache
def _table() -> dict[str, dict[str, str]]:
    with TEXTS_FILE.open("rb") as fh:
        return tomllib.load(fh)


class Texts:
    """Strings of one language variant, falling back to the base language, then English."""

    def __init__(self, variant: str) -> None:
        table = _table()
        base = variant.split("_")[0]
        self.variant = variant
        self._chain = [table.get(variant, {}), table.get(base, {}), table["en"]]

    def __call__(self, key: str, **values: object) -> str:
        for layer in self._chain:
            if key in layer:
                text = layer[key]
                return text.format(**values) if values else text
        raise KeyError(f"no replica text {key!r}")

    def html(self, key: str, **parts: object) -> Markup:
        """The string with ``{name}`` placeholders filled by markup (links) or escaped text."""
        return Markup(escape(self(key))).format(**parts)

    def date(self, year: int, month: int, day: int) -> str:
        months = self("months").split("|")
        return self("date_format", day=day, month=months[month - 1], year=year)


def languages() -> list[str]:
    return list(_table())


@cache
def country_names(lang: str) -> list[tuple[str, str]]:
    """(alpha-2, name in ``lang``) for every country, sorted as a person reading ``lang`` expects."""
    import pycountry

    translate: Callable[[str], str]
    if lang == "en":
        translate = str
    else:
        catalog = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True)
        translate = catalog.gettext
    pairs = [(c.alpha_2, translate(c.name)) for c in pycountry.countries]

    def key(pair: tuple[str, str]) -> str:
        return unicodedata.normalize("NFKD", pair[1]).encode("ascii", "ignore").decode().casefold()

    return sorted(pairs, key=key)
