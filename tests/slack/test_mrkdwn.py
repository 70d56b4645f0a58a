from __future__ import annotations

import pytest

from bot.mrkdwn import escape, link, short_authors


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("plain title", "plain title"),
        ("Q&A <b>bold</b>", "Q&amp;A &lt;b&gt;bold&lt;/b&gt;"),
        ("<!channel> wake up", "&lt;!channel&gt; wake up"),
        ("<!here>", "&lt;!here&gt;"),
        ("hi <@U123>", "hi &lt;@U123&gt;"),
        ("<https://evil.example|click>", "&lt;https://evil.example|click&gt;"),
        ("already &amp; escaped", "already &amp;amp; escaped"),
    ],
)
def test_escape_leaves_no_control_characters(text: str, escaped: str) -> None:
    assert escape(text) == escaped


def test_link_escapes_the_label_and_keeps_the_url_inside_the_sequence() -> None:
    assert link("https://arxiv.org/abs/2507.07186", "A <b> & C") == (
        "<https://arxiv.org/abs/2507.07186|A &lt;b&gt; &amp; C>"
    )
    assert link("https://x.example/a|b>c d", "t|u") == "<https://x.example/a%7Cb%3Ec%20d|t｜u>"
    assert link("https://x.example/?a=1&b=2", "t") == "<https://x.example/?a=1&amp;b=2|t>"


@pytest.mark.parametrize(
    ("authors", "short"),
    [
        ((), ""),
        (("Ada",), "Ada"),
        (("A", "B", "C", "D"), "A, B, C, D"),
        (("A", "B", "C", "D", "E"), "A, B, C et al."),
        (("  Ada   Lovelace ", "", "B"), "Ada Lovelace, B"),
    ],
)
def test_short_authors(authors: tuple[str, ...], short: str) -> None:
    assert short_authors(authors) == short
