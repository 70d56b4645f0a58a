"""The delivery lease shared by the scheduler and `papers run-once`."""

from datetime import UTC, datetime, timedelta

import pytest

from recommender.lease import LEASE_TTL, Lease, LeaseHeld

NOW = datetime(2025, 7, 25, 14, tzinfo=UTC)


def test_one_holder_at_a_time_until_it_expires(sqlite_store):
    first = Lease(sqlite_store.jobs, "scheduler:a")
    second = Lease(sqlite_store.jobs, "run-once:b")
    assert first.take(NOW) and first.take(NOW + timedelta(minutes=1))  # renewed
    assert not second.take(NOW)
    assert second.held_by(NOW) == "scheduler:a"
    assert second.take(NOW + timedelta(minutes=1) + LEASE_TTL + timedelta(seconds=1))


def test_held_gives_it_up_after_the_block_and_names_whoever_has_it(sqlite_store):
    running = Lease(sqlite_store.jobs, "scheduler:a")
    with running.held(NOW):
        waiting = Lease(sqlite_store.jobs, "run-once:b")
        with pytest.raises(LeaseHeld, match="scheduler:a holds") as refused, waiting.held(NOW):
            pass
        assert refused.value.holder == "scheduler:a"
    assert running.held_by(NOW) is None
