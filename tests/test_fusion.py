"""Fusion functions on inputs small enough to check by hand."""

from __future__ import annotations

import inspect

import pytest

from recommender.fusion import (
    RRF_K,
    Fusion,
    convex_fuse,
    minmax_normalize,
    reciprocal_rank_fuse,
)


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ({"a": 1.0, "b": 3.0, "c": 2.0}, {"a": 0.0, "b": 1.0, "c": 0.5}),
        ({"a": -2.0, "b": 2.0, "c": 0.0}, {"a": 0.0, "b": 1.0, "c": 0.5}),
        ({"a": 0.25, "b": 0.25}, {"a": 1.0, "b": 1.0}),  # no spread: all as good as the best
        ({"a": 7.0}, {"a": 1.0}),
        ({}, {}),
    ],
)
def test_minmax_normalize(scores: dict, expected: dict) -> None:
    assert minmax_normalize(scores) == expected


# bm25 normalized: 1 -> 1.0, 2 -> (5 - 0) / 10 = 0.5, 3 -> 0.0
# dense normalized: 2 -> 1.0, 4 -> 0.0
BM25 = {1: 10.0, 2: 5.0, 3: 0.0}
DENSE = {2: 0.9, 4: 0.5}


@pytest.mark.parametrize(
    ("weights", "expected"),
    [
        # 2: 0.5 * 0.5 + 0.5 * 1.0 = 0.75;  1: 0.5 * 1.0 = 0.5;  3 and 4: 0
        ({"bm25": 0.5, "dense": 0.5}, {2: 0.75, 1: 0.5, 3: 0.0, 4: 0.0}),
        # 2: 0.25 * 0.5 + 0.75 * 1.0 = 0.875;  1: 0.25 * 1.0 = 0.25
        ({"bm25": 0.25, "dense": 0.75}, {2: 0.875, 1: 0.25, 3: 0.0, 4: 0.0}),
        ({"bm25": 1.0, "dense": 0.0}, {1: 1.0, 2: 0.5, 3: 0.0, 4: 0.0}),
    ],
)
def test_convex_fuse(weights: dict, expected: dict) -> None:
    fused = convex_fuse({"bm25": BM25, "dense": DENSE}, weights)

    assert list(fused) == list(expected)  # best first, ties in first-seen order
    assert fused == pytest.approx(expected)


def test_the_search_fuses_with_equal_weights() -> None:
    # Neither run is favoured: which one is stronger depends on the collection
    # (docs/BENCHMARKS.md, "Fusion where dense is the stronger side").
    assert Fusion().fuse(BM25, DENSE) == pytest.approx({2: 0.75, 1: 0.5, 3: 0.0, 4: 0.0})
    assert list(Fusion().fuse(BM25, DENSE)) == [2, 1, 3, 4]


def test_convex_fuse_limit_and_empty_runs() -> None:
    fused = convex_fuse({"bm25": BM25, "dense": {}}, {"bm25": 1.0, "dense": 1.0}, limit=2)

    assert fused == {1: 1.0, 2: 0.5}
    assert convex_fuse({}, {}) == {}


def test_convex_fuse_needs_a_weight_for_every_run() -> None:
    with pytest.raises(ValueError, match="dense"):
        convex_fuse({"bm25": BM25, "dense": DENSE}, {"bm25": 1.0})


def test_rrf_constant_is_cormacks_60() -> None:
    default = inspect.signature(reciprocal_rank_fuse).parameters["k"].default

    assert RRF_K == default == 60


def test_reciprocal_rank_fuse() -> None:
    fused = reciprocal_rank_fuse({"bm25": ["x", "y", "z"], "dense": ["z", "x"]})

    assert list(fused) == ["x", "z", "y"]
    assert fused == pytest.approx({"x": 1 / 61 + 1 / 62, "z": 1 / 63 + 1 / 61, "y": 1 / 62})


@pytest.mark.parametrize(
    ("k", "weights", "expected"),
    [
        # k = 0 is plain reciprocal rank: x 1/1 + 1/2, z 1/3 + 1/1, y 1/2
        (0, None, {"z": 4 / 3, "x": 1.5, "y": 0.5}),
        # weights scale each ranking's contribution: x 2/61 + 1/62, z 2/63 + 1/61
        (
            60,
            {"bm25": 2.0, "dense": 1.0},
            {"x": 2 / 61 + 1 / 62, "z": 2 / 63 + 1 / 61, "y": 2 / 62},
        ),
    ],
)
def test_reciprocal_rank_fuse_constant_and_weights(
    k: int, weights: dict | None, expected: dict
) -> None:
    fused = reciprocal_rank_fuse({"bm25": ["x", "y", "z"], "dense": ["z", "x"]}, k, weights)

    assert fused == pytest.approx(expected)
    assert list(fused) == sorted(expected, key=expected.get, reverse=True)


def test_rrf_counts_a_repeated_document_at_its_best_rank() -> None:
    assert reciprocal_rank_fuse({"run": ["a", "b", "a"]}, k=0) == {"a": 1.0, "b": 0.5}


def test_rrf_limit_is_not_the_smoothing_constant() -> None:
    fused = reciprocal_rank_fuse({"a": [1, 2, 3], "b": [4, 5, 6]}, k=10, limit=2)

    assert fused == pytest.approx({1: 1 / 11, 4: 1 / 11})


def test_rrf_ties_keep_first_seen_order() -> None:
    assert list(reciprocal_rank_fuse({"a": ["p", "q"], "b": ["q", "p"]})) == ["p", "q"]


def test_rrf_needs_a_weight_for_every_ranking() -> None:
    with pytest.raises(ValueError, match="dense"):
        reciprocal_rank_fuse({"bm25": [1], "dense": [2]}, weights={"bm25": 1.0})
