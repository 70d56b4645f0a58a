"""Matching new papers to profiles: scored, explained, diverse, and never sent twice.

A profile's score of a paper (`Matcher.rank`, over a `candidates.Pool`) is the search's
own hybrid score, with what only a profile has added on top, in one place (`_score`):

- fused: the profile's BM25 query run and its dense run over the pool, fused by the search's
  `fusion.Fusion` (the same rule and weights as `Engine.search`; every paper of the pool is a
  candidate), so a profile that is only a description ranks a pool of up to `depth` papers
  as a search for that description ranks them.
  - The BM25 query (`recommender.learning`, which makes a profile ready to score): the
    terms of the description and of each keyword (times its weight and `keyword_boost`),
    plus, once there are seed or liked papers, Rocchio's expansion: the `expansion_terms`
    terms weighing most in them (with the index's own scores, `BM25Index.text_weights`).
  - The dense query: the Rocchio vector, alpha * description + beta * mean(seeds and
    liked) - gamma * mean(disliked) (Rocchio, "Relevance feedback in information
    retrieval", 1971, with Salton & Buckley's 1990 weights 1, 0.75, 0.15).
- On top, what only a profile has:
  - nearest: cosine to the CLOSEST seed or liked paper: the max over them, not their
    centroid, so that a person with two interests gets the neighbours of each.
  - penalty: how much closer a paper is to a disliked paper than to anything wanted.
  - learned: once a profile has `classifier_min` (3) wanted papers (seeds and likes) and as
    many disliked ones, a logistic regression on the embeddings of the rated papers,
    trained each time the profile is scored; its probability, centred on 0.5, joins the
    score. Before that, only the Rocchio parts (expansion, query vector, nearest, penalty)
    learn.
  - authors: a boost when a followed author wrote the paper.
  - neighbourhood (a profile known only by its papers): each paper gains a share of the
    mean score of its nearest papers in the pool (`Pool.neighbours`; one under
    `min_similarity` counts 0), so that a paper among papers the profile wants rises with
    them: the score smoothed over the pool's nearest-neighbour graph, one step of label
    propagation (Zhou et al., "Learning with Local and Global Consistency", NIPS 2003).
    The seeds and liked papers, excluded from the ranking, still lend their neighbours
    their (high) score.
  - walk (the same profiles): how often a random walk that restarts at the profile's
    papers visits each paper of the pool's symmetric nearest-neighbour graph (`Pool.links`;
    personalised PageRank), so that papers a few links from the seeds, and those that
    have a seed among their own nearest, rise too.

A profile known only by its papers (no description or keywords: a library imported as
seeds) fuses its two runs with a higher dense weight (`papers_dense_weight`) than the
search's, since its dense query is the mean of whole papers, not a few typed words.

Hard rules: a muted phrase in the title or abstract, or categories outside the allowed ones,
remove a paper; every required keyword must appear in it.

A digest takes the papers first seen since the target's last digest (the first digest: the
last announcement day, `first_window`), leaves out those sent before or rated, and those
that nothing ties to the profile (no keyword, no followed author, dense similarity under
`min_similarity`), then picks by MMR so that the picks are not near-duplicates. The feedback
evaluation ranks with the same `Matcher.rank`, and its simulated ratings go through
`profiles.apply_feedback`, as a button press does (`record_feedback`; `undo_feedback`
takes one back).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import numpy as np
from threadpoolctl import threadpool_limits

from recommender.candidates import Pool
from recommender.digest import Digest, Explanation, Neighbour, Pick
from recommender.engine import Engine
from recommender.errors import EmptyProfile, NothingToUndo, NotYourPress, ProfileNotFound
from recommender.learning import Learning, Preparer, ProfileModel
from recommender.profiles import (
    Profile,
    apply_feedback,
    placement,
    require_interests,
    restore_placement,
)
from recommender.store import Store
from recommender.store.profiles import Press
from recommender.text import tokenize

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MatchSettings:
    """What only a profile adds to the search's fused score (module docstring), and the
    digest's thresholds; see docs/BENCHMARKS.md. The fusion itself is the engine's."""

    nearest_weight: float = 0.5
    # A profile whose dense query comes from papers only (no description, no keywords)
    # fuses with this dense weight instead of the search's: the mean of whole papers is a
    # far stronger query than a few typed words (`papers eval --libraries`).
    papers_dense_weight: float = 0.6
    # For a profile known only by its papers, each paper's score gains this much of the
    # mean score of its `neighbours` nearest papers of the pool (those under
    # `min_similarity` count 0). With a description, it cost the feedback evaluation.
    neighbourhood_weight: float = 0.5
    neighbours: int = 10
    # For the same profiles, each paper gains this much of its visits (times the pool's
    # size, so 1 is a uniform visit) by a random walk with restart from the profile's
    # papers over the pool's symmetric nearest-neighbour graph, which goes back to the
    # restart with probability 1 - `walk_damping` at each step.
    walk_weight: float = 0.005
    walk_damping: float = 0.5
    disliked_weight: float = 0.15
    classifier_weight: float = 0.2
    author_boost: float = 0.3
    learning: Learning = Learning()
    min_similarity: float = 0.3
    first_window: timedelta = timedelta(days=1)
    # A paper first seen in a window but published this long before it is an old paper
    # re-announced (a new version), not a new one. arXiv announces within a week even
    # over holidays.
    max_age: timedelta = timedelta(days=14)
    # MMR's lambda (relevance against novelty), and the similarity of a near-duplicate.
    diversity: float = 0.7
    duplicate: float = 0.95


@dataclass(frozen=True)
class _Scored:
    """A profile's scores over a pool (-inf where excluded), and what explanations quote."""

    score: np.ndarray
    query_similarity: np.ndarray | None = None
    nearest: np.ndarray | None = None
    nearest_index: np.ndarray | None = None
    learned: np.ndarray | None = None


class Matcher:
    """Scores profiles against new papers with the engine's indexes and the store's vectors."""

    def __init__(self, engine: Engine, settings: MatchSettings | None = None) -> None:
        self.engine = engine
        self.store = engine.store
        self.embedder = engine.embedder
        self.settings = settings or MatchSettings()
        self.preparer = Preparer(engine, self.settings.learning)

    # Ranking ----------------------------------------------------------------------------

    def pool(self, keys: Iterable[int]) -> Pool:
        """Candidate papers to score profiles against (see `recommender.candidates`)."""
        return Pool.build(self.store, self.embedder, self.engine.indexes().bm25, keys)

    def rank(
        self, profile: Profile, pool: Pool, *, alive: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(keys, scores) of the pool's papers, best first, without the excluded ones.

        `alive` (a mask over the pool) keeps only some papers, e.g. those not yet shown.
        """
        with _one_blas_thread():
            scored = self._score(self.preparer.prepare([profile])[0], pool, alive)
        rows = np.flatnonzero(np.isfinite(scored.score))
        rows = rows[np.argsort(-scored.score[rows], kind="stable")]
        return pool.keys[rows], scored.score[rows]

    # Digests ----------------------------------------------------------------------------

    def digest(
        self,
        target: str,
        profile: Profile,
        *,
        now: datetime,
        since: datetime | None = None,
        k: int | None = None,
    ) -> Digest:
        """`target`'s picks among the papers first seen since its last digest (or `since`)."""
        return self.digests({target: profile}, now=now, since=since, k=k)[target]

    def digest_for(self, target: str, *, now: datetime) -> Digest:
        """The digest of a target whose profile is in the store."""
        profile = self.store.profiles.get(target)
        if profile is None:
            raise ProfileNotFound(f"{target} has no profile yet: subscribe it first")
        return self.digest(target, profile, now=now)

    def digests(
        self,
        profiles: Mapping[str, Profile],
        *,
        now: datetime,
        since: datetime | None = None,
        k: int | None = None,
    ) -> dict[str, Digest]:
        """Every target's digest; targets with the same window share a pool and a ledger query."""
        with _one_blas_thread():
            return self._digests(profiles, now, since, k)

    def _digests(
        self, profiles: Mapping[str, Profile], now: datetime, since: datetime | None, k: int | None
    ) -> dict[str, Digest]:
        models = dict(zip(profiles, self.preparer.prepare(list(profiles.values())), strict=True))
        by_window: dict[datetime | None, list[str]] = {}
        for target, start in self._windows(list(profiles), now, since).items():
            by_window.setdefault(start, []).append(target)
        digests = {}
        for start, targets in by_window.items():
            if start is None:  # an empty archive
                for target in targets:
                    digests[target] = Digest(target, None, now, 0, notices=models[target].notices)
                continue
            pool = self._new_pool(start, now)
            sent = self.store.sent.papers(targets, [paper.id for paper in pool.papers])
            for target in targets:
                done = sent.get(target, set())
                digests[target] = self._digest(target, models[target], pool, start, now, k, done)
        return {target: digests[target] for target in profiles}

    def _windows(
        self, targets: list[str], now: datetime, since: datetime | None
    ) -> dict[str, datetime | None]:
        """Where each window starts: `since`, else the target's last digest, else (a first
        digest) the last announcement day; None when the archive is empty."""
        if since is not None:
            return dict.fromkeys(targets, since)
        latest = self.store.latest_first_seen(until=now)
        first = None if latest is None else latest - self.settings.first_window
        last = self.store.sent.last(targets)
        return {target: last.get(target, first) for target in targets}

    def _new_pool(self, start: datetime, now: datetime) -> Pool:
        oldest = start - self.settings.max_age
        return self.pool(self.store.new_papers(start, now, published_after=oldest))

    def _digest(
        self,
        target: str,
        model: ProfileModel,
        pool: Pool,
        start: datetime,
        now: datetime,
        k: int | None,
        sent: set[str],
    ) -> Digest:
        profile = model.profile
        try:
            require_interests(profile, target)
        except EmptyProfile as error:
            return Digest(target, start, now, len(pool), notices=(str(error),))
        alive = pool.mask_without([*sent, *profile.seeds, *profile.liked, *profile.disliked])
        if not alive.any():  # new papers came, but this profile was sent or rated them all
            return Digest(target, start, now, len(pool), notices=model.notices)
        scored = self._score(model, pool, alive)
        rows = np.flatnonzero(np.isfinite(scored.score) & self._relevant(model, pool, scored))
        rows = rows[np.argsort(-scored.score[rows], kind="stable")]
        size = k or profile.digest_size
        chosen = diversify(
            rows,
            scored.score,
            pool.vectors,
            size,
            self.settings.diversity,
            duplicate=self.settings.duplicate,
        )
        picks = tuple(self._pick(model, pool, scored, row) for row in chosen)
        return Digest(target, start, now, int(alive.sum()), picks, model.notices)

    def _relevant(self, model: ProfileModel, pool: Pool, scored: _Scored) -> np.ndarray:
        """Papers something ties to the profile: a keyword, an author, or dense similarity."""
        profile = model.profile
        tied = np.zeros(len(pool), dtype=bool)
        for keyword in profile.keywords:
            tied |= pool.phrase_mask(keyword.terms)
        for rows in pool.author_rows(profile.authors).values():
            tied[rows] = True
        for similarity in (scored.query_similarity, scored.nearest):
            if similarity is not None:
                tied |= similarity >= self.settings.min_similarity
        return tied

    def _pick(self, model: ProfileModel, pool: Pool, scored: _Scored, row: int) -> Pick:
        profile = model.profile
        closest = None
        if scored.nearest is not None:
            kind, known = model.positives[scored.nearest_index[row]]
            similarity = round(float(scored.nearest[row]), 3)
            closest = Neighbour(known.paper.id, known.paper.title, kind, similarity)
        explanation = Explanation(
            keywords=tuple(k.phrase for k in profile.keywords if pool.phrase_mask(k.terms)[row]),
            closest=closest,
            authors=tuple(
                a for a, rows in pool.author_rows(profile.authors).items() if row in rows
            ),
            description_similarity=_at(scored.query_similarity, row),
            learned=_at(scored.learned, row),
        )
        return Pick(pool.papers[row], int(pool.keys[row]), float(scored.score[row]), explanation)

    # Scoring ----------------------------------------------------------------------------

    def _score(self, model: ProfileModel, pool: Pool, alive: np.ndarray | None) -> _Scored:
        settings = self.settings
        allowed = self._allowed(model.profile, pool)
        if alive is not None:
            allowed &= alive
        vectors = pool.vectors
        score = self._fused(model, pool, allowed)
        query = vectors @ model.query if model.query is not None else None
        wanted = query if query is not None else np.zeros(len(pool), dtype=np.float32)
        nearest = nearest_index = learned = None
        if len(model.positive_vectors):
            similarities = vectors @ model.positive_vectors.T
            nearest_index = similarities.argmax(axis=1)
            nearest = similarities[np.arange(len(pool)), nearest_index]
            score += settings.nearest_weight * nearest
            wanted = np.maximum(wanted, nearest)
        if len(model.negative_vectors):
            disliked = (vectors @ model.negative_vectors.T).max(axis=1)
            score -= settings.disliked_weight * np.maximum(0.0, disliked - wanted)
        if model.classifier is not None:
            learned = model.classifier.probability(vectors)
            score += settings.classifier_weight * (2 * learned - 1)
        for rows in pool.author_rows(model.profile.authors).values():
            score[rows] += settings.author_boost
        if model.query is None and len(model.positive_vectors) and settings.neighbourhood_weight:
            score += settings.neighbourhood_weight * self._around(score, pool)
        if model.query is None and len(model.positive_vectors) and settings.walk_weight:
            score += settings.walk_weight * len(pool) * self._walk(model, pool, similarities)
        score = np.where(allowed, score, -np.inf)
        return _Scored(score, query, nearest, nearest_index, learned)

    def _around(self, score: np.ndarray, pool: Pool) -> np.ndarray:
        """Each paper's neighbours' mean score, counting only neighbours at least
        `min_similarity` close (in a small pool the nearest papers may be far)."""
        rows, cosines = pool.neighbours(self.settings.neighbours)
        if not rows.size:
            return np.zeros_like(score)
        close = cosines >= self.settings.min_similarity
        return (score[rows] * close).sum(axis=1) / rows.shape[1]

    def _walk(self, model: ProfileModel, pool: Pool, similarities: np.ndarray) -> np.ndarray:
        """Personalised PageRank (Page et al. 1999; Haveliwala, "Topic-sensitive PageRank",
        WWW 2002) from the profile's papers over the pool's symmetric nearest-neighbour
        graph (`Pool.links`): how often a walk that restarts at those papers visits each one.

        A paper of the profile that is in the pool (an evaluation's corpus) is a restart
        row itself; one that is not (a digest's new papers) restarts at its `neighbours`
        nearest papers of the pool at least `min_similarity` close.
        """
        settings = self.settings
        sources, targets = pool.links(settings.neighbours, settings.min_similarity)
        restart = np.zeros(len(pool))
        for column, (_, known) in enumerate(model.positives):
            row = pool.row(known.paper.id)
            if row is not None:
                restart[row] += 1.0
                continue
            rows = np.argsort(-similarities[:, column], kind="stable")[: settings.neighbours]
            rows = rows[similarities[rows, column] >= settings.min_similarity]
            restart[rows] += 1.0 / max(len(rows), 1)
        if not restart.any():
            return restart
        restart /= restart.sum()
        degree = np.maximum(np.bincount(sources, minlength=len(pool)), 1)
        visits = restart
        for _ in range(_WALK_STEPS):
            flow = visits[sources] / degree[sources]
            spread = np.bincount(targets, weights=flow, minlength=len(pool))
            visits = (1 - settings.walk_damping) * restart + settings.walk_damping * spread
        return visits

    def _fused(self, model: ProfileModel, pool: Pool, allowed: np.ndarray) -> np.ndarray:
        """The search's fusion of the profile's BM25 and dense runs over the allowed papers.

        A day's papers are all candidates: each run holds every allowed paper (the BM25
        run those with a score, as an index returns them), where a search takes each
        index's `depth` best of the whole archive.
        """
        lexical = pool.lexical(model.terms)
        bm25 = _run(lexical, allowed & (lexical > 0))
        dense = _EMPTY_RUN
        if model.rocchio is not None:
            dense = _run(pool.vectors @ model.rocchio, allowed)
        fusion = self.engine.fusion
        if model.query is None and fusion.method == "convex":
            fusion = replace(fusion, dense_weight=self.settings.papers_dense_weight)
        return fusion.fuse_rows(len(pool), bm25, dense)

    def _allowed(self, profile: Profile, pool: Pool) -> np.ndarray:
        """The hard rules: allowed categories, no muted phrase, every required keyword."""
        allowed = pool.category_mask(profile.categories).copy()
        for phrase in profile.muted:
            allowed &= ~pool.phrase_mask(tokenize(phrase))
        for keyword in profile.keywords:
            if keyword.required:
                allowed &= pool.phrase_mask(keyword.terms)
        return allowed


def diversify(
    ranked: np.ndarray,
    scores: np.ndarray,
    vectors: np.ndarray,
    k: int,
    diversity: float,
    *,
    duplicate: float = 1.0,
) -> list[int]:
    """Up to `k` of the `ranked` rows by Maximal Marginal Relevance, near-duplicates skipped.

    Carbonell & Goldstein, "The Use of MMR, Diversity-Based Reranking", SIGIR 1998: each
    next pick maximizes `diversity * relevance - (1 - diversity) * max similarity to the
    picks so far`, relevance being the score min-max scaled over the 10k best. A row at
    least `duplicate` similar to a pick is never picked.
    """
    top = np.asarray(ranked[: k * 10], dtype=np.int64)
    if not len(top):
        return []
    relevance = scores[top]
    spread = relevance.max() - relevance.min()
    relevance = (relevance - relevance.min()) / spread if spread > 0 else np.ones(len(top))
    similarity = vectors[top] @ vectors[top].T
    closest = np.full(len(top), -np.inf)  # each row's similarity to its nearest pick so far
    taken = np.zeros(len(top), dtype=bool)
    chosen: list[int] = []
    while len(chosen) < k:
        value = diversity * relevance - (1 - diversity) * np.maximum(closest, 0)
        value[taken | (closest >= duplicate)] = -np.inf
        best = int(np.argmax(value))
        if value[best] == -np.inf:
            break
        chosen.append(int(top[best]))
        taken[best] = True
        closest = np.maximum(closest, similarity[best])
    return chosen


def record_feedback(
    store: Store,
    target: str,
    paper_id: str,
    action: str,
    *,
    now: datetime,
    presser: str | None = None,
    saved: bool = False,
) -> Profile:
    """A button press: update the target's stored profile at once, and log it.

    A target without a profile gets one (without a subscription), so that what someone
    taught before subscribing is there when they subscribe. A "save" is learned here as a
    like; keeping the paper on the saved list is `store.profiles.save_paper`'s, and
    `saved` says whether that press put it there. The log keeps who pressed (`presser`)
    and what the press changed, which `undo_feedback` puts back.
    """
    # Where the paper was is read inside the update's transaction, where no other press
    # can change it in between.
    before: list[str | None] = []

    def learn(profile: Profile) -> Profile:
        before.append(placement(profile, paper_id))
        return apply_feedback(profile, paper_id, action)

    profile = store.profiles.update(target, learn, now=now, create=True)
    prior = {"place": before[-1], "saved": saved}
    store.profiles.log_feedback(target, paper_id, action, now=now, presser=presser, prior=prior)
    return profile


def undo_feedback(
    store: Store,
    target: str,
    paper_id: str,
    *,
    presser: str | None,
    now: datetime,
    owner: bool = False,
) -> Press:
    """Take back `target`'s latest press on a paper: the profile and the saved list as they
    were before it; the press undone (NothingToUndo if there is none, NotYourPress if
    someone else pressed it, unless the undoer is the `owner` of the target's digest)."""
    press = store.profiles.presses(target, [paper_id]).get(paper_id)
    if press is None:
        raise NothingToUndo(f"there is nothing to undo on {paper_id}: it was undone already")
    if press.presser is not None and press.presser != presser and not owner:
        raise NotYourPress(press.presser)
    if not store.profiles.mark_undone(press, now=now):
        raise NothingToUndo(f"there is nothing to undo on {paper_id}: it was undone already")
    # A press logged before presses kept what they changed: its rating goes, and a save.
    prior = press.prior or {"place": None, "saved": press.action == "save"}
    store.profiles.update(
        target,
        lambda profile: restore_placement(profile, paper_id, prior["place"]),
        now=now,
        create=True,
    )
    if prior["saved"]:
        store.profiles.unsave_paper(target, paper_id)
    return press


def _one_blas_thread():
    """A context in which numpy's BLAS runs on one thread.

    The products here (a day's papers by a few profile vectors) are too small to gain
    from threads, and waking them costs more than the product on a busy machine: measured
    on 2 cores, 2,000 x 384 by a vector took 0.05-0.1 ms on one thread, up to 2.5 ms on two.
    """
    return threadpool_limits(limits=1, user_api="blas")


def _run(scores: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows of `mask` best first, and their scores: a run over a pool.

    Ties go to the lower row, which is the lower key (a pool is in key order), as in the
    indexes' own runs.
    """
    rows = np.flatnonzero(mask)
    rows = rows[np.argsort(-scores[rows], kind="stable")]
    return rows, scores[rows]


# Steps of the walk: the damping's 10th power (0.5 ** 10) is under a thousandth.
_WALK_STEPS = 10

_EMPTY_RUN = (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32))


def _at(values: np.ndarray | None, row: int) -> float | None:
    return None if values is None else round(float(values[row]), 3)
