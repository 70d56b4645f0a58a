"""`/papers` through the real app: signed HTTP requests in, replies at the fake Slack."""

from __future__ import annotations

import logging
import threading
from dataclasses import replace

import pytest

from bot.app import create_app
from bot.config import Settings
from bot.listeners.replies import APOLOGY, NOT_INDEXED
from bot.services import Services
from bot.web import wsgi_app
from recommender.models import Paper
from tests.slack.blockkit import check_inert, check_limits
from tests.slack.conftest import SIGNING_SECRET, add_papers
from tests.slack.harness import PATIENCE, FakeSlack, SlackSender, serving


def sections(reply: dict) -> list[str]:
    return [block["text"]["text"] for block in reply["blocks"] if block["type"] == "section"]


def test_search_replies_with_five_linked_results_only_the_caller_sees(
    slack: SlackSender, fake_slack: FakeSlack
) -> None:
    answer = slack.command("transformer head pruning entropy")
    assert (answer.status, answer.body) == (200, "")
    [reply] = fake_slack.wait_for_reply(answer.response_url)
    assert reply["response_type"] == "ephemeral"
    assert sections(reply)[0] == (
        # Over a hundred papers hold a query word: the BM25 run filled its depth.
        "Papers for *“transformer head pruning entropy”* · 1–5 of 121+"
    )
    titles = sections(reply)[1:]
    assert len(titles) == 5
    # a paper with an arXiv id links its abstract page; one known by title only cannot
    assert titles[0].startswith("*<https://arxiv.org/abs/2510.13832|Entropy Meets Importance")
    check_limits(reply)
    check_inert(reply)


def test_filters_narrow_the_search(slack: SlackSender, fake_slack: FakeSlack) -> None:
    answer = slack.command('language models --cat cs.CL --author "Belinkov"')
    [reply] = fake_slack.wait_for_reply(answer.response_url)
    assert sections(reply)[0] == (
        "Papers for *“language models”* · in cs.CL · by “Belinkov” · 1–1 of 1"
    )
    assert "Planted in Pretraining" in sections(reply)[1]


def test_zero_results_say_so_and_suggest_a_broader_search(
    slack: SlackSender, fake_slack: FakeSlack
) -> None:
    answer = slack.command("transformers --since 2025-12-09")
    [reply] = fake_slack.wait_for_reply(answer.response_url)
    assert sections(reply) == ["No papers match *“transformers”* · since 2025-12-09."]
    assert "drop `--since`, `--cat` or `--author`" in str(reply["blocks"])


@pytest.mark.parametrize("text", ["", "help"])
def test_help(slack: SlackSender, fake_slack: FakeSlack, text: str) -> None:
    answer = slack.command(text)
    [reply] = fake_slack.wait_for_reply(answer.response_url)
    assert reply["response_type"] == "ephemeral"
    assert reply["text"] == "How to use /papers"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("llm --cats cs.CL", ":warning: unknown option `--cats`; use --since, --cat or --author"),
        ("llm --since", ":warning: `--since` needs a value, e.g. `--since 7d`"),
        ("the of and", ":warning: `the of and` has only common words; add a topic"),
    ],
)
def test_bad_input_gets_a_clear_ephemeral_error(
    slack: SlackSender, fake_slack: FakeSlack, text: str, message: str
) -> None:
    [reply] = fake_slack.wait_for_reply(slack.command(text).response_url)
    assert reply["response_type"] == "ephemeral"
    assert reply["text"].startswith(message)


@pytest.mark.parametrize(
    "text", ["--" + "x" * 3000, "x --cat " + "<" * 760, "x --cat " + "a" * 3200]
)
def test_a_very_long_bad_input_still_gets_an_answer_within_slacks_limits(
    slack: SlackSender, fake_slack: FakeSlack, text: str
) -> None:
    [reply] = fake_slack.wait_for_reply(slack.command(text).response_url)
    assert reply["response_type"] == "ephemeral"
    check_limits(reply)


def test_titles_that_try_to_ping_render_inert(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    add_papers(
        services,
        [
            Paper(
                id="2511.00001",
                title="<!channel> Zebrafish <@U0BOSS> <!here> <https://evil.example|click>",
                abstract="Zebrafish <!subteam^S1> swim. <!everyone> read this.",
                authors=("<@U0BOSS>", "Eve & Mallory"),
            )
        ],
    )
    [reply] = fake_slack.wait_for_reply(slack.command("zebrafish").response_url)
    first = sections(reply)[1]
    assert first.startswith(
        "*<https://arxiv.org/abs/2511.00001|&lt;!channel&gt; Zebrafish &lt;@U0BOSS&gt; "
    )
    check_inert(reply)


class SlowEngine:
    """The real engine, whose searches wait until the test lets them go."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.started = threading.Event()
        self.release = threading.Event()
        self.finished = threading.Event()

    def search(self, *args, **kwargs):
        self.started.set()
        self.release.wait(PATIENCE)
        try:
            return self.engine.search(*args, **kwargs)
        finally:
            self.finished.set()

    def similar(self, *args, **kwargs):
        return self.engine.similar(*args, **kwargs)


def test_the_ack_does_not_wait_for_a_slow_search(
    settings: Settings, services: Services, fake_slack: FakeSlack
) -> None:
    slow = SlowEngine(services.engine)
    services = replace(services, engine=slow)
    app = create_app(settings, services)
    with serving(wsgi_app(app, services, signing_secret=SIGNING_SECRET)) as url:
        answer = SlackSender(url, SIGNING_SECRET, fake_slack).command("transformers")
        # Slack has its answer while the search is still held back...
        assert answer.status == 200
        assert slow.started.wait(PATIENCE)
        assert not slow.finished.is_set()
        assert fake_slack.replies_to(answer.response_url) == []
        # ...and the results follow through the response URL once the search ends.
        slow.release.set()
        [reply] = fake_slack.wait_for_reply(answer.response_url)
    assert slow.finished.is_set()
    assert len(sections(reply)) == 6


class BrokenEngine:
    def search(self, *args, **kwargs):
        raise RuntimeError("disk on fire at /srv/papers/index")

    similar = search


def test_an_unexpected_error_is_logged_and_the_user_gets_an_apology(
    settings: Settings,
    services: Services,
    fake_slack: FakeSlack,
    caplog: pytest.LogCaptureFixture,
) -> None:
    services = replace(services, engine=BrokenEngine())
    app = create_app(settings, services)
    with serving(wsgi_app(app, services, signing_secret=SIGNING_SECRET)) as url:
        answer = SlackSender(url, SIGNING_SECRET, fake_slack).command("transformers")
        [reply] = fake_slack.wait_for_reply(answer.response_url)
    assert reply["text"] == APOLOGY
    assert "fire" not in str(reply) and "Traceback" not in str(reply)
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert record.exc_info and "disk on fire" in str(record.exc_info[1])


def test_a_missing_index_is_explained_without_server_details(
    slack: SlackSender, fake_slack: FakeSlack, services: Services
) -> None:
    (services.index_dir / "state.json").unlink()
    [reply] = fake_slack.wait_for_reply(slack.command("transformers").response_url)
    assert reply["text"] == NOT_INDEXED
    assert str(services.index_dir) not in str(reply)
