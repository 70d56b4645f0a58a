"""A FAISS index of unit-length embeddings under int64 keys, searched by inner product (cosine).

Exact search (IndexFlatIP) while the corpus is small: at 200k vectors of 384 dimensions it
scans in about 30 ms a query on two cores, which a chat bot does not notice. Above
`hnsw_threshold` at build time it builds HNSW (Malkov & Yashunin, "Efficient and robust
approximate nearest neighbor search using Hierarchical Navigable Small World graphs",
IEEE TPAMI 2020) over float16 copies of the vectors (see HNSW_M below). Either way an
IndexIDMap2 maps FAISS's row numbers to our keys.
Concurrent searches are safe; `add` and `replace` must not run while another thread searches.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import faiss
import numpy as np

from recommender.atomic import link_or_copy, replace_directory
from recommender.errors import IndexMissing, ModelMismatch

log = logging.getLogger(__name__)

FLAT = "flat"
HNSW = "hnsw"
DEFAULT_HNSW_THRESHOLD = 200_000
# HNSW parameters, measured on 50k synthetic 384-d unit vectors of low intrinsic dimension
# (as sentence embeddings are), 2 cores: M=32, efConstruction=100 built in 22 s and gave
# recall@20 0.986 at efSearch=64, 0.999 at 128 (0.5 ms a query). efConstruction=200 took
# 40% longer for no measurable recall; on unstructured vectors M=16 recalled much less
# than M=32. M=32 costs 256 bytes of graph a vector.
# A million vectors then need 1.5 GB as float32 and about 20 minutes to build here, so
# HNSW stores them as float16 (768 bytes a vector) and builds with efConstruction=40: on
# 30k clustered vectors that built in 14 s instead of 24-28 s (float32, 100) with
# recall@100 0.999 against exact search (1.000 before) and recall@10 0.98.
# bench/search_bench.py measures it at 100k and 1M (docs/BENCHMARKS.md). Its synthetic
# vectors are harder than those clusters (a flat similarity profile: a query's best match
# has cosine 0.34, its 100th 0.18): at 100k, k=100, the beam efSearch recalled
#   efSearch     200   400   800  1600  3200
#   recall@10   0.79  0.87  0.93  0.97  0.99
#   recall@100  0.54  0.67  0.80  0.91  0.97
#   ms/query     4.5   9.3  13.4  32.7  66.8   (two cores shared with other work)
# so the beam is 8k wide: recall@10 0.93 there; on 50k real MiniLM embeddings, whose
# similarities fall off steeply, 0.996 (bench/hnsw_recall.py, docs/BENCHMARKS.md).
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 40
HNSW_EF_SEARCH = 128
HNSW_BEAM_PER_RESULT = 8
HNSW_BEAM_CAP = 1024

_FORMAT = 2
_INDEX = "dense.faiss"
_FRESH = "fresh.faiss"
_STALE = "stale.npy"
_META = "meta.json"
_NORM_TOLERANCE = 1e-3


class DenseIndex:
    """Unit-length float32 vectors under unique int64 keys, for nearest-neighbour search.

    Two segments, like `recommender.bm25.BM25Index`: the main one (flat or HNSW), built in one
    go and never changed after, and a fresh exact one that `add` and `replace` write to. A
    replaced key's main vector stays but is excluded from searches (an HNSW graph cannot
    delete a node, and rebuilding a million-node graph for one new version takes minutes).
    So an update writes only the fresh segment; saving links the main file instead of
    rewriting it. `recommender.indexes` rebuilds everything into one main segment when the
    fresh one grows past a few percent.
    """

    def __init__(
        self,
        index: faiss.IndexIDMap2,
        *,
        model: str,
        kind: str,
        fresh: faiss.IndexIDMap2 | None = None,
        stale: np.ndarray | None = None,
    ) -> None:
        # Use `build`, `build_batches` or `load`.
        self._index = index
        self._fresh = fresh if fresh is not None else _new_faiss_index(index.d, FLAT)
        self._model = model
        self._kind = kind
        self._stale = np.empty(0, dtype=np.int64)
        self._exclude: tuple | None = None  # a FAISS selector of the stale keys, and its parts
        self._set_stale(stale if stale is not None else self._stale)
        self._source: Path | None = None  # where the unchanged main file can be linked from

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
        return cls.build_batches(
            [(keys, vectors)],
            model=model,
            dim=vectors.shape[1],
            size=len(vectors),
            hnsw_threshold=hnsw_threshold,
        )

    @classmethod
    def build_batches(
        cls,
        batches: Iterable[tuple[Sequence[int] | np.ndarray, np.ndarray]],
        *,
        model: str,
        dim: int,
        size: int,
        hnsw_threshold: int = DEFAULT_HNSW_THRESHOLD,
    ) -> DenseIndex:
        """Index (keys, vectors) batches as one main segment; HNSW if `size` > the threshold.

        Only one batch is held at a time besides the index itself.
        """
        kind = HNSW if size > hnsw_threshold else FLAT
        log.info("building a %s index of about %d vectors", kind, size)
        main = _new_faiss_index(dim, kind)
        for keys, vectors in batches:
            key_array, vectors = _checked_batch(keys, vectors, dim)
            main.add_with_ids(vectors, key_array)
        if len(np.unique(_ids(main))) != main.ntotal:
            raise ValueError("keys repeat across batches")
        return cls(main, model=model, kind=kind)

    @property
    def model(self) -> str:
        return self._model

    @property
    def kind(self) -> str:
        """`flat` (exact) or `hnsw` (approximate): the main segment's kind."""
        return self._kind

    @property
    def dim(self) -> int:
        return self._index.d

    def __len__(self) -> int:
        return self._index.ntotal - len(self._stale) + self._fresh.ntotal

    def keys(self) -> np.ndarray:
        """The keys held, as an int64 array: the main segment's, then the fresh one's."""
        main = _ids(self._index)
        return np.concatenate([main[~np.isin(main, self._stale)], _ids(self._fresh)])

    def add(self, keys: Sequence[int] | np.ndarray, vectors: np.ndarray) -> None:
        """Add new vectors, at a cost proportional to them; a held key is a ValueError."""
        key_array, vectors = _checked_batch(keys, vectors, self.dim)
        clashes = key_array[np.isin(key_array, self.keys())]
        if len(clashes):
            raise ValueError(f"keys already in the index: {sorted(clashes.tolist())[:10]}")
        self._fresh.add_with_ids(vectors, key_array)

    def replace(self, keys: Sequence[int] | np.ndarray, vectors: np.ndarray) -> None:
        """Give keys already held new vectors (a paper's text changed); others are a ValueError.

        The new vectors go to the fresh segment; main ones are excluded from then on.
        """
        key_array, vectors = _checked_batch(keys, vectors, self.dim)
        absent = key_array[~np.isin(key_array, self.keys())]
        if len(absent):
            raise ValueError(f"keys not in the index: {sorted(absent.tolist())[:10]}")
        in_fresh = np.isin(key_array, _ids(self._fresh))
        self._fresh.remove_ids(key_array[in_fresh])
        self._set_stale(np.union1d(self._stale, key_array[~in_fresh]))
        self._fresh.add_with_ids(vectors, key_array)

    def _set_stale(self, stale: np.ndarray) -> None:
        self._stale = np.asarray(stale, dtype=np.int64)
        if len(self._stale):
            # The selector is built once, not per query; the Not keeps only a pointer to the
            # batch selector, so both are held here.
            batch = faiss.IDSelectorBatch(self._stale)
            self._exclude = (faiss.IDSelectorNot(batch), batch)

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Return up to `k` (keys, inner products) nearest to one query vector, best first."""
        query = np.asarray(query, dtype=np.float32).reshape(1, -1)
        if query.shape[1] != self.dim:
            raise ValueError(f"query has {query.shape[1]} dimensions, the index {self.dim}")
        parts = [
            _search(self._index, query, min(k, self._index.ntotal), self._search_params(k)),
            _search(self._fresh, query, min(k, self._fresh.ntotal), None),
        ]
        keys = np.concatenate([part[0] for part in parts])
        scores = np.concatenate([part[1] for part in parts])
        order = np.argsort(-scores, kind="stable")[: max(k, 0)]
        return keys[order], scores[order]

    def _search_params(self, k: int) -> faiss.SearchParameters | None:
        params = faiss.SearchParametersHNSW() if self._kind == HNSW else faiss.SearchParameters()
        if self._kind == HNSW:
            # The beam must be wider than k, or recall falls for long result lists
            # (0.65 at efSearch = k = 200 in our measurements; see HNSW_BEAM_PER_RESULT).
            # Long lists (a filtered search asks for 1,000) need not recall as well.
            beam = min(HNSW_BEAM_PER_RESULT * k, max(2 * k, HNSW_BEAM_CAP))
            params.efSearch = max(HNSW_EF_SEARCH, beam)
        if self._exclude is not None:
            params.sel = self._exclude[0]
        return params

    def save(self, directory: Path) -> None:
        """Write the index and its meta to `directory`, replacing it only once all is written."""
        meta = {
            "format": _FORMAT,
            "model": self._model,
            "dim": self.dim,
            "count": self._index.ntotal,
            "kind": self._kind,
            "fresh": self._fresh.ntotal,
            "stale": len(self._stale),
        }
        with replace_directory(directory) as staging:
            if self._source is None:
                faiss.write_index(self._index, str(staging / _INDEX))
            else:
                # The main segment never changes once built: link it, don't rewrite it.
                link_or_copy(self._source / _INDEX, staging / _INDEX)
            faiss.write_index(self._fresh, str(staging / _FRESH))
            np.save(staging / _STALE, self._stale, allow_pickle=False)
            (staging / _META).write_text(json.dumps(meta, indent=2), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path, *, model: str, mmap: bool = False) -> DenseIndex:
        """Read an index written by `save`, for vectors made by `model`.

        With `mmap`, the main segment's vectors stay in the file until a search reads them:
        an update, which never reads them, then holds a million-paper index in 0.4 GB, not
        1.4. Raises ModelMismatch if it was built with another model (its vectors are not
        comparable with `model`'s), IndexMissing if a file is missing or damaged.
        """
        directory = Path(directory)
        meta = _read_meta(directory / _META)
        if meta["model"] != model:
            raise ModelMismatch(
                f"the dense index at {directory} was built with {meta['model']!r}, but the "
                f"configured model is {model!r}; run `papers index --rebuild`"
            )
        flags = faiss.IO_FLAG_MMAP_IFC if mmap else 0
        main = _read_faiss(directory / _INDEX, meta["count"], meta["dim"], flags)
        fresh = _read_faiss(directory / _FRESH, meta["fresh"], meta["dim"])
        stale = _read_stale(directory / _STALE, meta["stale"])
        index = cls(main, model=model, kind=meta["kind"], fresh=fresh, stale=stale)
        index._source = directory
        return index


def _ids(index: faiss.IndexIDMap2) -> np.ndarray:
    return faiss.vector_to_array(index.id_map).astype(np.int64, copy=False)


def _search(index: faiss.IndexIDMap2, query: np.ndarray, k: int, params) -> tuple:
    if k <= 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
    with _one_thread():
        scores, labels = index.search(query, k, params=params)
    # FAISS pads with -1 when it finds fewer than k (HNSW can, on a sparse graph).
    found = labels[0] != -1
    return labels[0][found].astype(np.int64), scores[0][found]


@contextmanager
def _one_thread() -> Iterator[None]:
    """FAISS's OpenMP threads at one for the calling thread (the count is per thread).

    A search is one query vector: a team of threads only waits on its slowest member, and
    on two cores busy with other searches that took 20-70 ms where one thread took under
    1 ms (bench/README.md, concurrent searches).
    """
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


def _new_faiss_index(dim: int, kind: str) -> faiss.IndexIDMap2:
    if kind == FLAT:
        return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
    graph = faiss.IndexHNSWSQ(
        dim, faiss.ScalarQuantizer.QT_fp16, HNSW_M, faiss.METRIC_INNER_PRODUCT
    )
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
    expected = {
        "format": int,
        "model": str,
        "dim": int,
        "count": int,
        "kind": str,
        "fresh": int,
        "stale": int,
    }
    if (
        not isinstance(meta, dict)
        or meta.get("format") != _FORMAT
        or any(not isinstance(meta.get(field), kind) for field, kind in expected.items())
    ):
        raise _missing(path, f"not a format-{_FORMAT} dense index meta file")
    if meta["kind"] not in (FLAT, HNSW):
        raise _missing(path, f"unknown index kind {meta['kind']!r}")
    return meta


def _read_faiss(path: Path, count: int, dim: int, flags: int = 0) -> faiss.IndexIDMap2:
    try:
        # FAISS reports every I/O or format failure as RuntimeError.
        index = faiss.read_index(str(path), flags)
    except RuntimeError as exc:
        # Its message is a C++ assertion; the chained exception keeps it for the log.
        raise _missing(path, "FAISS cannot read it") from exc
    if not isinstance(index, faiss.IndexIDMap2):
        raise _missing(path, f"holds a {type(index).__name__}, not an IndexIDMap2")
    if (index.ntotal, index.d) != (count, dim):
        raise _missing(
            path,
            f"holds {index.ntotal} vectors of {index.d} dimensions, meta says {count} of {dim}",
        )
    return index


def _read_stale(path: Path, count: int) -> np.ndarray:
    try:
        stale = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as exc:
        raise _missing(path, str(exc)) from exc
    if stale.dtype != np.int64 or stale.shape != (count,):
        raise _missing(path, f"holds {stale.shape} {stale.dtype}, expected ({count},) int64")
    return stale


def _missing(path: Path, reason: str) -> IndexMissing:
    return IndexMissing(
        f"dense index file {path} is missing or unreadable ({reason}); "
        "run `papers index` to rebuild it"
    )
