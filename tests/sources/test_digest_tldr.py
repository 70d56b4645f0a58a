"""The Markdown TL;DR digest (seed 000)."""

# The tables quote whole titles and sentences of the seeds, one case a line.
# ruff: noqa: E501

from __future__ import annotations

import pytest

from recommender.models import Parsed
from recommender.sources import digest_tldr

SEED = "000_aa4dc63787281bb6.txt"


@pytest.fixture
def seed(samples_dir) -> bytes:
    return (samples_dir / SEED).read_bytes()


@pytest.fixture
def parsed(seed) -> Parsed:
    return digest_tldr.parse(seed, SEED)


def test_reads_all_ten_papers(parsed):
    assert len(parsed.papers) == 10
    assert parsed.rejected == ()


@pytest.mark.parametrize(
    ("index", "paper_id", "title", "categories"),
    [
        (
            0,
            "2507.07186",
            "Planted in Pretraining, Swayed by Finetuning: A Case Study on the Origins of Cognitive Biases in LLMs",
            ("cs.CL",),
        ),
        (
            4,
            "2507.07280",
            "The Impact of Background Speech on Interruption Detection in Collaborative Groups",
            ("cs.CL",),
        ),
        (
            5,
            "2507.07108",
            "Multi-level Mixture of Experts for Multimodal Entity Linking",
            ("cs.CV",),
        ),
        (
            7,
            "2507.07129",
            "Growing Transformers: Modular Composition and Layer-wise Expansion on a Frozen Substrate",
            ("cs.LG",),
        ),
        (
            9,
            "2507.07149",
            "DAF: An Efficient End-to-End Dynamic Activation Framework for on-Device DNN Training",
            ("cs.NI",),
        ),
    ],
)
def test_ids_titles_and_categories(parsed, index, paper_id, title, categories):
    paper = parsed.papers[index]
    assert (paper.id, paper.version, paper.title, paper.categories) == (
        paper_id,
        None,
        title,
        categories,
    )


@pytest.mark.parametrize(
    ("index", "authors"),
    [
        (0, ("Itay Itzhak", "Yonatan Belinkov", "Gabriel Stanovsky")),
        (5, ("Zhiwei Hu", "Víctor Gutiérrez-Basulto", "Zhiliang Xiang", "Ru Li", "Jeff Z. Pan")),
        (7, ("A. Bochkov",)),
        # The digest writes "Chun-Fu,Chen": one author split at a comma, rejoined.
        (
            9,
            (
                "Renyuan Liu",
                "Yuyang Leng",
                "Kaiyan Liu",
                "Shaohan Hu",
                "Chun-Fu Chen",
                "Peijun Zhao",
                "Heechul Yun",
                "Shuochao Yao",
            ),
        ),
    ],
)
def test_authors(parsed, index, authors):
    assert parsed.papers[index].authors == authors


@pytest.mark.parametrize(
    ("index", "first", "last"),
    [
        (
            0,
            "Large language models (LLMs) exhibit cognitive biases -- systematic tendencies of irrational decision-making, similar to those seen in humans.",
            "This perspective can guide future efforts to develop principled strategies for evaluating and mitigating bias in LLMs.",
        ),
        (
            5,
            "Multimodal Entity Linking (MEL) aims to link ambiguous mentions within multimodal contexts to associated entities in a multimodal knowledge base.",
            "MMoE's code is available at: https://github.com/zhiweihu1103/MEL-MMoE.",
        ),
        (
            9,
            "Recent advancements in on-device training for deep neural networks have underscored the critical need for efficient activation compression to overcome the memory constraints of mobile and edge devices.",
            "demonstrate up to a $22.9\\times$ reduction in memory usage and a $3.2\\times$ speedup, making DAF a scalable and practical solution for resource-constrained environments.",
        ),
    ],
)
def test_whole_abstracts(parsed, index, first, last):
    abstract = parsed.papers[index].abstract
    assert abstract.startswith(first)
    assert abstract.endswith(last)


def test_abstract_paragraphs_are_joined(parsed):
    abstract = parsed.papers[7].abstract
    assert 'acts as a universal "docking port," enabling two powerful' in abstract
    assert "such as those required for SQuAD. Our findings suggest a paradigm shift" in abstract
    assert abstract.endswith("We release all code and models to facilitate further research.")


def test_chinese_tldr_and_summary(parsed):
    extras = parsed.papers[0].extras
    assert (
        extras["tldr_zh"]
        == "研究发现大语言模型的认知偏差主要源于预训练阶段，而非微调或训练随机性。"
    )
    summary = extras["summary_zh"]
    assert list(summary) == ["motivation", "method", "result", "conclusion"]
    assert summary["motivation"].startswith("大语言模型（LLMs）存在认知偏差")
    assert summary["conclusion"].endswith("评估和缓解大语言模型偏差的原则性策略。")


def test_multi_line_summary_field_loses_its_bold_markers(parsed):
    method = parsed.papers[7].extras["summary_zh"]["method"]
    assert "1. 模块化组合： 将在不同数据集上训练的专家模型" in method
    assert "2. 逐层增长：" in method
    assert "**" not in method


def test_every_paper_is_tagged_with_the_format(parsed):
    assert {paper.sources for paper in parsed.papers} == {("digest-tldr",)}
    assert all(paper.published is None for paper in parsed.papers)


GOOD = """# cs.CL [[Back]](#toc)

### [1] [A Good Paper](https://arxiv.org/abs/2507.00001v2)
*Ada Lovelace,Alan Turing*

Main category: cs.LG

TL;DR: 好。

<details>
  <summary>Details</summary>
Motivation: 动机。

Abstract: We study things
over two lines.
Result: a line that looks like a label is still the abstract.

</details>
"""
NO_ABSTRACT = """
### [2] [A Paper Without Abstract](https://arxiv.org/abs/2507.00002)
*Grace Hopper*

Main category: cs.CL

TL;DR: 无。
"""
NO_TITLE = """
### [3] [](https://arxiv.org/abs/2507.00003)
*Nobody*

<details>
Abstract: An abstract whose heading lost its title.
</details>
"""


def test_good_entry_of_an_inline_digest(tmp_path):
    paper = digest_tldr.parse(GOOD.encode(), "inline").papers[0]
    assert (paper.id, paper.version) == ("2507.00001", 2)
    assert paper.categories == ("cs.LG", "cs.CL")  # main category first, then the listing
    assert paper.authors == ("Ada Lovelace", "Alan Turing")
    assert paper.abstract == (
        "We study things over two lines. Result: a line that looks like a label is still the "
        "abstract."
    )
    assert dict(paper.extras) == {"tldr_zh": "好。", "summary_zh": {"motivation": "动机。"}}


def test_entries_without_abstract_or_title_are_rejected_and_the_rest_kept():
    parsed = digest_tldr.parse((GOOD + NO_ABSTRACT + NO_TITLE).encode(), "inline")
    assert [paper.title for paper in parsed.papers] == ["A Good Paper"]
    assert [(r.origin, r.entry, r.reason) for r in parsed.rejected] == [
        ("inline", "line 20", "no abstract for 'A Paper Without Abstract'"),
        ("inline", "line 27", "paper heading has no title"),
    ]


def test_a_paper_linked_to_another_page_keeps_that_page():
    entry = GOOD.replace("https://arxiv.org/abs/2507.00001v2", "https://openreview.net/forum?id=x1")
    (paper,) = digest_tldr.parse(entry.encode(), "inline").papers
    assert paper.id.startswith("title:")
    assert paper.link == paper.extras["url"] == "https://openreview.net/forum?id=x1"


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/paper",
        "http://openreview.net/forum?id=x1",  # not https
        "https://openreview.net.evil.example/forum",
        "https://user@openreview.net/forum",
        "javascript:alert(1)",
    ],
)
def test_a_link_to_anywhere_but_a_paper_site_is_not_kept(url: str):
    entry = GOOD.replace("https://arxiv.org/abs/2507.00001v2", url)
    (paper,) = digest_tldr.parse(entry.encode(), "inline").papers
    assert "url" not in paper.extras
    assert paper.link.startswith("https://arxiv.org/search/?query=")
