"""Papers by arXiv id, for links people share: from the store, else fetched from arXiv once.

A paper the archive does not hold is asked of the arXiv API by id (`arxiv_api.fetch_ids`,
through the caller's paced client and the ingest's parser) and stored, so the next look-up
finds it in the store. The asking runs on one worker thread, so the client keeps arXiv's
pace (3 s between calls) within the process; a caller waits for it at most `wait` seconds
and gets what is known by then, while the fetch goes on and stores the paper for later.

Each id is asked for once per `remember` seconds, however many callers want it meanwhile:
a fetch in flight is shared by everyone who wants its ids (single flight), and a finished
one is remembered, so an id arXiv did not know (or a failed call) is not asked for again
until then. The memory is this process's: another web process asks on its own, at most
once per `remember` seconds as well, and finds in the shared store whatever any process
fetched.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime

from recommender.http import Fetcher
from recommender.ingest import IngestReport, store_parsed
from recommender.models import Paper
from recommender.sources import arxiv_api
from recommender.store import Store

log = logging.getLogger(__name__)

# How long a caller waits for arXiv: Slack shows an unfurl only if it comes within seconds.
WAIT = 4.0
# How long an answer of arXiv (a paper, no such paper, a failure) stands before asking again.
REMEMBER = 120.0


@dataclass(frozen=True)
class _Flight:
    """One call to arXiv for some ids, and when it was made (time.monotonic)."""

    future: Future[dict[str, Paper]]
    started: float


class PaperLookup:
    """Papers by canonical arXiv id: the store's, or arXiv's within `wait` seconds."""

    def __init__(
        self,
        store: Store,
        client: Fetcher,
        *,
        clock: Callable[[], datetime],
        base_url: str = arxiv_api.API_URL,
        wait: float = WAIT,
        remember: float = REMEMBER,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.client = client
        self.clock = clock
        self.base_url = base_url
        self.wait = wait
        self.remember = remember
        self._monotonic = monotonic
        self._flights: dict[str, _Flight] = {}
        self._lock = threading.Lock()
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="arxiv-lookup")

    def papers(self, paper_ids: Sequence[str]) -> dict[str, Paper]:
        """The papers of `paper_ids` that are known now or arrive within `wait` seconds."""
        found = {pid: paper for pid in paper_ids if (paper := self.store.get(pid)) is not None}
        flights = self._flights_for([pid for pid in paper_ids if pid not in found])
        done, _ = wait({flight.future for flight in flights.values()}, timeout=self.wait)
        for pid, flight in flights.items():
            if flight.future in done and flight.future.exception() is None:
                paper = flight.future.result().get(pid)
                if paper is not None:
                    found[pid] = paper
        return {pid: found[pid] for pid in paper_ids if pid in found}

    def _flights_for(self, paper_ids: list[str]) -> dict[str, _Flight]:
        """The flight that answers each id: one under way or remembered, else a new one."""
        with self._lock:
            now = self._monotonic()
            self._forget_before(now - self.remember)
            new = [pid for pid in dict.fromkeys(paper_ids) if pid not in self._flights]
            if new:
                flight = _Flight(self._worker.submit(self._fetch, tuple(new)), now)
                self._flights.update(dict.fromkeys(new, flight))
            return {pid: self._flights[pid] for pid in paper_ids}

    def _forget_before(self, moment: float) -> None:
        stale = [
            pid
            for pid, flight in self._flights.items()
            if flight.future.done() and flight.started < moment
        ]
        for pid in stale:
            del self._flights[pid]

    def _fetch(self, paper_ids: tuple[str, ...]) -> dict[str, Paper]:
        """Ask arXiv for the papers, store them as the ingest does, and return them."""
        origin = f"{self.base_url} (id_list={','.join(paper_ids)})"
        try:
            data = arxiv_api.fetch_ids(self.client, paper_ids, base_url=self.base_url)
            report = IngestReport()
            store_parsed(self.store, arxiv_api.parse(data, origin), report, origin=origin,
                         now=self.clock())  # fmt: skip
        except Exception:
            # Whoever waits gets what is known; the reason goes to the log, not to a channel.
            log.exception("could not look up %s", origin)
            raise
        for rejection in report.rejected:
            log.warning("%s", rejection)
        stored = {pid: self.store.get(pid) for pid in paper_ids}
        return {pid: paper for pid, paper in stored.items() if paper is not None}
