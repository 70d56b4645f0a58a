"""Reactions as feedback in the library: what an emoji on a paper message teaches, and what
taking it off puts back, on every database the product supports."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import alembic.command
import pytest
from sqlalchemy import create_engine, func, inspect, select

from recommender.errors import InvalidFeedback, InvalidTarget
from recommender.matching import record_feedback
from recommender.profiles import Profile
from recommender.reactions import react, unreact
from recommender.store import Store
from recommender.store.messages import PaperMessage
from recommender.store.schema import feedback
from tests.test_store import _migrate

NOW = datetime(2025, 7, 25, 9, 0, tzinfo=UTC)
LATER = NOW + timedelta(minutes=5)
PAPER = "2507.07186"
ANN, BOB = "user:T1:ANN", "user:T1:BOB"
CARD = PaperMessage("T1", "C1", "1700000000.000100", PAPER, "share")


def test_a_recorded_message_is_found_by_its_slack_key_and_recording_again_replaces(store: Store):
    store.messages.record(CARD, now=NOW)
    assert store.messages.find("T1", "C1", CARD.ts) == CARD
    assert store.messages.find("T1", "C2", CARD.ts) is None
    assert store.messages.find("T2", "C1", CARD.ts) is None
    moved = PaperMessage("T1", "C1", CARD.ts, "1501.05201", "unfurl")
    store.messages.record(moved, now=LATER)
    assert store.messages.find("T1", "C1", CARD.ts) == moved


def test_a_message_of_an_unknown_kind_or_owner_is_refused():
    with pytest.raises(InvalidFeedback, match="kind 'pin'"):
        PaperMessage("T1", "C1", "1.2", PAPER, "pin")
    with pytest.raises(InvalidTarget, match="not a target"):
        PaperMessage("T1", "C1", "1.2", PAPER, "digest", owner="ANN")


def test_a_like_teaches_once_however_often_it_comes(store: Store):
    assert react(store, CARD, ANN, "+1", "more", now=NOW) is True
    assert react(store, CARD, ANN, "+1", "more", now=LATER) is False  # a retried event
    assert react(store, CARD, ANN, "heart", "more", now=LATER) is False  # the same verdict
    assert store.profiles.get(ANN).liked == (PAPER,)
    assert store.profiles.fans(PAPER, prefix="user:T1:") == 1
    assert store.profiles.get(BOB) is None


def test_two_emoji_of_one_verdict_put_on_at_once_teach_once(store: Store):
    start = threading.Barrier(4)
    results: list[bool] = []

    def put(name: str) -> None:
        start.wait()
        results.append(react(store, CARD, ANN, name, "more", now=NOW))

    threads = [threading.Thread(target=put, args=(n,)) for n in ("+1", "heart", "fire", "star")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, False, False, True]
    with store.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(feedback)) == 1


def test_taking_a_like_off_puts_the_profile_back_once_no_emoji_says_it(store: Store):
    react(store, CARD, ANN, "+1", "more", now=NOW)
    react(store, CARD, ANN, "heart", "more", now=LATER)
    assert unreact(store, CARD, ANN, "+1", now=LATER) is False  # the heart still likes it
    assert store.profiles.get(ANN).liked == (PAPER,)
    assert unreact(store, CARD, ANN, "heart", now=LATER) is True
    assert store.profiles.get(ANN).liked == ()
    assert store.profiles.fans(PAPER, prefix="user:T1:") == 0
    assert unreact(store, CARD, ANN, "heart", now=LATER) is False  # a retried removal


def test_a_bookmark_saves_and_taking_it_off_unsaves_only_what_it_saved(store: Store):
    react(store, CARD, ANN, "bookmark", "save", now=NOW)
    assert store.profiles.saved(ANN) == [PAPER]
    unreact(store, CARD, ANN, "bookmark", now=LATER)
    assert store.profiles.saved(ANN) == [] and store.profiles.get(ANN).liked == ()
    store.profiles.save_paper(BOB, PAPER, now=NOW)  # saved before, with a button
    react(store, CARD, BOB, "bookmark", "save", now=NOW)
    unreact(store, CARD, BOB, "bookmark", now=LATER)
    assert store.profiles.saved(BOB) == [PAPER]


def test_taking_off_a_dislike_gives_back_a_seed_it_had_removed(store: Store):
    store.profiles.save(ANN, Profile(description="llm", seeds=(PAPER,)), now=NOW)
    react(store, CARD, ANN, "-1", "not_interested", now=NOW)
    assert store.profiles.get(ANN).seeds == () and store.profiles.get(ANN).disliked == (PAPER,)
    unreact(store, CARD, ANN, "-1", now=LATER)
    assert store.profiles.get(ANN).seeds == (PAPER,) and store.profiles.get(ANN).disliked == ()


def test_taking_off_a_like_leaves_a_later_dislike_standing(store: Store):
    react(store, CARD, ANN, "+1", "more", now=NOW)
    react(store, CARD, ANN, "-1", "not_interested", now=LATER)
    unreact(store, CARD, ANN, "+1", now=LATER)
    assert store.profiles.get(ANN).disliked == (PAPER,)


def test_taking_an_emoji_off_leaves_a_button_pressed_since(store: Store):
    react(store, CARD, ANN, "+1", "more", now=NOW)
    record_feedback(store, ANN, PAPER, "not_interested", now=LATER, presser="ANN")
    unreact(store, CARD, ANN, "+1", now=LATER)
    assert store.profiles.get(ANN).disliked == (PAPER,)
    assert store.profiles.presses(ANN, [PAPER])[PAPER].action == "not_interested"


def test_only_the_owner_teaches_through_an_owned_message(store: Store):
    digest = PaperMessage("T1", "DANN", "1.000200", PAPER, "digest", owner=ANN)
    assert react(store, digest, BOB, "+1", "more", now=NOW) is False
    assert store.profiles.get(BOB) is None
    assert react(store, digest, ANN, "+1", "more", now=NOW) is True


def test_visibility_is_on_until_turned_off_and_names_only_the_visible(store: Store):
    for person in (ANN, BOB, "user:T1:CY", "user:T2:EVE"):
        store.profiles.save_paper(person, PAPER, now=NOW)
    assert store.profiles.visible(BOB) is True
    assert store.profiles.set_visible(BOB, False, now=NOW) is True
    assert store.profiles.set_visible(BOB, False, now=NOW) is False
    assert store.profiles.visible(BOB) is False
    shown = store.profiles.visible_fans(PAPER, prefix="user:T1:", limit=5)
    assert shown == [ANN, "user:T1:CY"]
    assert store.profiles.visible_fans(PAPER, prefix="user:T1:", limit=1) == [ANN]
    assert store.profiles.fans(PAPER, prefix="user:T1:") == 3
    assert store.profiles.set_visible(BOB, True, now=NOW) is True
    assert store.profiles.visible_fans(PAPER, prefix="user:T1:", limit=5) == [
        ANN, BOB, "user:T1:CY"
    ]  # fmt: skip


def test_the_tables_come_and_go_with_their_migration(database_url: str):
    store = Store.open(database_url)
    store.messages.record(CARD, now=NOW)
    store.close()
    tables = {"paper_messages", "reactions", "hidden_people"}
    engine = create_engine(database_url)
    assert tables <= set(inspect(engine).get_table_names())
    _migrate(database_url, alembic.command.downgrade, "0012")
    assert not tables & set(inspect(engine).get_table_names())
    _migrate(database_url, alembic.command.upgrade, "head")
    assert tables <= set(inspect(engine).get_table_names())
    engine.dispose()
