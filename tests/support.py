"""Helpers shared by tests: a fake clock, recorded bodies, the store's feedback log, digests."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from recommender.digest import Explanation, Neighbour
from recommender.sources.http_record import body_bytes
from recommender.store import Store
from recommender.store.schema import feedback

# A digest's window, and one explanation of each kind, for the digest and Block Kit tests.
SINCE = datetime(2025, 12, 9, 9, 0, tzinfo=UTC)
UNTIL = datetime(2025, 12, 10, 9, 0, tzinfo=UTC)
LIKED = Neighbour("2507.07186", "Planted in Pretraining", "liked", 0.71)
WHYS = (
    Explanation(keywords=("speculative decoding", "LLM")),
    Explanation(closest=Neighbour("title:0e40252543b34be0", "WUSH <b>", "liked", 0.8)),
    Explanation(closest=LIKED, authors=("Ada Lovelace",)),
    Explanation(closest=Neighbour("2507.07186", "Planted", "seed", 0.6)),
    Explanation(),
)


def recorded_body(path: Path) -> bytes:
    """The response body inside one of our `{"url", "status_code", "body"}` recordings."""
    return body_bytes(json.loads(path.read_bytes())["body"])


class FakeTime:
    """A clock that only moves when someone sleeps; records every sleep asked for."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def end_position(data: bytes) -> str:
    """`line L, column C` of the end of `data`, as the XML parser reports it (column from 0)."""
    lines = data.split(b"\n")
    return f"line {len(lines)}, column {len(lines[-1])}"


def logged_feedback(store: Store, target: str) -> list[tuple[str, str, datetime]]:
    """(paper id, action, when) of every button press `target` logged, oldest first.

    The library only writes the log; the tests read it here to see that a press was kept.
    """
    query = (
        select(feedback.c.paper_id, feedback.c.action, feedback.c.at)
        .where(feedback.c.target == target)
        .order_by(feedback.c.at, feedback.c.id)
    )
    with store.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(query)]
