"""A BM25 index over integer keys: bm25s does the scoring, `recommender.text` the tokenizing.

Scoring is Okapi BM25 (Robertson et al., "Okapi at TREC-3", 1994) as `rank_bm25.BM25Okapi`
computes it, with one difference in the idf of very common terms:

    score(q, d) = sum over terms t of q:  idf(t) * tf(t, d) * (k1 + 1)
                                          / (tf(t, d) + k1 * (1 - b + b * |d| / avgdl))
    idf(t)      = max(0, ln((N - df(t) + 0.5) / (df(t) + 0.5)))

bm25s calls that tf part "atire" (the (k1 + 1) numerator, which BM25Okapi has and bm25s's
"robertson" tf part leaves out) and that idf "robertson", which it clamps at zero.
BM25Okapi instead raises a negative idf (a term in more than half of the documents) to
`epsilon * mean idf over the vocabulary`. So our scores equal BM25Okapi's with `epsilon=0`
exactly, and equal them for any epsilon on every query whose terms are each in at most
half of the documents. We keep the clamp: a term in most documents is no evidence of
relevance (the Robertson/Spärck Jones reading of idf), and BM25Okapi's floor ties its
weight to the mean idf of the whole vocabulary, which moves with every paper added.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import bm25s
import numpy as np

from recommender.atomic import link_or_copy, replace_directory
from recommender.bm25_matrix import Postings, Stats, from_triples, triples
from recommender.bm25_matrix import engine as engine_for
from recommender.errors import IndexMissing
from recommender.text import TOKENIZER_VERSION, tokenize

DEFAULT_K1 = 1.2
DEFAULT_B = 0.75
TF_METHOD = "atire"
IDF_METHOD = "robertson"

_FORMAT = 2
_META = "meta.json"
_KEYS = "keys.npy"
_ENGINE = "bm25s"
_STALE = "stale.npy"
_FRESH = "fresh"
# What reading a damaged index can raise: OSError for missing files, ValueError for bad JSON
# or .npy headers, EOFError for truncated arrays, KeyError/TypeError for JSON of the wrong shape.
_READ_ERRORS = (OSError, ValueError, EOFError, KeyError, TypeError)


@dataclass
class _Segment:
    """A bm25s engine over some documents, and its rows whose keys a later segment re-indexed."""

    keys: np.ndarray
    engine: bm25s.BM25 | None  # None when no document has a single term
    stale: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))

    @property
    def live(self) -> int:
        return len(self.keys) - len(self.stale)

    @property
    def vocab(self) -> dict[str, int]:
        return self.engine.vocab_dict if self.engine is not None else {}

    def top(self, terms: list[str], k: int) -> tuple[np.ndarray, np.ndarray]:
        """This segment's `k` best (keys, scores) for the query terms, as `BM25Index.search`."""
        vocab = self.vocab
        # Repeated query terms count once per occurrence, as in BM25Okapi.
        term_ids = [vocab[term] for term in terms if term in vocab]
        if not term_ids:
            return _EMPTY
        scores = self.engine.get_scores_from_ids(term_ids)
        scores[self.stale] = 0
        return _top(self.keys, scores, k)

    def retire(self, keys: np.ndarray) -> None:
        """Stop counting the rows of `keys` (they were re-indexed elsewhere)."""
        rows = np.flatnonzero(np.isin(self.keys, keys))
        self.stale = np.union1d(self.stale, rows)

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        np.save(directory / _KEYS, self.keys, allow_pickle=False)
        if self.engine is not None:
            self.engine.save(directory / _ENGINE, show_progress=False)


_EMPTY = (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32))


class BM25Index:
    """Okapi BM25 over documents identified by int64 keys the caller chooses.

    Two segments, as in Lucene: the main one, built in one go, and a fresh one that `add`
    grows with the documents indexed since. bm25s stores scores precomputed with the
    collection's statistics (N, avgdl, df), which adding one document changes for every
    row, so fresh documents are scored with the main segment's statistics: the two
    segments' scores are then directly comparable, and adding costs time in proportion to
    the fresh segment, not the archive. They differ from a rebuild's as the statistics
    drift: N and avgdl by at most the fresh share, which `recommender.indexes` keeps
    under 5% before it rebuilds; a term's df can move more where a topic is new (its
    fresh documents then score a little high until the rebuild). A re-indexed key's old
    row stays in its segment, marked stale and scored 0. Adding 1,000 papers to a
    million takes about a second (docs/BENCHMARKS.md); building the million, minutes.
    """

    def __init__(
        self, main: _Segment, fresh: _Segment, *, k1: float, b: float, avgdl: float
    ) -> None:
        # Use `build`, `build_batches` or `load`.
        self._main = main
        self._fresh = fresh
        self.k1 = k1
        self.b = b
        self._avgdl = avgdl
        self._source: Path | None = None  # where an unchanged main segment can be linked from

    @classmethod
    def build(
        cls,
        keys: Sequence[int] | np.ndarray,
        texts: Sequence[str],
        *,
        k1: float = DEFAULT_K1,
        b: float = DEFAULT_B,
    ) -> BM25Index:
        """Index `texts[i]` under `keys[i]`; keys must be unique."""
        return cls.build_batches([(keys, texts)], k1=k1, b=b)

    @classmethod
    def build_batches(
        cls,
        batches: Iterable[tuple[Sequence[int] | np.ndarray, Sequence[str]]],
        *,
        k1: float = DEFAULT_K1,
        b: float = DEFAULT_B,
    ) -> BM25Index:
        """Index (keys, texts) batches as one main segment, holding only term counts meanwhile."""
        postings = Postings()
        parts = []
        for keys, texts in batches:
            parts.append(_key_array(keys, len(texts)))
            postings.add(texts)
        key_array = np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)
        if len(np.unique(key_array)) != len(key_array):
            raise ValueError("BM25 keys must be unique")
        stats = postings.stats()
        engine = None
        if postings.vocab:
            scores = postings.scores(stats, k1=k1, b=b)
            engine = _engine(scores, postings.vocab, k1, b)
        main = _Segment(key_array, engine)
        return cls(main, _Segment(_EMPTY[0], None), k1=k1, b=b, avgdl=stats.avgdl)

    def add(self, keys: Sequence[int] | np.ndarray, texts: Sequence[str]) -> None:
        """Index `texts[i]` under `keys[i]` in the fresh segment; a key held is re-indexed."""
        key_array = _key_array(keys, len(texts))
        postings = Postings(self._fresh.vocab)
        postings.add(texts)
        scores = postings.scores(self._main_stats(postings.vocab), k1=self.k1, b=self.b)
        self._main.retire(key_array)
        self._fresh = self._grown_fresh(key_array, scores, postings.vocab)

    def _grown_fresh(self, keys: np.ndarray, scores: dict, vocab: dict[str, int]) -> _Segment:
        """The fresh segment without its rows of `keys`, then the new rows `scores` holds."""
        fresh = self._fresh
        old = triples(fresh.engine.scores) if fresh.engine else (_EMPTY[0], _EMPTY[0], _EMPTY[1])
        kept = ~np.isin(fresh.keys, keys)
        keep = kept[old[0]]
        new = triples(scores)
        rows = np.concatenate([(np.cumsum(kept) - 1)[old[0][keep]], new[0] + int(kept.sum())])
        all_keys = np.concatenate([fresh.keys[kept], keys])
        matrix = from_triples(
            rows,
            np.concatenate([old[1][keep], new[1]]),
            np.concatenate([old[2][keep], new[2]]),
            docs=len(all_keys),
            terms=len(vocab),
        )
        return _Segment(all_keys, _engine(matrix, vocab, self.k1, self.b) if vocab else None)

    def _main_stats(self, vocab: dict[str, int]) -> Stats:
        """The main segment's statistics, with df given for the terms of `vocab`."""
        main_vocab = self._main.vocab
        df_main = np.diff(self._main.engine.scores["indptr"]) if main_vocab else np.empty(0)
        df = np.fromiter(
            (df_main[main_vocab[term]] if term in main_vocab else 0 for term in vocab),
            dtype=np.int64,
            count=len(vocab),
        )
        return Stats(docs=len(self._main.keys), avgdl=self._avgdl, df=df)

    def __len__(self) -> int:
        return self._main.live + self._fresh.live

    def search(self, query: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Return up to `k` (keys, scores) with score > 0, best first; ties go to the lower key."""
        terms = tokenize(query)
        if not terms or k <= 0:
            return _EMPTY[0].copy(), _EMPTY[1].copy()
        parts = [self._main.top(terms, k), self._fresh.top(terms, k)]
        keys = np.concatenate([part[0] for part in parts])
        return _top(keys, np.concatenate([part[1] for part in parts]), k)

    def save(self, directory: Path) -> None:
        """Write the index to `directory`, replacing what was there only once all is written."""
        with replace_directory(directory) as staging:
            if self._source is None:
                self._main.save(staging)
            else:
                # The main segment never changes once built: link its files, don't rewrite them.
                _link_main(self._source, staging)
            np.save(staging / _STALE, self._main.stale, allow_pickle=False)
            if len(self._fresh.keys):
                self._fresh.save(staging / _FRESH)
            (staging / _META).write_text(json.dumps(self._meta(), indent=2), encoding="utf-8")

    def _meta(self) -> dict:
        return {
            "format": _FORMAT,
            "count": len(self._main.keys),
            "fresh": len(self._fresh.keys),
            "k1": self.k1,
            "b": self.b,
            "avgdl": self._avgdl,
            "tf": TF_METHOD,
            "idf": IDF_METHOD,
            "tokenizer": TOKENIZER_VERSION,
            "empty": self._main.engine is None,
            "fresh_empty": self._fresh.engine is None,
        }

    @classmethod
    def load(cls, directory: Path, *, mmap: bool = False) -> BM25Index:
        """Read an index written by `save`; raise IndexMissing if it is absent or damaged.

        With `mmap`, the main segment's scores stay in the file until a search reads them
        (an update never does: it needs the vocabulary and document counts only).
        """
        directory = Path(directory)
        reading = directory / _META  # named in the error if anything goes wrong
        try:
            meta = json.loads(reading.read_text(encoding="utf-8"))
            _check_meta(meta)
            main = _load_segment(directory, meta["count"], meta["empty"], mmap=mmap)
            reading = directory / _STALE
            main.stale = np.load(reading, allow_pickle=False)
            fresh = _Segment(_EMPTY[0], None)
            if meta["fresh"]:
                fresh = _load_segment(directory / _FRESH, meta["fresh"], meta["fresh_empty"])
        except _READ_ERRORS as exc:
            raise _missing(reading, str(exc)) from exc
        index = cls(main, fresh, k1=float(meta["k1"]), b=float(meta["b"]), avgdl=meta["avgdl"])
        index._source = directory
        return index

    def text_weights(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """Each text's terms, with the BM25 score each adds to a query that holds it.

        Scored as `add` scores new documents, with the main segment's statistics (N, avgdl,
        df), so for an indexed paper's text these are the very scores `search` sums. The
        profiles' matching weighs a profile's terms one by one over a day's papers, which
        `search` cannot; reading a text's own terms costs what the text is long, however
        large the archive.
        """
        if not texts:
            return []
        postings = Postings()
        postings.add(texts)
        terms = list(postings.vocab)
        matrix = postings.scores(self._main_stats(postings.vocab), k1=self.k1, b=self.b)
        weights: list[dict[str, float]] = [{} for _ in texts]
        rows, columns, values = (part.tolist() for part in triples(matrix))
        for row, column, value in zip(rows, columns, values, strict=True):
            if value > 0:  # a term in more than half of the documents has no weight
                weights[row][terms[column]] = value
        return weights


def _top(keys: np.ndarray, scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The `k` best (keys, scores) with score > 0, best first, ties to the lower key."""
    hits = np.flatnonzero(scores > 0)
    if len(hits) > k:
        # Keep everything tied with the k-th best so the tie-break below is exact.
        kth = np.partition(scores[hits], len(hits) - k)[len(hits) - k]
        hits = hits[scores[hits] >= kth]
    order = hits[np.lexsort((keys[hits], -scores[hits]))][:k]
    return keys[order].copy(), scores[order].astype(np.float32)


def _engine(scores: dict, vocab: dict[str, int], k1: float, b: float) -> bm25s.BM25:
    return engine_for(scores, vocab, k1=k1, b=b, method=TF_METHOD, idf=IDF_METHOD)


def _load_segment(directory: Path, count: int, empty: bool, *, mmap: bool = False) -> _Segment:
    """Read one segment's keys and engine; IndexMissing names the file that fails."""
    reading = directory / _KEYS
    try:
        keys = np.load(reading, allow_pickle=False)
        engine = None
        if not empty:
            reading = directory / _ENGINE
            engine = bm25s.BM25.load(reading, show_progress=False, mmap=mmap)
        reading = directory
        _check_fit(count, keys, engine)
    except _READ_ERRORS as exc:
        raise _missing(reading, str(exc)) from exc
    return _Segment(keys, engine)


def _link_main(source: Path, staging: Path) -> None:
    """Hard-link the main segment's files from `source` (copy them across file systems)."""
    for path in [source / _KEYS, *sorted((source / _ENGINE).glob("*"))]:
        target = staging / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        link_or_copy(path, target)


def _key_array(keys: Sequence[int] | np.ndarray, count: int) -> np.ndarray:
    key_array = np.asarray(keys, dtype=np.int64).reshape(-1)
    if len(key_array) != count:
        raise ValueError(f"{len(key_array)} keys for {count} texts")
    if len(np.unique(key_array)) != count:
        raise ValueError("BM25 keys must be unique")
    return key_array


def _check_meta(meta: dict) -> None:
    """Raise ValueError unless `meta` is what this version of `save` writes."""
    if not isinstance(meta, dict) or meta.get("format") != _FORMAT:
        raise ValueError(f"{_META} is not in format {_FORMAT}")
    if (meta.get("tf"), meta.get("idf")) != (TF_METHOD, IDF_METHOD):
        raise ValueError(f"scored with {meta.get('tf')}/{meta.get('idf')}, not ours")
    if meta.get("tokenizer") != TOKENIZER_VERSION:
        raise ValueError(
            f"tokenized by version {meta.get('tokenizer')} of the tokenizer, not "
            f"{TOKENIZER_VERSION}; run `papers index --rebuild`"
        )
    expected = {
        "count": int,
        "fresh": int,
        "empty": bool,
        "fresh_empty": bool,
        "k1": (int, float),
        "b": (int, float),
        "avgdl": (int, float),
    }
    if any(not isinstance(meta.get(field), kind) for field, kind in expected.items()):
        raise ValueError(f"{_META} lacks one of {', '.join(expected)}")


def _check_fit(count: int, keys: np.ndarray, engine: bm25s.BM25 | None) -> None:
    """Raise ValueError when files that each loaded do not fit together (a torn index)."""
    if keys.dtype != np.int64 or keys.shape != (count,):
        raise ValueError(f"{_KEYS} holds {keys.shape} {keys.dtype}, expected ({count},) int64")
    if engine is None:
        return
    scores = engine.scores
    if scores["num_docs"] != count or len(scores["indptr"]) != len(engine.vocab_dict) + 1:
        raise ValueError("the bm25s files do not match the keys")
    if len(scores["data"]) != len(scores["indices"]) or scores["indptr"][-1] != len(scores["data"]):
        raise ValueError("the bm25s score matrix is truncated")


def _missing(path: Path, reason: str) -> IndexMissing:
    return IndexMissing(
        f"BM25 index {path} is missing or unreadable ({reason}); run `papers index` to rebuild it"
    )
