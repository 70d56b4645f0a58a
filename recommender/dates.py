"""Dates as people type them (`--since 7d`) and as the store compares them (UTC datetimes)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from recommender.errors import PapersError

_RELATIVE = re.compile(r"(\d{1,4})([dw])")


class InvalidSince(PapersError):
    """A `--since` value that is neither `7d`, `2w` nor a past date; the message says why."""


def parse_since(text: str, *, today: date) -> date:
    """`7d`, `2w` (days or weeks before `today`) or an ISO date like `2025-07-01`."""
    relative = _RELATIVE.fullmatch(text)
    if relative:
        days = int(relative[1]) * (7 if relative[2] == "w" else 1)
        return today - timedelta(days=days)
    try:
        since = date.fromisoformat(text)
    except ValueError as error:
        raise InvalidSince(
            f"`--since {text}`: use a number of days or weeks (`7d`, `2w`) or a date (2025-07-01)"
        ) from error
    if since > today:
        raise InvalidSince(f"`--since {text}` is in the future")
    return since


def utc_midnight(day: date) -> datetime:
    """The start of `day` in UTC, as the store's timestamps are kept."""
    return datetime.combine(day, time(), UTC)
