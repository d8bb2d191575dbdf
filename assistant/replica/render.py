"""Page rendering: Jinja2 templates in ``templates/`` with the scenario's texts and atomic classes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from .markup import Atoms
from .scenarios import Scenario
from .sites import URLS, box_link
from .texts import Texts

TEMPLATES = Path(__file__).with_name("templates")
# hostile=…: the behaviours that are page scripts, and the pages (of the objection form URLs) that carry them.
HOSTILE_SCRIPTS = frozenset({"beacons", "leak", "robot", "robotsubmit", "selfsubmit"})
HOSTILE_PAGES = frozenset({"form", "code", "confirm", "reauth"})


@dataclass(frozen=True)
class View:
    """What a template needs to know besides its own variables."""

    scenario: Scenario
    platform: str  # facebook | instagram
    host: str
    page: str
    consent_needed: bool = False


class Renderer:
    def __init__(self, salt: str) -> None:
        self._salt = salt
        self._env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(["html"]),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def render(self, template: str, view: View, **values: object) -> str:
        sc = view.scenario
        atoms = Atoms(f"{self._salt}|{sc.spec}|{view.page}")
        texts = Texts(sc.text_variant)
        html = self._env.get_template(template).render(
            t=texts,
            cx=atoms,
            sc=sc,
            view=view,
            platform=view.platform,
            host=view.host,
            u=URLS[view.platform],
            fb=URLS["facebook"],
            ig=URLS["instagram"],
            box_url=box_link(view.platform, sc.formid, sc.world, sc.hostile),
            lang_attr=sc.text_variant.replace("_", "-"),
            late=sc.late,
            hide=sc.hide,
            consent_needed=view.consent_needed,
            hostile_js=sorted(sc.hostile & HOSTILE_SCRIPTS) if view.page in HOSTILE_PAGES else [],
            beacon_url=URLS[view.platform]["home"] + "ajax/bz",
            **values,
        )
        # The stylesheet sits in <head> but is only known once the body has handed out its classes.
        return html.replace("/*atoms*/", atoms.css(), 1)
