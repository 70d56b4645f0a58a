"""Markdown and HTML helpers shared by the Markdown digest parsers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from recommender.ids import clean_text

_BADGE = re.compile(r"!\[[^\]]*\]\((?P<url>https?://img\.shields\.io/badge/[^)\s]*)\)")
_IMAGE = re.compile(r"!\[(?P<alt>[^\]]*)\]\([^)\s]*\)")
_LINK = re.compile(r"\[(?P<text>[^\]]*)\]\((?P<url>[^)\s]*)\)")
_WHOLE_LINK = re.compile(r"\[(?P<text>.*)\]\((?P<url>[^)\s]*)\)")
# Only the tags digests wrap text in, with attributes as HTML writes them (name="value", or
# `open`): a looser pattern would eat "a <b and c> d" or "$a<b$ and $c>d$" in an abstract.
_TAG = re.compile(
    r"</?(?:details|summary|div|span|p|br|hr|a|b|i|em|strong|sup|sub|code)"
    r"(?:\s+(?:open|[\w:-]+\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'<>=`]+)))*\s*/?>",
    re.IGNORECASE,
)
# Inline math, where `<` and `>` are comparisons, never tags.
_MATH = re.compile(r"(\$[^$]*\$)")
_BOLD = re.compile(r"\*\*(.+?)\*\*")


@dataclass(frozen=True)
class Section:
    """A heading line and the lines under it up to the next heading; `lineno` is 1-based."""

    lineno: int
    heading: str
    lines: tuple[str, ...]


def sections(text: str, heading: re.Pattern[str]) -> list[Section]:
    """Split `text` at the lines `heading` matches; lines before the first heading are dropped."""
    found: list[Section] = []
    start, title, body = 0, None, []
    for lineno, line in enumerate(text.split("\n"), start=1):
        if heading.match(line):
            if title is not None:
                found.append(Section(start, title, tuple(body)))
            start, title, body = lineno, line, []
        elif title is not None:
            body.append(line)
    if title is not None:
        found.append(Section(start, title, tuple(body)))
    return found


def badge_word(url: str) -> str:
    """The text a shields.io static badge shows: `LLM` for `.../badge/LLM-FF8C00`.

    A static badge path is `<label>-<message>-<color>` or `<message>-<color>`; in it `--` is a
    dash, `__` an underscore and `_` or `%20` a space (https://shields.io/badges/static-badge).
    """
    path = unquote(urlsplit(url).path.split("/badge/", 1)[-1])
    path = re.sub(r"\.(?:svg|png)$", "", path)
    parts = path.replace("--", "\0").replace("__", "\1").split("-")
    words = parts[:-1] if len(parts) > 1 else parts  # the last part is the colour
    text = " ".join(words).replace("_", " ")
    return text.replace("\0", "-").replace("\1", "_").strip()


def link(markdown: str) -> tuple[str, str | None]:
    """The text and target of a Markdown link that is the whole of `markdown`, else (it, None)."""
    match = _WHOLE_LINK.fullmatch(markdown.strip())
    return (match["text"], match["url"]) if match else (markdown, None)


def plain(markdown: str) -> str:
    """Markdown reduced to its words, on one line.

    Badges become the word they stand for, images their alt text, links their text; HTML tags
    and bold markers go. Single `*` and `_` stay: abstracts use them in LaTeX (`$k_{cat}$`).
    """
    text = _BADGE.sub(lambda m: badge_word(m["url"]), markdown)
    text = _IMAGE.sub(lambda m: m["alt"], text)
    text = _LINK.sub(lambda m: m["text"], text)
    text = "".join(
        part if part.startswith("$") else _TAG.sub(" ", part) for part in _MATH.split(text)
    )
    return clean_text(_BOLD.sub(r"\1", text))
