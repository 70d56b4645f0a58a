"""Getting parsed papers into the store, batch by batch, and saying what happened."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from recommender.errors import FeedError, PapersError
from recommender.limits import LIMITS, FieldLimits
from recommender.models import Paper, Parsed, Rejection
from recommender.sources import parse_file
from recommender.store import Store
from recommender.store.harvests import Harvest

# Papers written per transaction: a crash loses at most the batch in flight, never half of it.
BATCH_SIZE = 1000


@dataclass
class IngestReport:
    """What an ingest added, updated, found unchanged, and rejected (with reasons).

    `failure` is set when the source itself failed (an HTTP error, arXiv's error feed, an
    OAI-PMH error), as opposed to some of its entries being rejected.
    """

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    failure: str | None = None

    @property
    def ok(self) -> bool:
        return not self.rejected

    def summary(self) -> str:
        return (
            f"added {len(self.added)}, updated {len(self.updated)}, "
            f"unchanged {len(self.unchanged)}, rejected {len(self.rejected)}"
        )

    def absorb(self, other: IngestReport) -> None:
        """Add `other`'s counts and rejections to this report (a total over files)."""
        self.added.extend(other.added)
        self.updated.extend(other.updated)
        self.unchanged.extend(other.unchanged)
        self.rejected.extend(other.rejected)
        self.failure = self.failure or other.failure

    def as_dict(self) -> dict:
        return {
            "added": len(self.added),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "rejected": [
                {"origin": r.origin, "entry": r.entry, "reason": r.reason} for r in self.rejected
            ],
        }


def _chunks(papers: tuple[Paper, ...]) -> Iterator[tuple[Paper, ...]]:
    for start in range(0, len(papers), BATCH_SIZE):
        yield papers[start : start + BATCH_SIZE]


def store_parsed(
    store: Store,
    parsed: Parsed,
    report: IngestReport,
    *,
    origin: str,
    now: datetime,
    limits: FieldLimits = LIMITS,
    harvest: Harvest | None = None,
) -> None:
    """Write one parse result (from `origin`) into the store, one transaction per batch; a
    paper with a field over `limits` is rejected, not stored. `harvest`, where a harvest got
    to with this page, is saved in the transaction of the page's last batch."""
    report.rejected.extend(parsed.rejected)
    papers = []
    for paper in parsed.papers:
        problem = limits.problem(paper)
        if problem:
            report.rejected.append(Rejection(origin, paper.id[: limits.id], problem))
        else:
            papers.append(paper)
    # A harvest page with nothing to store still records how far the harvest got.
    chunks = list(_chunks(tuple(papers))) or ([()] if harvest else [])
    for i, chunk in enumerate(chunks):
        last = i == len(chunks) - 1
        result = store.upsert(chunk, now=now, harvest=harvest if last else None)
        report.added.extend(result.added)
        report.updated.extend(result.updated)
        report.unchanged.extend(result.unchanged)


def ingest_file(
    store: Store, path: Path, report: IngestReport, *, now: datetime, fmt: str | None = None
) -> None:
    """Parse one saved file and store its papers; an unreadable file becomes a rejection."""
    store_parsed(store, read_file(path, fmt), report, origin=str(path), now=now)


def read_file(path: Path | str, fmt: str | None = None) -> Parsed:
    """One saved file parsed; a file that cannot be read or parsed is one rejection, so that
    the files after it are still read."""
    try:
        return parse_file(Path(path).read_bytes(), str(path), fmt)
    except OSError as error:
        return Parsed(rejected=(Rejection(str(path), "file", error.strerror or str(error)),))
    except PapersError as error:
        reason = str(error).removeprefix(f"{path}: ")
        return Parsed(rejected=(Rejection(str(path), "file", reason),))


def ingest_pages(
    store: Store, pages: Iterable[Parsed], report: IngestReport, *, origin: str, now: datetime
) -> None:
    """Store a remote listing page by page; a failing page stops it but keeps what came before."""
    try:
        for parsed in pages:
            store_parsed(store, parsed, report, origin=origin, now=now)
    except FeedError as error:
        report.rejected.append(Rejection(error.origin or origin, "request", error.reason))
        report.failure = error.reason
