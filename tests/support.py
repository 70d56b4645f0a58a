"""Helpers shared by tests: a fake clock, recorded bodies, the store's feedback log."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from recommender.sources.http_record import body_bytes
from recommender.store import Store
from recommender.store.schema import feedback


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
