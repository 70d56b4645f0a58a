"""The delivery ledger, on SQLite and on a real PostgreSQL server."""

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event

from recommender.schedule import Schedule
from recommender.store import Store
from recommender.store.db import durable
from recommender.store.jobs import LeaseLost

NOW = datetime(2025, 7, 25, 12, tzinfo=UTC)
DAY = date(2025, 7, 25)
GRACE = timedelta(hours=12)


def test_due_lists_each_undelivered_day_once(store: Store):
    ledger = store.deliveries
    store.subscriptions.save("user:T1:U1", Schedule(at="09:00", tz="UTC"), now=NOW)
    store.subscriptions.save("channel:T1:C1", Schedule(at="11:00", tz="UTC"), now=NOW)
    store.subscriptions.save("user:T1:U2", Schedule(at="15:00", tz="UTC"), now=NOW)  # not yet
    assert ledger.due(NOW, grace=GRACE) == [("user:T1:U1", DAY), ("channel:T1:C1", DAY)]
    ledger.begin("user:T1:U1", DAY, {"picks": ["2507.07186"]}, now=NOW)
    ledger.finish("user:T1:U1", DAY, now=NOW)
    assert ledger.due(NOW, grace=GRACE) == [("channel:T1:C1", DAY)]


def test_a_retry_keeps_the_first_plan_and_what_was_posted(store: Store):
    ledger = store.deliveries
    first = ledger.begin("user:T1:U1", DAY, {"picks": ["a", "b"]}, now=NOW)
    assert (first.status, first.attempts, first.posted) == ("pending", 1, ())
    ledger.posted("user:T1:U1", DAY, {"ts": "1.0"}, now=NOW)
    # the process dies here; the next tick claims the same delivery again
    again = ledger.begin("user:T1:U1", DAY, {"picks": ["c"]}, now=NOW + timedelta(minutes=5))
    assert again.plan == {"picks": ["a", "b"]} and again.posted == ({"ts": "1.0"},)
    assert again.attempts == 2 and not again.done


def test_failures_are_visible_until_a_try_succeeds(store: Store):
    ledger = store.deliveries
    ledger.begin("user:T1:U1", DAY, {}, now=NOW)
    ledger.fail("user:T1:U1", DAY, "channel_not_found", now=NOW)
    [failed] = ledger.failing()
    assert (failed.target, failed.error, failed.status) == (
        "user:T1:U1",
        "channel_not_found",
        "failed",
    )
    ledger.begin("user:T1:U1", DAY, {}, now=NOW)
    ledger.finish("user:T1:U1", DAY, now=NOW)
    assert ledger.failing() == [] and ledger.get("user:T1:U1", DAY).done


def test_a_try_that_failed_before_its_plan_is_visible_and_the_next_plan_is_kept(store: Store):
    ledger = store.deliveries
    ledger.fail("user:T1:U1", DAY, "ProfileError: no profile", now=NOW)
    [failed] = ledger.failing()
    assert (failed.target, failed.plan, failed.attempts) == ("user:T1:U1", None, 1)
    retry = ledger.begin("user:T1:U1", DAY, {"picks": ["a"]}, now=NOW)
    assert (retry.plan, retry.attempts, retry.posted) == ({"picks": ["a"]}, 2, ())
    again = ledger.begin("user:T1:U1", DAY, {"picks": ["b"]}, now=NOW)
    assert again.plan == {"picks": ["a"]}  # from now on the first plan wins


def test_a_late_failure_does_not_reopen_a_sent_delivery(store: Store):
    ledger = store.deliveries
    ledger.begin("user:T1:U1", DAY, {"picks": ["a"]}, now=NOW)
    ledger.finish("user:T1:U1", DAY, now=NOW)
    ledger.fail("user:T1:U1", DAY, "timeout", now=NOW)
    assert ledger.get("user:T1:U1", DAY).done and ledger.failing() == []


def test_a_finished_delivery_is_not_claimed_again(store: Store):
    ledger = store.deliveries
    ledger.begin("user:T1:U1", DAY, {"picks": ["a"]}, now=NOW)
    ledger.finish("user:T1:U1", DAY, now=NOW)
    again = ledger.begin("user:T1:U1", DAY, {"picks": ["b"]}, now=NOW)
    assert again.done and again.attempts == 1 and again.plan == {"picks": ["a"]}


def test_nine_am_in_two_zones_across_the_spring_forward(store: Store):
    """New York springs forward on 2025-03-09; Berlin not until 2025-03-30."""
    ledger = store.deliveries
    store.subscriptions.save("user:T1:NY", Schedule(at="09:00", tz="America/New_York"), now=NOW)
    store.subscriptions.save("user:T1:BER", Schedule(at="09:00", tz="Europe/Berlin"), now=NOW)

    def due_at(*when):
        return ledger.due(datetime(*when, tzinfo=UTC), grace=GRACE)

    friday, monday = date(2025, 3, 7), date(2025, 3, 10)
    assert due_at(2025, 3, 7, 7, 59) == []
    assert due_at(2025, 3, 7, 8, 0) == [("user:T1:BER", friday)]  # 09:00 CET
    assert due_at(2025, 3, 7, 14, 0) == [("user:T1:BER", friday), ("user:T1:NY", friday)]  # EST
    assert due_at(2025, 3, 10, 12, 59) == [("user:T1:BER", monday)]
    assert due_at(2025, 3, 10, 13, 0) == [("user:T1:BER", monday), ("user:T1:NY", monday)]  # EDT


def test_the_ledger_writes_of_a_post_are_synced_at_commit_on_sqlite(sqlite_store: Store):
    """A power cut cannot undo a claim, a post or a completion (synchronous=FULL for them);
    the rest of the store keeps NORMAL, which may lose the last commits."""
    with durable(sqlite_store.engine) as conn:
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    with sqlite_store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    synced = []

    def note(conn, cursor, statement, *args):
        synced.append(statement == "PRAGMA synchronous=FULL")

    event.listen(sqlite_store.engine, "before_cursor_execute", note)
    ledger = sqlite_store.deliveries
    ledger.begin("user:T1:U1", DAY, {"picks": []}, now=NOW)
    for write in (
        lambda: ledger.claim("user:T1:U1", DAY, None, now=NOW),
        lambda: ledger.posted("user:T1:U1", DAY, {"ts": "1.0"}, now=NOW),
        lambda: ledger.finish("user:T1:U1", DAY, now=NOW),
    ):
        synced.clear()
        write()
        assert any(synced)


TTL = timedelta(minutes=2)
TARGETS = [f"user:T1:U{n}" for n in range(6)]


def _queued(store: Store, targets: list[str] = TARGETS) -> None:
    for target in targets:
        store.deliveries.begin(target, DAY, {"picks": []}, now=NOW)
        store.deliveries.queue(target, DAY, now=NOW)


def test_each_queued_delivery_is_claimed_by_one_worker_oldest_first(store: Store):
    ledger = store.deliveries
    ledger.begin("user:T1:Unot-queued", DAY, {"picks": []}, now=NOW)
    _queued(store)
    first = ledger.claim_queued("w1", now=NOW, ttl=TTL, limit=4)
    second = ledger.claim_queued("w2", now=NOW, ttl=TTL, limit=4)
    assert [c.target for c in first] == TARGETS[:4]
    assert [c.target for c in second] == TARGETS[4:]
    assert ledger.claim_queued("w3", now=NOW, ttl=TTL, limit=4) == []
    assert ledger.get(TARGETS[0], DAY).queued == NOW and ledger.queued() == 6


def test_a_claim_is_taken_over_once_it_expires_and_the_first_worker_is_fenced_off(
    store: Store,
):
    ledger = store.deliveries
    _queued(store, TARGETS[:1])
    [stalled] = ledger.claim_queued("w1", now=NOW, ttl=TTL, limit=1)
    ledger.claim(TARGETS[0], DAY, stalled, now=NOW + timedelta(minutes=1))  # renews it
    assert ledger.claim_queued("w2", now=NOW + timedelta(minutes=2), ttl=TTL, limit=1) == []
    [taken] = ledger.claim_queued("w2", now=NOW + timedelta(minutes=4), ttl=TTL, limit=1)
    assert (taken.worker, taken.token) == ("w2", stalled.token + 1)
    with pytest.raises(LeaseLost):
        ledger.claim(TARGETS[0], DAY, stalled, now=NOW + timedelta(minutes=4))
    ledger.claim(TARGETS[0], DAY, taken, now=NOW + timedelta(minutes=4))
    assert ledger.get(TARGETS[0], DAY).claimed == 1


def test_a_failed_try_is_given_back_for_the_next_tick_and_a_sent_one_never_claimed(
    store: Store,
):
    ledger = store.deliveries
    _queued(store, TARGETS[:2])
    failed, sent = ledger.claim_queued("w1", now=NOW, ttl=TTL, limit=2)
    ledger.finish(sent.target, DAY, now=NOW)
    ledger.unqueue(failed)
    later = NOW + timedelta(minutes=5)
    assert ledger.claim_queued("w1", now=later, ttl=TTL, limit=2) == []
    assert ledger.get(failed.target, DAY).queued is None and ledger.queued() == 0
    _queued(store, TARGETS[:2])  # the next tick
    assert [c.target for c in ledger.claim_queued("w2", now=later, ttl=TTL, limit=2)] == [
        failed.target
    ]


def test_workers_claiming_at_once_never_share_a_delivery(store: Store):
    many = [f"user:T1:U{n:03d}" for n in range(60)]
    _queued(store, many)
    claimed: dict[str, list[str]] = {}

    def work(name: str) -> None:
        while claims := store.deliveries.claim_queued(name, now=NOW, ttl=TTL, limit=3):
            claimed.setdefault(name, []).extend(c.target for c in claims)

    threads = [threading.Thread(target=work, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [target for targets in claimed.values() for target in targets]
    assert sorted(every) == many
