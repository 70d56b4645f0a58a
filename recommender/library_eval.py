"""Picks from a person's own library: `papers eval --libraries` on held-out saved papers.

Each user of a libraries file saved some papers of the corpus: the `seed` ones become a new
profile's liked papers (`profiles.apply_feedback`, as a button press makes them), and the
profile ranks every other paper of the corpus with `Matcher.rank`, the digest's own ranking;
the `heldout` ones are what it should find. nDCG@10, Recall@10 and Recall@50 come from
trec_eval (pytrec_eval), once on that ranking and once after the digest's diversification
(`matching.diversify`, MMR) of its first `DEPTH` papers. Only the seeds' content is used,
never other users' libraries: the candidates of a digest are papers nobody has saved yet.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from recommender.candidates import Pool
from recommender.errors import PapersError
from recommender.evaluate import Qrels, RunScores, trec_means
from recommender.matching import Matcher, diversify
from recommender.profiles import Profile, apply_feedback

ROLES = ("seed", "heldout")
HEADER = ("user", "doc", "role")
DEPTH = 50  # papers of each ranking measured: Recall@50 needs 50
LIBRARY_MEASURES = {"ndcg_cut_10": "ndcg@10", "recall_10": "recall@10", "recall_50": "recall@50"}


class BadLibraries(PapersError):
    """A libraries file that is not `user<TAB>doc<TAB>role` lines after that header."""


@dataclass(frozen=True)
class Library:
    """One user's saved papers (corpus document ids): given to the profile, and to find."""

    user: str
    seeds: tuple[str, ...]
    heldout: tuple[str, ...]


@dataclass(frozen=True)
class Libraries:
    """The users to evaluate, and how many were left out for lack of seeds or held-out papers."""

    users: tuple[Library, ...]
    skipped: int = 0


@dataclass(frozen=True)
class LibraryEvaluation:
    """Mean measures over the users, before and after diversification, and the time a user."""

    users: int
    ranked: dict[str, float]
    diversified: dict[str, float]
    ms_per_user: float
    skipped: int = 0

    def as_dict(self) -> dict:
        """`libraries` last, as `papers eval --json` promises."""
        return {
            "skipped_users": self.skipped,
            "mmr": self.diversified,
            "libraries": {"users": self.users, **self.ranked, "ms_per_user": self.ms_per_user},
        }


def load_libraries(path: Path, corpus: Iterable[str]) -> Libraries:
    """Users' libraries from `path`, every document checked against the `corpus` ids."""
    known = set(corpus)
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    if not lines or tuple(lines[0].strip().split("\t")) != HEADER:
        raise BadLibraries(f"{path}: line 1: expected the header user<TAB>doc<TAB>role")
    saved: dict[str, dict[str, list[str]]] = {}
    for number, line in enumerate(lines[1:], 2):
        if not line.strip():
            continue
        user, doc, role = _fields(path, number, line)
        if doc not in known:
            raise BadLibraries(f"{path}: line {number}: document {doc!r} is not in the corpus")
        saved.setdefault(user, {"seed": [], "heldout": []})[role].append(doc)
    users = tuple(
        Library(user, tuple(docs["seed"]), tuple(docs["heldout"]))
        for user, docs in saved.items()
        if docs["seed"] and docs["heldout"]
    )
    return Libraries(users, skipped=len(saved) - len(users))


def _fields(path: Path, number: int, line: str) -> tuple[str, str, str]:
    parts = [part.strip() for part in line.split("\t")]
    if len(parts) != 3 or not all(parts):
        raise BadLibraries(f"{path}: line {number}: expected user<TAB>doc<TAB>role")
    user, doc, role = parts
    if role not in ROLES:
        raise BadLibraries(f"{path}: line {number}: role {role!r} is not seed or heldout")
    return user, doc, role


def evaluate_libraries(
    matcher: Matcher,
    libraries: Libraries,
    paper_ids: Mapping[str, str],
    *,
    progress: Callable[[int], None] | None = None,
) -> LibraryEvaluation:
    """Rank the corpus for every user from their seeds alone; measure against the held-out.

    `paper_ids` maps the corpus's document ids to the store's paper ids.
    """
    doc_of = {paper: doc for doc, paper in paper_ids.items()}
    pool = matcher.pool(matcher.store.keys_of(paper_ids.values()).values())
    docs = [doc_of[paper.id] for paper in pool.papers]
    ranked: RunScores = {}
    diversified: RunScores = {}
    settings = matcher.settings
    elapsed = 0.0
    for library in libraries.users:
        profile = Profile()
        for doc in library.seeds:
            profile = apply_feedback(profile, paper_ids[doc], "like")
        alive = pool.mask_without(profile.liked)
        started = time.perf_counter()
        rows, scores = _ranked_rows(matcher, profile, pool, alive)
        elapsed += time.perf_counter() - started
        ranked[library.user] = _named(rows[:DEPTH], docs)
        picks = diversify(
            rows, scores, pool.vectors, DEPTH, settings.diversity, duplicate=settings.duplicate
        )
        diversified[library.user] = _named(np.asarray(picks, dtype=np.int64), docs)
        if progress:
            progress(1)
    qrels: Qrels = {lib.user: dict.fromkeys(lib.heldout, 1) for lib in libraries.users}
    users = len(libraries.users)
    return LibraryEvaluation(
        users=users,
        ranked=trec_means(ranked, qrels, LIBRARY_MEASURES),
        diversified=trec_means(diversified, qrels, LIBRARY_MEASURES),
        ms_per_user=round(1000 * elapsed / users, 2) if users else 0.0,
        skipped=libraries.skipped,
    )


def _ranked_rows(
    matcher: Matcher, profile: Profile, pool: Pool, alive: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The pool's rows best first, and every row's score (-inf where not ranked)."""
    keys, ranked_scores = matcher.rank(profile, pool, alive=alive)
    rows = np.searchsorted(pool.keys, keys)  # a pool is in key order
    scores = np.full(len(pool), -np.inf)
    scores[rows] = ranked_scores
    return rows, scores


def _named(rows: np.ndarray, docs: list[str]) -> dict[str, float]:
    """A ranking as trec_eval reads it: scores that fall with the rank, so that trec_eval's
    own tie-breaking (by document id) cannot reorder it."""
    return {docs[row]: float(len(rows) - rank) for rank, row in enumerate(rows.tolist())}
