"""The layout shared by the Hugging Face pages saved as text."""

# The tables quote whole titles and sentences of the seeds, one case a line.
# ruff: noqa: E501

from __future__ import annotations

import pytest

from recommender.sources.hf_text import Layout, content_lines, layout, looks_like_abstract

ABSTRACT = (
    "We study how a model learns. Our method is simple and fast, and it needs no labels at "
    "all. Experiments on three benchmarks show gains of up to five points over strong "
    "baselines while using half the compute."
)


@pytest.mark.parametrize(
    ("line", "is_abstract"),
    [
        ("RISER: Orchestrating Latent Reasoning Skills for Adaptive Activation Steering", False),
        # A sentence break inside a title (seed 003, line 205) does not make it an abstract.
        (
            "Are We There Yet? A Measurement Study of Efficiency for LLM Applications on Mobile Devices",
            False,
        ),
        (
            "What needs to go right for an induction head? A mechanistic study of in-context learning circuits and their formation",
            False,
        ),
        ("A short abstract of fourteen words that ends in a full stop like sentences do.", True),
        (ABSTRACT, True),
    ],
)
def test_looks_like_abstract(line, is_abstract):
    assert looks_like_abstract(line) is is_abstract


def test_content_lines_drop_chrome_and_unglue_subscribe():
    text = "new\n\nGet trending papers in your email inbox!\nSubscribe\nDaily Papers\nAug 11\nSubscribeRISER: A Title\n"
    assert content_lines(text) == [(7, "RISER: A Title")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"Title One\n{ABSTRACT}\nTitle Two\n{ABSTRACT}\n", Layout.LINES),
        (f"Title One\n\n{ABSTRACT}\n\nTitle Two\n\n{ABSTRACT}\n", Layout.PARAGRAPHS),
        (f"# Heading\nTitle One\n{ABSTRACT}\n", None),
        ('{"title": "x"}', None),
        ("just one short line\n", None),
        ("", None),
    ],
)
def test_layout(text, expected):
    assert layout(text.encode()) is expected


def test_a_csv_header_above_long_rows_is_not_a_page():
    row = f'2507.00001,"A Title","{ABSTRACT}"'
    data = "\n".join(["id,title,abstract", row, row, row, row]).encode()
    assert layout(data) is None
