"""Markdown daily arXiv digest with a Chinese TL;DR (seed `000`).

Papers are grouped under a category heading (`# cs.CL [[Back]](#toc)`); each paper is

    ### [1] [Title](https://arxiv.org/abs/2507.07186)
    *First Author,Second Author*
    Main category: cs.CL
    TL;DR: <one line in Chinese>
    <details>
    Motivation: / Method: / Result: / Conclusion: <Chinese, one line each>
    Abstract: <the English abstract, wrapped>
    </details>

Extras: `tldr_zh` is the TL;DR line; `summary_zh` is a dict with the keys `motivation`,
`method`, `result` and `conclusion` (those present) holding the Chinese summary.
"""

from __future__ import annotations

import re

from recommender.models import Paper, Parsed, Rejection
from recommender.sources.fields import extras, sort_out, split_authors, unique
from recommender.sources.markdown import Section, link, plain, sections
from recommender.sources.textutil import decode, head, page_url, paper_key, snippet

FORMAT = "digest-tldr"

_SNIFF = re.compile(r"^###\s+\[\d+\]\s+\[.+\]\(https?://arxiv\.org/abs/", re.MULTILINE)
_HEADING = re.compile(r"#{1,3}(?=\s|$)")
_GROUP = re.compile(r"#\s+(?P<category>[a-z][a-z-]*(?:\.[A-Za-z-]+)?)\b")
_PAPER = re.compile(r"###\s*(?:\[\d+\]\s*)?(?P<rest>.*)")
_AUTHORS = re.compile(r"\*(?P<names>[^*].*?)\*")
_FIELD = re.compile(
    r"(?P<label>Main category|TL;DR|Motivation|Method|Result|Conclusion|Abstract):\s*(?P<text>.*)"
)
_DETAILS_OPEN = re.compile(r"<details\b", re.IGNORECASE)
_DETAILS_CLOSE = re.compile(r"</details>", re.IGNORECASE)
_BLOCK_TAG = re.compile(r"</?(?:details|summary|div)\b.*>", re.IGNORECASE)
_SUMMARY_KEYS = {
    "Motivation": "motivation",
    "Method": "method",
    "Result": "result",
    "Conclusion": "conclusion",
}


def sniff(data: bytes) -> bool:
    """Whether `data` is this digest: `### [n] [Title](https://arxiv.org/abs/...)` headings."""
    return bool(_SNIFF.search(head(data)))


def parse(data: bytes, origin: str) -> Parsed:
    """The papers of a TL;DR digest, each with the category of the group it is listed under."""
    results: list[Paper | Rejection] = []
    group: str | None = None
    for section in sections(decode(data), _HEADING):
        group_match = _GROUP.match(section.heading)
        if group_match:
            group = group_match["category"]
        elif section.heading.startswith("###"):
            results.append(_paper(section, group, origin))
    papers, rejected = sort_out(results)
    return Parsed(papers=papers, rejected=rejected)


def _paper(section: Section, group: str | None, origin: str) -> Paper | Rejection:
    heading = _PAPER.match(section.heading)
    title, url = link(heading["rest"] if heading else "")
    title = plain(title)
    fields = _fields(section.lines)
    abstract = fields.get("Abstract", "")
    where = f"line {section.lineno}"
    if not title:
        return Rejection(origin, where, "paper heading has no title")
    if _truncated(section.lines):
        return Rejection(
            origin, where, f"details block never closed (truncated?): {snippet(title)}"
        )
    if not abstract:
        return Rejection(origin, where, f"no abstract for {snippet(title)}")
    paper_id, version = paper_key(title, url)
    main = fields.get("Main category")
    return Paper(
        id=paper_id,
        title=title,
        abstract=abstract,
        authors=_authors(section.lines),
        categories=unique((main or "", group or "")),
        version=version,
        sources=(FORMAT,),
        extras={**_extras(fields), **extras(url=page_url(paper_id, url))},
    )


def _fields(lines: tuple[str, ...]) -> dict[str, str]:
    """The labelled fields of a paper, as plain text.

    A blank line ends a field, except the abstract, which may have paragraphs and ends only
    with the details block (a line starting `Result:` inside it is part of the abstract).
    """
    found: dict[str, list[str]] = {}
    current: str | None = None
    for line in lines:
        stripped = line.strip()
        if _BLOCK_TAG.fullmatch(stripped):
            current = None
            continue
        match = _FIELD.fullmatch(stripped) if current != "Abstract" else None
        if match:
            current = match["label"]
            found[current] = [match["text"]]
        elif current and (stripped or current == "Abstract"):
            found[current].append(stripped)
        else:
            current = None
    return {label: plain("\n".join(parts)) for label, parts in found.items()}


def _truncated(lines: tuple[str, ...]) -> bool:
    """A details block that opens and never closes: the file ends inside the abstract."""
    text = "\n".join(lines)
    return bool(_DETAILS_OPEN.search(text)) and not _DETAILS_CLOSE.search(text)


def _authors(lines: tuple[str, ...]) -> tuple[str, ...]:
    """The `*A,B,C*` line that comes before the labelled fields."""
    for line in lines:
        stripped = line.strip()
        if _FIELD.fullmatch(stripped) or _BLOCK_TAG.fullmatch(stripped):
            break
        match = _AUTHORS.fullmatch(stripped)
        if match:
            return _rejoin_split_names(split_authors(plain(match["names"])))
    return ()


def _rejoin_split_names(names: tuple[str, ...]) -> tuple[str, ...]:
    """Rejoin names the digest split at a comma: `Chun-Fu,Chen` is one author.

    Two one-word names in a row are far likelier one name cut in two than two authors who
    each go by a single name.
    """
    joined: list[str] = []
    i = 0
    while i < len(names):
        if i + 1 < len(names) and " " not in names[i] and " " not in names[i + 1]:
            joined.append(f"{names[i]} {names[i + 1]}")
            i += 2
        else:
            joined.append(names[i])
            i += 1
    return tuple(joined)


def _extras(fields: dict[str, str]) -> dict[str, object]:
    summary = {key: fields[label] for label, key in _SUMMARY_KEYS.items() if fields.get(label)}
    return extras(tldr_zh=fields.get("TL;DR"), summary_zh=summary or None)
