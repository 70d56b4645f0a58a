"""Rate-limit buckets shared by every process that posts to Slack.

The store keeps each bucket's next due time and moves it on in one statement, so two
processes never get the same slot; what a bucket means, and how early a message may go
(a burst), is the caller's (bot/delivery.py's `Pacer`).
"""

from __future__ import annotations

from sqlalchemy import Engine, func
from sqlalchemy.dialects import postgresql, sqlite

from recommender.store.schema import rate_buckets

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
_GREATEST = {"postgresql": func.greatest, "sqlite": func.max}


class Pacing:
    """Shared buckets, on the store's database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def advance(self, bucket: str, earliest: float, step: float) -> float:
        """Move `bucket`'s due time to `step` after the later of itself and `earliest` (a
        new bucket counts as due at `earliest`); the new due time."""
        with self.engine.begin() as conn:
            dialect = conn.dialect.name
            later = _GREATEST[dialect](rate_buckets.c.due, earliest) + step
            statement = (
                _INSERTS[dialect](rate_buckets)
                .values(bucket=bucket, due=earliest + step)
                .on_conflict_do_update(index_elements=["bucket"], set_={"due": later})
                .returning(rate_buckets.c.due)
            )
            return float(conn.scalar(statement))
