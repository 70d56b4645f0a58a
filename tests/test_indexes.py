"""Indexer: full builds, incremental updates into fresh segments, merges, atomic swaps."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import faiss
import numpy as np
import pytest

from recommender import indexes
from recommender.embed import DEFAULT_MODEL, HashEmbedder, Recipe, SentenceTransformerEmbedder
from recommender.engine import Engine
from recommender.errors import ModelMismatch
from recommender.indexes import STATE_FILE, Indexer, IndexFollower, IndexSet
from recommender.models import Paper
from recommender.onnx_embed import OnnxEmbedder
from recommender.store import Store

NOW = datetime(2025, 7, 1, tzinfo=UTC)
LATER = NOW + timedelta(days=1)
TOPICS = ["coral reef bleaching", "speculative decoding", "protein folding", "graph neural"]


class CountingEmbedder(HashEmbedder):
    """HashEmbedder that remembers every text it was asked to embed."""

    def __init__(self, dim: int = 32) -> None:
        super().__init__(dim)
        self.texts: list[str] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.texts.extend(texts)
        return super().encode(texts)


def paper(n: int, *, version: int = 1, extra: str = "") -> Paper:
    topic = TOPICS[n % len(TOPICS)]
    return Paper(
        id=f"2507.{n:05d}",
        title=f"Study {n} of {topic}",
        abstract=f"We study {topic} in setting number{n}. {extra}".strip(),
        authors=(f"Author {n}",),
        categories=("cs.LG",),
        version=version,
        sources=("arxiv-api",),
    )


def add_papers(store: Store, numbers: range) -> None:
    store.upsert([paper(n) for n in numbers], now=NOW)


@pytest.fixture
def embedder() -> CountingEmbedder:
    return CountingEmbedder()


@pytest.fixture
def indexer(sqlite_store: Store, tmp_path: Path, embedder: CountingEmbedder) -> Indexer:
    add_papers(sqlite_store, range(20))
    # A merge share of 1 keeps updates in the fresh segments until they match the main ones.
    return Indexer(sqlite_store, tmp_path / "index", embedder, merge_share=1.0)


def load(indexer: Indexer) -> IndexSet:
    return IndexSet.load(indexer.index_dir, model=indexer.embedder.name)


def test_the_first_update_builds_both_indexes(indexer: Indexer, embedder) -> None:
    report = indexer.update()

    assert (report.rebuilt, report.papers, report.embedded, report.reused) == (True, 20, 20, 0)
    indexes = load(indexer)
    assert indexes.reflects(indexer.store.watermark())
    assert (len(indexes.bm25), len(indexes.dense)) == (20, 20)
    assert len(embedder.texts) == 20


def test_an_update_embeds_only_the_new_papers(indexer: Indexer, embedder) -> None:
    indexer.update()
    add_papers(indexer.store, range(20, 25))

    report = indexer.update()

    assert (report.rebuilt, report.added, report.changed) == (False, 5, 0)
    assert (report.embedded, report.reused) == (5, 0)
    topics = [TOPICS[n % len(TOPICS)] for n in range(20, 25)]
    assert embedder.texts[20:] == [
        f"Study {n} of {topic}. We study {topic} in setting number{n}."
        for n, topic in zip(range(20, 25), topics, strict=True)
    ]
    indexes = load(indexer)
    assert indexes.reflects(indexer.store.watermark())
    assert indexes.bm25.search("number23", 5)[0].tolist() == [24]


def test_an_index_missing_papers_is_detected_and_caught_up(indexer: Indexer) -> None:
    indexer.update()
    add_papers(indexer.store, range(20, 22))

    assert not load(indexer).reflects(indexer.store.watermark())
    indexer.update()

    indexes = load(indexer)
    assert indexes.reflects(indexer.store.watermark())
    assert sorted(indexes.dense.keys().tolist()) == list(range(1, 23))


def test_a_changed_text_is_embedded_again_and_replaces_the_old(indexer: Indexer, embedder) -> None:
    indexer.update()
    indexer.store.upsert([paper(3, version=2, extra="Now with kelp forests.")], now=LATER)

    report = indexer.update()

    assert (report.added, report.changed, report.embedded) == (0, 1, 1)
    assert "kelp forests" in embedder.texts[-1]
    indexes = load(indexer)
    assert indexes.bm25.search("kelp", 5)[0].tolist() == [4]
    assert len(indexes.bm25) == len(indexes.dense) == 20
    new_vector = embedder.encode([embedder.texts[-1]])[0]
    keys, scores = indexes.dense.search(new_vector, 1)
    assert keys.tolist() == [4] and scores[0] == pytest.approx(1.0, abs=1e-5)


def test_a_changed_record_with_the_same_text_reuses_its_embedding(
    indexer: Indexer, embedder
) -> None:
    indexer.update()
    same = Paper(**{**paper(3).__dict__, "sources": ("hf-daily",)})
    indexer.store.upsert([same], now=LATER)

    report = indexer.update()

    assert (report.changed, report.embedded, report.reused) == (1, 0, 1)
    assert len(embedder.texts) == 20


def test_fresh_segments_are_merged_past_the_share(indexer: Indexer) -> None:
    indexer.merge_share = 0.2  # 4 papers beside the 20 of the main segments
    indexer.update()
    add_papers(indexer.store, range(20, 23))
    assert not indexer.update().rebuilt

    add_papers(indexer.store, range(23, 25))
    report = indexer.update()

    state = json.loads((indexer.index_dir / STATE_FILE).read_text())
    assert report.rebuilt and report.embedded == 2 and report.reused == 23
    assert (state["built"], state["fresh"]) == (25, 0)


def test_a_failed_save_keeps_the_old_index_serving(
    indexer: Indexer, monkeypatch: pytest.MonkeyPatch
) -> None:
    indexer.update()
    add_papers(indexer.store, range(20, 25))
    real_write = faiss.write_index

    def write_then_fail(index: faiss.Index, path: str) -> None:
        real_write(index, path)  # the dense files are half written ...
        raise OSError("No space left on device")  # ... when the disk fills up

    monkeypatch.setattr(faiss, "write_index", write_then_fail)
    with pytest.raises(OSError, match="No space left"):
        indexer.update()

    old = load(indexer)
    assert len(old.bm25) == len(old.dense) == 20
    assert old.state["papers"] == 20
    beside = sorted(p.name for p in indexer.index_dir.parent.iterdir() if "index" in p.name)
    assert beside == [".index.lock", "index"]  # no staging left; the updates' lock file
    monkeypatch.setattr(faiss, "write_index", real_write)
    assert indexer.update().added == 5


def test_another_model_is_a_clear_error_until_rebuilt(indexer: Indexer) -> None:
    indexer.update()
    other = Indexer(indexer.store, indexer.index_dir, HashEmbedder(16))

    with pytest.raises(ModelMismatch, match="papers index --rebuild"):
        other.update()

    report = other.update(rebuild=True)
    assert report.rebuilt and report.embedded == 20
    assert load(other).dense.model == "hash-16"


@pytest.mark.model
def test_vectors_read_from_another_window_are_a_model_mismatch(
    sqlite_store: Store, tmp_path: Path, minilm: SentenceTransformerEmbedder
) -> None:
    add_papers(sqlite_store, range(6))
    Indexer(sqlite_store, tmp_path / "index", minilm).update()  # the model's whole window
    short = SentenceTransformerEmbedder(word_pieces=128)
    fast = Indexer(sqlite_store, tmp_path / "index", short)

    assert not fast.is_current()
    with pytest.raises(ModelMismatch, match=f"'{DEFAULT_MODEL}'.*'{DEFAULT_MODEL}@128'"):
        fast.update()
    with pytest.raises(ModelMismatch, match="papers index --rebuild"):
        Engine(sqlite_store, tmp_path / "index", short).search("coral reef bleaching")

    # The whole window's stored vectors are not taken for the short window's.
    report = fast.update(rebuild=True)
    assert (report.embedded, report.reused) == (6, 0)
    assert load(fast).state["model"] == load(fast).dense.model == f"{DEFAULT_MODEL}@128"
    hits = Engine(sqlite_store, tmp_path / "index", short).search("coral reef bleaching")
    assert hits[0].paper.title.endswith("of coral reef bleaching")


@pytest.mark.model
def test_int8_vectors_and_float_vectors_are_a_model_mismatch_both_ways(
    sqlite_store: Store, tmp_path: Path, minilm: SentenceTransformerEmbedder, session_graphs: Path
) -> None:
    add_papers(sqlite_store, range(6))
    Indexer(sqlite_store, tmp_path / "index", minilm).update()
    int8 = OnnxEmbedder(session_graphs, Recipe(DEFAULT_MODEL, int8=True))
    fast = Indexer(sqlite_store, tmp_path / "index", int8)

    with pytest.raises(ModelMismatch, match=f"'{DEFAULT_MODEL}'.*'{DEFAULT_MODEL}\\+int8'"):
        fast.update()

    report = fast.update(rebuild=True)
    assert (report.embedded, report.reused) == (6, 0)
    assert load(fast).state["model"] == f"{DEFAULT_MODEL}+int8"
    hits = Engine(sqlite_store, tmp_path / "index", int8).search("coral reef bleaching")
    assert hits[0].paper.title.endswith("of coral reef bleaching")
    with pytest.raises(ModelMismatch, match="papers index --rebuild"):
        Engine(sqlite_store, tmp_path / "index", minilm).search("coral reef bleaching")


def test_nothing_new_writes_nothing(indexer: Indexer) -> None:
    indexer.update()
    stamp = (indexer.index_dir / STATE_FILE).stat().st_mtime_ns

    report = indexer.update()

    assert (report.rebuilt, report.added, report.changed, report.embedded) == (False, 0, 0, 0)
    # The bot reloads the indexes when the state file changes; here it must not.
    assert (indexer.index_dir / STATE_FILE).stat().st_mtime_ns == stamp


def test_the_store_is_read_in_batches_that_miss_nothing(
    indexer: Indexer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(indexes, "READ_BATCH", 3)
    monkeypatch.setattr(indexes, "EMBED_BATCH", 2)
    indexer.update()
    add_papers(indexer.store, range(20, 27))

    indexer.update()

    loaded = load(indexer)
    assert sorted(loaded.dense.keys().tolist()) == list(range(1, 28))
    assert loaded.bm25.search("number26", 5)[0].tolist() == [27]
    assert loaded.bm25.search("number2", 5)[0].tolist() == [3]


def follower_of(indexer: Indexer, directory: Path, **kwargs) -> tuple[IndexFollower, Engine]:
    """Another process's copy: its own directory and engine, following the same store."""
    mine = Indexer(indexer.store, directory, CountingEmbedder(), merge_share=1.0)
    engine = Engine(indexer.store, directory, mine.embedder)
    return IndexFollower(mine, engine.indexes, timedelta(seconds=30), **kwargs), engine


def test_a_follower_builds_its_own_copy_from_the_stored_embeddings(
    indexer: Indexer, tmp_path: Path
) -> None:
    indexer.update()
    follower, engine = follower_of(indexer, tmp_path / "web" / "index")
    report = follower.refresh()
    assert (report.rebuilt, report.embedded, report.reused) == (True, 0, 20)
    assert follower.indexer.embedder.texts == []
    assert engine.indexes().reflects(indexer.store.watermark())


def test_a_follower_waits_for_new_papers_to_be_embedded_elsewhere(
    indexer: Indexer, tmp_path: Path
) -> None:
    indexer.update()
    follower, engine = follower_of(indexer, tmp_path / "web" / "index")
    follower.refresh()
    add_papers(indexer.store, range(20, 23))
    assert follower.refresh() is None  # the clock is embedding them
    assert "2507.00021" not in [hit.paper.id for hit in engine.search("number21", k=10)]
    indexer.update()
    report = follower.refresh()
    assert (report.added, report.embedded, report.reused) == (3, 0, 3)
    assert [hit.paper.id for hit in engine.search("number21", k=1)] == ["2507.00021"]


def test_a_follower_out_of_patience_embeds_what_nobody_did(
    indexer: Indexer, tmp_path: Path
) -> None:
    indexer.update()
    follower, _ = follower_of(indexer, tmp_path / "web" / "index", patience=timedelta(0))
    follower.refresh()
    add_papers(indexer.store, range(20, 22))
    report = follower.refresh()
    assert (report.added, report.embedded) == (2, 2)
    assert indexer.store.unembedded(indexer.embedder.name) == 0


def test_is_current_reads_only_the_state_file(indexer: Indexer) -> None:
    assert not indexer.is_current()
    indexer.update()
    assert indexer.is_current()
    add_papers(indexer.store, range(20, 21))
    assert not indexer.is_current()
    indexer.update()
    other_model = Indexer(indexer.store, indexer.index_dir, HashEmbedder(dim=16))
    assert indexer.is_current() and not other_model.is_current()


def test_a_follower_waits_on_while_another_process_keeps_embedding(
    indexer: Indexer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The patience starts over whenever fewer papers are missing than at the last look
    (a backfill is at work), and the follower indexes what is embedded meanwhile."""
    clock = iter([0.0, 660.0, 1320.0])
    monkeypatch.setattr(indexes, "EMBED_BATCH", 4)
    indexer.update()
    follower, engine = follower_of(indexer, tmp_path / "web" / "index", monotonic=clock.__next__)
    follower.refresh()
    add_papers(indexer.store, range(20, 28))  # keys 21 to 28
    assert follower.refresh() is None  # at 0 s: 8 missing, none of them embedded
    indexer.embed_missing(after=20, batches=1)  # keys 21 to 24
    report = follower.refresh()  # at 11 min: 4 missing, fewer than before
    assert (report.papers, report.added, report.embedded) == (24, 4, 0)
    assert [hit.paper.id for hit in engine.search("number23", k=1)] == ["2507.00023"]
    report = follower.refresh()  # at 22 min: still 4 missing, out of patience
    assert (report.papers, report.added, report.embedded) == (28, 4, 4)
    assert follower.indexer.embedder.texts[-4:] == [
        indexes.dense_text(paper(n)) for n in range(24, 28)
    ]
