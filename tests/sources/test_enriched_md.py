"""The enriched Markdown digest with derived metadata (seed 004)."""

# The tables quote whole titles and sentences of the seeds, one case a line.
# ruff: noqa: E501

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from recommender.models import Parsed
from recommender.sources import enriched_md

SEED = "004_5c3c9183be0891e9.txt"


@pytest.fixture
def seed(samples_dir) -> bytes:
    return (samples_dir / SEED).read_bytes()


@pytest.fixture
def parsed(seed) -> Parsed:
    return enriched_md.parse(seed, SEED)


def test_reads_all_50_papers(parsed):
    assert len(parsed.papers) == 50
    assert parsed.rejected == ()
    assert len({paper.id for paper in parsed.papers}) == 50


@pytest.mark.parametrize(
    ("index", "paper_id", "title"),
    [
        (
            0,
            "2510.13832",
            "Entropy Meets Importance: A Unified Head Importance-Entropy Score for Stable and Efficient Transformer Pruning",
        ),
        (4, "2411.06890", "SPARTAN: A Sparse Transformer World Model Attending to What Matters"),
        (
            30,
            "2510.19389",
            "ARA: Adaptive Rank Allocation for Efficient Large Language Model SVD Compression",
        ),
        (
            49,
            "2509.10518",
            "Holographic Knowledge Manifolds: A Novel Pipeline for Continual Learning Without Catastrophic Forgetting in Large Language Models",
        ),
    ],
)
def test_ids_and_titles(parsed, index, paper_id, title):
    paper = parsed.papers[index]
    assert (paper.id, paper.version, paper.title, paper.sources) == (
        paper_id,
        None,
        title,
        ("enriched-md",),
    )


@pytest.mark.parametrize(
    ("paper_id", "published"),
    [
        ("2510.13832", datetime(2025, 10, 17, tzinfo=UTC)),
        ("2509.10518", datetime(2025, 9, 16, tzinfo=UTC)),
        # Dated 2025-11-03: a month after the id's month, still possibly the first version.
        ("2510.27186", datetime(2025, 11, 3, tzinfo=UTC)),
        # Dated 2025-12-08: a year after v1, so the Date is not when the paper came out.
        ("2411.06890", None),
    ],
)
def test_published_is_the_date_when_it_can_be_the_first_versions(parsed, paper_id, published):
    (paper,) = [paper for paper in parsed.papers if paper.id == paper_id]
    assert paper.published == published


def test_thirteen_dates_are_too_late_to_be_publication_dates(parsed):
    undated = [paper.id for paper in parsed.papers if paper.published is None]
    assert len(undated) == 13
    assert "2310.02041" in undated  # dated 2025-10-02, two years after its id's month


@pytest.mark.parametrize(
    ("index", "first", "last"),
    [
        (
            0,
            "Transformer-based models have achieved remarkable performance in NLP tasks.",
            "Code will be released upon publication.",
        ),
        (
            4,
            "Capturing the interactions between entities in a structured way plays a central role in world models",
            "as well as robustness against distractors.",
        ),
        (
            49,
            "We introduce the Holographic Knowledge Manifold (HKM), a four-phase pipeline",
            "Code, datasets, and full results are publicly available for reproducibility.",
        ),
    ],
)
def test_whole_abstracts(parsed, index, first, last):
    abstract = parsed.papers[index].abstract
    assert abstract.startswith(first)
    assert abstract.endswith(last)


@pytest.mark.parametrize(
    "derived",
    ["Research Highlights", "See abstract.", "Not Mentioned", "Metadata (Derived)", "Signal Tags"],
)
def test_derived_sections_stay_out_of_abstracts(parsed, derived):
    assert not any(derived in paper.abstract for paper in parsed.papers)


INLINE = """# Vol 1
*Enriched by someone*

---

### A Good Paper
**Date:** 2025-07-02 | **Arxiv:** [2507.00001v2](https://hub.example.org/t/a-good-paper/1)

#### Abstract
We study things
over two lines.

#### Research Highlights
- **Core Innovation:** See abstract.

---

### A Paper Without Abstract
**Date:** 2025-07-03 | **Arxiv:** [2507.00002](https://hub.example.org/t/no-abstract/2)

#### Research Highlights
- **Core Innovation:** See abstract.

---

###
**Date:** 2025-07-04 | **Arxiv:** [2507.00003](https://hub.example.org/t/x/3)

#### Abstract
An abstract under a heading that lost its title.

### A Paper With No Arxiv Id
**Date:** 2025-07-05 | **Arxiv:** [n/a](https://hub.example.org/t/y/4)

#### Abstract
Still a paper, keyed by its title.
"""


def test_inline_digest_keeps_good_entries_and_rejects_the_others():
    parsed = enriched_md.parse(INLINE.encode(), "inline")
    good, untitled_id = parsed.papers
    assert (good.id, good.version, good.abstract) == (
        "2507.00001",
        2,
        "We study things over two lines.",
    )
    assert good.published == datetime(2025, 7, 2, tzinfo=UTC)
    assert untitled_id.id.startswith("title:")
    assert untitled_id.published == datetime(2025, 7, 5, tzinfo=UTC)
    # A link to a site that is not a known paper site is not kept (textutil.PAPER_SITES).
    assert untitled_id.extras == {}
    assert untitled_id.link.startswith("https://arxiv.org/search/?query=")
    assert good.extras == {}  # an arXiv paper's link is its abstract page
    assert [(r.origin, r.entry, r.reason) for r in parsed.rejected] == [
        ("inline", "line 18", "no abstract for 'A Paper Without Abstract'"),
        ("inline", "line 26", "paper heading has no title"),
    ]
