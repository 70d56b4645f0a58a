"""BibTeX entries: the url field is where the paper is, never a search."""

from datetime import UTC, datetime

from bot.bibtex import bibtex
from recommender.ids import title_id
from recommender.models import Paper


def test_a_title_only_paper_cites_the_page_its_source_linked_to():
    paper = Paper(
        id=title_id("Grove MoE"),
        title="Grove MoE",
        authors=("Haoyuan Wu",),
        published=datetime(2025, 8, 11, tzinfo=UTC),
        extras={"url": "https://openreview.net/forum?id=x1"},
    )
    assert bibtex(paper) == (
        "@misc{wu2025grove,\n"
        "  title = {Grove MoE},\n"
        "  author = {Haoyuan Wu},\n"
        "  year = {2025},\n"
        "  url = {https://openreview.net/forum?id=x1},\n"
        "}"
    )
    assert "url" not in bibtex(Paper(id=title_id("Grove MoE"), title="Grove MoE"))
