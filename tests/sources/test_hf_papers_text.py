"""The Hugging Face papers page saved as text (seed 001)."""

# The tables quote whole titles and sentences of the seeds, one case a line.
# ruff: noqa: E501

from __future__ import annotations

import pytest

from recommender.ids import title_id
from recommender.models import Parsed
from recommender.sources import hf_papers_text

SEED = "001_67aa88f9a95c7108.txt"

ABSTRACT = (
    "We study how a model learns. Our method is simple and fast, and it needs no labels at "
    "all. Experiments on three benchmarks show gains of up to five points over strong "
    "baselines while using half the compute."
)


@pytest.fixture
def seed(samples_dir) -> bytes:
    return (samples_dir / SEED).read_bytes()


@pytest.fixture
def parsed(seed) -> Parsed:
    return hf_papers_text.parse(seed, SEED)


def test_reads_all_119_papers(parsed, seed):
    # How the seed was counted: it has 240 lines and no blank ones. Lines 1-2 are chrome
    # ("Get trending papers in your email inbox..."); from line 3 (the first title, glued to
    # "Subscribe") odd lines are titles (at most 128 characters, 19 words) and even lines are
    # abstracts (at least 770 characters, 107 words), with no line missing: (240 - 2) / 2.
    lines = seed.decode().splitlines()
    abstract_lines = [n for n, line in enumerate(lines, start=1) if len(line.split()) >= 40]
    assert len(lines) == 240
    assert abstract_lines == list(range(4, 241, 2))
    assert len(parsed.papers) == 119
    assert parsed.rejected == ()


def test_first_title_loses_the_glued_subscribe(parsed):
    assert parsed.papers[0].title == (
        "RISER: Orchestrating Latent Reasoning Skills for Adaptive Activation Steering"
    )


@pytest.mark.parametrize(
    ("index", "title"),
    [
        (1, "Generalization or Memorization: Dynamic Decoding for Mode Steering"),
        (
            43,
            "SAEs $\\textit{Can}$ Improve Unlearning: Dynamic Sparse Autoencoder Guardrails for Precision Unlearning in LLMs",
        ),
        (
            63,
            "HyperZ$\\cdot$Z$\\cdot$W Operator Connects Slow-Fast Networks for Full Context Interaction",
        ),
        (69, "Can Transformers Do Enumerative Geometry?"),
        (
            95,
            "What needs to go right for an induction head? A mechanistic study of in-context learning circuits and their formation",
        ),
        (
            118,
            "Lifting Scheme-Based Implicit Disentanglement of Emotion-Related Facial Dynamics in the Wild",
        ),
    ],
)
def test_titles_and_title_ids(parsed, index, title):
    paper = parsed.papers[index]
    assert paper.title == title
    assert paper.id == title_id(title)
    assert (paper.sources, paper.authors, paper.published) == (("hf-papers-text",), (), None)


@pytest.mark.parametrize(
    ("index", "first", "last"),
    [
        (
            0,
            "Recent work on domain-specific reasoning with large language models (LLMs) often relies on training-intensive approaches",
            "pointing toward more controllable and efficient LLM reasoning.",
        ),
        (
            114,
            "Adversarial attacks optimize against models to defeat defenses.",
            "by 20+ points absolute against AutoAttack on CIFAR-10 at ε_infty = 8/255.",
        ),
        (
            118,
            "In-the-wild dynamic facial expression recognition (DFER) encounters a significant challenge",
            "Code is available at https://github.com/CyberPegasus/IFDD.",
        ),
    ],
)
def test_whole_abstracts(parsed, index, first, last):
    abstract = parsed.papers[index].abstract
    assert abstract.startswith(first)
    assert abstract.endswith(last)


PAGE = f"""Get trending papers in your email inbox once a day!
Get trending papers in your email inbox!
SubscribeTitle One
{ABSTRACT}
{ABSTRACT} This abstract lost its title line.
Title Three
{ABSTRACT}
Title Four Lost Its Abstract
Title Five
{ABSTRACT}
"""


def test_unpaired_lines_are_rejected_never_glued_to_a_neighbour():
    parsed = hf_papers_text.parse(PAGE.encode(), "inline")
    assert [paper.title for paper in parsed.papers] == ["Title One", "Title Three", "Title Five"]
    assert all(paper.abstract == ABSTRACT for paper in parsed.papers)
    assert [(r.origin, r.entry, r.reason) for r in parsed.rejected] == [
        (
            "inline",
            "line 5",
            "abstract with no title before it: 'We study how a model learns. Our method is simple and fas...'",
        ),
        ("inline", "line 8", "title with no abstract after it: 'Title Four Lost Its Abstract'"),
    ]


def test_garbage_line_is_rejected_with_its_line_number():
    parsed = hf_papers_text.parse(b"\x80\xff\xfe", "junk")
    assert [(r.entry, r.reason) for r in parsed.rejected] == [
        ("line 1", "title with no abstract after it: '\ufffd\ufffd\ufffd'"),
    ]
