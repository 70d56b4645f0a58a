"""Scheduled job bookkeeping: the runs each job made, and leases so one scheduler acts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from recommender.store.schema import job_runs, leases


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

    def acquire(self, name: str, holder: str, *, ttl: timedelta, now: datetime) -> bool:
        """Take or renew the lease `name` for `holder` until now + ttl; False if another holds it.

        One conditional UPDATE decides, so two schedulers racing for an expired lease cannot
        both win (on SQLite and PostgreSQL alike); the first INSERT creates the lease.
        """
        expires = now + ttl
        with self.engine.begin() as conn:
            taken = conn.execute(
                update(leases)
                .where(
                    leases.c.name == name,
                    or_(leases.c.holder == holder, leases.c.expires < now),
                )
                .values(holder=holder, expires=expires)
            ).rowcount
        if taken:
            return True
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(leases).values(name=name, holder=holder, expires=expires))
        except IntegrityError:
            return False  # the lease exists and someone else holds it
        return True

    def release(self, name: str, holder: str) -> None:
        """Give the lease up at once (on a clean shutdown), if `holder` has it."""
        with self.engine.begin() as conn:
            conn.execute(
                leases.delete().where(and_(leases.c.name == name, leases.c.holder == holder))
            )

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
