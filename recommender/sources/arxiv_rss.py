"""arXiv's announcement feeds (rss.arxiv.org/rss/cs.CL, /atom/cs.CL): RSS 2.0 and Atom, and
the RSS 1.0 (RDF) feeds export.arxiv.org served before 2024, which archives and saved feeds
still hold: there the title ends in `(arXiv:1901.02860v2 [cs.CL] UPDATED)` (the id, the
primary category, and UPDATED for a replacement or CROSS LISTED for a cross-list), the
abstract and the authors are HTML, and the channel's `dc:date` is the announcement date.

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

import html
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
    withdrawn,
)
from recommender.sources.xmlutil import ARXIV, ATOM, DC

FORMAT = "arxiv-rss"
RSS_URL = "https://rss.arxiv.org/rss"
ERROR_TITLE = "Feed error for query"
RSS1 = "{http://purl.org/rss/1.0/}"
_ENTRIES = ("item", ATOM + "entry", RSS1 + "item")
_CHANNELS = ("channel", ATOM + "feed", RSS1 + "channel")
# The end of an RSS 1.0 title: `(arXiv:1901.02860v2 [cs.CL] UPDATED)`.
_RDF_TITLE = re.compile(
    r"(?P<title>.*?)\s*\(arXiv:(?P<id>\S+?)\s*\[(?P<category>[^\]]*)\]\s*(?P<flag>[A-Z ]*)\)\s*$",
    re.DOTALL,
)
_RDF_TYPES = {"": "new", "UPDATED": "replace", "CROSS LISTED": "cross"}
_TAG = re.compile(r"<[^>]*>")

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
    """An RSS 2.0 or 1.0 feed from arXiv, or an Atom feed with arXiv announce types."""
    head = xmlutil.head(data)
    if "<rss" in head or RSS1[1:-1] in head:
        return "arxiv.org" in head
    return "<feed" in head and ("rss.arxiv.org" in head or "announce_type" in head)


def parse(data: bytes, origin: str) -> Parsed:
    """The papers announced in one feed; an empty feed is an empty result, items in a
    syntax this parser does not read are a rejection."""
    tags = {*_ENTRIES, *_CHANNELS, "{*}item", "{*}entry"}
    elements, broken = xmlutil.collect(data, origin, tags)
    channels = [e for e in elements if e.tag in _CHANNELS]
    _raise_feed_error(channels, origin)
    announced = _rdf_date(channels)
    items = [_item(e, announced) for e in elements if e.tag in _ENTRIES]
    papers, rejected = sort_out(_paper(item, origin) for item in items)
    rejected += _strays([e for e in elements if e.tag not in _ENTRIES + _CHANNELS], origin)
    if broken:
        rejected += (broken,)
    return Parsed(papers=papers, rejected=rejected)


def _item(element: Element, announced: datetime | None) -> _Item:
    if element.tag == "item":
        return _rss_item(element)
    if element.tag == RSS1 + "item":
        return _rdf_item(element, announced)
    return _atom_entry(element)


def _strays(elements: list[Element], origin: str) -> tuple[Rejection, ...]:
    """Items or entries in a namespace no arXiv feed uses: never read as "nothing, fine"."""
    namespaces = sorted({e.tag.partition("}")[0].strip("{") for e in elements})
    if not elements:
        return ()
    reason = (
        f"{len(elements)} item(s) or entries in namespace {', '.join(namespaces)}, which the "
        f"{FORMAT} format does not read (it reads RSS 2.0, RSS 1.0 and Atom)"
    )
    return (Rejection(origin, "file", reason),)


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


def _rdf_date(channels: list[Element]) -> datetime | None:
    """The announcement date of an RSS 1.0 feed: its channel's `dc:date`."""
    for channel in channels:
        if channel.tag == RSS1 + "channel":
            return iso_utc(xmlutil.text(channel, DC + "date"))
    return None


def _rdf_item(item: Element, announced: datetime | None) -> _Item:
    """An RSS 1.0 item: id, primary category and announce type are in its title."""
    title = xmlutil.text(item, RSS1 + "title")
    tail = _RDF_TITLE.match(title)
    return _Item(
        refs=(
            tail["id"] if tail else "",
            xmlutil.text(item, RSS1 + "link"),
            item.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about", ""),
        ),
        # the feed puts ". " between the title and its tail
        title=clean_text(detex(tail["title"].removesuffix(".") if tail else title)),
        description=_html_text(item.findtext(RSS1 + "description") or ""),
        categories=(tail["category"],) if tail else (),
        authors=tuple(
            name
            for text in xmlutil.texts(item, DC + "creator")
            for name in split_authors(_html_text(text))
        ),
        announced=announced,
        announce_type=_RDF_TYPES.get(tail["flag"].strip(), "") if tail else "",
    )


def _html_text(text: str) -> str:
    """The text of an HTML fragment (`<p>...</p>`, `<a href=...>Name</a>`)."""
    return clean_text(html.unescape(_TAG.sub(" ", text)))


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
    abstract = clean_text(described["abstract"] if described else item.description)
    announce_type = item.announce_type or (described["type"] if described else "")
    return Paper(
        id=paper_id,
        title=item.title,
        abstract=abstract,
        authors=item.authors,
        categories=tuple(c for c in item.categories if c),
        version=version,
        published=item.announced if version == 1 else None,
        updated=item.announced,
        sources=(FORMAT,),
        extras=extras(announce_type=announce_type, withdrawn=withdrawn(abstract)),
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
