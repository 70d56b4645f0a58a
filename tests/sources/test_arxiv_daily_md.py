"""The "arXiv daily" Markdown digest with keyword badges (seed 002)."""

# The tables quote whole titles and sentences of the seeds, one case a line.
# ruff: noqa: E501

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest

from recommender.models import Parsed
from recommender.sources import arxiv_daily_md

SEED = "002_08d72c18e80195cb.txt"


@pytest.fixture
def seed(samples_dir) -> bytes:
    return (samples_dir / SEED).read_bytes()


@pytest.fixture
def parsed(seed) -> Parsed:
    return arxiv_daily_md.parse(seed, SEED)


def test_reads_all_53_papers(parsed):
    assert len(parsed.papers) == 53
    assert parsed.rejected == ()
    assert len({paper.id for paper in parsed.papers}) == 53


@pytest.mark.parametrize(
    ("index", "paper_id", "version", "title"),
    [
        (
            0,
            "2507.18607",
            1,
            "Explainable Mapper Charting LLM Embedding Spaces Using Perturbation-Based Explanation and Verification Agents",
        ),
        (
            36,
            "2507.14900",
            2,
            "From Neurons to Semantics Evaluating Cross-Linguistic Alignment Capabilities of Large Language Models via Neurons Alignment",
        ),
        (38, "2507.14871", 2, "Tiny language models"),
        (
            39,
            "2507.14798",
            1,
            "An Evaluation of DUSt3R/MASt3R/VGGT 3D Reconstruction on Photogrammetric Aerial Blocks",
        ),
        (
            52,
            "2507.13681",
            1,
            "LoopServe An Adaptive Dual-phase LLM Inference Acceleration System for Multi-Turn Dialogues",
        ),
    ],
)
def test_ids_versions_and_titles(parsed, index, paper_id, version, title):
    paper = parsed.papers[index]
    assert (paper.id, paper.version, paper.title) == (paper_id, version, title)


def test_every_other_paper_is_version_one(parsed):
    assert Counter(paper.version for paper in parsed.papers) == {1: 51, 2: 2}


@pytest.mark.parametrize(
    ("index", "authors"),
    [
        (
            0,
            (
                "Xinyuan Yan",
                "Rita Sevastjanova",
                "Sinie van der Ben",
                "Mennatallah El-Assady",
                "Bei Wang",
            ),
        ),
        (38, ("Ronit D. Gross", "Yarden Tzach", "Tal Halevi", "Ella Koresh", "Ido Kanter")),
    ],
)
def test_authors(parsed, index, authors):
    assert parsed.papers[index].authors == authors


def test_published_is_each_papers_date_line(parsed):
    assert parsed.papers[0].published == datetime(2025, 7, 24, tzinfo=UTC)
    assert parsed.papers[52].published == datetime(2025, 7, 18, tzinfo=UTC)
    days = Counter(paper.published.date().isoformat() for paper in parsed.papers)
    assert days == {
        "2025-07-18": 5,
        "2025-07-19": 7,
        "2025-07-20": 6,
        "2025-07-21": 10,
        "2025-07-22": 10,
        "2025-07-23": 6,
        "2025-07-24": 9,
    }


@pytest.mark.parametrize(
    ("index", "first", "last"),
    [
        (
            0,
            "Large language models (LLMs) produce high-dimensional embeddings that capture rich semantic and syntactic relationships between words, sentences, and concepts.",
            "provide further observations into the linguistic properties of topological neighborhoods.",
        ),
        (
            38,
            "A prominent achievement of natural language processing (NLP) is its ability to understand and generate meaningful human language.",
            "openly available on https://github.com/Rg32601/Tiny-Language-Models .",
        ),
        (
            52,
            "Multi-turn dialogues are essential in many real-world applications of large language models, such as chatbots and virtual assistants.",
            "significantly accelerates LLM inference across a wide range of long-context dialogue tasks.",
        ),
    ],
)
def test_whole_abstracts(parsed, index, first, last):
    abstract = parsed.papers[index].abstract
    assert abstract.startswith(first)
    assert abstract.endswith(last)


@pytest.mark.parametrize(
    "phrase",
    [
        "if their corresponding neighborhoods overlap. However, manually",
        "two types of customizable LLM-based agents",
    ],
)
def test_badges_read_as_their_words(parsed, phrase):
    assert phrase in parsed.papers[0].abstract


def test_a_badge_inside_a_latex_link_becomes_its_word_too(parsed):
    assert (
        "Multi-turn_Long-context_Benchmark_for_LLMs}{new benchmark}" in parsed.papers[52].abstract
    )


def test_no_badge_markup_anywhere(parsed, seed):
    assert seed.count(b"img.shields.io") == 205  # the badges there were to replace
    for paper in parsed.papers:
        for text in (paper.title, paper.abstract):
            assert "![" not in text and "shields.io" not in text and "](" not in text


SECOND = """# 2025-07-25

## A Good Paper

>Authors: Ada Lovelace, Alan Turing

> http://arxiv.org/abs/2507.00001v3

We study ![key](https://img.shields.io/badge/large%20language-FF8C00) models and
![key](https://img.shields.io/badge/fine--tuning-F08080).

## A Paper Without Abstract

>Authors: Grace Hopper

>2025-07-24

> http://arxiv.org/abs/2507.00002v1

##

>Authors: Nobody

> http://arxiv.org/abs/2507.00003v1

An abstract under a heading that lost its title.
"""


def test_inline_digest_keeps_good_entries_and_rejects_the_others():
    parsed = arxiv_daily_md.parse(SECOND.encode(), "inline")
    (paper,) = parsed.papers
    assert (paper.id, paper.version, paper.authors) == (
        "2507.00001",
        3,
        ("Ada Lovelace", "Alan Turing"),
    )
    assert paper.abstract == "We study large language models and fine-tuning."
    # No date line: the digest's own date stands in.
    assert paper.published == datetime(2025, 7, 25, tzinfo=UTC)
    assert [(r.entry, r.reason) for r in parsed.rejected] == [
        ("line 12", "no abstract for 'A Paper Without Abstract'"),
        ("line 20", "paper heading has no title"),
    ]
