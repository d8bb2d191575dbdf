"""`optout report-breakage`: the command (the bundle itself is made by assistant/evidence/breakage.py)."""

from __future__ import annotations

from pathlib import Path

import click


def register(main: click.Group) -> None:
    @main.command("report-breakage")
    @click.argument("run_dir", type=click.Path(path_type=Path))
    @click.option("--out", "out", type=click.Path(path_type=Path), metavar="FILE",
                  help="Where to write the zip (default: ./optout-breakage-<run folder>.zip).")
    def report_breakage(run_dir: Path, out: Path | None) -> None:
        """Write a redacted zip of a run (screenshots with emails blacked out, page texts, flow versions) to
        attach to an issue when a flow broke."""
        from assistant.evidence.breakage import make_bundle
        from assistant.settings import UsageError

        if not run_dir.is_dir():
            raise UsageError(f"{run_dir} is not a folder.")
        out = out or Path.cwd() / f"optout-breakage-{run_dir.name}.zip"
        if out.resolve().is_relative_to(run_dir.resolve()):
            raise UsageError("Write the bundle outside the run folder (a file added there breaks its manifest).")
        if out.exists() and out.is_dir():
            raise UsageError(f"{out} is a folder; give a file name for the zip.")
        summary = make_bundle(run_dir, out)
        click.echo(f"Wrote {summary['path']} ({len(summary['screenshots'])} screenshots, email addresses masked).")
        if summary["left_out"]:
            click.echo(f"Left out {len(summary['left_out'])} screenshot(s) with no record of where an email shows.")
        click.echo("Look through it before attaching it to an issue: other personal details may show on a "
                   "screenshot.")
