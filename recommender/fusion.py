"""Fusing ranked lists from several retrievers (BM25, dense) into one ranking.

`Fusion` is the one rule by which a BM25 run and a dense run become one ranking: the search
(`Engine.search`) and the digests (`Matcher`, over a day's papers) both fuse through it, with
the same weights. The fusion functions are pure, over plain mappings, so the benchmarks use
them too. Results are dicts ordered best first (ties keep the order in which documents were
first seen). `k` is only ever RRF's smoothing constant; the number of results to keep is
`limit`.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

K = TypeVar("K", bound=Hashable)

RRF_K = 60
"""RRF's smoothing constant, the value Cormack, Clarke & Buettcher (2009) found to work well."""


@dataclass(frozen=True)
class Fusion:
    """How a BM25 run and a dense run become one ranking.

    `convex`: min-max normalize each run, then `dense_weight * dense + (1 - dense_weight) *
    bm25`. `rrf`: reciprocal rank fusion with smoothing constant `rrf_k`. `depth`: the
    candidates each index contributes to a search (a digest's candidates are all of the
    day's papers).
    """

    method: str = "convex"
    # Equal weights: which run is the stronger one depends on the collection, and nothing in
    # a query's two runs tells it (docs/BENCHMARKS.md, "Fusion where dense is the stronger
    # side"), so neither is favoured; a tuned 0.4 gained 0.004-0.006 nDCG@10 where BM25 is
    # the stronger side and lost 0.02-0.05 where dense is.
    dense_weight: float = 0.5
    depth: int = 100
    rrf_k: int = RRF_K

    def fuse(self, bm25: Mapping[K, float], dense: Mapping[K, float]) -> dict[K, float]:
        """The two runs (each best first) as one ranking, best first."""
        if self.method == "rrf":
            return reciprocal_rank_fuse({"bm25": list(bm25), "dense": list(dense)}, k=self.rrf_k)
        return convex_fuse({"bm25": bm25, "dense": dense}, self._weights())

    def fuse_rows(self, size: int, bm25: Rows, dense: Rows) -> np.ndarray:
        """`fuse` over rows 0..size-1, each run given as (rows, scores) best first.

        The same arithmetic as `fuse`, for a digest's candidates; a row in neither run is 0.
        """
        runs = {"bm25": bm25, "dense": dense}
        if self.method == "rrf":
            return _rrf_rows(size, {name: rows for name, (rows, _) in runs.items()}, self.rrf_k)
        return _convex_rows(size, runs, self._weights())

    def _weights(self) -> dict[str, float]:
        return {"bm25": 1.0 - self.dense_weight, "dense": self.dense_weight}


def minmax_normalize(scores: Mapping[K, float]) -> dict[K, float]:
    """Rescale scores linearly onto [0, 1]: the best becomes 1, the worst 0.

    Min-max normalization as in Lee, "Analyses of Multiple Evidence Combination", SIGIR 1997.
    When every score is equal there is no spread to rescale, and every document is as good as
    the best one, so each gets 1.0. An empty mapping gives an empty dict.
    """
    values = _minmax(np.fromiter(scores.values(), dtype=np.float64, count=len(scores)))
    return dict(zip(scores, values.tolist(), strict=True))


def convex_fuse(
    runs: Mapping[str, Mapping[K, float]],
    weights: Mapping[str, float],
    *,
    limit: int | None = None,
) -> dict[K, float]:
    """Weighted sum of each run's min-max normalized scores, best first.

    The convex combination of Bruch, Gai & Ingber, "An Analysis of Fusion Functions for
    Hybrid Retrieval", ACM TOIS 2023 (which found it beats RRF when a little tuning data
    exists); with equal weights it is CombSUM (Fox & Shaw, TREC-2, 1994). A document a run
    did not return gets 0 from that run, the normalized score of that run's worst document.
    Every run needs a weight; weights for runs not given are ignored.
    """
    _require_weights(runs, weights)
    docs, row_of = _union(runs.values())
    rows = {
        name: (_rows(run, row_of), np.fromiter(run.values(), np.float64, len(run)))
        for name, run in runs.items()
    }
    return _best_first(docs, _convex_rows(len(docs), rows, weights), limit)


def reciprocal_rank_fuse(
    rankings: Mapping[str, Sequence[K]],
    k: int = RRF_K,
    weights: Mapping[str, float] | None = None,
    *,
    limit: int | None = None,
) -> dict[K, float]:
    """Reciprocal Rank Fusion: score(d) = sum over rankings r of w_r / (k + rank_r(d)).

    Cormack, Clarke & Buettcher, "Reciprocal Rank Fusion outperforms Condorcet and
    individual Rank Learning Methods", SIGIR 2009. Ranks start at 1; `k` (60 in the paper)
    damps the lead of the very top ranks. Weights default to 1 per ranking (the paper's
    unweighted form). A document listed twice in one ranking counts at its best rank.
    """
    if weights is None:
        weights = dict.fromkeys(rankings, 1.0)
    _require_weights(rankings, weights)
    docs, row_of = _union(rankings.values())
    rows = {name: _rows(ranking, row_of) for name, ranking in rankings.items()}
    return _best_first(docs, _rrf_rows(len(docs), rows, k, weights), limit)


Rows = tuple[np.ndarray, np.ndarray]
"""A run over numbered candidates: their row numbers best first, and their scores."""


def _minmax(values: np.ndarray) -> np.ndarray:
    if not len(values):
        return values
    low, high = values.min(), values.max()
    if high == low:
        return np.ones_like(values)
    return (values - low) / (high - low)


def _convex_rows(size: int, runs: Mapping[str, Rows], weights: Mapping[str, float]) -> np.ndarray:
    fused = np.zeros(size, dtype=np.float64)
    for name, (rows, scores) in runs.items():
        fused[rows] += weights[name] * _minmax(np.asarray(scores, dtype=np.float64))
    return fused


def _rrf_rows(
    size: int,
    rankings: Mapping[str, np.ndarray],
    k: int,
    weights: Mapping[str, float] | None = None,
) -> np.ndarray:
    fused = np.zeros(size, dtype=np.float64)
    for name, rows in rankings.items():
        weight = 1.0 if weights is None else weights[name]
        # np.unique's first index of each row is its best rank.
        unique, first = np.unique(np.asarray(rows, dtype=np.int64), return_index=True)
        fused[unique] += weight / (k + first + 1)
    return fused


def _union(runs: Iterable[Iterable[K]]) -> tuple[list[K], dict[K, int]]:
    """Every document of the runs in first-seen order, and each one's row."""
    row_of: dict[K, int] = {}
    for run in runs:
        for doc in run:
            row_of.setdefault(doc, len(row_of))
    return list(row_of), row_of


def _rows(run: Iterable[K], row_of: Mapping[K, int]) -> np.ndarray:
    return np.array([row_of[doc] for doc in run], dtype=np.int64)


def _require_weights(names: Mapping[str, object], weights: Mapping[str, float]) -> None:
    missing = [name for name in names if name not in weights]
    if missing:
        raise ValueError(f"no weight for run(s): {', '.join(missing)}")


def _best_first(docs: list[K], scores: np.ndarray, limit: int | None) -> dict[K, float]:
    # A stable sort, so equal scores keep first-seen order: deterministic for any K,
    # including keys that cannot be compared with each other.
    order = np.argsort(-scores, kind="stable")[:limit]
    return {docs[row]: float(scores[row]) for row in order}
