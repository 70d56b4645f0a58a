"""Job runs and the scheduler's lease, on SQLite and on a real PostgreSQL server."""

import multiprocessing
from datetime import UTC, datetime, timedelta

from recommender.store import Store

NOW = datetime(2025, 7, 25, 12, tzinfo=UTC)
TTL = timedelta(minutes=5)


def test_one_holder_at_a_time_until_expiry(store: Store):
    jobs = store.jobs
    assert jobs.acquire("scheduler", "a", ttl=TTL, now=NOW)
    assert not jobs.acquire("scheduler", "b", ttl=TTL, now=NOW + timedelta(minutes=1))
    assert jobs.acquire("scheduler", "a", ttl=TTL, now=NOW + timedelta(minutes=4))  # renewal
    assert not jobs.acquire("scheduler", "b", ttl=TTL, now=NOW + timedelta(minutes=8))
    # a crashed holder stops renewing: once its lease expires, another may take over
    assert jobs.acquire("scheduler", "b", ttl=TTL, now=NOW + timedelta(minutes=10))
    assert jobs.holder("scheduler", now=NOW + timedelta(minutes=10)) == "b"


def test_release_lets_another_take_over_at_once(store: Store):
    store.jobs.acquire("scheduler", "a", ttl=TTL, now=NOW)
    store.jobs.release("scheduler", "b")  # not b's to release
    assert store.jobs.holder("scheduler", now=NOW) == "a"
    store.jobs.release("scheduler", "a")
    assert store.jobs.acquire("scheduler", "b", ttl=TTL, now=NOW)


def _race(url: str, holder: str, start, results) -> None:
    opened = Store.open(url)
    start.wait()
    results.put((holder, opened.jobs.acquire("scheduler", holder, ttl=TTL, now=NOW) is not None))


def test_two_processes_racing_for_the_lease_one_wins(database_url: str):
    Store.open(database_url).close()
    context = multiprocessing.get_context("spawn")
    start, results = context.Event(), context.Queue()
    racers = [
        context.Process(target=_race, args=(database_url, name, start, results))
        for name in ("first", "second")
    ]
    for racer in racers:
        racer.start()
    start.set()
    outcomes = dict(results.get(timeout=60) for _ in racers)
    for racer in racers:
        racer.join(timeout=60)
    assert sorted(outcomes.values()) == [False, True]
    winner = next(name for name, won in outcomes.items() if won)
    assert Store.open(database_url).jobs.holder("scheduler", now=NOW) == winner


def test_job_runs_are_recorded(store: Store):
    jobs = store.jobs
    first = jobs.start("ingest", now=NOW)
    jobs.finish(first, now=NOW + timedelta(seconds=5), status="ok", counts={"added": 3})
    second = jobs.start("ingest", now=NOW + timedelta(hours=1))
    jobs.finish(second, now=NOW + timedelta(hours=1), status="failed", error="HTTP 503")
    jobs.start("index", now=NOW + timedelta(hours=2))
    recent = jobs.recent()
    assert [(r.job, r.status) for r in recent] == [
        ("index", "running"),
        ("ingest", "failed"),
        ("ingest", "ok"),
    ]
    assert recent[1].error == "HTTP 503" and recent[2].counts == {"added": 3}
    assert jobs.last_ok("ingest").id == first
    assert jobs.last_ok("index") is None
