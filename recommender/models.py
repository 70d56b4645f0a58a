"""The small typed values that flow between sources, the store and the indexes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from recommender.ids import abs_link, is_arxiv_id, title_search_link


def _frozen(mapping: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """A read-only copy whose list values are tuples: a paper read back from the store's
    JSON (lists) then equals the one its parser made, and unchanged stays unchanged."""
    items = (mapping or {}).items()
    return MappingProxyType({k: tuple(v) if isinstance(v, list) else v for k, v in items})


@dataclass(frozen=True)
class Paper:
    """One paper as a source saw it (or as the store merged it from several sources).

    `id` is the canonical arXiv id without version (`2507.07186`, `hep-th/9901001`). A paper
    with no arXiv id has a prefixed id: `title:` and a hash of its normalized title (see
    `ids.title_id`), or `beir:` and its id in an evaluation collection.
    Datetimes are timezone-aware UTC. `categories` lists the primary category first.
    `extras` holds what only some sources give: comments, journal_ref, doi, hf_upvotes,
    ai_summary, ai_keywords, github_repo, tldr_zh, summary_zh, announce_type, url (the page
    a source links a paper without an arXiv id to), and
    `withdrawn` (True when arXiv's latest version is a withdrawal; kept in extras, so the
    store's schema is unchanged).
    """

    id: str
    title: str
    abstract: str = ""
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    version: int | None = None
    published: datetime | None = None
    updated: datetime | None = None
    sources: tuple[str, ...] = ()
    extras: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "authors", tuple(self.authors))
        object.__setattr__(self, "categories", tuple(self.categories))
        object.__setattr__(self, "sources", tuple(self.sources))
        object.__setattr__(self, "extras", _frozen(self.extras))

    @property
    def arxiv_id(self) -> str | None:
        return self.id if is_arxiv_id(self.id) else None

    @property
    def source_url(self) -> str | None:
        """Where the paper is: its arXiv page, else the page its source linked to, if any."""
        if self.arxiv_id:
            return abs_link(self.id)
        url = self.extras.get("url")
        return url if isinstance(url, str) and url else None

    @property
    def link(self) -> str:
        """A link a person can follow for every paper: `source_url`, else arXiv's search for
        its exact title."""
        return self.source_url or title_search_link(self.title)

    @property
    def withdrawn(self) -> bool:
        """Whether the paper's latest version is withdrawn (digests never pick it)."""
        return self.extras.get("withdrawn") is True

    @property
    def primary_category(self) -> str | None:
        return self.categories[0] if self.categories else None

    def summary(self) -> dict[str, Any]:
        """The fields a listing shows, as JSON-able data (`--json` outputs)."""
        return {
            "id": self.id,
            "title": self.title,
            "authors": list(self.authors),
            "categories": list(self.categories),
            "published": self.published.isoformat() if self.published else None,
            "url": self.link,
            "withdrawn": self.withdrawn,
        }


@dataclass(frozen=True)
class Rejection:
    """An entry a source could not turn into a paper, and why. `entry` says where it was."""

    origin: str
    entry: str
    reason: str

    def __str__(self) -> str:
        return f"{self.origin}: {self.entry}: {self.reason}"


@dataclass(frozen=True)
class Parsed:
    """What one parse step produced: the good papers, the rejected entries, and paging state.

    `cursor` continues a listing (an OAI-PMH resumption token); `total` is the number of
    results the server says the whole query has (arXiv API's opensearch:totalResults).
    """

    papers: tuple[Paper, ...] = ()
    rejected: tuple[Rejection, ...] = ()
    cursor: str | None = None
    total: int | None = None
