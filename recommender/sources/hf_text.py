"""The layout Hugging Face paper pages have when saved as text: page chrome, then each paper
as a title line followed by an abstract line.

The papers page (`hf-papers-text`) puts the abstract on the line right after its title; the
Daily Papers page (`hf-daily-text`) puts a blank line between them. Both are read the same
way: every non-blank line that is not chrome is a title or an abstract, told apart by length
and a final full stop, and paired in order. A line left without its partner is rejected,
never glued to a neighbour.
"""

from __future__ import annotations

import re
from enum import Enum

from recommender.ids import clean_text, title_id
from recommender.models import Paper, Parsed, Rejection
from recommender.sources.textutil import head, snippet

# Page chrome, as whole lines. The date line ("Aug 11") has no year, so it cannot date papers.
_CHROME = re.compile(
    r"new|Subscribe|Daily Papers|byAK and the research community"
    r"|Get trending papers in your email inbox.*"
    r"|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* \d{1,2}(?:, \d{4})?"
)
# The papers page glues its Subscribe button to the first title: "SubscribeRISER: ...".
_GLUED_SUBSCRIBE = re.compile(r"Subscribe(?=[A-Z0-9\"'(\[])")
# Lines that start like Markdown, HTML or XML: then the file is not a page saved as text.
_MARKUP = re.compile(r"^(?:#{1,6}\s|>|<[A-Za-z!?/]|\*\*\w)", re.MULTILINE)
# Pairs must account for most content lines before a file is taken for a page: a CSV header
# above a long row would otherwise look like one title and abstract.
_MIN_PAIRED_SHARE = 0.6


class Layout(Enum):
    """Where a page puts an abstract relative to its title."""

    LINES = "next line"
    PARAGRAPHS = "after a blank line"


def looks_like_abstract(line: str) -> bool:
    """Whether a content line is an abstract rather than a title.

    In the seeds titles run to 19 words and abstracts start at 107. Between the clear cases
    the last character decides: abstracts end in a full stop, titles almost never do (while
    "Are We There Yet? A Measurement Study..." shows a sentence break proves nothing).
    """
    words = len(line.split())
    if words >= 40:
        return True
    if words < 12:
        return False
    return line.rstrip().endswith(".")


def content_lines(text: str) -> list[tuple[int, str]]:
    """The (1-based line number, text) of every line that is neither blank nor chrome."""
    found = []
    for lineno, raw in enumerate(text.split("\n"), start=1):
        line = clean_text(raw)
        if not line or _CHROME.fullmatch(line):
            continue
        if _GLUED_SUBSCRIBE.match(line):
            line = line.removeprefix("Subscribe")
        found.append((lineno, line))
    return found


def layout(data: bytes) -> Layout | None:
    """How titles and abstracts are laid out in `data`, or None if it is not such a page."""
    text = head(data)
    if text.lstrip()[:1] in ("{", "[", "<") or _MARKUP.search(text):
        return None
    lines = content_lines(text)
    adjacent = separated = 0
    for (title_no, title), (abstract_no, abstract) in zip(lines, lines[1:], strict=False):
        if not looks_like_abstract(title) and looks_like_abstract(abstract):
            if abstract_no == title_no + 1:
                adjacent += 1
            else:
                separated += 1
    if 2 * (adjacent + separated) < _MIN_PAIRED_SHARE * len(lines) or adjacent == separated:
        return None
    return Layout.LINES if adjacent > separated else Layout.PARAGRAPHS


def parse_page(text: str, origin: str, fmt: str) -> Parsed:
    """Pair each title line with the abstract line after it; reject lines left unpaired."""
    papers: list[Paper] = []
    rejected: list[Rejection] = []
    title: tuple[int, str] | None = None
    for lineno, line in content_lines(text):
        if not looks_like_abstract(line):
            if title:
                rejected.append(_no_abstract(origin, *title))
            title = (lineno, line)
        elif title is None:
            reason = f"abstract with no title before it: {snippet(line)}"
            rejected.append(Rejection(origin, f"line {lineno}", reason))
        else:
            papers.append(
                Paper(id=title_id(title[1]), title=title[1], abstract=line, sources=(fmt,))
            )
            title = None
    if title:
        rejected.append(_no_abstract(origin, *title))
    return Parsed(papers=tuple(papers), rejected=tuple(rejected))


def _no_abstract(origin: str, lineno: int, title: str) -> Rejection:
    return Rejection(origin, f"line {lineno}", f"title with no abstract after it: {snippet(title)}")
