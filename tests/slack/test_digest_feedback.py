"""The buttons of a posted digest through the real app: each press shown in its pick's
message as the store knows it, with Undo, and in a channel with who pressed."""

from __future__ import annotations

from slack_sdk.models.views import View

from bot.blocks import DIGEST_MORE, DIGEST_NOT_INTERESTED, DIGEST_SAVE, DIGEST_UNDO, SHARE
from bot.services import Services
from bot.share_modal import SHARE_VIEW
from bot.targets import channel_target, user_target
from recommender.delivery import Deliverer
from tests.slack.blockkit import check_inert, check_limits
from tests.slack.conftest import NINE_UTC, NOW, digest_posts, subscribe
from tests.slack.harness import TEAM_ID, FakeSlack, SlackSender

ALICE = user_target(TEAM_ID, "U0ALICE")
CHANNEL = channel_target(TEAM_ID, "C0PAPERS")


def posted(services: Services, fake_slack: FakeSlack, target: str) -> list[dict]:
    """The digest's pick messages as Slack keeps them (after the header), one pick each."""
    _, *messages = digest_posts(services, fake_slack, target)
    assert all(len(picks(message)) == 1 for message in messages)
    return messages


def picks(message: dict) -> list[str]:
    return [
        element["value"]
        for block in message["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == DIGEST_MORE
    ]


def notes(message: dict) -> dict[str, str]:
    """The note in place of each pressed pick's buttons, by paper id."""
    return {
        block["accessory"]["value"]: block["text"]["text"]
        for block in message["blocks"]
        if block.get("accessory", {}).get("action_id") == DIGEST_UNDO
    }


def updates(fake_slack: FakeSlack, count: int) -> list[dict]:
    fake_slack.wait_until(lambda: len(fake_slack.calls_to("chat.update")) >= count)
    return [call.body for call in fake_slack.calls_to("chat.update")]


def test_a_press_redraws_the_pressed_picks_message_alone(
    slack: SlackSender, deliverer: Deliverer, services: Services, fake_slack: FakeSlack
) -> None:
    subscribe(services, ALICE)
    deliverer.deliver_due(NOW)
    one, two, *_ = posted(services, fake_slack, ALICE)
    [first], [second] = picks(one), picks(two)
    slack.click_in_message(DIGEST_SAVE, first, message=one)
    slack.click_in_message(DIGEST_NOT_INTERESTED, second, message=two)
    redrawn = {update["ts"]: update for update in updates(fake_slack, 2)}
    assert set(redrawn) == {one["ts"], two["ts"]}  # the header and the other picks stay
    assert notes(redrawn[one["ts"]])[first].startswith("🔖 Saved")
    assert notes(redrawn[two["ts"]])[second].startswith(
        "👎 Noted: fewer papers like this one in your next"
    )
    assert picks(redrawn[one["ts"]]) == picks(redrawn[two["ts"]]) == []
    # Slack asks for new block ids in an updated message.
    for before in (one, two):
        after = redrawn[before["ts"]]
        ids = [{b["block_id"] for b in m["blocks"] if "block_id" in b} for m in (before, after)]
        assert not ids[0] & ids[1]
        check_limits(after)
        check_inert(after)


def test_two_quick_presses_on_one_pick_show_the_last(
    slack: SlackSender, deliverer: Deliverer, services: Services, fake_slack: FakeSlack
) -> None:
    subscribe(services, ALICE)
    deliverer.deliver_due(NOW)
    message = posted(services, fake_slack, ALICE)[0]
    [paper] = picks(message)
    slack.click_in_message(DIGEST_SAVE, paper, message=message)
    updates(fake_slack, 1)
    # The second press's payload still carries the message as first posted.
    slack.click_in_message(DIGEST_NOT_INTERESTED, paper, message=message)
    last = updates(fake_slack, 2)[-1]
    assert notes(last)[paper].startswith("👎 Noted: fewer papers like this one in your next")
    assert services.store.profiles.get(ALICE).disliked == (paper,)
    check_limits(last)


def test_undo_in_a_digest_restores_the_buttons_and_the_saved_list(
    slack: SlackSender, deliverer: Deliverer, services: Services, fake_slack: FakeSlack
) -> None:
    subscribe(services, ALICE)
    deliverer.deliver_due(NOW)
    message = posted(services, fake_slack, ALICE)[0]
    paper = picks(message)[0]
    slack.click_in_message(DIGEST_SAVE, paper, message=message)
    [saved] = updates(fake_slack, 1)
    assert services.store.profiles.saved(ALICE) == [paper]
    slack.click_in_message(DIGEST_UNDO, paper, message={**message, **saved})
    restored = updates(fake_slack, 2)[-1]
    assert notes(restored) == {} and picks(restored) == picks(message)
    assert services.store.profiles.saved(ALICE) == []
    assert services.store.profiles.get(ALICE).liked == ()
    check_limits(restored)


def test_a_channel_press_names_who_pressed_and_only_they_undo_it(
    slack: SlackSender, deliverer: Deliverer, services: Services, fake_slack: FakeSlack
) -> None:
    subscribe(services, CHANNEL)
    deliverer.deliver_due(NOW)
    message = posted(services, fake_slack, CHANNEL)[0]
    paper = picks(message)[0]
    slack.click_in_message(DIGEST_NOT_INTERESTED, paper, message=message, user="U0ALICE")
    [pressed] = updates(fake_slack, 1)
    assert notes(pressed) == {paper: "👎 <@U0ALICE> marked this not interesting for this channel."}
    check_limits(pressed)
    check_inert(pressed, mentions=("U0ALICE",))
    now = {**message, **pressed}
    answer = slack.click_in_message(DIGEST_UNDO, paper, message=now, user="U0BOB")
    [refused] = fake_slack.wait_for_reply(answer.response_url)
    assert refused["response_type"] == "ephemeral"
    assert refused["text"] == (
        ":warning: only the person who pressed it (or who set this digest up) can undo it"
    )
    assert len(fake_slack.calls_to("chat.update")) == 1
    assert services.store.profiles.get(CHANNEL).disliked == (paper,)
    slack.click_in_message(DIGEST_UNDO, paper, message=now, user="U0ALICE")
    restored = updates(fake_slack, 2)[-1]
    assert notes(restored) == {} and picks(restored) == picks(message)
    assert services.store.profiles.get(CHANNEL).disliked == ()


def test_whoever_set_a_channel_digest_up_may_undo_anyones_press(
    slack: SlackSender, deliverer: Deliverer, services: Services, fake_slack: FakeSlack
) -> None:
    subscribe(services, CHANNEL)
    services.store.subscriptions.remove(CHANNEL)  # set up again, by its owner
    owner = user_target(TEAM_ID, "U0OWNER")
    services.store.subscriptions.save(CHANNEL, NINE_UTC, now=NOW, owner=owner)
    deliverer.deliver_due(NOW)
    message = posted(services, fake_slack, CHANNEL)[0]
    paper = picks(message)[0]
    slack.click_in_message(DIGEST_NOT_INTERESTED, paper, message=message, user="U0ALICE")
    [pressed] = updates(fake_slack, 1)
    now = {**message, **pressed}
    slack.click_in_message(DIGEST_UNDO, paper, message=now, user="U0OWNER")
    restored = updates(fake_slack, 2)[-1]
    assert notes(restored) == {} and picks(restored) == picks(message)
    assert services.store.profiles.get(CHANNEL).disliked == ()


def test_more_like_this_in_a_digest_also_shows_similar_papers(
    slack: SlackSender, deliverer: Deliverer, services: Services, fake_slack: FakeSlack
) -> None:
    subscribe(services, ALICE)
    deliverer.deliver_due(NOW)
    message = posted(services, fake_slack, ALICE)[0]
    paper = picks(message)[0]
    answer = slack.click_in_message(DIGEST_MORE, paper, message=message)
    [similar] = fake_slack.wait_for_reply(answer.response_url)
    assert similar["response_type"] == "ephemeral" and similar["replace_original"] is False
    assert similar["blocks"][0]["text"]["text"].startswith("Papers like *<https://")
    [update] = updates(fake_slack, 1)
    assert notes(update)[paper].startswith("👍 Noted: more papers like this one")
    assert services.store.profiles.get(ALICE).liked == (paper,)
    check_limits(similar)
    check_inert(similar)


def test_a_press_on_a_message_the_ledger_does_not_hold_is_kept_and_said(
    slack: SlackSender, deliverer: Deliverer, services: Services, fake_slack: FakeSlack
) -> None:
    subscribe(services, ALICE)
    deliverer.deliver_due(NOW)
    message = {**posted(services, fake_slack, ALICE)[0], "ts": "1600000000.000001"}
    paper = picks(message)[0]
    answer = slack.click_in_message(DIGEST_NOT_INTERESTED, paper, message=message)
    [reply] = fake_slack.wait_for_reply(answer.response_url)
    assert reply["text"] == (
        ":warning: I can no longer redraw this digest message, but what you pressed is done"
    )
    assert fake_slack.calls_to("chat.update") == []
    assert services.store.profiles.get(ALICE).disliked == (paper,)


def test_share_is_under_each_pick_of_a_personal_digest_only(
    slack: SlackSender, deliverer: Deliverer, services: Services, fake_slack: FakeSlack
) -> None:
    subscribe(services, ALICE)
    subscribe(services, CHANNEL)
    deliverer.deliver_due(NOW)
    mine = posted(services, fake_slack, ALICE)
    theirs = posted(services, fake_slack, CHANNEL)
    assert [shared(m) for m in mine] == [picks(m) for m in mine] and len(mine) == 5
    assert [shared(m) for m in theirs] == [[]] * len(theirs) and theirs
    slack.click_in_message(SHARE, picks(mine[0])[0], message=mine[0])
    fake_slack.wait_until(lambda: fake_slack.calls_to("views.open"))
    [call] = fake_slack.calls_to("views.open")
    View(**call.body["view"]).validate_json()
    assert call.body["view"]["callback_id"] == SHARE_VIEW
    title = services.store.get(picks(mine[0])[0]).title
    assert call.body["view"]["blocks"][0]["text"]["text"] == f"*{title}*"


def shared(message: dict) -> list[str]:
    return [
        element["value"]
        for block in message["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == SHARE
    ]
