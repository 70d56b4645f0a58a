"""arXiv's announcement feeds (rss.arxiv.org/rss/cs.CL, /atom/cs.CL): RSS 2.0 and Atom.

One item per paper announced that day. Its description reads `arXiv:2507.07186v1 Announce
Type: new` then `Abstract: ...`; the announce type (new, cross, replace, replace-cross) is
kept in `extras["announce_type"]` so that replacements update papers already stored rather
than count as new ones. The feed gives the announcement date, not the submission date: it is
used as `updated`, and as `published` for a v1. On weekends and holidays the feed is empty,
which is an empty result, not an error. A category arXiv does not know (`astroph` for
`astro-ph`) is answered with a feed whose title starts "Feed error for query" and whose
description holds arXiv's reason: that is a FeedError, never an empty day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from xml.etree.ElementTree import Element

from recommender.errors import FeedError, InvalidArxivId
from recommender.http import Fetcher
from recommender.ids import clean_text, parse_arxiv_id
from recommender.models import Paper, Parsed, Rejection
from recommender.sources import xmlutil
from recommender.sources.fields import (
    detex,
    extras,
    iso_utc,
    rfc2822_utc,
    sort_out,
    split_authors,
)
from recommender.sources.xmlutil import ARXIV, ATOM, DC

FORMAT = "arxiv-rss"
RSS_URL = "https://rss.arxiv.org/rss"
ERROR_TITLE = "Feed error for query"

_DESCRIPTION = re.compile(
    r"\s*arXiv:(?P<id>\S+)\s+Announce Type:\s*(?P<type>[\w-]+)\s*(?:Abstract:)?(?P<abstract>.*)",
    re.DOTALL,
)


@dataclass(frozen=True)
class _Item:
    """The fields of one announcement, whichever of the two feed syntaxes carried them."""

    refs: tuple[str, ...]  # where the id may be: description, guid or Atom id, link
    title: str
    description: str
    categories: tuple[str, ...]
    authors: tuple[str, ...]
    announced: datetime | None
    announce_type: str


def sniff(data: bytes) -> bool:
    """An RSS 2.0 feed from arXiv, or an Atom feed with arXiv announce types."""
    head = xmlutil.head(data)
    if "<rss" in head:
        return "arxiv.org" in head
    return "<feed" in head and ("rss.arxiv.org" in head or "announce_type" in head)


def parse(data: bytes, origin: str) -> Parsed:
    """The papers announced in one feed; an empty feed is an empty result."""
    elements, broken = xmlutil.collect(
        data, origin, {"item", ATOM + "entry", "channel", ATOM + "feed"}
    )
    _raise_feed_error([e for e in elements if e.tag in ("channel", ATOM + "feed")], origin)
    entries = [e for e in elements if e.tag in ("item", ATOM + "entry")]
    items = [_rss_item(e) if e.tag == "item" else _atom_entry(e) for e in entries]
    papers, rejected = sort_out(_paper(item, origin) for item in items)
    if broken:
        rejected += (broken,)
    return Parsed(papers=papers, rejected=rejected)


def _raise_feed_error(channels: list[Element], origin: str) -> None:
    """arXiv's answer to a query it cannot serve: a feed titled "Feed error for query"."""
    for channel in channels:
        title = xmlutil.text(channel, "title") or xmlutil.text(channel, ATOM + "title")
        if title.startswith(ERROR_TITLE):
            said = (
                xmlutil.text(channel, "description")
                or xmlutil.text(channel, ATOM + "subtitle")
                or title
            )
            raise FeedError(origin, f"arXiv refused the feed: {said} (check the category name)")


def _rss_item(item: Element) -> _Item:
    description = item.findtext("description") or ""
    return _Item(
        refs=(description, xmlutil.text(item, "guid"), xmlutil.text(item, "link")),
        title=clean_text(detex(xmlutil.text(item, "title"))),
        description=description,
        categories=tuple(xmlutil.texts(item, "category")),
        authors=_creators(item),
        announced=rfc2822_utc(xmlutil.text(item, "pubDate")),
        announce_type=xmlutil.text(item, ARXIV + "announce_type"),
    )


def _atom_entry(entry: Element) -> _Item:
    description = entry.findtext(ATOM + "summary") or ""
    link = entry.find(ATOM + "link")
    return _Item(
        refs=(
            description,
            xmlutil.text(entry, ATOM + "id"),
            link.get("href", "") if link is not None else "",
        ),
        title=clean_text(detex(xmlutil.text(entry, ATOM + "title"))),
        description=description,
        categories=tuple(c.get("term", "") for c in entry.findall(ATOM + "category")),
        authors=_creators(entry)
        or tuple(clean_text(detex(n)) for n in xmlutil.texts(entry, f"{ATOM}author/{ATOM}name")),
        announced=iso_utc(xmlutil.text(entry, ATOM + "published")),
        announce_type=xmlutil.text(entry, ARXIV + "announce_type"),
    )


def _creators(element: Element) -> tuple[str, ...]:
    return tuple(
        name for text in xmlutil.texts(element, DC + "creator") for name in split_authors(text)
    )


def _paper(item: _Item, origin: str) -> Paper | Rejection:
    found = _arxiv_id(item.refs)
    if found is None:
        return Rejection(origin, item.title or "item", "no arXiv id in description, guid or link")
    paper_id, version = found
    if not item.title:
        return Rejection(origin, paper_id, "no title")
    described = _DESCRIPTION.match(item.description)
    abstract = described["abstract"] if described else item.description
    announce_type = item.announce_type or (described["type"] if described else "")
    return Paper(
        id=paper_id,
        title=item.title,
        abstract=clean_text(abstract),
        authors=item.authors,
        categories=tuple(c for c in item.categories if c),
        version=version,
        published=item.announced if version == 1 else None,
        updated=item.announced,
        sources=(FORMAT,),
        extras=extras(announce_type=announce_type),
    )


def _arxiv_id(refs: tuple[str, ...]) -> tuple[str, int | None] | None:
    """The id (and version) from the description's `arXiv:` line, else the guid, else the link."""
    for ref in refs:
        described = _DESCRIPTION.match(ref)
        candidate = described["id"] if described else ref
        try:
            return parse_arxiv_id(candidate)
        except InvalidArxivId:
            continue
    return None


def fetch(client: Fetcher, categories: str, base_url: str = RSS_URL) -> bytes:
    """Today's announcements in `categories` (`cs.CL` or several joined by `+`: `cs.CL+cs.LG`)."""
    return client.get(f"{base_url.rstrip('/')}/{categories}")
