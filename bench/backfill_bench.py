"""Backfill speed: harvest, store and embed N papers from a loopback OAI-PMH server.

    python -m bench.backfill_bench [--papers 3000] [--precisions float32 bfloat16 int8]

(run from the repository root: it borrows the tests' fake OAI-PMH server.) The fake, in a
process of its own, lists N copies of the recorded arXivRaw records, each with its own id,
1,000 a page as arXiv's pages are. Phases, each timed on its own:

- harvest: every page fetched and parsed, nothing stored (`oai_pmh.harvest`);
- store: the same listing through `Backfill` without embedding (fetch, parse, and each
  page's papers and token in one transaction, into a fresh SQLite store); the store phase
  is that time less the harvest's. Run twice, harvest and store in turn, which makes one
  store for each precision;
- embed: the stored papers embedded with `Indexer.embed_missing` (committed batches of
  256), one precision per store, a batch of each in turn, so all see the same load on a
  shared machine (int8 as `auto` runs it on a CPU with VNNI: recommender/onnx_embed.py).
  The models load before the clock starts.

It prints papers a second per phase and the time per 100,000 papers extrapolated from N.
arXiv's own server adds its pace (3 s between requests, so at least 5 minutes per 100,000
papers at 1,000 a page) and the network, which the loopback server does not.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import subprocess
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bench.report import machine
from recommender.backfill import Backfill
from recommender.embed import DEFAULT_MODEL, Embedder, Recipe, SentenceTransformerEmbedder
from recommender.http import HttpClient
from recommender.indexes import Indexer
from recommender.ingest import IngestReport
from recommender.onnx_embed import OnnxEmbedder
from recommender.sources import oai_pmh
from recommender.store import Store, sqlite_url
from recommender.store.harvests import Harvest
from tests.fake_oai import FakeOai, copies

PAGE = 1000


def serve(papers: int, urls: multiprocessing.Queue, stop: multiprocessing.Event) -> None:
    with FakeOai(copies(papers, per_day=50), page_size=PAGE).running() as fake:
        urls.put(fake.url)
        stop.wait()


def harvest_only(url: str) -> tuple[int, float]:
    start = time.perf_counter()
    pages = oai_pmh.harvest(HttpClient(), from_date=date(2024, 1, 1), set_spec="cs", base_url=url)
    count = sum(len(page.papers) for page in pages)
    return count, time.perf_counter() - start


def harvest_and_store(url: str, folder: Path) -> tuple[Store, float]:
    store = Store.open(sqlite_url(folder))
    start = time.perf_counter()
    report = IngestReport()
    request = Harvest(base_url=url, set_spec="cs", from_date=date(2024, 1, 1))
    Backfill(store, HttpClient(), lambda: datetime.now(UTC)).run(request, report)
    assert report.ok, report.rejected[:3]
    return store, time.perf_counter() - start


def embed_in_turn(indexers: dict[str, Indexer]) -> dict[str, tuple[int, float]]:
    """Each precision's papers embedded and seconds, one batch of each in turn."""
    after = dict.fromkeys(indexers, 0)
    done = dict.fromkeys(indexers, 0)
    seconds = dict.fromkeys(indexers, 0.0)
    left = set(indexers)
    while left:
        for name in sorted(left):
            counted = []
            start = time.perf_counter()
            after[name] = indexers[name].embed_missing(
                after=after[name], batches=1, progress=counted.append
            )
            seconds[name] += time.perf_counter() - start
            done[name] += sum(counted)
            if not counted:
                left.discard(name)
    return {name: (done[name], seconds[name]) for name in indexers}


def per_100k(rate: float) -> str:
    return str(timedelta(seconds=int(100_000 / rate)))


def load() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--papers", type=int, default=3000)
    parser.add_argument("--precisions", nargs="+", default=["float32", "bfloat16", "int8"])
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    urls: multiprocessing.Queue = multiprocessing.Queue()
    stop = multiprocessing.Event()
    server = multiprocessing.Process(target=serve, args=(args.papers, urls, stop), daemon=True)
    server.start()
    url = urls.get(timeout=60)
    print(f"{machine()}; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; start: {load()}")
    with tempfile.TemporaryDirectory() as tmp:
        harvests, stores, store_seconds = [], [], []
        for precision in args.precisions:
            harvests.append(harvest_only(url))
            store, seconds = harvest_and_store(url, Path(tmp) / precision)
            stores.append(store)
            store_seconds.append(seconds)
        n = harvests[0][0]
        harvest_s = sum(s for _, s in harvests) / len(harvests)
        stored_s = sum(store_seconds) / len(store_seconds)
        indexers = {}
        for precision, store in zip(args.precisions, stores, strict=True):
            embedder = embedder_of(precision, Path(tmp) / "models")
            embedder.encode(["load the model before the clock starts"])
            indexers[precision] = Indexer(store, Path(tmp) / precision / "index", embedder)
        embedded = embed_in_turn(indexers)
    stop.set()
    server.join(10)
    rows = [
        ("harvest (fetch + parse)", n / harvest_s),
        ("store (one transaction a page)", n / max(stored_s - harvest_s, 1e-9)),
        ("harvest + store", n / stored_s),
    ]
    print(f"\nN = {n} papers, {PAGE} a page; end: {load()}\n")
    print("| phase | papers/s | per 100,000 papers (extrapolated) |")
    print("|---|---:|---:|")
    for what, rate in rows:
        print(f"| {what} | {rate:,.0f} | {per_100k(rate)} |")
    for precision, (count, seconds) in embedded.items():
        rate = count / seconds
        whole = n / (stored_s + seconds * n / count)
        print(f"| embed, {precision} ({count} papers) | {rate:.1f} | {per_100k(rate)} |")
        print(f"| all three, {precision} | {whole:.1f} | {per_100k(whole)} |")


def embedder_of(precision: str, models: Path) -> Embedder:
    """As `papers ingest oai` embeds in that precision (bot/cli/context.py)."""
    if precision == "int8":
        return OnnxEmbedder(models, Recipe(DEFAULT_MODEL, int8=True), threads=None)
    return SentenceTransformerEmbedder(precision=precision)


if __name__ == "__main__":
    main()
