"""`BM25Index.term_scores`: the per-term parts of `search`'s scores, for chosen documents."""

import numpy as np
import pytest

from recommender.bm25 import BM25Index
from recommender.text import tokenize

TEXTS = [
    "A quantization paper about quantization of weights",
    "Speech recognition models",
    "Quantization of speech models",
    "Vision transformers for images",
    "Remote sensing images from satellites",
]
KEYS = [50, 30, 90, 110, 20]


@pytest.mark.parametrize("query", ["quantization speech", "images", "speech speech models"])
def test_the_terms_sum_to_the_search_score(query: str):
    index = BM25Index.build(KEYS, TEXTS)
    keys, scores = index.search(query, 10)
    columns = index.term_scores(tokenize(query), keys)
    assert columns.shape == (len(keys), len(tokenize(query)))
    np.testing.assert_allclose(columns.sum(axis=1), scores, rtol=1e-6)


def test_keys_and_terms_the_index_lacks_score_zero():
    index = BM25Index.build(KEYS, TEXTS)
    columns = index.term_scores(["speech", "zebra"], [999, 30])
    assert columns[0].tolist() == [0.0, 0.0]
    assert columns[1, 0] > 0 and columns[1, 1] == 0


def test_a_reindexed_document_scores_by_its_new_text():
    index = BM25Index.build(KEYS, TEXTS)
    index.add([30, 200], ["Image segmentation", "Speech synthesis"])
    columns = index.term_scores(["speech", "imag"], [30, 200])
    assert columns[0, 0] == 0 and columns[0, 1] > 0
    assert columns[1, 0] > 0
    keys, scores = index.search("speech", 10)
    np.testing.assert_allclose(index.term_scores(["speech"], keys)[:, 0], scores, rtol=1e-6)


def test_no_keys_or_no_terms_give_an_empty_matrix():
    index = BM25Index.build(KEYS, TEXTS)
    assert index.term_scores([], KEYS).shape == (5, 0)
    assert index.term_scores(["speech"], []).shape == (0, 1)
