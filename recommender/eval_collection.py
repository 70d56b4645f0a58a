"""`papers eval` as one function: a BEIR collection stored and indexed in a work dir, its
queries ranked and measured (recommender/evaluate.py), then, if asked, rounds of simulated
feedback (recommender/feedback_eval.py); or, with users' libraries instead of queries, the
digest's ranking measured on them (recommender/library_eval.py).

It lives beside those two because feedback_eval imports evaluate: the sequence needs both.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from recommender.embed import Embedder
from recommender.engine import Engine
from recommender.errors import ModelMismatch
from recommender.evaluate import BadCollection, Evaluation, evaluate, load_qrels, load_queries
from recommender.feedback_eval import FeedbackEvaluation, evaluate_feedback
from recommender.fusion import Fusion
from recommender.indexes import Indexer, Progress
from recommender.ingest import IngestReport, ingest_file
from recommender.library_eval import LibraryEvaluation, evaluate_libraries, load_libraries
from recommender.matching import Matcher
from recommender.store import Store, sqlite_url

# Opens a progress bar for (what, total) and yields the function that advances it.
Bars = Callable[[str, int], AbstractContextManager[Progress]]


def no_bars(what: str, total: int) -> AbstractContextManager[Progress]:
    return nullcontext(lambda done: None)


@dataclass(frozen=True)
class Collection:
    """A BEIR-format collection: `corpus.jsonl`, `queries.jsonl` and a qrels TSV."""

    corpus: Path
    queries: Path
    qrels: Path


@dataclass(frozen=True)
class CollectionEvaluation:
    """What `papers eval` reports; `indexed` says what an index update did, if one ran."""

    retrieval: Evaluation
    feedback: FeedbackEvaluation | None = None
    indexed: str | None = None

    def as_dict(self) -> dict:
        extra = self.feedback.as_dict() if self.feedback else {}
        return self.retrieval.as_dict() | extra


@dataclass(frozen=True)
class LibraryCollectionEvaluation:
    """What `papers eval --libraries` reports; `indexed` as in `CollectionEvaluation`."""

    libraries: LibraryEvaluation
    indexed: str | None = None


def evaluate_collection(
    collection: Collection,
    embedder: Embedder,
    fusion: Fusion,
    *,
    now: datetime,
    work_dir: Path | None = None,
    feedback_rounds: int = 0,
    bars: Bars = no_bars,
) -> CollectionEvaluation:
    """Measure bm25, dense and hybrid on `collection` (and feedback, after `feedback_rounds`).

    The store and indexes go in `work_dir`, kept there so that a rerun embeds nothing
    again; without one, in a temporary directory removed at the end.
    """
    with _work_dir(work_dir) as root:
        store = Store.open(sqlite_url(root))
        try:
            return _evaluate(collection, store, root, embedder, fusion, now, feedback_rounds, bars)
        finally:
            store.close()


def evaluate_library_collection(
    corpus: Path,
    libraries: Path,
    embedder: Embedder,
    fusion: Fusion,
    *,
    now: datetime,
    work_dir: Path | None = None,
    bars: Bars = no_bars,
) -> LibraryCollectionEvaluation:
    """Measure the digest's ranking on users' libraries over `corpus` (`library_eval`).

    The store and indexes go in `work_dir` as for `evaluate_collection`.
    """
    with _work_dir(work_dir) as root:
        store = Store.open(sqlite_url(root))
        try:
            engine, indexed, doc_ids = _indexed(corpus, store, root, embedder, fusion, now, bars)
            paper_ids = {doc_ids[key]: paper.id for key, paper in store.iter_keyed()}
            users = load_libraries(libraries, paper_ids)
            with bars("users", len(users.users)) as progress:
                result = evaluate_libraries(Matcher(engine), users, paper_ids, progress=progress)
            return LibraryCollectionEvaluation(result, indexed)
        finally:
            store.close()


def _evaluate(
    collection: Collection,
    store: Store,
    root: Path,
    embedder: Embedder,
    fusion: Fusion,
    now: datetime,
    rounds: int,
    bars: Bars,
) -> CollectionEvaluation:
    engine, indexed, doc_ids = _indexed(collection.corpus, store, root, embedder, fusion, now, bars)
    queries, qrels = load_queries(collection.queries), load_qrels(collection.qrels)
    retrieval = evaluate(engine, queries, qrels, doc_ids)
    feedback = None
    if rounds:
        with bars("feedback", len(qrels.keys() & queries.keys())) as progress:
            feedback = evaluate_feedback(
                Matcher(engine), queries, qrels, doc_ids, rounds=rounds, progress=progress
            )
    return CollectionEvaluation(retrieval, feedback, indexed)


def _indexed(
    corpus: Path,
    store: Store,
    root: Path,
    embedder: Embedder,
    fusion: Fusion,
    now: datetime,
    bars: Bars,
) -> tuple[Engine, str | None, dict[int, str]]:
    """The corpus stored and indexed in `root`: the engine, what the index update did (None
    when there was nothing to do), and each store key's corpus document id."""
    report = IngestReport()
    ingest_file(store, corpus, report, now=now, fmt="beir-corpus")
    if report.rejected:
        raise BadCollection(f"{corpus}: {report.rejected[0]}")
    engine = Engine(store, root / "index", embedder, fusion)
    indexer = Indexer(store, root / "index", embedder)
    indexed = None
    if not indexer.is_current():
        with bars("embedding", store.count()) as progress:
            try:
                indexed = indexer.update(progress=progress).summary()
            except ModelMismatch:  # a work dir kept from a run with another recipe
                indexed = indexer.update(rebuild=True, progress=progress).summary()
    doc_ids = {key: paper.extras["beir_id"] for key, paper in store.iter_keyed()}
    return engine, indexed, doc_ids


@contextmanager
def _work_dir(path: Path | None) -> Iterator[Path]:
    if path is not None:
        path.mkdir(parents=True, exist_ok=True)
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="papers-eval-") as tmp:
        yield Path(tmp)
