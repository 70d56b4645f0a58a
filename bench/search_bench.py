"""Search speed, index build and update time, embedding throughput and memory, at 10k to 1M.

    python bench/search_bench.py --sizes 10000 100000 1000000

Each measurement runs in its own process, so that its peak RSS is its own. Corpora and
their stores are cached under --cache; the indexes are rebuilt on every run. See README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import corpus
import numpy as np

from recommender.store import Store, sqlite_url

REPO = Path(__file__).resolve().parent.parent
REAL_MODEL = "all-MiniLM-L6-v2"
ADD = 1000
FILTERED = 20  # queries timed with a category filter
# The quick look (no size above 10,000) times fewer queries and embeds fewer abstracts: with
# the defaults the real model embeds about 330 queries, a minute or more on two busy cores.
QUICK = {"queries": 30, "embed_sample": 32}
FULL = {"queries": 100, "embed_sample": 256}
PHASES: dict[str, Callable[[argparse.Namespace], dict]] = {}


def phase(function: Callable[[argparse.Namespace], dict]) -> Callable:
    """Register a measurement that runs in a child process and returns a JSON-able dict."""
    PHASES[function.__name__] = function
    return function


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def store_dir(args: argparse.Namespace) -> Path:
    return Path(args.cache) / f"store-{args.size}"


def work(args: argparse.Namespace) -> Path:
    return Path(args.cache) / f"work-{args.size}"


def stand_in():
    """The synthetic embedder (see vectors.py)."""
    from vectors import SyntheticEmbedder

    return SyntheticEmbedder(corpus.real_texts())


def paying(threads: int):
    """The stand-in's vectors at the real model's cost (see vectors.py), on `threads` threads."""
    import torch
    from vectors import PayingEmbedder

    from recommender.embed import SentenceTransformerEmbedder

    torch.set_num_threads(threads)
    real = SentenceTransformerEmbedder(REAL_MODEL)
    real.encode(["warm up the model"])
    return PayingEmbedder(real, stand_in())


@phase
def prepare(args: argparse.Namespace) -> dict:
    """Generate the corpus and load it into a cached SQLite store, once per size."""
    target = store_dir(args)
    while (target / "loading").exists() and not (target / "complete").exists():
        time.sleep(10)  # another process is loading this store: wait for it
    if (target / "complete").exists():
        return {"cached": True}
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    (target / "loading").touch()
    generator = corpus.Generator(corpus.learn())
    store = Store.open(sqlite_url(target))
    start = time.perf_counter()
    now = datetime.now(UTC)
    for first in range(0, args.size, 1000):
        store.insert_new(generator.papers(first, min(first + 1000, args.size)), now=now)
    store.close()
    (target / "complete").touch()
    return {"cached": False, "seconds": time.perf_counter() - start}


def open_work_store(args: argparse.Namespace, *, fresh_copy: bool) -> Store:
    data = work(args) / "data"
    if fresh_copy:
        shutil.rmtree(work(args), ignore_errors=True)
        shutil.copytree(store_dir(args), data)
    return Store.open(sqlite_url(data))


@phase
def build(args: argparse.Namespace) -> dict:
    """Build both indexes from scratch with stand-in vectors."""
    from recommender.indexes import Indexer

    store = open_work_store(args, fresh_copy=True)
    embedder = stand_in()
    steps = logged("recommender.indexes")
    start = time.perf_counter()
    report = Indexer(store, work(args) / "index", embedder).update()
    seconds = time.perf_counter() - start
    size = sum(p.stat().st_size for p in (work(args) / "index").rglob("*") if p.is_file())
    return {
        "seconds": seconds,
        "rss_mb": peak_rss_mb(),
        "index_mb": size / 2**20,
        "summary": report.summary(),
        "steps": steps,
    }


def logged(name: str) -> list[str]:
    """The messages logger `name` will log at INFO, collected in the returned list."""
    import logging

    messages: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    logger = logging.getLogger(name)
    logger.setLevel(logging.INFO)
    logger.addHandler(Collect())
    return messages


@phase
def add(args: argparse.Namespace) -> dict:
    """Store 1,000 new papers, then update the indexes, the real model embedding them."""
    from recommender.indexes import Indexer

    vocab = corpus.learn()
    store = open_work_store(args, fresh_copy=False)
    first = store.count()  # a second run adds the next 1,000
    new = corpus.Generator(vocab).papers(first, first + ADD)
    store.upsert(new, now=datetime.now(UTC))
    embedder = paying(args.torch_threads)
    start = time.perf_counter()
    report = Indexer(store, work(args) / "index", embedder).update()
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "embed_seconds": embedder.seconds,
        "embedded": embedder.texts,
        "rss_mb": peak_rss_mb(),
        "summary": report.summary(),
    }


def percentiles(samples: list[float]) -> dict:
    return {
        "p50": float(np.percentile(samples, 50)),
        "p95": float(np.percentile(samples, 95)),
        "n": len(samples),
    }


@phase
def search(args: argparse.Namespace) -> dict:
    """Engine.search latency, then where its time goes."""
    import torch

    from recommender.engine import Engine
    from recommender.onnx_embed import OnnxEmbedder

    vocab = corpus.learn()
    store = open_work_store(args, fresh_copy=False)
    embedder = paying(args.torch_threads)
    engine = Engine(store, work(args) / "index", embedder)
    queries = corpus.queries(vocab, args.queries)
    load = time.perf_counter()
    engine.indexes()
    load = time.perf_counter() - load
    for query in queries[:3]:
        engine.search(query)  # warm-up: first-touch page faults, lazy imports
    latencies = []
    for query in queries:
        start = time.perf_counter()
        engine.search(query, k=10)
        latencies.append((time.perf_counter() - start) * 1000)
    result = {
        "latency_ms": percentiles(latencies),
        "filtered_ms": filtered(engine, queries[:FILTERED]),
        "parts_ms": parts(engine, store, queries),
        "load_s": load,
        "rss_mb": peak_rss_mb(),
    }
    # The same query embeddings on one thread, for comparison.
    torch.set_num_threads(1)
    ten = queries[:10]
    result["query_embed_one_thread_ms"] = timed_ms(lambda q: embedder.real.encode([q]), ten)
    # And as `papers serve` embeds them: ONNX Runtime on one thread (recommender/onnx_embed.py).
    onnx = OnnxEmbedder(Path(args.cache) / "models", embedder.real.recipe, fallback=embedder.real)
    onnx.encode(ten[:1])  # exports the graph on a fresh cache, then loads it
    result["query_embed_onnx_ms"] = timed_ms(lambda q: onnx.encode([q]), ten)
    return result


def filtered(engine, queries: list[str]) -> dict:
    """Latency with a category filter, which asks each index for ten times the candidates."""
    from recommender.engine import Filters

    latencies = []
    for query in queries:
        start = time.perf_counter()
        engine.search(query, k=10, filters=Filters(category="cs.CL"))
        latencies.append((time.perf_counter() - start) * 1000)
    return percentiles(latencies)


def parts(engine, store: Store, queries: list[str]) -> dict:
    """Median milliseconds of each step of Engine.search, timed one by one."""
    steps: dict[str, list[float]] = {
        "embed": [],
        "bm25": [],
        "dense": [],
        "fuse": [],
        "by_keys": [],
    }
    indexes = engine.indexes()
    for query in queries:
        marks = [time.perf_counter()]
        vector = engine.embedder.encode([query])[0]
        marks.append(time.perf_counter())
        bm25 = engine.bm25_run(query, engine.fusion.depth)
        marks.append(time.perf_counter())
        keys, scores = indexes.dense.search(vector, engine.fusion.depth)
        marks.append(time.perf_counter())
        dense = dict(zip(keys.tolist(), scores.tolist(), strict=True))
        fused = list(engine.fusion.fuse(bm25.as_dict(), dense))[:10]
        marks.append(time.perf_counter())
        store.by_keys(fused)
        marks.append(time.perf_counter())
        for name, before, after in zip(steps, marks, marks[1:], strict=False):
            steps[name].append((after - before) * 1000)
    return {name: float(np.median(values)) for name, values in steps.items()}


@phase
def baseline(args: argparse.Namespace) -> dict:
    """The naive way: rank-bm25 and exact FAISS over the same papers; and HNSW's recall."""
    import faiss
    from rank_bm25 import BM25Okapi

    from recommender.indexes import lexical_text
    from recommender.text import tokenize

    vocab = corpus.learn()
    store = open_work_store(args, fresh_copy=False)
    embedder = paying(args.torch_threads)
    start = time.perf_counter()
    keys = np.array(store.keys(), dtype=np.int64)
    okapi = BM25Okapi(tokenize(lexical_text(p)) for _, p in store.iter_keyed())
    main = read_main(work(args) / "index" / "dense")
    ids = faiss.vector_to_array(main.id_map).astype(np.int64)
    exact = faiss.IndexFlatIP(main.d)
    exact.add(main.index.reconstruct_n(0, main.ntotal))
    setup = time.perf_counter() - start
    queries = corpus.queries(vocab, args.queries)[: args.baseline_queries]
    latencies = [naive_search(q, okapi, keys, exact, ids, embedder, store) for q in queries]
    del okapi
    recall = hnsw_recall(main, ids, exact, embedder.stand_in, corpus.queries(vocab, 100))
    return {"latency_ms": percentiles(latencies), "setup_s": setup, "recall": recall}


def read_main(dense_dir: Path):
    """The main dense segment as FAISS saved it (an IndexIDMap2 over flat or HNSW)."""
    import faiss

    return faiss.read_index(str(dense_dir / "dense.faiss"))


def naive_search(query, okapi, keys, exact, ids, embedder, store) -> float:
    """One query the naive way, as Engine.search does it (depth 100, convex fusion)."""
    from recommender.fusion import convex_fuse
    from recommender.text import tokenize

    start = time.perf_counter()
    vector = embedder.encode([query])
    scores = okapi.get_scores(tokenize(query))
    top = np.argpartition(-scores, 100)[:100]
    dense_scores, rows = exact.search(vector, 100)
    runs = {
        "bm25": dict(zip(keys[top].tolist(), scores[top].tolist(), strict=True)),
        "dense": dict(zip(ids[rows[0]].tolist(), dense_scores[0].tolist(), strict=True)),
    }
    fused = list(convex_fuse(runs, {"bm25": 0.5, "dense": 0.5}))[:10]
    store.by_keys(fused)
    return (time.perf_counter() - start) * 1000


def hnsw_recall(main, ids, exact, embedder, queries: list[str]) -> dict:
    """HNSW (as dense.py makes it) against exact search: recall@10 and @100, query time.

    Where the main segment is flat (below the HNSW threshold), an HNSW is built here from
    its vectors, and its build time reported.
    """
    import faiss

    from recommender.dense import HNSW, DenseIndex

    out: dict = {}
    if isinstance(faiss.downcast_index(main.index), faiss.IndexHNSW):
        hnsw = DenseIndex(main, model="bench", kind=HNSW)
    else:
        start = time.perf_counter()
        vectors = main.index.reconstruct_n(0, main.ntotal)
        hnsw = DenseIndex.build(ids, vectors, model="bench", hnsw_threshold=0)
        out["build_s"] = time.perf_counter() - start
    query_vectors = embedder.encode(queries)
    for k in (10, 100):
        _, rows = exact.search(query_vectors, k)
        found = [
            len(set(hnsw.search(q, k)[0].tolist()) & set(ids[r].tolist()))
            for q, r in zip(query_vectors, rows, strict=True)
        ]
        out[f"recall@{k}"] = sum(found) / (k * len(queries))
    out["hnsw_ms"] = timed_ms(lambda q: hnsw.search(q, 100), query_vectors)
    out["exact_ms"] = timed_ms(lambda q: exact.search(q.reshape(1, -1), 100), query_vectors)
    return out


def timed_ms(function: Callable, items) -> float:
    start = time.perf_counter()
    for item in items:
        function(item)
    return (time.perf_counter() - start) * 1000 / len(items)


@phase
def embed(args: argparse.Namespace) -> dict:
    """The real model's papers/s on full SciFact abstracts, as the indexer feeds it.

    Each precision reads the model's whole window (256 word pieces), and the fastest of
    torch's also 128 (`PAPERS_EMBEDDING_WORD_PIECES=128`). Only the precisions this CPU can
    use are timed: without native bfloat16, torch emulates it at a fraction of float32's
    speed, `auto` never picks it, and timing it took minutes. int8 (recommender/onnx_embed.py)
    is timed everywhere; `auto` picks it where the CPU multiplies int8 natively.
    """
    import torch

    from recommender.embed import (
        Recipe,
        SentenceTransformerEmbedder,
        choose_recipe,
        native_bfloat16,
        native_int8,
    )
    from recommender.onnx_embed import OnnxEmbedder

    texts = corpus.real_texts()[-args.embed_sample :]
    native, integer = native_bfloat16(), native_int8()
    auto = choose_recipe(REAL_MODEL, "auto", None, archive=set())
    out: dict = {
        "texts": len(texts),
        "native_bfloat16": native,
        "native_int8": integer,
        "auto": "int8" if auto.int8 else ("bfloat16" if native else "float32"),
        "skipped": {},
    }
    precisions = ["float32", "bfloat16"] if native else ["float32"]
    if not native:
        out["skipped"]["bfloat16"] = "no native bfloat16 on this CPU (AVX512-BF16 or AMX)"
    recipes = [(precision, None) for precision in precisions] + [(precisions[-1], 128)]
    for precision, word_pieces in recipes:
        embedder = SentenceTransformerEmbedder(
            REAL_MODEL, precision=precision, word_pieces=word_pieces
        )
        embedder.encode(texts[:8])
        out["batch_size"] = embedder._batch_size
        tokenizer = embedder._loaded().tokenizer
        out["mean_wordpieces"] = float(np.mean([len(ids) for ids in tokenizer(texts)["input_ids"]]))
        label = precision if word_pieces is None else f"{precision}@{word_pieces}"
        for threads in sorted({1, os.cpu_count()}):
            torch.set_num_threads(threads)
            start = time.perf_counter()
            embedder.encode(texts)
            out[f"papers_per_s@{threads}x{label}"] = len(texts) / (time.perf_counter() - start)
    # Timed on every CPU: without VNNI, ONNX Runtime still multiplies int8 in AVX2 (not
    # emulated, as bfloat16 is), and whether that pays is what such a machine's run shows.
    for threads in sorted({1, os.cpu_count()}):
        int8 = OnnxEmbedder(
            Path(args.cache) / "models", Recipe(REAL_MODEL, int8=True), threads=threads
        )
        int8.encode(texts[:8])  # exports the graph on a fresh cache, then loads it
        start = time.perf_counter()
        int8.encode(texts)
        out[f"papers_per_s@{threads}xint8"] = len(texts) / (time.perf_counter() - start)
    return out


# The orchestrator ------------------------------------------------------------------------


def run(name: str, args: argparse.Namespace, size: int) -> dict:
    """Run one phase in a child process and return what it printed last (a JSON line)."""
    command = [
        sys.executable,
        __file__,
        "--phase",
        name,
        "--size",
        str(size),
        "--cache",
        args.cache,
        "--queries",
        str(args.queries),
        "--baseline-queries",
        str(baseline_queries(args, size)),
        "--embed-sample",
        str(args.embed_sample),
    ]
    print(f"  {name} {size:,} ...", file=sys.stderr, flush=True)
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"phase {name} at {size} failed")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"  {name} {size:,}: {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    return result


def baseline_queries(args: argparse.Namespace, size: int) -> int:
    """rank-bm25 scans every document per query term: at 1M a few queries must do."""
    return args.queries if size <= 100_000 else args.large_baseline_queries


def main() -> None:
    args = parse_args()
    Path(args.cache).mkdir(parents=True, exist_ok=True)  # a fresh machine has none
    if args.phase:
        result = PHASES[args.phase](args)
        at = datetime.now(UTC).isoformat(timespec="seconds")
        record = {"phase": args.phase, "size": args.size, "at": at, "result": result}
        with Path(args.cache, "phases.jsonl").open("a") as log:
            log.write(json.dumps(record) + "\n")  # kept if the run is cut short
        print(json.dumps(result))
        return
    if args.report_only:
        return write_report(args, collected(args))
    results: dict = {"sizes": {}, "started": datetime.now(UTC).isoformat(timespec="seconds")}
    results["load_before"] = os.getloadavg()
    results["torch_threads"] = args.torch_threads
    results["shortened"] = shortened(args)
    results["embed"] = run("embed", args, 0)
    for size in args.sizes:
        row = results["sizes"][size] = {}
        row["prepare"] = run("prepare", args, size)
        row["build"] = run("build", args, size)
        if size >= 100_000:
            row["add"] = run("add", args, size)
        row["search"] = run("search", args, size)
        row["baseline"] = run("baseline", args, size)
    results["load_after"] = os.getloadavg()
    write_report(args, results)


def collected(args: argparse.Namespace) -> dict:
    """The last full run's results (results.json), updated with the phases run since."""
    saved = Path(args.cache, "results.json")
    results: dict = json.loads(saved.read_text()) if saved.exists() else {}
    results["sizes"] = {int(size): row for size, row in results.get("sizes", {}).items()}
    results.setdefault("torch_threads", args.torch_threads)
    results.setdefault("rerun", [])
    # Phases logged after results.json was last written are the ones to merge in.
    since = ""
    if saved.exists():
        since = datetime.fromtimestamp(saved.stat().st_mtime, UTC).isoformat(timespec="seconds")
    results.setdefault("started", datetime.now(UTC).isoformat(timespec="seconds"))
    results["load_before"] = results.get("load_before", os.getloadavg())
    results["load_after"] = os.getloadavg()
    for line in Path(args.cache, "phases.jsonl").read_text().splitlines():
        record = json.loads(line)
        if record.get("at", "") < since:
            continue  # already in results.json, or older than it
        if since:
            results["rerun"].append(f"{record['phase']} {record['size']:,} at {record['at']}")
        if record["phase"] == "embed":
            results["embed"] = record["result"]
        elif record["size"] in args.sizes:
            results["sizes"].setdefault(record["size"], {})[record["phase"]] = record["result"]
    results["sizes"] = {size: results["sizes"][size] for size in sorted(results["sizes"])}
    return results


def write_report(args: argparse.Namespace, results: dict) -> None:
    import report

    Path(args.cache, "results.json").write_text(json.dumps(results, indent=2))
    results.setdefault("command", " ".join(["python", "bench/search_bench.py", *sys.argv[1:]]))
    text = report.section(results, results["command"])
    print(text)
    if not args.no_write:
        report.write(REPO / "docs" / "BENCHMARKS.md", text)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument(
        "--queries", type=int, help="search queries per size (default 100, or 30 in a quick look)"
    )
    parser.add_argument(
        "--large-baseline-queries", type=int, default=10, help="rank-bm25 queries above 100k papers"
    )
    parser.add_argument(
        "--torch-threads",
        type=int,
        default=os.cpu_count(),
        help="torch threads for the real model in search and add (default: torch's, one a core)",
    )
    parser.add_argument(
        "--embed-sample",
        type=int,
        help="abstracts to embed (default 256, or 32 when no size is above 10,000: a quick look)",
    )
    parser.add_argument("--cache", default="/tmp/papers-bench", help="corpora, stores, indexes")
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="write the report from the phases already run (phases.jsonl)",
    )
    parser.add_argument("--no-write", action="store_true", help="print, do not edit the docs")
    parser.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--baseline-queries", type=int, default=100, help=argparse.SUPPRESS)
    args = parser.parse_args()
    defaults = QUICK if is_quick(args) else FULL
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    return args


def is_quick(args: argparse.Namespace) -> bool:
    """A quick look: no size above 10,000."""
    return max(args.sizes) <= 10_000


def shortened(args: argparse.Namespace) -> str:
    """What this run measured less of than a full run, said beside its results."""
    fewer = [
        f"{getattr(args, name)} {what} instead of {FULL[name]}"
        for name, what in (("queries", "queries"), ("embed_sample", "abstracts embedded"))
        if getattr(args, name) < FULL[name]
    ]
    if not corpus.SCIFACT.exists():
        fewer.append(
            f"the corpus's words from the bundled digests alone ({corpus.SCIFACT} is missing)"
        )
    return "; ".join(fewer)


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    main()
