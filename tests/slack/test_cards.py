"""The unfurl card and the search modal as data: golden snapshots (see golden.py), Slack's
limits and models, and feed text kept inert."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from slack_sdk.models.views import View

from bot.cards import Fans, paper_card, shared_card
from bot.search_modal import search_modal
from bot.share_modal import share_modal
from recommender.models import Paper
from tests.slack.blockkit import check_inert, check_limits
from tests.slack.golden import assert_golden

PAPER = Paper(
    id="2507.07186",
    title="Planted in Pretraining, Swayed by Finetuning",
    abstract="Large language models show cognitive biases. We trace where they come from.",
    authors=("Itay Itzhak", "Yonatan Belinkov", "Gabriel Stanovsky", "Ana Marasović", "X. Y."),
    categories=("cs.CL", "cs.AI"),
    published=datetime(2025, 7, 9, tzinfo=UTC),
)


def test_the_card_of_a_paper() -> None:
    card = paper_card(PAPER, Fans(3))
    check_limits(card)
    check_inert({"text": "", **card})
    assert_golden("unfurl_card", card)


@pytest.mark.parametrize(("fans", "said"), [(0, None), (1, "saved by 1 person here")])
def test_the_card_says_who_here_saved_it_only_when_someone_did(fans: int, said: str | None) -> None:
    about = paper_card(PAPER, Fans(fans))["blocks"][1]["elements"][0]["text"]
    assert about.endswith(f" · {said}") if said else "saved by" not in about


def test_a_card_with_a_tldr_and_huge_feed_text_fits_and_pings_no_one() -> None:
    paper = Paper(id="2511.99999", title="<!channel>" * 500, abstract="&" * 5000,
                  authors=("<@U1>",) * 50, extras={"ai_summary": "<!here> in short"})  # fmt: skip
    card = paper_card(paper, Fans(12))
    check_limits(card)
    check_inert({"text": "", **card})
    assert "TL;DR: &lt;!here&gt; in short" in card["blocks"][0]["text"]["text"]


def test_the_shared_card_names_the_sharer_and_counts_but_pings_no_fan() -> None:
    card = shared_card(PAPER, 3, "U0CY")
    check_limits(card)
    check_inert(card, mentions=("U0CY",))
    assert_golden("shared_card", card)
    about, shared = (block["elements"][0]["text"] for block in card["blocks"][1:3])
    assert about.endswith(" · saved by 3 people here")
    assert shared == "shared by <@U0CY> · Discuss in thread"


def test_a_shared_card_of_hostile_feed_text_pings_only_the_sharer() -> None:
    paper = Paper(id="2511.99999", title="<!channel> <@U0EVE>" * 100, abstract="<!here>",
                  authors=("<@U1>",) * 50)  # fmt: skip
    card = shared_card(paper, 0, "U0CY")
    check_limits(card)
    check_inert(card, mentions=("U0CY",))


def test_the_search_modal() -> None:
    view = search_modal()
    View(**view).validate_json()
    assert_golden("search_modal", view)


@pytest.mark.parametrize(
    ("channel", "picked"),
    [("C0GENERAL", {"initial_conversation": "C0GENERAL"}),
     ("D0ALICE", {"default_to_current_conversation": True}),
     (None, {"default_to_current_conversation": True})],
)  # fmt: skip
def test_the_share_modal_starts_on_the_channel_it_was_opened_in(channel, picked) -> None:
    view = share_modal(PAPER, opener="U0ALICE", channel=channel, key=b"k" * 32)
    View(**view).validate_json()
    select = view["blocks"][1]["element"]
    assert {k: v for k, v in select.items() if k in ("initial_conversation",
            "default_to_current_conversation")} == picked  # fmt: skip
    if channel == "C0GENERAL":
        assert_golden("share_modal", view)
