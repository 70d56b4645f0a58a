"""Candidate papers prepared once, so that many profiles can be scored against them cheaply.

A `Pool` holds the day's new papers (or, for the feedback evaluation, a whole collection)
with what every profile needs of them: their stored embeddings, the BM25 score of each of
their terms (`BM25Index.text_weights`: the index's own scores, read from the papers' text,
so the cost follows the pool, not the archive), and lookups for phrases, authors and
categories. Scoring a thousand profiles against one pool then costs a few array operations
per profile.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from recommender.bm25 import BM25Index
from recommender.categories import in_category
from recommender.embed import Embedder
from recommender.indexes import dense_text, lexical_text, stored_vector, text_hash
from recommender.models import Paper
from recommender.names import author_key
from recommender.store import Store
from recommender.text import tokenize

# Papers whose similarities to the whole pool are computed at once when finding neighbours.
_BLOCK = 1024


def paper_vectors(store: Store, embedder: Embedder, papers: Mapping[int, Paper]) -> np.ndarray:
    """One unit vector per paper, in the mapping's order: the store's, else embedded now.

    The indexer stores every paper's vector; a paper stored since the last index update
    has none yet, and only those are embedded here (and not saved: the indexer owns that).
    """
    keys = list(papers)
    stored = store.embeddings(embedder.name, keys)
    out = np.zeros((len(keys), embedder.dim), dtype=np.float32)
    missing = []
    for row, key in enumerate(keys):
        if key in stored:
            out[row] = stored_vector(stored[key][1])
        else:
            missing.append(row)
    if missing:
        out[missing] = embedder.encode([dense_text(papers[keys[row]]) for row in missing])
    return out


def text_vectors(store: Store, embedder: Embedder, texts: Sequence[str]) -> np.ndarray:
    """One unit vector per text that is no paper of the store (a profile's text seeds):
    the store's, else embedded now and kept there, so that each is embedded once."""
    hashes = [text_hash(text) for text in texts]
    stored = store.text_embeddings(embedder.name, hashes)
    out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    missing = [row for row, h in enumerate(hashes) if h not in stored]
    for row, h in enumerate(hashes):
        if h in stored:
            out[row] = stored_vector(stored[h])
    if missing:
        out[missing] = embedder.encode([texts[row] for row in missing])
        fresh = {hashes[row]: out[row].tobytes() for row in missing}
        store.save_text_embeddings(embedder.name, list(fresh.items()))
    return out


@dataclass
class Pool:
    """Candidate papers under their integer keys, with their vectors and lookups."""

    keys: np.ndarray
    papers: list[Paper]
    vectors: np.ndarray
    # Each paper's title and abstract as " term term ... ", to find phrases in.
    _texts: list[str] = field(default_factory=list)
    _row_of: dict[str, int] = field(default_factory=dict)
    _rows_with: dict[str, list[int]] = field(default_factory=dict)
    _authors: dict[str, list[int]] = field(default_factory=dict)
    # Rows by category; papers whose source gave no categories are under "".
    _categories: dict[str, list[int]] = field(default_factory=dict)
    # Each term's BM25 scores in the pool: the rows that hold it, and the scores there.
    _postings: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    _phrases: dict[tuple[str, ...], np.ndarray] = field(default_factory=dict)
    _neighbours: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    _links: dict[tuple[int, float], tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)

    @classmethod
    def build(cls, store: Store, embedder: Embedder, bm25: BM25Index, keys: Iterable[int]) -> Pool:
        """The papers of `keys` that are still in the store and not withdrawn, in key order."""
        # A withdrawn paper is never a candidate: its author asked arXiv to take it back.
        stored = store.by_keys(sorted(set(keys)))
        papers = {key: paper for key, paper in stored.items() if not paper.withdrawn}
        pool = cls(
            keys=np.fromiter(papers, dtype=np.int64, count=len(papers)),
            papers=list(papers.values()),
            vectors=paper_vectors(store, embedder, papers),
        )
        pool._index_text()
        pool._index_weights(bm25.text_weights([lexical_text(paper) for paper in pool.papers]))
        return pool

    def __len__(self) -> int:
        return len(self.keys)

    def mask_without(self, paper_ids: Iterable[str]) -> np.ndarray:
        """True for every paper but those of `paper_ids` (sent or rated before)."""
        mask = np.ones(len(self), dtype=bool)
        for paper_id in paper_ids:
            row = self._row_of.get(paper_id)
            if row is not None:
                mask[row] = False
        return mask

    def row(self, paper_id: str) -> int | None:
        """The row of a paper of the pool, None if it is not in the pool."""
        return self._row_of.get(paper_id)

    def _index_text(self) -> None:
        for row, paper in enumerate(self.papers):
            self._row_of[paper.id] = row
            # Phrases are matched in the title and abstract, not the author list.
            terms = tokenize(f"{paper.title} {paper.abstract}")
            self._texts.append(f" {' '.join(terms)} ")
            for term in set(terms):
                self._rows_with.setdefault(term, []).append(row)
            for author in paper.authors:
                self._authors.setdefault(author_key(author), []).append(row)
            for category in paper.categories or ("",):
                self._categories.setdefault(category, []).append(row)

    def _index_weights(self, weights: list[dict[str, float]]) -> None:
        postings: dict[str, tuple[list[int], list[float]]] = {}
        for row, terms in enumerate(weights):
            for term, weight in terms.items():
                rows, scores = postings.setdefault(term, ([], []))
                rows.append(row)
                scores.append(weight)
        for term, (rows, scores) in postings.items():
            self._postings[term] = (np.array(rows), np.array(scores, dtype=np.float32))

    def lexical(self, weights: Mapping[str, float]) -> np.ndarray:
        """Each paper's BM25 score for the weighted terms: sum of weight * term score."""
        total = np.zeros(len(self), dtype=np.float32)
        for term, weight in weights.items():
            if term in self._postings:
                rows, scores = self._postings[term]
                total[rows] += weight * scores
        return total

    def phrase_mask(self, phrase: Sequence[str]) -> np.ndarray:
        """Which papers hold the tokenized `phrase` as consecutive terms."""
        phrase = tuple(phrase)
        if phrase not in self._phrases:
            mask = np.zeros(len(self), dtype=bool)
            rows = set.intersection(*(set(self._rows_with.get(term, ())) for term in phrase))
            padded = f" {' '.join(phrase)} "
            for row in rows:
                mask[row] = padded in self._texts[row]
            self._phrases[phrase] = mask
        return self._phrases[phrase]

    def neighbours(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Each paper's `k` nearest other papers of the pool: their rows and cosines (len x k).

        Computed once per pool and `k`, in blocks, so that a large pool (an evaluation's
        whole corpus) never holds its full similarity matrix.
        """
        k = max(0, min(k, len(self) - 1))
        if k not in self._neighbours:
            rows = np.zeros((len(self), k), dtype=np.int64)
            cosines = np.zeros((len(self), k), dtype=np.float32)
            for start in range(0, len(self) if k else 0, _BLOCK):
                block = self.vectors[start : start + _BLOCK] @ self.vectors.T
                own = np.arange(len(block))
                block[own, own + start] = -np.inf  # not its own neighbour
                nearest = np.argpartition(-block, k - 1, axis=1)[:, :k]
                rows[start : start + len(block)] = nearest
                cosines[start : start + len(block)] = np.take_along_axis(block, nearest, axis=1)
            self._neighbours[k] = (rows, cosines)
        return self._neighbours[k]

    def links(self, k: int, min_similarity: float) -> tuple[np.ndarray, np.ndarray]:
        """The pool's symmetric nearest-neighbour graph as (sources, targets), each edge in
        both directions once: a paper is linked to its `k` nearest papers at least
        `min_similarity` close, and to those that have it among theirs."""
        if (k, min_similarity) not in self._links:
            rows, cosines = self.neighbours(k)
            close = cosines >= min_similarity
            sources = np.repeat(np.arange(len(self)), rows.shape[1])[close.ravel()]
            targets = rows.ravel()[close.ravel()]
            edges = np.unique(
                np.concatenate([sources * len(self) + targets, targets * len(self) + sources])
            )
            self._links[(k, min_similarity)] = (edges // len(self), edges % len(self))
        return self._links[(k, min_similarity)]

    def author_rows(self, names: Iterable[str]) -> dict[str, list[int]]:
        """For each followed author who wrote a paper here, the rows of their papers."""
        # A name of punctuation only has an empty key, which must not match anyone.
        found = {name: self._authors.get(author_key(name) or "\0", []) for name in names}
        return {name: rows for name, rows in found.items() if rows}

    def category_mask(self, allowed: tuple[str, ...]) -> np.ndarray:
        """Which papers a profile's `allowed` categories let through (`in_category`).

        No allowed categories allows every paper. A paper whose source gave no categories
        passes too: most digests and feeds carry none, and dropping them all would hide most
        of the day from a profile that names its categories.
        """
        if not allowed:
            return np.ones(len(self), dtype=bool)
        mask = np.zeros(len(self), dtype=bool)
        for category, rows in self._categories.items():
            if not category or any(in_category((category,), wanted) for wanted in allowed):
                mask[rows] = True
        return mask
