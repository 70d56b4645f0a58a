"""Retrieval quality on labeled collections (BEIR format), measured with trec_eval's metrics.

The metrics come from pytrec_eval (trec_eval's own code) rather than our arithmetic: nDCG@10,
Recall@100 and MRR@10, per ranking (BM25 alone, dense alone, the hybrid `Engine.search`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytrec_eval

from recommender.engine import Engine, Run
from recommender.errors import InvalidQuery, PapersError

Qrels = dict[str, dict[str, int]]
RunScores = dict[str, dict[str, float]]

DEPTH = 100


class BadCollection(PapersError):
    """A corpus, queries or qrels file that is not in BEIR's format."""


def load_queries(path: Path) -> dict[str, str]:
    """BEIR queries: one `{"_id", "text"}` object a line."""
    queries = {}
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            queries[str(item["_id"])] = item["text"]
        except (ValueError, KeyError, TypeError) as error:
            raise BadCollection(f"{path}: line {number}: not a BEIR query ({error})") from error
    return queries


def load_qrels(path: Path) -> Qrels:
    """BEIR qrels: tab-separated `query-id corpus-id score`, after a header line."""
    qrels: Qrels = {}
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines[1:], 2):
        if not line.strip():
            continue
        parts = line.split("\t")
        try:
            query, doc, score = parts[0], parts[1], int(parts[2])
        except (IndexError, ValueError) as error:
            raise BadCollection(
                f"{path}: line {number}: expected query-id, corpus-id, score"
            ) from error
        qrels.setdefault(query, {})[doc] = score
    return qrels


def measure(run: RunScores, qrels: Qrels) -> dict[str, float]:
    """Mean nDCG@10, Recall@100 and MRR@10 over the queries that have judgments."""
    means = trec_means(run, qrels, {"ndcg_cut_10": "ndcg@10", "recall_100": "recall@100"})
    # MRR@10: the reciprocal rank of the first relevant paper within the top 10.
    top10 = {q: dict(sorted(docs.items(), key=lambda kv: -kv[1])[:10]) for q, docs in run.items()}
    return means | trec_means(top10, qrels, {"recip_rank": "mrr@10"})


def trec_means(run: RunScores, qrels: Qrels, measures: Mapping[str, str]) -> dict[str, float]:
    """The mean of each of trec_eval's `measures` (its name: ours) over the judged queries.

    A judged query that the run does not rank counts as 0.
    """
    judged = {q: docs for q, docs in run.items() if q in qrels}
    per_query = pytrec_eval.RelevanceEvaluator(qrels, set(measures)).evaluate(judged)
    return {
        ours: round(sum(per_query.get(q, {}).get(name, 0.0) for q in qrels) / len(qrels), 4)
        for name, ours in measures.items()
    }


@dataclass(frozen=True)
class Evaluation:
    bm25: dict[str, float]
    dense: dict[str, float]
    hybrid: dict[str, float]
    latency_ms: dict[str, float]

    def as_dict(self) -> dict:
        return {
            "bm25": self.bm25,
            "dense": self.dense,
            "hybrid": self.hybrid,
            "latency_ms": self.latency_ms,
        }


def _named(run: Run, doc_ids: Mapping[int, str]) -> dict[str, float]:
    return {doc_ids[k]: s for k, s in run.as_dict().items() if k in doc_ids}


def evaluate(
    engine: Engine, queries: Mapping[str, str], qrels: Qrels, doc_ids: Mapping[int, str]
) -> Evaluation:
    """Rank every judged query three ways and measure each; time the hybrid search."""
    runs: dict[str, RunScores] = {"bm25": {}, "dense": {}, "hybrid": {}}
    latencies = []
    for qid, text in queries.items():
        if qid not in qrels:
            continue
        runs["bm25"][qid] = _named(engine.bm25_run(text, DEPTH), doc_ids)
        runs["dense"][qid] = _named(engine.dense_run(text, DEPTH), doc_ids)
        started = time.perf_counter()
        try:
            hits = engine.search(text, k=DEPTH)
        except InvalidQuery:
            hits = []  # a query of only common words finds nothing, as a user would see
        latencies.append((time.perf_counter() - started) * 1000)
        runs["hybrid"][qid] = {doc_ids[h.key]: h.score for h in hits if h.key in doc_ids}
    judged = {q: d for q, d in qrels.items() if q in queries}
    p50, p95 = np.percentile(latencies, [50, 95]) if latencies else (0.0, 0.0)
    return Evaluation(
        bm25=measure(runs["bm25"], judged),
        dense=measure(runs["dense"], judged),
        hybrid=measure(runs["hybrid"], judged),
        latency_ms={"p50": round(float(p50), 2), "p95": round(float(p95), 2)},
    )
