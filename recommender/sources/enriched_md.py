"""The enriched Markdown digest (seed `004`).

Each paper is

    ### Title
    **Date:** 2025-10-17 | **Arxiv:** [2510.13832](https://hub.bitwiki.org/t/...)
    #### Abstract
    <the abstract>
    #### Research Highlights / Technical Context / Reproducibility & Resources
    ---
    **Metadata (Derived)** ...

Only the title, date, arXiv id and abstract are kept. `published` is the Date only when it
can be the first version's: 14 of the seed's 50 Dates fall months or years after the month
the arXiv id names (2310.02041 dated 2025-10-02), so the Date is not reliably a submission
date (a later version's, or the day the enricher posted it). The derived sections are an enricher's
guesses, not the authors' words, and in the seed they are boilerplate ("See abstract.",
"Not Mentioned", a `Limits` line copied from the abstract).
"""

from __future__ import annotations

import re
from datetime import datetime

from recommender.models import Paper, Parsed, Rejection
from recommender.sources.fields import extras, iso_utc, sort_out
from recommender.sources.markdown import Section, link, plain, sections
from recommender.sources.textutil import decode, head, page_url, paper_key, snippet

FORMAT = "enriched-md"

_SNIFF = (
    re.compile(r"^\*\*Date:\*\*.*\*\*Arxiv:\*\*", re.MULTILINE),
    re.compile(r"^####\s+Abstract\s*$", re.MULTILINE),
)
# Levels 1 to 3 end a paper; `####` subsections are inside it.
_HEADING = re.compile(r"#{1,3}(?=\s|$)")
_DATE = re.compile(r"\*\*Date:\*\*\s*(?P<date>\d{4}-\d{2}-\d{2})")
_ARXIV = re.compile(r"\*\*Arxiv:\*\*\s*(?P<ref>.+?)\s*(?:\||$)", re.MULTILINE)
_SUBHEADING = re.compile(r"####\s+(?P<name>.+?)\s*")
_NEW_ID_MONTH = re.compile(r"(?P<yy>\d{2})(?P<mm>\d{2})\.\d{4,5}$")
_RULE = re.compile(r"(?:-{3,}|\*{3,}|_{3,})\s*")


def sniff(data: bytes) -> bool:
    """Whether `data` is this digest: `**Date:** ... | **Arxiv:**` lines and `#### Abstract`."""
    text = head(data)
    return all(pattern.search(text) for pattern in _SNIFF)


def parse(data: bytes, origin: str) -> Parsed:
    """The papers of an enriched digest, without the derived metadata."""
    entries = [s for s in sections(decode(data), _HEADING) if s.heading.startswith("###")]
    papers, rejected = sort_out(_paper(section, origin) for section in entries)
    return Parsed(papers=papers, rejected=rejected)


def _paper(section: Section, origin: str) -> Paper | Rejection:
    title = plain(section.heading.lstrip("#"))
    abstract = plain("\n".join(_subsection(section.lines, "Abstract")))
    where = f"line {section.lineno}"
    if not title:
        return Rejection(origin, where, "paper heading has no title")
    if not abstract:
        return Rejection(origin, where, f"no abstract for {snippet(title)}")
    text = "\n".join(section.lines)
    date = _DATE.search(text)
    ref = _ARXIV.search(text)
    ref_text, ref_url = link(ref["ref"]) if ref else ("", None)
    paper_id, version = paper_key(title, ref_text, ref_url)
    return Paper(
        id=paper_id,
        title=title,
        abstract=abstract,
        version=version,
        published=_published(iso_utc(date["date"]) if date else None, paper_id),
        sources=(FORMAT,),
        extras=extras(url=page_url(paper_id, ref_url)),
    )


def _published(date: datetime | None, paper_id: str) -> datetime | None:
    """`date` unless a new-style id (YYMM.NNNNN) shows v1 came out more than a month earlier.

    A month of slack: a paper submitted on the 31st is announced in the next month.
    """
    month = _NEW_ID_MONTH.match(paper_id)
    if date is None or not month:
        return date
    first = 2000 + int(month["yy"]), int(month["mm"])
    return date if (date.year - first[0]) * 12 + date.month - first[1] <= 1 else None


def _subsection(lines: tuple[str, ...], name: str) -> list[str]:
    """The lines under `#### name`, up to the next `####` heading or horizontal rule."""
    found: list[str] = []
    inside = False
    for line in lines:
        heading = _SUBHEADING.fullmatch(line.strip())
        if heading or _RULE.fullmatch(line.strip()):
            inside = bool(heading) and heading["name"].casefold() == name.casefold()
        elif inside:
            found.append(line)
    return found
