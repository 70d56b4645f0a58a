"""arXiv's OAI-PMH interface with the arXivRaw metadata format: bulk harvesting by date.

arXivRaw lists every version with its date, so a record gives both the first submission
(`published`) and the latest revision (`updated`). A listing continues through resumption
tokens. OAI errors come as `<error code="...">`: noRecordsMatch is an empty result, the
others raise FeedError. See https://info.arxiv.org/help/oa/index.html.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from urllib.parse import urlencode
from xml.etree.ElementTree import Element

from recommender.errors import FeedError, InvalidArxivId
from recommender.http import Fetcher
from recommender.ids import clean_text, parse_arxiv_id
from recommender.models import Paper, Parsed, Rejection
from recommender.sources import xmlutil
from recommender.sources.fields import extras, sort_out, split_authors, version_history

FORMAT = "oai-pmh"
OAI_URL = "https://oaipmh.arxiv.org/oai"

OAI = "{http://www.openarchives.org/OAI/2.0/}"
RAW = "{http://arxiv.org/OAI/arXivRaw/}"


def sniff(data: bytes) -> bool:
    """An OAI-PMH response (records or an OAI error)."""
    head = xmlutil.head(data)
    return "<OAI-PMH" in head and OAI[1:-1] in head


def parse(data: bytes, origin: str) -> Parsed:
    """The records of one ListRecords or GetRecord response, and the token to continue with."""
    tags = {OAI + "record", OAI + "resumptionToken", OAI + "error"}
    elements, broken = xmlutil.collect(data, origin, tags)
    _raise_errors([e for e in elements if e.tag == OAI + "error"], origin)
    records = [e for e in elements if e.tag == OAI + "record"]
    papers, rejected = sort_out(_record(record, origin) for record in records)
    if broken:
        rejected += (broken,)
    cursor, total = _resumption([e for e in elements if e.tag == OAI + "resumptionToken"])
    return Parsed(papers=papers, rejected=rejected, cursor=cursor, total=total)


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
        if code != "noRecordsMatch":
            raise FeedError(origin, f"OAI-PMH error {code}: {clean_text(error.text or '')}")


def _record(record: Element, origin: str) -> Paper | Rejection:
    header = record.find(OAI + "header")
    identifier = xmlutil.text(header, OAI + "identifier") or "record"
    if header is not None and header.get("status") == "deleted":
        return Rejection(origin, identifier, "record deleted")
    raw = record.find(f"{OAI}metadata/{RAW}arXivRaw")
    if raw is None:
        return Rejection(
            origin, identifier, "no arXivRaw metadata (harvest with metadataPrefix=arXivRaw)"
        )
    try:
        paper_id, _ = parse_arxiv_id(xmlutil.text(raw, RAW + "id") or identifier)
    except InvalidArxivId:
        return Rejection(origin, identifier, "no arXiv id")
    title = xmlutil.text(raw, RAW + "title")
    if not title:
        return Rejection(origin, paper_id, "no title")
    return _paper(raw, paper_id, title)


def _paper(raw: Element, paper_id: str, title: str) -> Paper:
    history = [
        (v.get("version", ""), v.findtext(RAW + "date") or "") for v in raw.findall(RAW + "version")
    ]
    version, published, updated = version_history(history)
    return Paper(
        id=paper_id,
        title=title,
        abstract=xmlutil.text(raw, RAW + "abstract"),
        authors=split_authors(xmlutil.text(raw, RAW + "authors")),
        categories=tuple(xmlutil.text(raw, RAW + "categories").split()),
        version=version,
        published=published,
        updated=updated,
        sources=(FORMAT,),
        extras=extras(
            comments=xmlutil.text(raw, RAW + "comments"),
            journal_ref=xmlutil.text(raw, RAW + "journal-ref"),
            doi=xmlutil.text(raw, RAW + "doi"),
        ),
    )


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text else None
    except ValueError:
        return None


def request_params(
    *, from_date: date | None = None, set_spec: str | None = None, token: str | None = None
) -> dict[str, str]:
    """ListRecords arguments: with a resumption token, the token alone (OAI-PMH requires it)."""
    if token:
        return {"verb": "ListRecords", "resumptionToken": token}
    params = {"verb": "ListRecords", "metadataPrefix": "arXivRaw"}
    if from_date:
        params["from"] = from_date.isoformat()
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
