"""A digest as a value: its picks, why each was picked, and its one serialisation.

`Digest.to_dict` is what `papers digest --json` prints and what the delivery ledger stores
as a digest's plan; `Digest.from_dict` reads either back, including the plans the ledger
stored before the two were one (version 1). A digest read back takes its papers from the
store by key, so a retry shows them as the store has them now.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from datetime import datetime, tzinfo
from typing import Any

from recommender.ids import is_arxiv_id
from recommender.models import Paper
from recommender.store import Store
from recommender.text import truncate

# 1: the ledger's own plan format ({id, key, title, score, keywords, closest, authors} a
# pick, followed authors under "authors"); 2: `Digest.to_dict`, one format for both uses.
DIGEST_VERSION = 2
NEIGHBOUR_CHARS = 80


@dataclass(frozen=True)
class Neighbour:
    """The seed or liked paper a pick is closest to, in the embedding space."""

    paper_id: str
    title: str
    kind: str  # "seed" or "liked"
    similarity: float


@dataclass(frozen=True)
class Explanation:
    """Why a paper was picked: matched keywords, closest wanted paper, followed authors."""

    keywords: tuple[str, ...] = ()
    closest: Neighbour | None = None
    authors: tuple[str, ...] = ()
    description_similarity: float | None = None
    learned: float | None = None

    def text(self, *, channel: bool = False) -> str:
        """Why, in words: `matched: …; close to 2507.07186 you liked; …` (plain text).

        `channel`: the digest is a channel's, so "this channel liked", not "you liked".
        """
        who = "this channel" if channel else "you"
        parts = []
        if self.keywords:
            parts.append("matched: " + ", ".join(self.keywords))
        if self.closest:
            near = self.closest
            title = truncate(near.title, NEIGHBOUR_CHARS)
            paper = near.paper_id if is_arxiv_id(near.paper_id) else f"“{title}”"
            liked = near.kind == "liked"
            parts.append(f"close to {paper} {who} liked" if liked else f"close to seed {paper}")
        if self.authors:
            follows = "follows" if channel else "follow"
            parts.append(f"by an author {who} {follows}: " + ", ".join(self.authors))
        if not parts:
            parts.append(f"close to {'the channel' if channel else 'your'} description")
        return "; ".join(parts)


@dataclass(frozen=True)
class Pick:
    """One recommended paper, its score and why."""

    paper: Paper
    key: int
    score: float
    explanation: Explanation

    def to_dict(self) -> dict[str, Any]:
        why = self.explanation
        return {
            **self.paper.summary(),
            "key": self.key,
            "score": self.score,
            "why": why.text(),
            "keywords": list(why.keywords),
            "closest": None if why.closest is None else asdict(why.closest),
            "followed_authors": list(why.authors),
            "description_similarity": why.description_similarity,
            "learned": why.learned,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], papers: Mapping[int, Paper], version: int) -> Pick:
        """The pick `data` describes, its paper from `papers` (by key)."""
        # A paper merged away since the plan was made still shows under its planned id and title.
        paper = papers.get(data["key"]) or Paper(id=data["id"], title=data["title"])
        closest = data["closest"]
        why = Explanation(
            keywords=tuple(data["keywords"]),
            closest=Neighbour(**closest) if closest else None,
            authors=tuple(data["authors"] if version == 1 else data["followed_authors"]),
            description_similarity=data.get("description_similarity"),
            learned=data.get("learned"),
        )
        return cls(paper, data["key"], data["score"], why)


@dataclass(frozen=True)
class Digest:
    """A target's picks among the papers first seen in (since, until].

    `new` counts the window's papers not sent or rated before; 0 means nothing was
    announced (or ingested) since `since`, which `headline` says in words.
    """

    target: str
    since: datetime | None
    until: datetime
    new: int
    picks: tuple[Pick, ...] = ()
    notices: tuple[str, ...] = ()

    @property
    def nothing_new(self) -> bool:
        return self.new == 0

    def in_zone(self, zone: tzinfo) -> Digest:
        """The digest with its window's start in the reader's zone, which `headline` says."""
        return self if self.since is None else replace(self, since=self.since.astimezone(zone))

    def headline(self) -> str:
        if self.since is None:
            return "Nothing new yet: the archive holds no papers."
        when = f"{self.since:%Y-%m-%d %H:%M %Z}"
        if self.nothing_new:
            return (
                f"Nothing new since {when}: no papers were announced or ingested since "
                "(a weekend, a holiday, or a failed ingest). The next digest catches up."
            )
        if not self.picks:
            return f"{self.new} new papers since {when}; none matches this profile."
        return f"{len(self.picks)} picks from {self.new} new papers since {when}"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data: `papers digest --json`, and the plan the ledger keeps."""
        return {
            "v": DIGEST_VERSION,
            "target": self.target,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat(),
            "new": self.new,
            "nothing_new": self.nothing_new,
            "headline": self.headline(),
            "notices": list(self.notices),
            "picks": [pick.to_dict() for pick in self.picks],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], store: Store) -> Digest:
        """The digest `data` describes, with its papers as the store has them now.

        What `to_dict` derives (headline, why) is derived again, not read.
        """
        version = data["v"]
        papers = store.by_keys(pick["key"] for pick in data["picks"])
        since = data["since"]
        return cls(
            target=data["target"],
            since=datetime.fromisoformat(since) if since else None,
            until=datetime.fromisoformat(data["until"]),
            new=data["new"],
            picks=tuple(Pick.from_dict(pick, papers, version) for pick in data["picks"]),
            notices=tuple(data["notices"]),
        )


def record_digest(store: Store, digest: Digest) -> None:
    """Write a delivered digest's picks to the sent ledger, so none is ever sent again."""
    store.sent.record(
        digest.target,
        [pick.paper.id for pick in digest.picks],
        digest_date=digest.until.date(),
        now=digest.until,
    )
