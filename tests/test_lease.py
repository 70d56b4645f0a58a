"""The delivery lease shared by the scheduler and `papers run-once`."""

import os
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest

from recommender.lease import LEASE_TTL, Lease, LeaseHeld, LeaseLost, holder_name
from recommender.schedule import Schedule

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


def test_renewing_keeps_it_past_its_ttl_on_the_real_clock(sqlite_store):
    def clock():
        return datetime.now(UTC)

    running = Lease(sqlite_store.jobs, "scheduler:a", ttl=timedelta(seconds=0.3))
    waiting = Lease(sqlite_store.jobs, "scheduler:b", ttl=timedelta(seconds=0.3))
    with running.held(clock()), running.renewing(clock):
        for _ in range(10):
            time.sleep(0.1)
            assert waiting.take(clock()) is None
    assert waiting.take(clock()) is not None


def test_a_fence_from_before_the_lease_changed_hands_stays_stale(store):
    a, b = Lease(store.jobs, "scheduler:a"), Lease(store.jobs, "run-once:b")
    first = a.take(NOW)
    assert a.take(NOW + timedelta(minutes=1)) == first  # a renewal keeps the token
    a.release()
    assert b.take(NOW) is not None
    b.release()
    again = a.take(NOW)
    assert again.token > first.token
    store.subscriptions.save("user:T1:U1", Schedule(at="09:00"), now=NOW)
    store.deliveries.begin("user:T1:U1", NOW.date(), {"picks": []}, now=NOW)
    with pytest.raises(LeaseLost):
        store.deliveries.claim("user:T1:U1", NOW.date(), first, now=NOW)
    assert store.deliveries.get("user:T1:U1", NOW.date()).claimed == 0
    store.deliveries.claim("user:T1:U1", NOW.date(), again, now=NOW)
    assert store.deliveries.get("user:T1:U1", NOW.date()).unknown


def test_an_expired_lease_fences_off_its_holder(store):
    lease = Lease(store.jobs, "scheduler:a")
    fence = lease.take(NOW)
    store.subscriptions.save("user:T1:U1", Schedule(at="09:00"), now=NOW)
    store.deliveries.begin("user:T1:U1", NOW.date(), {"picks": []}, now=NOW)
    with pytest.raises(LeaseLost):
        store.deliveries.claim("user:T1:U1", NOW.date(), fence, now=NOW + LEASE_TTL * 2)


def dead_pid() -> int:
    """The PID of a process that has exited (and been reaped)."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


@pytest.mark.parametrize(
    ("holder", "taken_over"),
    [
        (lambda: f"run-once:{socket.gethostname()}:{dead_pid()}:123:abcd", True),  # gone
        # the PID now belongs to a process started at another time than the holder
        (lambda: f"run-once:{socket.gethostname()}:{os.getpid()}:1:abcd", True),
        (lambda: holder_name("run-once"), False),  # alive: this very process
        (lambda: f"run-once:elsewhere:{dead_pid()}:123:abcd", False),  # cannot be checked
        (lambda: "scheduler:elsewhere:1", False),
    ],
)
def test_a_holder_provably_dead_on_this_host_loses_it_at_once(store, holder, taken_over):
    held = Lease(store.jobs, holder())
    assert held.take(NOW) is not None
    fresh = Lease(store.jobs, holder_name("scheduler"))
    assert (fresh.take(NOW + timedelta(seconds=1)) is not None) == taken_over
    assert (held.held_by(NOW) == fresh.holder) == taken_over


def test_force_takes_it_from_a_living_holder(sqlite_store):
    held = Lease(sqlite_store.jobs, "scheduler:elsewhere:1")
    first = held.take(NOW)
    forced = Lease(sqlite_store.jobs, "run-once:here:2").take(NOW, force=True)
    assert forced.token > first.token
    assert held.held_by(NOW) == "run-once:here:2"
    refused = Lease(sqlite_store.jobs, "run-once:here:3")
    with pytest.raises(LeaseHeld) as error, refused.held(NOW):
        pass
    assert error.value.held.since == NOW and error.value.held.holder == "run-once:here:2"
