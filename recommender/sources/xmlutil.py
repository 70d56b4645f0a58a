"""What the XML feed parsers share: safe incremental reading and text of child elements.

Feeds are read with defusedxml, which refuses entity declarations (billion laughs, external
entities). Reading is incremental so that a response cut off in transit still yields the
entries that arrived whole, plus a rejection saying where and why the document broke off.
"""

from __future__ import annotations

import io
import re
from collections.abc import Collection
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from recommender.errors import FeedError
from recommender.ids import clean_text
from recommender.models import Rejection

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
DC = "{http://purl.org/dc/elements/1.1/}"

# Sniffers look at the start of a document only: the root element and its namespaces.
SNIFF_BYTES = 4096


def collect(
    data: bytes, origin: str, tags: Collection[str]
) -> tuple[list[Element], Rejection | None]:
    """The complete elements named in `tags`, in document order, and why reading stopped early.

    A tag `{*}item` matches `item` in any namespace (or none).

    Returns the elements that closed before any parse error, and a Rejection naming the line
    and column of the error (None when the whole document parsed). Raises FeedError when the
    document declares entities, which we never expand.
    """
    found: list[Element] = []
    try:
        for _event, element in SafeET.iterparse(io.BytesIO(data), events=("end",)):
            if element.tag in tags or f"{{*}}{local_name(element.tag)}" in tags:
                found.append(element)
    except ParseError as error:
        line, column = error.position
        message = re.sub(r": line \d+, column \d+$", "", str(error))
        reason = f"XML broken off or malformed: {message}"
        return found, Rejection(origin, f"line {line}, column {column}", reason)
    except DefusedXmlException as error:
        raise FeedError(origin, f"refused unsafe XML: {error}") from error
    return found, None


def local_name(tag: str) -> str:
    """`item` for `{http://purl.org/rss/1.0/}item` and for `item`."""
    return tag.rpartition("}")[2]


def text(element: Element | None, path: str) -> str:
    """The white-space-collapsed text of the first `path` under `element`, or ""."""
    if element is None:
        return ""
    return clean_text(element.findtext(path) or "")


def texts(element: Element, path: str) -> list[str]:
    """The non-empty, white-space-collapsed texts of every `path` under `element`."""
    return [t for t in (clean_text(e.text or "") for e in element.findall(path)) if t]


def head(data: bytes) -> str:
    """The start of an XML document as text, for sniffing; "" if `data` is not XML.

    Only a document whose first character is `<` counts: JSON that quotes XML (our recorded
    responses) must not be claimed by an XML format.
    """
    start = data[:SNIFF_BYTES].removeprefix(b"\xef\xbb\xbf").lstrip()
    return start.decode("utf-8", errors="replace") if start.startswith(b"<") else ""
