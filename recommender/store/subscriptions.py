"""Subscriptions: which targets get digests, and on what schedule.

The profile says what a target wants; a subscription says that it wants it delivered.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, insert, select, update

from recommender.schedule import Schedule
from recommender.store.schema import subscriptions


class Subscriptions:
    """Each subscribed target's schedule, on the store's database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def save(self, target: str, schedule: Schedule, *, now: datetime) -> None:
        """Start (or reschedule) `target`'s digests."""
        values = {"schedule": schedule.as_dict(), "updated": now}
        with self.engine.begin() as conn:
            changed = conn.execute(
                update(subscriptions).where(subscriptions.c.target == target).values(**values)
            ).rowcount
            if not changed:
                conn.execute(insert(subscriptions).values(target=target, created=now, **values))

    def remove(self, target: str) -> bool:
        """Stop `target`'s digests; False if it had none."""
        with self.engine.begin() as conn:
            query = subscriptions.delete().where(subscriptions.c.target == target)
            return bool(conn.execute(query).rowcount)

    def get(self, target: str) -> Schedule | None:
        """The schedule of `target`, or None if it is not subscribed."""
        with self.engine.connect() as conn:
            data = conn.scalar(
                select(subscriptions.c.schedule).where(subscriptions.c.target == target)
            )
        return None if data is None else Schedule.from_dict(data)

    def all(self) -> dict[str, Schedule]:
        """Every subscription's schedule, by target."""
        query = select(subscriptions.c.target, subscriptions.c.schedule)
        with self.engine.connect() as conn:
            return {t: Schedule.from_dict(s) for t, s in conn.execute(query.order_by("target"))}
