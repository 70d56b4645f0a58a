"""arXiv identifiers, DOIs and normalized titles: the keys papers are found by."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlencode

from recommender.errors import InvalidArxivId

TITLE_ID_PREFIX = "title:"

# New style since 2007-04: YYMM.NNNN (to 1412) or YYMM.NNNNN (from 1501), optional vN;
# `_check_new_style` holds an id that matches to those dates.
_NEW = re.compile(r"(?P<id>\d{4}\.\d{4,5})(?:v(?P<v>\d+))?")
# Old style: archive(.SUBJECT-CLASS)?/YYMMNNN, optional vN. The subject class is not part
# of the identifier (math.GT/0309136 is math/0309136).
_OLD = re.compile(r"(?P<archive>[a-z][a-z\-]*)(?:\.[A-Za-z\-]{2,})?/(?P<num>\d{7})(?:v(?P<v>\d+))?")
# The pages that carry an arXiv id in their path: arXiv's own (abstract, PDF, HTML), and the
# paper pages of alphaXiv and Hugging Face, which are keyed by the arXiv id.
_PAPER_PAGES = (
    r"(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/"
    r"|(?:www\.)?alphaxiv\.org/(?:abs|overview|pdf)/"
    r"|(?:www\.)?huggingface\.co/papers/"
)
_URL = re.compile(rf"^https?://(?:{_PAPER_PAGES})", re.IGNORECASE)
_PREFIX = re.compile(r"^(?:arxiv:|oai:arxiv\.org:)", re.IGNORECASE)


def parse_arxiv_id(text: str) -> tuple[str, int | None]:
    """Split an arXiv id, `arXiv:` reference or paper page URL (arxiv.org's abs, pdf and
    html pages, alphaxiv.org's and huggingface.co/papers pages) into (canonical id, version
    or None)."""
    raw = text.strip()
    if _URL.match(raw):
        # A link may end in a query or an anchor (`?context=cs`, `#S2`): not part of the id.
        raw = re.split(r"[?#]", _URL.sub("", raw), maxsplit=1)[0]
    raw = _PREFIX.sub("", raw).removesuffix(".pdf").rstrip("/")
    match = _NEW.fullmatch(raw)
    if match:
        _check_new_style(match["id"], text)
        return match["id"], int(match["v"]) if match["v"] else None
    match = _OLD.fullmatch(raw)
    if match:
        return f"{match['archive']}/{match['num']}", int(match["v"]) if match["v"] else None
    raise InvalidArxivId(f"not an arXiv id: {text!r}")


def linked_arxiv_id(url: str) -> str | None:
    """The canonical arXiv id of a paper page link (see `parse_arxiv_id`), None for any
    other link."""
    if not _URL.match(url.strip()):
        return None
    try:
        return parse_arxiv_id(url)[0]
    except InvalidArxivId:
        return None


def _check_new_style(paper_id: str, text: str) -> None:
    """A YYMM.NNNN(N) id must name a month of the scheme's life with its number of digits."""
    yymm, number = paper_id.split(".")
    year, month = int(yymm[:2]), int(yymm[2:])
    if not 1 <= month <= 12:
        raise InvalidArxivId(f"not an arXiv id: {text!r} (month {month:02d} does not exist)")
    if int(yymm) < 704:
        raise InvalidArxivId(f"not an arXiv id: {text!r} (YYMM.NNNN ids began in 2007-04)")
    digits = 5 if year >= 15 else 4
    if len(number) != digits:
        raise InvalidArxivId(
            f"not an arXiv id: {text!r} (ids of 20{year:02d} have {digits}-digit numbers)"
        )


def canonical_arxiv_id(text: str) -> str:
    """The arXiv id without version, e.g. `2507.07186` for `arXiv:2507.07186v2`."""
    return parse_arxiv_id(text)[0]


# An arXiv id as it appears after a paper page or `arXiv:` in free text (checked by parsing).
_REFERENCE = re.compile(
    rf"(?:(?<![\w.])(?:{_PAPER_PAGES})|arxiv:\s*)"
    r"((?:\d{4}\.\d{4,5}|[a-z][a-z\-]*(?:\.[A-Za-z\-]{2,})?/\d{7})(?:v\d+)?\d*)",
    re.IGNORECASE,
)


def find_arxiv_id(text: str) -> tuple[str, int | None] | None:
    """The first arXiv paper page link or `arXiv:` reference in free text, if any (None also
    when what looks like one cannot be an id)."""
    match = _REFERENCE.search(text)
    if match is None:
        return None
    try:
        return parse_arxiv_id(match.group(1))
    except InvalidArxivId:  # looks like one, but no such id can exist (a typo in a link)
        return None


@dataclass(frozen=True)
class References:
    """The arXiv ids a text refers to (canonical, each once, in order), and the references
    in it that look like one but cannot be an id (a typo in a link), as written."""

    ids: tuple[str, ...] = ()
    malformed: tuple[str, ...] = ()


def find_arxiv_ids(text: str) -> References:
    """Every paper page link and `arXiv:` reference in free text (a Slack message)."""
    ids: list[str] = []
    malformed: list[str] = []
    for match in _REFERENCE.finditer(text):
        try:
            paper_id = parse_arxiv_id(match.group(1))[0]
        except InvalidArxivId:
            malformed.append(match.group(1))
            continue
        if paper_id not in ids:
            ids.append(paper_id)
    return References(tuple(ids), tuple(malformed))


# Crossref's pattern for modern DOIs: 10.NNNN(.NNNN)/suffix.
_DOI = re.compile(r"10\.\d{4,9}(?:\.\d+)*/\S+")
_DOI_PREFIX = re.compile(r"^(?:doi:\s*|https?://(?:dx\.)?doi\.org/)", re.IGNORECASE)


def find_doi(text: str) -> str | None:
    """A DOI in `text` (bare, `doi:`, or a doi.org link), without trailing punctuation."""
    match = _DOI.search(_DOI_PREFIX.sub("", text.strip()))
    return match[0].rstrip(".,;") if match else None


def normalize_title(title: str) -> str:
    """Casefolded letters and digits separated by single spaces: the key for title matching."""
    text = unicodedata.normalize("NFKC", title).casefold()
    text = re.sub(r"\$[^$]*\$", lambda m: re.sub(r"[\\{}^_]", " ", m.group(0)), text)
    return " ".join(re.findall(r"[^\W_]+", text))


def title_id(title: str) -> str:
    """A stable id for a paper with no arXiv id, derived from its normalized title."""
    digest = hashlib.sha1(normalize_title(title).encode("utf-8")).hexdigest()[:16]
    return TITLE_ID_PREFIX + digest


def is_title_id(paper_id: str) -> bool:
    return paper_id.startswith(TITLE_ID_PREFIX)


def is_arxiv_id(paper_id: str) -> bool:
    """Whether a canonical paper id is an arXiv id (others carry a `prefix:`)."""
    return ":" not in paper_id


def abs_link(paper_id: str) -> str:
    """The abstract page of an arXiv paper (latest version)."""
    return f"https://arxiv.org/abs/{paper_id}"


def title_search_link(title: str) -> str:
    """arXiv's search for papers with exactly this title: where a paper known only by its
    title is most likely to be found."""
    query = urlencode({"query": f'"{clean_text(title)}"', "searchtype": "title"})
    return f"https://arxiv.org/search/?{query}"


def clean_text(text: str) -> str:
    """Collapse runs of white space (feeds wrap titles and abstracts at fixed widths)."""
    return " ".join(text.split())
