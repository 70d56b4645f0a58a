"""A signed request acts once: a replay within Slack's five-minute window and Slack's own
retries of an event are acknowledged and do nothing (bot/gate.py), through the real server."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from bot.gate import Seen
from tests.slack.harness import TEAM_ID, FakeSlack, SlackSender


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


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_seen_remembers_a_key_for_its_ttl() -> None:
    clock = Clock()
    seen = Seen(ttl=600, clock=clock)
    assert seen.first_time("a")
    clock.now += 599
    assert not seen.first_time("a")
    clock.now += 1
    assert seen.first_time("a")


def test_seen_keeps_at_most_limit_keys_dropping_the_oldest() -> None:
    seen = Seen(limit=2, clock=Clock())
    assert all(seen.first_time(key) for key in ("a", "b", "c"))
    assert not seen.first_time("c") and not seen.first_time("b")
    assert seen.first_time("a")


def test_seen_forgets_a_key_whose_handling_failed() -> None:
    seen = Seen(clock=Clock())
    assert seen.first_time("a")
    seen.forget("a")
    assert seen.first_time("a")
