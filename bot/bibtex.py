"""BibTeX entries for papers, in the form arXiv's own export uses (`@misc` with `eprint`)."""

from __future__ import annotations

import re
import unicodedata

from recommender.models import Paper

# Words a citation key skips at the start of a title, as Google Scholar's keys do.
_SMALL_WORDS = frozenset({"a", "an", "the", "on", "of", "in", "for", "to", "towards", "toward"})
# Past this many authors the rest are BibTeX's "and others" (typeset "et al."): a collaboration
# paper's hundreds of names would not fit the Slack block the entry is shown in.
MAX_AUTHORS = 10


def bibtex_file(papers: list[Paper]) -> str:
    """The entries of `papers` as the text of one .bib file."""
    return "\n\n".join(bibtex(paper) for paper in papers) + "\n"


def bibtex(paper: Paper) -> str:
    """One `@misc` entry: title, authors, year, and for arXiv papers eprint, class and URL."""
    fields = [
        ("title", paper.title),
        ("author", _authors(paper.authors)),
        ("year", year(paper)),
        ("eprint", paper.arxiv_id or ""),
        ("archivePrefix", "arXiv" if paper.arxiv_id else ""),
        ("primaryClass", paper.primary_category or ""),
        ("url", paper.source_url or ""),
        ("note", "Withdrawn" if paper.withdrawn else ""),
    ]
    lines = [f"  {name} = {{{_value(value)}}}," for name, value in fields if value.strip()]
    return "\n".join([f"@misc{{{citation_key(paper)},", *lines, "}"])


def _authors(names: tuple[str, ...]) -> str:
    if len(names) > MAX_AUTHORS:
        return " and ".join([*names[:MAX_AUTHORS], "others"])
    return " and ".join(names)


def citation_key(paper: Paper) -> str:
    """`itzhak2025planted`: the first author's last name, the year, the title's first word."""
    last = paper.authors[0].split()[-1] if paper.authors and paper.authors[0].split() else ""
    words = re.findall(r"[^\W\d_]+", paper.title)
    first_word = next((word for word in words if word.lower() not in _SMALL_WORDS), "")
    key = _ascii(last) + year(paper) + _ascii(first_word)
    return key or _ascii(paper.id) or "paper"


def year(paper: Paper) -> str:
    """The year published, or the year of submission an arXiv id tells (`2507.` is 2025)."""
    if paper.published:
        return str(paper.published.year)
    if not paper.arxiv_id:
        return ""
    yymm = paper.arxiv_id.rpartition("/")[2][:2]
    # Old-style ids (`hep-th/9901001`) began in 1991; new-style ones (`0704.0001`) in 2007.
    return str((1900 if int(yymm) >= 91 else 2000) + int(yymm))


def _ascii(text: str) -> str:
    """Lower-case ASCII letters and digits only (BibTeX keys are picky): `Jürgen` → `jurgen`."""
    decomposed = unicodedata.normalize("NFKD", text)
    return re.sub(r"[^a-z0-9]", "", decomposed.encode("ascii", "ignore").decode().lower())


def _value(text: str) -> str:
    """A field's text on one line; unbalanced braces (which would break the entry) dropped."""
    text = " ".join(text.split())
    depth = 0
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            break
    if depth != 0:
        text = " ".join(text.replace("{", " ").replace("}", " ").split())
    return text
