"""Recorded HTTP responses: every arXiv API recording unwraps and parses."""

from __future__ import annotations

import json

import pytest

from recommender.errors import FeedError
from recommender.sources import http_record, parse_file

# (recording, papers, total): the number of <entry> elements and opensearch:totalResults.
RECORDINGS = [
    ("id_0000.0000_s0_m100_8b51d9633a68.json", 0, 0),
    ("id_0808.05394_1707.08567_s0_m100_42e5aa0ec3af.json", 1, 1),
    ("id_0808.05394_s0_m100_7b0c7d0a7cdd.json", 0, 0),
    ("id_1605.08386_s0_m100_199195aa31ad.json", 1, 1),
    ("id_1707.08567_s0_m100_6a1afebfc6a3.json", 1, 1),
    ("id_2104.12255v1_s0_m100_6ae69987ffe1.json", 1, 1),
    ("id_astro-ph_0601001_s0_m100_3150dca9dc76.json", 1, 1),
    ("id_quant-ph_0201082v1_s0_m100_86989fe779ef.json", 1, 1),
    ("q_testing_s0_m10_bc5a6c384fe9.json", 10, 214881),
    ("q_testing_s0_m15_80c242b59d59.json", 15, 214881),
    ("q_testing_s10_m10_34e56e15aaac.json", 10, 214881),
    ("q_testing_s20_m10_348a237fecab.json", 10, 214881),
    ("q_testing_s30_m10_f2e39f0143dc.json", 10, 214881),
    ("q_testing_s40_m10_96dd32eb854c.json", 10, 214881),
    ("q_testing_s50_m10_7f488ab8598c.json", 10, 214881),
    ("q_testing_s5_m10_c0e94a259d4a.json", 10, 214881),
    ("q_testing_s5_m15_bbcf6b23085b.json", 15, 214881),
    ("q_testing_s9_m15_0b78d4b4d476.json", 15, 214881),
]


def test_every_recording_is_listed(fixtures_dir):
    listed = {name for name, _, _ in RECORDINGS} | {"id_abc_s0_m100_b79c8dcf6bc3.json"}
    assert {path.name for path in (fixtures_dir / "arxiv-api").glob("*.json")} == listed


@pytest.mark.parametrize(("name", "papers", "total"), RECORDINGS)
def test_recording_parses(fixtures_dir, name, papers, total):
    path = fixtures_dir / "arxiv-api" / name
    data = path.read_bytes()

    parsed = http_record.parse(data, name)

    assert len(parsed.papers) == papers
    assert parsed.total == total
    assert parsed.rejected == ()
    assert all(paper.sources == ("arxiv-api",) for paper in parsed.papers)
    assert parse_file(data, str(path)) == http_record.parse(data, str(path))  # detected


def test_overlapping_pages_agree(fixtures_dir):
    """start=5 max=10 and start=0 max=15 are the same slice of one ranking."""
    a = http_record.parse(
        (fixtures_dir / "arxiv-api" / "q_testing_s0_m15_80c242b59d59.json").read_bytes(), "a"
    )
    b = http_record.parse(
        (fixtures_dir / "arxiv-api" / "q_testing_s5_m10_c0e94a259d4a.json").read_bytes(), "b"
    )

    assert [p.id for p in a.papers[5:15]] == [p.id for p in b.papers]


def test_http_400_is_one_rejection_naming_url_and_status(fixtures_dir):
    data = (fixtures_dir / "arxiv-api" / "id_abc_s0_m100_b79c8dcf6bc3.json").read_bytes()

    parsed = http_record.parse(data, "id_abc.json")

    assert parsed.papers == ()
    assert [(r.origin, r.entry, r.reason) for r in parsed.rejected] == [(
        "id_abc.json",
        "https://export.arxiv.org/api/query?search_query=&id_list=abc&sortBy=relevance"
        "&sortOrder=descending&start=0&max_results=100",
        "HTTP 400: arXiv API error: incorrect id format for abc",
    )]  # fmt: skip


def test_error_status_with_a_plain_body_quotes_its_start():
    data = json.dumps(
        {"url": "https://x.test/q", "status_code": 503, "body": "Service  Unavailable\n"}
    )

    (rejection,) = http_record.parse(data.encode(), "r.json").rejected

    assert (rejection.entry, rejection.reason) == (
        "https://x.test/q",
        "HTTP 503: Service Unavailable",
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Dirk WÃ¼bben", "Dirk Wübben".encode()),  # UTF-8 bytes stored as Latin-1 text
        ("Dirk Wübben", "Dirk Wübben".encode()),  # stored correctly: é alone is not UTF-8
        ("Δ and Ω", "Δ and Ω".encode()),  # beyond Latin-1: stored correctly
        ("plain", b"plain"),
        ([{"paper": {}}], b'[{"paper": {}}]'),  # stored as JSON data
    ],
)
def test_body_bytes_undoes_the_recorders_latin1(body, expected):
    assert http_record.body_bytes(body) == expected


def test_not_a_recording_is_a_feed_error():
    with pytest.raises(FeedError, match="not a recorded response"):
        http_record.parse(b'{"url": "u", "status_code": 200}', "r.json")
