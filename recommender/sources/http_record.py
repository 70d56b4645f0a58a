"""Our recorded HTTP responses: `{"url", "status_code", "body"}` with the response in `body`.

A recording is unwrapped and its body parsed in whatever format it is in; a response that
was not a 200 becomes a rejection naming the URL and the status (and the server's message
when the body says one), never papers.
"""

from __future__ import annotations

import json
from typing import Any

from recommender.errors import FeedError, PapersError
from recommender.ids import clean_text
from recommender.models import Parsed, Rejection

FORMAT = "http-record"

_SNIFF_BYTES = 4096


def sniff(data: bytes) -> bool:
    """A JSON object that starts with the recording's `url` and `status_code` keys."""
    head = data[:_SNIFF_BYTES].lstrip()
    return head.startswith(b"{") and b'"url"' in head and b'"status_code"' in head


def parse(data: bytes, origin: str) -> Parsed:
    """The papers in the recorded body, or one rejection if the response was an error."""
    url, status, body = _unwrap(data, origin)
    if status != 200:
        return Parsed(rejected=(Rejection(origin, url, _failure(status, body, url)),))
    from recommender.sources import FORMATS, detect_format  # the registry imports this module

    return FORMATS[detect_format(body, url)].parse(body, origin)


def _unwrap(data: bytes, origin: str) -> tuple[str, int | None, bytes]:
    try:
        record = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise FeedError(origin, f"not a recorded response: {error}") from error
    if not isinstance(record, dict) or "body" not in record:
        raise FeedError(origin, "not a recorded response: no `body`")
    try:
        status = int(record.get("status_code"))
    except (TypeError, ValueError):
        status = None
    return str(record.get("url") or origin), status, body_bytes(record["body"])


def body_bytes(body: Any) -> bytes:
    """The response bytes a recording's body stands for.

    The recorder stored bodies as text decoded as Latin-1 while they were UTF-8 ("WÃ¼bben"
    for "Wübben"); encoding back to Latin-1 restores the original bytes. A body that does not
    round-trip that way was decoded correctly and is encoded as UTF-8. A body stored as JSON
    data (not text) is serialized again.
    """
    if not isinstance(body, str):
        return json.dumps(body).encode("utf-8")
    try:
        raw = body.encode("latin-1")
        raw.decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return body.encode("utf-8")
    return raw


def _failure(status: int | None, body: bytes, url: str) -> str:
    """`HTTP 400: <the server's message>`: the error entries of a feed, else the body's start."""
    from recommender.sources import FORMATS, detect_format

    detail = ""
    try:
        inner = FORMATS[detect_format(body, url)].parse(body, url)
        detail = "; ".join(rejection.reason for rejection in inner.rejected)
    except PapersError:
        pass
    detail = detail or clean_text(body[:200].decode("utf-8", errors="replace"))
    label = f"HTTP {status}" if status is not None else "no HTTP status"
    return f"{label}: {detail}" if detail else label
