"""The shortcuts through the real app: *Find related papers* and *Save paper* on a message
(`message_action`), *Search papers* (`shortcut`) and its modal (`view_submission`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace

import pytest
from slack_sdk.models.views import View

from bot.listeners.shortcuts.related import RELATED
from bot.listeners.shortcuts.save_links import SAVE
from bot.listeners.shortcuts.search import SEARCH
from bot.search_modal import AUTHOR, CATEGORY, QUERY, SEARCH_VIEW, SINCE
from bot.services import Services
from bot.targets import user_target
from recommender.http import HttpClient
from recommender.lookup import PaperLookup
from tests.fake_arxiv import FakeArxiv
from tests.slack.blockkit import check_inert, check_limits
from tests.slack.harness import PATIENCE, TEAM_ID, FakeSlack, Reply, SlackSender
from tests.slack.test_settings import filled

STORED = "2507.07186"  # one of the samples
FETCHED = "1605.08386"  # only the fake arXiv has it
ALICE, BOB = user_target(TEAM_ID, "U0ALICE"), user_target(TEAM_ID, "U0BOB")


@pytest.fixture
def services(services: Services, fake_arxiv: FakeArxiv) -> Iterator[Services]:
    """The app's services with a look-up of papers on the fake arXiv."""
    client = HttpClient(retries=1, timeout=PATIENCE)
    lookup = PaperLookup(
        services.store, client, clock=services.clock, base_url=fake_arxiv.url, wait=PATIENCE
    )
    yield replace(services, lookup=lookup)


def link(paper_id: str, site: str = "https://arxiv.org/abs/") -> str:
    """A link as Slack writes it in a message's text."""
    return f"<{site}{paper_id}|{site.split('/')[2]}/…/{paper_id}>"


def answered(slack: SlackSender, fake_slack: FakeSlack, callback: str, text: str, **kw) -> dict:
    """The one ephemeral reply to a message shortcut on a message saying `text`, checked."""
    answer = slack.message_shortcut(callback, text, **kw)
    assert (answer.status, answer.body) == (200, "")
    [reply] = fake_slack.wait_for_reply(answer.response_url)
    assert reply["response_type"] == "ephemeral" and reply["replace_original"] is False
    check_limits(reply)
    check_inert(reply)
    return reply


# Find related papers ------------------------------------------------------------------------


def test_related_papers_to_a_messages_words(slack: SlackSender, fake_slack: FakeSlack) -> None:
    text = "<@U0ALICE> have a look at speculative decoding for LLM inference <!here>"
    reply = answered(slack, fake_slack, RELATED, text)
    heading = reply["blocks"][0]["text"]["text"]
    assert heading.startswith(
        "Papers for *“have a look at speculative decoding for LLM inference”*"
    )
    assert sum(block["type"] == "divider" for block in reply["blocks"]) >= 1


def test_related_papers_to_the_one_paper_a_message_links(
    slack: SlackSender, fake_slack: FakeSlack
) -> None:
    reply = answered(slack, fake_slack, RELATED, f"this one is great {link(STORED)}")
    heading = reply["blocks"][0]["text"]["text"]
    assert heading.startswith(
        f"Papers like *<https://arxiv.org/abs/{STORED}|Planted in Pretraining"
    )
    assert f"/abs/{STORED}|" not in json.dumps(reply["blocks"][1:])  # not itself


def test_related_papers_to_a_linked_paper_the_archive_lacks(
    slack: SlackSender, fake_slack: FakeSlack, fake_arxiv: FakeArxiv
) -> None:
    text = link(FETCHED, "https://huggingface.co/papers/")
    reply = answered(slack, fake_slack, RELATED, text)
    assert reply["blocks"][0]["text"]["text"].startswith(
        f"Papers like *<https://arxiv.org/abs/{FETCHED}|Heat-bath random walks"
    )
    assert fake_arxiv.asked == [FETCHED]


def test_a_message_with_nothing_to_relate_is_explained(
    slack: SlackSender, fake_slack: FakeSlack, fake_arxiv: FakeArxiv
) -> None:
    text = "<@U0ALICE> <https://arxiv.org/abs/2513.00001> <https://arxiv.org/abs/2501.00001>"
    reply = answered(slack, fake_slack, RELATED, text)
    assert reply["text"].startswith("This message has no words to search for")
    assert "Not found on arXiv (yet): `2501.00001`" in reply["text"]
    assert "Not arXiv ids (a typo in the link?): `2513.00001`" in reply["text"]
    assert fake_arxiv.asked == ["2501.00001"]


def test_a_refused_response_url_sends_the_answer_by_direct_message(
    slack: SlackSender, fake_slack: FakeSlack
) -> None:
    # A response URL posts are scripted under the method name "" (no Web API method).
    fake_slack.script("", Reply(404, {"ok": False, "error": "no_such_url"}))
    slack.message_shortcut(RELATED, "quantization of language models", user="U0BOB")
    fake_slack.wait_until(lambda: fake_slack.calls_to("chat.postMessage"))
    [dm] = fake_slack.calls_to("chat.postMessage")
    assert dm.body["channel"] == "U0BOB"
    assert dm.body["blocks"][0]["text"]["text"].startswith("Papers for *“quantization")
    check_limits(dm.body)


# Save paper -----------------------------------------------------------------------------


def test_save_paper_saves_what_the_message_links_and_says_what_it_could_not(
    slack: SlackSender, fake_slack: FakeSlack, fake_arxiv: FakeArxiv, services: Services
) -> None:
    text = (
        f"two good ones: {link(STORED, 'https://www.alphaxiv.org/abs/')} and "
        f"{link(FETCHED + 'v1')}, also {link(STORED + 'v2')} again, "
        f"{link('2513.00001')} and {link('2501.00001')}"
    )
    reply = answered(slack, fake_slack, SAVE, text, user="U0BOB")
    lines = reply["text"].split("\n")
    assert lines[0].startswith("🔖 Saved to your list: *<https://arxiv.org/abs/2507.07186|Planted")
    assert "; *<https://arxiv.org/abs/1605.08386|Heat-bath random walks" in lines[0]
    assert lines[1:] == [
        "Not found on arXiv (yet): `2501.00001`",
        "Not arXiv ids (a typo in the link?): `2513.00001`",
        "`/papers saved` lists your saved papers.",
    ]
    assert sorted(services.store.profiles.saved(BOB)) == [FETCHED, STORED]
    assert services.store.profiles.saved(ALICE) == []
    assert set(services.store.profiles.get(BOB).liked) == {FETCHED, STORED}
    again = answered(slack, fake_slack, SAVE, link(STORED), user="U0BOB")
    assert again["text"].startswith("Already on your list: *<https://arxiv.org/abs/2507.07186|")


def test_save_paper_on_a_message_without_links_explains_and_saves_nothing(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    reply = answered(slack, fake_slack, SAVE, "no links here, <!channel>")
    assert reply["text"] == (
        "This message links to no paper (arxiv.org, alphaxiv.org or huggingface.co/papers): "
        "there is nothing to save."
    )
    assert services.store.profiles.saved(ALICE) == []


def test_save_paper_with_only_a_malformed_link_says_so(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    reply = answered(slack, fake_slack, SAVE, f"see {link('0612.1234')}")
    assert reply["text"] == "Not arXiv ids (a typo in the link?): `0612.1234`"
    assert services.store.profiles.saved(ALICE) == []


# Search papers --------------------------------------------------------------------------


def search_modal(slack: SlackSender, fake_slack: FakeSlack) -> dict:
    assert slack.global_shortcut(SEARCH).status == 200
    fake_slack.wait_until(lambda: fake_slack.calls_to("views.open"))
    [call] = fake_slack.calls_to("views.open")
    assert call.body["trigger_id"] == "1.2.6"
    view = call.body["view"]
    View(**view).validate_json()  # slack_sdk's own model of a modal
    return view


def test_search_papers_opens_a_modal_whose_results_come_by_direct_message(
    slack: SlackSender, fake_slack: FakeSlack
) -> None:
    view = search_modal(slack, fake_slack)
    assert view["callback_id"] == SEARCH_VIEW
    values = filled(view, **{QUERY: "speculative decoding", CATEGORY: "cs.cl", SINCE: None})
    answer = slack.submit(view, values)
    assert (answer.status, answer.body) == (200, "")  # the modal closes
    fake_slack.wait_until(lambda: fake_slack.calls_to("chat.postMessage"))
    [dm] = fake_slack.calls_to("chat.postMessage")
    assert dm.body["channel"] == "U0ALICE"
    heading = dm.body["blocks"][0]["text"]["text"]
    assert heading.startswith("Papers for *“speculative decoding”* · in cs.CL · 1–")
    check_limits(dm.body)
    check_inert(dm.body)


def test_the_search_modal_names_each_bad_field_and_searches_nothing(
    slack: SlackSender, fake_slack: FakeSlack
) -> None:
    view = search_modal(slack, fake_slack)
    values = filled(view, **{QUERY: "  ", CATEGORY: "astroph", SINCE: "yesterdayish",
                             AUTHOR: "Ada"})  # fmt: skip
    answer = slack.submit(view, values)
    body = json.loads(answer.body)
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {QUERY, CATEGORY, SINCE}
    assert body["errors"][QUERY] == "Type a few words to search for."
    assert body["errors"][CATEGORY].startswith("Not an arXiv category: ")
    assert "yesterdayish" in body["errors"][SINCE]
    assert fake_slack.calls_to("chat.postMessage") == []
