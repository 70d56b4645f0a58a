"""Changes to a channel's digest through the real app: announced in the channel with Undo,
undone only by whoever made them or set the digest up, and shown in the owner's Home tab."""

from __future__ import annotations

import json

import pytest

from bot.control_blocks import UNDO_CHANGE
from bot.services import Services
from bot.targets import channel_target, user_target
from tests.slack.blockkit import check_limits
from tests.slack.conftest import NOW
from tests.slack.harness import TEAM_ID, FakeSlack, SlackSender
from tests.slack.test_home import home_of
from tests.slack.test_settings import filled, opened_view

CHANNEL = channel_target(TEAM_ID, "C0PAPERS")
BOB = user_target(TEAM_ID, "U0BOB")


def in_channel(slack: SlackSender, fake_slack: FakeSlack, text: str, user: str) -> list[dict]:
    """`/papers text` typed by `user` in #papers; the replies (the last is the notice)."""
    answer = slack.command(text, user=user, channel="C0PAPERS")
    return fake_slack.wait_for_reply(answer.response_url, count=2)


def notice(replies: list[dict]) -> dict:
    [announced] = [reply for reply in replies if reply["response_type"] == "in_channel"]
    check_limits(announced)
    return announced


def undo(slack: SlackSender, fake_slack: FakeSlack, announced: dict, user: str) -> dict:
    message = {**announced, "channel": "C0PAPERS", "ts": "1700000000.000300"}
    value = announced["blocks"][0]["accessory"]["value"]
    answer = slack.click_in_message(UNDO_CHANGE, value, message=message, user=user)
    [reply] = fake_slack.wait_for_reply(answer.response_url)
    return reply


def with_block_ids(announced: dict) -> dict:
    """The notice as Slack shows it: Slack gives each block an id."""
    return {
        **announced,
        "blocks": [{**b, "block_id": f"b{n}"} for n, b in enumerate(announced["blocks"])],
    }


def test_a_channel_subscription_is_announced_in_the_channel(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    replies = in_channel(slack, fake_slack, "channel subscribe LLM inference", user="U0BOB")
    assert replies[0]["response_type"] == "ephemeral"  # the details, to Bob only
    announced = notice(replies)
    assert announced["text"] == (
        "<@U0BOB> changed this channel's paper digest: started it: *LLM inference*, "
        "daily at 09:00 (America/Los_Angeles)"
    )
    button = announced["blocks"][0]["accessory"]
    assert (button["action_id"], button["text"]["text"]) == (UNDO_CHANGE, "Undo")
    assert services.store.subscriptions.last_change(CHANNEL).changer == BOB


def test_someone_elses_change_is_announced_and_shown_in_the_owners_home(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    in_channel(slack, fake_slack, "channel subscribe LLM inference", user="U0BOB")
    replies = in_channel(
        slack, fake_slack, "channel subscribe diffusion models at 07:15", user="U0ALICE"
    )
    assert notice(replies)["text"] == (
        "<@U0ALICE> changed this channel's paper digest: changed the description to "
        "*diffusion models* and the schedule to daily at 07:15 (America/Los_Angeles)"
    )
    assert services.store.subscriptions.state(CHANNEL).owner == BOB
    view = home_of(slack, fake_slack, "U0BOB")
    assert (
        "Last change: <@U0ALICE> changed the description to *diffusion models* and the "
        "schedule to daily at 07:15 (America/Los_Angeles), Wed 10 Dec"
    ) in json.dumps(view, ensure_ascii=False)
    check_limits(view)


@pytest.mark.parametrize("undoer", ["U0ALICE", "U0BOB"])
def test_the_changer_or_the_owner_can_undo_a_change(
    slack: SlackSender, fake_slack: FakeSlack, services: Services, undoer: str
) -> None:
    in_channel(slack, fake_slack, "channel subscribe LLM inference", user="U0BOB")
    announced = notice(
        in_channel(slack, fake_slack, "channel subscribe diffusion models at 07:15", user="U0ALICE")
    )
    reply = undo(slack, fake_slack, with_block_ids(announced), undoer)
    assert (reply["response_type"], reply["replace_original"]) == ("in_channel", True)
    assert reply["text"] == (
        f"<@{undoer}> undid <@U0ALICE>'s change to this channel's paper digest (changed the "
        "description to *diffusion models* and the schedule to daily at 07:15 "
        "(America/Los_Angeles))."
    )
    check_limits(reply)
    assert services.store.profiles.get(CHANNEL).description == "LLM inference"
    state = services.store.subscriptions.state(CHANNEL)
    assert (state.schedule.at, state.owner) == ("09:00", BOB)
    # Pressed again (another client still showed the button): nothing more happens.
    again = undo(slack, fake_slack, with_block_ids(announced), undoer)
    assert again["text"] == ":warning: That change was undone already."
    assert again["response_type"] == "ephemeral"


def test_no_one_else_can_undo_and_an_older_change_cannot_be_undone(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    in_channel(slack, fake_slack, "channel subscribe LLM inference", user="U0BOB")
    first = notice(in_channel(slack, fake_slack, "channel subscribe diffusion", user="U0ALICE"))
    refused = undo(slack, fake_slack, with_block_ids(first), "U0CAROL")
    assert refused["text"] == (
        ":warning: Only whoever made this change, or set the digest up, can undo it."
    )
    assert refused["response_type"] == "ephemeral"
    assert services.store.profiles.get(CHANNEL).description == "diffusion"
    in_channel(slack, fake_slack, "channel subscribe protein folding", user="U0ALICE")
    stale = undo(slack, fake_slack, with_block_ids(first), "U0ALICE")
    assert stale["text"] == (
        ":warning: The digest was changed again since: undo the latest change first."
    )
    assert services.store.profiles.get(CHANNEL).description == "protein folding"


def test_undoing_an_unsubscribe_brings_the_digest_back_with_its_owner(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    in_channel(slack, fake_slack, "channel subscribe LLM inference at 08:00", user="U0BOB")
    announced = notice(in_channel(slack, fake_slack, "channel unsubscribe", user="U0ALICE"))
    assert announced["text"] == "<@U0ALICE> changed this channel's paper digest: stopped it"
    assert services.store.subscriptions.state(CHANNEL) is None
    undo(slack, fake_slack, with_block_ids(announced), "U0BOB")
    state = services.store.subscriptions.state(CHANNEL)
    assert (state.schedule.at, state.owner, state.paused) == ("08:00", BOB, None)


def test_undoing_a_first_subscription_stops_it(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    announced = notice(
        in_channel(slack, fake_slack, "channel subscribe LLM inference", user="U0BOB")
    )
    undo(slack, fake_slack, with_block_ids(announced), "U0BOB")
    assert services.store.subscriptions.state(CHANNEL) is None


def test_a_personal_subscription_is_not_announced(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    answer = slack.command("subscribe LLM inference", user="U0BOB", channel="C0PAPERS")
    [reply] = fake_slack.wait_for_reply(answer.response_url)
    assert reply["response_type"] == "ephemeral"
    assert services.store.subscriptions.last_change(BOB) is None
    # Another command's reply arriving proves no second reply was on its way.
    fake_slack.wait_for_reply(slack.command("help", user="U0BOB").response_url)
    assert len(fake_slack.replies_to(answer.response_url)) == 1


@pytest.mark.parametrize("value", ["not-a-number", "99"])
def test_an_unknown_undo_button_says_so(
    slack: SlackSender, fake_slack: FakeSlack, services: Services, value: str
) -> None:
    answer = slack.click(UNDO_CHANGE, value, user="U0BOB")
    [reply] = fake_slack.wait_for_reply(answer.response_url)
    assert reply["text"].startswith(":warning: ")
    assert reply["response_type"] == "ephemeral"


def test_channel_settings_saved_in_the_modal_are_announced(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    in_channel(slack, fake_slack, "channel subscribe LLM inference", user="U0BOB")
    command = slack.command("channel settings", user="U0ALICE", channel="C0PAPERS")
    view = opened_view(fake_slack)
    values = filled(view, keywords="speculative decoding", digest_size="7")
    assert slack.submit(view, values, user="U0ALICE").body == ""
    [announced] = fake_slack.wait_for_reply(command.response_url)
    assert announced["response_type"] == "in_channel"
    assert announced["text"] == (
        "<@U0ALICE> changed this channel's paper digest: changed the keywords and the "
        "papers per digest"
    )
    check_limits(announced)
    undo(slack, fake_slack, with_block_ids(announced), "U0ALICE")
    assert services.store.profiles.get(CHANNEL).keywords == ()
    assert services.store.subscriptions.state(CHANNEL).owner == BOB


def test_subscribing_again_resumes_a_paused_digest_and_undo_pauses_it_again(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    in_channel(slack, fake_slack, "channel subscribe LLM inference", user="U0BOB")
    services.store.subscriptions.failed(CHANNEL, "slack: not_in_channel", pause_after=1, now=NOW)
    announced = notice(
        in_channel(slack, fake_slack, "channel subscribe LLM inference", user="U0BOB")
    )
    assert announced["text"].endswith(": saved it unchanged; resumed it")
    state = services.store.subscriptions.state(CHANNEL)
    assert (state.paused, state.failures) == (None, 0)
    undo(slack, fake_slack, with_block_ids(announced), "U0BOB")
    assert services.store.subscriptions.state(CHANNEL).paused == "slack: not_in_channel"
