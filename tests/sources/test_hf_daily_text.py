"""The Hugging Face "Daily Papers" page saved as text (seed 003)."""

# The tables quote whole titles and sentences of the seeds, one case a line.
# ruff: noqa: E501

from __future__ import annotations

import pytest

from recommender.ids import title_id
from recommender.models import Parsed
from recommender.sources import hf_daily_text

SEED = "003_eeac043868082917.txt"

ABSTRACT = (
    "We study how a model learns. Our method is simple and fast, and it needs no labels at "
    "all. Experiments on three benchmarks show gains of up to five points over strong "
    "baselines while using half the compute."
)
CHROME = "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nDaily Papers\n\n"
CHROME += "byAK and the research community\n\nAug 11\n\n"


@pytest.fixture
def seed(samples_dir) -> bytes:
    return (samples_dir / SEED).read_bytes()


@pytest.fixture
def parsed(seed) -> Parsed:
    return hf_daily_text.parse(seed, SEED)


def test_reads_all_132_papers(parsed, seed):
    # How the seed was counted: 539 lines, every other one blank, so 270 one-line paragraphs.
    # The first 6 (lines 1-11) are chrome: new, Get trending papers..., Subscribe, Daily
    # Papers, byAK and the research community, Aug 11. From line 13 to 539 titles (at most
    # 141 characters, 18 words) and abstracts (at least 164 words) alternate with none
    # missing and no chrome in the middle or at the end: (270 - 6) / 2.
    paragraphs = [line for line in seed.decode().splitlines() if line.strip()]
    assert len(paragraphs) == 270
    assert sum(len(line.split()) >= 40 for line in paragraphs) == 132
    assert len(parsed.papers) == 132
    assert parsed.rejected == ()


@pytest.mark.parametrize(
    ("index", "title"),
    [
        (0, "Hadamard product in deep learning: Introduction, Advances and Challenges"),
        (19, "0.1% Data Makes Segment Anything Slim"),
        (
            48,
            "Are We There Yet? A Measurement Study of Efficiency for LLM Applications on Mobile Devices",
        ),
        (
            123,
            "Mélange: Cost Efficient Large Language Model Serving by Exploiting GPU Heterogeneity",
        ),
        (131, "ED-ViT: Splitting Vision Transformer for Distributed Inference on Edge Devices"),
    ],
)
def test_titles_and_title_ids(parsed, index, title):
    paper = parsed.papers[index]
    assert paper.title == title
    assert paper.id == title_id(title)
    assert (paper.sources, paper.authors, paper.published) == (("hf-daily-text",), (), None)


@pytest.mark.parametrize(
    ("index", "first", "last"),
    [
        (
            0,
            "While convolution and self-attention mechanisms have dominated architectural design in deep learning, this survey examines",
            "positioning it as a crucial component in the deep learning toolkit.",
        ),
        (
            66,
            "Post-training quantization (PTQ) and quantization-aware training (QAT) methods are gaining popularity",
            "comparable training times to applying PEFT on a quantized model.",
        ),
        (
            131,
            "Deep learning models are increasingly deployed on resource-constrained edge devices for real-time data analytics.",
            "underscores the effectiveness of the proposed ED-ViT framework.",
        ),
    ],
)
def test_whole_abstracts(parsed, index, first, last):
    abstract = parsed.papers[index].abstract
    assert abstract.startswith(first)
    assert abstract.endswith(last)


def test_no_break_spaces_collapse(parsed):
    # Line 319 has U+00A0 around the "[email protected]" a mail obfuscator made of "mAP@...".
    (paper,) = [p for p in parsed.papers if p.title.startswith("PP-DocLayout")]
    assert "achieving 90.4% [email protected] and an end-to-end" in paper.abstract
    assert "\xa0" not in paper.abstract


PAGE = f"""{CHROME}Title One

{ABSTRACT}

{ABSTRACT} This abstract lost its title.

Title Three

{ABSTRACT}

Title Four Lost Its Abstract

Title Five

{ABSTRACT}

Aug 12
"""


def test_unpaired_paragraphs_are_rejected_never_glued_to_a_neighbour():
    parsed = hf_daily_text.parse(PAGE.encode(), "inline")
    assert [paper.title for paper in parsed.papers] == ["Title One", "Title Three", "Title Five"]
    assert [(r.origin, r.entry, r.reason) for r in parsed.rejected] == [
        (
            "inline",
            "line 17",
            "abstract with no title before it: 'We study how a model learns. Our method is simple and fas...'",
        ),
        ("inline", "line 23", "title with no abstract after it: 'Title Four Lost Its Abstract'"),
    ]
