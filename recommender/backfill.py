"""Backfilling a whole archive from OAI-PMH: a harvest that survives restarts, with the
papers it stores embedded as it goes.

Each page's papers and the resumption token that continues after them are committed in one
transaction (`store_parsed` with the `Harvest`), so a restart, even after `kill -9`,
continues from the next page, neither fetching a stored page again nor skipping one. A
token the server has forgotten (OAI's badResumptionToken: tokens expire) starts the
listing again from the newest datestamp stored; the records of that day come again and
are found unchanged. After each page the papers without a stored vector are embedded in
committed batches (`Indexer.embed_missing`), so the model never runs twice on a paper and
whoever builds an index (the clock, each web process's follower) only reads vectors.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from urllib.parse import urlencode

from recommender.errors import BadResumptionToken, FeedError
from recommender.http import Fetcher
from recommender.indexes import Indexer
from recommender.ingest import IngestReport, store_parsed
from recommender.models import Parsed, Rejection
from recommender.sources import oai_pmh
from recommender.store import Store
from recommender.store.harvests import Harvest

log = logging.getLogger(__name__)


@dataclass
class Backfill:
    """One listing harvested into `store`, optionally embedding as it goes.

    `on_page` hears the harvest after each stored page, `on_embedded` each embedded batch's
    size, and `notice` what a person should know (a restart of the listing).
    """

    store: Store
    client: Fetcher
    clock: Callable[[], datetime]
    indexer: Indexer | None = None
    on_page: Callable[[Harvest], None] = lambda harvest: None
    on_embedded: Callable[[int], None] = lambda count: None
    notice: Callable[[str], None] = log.warning

    def resume(self, request: Harvest) -> Harvest:
        """Where `request`'s listing got to, or its start (also when it was finished)."""
        saved = self.store.harvests.get(request.request)
        return saved if saved is not None and not saved.finished else request

    def run(self, harvest: Harvest, report: IngestReport) -> Harvest | None:
        """Harvest from where `harvest` is to the end of the listing, storing (and embedding)
        page by page; a failing request stops it (None) with what came before kept."""
        embedded_after = self._embed(0)  # what a killed run stored but did not embed
        restarted_at = None
        while True:
            try:
                parsed, latest, origin = self._fetch(harvest)
            except BadResumptionToken as error:
                if harvest.token is None or restarted_at == harvest.latest:
                    return self._failed(report, error)
                restarted_at = harvest.latest
                harvest = restart(harvest)
                self.notice(_restart_message(error, harvest))
                continue
            except FeedError as error:
                return self._failed(report, error)
            harvest = advance(harvest, parsed, latest)
            store_parsed(
                self.store, parsed, report, origin=origin, now=self.clock(), harvest=harvest
            )
            self.on_page(harvest)
            embedded_after = self._embed(embedded_after)
            if harvest.finished:
                return harvest

    def _fetch(self, harvest: Harvest) -> tuple[Parsed, date | None, str]:
        params = oai_pmh.request_params(
            from_date=harvest.restart_from or harvest.from_date,
            until_date=harvest.until_date,
            set_spec=harvest.set_spec or None,
            token=harvest.token,
        )
        origin = f"{harvest.base_url}?{urlencode(params)} (page {harvest.pages + 1})"
        parsed, latest = oai_pmh.parse_page(self.client.get(harvest.base_url, params), origin)
        return parsed, latest, origin

    def _embed(self, after: int) -> int:
        if self.indexer is None:
            return after
        return self.indexer.embed_missing(after=after, progress=self.on_embedded)

    def _failed(self, report: IngestReport, error: FeedError) -> None:
        report.rejected.append(Rejection(error.origin, "request", error.reason))
        report.failure = error.reason
        return None


def advance(harvest: Harvest, parsed: Parsed, latest: date | None) -> Harvest:
    """`harvest` after one more page: its token (None at the end: no token, or the same
    token again, which would loop forever; then it is finished), counts, and newest
    datestamp. The first page of a listing says how many records it will have
    (completeListSize)."""
    token = parsed.cursor if parsed.cursor != harvest.token else None
    total = harvest.total
    if harvest.token is None and parsed.total is not None:
        total = harvest.records + parsed.total
    return replace(
        harvest,
        token=token,
        latest=max(filter(None, (harvest.latest, latest)), default=None),
        pages=harvest.pages + 1,
        records=harvest.records + len(parsed.papers) + len(parsed.rejected),
        total=total,
        finished=token is None,
    )


def restart(harvest: Harvest) -> Harvest:
    """The listing asked for again from the newest datestamp stored (OAI-PMH's `from` is
    inclusive, so that day's records come again and are found unchanged)."""
    return replace(harvest, token=None, restart_from=harvest.latest or harvest.from_date)


def _restart_message(error: FeedError, harvest: Harvest) -> str:
    start = harvest.restart_from.isoformat() if harvest.restart_from else "the start"
    return (
        f"{error.reason}: the server forgot where the harvest was; asking for the listing "
        f"again from {start}, the newest datestamp stored (records already stored come "
        "again unchanged)"
    )
