"""`papers ingest file|arxiv|rss|hf|oai`: add papers to the store, and report what came."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import click
from tqdm import tqdm

from bot.cli.context import Context, friendly_errors
from recommender.ingest import IngestReport, ingest_file, ingest_pages
from recommender.pipeline import Source, pages
from recommender.sources import FORMATS


def _finish(report: IngestReport, as_json: bool, what: str) -> None:
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2))
    else:
        for rejection in report.rejected:
            click.echo(f"rejected: {rejection}", err=True)
        click.echo(f"{what}: {report.summary()}")
    if not report.ok:
        sys.exit(1)


@click.group()
def ingest() -> None:
    """Add papers to the store from files or remote feeds."""


@ingest.command("file")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(sorted(FORMATS)), help="Skip detection.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_obj
@friendly_errors
def ingest_files(context: Context, paths: tuple[Path, ...], fmt: str | None, as_json: bool) -> None:
    """Ingest saved files (a directory: every file in it): digests, feed responses, .abs
    files, Kaggle or BEIR JSON. Each file's result is printed, then the total."""
    files = _files(paths)
    report = IngestReport()
    for path in tqdm(files, desc="files", unit="file", disable=len(files) < 10 or as_json):
        one = IngestReport()
        ingest_file(context.store, path, one, now=context.now(), fmt=fmt)
        if not as_json and len(files) > 1:
            click.echo(f"{path}: {one.summary()}")
        report.absorb(one)
    _finish(report, as_json, f"{len(files)} file(s)")


def _files(paths: tuple[Path, ...]) -> list[Path]:
    """The paths, with each directory replaced by the files under it (sorted, hidden
    files left out)."""
    files: list[Path] = []
    for path in paths:
        if not path.is_dir():
            files.append(path)
            continue
        found = (p for p in sorted(path.rglob("*")) if p.is_file())
        files.extend(p for p in found if not _hidden(p.relative_to(path)))
    return files


def _remote(context: Context, source: Source, as_json: bool, *, since: date, until: date) -> None:
    """Ingest one remote source page by page; a failing request is reported, not raised."""
    client = context.http(arxiv=source.is_arxiv)
    stream = pages(source, client, context.settings.endpoints(), since=since, until=until)
    report = IngestReport()
    progress = tqdm(stream, desc=str(source), unit="page", disable=as_json)
    ingest_pages(context.store, progress, report, origin=str(source), now=context.now())
    _finish(report, as_json, str(source))


def _hidden(path: Path) -> bool:
    return any(part.startswith(".") for part in path.parts)


@ingest.command("arxiv")
@click.option("--category", required=True, help="An arXiv category, e.g. cs.CL.")
@click.option("--days", default=1, show_default=True, type=click.IntRange(1, 60))
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@friendly_errors
def ingest_arxiv(context: Context, category: str, days: int, as_json: bool) -> None:
    """Ingest a category's papers submitted in the last DAYS days from the arXiv API."""
    today = context.now().date()
    source = Source("arxiv-api", category)
    _remote(context, source, as_json, since=today - timedelta(days=days), until=today)


@ingest.command("rss")
@click.argument("categories")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@friendly_errors
def ingest_rss(context: Context, categories: str, as_json: bool) -> None:
    """Ingest today's arXiv announcements for CATEGORIES, e.g. cs.CL+cs.LG."""
    today = context.now().date()
    _remote(context, Source("arxiv-rss", categories), as_json, since=today, until=today)


@ingest.command("hf")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="Default: today.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@friendly_errors
def ingest_hf(context: Context, day: datetime | None, as_json: bool) -> None:
    """Ingest Hugging Face daily papers of one day."""
    when: date = day.date() if day else context.now().date()
    _remote(context, Source("hf"), as_json, since=when, until=when)


@ingest.command("oai")
@click.option("--from", "from_day", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--set", "set_spec", help="An OAI set, e.g. cs or physics:hep-th.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@friendly_errors
def ingest_oai(context: Context, from_day: datetime, set_spec: str | None, as_json: bool) -> None:
    """Backfill from arXiv's OAI-PMH interface, following resumption tokens."""
    today = context.now().date()
    _remote(context, Source("oai", set_spec or ""), as_json, since=from_day.date(), until=today)
