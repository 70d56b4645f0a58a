"""Delivery spread over workers on a real PostgreSQL: the clock queues the due digests,
real `papers worker` processes post them to a slow fake Slack, one is killed with
SIGKILL mid-run, and every digest still goes out exactly once."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.client import web_client
from bot.config import Settings
from bot.delivery import SlackOutlet
from bot.scheduler import Clockwork
from recommender import SAMPLES_DIR
from recommender.delivery import Deliverer, DeliveryWorker
from recommender.embed import HashEmbedder
from recommender.engine import Engine
from recommender.http import HttpClient
from recommender.indexes import Indexer
from recommender.ingest import IngestReport, ingest_file
from recommender.matching import Matcher
from recommender.pipeline import Pipeline
from recommender.profiles import Profile
from recommender.schedule import Schedule
from recommender.store import Store
from recommender.store.schema import deliveries
from tests.slack.conftest import BOT_TOKEN
from tests.slack.harness import PATIENCE, FakeSlack

pytestmark = pytest.mark.postgres

TARGETS = [f"user:T0TEAM:U{n:04d}" for n in range(40)]
CHANNELS = {f"DU{n:04d}" for n in range(40)}


def clock() -> datetime:
    return datetime.now(UTC)


def posts_per_channel(fake_slack: FakeSlack) -> Counter:
    return Counter(call.body["channel"] for call in fake_slack.accepted("chat.postMessage"))


def check_threads(fake_slack: FakeSlack) -> None:
    """Every digest is its header and four messages: three picks in the header's thread."""
    assert posts_per_channel(fake_slack) == dict.fromkeys(CHANNELS, 4)
    for channel in CHANNELS:
        header, *cards = [m for m in fake_slack.posted() if m["channel"] == channel]
        assert "thread_ts" not in header
        assert [card["thread_ts"] for card in cards] == [header["ts"]] * 3


@pytest.fixture
def clockwork(postgres_url: str, fake_slack: FakeSlack, tmp_path: Path) -> Clockwork:
    """The clock's side on PostgreSQL: the samples indexed, 40 people due now, queuing their
    digests for workers (no sender threads of its own)."""
    store = Store.open(postgres_url)
    report = IngestReport()
    for path in sorted(SAMPLES_DIR.glob("*.txt")):
        ingest_file(store, path, report, now=clock())
    index_dir = tmp_path / "index"
    Indexer(store, index_dir, HashEmbedder()).update()
    due = Schedule(at=(clock() - timedelta(hours=1)).strftime("%H:%M"), tz="UTC")
    for target in TARGETS:  # digests of three picks: a header and three in its thread
        profile = Profile(description="LLM quantization", digest_size=3)
        store.profiles.save(target, profile, now=clock())
        store.subscriptions.save(target, due, now=clock())
    settings = Settings(
        data_dir=tmp_path, database_url=postgres_url, slack_bot_token=BOT_TOKEN,
        slack_api_url=fake_slack.api_url,
    )  # fmt: skip
    outlet = SlackOutlet(web_client(settings), sleep=lambda seconds: None)
    deliverer = Deliverer(store, Matcher(Engine(store, index_dir, HashEmbedder())), outlet, clock)
    pipeline = Pipeline(
        store=store, indexer=Indexer(store, index_dir, HashEmbedder()), sources=[],
        client_for=lambda source: HttpClient(retries=1), clock=clock,
    )  # fmt: skip
    return Clockwork(pipeline, deliverer, clock, senders=[])


def papers_worker(env: dict[str, str], log: Path, threads: int = 2) -> subprocess.Popen:
    command = [str(Path(sys.executable).with_name("papers")), "worker", "--threads", str(threads)]
    with log.open("a") as out:
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)


def wait_for(condition, patience: float = PATIENCE) -> None:
    deadline = time.monotonic() + patience
    while not condition():
        assert time.monotonic() < deadline, "the workers did not finish"
        time.sleep(0.2)


def test_workers_post_every_digest_once_though_one_is_killed_mid_run(
    clockwork: Clockwork, postgres_url: str, fake_slack: FakeSlack, tmp_path: Path
):
    store = clockwork.pipeline.store
    clockwork.deliver()  # the tick: plans and queues, posts nothing itself
    assert store.deliveries.queued() == 40 and fake_slack.calls_to("chat.postMessage") == []
    env = {
        **os.environ,
        "PAPERS_DATA_DIR": str(tmp_path / "worker-data"),
        "DATABASE_URL": postgres_url,
        "SLACK_API_URL": fake_slack.api_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "HF_HUB_OFFLINE": "1",
        "PAPERS_LEASE_SECONDS": "3",  # a dead worker's claims are taken over after this
    }
    log = tmp_path / "workers.log"
    fake_slack.latency = 0.3
    workers = [papers_worker(env, log) for _ in range(3)]
    # Three processes starting at once on a busy machine take a while to import.
    wait_for(lambda: len(fake_slack.calls_to("chat.postMessage")) >= 8, 180)
    workers[0].kill()  # SIGKILL: posts of its two threads are in flight
    workers[0].wait(PATIENCE)
    try:
        today = clock().date()
        wait_for(lambda: all(store.deliveries.get(t, today).done for t in TARGETS), 180)
    finally:
        for worker in workers[1:]:
            worker.terminate()
    for worker in workers[1:]:
        assert worker.wait(PATIENCE) == 0, log.read_text()
    check_threads(fake_slack)
    # what the killed one held was taken over (a second claim) once its claims ran out
    with store.engine.connect() as conn:
        tokens = conn.scalars(select(deliveries.c.claim_token)).all()
    assert max(tokens) == 2 and sorted(tokens)[0] == 1
    assert "worker stopped" in log.read_text()
    assert store.deliveries.queued() == 0
    assert [run.status for run in store.jobs.recent() if run.job == "deliver"] == ["ok"]


def test_the_clocks_own_sender_threads_drain_the_queue(clockwork: Clockwork, fake_slack: FakeSlack):
    store = clockwork.pipeline.store
    clockwork.senders = [
        DeliveryWorker(clockwork.deliverer, f"clock-{n}", timedelta(minutes=2)) for n in range(3)
    ]
    fake_slack.latency = 0.05
    clockwork.deliver()
    check_threads(fake_slack)
    assert all(store.deliveries.get(t, clock().date()).done for t in TARGETS)
    clockwork.deliver()  # nothing left: the next tick queues and posts nothing
    assert posts_per_channel(fake_slack) == dict.fromkeys(CHANNELS, 4)
