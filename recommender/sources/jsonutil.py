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

# Sniffers read the first item of a JSON array from this much of the file.
SNIFF_BYTES = 1 << 20


def json_lines(data: bytes, origin: str) -> Iterator[tuple[str, dict[str, Any] | Rejection]]:
    """`("line N", object)` for each non-blank line, or a Rejection for a line that is not one.

    A line holding several objects with nothing between them (`{...}{...}`, as some tools
    write) gives each, as `line N, object K` from the second on. Lines are split on b"\\n"
    before decoding: JSON strings may hold U+2028, which `str.splitlines` would treat as a
    line end.
    """
    for number, raw in enumerate(data.split(b"\n"), start=1):
        entry = f"line {number}"
        if not raw.strip():
            continue
        try:
            records = _objects(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
            yield entry, Rejection(origin, entry, f"not valid JSON: {error}")
            continue
        for count, record in enumerate(records, start=1):
            where = entry if count == 1 else f"{entry}, object {count}"
            if not isinstance(record, dict):
                yield where, Rejection(origin, where, "not a JSON object")
                continue
            yield where, record


def _objects(line: str) -> list[Any]:
    """The JSON values of one line: one, or several objects written back to back."""
    decoder = json.JSONDecoder()
    values, pos = [], _skip_space(line, 0)
    while True:
        value, pos = decoder.raw_decode(line, pos)
        values.append(value)
        pos = _skip_space(line, pos)
        if pos == len(line):
            return values
        if line[pos] != "{" or not isinstance(value, dict):
            raise json.JSONDecodeError("Extra data", line, pos)


def wrong_type(record: dict[str, Any], types: dict[str, type | tuple[type, ...]]) -> str | None:
    """Why `record` is not as its format writes it (`title is a number, not text`), or None.

    A key that is absent or null is not checked: formats leave out what they do not have.
    """
    for key, expected in types.items():
        value = record.get(key)
        if value is not None and not isinstance(value, expected):
            return f"{key} is {_kind(value)}, not {_kind_of(expected)}"
    return None


_KINDS = {bool: "true/false", int: "a number", float: "a number", str: "text"}
_KINDS |= {list: "a list", dict: "an object"}


def _kind(value: Any) -> str:
    return _KINDS.get(type(value), type(value).__name__)


def _kind_of(expected: type | tuple[type, ...]) -> str:
    kinds = expected if isinstance(expected, tuple) else (expected,)
    return " or ".join(dict.fromkeys(_KINDS.get(kind, kind.__name__) for kind in kinds))


def first_line_object(data: bytes) -> dict[str, Any] | None:
    """The first JSON object of the first non-blank line, or None: what JSON-lines sniffers
    look at."""
    start = re.match(rb"\s*", data).end()  # no copy of a multi-gigabyte snapshot
    end = data.find(b"\n", start)
    line = data[start : end if end != -1 else len(data)]
    if not line.startswith(b"{"):
        return None
    try:
        record, _ = json.JSONDecoder().raw_decode(line.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return record if isinstance(record, dict) else None


def first_array_item(data: bytes) -> Any:
    """The first item of a JSON array that opens `data` (read from its start only), or
    None: what sniffers of one-array files look at."""
    start = re.match(rb"\s*", data).end()
    if data[start : start + 1] != b"[":
        return None
    text = data[start + 1 : start + SNIFF_BYTES].decode("utf-8", errors="ignore")
    try:
        item, _ = json.JSONDecoder().raw_decode(text, _skip_space(text, 0))
    except json.JSONDecodeError:
        return None
    return item


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
