"""Building and keeping the indexes: BM25 and dense, over every paper in the store.

Embeddings are computed once per paper (kept in the store, keyed by paper and model); an
update embeds only new or changed papers and adds them to the dense index. The BM25 index is
rebuilt from the store's text on each update. Both indexes and their state are one directory,
swapped into place atomically: a crash mid-build leaves the previous one serving.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from recommender.atomic import replace_directory
from recommender.bm25 import BM25Index
from recommender.dense import DenseIndex
from recommender.embed import Embedder
from recommender.errors import IndexMissing
from recommender.models import Paper
from recommender.store import Store, Watermark

log = logging.getLogger(__name__)

# Papers embedded per model call and per store write: bounds memory on a big backfill.
EMBED_BATCH = 256
STATE_FILE = "state.json"
Progress = Callable[[int], None]


def lexical_text(paper: Paper) -> str:
    """What BM25 indexes: the title counts twice (a title word says more than an abstract's)."""
    return " ".join((paper.title, paper.title, paper.abstract, " ".join(paper.authors)))


def dense_text(paper: Paper) -> str:
    """What the embedding model reads (it truncates long abstracts at its window)."""
    return f"{paper.title}. {paper.abstract}" if paper.abstract else paper.title


def _text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class IndexSet:
    """The two indexes as built together, and the store state they reflect."""

    bm25: BM25Index
    dense: DenseIndex
    state: dict

    @classmethod
    def load(cls, index_dir: Path, *, model: str) -> IndexSet:
        """Read the indexes; IndexMissing or ModelMismatch say what is wrong and what to run."""
        state_file = Path(index_dir) / STATE_FILE
        try:
            state = json.loads(state_file.read_text())
        except (OSError, ValueError) as error:
            raise IndexMissing(
                f"{state_file}: no readable index ({error.__class__.__name__}); "
                "run `papers index` to build it"
            ) from error
        bm25 = BM25Index.load(Path(index_dir) / "bm25")
        dense = DenseIndex.load(Path(index_dir) / "dense", model=model)
        return cls(bm25, dense, state)

    def reflects(self, mark: Watermark) -> bool:
        """Whether these indexes hold every paper of the store as `mark` describes it."""
        changed = mark.changed.isoformat() if mark.changed else None
        state = self.state
        return (state["papers"], state["max_key"], state["changed"]) == (
            mark.papers,
            mark.max_key,
            changed,
        )


@dataclass
class IndexReport:
    """What an index update did."""

    papers: int = 0
    embedded: int = 0
    reused: int = 0
    dense_added: int = 0
    dense_rebuilt: bool = False

    def summary(self) -> str:
        dense = "rebuilt" if self.dense_rebuilt else f"+{self.dense_added}"
        return (
            f"{self.papers} papers indexed: {self.embedded} embedded, {self.reused} embeddings "
            f"reused; dense index {dense}; BM25 rebuilt"
        )


class Indexer:
    """Keeps the indexes in `index_dir` current with the store, for one embedding model."""

    def __init__(self, store: Store, index_dir: Path, embedder: Embedder) -> None:
        self.store = store
        self.index_dir = Path(index_dir)
        self.embedder = embedder

    def update(self, *, rebuild: bool = False, progress: Progress | None = None) -> IndexReport:
        """Bring the indexes up to date with the store, embedding only new or changed papers."""
        mark = self.store.watermark()
        current = None if rebuild else self._current()
        keyed = list(self.store.iter_keyed())
        report = IndexReport(papers=len(keyed))
        keys = np.array([pk for pk, _ in keyed], dtype=np.int64)
        if current is None:
            vectors = self._vectors(keyed, report, progress)
            dense = DenseIndex.build(keys, vectors, model=self.embedder.name)
            report.dense_rebuilt = True
        else:
            dense = self._grown(current, keyed, report, progress)
        bm25 = BM25Index.build(keys, [lexical_text(paper) for _, paper in keyed])
        self._save(bm25, dense, mark)
        return report

    def _current(self) -> IndexSet | None:
        try:
            return IndexSet.load(self.index_dir, model=self.embedder.name)
        except IndexMissing as error:
            log.info("building the indexes from scratch: %s", error)
            return None

    def _grown(self, current: IndexSet, keyed, report: IndexReport, progress) -> DenseIndex:
        """The current dense index plus the papers added or changed since it was built."""
        held = set(current.dense.keys().tolist())
        changed = self._changed_keys(current.state)
        todo = [(pk, paper) for pk, paper in keyed if pk not in held or pk in changed]
        vectors = self._vectors(todo, report, progress)
        report.reused += len(keyed) - len(todo)
        new = np.array([pk not in held for pk, _ in todo], dtype=bool)
        keys = np.array([pk for pk, _ in todo], dtype=np.int64)
        current.dense.add(keys[new], vectors[new])
        report.dense_added = int(new.sum())
        if (~new).any():
            current.dense.replace(keys[~new], vectors[~new])
        return current.dense

    def _changed_keys(self, state: dict) -> set[int]:
        if not state.get("changed"):
            return set()
        since = datetime.fromisoformat(state["changed"])
        return {pk for pk, _ in self.store.changed_since(since, up_to=state["max_key"])}

    def _vectors(
        self, keyed: Sequence[tuple[int, Paper]], report: IndexReport, progress
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
        hashes = [_text_hash(text) for text in texts]
        stored = self.store.embeddings(self.embedder.name, [pk for pk, _ in chunk])
        todo = [i for i, (pk, _) in enumerate(chunk) if stored.get(pk, ("",))[0] != hashes[i]]
        fresh = self.embedder.encode([texts[i] for i in todo])
        self.store.save_embeddings(
            self.embedder.name,
            [(chunk[i][0], hashes[i], fresh[j].tobytes()) for j, i in enumerate(todo)],
        )
        out = np.zeros((len(chunk), self.embedder.dim), dtype=np.float32)
        for i, (pk, _) in enumerate(chunk):
            if pk in stored and stored[pk][0] == hashes[i]:
                out[i] = np.frombuffer(stored[pk][1], dtype=np.float32)
        out[todo] = fresh
        report.embedded += len(todo)
        report.reused += len(chunk) - len(todo)
        return out

    def _save(self, bm25: BM25Index, dense: DenseIndex, mark: Watermark) -> None:
        state = {
            "model": self.embedder.name,
            "papers": mark.papers,
            "max_key": mark.max_key,
            "changed": mark.changed.isoformat() if mark.changed else None,
        }
        with replace_directory(self.index_dir) as staging:
            bm25.save(staging / "bm25")
            dense.save(staging / "dense")
            (staging / STATE_FILE).write_text(json.dumps(state, indent=2))
