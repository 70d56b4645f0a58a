"""A signed request acts once: a replay within Slack's five-minute window and Slack's own
retries of an event are acknowledged and do nothing (bot/gate.py), through the real server,
and a retry of an event that reaches another web process does nothing either."""

from __future__ import annotations

import time
from dataclasses import replace
from urllib.parse import urlencode

import pytest
from slack_bolt import BoltRequest

from bot.app import create_app
from bot.config import Settings
from bot.gate import Seen, SignedRequest
from bot.services import Services
from bot.web import wsgi_app
from recommender.store import Store
from tests.slack.conftest import SIGNING_SECRET
from tests.slack.harness import TEAM_ID, FakeSlack, SlackSender, event_body, serving


def command_form(response_url: str, text: str = "transformers") -> str:
    return urlencode({"command": "/papers", "text": text, "team_id": TEAM_ID,
                      "user_id": "U0ALICE", "channel_id": "C0GENERAL",
                      "response_url": response_url, "trigger_id": "1.2.3"})  # fmt: skip


def settle(slack: SlackSender, fake_slack: FakeSlack) -> None:
    """Wait until work started before now has had its chance: a later search has answered."""
    fake_slack.wait_for_reply(slack.command("attention").response_url)
    time.sleep(0.5)


def test_a_replayed_signed_command_does_nothing_the_second_time(
    slack: SlackSender, fake_slack: FakeSlack
) -> None:
    response_url = fake_slack.new_response_url()
    body, timestamp = command_form(response_url), int(time.time())
    assert slack.post(body, response_url, timestamp=timestamp).status == 200
    fake_slack.wait_for_reply(response_url)
    replayed = slack.post(body, response_url, timestamp=timestamp)
    assert (replayed.status, replayed.body) == (200, "{}")
    settle(slack, fake_slack)
    assert len(fake_slack.replies_to(response_url)) == 1


def test_the_same_command_signed_anew_is_a_new_request(
    slack: SlackSender, fake_slack: FakeSlack
) -> None:
    # Slack signs each request it sends; typing the same command twice is two requests.
    response_url = fake_slack.new_response_url()
    body = command_form(response_url)
    assert slack.post(body, response_url, timestamp=int(time.time()) - 1).status == 200
    assert slack.post(body, response_url, timestamp=int(time.time())).status == 200
    assert len(fake_slack.wait_for_reply(response_url, count=2)) == 2


HOME = {"type": "app_home_opened", "user": "U0ALICE", "channel": "DU0ALICE", "tab": "home",
        "event_ts": "1700000000.000100"}  # fmt: skip


def test_slack_retries_of_an_event_are_acknowledged_without_acting_twice(
    slack: SlackSender, fake_slack: FakeSlack
) -> None:
    assert slack.event(HOME, event_id="Ev0HOME0001").status == 200
    fake_slack.wait_until(lambda: fake_slack.calls_to("views.publish"))
    for retry in (1, 2, 3):  # signed anew each time, as Slack does
        assert slack.event(HOME, event_id="Ev0HOME0001", retry=retry).status == 200
    settle(slack, fake_slack)
    assert len(fake_slack.calls_to("views.publish")) == 1


def test_a_retry_of_an_event_never_received_acts(slack: SlackSender, fake_slack: FakeSlack) -> None:
    # The first delivery never arrived (the server was restarting): the retry is the event.
    assert slack.event(HOME, event_id="Ev0HOME0002", retry=1).status == 200
    fake_slack.wait_until(lambda: fake_slack.calls_to("views.publish"))


def test_a_retry_of_an_event_reaching_another_web_process_does_nothing(
    slack: SlackSender, settings: Settings, services: Services, fake_slack: FakeSlack
) -> None:
    # Another web process: its own memory and its own connections, the same database.
    other_store = Store.open(settings.database_url)
    other = replace(services, store=other_store)
    try:
        with serving(
            wsgi_app(create_app(settings, other), other, signing_secret=SIGNING_SECRET)
        ) as url:
            elsewhere = SlackSender(url, SIGNING_SECRET, fake_slack)
            assert slack.event(HOME, event_id="Ev0HOME0003").status == 200
            fake_slack.wait_until(lambda: fake_slack.calls_to("views.publish"))
            for retry in (1, 2):
                assert elsewhere.event(HOME, event_id="Ev0HOME0003", retry=retry).status == 200
            assert elsewhere.event(HOME, event_id="Ev0HOME0004").status == 200  # a new event acts
            fake_slack.wait_until(lambda: len(fake_slack.calls_to("views.publish")) == 2)
            settle(slack, fake_slack)
            settle(elsewhere, fake_slack)
    finally:
        other_store.close()
    assert len(fake_slack.calls_to("views.publish")) == 2


def test_in_socket_mode_a_retry_of_an_event_reaching_another_process_does_nothing(
    settings: Settings, services: Services, fake_slack: FakeSlack
) -> None:
    # Each process has its own Socket Mode connection; Slack may send the retry down another.
    other_store = Store.open(settings.database_url)
    try:
        first = create_app(settings, services, socket_mode=True)
        second = create_app(settings, replace(services, store=other_store), socket_mode=True)
        body = event_body(HOME, "Ev0HOME0005")
        assert first.dispatch(BoltRequest(mode="socket_mode", body=body)).status == 200
        fake_slack.wait_until(lambda: fake_slack.calls_to("views.publish"))
        retry = BoltRequest(mode="socket_mode", body=body, headers={"x-slack-retry-num": "1"})
        assert (second.dispatch(retry).status, second.dispatch(retry).status) == (200, 200)
        new = BoltRequest(mode="socket_mode", body=event_body(HOME, "Ev0HOME0006"))
        assert second.dispatch(new).status == 200
        fake_slack.wait_until(lambda: len(fake_slack.calls_to("views.publish")) == 2)
        time.sleep(0.5)  # a retry that acted would have published by now
    finally:
        other_store.close()
    assert len(fake_slack.calls_to("views.publish")) == 2


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


A, B, C = (SignedRequest(key) for key in "abc")


def test_seen_remembers_a_key_for_its_ttl() -> None:
    clock = Clock()
    seen = Seen(ttl=600, clock=clock)
    assert seen.first_time(A)
    clock.now += 599
    assert not seen.first_time(A)
    clock.now += 1
    assert seen.first_time(A)


def test_seen_keeps_at_most_limit_keys_dropping_the_oldest() -> None:
    seen = Seen(limit=2, clock=Clock())
    assert all(seen.first_time(request) for request in (A, B, C))
    assert not seen.first_time(C) and not seen.first_time(B)
    assert seen.first_time(A)


def test_seen_forgets_a_key_whose_handling_failed() -> None:
    seen = Seen(clock=Clock())
    assert seen.first_time(A)
    seen.forget(A)
    assert seen.first_time(A)


EVENT = SignedRequest("event:Ev0001", event=True)


def test_an_event_seen_by_one_process_is_seen_by_another(store: Store) -> None:
    clock = Clock()
    first, second = (Seen(store.handled, ttl=600, clock=clock, wall=clock) for _ in "12")
    assert first.first_time(EVENT)
    assert not second.first_time(EVENT)
    # A command is remembered by each process alone (Slack never retries one).
    assert first.first_time(A) and second.first_time(A)
    clock.now += 600
    assert second.first_time(EVENT)  # expired: a new record, that the first now finds
    assert not first.first_time(EVENT) and not second.first_time(EVENT)


def test_an_event_whose_handling_failed_is_forgotten_by_every_process(store: Store) -> None:
    first, second = Seen(store.handled), Seen(store.handled)
    assert first.first_time(EVENT)
    first.forget(EVENT)
    assert second.first_time(EVENT)


def test_the_shared_record_drops_expired_keys_as_new_ones_come(store: Store) -> None:
    for n in range(5):
        assert store.handled.first_time(f"event:{n}", now=100.0 + n, until=110.0 + n)
    assert store.handled.first_time("event:late", now=113.0, until=200.0)
    # Expired keys are gone (3 and 4 expire at 113 and 114), so they count as new.
    assert [store.handled.first_time(f"event:{n}", now=113.5, until=300.0) for n in range(5)] == [
        True, True, True, True, False
    ]  # fmt: skip


class Flaky:
    """A shared record whose database is down until `down` is cleared."""

    def __init__(self) -> None:
        self.down = True

    def first_time(self, key: str, *, now: float, until: float) -> bool:
        if self.down:
            raise ConnectionError("the database is down")
        return True

    def forget(self, key: str) -> None:
        raise AssertionError("nothing was recorded")


def test_an_event_not_recorded_for_want_of_the_database_stays_new_here() -> None:
    record = Flaky()
    seen = Seen(record, clock=Clock())
    with pytest.raises(ConnectionError):
        seen.first_time(EVENT)
    # Slack's retry must be able to act once the database is back: nothing was remembered.
    record.down = False
    assert seen.first_time(EVENT)
