"""Meta-style atomic CSS: every declaration becomes an obfuscated class like ``x1i10hfl``.

Class names are hashed from a per-server salt, the scenario and the page, so they change between runs
and pages exactly like Meta's do: nothing may key on them.
"""

from __future__ import annotations

import hashlib

# Named style bundles used by the templates; each declaration becomes one atomic class.
STYLES: dict[str, str] = {
    "page": "margin:0;background:#f0f2f5;min-height:100vh",
    "page_white": "margin:0;background:#fff;min-height:100vh",
    "topbar": "background:#1877f2;color:#fff;height:56px;display:flex;align-items:center;padding:0 16px;"
              "gap:16px;box-shadow:0 1px 2px rgba(0,0,0,.2);position:sticky;top:0;z-index:10",
    "igbar": "background:#fff;color:#000;height:60px;display:flex;align-items:center;padding:0 24px;"
             "gap:24px;border-bottom:1px solid #dbdbdb;position:sticky;top:0;z-index:10",
    "pcbar": "background:#fff;color:#1c2b33;height:60px;display:flex;align-items:center;padding:0 24px;"
             "gap:16px;border-bottom:1px solid #dee3e9;position:sticky;top:0;z-index:10",
    "wordmark": "font-weight:700;font-size:30px;letter-spacing:-1.2px;color:#fff;text-decoration:none;"
                "font-family:Helvetica,Arial,sans-serif",
    "igmark": "font-size:28px;font-style:italic;font-weight:600;color:#000;text-decoration:none;"
              "font-family:'Segoe Script','Brush Script MT',cursive",
    "pcmark": "font-size:20px;font-weight:700;color:#1c2b33;text-decoration:none",
    "metamark": "font-size:15px;font-weight:700;color:#0064e0;letter-spacing:.5px",
    "search": "border:0;border-radius:20px;padding:9px 14px;background:#f0f2f5;width:240px;font-size:15px",
    "spacer": "flex:1",
    "menuwrap": "position:relative",
    "avatar": "width:40px;height:40px;border-radius:50%;background:#e4e6eb;color:#050505;display:flex;"
              "align-items:center;justify-content:center;font-weight:700;cursor:pointer;border:0",
    "menu": "position:absolute;right:0;top:48px;background:#fff;border-radius:8px;min-width:300px;"
            "box-shadow:0 12px 28px rgba(0,0,0,.2);padding:8px;z-index:20",
    "menuitem": "display:block;padding:10px 12px;border-radius:6px;color:#050505;text-decoration:none;"
                "font-weight:600;font-size:15px",
    "layout": "display:flex;gap:24px;max-width:1120px;margin:24px auto;padding:0 16px;align-items:flex-start",
    "narrow": "max-width:680px;margin:32px auto;padding:0 16px",
    "sidebar": "width:300px;flex-shrink:0;background:#fff;border-radius:8px;padding:12px 8px;"
               "box-shadow:0 1px 2px rgba(0,0,0,.15)",
    "main": "flex:1;min-width:0",
    "card": "background:#fff;border-radius:8px;box-shadow:0 1px 2px rgba(0,0,0,.18);padding:16px 20px;"
            "margin-bottom:16px",
    "h1": "font-size:28px;line-height:34px;font-weight:700;margin:4px 0 12px;color:#1c1e21",
    "h2": "font-size:20px;line-height:26px;font-weight:700;margin:16px 0 8px;color:#1c1e21",
    "h3": "font-size:17px;line-height:22px;font-weight:600;margin:14px 0 6px;color:#1c1e21",
    "text": "font-size:15px;line-height:21px;color:#1c1e21;margin:8px 0",
    "muted": "font-size:13px;line-height:18px;color:#65676b;margin:6px 0",
    "link": "color:#0064d1;text-decoration:none;cursor:pointer",
    "navlink": "display:block;padding:10px 12px;border-radius:8px;color:#050505;text-decoration:none;"
               "font-weight:500;font-size:15px",
    "navhead": "font-size:13px;color:#65676b;margin:14px 12px 4px;font-weight:600",
    "navtitle": "font-size:24px;font-weight:700;margin:8px 12px 8px",
    "box": "border:1px solid #ccd0d5;border-radius:8px;padding:12px 16px;background:#fff;margin:16px 0",
    "boxtitle": "font-weight:700;display:block;margin-bottom:6px",
    "banner": "background:#e7f3ff;border:1px solid #b3d4fc;border-radius:8px;padding:12px 16px;margin:0 0 16px",
    "btn": "background:#1877f2;color:#fff;border:0;border-radius:6px;padding:9px 22px;font-weight:600;"
           "font-size:15px;cursor:pointer;display:inline-block;text-decoration:none",
    "btn2": "background:#e4e6eb;color:#050505;border:0;border-radius:6px;padding:9px 22px;font-weight:600;"
            "font-size:15px;cursor:pointer;display:inline-block;text-decoration:none",
    "btnwide": "width:100%;text-align:center;box-sizing:border-box;font-size:18px;padding:11px 16px",
    "field": "display:block;margin:14px 0",
    "label": "display:block;font-weight:600;margin-bottom:6px;font-size:14px;color:#1c1e21",
    "input": "display:block;width:100%;box-sizing:border-box;padding:10px 12px;border:1px solid #ccd0d5;"
             "border-radius:6px;font-size:15px;background:#fff",
    "textarea": "min-height:96px;resize:vertical;font-family:inherit",
    "choice": "display:flex;gap:8px;align-items:center;padding:8px 0;font-size:15px",
    "fieldset": "border:0;padding:0;margin:14px 0",
    "alert": "background:#ffebe9;border:1px solid #f02849;color:#8a0a1c;padding:10px 12px;border-radius:6px;"
             "margin:12px 0;font-size:14px",
    "status": "background:#e9f7ef;border:1px solid #31a24c;color:#0b5c1e;padding:10px 12px;border-radius:6px;"
              "margin:12px 0;font-size:14px",
    "overlay": "position:fixed;inset:0;background:rgba(0,0,0,.6);display:flex;align-items:center;"
               "justify-content:center;z-index:1000",
    "dialog": "background:#fff;border-radius:8px;max-width:560px;width:92%;padding:20px 24px;"
              "box-shadow:0 12px 28px rgba(0,0,0,.3)",
    "row": "display:flex;gap:8px;justify-content:flex-end;margin-top:16px;flex-wrap:wrap",
    "grid": "display:grid;grid-template-columns:repeat(3,1fr);gap:12px;margin:12px 0",
    "tile": "display:block;background:#fff;border-radius:8px;padding:16px;color:#1c2b33;text-decoration:none;"
            "box-shadow:0 1px 2px rgba(0,0,0,.18);font-weight:600",
    "switch": "width:46px;height:26px;border-radius:13px;border:0;cursor:pointer;position:relative",
    "between": "display:flex;justify-content:space-between;align-items:center;gap:16px",
    "footer": "color:#65676b;font-size:12px;text-align:center;margin:24px 0",
    "hr": "border:0;border-top:1px solid #dadde1;margin:16px 0",
    "list": "margin:8px 0;padding-left:20px;font-size:15px;line-height:24px",
    "plain": "background:#f7f8fa;color:#1c2b33;font-size:15px;line-height:20px;max-width:760px;margin:0 auto;"
             "padding:20px",
}


class Atoms:
    """Hands out atomic class names for one rendered page and collects the matching CSS."""

    def __init__(self, seed: str) -> None:
        self._seed = seed
        self._rules: dict[str, str] = {}

    def __call__(self, *names: str) -> str:
        classes: list[str] = []
        for name in names:
            for decl in filter(None, (d.strip() for d in STYLES[name].split(";"))):
                cls = self._name(decl)
                self._rules[cls] = decl
                classes.append(cls)
            # Unstyled extras, as on Meta's pages, so counting classes says nothing either.
            classes += [self._name(f"~{name}{i}") for i in range(2)]
        return " ".join(dict.fromkeys(classes))

    def _name(self, key: str) -> str:
        number = int.from_bytes(hashlib.blake2b((self._seed + key).encode(), digest_size=8).digest(), "big")
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"
        out = ""
        while len(out) < 7:
            number, rem = divmod(number, 36)
            out += digits[rem]
        return "x" + out

    def css(self) -> str:
        return "".join(f".{cls}{{{decl}}}" for cls, decl in self._rules.items())
