"""`--since` as people type it, and dates as the store compares them."""

from datetime import UTC, date, datetime

import pytest

from recommender.dates import InvalidSince, parse_since, utc_midnight

TODAY = date(2025, 10, 20)


def test_parse_since_counts_back_from_today() -> None:
    assert parse_since("1d", today=TODAY) == date(2025, 10, 19)
    assert parse_since("1w", today=TODAY) == date(2025, 10, 13)
    assert parse_since("2025-07-01", today=TODAY) == date(2025, 7, 1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("yesterday", "`--since yesterday`: use a number of days"),
        ("2025-13-01", "`--since 2025-13-01`"),
        ("2026-01-01", "is in the future"),
        ("99999d", "`--since 99999d`"),
    ],
)
def test_a_bad_since_says_what_to_type(text: str, message: str) -> None:
    with pytest.raises(InvalidSince, match=message):
        parse_since(text, today=TODAY)


def test_utc_midnight() -> None:
    assert utc_midnight(date(2025, 7, 1)) == datetime(2025, 7, 1, tzinfo=UTC)
