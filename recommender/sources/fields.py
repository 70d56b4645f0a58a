"""Field parsers the feed formats share: author lists, dates, version histories, extras."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from pylatexenc.latex2text import LatexNodes2Text

from recommender.ids import clean_text
from recommender.models import Paper, Rejection

# Name parts that follow a comma but belong to the name before it ("John Smith, Jr.").
_SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"}
_PARENTHESIS = re.compile(r"\([^()]*\)")
_SEPARATOR = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+")

# Only text with one of these holds TeX that changes (math is kept as written); the rest
# skips the TeX reader, which takes about a millisecond a title.
TEX_MAX = 10_000
_TEX_MARKS = re.compile(r"[\\{}]")
# A `%` starts a TeX comment, but in a title it is a per cent sign ("a 50% speed-up").
_PERCENT = re.compile(r"(?<!\\)%")
# Math stays as written (`$e^+e^-\\to K^+K^-$`): half-converted math reads worse than TeX.
_TEX = LatexNodes2Text(math_mode="verbatim", strict_latex_spaces=True)
# "LHCb collaboration: R. Aaij, ...": the collaboration, then its first person.
_COLLABORATION = re.compile(r"(?P<group>[^:]*\bcollaborations?)\s*:\s*(?P<rest>.+)", re.I)


def split_authors(text: str) -> tuple[str, ...]:
    """Split arXiv's one-string author list ("A, B, and C (MIT)") into names.

    Parenthesised affiliations are dropped, commas and " and " separate names, a suffix
    such as "Jr." stays with the name before it, TeX accents become letters, and a
    collaboration that heads the list ("LHCb collaboration: R. Aaij, ...") is a name of
    its own, before its first person.
    """
    text = clean_text(text)
    while _PARENTHESIS.search(text):  # innermost first: "A (1), B (2) ((1) MIT, (2) CMU)"
        text = _PARENTHESIS.sub(" ", text)
    names: list[str] = []
    for part in _parts(text):
        name = clean_text(detex(part))
        if not name:
            continue
        if name.casefold() in _SUFFIXES and names:
            names[-1] = f"{names[-1]} {name}"
        else:
            names.append(name)
    return tuple(names)


def _parts(text: str) -> list[str]:
    """The comma- and "and"-separated parts, with a leading "X collaboration:" its own."""
    parts = _SEPARATOR.split(text)
    grouped = _COLLABORATION.fullmatch(parts[0]) if parts else None
    if grouped:
        parts[:1] = [grouped["group"], grouped["rest"]]
    return parts


def detex(text: str) -> str:
    """`text` with its TeX (accents, special letters, `\\emph{}`) as Unicode, math kept:
    for names and titles, which arXiv keeps in TeX. Uses pylatexenc, which knows the whole
    set of TeX accents and letters (`Gu{\\dh}mundur` is Guðmundur)."""
    if len(text) > TEX_MAX or not _TEX_MARKS.search(text):
        return text  # over TEX_MAX it is no title nor name: `limits` rejects it, unread
    return unicodedata.normalize("NFC", _TEX.latex_to_text(_PERCENT.sub(r"\\%", text)))


def rfc2822_utc(text: str) -> datetime | None:
    """A date like `Tue, 3 Apr 2007 22:04:11 GMT` as aware UTC, or None if unreadable."""
    try:
        moment = parsedate_to_datetime(re.sub(r"\s*\(.*\)\s*$", "", text.strip()))
    except (TypeError, ValueError, IndexError):
        return None
    return _utc(moment)


def iso_utc(text: str) -> datetime | None:
    """An ISO 8601 date or time (`2021-04-20T16:07:14Z`, `2008-11-13`) as aware UTC, or None."""
    try:
        return _utc(datetime.fromisoformat(text.strip()))
    except ValueError:
        return None


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def version_history(
    versions: Iterable[tuple[str, str]],
) -> tuple[int | None, datetime | None, datetime | None]:
    """(latest version, date of v1, date of latest) from `("v2", "Tue, 2 Apr ...")` pairs."""
    dated = sorted(
        (
            (int(label.strip().lstrip("vV")), rfc2822_utc(date))
            for label, date in versions
            if re.fullmatch(r"[vV]?\d+", label.strip())
        ),
        key=lambda pair: pair[0],  # a repeated version may have an unreadable (None) date
    )
    if not dated:
        return None, None, None
    return dated[-1][0], dated[0][1], dated[-1][1]


def extras(**fields: Any) -> dict[str, Any]:
    """The fields that have a value; strings are white-space collapsed, lists become tuples."""
    result: dict[str, Any] = {}
    for key, value in fields.items():
        if isinstance(value, str):
            value = clean_text(value)
        elif isinstance(value, list):
            value = tuple(value)
        if value not in (None, "", ()):
            result[key] = value
    return result


# arXiv's wording for a withdrawn version, in its abstract or comments: "This paper has been
# withdrawn by the author ...", the admin note "This submission has been withdrawn by arXiv
# administrators ...", or an abstract that is just "Withdrawn.".
_WITHDRAWAL = re.compile(
    r"\b(?:paper|article|submission|manuscript|version|preprint|work)\s+"
    r"(?:has\s+been|had\s+been|is|was)\s+withdrawn\b|\A\W*(?:paper\s+)?withdrawn\b",
    re.IGNORECASE,
)
# Where the wording is looked for: it opens the text; a withdrawn paper's abstract is short.
_WITHDRAWAL_HEAD = 300


def withdrawn(*texts: str | None) -> bool | None:
    """True when an abstract or comment says the paper was withdrawn, else None (which
    `extras` leaves out): the mark `Paper.withdrawn` reads."""
    found = any(_WITHDRAWAL.search(clean_text(text or "")[:_WITHDRAWAL_HEAD]) for text in texts)
    return True if found else None


def withdrawn_source(source_type: str) -> bool | None:
    """True for arXiv's source-type flag `I` (a version withdrawn: `(0kb,I)` in an `.abs`,
    `<source_type>I</source_type>` in arXivRaw), else None."""
    return True if "I" in source_type.upper() else None


def unique(items: Iterable[str]) -> tuple[str, ...]:
    """The non-empty items in first-seen order, without repeats."""
    return tuple(dict.fromkeys(item for item in items if item))


def checked(make: Callable[[], Paper | Rejection], origin: str, entry: str) -> Paper | Rejection:
    """`make()`, or a Rejection naming `entry` when the entry holds a value of a type its
    format never has (a number for a title, an object for a name): one odd entry is
    rejected on its own instead of failing the whole feed."""
    try:
        return make()
    except (TypeError, AttributeError, ValueError) as error:
        return Rejection(origin, entry, f"a field of an unexpected type ({error})")


def sort_out(
    results: Iterable[Paper | Rejection],
) -> tuple[tuple[Paper, ...], tuple[Rejection, ...]]:
    """Split per-entry results into the papers and the rejections."""
    papers: list[Paper] = []
    rejected: list[Rejection] = []
    for result in results:
        (papers if isinstance(result, Paper) else rejected).append(result)
    return tuple(papers), tuple(rejected)
