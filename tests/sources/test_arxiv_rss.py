"""rss.arxiv.org announcement feeds, RSS 2.0 and Atom.

There is no recording of these feeds: the fixtures in tests/fixtures/rss/ are HAND-WRITTEN
from the documented layout (only the first item is a real paper; the others are made up).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from recommender.errors import FeedError
from recommender.http import HttpClient
from recommender.sources import arxiv_rss, detect_format

FEEDS = ["cs.CL.rss.xml", "cs.CL.atom.xml"]
ANNOUNCED = datetime(2025, 7, 11, 4, 0, tzinfo=UTC)  # Fri, 11 Jul 2025 00:00:00 -0400


def read(fixtures_dir: Path, name: str) -> bytes:
    return (fixtures_dir / "rss" / name).read_bytes()


@pytest.mark.parametrize("name", FEEDS)
def test_announce_types_versions_and_categories(fixtures_dir, name):
    parsed = arxiv_rss.parse(read(fixtures_dir, name), name)

    assert [(p.id, p.version, p.extras["announce_type"], p.categories) for p in parsed.papers] == [
        ("2507.07186", 1, "new", ("cs.CL", "cs.AI", "cs.LG")),
        ("2507.06911", 1, "cross", ("cs.LG", "cs.CL")),  # cross-listed from cs.LG
        ("2406.01234", 3, "replace", ("cs.CL",)),
        ("2312.04567", 2, "replace-cross", ("cs.CV", "cs.CL")),
    ]
    assert parsed.rejected == ()


@pytest.mark.parametrize("name", FEEDS)
def test_new_paper_fields(fixtures_dir, name):
    paper = arxiv_rss.parse(read(fixtures_dir, name), name).papers[0]

    assert paper.title == (
        "Planted in Pretraining, Swayed by Finetuning: "
        "A Case Study on the Origins of Cognitive Biases in LLMs"
    )
    assert paper.abstract == (
        "Large language models (LLMs) exhibit cognitive biases -- systematic tendencies of "
        "irrational decision-making, similar to those seen in humans."
    )
    assert paper.authors == ("Itay Itzhak", "Yonatan Belinkov", "Gabriel Stanovsky")
    assert paper.published == ANNOUNCED
    assert paper.updated == ANNOUNCED
    assert paper.sources == ("arxiv-rss",)


@pytest.mark.parametrize("name", FEEDS)
def test_replacement_is_dated_by_its_announcement_only(fixtures_dir, name):
    paper = arxiv_rss.parse(read(fixtures_dir, name), name).papers[2]

    assert paper.title == "Calibrated Abstention for Retrieval-Augmented Question Answering"
    assert paper.published is None  # v1 came out long before this announcement
    assert paper.updated == ANNOUNCED


@pytest.mark.parametrize("name", FEEDS)
def test_creator_list_keeps_suffix_with_its_name(fixtures_dir, name):
    paper = arxiv_rss.parse(read(fixtures_dir, name), name).papers[1]

    assert paper.authors == ("Ana Lima", "Martin Luther King Jr.", "Wei Zhang")


@pytest.mark.parametrize("name", ["empty.rss.xml", "empty.atom.xml"])
def test_weekend_feed_is_empty_not_an_error(fixtures_dir, name):
    parsed = arxiv_rss.parse(read(fixtures_dir, name), name)

    assert (parsed.papers, parsed.rejected) == ((), ())


def test_item_without_title_is_rejected(fixtures_dir):
    data = read(fixtures_dir, "cs.CL.rss.xml").replace(
        b"<title>Grounded Captions from Scene Graphs</title>", b"<title></title>"
    )

    parsed = arxiv_rss.parse(data, "feed")

    assert len(parsed.papers) == 3
    assert [(r.entry, r.reason) for r in parsed.rejected] == [("2312.04567", "no title")]


def test_id_falls_back_to_guid_when_description_is_bare(fixtures_dir):
    data = read(fixtures_dir, "cs.CL.rss.xml").replace(
        b"arXiv:2406.01234v3 Announce Type: replace \nAbstract: ", b""
    )

    paper = arxiv_rss.parse(data, "feed").papers[2]

    assert (paper.id, paper.version, paper.extras["announce_type"]) == ("2406.01234", 3, "replace")
    assert paper.abstract.startswith("Retrieval-augmented readers answer")


def test_fetch_asks_for_the_categories_joined_by_plus(httpserver: HTTPServer, fixtures_dir):
    feed = read(fixtures_dir, "cs.CL.rss.xml")
    httpserver.expect_request("/rss/cs.CL+cs.LG").respond_with_data(
        feed, content_type="application/rss+xml"
    )

    data = arxiv_rss.fetch(HttpClient(), "cs.CL+cs.LG", base_url=httpserver.url_for("/rss"))

    assert data == feed


@pytest.mark.parametrize("name", ["error.rss.xml", "error.atom.xml"])
def test_arxivs_error_feed_is_an_error_naming_the_source_and_arxivs_message(fixtures_dir, name):
    """A typo in a category (`astroph`) must not read as a quiet day forever."""
    with pytest.raises(FeedError, match=r"^arXiv RSS astroph: arXiv refused the feed: Bad archive"):
        arxiv_rss.parse(read(fixtures_dir, name), "arXiv RSS astroph")


RDF_ANNOUNCED = datetime(2019, 1, 11, 1, 30, tzinfo=UTC)  # 2019-01-10T20:30:00-05:00


def test_the_rss_1_0_feed_of_the_older_export_arxiv_org(fixtures_dir):
    parsed = arxiv_rss.parse(read(fixtures_dir, "cs.CL.rdf.xml"), "rdf")

    assert parsed.rejected == ()
    assert [(p.id, p.version, p.extras["announce_type"], p.categories) for p in parsed.papers] == [
        ("1810.04805", 1, "new", ("cs.CL",)),
        ("1901.02860", 1, "cross", ("cs.LG",)),
        ("1706.03762", 5, "replace", ("cs.CL",)),
    ]
    bert, _, attention = parsed.papers
    assert bert.title == (
        "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding"
    )
    assert bert.abstract.startswith("We introduce a new language representation model")
    assert bert.abstract.endswith("BERT is conceptually simple & empirically powerful.")
    assert bert.authors == ("Jacob Devlin", "Ming-Wei Chang", "Kenton Lee", "Kristina Toutanova")
    assert (bert.published, bert.updated) == (RDF_ANNOUNCED, RDF_ANNOUNCED)
    assert (attention.published, attention.updated) == (None, RDF_ANNOUNCED)
    assert attention.authors == ("Ashish Vaswani", "Łukasz Kaiser")


def test_the_rss_1_0_feed_is_detected(fixtures_dir):
    assert detect_format(read(fixtures_dir, "cs.CL.rdf.xml"), "cs.CL.rdf.xml") == "arxiv-rss"


def test_items_in_a_syntax_it_does_not_read_are_a_rejection_not_an_empty_day():
    data = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
 xmlns="http://purl.org/rss/0.9/"><!-- http://arxiv.org/ -->
<channel><title>arXiv</title></channel>
<item><title>One</title><link>http://arxiv.org/abs/1810.04805</link></item>
<item><title>Two</title><link>http://arxiv.org/abs/1901.02860</link></item>
</rdf:RDF>"""

    parsed = arxiv_rss.parse(data, "old")

    assert parsed.papers == ()
    (rejection,) = parsed.rejected
    assert (rejection.origin, rejection.entry) == ("old", "file")
    assert rejection.reason.startswith(
        "2 item(s) or entries in namespace http://purl.org/rss/0.9/, which the arxiv-rss format"
    )
