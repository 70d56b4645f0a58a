"""Does feedback personalize? `papers eval --feedback-rounds N` on a labeled collection.

For each judged query, the query text becomes a new profile's description. Each round
shows the profile the `shown` best papers it has not been shown yet (ranked by
`Matcher.rank`, as a digest ranks); a simulated person likes the shown relevant papers and
dislikes the others, each through `profiles.apply_feedback`, as a button press does. After
each round, nDCG@10 is measured on the papers not shown yet, the residual collection
(Salton & Buckley, "Improving retrieval performance by relevance feedback", 1990), twice:
ranked by the updated profile, and by the unchanged round-0 profile with the same papers
removed. Both rank the residual collection anew with the same `Matcher.rank`, so that they
differ only by what was learned. The pair is the fair comparison: the easy relevant papers
leave the residual collection as they are shown, so residual scores fall with or without
feedback. Round 0 (nothing shown yet) is the same ranking for both. A query whose relevant
papers have all been shown has no residual nDCG and leaves that round's mean, on both sides
alike.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from recommender.evaluate import Qrels, RunScores, measure
from recommender.matching import Matcher
from recommender.profiles import Profile, apply_feedback

SHOWN = 10
DEPTH = 100  # papers of each ranking handed to trec_eval; nDCG@10 needs only the first 10


@dataclass(frozen=True)
class FeedbackEvaluation:
    """Mean residual nDCG@10 after each round: rounds 0..N, with and without feedback.

    `queries` counts, per round, the queries with relevant papers left to find: the mean
    is over them.
    """

    feedback: tuple[float, ...]
    no_feedback: tuple[float, ...]
    queries: tuple[int, ...] = ()

    def gains(self) -> tuple[float, ...]:
        """feedback / no_feedback per round (1.0 at round 0)."""
        return tuple(
            round(f / n, 3) if n else float("nan")
            for f, n in zip(self.feedback, self.no_feedback, strict=True)
        )

    def as_dict(self) -> dict[str, list[float]]:
        return {"feedback": list(self.feedback), "no_feedback": list(self.no_feedback)}


def evaluate_feedback(
    matcher: Matcher,
    queries: Mapping[str, str],
    qrels: Qrels,
    doc_ids: Mapping[int, str],
    *,
    rounds: int,
    shown: int = SHOWN,
    progress: Callable[[int], None] | None = None,
) -> FeedbackEvaluation:
    """Simulate `rounds` rounds of feedback on every judged query; see the module docstring.

    `doc_ids` maps the store's keys to the collection's document ids; `progress` is told
    of each query done.
    """
    simulation = _Simulation(matcher, doc_ids, rounds, shown)
    for qid, text in queries.items():
        if qid in qrels:
            simulation.query(qid, text, qrels[qid])
            if progress:
                progress(1)
    return simulation.result()


class _Simulation:
    """The rounds of every query over one collection, and what each round measured."""

    def __init__(
        self, matcher: Matcher, doc_ids: Mapping[int, str], rounds: int, shown: int
    ) -> None:
        self.matcher = matcher
        self.pool = matcher.pool(doc_ids)
        self.doc_ids = doc_ids
        self.row_of = {int(key): row for row, key in enumerate(self.pool.keys)}
        self.shown = shown
        # Per round: rankings with and without feedback, and the residual judgments.
        self.feedback: list[RunScores] = [{} for _ in range(rounds + 1)]
        self.no_feedback: list[RunScores] = [{} for _ in range(rounds + 1)]
        self.qrels: list[Qrels] = [{} for _ in range(rounds + 1)]

    def query(self, qid: str, text: str, judged: Mapping[str, int]) -> None:
        """One query's rounds: show, rate, re-rank; record each round's two rankings."""
        first = profile = Profile(description=text)
        alive = np.ones(len(self.pool), dtype=bool)
        ranking = unchanged = self.matcher.rank(profile, self.pool)
        residual = dict(judged)
        for number in range(len(self.feedback)):
            if number:
                for key in self._unseen(ranking[0], alive)[: self.shown]:
                    alive[self.row_of[key]] = False
                    liked = residual.pop(self.doc_ids[key], 0) > 0
                    paper_id = self.pool.papers[self.row_of[key]].id
                    profile = apply_feedback(profile, paper_id, "like" if liked else "dislike")
                ranking = self.matcher.rank(profile, self.pool, alive=alive)
                unchanged = self.matcher.rank(first, self.pool, alive=alive)
            self.feedback[number][qid] = self._named(ranking, alive)
            self.no_feedback[number][qid] = self._named(unchanged, alive)
            if any(score > 0 for score in residual.values()):
                self.qrels[number][qid] = dict(residual)

    def result(self) -> FeedbackEvaluation:
        return FeedbackEvaluation(
            feedback=tuple(map(_ndcg, self.feedback, self.qrels)),
            no_feedback=tuple(map(_ndcg, self.no_feedback, self.qrels)),
            queries=tuple(map(len, self.qrels)),
        )

    def _unseen(self, keys: np.ndarray, alive: np.ndarray) -> list[int]:
        return [key for key in keys.tolist() if alive[self.row_of[key]]]

    def _named(self, ranking: tuple[np.ndarray, np.ndarray], alive: np.ndarray) -> dict:
        """The `DEPTH` best papers of a ranking not shown yet, by document id."""
        keys, scores = ranking
        named = {}
        for key, score in zip(keys.tolist(), scores.tolist(), strict=True):
            if alive[self.row_of[key]]:
                named[self.doc_ids[key]] = score
                if len(named) == DEPTH:
                    break
        return named


def _ndcg(run: RunScores, qrels: Qrels) -> float:
    """Mean nDCG@10 over the queries with relevant papers left (trec_eval's, via `measure`)."""
    if not qrels:
        return 0.0
    return measure({q: run.get(q, {}) for q in qrels}, qrels)["ndcg@10"]
