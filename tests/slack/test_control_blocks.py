"""Block Kit for keeping digests in hand (bot/control_blocks.py): the owner's direct message,
Pause / Resume, change notices with Undo, and the summaries of changes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from slack_sdk.models.views import View

from bot.control_blocks import (
    CHANNELS_SHOWN,
    change_notice,
    channel_blocks,
    describe_change,
    own_digest_blocks,
    state_message,
    undone_notice,
    unreachable_message,
)
from bot.settings_blocks import HOME_SAVED_SHOWN, home_view, saved_blocks
from bot.subscriptions import ACCESS_LOST_ERRORS, PAUSED_BY_HAND, Subscription
from recommender.models import Paper
from recommender.profiles import Profile
from recommender.schedule import Schedule
from recommender.store.subscriptions import Change, Subscribed
from tests.slack.blockkit import check_limits, check_view
from tests.slack.golden import assert_golden

NOW = datetime(2025, 12, 10, 12, 0, tzinfo=UTC)
CHANNEL = "channel:T0TEAM:C0PAPERS"
BOB = "user:T0TEAM:U0BOB"
NINE = Schedule(at="09:00", tz="UTC")
BEFORE = Subscription(Profile(description="LLM inference", keywords=("quantization",)), NINE)
CHANGE = Change(7, CHANNEL, "user:T0TEAM:U0ALICE", NOW, "changed the keywords", {})


def test_the_owners_direct_message() -> None:
    message = unreachable_message(CHANNEL, "slack: not_in_channel")
    assert_golden("owner_unreachable", message)
    check_limits(message)


@pytest.mark.parametrize("code", sorted(ACCESS_LOST_ERRORS))
def test_the_owner_told_of_lost_access_hears_that_a_reinstall_resumes_it(code: str) -> None:
    message = unreachable_message(CHANNEL, f"slack: {code}")
    reinstall = "reinstall the app (its digests then go on by themselves), or pause it"
    assert reinstall in message["text"]
    check_limits(message)


@pytest.mark.parametrize("paused", [None, PAUSED_BY_HAND])
def test_the_state_message_offers_the_button_that_turns_it_back(paused: str | None) -> None:
    message = state_message(Subscribed(CHANNEL, NINE, owner=BOB, paused=paused))
    [button] = message["blocks"][1]["elements"]
    assert button["action_id"] == ("digest_resume" if paused else "digest_pause")
    check_limits(message)


def test_change_notices() -> None:
    undo = Change(8, CHANNEL, BOB, NOW, "undid <@U0ALICE>'s change (changed the keywords)", {}, 7)
    notices = {"changed": change_notice(CHANGE), "undone": undone_notice(undo, CHANGE)}
    assert_golden("channel_change", notices)
    for message in notices.values():
        check_limits(message)


def test_home_with_the_channels_a_person_set_up() -> None:
    own = Subscribed(BOB, NINE, owner=BOB, paused=PAUSED_BY_HAND)
    channels = [
        (Subscribed(CHANNEL, NINE, owner=BOB), CHANGE),
        (Subscribed("channel:T0TEAM:C0ML", NINE, owner=BOB, paused="slack: is_archived"), None),
    ]
    controls = (own_digest_blocks(own), channel_blocks(channels))
    view = home_view(BEFORE, now=NOW, upcoming=None, recent=[], controls=controls)
    assert_golden("home_controls", view)
    check_limits(view)
    View(**view).validate_json()


def test_the_home_tab_lists_a_bounded_number_of_channels() -> None:
    many = [(Subscribed(f"channel:T0TEAM:C{n:04d}", NINE, owner=BOB), CHANGE) for n in range(60)]
    view = home_view(BEFORE, now=NOW, upcoming=None, recent=[], controls=([], channel_blocks(many)))
    check_limits(view)
    View(**view).validate_json()
    assert f"…and {60 - CHANNELS_SHOWN} more channels." in str(view["blocks"])


def test_the_fullest_home_tab_stays_within_a_views_blocks() -> None:
    own = own_digest_blocks(Subscribed(BOB, NINE, owner=BOB, paused=PAUSED_BY_HAND))
    many = [(Subscribed(f"channel:T0TEAM:C{n:04d}", NINE, owner=BOB), CHANGE) for n in range(60)]
    papers = [Paper(id=f"2507.{n:05d}", title="A saved paper") for n in range(HOME_SAVED_SHOWN)]
    saved = saved_blocks(papers, 100, offset=10)  # a middle page: note, Previous and Next
    controls = (own, channel_blocks(many))
    view = home_view(BEFORE, now=NOW, upcoming=None, recent=[], controls=controls, saved=saved)
    # 51 blocks around the saved papers (bot/settings_blocks.py HOME_SAVED_SHOWN), 14 of them.
    assert len(view["blocks"]) == 51 + HOME_SAVED_SHOWN + 4
    check_view(view)


@pytest.mark.parametrize(
    ("after", "summary"),
    [
        (None, "stopped it"),
        (replace(BEFORE, schedule=None), "stopped it"),
        (BEFORE, "saved it unchanged"),
        (
            replace(
                BEFORE,
                profile=Profile(description="<!channel> diffusion", keywords=("quantization",)),
            ),
            "changed the description to *&lt;!channel&gt; diffusion*",
        ),
        (
            Subscription(
                Profile(description="LLM inference", digest_size=7), Schedule(at="07:15", tz="UTC")
            ),
            "changed the keywords, the papers per digest and the schedule to daily at 07:15 (UTC)",
        ),
    ],
)
def test_describe_change(after: Subscription | None, summary: str) -> None:
    assert describe_change(BEFORE, after, NOW) == summary


def test_a_first_subscription_is_described_as_started() -> None:
    first = describe_change(Subscription(Profile(), None), BEFORE, NOW)
    assert first == "started it: *LLM inference*, daily at 09:00 (UTC)"
