"""The daily rhythm as functions: ingest the configured sources, update the indexes, and
deliver what is due. The scheduler runs them on triggers; `papers run-once` runs them once.

Each step records a job run in the store (start, end, counts, error) for `papers status`. A
failing source does not stop the others, a failed index build leaves the old index serving,
and a failed delivery to one target does not stop the rest.
"""

from __future__ import annotations

import glob
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from recommender.delivery import Deliverer
from recommender.engine import Engine
from recommender.errors import PapersError
from recommender.http import Fetcher
from recommender.indexes import Indexer
from recommender.ingest import IngestReport, ingest_pages, read_file
from recommender.models import Parsed
from recommender.sources import arxiv_api, arxiv_rss, hf_daily, oai_pmh
from recommender.store import Store
from recommender.store.jobs import Fence, JobRun

log = logging.getLogger(__name__)

SOURCE_KINDS = ("arxiv-rss", "arxiv-api", "hf", "oai", "files")
# arXiv's own endpoints: paced as arXiv asks, and read after its daily announcement.
ARXIV_KINDS = ("arxiv-rss", "arxiv-api", "oai")
STALE_AFTER = timedelta(days=4)
# How far back `source_health` looks for the last run that brought papers.
HEALTH_RUNS = 200


class SourceError(PapersError):
    """A configured source that is not one papers knows."""


@dataclass(frozen=True)
class Source:
    """One place papers come from: `arxiv-rss:cs.CL+cs.LG`, `arxiv-api:cs.CL`, `hf`,
    `oai:cs` (from the last day), or `files:/path/*.txt`."""

    kind: str
    arg: str = ""

    def __str__(self) -> str:
        return f"{self.kind}:{self.arg}" if self.arg else self.kind

    @property
    def is_arxiv(self) -> bool:
        return self.kind in ARXIV_KINDS

    @property
    def cadence(self) -> timedelta | None:
        """How long this source may go without bringing a paper before it counts as stale:
        arXiv and Hugging Face announce every weekday, so a long weekend plus a holiday.
        Files come when someone saves them: they are never stale."""
        return None if self.kind == "files" else STALE_AFTER


def parse_sources(text: str) -> list[Source]:
    """Sources from a comma-separated list such as `arxiv-rss:cs.CL+cs.LG,hf`."""
    sources = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        kind, _, arg = item.partition(":")
        if kind not in SOURCE_KINDS:
            raise SourceError(f"source {item!r}: kind must be one of {', '.join(SOURCE_KINDS)}")
        if kind in ("arxiv-rss", "arxiv-api", "files") and not arg:
            raise SourceError(f"source {item!r}: say which, e.g. {kind}:cs.CL")
        sources.append(Source(kind, arg))
    return sources


@dataclass(frozen=True)
class Endpoints:
    """Where the remote sources live (settable, so tests point them at loopback)."""

    arxiv_api: str = arxiv_api.API_URL
    arxiv_rss: str = arxiv_rss.RSS_URL
    oai: str = oai_pmh.OAI_URL
    hf: str = hf_daily.DAILY_URL


def pages(
    source: Source, client: Fetcher, endpoints: Endpoints, *, since: date, until: date
) -> Iterator[Parsed]:
    """The parsed pages one source gives for [since, until], fetched as they are read.

    The announcement feed is always today's; Hugging Face gives the day `until`.
    """
    if source.kind == "arxiv-rss":
        data = arxiv_rss.fetch(client, source.arg, base_url=endpoints.arxiv_rss)
        yield arxiv_rss.parse(data, f"arXiv RSS {source.arg}")
    elif source.kind == "arxiv-api":
        yield from arxiv_api.harvest(
            client, category=source.arg, date_from=since, date_to=until,
            base_url=endpoints.arxiv_api,
        )  # fmt: skip
    elif source.kind == "oai":
        yield from oai_pmh.harvest(
            client, from_date=since, set_spec=source.arg or None, base_url=endpoints.oai
        )
    elif source.kind == "hf":
        data = hf_daily.fetch(client, until, base_url=endpoints.hf)
        yield hf_daily.parse(data, f"Hugging Face daily papers {until}")
    else:
        for name in sorted(glob.glob(source.arg)):
            yield read_file(name)


@dataclass
class Pipeline:
    """The steps of a day, over one store, with their job runs recorded."""

    store: Store
    indexer: Indexer
    sources: list[Source]
    client_for: Callable[[Source], Fetcher]
    clock: Callable[[], datetime]
    endpoints: Endpoints = Endpoints()

    def ingest(self) -> dict[str, IngestReport]:
        """Ingest every source, each on its own: one failing leaves the others' papers in."""
        reports = {}
        with self._job("ingest") as (_, counts):
            now = self.clock()
            for source in self.sources:
                report = IngestReport()
                today = now.date()
                stream = pages(
                    source, self.client_for(source), self.endpoints,
                    since=today - timedelta(days=1), until=today,
                )  # fmt: skip
                ingest_pages(self.store, stream, report, origin=str(source), now=now)
                reports[str(source)] = report
                counts[str(source)] = report.as_dict() | {"rejected": len(report.rejected)}
                if report.failure:
                    counts[str(source)]["failed"] = report.failure
                    log.error("source %s failed: %s", source, report.failure)
            failed = [_failed(name, r) for name, r in reports.items() if not r.ok]
            if failed and len(failed) == len(reports):
                raise PapersError(f"every source failed: {'; '.join(failed)}")
        return reports

    def index(self) -> str:
        """Bring the indexes up to date; on failure the previous ones keep serving."""
        with self._job("index") as (_, counts):
            report = self.indexer.update()
            counts.update(papers=report.papers, embedded=report.embedded)
        return report.summary()

    def deliver(self, deliverer: Deliverer, fence: Fence | None = None) -> dict[str, Any]:
        """Deliver what is due through the deliverer's outlet (it keeps the ledger of what
        went out), each post fenced by the delivery lease's `fence`. The run's counts are
        kept up to date as it goes, so `papers status` shows a long run's progress."""
        with self._job("deliver") as (run_id, counts):
            progress = partial(self.store.jobs.progress, run_id)
            counts.update(deliverer.deliver_due(self.clock(), fence=fence, progress=progress))
        return counts

    def queue(self, deliverer: Deliverer) -> dict[str, Any]:
        """Plan what is due and queue it for the delivery workers, as a `deliver` run."""
        with self._job("deliver") as (_, counts):
            counts.update(deliverer.queue_due(self.clock()))
        return counts

    @contextmanager
    def _job(self, name: str) -> Iterator[tuple[int, dict[str, Any]]]:
        """Record a job's run around a block (its id, and counts to fill in): `ok` with its
        counts, or `failed` and re-raise."""
        jobs = self.store.jobs
        run_id = jobs.start(name, now=self.clock())
        counts: dict[str, Any] = {}
        try:
            yield run_id, counts
        except Exception as error:
            message = f"{error.__class__.__name__}: {error}"
            jobs.finish(run_id, now=self.clock(), status="failed", counts=counts, error=message)
            log.error("job %s failed: %s", name, message)
            raise
        jobs.finish(run_id, now=self.clock(), status="ok", counts=counts)


def _failed(name: str, report: IngestReport) -> str:
    """A failed source as the job run's error names it: the source and why."""
    why = report.failure or f"{len(report.rejected)} rejected"
    return f"{name} ({why})"


@dataclass(frozen=True)
class SourceHealth:
    """How one configured source has fared: `state` is `ok`, `failed` (its last run failed,
    `error` says why), `stale` (nothing brought for longer than its cadence) or `never run`."""

    source: str
    state: str
    last_run: datetime | None = None
    last_papers: datetime | None = None
    error: str | None = None


def source_health(store: Store, sources: Sequence[Source], *, now: datetime) -> list[SourceHealth]:
    """The health of each configured source, from the recorded ingest runs (what `papers
    status` and /healthz show)."""
    runs = store.jobs.recent(job="ingest", limit=HEALTH_RUNS)  # newest first
    return [_health(source, runs, now) for source in sources]


def _health(source: Source, runs: list[JobRun], now: datetime) -> SourceHealth:
    name = str(source)
    mine = [(run.started, run.counts[name]) for run in runs if name in (run.counts or {})]
    if not mine:
        return SourceHealth(name, "never run")
    last_run, last_counts = mine[0]
    brought = [started for started, c in mine if c.get("added") or c.get("updated")]
    last_papers = brought[0] if brought else None
    since = last_papers or mine[-1][0]
    if last_counts.get("failed"):
        state, error = "failed", last_counts["failed"]
    elif source.cadence is not None and now - since > source.cadence:
        state, error = "stale", f"no new papers since {since.isoformat()}"
    else:
        state, error = "ok", None
    return SourceHealth(name, state, last_run, last_papers, error)


def delivering(runs: list[JobRun]) -> dict[str, int] | None:
    """How far the delivery run under way has got (sent, left, failing), if one is."""
    running = [run for run in runs if run.job == "deliver" and run.status == "running"]
    if not running or "due" not in running[0].counts:
        return None
    counts = running[0].counts
    left = counts["due"] - counts["delivered"] - counts["failed"]
    return {"sent": counts["delivered"], "left": left, "failing": counts["failed"]}


def pipeline_status(
    store: Store, engine: Engine, *, now: datetime, sources: Sequence[Source] = (), runs: int = 10
) -> dict:
    """What `papers status` reports: recent job runs, papers, index freshness, the health of
    the configured sources, the next deliveries, deliveries whose last try failed, the
    progress of a delivery under way, and that of each long harvest not finished (running,
    or stopped and resumable by the same command). (/healthz is cheaper: bot/health.py;
    `source_health` is what it needs of this.)"""
    try:
        engine.indexes()
        index = "current" if engine.is_current() else "behind the store: run `papers index`"
    except PapersError as error:
        index = f"missing ({error})"
    recent = store.jobs.recent(limit=runs)
    upcoming = []
    for target, schedule in store.subscriptions.active().items():
        slot = schedule.next_slot(now)
        if slot is not None:
            upcoming.append({"target": target, "at": slot.astimezone(schedule.zone).isoformat()})
    return {
        "papers": store.count(),
        "index": index,
        "runs": [asdict(run) for run in recent],
        "sources": [asdict(health) for health in source_health(store, sources, now=now)],
        "delivering": delivering(recent),
        "next_deliveries": sorted(upcoming, key=lambda item: item["at"])[:10],
        "failing": [
            {"target": d.target, "day": d.day, "attempts": d.attempts, "error": d.error}
            for d in store.deliveries.failing()
        ],
        "harvesting": [
            {
                "request": h.request,
                "pages": h.pages,
                "records": h.records,
                "total": h.total,
                "latest": h.latest,
                "updated": h.updated,
            }
            for h in store.harvests.unfinished()
        ],  # fmt: skip
    }
