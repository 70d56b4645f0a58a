"""The buttons through the real app: signed clicks in, replies at the fake Slack."""

from __future__ import annotations

import pytest

from bot.blocks import MORE_LIKE_THIS, NEXT_PAGE, NOT_INTERESTED, SAVE, UNDO
from bot.services import Services
from bot.targets import user_target
from recommender.profiles import Profile
from tests.slack.blockkit import check_inert, check_limits
from tests.slack.harness import TEAM_ID, FakeSlack, SlackSender
from tests.support import logged_feedback


def sections(reply: dict) -> list[str]:
    return [block["text"]["text"] for block in reply["blocks"] if block["type"] == "section"]


def button_value(reply: dict, action_id: str) -> str:
    return next(
        element["value"]
        for block in reply["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == action_id
    )


def paper_ids(reply: dict) -> list[str]:
    return [
        block["elements"][0]["value"]
        for block in reply["blocks"]
        if block["type"] == "actions" and block["elements"][0]["action_id"] == MORE_LIKE_THIS
    ]


def test_next_page_replaces_the_results_with_the_next_five(
    slack: SlackSender, fake_slack: FakeSlack
) -> None:
    [first] = fake_slack.wait_for_reply(
        slack.command("transformers --since 2025-07-01").response_url
    )
    answer = slack.click(NEXT_PAGE, button_value(first, NEXT_PAGE))
    assert answer.status == 200
    [second] = fake_slack.wait_for_reply(answer.response_url)
    assert second["replace_original"] is True
    assert second["response_type"] == "ephemeral"
    assert sections(second)[0] == "Papers for *“transformers”* · since 2025-07-01 · 6–10 of 35"
    assert len(paper_ids(second)) == 5
    assert not set(paper_ids(first)) & set(paper_ids(second))
    check_limits(second)


def search(slack: SlackSender, fake_slack: FakeSlack, text: str = "transformers") -> dict:
    [card] = fake_slack.wait_for_reply(slack.command(text).response_url)
    return card


def notes(reply: dict) -> dict[str, str]:
    """The note shown in place of each pressed paper's buttons, by paper id."""
    return {
        block["accessory"]["value"]: block["text"]["text"]
        for block in reply["blocks"]
        if block.get("accessory", {}).get("action_id") == UNDO
    }


def test_more_like_this_shows_the_press_on_the_card_and_answers_with_similar_papers(
    slack: SlackSender, fake_slack: FakeSlack
) -> None:
    card = search(slack, fake_slack)
    paper = paper_ids(card)[0]
    answer = slack.click_in_reply(MORE_LIKE_THIS, paper, reply=card)
    updated, similar = fake_slack.wait_for_reply(answer.response_url, count=2)
    assert updated["replace_original"] is True
    assert notes(updated) == {paper: "👍 Noted: more papers like this one in your next digests."}
    assert similar["replace_original"] is False
    assert sections(similar)[0].startswith("Papers like *<https://")
    assert len(paper_ids(similar)) == 5
    assert paper not in paper_ids(similar)
    for reply in (updated, similar):
        check_limits(reply)
        check_inert(reply)


def test_save_keeps_the_paper_for_the_person_who_clicked(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    card = search(slack, fake_slack)
    paper = paper_ids(card)[0]
    [saved] = fake_slack.wait_for_reply(
        slack.click_in_reply(SAVE, paper, reply=card, user="U0ALICE").response_url
    )
    assert saved["replace_original"] is True and saved["response_type"] == "ephemeral"
    assert notes(saved) == {paper: "🔖 Saved: `/papers saved` lists your saved papers."}
    assert services.store.profiles.saved(user_target(TEAM_ID, "U0ALICE")) == [paper]
    assert services.store.profiles.saved(user_target(TEAM_ID, "U0BOB")) == []


def test_not_interested_is_shown_on_the_card(slack: SlackSender, fake_slack: FakeSlack) -> None:
    card = search(slack, fake_slack)
    paper = paper_ids(card)[1]
    answer = slack.click_in_reply(NOT_INTERESTED, paper, reply=card)
    [reply] = fake_slack.wait_for_reply(answer.response_url)
    assert reply["replace_original"] is True and reply["response_type"] == "ephemeral"
    assert notes(reply) == {paper: "👎 Noted: fewer papers like this one in your next digests."}
    assert paper_ids(reply) == [i for i in paper_ids(card) if i != paper]
    check_limits(reply)


def test_presses_on_one_card_each_update_it_and_all_show(
    slack: SlackSender, fake_slack: FakeSlack
) -> None:
    # Before, each press posted one more ephemeral message: five saves, five messages.
    card = search(slack, fake_slack)
    first, second = paper_ids(card)[:2]
    saved = slack.click_in_reply(SAVE, first, reply=card)
    fake_slack.wait_for_reply(saved.response_url)
    # The second click is on the card as first sent: what shows comes from the store.
    answer = slack.click_in_reply(NOT_INTERESTED, second, reply=card)
    [reply] = fake_slack.wait_for_reply(answer.response_url)
    assert reply["replace_original"] is True
    assert set(notes(reply)) == {first, second}
    assert notes(reply)[first].startswith("🔖 Saved")


def test_undo_on_a_card_restores_its_buttons_and_what_the_press_changed(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    alice = user_target(TEAM_ID, "U0ALICE")
    card = search(slack, fake_slack)
    paper = paper_ids(card)[0]
    [saved] = fake_slack.wait_for_reply(slack.click_in_reply(SAVE, paper, reply=card).response_url)
    [undone] = fake_slack.wait_for_reply(
        slack.click_in_reply(UNDO, paper, reply=saved).response_url
    )
    assert undone["replace_original"] is True
    assert notes(undone) == {} and paper_ids(undone) == paper_ids(card)
    assert services.store.profiles.saved(alice) == []
    assert services.store.profiles.get(alice).liked == ()
    [again] = fake_slack.wait_for_reply(slack.click_in_reply(UNDO, paper, reply=saved).response_url)
    assert again["text"] == f":warning: there is nothing to undo on {paper}: it was undone already"


def test_a_query_too_long_for_a_button_still_pages(
    slack: SlackSender, fake_slack: FakeSlack
) -> None:
    # Before, *Next 5* was left out when the query did not fit in its 2,000-character value.
    card = search(slack, fake_slack, "transformers " * 160 + "--since 2025-07-01")
    assert sections(card)[0].startswith("Papers for *“transformers transformers")
    answer = slack.click_in_reply(NEXT_PAGE, button_value(card, NEXT_PAGE), reply=card)
    [second] = fake_slack.wait_for_reply(answer.response_url)
    assert " · 6–10 of " in sections(second)[0]
    assert not set(paper_ids(card)) & set(paper_ids(second))
    check_limits(second)


def test_a_press_without_a_card_gets_its_own_note_with_undo(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    [note] = fake_slack.wait_for_reply(slack.click(SAVE, "2507.07186").response_url)
    assert note["replace_original"] is False
    [(paper, text)] = notes(note).items()
    assert paper == "2507.07186"
    assert text.startswith("*<https://arxiv.org/abs/2507.07186|Planted in Pretraining")
    assert text.endswith(">*\n🔖 Saved: `/papers saved` lists your saved papers.")
    [undone] = fake_slack.wait_for_reply(
        slack.click_in_reply(UNDO, "2507.07186", reply=note).response_url
    )
    assert undone["replace_original"] is True and undone["text"].startswith("Undone: *<https")
    assert services.store.profiles.saved(user_target(TEAM_ID, "U0ALICE")) == []
    check_limits(note)


def test_a_paper_gone_from_the_archive(slack: SlackSender, fake_slack: FakeSlack) -> None:
    [saved] = fake_slack.wait_for_reply(slack.click(SAVE, "2501.99999").response_url)
    [similar] = fake_slack.wait_for_reply(slack.click(MORE_LIKE_THIS, "2501.99999").response_url)
    assert saved["text"] == "That paper is no longer in the archive."
    assert similar["text"] == "That paper is no longer in the archive."


def test_a_stale_next_button_asks_to_search_again(
    slack: SlackSender, fake_slack: FakeSlack
) -> None:
    [reply] = fake_slack.wait_for_reply(slack.click(NEXT_PAGE, '{"page": 2}').response_url)
    assert reply["text"] == ":warning: this button is from an older message; run the search again"
    [gone] = fake_slack.wait_for_reply(slack.click(NEXT_PAGE, "0123456789abcdef:5").response_url)
    assert gone["text"] == ":warning: this search is too old to page or change; run it again"


@pytest.mark.parametrize(
    ("action_id", "feedback", "learned"),
    [
        (MORE_LIKE_THIS, "more", "liked"),
        (SAVE, "save", "liked"),
        (NOT_INTERESTED, "not_interested", "disliked"),
    ],
)
def test_the_buttons_teach_the_pressers_profile(
    slack: SlackSender,
    fake_slack: FakeSlack,
    services: Services,
    action_id: str,
    feedback: str,
    learned: str,
) -> None:
    alice = user_target(TEAM_ID, "U0ALICE")
    services.store.profiles.save(alice, Profile(description="LLM"), now=services.clock())
    fake_slack.wait_for_reply(slack.click(action_id, "2507.07186").response_url)
    [(paper_id, action, _)] = logged_feedback(services.store, alice)
    assert (paper_id, action) == ("2507.07186", feedback)
    assert getattr(services.store.profiles.get(alice), learned) == ("2507.07186",)


@pytest.mark.parametrize(
    ("action_id", "learned"),
    [(MORE_LIKE_THIS, "liked"), (SAVE, "liked"), (NOT_INTERESTED, "disliked")],
)
def test_feedback_before_subscribing_is_kept(
    slack: SlackSender, fake_slack: FakeSlack, services: Services, action_id: str, learned: str
) -> None:
    alice = user_target(TEAM_ID, "U0ALICE")
    fake_slack.wait_for_reply(slack.click(action_id, "2507.07186").response_url)
    assert getattr(services.store.profiles.get(alice), learned) == ("2507.07186",)
    assert services.store.subscriptions.get(alice) is None
    fake_slack.wait_for_reply(slack.command("subscribe LLM pretraining").response_url)
    assert getattr(services.store.profiles.get(alice), learned) == ("2507.07186",)


def test_search_results_stop_where_the_evidence_ends(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    # Before the floor, the dense run's 100 nearest papers were all "results", however far.
    [reply] = fake_slack.wait_for_reply(slack.command("speculative decoding").response_url)
    heading = sections(reply)[0]
    assert heading.startswith("Papers for *“speculative decoding”* · 1–5 of ")
    total = int(heading.rsplit(" of ", 1)[1])
    shown = paper_ids(reply)
    while any(_has_next(block) for block in reply["blocks"]):
        answer = slack.click(NEXT_PAGE, button_value(reply, NEXT_PAGE))
        [reply] = fake_slack.wait_for_reply(answer.response_url)
        shown += paper_ids(reply)
    assert len(shown) == len(set(shown)) == total < 100
    engine = services.engine
    floor = engine.floor.dense
    lexical = set(engine.bm25_run("speculative decoding", 1000).keys.tolist())
    dense = engine.dense_run("speculative decoding", 1000)
    close = set(dense.keys[dense.scores >= floor].tolist())
    keys = services.store.keys_of(shown)
    assert all(keys[paper_id] in lexical | close for paper_id in shown)


def _has_next(block: dict) -> bool:
    return block["type"] == "actions" and any(
        element["action_id"] == NEXT_PAGE for element in block["elements"]
    )


def test_each_button_tells_a_screen_reader_which_paper_it_is_for(
    slack: SlackSender, fake_slack: FakeSlack
) -> None:
    [reply] = fake_slack.wait_for_reply(slack.command("speculative decoding").response_url)
    buttons = [
        element
        for block in reply["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] != NEXT_PAGE
    ]
    labels = [button["accessibility_label"] for button in buttons]
    assert len(buttons) == 20 and len(set(labels)) == 20  # four buttons for each of five
    assert labels[0].startswith("More like this: ") and labels[1].startswith("Save: ")
    check_limits(reply)
