"""Subscriptions in the store, on SQLite and on a real PostgreSQL server."""

from datetime import UTC, datetime

from recommender.schedule import Schedule
from recommender.store import Store
from recommender.store.subscriptions import Subscribed

NOW = datetime(2025, 7, 25, 12, tzinfo=UTC)


def test_subscribe_reschedule_unsubscribe(store: Store):
    subscriptions = store.subscriptions
    subscriptions.save("user:T1:U1", Schedule(tz="Europe/Paris"), now=NOW)
    subscriptions.save("user:T1:U1", Schedule(at="07:30", tz="Europe/Paris"), now=NOW)
    assert subscriptions.get("user:T1:U1") == Schedule(at="07:30", tz="Europe/Paris")
    assert list(subscriptions.all()) == ["user:T1:U1"]
    assert subscriptions.remove("user:T1:U1") and not subscriptions.remove("user:T1:U1")
    assert subscriptions.get("user:T1:U1") is None


def test_a_renewal_keeps_the_owner_who_set_it_up(store: Store):
    subscriptions = store.subscriptions
    subscriptions.save("channel:T1:C1", Schedule(tz="UTC"), now=NOW, owner="user:T1:U1")
    subscriptions.save("channel:T1:C1", Schedule(at="07:30", tz="UTC"), now=NOW, owner="user:T1:U2")
    state = subscriptions.state("channel:T1:C1")
    assert (state.owner, state.schedule.at, state.paused, state.failures) == (
        "user:T1:U1",
        "07:30",
        None,
        0,
    )
    assert [s.target for s in subscriptions.owned_by("user:T1:U1")] == ["channel:T1:C1"]
    assert subscriptions.owned_by("user:T1:U2") == []


def test_a_paused_subscription_is_not_active_until_resumed(store: Store):
    subscriptions = store.subscriptions
    subscriptions.save("user:T1:U1", Schedule(tz="UTC"), now=NOW)
    subscriptions.save("user:T1:U2", Schedule(tz="UTC"), now=NOW)
    assert subscriptions.pause("user:T1:U1", "paused from the Home tab", now=NOW)
    assert list(subscriptions.active()) == ["user:T1:U2"]
    assert list(subscriptions.all()) == ["user:T1:U1", "user:T1:U2"]
    assert subscriptions.state("user:T1:U1").paused == "paused from the Home tab"
    assert subscriptions.resume("user:T1:U1", now=NOW)
    assert list(subscriptions.active()) == ["user:T1:U1", "user:T1:U2"]
    assert not subscriptions.pause("user:T1:U9", "no such", now=NOW)


def test_failures_in_a_row_pause_and_a_success_forgets_them(store: Store):
    subscriptions = store.subscriptions
    subscriptions.save("channel:T1:C1", Schedule(tz="UTC"), now=NOW)
    counts = [
        subscriptions.failed("channel:T1:C1", "slack: not_in_channel", pause_after=3, now=NOW)
        for _ in range(2)
    ]
    assert [(s.failures, s.paused) for s in counts] == [(1, None), (2, None)]
    subscriptions.reached("channel:T1:C1")
    assert subscriptions.state("channel:T1:C1").failures == 0
    for _ in range(3):
        state = subscriptions.failed("channel:T1:C1", "slack: is_archived", pause_after=3, now=NOW)
    assert (state.failures, state.paused) == (3, "slack: is_archived")
    assert subscriptions.active() == {}
    subscriptions.resume("channel:T1:C1", now=NOW)
    assert subscriptions.state("channel:T1:C1").failures == 0
    assert subscriptions.failed("user:T1:U9", "gone", pause_after=3, now=NOW) is None


def test_changes_are_kept_with_what_was_before_and_restored(store: Store):
    subscriptions = store.subscriptions
    subscriptions.save("channel:T1:C1", Schedule(tz="UTC"), now=NOW, owner="user:T1:U1")
    before = subscriptions.state("channel:T1:C1").to_dict()
    first = subscriptions.log_change("channel:T1:C1", "user:T1:U2", "stopped it", before, now=NOW)
    subscriptions.remove("channel:T1:C1")
    assert subscriptions.last_change("channel:T1:C1") == first
    assert subscriptions.change(first.id).before == before
    subscriptions.restore("channel:T1:C1", first.before, now=NOW)
    assert subscriptions.state("channel:T1:C1") == Subscribed(
        "channel:T1:C1", Schedule(tz="UTC"), owner="user:T1:U1"
    )
    undo = subscriptions.log_change(
        "channel:T1:C1", "user:T1:U1", "undid it", {}, now=NOW, undoes=first.id
    )
    assert subscriptions.last_change("channel:T1:C1").undoes == first.id == undo.undoes
    assert subscriptions.last_change("channel:T1:C9") is None and subscriptions.change(99) is None
    subscriptions.restore("channel:T1:C1", None, now=NOW)
    assert subscriptions.state("channel:T1:C1") is None
