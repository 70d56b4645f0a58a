"""A BEIR corpus (corpus.jsonl): one `{"_id", "title", "text"}` object a line.

BEIR documents carry their own ids, not arXiv's: a paper's id is `beir:` and the document's
`_id` (see `models.Paper`), and the bare `_id` is also kept in `extras["beir_id"]`, which is
what relevance judgments (qrels) name. Ids derived from titles would not do: CACM has 241
documents whose title another document already has, and they would collapse into one.
Titles may be empty (passage corpora); CACM adds `authors` as `"Last, First"` names.
Corpora saved by other tools come as one JSON array of documents, or with several objects
on a line: both are read. A field of the wrong type (a number for a title, a list for the
text) rejects its document, saying which field.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from recommender.ids import clean_text
from recommender.models import Paper, Parsed, Rejection
from recommender.sources.fields import sort_out
from recommender.sources.jsonutil import (
    first_array_item,
    first_line_object,
    json_array,
    json_lines,
    wrong_type,
)

FORMAT = "beir-corpus"
ID_PREFIX = "beir:"
_TYPES: dict[str, type | tuple[type, ...]] = {"_id": str, "title": str, "text": str}
_TYPES["authors"] = list


def sniff(data: bytes) -> bool:
    """JSON lines, or a JSON array, whose first object has BEIR's `_id` and `text`."""
    first = first_line_object(data)
    if first is None:
        first = first_array_item(data)
    return isinstance(first, dict) and {"_id", "text"} <= first.keys()


def parse(data: bytes, origin: str) -> Parsed:
    """Every document of the corpus; bad lines (or items) become rejections."""
    documents = _array(data, origin) if data.lstrip()[:1] == b"[" else json_lines(data, origin)
    results = (
        document if isinstance(document, Rejection) else _paper(document, origin, entry)
        for entry, document in documents
    )
    papers, rejected = sort_out(results)
    return Parsed(papers=papers, rejected=rejected)


def _array(data: bytes, origin: str) -> Iterator[tuple[str, dict[str, Any] | Rejection]]:
    """`("item N", document)` for each item of a one-array corpus, up to where the array
    breaks off or holds a byte that is not UTF-8; then a Rejection naming that place."""
    text, bad_byte = _utf8_prefix(data)
    try:
        for number, item in enumerate(json_array(text), start=1):
            entry = f"item {number}"
            if not isinstance(item, dict):
                yield entry, Rejection(origin, entry, "not a JSON object")
            else:
                yield entry, item
    except (json.JSONDecodeError, RecursionError) as error:
        if bad_byte is None:
            where = _position(text, getattr(error, "pos", len(text)))
            message = getattr(error, "msg", str(error))
            yield where, Rejection(origin, where, f"JSON array broken off or malformed: {message}")
    if bad_byte is not None:
        where = _position(text, len(text))
        yield where, Rejection(origin, where, f"a byte that is not UTF-8 ({bad_byte})")


def _utf8_prefix(data: bytes) -> tuple[str, str | None]:
    """The text up to the first byte that is not UTF-8, and that byte (None if none)."""
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as error:
        return data[: error.start].decode("utf-8"), repr(data[error.start : error.start + 1])


def _position(text: str, pos: int) -> str:
    line = text.count("\n", 0, pos) + 1
    return f"line {line}, column {pos - text.rfind(chr(10), 0, pos)}"


def _paper(record: dict[str, Any], origin: str, entry: str) -> Paper | Rejection:
    problem = wrong_type(record, _TYPES)
    if problem:
        return Rejection(origin, entry, problem)
    beir_id = clean_text(record.get("_id") or "")
    if not beir_id:
        return Rejection(origin, entry, "no _id")
    title = clean_text(record.get("title") or "")
    text = clean_text(record.get("text") or "")
    if not title and not text:
        return Rejection(origin, f"{entry} (_id {beir_id})", "no title and no text")
    return Paper(
        id=ID_PREFIX + beir_id,
        title=title,
        abstract=text,
        authors=_authors(record.get("authors")),
        sources=(FORMAT,),
        extras={"beir_id": beir_id},
    )


def _authors(authors: Any) -> tuple[str, ...]:
    """CACM's `["Perlis, A. J.", "Samelson,K."]` as `("A. J. Perlis", "K. Samelson")`."""
    if not isinstance(authors, list):
        return ()
    names = []
    for author in authors:
        last, comma, first = str(author).partition(",")
        names.append(clean_text(f"{first} {last}" if comma else last))
    return tuple(name for name in names if name)
