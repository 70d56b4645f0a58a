"""Hybrid search over the real store and real indexes (with the fast hashing embedder)."""

from datetime import UTC, datetime

import pytest

from recommender.embed import HashEmbedder
from recommender.engine import Engine, Filters, Floor
from recommender.errors import IndexMissing, InvalidQuery
from recommender.fusion import Fusion, convex_fuse
from recommender.indexes import Indexer
from recommender.ingest import IngestReport, ingest_file

NOW = datetime(2025, 7, 25, tzinfo=UTC)


@pytest.fixture
def seeded(sqlite_store, samples_dir, tmp_path):
    report = IngestReport()
    for path in sorted(samples_dir.glob("*.txt")):
        ingest_file(sqlite_store, path, report, now=NOW)
    embedder = HashEmbedder()
    Indexer(sqlite_store, tmp_path / "index", embedder).update()
    return sqlite_store, tmp_path / "index", embedder


def engine(seeded, **fusion) -> Engine:
    store, index_dir, embedder = seeded
    return Engine(store, index_dir, embedder, Fusion(**fusion))


def test_search_finds_the_topic_and_explains_each_hit(seeded):
    hits = engine(seeded).search("speculative decoding", k=5)
    assert "speculative decoding" in hits[0].paper.title.lower()
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    top = hits[0]
    assert top.bm25_rank is not None and top.bm25_score > 0
    assert all(h.bm25_rank or h.dense_rank for h in hits)


def test_paging_with_offset(seeded):
    first = engine(seeded).search("language model reasoning", k=5)
    second = engine(seeded).search("language model reasoning", k=5, offset=5)
    ten = engine(seeded).search("language model reasoning", k=10)
    assert [h.key for h in first + second] == [h.key for h in ten]


@pytest.mark.parametrize("weight", [0.0, 1.0])
def test_convex_fusion_at_the_ends_is_one_index(seeded, weight):
    search = engine(seeded, dense_weight=weight)
    hits = search.search("mixture of experts routing", k=10)
    run = search.dense_run if weight else search.bm25_run
    expected = run("mixture of experts routing", 100).keys.tolist()[:10]
    assert [h.key for h in hits] == expected


def test_the_hybrid_is_plain_minmax_fusion_of_its_two_runs(seeded):
    # The search's rule (issue 15): equal weights, so without the floor the hybrid at
    # depth 100 is the min-max CombSUM of the two runs at depth 100, whatever the collection.
    store, index_dir, embedder = seeded
    search = Engine(store, index_dir, embedder, floor=None)
    query = "quantization of large language models"
    runs = {"bm25": search.bm25_run(query, 100), "dense": search.dense_run(query, 100)}
    expected = convex_fuse(
        {name: run.as_dict() for name, run in runs.items()}, {"bm25": 0.5, "dense": 0.5}
    )
    hits = search.search(query, k=100)
    assert [h.key for h in hits] == list(expected)[:100]
    assert [h.score for h in hits] == pytest.approx(list(expected.values())[:100])


def test_rrf_fusion(seeded):
    hits = engine(seeded, method="rrf").search("quantization of large language models", k=5)
    first = hits[0]
    expected = sum(1 / (60 + r) for r in (first.bm25_rank, first.dense_rank) if r)
    assert first.score == pytest.approx(expected)


@pytest.mark.parametrize(
    ("filters", "check"),
    [
        (Filters(category="cs.CL"), lambda p: "cs.CL" in p.categories),
        (Filters(category="cs"), lambda p: any(c.startswith("cs.") for c in p.categories)),
        (
            Filters(since=datetime(2025, 7, 20, tzinfo=UTC)),
            lambda p: p.published >= datetime(2025, 7, 20, tzinfo=UTC),
        ),
        (Filters(author="belinkov"), lambda p: any("Belinkov" in a for a in p.authors)),
    ],
)
def test_filters(seeded, filters, check):
    hits = engine(seeded).search("language models", k=10, filters=filters)
    assert hits and all(check(h.paper) for h in hits)


@pytest.mark.parametrize(
    "filters", [Filters(category="astro-ph.GA"), Filters(author="Nobody Ofthisname")]
)
def test_filters_that_match_nothing_give_no_hits(seeded, filters):
    assert engine(seeded).search("language", filters=filters) == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "the query is empty"),
        ("   \n ", "the query is empty"),
        ("the of and to", "only common words"),
    ],
)
def test_queries_with_nothing_to_search_for(seeded, query, message):
    with pytest.raises(InvalidQuery, match=message):
        engine(seeded).search(query)


@pytest.mark.parametrize(
    "query",
    [
        '"speculative decoding" AND (LLM OR -draft)',
        "量子化 模型 🚀 quantization",
        "x" * 10_000,
        " ".join(["efficient inference"] * 700),
        "C++ <b>&amp;</b> 'quoted'",
    ],
)
def test_odd_queries_do_not_crash(seeded, query):
    assert isinstance(engine(seeded).search(query, k=3), list)


def test_similar_papers_exclude_the_paper_itself(seeded):
    hits = engine(seeded).similar("2507.07186", k=3)
    assert len(hits) == 3 and all(h.paper.id != "2507.07186" for h in hits)
    with pytest.raises(InvalidQuery, match="no paper"):
        engine(seeded).similar("0000.00000")


def test_missing_index_says_how_to_build_it(sqlite_store, tmp_path):
    search = Engine(sqlite_store, tmp_path / "nowhere", HashEmbedder())
    with pytest.raises(IndexMissing, match="papers index"):
        search.search("anything")
    assert not search.is_current()


def test_corrupt_state_file_is_named(seeded):
    _, index_dir, _ = seeded
    (index_dir / "state.json").write_text("{not json")
    with pytest.raises(IndexMissing, match="state.json"):
        engine(seeded).search("decoding")


def test_engine_notices_new_papers_and_reloads_a_rebuilt_index(seeded, fixtures_dir):
    store, index_dir, embedder = seeded
    search = engine(seeded)
    assert search.is_current()
    search.search("decoding")
    report = IngestReport()
    ingest_file(store, fixtures_dir / "oai-pmh" / "GetRecordResponse.xml", report, now=NOW)
    assert not search.is_current()
    Indexer(store, index_dir, embedder).update()
    assert search.is_current()
    assert search.search("same-sign dilepton gluino", k=1)[0].paper.id == "1302.2146"


def test_results_stop_where_the_evidence_ends(seeded):
    store, index_dir, embedder = seeded
    hits = engine(seeded).search("speculative decoding", k=400)
    everything = Engine(store, index_dir, embedder, floor=None).search(
        "speculative decoding", k=400
    )
    assert len(hits) == hits.total < everything.total == store.count()
    assert all(h.bm25_rank or h.dense_score >= Floor().dense for h in hits)
    # The cut keeps the fused order of what stays.
    kept = {h.key for h in hits}
    assert [h.key for h in everything if h.key in kept] == [h.key for h in hits]
