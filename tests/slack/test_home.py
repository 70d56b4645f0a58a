"""The App Home tab through the real app: published on `app_home_opened`, "Edit" opens the modal,
Pause / Resume, and the saved papers' pages and *Remove*."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.control_blocks import PAUSE, RESUME, unreachable_message
from bot.services import Services
from bot.settings_blocks import (
    EDIT_SETTINGS,
    HOME_SAVED_PAGE,
    HOME_SAVED_SHOWN,
    HOME_UNSAVE,
    SETTINGS_VIEW,
)
from bot.subscriptions import PAUSED_BY_HAND
from bot.targets import channel_target, user_target
from recommender.delivery import Deliverer
from recommender.schedule import Schedule
from tests.slack.blockkit import check_inert, check_limits, check_view
from tests.slack.conftest import NINE_UTC, NOW, subscribe
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
    header, *cards = fake_slack.calls_to("chat.postMessage")  # each pick in the thread
    services.store.subscriptions.save(ALICE, Schedule(at="07:30", tz="Asia/Tokyo"), now=NOW)
    home_opened(slack)
    view = published(fake_slack)["view"]
    texts = [block["text"]["text"] for block in view["blocks"] if block["type"] == "section"]
    # 12:00 UTC is 21:00 in Tokyo: the next 07:30 there is on the 11th.
    assert texts[0] == "*Digest:* daily at 07:30 (Asia/Tokyo); next: Thu 11 Dec 07:30"
    assert "*Keywords:* quantization\n" in texts[1]
    assert "*Authors:* Yonatan Belinkov\n" in texts[1]
    latest = texts[2].split("\n")[1:]
    picked = [b["text"]["text"] for card in cards for b in card.body["blocks"]
              if b["type"] == "section"]  # fmt: skip
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


CHANNEL = channel_target(TEAM_ID, "C0PAPERS")


def set_up_channel(slack: SlackSender, fake_slack: FakeSlack, user: str = "U0BOB") -> None:
    answer = slack.command("channel subscribe speculative decoding", user=user, channel="C0PAPERS")
    fake_slack.wait_for_reply(answer.response_url)


def home_of(slack: SlackSender, fake_slack: FakeSlack, user: str, publishes: int = 1) -> dict:
    home_opened(slack, user=user)
    fake_slack.wait_until(lambda: len(fake_slack.calls_to("views.publish")) >= publishes)
    return fake_slack.calls_to("views.publish")[-1].body["view"]


def accessory(view: dict, text: str) -> dict:
    """The button beside the section that starts with `text`."""
    [block] = [
        b for b in view["blocks"] if b["type"] == "section" and b["text"]["text"].startswith(text)
    ]
    return block["accessory"]


def test_the_home_tab_lists_the_channel_digests_its_person_set_up(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    set_up_channel(slack, fake_slack)
    assert services.store.subscriptions.state(CHANNEL).owner == user_target(TEAM_ID, "U0BOB")
    view = home_of(slack, fake_slack, "U0BOB")
    texts = [b["text"]["text"] for b in view["blocks"] if b["type"] == "section"]
    assert "*Channel digests you set up*" in texts
    button = accessory(view, "<#C0PAPERS>")
    assert (button["action_id"], button["value"]) == (PAUSE, CHANNEL)
    check_limits(view)
    # Alice set nothing up: her Home tab lists no channel.
    alice = home_of(slack, fake_slack, "U0ALICE", publishes=2)
    assert not any("<#C0PAPERS>" in json.dumps(block) for block in alice["blocks"])


def own_button(view: dict) -> dict:
    [actions] = [b for b in view["blocks"] if b["type"] == "actions"]
    [button] = actions["elements"]
    return {"action_id": button["action_id"], "value": button["value"],
            "label": button["text"]["text"]}  # fmt: skip


def test_pause_and_resume_from_the_home_tab(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    set_up_channel(slack, fake_slack)
    subscribe(services, user_target(TEAM_ID, "U0BOB"))
    assert slack.click_home(PAUSE, CHANNEL, user="U0BOB").status == 200
    fake_slack.wait_until(lambda: fake_slack.calls_to("views.publish"))
    view = fake_slack.calls_to("views.publish")[-1].body["view"]
    assert services.store.subscriptions.state(CHANNEL).paused == PAUSED_BY_HAND
    assert services.store.subscriptions.active() == {user_target(TEAM_ID, "U0BOB"): NINE_UTC}
    assert accessory(view, "<#C0PAPERS> · *paused*")["action_id"] == RESUME
    check_limits(view)
    # His own digest: paused and resumed the same way.
    own = user_target(TEAM_ID, "U0BOB")
    assert own_button(view) == {"action_id": PAUSE, "value": own, "label": "Pause my digest"}
    assert slack.click_home(PAUSE, own, user="U0BOB").status == 200
    fake_slack.wait_until(lambda: len(fake_slack.calls_to("views.publish")) == 2)
    view = fake_slack.calls_to("views.publish")[-1].body["view"]
    assert own_button(view) == {"action_id": RESUME, "value": own, "label": "Resume my digest"}
    assert view["blocks"][2]["elements"][0]["text"] == (
        "Your digest · *paused*: none goes until you resume it."
    )
    assert "next:" not in view["blocks"][1]["text"]["text"]
    check_limits(view)
    assert services.store.subscriptions.active() == {}
    assert slack.click_home(RESUME, CHANNEL, user="U0BOB").status == 200
    fake_slack.wait_until(lambda: len(fake_slack.calls_to("views.publish")) == 3)
    assert list(services.store.subscriptions.active()) == [CHANNEL]


@pytest.mark.parametrize("value", [CHANNEL, user_target(TEAM_ID, "U0BOB"), "channel:T0TEAM:"])
def test_only_whoever_set_a_digest_up_can_pause_it(
    slack: SlackSender, fake_slack: FakeSlack, services: Services, value: str
) -> None:
    set_up_channel(slack, fake_slack)
    subscribe(services, user_target(TEAM_ID, "U0BOB"))
    assert slack.click_home(PAUSE, value, user="U0ALICE").status == 200
    fake_slack.wait_until(lambda: fake_slack.calls_to("chat.postMessage"))
    [told] = fake_slack.calls_to("chat.postMessage")
    assert told.body["channel"] == "U0ALICE"
    assert told.body["text"].startswith(":warning:")
    check_limits(told.body)
    assert services.store.subscriptions.active().keys() == {CHANNEL, user_target(TEAM_ID, "U0BOB")}
    assert fake_slack.calls_to("views.publish") == []


def test_resume_from_the_owners_direct_message(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    set_up_channel(slack, fake_slack)
    services.store.subscriptions.pause(CHANNEL, "slack: not_in_channel", now=NOW)
    dm = {**unreachable_message(CHANNEL, "slack: not_in_channel"), "channel": "DU0BOB",
          "ts": "1700000000.000200"}  # fmt: skip
    answer = slack.click_in_message(RESUME, CHANNEL, message=dm, user="U0BOB")
    [replaced] = fake_slack.wait_for_reply(answer.response_url)
    assert replaced["replace_original"] is True
    assert replaced["text"].startswith(":arrow_forward: The digest of <#C0PAPERS> goes again")
    [actions] = [b for b in replaced["blocks"] if b["type"] == "actions"]
    assert [(e["action_id"], e["value"]) for e in actions["elements"]] == [(PAUSE, CHANNEL)]
    check_limits(replaced)
    state = services.store.subscriptions.state(CHANNEL)
    assert (state.paused, state.failures) == (None, 0)
    # Pressed again, it pauses.
    answer = slack.click_in_message(PAUSE, CHANNEL, message=dm, user="U0BOB")
    [replaced] = fake_slack.wait_for_reply(answer.response_url)
    assert replaced["text"] == (
        ":double_vertical_bar: The digest of <#C0PAPERS> is paused: *Resume* starts it again."
    )
    assert services.store.subscriptions.state(CHANNEL).paused == PAUSED_BY_HAND


def test_a_digest_unsubscribed_meanwhile_says_so(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    dm = {**unreachable_message(CHANNEL, "slack: is_archived"), "channel": "DU0BOB",
          "ts": "1700000000.000200"}  # fmt: skip
    answer = slack.click_in_message(RESUME, CHANNEL, message=dm, user="U0BOB")
    [told] = fake_slack.wait_for_reply(answer.response_url)
    assert told["text"].startswith(":warning: That digest is no longer subscribed")
    assert services.store.subscriptions.state(CHANNEL) is None


# The saved papers ------------------------------------------------------------------------


def save_many(services: Services, target: str, count: int) -> list[str]:
    """`count` archive papers saved by `target` a minute apart; their ids, the most recent
    first."""
    papers = services.store.by_keys(services.store.keys()[:count]).values()
    ids = [paper.id for paper in papers]
    for minute, paper_id in enumerate(ids):
        services.store.profiles.save_paper(target, paper_id, now=NOW + timedelta(minutes=minute))
    return ids[::-1]


def saved_shown(view: dict) -> list[str]:
    """The ids of the saved papers a Home view lists, from their *Remove* buttons."""
    return [
        block["accessory"]["value"].partition(":")[2]
        for block in view["blocks"]
        if block.get("accessory", {}).get("action_id") == HOME_UNSAVE
    ]


def pages(view: dict) -> dict[str, str]:
    """The Previous / Next buttons under the saved papers: value by label."""
    return {
        button["text"]["text"]: button["value"]
        for block in view["blocks"]
        if block["type"] == "actions"
        for button in block["elements"]
        if button["action_id"] == HOME_SAVED_PAGE
    }


def published_after(fake_slack: FakeSlack, count: int) -> dict:
    fake_slack.wait_until(lambda: len(fake_slack.calls_to("views.publish")) >= count)
    publish = fake_slack.calls_to("views.publish")[-1].body
    check_view(publish["view"])
    check_inert({"text": "", **publish["view"]})
    return publish


def test_the_home_tab_pages_through_the_saved_papers(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    ids = save_many(services, ALICE, 23)
    home_opened(slack)
    view = published_after(fake_slack, 1)["view"]
    assert saved_shown(view) == ids[:10]
    assert pages(view) == {"Next 10": "10"}
    assert "*Your saved papers* (23)" in json.dumps(view)
    assert slack.click_home(HOME_SAVED_PAGE, "10").status == 200
    view = published_after(fake_slack, 2)["view"]
    assert saved_shown(view) == ids[10:20]
    assert pages(view) == {"Previous 10": "0", "Next 10": "20"}
    assert slack.click_home(HOME_SAVED_PAGE, "20").status == 200
    publish = published_after(fake_slack, 3)
    assert publish["user_id"] == "U0ALICE"
    assert saved_shown(publish["view"]) == ids[20:]
    assert pages(publish["view"]) == {"Previous 10": "10"}


def test_an_empty_saved_list_says_how_to_save(slack: SlackSender, fake_slack: FakeSlack) -> None:
    home_opened(slack)
    view = published_after(fake_slack, 1)["view"]
    assert saved_shown(view) == [] and pages(view) == {}
    texts = [b["text"]["text"] for b in view["blocks"] if b["type"] == "section"]
    assert (
        "*Your saved papers*\nNone yet: press *Save* under a paper in a search or a digest."
        in texts
    )


def test_remove_takes_a_paper_off_the_pressers_list_and_shows_the_same_page(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    ids = save_many(services, ALICE, 12)
    gone = ids[10]
    assert slack.click_home(HOME_UNSAVE, f"10:{gone}").status == 200
    view = published_after(fake_slack, 1)["view"]
    assert services.store.profiles.saved(ALICE) == [i for i in ids if i != gone]
    assert saved_shown(view) == [ids[11]]
    # Its last paper removed, a page past the end shows the last page there is.
    assert slack.click_home(HOME_UNSAVE, f"10:{ids[11]}").status == 200
    view = published_after(fake_slack, 2)["view"]
    assert saved_shown(view) == ids[:10]
    assert pages(view) == {}


def test_another_persons_list_is_never_shown_nor_changed(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    alices = save_many(services, ALICE, 3)
    bob = user_target(TEAM_ID, "U0BOB")
    # Bob pages and removes with buttons forged to name Alice's papers: his own list it is.
    assert slack.click_home(HOME_SAVED_PAGE, "0", user="U0BOB").status == 200
    publish = published_after(fake_slack, 1)
    assert publish["user_id"] == "U0BOB"
    assert saved_shown(publish["view"]) == []
    assert slack.click_home(HOME_UNSAVE, f"0:{alices[0]}", user="U0BOB").status == 200
    publish = published_after(fake_slack, 2)
    assert publish["user_id"] == "U0BOB" and saved_shown(publish["view"]) == []
    assert services.store.profiles.saved(ALICE) == alices
    assert services.store.profiles.saved(bob) == []
    home_opened(slack)
    assert saved_shown(published_after(fake_slack, 3)["view"]) == alices


@pytest.mark.parametrize(
    ("action_id", "value"),
    [
        (HOME_SAVED_PAGE, "-10"),
        (HOME_SAVED_PAGE, "ten"),
        (HOME_SAVED_PAGE, "١٠"),  # digits, but not ASCII ones
        (HOME_SAVED_PAGE, ""),
        (HOME_UNSAVE, "2507.07186"),
        (HOME_UNSAVE, "x:2507.07186"),
        (HOME_UNSAVE, "10:"),
    ],
)
def test_a_forged_offset_is_refused_and_changes_nothing(
    slack: SlackSender, fake_slack: FakeSlack, services: Services, action_id: str, value: str
) -> None:
    ids = save_many(services, ALICE, 3)
    assert slack.click_home(action_id, value).status == 200
    fake_slack.wait_until(lambda: fake_slack.calls_to("chat.postMessage"))
    [told] = fake_slack.calls_to("chat.postMessage")
    assert told.body["channel"] == "U0ALICE"
    assert "open the Home tab again" in told.body["text"]
    check_limits(told.body)
    assert fake_slack.calls_to("views.publish") == []
    assert services.store.profiles.saved(ALICE) == ids


def test_a_page_past_the_end_shows_the_last_page(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    ids = save_many(services, ALICE, 13)
    assert slack.click_home(HOME_SAVED_PAGE, "9" * 40).status == 200
    view = published_after(fake_slack, 1)["view"]
    assert saved_shown(view) == ids[HOME_SAVED_SHOWN:]
    assert pages(view) == {"Previous 10": "0"}
