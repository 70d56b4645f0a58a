"""Delivery spread over workers: messages a second with 1, 2 and 4 `papers worker`s.

    python -m bench.delivery_bench [--targets 1000] [--workspaces 20] [--workers 1 2 4]
                                   [--threads 1] [--latency 0.2]

(run from the repository root: it borrows the tests' PostgreSQL server and fake Slack.)
A real PostgreSQL (tests/postgres.py, or --database-url for a server you run) holds the
store; the clock's side queues one digest for each of `--targets` people due now (the
bundled samples, indexed with the hash embedder: matching is not what is measured), and
that queue is copied (CREATE DATABASE ... TEMPLATE) for each run, so every run posts the
same messages. The people are spread over `--workspaces` workspaces (a hosted install's
many teams): Slack's limit of about five messages a second per workspace, which every
worker keeps together (the store's rate buckets), would otherwise be the whole measurement.
Each run starts that many real `papers worker` processes (`--threads` each: a digest is a
header and each pick in its thread, at most one message a second in one conversation, so
a thread spends most of a digest waiting for its channel's next slot)
against a fake Slack on loopback that takes `--latency` seconds to answer each call, and
stops them once the ledger says every digest went out. Messages a second count from the
first post Slack received to the last (process start-up left out); duplicates are posts of
the same part of a digest (its message metadata) beyond the first, losses digests not sent
or channels never posted to.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.report import machine
from bot.client import web_client
from bot.config import Settings
from bot.delivery import SlackOutlet
from recommender import SAMPLES_DIR
from recommender.delivery import Deliverer
from recommender.embed import HashEmbedder
from recommender.engine import Engine
from recommender.indexes import Indexer
from recommender.ingest import IngestReport, ingest_file
from recommender.matching import Matcher
from recommender.profiles import Profile
from recommender.schedule import Schedule
from recommender.store import Store
from tests.postgres import postgres_server
from tests.slack.harness import FakeSlack

TOKEN = "xoxb-bench"
TEMPLATE = "bench_queue"


def clock() -> datetime:
    return datetime.now(UTC)


def database(admin_url: str, name: str) -> str:
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def queue(admin_url: str, targets: int, workspaces: int, fake: FakeSlack, work: Path) -> None:
    """The template database: samples indexed, `targets` people of `workspaces` teams due
    now, all queued."""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {TEMPLATE}"))
    admin.dispose()
    store = Store.open(database(admin_url, TEMPLATE))
    report = IngestReport()
    for path in sorted(SAMPLES_DIR.glob("*.txt")):
        ingest_file(store, path, report, now=clock())
    Indexer(store, work / "index", HashEmbedder()).update()
    due = Schedule(at=(clock() - timedelta(hours=1)).strftime("%H:%M"), tz="UTC")
    for n in range(targets):
        target = f"user:T{n % workspaces:04d}:U{n:05d}"
        store.profiles.save(target, Profile(description="LLM quantization"), now=clock())
        store.subscriptions.save(target, due, now=clock())
    settings = Settings(
        data_dir=work, database_url="", slack_bot_token=TOKEN, slack_api_url=fake.api_url
    )
    outlet = SlackOutlet(web_client(settings), sleep=lambda seconds: None)
    matcher = Matcher(Engine(store, work / "index", HashEmbedder()))
    counts = Deliverer(store, matcher, outlet, clock).queue_due(clock())
    store.close()
    if counts["queued"] != targets:
        raise SystemExit(f"queued {counts} of {targets} targets")


def run(
    admin_url: str, workers: int, args: argparse.Namespace, fake: FakeSlack, work: Path
) -> dict:
    """One run: a copy of the queue, `workers` processes, until every digest went out."""
    name = f"bench_run_{workers}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}"))
    url = database(admin_url, name)
    store = Store.open(url)
    fake.calls.clear()
    fake.answers.clear()
    env = {**os.environ, "DATABASE_URL": url, "SLACK_API_URL": fake.api_url,
           "SLACK_BOT_TOKEN": TOKEN, "PAPERS_DATA_DIR": str(work / f"worker-{workers}"),
           "HF_HUB_OFFLINE": "1"}  # fmt: skip
    papers = str(Path(sys.executable).with_name("papers"))
    started = time.monotonic()
    log = (work / f"workers-{workers}.log").open("w")
    processes = [
        subprocess.Popen(
            [papers, "worker", "--threads", str(args.threads)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        for _ in range(workers)
    ]
    try:
        while store.deliveries.queued():
            time.sleep(0.5)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(60)
    wall = time.monotonic() - started
    return {"workers": workers, "wall_s": wall, **tally(fake, store, args.targets)}


def tally(fake: FakeSlack, store: Store, targets: int) -> dict:
    """Messages a second from the first post to the last; duplicates and losses."""
    posts = fake.accepted("chat.postMessage")
    per_part = Counter(
        (call.body["channel"], json.dumps(call.body["metadata"], sort_keys=True)) for call in posts
    )
    posted_to = {channel for channel, _ in per_part}
    channels = {f"DU{n:05d}" for n in range(targets)}
    day = clock().date()
    unsent = [t for t, d in store.deliveries.due(clock(), grace=timedelta(hours=12)) if d == day]
    span = posts[-1].at - posts[0].at if len(posts) > 1 else float("nan")
    return {
        "messages": len(posts),
        "per_s": (len(posts) - 1) / span,
        "duplicates": sum(count - 1 for count in per_part.values()),
        "losses": len(channels - posted_to) + len(unsent),
    }


def table(results: list[dict], args: argparse.Namespace) -> str:
    one = results[0]["per_s"]
    rows = [
        f"| {r['workers']} | {r['messages']:,} | {r['per_s']:.1f} | {r['per_s'] / one:.2f}x "
        f"| {r['wall_s']:.0f} | {r['duplicates']} | {r['losses']} |"
        for r in results
    ]
    return "\n".join(
        [
            f"Machine: {machine()}. Date: {datetime.now(UTC).isoformat(timespec='seconds')}. "
            f"Load average after: {os.getloadavg()[0]:.1f} (other work shares these cores).",
            "",
            f"Command: `python -m bench.delivery_bench --targets {args.targets} --workspaces "
            f"{args.workspaces} --threads {args.threads} --workers "
            f"{' '.join(map(str, args.workers))} --latency {args.latency}` (real PostgreSQL, "
            f"fake Slack answering each call in {args.latency * 1000:.0f} ms).",
            "",
            "| workers | messages | messages/s | vs 1 | wall s (with start-up) | duplicates "
            "| losses |",
            "|---|---|---|---|---|---|---|",
            *rows,
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", type=int, default=1000)
    parser.add_argument("--workspaces", type=int, default=20)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--threads", type=int, default=1, help="of each worker")
    parser.add_argument("--latency", type=float, default=0.2, help="fake Slack's, seconds")
    parser.add_argument("--database-url", help="an admin URL of a PostgreSQL you run")
    args = parser.parse_args()
    with ExitStack() as stack:
        admin = args.database_url or stack.enter_context(postgres_server())
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="papers-deliver-")))
        fake = FakeSlack()
        fake.start()
        stack.callback(fake.stop)
        print(f"queuing {args.targets} digests ...", file=sys.stderr, flush=True)
        queue(admin, args.targets, args.workspaces, fake, work)
        fake.latency = args.latency
        results = []
        for workers in args.workers:
            print(f"  {workers} worker(s) ...", file=sys.stderr, flush=True)
            results.append(run(admin, workers, args, fake, work))
            print(f"  {results[-1]}", file=sys.stderr, flush=True)
    print(table(results, args))


if __name__ == "__main__":
    main()
