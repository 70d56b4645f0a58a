"""A web process starting cold: how long a new `papers serve` takes until it serves.

    python -m bench.cold_start [--size 100000] [--cache /tmp/papers-bench]

(run from the repository root: it borrows the tests' fake Slack.)

A web process needs only DATABASE_URL: its index directory starts empty, and before it
serves it builds its copy from the store's papers and stored embeddings (`bot.serve`'s
catch-up: no model runs for papers another process embedded), then loads the model and
the indexes (its warm-up). This bench fills a SQLite store once with `--size` generated
papers (bench/corpus.py) and their vectors stored under the configured model's name, as
the clock leaves them (the stand-in vectors of bench/vectors.py: computing the real ones
would take an hour at 100k, and the cold start reads stored vectors either way), then
starts a real `papers serve` on an empty data dir against it, with a fake Slack on
loopback, and times it from the start of the process until /healthz says ok, with the two
steps that `papers serve` reports itself.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import corpus
from bench.report import machine
from bench.vectors import SyntheticEmbedder
from bot.cli.context import Context
from bot.config import Settings
from recommender.indexes import Indexer
from recommender.store import Store, sqlite_url
from tests.slack.harness import FakeSlack
from tests.slack.test_serve import env_for, free_port, wait_until_healthy


class StoredAs:
    """The stand-in's vectors under the name of the model `papers serve` is configured with,
    so that it finds them stored and embeds nothing."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.stand_in = SyntheticEmbedder(corpus.real_texts())

    @property
    def dim(self) -> int:
        return self.stand_in.dim

    def encode(self, texts):
        return self.stand_in.encode(texts)


def fill(store_dir: Path, size: int, model: str) -> None:
    """`size` papers and their stored vectors, once per size (a `complete` mark)."""
    if (store_dir / "complete").exists():
        return
    store_dir.mkdir(parents=True, exist_ok=True)
    store = Store.open(sqlite_url(store_dir))
    generator = corpus.Generator(corpus.learn())
    now = datetime.now(UTC)
    for first in range(0, size, 1000):
        store.insert_new(generator.papers(first, min(first + 1000, size)), now=now)
    with tempfile.TemporaryDirectory(prefix="papers-cold-") as scratch:
        Indexer(store, Path(scratch), StoredAs(model)).update()
    store.close()
    (store_dir / "complete").touch()


def cold_start(store_dir: Path) -> dict:
    """Start `papers serve` on an empty data dir; seconds until healthy, and its own steps."""
    fake = FakeSlack()
    fake.start()
    try:
        with tempfile.TemporaryDirectory(prefix="papers-web-") as data:
            port = free_port()
            env = {**os.environ, **env_for(Path(data), fake, PORT=str(port)),
                   "DATABASE_URL": sqlite_url(store_dir), "HF_HUB_OFFLINE": "1",
                   "PAPERS_DATA_DIR": data}  # fmt: skip
            log = Path(data) / "serve.log"
            papers = str(Path(sys.executable).with_name("papers"))
            started = time.monotonic()
            with log.open("w") as out:
                process = subprocess.Popen(
                    [papers, "serve", "--host", "127.0.0.1"], env=env, stdout=out,
                    stderr=subprocess.STDOUT,
                )  # fmt: skip
                try:
                    wait_until_healthy(f"http://127.0.0.1:{port}", process)
                    seconds = time.monotonic() - started
                except AssertionError as error:
                    raise SystemExit(f"{error}:\n{log.read_text()}") from error
                finally:
                    process.terminate()
                    process.wait(60)
            said = log.read_text()
    finally:
        fake.stop()
    built = re.search(r"indexes current with the store in ([\d.]+) s: (.*)", said)
    loaded = re.search(r"model and indexes loaded in ([\d.]+) s", said)
    if not built or not loaded:
        raise SystemExit(f"papers serve did not say what it did:\n{said}")
    return {"healthy_s": seconds, "build_s": float(built[1]), "summary": built[2],
            "warm_up_s": float(loaded[1])}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--cache", default="/tmp/papers-bench", help="the filled store")
    parser.add_argument("--runs", type=int, default=2, help="0: only fill the store")
    args = parser.parse_args()
    model = Context(Settings.from_env()).embedder().name
    store_dir = Path(args.cache) / f"cold-{args.size}"
    print(f"filling {store_dir} with {args.size:,} papers ...", file=sys.stderr, flush=True)
    fill(store_dir, args.size, model)
    if not args.runs:
        return
    runs = [cold_start(store_dir) for _ in range(args.runs)]
    print(f"Machine: {machine()}. Date: {datetime.now(UTC).isoformat(timespec='seconds')}. "
          f"Load average after: {os.getloadavg()[0]:.1f}.")  # fmt: skip
    print(f"\nCommand: `python -m bench.cold_start --size {args.size}` ({args.size:,} papers "
          "with stored vectors, SQLite, an empty data dir each run).\n")  # fmt: skip
    print("| run | until /healthz ok, s | index built from the store, s | model and indexes "
          "loaded, s |\n|---|---|---|---|")  # fmt: skip
    for n, run in enumerate(runs, 1):
        print(f"| {n} | {run['healthy_s']:.1f} | {run['build_s']:.1f} | {run['warm_up_s']:.1f} |")
    print(f"\nIts own report of the build: {runs[-1]['summary']}")


if __name__ == "__main__":
    main()
