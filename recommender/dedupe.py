"""How two records of the same paper become one: the rules the store applies on ingest.

Records are the same paper when they have the same arXiv id, or the same normalized title
and first author (`same_by_title`): a paper first seen by its title alone (a digest, a saved
Hugging Face page) joins its arXiv record when that arrives.

A newer arXiv version replaces the descriptive fields (title, abstract, authors, categories).
At the same version, a source that copies arXiv's own metadata outranks one that retells it
(a digest may drop a title's colon or shorten an author list), and then the richer record
(more of abstract, authors, categories and date known) wins. Whatever the winner lacks is
filled from the other record, sources are united, and extras are merged key by key.
"""

from __future__ import annotations

from dataclasses import replace

from recommender.models import Paper
from recommender.names import share_a_name

# arXiv's own metadata first, then services that copy it, then digests written by others.
_AUTHORITY = {
    "arxiv-api": 3,
    "arxiv-rss": 3,
    "oai-pmh": 3,
    "arxiv-abs": 3,
    "kaggle": 3,
    "hf-daily": 2,
}
_DESCRIPTIVE = ("title", "abstract", "authors", "categories")


def authority(paper: Paper) -> int:
    """How far to trust a record's descriptive fields: the best of its sources."""
    return max((_AUTHORITY.get(source, 1) for source in paper.sources), default=0)


def same_by_title(first: Paper, second: Paper) -> bool:
    """Whether two records of one normalized title are one paper: their first authors share
    a name, or one of them names no authors (most title-only sources give none)."""
    if not first.authors or not second.authors:
        return True
    return share_a_name(first.authors[0], second.authors[0])


def _richness(paper: Paper) -> int:
    return sum(map(bool, (paper.abstract, paper.authors, paper.categories, paper.published)))


def _incoming_wins(stored: Paper, incoming: Paper) -> bool:
    if (incoming.version or 0) != (stored.version or 0):
        return (incoming.version or 0) > (stored.version or 0)
    if authority(incoming) != authority(stored):
        return authority(incoming) > authority(stored)
    return _richness(incoming) > _richness(stored)


def _earliest(a, b):
    return min((d for d in (a, b) if d is not None), default=None)


def _latest(a, b):
    return max((d for d in (a, b) if d is not None), default=None)


def merge(stored: Paper, incoming: Paper) -> Paper:
    """The one record that `stored` becomes once `incoming` (the same paper) is seen."""
    winner, other = (incoming, stored) if _incoming_wins(stored, incoming) else (stored, incoming)
    fields = {name: getattr(winner, name) or getattr(other, name) for name in _DESCRIPTIVE}
    # Extras are mostly one source's own observations (upvotes grow, a v2 has new comments):
    # the latest observation wins unless it describes an older version.
    older = (incoming.version or 0) < (stored.version or 0)
    extras = {**incoming.extras, **stored.extras} if older else {**stored.extras, **incoming.extras}
    return replace(
        stored,
        **fields,
        version=max(stored.version or 0, incoming.version or 0) or None,
        published=_earliest(stored.published, incoming.published),
        updated=_latest(stored.updated, incoming.updated),
        sources=tuple(dict.fromkeys(stored.sources + incoming.sources)),
        extras=extras,
    )
