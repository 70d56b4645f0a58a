"""`papers profile import`: a person's library (BibTeX, Zotero CSV, a list) as seed papers."""

from __future__ import annotations

from pathlib import Path

import click

from bot.cli.context import Context, friendly_errors
from recommender.errors import ImportFailed
from recommender.importing import import_library
from recommender.profiles import check_target


@click.group()
def profile() -> None:
    """Change a stored profile from the command line."""


@profile.command("import")
@click.option(
    "--target",
    required=True,
    help="Whose profile: user:TEAM:USER or channel:TEAM:CHANNEL (created when new).",
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
@friendly_errors
def import_command(context: Context, target: str, file: Path) -> None:
    """Add the papers of FILE to the seeds: a BibTeX file (Zotero, Mendeley, Google Scholar),
    a Zotero CSV export, or one arXiv id, arXiv URL, DOI or title a line.

    Papers the archive holds (by arXiv id, DOI or exact title) become seeds; the others are
    kept as text seeds, by title and abstract. All of it is imported, or nothing.
    """
    check_target(target)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        line = file.read_bytes()[: error.start].count(b"\n") + 1
        raise click.ClickException(
            f"{file}: line {line}: not UTF-8 text; save it as UTF-8"
        ) from None
    try:
        report = import_library(context.store, target, text, now=context.now())
    except ImportFailed as error:
        raise click.ClickException(f"{file}: {error}; nothing was imported") from None
    click.echo(f"{file}: {report.summary()}")
