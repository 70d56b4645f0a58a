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
from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np

from recommender.atomic import replace_directory
from recommender.errors import IndexMissing
from recommender.text import tokenize

DEFAULT_K1 = 1.2
DEFAULT_B = 0.75
TF_METHOD = "atire"
IDF_METHOD = "robertson"

_FORMAT = 1
_META = "meta.json"
_KEYS = "keys.npy"
_ENGINE = "bm25s"
# What reading a damaged index can raise: OSError for missing files, ValueError for bad JSON
# or .npy headers, EOFError for truncated arrays, KeyError/TypeError for JSON of the wrong shape.
_READ_ERRORS = (OSError, ValueError, EOFError, KeyError, TypeError)


class BM25Index:
    """Okapi BM25 over documents identified by int64 keys the caller chooses."""

    def __init__(self, keys: np.ndarray, engine: bm25s.BM25 | None, k1: float, b: float) -> None:
        # Use `build` or `load`; `engine` is None when no document has a single term.
        self._keys = keys
        self._engine = engine
        self.k1 = k1
        self.b = b

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
        key_array = _key_array(keys, len(texts))
        docs = [tokenize(text) for text in texts]
        vocab: dict[str, int] = {}
        doc_ids = [[vocab.setdefault(term, len(vocab)) for term in doc] for doc in docs]
        if not vocab:
            return cls(key_array, None, k1, b)
        engine = bm25s.BM25(k1=k1, b=b, method=TF_METHOD, idf_method=IDF_METHOD)
        # Handing bm25s term ids and our vocabulary keeps its own tokenizer and stemmer out.
        engine.index((doc_ids, vocab), create_empty_token=False, show_progress=False)
        return cls(key_array, engine, k1, b)

    def __len__(self) -> int:
        return len(self._keys)

    def search(self, query: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Return up to `k` (keys, scores) with score > 0, best first; ties go to the lower key."""
        term_ids = self._term_ids(query)
        if not term_ids or k <= 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        scores = self._engine.get_scores_from_ids(term_ids)
        hits = np.flatnonzero(scores > 0)
        if len(hits) > k:
            # Keep everything tied with the k-th best so the tie-break below is exact.
            kth = np.partition(scores[hits], len(hits) - k)[len(hits) - k]
            hits = hits[scores[hits] >= kth]
        order = hits[np.lexsort((self._keys[hits], -scores[hits]))][:k]
        return self._keys[order].copy(), scores[order].astype(np.float32)

    def _term_ids(self, query: str) -> list[int]:
        if self._engine is None:
            return []
        vocab = self._engine.vocab_dict
        # Repeated query terms count once per occurrence, as in BM25Okapi.
        return [vocab[term] for term in tokenize(query) if term in vocab]

    def save(self, directory: Path) -> None:
        """Write the index to `directory`, replacing what was there only once all is written."""
        with replace_directory(directory) as staging:
            np.save(staging / _KEYS, self._keys, allow_pickle=False)
            if self._engine is not None:
                self._engine.save(staging / _ENGINE, show_progress=False)
            meta = {
                "format": _FORMAT,
                "count": len(self),
                "k1": self.k1,
                "b": self.b,
                "tf": TF_METHOD,
                "idf": IDF_METHOD,
                "empty": self._engine is None,
            }
            (staging / _META).write_text(json.dumps(meta, indent=2), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> BM25Index:
        """Read an index written by `save`; raise IndexMissing if it is absent or damaged."""
        directory = Path(directory)
        reading = directory / _META  # named in the error if anything goes wrong
        try:
            meta = json.loads(reading.read_text(encoding="utf-8"))
            _check_meta(meta)
            reading = directory / _KEYS
            keys = np.load(reading, allow_pickle=False)
            engine = None
            if not meta["empty"]:
                reading = directory / _ENGINE
                engine = bm25s.BM25.load(reading, show_progress=False)
            reading = directory
            _check_fit(meta["count"], keys, engine)
        except _READ_ERRORS as exc:
            raise _missing(reading, str(exc)) from exc
        return cls(keys, engine, float(meta["k1"]), float(meta["b"]))


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
    expected = {"count": int, "empty": bool, "k1": (int, float), "b": (int, float)}
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
