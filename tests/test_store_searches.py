"""Stored searches (`store.searches`), and the turns their writes take on SQLite."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from recommender.store import Store
from recommender.store.db import taking_turns

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def test_searches_added_at_once_are_each_kept(store: Store) -> None:
    ids: dict[str, str] = {}

    def add(n: int) -> None:
        ids[f"query {n}"] = store.searches.add(f"query {n}", now=NOW)

    threads = [threading.Thread(target=add, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(ids.values())) == 20
    assert {store.searches.get(search_id) for search_id in ids.values()} == set(ids)


def test_sqlite_writers_of_one_process_take_turns(sqlite_store: Store) -> None:
    events: list[str] = []
    first_in, release = threading.Event(), threading.Event()

    def first() -> None:
        with taking_turns(sqlite_store.engine):
            events.append("first in")
            first_in.set()
            release.wait()
            events.append("first out")

    def second() -> None:
        with taking_turns(sqlite_store.engine):
            events.append("second in")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    threads[0].start()
    first_in.wait()
    threads[1].start()
    # Give the second writer the time to get in, which it must not use.
    threads[1].join(0.2)
    release.set()
    for thread in threads:
        thread.join()
    assert events == ["first in", "first out", "second in"]
