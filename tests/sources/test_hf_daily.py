"""Hugging Face daily papers JSON.

There is no recording: tests/fixtures/hf/daily_papers_2025-07-10.json is HAND-WRITTEN from the
documented fields of `/api/daily_papers?date=` (the second paper is made up).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from recommender.errors import FeedError
from recommender.http import HttpClient
from recommender.sources import hf_daily

NAME = "daily_papers_2025-07-10.json"


def read(fixtures_dir: Path) -> bytes:
    return (fixtures_dir / "hf" / NAME).read_bytes()


def test_daily_papers(fixtures_dir):
    parsed = hf_daily.parse(read(fixtures_dir), NAME)

    assert [p.id for p in parsed.papers] == ["2507.07186", "2507.06911"]
    assert parsed.rejected == ()


def test_paper_fields_and_hugging_face_extras(fixtures_dir):
    paper = hf_daily.parse(read(fixtures_dir), NAME).papers[0]

    assert paper.title.startswith("Planted in Pretraining, Swayed by Finetuning")
    assert paper.abstract == (
        "Large language models (LLMs) exhibit cognitive biases -- systematic tendencies of "
        "irrational decision-making, similar to those seen in humans."
    )
    assert paper.authors == ("Itay Itzhak", "Yonatan Belinkov", "Gabriel Stanovsky")
    assert paper.categories == ()  # Hugging Face has none
    assert paper.version is None
    assert paper.published == datetime(2025, 7, 9, 17, 59, 57, tzinfo=UTC)
    assert paper.sources == ("hf-daily",)
    assert dict(paper.extras) == {
        "hf_upvotes": 7,
        "ai_summary": "Cognitive biases in LLMs come mainly from pretraining, not finetuning.",
        "ai_keywords": ("cognitive biases", "pretraining", "finetuning", "cross-tuning"),
        "github_repo": "https://github.com/example/planted-in-pretraining",
    }


def test_optional_fields_absent(fixtures_dir):
    paper = hf_daily.parse(read(fixtures_dir), NAME).papers[1]

    assert dict(paper.extras) == {"hf_upvotes": 0}


def test_bad_items_are_rejected_others_kept(fixtures_dir):
    items = json.loads(read(fixtures_dir))
    items[0]["paper"]["title"] = items[0]["title"] = ""
    items.append({"paper": {"id": "not-an-id", "title": "Somewhere else"}})
    items.append({"title": "no paper object"})

    parsed = hf_daily.parse(json.dumps(items).encode(), NAME)

    assert [p.id for p in parsed.papers] == ["2507.06911"]
    assert [(r.entry, r.reason) for r in parsed.rejected] == [
        ("2507.07186", "no title"),
        ("item 3", "no arXiv id (id 'not-an-id')"),
        ("item 4", "no `paper` object"),
    ]


def test_empty_day_is_an_empty_result():
    assert hf_daily.parse(b"[]", "day.json").papers == ()


def test_an_error_object_is_a_feed_error():
    with pytest.raises(FeedError, match="not a JSON array of daily papers"):
        hf_daily.parse(b'{"error": "Invalid date"}', "day.json")


def test_fetch_asks_for_the_day(httpserver: HTTPServer, fixtures_dir):
    httpserver.expect_request(
        "/api/daily_papers", query_string={"date": "2025-07-10"}
    ).respond_with_data(read(fixtures_dir), content_type="application/json")

    data = hf_daily.fetch(
        HttpClient(), date(2025, 7, 10), base_url=httpserver.url_for("/api/daily_papers")
    )

    assert hf_daily.parse(data, "fetched").papers[0].id == "2507.07186"


@pytest.mark.parametrize(
    ("paper", "reason"),
    [
        ({"id": 2507.0710, "title": "T"}, "id is a number, not text"),
        ({"id": "2507.07186", "title": ["T"]}, "title is a list, not text"),
        ({"id": "2507.07186", "title": "T", "upvotes": "12"}, "upvotes is text, not a number"),
    ],
)
def test_a_field_of_the_wrong_type_rejects_its_item(paper, reason):
    data = json.dumps([{"paper": paper}]).encode()

    parsed = hf_daily.parse(data, "types")

    assert parsed.papers == ()
    assert [(r.entry, r.reason) for r in parsed.rejected] == [("item 1", reason)]
