"""The rate buckets that every posting process shares, on SQLite and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from recommender.store import Store


def test_a_bucket_moves_on_from_the_later_of_its_due_time_and_the_earliest(store: Store) -> None:
    assert store.pacing.advance("team:T1", 10.0, 0.25) == 10.25  # new: due at the earliest
    assert store.pacing.advance("team:T1", 5.0, 0.25) == 10.5  # behind: after its own slot
    assert store.pacing.advance("team:T1", 20.0, 0.25) == 20.25  # idle since: from the earliest
    assert store.pacing.advance("team:T2", 0.0, 1.0) == 1.0  # buckets are apart


def test_threads_sharing_a_bucket_never_get_the_same_slot(store: Store) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        dues = list(pool.map(lambda _: store.pacing.advance("team:T1", 0.0, 1.0), range(40)))
    assert sorted(dues) == [float(n) for n in range(1, 41)]
