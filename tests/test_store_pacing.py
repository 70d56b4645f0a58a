"""The rate buckets that every posting process shares, on SQLite and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from recommender.store import Store


def test_a_new_bucket_is_due_at_once_and_keeps_what_was_left_in_it(store: Store) -> None:
    with store.pacing.held(["team:T1", "channel:C1"]) as due:
        assert due == {"team:T1": 0.0, "channel:C1": 0.0}
        due["channel:C1"] = 12.5
    with store.pacing.held(["channel:C1", "channel:C2"]) as due:
        assert due == {"channel:C1": 12.5, "channel:C2": 0.0}


def test_an_error_in_the_block_leaves_the_buckets_as_they_were(store: Store) -> None:
    try:
        with store.pacing.held(["team:T1"]) as due:
            due["team:T1"] = 99.0
            raise RuntimeError("the post's slot was never used")
    except RuntimeError:
        pass
    with store.pacing.held(["team:T1"]) as due:
        assert due == {"team:T1": 0.0}


def test_holders_in_many_threads_never_lose_each_others_changes(store: Store) -> None:
    def bump(_: int) -> None:
        with store.pacing.held(["team:T1", "channel:C1"]) as due:
            due["team:T1"] += 1.0
            due["channel:C1"] += 2.0

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(bump, range(40)))
    with store.pacing.held(["team:T1", "channel:C1"]) as due:
        assert due == {"team:T1": 40.0, "channel:C1": 80.0}
