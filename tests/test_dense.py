"""DenseIndex: exact and HNSW search, incremental adds, replacement, atomic save/load."""

from __future__ import annotations

import json
import math
import threading
from pathlib import Path

import faiss
import numpy as np
import pytest

from recommender.dense import FLAT, HNSW, DenseIndex
from recommender.errors import IndexMissing, ModelMismatch

MODEL = "all-MiniLM-L6-v2"
R = 1 / math.sqrt(2)
# Key 10 points along x, 20 along y, 30 halfway between them.
SMALL_KEYS = [10, 20, 30]
SMALL = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [R, R, 0, 0]], dtype=np.float32)


def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def clustered(n: int, dim: int, seed: int) -> np.ndarray:
    """Unit vectors around 20 centres: structured, like real embeddings, unlike pure noise."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((20, dim))
    return unit(centres[rng.integers(0, 20, n)] + 0.4 * rng.standard_normal((n, dim)))


@pytest.fixture
def small() -> DenseIndex:
    return DenseIndex.build(SMALL_KEYS, SMALL, model=MODEL)


@pytest.mark.parametrize(
    ("query", "k", "keys", "scores"),
    [
        ([1, 0, 0, 0], 3, [10, 30, 20], [1.0, R, 0.0]),
        ([0, 1, 0, 0], 2, [20, 30], [1.0, R]),
        ([R, R, 0, 0], 1, [30], [1.0]),
        ([1, 0, 0, 0], 50, [10, 30, 20], [1.0, R, 0.0]),  # no -1 padding past the corpus
        ([1, 0, 0, 0], 0, [], []),
    ],
)
def test_exact_search(small: DenseIndex, query: list, k: int, keys: list, scores: list) -> None:
    found_keys, found_scores = small.search(np.array(query, dtype=np.float32), k)

    assert found_keys.dtype == np.int64
    assert found_keys.tolist() == keys
    assert found_scores.tolist() == pytest.approx(scores, abs=1e-6)


def test_search_leaves_the_callers_faiss_threads_as_they_were(small: DenseIndex) -> None:
    # FAISS's OpenMP thread count is per thread: a search sets one for itself, then restores.
    out: dict = {}

    def search() -> None:
        faiss.omp_set_num_threads(3)
        out["keys"] = small.search(np.array([1, 0, 0, 0], dtype=np.float32), 3)[0].tolist()
        out["threads"] = faiss.omp_get_max_threads()

    thread = threading.Thread(target=search)
    thread.start()
    thread.join()

    assert out == {"keys": [10, 30, 20], "threads": 3}


def test_properties(small: DenseIndex) -> None:
    assert (len(small), small.dim, small.model, small.kind) == (3, 4, MODEL, FLAT)
    assert sorted(small.keys().tolist()) == SMALL_KEYS


def test_an_empty_index_finds_nothing() -> None:
    index = DenseIndex.build([], np.empty((0, 8), dtype=np.float32), model=MODEL)

    assert len(index) == 0
    assert index.search(np.ones(8, dtype=np.float32) / math.sqrt(8), 5)[0].tolist() == []


def test_add_only_adds_to_existing_results() -> None:
    vectors = clustered(400, 16, seed=1)
    queries = clustered(20, 16, seed=2)
    index = DenseIndex.build(np.arange(200), vectors[:200], model=MODEL)
    before = [index.search(q, 200) for q in queries]

    index.add(np.arange(200, 400), vectors[200:])

    assert len(index) == 400
    for (old_keys, old_scores), query in zip(before, queries, strict=True):
        keys, scores = index.search(query, 400)
        kept = keys < 200
        assert keys[kept].tolist() == old_keys.tolist()
        assert scores[kept].tolist() == old_scores.tolist()


@pytest.mark.parametrize(
    ("keys", "vectors", "message"),
    [
        ([20], SMALL[:1], "already in the index"),
        ([40, 40], SMALL[:2], "repeat"),
        ([40], SMALL[:2], "2 vectors"),
        ([40], np.ones((1, 4), dtype=np.float32), "L2-normalized"),
        ([40], np.ones((1, 3), dtype=np.float32) / math.sqrt(3), "shape"),
    ],
)
def test_add_refuses_bad_batches(small: DenseIndex, keys: list, vectors, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        small.add(keys, vectors)

    assert len(small) == 3


@pytest.mark.parametrize("kind", [FLAT, HNSW])
def test_replace_gives_a_key_a_new_vector(kind: str) -> None:
    vectors = clustered(300, 16, seed=3)
    threshold = 0 if kind == HNSW else 1000
    index = DenseIndex.build(np.arange(300), vectors, model=MODEL, hnsw_threshold=threshold)

    index.replace([7], vectors[100:101])

    assert index.kind == kind
    assert sorted(index.keys().tolist()) == list(range(300))
    keys, scores = index.search(vectors[100], 2)
    assert set(keys.tolist()) == {7, 100}
    # HNSW keeps float16 vectors: an inner product of 1 comes back within about 1e-4.
    assert scores.tolist() == pytest.approx([1.0, 1.0], abs=1e-3)
    with pytest.raises(ValueError, match="not in the index"):
        index.replace([999], vectors[:1])


def test_hnsw_above_the_threshold_recalls_what_exact_search_finds() -> None:
    vectors, queries = clustered(3000, 32, seed=4), clustered(100, 32, seed=5)
    exact = DenseIndex.build(np.arange(3000), vectors, model=MODEL)
    approximate = DenseIndex.build(np.arange(3000), vectors, model=MODEL, hnsw_threshold=1000)

    found = [
        len(set(approximate.search(q, 10)[0].tolist()) & set(exact.search(q, 10)[0].tolist()))
        for q in queries
    ]

    assert (exact.kind, approximate.kind) == (FLAT, HNSW)
    assert sum(found) / (10 * len(queries)) >= 0.9


def test_hnsw_long_result_lists_keep_their_recall() -> None:
    vectors = clustered(3000, 32, seed=6)
    exact = DenseIndex.build(np.arange(3000), vectors, model=MODEL)
    approximate = DenseIndex.build(np.arange(3000), vectors, model=MODEL, hnsw_threshold=0)

    query = vectors[0]
    found = set(approximate.search(query, 500)[0].tolist()) & set(
        exact.search(query, 500)[0].tolist()
    )

    assert len(found) >= 450


@pytest.mark.parametrize("threshold", [1000, 0])
def test_save_load_round_trip(tmp_path: Path, threshold: int) -> None:
    vectors = clustered(500, 16, seed=7)
    index = DenseIndex.build(np.arange(500) * 3, vectors, model=MODEL, hnsw_threshold=threshold)
    index.save(tmp_path / "dense")

    loaded = DenseIndex.load(tmp_path / "dense", model=MODEL)

    assert (len(loaded), loaded.dim, loaded.kind, loaded.model) == (500, 16, index.kind, MODEL)
    assert loaded.keys().tolist() == index.keys().tolist()
    for query in vectors[:10]:
        assert loaded.search(query, 20)[0].tolist() == index.search(query, 20)[0].tolist()
    meta = json.loads((tmp_path / "dense" / "meta.json").read_text())
    assert meta == {
        "format": 2,
        "model": MODEL,
        "dim": 16,
        "count": 500,
        "kind": index.kind,
        "fresh": 0,
        "stale": 0,
    }


def test_a_loaded_index_can_grow(small: DenseIndex, tmp_path: Path) -> None:
    small.save(tmp_path / "dense")
    loaded = DenseIndex.load(tmp_path / "dense", model=MODEL)

    with pytest.raises(ValueError, match="already"):
        loaded.add([10], SMALL[:1])
    loaded.add([40], unit(np.array([[0, 0, 1, 1]], dtype=np.float32)))

    assert loaded.search(np.array([0, 0, 1, 0], dtype=np.float32), 1)[0].tolist() == [40]


def test_a_failed_save_leaves_the_previous_index(
    small: DenseIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    small.save(tmp_path / "dense")
    bigger = DenseIndex.build(np.arange(100), clustered(100, 4, seed=8), model=MODEL)
    real_write = faiss.write_index

    def write_then_fail(index: faiss.Index, path: str) -> None:
        real_write(index, path)  # the new index file is written ...
        raise OSError("No space left on device")  # ... then the disk fills up

    monkeypatch.setattr(faiss, "write_index", write_then_fail)
    with pytest.raises(OSError, match="No space left"):
        bigger.save(tmp_path / "dense")

    previous = DenseIndex.load(tmp_path / "dense", model=MODEL)
    assert len(previous) == 3
    assert previous.search(np.array([0, 1, 0, 0], dtype=np.float32), 1)[0].tolist() == [20]
    assert [p.name for p in tmp_path.iterdir()] == ["dense"]


def test_another_model_is_a_mismatch(small: DenseIndex, tmp_path: Path) -> None:
    small.save(tmp_path / "dense")

    with pytest.raises(ModelMismatch) as error:
        DenseIndex.load(tmp_path / "dense", model="BAAI/bge-small-en-v1.5")

    message = str(error.value)
    assert MODEL in message and "BAAI/bge-small-en-v1.5" in message
    assert "papers index --rebuild" in message


def test_a_missing_index_names_its_file(tmp_path: Path) -> None:
    with pytest.raises(IndexMissing, match="papers index") as error:
        DenseIndex.load(tmp_path / "dense", model=MODEL)

    assert str(tmp_path / "dense" / "meta.json") in str(error.value)


@pytest.mark.parametrize(
    ("damaged", "content"),
    [
        ("dense.faiss", b"\x00not a faiss index"),
        ("dense.faiss", b""),
        ("meta.json", b"{not json"),
        ("meta.json", b'{"format": 2, "model": "all-MiniLM-L6-v2"}'),
        (
            "meta.json",
            b'{"format": 2, "model": "all-MiniLM-L6-v2", "dim": 4, "count": 9, "kind": "flat",'
            b' "fresh": 0, "stale": 0}',
        ),
    ],
)
def test_a_corrupt_file_is_index_missing_naming_it(
    small: DenseIndex, tmp_path: Path, damaged: str, content: bytes
) -> None:
    small.save(tmp_path / "dense")
    (tmp_path / "dense" / damaged).write_bytes(content)

    with pytest.raises(IndexMissing, match="run `papers index` to rebuild it") as error:
        DenseIndex.load(tmp_path / "dense", model=MODEL)

    # A count that disagrees is found in the index file, so that is the one named.
    named = "dense.faiss" if b'"count": 9' in content else damaged
    assert str(tmp_path / "dense" / named) in str(error.value)


def test_a_truncated_index_file_is_index_missing(small: DenseIndex, tmp_path: Path) -> None:
    small.save(tmp_path / "dense")
    path = tmp_path / "dense" / "dense.faiss"
    path.write_bytes(path.read_bytes()[:50])

    with pytest.raises(IndexMissing, match="dense.faiss"):
        DenseIndex.load(tmp_path / "dense", model=MODEL)


@pytest.mark.parametrize("threshold", [1000, 0])
def test_fresh_and_stale_survive_save_and_load_with_the_main_file_linked(
    tmp_path: Path, threshold: int
) -> None:
    vectors = clustered(300, 16, seed=9)
    index = DenseIndex.build(np.arange(200), vectors[:200], model=MODEL, hnsw_threshold=threshold)
    index.save(tmp_path / "dense")
    main_file = tmp_path / "dense" / "dense.faiss"
    inode = main_file.stat().st_ino

    loaded = DenseIndex.load(tmp_path / "dense", model=MODEL)
    loaded.add(np.arange(200, 300), vectors[200:])
    loaded.replace([5, 250], vectors[[150, 151]])
    loaded.replace([5], vectors[[152]])  # a key already in the fresh segment
    loaded.save(tmp_path / "dense")

    assert main_file.stat().st_ino == inode  # linked into the new directory, not rewritten
    again = DenseIndex.load(tmp_path / "dense", model=MODEL)
    assert len(again) == 300
    assert sorted(again.keys().tolist()) == list(range(300))
    assert set(again.search(vectors[152], 2)[0].tolist()) == {5, 152}
    assert 5 not in again.search(vectors[5], 10)[0].tolist()
    assert set(again.search(vectors[151], 2)[0].tolist()) == {250, 151}
