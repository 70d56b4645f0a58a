"""The hybrid search: BM25 and dense runs over the indexes, fused into one ranking.

One `Engine.search` answers the CLI, the slash command, "More like this" and the Home tab.
The digests rank a day's papers with the same parts: the same BM25 statistics, the same
stored vectors and tokenizer, and the same `fusion.Fusion` (`recommender.matching` adds what
only a profile has on top). `recommender.indexes` builds what it searches.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from recommender.embed import Embedder
from recommender.errors import IndexMissing, InvalidQuery
from recommender.fusion import Fusion
from recommender.indexes import STATE_FILE, IndexSet
from recommender.models import Paper
from recommender.store import Store
from recommender.text import tokenize

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Filters:
    """Restrict a search to a category, papers published since a time, and an author."""

    category: str | None = None
    since: datetime | None = None
    author: str | None = None

    @property
    def active(self) -> bool:
        return any((self.category, self.since, self.author))


@dataclass(frozen=True)
class Hit:
    """One search result and the evidence for it: each index's score and 1-based rank."""

    key: int
    paper: Paper
    score: float
    bm25_score: float | None = None
    bm25_rank: int | None = None
    dense_score: float | None = None
    dense_rank: int | None = None


@dataclass(frozen=True)
class Floor:
    """Where a search's evidence ends: a result holds a query term (the BM25 run found it)
    or is close in meaning (cosine to the query at least `dense`). Without it, the dense run
    adds its `depth` nearest papers however far they are: 364 "results" for a query that a
    dozen papers match. The floor is under the digests' `MatchSettings.min_similarity`
    (0.3): a query of a few words sits further from any abstract than a description does."""

    dense: float = 0.25


class Results(list[Hit]):
    """A page of hits, and how many papers the query matches in all (`total`; a lower
    bound when not `complete`, i.e. when an index had more candidates than it was asked).

    A list, as a search's answer was before it had a total, so that callers that only
    want the hits (the evaluation, the CLI) take it as they did.
    """

    def __init__(self, hits: Iterable[Hit], total: int, complete: bool = True) -> None:
        super().__init__(hits)
        self.total = total
        self.complete = complete


@dataclass(frozen=True)
class Run:
    """One index's answer: keys best first and their scores."""

    keys: np.ndarray
    scores: np.ndarray

    def as_dict(self) -> dict[int, float]:
        return dict(zip(self.keys.tolist(), self.scores.tolist(), strict=True))


class Engine:
    """Indexes over one store, kept in `index_dir`, for one embedding model."""

    def __init__(
        self,
        store: Store,
        index_dir: Path,
        embedder: Embedder,
        fusion: Fusion | None = None,
        floor: Floor | None = Floor(),
    ) -> None:
        """`floor` None keeps every candidate the indexes give (to compare rankings whole)."""
        self.store = store
        self.index_dir = Path(index_dir)
        self.embedder = embedder
        self.fusion = fusion or Fusion()
        self.floor = floor
        self._indexes: IndexSet | None = None
        self._stamp: int | None = None
        self._lock = threading.Lock()
        self._loading = threading.Lock()  # one thread reads a new copy from disk at a time

    # Loading --------------------------------------------------------------------------

    def indexes(self) -> IndexSet:
        """The indexes on disk, reloaded when they were replaced (by the scheduler, or this
        process's `IndexFollower`). While one thread reads the new copy, the others go on
        searching the old one; the new one is swapped in whole once read."""
        with self._lock:
            current, stamp = self._indexes, self._stamp
        if current is not None and stamp == self._disk_stamp():
            return current
        if not self._loading.acquire(blocking=current is None):
            return current  # another thread is reading the new copy
        try:
            return self._reload()
        finally:
            self._loading.release()

    def _reload(self) -> IndexSet:
        stamp = self._disk_stamp()
        with self._lock:
            if self._indexes is not None and self._stamp == stamp:
                return self._indexes  # read by the thread this one waited for
        loaded = IndexSet.load(self.index_dir, model=self.embedder.name)
        with self._lock:
            self._indexes, self._stamp = loaded, stamp
        return loaded

    def _disk_stamp(self) -> int | None:
        try:
            return (self.index_dir / STATE_FILE).stat().st_mtime_ns
        except OSError:
            return None

    def is_current(self) -> bool:
        """Whether the indexes on disk hold every paper in the store, as it is now."""
        try:
            return self.indexes().reflects(self.store.watermark())
        except IndexMissing:
            return False

    # Searching ------------------------------------------------------------------------

    def bm25_run(self, query: str, depth: int) -> Run:
        keys, scores = self.indexes().bm25.search(query, depth)
        return Run(keys, scores)

    def dense_run(self, query: str, depth: int) -> Run:
        vector = self.embedder.encode([query])[0]
        keys, scores = self.indexes().dense.search(vector, depth)
        return Run(keys, scores)

    def search(
        self, query: str, *, k: int = 10, offset: int = 0, filters: Filters | None = None
    ) -> Results:
        """The `k` best papers for `query` after the first `offset`, with their evidence;
        only papers past the `floor` are results."""
        query = " ".join(query.split())
        if not query:
            raise InvalidQuery("the query is empty: type a few words, e.g. `speculative decoding`")
        if not tokenize(query):
            raise InvalidQuery(
                f"`{query[:50]}` has only common words; add a topic, method or author"
            )
        filters = filters or Filters()
        # A filter removes candidates after retrieval, so ask each index for more of them.
        depth = max(self.fusion.depth, offset + k) * (10 if filters.active else 1)
        bm25, dense = self.bm25_run(query, depth), self.dense_run(query, depth)
        close = self._close(dense)
        related = None if self.floor is None else set(bm25.keys.tolist() + close.keys.tolist())
        # A run that filled its depth may have had more to give: the total is then a minimum.
        complete = len(bm25.keys) < depth and len(close.keys) < depth
        if filters.active:
            allowed = self.store.filter_keys(
                set(bm25.keys.tolist()) | set(dense.keys.tolist()),
                category=filters.category,
                since=filters.since,
                author=filters.author,
            )
            bm25, dense = _only(bm25, allowed), _only(dense, allowed)
        fused = list(self.fusion.fuse(bm25.as_dict(), dense.as_dict()).items())
        if related is not None:
            # Cut after fusing, so that the ranking of what stays is the fusion's own.
            fused = [(key, score) for key, score in fused if key in related]
        hits = self._hits(fused[offset : offset + k], bm25, dense)
        return Results(hits, len(fused), complete)

    def similar(self, paper_id: str, *, k: int = 5, offset: int = 0) -> Results:
        """Papers like `paper_id` ("More like this"): its title and abstract as the query."""
        paper = self.store.get(paper_id)
        if paper is None:
            raise InvalidQuery(f"no paper {paper_id!r} in the archive")
        query = f"{paper.title}. {paper.abstract}"
        found = self.search(query, k=k + offset + 1)
        others = [hit for hit in found if hit.paper.id != paper.id]
        # The paper matches its own text: it is one of the total, and not shown.
        total = max(found.total - 1, len(others))
        return Results(others[offset : offset + k], total, found.complete)

    def _close(self, dense: Run) -> Run:
        """The dense candidates close enough to the query to be results (all, without floor)."""
        if self.floor is None:
            return dense
        mask = dense.scores >= self.floor.dense
        return Run(dense.keys[mask], dense.scores[mask])

    def _hits(self, fused: list[tuple[int, float]], bm25: Run, dense: Run) -> list[Hit]:
        papers = self.store.by_keys([key for key, _ in fused])
        evidence = {name: _ranks(run) for name, run in (("bm25", bm25), ("dense", dense))}
        hits = []
        for key, score in fused:
            if key not in papers:
                continue  # removed from the store since the index was built
            b_rank, b_score = evidence["bm25"].get(key, (None, None))
            d_rank, d_score = evidence["dense"].get(key, (None, None))
            hits.append(Hit(key, papers[key], score, b_score, b_rank, d_score, d_rank))
        return hits


def _only(run: Run, allowed: set[int]) -> Run:
    mask = np.array([key in allowed for key in run.keys.tolist()], dtype=bool)
    return Run(run.keys[mask], run.scores[mask])


def _ranks(run: Run) -> dict[int, tuple[int, float]]:
    return {
        key: (rank, score)
        for rank, (key, score) in enumerate(
            zip(run.keys.tolist(), run.scores.tolist(), strict=True), 1
        )
    }
