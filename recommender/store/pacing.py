"""Rate-limit buckets shared by every process that posts to Slack.

The store keeps each bucket's next due time; the caller (bot/delivery.py's `Pacer`) decides
what a bucket means. Holding buckets locks their rows until the block ends, so two
processes never hand out the same slot.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.dialects import postgresql, sqlite

from recommender.store.db import serialized
from recommender.store.schema import rate_buckets

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


class Pacing:
    """Shared buckets, on the store's database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def held(self, names: Sequence[str]) -> Iterator[dict[str, float]]:
        """The due times of the buckets `names` (0.0 for a new one), locked; what the block
        leaves in the dict is written back when it ends."""
        wanted = sorted(set(names))  # one locking order everywhere: no deadlock
        with serialized(self.engine) as conn:
            _create(conn, wanted)
            query = (
                select(rate_buckets.c.bucket, rate_buckets.c.due)
                .where(rate_buckets.c.bucket.in_(wanted))
                .order_by(rate_buckets.c.bucket)
                .with_for_update()
            )
            due = {bucket: value for bucket, value in conn.execute(query)}
            before = dict(due)
            yield due
            for bucket in wanted:
                if due[bucket] != before[bucket]:
                    conn.execute(
                        update(rate_buckets)
                        .where(rate_buckets.c.bucket == bucket)
                        .values(due=due[bucket])
                    )


def _create(conn: Connection, buckets: list[str]) -> None:
    """Add the buckets that do not exist yet, due at once; another process may add them too."""
    insert = _INSERTS[conn.dialect.name](rate_buckets)
    rows = [{"bucket": bucket, "due": 0.0} for bucket in buckets]
    conn.execute(insert.on_conflict_do_nothing(index_elements=["bucket"]), rows)
