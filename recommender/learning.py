"""A profile made ready to score: what it asks for and what it learned from its ratings.

`Preparer.prepare` turns profiles into `ProfileModel`s, looking the papers they name (seeds,
liked, disliked) up in the store in one go, and text seeds (papers known by their text
alone) up in the store's text vectors: the weighted BM25 query (description, keywords
and Rocchio's expansion from the wanted papers), the Rocchio query vector, the wanted and
disliked papers' vectors, and, once there are enough ratings, a logistic regression on them.
`recommender.matching` scores pools of papers with these; `Learning` holds the knobs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression

from recommender.candidates import paper_vectors, text_vectors
from recommender.engine import Engine
from recommender.errors import IndexMissing
from recommender.indexes import dense_text, lexical_text
from recommender.models import Paper
from recommender.profiles import Profile, TextSeed
from recommender.text import tokenize

# Query embeddings kept per description text; past this many the cache starts over.
_QUERY_CACHE = 4096


@dataclass(frozen=True)
class Learning:
    """How a profile's words and ratings become its query; see docs/BENCHMARKS.md.

    `rocchio`: alpha, beta, gamma (Rocchio 1971, with Salton & Buckley's 1990 weights);
    `expansion_terms`: how many of the wanted papers' terms join the BM25 query; a keyword
    weighs `keyword_boost` times a description word; the classifier is fitted once there
    are `classifier_min` wanted and as many disliked papers, with regularization `classifier_c`.
    """

    keyword_boost: float = 2.0
    rocchio: tuple[float, float, float] = (1.0, 0.75, 0.15)
    expansion_terms: int = 50
    classifier_min: int = 3
    classifier_c: float = 1.0


@dataclass(frozen=True)
class Known:
    """A paper a profile names (seed, liked, disliked) as the store has it; a text seed as
    a paper outside the store, whose key is -1."""

    key: int
    paper: Paper
    vector: np.ndarray
    terms: dict[str, float]  # its terms' BM25 scores (wanted papers only; for the expansion)


@dataclass(frozen=True)
class Classifier:
    """A fitted logistic regression: P(wanted | v) = sigmoid(v . coef + intercept)."""

    coef: np.ndarray
    intercept: float

    def probability(self, vectors: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(vectors @ self.coef + self.intercept)))


@dataclass(frozen=True)
class ProfileModel:
    """A profile made ready to score: its vectors, weighted terms and classifier."""

    profile: Profile
    query: np.ndarray | None
    rocchio: np.ndarray | None
    positives: tuple[tuple[str, Known], ...]
    positive_vectors: np.ndarray
    negative_vectors: np.ndarray
    terms: dict[str, float]
    classifier: Classifier | None
    notices: tuple[str, ...] = ()


class Preparer:
    """Makes profiles ready to score against the engine's index and the store's vectors."""

    def __init__(self, engine: Engine, learning: Learning) -> None:
        self.engine = engine
        self.store = engine.store
        self.embedder = engine.embedder
        self.learning = learning
        self._queries: dict[str, np.ndarray] = {}

    def prepare(self, profiles: list[Profile]) -> list[ProfileModel]:
        """Profiles made ready to score, with the papers they name looked up in one go."""
        wanted = {i for p in profiles for i in (*p.seeds, *p.liked)}
        known = self._lookup(wanted, weigh=True)
        known |= self._lookup({i for p in profiles for i in p.disliked} - wanted, weigh=False)
        known |= self._text_seeds({seed.id: seed for p in profiles for seed in p.text_seeds})
        return [self._model(profile, known) for profile in profiles]

    def _lookup(self, paper_ids: Iterable[str], *, weigh: bool) -> dict[str, Known]:
        """The papers of `paper_ids` in the store; `weigh`: with their terms' BM25 scores."""
        keys = self.store.keys_of(paper_ids)
        papers = self.store.by_keys(keys.values())
        if not papers:
            return {}
        vectors = paper_vectors(self.store, self.embedder, papers)
        terms: list[dict[str, float]] = [{} for _ in papers]
        if weigh:
            texts = [lexical_text(paper) for paper in papers.values()]
            terms = self.engine.indexes().bm25.text_weights(texts)
        known = {
            key: Known(key, paper, vector, weights)
            for (key, paper), vector, weights in zip(papers.items(), vectors, terms, strict=True)
        }
        return {i: known[k] for i, k in keys.items() if k in known}

    def _text_seeds(self, seeds: Mapping[str, TextSeed]) -> dict[str, Known]:
        """Text seeds as wanted papers outside the store, each embedded once (`text_vectors`)."""
        if not seeds:
            return {}
        papers = [Paper(i, seed.title, seed.abstract) for i, seed in seeds.items()]
        vectors = text_vectors(self.store, self.embedder, [dense_text(p) for p in papers])
        try:
            terms = self.engine.indexes().bm25.text_weights([lexical_text(p) for p in papers])
        except IndexMissing:  # an empty archive has no index yet, nor anything to score
            terms = [{} for _ in papers]
        return {
            paper.id: Known(-1, paper, vector, weights)
            for paper, vector, weights in zip(papers, vectors, terms, strict=True)
        }

    def _model(self, profile: Profile, known: Mapping[str, Known]) -> ProfileModel:
        seeds = (*profile.seeds, *(seed.id for seed in profile.text_seeds))
        positives = tuple(
            [("seed", known[i]) for i in seeds if i in known]
            + [("liked", known[i]) for i in profile.liked if i in known]
        )
        negatives = [known[i] for i in profile.disliked if i in known]
        positive_vectors = self._stack([k.vector for _, k in positives])
        negative_vectors = self._stack([k.vector for k in negatives])
        query = self._query_vector(profile.query_text) if profile.query_text else None
        return ProfileModel(
            profile=profile,
            query=query,
            rocchio=rocchio(query, positive_vectors, negative_vectors, self.learning.rocchio),
            positives=positives,
            positive_vectors=positive_vectors,
            negative_vectors=negative_vectors,
            terms=self._terms(profile, [k for _, k in positives]),
            classifier=self._classifier(positive_vectors, negative_vectors),
            notices=tuple(
                f"seed {seed} is not in the archive (yet); the rest of the profile still works"
                for seed in profile.seeds
                if seed not in known
            ),
        )

    def _stack(self, vectors: list[np.ndarray]) -> np.ndarray:
        if not vectors:
            return np.empty((0, self.embedder.dim), dtype=np.float32)
        return np.stack(vectors)

    def _query_vector(self, text: str) -> np.ndarray:
        if text not in self._queries:
            if len(self._queries) >= _QUERY_CACHE:
                self._queries.clear()
            self._queries[text] = self.embedder.encode([text])[0]
        return self._queries[text]

    def _terms(self, profile: Profile, positives: list[Known]) -> dict[str, float]:
        """The weighted BM25 query: description and keywords, then Rocchio's expansion.

        The expansion adds the wanted papers' heaviest terms; disliked papers take nothing
        away here (their part of Rocchio acts in the embedding space), since a term that
        weighs in a disliked paper often weighs in wanted ones too.
        """
        learning = self.learning
        alpha, beta, _ = learning.rocchio
        asked = Counter(tokenize(profile.description))
        for keyword in profile.keywords:
            for term in keyword.terms:
                asked[term] += keyword.weight * learning.keyword_boost
        weights = _scaled(asked, alpha)
        if positives:
            expansion = _term_weights(positives, learning.expansion_terms)
            for term, weight in _scaled(expansion, beta).items():
                weights[term] = weights.get(term, 0.0) + weight
        return weights

    def _classifier(self, positives: np.ndarray, negatives: np.ndarray) -> Classifier | None:
        """A logistic regression on the rated papers' embeddings, once there are enough."""
        least = self.learning.classifier_min
        if len(positives) < least or len(negatives) < least:
            return None
        features = np.vstack([positives, negatives])
        labels = np.r_[np.ones(len(positives)), np.zeros(len(negatives))]
        # Balanced: a profile with 3 likes and 30 dislikes still learns what it wants.
        # liblinear: on a few dozen examples it fits in a millisecond, lbfgs in several.
        model = LogisticRegression(
            C=self.learning.classifier_c, class_weight="balanced", solver="liblinear"
        ).fit(features, labels)
        return Classifier(model.coef_[0].astype(np.float32), float(model.intercept_[0]))


def rocchio(
    query: np.ndarray | None,
    positives: np.ndarray,
    negatives: np.ndarray,
    weights: tuple[float, float, float],
) -> np.ndarray | None:
    """alpha * query + beta * mean(positives) - gamma * mean(negatives), unit length."""
    alpha, beta, gamma = weights
    parts = []
    if query is not None:
        parts.append(alpha * query)
    if len(positives):
        parts.append(beta * positives.mean(axis=0))
    if len(negatives):
        parts.append(-gamma * negatives.mean(axis=0))
    if not parts:
        return None
    vector = np.sum(parts, axis=0)
    norm = np.linalg.norm(vector)
    return (vector / norm).astype(np.float32) if norm > 0 else None


def _term_weights(papers: list[Known], top: int) -> dict[str, float]:
    """The `top` terms of `papers` by their mean BM25 score in them."""
    total: Counter[str] = Counter()
    for known in papers:
        total.update(known.terms)
    return {term: weight / len(papers) for term, weight in total.most_common(top)}


def _scaled(weights: Mapping[str, float], factor: float) -> dict[str, float]:
    """`weights` times `factor`, divided by their largest (so the largest becomes `factor`)."""
    top = max(weights.values(), default=0.0)
    return {term: factor * w / top for term, w in weights.items()} if top > 0 else {}
