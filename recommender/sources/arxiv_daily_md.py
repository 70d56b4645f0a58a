"""The "arXiv daily" Markdown digest (seed `002`).

A `# 2025-07-25` line dates the digest (or the papers after it); a table of contents
follows; then each paper is

    ## Title
    >Authors: First Author, Second Author
    >2025-07-24
    > http://arxiv.org/abs/2507.18607v1
    <abstract, wrapped, with keyword badges standing in for words>

A badge such as `![key](https://img.shields.io/badge/LLM-FF8C00)s` reads "LLMs": the stored
abstract has the badge's word in its place. `published` is the paper's date line, or the
digest's date when a paper has none.
"""

from __future__ import annotations

import re
from datetime import datetime

from recommender.models import Paper, Parsed, Rejection
from recommender.sources.fields import iso_utc, sort_out, split_authors
from recommender.sources.markdown import Section, plain, sections
from recommender.sources.textutil import decode, head, paper_key, snippet

FORMAT = "arxiv-daily-md"

_SNIFF = (
    re.compile(r"^##\s+\S", re.MULTILINE),
    re.compile(r"^>\s*Authors?:", re.MULTILINE),
    re.compile(r"^>\s*https?://(?:www\.)?arxiv\.org/abs/", re.MULTILINE),
)
# Level 1 and 2 both end a paper: a `# date` line must not become part of an abstract.
_HEADING = re.compile(r"#{1,2}(?=\s|$)")
_DAY = re.compile(r"#\s*(?P<date>\d{4}-\d{2}-\d{2})\s*")
_AUTHORS = re.compile(r"Authors?:\s*(?P<names>.*)")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def sniff(data: bytes) -> bool:
    """Whether `data` is this digest: `## Title` sections with `>Authors:` and abs-link quotes."""
    text = head(data)
    return all(pattern.search(text) for pattern in _SNIFF)


def parse(data: bytes, origin: str) -> Parsed:
    """The papers of an arXiv daily digest, in the order listed."""
    results: list[Paper | Rejection] = []
    listed: datetime | None = None
    for section in sections(decode(data), _HEADING):
        day = _DAY.fullmatch(section.heading)
        if day:
            listed = iso_utc(day["date"])
        elif section.heading.startswith("##"):
            results.append(_paper(section, listed, origin))
    papers, rejected = sort_out(results)
    return Parsed(papers=papers, rejected=rejected)


def _paper(section: Section, listed: datetime | None, origin: str) -> Paper | Rejection:
    title = plain(section.heading.lstrip("#"))
    quoted = [line.strip()[1:].strip() for line in section.lines if line.strip().startswith(">")]
    body = [line for line in section.lines if not line.strip().startswith(">")]
    abstract = plain("\n".join(body))
    where = f"line {section.lineno}"
    if not title:
        return Rejection(origin, where, "paper heading has no title")
    if not abstract:
        return Rejection(origin, where, f"no abstract for {snippet(title)}")
    link = next((line for line in quoted if "arxiv.org" in line.lower()), None)
    paper_id, version = paper_key(title, link)
    date = next((line for line in quoted if _DATE.fullmatch(line)), None)
    return Paper(
        id=paper_id,
        title=title,
        abstract=abstract,
        authors=_authors(quoted),
        version=version,
        published=(iso_utc(date) if date else None) or listed,
        sources=(FORMAT,),
    )


def _authors(quoted: list[str]) -> tuple[str, ...]:
    for line in quoted:
        match = _AUTHORS.fullmatch(line)
        if match:
            return split_authors(plain(match["names"]))
    return ()
