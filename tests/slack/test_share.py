"""*Share* through the real app: the button under search results and on a paper card opens
the modal (checked with slack_sdk's view model), its submission posts a card in the channel
picked, recorded so that reactions on it teach; and the cases Slack or the person get wrong."""

from __future__ import annotations

import json

from slack_sdk.models.views import View
from sqlalchemy import func, select

from bot.blocks import SHARE
from bot.services import Services
from bot.share_modal import SHARE_VIEW, WHERE
from bot.targets import user_target
from recommender.store.schema import paper_messages
from tests.slack.blockkit import check_inert, check_limits
from tests.slack.conftest import NOW
from tests.slack.harness import TEAM_ID, FakeSlack, Reply, SlackSender
from tests.slack.test_reactions import disliked, eventually

STORED = "2507.07186"
BOB = user_target(TEAM_ID, "U0BOB")


def share_modal(fake_slack: FakeSlack, count: int = 1) -> dict:
    fake_slack.wait_until(lambda: len(fake_slack.calls_to("views.open")) >= count)
    view = fake_slack.calls_to("views.open")[count - 1].body["view"]
    View(**view).validate_json()  # slack_sdk's own model of a modal
    assert view["callback_id"] == SHARE_VIEW
    return view


def picked(channel: str | None) -> dict:
    return {WHERE: {WHERE: {"type": "conversations_select", "selected_conversation": channel}}}


def posted_cards(fake_slack: FakeSlack, channel: str) -> list[dict]:
    return [c.body for c in fake_slack.calls_to("chat.postMessage") if c.body["channel"] == channel]


def test_share_under_a_search_result_posts_a_card_whose_reactions_teach(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    services.store.profiles.save_paper(BOB, STORED, now=NOW)
    assert slack.click(SHARE, STORED).status == 200
    view = share_modal(fake_slack)
    select = view["blocks"][1]["element"]
    assert select["initial_conversation"] == "C0GENERAL"  # where the button was pressed
    answer = slack.submit(view, picked("C0RESEARCH"))
    assert (answer.status, answer.body) == (200, "")  # the modal closes
    fake_slack.wait_until(lambda: posted_cards(fake_slack, "C0RESEARCH"))
    [card] = posted_cards(fake_slack, "C0RESEARCH")
    check_limits(card)
    check_inert(card, mentions=("U0ALICE",))
    assert card["unfurl_links"] is False and card["unfurl_media"] is False
    contexts = [b["elements"][0]["text"] for b in card["blocks"] if b["type"] == "context"]
    assert contexts[0].endswith(" · saved by 1 person here")  # Bob counted, not pinged
    assert contexts[1] == "shared by <@U0ALICE> · Discuss in thread"
    assert "Planted in Pretraining" in card["text"]
    [accepted] = [r for c, r in zip(fake_slack.calls, fake_slack.answers, strict=True)
                  if c.method == "chat.postMessage"]  # fmt: skip
    ts = accepted.body["ts"]
    eventually(lambda: services.store.messages.find(TEAM_ID, "C0RESEARCH", ts) is not None)
    event = {"type": "reaction_added", "user": "U0BOB", "reaction": "-1", "item_user": "U0BOT",
             "item": {"type": "message", "channel": "C0RESEARCH", "ts": ts},
             "event_ts": "1700000001.000100"}  # fmt: skip
    assert slack.event(event).status == 200
    eventually(lambda: disliked(services, BOB) == (STORED,))
    assert services.store.profiles.get(user_target(TEAM_ID, "U0ALICE")) is None


def test_share_on_an_unfurled_card_starts_on_its_channel(
    slack: SlackSender, fake_slack: FakeSlack
) -> None:
    url = f"https://arxiv.org/abs/{STORED}"
    assert slack.click_in_unfurl(SHARE, STORED, url=url).status == 200
    assert share_modal(fake_slack)["blocks"][1]["element"]["initial_conversation"] == "C0GENERAL"


def test_sharing_where_the_app_is_not_a_member_tells_the_sharer_and_records_nothing(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    fake_slack.script("chat.postMessage", Reply(body={"ok": False, "error": "not_in_channel"}))
    slack.click(SHARE, STORED)
    slack.submit(share_modal(fake_slack), picked("C0ELSEWHERE"))
    fake_slack.wait_until(lambda: posted_cards(fake_slack, "U0ALICE"))
    [dm] = posted_cards(fake_slack, "U0ALICE")
    check_limits(dm)
    assert "I am not a member there" in dm["text"] and "`/invite @papers`" in dm["text"]
    assert "<#C0ELSEWHERE>" in dm["text"]
    with services.store.engine.connect() as conn:  # the refused card is not recorded
        assert conn.scalar(select(func.count()).select_from(paper_messages)) == 0


def test_a_share_without_a_channel_keeps_the_modal_open_and_posts_nothing(
    slack: SlackSender, fake_slack: FakeSlack
) -> None:
    slack.click(SHARE, STORED)
    answer = slack.submit(share_modal(fake_slack), picked(None))
    body = json.loads(answer.body)
    assert body == {"response_action": "errors",
                    "errors": {WHERE: "Pick the channel to share the paper in."}}  # fmt: skip
    assert fake_slack.calls_to("chat.postMessage") == []


def test_someone_elses_or_a_tampered_share_modal_is_refused(
    slack: SlackSender, fake_slack: FakeSlack
) -> None:
    slack.click(SHARE, STORED)
    view = share_modal(fake_slack)
    answer = slack.submit(view, picked("C0GENERAL"), user="U0MALLORY")
    assert json.loads(answer.body)["response_action"] == "errors"
    sealed = json.loads(view["private_metadata"])
    sealed["data"]["paper"] = "2507.07188"
    tampered = {**view, "private_metadata": json.dumps(sealed)}
    assert json.loads(slack.submit(tampered, picked("C0GENERAL")).body)["response_action"] == (
        "errors"
    )
    assert fake_slack.calls_to("chat.postMessage") == []


def test_share_of_a_paper_no_longer_in_the_archive_says_so(
    slack: SlackSender, fake_slack: FakeSlack
) -> None:
    answer = slack.click(SHARE, "2599.99999")
    [reply] = fake_slack.wait_for_reply(answer.response_url)
    assert reply["text"] == "That paper is no longer in the archive."
    assert fake_slack.calls_to("views.open") == []
