"""A BEIR corpus (corpus.jsonl): one `{"_id", "title", "text"}` object a line.

BEIR documents carry their own ids, not arXiv's: a paper's id is `beir:` and the document's
`_id` (see `models.Paper`), and the bare `_id` is also kept in `extras["beir_id"]`, which is
what relevance judgments (qrels) name. Ids derived from titles would not do: CACM has 241
documents whose title another document already has, and they would collapse into one.
Titles may be empty (passage corpora); CACM adds `authors` as `"Last, First"` names.
"""

from __future__ import annotations

from typing import Any

from recommender.ids import clean_text
from recommender.models import Paper, Parsed, Rejection
from recommender.sources.fields import sort_out
from recommender.sources.jsonutil import first_line_object, json_lines

FORMAT = "beir-corpus"
ID_PREFIX = "beir:"


def sniff(data: bytes) -> bool:
    """JSON lines whose first object has BEIR's `_id` and `text`."""
    first = first_line_object(data)
    return first is not None and {"_id", "text"} <= first.keys()


def parse(data: bytes, origin: str) -> Parsed:
    """Every document of the corpus; bad lines become rejections."""
    results = (
        line if isinstance(line, Rejection) else _paper(line, origin, entry)
        for entry, line in json_lines(data, origin)
    )
    papers, rejected = sort_out(results)
    return Parsed(papers=papers, rejected=rejected)


def _paper(record: dict[str, Any], origin: str, entry: str) -> Paper | Rejection:
    beir_id = clean_text(str(record.get("_id") or ""))
    if not beir_id:
        return Rejection(origin, entry, "no _id")
    title = clean_text(str(record.get("title") or ""))
    text = clean_text(str(record.get("text") or ""))
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
