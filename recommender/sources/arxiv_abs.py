"""arXiv's own `.abs` metadata files: one paper per file.

Layout: a rule of dashes, a `\\\\` line, header lines (`arXiv:`, `From:`, `Date:` and
`Date (revised vN):` per version, `Title:`, `Authors:`, `Categories:`, optional `Comments:`,
`Journal-ref:`, `DOI:` ...) with indented continuation lines, a `\\\\` line, the abstract,
and a closing `\\\\` line. Abstracts may contain `\\\\` lines of their own (TeX line breaks),
so the abstract runs from the second marker to the last. Older files are Latin-1, not
UTF-8: the encoding is detected (`textutil.decode_any`).
"""

from __future__ import annotations

import re

from recommender.errors import InvalidArxivId
from recommender.ids import clean_text, parse_arxiv_id
from recommender.models import Paper, Parsed, Rejection
from recommender.sources.fields import (
    detex,
    extras,
    split_authors,
    version_history,
    withdrawn,
    withdrawn_source,
)
from recommender.sources.textutil import decode_any

FORMAT = "arxiv-abs"

_MARKER = "\\\\"
_SNIFF = re.compile(rb"\A\s*(?:-{5,}\s*)?\\\\[ \t]*\r?\narXiv:\S")
_FIELD = re.compile(r"(?P<key>[A-Za-z][\w\- ()]*?):\s*(?P<value>.*)")
_REVISED = re.compile(r"Date \(revised (?P<version>v\d+)\)")
# The size and source-type flags that end a version's date: `(31kb)`, `(0kb,I)`.
_SIZE = re.compile(r"\((?P<kb>\d+)kb(?:,(?P<flags>\w*))?\)\s*$")


def sniff(data: bytes) -> bool:
    """A `\\\\` line then an `arXiv:` line at the top of the file (after the rule of dashes)."""
    return bool(_SNIFF.match(data[:1024]))


def parse(data: bytes, origin: str) -> Parsed:
    """The one paper an .abs file describes, or a rejection saying what is missing."""
    lines = decode_any(data).splitlines()
    markers = [number for number, line in enumerate(lines) if line.strip() == _MARKER]
    if len(markers) < 3:
        where = f"line {len(lines)}"
        return _rejected(
            origin, where, "file ends before the closing \\\\ of the abstract (truncated?)"
        )
    header = _header(lines[markers[0] + 1 : markers[1]])
    abstract = clean_text(" ".join(lines[markers[1] + 1 : markers[-1]]))
    result = _paper(header, abstract, origin)
    if isinstance(result, Rejection):
        return Parsed(rejected=(result,))
    return Parsed(papers=(result,))


def _rejected(origin: str, entry: str, reason: str) -> Parsed:
    return Parsed(rejected=(Rejection(origin, entry, reason),))


def _header(lines: list[str]) -> list[tuple[str, str]]:
    """(key, value) pairs in file order; indented lines continue the value above them."""
    fields: list[tuple[str, str]] = []
    for line in lines:
        if not line.strip():
            continue
        if line[0].isspace() and fields:
            key, value = fields[-1]
            fields[-1] = (key, f"{value} {line.strip()}")
            continue
        match = _FIELD.fullmatch(line.strip())
        if match:
            fields.append((match["key"], match["value"]))
    return fields


def _paper(header: list[tuple[str, str]], abstract: str, origin: str) -> Paper | Rejection:
    fields = {key: clean_text(value) for key, value in reversed(header)}  # first one wins
    try:
        paper_id, _ = parse_arxiv_id(fields.get("arXiv", ""))
    except InvalidArxivId:
        return Rejection(origin, "header", f"no arXiv id (arXiv: {fields.get('arXiv', '')!r})")
    if not fields.get("Title"):
        return Rejection(origin, paper_id, "no title")
    versions = _versions(header)
    version, published, updated = version_history(versions)
    return Paper(
        id=paper_id,
        title=clean_text(detex(fields["Title"])),
        abstract=abstract,
        authors=split_authors(fields.get("Authors", "")),
        categories=tuple(fields.get("Categories", "").split()),
        version=version,
        published=published,
        updated=updated,
        sources=(FORMAT,),
        extras=extras(
            comments=fields.get("Comments"),
            journal_ref=fields.get("Journal-ref"),
            doi=fields.get("DOI"),
            withdrawn=_latest_withdrawn(versions) or withdrawn(abstract, fields.get("Comments")),
        ),
    )


def _latest_withdrawn(versions: list[tuple[str, str]]) -> bool | None:
    """Whether the latest version's flags mark it withdrawn (`(0kb,I)`)."""
    numbered = [(int(label[1:]), date) for label, date in versions]
    if not numbered:
        return None
    size = _SIZE.search(max(numbered)[1])
    return withdrawn_source(size["flags"] or "") if size else None


def _versions(header: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """`Date:` is v1; `Date (revised vN):` is vN. Dates end in the size: `(31kb)`."""
    versions = []
    for key, value in header:
        revised = _REVISED.fullmatch(key)
        if key == "Date" or revised:
            versions.append((revised["version"] if revised else "v1", value))
    return versions
