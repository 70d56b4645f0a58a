"""What the JSON formats share: reading JSON lines and arrays entry by entry.

A bad line in a JSON-lines file costs that line only; a JSON array cut off in transit keeps
the items that arrived whole. Either way the damage becomes a Rejection saying where.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from recommender.models import Rejection


def json_lines(data: bytes, origin: str) -> Iterator[tuple[str, dict[str, Any] | Rejection]]:
    """`("line N", object)` for each non-blank line, or a Rejection for a line that is not one.

    Lines are split on b"\\n" before decoding: JSON strings may hold U+2028, which
    `str.splitlines` would treat as a line end.
    """
    for number, raw in enumerate(data.split(b"\n"), start=1):
        entry = f"line {number}"
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
            yield entry, Rejection(origin, entry, f"not valid JSON: {error}")
            continue
        if not isinstance(record, dict):
            yield entry, Rejection(origin, entry, "not a JSON object")
            continue
        yield entry, record


def first_line_object(data: bytes) -> dict[str, Any] | None:
    """The first non-blank line as a JSON object, or None: what JSON-lines sniffers look at."""
    start = re.match(rb"\s*", data).end()  # no copy of a multi-gigabyte snapshot
    end = data.find(b"\n", start)
    line = data[start : end if end != -1 else len(data)]
    if not line.startswith(b"{"):
        return None
    try:
        record = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return record if isinstance(record, dict) else None


def json_array(text: str) -> Iterator[Any]:
    """The items of a top-level JSON array, one at a time.

    Raises json.JSONDecodeError (with line and column) where the text stops being a valid
    array, after yielding every item before that point.
    """
    decoder = json.JSONDecoder()
    pos = _skip_space(text, 0)
    if text[pos : pos + 1] != "[":
        raise json.JSONDecodeError("Expecting '['", text, pos)
    pos = _skip_space(text, pos + 1)
    if text[pos : pos + 1] == "]":
        return
    while True:
        item, pos = decoder.raw_decode(text, pos)
        yield item
        pos = _skip_space(text, pos)
        if text[pos : pos + 1] == "]":
            return
        if text[pos : pos + 1] != ",":
            raise json.JSONDecodeError("Expecting ',' or ']'", text, pos)
        pos = _skip_space(text, pos + 1)


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos
