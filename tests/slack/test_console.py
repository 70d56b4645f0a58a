"""Digests printed instead of posted (bot/console.py): plain text, and the same ledger."""

from __future__ import annotations

from datetime import timedelta

from bot.console import ConsoleOutlet, plain, render_text
from bot.services import Services
from bot.targets import user_target
from recommender.delivery import Deliverer, DryRun
from recommender.matching import Matcher
from tests.slack.conftest import NOW, subscribe
from tests.slack.harness import TEAM_ID

ALICE = user_target(TEAM_ID, "U0ALICE")


def test_render_text_reads_like_the_message() -> None:
    link = "*<https://arxiv.org/abs/1|A &lt;b&gt;>*"
    save = {"type": "button", "text": {"type": "plain_text", "text": "Save"}}
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "📚 2 papers"}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "one\ntwo"}]},
        {"type": "divider"},
        {"type": "section", "text": {"type": "mrkdwn", "text": link}},
        {"type": "actions", "elements": [save]},
    ]
    assert render_text(blocks).splitlines() == [
        "📚 2 papers",
        "══════════",
        "  one",
        "  two",
        "─" * 60,
        "A <b> <https://arxiv.org/abs/1>",
        "  [Save]",
    ]


def test_plain_undoes_escaping_once() -> None:
    assert plain("Q&amp;A &amp;lt;b&amp;gt; &lt;!channel&gt; *bold* 2*3*4") == (
        "Q&A &lt;b&gt; <!channel> bold 2*3*4"
    )


def test_a_console_digest_is_printed_once(services: Services, matcher: Matcher) -> None:
    subscribe(services, ALICE)
    printed: list[str] = []
    outlet = ConsoleOutlet(printed.append)
    deliverer = Deliverer(services.store, matcher, outlet, services.clock)
    assert deliverer.deliver_due(NOW)["delivered"] == 1
    assert deliverer.deliver_due(NOW + timedelta(minutes=5))["delivered"] == 0
    headings, texts = printed[::2], printed[1::2]
    assert len(headings) == len(texts) == 6  # the header, then each pick under it
    assert headings[0].startswith(f"── to {ALICE} ──")
    assert all(heading.startswith(f"── to {ALICE} (thread) ──") for heading in headings[1:])
    assert texts[0].startswith("📚 5 papers for Wed 10 Dec 2025\n")
    assert "[More like this]" not in texts[0]
    assert [text.count("[More like this]  [Save]  [Not interested]") for text in texts[1:]] == [
        1
    ] * 5
    assert services.store.deliveries.get(ALICE, NOW.date()).done


def test_a_dry_run_prints_and_writes_nothing(services: Services, matcher: Matcher) -> None:
    subscribe(services, ALICE)
    printed: list[str] = []
    dry = DryRun(services.store, matcher, ConsoleOutlet(printed.append), services.clock)
    assert dry.deliver_due(NOW) == {"due": 1, "previewed": 1}
    assert "📚 5 papers for Wed 10 Dec 2025" in printed[1]
    assert services.store.deliveries.get(ALICE, NOW.date()) is None
    assert services.store.sent.last([ALICE]) == {}
