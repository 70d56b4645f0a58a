"""Two schedulers against one database and a slow Slack, on the real clock with a lease of
one second (PAPERS_LEASE_SECONDS): the lease is renewed while its holder works, catch-up
included, and a holder that lost it stops before its next post."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli.context import Context
from bot.client import web_client
from bot.config import Settings
from bot.delivery import SlackOutlet
from bot.scheduler import Clockwork
from recommender import SAMPLES_DIR
from recommender.delivery import Deliverer
from recommender.embed import HashEmbedder
from recommender.engine import Engine
from recommender.http import HttpClient
from recommender.indexes import Indexer
from recommender.ingest import IngestReport, ingest_file
from recommender.lease import LEASE
from recommender.matching import Matcher
from recommender.pipeline import Pipeline, delivering
from recommender.profiles import Profile
from recommender.schedule import Schedule
from recommender.store import Store
from tests.slack.conftest import BOT_TOKEN
from tests.slack.harness import PATIENCE, FakeSlack

TARGETS = [f"user:T0TEAM:U{n:04d}" for n in range(12)]


def clock() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def context(database_url: str, fake_slack: FakeSlack, tmp_path: Path) -> Context:
    """Settings with a one-second lease, a store with the samples indexed, twelve targets
    due now (digests of three picks: a header and three replies in its thread), and a Slack
    that takes 0.15 s to answer each call."""
    settings = Settings(
        data_dir=tmp_path,
        database_url=database_url,
        slack_bot_token=BOT_TOKEN,
        slack_api_url=fake_slack.api_url,
        lease_seconds=1.0,
    )
    context = Context(settings)
    store = context.store
    report = IngestReport()
    for path in sorted(SAMPLES_DIR.glob("*.txt")):
        ingest_file(store, path, report, now=clock())
    Indexer(store, context.index_dir, HashEmbedder()).update()
    due = Schedule(at=(clock() - timedelta(hours=1)).strftime("%H:%M"), tz="UTC")
    for target in TARGETS:
        profile = Profile(description="LLM quantization", digest_size=3)
        store.profiles.save(target, profile, now=clock())
        store.subscriptions.save(target, due, now=clock())
    # The ingest in catch-up (no sources here) must find nothing to catch up.
    store.jobs.finish(store.jobs.start("ingest", now=clock()), now=clock(), status="ok")
    fake_slack.latency = 0.15
    return context


def clockwork(context: Context, settings: Settings) -> Clockwork:
    store = context.store
    engine = Engine(store, context.index_dir, HashEmbedder())
    outlet = SlackOutlet(web_client(settings), sleep=lambda seconds: None)
    deliverer = Deliverer(store, Matcher(engine), outlet, clock)
    pipeline = Pipeline(
        store=store,
        indexer=Indexer(store, context.index_dir, HashEmbedder()),
        sources=[],
        client_for=lambda source: HttpClient(retries=1),
        clock=clock,
    )
    return Clockwork(pipeline, deliverer, clock, lease=context.lease("scheduler"))


def posts_per_channel(fake_slack: FakeSlack) -> Counter:
    return Counter(call.body["channel"] for call in fake_slack.accepted("chat.postMessage"))


def planned_posts(store: Store, targets: list[str]) -> dict[str, int]:
    """How many messages each target's digest of today was planned as, by channel."""
    day = clock().date()
    return {f"D{t.rsplit(':', 1)[1]}": len(store.deliveries.get(t, day).plan["sizes"])
            for t in targets}  # fmt: skip


def deliver_runs(store: Store) -> list:
    return [run for run in store.jobs.recent(limit=100) if run.job == "deliver"]


def test_a_second_scheduler_waits_while_the_first_catches_up_for_longer_than_its_lease(
    context: Context, fake_slack: FakeSlack
):
    first = clockwork(context, context.settings)
    caught_up = threading.Event()  # set by the first before it lets go of the lease
    running = threading.Thread(target=lambda: _catch_up(first, caught_up))
    running.start()
    time.sleep(1.5)  # past the first one's one-second lease, were it not renewed
    second = clockwork(Context(context.settings), context.settings)
    took = []
    while not caught_up.is_set():
        took.append(second.has_lease() is not None)
        second.deliver()
        time.sleep(0.2)
    running.join()
    assert not any(took)
    assert posts_per_channel(fake_slack) == planned_posts(context.store, TARGETS)
    assert set(planned_posts(context.store, TARGETS).values()) == {4}
    # The first delivered everything; the second may run once the first let go, to no effect.
    runs = deliver_runs(context.store)
    assert {run.status for run in runs} == {"ok"}
    delivered = sorted((run.counts["delivered"] for run in runs), reverse=True)
    assert delivered[0] == 12 and not any(delivered[1:])


def _catch_up(clockwork: Clockwork, caught_up: threading.Event) -> None:
    with clockwork.lease.renewing(clock):
        clockwork.catch_up()
    caught_up.set()
    clockwork.lease.release()


def test_a_scheduler_that_lost_its_lease_stops_before_its_next_post(
    context: Context, fake_slack: FakeSlack
):
    """The first stalls past its lease (no renewal: as if suspended); the second takes over."""
    first = clockwork(context, context.settings)
    stalled = threading.Thread(target=first.deliver)
    stalled.start()
    time.sleep(1.5)
    second = clockwork(Context(context.settings), context.settings)
    assert second.has_lease() is not None
    taken = context.store.jobs.lease(LEASE, now=clock())
    with second.lease.renewing(clock):
        second.deliver()
    stalled.join()
    lost = [run for run in deliver_runs(context.store) if run.status == "failed"]
    assert len(lost) == 1 and "LeaseLost" in lost[0].error
    assert lost[0].finished < taken.since + timedelta(seconds=1)  # at its next post
    assert set(posts_per_channel(fake_slack)) == {f"DU{n:04d}" for n in range(12)}


def papers_run_once(env: dict[str, str], log: Path) -> subprocess.Popen:
    command = [str(Path(sys.executable).with_name("papers")), "run-once"]
    with log.open("a") as out:
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)


@pytest.mark.model
def test_a_run_once_killed_mid_delivery_does_not_block_the_next_one(
    database_url: str, fake_slack: FakeSlack, tmp_path: Path
):
    """`kill -9` of a real `papers run-once` while it posts, then a second one: it takes the
    dead one's lease at once (not after PAPERS_LEASE_SECONDS) and delivers the rest."""
    store = Store.open(database_url)
    due = Schedule(at=(clock() - timedelta(hours=1)).strftime("%H:%M"), tz="UTC")
    for target in TARGETS[:6]:
        store.profiles.save(target, Profile(description="LLM quantization"), now=clock())
        store.subscriptions.save(target, due, now=clock())
    env = {
        **os.environ,
        "PAPERS_DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": database_url,
        "PAPERS_SOURCES": f"files:{SAMPLES_DIR}/000_*.txt",
        "SLACK_API_URL": fake_slack.api_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "HF_HUB_OFFLINE": "1",
        "PAPERS_LEASE_SECONDS": "600",
    }
    log = tmp_path / "run-once.log"
    fake_slack.latency = 0.5
    first = papers_run_once(env, log)
    fake_slack.wait_until(lambda: len(fake_slack.calls_to("chat.postMessage")) >= 2)
    # Its second post, the first digest's pick in the thread of the header just posted, is
    # in flight: Slack has it, the reply is still to come.
    first.kill()
    first.wait(PATIENCE)
    assert store.jobs.holder(LEASE, now=clock()).startswith(f"run-once:{socket.gethostname()}")
    started = time.monotonic()
    second = papers_run_once(env, log)
    assert second.wait(300) == 0, log.read_text()
    assert time.monotonic() - started < 120
    assert "took the scheduler lease over" in log.read_text()
    # The one in flight at the kill was looked up in the header's thread, found, and not
    # posted again; the rest went into the same thread.
    assert posts_per_channel(fake_slack) == planned_posts(store, TARGETS[:6])
    [lookup] = fake_slack.calls_to("conversations.replies")
    assert fake_slack.calls_to("conversations.history") == []
    assert all(store.deliveries.get(t, clock().date()).done for t in TARGETS[:6])
    header, *cards = [m for m in fake_slack.posted() if m["channel"] == "DU0000"]
    assert lookup.body["ts"] == header["ts"] and cards
    assert {card["thread_ts"] for card in cards} == {header["ts"]}
    # Each pick's message was recorded, by whichever run posted it, for reactions.
    for card in cards:
        assert store.messages.find("T0TEAM", "DU0000", card["ts"]).kind == "digest"


def test_a_long_delivery_shows_its_progress_while_it_runs(context: Context, fake_slack: FakeSlack):
    done = threading.Event()
    running = threading.Thread(target=lambda: _catch_up(clockwork(context, context.settings), done))
    running.start()
    # Four digests begun, three of them posted whole.
    fake_slack.wait_until(
        lambda: len({call.body["channel"] for call in fake_slack.calls_to("chat.postMessage")}) >= 4
    )
    progress = delivering(context.store.jobs.recent())
    running.join()
    assert progress["sent"] >= 3 and progress["sent"] + progress["left"] == 12
    assert progress["failing"] == 0
    assert delivering(context.store.jobs.recent()) is None  # done
