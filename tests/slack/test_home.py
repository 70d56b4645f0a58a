"""The App Home tab through the real app: published on `app_home_opened`, "Edit" opens the modal."""

from __future__ import annotations

import json

import pytest

from bot.services import Services
from bot.settings_blocks import EDIT_SETTINGS, SETTINGS_VIEW
from bot.targets import user_target
from recommender.delivery import Deliverer
from recommender.schedule import Schedule
from tests.slack.blockkit import check_inert, check_limits
from tests.slack.conftest import NOW, subscribe
from tests.slack.harness import TEAM_ID, FakeSlack, Reply, SlackSender

ALICE = user_target(TEAM_ID, "U0ALICE")


def home_opened(slack: SlackSender, user: str = "U0ALICE", tab: str = "home") -> None:
    event = {"type": "app_home_opened", "user": user, "channel": f"D{user}", "tab": tab,
             "event_ts": "1700000000.000100"}  # fmt: skip
    assert slack.event(event).status == 200


def published(fake_slack: FakeSlack) -> dict:
    fake_slack.wait_until(lambda: fake_slack.calls_to("views.publish"))
    [publish] = fake_slack.calls_to("views.publish")
    return publish.body


def test_the_home_tab_invites_to_subscribe(slack: SlackSender, fake_slack: FakeSlack) -> None:
    home_opened(slack)
    body = published(fake_slack)
    assert body["user_id"] == "U0ALICE"
    view = body["view"]
    assert view["type"] == "home"
    assert "You are not subscribed." in view["blocks"][1]["text"]["text"]
    assert view["blocks"][1]["accessory"]["action_id"] == EDIT_SETTINGS
    check_limits(view)


def test_the_home_tab_shows_the_schedule_profile_and_latest_picks(
    slack: SlackSender, fake_slack: FakeSlack, services: Services, deliverer: Deliverer
) -> None:
    subscribe(services, ALICE, keywords=["quantization"], authors=["Yonatan Belinkov"])
    deliverer.deliver_due(NOW)
    [digest] = fake_slack.calls_to("chat.postMessage")
    services.store.subscriptions.save(ALICE, Schedule(at="07:30", tz="Asia/Tokyo"), now=NOW)
    home_opened(slack)
    view = published(fake_slack)["view"]
    texts = [block["text"]["text"] for block in view["blocks"] if block["type"] == "section"]
    # 12:00 UTC is 21:00 in Tokyo: the next 07:30 there is on the 11th.
    assert texts[0] == "*Digest:* daily at 07:30 (Asia/Tokyo); next: Thu 11 Dec 07:30"
    assert "*Keywords:* quantization\n" in texts[1]
    assert "*Authors:* Yonatan Belinkov\n" in texts[1]
    latest = texts[2].split("\n")[1:]
    picked = [b["text"]["text"] for b in digest.body["blocks"] if b["type"] == "section"]
    assert len(latest) == len(picked) == 5
    assert all(line.startswith("• ") for line in latest)
    check_limits(view)
    check_inert({"text": "", **view})


def test_the_messages_tab_publishes_nothing(slack: SlackSender, fake_slack: FakeSlack) -> None:
    home_opened(slack, tab="messages")
    home_opened(slack)
    published(fake_slack)  # only the second event publishes
    assert len(fake_slack.calls_to("views.publish")) == 1


def test_edit_opens_the_pressers_own_settings(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    assert slack.click_home(EDIT_SETTINGS, "edit", user="U0BOB").status == 200
    fake_slack.wait_until(lambda: fake_slack.calls_to("views.open"))
    [opened] = fake_slack.calls_to("views.open")
    view = opened.body["view"]
    assert view["callback_id"] == SETTINGS_VIEW
    assert json.loads(view["private_metadata"])["data"] == {
        "target": user_target(TEAM_ID, "U0BOB"),
        "opener": "U0BOB",
    }


def test_the_home_tab_says_a_due_digest_goes_in_a_few_minutes(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    # 12:00 UTC: today's 11:30 digest is due (the scheduler sends it at its next tick).
    subscribe(services, ALICE, schedule=Schedule(at="11:30", tz="UTC"))
    assert services.store.deliveries.due(NOW, grace=services.grace) == [(ALICE, NOW.date())]
    home_opened(slack)
    section = published(fake_slack)["view"]["blocks"][1]["text"]["text"]
    assert section == (
        "*Digest:* daily at 11:30 (UTC); next: in a few minutes (the Wed 10 Dec 11:30 one)"
    )


@pytest.mark.parametrize(
    ("error", "told"),
    [
        ("expired_trigger_id", "Slack did not let me open the window in time"),
        ("internal_error", "Sorry, something went wrong on our side."),
    ],
)
def test_a_failing_edit_button_tells_the_presser(
    slack: SlackSender, fake_slack: FakeSlack, error: str, told: str
) -> None:
    fake_slack.script("views.open", Reply(body={"ok": False, "error": error}))
    assert slack.click_home(EDIT_SETTINGS, "edit", user="U0BOB").status == 200
    fake_slack.wait_until(lambda: fake_slack.calls_to("chat.postMessage"))
    [message] = fake_slack.calls_to("chat.postMessage")
    assert message.body["channel"] == "U0BOB"
    assert message.body["text"].startswith(told)
    check_limits(message.body)
