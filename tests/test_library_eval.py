"""`papers eval --libraries`: libraries read, checked, and measured with the digest's ranking."""

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from recommender.embed import HashEmbedder
from recommender.eval_collection import evaluate_library_collection
from recommender.fusion import Fusion
from recommender.library_eval import (
    BadLibraries,
    Libraries,
    Library,
    evaluate_libraries,
    load_libraries,
)
from recommender.matching import Matcher
from recommender.profiles import Profile

FIXTURES = Path(__file__).parent / "fixtures"
CORPUS = FIXTURES / "feedback-beir" / "corpus.jsonl"
LIBRARIES = FIXTURES / "libraries" / "libraries.tsv"
DOCS = [f"d{i}" for i in range(1, 31)]
NOW = datetime(2025, 7, 21, tzinfo=UTC)


def test_libraries_are_read_by_user_and_role():
    libraries = load_libraries(LIBRARIES, DOCS)
    assert [library.user for library in libraries.users] == ["compilers", "systems", "databases"]
    assert libraries.users[0] == Library("compilers", ("d1", "d2", "d3"), ("d4", "d7", "d10"))
    assert libraries.skipped == 1  # the newcomer has seeds but nothing held out


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "line 1: expected the header"),
        ("u1\td1\tseed\n", "line 1: expected the header"),
        ("user\tdoc\trole\nu1\td1\tliked\n", "line 2: role 'liked' is not seed or heldout"),
        ("user\tdoc\trole\nu1\td1\tseed\n\nu1\td99\theldout\n", "line 4: document 'd99'"),
        ("user\tdoc\trole\nu1 d1 seed\n", "line 2: expected user<TAB>doc<TAB>role"),
        ("user\tdoc\trole\nu1\t\tseed\n", "line 2: expected user<TAB>doc<TAB>role"),
    ],
)
def test_bad_libraries_name_the_line(tmp_path, text, message):
    path = tmp_path / "libraries.tsv"
    path.write_text(text)
    with pytest.raises(BadLibraries, match=message):
        load_libraries(path, DOCS)


def test_a_user_with_only_held_out_papers_is_skipped(tmp_path):
    path = tmp_path / "libraries.tsv"
    path.write_text("user\tdoc\trole\nu1\td1\theldout\nu2\td2\tseed\nu2\td3\theldout\n")
    libraries = load_libraries(path, DOCS)
    assert [library.user for library in libraries.users] == ["u2"]
    assert libraries.skipped == 1


def evaluate(work_dir: Path):
    return evaluate_library_collection(
        CORPUS, LIBRARIES, HashEmbedder(256), Fusion(), now=NOW, work_dir=work_dir
    )


def test_topical_libraries_find_their_held_out_papers(tmp_path):
    result = evaluate(tmp_path).libraries
    assert result.users == 3 and result.skipped == 1
    # 27 candidates (30 less the seeds) are all ranked; by chance, 10 of 27 would be found
    # in the first 10, and the hashing embedder's topics do better than chance.
    assert result.ranked["recall@50"] == 1.0
    assert result.ranked["recall@10"] > 0.5
    assert 0.0 < result.ranked["ndcg@10"] <= 1.0
    assert set(result.diversified) == {"ndcg@10", "recall@10", "recall@50"}
    data = result.as_dict()
    assert list(data)[-1] == "libraries"
    assert set(data["libraries"]) == {"users", "ndcg@10", "recall@10", "recall@50", "ms_per_user"}


def test_a_kept_work_dir_is_indexed_once(tmp_path):
    first = evaluate(tmp_path)
    again = evaluate(tmp_path)
    assert first.indexed and again.indexed is None
    assert again.libraries.ranked == first.libraries.ranked


def test_the_ranking_is_the_digests_from_the_seeds_as_liked_papers(tmp_path):
    """A user whose held-out paper is the digest ranking's 11th: found at 50, not at 10."""
    result = evaluate(tmp_path)  # stores and indexes the corpus in tmp_path
    from recommender.engine import Engine
    from recommender.store import Store, sqlite_url

    store = Store.open(sqlite_url(tmp_path))
    try:
        matcher = Matcher(Engine(store, tmp_path / "index", HashEmbedder(256)))
        assert result.indexed
        pool = matcher.pool(key for key, _ in store.iter_keyed())
        profile = Profile(liked=("beir:d1", "beir:d2"))
        keys, _ = matcher.rank(profile, pool, alive=pool.mask_without(profile.liked))
        eleventh = store.by_keys([int(keys[10])])[int(keys[10])].extras["beir_id"]
        assert eleventh not in {"d1", "d2"}
        paper_ids = {doc: f"beir:{doc}" for doc in DOCS}
        users = Libraries((Library("u", ("d1", "d2"), (eleventh,)),))
        found = evaluate_libraries(matcher, users, paper_ids)
    finally:
        store.close()
    assert found.ranked["recall@10"] == 0.0
    assert found.ranked["recall@50"] == 1.0
    assert found.ranked["ndcg@10"] == 0.0
    assert np.isfinite(found.ms_per_user)
