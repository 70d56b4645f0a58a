"""Markdown helpers shared by the Markdown digest parsers."""

# The tables quote whole titles and sentences of the seeds, one case a line.
# ruff: noqa: E501

from __future__ import annotations

import re

import pytest

from recommender.sources.markdown import Section, badge_word, link, plain, sections


@pytest.mark.parametrize(
    ("url", "word"),
    [
        ("https://img.shields.io/badge/LLM-FF8C00", "LLM"),
        ("https://img.shields.io/badge/communication-F08080", "communication"),
        ("https://img.shields.io/badge/large%20language-FF8C00", "large language"),
        ("https://img.shields.io/badge/large_language-FF8C00", "large language"),
        ("https://img.shields.io/badge/fine--tuning-F08080", "fine-tuning"),
        ("https://img.shields.io/badge/snake__case-F08080", "snake_case"),
        ("https://img.shields.io/badge/topic-LLM-blue", "topic LLM"),
        ("https://img.shields.io/badge/LLM-FF8C00.svg?style=flat", "LLM"),
        ("https://img.shields.io/badge/LLM", "LLM"),
    ],
)
def test_badge_word(url, word):
    assert badge_word(url) == word


@pytest.mark.parametrize(
    ("markdown", "text"),
    [
        (
            "Large language models (![key](https://img.shields.io/badge/LLM-FF8C00)s) produce",
            "Large language models (LLMs) produce",
        ),
        ("see ![a diagram](https://example.org/d.png) here", "see a diagram here"),
        ("read [the paper](https://arxiv.org/abs/2507.07186) now", "read the paper now"),
        ("<details>\n  <summary>Details</summary>\nbody</details>", "Details body"),
        ("**Core Innovation:** something", "Core Innovation: something"),
        ("$k_{cat}$ and *emphasis* stay", "$k_{cat}$ and *emphasis* stay"),
        ("a < b and c > d", "a < b and c > d"),
        ("Bounds when $a<b$ and $c>d$", "Bounds when $a<b$ and $c>d$"),
        ("if a<b and c>d then", "if a<b and c>d then"),
        ('<div class="x"><b>Bold</b> <a href="https://x.y">link</a><br/></div>', "Bold link"),
        ("<details open><summary>More</summary>text</details>", "More text"),
        ("wrapped\nlines   and\ttabs", "wrapped lines and tabs"),
    ],
)
def test_plain(markdown, text):
    assert plain(markdown) == text


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        (
            "[Title](https://arxiv.org/abs/2507.07186)",
            ("Title", "https://arxiv.org/abs/2507.07186"),
        ),
        ("[A [bracketed] title](https://x.org/1)", ("A [bracketed] title", "https://x.org/1")),
        ("Just a title", ("Just a title", None)),
    ],
)
def test_link(markdown, expected):
    assert link(markdown) == expected


def test_sections_split_at_headings_and_number_lines_from_one():
    text = "preamble\n## One\na\nb\n## Two\n\nc"
    assert sections(text, re.compile(r"##\s")) == [
        Section(2, "## One", ("a", "b")),
        Section(5, "## Two", ("", "c")),
    ]


def test_sections_of_text_without_headings():
    assert sections("no headings here\n", re.compile(r"##\s")) == []
