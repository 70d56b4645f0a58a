"""Paper's links: every paper has one a person can follow."""

import pytest

from recommender.ids import title_id, title_search_link
from recommender.models import Paper


def test_title_search_link_quotes_the_exact_title():
    assert title_search_link("Q&A: a  study") == (
        "https://arxiv.org/search/?query=%22Q%26A%3A+a+study%22&searchtype=title"
    )


@pytest.mark.parametrize(
    ("paper_id", "extras", "source_url", "link"),
    [
        ("2507.07186", {}, "https://arxiv.org/abs/2507.07186", "https://arxiv.org/abs/2507.07186"),
        ("hep-th/9901001", {"url": "https://example.org/x"}, "https://arxiv.org/abs/hep-th/9901001",
         "https://arxiv.org/abs/hep-th/9901001"),
        (title_id("Grove MoE"), {"url": "https://hub.example.org/t/y/4"},
         "https://hub.example.org/t/y/4", "https://hub.example.org/t/y/4"),
        (title_id("Grove MoE"), {}, None,
         "https://arxiv.org/search/?query=%22Grove+MoE%22&searchtype=title"),
    ],
)  # fmt: skip
def test_every_paper_has_a_link(paper_id, extras, source_url, link):
    paper = Paper(id=paper_id, title="Grove MoE", extras=extras)
    assert (paper.source_url, paper.link) == (source_url, link)
    assert paper.summary()["url"] == link
