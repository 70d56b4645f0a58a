"""The candidate pool's lookups: author names, phrases, categories, BM25 terms."""

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from recommender.candidates import Pool
from recommender.embed import HashEmbedder
from recommender.indexes import Indexer, IndexSet
from recommender.models import Paper
from recommender.store import Store

NOW = datetime(2025, 7, 21, tzinfo=UTC)
PAPERS = [
    Paper(
        id="2507.00001",
        title="Mixture-of-Experts routing",
        abstract="Experts are routed.",
        authors=("Jürgen Schmidhuber",),
        categories=("cs.LG",),
    ),
    Paper(
        id="2507.00002", title="Experts on a mixture", abstract="Of nothing.", categories=("cs.CV",)
    ),
    Paper(id="2507.00003", title="Speech", abstract="Audio.", authors=("王伟",)),
]


@pytest.fixture
def pool(sqlite_store: Store, tmp_path: Path) -> Pool:
    sqlite_store.upsert(PAPERS, now=NOW)
    embedder = HashEmbedder(32)
    Indexer(sqlite_store, tmp_path, embedder).update()
    bm25 = IndexSet.load(tmp_path, model=embedder.name).bm25
    return Pool.build(sqlite_store, embedder, bm25, sqlite_store.keys())


def test_phrases_are_consecutive_terms(pool: Pool):
    assert pool.phrase_mask(("mixtur", "expert")).tolist() == [True, False, False]
    assert pool.phrase_mask(("expert",)).tolist() == [True, True, False]


def test_authors_and_categories(pool: Pool):
    assert pool.author_rows(["schmidhuber, jurgen", "王伟", "...", "Nobody"]) == {
        "schmidhuber, jurgen": [0],
        "王伟": [2],
    }
    assert pool.category_mask(()).tolist() == [True, True, True]
    assert pool.category_mask(("cs",)).tolist() == [True, True, True]
    assert pool.category_mask(("cs.CL", "cs.CV")).tolist() == [False, True, True]
    assert pool.category_mask(("cs.LG",)).tolist() == [True, False, True]


def test_lexical_scores_are_the_index_scores(pool: Pool, tmp_path: Path):
    bm25 = IndexSet.load(tmp_path, model="hash-32").bm25
    keys, scores = bm25.search("routing speech", 10)
    lexical = pool.lexical({"rout": 1.0, "speech": 1.0})
    rows = [pool.keys.tolist().index(key) for key in keys.tolist()]
    np.testing.assert_allclose(lexical[rows], scores, rtol=1e-6)
    # "expert" is in two of the three papers: over half, so BM25 gives it no weight.
    assert not pool.lexical({"expert": 1.0}).any()


def test_a_mask_without_some_papers(pool: Pool):
    assert pool.mask_without(["2507.00002", "unknown"]).tolist() == [True, False, True]


def test_a_withdrawn_paper_is_no_candidate(sqlite_store: Store, tmp_path: Path):
    withdrawn = Paper(id="2507.00004", title="Taken back", extras={"withdrawn": True})
    sqlite_store.upsert([*PAPERS, withdrawn], now=NOW)
    embedder = HashEmbedder(32)
    Indexer(sqlite_store, tmp_path, embedder).update()
    bm25 = IndexSet.load(tmp_path, model=embedder.name).bm25
    pool = Pool.build(sqlite_store, embedder, bm25, sqlite_store.keys())
    assert [paper.id for paper in pool.papers] == [paper.id for paper in PAPERS]


def test_neighbours_are_the_nearest_other_papers_by_cosine():
    # Unit vectors at 0, 10, 30 and 90 degrees: each one's nearest others are plain to see.
    angles = np.radians([0, 10, 30, 90])
    vectors = np.stack([np.cos(angles), np.sin(angles)], axis=1).astype(np.float32)
    pool = Pool(keys=np.arange(4), papers=[], vectors=vectors)
    rows, cosines = pool.neighbours(2)
    assert [sorted(r) for r in rows.tolist()] == [[1, 2], [0, 2], [0, 1], [1, 2]]
    assert cosines[0].max() == pytest.approx(np.cos(np.radians(10)))
    assert pool.neighbours(9)[0].shape == (4, 3)  # no more than the other papers
    alone = Pool(keys=np.arange(1), papers=[], vectors=vectors[:1])
    assert alone.neighbours(10)[0].shape == (1, 0)


def test_links_are_the_neighbours_both_ways_once():
    # 0, 10, 30 and 90 degrees, one neighbour each: 0-1 and 1-0 (one link), 2-1, 3-2.
    angles = np.radians([0, 10, 30, 90])
    vectors = np.stack([np.cos(angles), np.sin(angles)], axis=1).astype(np.float32)
    pool = Pool(keys=np.arange(4), papers=[], vectors=vectors)
    sources, targets = pool.links(1, min_similarity=0.0)
    assert sorted(zip(sources.tolist(), targets.tolist(), strict=True)) == [
        (0, 1),
        (1, 0),
        (1, 2),
        (2, 1),
        (2, 3),
        (3, 2),
    ]
    # 3's nearest is 60 degrees away (cosine 0.5): under 0.6 it has no link.
    sources, targets = pool.links(1, min_similarity=0.6)
    assert sorted(zip(sources.tolist(), targets.tolist(), strict=True)) == [
        (0, 1),
        (1, 0),
        (1, 2),
        (2, 1),
    ]


def test_a_paper_row_in_the_pool(pool: Pool):
    assert [pool.row(paper.id) for paper in PAPERS] == [0, 1, 2]
    assert pool.row("2507.99999") is None
