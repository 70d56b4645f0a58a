"""Paper links unfurl into cards: `link_shared` events through the real app, arXiv faked on
loopback, every card checked with slack_sdk's models; and the cards' buttons."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from bot.blocks import MORE_LIKE_THIS, NOT_INTERESTED, SAVE, SHARE, UNDO
from bot.services import Services
from bot.targets import user_target
from recommender.http import HttpClient
from recommender.lookup import PaperLookup
from recommender.models import Paper
from tests.fake_arxiv import FakeArxiv
from tests.slack.blockkit import check_inert, check_limits
from tests.slack.conftest import NOW, add_papers
from tests.slack.harness import PATIENCE, TEAM_ID, FakeSlack, SlackSender

STORED = "2507.07186"  # one of the samples
STORED_TITLE = "Planted in Pretraining, Swayed by Finetuning"
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


def shared(slack: SlackSender, *urls: str, ts: str = "1700000000.000300", **sending) -> None:
    """Slack tells the app that a message in #general links to `urls`."""
    links = [{"domain": url.split("/")[2], "url": url} for url in urls]
    event = {"type": "link_shared", "channel": "C0GENERAL", "user": "U0BOB", "message_ts": ts,
             "links": links, "source": "conversations_history",
             "event_ts": "1700000000.000301"}  # fmt: skip
    assert slack.event(event, **sending).status == 200


def unfurls(fake_slack: FakeSlack, count: int = 1, *, mentions: tuple[str, ...] = ()) -> list[dict]:
    """The bodies of the first `count` chat.unfurl calls, each card checked (naming only
    the people of `mentions`)."""
    fake_slack.wait_until(lambda: len(fake_slack.calls_to("chat.unfurl")) >= count)
    bodies = [call.body for call in fake_slack.calls_to("chat.unfurl")]
    for body in bodies:
        for card in body["unfurls"].values():
            check_limits(card)
            check_inert({"text": "", **card}, mentions=mentions)
    return bodies


def texts(card: dict) -> list[str]:
    return [
        block.get("text", {}).get("text") or block["elements"][0]["text"]
        for block in card["blocks"]
        if block["type"] in ("section", "context")
    ]


def settle(slack: SlackSender, fake_slack: FakeSlack) -> None:
    """Wait until the events before have had their chance: a later unfurl has come."""
    before = len(fake_slack.calls_to("chat.unfurl"))
    shared(slack, f"https://arxiv.org/abs/{STORED}", ts="1700000099.000000")
    fake_slack.wait_until(lambda: len(fake_slack.calls_to("chat.unfurl")) > before)


@pytest.mark.parametrize(
    "url",
    [
        f"https://arxiv.org/abs/{STORED}",
        f"https://arxiv.org/abs/{STORED}v2",
        f"https://arxiv.org/pdf/{STORED}v1",
        f"https://arxiv.org/html/{STORED}v1",
        f"https://www.alphaxiv.org/abs/{STORED}",
        f"https://huggingface.co/papers/{STORED}",
    ],
)
def test_a_paper_link_unfurls_into_a_card(
    slack: SlackSender, fake_slack: FakeSlack, fake_arxiv: FakeArxiv, url: str
) -> None:
    shared(slack, url)
    [body] = unfurls(fake_slack)
    assert (body["channel"], body["ts"]) == ("C0GENERAL", "1700000000.000300")
    card = body["unfurls"][url]
    title, about = texts(card)
    assert title.startswith(f"*<https://arxiv.org/abs/{STORED}|{STORED_TITLE}")
    assert "\n" in title  # the gist: the abstract's first sentence
    assert about.startswith("Itay Itzhak, Yonatan Belinkov")
    assert "cs.CL" in about and "saved by" not in about
    actions = [button["action_id"] for button in card["blocks"][-1]["elements"]]
    assert actions == [MORE_LIKE_THIS, SAVE, NOT_INTERESTED, SHARE]  # the search results' own
    assert fake_arxiv.asked == []  # the archive had it


def test_the_card_says_how_many_people_here_saved_or_liked_it(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    profiles = services.store.profiles
    profiles.save_paper(ALICE, STORED, now=NOW)
    profiles.log_feedback(BOB, STORED, "more", now=NOW)
    profiles.save_paper(user_target(TEAM_ID, "U0CAROL"), "2507.07188", now=NOW)  # another paper
    profiles.save_paper(user_target("T0OTHER", "U0DAN"), STORED, now=NOW)  # another workspace
    profiles.log_feedback(f"channel:{TEAM_ID}:C0GENERAL", STORED, "more", now=NOW)  # no person
    shared(slack, f"https://arxiv.org/abs/{STORED}")
    [body] = unfurls(fake_slack, mentions=("U0ALICE", "U0BOB"))
    assert texts(body["unfurls"][f"https://arxiv.org/abs/{STORED}"])[1].endswith(
        " · saved by 2 people here: <@U0ALICE>, <@U0BOB>"
    )


def test_a_person_who_turned_visibility_off_is_counted_but_not_named(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    profiles = services.store.profiles
    profiles.save_paper(ALICE, STORED, now=NOW)
    profiles.log_feedback(BOB, STORED, "more", now=NOW)
    answer = slack.command("visibility off", user="U0BOB")
    [reply] = slack.fake.wait_for_reply(answer.response_url)
    assert "Your name is hidden on paper cards" in reply["text"]
    assert profiles.visible(BOB) is False and profiles.visible(ALICE) is True
    shared(slack, f"https://arxiv.org/abs/{STORED}")
    [body] = unfurls(fake_slack, mentions=("U0ALICE",))
    assert texts(body["unfurls"][f"https://arxiv.org/abs/{STORED}"])[1].endswith(
        " · saved by 2 people here: <@U0ALICE>"
    )
    again = slack.command("visibility off", user="U0BOB")
    assert slack.fake.wait_for_reply(again.response_url)[0]["text"].startswith("Nothing changed.")
    back = slack.command("visibility on", user="U0BOB")
    [reply] = slack.fake.wait_for_reply(back.response_url)
    assert reply["text"].startswith("Your name is shown on paper cards")
    assert profiles.visible(BOB) is True


def test_a_title_that_pings_pings_no_one(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    add_papers(services, [Paper(id="2507.09999", title="Hi <!channel> & <@U0ALL>",
                                abstract="Read <https://evil.example|this>. Then more.",
                                authors=("<!here>",))])  # fmt: skip
    shared(slack, "https://arxiv.org/abs/2507.09999")
    [body] = unfurls(fake_slack)  # check_inert: no `<` but the paper's own link
    title, about = texts(body["unfurls"]["https://arxiv.org/abs/2507.09999"])
    assert "Hi &lt;!channel&gt; &amp; &lt;@U0ALL&gt;" in title
    assert about.startswith("&lt;!here&gt;")


def test_a_paper_not_in_the_archive_is_fetched_stored_and_unfurled(
    slack: SlackSender, fake_slack: FakeSlack, fake_arxiv: FakeArxiv, services: Services
) -> None:
    url = f"https://arxiv.org/abs/{FETCHED}v1"
    shared(slack, url)
    [body] = unfurls(fake_slack)
    assert texts(body["unfurls"][url])[0].startswith(
        f"*<https://arxiv.org/abs/{FETCHED}|Heat-bath random walks with Markov bases>*"
    )
    assert services.store.get(FETCHED).authors == ("Caprice Stanley", "Tobias Windisch")
    assert fake_arxiv.asked == [FETCHED]


def test_fifty_posts_of_a_new_link_ask_arxiv_once(
    slack: SlackSender, fake_slack: FakeSlack, fake_arxiv: FakeArxiv
) -> None:
    url = f"https://huggingface.co/papers/{FETCHED}"
    fake_arxiv.hold()  # all fifty arrive while the first look-up is under way
    for number in range(50):
        shared(slack, url, ts=f"1700000000.{number:06d}")
    fake_arxiv.release()
    bodies = unfurls(fake_slack, 50)
    assert len(bodies) == 50 and all(url in body["unfurls"] for body in bodies)
    assert len({body["ts"] for body in bodies}) == 50
    assert fake_arxiv.asked == [FETCHED]


def test_when_arxiv_is_late_what_is_known_unfurls_and_nothing_is_said(
    slack: SlackSender, fake_slack: FakeSlack, fake_arxiv: FakeArxiv, services: Services
) -> None:
    services.lookup.wait = 0.01
    fake_arxiv.hold()
    stored, late = f"https://arxiv.org/abs/{STORED}", f"https://arxiv.org/abs/{FETCHED}"
    shared(slack, stored, late)
    [body] = unfurls(fake_slack)
    assert list(body["unfurls"]) == [stored]
    shared(slack, late, ts="1700000001.000000")  # alone: no unfurl at all
    settle(slack, fake_slack)
    fake_arxiv.release()
    assert [list(call.body["unfurls"]) for call in fake_slack.calls_to("chat.unfurl")] == [
        [stored],
        [stored],  # settle's
    ]
    assert fake_slack.calls_to("chat.postMessage") == []
    assert fake_slack.calls_to("chat.postEphemeral") == []


@pytest.mark.parametrize(
    "url",
    [
        "https://huggingface.co/models/bert-base-uncased",
        "https://arxiv.org/list/cs.CL/recent",
        "https://arxiv.org/abs/2513.00001",  # no 13th month
        "https://alphaxiv.org/abs/not-an-id",
        "https://example.com/abs/2507.07186",
    ],
)
def test_other_links_are_left_alone_silently(
    slack: SlackSender, fake_slack: FakeSlack, fake_arxiv: FakeArxiv, url: str
) -> None:
    shared(slack, url)
    settle(slack, fake_slack)
    [call] = fake_slack.calls_to("chat.unfurl")  # settle's own
    assert url not in call.body["unfurls"]
    assert fake_arxiv.asked == []
    assert fake_slack.calls_to("chat.postMessage") == []


def test_slack_retries_of_the_event_unfurl_once(
    slack: SlackSender, fake_slack: FakeSlack, fake_arxiv: FakeArxiv
) -> None:
    url = f"https://arxiv.org/abs/{FETCHED}"
    shared(slack, url, event_id="Ev0LINK0001")
    unfurls(fake_slack)
    for retry in (1, 2, 3):
        shared(slack, url, event_id="Ev0LINK0001", retry=retry)
    settle(slack, fake_slack)
    assert len(fake_slack.calls_to("chat.unfurl")) == 2  # the event's, and settle's
    assert fake_arxiv.asked == [FETCHED]


def test_a_link_in_the_composer_unfurls_by_its_unfurl_id(
    slack: SlackSender, fake_slack: FakeSlack
) -> None:
    url = f"https://arxiv.org/abs/{STORED}"
    event = {"type": "link_shared", "channel": "COMPOSER", "user": "U0BOB",
             "message_ts": "U0BOB-1700000000.000300", "unfurl_id": "C0UNFURL.1",
             "source": "composer", "links": [{"domain": "arxiv.org", "url": url}],
             "event_ts": "1700000000.000301"}  # fmt: skip
    assert slack.event(event).status == 200
    [body] = unfurls(fake_slack)
    assert (body["unfurl_id"], body["source"]) == ("C0UNFURL.1", "composer")
    assert "channel" not in body and "ts" not in body


# The card's buttons ------------------------------------------------------------------------

URL = f"https://arxiv.org/abs/{STORED}"


def test_save_on_a_card_saves_for_the_presser_alone(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    answer = slack.click_in_unfurl(SAVE, STORED, url=URL, user="U0BOB")
    [reply] = fake_slack.wait_for_reply(answer.response_url)
    # The card is everyone's: the presser alone gets the note, with Undo.
    assert reply["response_type"] == "ephemeral" and reply["replace_original"] is False
    assert reply["text"] == "🔖 Saved: `/papers saved` lists your saved papers."
    [note] = reply["blocks"]
    assert note["text"]["text"].startswith("*<https://arxiv.org/abs/2507.07186|")
    assert note["accessory"]["action_id"] == UNDO
    check_limits(reply)
    check_inert(reply)
    assert services.store.profiles.saved(BOB) == [STORED]
    assert services.store.profiles.saved(ALICE) == []
    assert STORED in services.store.profiles.get(BOB).liked
    again = slack.click_in_unfurl(SAVE, STORED, url=URL, user="U0BOB")
    fake_slack.wait_for_reply(again.response_url)
    assert services.store.profiles.saved(BOB) == [STORED]


def test_more_like_this_on_a_card_lists_similar_papers_to_the_presser(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    answer = slack.click_in_unfurl(MORE_LIKE_THIS, STORED, url=URL)
    note, reply = fake_slack.wait_for_reply(answer.response_url, count=2)
    assert note["text"].startswith("👍 Noted: more papers like this one")
    assert reply["response_type"] == "ephemeral"
    assert reply["blocks"][0]["text"]["text"].startswith("Papers like *<https://arxiv.org/abs/")
    for message in (note, reply):
        check_limits(message)
        check_inert(message)
    assert STORED in services.store.profiles.get(ALICE).liked


def test_not_interested_on_a_card_teaches_the_presser(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    answer = slack.click_in_unfurl(NOT_INTERESTED, STORED, url=URL)
    [reply] = fake_slack.wait_for_reply(answer.response_url)
    assert reply["text"].startswith("👎 Noted: fewer papers like this one in your next digests")
    check_limits(reply)
    assert services.store.profiles.get(ALICE).disliked == (STORED,)
    assert services.store.profiles.get(BOB) is None


def test_a_card_button_for_a_paper_gone_from_the_archive_says_so(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    answer = slack.click_in_unfurl(SAVE, "2507.00000", url=URL)
    [reply] = fake_slack.wait_for_reply(answer.response_url)
    assert reply["text"] == "That paper is no longer in the archive."
    assert services.store.profiles.saved(ALICE) == []
