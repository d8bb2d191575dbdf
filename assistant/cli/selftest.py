"""`optout selftest`: the command (what it runs and how a row is judged are in assistant/selftest.py)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from assistant.cli.options import json_option

if TYPE_CHECKING:
    from assistant.selftest import Row


def register(main: click.Group) -> None:
    @main.command()
    @click.option("--platform", "-p", type=click.Choice(["facebook", "instagram", "all"]), default="all",
                  show_default=True, help="Which platform's flow to test.")
    @click.option("--lang", "langs", multiple=True, metavar="xx", help="Only these languages (repeatable).")
    @click.option("--route", "routes", multiple=True, metavar="NAME", help="Only these routes (repeatable).")
    @click.option("--full", is_flag=True, help="Every route in every language (slower).")
    @click.option("--keep", is_flag=True, help="Keep the run folders even when everything holds.")
    @json_option()
    def selftest(platform: str, langs: tuple[str, ...], routes: tuple[str, ...], full: bool, keep: bool,
                 as_json: bool) -> None:
        """Run every flow against the built-in replica: per platform, route and language, do detection and
        filling still hold? Exit code 0 when all hold, 1 when something broke."""
        import json as jsonlib
        import shutil
        import tempfile
        from dataclasses import asdict
        from datetime import UTC, datetime
        from pathlib import Path

        from loguru import logger

        from assistant import flows, paths
        from assistant.selftest import plan, run_rows, table
        from assistant.settings import UsageError, load_env_file, validate_lang

        logger.remove()
        load_env_file()
        for lang in langs:
            validate_lang(lang)
        flows.validate_all()
        platforms = ("facebook", "instagram") if platform == "all" else (platform,)
        known = {r.name for p in platforms for r in flows.load_flow(p).routes}
        if unknown := [r for r in routes if r not in known]:
            raise UsageError(f"Unknown route {unknown[0]!r}: the flows have {', '.join(sorted(known))}.")
        rows = plan(platforms, tuple(langs) or None, tuple(routes) or None, full)
        if not rows:
            raise UsageError("Nothing to test: no route and language match the options given.")
        base = paths.data_dir() / "selftest"
        base.mkdir(parents=True, exist_ok=True)
        root = Path(tempfile.mkdtemp(prefix=datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ-"), dir=base))

        def progress(row: Row, n: int, total: int) -> None:
            if not as_json:
                click.echo(f"[{n}/{total}] {row.platform} {row.route} {row.lang} form {row.form}: "
                           f"{'ok' if row.ok else 'BROKEN'}", err=True)

        import asyncio  # lazy: `optout --help` imports this module

        asyncio.run(run_rows(rows, root, progress))
        ok = all(r.ok for r in rows)
        if ok and not keep:
            shutil.rmtree(root, ignore_errors=True)
        if as_json:
            click.echo(jsonlib.dumps({"ok": ok, "rows": [asdict(r) | {"ok": r.ok} for r in rows],
                                      "run_folders": None if ok and not keep else str(root / "runs")},
                                     ensure_ascii=False, indent=2))
        else:
            click.echo(table(rows))
            click.echo("All flows hold." if ok else
                       f"Some flows broke. Their run folders are in {root / 'runs'}; send one with: "
                       "optout report-breakage RUN_DIR")
        sys.exit(0 if ok else 1)
