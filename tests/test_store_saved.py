"""Saved papers in the store, on every database the product supports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from recommender.store import Store

NOW = datetime(2025, 7, 25, 9, 0, tzinfo=UTC)


def test_saving_twice_keeps_one_row(store: Store) -> None:
    assert store.profiles.save_paper("user:T1:U1", "2507.07186", now=NOW) is True
    assert (
        store.profiles.save_paper("user:T1:U1", "2507.07186", now=NOW + timedelta(hours=1)) is False
    )
    assert store.profiles.saved("user:T1:U1") == ["2507.07186"]


def test_saved_papers_are_per_target_newest_first(store: Store) -> None:
    store.profiles.save_paper("user:T1:U1", "2507.00001", now=NOW)
    store.profiles.save_paper("user:T1:U1", "2507.00002", now=NOW + timedelta(minutes=5))
    store.profiles.save_paper("user:T1:U2", "2507.00003", now=NOW)
    assert store.profiles.saved("user:T1:U1") == ["2507.00002", "2507.00001"]
    assert store.profiles.saved("user:T1:U2") == ["2507.00003"]
    assert store.profiles.saved("user:T1:U3") == []
