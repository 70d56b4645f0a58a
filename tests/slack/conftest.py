"""Fixtures of the Slack tests: the fake Slack, a searchable archive, and the app serving it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.app import create_app
from bot.client import web_client
from bot.config import Settings
from bot.delivery import SlackOutlet
from bot.services import Services
from bot.web import wsgi_app
from recommender import SAMPLES_DIR
from recommender.delivery import Deliverer
from recommender.embed import HashEmbedder
from recommender.engine import Engine
from recommender.indexes import Indexer
from recommender.ingest import IngestReport, ingest_file
from recommender.matching import Matcher
from recommender.models import Paper
from recommender.pipeline import Source
from recommender.profiles import Profile
from recommender.schedule import Schedule
from recommender.store import Store
from tests.slack.harness import FakeSlack, SlackSender, serving

# Made-up secrets, distinctive enough that a test can look for them in the logs.
BOT_TOKEN = "xoxb-111-222-bottokenNEVERLOGGED"
SIGNING_SECRET = "signingsecretNEVERLOGGED0123456789"
APP_TOKEN = "xapp-1-A0PAPERS-333-apptokenNEVERLOGGED"
NOW = datetime(2025, 12, 10, 12, 0, tzinfo=UTC)
# A schedule whose digest is due at NOW.
NINE_UTC = Schedule(at="09:00", tz="UTC")


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    """Slack's Web API and response URLs on a loopback port, recording every call."""
    fake = FakeSlack()
    fake.start()
    yield fake
    fake.stop()


def add_papers(services: Services, papers: list[Paper], *, now: datetime = NOW) -> None:
    """Store more papers (first seen `now`) and update the indexes, as the scheduler would."""
    services.store.upsert(papers, now=now)
    Indexer(services.store, services.index_dir, HashEmbedder()).update()


# What the app's scheduler ingests, as /healthz reports it: a category typo, and Hugging Face.
SOURCES = (Source("arxiv-rss", "astroph"), Source("hf"))


@pytest.fixture
def services(sqlite_store: Store, tmp_path: Path) -> Services:
    """The bundled samples in a real store, indexed with the fast hashing embedder."""
    report = IngestReport()
    for path in sorted(SAMPLES_DIR.glob("*.txt")):
        ingest_file(sqlite_store, path, report, now=NOW)
    embedder = HashEmbedder()
    index_dir = tmp_path / "index"
    Indexer(sqlite_store, index_dir, embedder).update()
    engine = Engine(sqlite_store, index_dir, embedder)
    return Services(sqlite_store, engine, index_dir, clock=lambda: NOW, sources=SOURCES)


@pytest.fixture
def settings(fake_slack: FakeSlack, tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'papers.db'}",
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake_slack.api_url,
    )


@pytest.fixture
def slack(settings: Settings, services: Services, fake_slack: FakeSlack) -> Iterator[SlackSender]:
    """The real app served by waitress, and a sender of signed requests to it."""
    app = create_app(settings, services)
    with serving(wsgi_app(app, services, signing_secret=SIGNING_SECRET)) as url:
        yield SlackSender(url, SIGNING_SECRET, fake_slack)


@pytest.fixture
def matcher(services: Services) -> Matcher:
    return Matcher(services.engine)


class Sleeps:
    """A stand-in for time.sleep that notes how long it was asked to wait and returns at
    once, and the monotonic clock that goes with it (a sleep moves it on)."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)

    def monotonic(self) -> float:
        return time.monotonic() + sum(self.calls)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def deliverer(
    services: Services, matcher: Matcher, settings: Settings, sleeps: Sleeps
) -> Deliverer:
    """Digests posted to the fake Slack, paced by a sleep that does not wait."""
    outlet = SlackOutlet(web_client(settings), sleep=sleeps, clock=sleeps.monotonic)
    return Deliverer(services.store, matcher, outlet, services.clock)


def subscribe(
    services: Services,
    target: str,
    description: str = "speculative decoding and quantization for LLM inference",
    *,
    schedule: Schedule = NINE_UTC,
    **profile,
) -> None:
    """A subscribed target, due at NOW (12:00 UTC) with its 09:00 UTC schedule."""
    services.store.profiles.save(target, Profile(description=description, **profile), now=NOW)
    services.store.subscriptions.save(target, schedule, now=NOW)


def digest_posts(
    services: Services, fake_slack: FakeSlack, target: str, day: date | None = None
) -> list[dict]:
    """The messages of `target`'s digest of `day` as Slack keeps them: what the app posted,
    with the channel and ts Slack gave it; the header first, then each pick in its thread."""
    sent = {message["ts"]: message for message in fake_slack.posted()}
    posts = services.store.deliveries.get(target, day or NOW.date()).posted
    return [{**sent[post["ts"]], **post} for post in posts]
