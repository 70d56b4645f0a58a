"""bm25s score matrices built from term counts, a batch of documents at a time.

bm25s scores a query by summing precomputed columns of a sparse (document x term) matrix of
per-term BM25 scores; `recommender.bm25` explains the formula. bm25s's own `index` builds
that matrix from every document's term ids as Python lists, in a per-document Python loop:
at a million abstracts that is about 1 GB of list objects plus a 2 GB sort, and a minute
of indexing after two of tokenizing. Here each batch is tokenized, counted with numpy and
kept as compact arrays (a term id and a count per distinct term of a document); the matrix
is then filled column by column with a counting sort, batch by batch, so the peak is the
counts plus the finished matrix. The result is an ordinary bm25s matrix and vocabulary,
which bm25s saves, loads and scores with; tests check the scores against rank_bm25.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import bm25s
import numpy as np

from recommender.text import tokenize


@dataclass(frozen=True)
class Stats:
    """What BM25 needs of a collection: its size, mean length, and each term's document count.

    `df[i]` belongs to the term with id `i` in the vocabulary the stats are used with.
    """

    docs: int
    avgdl: float
    df: np.ndarray


@dataclass(frozen=True)
class _Batch:
    terms: np.ndarray  # int32 term id of each (document, distinct term) pair, by document
    counts: np.ndarray  # int32 occurrences of that term in that document
    pairs: np.ndarray  # int64 number of pairs of each document of the batch


class Postings:
    """Term counts of documents added in batches, over a vocabulary that grows with them."""

    def __init__(self, vocab: dict[str, int] | None = None) -> None:
        # Starting from another segment's vocabulary keeps its term ids for shared terms.
        self.vocab: dict[str, int] = dict(vocab or {})
        self._batches: list[_Batch] = []
        self._lengths: list[np.ndarray] = []

    def __len__(self) -> int:
        return sum(len(lengths) for lengths in self._lengths)

    def add(self, texts: Sequence[str]) -> None:
        """Tokenize and count `texts`, the next documents in order."""
        vocab = self.vocab
        docs = [[vocab.setdefault(term, len(vocab)) for term in tokenize(text)] for text in texts]
        lengths = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
        ids = np.fromiter((i for doc in docs for i in doc), dtype=np.int64, count=lengths.sum())
        # One sort gives each document's distinct terms and their counts.
        pair_keys = np.repeat(np.arange(len(docs), dtype=np.int64), lengths) * len(vocab) + ids
        unique, counts = np.unique(pair_keys, return_counts=True)
        doc_of = unique // max(len(vocab), 1)
        self._batches.append(
            _Batch(
                terms=(unique - doc_of * len(vocab)).astype(np.int32),
                counts=counts.astype(np.int32),
                pairs=np.bincount(doc_of, minlength=len(docs)),
            )
        )
        self._lengths.append(lengths)

    def lengths(self) -> np.ndarray:
        """Each document's length in terms (stopwords excluded), in order."""
        return np.concatenate(self._lengths) if self._lengths else np.empty(0, dtype=np.int64)

    def stats(self) -> Stats:
        """These documents' own statistics, over `self.vocab`."""
        lengths = self.lengths()
        df = np.zeros(len(self.vocab), dtype=np.int64)
        for batch in self._batches:
            df += np.bincount(batch.terms, minlength=len(self.vocab))
        avgdl = float(lengths.mean()) if len(lengths) else 0.0
        return Stats(docs=len(lengths), avgdl=avgdl, df=df)

    def scores(self, stats: Stats, *, k1: float, b: float) -> dict:
        """bm25s's score matrix of these documents, scored with `stats` (theirs or another's).

        Consumes the counts: a Postings makes one matrix.
        """
        columns = np.zeros(len(self.vocab), dtype=np.int64)
        for batch in self._batches:
            columns += np.bincount(batch.terms, minlength=len(self.vocab))
        scores = _fill(self._batches, self.lengths(), columns, _idf(stats), stats.avgdl, k1, b)
        self._batches = []
        return scores


def engine(scores: dict, vocab: dict[str, int], *, k1: float, b: float, method: str, idf: str):
    """A bm25s engine over a score matrix: bm25s then scores, saves and loads it as its own."""
    engine = bm25s.BM25(k1=k1, b=b, method=method, idf_method=idf)
    # What bm25s's own `index` sets.
    engine.scores = scores
    engine.vocab_dict = vocab
    engine.unique_token_ids_set = set(vocab.values())
    engine.nonoccurrence_array = None
    return engine


def triples(scores: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A score matrix as (rows, columns, values), column by column."""
    columns = np.repeat(np.arange(len(scores["indptr"]) - 1), np.diff(scores["indptr"]))
    return scores["indices"].astype(np.int64), columns, scores["data"]


def from_triples(rows, columns, values, *, docs: int, terms: int) -> dict:
    """The score matrix holding `values` at (`rows`, `columns`), in bm25s's CSC layout."""
    order = np.lexsort((rows, columns))
    indptr = np.zeros(terms + 1, dtype=np.int64)
    np.cumsum(np.bincount(columns, minlength=terms), out=indptr[1:])
    return {
        "data": np.asarray(values)[order].astype(np.float32),
        "indices": np.asarray(rows)[order].astype(np.int32),
        "indptr": indptr,
        "num_docs": docs,
    }


def _idf(stats: Stats) -> np.ndarray:
    """Robertson idf, clamped at zero, as bm25s's "robertson" computes it."""
    df = stats.df.astype(np.float64)
    return np.log(np.maximum((stats.docs - df + 0.5) / (df + 0.5), 1.0))


def _fill(batches, lengths, columns, idf, avgdl, k1, b) -> dict:
    """The CSC matrix of BM25 scores (bm25s's "atire" tf part), filled by a counting sort."""
    indptr = np.zeros(len(columns) + 1, dtype=np.int64)
    np.cumsum(columns, out=indptr[1:])
    data = np.empty(indptr[-1], dtype=np.float32)
    indices = np.empty(indptr[-1], dtype=np.int32)
    heads = indptr[:-1].copy()  # where the next row of each column goes
    norm = k1 * (1 - b + b * lengths / (avgdl or 1.0))
    first_row = 0
    for batch in batches:
        rows = np.repeat(np.arange(first_row, first_row + len(batch.pairs)), batch.pairs)
        first_row += len(batch.pairs)
        tf = batch.counts.astype(np.float64)
        values = idf[batch.terms] * tf * (k1 + 1) / (tf + norm[rows])
        # A stable sort by term keeps rows ascending within each column, as CSC wants.
        order = np.argsort(batch.terms, kind="stable")
        terms = batch.terms[order]
        rank = np.arange(len(terms)) - np.searchsorted(terms, terms)
        slots = heads[terms] + rank
        data[slots] = values[order]
        indices[slots] = rows[order]
        present, counts = np.unique(terms, return_counts=True)
        heads[present] += counts
    return {"data": data, "indices": indices, "indptr": indptr, "num_docs": len(lengths)}
