"""Digest delivery to the fake Slack: once per day, resumable, paced, rate-limit proof."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.blocks import DIGEST_MORE, DIGEST_NOT_INTERESTED, DIGEST_SAVE
from bot.client import web_client
from bot.config import Settings
from bot.delivery import Pacer, SlackOutlet
from bot.services import Services
from bot.targets import channel_target, user_target
from recommender.delivery import Deliverer
from recommender.matching import Matcher
from recommender.models import Paper
from recommender.schedule import Schedule
from recommender.store import Store
from tests.slack.blockkit import check_inert, check_limits
from tests.slack.conftest import NINE_UTC, NOW, Sleeps, add_papers, digest_posts, subscribe
from tests.slack.harness import (
    TEAM_ID,
    FakeSlack,
    Reply,
    SlackSender,
    direct_channel,
    lost_reply,
)

ALICE = user_target(TEAM_ID, "U0ALICE")
# Wide interests and 20 picks: a header and twenty messages in its thread.
WIDE = {"keywords": ["language model", "LLM", "speech", "quantization", "reasoning"]}


def buttons(message: dict, action_id: str) -> list[str]:
    """The paper ids of the message's buttons with this action id."""
    return [
        element["value"]
        for block in message["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == action_id
    ]


def test_a_digest_goes_to_the_person_by_direct_message(
    deliverer: Deliverer, services: Services, fake_slack: FakeSlack
) -> None:
    subscribe(services, ALICE)
    assert deliverer.deliver_due(NOW) == {"due": 1, "delivered": 1, "failed": 0, "messages": 6}
    [opened] = fake_slack.calls_to("conversations.open")
    assert opened.body == {"users": "U0ALICE"}
    header, *cards = digest_posts(services, fake_slack, ALICE)
    assert header["text"] == "5 papers for Wed 10 Dec"
    assert header["blocks"][0]["text"]["text"] == "📚 5 papers for Wed 10 Dec 2025"
    assert "/papers settings" in header["blocks"][-1]["elements"][0]["text"]
    assert buttons(header, DIGEST_MORE) == [] and "thread_ts" not in header
    # Each pick is its own message, in the header's thread and not in the conversation.
    assert {(card["thread_ts"], card["reply_broadcast"]) for card in cards} == {
        (header["ts"], False)
    }
    picks = [paper for card in cards for paper in buttons(card, DIGEST_MORE)]
    assert len(picks) == len(set(picks)) == len(cards) == 5
    assert [card["text"] for card in cards] == [
        f"Paper {n} of 5 for Wed 10 Dec" for n in range(1, 6)
    ]
    for message in (header, *cards):
        assert message["channel"] == direct_channel("U0ALICE")
        assert (message["unfurl_links"], message["unfurl_media"]) == (False, False)
        check_limits(message)
        check_inert(message)
    delivery = services.store.deliveries.get(ALICE, NOW.date())
    assert delivery.done and delivery.posted == tuple(
        {"channel": "DU0ALICE", "ts": message["ts"]} for message in (header, *cards)
    )
    assert services.store.sent.papers([ALICE], picks)[ALICE] == set(picks)
    # Each pick's message names its paper, for reactions; the header names none.
    named = [services.store.messages.find(TEAM_ID, "DU0ALICE", card["ts"]) for card in cards]
    assert [(m.paper_id, m.kind, m.owner) for m in named] == [(p, "digest", ALICE) for p in picks]
    assert services.store.messages.find(TEAM_ID, "DU0ALICE", header["ts"]) is None


def test_a_digest_run_twice_posts_once(
    deliverer: Deliverer, services: Services, fake_slack: FakeSlack
) -> None:
    subscribe(services, ALICE)
    deliverer.deliver_due(NOW)
    again = deliverer.deliver_due(NOW + timedelta(minutes=5))
    assert again == {"due": 0, "delivered": 0, "failed": 0, "messages": 0}
    assert len(fake_slack.calls_to("chat.postMessage")) == 6


def test_a_crash_between_posts_resumes_without_duplicates(
    deliverer: Deliverer, services: Services, fake_slack: FakeSlack
) -> None:
    subscribe(services, ALICE, "large language models", digest_size=20, **WIDE)
    # The first pick's message fails once, as if the process died there.
    fake_slack.script("chat.postMessage", None, Reply(body={"ok": False, "error": "fatal_error"}))
    first = deliverer.deliver_due(NOW)
    assert (first["delivered"], first["failed"], first["messages"]) == (0, 1, 0)
    delivery = services.store.deliveries.get(ALICE, NOW.date())
    assert (delivery.status, delivery.error, len(delivery.posted)) == (
        "failed", "slack: fatal_error", 1,
    )  # fmt: skip
    # New papers arrive meanwhile: the retry still posts the digest the first try planned.
    add_papers(services, [Paper(id="2512.00001", title="LLM quantization again")], now=NOW)
    second = deliverer.deliver_due(NOW + timedelta(minutes=5))
    assert len(services.store.deliveries.get(ALICE, NOW.date()).plan["sizes"]) == 21
    assert (second["delivered"], second["messages"]) == (1, 20)
    header, failed, card, *rest = fake_slack.calls_to("chat.postMessage")
    assert failed.body == card.body
    header, *cards = digest_posts(services, fake_slack, ALICE)
    assert [message["text"] for message in (header, *cards)] == [
        "20 papers for Wed 10 Dec",
        *(f"Paper {n} of 20 for Wed 10 Dec" for n in range(1, 21)),
    ]
    # The retry's picks go into the header's thread, whose ts it read from the ledger.
    assert {card["thread_ts"] for card in cards} == {header["ts"]}
    every = [pick for card in cards for pick in buttons(card, DIGEST_MORE)]
    assert len(every) == len(set(every)) == 20
    assert "2512.00001" not in every
    assert services.store.deliveries.get(ALICE, NOW.date()).attempts == 2
    for message in (header, *cards):
        check_limits(message)


def test_a_digests_messages_wait_a_second_between_posts_to_one_channel(
    deliverer: Deliverer, services: Services, sleeps: Sleeps
) -> None:
    subscribe(services, ALICE, "large language models", digest_size=20, **WIDE)
    messages = deliverer.deliver_due(NOW)["messages"]
    assert messages >= 2
    assert len(sleeps.calls) == messages - 1  # a wait before every post but the first
    assert all(0 < wait <= 1.0 for wait in sleeps.calls)


def test_the_pacer_lets_a_workspace_burst_then_holds_it_to_its_rate() -> None:
    sleeps = Sleeps()
    pacer = Pacer(sleeps, clock=sleeps.monotonic, rate=5.0, burst=10)
    for n in range(12):
        pacer.wait(f"C{n}", "T1")  # ten at once, then one every 0.2 s
    pacer.wait("D0", "T2")  # another workspace does not wait for this one
    pacer.wait("D0", "T2")  # but a channel gets one a second
    assert sleeps.calls == pytest.approx([0.2, 0.2, 1.0], abs=0.02)


def test_a_digest_of_several_messages_opens_the_direct_message_once(
    deliverer: Deliverer, services: Services, fake_slack: FakeSlack
) -> None:
    subscribe(services, ALICE, "large language models", digest_size=20, **WIDE)
    assert deliverer.deliver_due(NOW)["messages"] >= 2
    [opened] = fake_slack.calls_to("conversations.open")
    assert opened.body["users"] == "U0ALICE"
    posts = fake_slack.calls_to("chat.postMessage")
    assert {post.body["channel"] for post in posts} == {direct_channel("U0ALICE")}


def test_a_rate_limited_post_waits_retry_after_and_posts_once(
    deliverer: Deliverer, services: Services, fake_slack: FakeSlack
) -> None:
    subscribe(services, ALICE)
    limited = Reply(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"})
    fake_slack.script("chat.postMessage", limited)
    assert deliverer.deliver_due(NOW)["delivered"] == 1
    refused, accepted, *cards = fake_slack.calls_to("chat.postMessage")
    assert accepted.at - refused.at >= 1.0
    assert refused.body == accepted.body
    assert len(services.store.deliveries.get(ALICE, NOW.date()).posted) == 1 + len(cards) == 6


def test_a_channel_digest_is_posted_in_the_channel(
    deliverer: Deliverer, services: Services, fake_slack: FakeSlack
) -> None:
    channel = channel_target(TEAM_ID, "C0PAPERS")
    subscribe(services, channel)
    deliverer.deliver_due(NOW)
    assert fake_slack.calls_to("conversations.open") == []
    header, *cards = digest_posts(services, fake_slack, channel)
    assert {message["channel"] for message in (header, *cards)} == {"C0PAPERS"}
    assert {card["thread_ts"] for card in cards} == {header["ts"]} and len(cards) == 5
    assert "/papers channel settings" in header["blocks"][-1]["elements"][0]["text"]
    # Whoever reacts on a pick in a channel teaches their own profile (owner None).
    named = [services.store.messages.find(TEAM_ID, "C0PAPERS", card["ts"]) for card in cards]
    assert [(m.kind, m.owner) for m in named] == [("digest", None)] * 5
    for message in (header, *cards):
        check_limits(message)
        check_inert(message)


def test_a_day_with_nothing_new_gets_a_short_message_not_silence(
    deliverer: Deliverer, services: Services, fake_slack: FakeSlack
) -> None:
    subscribe(services, ALICE)
    deliverer.deliver_due(NOW)
    assert deliverer.deliver_due(NOW + timedelta(days=1))["delivered"] == 1
    message = fake_slack.calls_to("chat.postMessage")[-1].body
    assert message["text"] == "Papers for Thu 11 Dec: nothing new to pick"
    assert buttons(message, DIGEST_MORE) == []
    headline = message["blocks"][1]["text"]["text"]
    assert headline.startswith("Nothing new since 2025-12-10 12:00 UTC")


def test_the_headline_gives_the_time_in_the_readers_zone(
    deliverer: Deliverer, services: Services, fake_slack: FakeSlack
) -> None:
    # Before, it was in UTC whatever the reader's zone.
    subscribe(services, ALICE, schedule=Schedule(at="13:00", tz="Europe/Berlin"))
    deliverer.deliver_due(NOW)
    deliverer.deliver_due(NOW + timedelta(days=1))
    message = fake_slack.calls_to("chat.postMessage")[-1].body
    headline = message["blocks"][1]["text"]["text"]
    assert headline.startswith("Nothing new since 2025-12-10 13:00 CET")


def test_one_failing_target_does_not_stop_the_others(
    deliverer: Deliverer, services: Services, fake_slack: FakeSlack
) -> None:
    gone, here = user_target(TEAM_ID, "U0GONE"), user_target(TEAM_ID, "U0HERE")
    subscribe(services, gone)
    subscribe(services, here)
    fake_slack.script("conversations.open", Reply(body={"ok": False, "error": "user_not_found"}))
    counts = deliverer.deliver_due(NOW)
    assert (counts["delivered"], counts["failed"]) == (1, 1)
    [failing] = services.store.deliveries.failing()
    assert (failing.target, failing.error) == (gone, "slack: user_not_found")
    # The next tick tries again, and only the one that failed.
    assert deliverer.deliver_due(NOW + timedelta(minutes=5))["delivered"] == 1
    assert [post.body["channel"] for post in fake_slack.accepted("chat.postMessage")] == [
        *["DU0HERE"] * 6,
        *["DU0GONE"] * 6,
    ]


def test_a_digest_that_cannot_be_matched_shows_as_failing(
    deliverer: Deliverer, services: Services, fake_slack: FakeSlack
) -> None:
    # Subscribed, but the profile is gone: the try fails before there is anything to post.
    services.store.subscriptions.save(ALICE, NINE_UTC, now=NOW)
    assert deliverer.deliver_due(NOW)["failed"] == 1
    [failing] = services.store.deliveries.failing()
    assert failing.target == ALICE and "has no profile" in failing.error
    assert fake_slack.calls_to("chat.postMessage") == []
    # Once the profile is back, the next tick delivers that day's digest.
    subscribe(services, ALICE)
    assert deliverer.deliver_due(NOW + timedelta(minutes=5))["delivered"] == 1
    assert services.store.deliveries.get(ALICE, NOW.date()).done
    assert services.store.deliveries.failing() == []


def test_titles_that_try_to_ping_render_inert_in_digests(
    deliverer: Deliverer, services: Services, fake_slack: FakeSlack
) -> None:
    add_papers(
        services,
        [
            Paper(
                id="2512.00002",
                title="<!channel> Zebrafish <@U0BOSS> <!here> <https://evil.example|click>",
                abstract="Zebrafish <!subteam^S1> swim. <!everyone> read this.",
                authors=("<@U0BOSS>", "Eve & Mallory"),
            )
        ],
    )
    subscribe(services, ALICE, "zebrafish swimming", keywords=["zebrafish"])
    deliverer.deliver_due(NOW)
    header, *cards = (post.body for post in fake_slack.calls_to("chat.postMessage"))
    [card] = [card for card in cards if buttons(card, DIGEST_MORE) == ["2512.00002"]]
    for message in (header, card):  # in the header's list, and on the pick's card
        assert "&lt;!channel&gt; Zebrafish &lt;@U0BOSS&gt;" in str(message["blocks"])
    for message in (header, *cards):
        check_inert(message)


def test_five_hundred_subscribers_get_their_digests(
    deliverer: Deliverer, services: Services, fake_slack: FakeSlack
) -> None:
    people = [f"U{number:04d}" for number in range(500)]
    for person in people:  # the fewest picks a digest has: a header and three in its thread
        subscribe(services, user_target(TEAM_ID, person), digest_size=3)
    counts = deliverer.deliver_due(NOW)
    assert counts == {"due": 500, "delivered": 500, "failed": 0, "messages": 2000}
    channels = [post.body["channel"] for post in fake_slack.calls_to("chat.postMessage")]
    assert sorted(channels) == sorted(direct_channel(person) for person in people * 4)


def sent_message(services: Services, fake_slack: FakeSlack, target: str, pick: int = 0) -> dict:
    """The message of the digest's `pick`-th pick (from 0) as Slack keeps it: what the app
    posted, with its channel and ts."""
    return digest_posts(services, fake_slack, target)[1 + pick]


def test_feedback_on_a_digest_is_learned_and_shown_in_place(
    slack: SlackSender, deliverer: Deliverer, services: Services, fake_slack: FakeSlack
) -> None:
    subscribe(services, ALICE)
    deliverer.deliver_due(NOW)
    message = sent_message(services, fake_slack, ALICE, pick=1)
    [paper] = buttons(message, DIGEST_NOT_INTERESTED)
    answer = slack.click_in_message(DIGEST_NOT_INTERESTED, paper, message=message)
    assert answer.status == 200
    fake_slack.wait_until(lambda: fake_slack.calls_to("chat.update"))
    [update] = fake_slack.calls_to("chat.update")
    assert (update.body["channel"], update.body["ts"]) == (message["channel"], message["ts"])
    assert buttons(update.body, DIGEST_NOT_INTERESTED) == []
    [note] = [b for b in update.body["blocks"] if b.get("accessory", {}).get("value") == paper]
    assert note["text"]["text"].startswith("👎 Noted: fewer papers like this one")
    assert services.store.profiles.get(ALICE).disliked == (paper,)
    check_limits(update.body)


def test_save_in_a_channel_digest_keeps_the_buttons_for_the_others(
    slack: SlackSender, deliverer: Deliverer, services: Services, fake_slack: FakeSlack
) -> None:
    channel = channel_target(TEAM_ID, "C0PAPERS")
    subscribe(services, channel)
    deliverer.deliver_due(NOW)
    message = sent_message(services, fake_slack, channel)
    paper = buttons(message, DIGEST_SAVE)[0]
    answer = slack.click_in_message(DIGEST_SAVE, paper, message=message, user="U0BOB")
    [reply] = fake_slack.wait_for_reply(answer.response_url)
    assert reply["response_type"] == "ephemeral" and reply["text"].startswith("🔖 Saved")
    assert fake_slack.calls_to("chat.update") == []
    bob = user_target(TEAM_ID, "U0BOB")
    assert services.store.profiles.saved(bob) == [paper]
    # Saving is personal: Bob's profile learns, the channel's does not.
    assert services.store.profiles.get(bob).liked == (paper,)
    assert services.store.profiles.get(channel).liked == ()


def test_a_liked_paper_explains_the_next_digest(
    slack: SlackSender, deliverer: Deliverer, services: Services, fake_slack: FakeSlack
) -> None:
    subscribe(services, ALICE)
    deliverer.deliver_due(NOW)
    message = sent_message(services, fake_slack, ALICE)
    liked = services.store.get(buttons(message, DIGEST_MORE)[0])
    slack.click_in_message(DIGEST_MORE, liked.id, message=message)
    fake_slack.wait_until(lambda: fake_slack.calls_to("chat.update"))
    assert services.store.profiles.get(ALICE).liked == (liked.id,)
    # The next day brings a paper much like the liked one, and one about something else.
    tomorrow = NOW + timedelta(days=1)
    twin = Paper(id="2512.00003", title=f"{liked.title}, revisited", abstract=liked.abstract)
    other = Paper(id="2512.00004", title="Coral reef fish counts", abstract="We count fish.")
    add_papers(services, [twin, other], now=tomorrow)
    deliverer.deliver_due(tomorrow)
    digest = fake_slack.calls_to("chat.postMessage")[-1].body
    [section] = [b["text"]["text"] for b in digest["blocks"] if b["type"] == "section"]
    assert section.startswith("*<https://arxiv.org/abs/2512.00003|")
    assert section.endswith(f"↳ close to “{liked.title}” you liked")


def test_each_missed_day_goes_out_once_without_repeating_a_paper(
    services: Services, matcher: Matcher, settings: Settings, sleeps: Sleeps, fake_slack: FakeSlack
) -> None:
    subscribe(services, ALICE)
    outlet = SlackOutlet(web_client(settings), sleep=sleeps, clock=sleeps.monotonic)
    grace = timedelta(days=2)  # a day and a half of downtime still delivers both days
    late = Deliverer(services.store, matcher, outlet, services.clock, grace=grace)
    assert late.deliver_due(NOW + timedelta(days=1))["delivered"] == 2
    first, *cards, second = (post.body for post in fake_slack.calls_to("chat.postMessage"))
    assert first["text"] == "5 papers for Wed 10 Dec" and len(cards) == 5
    assert second["text"] == "Papers for Thu 11 Dec: nothing new to pick"


def test_a_post_whose_reply_is_lost_is_looked_up_and_not_posted_again(
    deliverer: Deliverer, services: Services, fake_slack: FakeSlack
) -> None:
    subscribe(services, ALICE, "large language models", digest_size=20, **WIDE)
    fake_slack.script("chat.postMessage", lost_reply())
    assert deliverer.deliver_due(NOW)["delivered"] == 1
    posts = fake_slack.accepted("chat.postMessage")
    assert [post.body["text"] for post in posts] == [
        "20 papers for Wed 10 Dec",
        *(f"Paper {n} of 20 for Wed 10 Dec" for n in range(1, 21)),
    ]
    [lookup] = fake_slack.calls_to("conversations.history")
    assert lookup.body["channel"] == direct_channel("U0ALICE")
    assert posts[0].body["metadata"] == {
        "event_type": "papers_digest",
        "event_payload": {"target": ALICE, "day": "2025-12-10", "part": 1, "parts": 21},
    }
    delivery = services.store.deliveries.get(ALICE, NOW.date())
    assert delivery.done and [part["ts"] for part in delivery.posted] == [
        fake_slack.answers[fake_slack.calls.index(post)].body["ts"] for post in posts
    ]


def test_a_post_lost_before_slack_got_it_is_posted_again_after_looking(
    deliverer: Deliverer, services: Services, fake_slack: FakeSlack
) -> None:
    subscribe(services, ALICE)
    fake_slack.script("chat.postMessage", lost_reply(acted=False))
    assert deliverer.deliver_due(NOW)["delivered"] == 1
    assert len(fake_slack.calls_to("chat.postMessage")) == 7
    assert len(fake_slack.accepted("chat.postMessage")) == 6
    assert len(fake_slack.calls_to("conversations.history")) == 1


def crash_after_posting(
    deliverer: Deliverer, services: Services, posted: bool, part: int = 0
) -> None:
    """A first try that posted Alice's messages before `part` (from 0), claimed that one and
    died with its post's outcome unrecorded: having posted it, or not."""
    ledger, day = services.store.deliveries, NOW.date()
    plan = deliverer.plan(ALICE, day, None, NOW)
    ledger.begin(ALICE, day, plan, now=NOW)
    _, messages = deliverer.render(ALICE, day, plan)
    head = None
    for message in messages[:part]:
        ledger.claim(ALICE, day, None, now=NOW)
        ledger.posted(ALICE, day, deliverer.outlet.post(ALICE, message, head), now=NOW)
        head = ledger.get(ALICE, day).posted[0]
    ledger.claim(ALICE, day, None, now=NOW)
    if posted:
        deliverer.outlet.post(ALICE, messages[part], head)


@pytest.mark.parametrize("posted", [True, False])
def test_after_a_crash_mid_post_the_message_is_looked_up_before_it_is_posted(
    deliverer: Deliverer, services: Services, fake_slack: FakeSlack, posted: bool
) -> None:
    subscribe(services, ALICE)
    crash_after_posting(deliverer, services, posted)
    again = deliverer.deliver_due(NOW + timedelta(minutes=5))
    assert (again["delivered"], again["messages"]) == (1, 5 if posted else 6)
    assert len(fake_slack.accepted("chat.postMessage")) == 6
    assert len(fake_slack.calls_to("conversations.history")) == 1
    assert services.store.deliveries.get(ALICE, NOW.date()).done


@pytest.mark.parametrize("posted", [True, False])
def test_after_a_crash_mid_pick_the_header_s_thread_is_searched_and_the_rest_go_there(
    deliverer: Deliverer, services: Services, fake_slack: FakeSlack, posted: bool
) -> None:
    subscribe(services, ALICE)
    crash_after_posting(deliverer, services, posted, part=2)  # the second pick's message
    again = deliverer.deliver_due(NOW + timedelta(minutes=5))
    assert (again["delivered"], again["messages"]) == (1, 3 if posted else 4)
    [lookup] = fake_slack.calls_to("conversations.replies")
    header, *cards = digest_posts(services, fake_slack, ALICE)
    assert (lookup.body["channel"], lookup.body["ts"]) == ("DU0ALICE", header["ts"])
    assert fake_slack.calls_to("conversations.history") == []
    assert len(fake_slack.accepted("chat.postMessage")) == 6
    assert len(cards) == 5 and {card["thread_ts"] for card in cards} == {header["ts"]}
    named = [services.store.messages.find(TEAM_ID, "DU0ALICE", card["ts"]) for card in cards]
    assert all(message is not None for message in named)


def test_a_pick_whose_reply_is_lost_is_looked_up_in_the_thread(
    deliverer: Deliverer, services: Services, fake_slack: FakeSlack
) -> None:
    subscribe(services, ALICE)
    fake_slack.script("chat.postMessage", None, lost_reply())
    assert deliverer.deliver_due(NOW)["delivered"] == 1
    header, *cards = digest_posts(services, fake_slack, ALICE)
    [lookup] = fake_slack.calls_to("conversations.replies")
    assert lookup.body["ts"] == header["ts"] and len(cards) == 5
    assert len(fake_slack.calls_to("chat.postMessage")) == 6  # none posted twice


def test_without_the_history_scopes_a_lost_reply_is_posted_again_rather_than_never(
    deliverer: Deliverer, services: Services, fake_slack: FakeSlack
) -> None:
    subscribe(services, ALICE)
    fake_slack.script("chat.postMessage", lost_reply())
    fake_slack.script("conversations.history", Reply(body={"ok": False, "error": "missing_scope"}))
    assert deliverer.deliver_due(NOW)["delivered"] == 1
    assert len(fake_slack.accepted("chat.postMessage")) == 7


def refused(error: str, status: int = 200) -> Reply:
    return Reply(status, {"ok": False, "error": error})


def channel_set_up_by_bob(services: Services) -> str:
    """A channel digest due at NOW that Bob set up."""
    target = channel_target(TEAM_ID, "C0PAPERS")
    subscribe(services, target)
    services.store.subscriptions.restore(
        target, {"schedule": NINE_UTC.as_dict(), "owner": BOB}, now=NOW
    )
    return target


BOB = user_target(TEAM_ID, "U0BOB")


@pytest.mark.parametrize("error", ["not_in_channel", "channel_not_found", "is_archived"])
def test_a_channel_the_app_cannot_post_in_tells_its_owner_once_then_pauses(
    deliverer: Deliverer, services: Services, fake_slack: FakeSlack, error: str
) -> None:
    target = channel_set_up_by_bob(services)
    # The channel refuses three ticks in a row; the direct message to Bob goes through.
    fake_slack.script("chat.postMessage", refused(error), None, refused(error), refused(error))
    for tick in range(4):
        counts = deliverer.deliver_due(NOW + timedelta(minutes=5 * tick))
        assert (counts["delivered"], counts["failed"]) == ((0, 1) if tick < 3 else (0, 0))
    posts = fake_slack.calls_to("chat.postMessage")
    assert [post.body["channel"] for post in posts] == [
        "C0PAPERS",
        "DU0BOB",
        "C0PAPERS",
        "C0PAPERS",
    ]
    told = posts[1].body
    assert told["text"].startswith(
        f":warning: I can't post the paper digest in <#C0PAPERS> (Slack says `{error}`)"
    )
    assert "After 3 failed tries in a row I pause it myself" in told["text"]
    [actions] = [block for block in told["blocks"] if block["type"] == "actions"]
    assert [(b["action_id"], b["value"]) for b in actions["elements"]] == [
        ("digest_pause", target),
        ("digest_resume", target),
    ]
    check_limits(told)
    state = services.store.subscriptions.state(target)
    assert (state.paused, state.failures) == (f"slack: {error}", 3)
    # Resumed (and the app invited), the digest goes at the next tick.
    services.store.subscriptions.resume(target, now=NOW)
    assert deliverer.deliver_due(NOW + timedelta(minutes=20))["delivered"] == 1
    assert fake_slack.accepted("chat.postMessage")[-1].body["channel"] == "C0PAPERS"


def test_the_invite_hint_is_told_for_not_in_channel(
    deliverer: Deliverer, services: Services, fake_slack: FakeSlack
) -> None:
    channel_set_up_by_bob(services)
    fake_slack.script("chat.postMessage", refused("not_in_channel"))
    deliverer.deliver_due(NOW)
    told = fake_slack.calls_to("chat.postMessage")[1].body["text"]
    assert "invite me with `/invite @papers` in the channel, or pause it." in told


@pytest.mark.parametrize(
    ("reply", "posts"),
    [
        (refused("internal_error"), 1),
        (refused("fatal_error", 500), 1),
        # Each post is looked up and tried again: three tries a tick.
        (lost_reply(acted=False), 3),
    ],
)
def test_transient_failures_are_retried_and_tell_no_one(
    deliverer: Deliverer, services: Services, fake_slack: FakeSlack, reply: Reply, posts: int
) -> None:
    target = channel_set_up_by_bob(services)
    fake_slack.script("chat.postMessage", *[reply] * 3 * posts)
    for tick in range(3):
        assert deliverer.deliver_due(NOW + timedelta(minutes=5 * tick))["failed"] == 1
    assert {post.body["channel"] for post in fake_slack.calls_to("chat.postMessage")} == {
        "C0PAPERS"
    }
    state = services.store.subscriptions.state(target)
    assert (state.paused, state.failures) == (None, 0)
    assert deliverer.deliver_due(NOW + timedelta(minutes=15))["delivered"] == 1


def test_a_digest_that_goes_out_forgets_the_failures_before_it(
    deliverer: Deliverer, services: Services, fake_slack: FakeSlack
) -> None:
    target = channel_set_up_by_bob(services)
    fake_slack.script(
        "chat.postMessage", refused("not_in_channel"), None, refused("not_in_channel")
    )
    deliverer.deliver_due(NOW)
    deliverer.deliver_due(NOW + timedelta(minutes=5))
    assert services.store.subscriptions.state(target).failures == 2
    assert deliverer.deliver_due(NOW + timedelta(minutes=10))["delivered"] == 1
    assert services.store.subscriptions.state(target).failures == 0


def test_a_person_whose_account_is_gone_is_paused_without_a_message(
    deliverer: Deliverer, services: Services, fake_slack: FakeSlack
) -> None:
    subscribe(services, ALICE)
    services.store.subscriptions.restore(
        ALICE, {"schedule": NINE_UTC.as_dict(), "owner": ALICE}, now=NOW
    )
    fake_slack.script("chat.postMessage", *[refused("account_inactive")] * 3)
    for tick in range(3):
        deliverer.deliver_due(NOW + timedelta(minutes=5 * tick))
    assert len(fake_slack.calls_to("chat.postMessage")) == 3  # no message about it to anyone
    assert services.store.subscriptions.state(ALICE).paused == "slack: account_inactive"


def test_an_owner_who_cannot_be_told_leaves_the_count_going(
    deliverer: Deliverer, services: Services, fake_slack: FakeSlack
) -> None:
    target = channel_set_up_by_bob(services)
    fake_slack.script("chat.postMessage", refused("not_in_channel"))
    fake_slack.script("conversations.open", refused("user_not_found"))
    assert deliverer.deliver_due(NOW)["failed"] == 1
    assert [post.body["channel"] for post in fake_slack.calls_to("chat.postMessage")] == [
        "C0PAPERS"
    ]
    [opened] = fake_slack.calls_to("conversations.open")
    assert opened.body == {"users": "U0BOB"}  # the owner was to be told
    assert services.store.subscriptions.state(target).failures == 1


def test_pacers_of_two_processes_share_the_store_s_workspace_buckets(store: Store) -> None:
    sleeps = Sleeps()

    def clock() -> float:  # time moves only by sleeping: the database's own pace counts not
        return sum(sleeps.calls)

    first, second = (
        Pacer(sleeps, clock=clock, rate=5.0, burst=10, buckets=store.pacing) for _ in range(2)
    )
    for n in range(12):
        (first if n % 2 else second).wait(f"C{n}", "T1")  # ten at once between them, then 0.2 s
    second.wait("D0", "T2")  # another workspace does not wait for this one
    second.wait("D0", "T2")  # a conversation gets one a second from the process posting to it
    assert sleeps.calls == pytest.approx([0.2, 0.2, 1.0], abs=0.02)
