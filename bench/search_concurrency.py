"""Concurrent searches: 20 signed `/papers` at once against `papers serve`, and one at a time.

    python -m bench.search_concurrency [--size 10000] [--concurrent 20] [--rounds 3]
                                       [--processes 1]

(run from the repository root, after `python bench/search_bench.py --sizes SIZE`, whose
cached store and index it serves.) A child process serves the Slack app as `papers serve`
does (`bot.serve.serve`: waitress, Bolt, the gate, queries on ONNX Runtime; with
`--processes`, that many web processes on one port, `serve_together`), over the search
bench's index of stand-in vectors with the real model paying for every query
(bench/vectors.py `PayingEmbedder`). This process sends signed slash commands over real
HTTP and a fake Slack on loopback catches the replies: the time of a search is from
sending the command to its reply arriving. First `--single` searches one at a time, then
`--rounds` rounds of `--concurrent` searches sent together.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import numpy as np

from bench.report import machine

HOST = "127.0.0.1"
SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench"


def serve(args: argparse.Namespace) -> None:
    """The child: the app over the cached index, on `args.port`, until killed; with
    `--processes` above 1, that many web processes on the port, as `papers serve` runs them."""
    from bot.serve import serve_together

    if args.processes == 1:
        serve_one(args, args.port, lambda: None)
        return
    settings = bench_settings(args)
    serve_together(settings, partial(serve_one, args), http=True, host=HOST, announce=print)


def bench_settings(args: argparse.Namespace):
    from bot.config import Settings
    from recommender.store import sqlite_url

    work = Path(args.cache) / f"work-{args.size}"
    return Settings(data_dir=work, database_url=sqlite_url(work / "data"), slack_bot_token=TOKEN,
                    slack_signing_secret=SECRET, slack_api_url=args.api_url,
                    port=args.port, web_processes=args.processes,
                    models_dir=Path(args.cache) / "models")  # fmt: skip


def serve_one(args: argparse.Namespace, port: int, ready) -> None:
    """One web process over the cached index, as `papers serve` builds it."""
    from bench import corpus
    from bench.vectors import PayingEmbedder, SyntheticEmbedder
    from bot.cli.context import Context
    from bot.serve import serve as serve_app
    from bot.services import Services
    from recommender.embed import BatchingEmbedder
    from recommender.engine import Engine

    settings = replace(bench_settings(args), port=port)
    work = settings.data_dir
    context = Context(settings)
    store = context.store
    # As papers serve embeds queries (bot/cli/serve.py): the store holds synthetic vectors,
    # so the recipe is the one `auto` picks on this CPU for a fresh store.
    real = context.query_embedder()
    # Batched as papers serve batches queries (bot/cli/serve.py).
    embedder = BatchingEmbedder(PayingEmbedder(real, SyntheticEmbedder(corpus.real_texts())))
    services = Services(store, Engine(store, work / "index", embedder), work / "index")
    serve_app(settings, services, socket=False, host=HOST, announce=print, ready=ready)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_healthy(url: str, child: subprocess.Popen, processes: int) -> None:
    """Until `processes` web processes answer (each new connection goes to any of them)."""
    seen: set[int] = set()
    for _ in range(3000):
        if child.poll() is not None:
            raise SystemExit("the server exited")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=5) as response:
                body = json.loads(response.read())
                if body["ok"]:
                    seen.add(body["process"])
                    if len(seen) == processes:
                        return
                    continue
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{processes - len(seen)} of the web processes did not become healthy")


def timed(slack, fake, query: str, out: list[float], errors: list[str]) -> None:
    """One signed search, from sending it to its reply reaching the fake Slack."""
    start = time.perf_counter()
    answer = slack.command(query)
    if answer.status != 200:
        errors.append(f"{answer.status} for {query!r}")
        return
    [reply] = fake.wait_for_reply(answer.response_url)
    if not reply.get("blocks"):
        errors.append(f"an empty reply for {query!r}")
    out.append((time.perf_counter() - start) * 1000)


def concurrent(slack, fake, queries: list[str], errors: list[str]) -> list[float]:
    out: list[float] = []
    threads = [threading.Thread(target=timed, args=(slack, fake, q, out, errors)) for q in queries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return out


def stats(samples: list[float]) -> str:
    return f"{np.percentile(samples, 50):.0f} / {np.percentile(samples, 95):.0f}"


def measure(args: argparse.Namespace) -> str:
    from bench import corpus
    from tests.slack.harness import FakeSlack, SlackSender

    fake = FakeSlack()
    fake.start()
    port = free_port()
    command = [
        *(sys.executable, "-m", "bench.search_concurrency", "--serve", "--port", str(port)),
        *("--api-url", fake.api_url, "--size", str(args.size), "--cache", args.cache),
        *("--processes", str(args.processes)),
    ]
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, child, args.processes)
        slack = SlackSender(url, SECRET, fake)
        queries = corpus.queries(corpus.learn(), args.single + args.concurrent * args.rounds)
        errors: list[str] = []
        single: list[float] = []
        for query in queries[: args.single]:
            timed(slack, fake, query, single, errors)
        together: list[float] = []
        rest = queries[args.single :]
        for n in range(args.rounds):
            batch = rest[n * args.concurrent : (n + 1) * args.concurrent]
            together += concurrent(slack, fake, batch, errors)
    finally:
        child.terminate()
        child.wait(60)
        fake.stop()
    sent = args.single + args.concurrent * args.rounds
    lost = sent - len(single) - len(together) - len(errors)
    return "\n".join(
        [
            f"Machine: {machine()}. Date: {datetime.now(UTC).isoformat(timespec='seconds')}. "
            f"Load average: {os.getloadavg()[0]:.1f} (other work shares these cores). "
            f"Queries embedded by the {query_recipe(args)} graph on ONNX Runtime.",
            "",
            f"| papers | web processes | one at a time p50 / p95 ms (n={len(single)}) | "
            f"{args.concurrent} at once p50 / p95 ms (n={len(together)}) | p95 ratio | errors "
            "| replies lost |",
            "|---|---|---|---|---|---|---|",
            f"| {args.size:,} | {args.processes} | {stats(single)} | {stats(together)} | "
            f"{np.percentile(together, 95) / np.percentile(single, 95):.1f}x | {len(errors)} "
            f"| {lost} |",
        ]
    )


def query_recipe(args: argparse.Namespace) -> str:
    """The recipe `serve_one`'s web processes embed queries with (auto's, on this CPU)."""
    from bot.cli.context import Context

    return Context(bench_settings(args)).recipe().name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--concurrent", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--single", type=int, default=40, help="searches one at a time")
    parser.add_argument(
        "--processes", type=int, default=1, help="web processes (PAPERS_WEB_PROCESSES)"
    )
    parser.add_argument("--cache", default="/tmp/papers-bench", help="the search bench's")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--api-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args)
        return
    print(measure(args))


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    main()
