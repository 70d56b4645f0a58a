"""Fusing ranked lists from several retrievers (BM25, dense) into one ranking.

Pure functions over plain mappings, so the search, the digest and the benchmarks share them.
Results are dicts ordered best first (ties keep the order in which documents were first seen).
`k` is only ever RRF's smoothing constant; the number of results to keep is `limit`.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import TypeVar

K = TypeVar("K", bound=Hashable)

RRF_K = 60
"""RRF's smoothing constant, the value Cormack, Clarke & Buettcher (2009) found to work well."""


def minmax_normalize(scores: Mapping[K, float]) -> dict[K, float]:
    """Rescale scores linearly onto [0, 1]: the best becomes 1, the worst 0.

    Min-max normalization as in Lee, "Analyses of Multiple Evidence Combination", SIGIR 1997.
    When every score is equal there is no spread to rescale, and every document is as good as
    the best one, so each gets 1.0. An empty mapping gives an empty dict.
    """
    if not scores:
        return {}
    low, high = min(scores.values()), max(scores.values())
    if high == low:
        return {doc: 1.0 for doc in scores}
    spread = high - low
    return {doc: (score - low) / spread for doc, score in scores.items()}


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
    fused: dict[K, float] = {}
    for name, run in runs.items():
        weight = weights[name]
        for doc, score in minmax_normalize(run).items():
            fused[doc] = fused.get(doc, 0.0) + weight * score
    return _best_first(fused, limit)


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
    fused: dict[K, float] = {}
    for name, ranking in rankings.items():
        weight = weights[name]
        seen: set[K] = set()
        for rank, doc in enumerate(ranking, start=1):
            if doc in seen:
                continue
            seen.add(doc)
            fused[doc] = fused.get(doc, 0.0) + weight / (k + rank)
    return _best_first(fused, limit)


def _require_weights(names: Mapping[str, object], weights: Mapping[str, float]) -> None:
    missing = [name for name in names if name not in weights]
    if missing:
        raise ValueError(f"no weight for run(s): {', '.join(missing)}")


def _best_first(scores: dict[K, float], limit: int | None) -> dict[K, float]:
    # sorted() is stable, so equal scores keep first-seen order: deterministic for any K,
    # including keys that cannot be compared with each other.
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    return dict(ranked if limit is None else ranked[:limit])
