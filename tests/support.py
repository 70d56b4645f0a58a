"""Helpers shared by the HTTP, fetch and parser tests: a fake clock, recorded bodies."""

from __future__ import annotations

import json
from pathlib import Path

from recommender.sources.http_record import body_bytes


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
