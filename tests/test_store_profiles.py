"""The store's profiles, feedback, sent ledger and new-paper window, on SQLite and PostgreSQL."""

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from recommender.errors import InvalidFeedback, InvalidTarget
from recommender.ids import title_id
from recommender.matching import record_feedback
from recommender.models import Paper
from recommender.profiles import Keyword, Profile
from recommender.store import Store
from tests.support import logged_feedback

MON = datetime(2025, 7, 21, 6, tzinfo=UTC)
TUE = MON + timedelta(days=1)
WED = MON + timedelta(days=2)


def paper(pid: str, published: datetime | None = None, title: str | None = None) -> Paper:
    return Paper(id=pid, title=title or f"Paper {pid}", abstract="Text.", published=published)


def test_a_profile_round_trips_and_is_replaced(store: Store):
    profile = Profile(description="Speech.", keywords=(Keyword("ASR", 2.0),), seeds=("2507.18181",))
    store.profiles.save("user:T1:U1", profile, now=MON)
    assert store.profiles.get("user:T1:U1") == profile
    changed = Profile(description="Remote sensing.")
    store.profiles.save("user:T1:U1", changed, now=TUE)
    assert store.profiles.get("user:T1:U1") == changed
    assert store.profiles.get("user:T1:U2") is None


def test_a_profile_update_changes_what_is_stored_and_may_create(store: Store):
    add_seed = lambda profile: replace(profile, seeds=(*profile.seeds, "2507.18181"))  # noqa: E731
    assert store.profiles.update("user:T1:U1", add_seed, now=MON) is None
    assert store.profiles.get("user:T1:U1") is None
    created = store.profiles.update("user:T1:U1", add_seed, now=MON, create=True)
    assert created == Profile(seeds=("2507.18181",)) == store.profiles.get("user:T1:U1")


def test_simultaneous_feedback_on_one_channel_profile_is_all_kept(store: Store):
    # Eight people press "like" on eight papers of one channel digest at the same moment.
    channel = "channel:T1:C1"
    store.profiles.save(channel, Profile(description="Speech recognition."), now=MON)
    ids = [f"2507.{10100 + i}" for i in range(8)]
    store.upsert([paper(pid) for pid in ids], now=MON)
    start = threading.Barrier(len(ids))

    def press(paper_id: str) -> None:
        start.wait()
        record_feedback(store, channel, paper_id, "like", now=MON)

    with ThreadPoolExecutor(len(ids)) as pool:
        list(pool.map(press, ids))
    assert sorted(store.profiles.get(channel).liked) == ids
    assert len(logged_feedback(store, channel)) == len(ids)


def test_a_profile_needs_a_real_target(store: Store):
    with pytest.raises(InvalidTarget, match="'U1' is not a target"):
        store.profiles.save("U1", Profile(description="x1"), now=MON)


def test_feedback_is_logged_oldest_first(store: Store):
    store.profiles.log_feedback("user:T1:U1", "p2", "dislike", now=TUE)
    store.profiles.log_feedback("user:T1:U1", "p1", "like", now=MON)
    store.profiles.log_feedback("user:T1:U2", "p3", "save", now=MON)
    assert logged_feedback(store, "user:T1:U1") == [("p1", "like", MON), ("p2", "dislike", TUE)]
    with pytest.raises(InvalidFeedback):
        store.profiles.log_feedback("user:T1:U1", "p1", "love", now=MON)


def test_the_sent_ledger(store: Store):
    assert store.sent.last(["user:T1:U1"]) == {}
    store.sent.record("user:T1:U1", ["a", "b"], digest_date=MON.date(), now=MON)
    store.sent.record("user:T1:U1", ["b", "c", "c"], digest_date=TUE.date(), now=TUE)
    sent = store.sent.papers(["user:T1:U1", "user:T1:U2"], ["a", "c", "d"])
    assert sent == {"user:T1:U1": {"a", "c"}}
    assert store.sent.last(["user:T1:U1"]) == {"user:T1:U1": TUE}


def test_new_papers_are_those_first_seen_in_the_window(store: Store):
    store.upsert([paper("2507.00001", MON - timedelta(days=1))], now=MON)
    store.upsert([paper("2507.00002", TUE - timedelta(days=1)), paper("2507.00003")], now=TUE)
    store.upsert([paper("2507.00004", WED)], now=WED)
    keys = store.keys_of(["2507.00002", "2507.00003"])
    window = store.new_papers(MON, TUE, published_after=MON - timedelta(days=14))
    assert window == sorted(keys.values())
    assert store.latest_first_seen(until=TUE + timedelta(hours=1)) == TUE


def test_an_old_paper_seen_anew_is_not_new(store: Store):
    # First seen today, but published a year ago: a new version of an old paper.
    store.upsert([paper("2407.00001", TUE - timedelta(days=365), "Old")], now=TUE)
    store.upsert([paper("2507.00002", TUE - timedelta(days=2), "Recent")], now=TUE)
    new = store.new_papers(MON, TUE, published_after=MON - timedelta(days=14))
    assert new == [store.keys_of(["2507.00002"])["2507.00002"]]


def test_keys_of_follows_aliases_and_skips_unknown_ids(store: Store):
    hf = Paper(id=title_id("Planted in Pretraining"), title="Planted in Pretraining")
    store.upsert([hf], now=MON)
    store.upsert([Paper(id="2507.07186", title="Planted in Pretraining")], now=TUE)
    keys = store.keys_of([hf.id, "2507.07186", "2507.99999"])
    assert set(keys) == {hf.id, "2507.07186"}
    assert keys[hf.id] == keys["2507.07186"]
