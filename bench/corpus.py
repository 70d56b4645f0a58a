"""Synthetic arXiv-like papers whose words, lengths and topics are learned from real abstracts.

The vocabulary comes from the five bundled digests (machine learning and computer science,
about 360 papers) and SciFact's 5,183 biomedical abstracts (`../shared/eval/scifact` beside
the clone; without it, from the digests alone, and `SCIFACT.exists()` tells the bench to
say so). Each synthetic paper takes one
real paper as its topic: half its abstract words are drawn from that paper's words (so its
term frequencies), the rest from the unigram distribution of all real text (Zipfian, as
text is), and 3% are rare made-up words from a Zipf-distributed pool of two million, because
a real archive of a million papers has hundreds of thousands of rare terms (names,
acronyms, formulas) that a corpus of 5,500 papers does not show. Titles take about ten
words of the topic paper's title. Generation is deterministic: paper `i` is the same in
every run, so a corpus of 100k is the first 100k papers of the corpus of 1M.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from recommender import SAMPLES_DIR
from recommender.models import Paper
from recommender.sources import parse_file

SCIFACT = Path(__file__).resolve().parents[2] / "shared" / "eval" / "scifact" / "corpus.jsonl"
TOPIC_SHARE = 0.5
RARE_SHARE = 0.03
RARE_POOL = 2_000_000
CATEGORIES = {  # primary-category shares, roughly arXiv's CS-heavy recent mix
    "cs.LG": 18,
    "cs.CV": 14,
    "cs.CL": 10,
    "cs.AI": 8,
    "stat.ML": 5,
    "cs.RO": 4,
    "cs.CR": 4,
    "eess.IV": 3,
    "q-bio.QM": 3,
    "q-bio.NC": 3,
    "physics.med-ph": 3,
    "cs.IR": 3,
    "cs.NI": 2,
    "math.OC": 3,
    "cs.SE": 2,
    "cs.HC": 2,
    "eess.SP": 3,
    "cs.DC": 2,
    "q-bio.GN": 3,
    "cs.NE": 2,
}
# Author names: every first name with every last name.
FIRST = "Wei Li Yang Anna Maria David Jun Sara Ahmed Olga Pierre Hiroshi Ana Raj Chen Emma"
LAST = "Wang Zhang Smith Garcia Kumar Müller Rossi Tanaka Kim Novak Silva Cohen Ivanov Lee"


@dataclass(frozen=True)
class Vocabulary:
    """Real text as arrays: every word, each real paper's span of it, and its title words."""

    words: np.ndarray  # object array of distinct words
    abstract_words: np.ndarray  # int32 word ids of every real abstract, concatenated
    abstract_spans: np.ndarray  # (papers, 2): start and end in abstract_words
    title_words: list[np.ndarray]  # word ids of each real paper's title
    digest_papers: int  # the first papers are the digests' (CS and ML), then SciFact's
    unigram_cdf: np.ndarray  # cumulative word frequencies over all real text


def _real_texts() -> Iterator[tuple[str, str, bool]]:
    for path in sorted(SAMPLES_DIR.glob("*.txt")):
        for paper in parse_file(path.read_bytes(), path.name).papers:
            if paper.abstract:
                yield paper.title, paper.abstract, True
    if not SCIFACT.exists():
        return
    with SCIFACT.open(encoding="utf-8") as lines:
        for line in lines:
            doc = json.loads(line)
            if doc.get("text"):
                yield doc["title"], doc["text"], False


def real_texts() -> list[str]:
    """Every real paper's title and abstract, as the indexer's dense text joins them."""
    return [f"{title}. {abstract}" for title, abstract, _ in _real_texts()]


def learn() -> Vocabulary:
    """Read the real abstracts once (about a second)."""
    ids: dict[str, int] = {}
    abstracts, spans, titles = [], [], []
    digest_papers = 0
    for title, abstract, from_digest in _real_texts():
        digest_papers += from_digest
        start = len(abstracts)
        abstracts.extend(ids.setdefault(word, len(ids)) for word in abstract.split())
        spans.append((start, len(abstracts)))
        titles.append(np.array([ids.setdefault(w, len(ids)) for w in title.split()], np.int32))
    flat = np.array(abstracts, dtype=np.int32)
    counts = np.bincount(flat, minlength=len(ids)).astype(np.float64)
    words = np.empty(len(ids), dtype=object)
    words[:] = list(ids)
    cdf = np.cumsum(counts) / counts.sum()
    return Vocabulary(words, flat, np.array(spans), titles, digest_papers, cdf)


class Generator:
    """Paper `i` of an endless synthetic archive; the same `i` gives the same paper."""

    def __init__(self, vocab: Vocabulary, seed: int = 1) -> None:
        self.vocab = vocab
        self.seed = seed
        names = [f"{first} {last}" for first in FIRST.split() for last in LAST.split()]
        self.names = np.array(names, dtype=object)
        self.categories = np.array(list(CATEGORIES), dtype=object)
        shares = np.array(list(CATEGORIES.values()), dtype=np.float64)
        self.category_p = shares / shares.sum()

    def papers(self, start: int, stop: int) -> list[Paper]:
        """Papers start..stop-1. Each block of 1,000 has its own random stream, so that any
        slice of the archive can be made without making what comes before it."""
        out: list[Paper] = []
        for block in range(start // 1000, -(-stop // 1000)):
            rng = np.random.default_rng([self.seed, block])
            first = block * 1000
            batch = [self._paper(first + i, rng) for i in range(1000)]
            out.extend(batch[max(start - first, 0) : stop - first])
        return out

    def _paper(self, n: int, rng: np.random.Generator) -> Paper:
        topic = self._topic(rng)
        published = datetime(2015, 1, 1, tzinfo=UTC) + timedelta(minutes=5 * n)
        categories = rng.choice(self.categories, size=int(rng.integers(1, 4)), p=self.category_p)
        return Paper(
            id=f"{published:%y%m}.{n % 100_000:05d}",
            title=self._title(topic, rng),
            abstract=self._abstract(topic, int(rng.integers(150, 251)), rng),
            authors=tuple(rng.choice(self.names, size=int(rng.integers(3, 7)), replace=False)),
            categories=tuple(dict.fromkeys(categories)),
            version=1,
            published=published,
            updated=published,
            sources=("bench",),
        )

    def _topic(self, rng: np.random.Generator) -> int:
        # Half the papers take a CS/ML digest paper as topic: arXiv is mostly CS, SciFact is not.
        others = len(self.vocab.title_words) - self.vocab.digest_papers
        if not others or rng.random() < 0.5:
            return int(rng.integers(self.vocab.digest_papers))
        return int(rng.integers(self.vocab.digest_papers, len(self.vocab.title_words)))

    def _title(self, topic: int, rng: np.random.Generator) -> str:
        own = self.vocab.title_words[topic]
        length = int(rng.integers(8, 13))
        picks = own[rng.integers(len(own), size=length)] if len(own) else []
        return " ".join(self.vocab.words[picks]).rstrip(".").capitalize()

    def _abstract(self, topic: int, length: int, rng: np.random.Generator) -> str:
        vocab = self.vocab
        start, end = vocab.abstract_spans[topic]
        source = rng.random(length)
        from_topic = vocab.abstract_words[start + rng.integers(end - start, size=length)]
        from_all = np.searchsorted(vocab.unigram_cdf, rng.random(length)).astype(np.int32)
        ids = np.where(source < TOPIC_SHARE, from_topic, from_all)
        words = vocab.words[ids].tolist()
        rare = np.flatnonzero(source > 1 - RARE_SHARE)
        for i, r in zip(rare.tolist(), rng.zipf(1.2, size=len(rare)).tolist(), strict=True):
            words[i] = _pseudo_word(r % RARE_POOL)
        return " ".join(words)


def _pseudo_word(n: int) -> str:
    """A made-up but pronounceable word for rank `n` of the rare pool (`n` -> one word)."""
    syllables = ("ka", "lo", "mi", "zu", "te", "ri", "no", "sa", "vi", "de", "bo", "xe")
    parts = []
    while True:
        n, digit = divmod(n, len(syllables))
        parts.append(syllables[digit])
        if n == 0:
            return "".join(parts) + "an"


def queries(vocab: Vocabulary, count: int, seed: int = 7) -> list[str]:
    """Short topic queries, as people type them: 2 to 5 words from real titles."""
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < count:
        title = vocab.title_words[int(rng.integers(len(vocab.title_words)))]
        words = [w.strip(".,:;()").lower() for w in vocab.words[title].tolist()]
        words = [w for w in words if len(w) > 3]
        if len(words) >= 2:
            size = min(len(words), int(rng.integers(2, 6)))
            picks = rng.choice(len(words), size=size, replace=False)
            out.append(" ".join(words[i] for i in sorted(picks)))
    return out
