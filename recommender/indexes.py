"""Building and keeping the indexes: BM25 and dense, over every paper in the store.

Both indexes have a main segment, built in one go, and a fresh one for what came since
(`BM25Index.add`, `DenseIndex.add` and `replace`). An update reads only the papers stored
after the last one (`iter_keyed(after=max_key)`) and those changed since
(`changed_since`), embeds those whose text is new (embeddings are kept in the store, keyed by
paper and model, with a hash of the text), and adds them to the fresh segments. The main
segments' files are linked into the new index directory, not rewritten, so an update costs
time in proportion to the new papers: adding 1,000 papers to a million takes seconds
besides embedding them (docs/BENCHMARKS.md). When the fresh segments pass `merge_share`
(5%) of the papers the main ones were built from, the update rebuilds both from the store
instead, reusing every stored embedding: BM25's fresh segment is scored with the main
segment's statistics (see `recommender.bm25`), and 5% bounds how far those drift.

A full build reads the store twice in batches (once per index), so that neither the papers
nor both indexes are ever in memory at once. Both indexes and their state are one directory,
swapped into place atomically: a crash mid-build leaves the previous one serving. Updates
of one directory take turns (a lock file beside it), so processes sharing a disk can each
keep it current.

The indexes are a cache derived from the store: every process that searches can keep its
own copy in its own directory (`IndexFollower`), so web processes need only the database.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice
from pathlib import Path

import numpy as np

from recommender.atomic import replace_directory, taking_turns
from recommender.bm25 import BM25Index
from recommender.dense import DenseIndex
from recommender.embed import Embedder
from recommender.errors import IndexMissing
from recommender.models import Paper
from recommender.store import Store
from recommender.store.papers import Watermark

log = logging.getLogger(__name__)

# Papers embedded per model call and per store write: bounds memory on a big backfill.
EMBED_BATCH = 256
# Papers read from the store per step of a build: bounds the Paper objects held at once.
READ_BATCH = 5000
# Fresh segments are scored with the main segments' statistics; past this share of the
# papers the main ones hold, an update rebuilds (see the module docstring).
MERGE_SHARE = 0.05
# How long a process following the store waits for another to embed new papers.
FOLLOW_PATIENCE = timedelta(minutes=10)
STATE_FILE = "state.json"
BM25_DIR = "bm25"
DENSE_DIR = "dense"
Progress = Callable[[int], None]


def lexical_text(paper: Paper) -> str:
    """What BM25 indexes: the title counts twice (a title word says more than an abstract's)."""
    return " ".join((paper.title, paper.title, paper.abstract, " ".join(paper.authors)))


def dense_text(paper: Paper) -> str:
    """What the embedding model reads (it truncates long abstracts at its window)."""
    return f"{paper.title}. {paper.abstract}" if paper.abstract else paper.title


def stored_vector(data: bytes) -> np.ndarray:
    """A vector as the store keeps it (`Store.embeddings`: its float32 bytes)."""
    return np.frombuffer(data, dtype=np.float32)


def text_hash(text: str) -> str:
    """The hash by which a text's stored vector is known (it changes when the text does)."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class IndexSet:
    """The two indexes as built together, and the store state they reflect."""

    bm25: BM25Index
    dense: DenseIndex
    state: dict

    @classmethod
    def load(cls, index_dir: Path, *, model: str, mmap: bool = False) -> IndexSet:
        """Read the indexes; IndexMissing or ModelMismatch say what is wrong and what to run.

        `mmap` leaves the main segments in their files until read (see DenseIndex.load).
        """
        state_file = Path(index_dir) / STATE_FILE
        try:
            state = json.loads(state_file.read_text())
        except (OSError, ValueError) as error:
            raise IndexMissing(
                f"{state_file}: no readable index ({error.__class__.__name__}); "
                "run `papers index` to build it"
            ) from error
        bm25 = BM25Index.load(Path(index_dir) / BM25_DIR, mmap=mmap)
        dense = DenseIndex.load(Path(index_dir) / DENSE_DIR, model=model, mmap=mmap)
        return cls(bm25, dense, state)

    def reflects(self, mark: Watermark) -> bool:
        """Whether these indexes hold every paper of the store as `mark` describes it."""
        return _reflects(self.state, mark)


def _reflects(state: dict, mark: Watermark) -> bool:
    changed = mark.changed.isoformat() if mark.changed else None
    return (state["papers"], state["max_key"], state["changed"]) == (
        mark.papers,
        mark.max_key,
        changed,
    )


@dataclass
class IndexReport:
    """What an index update did."""

    papers: int = 0
    added: int = 0
    changed: int = 0
    embedded: int = 0
    reused: int = 0
    rebuilt: bool = False

    def summary(self) -> str:
        if self.rebuilt:
            what = "indexes rebuilt"
        else:
            what = f"{self.added} new and {self.changed} changed papers indexed"
        return (
            f"{self.papers} papers: {what}; {self.embedded} embedded, "
            f"{self.reused} embeddings reused"
        )


class Indexer:
    """Keeps the indexes in `index_dir` current with the store, for one embedding model."""

    def __init__(
        self,
        store: Store,
        index_dir: Path,
        embedder: Embedder,
        *,
        merge_share: float = MERGE_SHARE,
    ) -> None:
        self.store = store
        self.index_dir = Path(index_dir)
        self.embedder = embedder
        self.merge_share = merge_share

    def update(
        self,
        *,
        rebuild: bool = False,
        progress: Progress | None = None,
        up_to: int | None = None,
    ) -> IndexReport:
        """Bring the indexes up to date with the store, embedding only new or changed papers.

        New and changed papers go into the fresh segments; when those would pass
        `merge_share` of the papers the main ones were built from, or with `rebuild`,
        everything is rebuilt from the store (reusing the stored embeddings). With `up_to`,
        only the papers with keys up to it (those another process has embedded so far).
        """
        with taking_turns(self.index_dir):
            mark = self.store.watermark(up_to=up_to)
            current = None if rebuild else self._current()
            if current is None or self._due_for_merge(current.state, mark):
                return self._build(mark, progress)
            return self._catch_up(current, mark, progress)

    def embed_missing(
        self, *, after: int = 0, batches: int | None = None, progress: Progress | None = None
    ) -> int:
        """Embed the papers with keys above `after` that have no stored vector yet,
        `EMBED_BATCH` at a time (at most `batches` of them, if given), each batch committed
        (so a restart embeds only what is still missing); the highest key it looked at,
        the `after` of the next call."""
        report = IndexReport()
        name = self.embedder.name
        while batches is None or batches > 0:
            batch = self.store.unembedded_papers(name, after=after, limit=EMBED_BATCH)
            if not batch:
                break
            self._chunk_vectors(batch, report)
            after = batch[-1][0]
            batches = None if batches is None else batches - 1
            if progress:
                progress(len(batch))
        return after

    def indexed_through(self) -> int:
        """The highest key the indexes on disk hold (0 when there are none)."""
        try:
            return int(json.loads((self.index_dir / STATE_FILE).read_text())["max_key"])
        except (OSError, ValueError, KeyError):
            return 0

    def is_current(self) -> bool:
        """Whether the indexes on disk hold the store as it is now, from their state file
        alone (cheap enough to ask every few seconds)."""
        try:
            state = json.loads((self.index_dir / STATE_FILE).read_text())
        except (OSError, ValueError):
            return False
        return state.get("model") == self.embedder.name and _reflects(state, self.store.watermark())

    def _due_for_merge(self, state: dict, mark: Watermark) -> bool:
        """Whether the fresh segments and the papers stored since pass the merge share."""
        pending = max(mark.papers - state["papers"], 0)
        return state["fresh"] + pending > self.merge_share * state["built"]

    def _current(self) -> IndexSet | None:
        try:
            # An update adds to the fresh segments only: the main ones can stay on disk.
            return IndexSet.load(self.index_dir, model=self.embedder.name, mmap=True)
        except IndexMissing as error:
            log.info("building the indexes from scratch: %s", error)
            return None

    def _build(self, mark: Watermark, progress: Progress | None) -> IndexReport:
        """Both indexes from every paper up to `mark`, read twice in batches, never all at once."""
        report = IndexReport(papers=mark.papers, rebuilt=True)
        with replace_directory(self.index_dir) as staging:
            # One index at a time, so that the peak memory is the larger one's, not the sum.
            texts = (
                (_keys(batch), [lexical_text(paper) for _, paper in batch])
                for batch in self._batches(0, mark.max_key)
            )
            start = time.perf_counter()
            BM25Index.build_batches(texts).save(staging / BM25_DIR)
            log.info("BM25 index of %d papers built in %.1f s", mark.papers, _since(start))
            start = time.perf_counter()
            vectors = (
                (_keys(batch), self._vectors(batch, report, progress))
                for batch in self._batches(0, mark.max_key)
            )
            dense = DenseIndex.build_batches(
                vectors, model=self.embedder.name, dim=self.embedder.dim, size=mark.papers
            )
            dense.save(staging / DENSE_DIR)
            log.info("dense index of %d papers built in %.1f s", mark.papers, _since(start))
            _write_state(staging, self.embedder.name, mark, built=mark.papers, fresh=0)
        return report

    def _catch_up(
        self, current: IndexSet, mark: Watermark, progress: Progress | None
    ) -> IndexReport:
        """Add the papers stored since `current` was built, and re-index the changed ones."""
        state = current.state
        new = [pair for batch in self._batches(state["max_key"], mark.max_key) for pair in batch]
        changed = self._changed_since(state)
        report = IndexReport(papers=mark.papers, added=len(new), changed=len(changed))
        todo = new + changed
        if not todo and current.reflects(mark):
            return report  # nothing to write: readers keep the index they have loaded
        if todo:
            keys = _keys(todo)
            current.bm25.add(keys, [lexical_text(paper) for _, paper in todo])
            vectors = self._vectors(todo, report, progress)
            current.dense.add(keys[: len(new)], vectors[: len(new)])
            # Always replaced, even when the text hash is unchanged: the store may hold a
            # vector that a crashed update computed but never put in the index.
            current.dense.replace(keys[len(new) :], vectors[len(new) :])
        with replace_directory(self.index_dir) as staging:
            current.bm25.save(staging / BM25_DIR)
            current.dense.save(staging / DENSE_DIR)
            fresh = state["fresh"] + len(todo)
            _write_state(staging, self.embedder.name, mark, built=state["built"], fresh=fresh)
        return report

    def _batches(self, after: int, up_to: int) -> Iterator[list[tuple[int, Paper]]]:
        """The papers with keys in (after, up_to], in key order, `READ_BATCH` at a time.

        Each batch is its own short query: a read kept open while the build writes
        embeddings would stop SQLite from checkpointing its log, which then grows by the
        size of every vector written (2 GB at a million papers).
        """
        while True:
            with closing(self.store.iter_keyed(after=after, batch_size=READ_BATCH)) as rows:
                batch = [pair for pair in islice(rows, READ_BATCH) if pair[0] <= up_to]
            if not batch:
                return
            yield batch
            after = batch[-1][0]

    def _changed_since(self, state: dict) -> list[tuple[int, Paper]]:
        if not state["changed"]:
            return []
        since = datetime.fromisoformat(state["changed"])
        return self.store.changed_since(since, up_to=state["max_key"])

    def _vectors(
        self, keyed: Sequence[tuple[int, Paper]], report: IndexReport, progress: Progress | None
    ) -> np.ndarray:
        """A vector per paper: the stored one while the text is unchanged, else the model's."""
        out = np.zeros((len(keyed), self.embedder.dim), dtype=np.float32)
        for start in range(0, len(keyed), EMBED_BATCH):
            chunk = keyed[start : start + EMBED_BATCH]
            out[start : start + len(chunk)] = self._chunk_vectors(chunk, report)
            if progress:
                progress(len(chunk))
        return out

    def _chunk_vectors(self, chunk: Sequence[tuple[int, Paper]], report: IndexReport):
        texts = [dense_text(paper) for _, paper in chunk]
        hashes = [text_hash(text) for text in texts]
        stored = self.store.embeddings(self.embedder.name, [key for key, _ in chunk])
        out = np.zeros((len(chunk), self.embedder.dim), dtype=np.float32)
        todo = []
        for i, (key, _) in enumerate(chunk):
            if stored.get(key, ("",))[0] == hashes[i]:
                out[i] = stored_vector(stored[key][1])
            else:
                todo.append(i)
        if todo:
            out[todo] = self.embedder.encode([texts[i] for i in todo])
            rows = [(chunk[i][0], hashes[i], out[i].tobytes()) for i in todo]
            self.store.save_embeddings(self.embedder.name, rows)
        report.embedded += len(todo)
        report.reused += len(chunk) - len(todo)
        return out


class IndexFollower:
    """Keeps this process's copy of the indexes current with the store, on a thread of its own.

    Every `interval` it updates its index directory from the store (`Indexer.update`: the
    stored embeddings are reused, and BM25 takes the new papers in a fresh segment), then
    has `load` read the new copy, which searches meanwhile do not wait for
    (`Engine.indexes`). While some papers have no stored vector, the process that indexes
    (the clock) is computing them: it waits for them up to `patience`, so the model runs in
    one process, and then embeds what is still missing itself. Meanwhile it indexes the
    papers embedded so far, so that a long backfill's papers become searchable as it goes;
    and the wait starts over whenever fewer papers are missing than at the last look (the
    other process is still at work).
    """

    def __init__(
        self,
        indexer: Indexer,
        load: Callable[[], object],
        interval: timedelta,
        *,
        patience: timedelta = FOLLOW_PATIENCE,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.indexer = indexer
        self.load = load
        self.interval = interval
        self.patience = patience
        self.monotonic = monotonic
        self._missing_since: float | None = None
        self._missing = 0

    def refresh(self) -> IndexReport | None:
        """Catch the copy up with the store now and load it; None while it waits for
        embeddings another process is computing."""
        if self.indexer.is_current():
            self.load()  # another process on this disk may have written it
            return IndexReport(papers=self.indexer.store.watermark().papers)
        if self._waiting_for_embeddings():
            return self._follow_embedded()
        report = self.indexer.update()
        self.load()
        return report

    def _waiting_for_embeddings(self) -> bool:
        missing = self.indexer.store.unembedded(self.indexer.embedder.name)
        if not missing:
            self._missing_since = None
            return False
        now = self.monotonic()
        if self._missing_since is None or missing < self._missing:
            self._missing_since = now
        self._missing = missing
        return now - self._missing_since < self.patience.total_seconds()

    def _follow_embedded(self) -> IndexReport | None:
        """Index the papers another process has embedded so far; None if none are new."""
        through = self.indexer.store.embedded_through(self.indexer.embedder.name)
        if through <= self.indexer.indexed_through():
            return None
        report = self.indexer.update(up_to=through)
        self.load()
        return report

    @contextmanager
    def following(self) -> Iterator[None]:
        """Refresh every `interval` while the block runs; a failed refresh is logged and the
        copy already loaded keeps serving until the next one."""
        stop = threading.Event()

        def follow() -> None:
            while not stop.wait(self.interval.total_seconds()):
                try:
                    report = self.refresh()
                    if report and (report.added or report.changed or report.rebuilt):
                        log.info("index caught up: %s", report.summary())
                except Exception:  # the follower's boundary: the next round tries again
                    log.exception("catching the index up failed; the loaded copy serves")

        thread = threading.Thread(target=follow, name="index-follower", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()


def _since(start: float) -> float:
    return time.perf_counter() - start


def _keys(keyed: Sequence[tuple[int, Paper]]) -> np.ndarray:
    return np.fromiter((key for key, _ in keyed), dtype=np.int64, count=len(keyed))


def _write_state(staging: Path, model: str, mark: Watermark, *, built: int, fresh: int) -> None:
    state = {
        "model": model,
        "papers": mark.papers,
        "max_key": mark.max_key,
        "changed": mark.changed.isoformat() if mark.changed else None,
        "built": built,
        "fresh": fresh,
    }
    (staging / STATE_FILE).write_text(json.dumps(state, indent=2))
