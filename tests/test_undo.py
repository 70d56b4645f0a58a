"""Undoing a button press: the profile and the saved list as they were, on SQLite and PostgreSQL."""

from datetime import UTC, datetime, timedelta

import pytest

from recommender.errors import NothingToUndo, NotYourPress
from recommender.matching import record_feedback, undo_feedback
from recommender.profiles import Profile
from recommender.store import Store

MON = datetime(2025, 7, 21, 6, tzinfo=UTC)
LATER = MON + timedelta(minutes=1)
ANN = "user:T1:U0ANN"
CHANNEL = "channel:T1:C1"


def test_undo_puts_a_rated_paper_back_where_it_was(store: Store):
    original = Profile(description="Speech.", liked=("p1",), seeds=("2507.00002",))
    store.profiles.save(ANN, original, now=MON)
    record_feedback(store, ANN, "p1", "not_interested", now=MON, presser="U0ANN")
    record_feedback(store, ANN, "2507.00002", "not_interested", now=MON, presser="U0ANN")
    record_feedback(store, ANN, "p3", "more", now=MON, presser="U0ANN")
    changed = store.profiles.get(ANN)
    assert (changed.liked, changed.disliked, changed.seeds) == (("p3",), ("p1", "2507.00002"), ())
    for paper_id in ("p1", "2507.00002", "p3"):
        undo_feedback(store, ANN, paper_id, presser="U0ANN", now=LATER)
    assert store.profiles.get(ANN) == original
    assert store.profiles.presses(ANN, ["p1", "2507.00002", "p3"]) == {}


def test_undo_of_a_save_unsaves_only_what_the_press_saved(store: Store):
    store.profiles.save_paper(ANN, "old", now=MON)
    record_feedback(store, ANN, "old", "save", now=MON, presser="U0ANN", saved=False)
    store.profiles.save_paper(ANN, "new", now=MON)
    record_feedback(store, ANN, "new", "save", now=MON, presser="U0ANN", saved=True)
    undo_feedback(store, ANN, "old", presser="U0ANN", now=LATER)
    undo_feedback(store, ANN, "new", presser="U0ANN", now=LATER)
    assert store.profiles.saved(ANN) == ["old"]
    assert store.profiles.get(ANN).liked == ()


def test_the_latest_press_is_the_one_shown_and_undone(store: Store):
    record_feedback(store, CHANNEL, "p1", "more", now=MON, presser="U0ANN")
    record_feedback(store, CHANNEL, "p1", "not_interested", now=LATER, presser="U0BOB")
    assert store.profiles.presses(CHANNEL, ["p1", "p2"])["p1"].presser == "U0BOB"
    undo_feedback(store, CHANNEL, "p1", presser="U0BOB", now=LATER)
    [(paper_id, press)] = store.profiles.presses(CHANNEL, ["p1"]).items()
    assert (paper_id, press.action, press.presser) == ("p1", "more", "U0ANN")
    assert store.profiles.get(CHANNEL).liked == ("p1",)


def test_only_the_presser_undoes_and_only_once(store: Store):
    record_feedback(store, CHANNEL, "p1", "not_interested", now=MON, presser="U0ANN")
    with pytest.raises(NotYourPress, match="only the person who pressed it") as error:
        undo_feedback(store, CHANNEL, "p1", presser="U0BOB", now=LATER)
    assert error.value.presser == "U0ANN"
    assert store.profiles.get(CHANNEL).disliked == ("p1",)
    undo_feedback(store, CHANNEL, "p1", presser="U0ANN", now=LATER)
    with pytest.raises(NothingToUndo, match="nothing to undo on p1"):
        undo_feedback(store, CHANNEL, "p1", presser="U0ANN", now=LATER)
    assert store.profiles.get(CHANNEL).disliked == ()
