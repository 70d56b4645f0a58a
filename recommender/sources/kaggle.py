"""The Kaggle arXiv metadata snapshot (arxiv-metadata-oai-snapshot.json): one JSON object a line.

Each line holds arXiv's own metadata: the version history with dates, the authors both as one
string and parsed into `[last, first, suffix]`, space-separated categories (primary first).
A malformed line, or one with a field of the wrong type (a number for a title), is rejected
on its own; the rest of the file is still read.
"""

from __future__ import annotations

from typing import Any

from recommender.errors import InvalidArxivId
from recommender.ids import clean_text, parse_arxiv_id
from recommender.models import Paper, Parsed, Rejection
from recommender.sources.fields import (
    checked,
    detex,
    extras,
    iso_utc,
    sort_out,
    split_authors,
    version_history,
    withdrawn,
)
from recommender.sources.jsonutil import first_line_object, json_lines, wrong_type

FORMAT = "kaggle"

_KEYS = {"id", "title", "abstract", "categories"}
_TEXT = ("id", "title", "abstract", "categories", "authors", "comments", "journal-ref", "doi")
_TYPES: dict[str, type | tuple[type, ...]] = dict.fromkeys(_TEXT, str)
_TYPES |= {"update_date": str, "versions": list, "authors_parsed": list}


def sniff(data: bytes) -> bool:
    """JSON lines whose first object has arXiv's fields and a version history or parsed authors."""
    first = first_line_object(data)
    return (
        first is not None
        and first.keys() >= _KEYS
        and bool({"versions", "authors_parsed"} & first.keys())
    )


def parse(data: bytes, origin: str) -> Parsed:
    """Every paper in the snapshot (or a slice of it); bad lines become rejections."""
    results = (
        line
        if isinstance(line, Rejection)
        else checked(lambda line=line, entry=entry: _paper(line, origin, entry), origin, entry)
        for entry, line in json_lines(data, origin)
    )
    papers, rejected = sort_out(results)
    return Parsed(papers=papers, rejected=rejected)


def _paper(record: dict[str, Any], origin: str, entry: str) -> Paper | Rejection:
    problem = wrong_type(record, _TYPES)
    if problem:
        return Rejection(origin, entry, problem)
    try:
        paper_id, _ = parse_arxiv_id(str(record.get("id") or ""))
    except InvalidArxivId:
        return Rejection(origin, entry, f"no arXiv id (id {record.get('id')!r})")
    title = clean_text(detex(record.get("title") or ""))
    if not title:
        return Rejection(origin, f"{entry} ({paper_id})", "no title")
    version, published, updated = version_history(_versions(record.get("versions")))
    return Paper(
        id=paper_id,
        title=title,
        abstract=clean_text(record.get("abstract") or ""),
        authors=_authors(record),
        categories=tuple(str(record.get("categories") or "").split()),
        version=version,
        published=published,
        updated=updated or iso_utc(str(record.get("update_date") or "")),
        sources=(FORMAT,),
        extras=extras(
            comments=record.get("comments"),
            journal_ref=record.get("journal-ref"),
            doi=record.get("doi"),
            withdrawn=withdrawn(record.get("abstract"), record.get("comments")),
        ),
    )


def _versions(versions: Any) -> list[tuple[str, str]]:
    if not isinstance(versions, list):
        return []
    return [
        (str(v.get("version") or ""), str(v.get("created") or ""))
        for v in versions
        if isinstance(v, dict)
    ]


def _authors(record: dict[str, Any]) -> tuple[str, ...]:
    """`authors_parsed` as "First Last Suffix" names, else the `authors` string split."""
    parsed = record.get("authors_parsed")
    if not isinstance(parsed, list) or not parsed:
        return split_authors(str(record.get("authors") or ""))
    names = []
    for parts in parsed:
        if isinstance(parts, list) and parts:
            last, first, suffix = (list(map(str, parts)) + ["", ""])[:3]
            names.append(clean_text(detex(f"{first} {last} {suffix}")))
    return tuple(name for name in names if name)
