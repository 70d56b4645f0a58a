"""GET /healthz: whether this process can answer a search, and how fresh what it serves is.

A load balancer reads the status (503 when the database does not answer or the indexes
cannot be loaded, with the reason); an operator reads the body: papers, the index's age and
whether it holds every stored paper, how long ago the last ingest succeeded, and each
configured source's state (a source that failed or brought nothing for too long is named,
without making the check fail: the app still answers searches).
Cheap on purpose: the engine reloads its indexes only when another process replaced them,
so a check costs a few small queries and one stat.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime

from sqlalchemy.exc import SQLAlchemyError

from bot.services import Services
from recommender.errors import PapersError
from recommender.indexes import STATE_FILE
from recommender.pipeline import source_health

log = logging.getLogger(__name__)

OK = "200 OK"
UNAVAILABLE = "503 Service Unavailable"


def health(services: Services) -> tuple[str, dict]:
    """The status line and JSON body of /healthz."""
    now = services.clock()
    try:
        papers = services.store.count()
        ingest = services.store.jobs.last_ok("ingest")
    except SQLAlchemyError:
        log.exception("health check: the database does not answer")
        return UNAVAILABLE, {"ok": False, "error": "database unavailable"}
    body: dict = {
        "process": os.getpid(),  # which of several web processes answered
        "papers": papers,
        "last_ingest": _age(ingest.finished if ingest else None, now),
        "sources": _sources(services, now),
    }
    try:
        indexes = services.engine.indexes()
        current = services.engine.is_current()
    except PapersError as error:
        log.warning("health check: the indexes cannot serve: %s", error)
        return UNAVAILABLE, {"ok": False, "error": f"index unavailable: {error}", **body}
    index = {"papers": indexes.state.get("papers"), "current": current}
    return OK, {"ok": True, **body, "index": index | _index_age(services, now)}


def _sources(services: Services, now: datetime) -> list[dict]:
    """Each configured source's state (`ok`, `failed`, `stale`, `never run`) and why."""
    return [
        {
            "source": health.source,
            "state": health.state,
            "last_papers": health.last_papers.isoformat() if health.last_papers else None,
            "error": health.error,
        }
        for health in source_health(services.store, services.sources, now=now)
    ]


def _index_age(services: Services, now: datetime) -> dict:
    """When the indexes on disk were written (their state file's time) and how long ago."""
    try:
        written = (services.index_dir / STATE_FILE).stat().st_mtime
    except OSError:  # replaced or removed between the engine's look and this one
        return _age(None, now)
    return _age(datetime.fromtimestamp(written, tz=UTC), now)


def _age(then: datetime | None, now: datetime) -> dict:
    """When something happened and how many seconds ago (never negative)."""
    if then is None:
        return {"at": None, "age_seconds": None}
    return {"at": then.isoformat(), "age_seconds": max(0, round((now - then).total_seconds()))}
