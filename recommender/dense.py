"""A FAISS index of unit-length embeddings under int64 keys, searched by inner product (cosine).

Exact search (IndexFlatIP) while the corpus is small: at 200k vectors of 384 dimensions it
scans in about 30 ms a query on two cores, which a chat bot does not notice. Above
`hnsw_threshold` at build time it builds HNSW (Malkov & Yashunin, "Efficient and robust
approximate nearest neighbor search using Hierarchical Navigable Small World graphs",
IEEE TPAMI 2020). Either way an IndexIDMap2 maps FAISS's row numbers to our keys.
Concurrent searches are safe; `add` and `replace` must not run while another thread searches.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path

import faiss
import numpy as np

from recommender.atomic import replace_directory
from recommender.errors import IndexMissing, ModelMismatch

log = logging.getLogger(__name__)

FLAT = "flat"
HNSW = "hnsw"
DEFAULT_HNSW_THRESHOLD = 200_000
# HNSW parameters, measured on 50k synthetic 384-d unit vectors of low intrinsic dimension
# (as sentence embeddings are), 2 cores: M=32, efConstruction=100 built in 22 s and gave
# recall@20 0.986 at efSearch=64, 0.999 at 128 (0.5 ms a query). efConstruction=200 took
# 40% longer for no measurable recall; on unstructured vectors M=16 recalled much less
# than M=32. M=32 costs 256 bytes of graph a vector, beside 1,536 for the vector itself.
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 100
HNSW_EF_SEARCH = 128

_FORMAT = 1
_INDEX = "dense.faiss"
_META = "meta.json"
_NORM_TOLERANCE = 1e-3


class DenseIndex:
    """Unit-length float32 vectors under unique int64 keys, for nearest-neighbour search."""

    def __init__(self, index: faiss.IndexIDMap2, *, model: str, kind: str) -> None:
        # Use `build` or `load`.
        self._index = index
        self._model = model
        self._kind = kind
        self._key_set: set[int] | None = None

    @classmethod
    def build(
        cls,
        keys: Sequence[int] | np.ndarray,
        vectors: np.ndarray,
        *,
        model: str,
        hnsw_threshold: int = DEFAULT_HNSW_THRESHOLD,
    ) -> DenseIndex:
        """Index `vectors[i]` under `keys[i]`; HNSW if there are more than `hnsw_threshold`.

        `model` names the embedder that made the vectors; `load` checks it. The kind is
        chosen here once: `add` never switches it, a rebuild does.
        """
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2:
            raise ValueError(f"vectors must be a 2-D array, not shape {vectors.shape}")
        kind = HNSW if len(vectors) > hnsw_threshold else FLAT
        log.info("building a %s index of %d vectors", kind, len(vectors))
        index = cls(_new_faiss_index(vectors.shape[1], kind), model=model, kind=kind)
        index.add(keys, vectors)
        return index

    @property
    def model(self) -> str:
        return self._model

    @property
    def kind(self) -> str:
        """`flat` (exact) or `hnsw` (approximate)."""
        return self._kind

    @property
    def dim(self) -> int:
        return self._index.d

    def __len__(self) -> int:
        return self._index.ntotal

    def keys(self) -> np.ndarray:
        """The keys held, as an int64 array in the order they were added."""
        return faiss.vector_to_array(self._index.id_map).astype(np.int64, copy=False)

    def add(self, keys: Sequence[int] | np.ndarray, vectors: np.ndarray) -> None:
        """Add new vectors in place, at a cost proportional to them; a held key is a ValueError."""
        key_array, vectors = _checked_batch(keys, vectors, self.dim)
        clashes = self._held().intersection(key_array.tolist())
        if clashes:
            raise ValueError(f"keys already in the index: {sorted(clashes)[:10]}")
        if len(key_array):
            self._index.add_with_ids(vectors, key_array)
            self._held().update(key_array.tolist())

    def replace(self, keys: Sequence[int] | np.ndarray, vectors: np.ndarray) -> None:
        """Give keys already held new vectors (a paper's text changed); others are a ValueError.

        Exact indexes delete and re-add the rows. An HNSW graph cannot delete a node, so it
        is rebuilt from its stored vectors: cost proportional to the whole index.
        """
        key_array, vectors = _checked_batch(keys, vectors, self.dim)
        absent = set(key_array.tolist()) - self._held()
        if absent:
            raise ValueError(f"keys not in the index: {sorted(absent)[:10]}")
        if not len(key_array):
            return
        if self._kind == FLAT:
            self._index.remove_ids(key_array)
            self._index.add_with_ids(vectors, key_array)
            return
        log.info("rebuilding the HNSW graph of %d vectors to replace %d", len(self), len(key_array))
        all_keys = self.keys()
        all_vectors = self._index.index.reconstruct_n(0, len(self))
        rows = {key: row for row, key in enumerate(all_keys.tolist())}
        all_vectors[[rows[key] for key in key_array.tolist()]] = vectors
        self._index = _new_faiss_index(self.dim, HNSW)
        self._index.add_with_ids(all_vectors, all_keys)

    def _held(self) -> set[int]:
        # Built on first use: loading should not pay for a set that only writers need.
        if self._key_set is None:
            self._key_set = set(self.keys().tolist())
        return self._key_set

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Return up to `k` (keys, inner products) nearest to one query vector, best first."""
        query = np.asarray(query, dtype=np.float32).reshape(1, -1)
        if query.shape[1] != self.dim:
            raise ValueError(f"query has {query.shape[1]} dimensions, the index {self.dim}")
        k = min(k, len(self))
        if k <= 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        scores, labels = self._index.search(query, k, params=self._search_params(k))
        # FAISS pads with -1 when it finds fewer than k (HNSW can, on a sparse graph).
        found = labels[0] != -1
        return labels[0][found].astype(np.int64), scores[0][found]

    def _search_params(self, k: int) -> faiss.SearchParameters | None:
        if self._kind != HNSW:
            return None
        params = faiss.SearchParametersHNSW()
        # The beam must be wider than k, or recall falls for long result lists
        # (0.65 at efSearch = k = 200 in our measurements, 1.0 at 2k).
        params.efSearch = max(HNSW_EF_SEARCH, 2 * k)
        return params

    def save(self, directory: Path) -> None:
        """Write the index and its meta to `directory`, replacing it only once all is written."""
        meta = {
            "format": _FORMAT,
            "model": self._model,
            "dim": self.dim,
            "count": len(self),
            "kind": self._kind,
        }
        with replace_directory(directory) as staging:
            faiss.write_index(self._index, str(staging / _INDEX))
            (staging / _META).write_text(json.dumps(meta, indent=2), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path, *, model: str) -> DenseIndex:
        """Read an index written by `save`, for vectors made by `model`.

        Raises ModelMismatch if it was built with another model (its vectors are not
        comparable with `model`'s), IndexMissing if a file is missing or damaged.
        """
        directory = Path(directory)
        meta = _read_meta(directory / _META)
        if meta["model"] != model:
            raise ModelMismatch(
                f"the dense index at {directory} was built with {meta['model']!r}, but the "
                f"configured model is {model!r}; run `papers index --rebuild`"
            )
        index = _read_faiss(directory / _INDEX, meta)
        return cls(index, model=model, kind=meta["kind"])


def _new_faiss_index(dim: int, kind: str) -> faiss.IndexIDMap2:
    if kind == FLAT:
        return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
    graph = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
    graph.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    graph.hnsw.efSearch = HNSW_EF_SEARCH
    # faiss's Python wrapper keeps `graph` alive as long as the IndexIDMap2 that holds it.
    return faiss.IndexIDMap2(graph)


def _checked_batch(
    keys: Sequence[int] | np.ndarray, vectors: np.ndarray, dim: int
) -> tuple[np.ndarray, np.ndarray]:
    """The batch as contiguous int64 keys and float32 rows; ValueError if it is malformed."""
    key_array = np.asarray(keys, dtype=np.int64).reshape(-1)
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if vectors.ndim != 2 or vectors.shape[1] != dim:
        raise ValueError(f"vectors must have shape (n, {dim}), not {vectors.shape}")
    if len(key_array) != len(vectors):
        raise ValueError(f"{len(key_array)} keys for {len(vectors)} vectors")
    if len(np.unique(key_array)) != len(key_array):
        raise ValueError("keys repeat within the batch")
    # Inner product is cosine only for unit vectors; a raw embedding would skew every score.
    norms = np.linalg.norm(vectors, axis=1)
    if not np.allclose(norms, 1.0, atol=_NORM_TOLERANCE):
        raise ValueError("vectors must be L2-normalized")
    return key_array, vectors


def _read_meta(path: Path) -> dict:
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise _missing(path, str(exc)) from exc
    expected = {"format": int, "model": str, "dim": int, "count": int, "kind": str}
    if (
        not isinstance(meta, dict)
        or meta.get("format") != _FORMAT
        or any(not isinstance(meta.get(field), kind) for field, kind in expected.items())
    ):
        raise _missing(path, f"not a format-{_FORMAT} dense index meta file")
    if meta["kind"] not in (FLAT, HNSW):
        raise _missing(path, f"unknown index kind {meta['kind']!r}")
    return meta


def _read_faiss(path: Path, meta: dict) -> faiss.IndexIDMap2:
    try:
        # FAISS reports every I/O or format failure as RuntimeError.
        index = faiss.read_index(str(path))
    except RuntimeError as exc:
        # Its message is a C++ assertion; the chained exception keeps it for the log.
        raise _missing(path, "FAISS cannot read it") from exc
    if not isinstance(index, faiss.IndexIDMap2):
        raise _missing(path, f"holds a {type(index).__name__}, not an IndexIDMap2")
    if (index.ntotal, index.d) != (meta["count"], meta["dim"]):
        raise _missing(
            path,
            f"holds {index.ntotal} vectors of {index.d} dimensions, "
            f"meta says {meta['count']} of {meta['dim']}",
        )
    return index


def _missing(path: Path, reason: str) -> IndexMissing:
    return IndexMissing(
        f"dense index file {path} is missing or unreadable ({reason}); "
        "run `papers index` to rebuild it"
    )
