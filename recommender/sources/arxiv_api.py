"""The arXiv API (export.arxiv.org/api/query): Atom 1.0 search results, paged.

Fetch asks for one category's submissions in a date range, newest first, or for papers by
id (`fetch_ids`, for a link someone shares); parse reads the Atom feed. The API reports a
bad query as an entry titled "Error" whose id points into `arxiv.org/api/errors`: that
becomes a rejection, never a paper.
See https://info.arxiv.org/help/api/user-manual.html.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import date
from xml.etree.ElementTree import Element

from recommender.errors import InvalidArxivId
from recommender.http import Fetcher
from recommender.ids import clean_text, parse_arxiv_id
from recommender.models import Paper, Parsed, Rejection
from recommender.sources import xmlutil
from recommender.sources.fields import detex, extras, iso_utc, sort_out, unique, withdrawn
from recommender.sources.xmlutil import ARXIV, ATOM

FORMAT = "arxiv-api"
API_URL = "https://export.arxiv.org/api/query"

OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
_ERROR_ID = "arxiv.org/api/errors"


def sniff(data: bytes) -> bool:
    """An Atom feed carrying OpenSearch paging: what the arXiv API answers."""
    head = xmlutil.head(data)
    return "<feed" in head and ATOM[1:-1] in head and OPENSEARCH[1:-1] in head


def parse(data: bytes, origin: str) -> Parsed:
    """The papers of one API response page, its rejected entries and the query's total."""
    total_tag = OPENSEARCH + "totalResults"
    elements, broken = xmlutil.collect(data, origin, {ATOM + "entry", total_tag})
    total = None
    entries = []
    for element in elements:
        if element.tag == total_tag:
            total = _int(element.text)
        else:
            entries.append(element)
    papers, rejected = sort_out(_entry(entry, origin) for entry in entries)
    if broken:
        rejected += (broken,)
    return Parsed(papers=papers, rejected=rejected, total=total)


def _entry(entry: Element, origin: str) -> Paper | Rejection:
    raw_id = xmlutil.text(entry, ATOM + "id")
    if _ERROR_ID in raw_id:
        message = xmlutil.text(entry, ATOM + "summary") or raw_id
        return Rejection(origin, raw_id, f"arXiv API error: {message}")
    try:
        paper_id, version = parse_arxiv_id(raw_id)
    except InvalidArxivId:
        return Rejection(origin, raw_id or "entry", "no arXiv id in <id>")
    title = clean_text(detex(xmlutil.text(entry, ATOM + "title")))
    if not title:
        return Rejection(origin, raw_id, "no title")
    abstract = xmlutil.text(entry, ATOM + "summary")
    comments = xmlutil.text(entry, ARXIV + "comment")
    return Paper(
        id=paper_id,
        title=title,
        abstract=abstract,
        authors=tuple(
            clean_text(detex(n)) for n in xmlutil.texts(entry, f"{ATOM}author/{ATOM}name")
        ),
        categories=_categories(entry),
        version=version,
        published=iso_utc(xmlutil.text(entry, ATOM + "published")),
        updated=iso_utc(xmlutil.text(entry, ATOM + "updated")),
        sources=(FORMAT,),
        extras=extras(
            comments=comments,
            journal_ref=xmlutil.text(entry, ARXIV + "journal_ref"),
            doi=xmlutil.text(entry, ARXIV + "doi"),
            withdrawn=withdrawn(abstract, comments),
        ),
    )


def _categories(entry: Element) -> tuple[str, ...]:
    primary = entry.find(ARXIV + "primary_category")
    listed = [category.get("term", "") for category in entry.findall(ATOM + "category")]
    return unique([primary.get("term", "") if primary is not None else "", *listed])


def _int(text: str | None) -> int | None:
    try:
        return int(clean_text(text or ""))
    except ValueError:
        return None


def query_params(
    *, category: str, start: int, max_results: int, date_from: date, date_to: date
) -> dict[str, str]:
    """The query string of one page: a category's submissions in a date range, newest first."""
    submitted = f"[{date_from:%Y%m%d}0000 TO {date_to:%Y%m%d}2359]"
    return {
        "search_query": f"cat:{category} AND submittedDate:{submitted}",
        "start": str(start),
        "max_results": str(max_results),
        "sortBy": "submittedDate",
        "sortOrder": "descending",
    }


def fetch(
    client: Fetcher,
    *,
    category: str,
    start: int,
    max_results: int,
    date_from: date,
    date_to: date,
    base_url: str = API_URL,
) -> bytes:
    """One page of a category's submissions between two dates (inclusive)."""
    params = query_params(
        category=category, start=start, max_results=max_results,
        date_from=date_from, date_to=date_to,
    )  # fmt: skip
    return client.get(base_url, params)


def id_params(paper_ids: Sequence[str]) -> dict[str, str]:
    """The query string asking for the latest version of each paper in `paper_ids`."""
    return {"id_list": ",".join(paper_ids), "max_results": str(len(paper_ids))}


def fetch_ids(client: Fetcher, paper_ids: Sequence[str], *, base_url: str = API_URL) -> bytes:
    """The entries of the papers `paper_ids` (canonical ids); `parse` reads them."""
    return client.get(base_url, id_params(paper_ids))


# Tries of a page that comes back empty while the total says more remain.
EMPTY_PAGE_TRIES = 3


def harvest(
    client: Fetcher,
    *,
    category: str,
    date_from: date,
    date_to: date,
    page_size: int = 100,
    base_url: str = API_URL,
) -> Iterator[Parsed]:
    """Every page of a category's submissions between two dates, until the total is reached
    or a page comes back empty. The client keeps the pace arXiv asks for (3 s between calls).

    The API is known to answer a page now and then with no entries though the total says
    more remain; such a page is asked for again (`EMPTY_PAGE_TRIES` times in all), and if it
    stays empty the harvest ends with a rejection saying how many papers it could not get.
    """
    start = 0
    while True:
        for _ in range(EMPTY_PAGE_TRIES):
            data = fetch(
                client, category=category, start=start, max_results=page_size,
                date_from=date_from, date_to=date_to, base_url=base_url,
            )  # fmt: skip
            origin = f"{base_url} (cat:{category}, start={start})"
            page = parse(data, origin)
            empty = not (page.papers or page.rejected)
            if not empty or page.total is None or start >= page.total:
                break
        if empty and page.total is not None and start < page.total:
            missing = page.total - start
            reason = f"empty {EMPTY_PAGE_TRIES} times though {missing} more papers remain"
            page = replace(page, rejected=(Rejection(origin, "page", reason),))
        yield page
        start += page_size
        if empty or (page.total is not None and start >= page.total):
            return
