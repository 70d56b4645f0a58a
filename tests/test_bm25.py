"""BM25Index: scores checked by hand and against rank_bm25, search edges, atomic save/load."""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path

import bm25s
import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from recommender.bm25 import BM25Index
from recommender.errors import IndexMissing
from recommender.text import tokenize

# Three documents of three terms each, so |d| = avgdl and the length factor is 1:
#   10: cat chase mice    20: dog chase dog    30: bird sing song
THREE = {10: "Cats chase mice.", 20: "Dogs chase dogs.", 30: "Birds sing songs."}
# idf of a term in 1 of N=3 documents: ln((3 - 1 + 0.5) / (1 + 0.5)) = ln(5/3) = 0.5108256
IDF_ONE_OF_THREE = math.log(5 / 3)

# Eight abstracts of varied length; "model" (model/models) is in 6 of 8, more than half, so
# its Robertson idf ln(2.5/6.5) is negative and the variants' handling of it differs.
ABSTRACTS = [
    "Speculative decoding speeds up large language model inference with a small draft model.",
    "Draft models propose tokens that the large model verifies in parallel.",
    "Coral reef bleaching is driven by marine heatwaves.",
    "Language models learn in-context from a few examples.",
    "Reinforcement learning from human feedback aligns language models.",
    "Marine heatwaves and ocean acidification threaten coral reefs worldwide.",
    "Quantization makes language model inference cheaper on CPUs.",
    "A survey of retrieval-augmented generation for language models and their inference.",
]
KEYS = [101, 102, 103, 104, 105, 106, 107, 108]
# Every term of these is in at most half of the documents.
RARE_QUERIES = ["coral reef heatwaves", "survey of retrieval", "draft tokens", "inference CPUs"]
# These include "model" (6 of 8 documents) or "language" (5 of 8).
COMMON_QUERIES = ["language model inference", "draft model", "models", "language models learn"]


@pytest.fixture
def three() -> BM25Index:
    return BM25Index.build(list(THREE), list(THREE.values()))


@pytest.fixture
def abstracts() -> BM25Index:
    return BM25Index.build(KEYS, ABSTRACTS)


def okapi_ranking(query: str, epsilon: float) -> tuple[np.ndarray, np.ndarray]:
    """rank_bm25's scores for `query`, positive ones only, best first, ties by key."""
    okapi = BM25Okapi([tokenize(text) for text in ABSTRACTS], k1=1.2, b=0.75, epsilon=epsilon)
    scores = okapi.get_scores(tokenize(query))
    keys = np.array(KEYS)
    order = np.lexsort((keys, -scores))
    order = order[scores[order] > 0]
    return keys[order], scores[order]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # tf 2: 2 * (1.2 + 1) / (2 + 1.2) = 1.375, times ln(5/3) = 0.7023852
        ("dogs", {20: 1.375 * IDF_ONE_OF_THREE}),
        # tf 1: 1 * 2.2 / (1 + 1.2) = 1, so the score is the idf itself
        ("mice", {10: IDF_ONE_OF_THREE}),
        ("dogs mice", {20: 1.375 * IDF_ONE_OF_THREE, 10: IDF_ONE_OF_THREE}),
        # "chase" is in 2 of 3: ln(1.5 / 2.5) < 0, clamped to 0, so nothing scores above 0
        ("chase", {}),
    ],
)
def test_three_sentence_scores_by_hand(three: BM25Index, query: str, expected: dict) -> None:
    keys, scores = three.search(query, 10)

    assert keys.tolist() == list(expected)
    assert scores.tolist() == pytest.approx(list(expected.values()), abs=1e-6)


def test_okapi_floors_the_common_term_we_clamp() -> None:
    # BM25Okapi's floor: epsilon * mean idf = 0.25 * (6 ln(5/3) + ln(0.6)) / 7 = 0.0912188
    tokens = [tokenize(text) for text in THREE.values()]
    floor = 0.25 * (6 * IDF_ONE_OF_THREE + math.log(0.6)) / 7

    okapi = BM25Okapi(tokens, k1=1.2, b=0.75, epsilon=0.25).get_scores(["chase"])

    assert okapi.tolist() == pytest.approx([floor, floor, 0.0])


@pytest.mark.parametrize("query", RARE_QUERIES + COMMON_QUERIES)
def test_agrees_with_okapi_without_epsilon_floor(abstracts: BM25Index, query: str) -> None:
    expected_keys, expected_scores = okapi_ranking(query, epsilon=0.0)

    keys, scores = abstracts.search(query, 10)

    assert keys.tolist() == expected_keys.tolist()
    assert scores.tolist() == pytest.approx(expected_scores.tolist(), abs=1e-6)


@pytest.mark.parametrize("query", RARE_QUERIES)
def test_agrees_with_default_okapi_when_no_term_is_in_most_documents(
    abstracts: BM25Index, query: str
) -> None:
    expected_keys, expected_scores = okapi_ranking(query, epsilon=0.25)

    keys, scores = abstracts.search(query, 10)

    assert keys.tolist() == expected_keys.tolist()
    assert scores.tolist() == pytest.approx(expected_scores.tolist(), abs=1e-6)


def test_a_term_in_most_documents_adds_nothing(abstracts: BM25Index) -> None:
    okapi_keys, _ = okapi_ranking("models", epsilon=0.25)

    keys, _ = abstracts.search("models", 10)

    assert len(okapi_keys) == 6  # BM25Okapi's floor gives "model" a small positive weight
    assert keys.tolist() == []


@pytest.mark.parametrize("query", ["", "   ", "the of and", '"" AND -', "zebra unicorn", "🔥"])
def test_queries_without_known_terms_return_empty_arrays(abstracts: BM25Index, query: str) -> None:
    keys, scores = abstracts.search(query, 10)

    assert keys.shape == scores.shape == (0,)
    assert keys.dtype == np.int64


def test_k_limits_results_and_may_exceed_the_corpus(abstracts: BM25Index) -> None:
    all_keys, _ = abstracts.search("coral inference", 1000)
    top_keys, _ = abstracts.search("coral inference", 2)

    assert len(all_keys) == 5
    assert top_keys.tolist() == all_keys[:2].tolist()
    assert abstracts.search("coral inference", 0)[0].tolist() == []


def test_ties_go_to_the_lower_key() -> None:
    # "coral" must be in at most half of the documents to have a positive idf.
    index = BM25Index.build([7, 3, 5, 9, 1], ["coral reef", "coral reef", "ocean", "kelp", "sand"])

    keys, scores = index.search("coral", 10)

    assert keys.tolist() == [3, 7]
    assert scores[0] == scores[1]
    assert index.search("coral", 1)[0].tolist() == [3]


@pytest.mark.parametrize("texts", [[], ["", "the and of"]])
def test_a_corpus_without_terms_searches_to_nothing(texts: list[str], tmp_path: Path) -> None:
    index = BM25Index.build(range(len(texts)), texts)
    index.save(tmp_path / "bm25")

    loaded = BM25Index.load(tmp_path / "bm25")

    assert len(loaded) == len(texts)
    assert loaded.search("anything", 5)[0].tolist() == []


@pytest.mark.parametrize(("keys", "texts"), [([1, 1], ["a b", "c d"]), ([1], ["a", "b"])])
def test_bad_keys_are_refused(keys: list[int], texts: list[str]) -> None:
    with pytest.raises(ValueError):
        BM25Index.build(keys, texts)


def test_save_load_round_trip(abstracts: BM25Index, tmp_path: Path) -> None:
    abstracts.save(tmp_path / "bm25")

    loaded = BM25Index.load(tmp_path / "bm25")

    assert len(loaded) == 8
    assert (loaded.k1, loaded.b) == (1.2, 0.75)
    for query in RARE_QUERIES + COMMON_QUERIES:
        keys, scores = loaded.search(query, 10)
        expected_keys, expected_scores = abstracts.search(query, 10)
        assert keys.tolist() == expected_keys.tolist()
        assert scores.tolist() == expected_scores.tolist()


def test_save_replaces_the_previous_index(
    three: BM25Index, abstracts: BM25Index, tmp_path: Path
) -> None:
    three.save(tmp_path / "bm25")
    abstracts.save(tmp_path / "bm25")

    assert len(BM25Index.load(tmp_path / "bm25")) == 8
    assert [p.name for p in tmp_path.iterdir()] == ["bm25"]


def test_a_failed_save_leaves_the_previous_index(
    three: BM25Index, abstracts: BM25Index, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    three.save(tmp_path / "bm25")
    real_save = bm25s.BM25.save

    def save_then_fail(self: bm25s.BM25, *args: object, **kwargs: object) -> None:
        real_save(self, *args, **kwargs)  # the engine's files are written ...
        raise OSError("No space left on device")  # ... then the disk fills up

    monkeypatch.setattr(bm25s.BM25, "save", save_then_fail)
    with pytest.raises(OSError, match="No space left"):
        abstracts.save(tmp_path / "bm25")

    previous = BM25Index.load(tmp_path / "bm25")
    assert len(previous) == 3
    assert previous.search("dogs", 5)[0].tolist() == [20]
    assert [p.name for p in tmp_path.iterdir()] == ["bm25"]


def test_loading_a_missing_index_says_how_to_rebuild(tmp_path: Path) -> None:
    with pytest.raises(IndexMissing) as error:
        BM25Index.load(tmp_path / "nowhere")

    assert str(tmp_path / "nowhere") in str(error.value)
    assert "run `papers index` to rebuild it" in str(error.value)


@pytest.mark.parametrize(
    "damaged",
    [
        "meta.json",
        "keys.npy",
        "bm25s/data.csc.index.npy",
        "bm25s/indptr.csc.index.npy",
        "bm25s/vocab.index.json",
        "bm25s/params.index.json",
        "bm25s/indices.csc.index.npy",
    ],
)
def test_a_corrupt_file_is_index_missing(
    abstracts: BM25Index, tmp_path: Path, damaged: str
) -> None:
    abstracts.save(tmp_path / "bm25")
    (tmp_path / "bm25" / damaged).write_bytes(b"\x00garbage{")

    with pytest.raises(IndexMissing, match="run `papers index` to rebuild it") as error:
        BM25Index.load(tmp_path / "bm25")

    # The file itself, or for the engine's files the bm25s directory that holds them.
    assert str(tmp_path / "bm25" / damaged.split("/")[0]) in str(error.value)


def test_an_index_of_another_tokenizer_version_is_index_missing(
    abstracts: BM25Index, tmp_path: Path
) -> None:
    abstracts.save(tmp_path / "bm25")
    meta_path = tmp_path / "bm25" / "meta.json"
    meta = json.loads(meta_path.read_text())
    meta_path.write_text(json.dumps({**meta, "tokenizer": 1}))

    with pytest.raises(IndexMissing, match="version 1 of the tokenizer, not 2"):
        BM25Index.load(tmp_path / "bm25")


def test_keys_that_do_not_fit_the_scores_are_index_missing(
    abstracts: BM25Index, tmp_path: Path
) -> None:
    abstracts.save(tmp_path / "bm25")
    np.save(tmp_path / "bm25" / "keys.npy", np.arange(3, dtype=np.int64))

    with pytest.raises(IndexMissing, match="keys.npy holds"):
        BM25Index.load(tmp_path / "bm25")


def test_a_deleted_engine_file_is_index_missing(abstracts: BM25Index, tmp_path: Path) -> None:
    abstracts.save(tmp_path / "bm25")
    (tmp_path / "bm25" / "bm25s" / "data.csc.index.npy").unlink()

    with pytest.raises(IndexMissing, match="data.csc.index.npy"):
        BM25Index.load(tmp_path / "bm25")


# Segments: documents added after the build are scored with the main segment's statistics.
MAIN, FRESH = ABSTRACTS[:6], ABSTRACTS[6:]


def okapi_with_appended(query: str) -> tuple[np.ndarray, np.ndarray]:
    """rank_bm25 over MAIN, with FRESH appended without recomputing idf or avgdl."""
    okapi = BM25Okapi([tokenize(text) for text in MAIN], k1=1.2, b=0.75, epsilon=0.0)
    for text in FRESH:
        terms = tokenize(text)
        okapi.doc_freqs.append(Counter(terms))
        okapi.doc_len.append(len(terms))
        for term in terms:  # a term MAIN lacks has df 0: idf ln((N + 0.5) / 0.5)
            okapi.idf.setdefault(term, math.log((len(MAIN) + 0.5) / 0.5))
    okapi.corpus_size = len(okapi.doc_freqs)
    scores = okapi.get_scores(tokenize(query))
    keys = np.array(KEYS)
    order = np.lexsort((keys, -scores))
    order = order[scores[order] > 0]
    return keys[order], scores[order]


@pytest.fixture
def segmented() -> BM25Index:
    index = BM25Index.build(KEYS[:6], MAIN)
    index.add(KEYS[6:], FRESH)
    return index


@pytest.mark.parametrize("query", RARE_QUERIES + COMMON_QUERIES)
def test_fresh_documents_score_as_okapi_with_the_main_statistics(
    segmented: BM25Index, query: str
) -> None:
    expected_keys, expected_scores = okapi_with_appended(query)

    keys, scores = segmented.search(query, 10)

    assert len(segmented) == 8
    assert keys.tolist() == expected_keys.tolist()
    assert scores.tolist() == pytest.approx(expected_scores.tolist(), abs=1e-6)


def test_adding_a_held_key_reindexes_it() -> None:
    index = BM25Index.build(list(THREE), list(THREE.values()))

    index.add([20, 40], ["Birds sing.", "Mice sing."])
    index.add([40], ["Cats purr."])

    assert len(index) == 4
    assert index.search("dogs", 5)[0].tolist() == []
    assert index.search("birds", 5)[0].tolist() == [20, 30]
    assert index.search("mice", 5)[0].tolist() == [10]
    assert index.search("purr", 5)[0].tolist() == [40]


def test_segments_round_trip_and_the_main_files_are_linked(
    segmented: BM25Index, tmp_path: Path
) -> None:
    segmented.save(tmp_path / "bm25")
    data = tmp_path / "bm25" / "bm25s" / "data.csc.index.npy"
    inode = data.stat().st_ino

    loaded = BM25Index.load(tmp_path / "bm25")
    loaded.add([104], ["Coral reefs learn in-context."])
    loaded.save(tmp_path / "bm25")

    assert data.stat().st_ino == inode  # linked into the new directory, not rewritten
    reloaded = BM25Index.load(tmp_path / "bm25")
    assert len(reloaded) == 8
    for query in RARE_QUERIES + ["coral learn"]:
        assert reloaded.search(query, 10)[0].tolist() == loaded.search(query, 10)[0].tolist()
    assert reloaded.search("learn in-context", 1)[0].tolist() == [104]


def test_batches_build_the_matrix_bm25s_builds(tmp_path: Path) -> None:
    docs = [tokenize(text) for text in ABSTRACTS]
    vocab: dict[str, int] = {}
    ids = [[vocab.setdefault(term, len(vocab)) for term in doc] for doc in docs]
    reference = bm25s.BM25(k1=1.2, b=0.75, method="atire", idf_method="robertson")
    reference.index((ids, vocab), create_empty_token=False, show_progress=False)

    batched = BM25Index.build_batches([(KEYS[:3], ABSTRACTS[:3]), (KEYS[3:], ABSTRACTS[3:])])
    batched.save(tmp_path / "bm25")
    ours = bm25s.BM25.load(tmp_path / "bm25" / "bm25s", show_progress=False)

    assert ours.vocab_dict == vocab
    for name in ("indptr", "indices"):
        assert ours.scores[name].tolist() == reference.scores[name].tolist()
    assert ours.scores["data"] == pytest.approx(reference.scores["data"], abs=1e-6)
