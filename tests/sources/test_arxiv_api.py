"""arXiv API Atom: parsed from the recorded responses (2026), fetched from a loopback server."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from recommender.errors import FeedError
from recommender.http import HttpClient
from recommender.sources import arxiv_api
from tests.support import FakeTime, recorded_body

PAGE_0 = "q_testing_s0_m10_bc5a6c384fe9.json"
PAGE_10 = "q_testing_s10_m10_34e56e15aaac.json"
PAGE_20 = "q_testing_s20_m10_348a237fecab.json"
EMPTY = "id_0000.0000_s0_m100_8b51d9633a68.json"


def body(fixtures_dir: Path, name: str) -> bytes:
    return recorded_body(fixtures_dir / "arxiv-api" / name)


def test_search_page_papers_in_order_with_total(fixtures_dir):
    parsed = arxiv_api.parse(body(fixtures_dir, PAGE_0), "page0")

    assert [p.id for p in parsed.papers] == [
        "2202.12139", "2405.13786", "2005.14124", "2204.08348", "2302.03287",
        "1202.4527", "2503.05378", "1205.1866", "2502.07719", "1812.11470",
    ]  # fmt: skip
    assert parsed.total == 214881
    assert parsed.rejected == ()
    assert parsed.cursor is None


def test_entry_fields(fixtures_dir):
    paper = arxiv_api.parse(body(fixtures_dir, PAGE_0), "page0").papers[0]

    assert paper.id == "2202.12139"
    assert paper.version == 1
    assert paper.title == (
        "Testing Deep Learning Models: A First Comparative Study of Multiple Testing Techniques"
    )
    assert paper.abstract.startswith("Deep Learning (DL) has revolutionized the capabilities")
    assert paper.authors == ("Mohit Kumar Ahuja", "Arnaud Gotlieb", "Helge Spieker")
    assert paper.categories == ("cs.SE", "cs.LG")
    assert paper.published == datetime(2022, 2, 24, 15, 5, 19, tzinfo=UTC)
    assert paper.updated == datetime(2022, 2, 24, 15, 5, 19, tzinfo=UTC)
    assert paper.sources == ("arxiv-api",)
    assert dict(paper.extras) == {
        "comments": "Artificial Intelligence in Software Testing 2022 workshop @ ICST 2022",
        "journal_ref": "Artificial Intelligence in Software Testing @ 2022 IEEE International "
        "Conference on Software Testing, Verification and Validation Workshops (ICSTW)",
        "doi": "10.1109/ICSTW55395.2022.00035",
    }


def test_revised_paper_has_latest_version_and_both_dates(fixtures_dir):
    paper = arxiv_api.parse(body(fixtures_dir, PAGE_0), "page0").papers[2]

    assert (paper.id, paper.version) == ("2005.14124", 2)
    assert paper.published == datetime(2020, 5, 28, 16, 19, 50, tzinfo=UTC)
    assert paper.updated == datetime(2020, 7, 16, 8, 15, 48, tzinfo=UTC)
    assert paper.categories == ("cs.SE", "cs.CR", "cs.LG")


@pytest.mark.parametrize(
    ("name", "paper_id", "version", "categories", "authors"),
    [
        ("id_2104.12255v1_s0_m100_6ae69987ffe1.json", "2104.12255", 1, ("cs.CR",),
         ("Quan Thoi Minh Nguyen",)),
        ("id_quant-ph_0201082v1_s0_m100_86989fe779ef.json", "quant-ph/0201082", 1,
         ("quant-ph", "cs.PL"), ("Stephen Blaha",)),
        ("id_astro-ph_0601001_s0_m100_3150dca9dc76.json", "astro-ph/0601001", 1, ("astro-ph",),
         ("Andrew Gould", "Susan Dorsher", "B. Scott Gaudi", "Andrzej Udalski")),
        ("id_1605.08386_s0_m100_199195aa31ad.json", "1605.08386", 1, ("math.CO", "math.ST"),
         ("Caprice Stanley", "Tobias Windisch")),
    ],
)  # fmt: skip
def test_id_lookups(fixtures_dir, name, paper_id, version, categories, authors):
    (paper,) = arxiv_api.parse(body(fixtures_dir, name), name).papers

    assert (paper.id, paper.version) == (paper_id, version)
    assert paper.categories == categories
    assert paper.authors == authors


def test_paper_titled_0_is_a_paper(fixtures_dir):
    """2104.12255's title really is "0": a falsy-looking title must not be rejected."""
    (paper,) = arxiv_api.parse(
        body(fixtures_dir, "id_2104.12255v1_s0_m100_6ae69987ffe1.json"), "x"
    ).papers

    assert paper.title == "0"
    assert paper.published == datetime(2021, 4, 20, 16, 7, 14, tzinfo=UTC)


def test_old_style_id_with_comment_and_journal_ref(fixtures_dir):
    (paper,) = arxiv_api.parse(
        body(fixtures_dir, "id_astro-ph_0601001_s0_m100_3150dca9dc76.json"), "x"
    ).papers

    assert paper.extras["journal_ref"] == "ActaAstron.56:1-50,2006"
    assert paper.extras["comments"].startswith("62 pages including 16 figures and 9 tables.")
    assert "doi" not in paper.extras
    assert "Gould & Morgan (2003)" in paper.abstract  # entities decoded


def test_utf8_names_survive_the_recording(fixtures_dir):
    (paper,) = arxiv_api.parse(
        body(fixtures_dir, "id_1707.08567_s0_m100_6a1afebfc6a3.json"), "x"
    ).papers

    assert len(paper.authors) == 34
    assert "Dirk Wübben" in paper.authors


@pytest.mark.parametrize("name", [EMPTY, "id_0808.05394_s0_m100_7b0c7d0a7cdd.json"])
def test_unknown_id_is_an_empty_result(fixtures_dir, name):
    parsed = arxiv_api.parse(body(fixtures_dir, name), name)

    assert (parsed.papers, parsed.rejected, parsed.total) == ((), (), 0)


def test_api_error_entry_is_rejected_not_a_paper(fixtures_dir):
    parsed = arxiv_api.parse(body(fixtures_dir, "id_abc_s0_m100_b79c8dcf6bc3.json"), "abc")

    assert parsed.papers == ()
    assert [(r.origin, r.entry, r.reason) for r in parsed.rejected] == [
        ("abc", "https://arxiv.org/api/errors#incorrect_id_format_for_abc",
         "arXiv API error: incorrect id format for abc"),
    ]  # fmt: skip


def test_entry_without_title_is_rejected_others_kept(fixtures_dir):
    data = body(fixtures_dir, PAGE_0).replace(
        b"<title>Active Fuzzing for Testing and Securing Cyber-Physical Systems</title>",
        b"<title/>",
    )

    parsed = arxiv_api.parse(data, "page0")

    assert len(parsed.papers) == 9
    assert [(r.entry, r.reason) for r in parsed.rejected] == [
        ("http://arxiv.org/abs/2005.14124v2", "no title")
    ]


def test_truncated_response_still_gives_the_total(fixtures_dir):
    """What a cut-off response keeps is the contract's (test_contract.py); the total too."""
    data = body(fixtures_dir, PAGE_0)

    assert arxiv_api.parse(data[: len(data) // 2], "page0").total == 214881


def test_entity_declarations_are_refused():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE feed [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>&b;</title></feed>'
    )

    with pytest.raises(FeedError, match="refused unsafe XML"):
        arxiv_api.parse(bomb, "bomb")


def test_query_params():
    params = arxiv_api.query_params(
        category="cs.CL", start=200, max_results=100,
        date_from=date(2025, 7, 1), date_to=date(2025, 7, 7),
    )  # fmt: skip

    assert params == {
        "search_query": "cat:cs.CL AND submittedDate:[202507010000 TO 202507072359]",
        "start": "200",
        "max_results": "100",
        "sortBy": "submittedDate",
        "sortOrder": "descending",
    }


def expect_page(server: HTTPServer, start: int, data: bytes) -> None:
    params = arxiv_api.query_params(
        category="cs.SE", start=start, max_results=10,
        date_from=date(2025, 7, 1), date_to=date(2025, 7, 7),
    )  # fmt: skip
    server.expect_ordered_request("/api/query", query_string=params).respond_with_data(
        data, content_type="application/atom+xml"
    )


def harvest_all(server: HTTPServer, client: HttpClient) -> list:
    return list(
        arxiv_api.harvest(
            client, category="cs.SE", date_from=date(2025, 7, 1), date_to=date(2025, 7, 7),
            page_size=10, base_url=server.url_for("/api/query"),
        )
    )  # fmt: skip


def test_fetch_one_page(httpserver: HTTPServer, fixtures_dir):
    expect_page(httpserver, 10, body(fixtures_dir, PAGE_10))

    data = arxiv_api.fetch(
        HttpClient(), category="cs.SE", start=10, max_results=10,
        date_from=date(2025, 7, 1), date_to=date(2025, 7, 7),
        base_url=httpserver.url_for("/api/query"),
    )  # fmt: skip

    assert data == body(fixtures_dir, PAGE_10)


def test_harvest_pages_until_the_total_is_reached(httpserver: HTTPServer, fixtures_dir):
    """The recorded pages say 214881 results; here the total is cut to 30: three pages."""
    for start, name in [(0, PAGE_0), (10, PAGE_10), (20, PAGE_20)]:
        data = re.sub(
            rb"<opensearch:totalResults>\d+",
            b"<opensearch:totalResults>30",
            body(fixtures_dir, name),
        )
        expect_page(httpserver, start, data)
    fake = FakeTime()

    pages = harvest_all(
        httpserver, HttpClient(min_interval=3.0, sleep=fake.sleep, clock=fake.clock)
    )

    assert [len(page.papers) for page in pages] == [10, 10, 10]
    assert pages[1].papers[0].id == "2403.16981"
    assert pages[2].papers[-1].id == "2602.15552"
    assert fake.sleeps == [3.0, 3.0]  # arXiv's pace between calls
    httpserver.check_assertions()


def test_harvest_stops_at_an_empty_page(httpserver: HTTPServer, fixtures_dir):
    for start, name in [(0, PAGE_0), (10, PAGE_10), (20, EMPTY)]:
        expect_page(httpserver, start, body(fixtures_dir, name))

    pages = harvest_all(httpserver, HttpClient())

    assert [len(page.papers) for page in pages] == [10, 10, 0]
    assert pages[0].papers[0].id == "2202.12139"
    assert len(httpserver.log) == 3


def _total(data: bytes, total: int) -> bytes:
    return re.sub(rb"<opensearch:totalResults>\d+", b"<opensearch:totalResults>%d" % total, data)


def test_a_spurious_empty_page_is_asked_for_again(httpserver: HTTPServer, fixtures_dir):
    expect_page(httpserver, 0, _total(body(fixtures_dir, PAGE_0), 20))
    expect_page(httpserver, 10, _total(body(fixtures_dir, EMPTY), 20))  # the API's hiccup
    expect_page(httpserver, 10, _total(body(fixtures_dir, PAGE_10), 20))

    pages = harvest_all(httpserver, HttpClient())

    assert [len(page.papers) for page in pages] == [10, 10]
    assert all(page.rejected == () for page in pages)
    httpserver.check_assertions()


def test_a_page_that_stays_empty_says_what_is_missing(httpserver: HTTPServer, fixtures_dir):
    expect_page(httpserver, 0, _total(body(fixtures_dir, PAGE_0), 25))
    for _ in range(arxiv_api.EMPTY_PAGE_TRIES):
        expect_page(httpserver, 10, _total(body(fixtures_dir, EMPTY), 25))

    pages = harvest_all(httpserver, HttpClient())

    assert [len(page.papers) for page in pages] == [10, 0]
    [rejection] = pages[1].rejected
    assert rejection.reason == "empty 3 times though 15 more papers remain"
    httpserver.check_assertions()


def test_fetch_papers_by_id(httpserver: HTTPServer, fixtures_dir):
    data = body(fixtures_dir, "id_0808.05394_1707.08567_s0_m100_42e5aa0ec3af.json")
    httpserver.expect_ordered_request(
        "/api/query", query_string={"id_list": "0808.0539,1707.08567", "max_results": "2"}
    ).respond_with_data(data, content_type="application/atom+xml")

    fetched = arxiv_api.fetch_ids(
        HttpClient(), ["0808.0539", "1707.08567"], base_url=httpserver.url_for("/api/query")
    )

    assert fetched == data
    assert arxiv_api.parse(fetched, "ids").papers
