"""Real captures of Meta's policy pages (kept outside the repository), served as the policy page."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt
from markupsafe import Markup


@dataclass(frozen=True)
class Capture:
    platform: str
    filename: str

    @property
    def kind(self) -> str:
        """full (a whole HTML document), excerpt (a fragment to wrap) or markdown."""
        if self.filename.endswith(".md"):
            return "markdown"
        return "excerpt" if ".box-excerpt." in self.filename else "full"


CAPTURES = {
    "facebook-eu-de": Capture("facebook", "facebook-privacy-policy-printable-EU-DE-2025-04-23.html"),
    "instagram-eu-de-box": Capture(
        "instagram", "instagram-privacy-policy-privacycenter-EU-DE-2025-05-07.box-excerpt.html"
    ),
    "instagram-eu-de-nobox": Capture("instagram", "instagram-privacy-policy-EU-DE-2025-06-16-nobox.md"),
    "facebook-us": Capture("facebook", "facebook-privacy-policy-printable-US-2026-05-12.md"),
    "instagram-us": Capture("instagram", "instagram-privacy-policy-US-2026-05-12.md"),
}


def default_captures_dir() -> Path:
    """``$OPTOUT_REAL_PAGES``, else ``shared/real-pages`` next to the repository in a source checkout, else
    ``real-pages`` in the data directory. The captures are not ours and do not ship: where the folder is absent,
    a scenario asking for a capture gets the replica's not-found page, and nothing else reads them."""
    if env := os.environ.get("OPTOUT_REAL_PAGES"):
        return Path(env)
    from assistant import paths

    if root := paths.checkout():
        return root.parent / "shared" / "real-pages"
    return paths.data_dir() / "real-pages"


def load(capture: Capture, folder: Path) -> tuple[str, Markup | str] | None:
    """(kind, content) of the capture, or None when the file is absent; Markdown comes back as HTML."""
    path = folder / capture.filename
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8")
    if capture.kind == "markdown":
        return "markdown", Markup(MarkdownIt("commonmark", {"html": False}).enable("table").render(text))
    return capture.kind, Markup(text) if capture.kind == "excerpt" else text
