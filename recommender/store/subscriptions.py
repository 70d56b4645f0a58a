"""Subscriptions: which targets get digests, on what schedule, set up by whom, and whether
they are paused; and the log of changes to them, which undo reads.

The profile says what a target wants; a subscription says that it wants it delivered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, insert, select, update

from recommender.schedule import Schedule
from recommender.store.schema import subscription_changes, subscriptions


@dataclass(frozen=True)
class Subscribed:
    """A target's subscription: its schedule, who set it up (a target), why it is paused
    (None: its digests go), and how many deliveries in a row failed for good."""

    target: str
    schedule: Schedule
    owner: str | None = None
    paused: str | None = None
    failures: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"schedule": self.schedule.as_dict(), "owner": self.owner, "paused": self.paused}


@dataclass(frozen=True)
class Change:
    """One change someone (`changer`, a target) made to `target`'s digest: what it did, and
    the settings before it (`before`, as the caller stored them)."""

    id: int
    target: str
    changer: str
    at: datetime
    summary: str
    before: dict[str, Any]
    undoes: int | None = None


class Subscriptions:
    """Each subscribed target's schedule and state, on the store's database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def save(
        self, target: str, schedule: Schedule, *, now: datetime, owner: str | None = None
    ) -> None:
        """Start (or reschedule) `target`'s digests; a new subscription is `owner`'s, a
        renewed one keeps the owner it had."""
        values = {"schedule": schedule.as_dict(), "updated": now}
        with self.engine.begin() as conn:
            changed = conn.execute(
                update(subscriptions).where(subscriptions.c.target == target).values(**values)
            ).rowcount
            if not changed:
                row = {"target": target, "created": now, "owner": owner, **values}
                conn.execute(insert(subscriptions).values(**row))

    def restore(self, target: str, before: dict[str, Any] | None, *, now: datetime) -> None:
        """Put back a subscription as `Subscribed.to_dict` kept it (None: there was none)."""
        self.remove(target)
        if before is None:
            return
        row = {"target": target, "schedule": before["schedule"], "owner": before.get("owner"),
               "paused": before.get("paused"), "created": now, "updated": now}  # fmt: skip
        with self.engine.begin() as conn:
            conn.execute(insert(subscriptions).values(**row))

    def remove(self, target: str) -> bool:
        """Stop `target`'s digests; False if it had none."""
        with self.engine.begin() as conn:
            query = subscriptions.delete().where(subscriptions.c.target == target)
            return bool(conn.execute(query).rowcount)

    def get(self, target: str) -> Schedule | None:
        """The schedule of `target`, or None if it is not subscribed."""
        state = self.state(target)
        return None if state is None else state.schedule

    def state(self, target: str) -> Subscribed | None:
        """`target`'s subscription with its owner and state, or None if it has none."""
        with self.engine.connect() as conn:
            row = conn.execute(_rows().where(subscriptions.c.target == target)).mappings().first()
        return None if row is None else _subscribed(row)

    def all(self) -> dict[str, Schedule]:
        """Every subscription's schedule, by target, paused ones too."""
        return {s.target: s.schedule for s in self._where(None)}

    def active(self) -> dict[str, Schedule]:
        """The schedules of the subscriptions that are not paused: whose digests go."""
        return {s.target: s.schedule for s in self._where(subscriptions.c.paused.is_(None))}

    def owned_by(self, owner: str) -> list[Subscribed]:
        """The subscriptions `owner` set up, by target."""
        return self._where(subscriptions.c.owner == owner)

    def pause(self, target: str, reason: str, *, now: datetime) -> bool:
        """Stop `target`'s digests until `resume`, saying why; False if it had none."""
        values = {"paused": reason, "updated": now}
        with self.engine.begin() as conn:
            query = update(subscriptions).where(subscriptions.c.target == target).values(**values)
            return bool(conn.execute(query).rowcount)

    def resume(self, target: str, *, now: datetime) -> bool:
        """Let `target`'s digests go again, its failures forgotten; False if it had none."""
        values = {"paused": None, "failures": 0, "updated": now}
        with self.engine.begin() as conn:
            query = update(subscriptions).where(subscriptions.c.target == target).values(**values)
            return bool(conn.execute(query).rowcount)

    def failed(
        self, target: str, reason: str, *, pause_after: int, now: datetime
    ) -> Subscribed | None:
        """Count one more delivery of `target` that failed for good; at `pause_after` in a
        row the subscription is paused with `reason`. The subscription after (None: none)."""
        key = subscriptions.c.target == target
        with self.engine.begin() as conn:
            conn.execute(
                update(subscriptions).where(key).values(failures=subscriptions.c.failures + 1)
            )
            conn.execute(
                update(subscriptions)
                .where(
                    key, subscriptions.c.failures >= pause_after, subscriptions.c.paused.is_(None)
                )
                .values(paused=reason, updated=now)
            )
        return self.state(target)

    def reached(self, target: str) -> None:
        """A delivery of `target` went out: its failures in a row are over."""
        key = (subscriptions.c.target == target) & (subscriptions.c.failures > 0)
        with self.engine.begin() as conn:
            conn.execute(update(subscriptions).where(key).values(failures=0))

    def log_change(
        self,
        target: str,
        changer: str,
        summary: str,
        before: dict[str, Any],
        *,
        now: datetime,
        undoes: int | None = None,
    ) -> Change:
        """Keep a change to `target`'s digest with the settings `before` it."""
        row = {"target": target, "changer": changer, "at": now, "summary": summary,
               "before": before, "undoes": undoes}  # fmt: skip
        with self.engine.begin() as conn:
            key = conn.execute(insert(subscription_changes).values(**row)).inserted_primary_key[0]
        return Change(id=key, **row)

    def change(self, change_id: int) -> Change | None:
        """The change of that id, or None."""
        query = select(subscription_changes).where(subscription_changes.c.id == change_id)
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        return None if row is None else Change(**row)

    def last_change(self, target: str) -> Change | None:
        """The latest change to `target`'s digest, or None."""
        query = (
            select(subscription_changes)
            .where(subscription_changes.c.target == target)
            .order_by(subscription_changes.c.id.desc())
            .limit(1)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        return None if row is None else Change(**row)

    def _where(self, condition) -> list[Subscribed]:
        query = _rows() if condition is None else _rows().where(condition)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(subscriptions.c.target)).mappings().all()
        return [_subscribed(row) for row in rows]


def _rows():
    c = subscriptions.c
    return select(c.target, c.schedule, c.owner, c.paused, c.failures)


def _subscribed(row) -> Subscribed:
    return Subscribed(
        target=row["target"],
        schedule=Schedule.from_dict(row["schedule"]),
        owner=row["owner"],
        paused=row["paused"],
        failures=row["failures"],
    )
