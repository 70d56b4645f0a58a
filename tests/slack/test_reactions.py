"""Reactions as feedback through the real app: signed `reaction_added` / `reaction_removed`
event callbacks on messages the app recorded (an unfurl of one paper, a digest's pick), and
on others (a digest's header)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from bot.blocks import DIGEST_MORE
from bot.services import Services
from bot.targets import channel_target, user_target
from recommender.delivery import Deliverer
from recommender.store.schema import feedback, paper_messages, reactions
from tests.slack.conftest import NOW, digest_posts, subscribe
from tests.slack.harness import PATIENCE, TEAM_ID, FakeSlack, SlackSender

STORED, OTHER = "2507.07186", "2507.07188"  # two of the samples
ALICE, BOB = user_target(TEAM_ID, "U0ALICE"), user_target(TEAM_ID, "U0BOB")
TS = "1700000000.000300"


def linked(slack: SlackSender, fake_slack: FakeSlack, *paper_ids: str, ts: str = TS) -> None:
    """Bob posts a message in #general linking these papers; the app unfurls it."""
    before = len(fake_slack.calls_to("chat.unfurl"))
    links = [{"domain": "arxiv.org", "url": f"https://arxiv.org/abs/{p}"} for p in paper_ids]
    event = {"type": "link_shared", "channel": "C0GENERAL", "user": "U0BOB", "message_ts": ts,
             "links": links, "source": "conversations_history", "event_ts": ts}  # fmt: skip
    assert slack.event(event).status == 200
    fake_slack.wait_until(lambda: len(fake_slack.calls_to("chat.unfurl")) > before)


def reaction(
    slack: SlackSender,
    emoji: str,
    *,
    user: str,
    ts: str = TS,
    added: bool = True,
    channel: str = "C0GENERAL",
    **sending,
) -> None:
    """`user` puts `emoji` on (or takes it off) the message at `ts` in `channel`."""
    event = {"type": "reaction_added" if added else "reaction_removed", "user": user,
             "reaction": emoji, "item_user": "U0BOB",
             "item": {"type": "message", "channel": channel, "ts": ts},
             "event_ts": "1700000001.000100"}  # fmt: skip
    assert slack.event(event, **sending).status == 200


def eventually(condition) -> None:
    """Wait until the app's lazy listener has made `condition` true (it fails only late)."""
    deadline = time.monotonic() + PATIENCE
    while not condition():
        assert time.monotonic() < deadline, "the app never did it"
        time.sleep(0.02)


def taught(services: Services) -> int:
    """How many reactions taught someone, as the store keeps them."""
    with services.store.engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(reactions))


def presses(services: Services, target: str) -> int:
    with services.store.engine.connect() as conn:
        query = select(func.count()).select_from(feedback).where(feedback.c.target == target)
        return conn.scalar(query)


def liked(services: Services, target: str) -> tuple[str, ...]:
    profile = services.store.profiles.get(target)
    return () if profile is None else profile.liked


def disliked(services: Services, target: str) -> tuple[str, ...]:
    profile = services.store.profiles.get(target)
    return () if profile is None else profile.disliked


@pytest.mark.parametrize("emoji", ["+1", "heart", "fire", "star", "+1::skin-tone-3"])
def test_a_like_emoji_on_an_unfurled_paper_teaches_the_reactor_alone(
    slack: SlackSender, fake_slack: FakeSlack, services: Services, emoji: str
) -> None:
    linked(slack, fake_slack, STORED)
    reaction(slack, emoji, user="U0ALICE")
    eventually(lambda: liked(services, ALICE) == (STORED,))
    assert services.store.profiles.get(BOB) is None  # who posted the link learns nothing
    assert services.store.profiles.get(f"channel:{TEAM_ID}:C0GENERAL") is None


def test_a_dislike_and_a_bookmark_are_not_interested_and_save(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    linked(slack, fake_slack, STORED)
    reaction(slack, "-1", user="U0BOB")
    reaction(slack, "bookmark", user="U0ALICE")
    eventually(lambda: disliked(services, BOB) == (STORED,) == liked(services, ALICE))
    assert services.store.profiles.saved(ALICE) == [STORED]
    assert services.store.profiles.saved(BOB) == []


def test_another_persons_reaction_touches_no_one_elses_profile(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    linked(slack, fake_slack, STORED)
    reaction(slack, "+1", user="U0ALICE")
    eventually(lambda: liked(services, ALICE) == (STORED,))
    reaction(slack, "+1", user="U0BOB", added=False)  # Bob takes off a like he never gave
    reaction(slack, "-1", user="U0BOB")  # settles: the events before have had their turn
    eventually(lambda: disliked(services, BOB) == (STORED,))
    assert liked(services, ALICE) == (STORED,) and disliked(services, ALICE) == ()
    assert taught(services) == 2


def test_taking_the_emoji_off_undoes_what_it_taught(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    linked(slack, fake_slack, STORED)
    reaction(slack, "bookmark", user="U0ALICE")
    eventually(lambda: liked(services, ALICE) == (STORED,))
    assert services.store.profiles.saved(ALICE) == [STORED]
    assert services.store.profiles.fans(STORED, prefix=f"user:{TEAM_ID}:") == 1
    reaction(slack, "bookmark", user="U0ALICE", added=False)
    eventually(lambda: liked(services, ALICE) == ())
    assert services.store.profiles.saved(ALICE) == [] and taught(services) == 0
    assert services.store.profiles.fans(STORED, prefix=f"user:{TEAM_ID}:") == 0


def test_a_retried_reaction_event_teaches_once(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    linked(slack, fake_slack, STORED)
    reaction(slack, "heart", user="U0ALICE", event_id="Ev0HEART")
    reaction(slack, "heart", user="U0ALICE", event_id="Ev0HEART", retry=1)  # the gate drops it
    # The same reaction delivered again under another id, as after a restart that lost the
    # gate's memory: the stored reaction makes it a no-op.
    reaction(slack, "heart", user="U0ALICE", event_id="Ev0HEART2")
    reaction(slack, "fire", user="U0ALICE")  # the same verdict by another emoji
    reaction(slack, "-1", user="U0BOB")  # settles: the events before have had their turn
    eventually(lambda: disliked(services, BOB) == (STORED,))
    assert taught(services) == 3  # Alice's heart and fire, Bob's dislike
    assert presses(services, ALICE) == 1
    assert liked(services, ALICE) == (STORED,)


def test_a_reaction_on_a_message_the_app_did_not_record_does_nothing(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    linked(slack, fake_slack, STORED, OTHER, ts="1700000000.000500")  # two papers: unrecorded
    assert services.store.messages.find(TEAM_ID, "C0GENERAL", "1700000000.000500") is None
    reaction(slack, "+1", user="U0ALICE", ts="1700000000.000500")
    reaction(slack, "+1", user="U0ALICE", ts="1700000000.000999")  # no paper message at all
    linked(slack, fake_slack, STORED)
    reaction(slack, "tada", user="U0ALICE")  # an emoji that stands for nothing
    reaction(slack, "-1", user="U0BOB")  # settles
    eventually(lambda: disliked(services, BOB) == (STORED,))
    assert taught(services) == 1
    assert services.store.profiles.get(ALICE) is None
    assert presses(services, ALICE) == 0


def test_a_link_typed_in_the_composer_is_not_recorded(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    event = {"type": "link_shared", "channel": "COMPOSER", "user": "U0BOB",
             "message_ts": "COMPOSER-1", "unfurl_id": "C123456.7890.ABCD", "source": "composer",
             "links": [{"domain": "arxiv.org", "url": f"https://arxiv.org/abs/{STORED}"}],
             "event_ts": "1700000000.000301"}  # fmt: skip
    assert slack.event(event).status == 200
    fake_slack.wait_until(lambda: fake_slack.calls_to("chat.unfurl"))  # recording comes first
    with services.store.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(paper_messages)) == 0


# Digests: a header, then each pick its own message in the header's thread -----------------

PAPERS_CHANNEL = channel_target(TEAM_ID, "C0PAPERS")


def delivered(
    deliverer: Deliverer, services: Services, fake_slack: FakeSlack, target: str
) -> tuple[dict, list[tuple[str, str]]]:
    """Deliver `target`'s digest; its header, and each pick's (paper id, message ts)."""
    deliverer.deliver_due(NOW)
    header, *cards = digest_posts(services, fake_slack, target)
    picks = []
    for card in cards:
        [paper] = {e["value"] for b in card["blocks"] if b["type"] == "actions"
                   for e in b["elements"] if e["action_id"] == DIGEST_MORE}  # fmt: skip
        picks.append((paper, card["ts"]))
    return header, picks


def test_a_like_on_a_channel_digest_pick_teaches_the_reactor_not_the_channel(
    slack: SlackSender, deliverer: Deliverer, services: Services, fake_slack: FakeSlack
) -> None:
    subscribe(services, PAPERS_CHANNEL)
    _, [(first, ts), (second, other), *_] = delivered(
        deliverer, services, fake_slack, PAPERS_CHANNEL
    )
    before = services.store.profiles.get(PAPERS_CHANNEL)
    reaction(slack, "+1", user="U0ALICE", channel="C0PAPERS", ts=ts)
    reaction(slack, "-1", user="U0BOB", channel="C0PAPERS", ts=other)
    eventually(lambda: liked(services, ALICE) == (first,) and disliked(services, BOB) == (second,))
    assert services.store.profiles.get(PAPERS_CHANNEL) == before  # the channel learns nothing
    assert presses(services, PAPERS_CHANNEL) == 0
    reaction(slack, "+1", user="U0ALICE", channel="C0PAPERS", ts=ts, added=False)
    eventually(lambda: liked(services, ALICE) == ())
    assert disliked(services, BOB) == (second,)


def test_a_reaction_on_a_digest_header_changes_nothing(
    slack: SlackSender, deliverer: Deliverer, services: Services, fake_slack: FakeSlack
) -> None:
    subscribe(services, PAPERS_CHANNEL)
    header, [(paper, ts), *_] = delivered(deliverer, services, fake_slack, PAPERS_CHANNEL)
    assert services.store.messages.find(TEAM_ID, "C0PAPERS", header["ts"]) is None
    reaction(slack, "+1", user="U0ALICE", channel="C0PAPERS", ts=header["ts"])
    reaction(slack, "bookmark", user="U0ALICE", channel="C0PAPERS", ts=header["ts"])
    reaction(slack, "-1", user="U0BOB", channel="C0PAPERS", ts=ts)  # settles
    eventually(lambda: disliked(services, BOB) == (paper,))
    assert services.store.profiles.get(ALICE) is None and presses(services, ALICE) == 0
    assert services.store.profiles.saved(ALICE) == [] and taught(services) == 1


def test_a_retried_reaction_on_a_digest_pick_teaches_once(
    slack: SlackSender, deliverer: Deliverer, services: Services, fake_slack: FakeSlack
) -> None:
    subscribe(services, PAPERS_CHANNEL)
    _, [(paper, ts), (other, other_ts), *_] = delivered(
        deliverer, services, fake_slack, PAPERS_CHANNEL
    )
    on_pick = {"channel": "C0PAPERS", "ts": ts}
    reaction(slack, "bookmark", user="U0ALICE", event_id="Ev0MARK", **on_pick)
    reaction(slack, "bookmark", user="U0ALICE", event_id="Ev0MARK", retry=1, **on_pick)
    reaction(slack, "bookmark", user="U0ALICE", event_id="Ev0MARK2", **on_pick)  # after a restart
    reaction(slack, "-1", user="U0BOB", channel="C0PAPERS", ts=other_ts)  # settles
    eventually(lambda: disliked(services, BOB) == (other,))
    assert taught(services) == 2 and presses(services, ALICE) == 1
    assert services.store.profiles.saved(ALICE) == [paper] and liked(services, ALICE) == (paper,)


def test_a_personal_digest_pick_teaches_its_reader_alone(
    slack: SlackSender, deliverer: Deliverer, services: Services, fake_slack: FakeSlack
) -> None:
    subscribe(services, ALICE)
    _, [(paper, ts), *_] = delivered(deliverer, services, fake_slack, ALICE)
    in_her_messages = {"channel": "DU0ALICE", "ts": ts}
    reaction(slack, "-1", user="U0BOB", **in_her_messages)  # not his digest: nothing
    reaction(slack, "heart", user="U0ALICE", **in_her_messages)
    eventually(lambda: liked(services, ALICE) == (paper,))
    assert services.store.profiles.get(BOB) is None and taught(services) == 1
