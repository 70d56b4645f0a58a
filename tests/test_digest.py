"""The digest value: why each pick, in words, and its one serialisation (JSON and ledger plans)."""

from __future__ import annotations

import json

import pytest

from recommender.digest import Digest, Explanation, Neighbour, Pick
from recommender.models import Paper
from recommender.store import Store
from tests.support import SINCE, UNTIL, WHYS


@pytest.mark.parametrize(
    ("why", "channel", "text"),
    [
        (WHYS[0], False, "matched: speculative decoding, LLM"),
        (WHYS[1], False, "close to “WUSH <b>” you liked"),
        (WHYS[2], False, "close to 2507.07186 you liked; by an author you follow: Ada Lovelace"),
        (
            WHYS[2],
            True,
            "close to 2507.07186 this channel liked; by an author this channel follows: "
            "Ada Lovelace",
        ),
        (WHYS[3], False, "close to seed 2507.07186"),
        (WHYS[4], False, "close to your description"),
        (WHYS[4], True, "close to the channel description"),
    ],
)  # fmt: skip
def test_explanation_text(why: Explanation, channel: bool, text: str) -> None:
    assert why.text(channel=channel) == text


def test_a_long_neighbour_title_is_cut() -> None:
    why = Explanation(closest=Neighbour("title:1", "word " * 40, "liked", 0.5))
    assert why.text() == "close to “" + "word " * 14 + "word…” you liked"  # 75 characters


@pytest.fixture
def stored(sqlite_store: Store) -> dict[str, int]:
    """Two papers in the store; their keys by id."""
    papers = [
        Paper(id="2512.00001", title="Speculative decoding", authors=("Ada Lovelace",)),
        Paper(id="2512.00002", title="Draft models", categories=("cs.CL",)),
    ]
    sqlite_store.upsert(papers, now=SINCE)
    return sqlite_store.keys_of(paper.id for paper in papers)


def test_a_digest_survives_its_json(sqlite_store: Store, stored: dict[str, int]) -> None:
    papers = sqlite_store.by_keys(stored.values())
    picks = tuple(
        Pick(papers[key], key, 0.9 - i / 10, why)
        for i, (key, why) in enumerate(zip(stored.values(), WHYS[1:3], strict=True))
    )
    digest = Digest("user:T1:U1", SINCE, UNTIL, 12, picks, ("a notice",))
    data = json.loads(json.dumps(digest.to_dict()))
    assert Digest.from_dict(data, sqlite_store) == digest
    assert data["headline"] == "2 picks from 12 new papers since 2025-12-09 09:00 UTC"
    assert data["picks"][1]["why"] == WHYS[2].text()
    assert data["picks"][1]["followed_authors"] == ["Ada Lovelace"]
    assert data["picks"][0]["authors"] == ["Ada Lovelace"]  # the paper's own authors


def test_a_version_1_plan_is_read_back(sqlite_store: Store, stored: dict[str, int]) -> None:
    """A plan as the ledger stored it before the digest had one serialisation."""
    merged_away = max(stored.values()) + 100
    plan = {
        "v": 1,
        "since": SINCE.isoformat(),
        "until": UNTIL.isoformat(),
        "new": 7,
        "notices": ["a notice"],
        "sizes": [2],
        "picks": [
            {
                "id": "2512.00001",
                "key": stored["2512.00001"],
                "title": "Speculative decoding",
                "score": 0.5,
                "keywords": ["decoding"],
                "closest": {
                    "paper_id": "2507.07186", "title": "Planted", "kind": "liked",
                    "similarity": 0.7,
                },
                "authors": ["Ada Lovelace"],
            },
            {
                "id": "2512.00009",
                "key": merged_away,
                "title": "Merged away",
                "score": 0.25,
                "keywords": [],
                "closest": None,
                "authors": [],
            },
        ],
    }  # fmt: skip
    digest = Digest.from_dict({"target": "user:T1:U1", **plan}, sqlite_store)
    first, gone = digest.picks
    assert (digest.target, digest.since, digest.until, digest.new, digest.notices) == (
        "user:T1:U1", SINCE, UNTIL, 7, ("a notice",),
    )  # fmt: skip
    assert first.paper == sqlite_store.by_keys([stored["2512.00001"]])[stored["2512.00001"]]
    assert first.explanation == Explanation(
        ("decoding",), Neighbour("2507.07186", "Planted", "liked", 0.7), ("Ada Lovelace",)
    )
    assert (first.key, first.score) == (stored["2512.00001"], 0.5)
    assert gone == Pick(Paper(id="2512.00009", title="Merged away"), merged_away, 0.25, WHYS[4])
