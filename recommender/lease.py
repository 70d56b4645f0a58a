"""The delivery lease: one process at a time ingests and delivers on the schedule.

The scheduler holds it while it runs, and `papers run-once` for its one run, each renewing
it on a thread of its own (`Lease.renewing`) for as long as it works, so the two never post
the same digests side by side. It is a row in the store's `leases` table (`Jobs.acquire`),
so it holds across machines on one database. Every post is fenced: the ledger claims a
message only in a transaction that finds the lease still held under the holder's token
(`Fence`), so a holder that lost it stops before its next post.

A holder that died without releasing it (`kill -9`, a crash) is known dead when it ran on
this host and its process is gone (or its PID now belongs to a process started at another
time): the lease is then taken over at once. A holder on another host cannot be checked;
its lease runs out after `ttl` (short, since it is renewed), or `force` takes it over.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from recommender.errors import PapersError
from recommender.store.jobs import Fence, Jobs, LeaseLost, LeaseRow

__all__ = ["LEASE", "LEASE_TTL", "Fence", "Lease", "LeaseHeld", "LeaseLost", "holder_name"]

log = logging.getLogger(__name__)

LEASE = "scheduler"
# Short, because it is renewed every third of it while its holder works: a holder on
# another host that died blocks delivery for at most this long.
LEASE_TTL = timedelta(minutes=2)


class LeaseHeld(PapersError):
    """Another process holds the lease; `held` says which, since when and until when."""

    def __init__(self, held: LeaseRow | None) -> None:
        holder = held.holder if held else None
        super().__init__(f"{holder or 'another process'} holds the {LEASE} lease")
        self.held = held
        self.holder = holder


def process_start(pid: int) -> str | None:
    """When process `pid` started, in the kernel's clock ticks (Linux), to tell a PID reused
    by a later process from the one that took the lease; None where it cannot be read."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]  # field 22; the name before ")" may hold spaces


def holder_name(role: str) -> str:
    """Who holds the lease, as `papers status` shows it: role, host, process, its start
    time and a nonce."""
    pid = os.getpid()
    return f"{role}:{socket.gethostname()}:{pid}:{process_start(pid) or '-'}:{uuid.uuid4().hex[:8]}"


def is_dead(holder: str) -> bool:
    """True when `holder` ran on this host and its process is provably gone."""
    parts = holder.split(":")
    if len(parts) < 3 or parts[1] != socket.gethostname() or not parts[2].isdigit():
        return False
    pid = int(parts[2])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # alive, another user's
    started = parts[3] if len(parts) >= 5 else "-"
    now_started = process_start(pid)
    return started != "-" and now_started is not None and now_started != started


@dataclass(frozen=True)
class Lease:
    """The lease as one holder sees it."""

    jobs: Jobs
    holder: str
    ttl: timedelta = LEASE_TTL

    def take(self, now: datetime, *, force: bool = False) -> Fence | None:
        """Take or renew it until now + ttl; None when another living holder has it.

        A holder known dead (`is_dead`) loses it at once; with `force`, any holder does.
        """
        fence = self.jobs.acquire(LEASE, self.holder, ttl=self.ttl, now=now)
        if fence is not None:
            return fence
        held = self.jobs.lease(LEASE, now=now)
        if held is None or not (force or is_dead(held.holder)):
            return None
        fence = self.jobs.take_over(LEASE, held, self.holder, ttl=self.ttl, now=now)
        if fence is not None:
            log.warning("took the %s lease over from %s", LEASE, held.holder)
        return fence

    def held_by(self, now: datetime) -> str | None:
        return self.jobs.holder(LEASE, now=now)

    def release(self) -> None:
        self.jobs.release(LEASE, self.holder)

    @contextmanager
    def held(self, now: datetime, *, force: bool = False) -> Iterator[Fence]:
        """Hold it around a block (LeaseHeld if another holder has it), then give it up."""
        fence = self.take(now, force=force)
        if fence is None:
            raise LeaseHeld(self.jobs.lease(LEASE, now=now))
        try:
            yield fence
        finally:
            self.release()

    @contextmanager
    def renewing(self, clock: Callable[[], datetime]) -> Iterator[None]:
        """Renew it every third of its ttl on a thread of its own while the block runs.

        A renewal that finds another holder only logs it: the next fenced post stops. (It
        also takes the lease when it is free, so a waiting scheduler takes over promptly.)
        """
        stop = threading.Event()

        def renew() -> None:
            while not stop.wait(self.ttl.total_seconds() / 3):
                try:
                    if self.take(clock()) is None:
                        log.info("%s holds the %s lease", self.held_by(clock()), LEASE)
                except Exception:  # the renewer's boundary: the database may be back soon
                    log.exception("renewing the %s lease failed", LEASE)

        thread = threading.Thread(target=renew, name="lease", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()
