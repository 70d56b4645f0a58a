"""Undoing what `/papers` added (unseed, unlike, unsave, unfollow, unmute) and importing a
library through `/papers import`'s modal or a file dropped in the app's direct message,
through the real app over signed requests."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from bot.services import Services
from bot.settings_blocks import IMPORT_VIEW, LIBRARY
from bot.targets import is_direct_message, user_target
from recommender.models import Paper
from recommender.profiles import Profile, TextSeed
from tests.slack.blockkit import check_inert, check_limits, check_view
from tests.slack.conftest import NOW, add_papers
from tests.slack.harness import TEAM_ID, FakeSlack, Reply, SlackSender
from tests.slack.test_manage import ask
from tests.slack.test_settings import opened_view

ALICE = user_target(TEAM_ID, "U0ALICE")
BOB = user_target(TEAM_ID, "U0BOB")
PLANTED = "2507.07186"
PLANTED_TITLE = (
    "Planted in Pretraining, Swayed by Finetuning: A Case Study on the Origins of Cognitive "
    "Biases in LLMs"
)
OWN = TextSeed("My own paper on sparse routing", "Routing tokens to experts.")


def test_seed_by_doi_then_unseed_and_unlike(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    journal = Paper("title:00000000000000aa", "Routing in journals", extras={"doi": "10.1234/ABC"})
    add_papers(services, [journal])
    reply = ask(slack, fake_slack, "seed https://doi.org/10.1234/abc")
    assert reply["text"].startswith("Added *<https://arxiv.org/search/")
    ask(slack, fake_slack, f"seed {PLANTED}")
    assert services.store.profiles.get(ALICE).seeds == (journal.id, PLANTED)
    reply = ask(slack, fake_slack, "unseed doi:10.1234/abc")
    assert reply["text"] == "*Routing in journals* is no longer a seed or a liked paper of yours."
    reply = ask(slack, fake_slack, f"unlike https://arxiv.org/abs/{PLANTED}v2")
    assert reply["text"] == f"*{PLANTED_TITLE}* is no longer a seed or a liked paper of yours."
    assert services.store.profiles.get(ALICE).seeds == ()
    again = ask(slack, fake_slack, f"unseed {PLANTED}")
    assert again["text"] == (
        f"*{PLANTED}* was not one of your seeds or liked papers: nothing changed. "
        "`/papers settings` lists your seeds."
    )


def test_unlike_takes_back_a_button_like_and_unseed_a_text_seed_by_title(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    profile = Profile(description="routing", liked=(PLANTED,), text_seeds=(OWN,))
    services.store.profiles.save(ALICE, profile, now=NOW)
    services.store.profiles.save(BOB, profile, now=NOW)
    ask(slack, fake_slack, PLANTED.join(["unlike ", ""]))
    reply = ask(slack, fake_slack, 'unseed "my own paper on SPARSE routing"')
    assert reply["text"] == f"*{OWN.title}* is no longer a seed or a liked paper of yours."
    assert services.store.profiles.get(ALICE) == Profile(description="routing")
    assert services.store.profiles.get(BOB) == profile  # only the caller's own


def test_unsave_unfollow_unmute_and_what_was_not_there(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    services.store.profiles.save_paper(ALICE, PLANTED, now=NOW)
    services.store.profiles.save(ALICE, Profile(liked=(PLANTED,)), now=NOW)
    services.store.profiles.save_paper(BOB, PLANTED, now=NOW)
    services.store.profiles.save_paper(BOB, "2507.07188", now=NOW)
    ask(slack, fake_slack, 'follow "Yonatan Belinkov"')
    ask(slack, fake_slack, "mute Reinforcement Learning")
    replies = [
        ask(slack, fake_slack, text)["text"]
        for text in (
            f"unsave {PLANTED}",
            f"unsave {PLANTED}",
            "unfollow yonatan belinkov",
            "unfollow Ada Lovelace",
            "unmute reinforcement learning",
            "unmute <!channel>",
            "unsave 2507.07188",  # Bob's, not Alice's
        )
    ]
    assert replies == [
        f"Took <https://arxiv.org/abs/{PLANTED}|{PLANTED_TITLE}> off your saved list. Saving "
        f"it also counted as liking it; `/papers unlike {PLANTED}` takes that back.",
        f"*{PLANTED}* was not on your saved list: nothing changed. `/papers saved` shows it.",
        "No longer following *Yonatan Belinkov*.",
        "You were not following *Ada Lovelace*: nothing changed.",
        "*Reinforcement Learning* is no longer muted: papers that mention it can be picked again.",
        "*&lt;!channel&gt;* was not muted: nothing changed.",
        "*2507.07188* was not on your saved list: nothing changed. `/papers saved` shows it.",
    ]
    assert services.store.profiles.saved(ALICE) == []
    assert sorted(services.store.profiles.saved(BOB)) == [PLANTED, "2507.07188"]
    profile = services.store.profiles.get(ALICE)
    assert (profile.authors, profile.muted, profile.liked) == ((), (), (PLANTED,))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("unseed", ":warning: say which seed, e.g. `/papers unseed 2507.07186`"),
        ("unsave", ":warning: say which paper, e.g. `/papers unsave 2507.07186`"),
        ("unsave two words", ":warning: say which paper"),
        ("unfollow", ":warning: say whom to stop following"),
        ("unmute  ", ":warning: say which muted term to take back"),
        ("import now", ":warning: `/papers import` takes nothing after it"),
        ("unfollow Ada", "You were not following *Ada*: nothing changed."),
    ],
)
def test_removals_of_nothing_say_so_and_store_nothing(
    slack: SlackSender, fake_slack: FakeSlack, services: Services, text: str, message: str
) -> None:
    reply = ask(slack, fake_slack, text)
    assert reply["text"].startswith(message)
    check_inert(reply)
    assert services.store.profiles.get(ALICE) is None


LIBRARY_TEXT = f"""\
@article{{itzhak2025,
  title = {{{PLANTED_TITLE}}},
  journal = {{arXiv preprint arXiv:{PLANTED}}},
}}
@misc{{mine, title = {{{OWN.title}}}, abstract = {{{OWN.abstract}}}}}
@misc{{broken, year = {{2020}}}}
"""


def submit_library(slack: SlackSender, view: dict, text: str, user: str = "U0ALICE"):
    values = {LIBRARY: {LIBRARY: {"type": "plain_text_input", "value": text}}}
    return slack.submit(view, values, user=user)


def test_import_opens_a_modal_and_says_what_it_imported(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    slack.command("import")
    view = opened_view(fake_slack)
    assert view["callback_id"] == IMPORT_VIEW
    check_view(view)
    answer = submit_library(slack, view, LIBRARY_TEXT)
    assert answer.status == 200
    body = json.loads(answer.body)
    assert body["response_action"] == "update"
    check_view(body["view"])
    check_inert({"text": "", **body["view"]})
    assert body["view"]["blocks"][0]["text"]["text"] == (
        ":white_check_mark: imported 2 papers: 1 found in the archive, 1 kept as text; "
        "1 line not understood (line 6: '@misc{broken' (no title, arXiv id or DOI)).\n"
        "`/papers settings` lists your seeds and removes any of them."
    )
    profile = services.store.profiles.get(ALICE)
    assert (profile.seeds, profile.text_seeds) == ((PLANTED,), (OWN,))
    assert services.store.subscriptions.get(ALICE) is None  # importing is not subscribing


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "the library is empty; nothing was imported."),
        ("---\n***", "no paper found in it: line 1: '---' (no words to read); line 2: '***'"),
        ("@misc{x,\n  title = {unclosed\n", "line 1: '@misc{x,' (not a complete BibTeX entry"),
    ],
)
def test_a_library_that_cannot_be_imported_keeps_the_modal_open_and_changes_nothing(
    slack: SlackSender, fake_slack: FakeSlack, services: Services, text: str, error: str
) -> None:
    slack.command("import")
    answer = submit_library(slack, opened_view(fake_slack), text)
    body = json.loads(answer.body)
    assert body["response_action"] == "errors" and list(body["errors"]) == [LIBRARY]
    assert error in body["errors"][LIBRARY]
    assert services.store.profiles.get(ALICE) is None


def test_nobody_imports_into_someone_elses_profile(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    slack.command("import", user="U0ALICE")
    alices = opened_view(fake_slack)
    answer = submit_library(slack, alices, LIBRARY_TEXT, user="U0BOB")
    body = json.loads(answer.body)
    assert body["response_action"] == "errors"
    assert body["errors"][LIBRARY].startswith("You can change only your own settings")
    assert services.store.profiles.get(ALICE) is None
    assert services.store.profiles.get(BOB) is None


def drop_file(
    slack: SlackSender, fake_slack: FakeSlack, name: str, data: bytes, *, channel: str = "DU0ALICE"
) -> None:
    """Alice shares the file `name` holding `data` in `channel` (her DM with the app)."""
    path = f"/files/T0TEAM-F0001/{quote(name)}"
    fake_slack.files[path] = data
    file = {"id": "F0001", "name": name, "size": len(data),
            "url_private_download": f"{fake_slack.base}{path}"}  # fmt: skip
    if is_direct_message(channel):  # Slack is asked about files shared in the DM alone
        fake_slack.script("files.info", Reply(body={"ok": True, "file": file}))
    event = {"type": "file_shared", "file_id": "F0001", "user_id": "U0ALICE",
             "channel_id": channel, "file": {"id": "F0001"}}  # fmt: skip
    assert slack.event(event).status == 200


def dm_reply(fake_slack: FakeSlack) -> str:
    fake_slack.wait_until(lambda: fake_slack.calls_to("chat.postMessage"))
    [post] = fake_slack.calls_to("chat.postMessage")
    assert post.body["channel"] == "DU0ALICE"
    message = {"text": post.body["text"], "blocks": post.body["blocks"]}
    check_limits(message)
    check_inert(message)
    return post.body["text"]


def test_a_bib_file_dropped_in_the_apps_dm_is_imported(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    drop_file(slack, fake_slack, "My Library.bib", LIBRARY_TEXT.encode())
    assert dm_reply(fake_slack) == (
        ":white_check_mark: My Library.bib: imported 2 papers: 1 found in the archive, 1 kept "
        "as text; 1 line not understood (line 6: '@misc{broken' (no title, arXiv id or DOI))."
    )
    [download] = [call for call in fake_slack.calls if call.path.startswith("/files/")]
    assert download.headers["authorization"] == "Bearer xoxb-111-222-bottokenNEVERLOGGED"
    profile = services.store.profiles.get(ALICE)
    assert (profile.seeds, profile.text_seeds) == ((PLANTED,), (OWN,))


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("photo.png", b"\x89PNG", ":warning: photo.png: I import libraries from .bib (BibTeX)"),
        ("empty.bib", b"", ":warning: empty.bib: the library is empty; nothing was imported"),
        (
            "latin1.bib",
            b"@misc{a,\n title = {G\xf6del}}",
            ":warning: latin1.bib: line 2: not UTF-8",
        ),
    ],
)
def test_a_file_that_is_no_library_is_answered_and_imports_nothing(
    slack: SlackSender, fake_slack: FakeSlack, services: Services, name: str, data: bytes, says: str
) -> None:
    drop_file(slack, fake_slack, name, data)
    assert dm_reply(fake_slack).startswith(says)
    assert services.store.profiles.get(ALICE) is None


def test_a_file_shared_in_a_channel_is_left_alone(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    drop_file(slack, fake_slack, "library.bib", LIBRARY_TEXT.encode(), channel="C0GENERAL")
    # Then one in the DM, as the pattern of test_home: once it is answered, the first was
    # long handled, and asked Slack for nothing.
    drop_file(slack, fake_slack, "empty.txt", b"")
    assert "empty.txt: the library is empty" in dm_reply(fake_slack)
    assert len(fake_slack.calls_to("files.info")) == 1
    assert services.store.profiles.get(ALICE) is None
