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


def test_fans_are_the_people_of_one_workspace_who_saved_or_liked_a_paper(store: Store) -> None:
    now = datetime(2025, 7, 1, tzinfo=UTC)
    profiles = store.profiles
    profiles.save_paper("user:T1:ANN", "2507.07186", now=now)
    profiles.log_feedback("user:T1:ANN", "2507.07186", "save", now=now)  # Ann once
    profiles.log_feedback("user:T1:BOB", "2507.07186", "more", now=now)
    profiles.log_feedback("user:T1:BOB", "2507.07186", "like", now=now)  # Bob once
    profiles.save_paper("user:T1:CY", "2507.07186", now=now)
    profiles.log_feedback("user:T1:DAN", "2507.07186", "not_interested", now=now)  # no fan
    profiles.save_paper("channel:T1:C1", "2507.07186", now=now)  # a channel is no person
    profiles.save_paper("user:T2:EVE", "2507.07186", now=now)  # another workspace
    profiles.save_paper("user:T1:FAY", "1501.05201", now=now)  # another paper
    assert profiles.fans("2507.07186", prefix="user:T1:") == 3
    assert profiles.fans("2507.07186", prefix="user:T2:") == 1
    assert profiles.fans("0704.0007", prefix="user:T1:") == 0
