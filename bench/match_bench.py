"""Matching speed: 1,000 profiles against 2,000 new papers, one `Matcher.digests` call.

    python bench/match_bench.py                      # the defaults: 1,000 x 2,000
    python bench/match_bench.py --profiles 200 --json

The archive is `corpus.py`'s synthetic papers (8,000 older ones, then 2,000 first seen the
next morning) in a real SQLite store, indexed with the hashing embedder (384 dimensions, the
real model's) so that setting up takes seconds; the vectors come from the store as real ones
would. The profiles are made from the same vocabulary: a description and 3-6 keywords drawn
from real titles, some weighted or required, some muted words and allowed categories, 0-3
seeds, and for a third of them enough likes and dislikes for the classifier. Only the
matching is timed: windows, the ledger, the candidate pool (vectors and text), every
profile's scoring, explanations and MMR; the profiles' description embeddings are part of
it (hashing, so cheap; the real model adds about 10 ms a new description, cached after).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import corpus

from recommender.embed import HashEmbedder
from recommender.engine import Engine
from recommender.indexes import Indexer
from recommender.matching import Matcher
from recommender.profiles import Keyword, Profile
from recommender.store import Store, sqlite_url
from recommender.text import tokenize

YESTERDAY = datetime(2025, 7, 21, 6, tzinfo=UTC)
TODAY = YESTERDAY + timedelta(days=1)


def build_archive(root: Path, archive: int, new: int) -> Store:
    """The older papers first seen yesterday, the new ones this morning, both indexed."""
    papers = corpus.Generator(corpus.learn()).papers(0, archive + new)
    store = Store.open(sqlite_url(root))
    store.upsert(papers[:archive], now=YESTERDAY)
    # Published the day before they are first seen, as arXiv announces them.
    fresh = [replace(p, published=TODAY - timedelta(days=1)) for p in papers[archive:]]
    for start in range(0, len(fresh), 1000):
        store.upsert(fresh[start : start + 1000], now=TODAY)
    Indexer(store, root / "index", HashEmbedder(384)).update()
    return store


def make_profiles(count: int, archive_ids: list[str], seed: int = 3) -> dict[str, Profile]:
    """`count` varied profiles from real title words; a third with classifier-sized ratings."""
    rng = random.Random(seed)
    phrases = corpus.queries(corpus.learn(), count * 8, seed=seed)
    categories = list(corpus.CATEGORIES)
    profiles = {}
    for i in range(count):
        mine = phrases[i * 8 : i * 8 + 8]
        words = " ".join(mine[6:]).split()
        keywords = [
            Keyword(phrase, weight=rng.choice([1.0, 1.0, 2.0]), required=rng.random() < 0.05)
            for phrase in dict.fromkeys(mine[: rng.randint(3, 6)])
        ]
        rated = rng.sample(archive_ids, 12) if i % 3 == 0 else []
        profiles[f"user:TBENCH:U{i}"] = Profile(
            description=f"Papers on {mine[0]} and {mine[1]}, with methods for {mine[2]}.",
            keywords=keywords,
            muted=[w for w in words[:2] if _mutable(w, keywords)],
            seeds=rng.sample(archive_ids, rng.randint(0, 3)),
            categories=rng.sample(categories, 3) if rng.random() < 0.3 else [],
            liked=rated[:6],
            disliked=rated[6:],
        )
    return profiles


def _mutable(word: str, keywords: list[Keyword]) -> bool:
    """Whether a word can be muted beside these keywords (a term, and in none of them)."""
    terms = tokenize(word)
    return len(terms) == 1 and not any(terms[0] in keyword.terms for keyword in keywords)


def measure(store: Store, root: Path, profiles: dict[str, Profile]) -> dict:
    matcher = Matcher(Engine(store, root / "index", HashEmbedder(384)))
    started, cpu = time.perf_counter(), time.process_time()
    digests = matcher.digests(profiles, now=TODAY + timedelta(hours=1))
    seconds = time.perf_counter() - started
    return {
        "seconds": round(seconds, 2),
        # CPU time too: on a shared machine, wall time also counts other processes' turns.
        "cpu_seconds": round(time.process_time() - cpu, 2),
        "ms_per_profile": round(1000 * seconds / len(profiles), 2),
        "picks": sum(len(d.picks) for d in digests.values()),
        "new_papers": max(d.new for d in digests.values()),
    }


def machine() -> str:
    """The CPU model and core count, for the record in docs/BENCHMARKS.md."""
    cpuinfo = Path("/proc/cpuinfo")
    lines = cpuinfo.read_text().splitlines() if cpuinfo.exists() else []
    models = [line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")]
    cpu = models[0] if models else platform.processor() or platform.machine()
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--profiles", type=int, default=1000)
    parser.add_argument("--papers", type=int, default=2000, help="new papers to match")
    parser.add_argument("--archive", type=int, default=8000, help="older papers in the store")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="match-bench-") as tmp:
        root = Path(tmp)
        store = build_archive(root, args.archive, args.papers)
        archive_ids = [
            paper.id
            for _, paper in store.iter_keyed()
            if paper.published < TODAY - timedelta(days=2)
        ]
        profiles = make_profiles(args.profiles, archive_ids)
        result = measure(store, root, profiles)
        store.close()
    result |= {
        "profiles": args.profiles,
        "classifier_profiles": sum(1 for p in profiles.values() if p.liked),
        "archive": args.archive + args.papers,
        "machine": machine(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(
        f"{result['profiles']} profiles x {result['new_papers']} new papers "
        f"(archive {result['archive']}): {result['seconds']} s ({result['cpu_seconds']} s CPU), "
        f"{result['ms_per_profile']} ms a profile, {result['picks']} picks; "
        f"{result['classifier_profiles']} profiles with a classifier"
    )


if __name__ == "__main__":
    main()
