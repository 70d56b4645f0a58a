"""The delivery ledger: each digest goes out once, even across crashes.

A delivery is claimed before anything is posted (`begin`, which also fixes the digest's
content in the row), each message posted is recorded as it goes (`posted`), and the row is
completed after the last one (`finish`). A crash between posts leaves a `pending` row that
remembers what already went out, so the next attempt posts only the rest: no digest twice,
none dropped. Before each post the message is claimed (`claim`), in the transaction that
checks the delivery lease's fence, so only its holder posts, and a claim with no record
of the post after it marks the one message whose outcome is unknown (`Delivery.unknown`).
Claims, posts and completions are durable (`durable`): a power cut right after one cannot
undo it, so it can neither lose a digest nor hide a post that went out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from recommender.schedule import Schedule
from recommender.store.db import durable
from recommender.store.jobs import Fence
from recommender.store.schema import deliveries
from recommender.store.subscriptions import Subscriptions


@dataclass(frozen=True)
class Delivery:
    """One target's digest of one local date: its content, and what of it went out."""

    target: str
    day: date
    status: str
    attempts: int
    plan: dict[str, Any] | None  # None when the try failed before it had one
    posted: tuple[Any, ...]
    error: str | None
    claimed: int = 0  # messages claimed for posting; one more than `posted` when unknown
    updated: datetime | None = None

    @property
    def done(self) -> bool:
        return self.status == "sent"

    @property
    def unknown(self) -> bool:
        """Whether the message after the posted ones was claimed but its post not recorded:
        it may have gone out (a crash, or a lost reply)."""
        return self.claimed > len(self.posted)


class Deliveries:
    """The delivery ledger, on the store's database."""

    def __init__(self, engine: Engine, subscriptions: Subscriptions) -> None:
        self.engine = engine
        self.subscriptions = subscriptions

    def due(self, now: datetime, *, grace: timedelta) -> list[tuple[str, date]]:
        """(target, local date) of every digest whose time came within `grace` and that has
        not gone out, oldest first: after an outage, each missed day once."""
        due = []
        for target, schedule in self.subscriptions.all().items():
            for day in self.pending(target, schedule, now, grace=grace):
                due.append((schedule.slot(day), target, day))
        return [(target, day) for _, target, day in sorted(due)]

    def pending(
        self, target: str, schedule: Schedule, now: datetime, *, grace: timedelta
    ) -> list[date]:
        """The local dates of `target`'s digests that are due and have not gone out."""
        days = []
        for day in schedule.due(now, grace=grace):
            delivery = self.get(target, day)
            if delivery is None or not delivery.done:
                days.append(day)
        return days

    def next(
        self, target: str, schedule: Schedule, now: datetime, *, grace: timedelta
    ) -> datetime | None:
        """When `target`'s next digest goes, as the scheduler decides it (`due`).

        A digest due and not yet sent (a time set earlier today, within `grace`) goes at
        the scheduler's next tick, and its slot, already past, is returned; else the
        schedule's next slot (None when none comes within a year).
        """
        pending = self.pending(target, schedule, now, grace=grace)
        return schedule.slot(pending[0]) if pending else schedule.next_slot(now)

    def get(self, target: str, day: date) -> Delivery | None:
        query = select(deliveries).where(
            deliveries.c.target == target, deliveries.c.digest_date == day
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        return None if row is None else _delivery(row)

    def find_post(self, target: str, post: dict[str, Any]) -> tuple[Delivery, int] | None:
        """The delivery of `target` one of whose messages is `post` (what the outlet's `post`
        returned, e.g. its channel and ts), and which message of it; None if none is."""
        query = (
            select(deliveries.c.digest_date, deliveries.c.posted)
            .where(deliveries.c.target == target)
            .order_by(deliveries.c.digest_date.desc())
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        for day, posted in rows:
            if post in posted:
                return self.get(target, day), posted.index(post)
        return None

    def begin(self, target: str, day: date, plan: dict[str, Any], *, now: datetime) -> Delivery:
        """Claim a delivery: a new row holding `plan`, or the pending one of an earlier try
        (whose plan wins, so a retry posts what the first try meant to; a try that failed
        before it had a plan left none, and then `plan` is taken)."""
        row = {"target": target, "digest_date": day, "status": "pending", "attempts": 1,
               "plan": plan, "posted": [], "updated": now}  # fmt: skip
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(deliveries).values(**row))
        except IntegrityError:
            earlier = self.get(target, day)
            values: dict[str, Any] = {"attempts": deliveries.c.attempts + 1, "updated": now}
            if earlier is not None and earlier.plan is None:
                values["plan"] = plan
            with self.engine.begin() as conn:
                conn.execute(
                    update(deliveries)
                    .where(_key(target, day), deliveries.c.status != "sent")
                    .values(**values)
                )
        return self.get(target, day)

    def claim(self, target: str, day: date, fence: Fence | None, *, now: datetime) -> None:
        """Claim the next message for posting, if `fence` still holds (else LeaseLost).

        Both in one transaction: a process that lost the lease claims nothing.
        """
        claimed = len(self.get(target, day).posted) + 1
        with durable(self.engine) as conn:
            if fence is not None:
                fence.check(conn, now)
            conn.execute(
                update(deliveries).where(_key(target, day)).values(claimed=claimed, updated=now)
            )

    def posted(self, target: str, day: date, part: Any, *, now: datetime) -> None:
        """Record that one more message of the digest went out (e.g. its Slack ts)."""
        posted = [*self.get(target, day).posted, part]
        with durable(self.engine) as conn:
            conn.execute(
                update(deliveries)
                .where(_key(target, day))
                .values(posted=posted, claimed=len(posted), updated=now)
            )

    def finish(self, target: str, day: date, *, now: datetime) -> None:
        with durable(self.engine) as conn:
            conn.execute(
                update(deliveries)
                .where(_key(target, day))
                .values(status="sent", error=None, updated=now)
            )

    def fail(self, target: str, day: date, error: str, *, now: datetime) -> None:
        """Note a failed try; the row stays open and the next tick tries again.

        A try can fail before `begin` (its digest could not even be matched): it then gets
        a row without a plan, so that `failing` (and `papers status`) shows it too. A
        delivery already sent stays sent.
        """
        with self.engine.begin() as conn:
            changed = conn.execute(
                update(deliveries)
                .where(_key(target, day), deliveries.c.status != "sent")
                .values(status="failed", error=error, updated=now)
            ).rowcount
        if changed:
            return
        row = {"target": target, "digest_date": day, "status": "failed", "attempts": 1,
               "plan": None, "posted": [], "error": error, "updated": now}  # fmt: skip
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(deliveries).values(**row))
        except IntegrityError:
            pass  # the row exists (sent, or written meanwhile): nothing to add

    def failing(self) -> list[Delivery]:
        """Deliveries whose last try failed, most tries first (for `papers status`)."""
        query = select(deliveries).where(deliveries.c.status == "failed")
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(deliveries.c.attempts.desc())).mappings().all()
        return [_delivery(row) for row in rows]


def _key(target: str, day: date):
    return (deliveries.c.target == target) & (deliveries.c.digest_date == day)


def _delivery(row) -> Delivery:
    return Delivery(
        target=row["target"],
        day=row["digest_date"],
        status=row["status"],
        attempts=row["attempts"],
        plan=row["plan"],
        posted=tuple(row["posted"]),
        error=row["error"],
        claimed=row["claimed"],
        updated=row["updated"],
    )
