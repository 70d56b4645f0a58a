"""`BM25Index.text_weights`: a text's terms scored as the index scores its documents."""

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


def summed(weights: dict[str, float], query: str) -> float:
    return sum(weights.get(term, 0.0) for term in tokenize(query))


@pytest.mark.parametrize("query", ["quantization speech", "images", "speech speech models"])
def test_an_indexed_texts_weights_sum_to_its_search_score(query: str):
    index = BM25Index.build(KEYS, TEXTS)
    weights = dict(zip(KEYS, index.text_weights(TEXTS), strict=True))
    keys, scores = index.search(query, 10)
    assert len(keys)
    for key, score in zip(keys.tolist(), scores.tolist(), strict=True):
        assert summed(weights[key], query) == pytest.approx(score, rel=1e-6)


def test_a_text_added_later_weighs_as_the_fresh_segment_scores_it():
    index = BM25Index.build(KEYS, TEXTS)
    index.add([200], ["Speech synthesis of images"])
    keys, scores = index.search("speech images", 10)
    [weights] = index.text_weights(["Speech synthesis of images"])
    assert summed(weights, "speech images") == pytest.approx(scores[keys.tolist().index(200)])


def test_common_words_weigh_nothing_and_a_new_word_weighs_most():
    index = BM25Index.build(KEYS, TEXTS)
    # "model" is in two of five documents, "zebra" in none: the rarer, the heavier.
    [weights] = index.text_weights(["the model of a zebra"])
    assert set(weights) == {"model", "zebra"} and weights["zebra"] > weights["model"] > 0
    assert index.text_weights(["the of and", ""]) == [{}, {}]
    assert index.text_weights([]) == []
