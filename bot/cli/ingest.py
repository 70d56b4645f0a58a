"""`papers ingest file|arxiv|rss|hf|oai`: add papers to the store, and report what came."""

from __future__ import annotations

import json
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import click
from tqdm import tqdm

from bot.cli.context import Context, friendly_errors
from recommender.backfill import Backfill
from recommender.ingest import IngestReport, ingest_file, ingest_pages
from recommender.pipeline import Source, pages
from recommender.sources import FORMATS
from recommender.store.harvests import Harvest

# Seconds between the plain progress lines of a backfill whose stderr is not a terminal.
PROGRESS_EVERY = 10.0


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
@click.option("--until", "until_day", type=click.DateTime(["%Y-%m-%d"]), help="Default: open.")
@click.option("--set", "set_spec", help="An OAI set, e.g. cs or physics:hep-th.")
@click.option("--embed/--no-embed", default=True, show_default=True,
              help="Embed the stored papers as the harvest goes.")  # fmt: skip
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@friendly_errors
def ingest_oai(
    context: Context,
    from_day: datetime,
    until_day: datetime | None,
    set_spec: str | None,
    embed: bool,
    as_json: bool,
) -> None:
    """Backfill from arXiv's OAI-PMH interface, following resumption tokens: resumable
    (run it again after a stop to continue where it was), embedding as it goes."""
    request = Harvest(
        base_url=context.settings.oai_url,
        set_spec=set_spec or "",
        from_date=from_day.date(),
        until_date=until_day.date() if until_day else None,
    )
    report = IngestReport()
    progress = _BackfillProgress(quiet=as_json)
    backfill = Backfill(
        context.store,
        context.http(arxiv=True),
        context.now,
        indexer=context.indexer() if embed else None,
        on_page=progress.page,
        on_embedded=progress.embedded,
        notice=lambda message: click.echo(f"note: {message}", err=True),
    )
    harvest = backfill.resume(request)
    progress.begin(harvest)
    try:
        backfill.run(harvest, report)
    finally:
        progress.close()
    _finish(report, as_json, f"oai:{set_spec or '*'} ({progress.summary()})")


class _BackfillProgress:
    """A backfill's progress on stderr: a bar with an ETA on a terminal, else a plain line
    every `PROGRESS_EVERY` seconds and at the end (for logs). The rate, and so the ETA, is
    this run's, embedding included; records stored by earlier runs count as done."""

    def __init__(self, *, quiet: bool) -> None:
        self.quiet = quiet
        self.bar: tqdm | None = None
        self.start = time.monotonic()
        self.last_line = 0.0
        self.before = 0
        self.pages = 0
        self.embedded_count = 0

    def begin(self, harvest: Harvest) -> None:
        self.before = harvest.records
        if self.quiet:
            return
        if harvest.pages:
            click.echo(
                f"resuming: {harvest.records} records in {harvest.pages} pages stored before",
                err=True,
            )
        if sys.stderr.isatty():
            self.bar = tqdm(
                desc="harvest", unit="record", total=harvest.total, initial=harvest.records
            )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()

    def page(self, harvest: Harvest) -> None:
        self.pages += 1
        if self.bar is not None:
            self.bar.total = harvest.total
            self.bar.update(harvest.records - self.bar.n)
        elif not self.quiet:
            self._line(harvest)

    def embedded(self, count: int) -> None:
        self.embedded_count += count
        if self.bar is not None:
            self.bar.set_postfix(embedded=self.embedded_count)

    def summary(self) -> str:
        return f"{self.pages} page(s) this run, {self.embedded_count} papers embedded"

    def _line(self, harvest: Harvest) -> None:
        now = time.monotonic()
        if now - self.last_line < PROGRESS_EVERY and harvest.token is not None:
            return
        self.last_line = now
        rate = (harvest.records - self.before) / max(now - self.start, 1e-9)
        of, eta = "", ""
        if harvest.total:
            of = f" of {harvest.total}"
            if rate > 0:
                left = max(harvest.total - harvest.records, 0) / rate
                eta = f", ETA {timedelta(seconds=int(left))}"
        click.echo(
            f"harvest: {harvest.records}{of} records, page {harvest.pages}, "
            f"{rate:.1f} records/s, {self.embedded_count} embedded{eta}",
            err=True,
        )
