"""arXiv's OAI-PMH interface: bulk harvesting by date, and the harvests people saved.

We harvest in arXivRaw, which lists every version with its date, so a record gives both the
first submission (`published`) and the latest revision (`updated`). Saved harvests are as
often in the two other formats arXiv serves, and both are read: `arXiv` (authors as
keyname/forenames, `created`/`updated` dates, license) and `oai_dc` (Dublin Core: creators
as "Last, First" text, subjects by name, dates, the arXiv id in a `dc:identifier` link).
A listing continues through resumption tokens. OAI errors come as `<error code="...">`:
noRecordsMatch is an empty result, badResumptionToken raises BadResumptionToken (the
listing must be asked for again), the others raise FeedError. A file whose records are
all in a metadata format we do not read is one rejection saying so, not one per record.
See https://info.arxiv.org/help/oa/index.html and the OAI-PMH 2.0 specification.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlencode
from xml.etree.ElementTree import Element

from recommender.errors import BadResumptionToken, FeedError, InvalidArxivId
from recommender.http import Fetcher
from recommender.ids import clean_text, parse_arxiv_id
from recommender.models import Paper, Parsed, Rejection
from recommender.sources import xmlutil
from recommender.sources.fields import (
    detex,
    extras,
    iso_utc,
    sort_out,
    split_authors,
    unique,
    version_history,
    withdrawn,
    withdrawn_source,
)
from recommender.sources.xmlutil import DC

FORMAT = "oai-pmh"
OAI_URL = "https://oaipmh.arxiv.org/oai"

OAI = "{http://www.openarchives.org/OAI/2.0/}"
RAW = "{http://arxiv.org/OAI/arXivRaw/}"
ARXIV_FORMAT = "{http://arxiv.org/OAI/arXiv/}"
OAI_DC = "{http://www.openarchives.org/OAI/2.0/oai_dc/}"
READ = "arXivRaw, arXiv or oai_dc"


class _OtherFormat(Exception):
    """A record whose metadata is in a format we do not read (its namespace is the arg)."""


def sniff(data: bytes) -> bool:
    """An OAI-PMH response (records or an OAI error)."""
    head = xmlutil.head(data)
    return "<OAI-PMH" in head and OAI[1:-1] in head


def parse(data: bytes, origin: str) -> Parsed:
    """The records of one ListRecords or GetRecord response, and the token to continue with."""
    return parse_page(data, origin)[0]


def parse_page(data: bytes, origin: str) -> tuple[Parsed, date | None]:
    """`parse`, and the newest datestamp among the page's records (where a listing whose
    token the server forgot starts again)."""
    tags = {OAI + "record", OAI + "resumptionToken", OAI + "error"}
    elements, broken = xmlutil.collect(data, origin, tags)
    _raise_errors([e for e in elements if e.tag == OAI + "error"], origin)
    records = [e for e in elements if e.tag == OAI + "record"]
    papers, rejected = _records(records, origin)
    if broken:
        rejected += (broken,)
    cursor, total = _resumption([e for e in elements if e.tag == OAI + "resumptionToken"])
    parsed = Parsed(papers=papers, rejected=rejected, cursor=cursor, total=total)
    return parsed, max(filter(None, map(_datestamp, records)), default=None)


def _datestamp(record: Element) -> date | None:
    """A record header's datestamp (a day, or a UTC time at finer granularity)."""
    text = xmlutil.text(record.find(OAI + "header"), OAI + "datestamp")
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date() if text else None
    except ValueError:
        return None


def _resumption(tokens: list[Element]) -> tuple[str | None, int | None]:
    """The token to continue with (None on the last page, where it is empty) and the list size."""
    if not tokens:
        return None, None
    token = tokens[0]
    return clean_text(token.text or "") or None, _int(token.get("completeListSize"))


def _raise_errors(errors: list[Element], origin: str) -> None:
    """noRecordsMatch means an empty listing; any other OAI error is a FeedError."""
    for error in errors:
        code = error.get("code", "")
        if code == "noRecordsMatch":
            continue
        kind = BadResumptionToken if code == "badResumptionToken" else FeedError
        raise kind(origin, f"OAI-PMH error {code}: {clean_text(error.text or '')}")


def _records(
    records: list[Element], origin: str
) -> tuple[tuple[Paper, ...], tuple[Rejection, ...]]:
    """Papers and rejections; records in formats we do not read are counted, and named
    once for the whole file."""
    results, others = [], {}
    for record in records:
        try:
            results.append(_record(record, origin))
        except _OtherFormat as other:
            others[other.args[0]] = others.get(other.args[0], 0) + 1
    papers, rejected = sort_out(results)
    for namespace, count in others.items():
        reason = (
            f"{count} record(s) in metadata format {namespace or 'unknown'}, which papers does "
            f"not read: harvest with metadataPrefix={READ.replace(', ', ' or ')}"
        )
        rejected += (Rejection(origin, "file", reason),)
    return papers, rejected


def _record(record: Element, origin: str) -> Paper | Rejection:
    """One record as a paper; raises _OtherFormat for metadata we do not read."""
    header = record.find(OAI + "header")
    identifier = xmlutil.text(header, OAI + "identifier") or "record"
    if header is not None and header.get("status") == "deleted":
        return Rejection(origin, identifier, "record deleted")
    metadata = record.find(OAI + "metadata")
    body = next(iter(metadata), None) if metadata is not None else None
    if body is None:
        return Rejection(origin, identifier, "no metadata")
    namespace = body.tag.partition("}")[0] + "}" if body.tag.startswith("{") else ""
    read = _READERS.get(namespace)
    if read is None:
        raise _OtherFormat(namespace.strip("{}"))
    found = _arxiv_id(read.ids(body, identifier))
    if found is None:
        return Rejection(origin, identifier, "no arXiv id")
    title = clean_text(detex(xmlutil.text(body, read.title)))
    if not title:
        return Rejection(origin, found, "no title")
    return read.paper(body, found, title)


def _arxiv_id(candidates: list[str]) -> str | None:
    for candidate in candidates:
        try:
            return parse_arxiv_id(candidate)[0]
        except InvalidArxivId:
            continue
    return None


def _raw_paper(raw: Element, paper_id: str, title: str) -> Paper:
    history = [
        (v.get("version", ""), v.findtext(RAW + "date") or "") for v in raw.findall(RAW + "version")
    ]
    version, published, updated = version_history(history)
    abstract = xmlutil.text(raw, RAW + "abstract")
    comments = xmlutil.text(raw, RAW + "comments")
    return Paper(
        id=paper_id,
        title=title,
        abstract=abstract,
        authors=split_authors(xmlutil.text(raw, RAW + "authors")),
        categories=tuple(xmlutil.text(raw, RAW + "categories").split()),
        version=version,
        published=published,
        updated=updated,
        sources=(FORMAT,),
        extras=extras(
            comments=comments,
            journal_ref=xmlutil.text(raw, RAW + "journal-ref"),
            doi=xmlutil.text(raw, RAW + "doi"),
            withdrawn=_raw_withdrawn(raw) or withdrawn(abstract, comments),
        ),
    )


def _raw_withdrawn(raw: Element) -> bool | None:
    """Whether the last `<version>` has the source type `I` (withdrawn)."""
    versions = raw.findall(RAW + "version")
    return withdrawn_source(versions[-1].findtext(RAW + "source_type") or "") if versions else None


def _arxiv_paper(body: Element, paper_id: str, title: str) -> Paper:
    """The `arXiv` format: no version history, but the first and the latest date."""
    published = iso_utc(xmlutil.text(body, ARXIV_FORMAT + "created"))
    updated = iso_utc(xmlutil.text(body, ARXIV_FORMAT + "updated")) or published
    return Paper(
        id=paper_id,
        title=title,
        abstract=xmlutil.text(body, ARXIV_FORMAT + "abstract"),
        authors=tuple(_arxiv_author(a) for a in body.iter(ARXIV_FORMAT + "author")),
        categories=tuple(xmlutil.text(body, ARXIV_FORMAT + "categories").split()),
        published=published,
        updated=updated,
        sources=(FORMAT,),
        extras=extras(
            comments=xmlutil.text(body, ARXIV_FORMAT + "comments"),
            journal_ref=xmlutil.text(body, ARXIV_FORMAT + "journal-ref"),
            doi=xmlutil.text(body, ARXIV_FORMAT + "doi"),
            license=xmlutil.text(body, ARXIV_FORMAT + "license"),
            withdrawn=withdrawn(
                xmlutil.text(body, ARXIV_FORMAT + "abstract"),
                xmlutil.text(body, ARXIV_FORMAT + "comments"),
            ),
        ),
    )


def _arxiv_author(author: Element) -> str:
    """`<keyname>Smith</keyname><forenames>John</forenames><suffix>Jr</suffix>` as one name."""
    parts = (
        xmlutil.text(author, ARXIV_FORMAT + "forenames"),
        xmlutil.text(author, ARXIV_FORMAT + "keyname"),
        xmlutil.text(author, ARXIV_FORMAT + "suffix"),
    )
    return detex(" ".join(part for part in parts if part))


def _dc_paper(dc: Element, paper_id: str, title: str) -> Paper:
    """Dublin Core: creators "Last, First", subjects by name (not category codes), the
    abstract first among the descriptions, and dates of v1 and the latest version."""
    descriptions = xmlutil.texts(dc, DC + "description")
    abstract = next((d for d in descriptions if not d.startswith("Comment:")), "")
    comments = next((d for d in descriptions if d.startswith("Comment:")), "")
    dates = sorted(filter(None, (iso_utc(d) for d in xmlutil.texts(dc, DC + "date"))))
    identifiers = xmlutil.texts(dc, DC + "identifier")
    doi = next((i.removeprefix("doi:") for i in identifiers if i.startswith("doi:")), "")
    return Paper(
        id=paper_id,
        title=title,
        abstract=abstract,
        authors=tuple(_dc_creator(c) for c in xmlutil.texts(dc, DC + "creator")),
        published=dates[0] if dates else None,
        updated=dates[-1] if dates else None,
        sources=(FORMAT,),
        extras=extras(
            comments=comments.removeprefix("Comment:"),
            doi=doi,
            subjects=list(unique(xmlutil.texts(dc, DC + "subject"))),
            withdrawn=withdrawn(abstract, comments),
        ),
    )


def _dc_creator(creator: str) -> str:
    last, comma, first = creator.partition(",")
    return detex(clean_text(f"{first} {last}" if comma else last))


def _dc_ids(dc: Element, identifier: str) -> list[str]:
    """The arXiv id is in a `dc:identifier` link (`http://arxiv.org/abs/0704.0001`)."""
    links = [i for i in xmlutil.texts(dc, DC + "identifier") if "arxiv.org/abs/" in i]
    return [link.rsplit("/abs/", 1)[1] for link in links] + [identifier]


@dataclass(frozen=True)
class _Reader:
    """How to read one metadata format: where its id and title are, and the paper."""

    ids: Callable[[Element, str], list[str]]
    title: str
    paper: Callable[[Element, str, str], Paper]


_READERS = {
    RAW: _Reader(lambda b, i: [xmlutil.text(b, RAW + "id"), i], RAW + "title", _raw_paper),
    ARXIV_FORMAT: _Reader(
        lambda b, i: [xmlutil.text(b, ARXIV_FORMAT + "id"), i],
        ARXIV_FORMAT + "title",
        _arxiv_paper,
    ),
    OAI_DC: _Reader(_dc_ids, DC + "title", _dc_paper),
}


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text else None
    except ValueError:
        return None


def request_params(
    *,
    from_date: date | None = None,
    until_date: date | None = None,
    set_spec: str | None = None,
    token: str | None = None,
) -> dict[str, str]:
    """ListRecords arguments: with a resumption token, the token alone (OAI-PMH requires it)."""
    if token:
        return {"verb": "ListRecords", "resumptionToken": token}
    params = {"verb": "ListRecords", "metadataPrefix": "arXivRaw"}
    if from_date:
        params["from"] = from_date.isoformat()
    if until_date:
        params["until"] = until_date.isoformat()
    if set_spec:
        params["set"] = set_spec
    return params


def fetch(
    client: Fetcher,
    *,
    from_date: date | None = None,
    set_spec: str | None = None,
    token: str | None = None,
    base_url: str = OAI_URL,
) -> bytes:
    """One ListRecords page: the first (by date and set) or the one a token continues to."""
    return client.get(base_url, request_params(from_date=from_date, set_spec=set_spec, token=token))


def harvest(
    client: Fetcher,
    *,
    from_date: date | None = None,
    set_spec: str | None = None,
    base_url: str = OAI_URL,
) -> Iterator[Parsed]:
    """Every page of a listing, following resumption tokens until the server gives none."""
    token: str | None = None
    while True:
        params = request_params(from_date=from_date, set_spec=set_spec, token=token)
        page = parse(client.get(base_url, params), f"{base_url}?{urlencode(params)}")
        yield page
        # A token that comes back unchanged would loop forever: treat it as the end.
        if not page.cursor or page.cursor == token:
            return
        token = page.cursor
