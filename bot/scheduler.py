"""The `clock` process: APScheduler runs the pipeline on triggers defined here, in code.

It runs in its own process, never inside web workers (each worker would run it again), and
acts only while it holds the lease in the database (recommender/lease.py, renewed on a
thread of its own for as long as the process runs, catch-up included), so a second
scheduler started by mistake waits instead of ingesting and posting twice. Nothing about who
gets what and when is kept in the scheduler: the delivery tick asks the settings and the
delivery ledger. With delivery workers (PostgreSQL), the tick plans and queues the due
digests, and the clock's own sender threads, if any, post them beside `papers worker`s.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from recommender.delivery import Deliverer, DeliveryWorker, drain_with_threads
from recommender.errors import PapersError
from recommender.lease import Fence, Lease, holder_name
from recommender.pipeline import ARXIV_KINDS, Pipeline

log = logging.getLogger(__name__)

# arXiv announces Sunday to Thursday at 20:00 US Eastern; ingest half an hour later.
ARXIV_TRIGGER = CronTrigger(
    day_of_week="sun,mon,tue,wed,thu", hour=20, minute=30, timezone="America/New_York"
)
# Hugging Face's daily papers fill up during the day (UTC).
HF_TRIGGER = CronTrigger(hour=22, minute=0, timezone="UTC")
DELIVERY_TICK = timedelta(minutes=5)


def previous_fire(trigger: CronTrigger, now: datetime) -> datetime | None:
    """The last time `trigger` fired at or before `now` (within the past eight days)."""
    fire = trigger.get_next_fire_time(None, now - timedelta(days=8))
    last = None
    while fire is not None and fire <= now:
        last = fire
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    return last


class Clockwork:
    """The scheduled jobs, each guarded by the lease and recorded as a job run."""

    def __init__(
        self,
        pipeline: Pipeline,
        deliverer: Deliverer,
        clock: Callable[[], datetime],
        *,
        holder: str | None = None,
        lease: Lease | None = None,
        senders: list[DeliveryWorker] | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.deliverer = deliverer
        self.clock = clock
        self.holder = lease.holder if lease else holder or holder_name("scheduler")
        self._lease = lease
        # None: the tick posts each digest itself; a list (maybe empty): it queues them
        # for workers, and these threads of the clock post them too.
        self.senders = senders

    @property
    def lease(self) -> Lease:
        """The lease it was given (ttl from the settings), or one of the default ttl."""
        return self._lease or Lease(self.pipeline.store.jobs, self.holder)

    def has_lease(self) -> Fence | None:
        """Take or renew the lease; None (and a log line) when another scheduler holds it."""
        fence = self.lease.take(self.clock())
        if fence is None:
            log.info(
                "another scheduler holds the lease (%s); skipping",
                self.lease.held_by(self.clock()),
            )
        return fence

    def ingest(self, kinds: tuple[str, ...] | None = None) -> None:
        """Ingest (all sources, or those of `kinds`), then update the indexes if it helped."""
        if not self.has_lease():
            return
        sources = [s for s in self.pipeline.sources if kinds is None or s.kind in kinds]
        pipeline = replace(self.pipeline, sources=sources)
        try:
            reports = pipeline.ingest()
        except PapersError:
            return  # recorded as a failed run; the next trigger tries again
        if any(report.added or report.updated for report in reports.values()):
            self.index()

    def index(self) -> None:
        try:
            self.pipeline.index()
        except Exception:  # the job boundary: the old index keeps serving
            log.exception("index update failed; the previous index keeps serving")

    def deliver(self) -> None:
        """Deliver what is due, every post fenced by the lease as this tick took it."""
        fence = self.has_lease()
        if fence is None:
            return
        try:
            if self.senders is None:
                self.pipeline.deliver(self.deliverer, fence)
            else:
                self.pipeline.queue(self.deliverer)
                drain_with_threads(self.senders)
        except Exception:  # the job boundary: the next tick retries what did not go out
            log.exception("delivery tick failed")

    def catch_up(self) -> None:
        """After downtime: one ingest if a scheduled one was missed (not one per missed
        trigger), then a delivery tick, which sends what came due within the grace."""
        now = self.clock()
        last = self.pipeline.store.jobs.last_ok("ingest")
        missed = previous_fire(ARXIV_TRIGGER, now)
        if missed is not None and (last is None or last.started < missed):
            log.info("catching up the ingest missed at %s", missed.isoformat())
            self.ingest()
        self.deliver()


def build(clockwork: Clockwork) -> BlockingScheduler:
    """The scheduler with every trigger; `start()` blocks until the process is stopped.

    The jobs run one at a time, on one thread. Ingest stamps the papers of a run with the
    run's start time but commits them page by page over minutes; a digest matched in
    between would take the next window from after that stamp and never see the papers
    committed later. One worker also keeps a digest from matching papers not indexed yet.
    A tick that comes due while another job runs waits for it (misfire grace: an hour).
    The lease is renewed outside the scheduler, for as long as it runs (`Lease.renewing`).
    """
    executors = {"default": ThreadPoolExecutor(max_workers=1)}
    scheduler = BlockingScheduler(timezone="UTC", executors=executors)
    # Local files have no rhythm of their own; they are read with arXiv's announcements.
    arxiv_kinds = (*ARXIV_KINDS, "files")
    options = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600}
    scheduler.add_job(
        clockwork.ingest, ARXIV_TRIGGER, args=[arxiv_kinds], id="ingest-arxiv", **options
    )
    scheduler.add_job(clockwork.ingest, HF_TRIGGER, args=[("hf",)], id="ingest-hf", **options)
    scheduler.add_job(
        clockwork.deliver,
        IntervalTrigger(seconds=DELIVERY_TICK.total_seconds()),
        id="deliver",
        **options,
    )
    return scheduler
