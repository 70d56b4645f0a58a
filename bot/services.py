"""What the Slack listeners work with, built once at the entry point and passed in."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.reactions import DEFAULT_REACTIONS
from bot.search import Searcher
from recommender.delivery import GRACE
from recommender.lookup import PaperLookup
from recommender.models import Paper
from recommender.pipeline import Source
from recommender.schedule import Schedule
from recommender.store import Store


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _random_key() -> bytes:
    return secrets.token_bytes(32)


@dataclass(frozen=True)
class Services:
    """The store, the search engine over it, where its indexes live, a clock, the sources.

    `grace` is the scheduler's (PAPERS_DELIVERY_GRACE_HOURS), so that what the app says of
    the next digest is what the scheduler does. `views_key` seals the private metadata of
    modals (bot/sealed.py); `create_app` derives it from the app's secrets so that every
    web process agrees on it. `lookup` fetches from arXiv the papers that people link to
    and the archive lacks (None: the archive's papers only). `reactions`: which emoji
    stand for which verdict (PAPERS_REACTIONS).
    """

    store: Store
    engine: Searcher
    index_dir: Path
    clock: Callable[[], datetime] = field(default=_utc_now)
    # The sources the scheduler ingests, whose health /healthz reports.
    sources: tuple[Source, ...] = ()
    grace: timedelta = GRACE
    views_key: bytes = field(default_factory=_random_key, repr=False)
    lookup: PaperLookup | None = None
    reactions: Mapping[str, str] = field(default_factory=lambda: DEFAULT_REACTIONS)

    def today(self) -> date:
        return self.clock().date()

    def next_digest(self, target: str, schedule: Schedule) -> datetime | None:
        """When `target`'s next digest goes (`Deliveries.next`), now."""
        return self.store.deliveries.next(target, schedule, self.clock(), grace=self.grace)

    def linked_papers(self, paper_ids: Sequence[str]) -> dict[str, Paper]:
        """The papers of these arXiv ids that the archive holds or arXiv gives in time."""
        if self.lookup is not None:
            return self.lookup.papers(paper_ids)
        found = {pid: self.store.get(pid) for pid in paper_ids}
        return {pid: paper for pid, paper in found.items() if paper is not None}
