"""The delivery lease: one process at a time ingests and delivers on the schedule.

The scheduler holds it while it runs (renewing it), and `papers run-once` takes it for
its one run, so the two never post the same digests side by side. It is a row in the
store's `leases` table (`Jobs.acquire`), so it holds across machines on one database.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from recommender.errors import PapersError
from recommender.store.jobs import Jobs

LEASE = "scheduler"
LEASE_TTL = timedelta(minutes=10)


class LeaseHeld(PapersError):
    """Another process holds the lease; `holder` says which."""

    def __init__(self, holder: str | None) -> None:
        super().__init__(f"{holder or 'another process'} holds the {LEASE} lease")
        self.holder = holder


def holder_name(role: str) -> str:
    """Who holds the lease, as `papers status` shows it: role, host, process and a nonce."""
    return f"{role}:{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class Lease:
    """The lease as one holder sees it."""

    jobs: Jobs
    holder: str
    ttl: timedelta = LEASE_TTL

    def take(self, now: datetime) -> bool:
        """Take or renew it until now + ttl; False when another holder has it."""
        return self.jobs.acquire(LEASE, self.holder, ttl=self.ttl, now=now)

    def held_by(self, now: datetime) -> str | None:
        return self.jobs.holder(LEASE, now=now)

    def release(self) -> None:
        self.jobs.release(LEASE, self.holder)

    @contextmanager
    def held(self, now: datetime) -> Iterator[None]:
        """Hold it around a block (LeaseHeld if another holder has it), then give it up."""
        if not self.take(now):
            raise LeaseHeld(self.held_by(now))
        try:
            yield
        finally:
            self.release()
