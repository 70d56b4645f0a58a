"""The scheduled pipeline with a controllable clock: triggers, lease, catch-up, failures."""

import itertools
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from pytest_httpserver import HTTPServer

from bot.scheduler import ARXIV_TRIGGER, Clockwork, build, previous_fire
from recommender.embed import HashEmbedder
from recommender.engine import Engine
from recommender.http import HttpClient
from recommender.indexes import Indexer
from recommender.pipeline import (
    Endpoints,
    Pipeline,
    Source,
    SourceError,
    parse_sources,
    source_health,
)
from recommender.schedule import Schedule

GRACE = timedelta(hours=12)


def clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class LedgerDeliverer:
    """Delivers through the real ledger, and remembers what it 'posted'."""

    store: object
    grace: timedelta = GRACE
    posted: list[tuple[str, date]] = field(default_factory=list)

    def deliver_due(self, now: datetime, *, fence=None, progress=None) -> dict:
        due = self.store.deliveries.due(now, grace=self.grace)
        for target, day in due:
            delivery = self.store.deliveries.begin(target, day, {"picks": []}, now=now)
            if not delivery.posted:
                self.store.deliveries.claim(target, day, fence, now=now)
                self.posted.append((target, day))
                self.store.deliveries.posted(target, day, {"ts": "1"}, now=now)
            self.store.deliveries.finish(target, day, now=now)
        return {"delivered": len(due)}


@pytest.fixture
def pipeline(sqlite_store, samples_dir, tmp_path):
    def make(sources=None, endpoints=None):
        return Pipeline(
            store=sqlite_store,
            indexer=Indexer(sqlite_store, tmp_path / "index", HashEmbedder()),
            sources=sources or [Source("files", str(samples_dir / "000_*.txt"))],
            client_for=lambda source: HttpClient(retries=1),
            clock=clock,
            endpoints=endpoints or Endpoints(),
        )

    return make


def runs(store, job):
    return [run for run in store.jobs.recent(limit=100) if run.job == job]


def test_previous_fire_is_the_last_announcement_ingest():
    friday_noon = datetime(2025, 7, 25, 16, tzinfo=UTC)  # 12:00 in New York
    assert previous_fire(ARXIV_TRIGGER, friday_noon) == datetime(2025, 7, 25, 0, 30, tzinfo=UTC)
    monday_noon = datetime(2025, 7, 28, 16, tzinfo=UTC)  # Friday and Saturday have none
    assert previous_fire(ARXIV_TRIGGER, monday_noon) == datetime(2025, 7, 28, 0, 30, tzinfo=UTC)


def test_the_scheduler_has_its_triggers():
    clockwork = Clockwork(pipeline=None, deliverer=None, clock=clock, holder="x")
    jobs = {job.id: job for job in build(clockwork).get_jobs()}
    # the lease is renewed outside the scheduler, for as long as it runs (test_lease.py)
    assert set(jobs) == {"ingest-arxiv", "ingest-hf", "deliver"}
    assert all(job.coalesce and job.max_instances == 1 for job in jobs.values())
    assert jobs["deliver"].executor == "default"
    first = datetime(2025, 7, 25, 16, tzinfo=UTC)
    assert jobs["deliver"].trigger.interval == timedelta(minutes=5)
    assert jobs["ingest-arxiv"].trigger.get_next_fire_time(None, first).isoformat() == (
        "2025-07-27T20:30:00-04:00"
    )


class SlowJobs:
    """A clockwork whose jobs take a while and note when each ran (monotonic start, end)."""

    def __init__(self) -> None:
        self.spans: list[tuple[str, float, float]] = []

    def has_lease(self) -> bool:
        return True

    def ingest(self, kinds=()) -> None:
        self._work("ingest")

    def deliver(self) -> None:
        self._work("deliver")

    def _work(self, name: str) -> None:
        start = time.monotonic()
        time.sleep(0.3)
        self.spans.append((name, start, time.monotonic()))


def test_jobs_due_together_run_one_at_a_time():
    """A digest never runs while an ingest is still committing its papers (see `build`)."""
    jobs = SlowJobs()
    scheduler = build(jobs)
    thread = threading.Thread(target=scheduler.start, daemon=True)
    thread.start()
    try:
        now = datetime.now(UTC)
        for job_id in ("ingest-arxiv", "ingest-hf", "deliver"):
            scheduler.modify_job(job_id, next_run_time=now)
        deadline = time.monotonic() + 10
        while len(jobs.spans) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        scheduler.shutdown()
        thread.join(10)
    assert sorted(name for name, _, _ in jobs.spans) == ["deliver", "ingest", "ingest"]
    spans = sorted(jobs.spans, key=lambda span: span[1])
    assert all(later[1] >= earlier[2] for earlier, later in itertools.pairwise(spans))


@time_machine.travel(datetime(2025, 7, 25, 14, tzinfo=UTC), tick=False)
def test_catch_up_after_a_30_hour_outage_ingests_once_and_delivers_each_due_digest_once(
    pipeline, sqlite_store
):
    sqlite_store.subscriptions.save("user:T1:U1", Schedule(at="09:00", tz="UTC"), now=clock())
    sqlite_store.subscriptions.save(
        "user:T1:U2", Schedule(at="08:00", tz="Europe/Berlin"), now=clock()
    )
    # the last good ingest was 30 hours ago: three announcement triggers came and went since
    last = sqlite_store.jobs.start("ingest", now=clock() - timedelta(hours=30))
    sqlite_store.jobs.finish(last, now=clock() - timedelta(hours=30), status="ok")
    deliverer = LedgerDeliverer(sqlite_store)
    clockwork = Clockwork(pipeline(), deliverer, clock, holder="a")
    clockwork.catch_up()
    clockwork.catch_up()  # a restart right after: nothing runs twice
    assert [run.status for run in runs(sqlite_store, "ingest")] == ["ok", "ok"]
    assert len(runs(sqlite_store, "index")) == 1
    # yesterday's 09:00 is 29 hours past, beyond the 12-hour grace; today's is due once each
    assert sorted(deliverer.posted) == [
        ("user:T1:U1", date(2025, 7, 25)),
        ("user:T1:U2", date(2025, 7, 25)),
    ]


def test_two_schedulers_one_acts(pipeline, sqlite_store):
    deliverer = LedgerDeliverer(sqlite_store)
    first = Clockwork(pipeline(), deliverer, clock, holder="first")
    second = Clockwork(pipeline(), deliverer, clock, holder="second")
    first.ingest()
    second.ingest()
    second.deliver()
    assert len(runs(sqlite_store, "ingest")) == 1 and runs(sqlite_store, "deliver") == []
    assert sqlite_store.jobs.holder("scheduler", now=clock()) == "first"


def test_a_failing_source_does_not_stop_the_others(pipeline, sqlite_store, httpserver: HTTPServer):
    httpserver.expect_request("/api/daily_papers").respond_with_data("down", status=500)
    endpoints = Endpoints(hf=httpserver.url_for("/api/daily_papers"))
    broken = pipeline([Source("hf"), pipeline().sources[0]], endpoints)
    reports = broken.ingest()
    assert reports["hf"].rejected and "HTTP 500" in reports["hf"].rejected[0].reason
    assert len(reports[str(broken.sources[1])].added) == 10
    [run] = runs(sqlite_store, "ingest")
    assert run.status == "ok" and run.counts["hf"]["rejected"] == 1


def test_when_every_source_fails_the_run_is_failed(pipeline, sqlite_store, httpserver):
    httpserver.expect_request("/api/daily_papers").respond_with_data("down", status=503)
    broken = pipeline([Source("hf")], Endpoints(hf=httpserver.url_for("/api/daily_papers")))
    Clockwork(broken, LedgerDeliverer(sqlite_store), clock, holder="a").ingest()
    [run] = runs(sqlite_store, "ingest")
    assert run.status == "failed" and "every source failed" in run.error
    assert runs(sqlite_store, "index") == []


def test_a_failed_index_build_keeps_the_old_index_serving(pipeline, sqlite_store, samples_dir):
    working = pipeline()
    Clockwork(working, LedgerDeliverer(sqlite_store), clock, holder="a").ingest()
    engine = Engine(sqlite_store, working.indexer.index_dir, HashEmbedder())
    before = [hit.paper.id for hit in engine.search("cognitive biases", k=3)]

    class Broken(Indexer):
        def update(self, **kwargs):
            raise OSError("disk full")

    broken = pipeline([Source("files", str(samples_dir / "002_*.txt"))])
    broken.indexer = Broken(sqlite_store, working.indexer.index_dir, HashEmbedder())
    Clockwork(broken, LedgerDeliverer(sqlite_store), clock, holder="a").ingest()
    assert runs(sqlite_store, "index")[0].status == "failed"
    assert "disk full" in runs(sqlite_store, "index")[0].error
    assert [hit.paper.id for hit in engine.search("cognitive biases", k=3)] == before


@time_machine.travel(datetime(2025, 7, 25, 1, tzinfo=UTC), tick=False)
def test_a_failed_delivery_is_recorded_and_retried_next_tick(pipeline, sqlite_store):
    class Flaky(LedgerDeliverer):
        calls = 0

        def deliver_due(self, now, *, fence=None, progress=None):
            self.calls += 1
            if self.calls == 1:
                raise ConnectionError("slack unreachable")
            return super().deliver_due(now, fence=fence)

    sqlite_store.subscriptions.save("user:T1:U1", Schedule(at="00:00"), now=clock())
    deliverer = Flaky(sqlite_store)
    clockwork = Clockwork(pipeline(), deliverer, clock, holder="a")
    clockwork.deliver()
    clockwork.deliver()
    assert [run.status for run in runs(sqlite_store, "deliver")] == ["ok", "failed"]
    assert len(deliverer.posted) == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("arxiv-rss:cs.CL+cs.LG,hf", [Source("arxiv-rss", "cs.CL+cs.LG"), Source("hf")]),
        (" files:/data/*.txt , oai:cs ", [Source("files", "/data/*.txt"), Source("oai", "cs")]),
        ("", []),
    ],
)
def test_parse_sources(text, expected):
    assert parse_sources(text) == expected


@pytest.mark.parametrize(
    ("text", "message"), [("rss:cs.CL", "kind must be one of"), ("arxiv-rss", "say which")]
)
def test_bad_sources_are_named(text, message):
    with pytest.raises(SourceError, match=message):
        parse_sources(text)


def test_arxivs_error_feed_is_a_failed_source_in_the_run_and_in_status(
    pipeline, sqlite_store, httpserver: HTTPServer, fixtures_dir
):
    error_feed = (fixtures_dir / "rss" / "error.rss.xml").read_bytes()
    httpserver.expect_request("/rss/astroph").respond_with_data(error_feed)
    endpoints = Endpoints(arxiv_rss=httpserver.url_for("/rss"))
    mixed = pipeline([Source("arxiv-rss", "astroph"), pipeline().sources[0]], endpoints)
    reports = mixed.ingest()
    assert "Bad archive 'astroph'" in reports["arxiv-rss:astroph"].failure
    [run] = runs(sqlite_store, "ingest")
    assert "Bad archive 'astroph'" in run.counts["arxiv-rss:astroph"]["failed"]
    health = {h.source: h for h in source_health(sqlite_store, mixed.sources, now=clock())}
    assert health["arxiv-rss:astroph"].state == "failed"
    assert "Bad archive 'astroph'" in health["arxiv-rss:astroph"].error
    assert health[str(mixed.sources[1])].state == "ok"


def test_a_source_that_brings_nothing_beyond_its_cadence_is_stale(sqlite_store):
    quiet, files = Source("hf"), Source("files", "/nowhere/*.txt")
    start = clock() - timedelta(days=6)
    run_id = sqlite_store.jobs.start("ingest", now=start)
    counts = {"hf": {"added": 2, "updated": 0}, str(files): {"added": 0, "updated": 0}}
    sqlite_store.jobs.finish(run_id, now=start, status="ok", counts=counts)
    for days_ago in (3, 1):
        run_id = sqlite_store.jobs.start("ingest", now=clock() - timedelta(days=days_ago))
        counts = {"hf": {"added": 0, "updated": 0}, str(files): {"added": 0, "updated": 0}}
        sqlite_store.jobs.finish(run_id, now=clock(), status="ok", counts=counts)
    health = source_health(sqlite_store, [quiet, files, Source("oai", "cs")], now=clock())
    assert [h.state for h in health] == ["stale", "ok", "never run"]
    assert health[0].last_papers == start and "no new papers since" in health[0].error
