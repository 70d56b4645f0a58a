from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from bot.errors import StaleButton, UsageError
from bot.search import SearchRequest, ShowHelp, parse_command
from recommender.engine import Filters

TODAY = date(2025, 10, 20)


def request(query: str, **filters) -> SearchRequest:
    """A search for `query`; `since` is given as a date, the first UTC instant of which it means."""
    if "since" in filters:
        filters["since"] = datetime.combine(filters["since"], datetime.min.time(), UTC)
    return SearchRequest(query=query, filters=Filters(**filters))


@pytest.mark.parametrize("text", ["", "   ", "help", "HELP", " help "])
def test_help(text: str) -> None:
    assert parse_command(text, today=TODAY) == ShowHelp()


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ("speculative decoding", SearchRequest(query="speculative decoding")),
        ("help me find lora", SearchRequest(query="help me find lora")),
        ("children's speech", SearchRequest(query="children's speech")),
        ("--cat cs.CL llm", request("llm", category="cs.CL")),
        ("llm --cat=hep-th", request("llm", category="hep-th")),
        ("llm --cat cs.cl", request("llm", category="cs.CL")),
        ("llm --cat CS", request("llm", category="cs")),
        ("llm --since 7d", request("llm", since=date(2025, 10, 13))),
        ("llm --since 2w", request("llm", since=date(2025, 10, 6))),
        ("llm --since 2025-07-01", request("llm", since=date(2025, 7, 1))),
        ('llm --author "Ada Lovelace"', request("llm", author="Ada Lovelace")),
        ("llm --author “Ada Lovelace”", request("llm", author="Ada Lovelace")),
        ('"exact phrase" rest', SearchRequest(query="exact phrase rest")),
        ("help --cat cs.CL", request("help", category="cs.CL")),
    ],
)
def test_search_requests(text: str, wanted: SearchRequest) -> None:
    assert parse_command(text, today=TODAY) == wanted


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("llm --cats cs.CL", "unknown option `--cats`"),
        ("llm --since", "`--since` needs a value"),
        ("llm --cat --since 7d", "`--cat` needs a value"),
        ("llm --since yesterday", "`--since yesterday`: use a number of days"),
        ("llm --since 2025-13-01", "`--since 2025-13-01`"),
        ("llm --since 2026-01-01", "is in the future"),
        ("llm --since 99999d", "`--since 99999d`"),
        ("llm --cat CS/CL", "`CS/CL` is not an arXiv category"),
        ("llm --cat cs.xyz", "`cs.xyz` is not an arXiv category: cs subject classes are two"),
    ],
)
def test_bad_flags_say_what_to_do(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message.replace("[", r"\[")):
        parse_command(text, today=TODAY)


@pytest.mark.parametrize(
    "wanted",
    [
        SearchRequest(query="llm"),
        request("llm", category="cs.CL", since=date(2025, 7, 1), author="Ada"),
        SearchRequest(like="2507.07186", offset=10),
    ],
)
def test_a_request_survives_the_store(wanted: SearchRequest) -> None:
    assert SearchRequest.decode(wanted.encode()) == wanted


def test_the_encoding_is_compact() -> None:
    second = replace(request("llm", since=date(2025, 7, 1)), offset=5)
    assert second.encode() == '{"v":1,"query":"llm","since":"2025-07-01","offset":5}'


def test_buttons_posted_before_the_request_held_filters_still_work() -> None:
    value = (
        '{"v":1,"query":"llm","category":"cs.CL","since":"2025-07-01","author":"Ada","offset":5}'
    )
    wanted = request("llm", category="cs.CL", since=date(2025, 7, 1), author="Ada")
    assert SearchRequest.decode(value) == replace(wanted, offset=5)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "2507.07186",
        "[1, 2]",
        '{"query": "llm", "offset": 5}',
        '{"v": 0, "query": "llm"}',
        '{"v": 1, "query": "llm", "page": 2}',
        '{"v": 1, "query": "llm", "since": "soon"}',
        '{"v": 1, "query": 42}',
        '{"v": 1, "query": "llm", "category": ["cs.CL"]}',
        '{"v": 1, "query": "llm", "offset": -5}',
        '{"v": 1, "query": "llm", "offset": "5"}',
    ],
)
def test_values_we_did_not_make_are_stale_buttons(value: str) -> None:
    with pytest.raises(StaleButton):
        SearchRequest.decode(value)
