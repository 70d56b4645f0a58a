"""Field parsers the feed formats share: author lists, dates, version histories, extras."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from recommender.ids import clean_text
from recommender.models import Paper, Rejection

# Name parts that follow a comma but belong to the name before it ("John Smith, Jr.").
_SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"}
_PARENTHESIS = re.compile(r"\([^()]*\)")
_SEPARATOR = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+")

# TeX accents as combining characters: \'e, \"{o}, \v{s}, {\c c} ...
_ACCENTS = {
    "'": "\u0301", '"': "\u0308", "`": "\u0300", "^": "\u0302", "~": "\u0303", "=": "\u0304",
    ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328",
    "r": "\u030a",
}  # fmt: skip
_SYMBOL_ACCENT = re.compile(r"""\\([`'"^~=.])\s*\{?\s*\\?([A-Za-z])\}?""")
_LETTER_ACCENT = re.compile(r"\\([uvHckr])(?:\s*\{\s*\\?([A-Za-z])\}|\s+([A-Za-z]))")
_LETTERS = {
    "ss": "ß", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "aa": "å", "AA": "Å",
    "o": "ø", "O": "Ø", "l": "ł", "L": "Ł", "i": "ı",
}  # fmt: skip
_LETTER = re.compile(r"\\(ss|ae|AE|oe|OE|aa|AA|[oOlLi])(?![A-Za-z])\s?")


def split_authors(text: str) -> tuple[str, ...]:
    """Split arXiv's one-string author list ("A, B, and C (MIT)") into names.

    Parenthesised affiliations are dropped, commas and " and " separate names, a suffix
    such as "Jr." stays with the name before it, and TeX accents become letters.
    """
    text = clean_text(text)
    while _PARENTHESIS.search(text):  # innermost first: "A (1), B (2) ((1) MIT, (2) CMU)"
        text = _PARENTHESIS.sub(" ", text)
    names: list[str] = []
    for part in _SEPARATOR.split(text):
        name = clean_text(detex(part))
        if not name:
            continue
        if name.casefold() in _SUFFIXES and names:
            names[-1] = f"{names[-1]} {name}"
        else:
            names.append(name)
    return tuple(names)


def detex(text: str) -> str:
    """Turn the TeX accents and special letters common in author names into Unicode."""
    text = _SYMBOL_ACCENT.sub(lambda m: m[2] + _ACCENTS[m[1]], text)
    text = _LETTER_ACCENT.sub(lambda m: (m[2] or m[3]) + _ACCENTS[m[1]], text)
    text = _LETTER.sub(lambda m: _LETTERS[m[1]], text)
    text = text.replace("{", "").replace("}", "")
    return unicodedata.normalize("NFC", text)


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
