"""Stand-ins for the embedding model where running it on every paper does not fit the time.

The real model embeds about 30 papers a second here, so a million papers would take nine
hours. `SyntheticEmbedder` gives each text a vector in a few microseconds: a random
projection (Johnson-Lindenstrauss) of its tf-idf bag of words into 384 dimensions, the
model's. Papers on one topic share words, so they get nearby vectors, and the vectors have
the clustered, low-intrinsic-dimension shape that makes approximate search realistic (pure
random vectors would make HNSW look worse than it is). `PayingEmbedder` runs the real model
on the same texts, so that its time is paid and measured, and returns the stand-in's
vectors, so that they fit an index built from stand-in vectors.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

import numpy as np
from sklearn.feature_extraction.text import HashingVectorizer

from recommender.embed import Embedder

DIM = 384
FEATURES = 2**15


class SyntheticEmbedder:
    """Unit vectors from a seeded random projection of hashed, idf-weighted word counts."""

    def __init__(self, real_texts: Iterable[str], dim: int = DIM, seed: int = 3) -> None:
        self._dim = dim
        self._hasher = HashingVectorizer(
            n_features=FEATURES, alternate_sign=False, norm=None, stop_words="english"
        )
        self._idf = self._learn_idf(real_texts)
        rng = np.random.default_rng(seed)
        self._projection = rng.standard_normal((FEATURES, dim)).astype(np.float32)

    def _learn_idf(self, texts: Iterable[str]) -> np.ndarray:
        counts = self._hasher.transform(list(texts))
        df = np.bincount(counts.indices, minlength=FEATURES)
        return (np.log((counts.shape[0] + 1) / (df + 1)) + 1).astype(np.float32)

    @property
    def name(self) -> str:
        return f"bench-synthetic-{self._dim}"

    @property
    def dim(self) -> int:
        return self._dim

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        counts = self._hasher.transform(texts).astype(np.float32)
        counts.data = np.log1p(counts.data) * self._idf[counts.indices]
        vectors = np.asarray(counts @ self._projection, dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms > 0, norms, 1)


class PayingEmbedder:
    """The real model's cost with the stand-in's vectors; `seconds` is the real model's time."""

    def __init__(self, real: Embedder, stand_in: Embedder) -> None:
        self.real = real
        self.stand_in = stand_in
        self.seconds = 0.0
        self.texts = 0

    @property
    def name(self) -> str:
        return self.stand_in.name

    @property
    def dim(self) -> int:
        return self.stand_in.dim

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        start = time.perf_counter()
        self.real.encode(texts)
        self.seconds += time.perf_counter() - start
        self.texts += len(texts)
        return self.stand_in.encode(texts)
