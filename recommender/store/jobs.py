"""Scheduled job bookkeeping: the runs each job made, and leases so one scheduler acts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, case, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from recommender.errors import PapersError
from recommender.store.schema import job_runs, leases

# A released lease keeps its row (and so its token, which must never go back), expired.
RELEASED = datetime(1970, 1, 1, tzinfo=UTC)


class LeaseLost(PapersError):
    """This process no longer holds the lease it acted under: it must stop at once."""


@dataclass(frozen=True)
class Fence:
    """A holder's claim on a lease: valid while the row still has this holder and token."""

    name: str
    holder: str
    token: int

    def check(self, conn: Connection, now: datetime) -> None:
        """Raise LeaseLost unless the lease is still held under this fence, within `conn`'s
        transaction; the row is written, so it stays locked until the transaction ends (a
        takeover waits for it on PostgreSQL; SQLite has one writer anyway)."""
        held = conn.execute(
            update(leases)
            .where(
                leases.c.name == self.name,
                leases.c.holder == self.holder,
                leases.c.token == self.token,
                leases.c.expires >= now,
            )
            .values(token=leases.c.token)
        ).rowcount
        if not held:
            raise LeaseLost(f"{self.holder} lost the {self.name} lease; it stops here")


@dataclass(frozen=True)
class LeaseRow:
    """Who holds a lease, since when, until when, and its fencing token."""

    holder: str
    since: datetime | None
    expires: datetime
    token: int


@dataclass(frozen=True)
class JobRun:
    """One run of a scheduled job: when, how it ended, what it counted, and any error."""

    id: int
    job: str
    started: datetime
    finished: datetime | None
    status: str
    counts: dict[str, Any]
    error: str | None


class Jobs:
    """Job runs and leases, on the store's database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def acquire(self, name: str, holder: str, *, ttl: timedelta, now: datetime) -> Fence | None:
        """Take or renew the lease `name` for `holder` until now + ttl; None if another holds it.

        One conditional UPDATE decides, so two schedulers racing for an expired lease cannot
        both win (on SQLite and PostgreSQL alike); the first INSERT creates the lease. The
        token goes up whenever the holder changes, so a fence taken before stays stale.
        """
        expires = now + ttl
        mine = leases.c.holder == holder
        with self.engine.begin() as conn:
            taken = conn.execute(
                update(leases)
                .where(leases.c.name == name, or_(mine, leases.c.expires < now))
                .values(
                    holder=holder,
                    expires=expires,
                    token=case((mine, leases.c.token), else_=leases.c.token + 1),
                    since=case((mine & (leases.c.expires >= now), leases.c.since), else_=now),
                )
            ).rowcount
            if taken:
                return Fence(name, holder, self._token(conn, name))
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    insert(leases).values(
                        name=name, holder=holder, expires=expires, token=1, since=now
                    )
                )
        except IntegrityError:
            return None  # the lease exists and someone else holds it
        return Fence(name, holder, 1)

    def take_over(
        self, name: str, held: LeaseRow, holder: str, *, ttl: timedelta, now: datetime
    ) -> Fence | None:
        """Take the lease from the holder of `held` (one known to be dead, or on --force);
        None if it changed hands meanwhile."""
        with self.engine.begin() as conn:
            taken = conn.execute(
                update(leases)
                .where(
                    leases.c.name == name,
                    leases.c.holder == held.holder,
                    leases.c.token == held.token,
                )
                .values(holder=holder, expires=now + ttl, token=leases.c.token + 1, since=now)
            ).rowcount
            return Fence(name, holder, self._token(conn, name)) if taken else None

    @staticmethod
    def _token(conn: Connection, name: str) -> int:
        return conn.execute(select(leases.c.token).where(leases.c.name == name)).scalar_one()

    def release(self, name: str, holder: str) -> None:
        """Give the lease up at once (on a clean shutdown), if `holder` has it."""
        with self.engine.begin() as conn:
            conn.execute(
                update(leases)
                .where(and_(leases.c.name == name, leases.c.holder == holder))
                .values(expires=RELEASED)
            )

    def lease(self, name: str, *, now: datetime) -> LeaseRow | None:
        """The lease `name` if someone holds it now."""
        query = select(leases.c.holder, leases.c.since, leases.c.expires, leases.c.token)
        with self.engine.connect() as conn:
            row = conn.execute(query.where(leases.c.name == name, leases.c.expires >= now)).first()
        return LeaseRow(*row) if row else None

    def holder(self, name: str, *, now: datetime) -> str | None:
        """Who holds the lease now, if anyone."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(leases.c.holder).where(leases.c.name == name, leases.c.expires >= now)
            ).first()
        return row[0] if row else None

    def start(self, job: str, *, now: datetime) -> int:
        """Record that `job` started; the id finishes it."""
        with self.engine.begin() as conn:
            result = conn.execute(
                insert(job_runs).values(job=job, started=now, status="running", counts={})
            )
            return int(result.inserted_primary_key[0])

    def finish(
        self,
        run_id: int,
        *,
        now: datetime,
        status: str,
        counts: dict[str, Any] | None = None,
        error: str | None = None,
    ) -> None:
        """Record how a run ended: `ok` or `failed`, what it counted, the error if any."""
        with self.engine.begin() as conn:
            conn.execute(
                update(job_runs)
                .where(job_runs.c.id == run_id)
                .values(finished=now, status=status, counts=counts or {}, error=error)
            )

    def progress(self, run_id: int, counts: dict[str, Any]) -> None:
        """Note what a running job has done so far (`papers status` shows it meanwhile)."""
        with self.engine.begin() as conn:
            conn.execute(update(job_runs).where(job_runs.c.id == run_id).values(counts=counts))

    def recent(self, *, job: str | None = None, limit: int = 20) -> list[JobRun]:
        """The latest runs, newest first, of one job or of all."""
        query = select(job_runs).order_by(job_runs.c.started.desc(), job_runs.c.id.desc())
        if job:
            query = query.where(job_runs.c.job == job)
        with self.engine.connect() as conn:
            rows = conn.execute(query.limit(limit)).mappings().all()
        return [JobRun(**row) for row in rows]

    def last_ok(self, job: str) -> JobRun | None:
        """The latest run of `job` that succeeded."""
        query = (
            select(job_runs)
            .where(job_runs.c.job == job, job_runs.c.status == "ok")
            .order_by(job_runs.c.started.desc(), job_runs.c.id.desc())
            .limit(1)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        return JobRun(**row) if row else None
