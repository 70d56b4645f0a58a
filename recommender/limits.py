"""How large a paper's fields may be: generous for any real paper, finite for any file.

Without bounds one bad file costs the whole deployment: an Atom file with a 60 MB title
ingested fine, and indexing that ten-paper store then took minutes and gigabytes. The
limits are far above real records (arXiv caps abstracts at 1,920 characters; the largest
author lists, ATLAS and CMS together, hold about 5,200 names; long BEIR documents run to
tens of thousands of characters), so a paper over one is broken input, rejected with the
field and the limit named, never trimmed in silence.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from recommender.models import Paper


@dataclass(frozen=True)
class FieldLimits:
    """The largest value each field of a stored paper may have (characters or items)."""

    id: int = 300
    title: int = 2_000
    abstract: int = 200_000
    authors: int = 10_000
    author: int = 500
    categories: int = 100
    category: int = 100
    extra: int = 100_000  # each extra, measured as JSON

    def problem(self, paper: Paper) -> str | None:
        """Why `paper` is over a limit (the first field found), or None."""
        checks = (
            ("id", len(paper.id), self.id, "characters"),
            ("title", len(paper.title), self.title, "characters"),
            ("abstract", len(paper.abstract), self.abstract, "characters"),
            ("authors", len(paper.authors), self.authors, "names"),
            ("an author's name", _longest(paper.authors), self.author, "characters"),
            ("categories", len(paper.categories), self.categories, "categories"),
            ("a category", _longest(paper.categories), self.category, "characters"),
            *(
                (f"extra {key!r}", _json_size(value), self.extra, "characters as JSON")
                for key, value in paper.extras.items()
            ),
        )
        for field, size, limit, unit in checks:
            if size > limit:
                return f"{field} too large: {size:,} {unit}, the limit is {limit:,}"
        return None


LIMITS = FieldLimits()


def _longest(texts: tuple[str, ...]) -> int:
    return max(map(len, texts), default=0)


def _json_size(value: object) -> int:
    return len(json.dumps(value, default=str, ensure_ascii=False))


@dataclass(frozen=True)
class ImportLimits:
    """How large an exported library one import takes (`recommender.importing`).

    A Zotero library of a few thousand papers with abstracts exports to a few megabytes;
    a profile holds at most `recommender.profiles.MAX_SEEDS` seeds of each kind.
    """

    chars: int = 5_000_000
    papers: int = 1_000
    title: int = FieldLimits.title


IMPORT_LIMITS = ImportLimits()
