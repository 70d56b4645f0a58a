"""The unfurl card and the search modal as data: golden snapshots (see golden.py), Slack's
limits and models, and feed text kept inert."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from slack_sdk.models.views import View

from bot.cards import paper_card
from bot.search_modal import search_modal
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
    card = paper_card(PAPER, fans=3)
    check_limits(card)
    check_inert({"text": "", **card})
    assert_golden("unfurl_card", card)


@pytest.mark.parametrize(("fans", "said"), [(0, None), (1, "saved by 1 person here")])
def test_the_card_says_who_here_saved_it_only_when_someone_did(fans: int, said: str | None) -> None:
    about = paper_card(PAPER, fans)["blocks"][1]["elements"][0]["text"]
    assert about.endswith(f" · {said}") if said else "saved by" not in about


def test_a_card_with_a_tldr_and_huge_feed_text_fits_and_pings_no_one() -> None:
    paper = Paper(id="2511.99999", title="<!channel>" * 500, abstract="&" * 5000,
                  authors=("<@U1>",) * 50, extras={"ai_summary": "<!here> in short"})  # fmt: skip
    card = paper_card(paper, fans=12)
    check_limits(card)
    check_inert({"text": "", **card})
    assert "TL;DR: &lt;!here&gt; in short" in card["blocks"][0]["text"]["text"]


def test_the_search_modal() -> None:
    view = search_modal()
    View(**view).validate_json()
    assert_golden("search_modal", view)
