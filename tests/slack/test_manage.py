"""`/papers` subcommands through the real app: who changes what, and bad input changes nothing."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.blocks import SAVED_BIB, SAVED_NEXT, paper_title
from bot.services import Services
from bot.targets import channel_target, user_target
from recommender.profiles import Profile
from recommender.schedule import Schedule
from tests.slack.blockkit import check_inert, check_limits
from tests.slack.conftest import NOW
from tests.slack.harness import TEAM_ID, FakeSlack, Reply, SlackSender, direct_channel

ALICE = user_target(TEAM_ID, "U0ALICE")
GENERAL = channel_target(TEAM_ID, "C0GENERAL")


def ask(slack: SlackSender, fake_slack: FakeSlack, text: str, **sender) -> dict:
    """The one reply to `/papers text`, which only the caller sees."""
    [reply] = fake_slack.wait_for_reply(slack.command(text, **sender).response_url)
    assert reply["response_type"] == "ephemeral"
    return reply


def nothing_stored(services: Services, target: str = ALICE) -> bool:
    store = services.store
    return store.profiles.get(target) is None and store.subscriptions.get(target) is None


def test_subscribe_in_the_persons_slack_time_zone(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    reply = ask(slack, fake_slack, "subscribe speculative decoding for LLM inference")
    assert reply["text"] == (
        ":white_check_mark: You get new papers about *speculative decoding for LLM inference* "
        # 13:00 in Paris: today's 09:00 digest is within the scheduler's grace.
        "daily at 09:00 (Europe/Paris); next: in a few minutes (the Wed 10 Dec 09:00 one).\n"
        "`/papers settings` changes what and when; `/papers unsubscribe` stops it."
    )
    [asked] = fake_slack.calls_to("users.info")
    assert asked.body["user"] == "U0ALICE"
    profile = services.store.profiles.get(ALICE)
    assert profile.description == "speculative decoding for LLM inference"
    assert services.store.subscriptions.get(ALICE) == Schedule(tz="Europe/Paris")


def test_subscribing_again_keeps_the_time_and_takes_the_new_description(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    ask(slack, fake_slack, "subscribe llm inference at 07:30")
    ask(slack, fake_slack, "subscribe speech recognition")
    assert services.store.profiles.get(ALICE).description == "speech recognition"
    assert services.store.subscriptions.get(ALICE) == Schedule(at="07:30", tz="Europe/Paris")


def test_the_reply_says_when_the_scheduler_sends_the_first_digest(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    # 13:00 in Paris: today's 12:30 digest is within the scheduler's grace, so it goes now.
    reply = ask(slack, fake_slack, "subscribe llm inference at 12:30")
    due = "daily at 12:30 (Europe/Paris); next: in a few minutes (the Wed 10 Dec 12:30 one)."
    assert due in reply["text"]
    today = NOW.date()
    assert services.store.deliveries.due(NOW, grace=services.grace) == [(ALICE, today)]
    services.store.deliveries.begin(ALICE, today, {}, now=NOW)
    services.store.deliveries.finish(ALICE, today, now=NOW)
    reply = ask(slack, fake_slack, "subscribe llm inference at 12:30")
    assert "daily at 12:30 (Europe/Paris); next: Thu 11 Dec 12:30." in reply["text"]


def test_without_a_slack_time_zone_the_digest_comes_in_utc_and_says_so(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    reply = ask(slack, fake_slack, "subscribe llm inference", user="U0NOZONE")
    assert "Slack gave no time zone for you, so it is UTC; `/papers settings`" in reply["text"]
    target = user_target(TEAM_ID, "U0NOZONE")
    assert services.store.subscriptions.get(target).tz == "UTC"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("subscribe", ":warning: say what you want to read, e.g. `/papers subscribe"),
        ("subscribe the of and", ":warning: say what you want to read"),
        ("subscribe llm at 25:00", ":warning: time '25:00': use 24-hour HH:MM, e.g. 09:00"),
        ("subscribe llm at 09:00 Mars/Olympus", ":warning: time zone 'Mars/Olympus': use an IANA"),
        ("seed 2501.99999", ":warning: 2501.99999 is not in the archive (yet)"),
        ("seed transformers", ":warning: `transformers` is not an arXiv id"),
        ("like 2501.99999", ":warning: 2501.99999 is not in the archive (yet)"),
        ("like transformers", ":warning: `transformers` is not an arXiv id"),
        ("mute the", ":warning: must be a phrase with a word that is not a common word"),
        ("follow", ":warning: say whom to follow"),
        ("channel subscribe", ":warning: say what this channel wants to read"),
    ],
)
def test_bad_input_says_what_is_wrong_and_changes_nothing(
    slack: SlackSender, fake_slack: FakeSlack, services: Services, text: str, message: str
) -> None:
    reply = ask(slack, fake_slack, text)
    assert reply["text"].startswith(message)
    assert nothing_stored(services) and nothing_stored(services, GENERAL)


def test_unsubscribe_stops_the_digests_and_keeps_the_settings(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    ask(slack, fake_slack, "subscribe llm inference")
    reply = ask(slack, fake_slack, "unsubscribe")
    assert reply["text"].startswith("You will get no more digests.")
    assert services.store.subscriptions.get(ALICE) is None
    assert services.store.profiles.get(ALICE).description == "llm inference"
    assert ask(slack, fake_slack, "unsubscribe")["text"] == "You had no digest subscription."


def test_follow_and_mute_change_only_the_callers_profile(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    ask(slack, fake_slack, "subscribe llm inference")
    reply = ask(slack, fake_slack, 'follow "Yonatan Belinkov"')
    assert reply["text"] == "Following *Yonatan Belinkov*: their papers rank higher."
    ask(slack, fake_slack, "follow yonatan belinkov")
    reply = ask(slack, fake_slack, "mute reinforcement learning")
    assert reply["text"] == "Muted *reinforcement learning*: papers that mention it are left out."
    profile = services.store.profiles.get(ALICE)
    assert (profile.authors, profile.muted) == (("Yonatan Belinkov",), ("reinforcement learning",))
    assert services.store.profiles.get(user_target(TEAM_ID, "U0BOB")) is None


def test_following_before_subscribing_says_how_to_start(
    slack: SlackSender, fake_slack: FakeSlack
) -> None:
    reply = ask(slack, fake_slack, "follow Ada Lovelace")
    assert reply["text"].endswith("You have no digests yet: `/papers subscribe` starts them.")


def test_mute_contradicting_a_keyword_is_refused(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    services.store.profiles.save(
        ALICE, Profile(keywords=["speech recognition"]), now=services.clock()
    )
    reply = ask(slack, fake_slack, "mute speech")
    assert reply["text"].startswith(":warning: 'speech' is muted but keywords[0]")
    assert services.store.profiles.get(ALICE).muted == ()


def test_muting_your_own_topic_warns_what_it_leaves_out(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    ask(slack, fake_slack, "subscribe speculative decoding for faster LLM inference")
    reply = ask(slack, fake_slack, "mute Speculative Decoding")
    assert reply["text"] == (
        "Muted *Speculative Decoding*: papers that mention it are left out.\n"
        ":warning: Your description is about *Speculative Decoding* too: from now on every paper "
        "whose title or abstract mentions it is left out, the ones your description asks for "
        "included. `/papers settings` takes the muted term back."
    )
    assert services.store.profiles.get(ALICE).muted == ("Speculative Decoding",)


@pytest.mark.parametrize("name", ["seed", "like"])  # `like` is the old name of `seed`
def test_seed_makes_a_paper_a_seed(
    slack: SlackSender, fake_slack: FakeSlack, services: Services, name: str
) -> None:
    reply = ask(slack, fake_slack, f"{name} https://arxiv.org/abs/2507.07186v1")
    assert reply["text"].startswith(
        "Added *<https://arxiv.org/abs/2507.07186|Planted in Pretraining, Swayed by Finetuning"
    )
    assert services.store.profiles.get(ALICE).seeds == ("2507.07186",)


def test_saved_lists_the_papers_with_their_bibtex(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    services.store.profiles.save_paper(ALICE, "2507.07186", now=services.clock())
    answer = slack.command("saved")
    listing, bibtex = fake_slack.wait_for_reply(answer.response_url, count=2)
    assert listing["text"] == "Your saved papers (1)"
    assert "Planted in Pretraining" in listing["blocks"][0]["text"]["text"]
    code = bibtex["blocks"][0]["text"]["text"]
    assert code.startswith("```@misc{itzhak2025planted,\n  title = {Planted in Pretraining")
    assert "  eprint = {2507.07186},\n" in code and code.endswith("}```")
    for message in (listing, bibtex):
        check_limits(message)
        check_inert(message)


def save_many(services: Services, count: int) -> list[str]:
    """`count` papers saved by Alice a minute apart; their ids, the most recent first."""
    papers = services.store.by_keys(services.store.keys()[:count]).values()
    ids = [paper.id for paper in papers]
    for minute, paper_id in enumerate(ids):
        services.store.profiles.save_paper(ALICE, paper_id, now=NOW + timedelta(minutes=minute))
    return ids[::-1]


def button(message: dict, action_id: str) -> dict:
    return next(
        element
        for block in message["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == action_id
    )


def test_saved_pages_past_thirty(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    # Before, the list stopped at the 30 most recent with no way on.
    ids = save_many(services, 35)
    first = fake_slack.wait_for_reply(slack.command("saved").response_url, count=2)[0]
    assert "Papers 1–30 of 35" in json.dumps(first, ensure_ascii=False)
    answer = slack.click_in_reply(SAVED_NEXT, "30", reply=first)
    second, bibtex = fake_slack.wait_for_reply(answer.response_url, count=2)
    assert second["replace_original"] is True and bibtex["replace_original"] is False
    listed = "".join(block["text"]["text"] for block in second["blocks"] if "text" in block)
    oldest = [paper_title(services.store.get(paper_id)) for paper_id in ids[30:]]
    assert [listed.index(title) for title in oldest] == sorted(listed.index(t) for t in oldest)
    assert listed.count("• *") == 5
    assert "Papers 31–35 of 35" in json.dumps(second, ensure_ascii=False)
    assert SAVED_NEXT not in json.dumps(second)
    for message in (first, second, bibtex):
        check_limits(message)
        check_inert(message)


def test_a_saved_next_button_we_did_not_make(slack: SlackSender, fake_slack: FakeSlack) -> None:
    [reply] = fake_slack.wait_for_reply(slack.click(SAVED_NEXT, "-5").response_url)
    assert reply["text"] == (
        ":warning: this button is from an older message; type `/papers saved` again"
    )


def test_all_saved_papers_as_one_bib_file(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    save_many(services, 35)
    first = fake_slack.wait_for_reply(slack.command("saved").response_url, count=2)[0]
    answer = slack.click_in_reply(SAVED_BIB, button(first, SAVED_BIB)["value"], reply=first)
    [reply] = fake_slack.wait_for_reply(answer.response_url)
    assert reply["text"] == (
        "Sent: your 35 saved papers as `saved-papers.bib` in our direct messages."
    )
    [asked] = fake_slack.calls_to("files.getUploadURLExternal")
    assert asked.body["filename"] == "saved-papers.bib"
    [upload] = [call for call in fake_slack.calls if call.path.startswith("/upload/")]
    assert upload.body["content"].count("@misc{") == 35
    [done] = fake_slack.calls_to("files.completeUploadExternal")
    assert done.body["channel_id"] == direct_channel("U0ALICE")


def test_a_bib_file_without_the_files_permission_says_what_to_do(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    save_many(services, 2)
    fake_slack.script(
        "files.getUploadURLExternal", Reply(body={"ok": False, "error": "missing_scope"})
    )
    first = fake_slack.wait_for_reply(slack.command("saved").response_url, count=2)[0]
    [reply] = fake_slack.wait_for_reply(
        slack.click_in_reply(SAVED_BIB, "all", reply=first).response_url
    )
    assert reply["text"].startswith("I cannot send files in this workspace: whoever installed")


def test_saved_with_nothing_saved(slack: SlackSender, fake_slack: FakeSlack) -> None:
    assert ask(slack, fake_slack, "saved")["text"].startswith("You have no saved papers yet.")


def test_channel_subscribe_uses_the_callers_time_zone_and_says_so(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    reply = ask(slack, fake_slack, "channel subscribe LLM inference at 08:30", user="U0BOB")
    assert reply["text"] == (
        ":white_check_mark: This channel gets new papers about *LLM inference* daily at 08:30 "
        "(America/Los_Angeles); next: Wed 10 Dec 08:30.\n"
        "The time zone is yours, America/Los_Angeles; `/papers channel settings` changes it.\n"
        "Invite me to the channel (`/invite @papers`) so that I can post here."
    )
    expected = Schedule(at="08:30", tz="America/Los_Angeles")
    assert services.store.subscriptions.get(GENERAL) == expected
    assert nothing_stored(services, user_target(TEAM_ID, "U0BOB"))
    reply = ask(slack, fake_slack, "channel unsubscribe")
    assert reply["text"].startswith("This channel will get no more digests.")


def test_channel_commands_need_a_channel(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    reply = ask(slack, fake_slack, "channel subscribe llm", channel="DU0ALICE")
    assert reply["text"] == ":warning: type `/papers channel ...` in the channel itself"
    assert services.store.subscriptions.all() == {}


def test_help_lists_the_subcommands(slack: SlackSender, fake_slack: FakeSlack) -> None:
    text = str(ask(slack, fake_slack, "help")["blocks"])
    for command in ("subscribe", "unsubscribe", "follow", "mute", "seed", "settings", "saved"):
        assert f"/papers {command}" in text
    assert "/papers channel subscribe" in text


def test_subscribing_again_keeps_a_time_zone_given_before(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    ask(slack, fake_slack, "subscribe llm inference at 08:15 America/New_York")
    reply = ask(slack, fake_slack, "subscribe attention at scale")
    assert "daily at 08:15 (America/New_York)" in reply["text"]
    assert services.store.subscriptions.get(ALICE) == Schedule(at="08:15", tz="America/New_York")


def test_a_time_zone_is_matched_whatever_its_case(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    reply = ask(slack, fake_slack, "subscribe llm inference at 07:00 europe/paris")
    assert "daily at 07:00 (Europe/Paris)" in reply["text"]
    assert services.store.subscriptions.get(ALICE) == Schedule(at="07:00", tz="Europe/Paris")
