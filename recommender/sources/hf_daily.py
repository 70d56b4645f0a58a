"""Hugging Face daily papers (huggingface.co/api/daily_papers?date=YYYY-MM-DD): a JSON array.

Each item wraps a `paper` whose `id` is the arXiv id. Hugging Face adds community signals
(upvotes) and generated metadata (ai_summary, ai_keywords) but no arXiv categories and no
version. Its `publishedAt` is arXiv's first publication, so it becomes `published`.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from recommender.errors import FeedError, InvalidArxivId
from recommender.http import Fetcher
from recommender.ids import clean_text, parse_arxiv_id
from recommender.models import Paper, Parsed, Rejection
from recommender.sources.fields import checked, extras, iso_utc, sort_out
from recommender.sources.jsonutil import json_array, wrong_type

FORMAT = "hf-daily"
DAILY_URL = "https://huggingface.co/api/daily_papers"

_SNIFF_BYTES = 65536


def sniff(data: bytes) -> bool:
    """A JSON array whose items wrap a `paper` with Hugging Face's daily-papers fields."""
    head = data[:_SNIFF_BYTES].lstrip()
    return (
        head.startswith(b"[")
        and b'"paper"' in head
        and (b'"submittedOnDailyAt"' in head or b'"upvotes"' in head)
    )


def parse(data: bytes, origin: str) -> Parsed:
    """The papers of one day; a response cut off keeps the items that arrived whole."""
    items, broken = _items(data, origin)
    papers, rejected = sort_out(
        checked(lambda item=item, n=number: _item(item, origin, n), origin, f"item {number}")
        for number, item in enumerate(items, 1)
    )
    return Parsed(papers=papers, rejected=rejected + ((broken,) if broken else ()))


_TYPES: dict[str, type | tuple[type, ...]] = {
    "id": str, "title": str, "summary": str, "authors": list, "publishedAt": str,
    "upvotes": int, "ai_summary": str, "ai_keywords": list, "githubRepo": str,
}  # fmt: skip


def _items(data: bytes, origin: str) -> tuple[list[Any], Rejection | None]:
    """The array's items up to any break, and a rejection saying where it broke."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise FeedError(origin, f"not UTF-8 JSON: {error}") from error
    items: list[Any] = []
    try:
        items.extend(json_array(text))
    except json.JSONDecodeError as error:
        if not items and error.msg == "Expecting '['":
            message = f"not a JSON array of daily papers: {clean_text(text[:200])}"
            raise FeedError(origin, message) from error
        where = f"line {error.lineno}, column {error.colno}"
        return items, Rejection(origin, where, f"JSON broken off or malformed: {error.msg}")
    return items, None


def _item(item: Any, origin: str, number: int) -> Paper | Rejection:
    paper = item.get("paper") if isinstance(item, dict) else None
    if not isinstance(paper, dict):
        return Rejection(origin, f"item {number}", "no `paper` object")
    problem = wrong_type(paper, _TYPES)
    if problem:
        return Rejection(origin, f"item {number}", problem)
    try:
        paper_id, version = parse_arxiv_id(str(paper.get("id") or ""))
    except InvalidArxivId:
        return Rejection(origin, f"item {number}", f"no arXiv id (id {paper.get('id')!r})")
    title = clean_text(paper.get("title") or item.get("title") or "")
    if not title:
        return Rejection(origin, paper_id, "no title")
    return Paper(
        id=paper_id,
        title=title,
        abstract=clean_text(paper.get("summary") or ""),
        authors=tuple(_authors(paper.get("authors"))),
        version=version,
        published=iso_utc(str(paper.get("publishedAt") or item.get("publishedAt") or "")),
        sources=(FORMAT,),
        extras=extras(
            hf_upvotes=paper.get("upvotes"),
            ai_summary=paper.get("ai_summary"),
            ai_keywords=paper.get("ai_keywords"),
            github_repo=paper.get("githubRepo"),
        ),
    )


def _authors(authors: Any) -> list[str]:
    if not isinstance(authors, list):
        return []
    names = (clean_text(a.get("name") or "") for a in authors if isinstance(a, dict))
    return [name for name in names if name]


def fetch(client: Fetcher, day: date, base_url: str = DAILY_URL) -> bytes:
    """The papers featured on Hugging Face on `day`."""
    return client.get(base_url, {"date": day.isoformat()})
