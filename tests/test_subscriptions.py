"""Subscriptions in the store, on SQLite and on a real PostgreSQL server."""

from datetime import UTC, datetime

from recommender.schedule import Schedule
from recommender.store import Store

NOW = datetime(2025, 7, 25, 12, tzinfo=UTC)


def test_subscribe_reschedule_unsubscribe(store: Store):
    subscriptions = store.subscriptions
    subscriptions.save("user:T1:U1", Schedule(tz="Europe/Paris"), now=NOW)
    subscriptions.save("user:T1:U1", Schedule(at="07:30", tz="Europe/Paris"), now=NOW)
    assert subscriptions.get("user:T1:U1") == Schedule(at="07:30", tz="Europe/Paris")
    assert list(subscriptions.all()) == ["user:T1:U1"]
    assert subscriptions.remove("user:T1:U1") and not subscriptions.remove("user:T1:U1")
    assert subscriptions.get("user:T1:U1") is None
