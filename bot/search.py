"""The search behind `/papers <query>`, "More like this" and "Next 5": parse, page, encode
(for `store.searches`, which result cards are rebuilt from: `bot.redraw`).

The ranking itself is `Engine.search` / `Engine.similar`, the same the CLI and the digest use;
this module only turns Slack text into a request and a request into one page of papers.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import date
from typing import Protocol

from bot.errors import StaleButton, UsageError
from recommender.categories import parse_category
from recommender.dates import InvalidSince, parse_since, utc_midnight
from recommender.engine import Filters, Results
from recommender.errors import InvalidCategory
from recommender.indexes import IndexSet
from recommender.models import Paper
from recommender.store import Store

PAGE_SIZE = 5
# The version of the encoded request in the store's searches; a change makes old ones stale.
STATE_VERSION = 1

_TOKEN = re.compile(r'"([^"]*)"|(\S+)')
_FLAGS = {"--since": "since", "--cat": "category", "--author": "author"}
_EXAMPLES = {"--since": "`--since 7d`", "--cat": "`--cat cs.CL`", "--author": '`--author "Ada"`'}
# Phones and Macs turn typed quotes into curly ones; `--author “Ada Lovelace”` must still work.
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"'})


class Searcher(Protocol):
    """What the listeners and /healthz need of `recommender.engine.Engine`."""

    def search(
        self, query: str, *, k: int = 10, offset: int = 0, filters: Filters | None = None
    ) -> Results: ...

    def similar(self, paper_id: str, *, k: int = 5, offset: int = 0) -> Results: ...

    def indexes(self) -> IndexSet: ...

    def is_current(self) -> bool: ...


@dataclass(frozen=True)
class ShowHelp:
    """`/papers`, `/papers help`: the command asks for the help message."""


@dataclass(frozen=True)
class SearchRequest:
    """One page of results: for a query with filters, or of papers like the paper `like`."""

    query: str | None = None
    like: str | None = None
    filters: Filters = Filters()
    offset: int = 0

    def next_page(self) -> SearchRequest:
        return replace(self, offset=self.offset + PAGE_SIZE)

    def encode(self) -> str:
        """The request as stored text: compact JSON of the fields that are set.

        The filters are flat `category`, `since` (a date) and `author` fields, as in the
        button values of before the request held a `Filters`.
        """
        since = self.filters.since.date().isoformat() if self.filters.since else None
        fields = {
            "query": self.query,
            "like": self.like,
            "category": self.filters.category,
            "since": since,
            "author": self.filters.author,
            "offset": self.offset,
        }
        state = {key: value for key, value in fields.items() if value}
        return json.dumps({"v": STATE_VERSION, **state}, separators=(",", ":"))

    @classmethod
    def decode(cls, value: str) -> SearchRequest:
        """The request `encode` made; StaleButton if the value is not one it made."""
        try:
            fields = json.loads(value)
            if not isinstance(fields, dict) or fields.pop("v", None) != STATE_VERSION:
                raise ValueError("not a state this version encodes")
            request = _from_state(**fields)
        except (ValueError, TypeError) as error:
            raise StaleButton("this button is from an older message; run the search again") from (
                error
            )
        if not request._well_typed():
            raise StaleButton("this button's value is damaged; run the search again")
        return request

    def _well_typed(self) -> bool:
        texts = (self.query, self.like, self.filters.category, self.filters.author)
        return all(text is None or isinstance(text, str) for text in texts) and (
            isinstance(self.offset, int) and self.offset >= 0
        )


def _from_state(
    query: str | None = None,
    like: str | None = None,
    category: str | None = None,
    since: str | None = None,
    author: str | None = None,
    offset: int = 0,
) -> SearchRequest:
    """The request of a button value's fields (TypeError for a field `encode` never writes)."""
    day = date.fromisoformat(since) if since is not None else None
    filters = Filters(category=category, since=utc_midnight(day) if day else None, author=author)
    return SearchRequest(query=query, like=like, filters=filters, offset=offset)


@dataclass(frozen=True)
class Page:
    """One page of results; `seed` is the paper of a "More like this" page; `total` how
    many papers match in all (None: not known; `complete` False: at least that many)."""

    request: SearchRequest
    papers: tuple[Paper, ...]
    has_more: bool
    seed: Paper | None = None
    total: int | None = None
    complete: bool = True


def parse_command(text: str, *, today: date) -> ShowHelp | SearchRequest:
    """The request in `/papers` text: `help`, or words with --since, --cat, --author flags."""
    words: list[str] = []
    flags: dict[str, str] = {}
    tokens = iter(_tokens(text))
    for token in tokens:
        name, _, inline = token.partition("=")
        if name not in _FLAGS:
            if token.startswith("--"):
                raise UsageError(f"unknown option `{name}`; use --since, --cat or --author")
            words.append(token)
            continue
        value = inline or next(tokens, "")
        if not value or value.startswith("--"):
            raise UsageError(f"`{name}` needs a value, e.g. {_EXAMPLES[name]}")
        flags[_FLAGS[name]] = value
    if not flags and [word.lower() for word in words] in ([], ["help"]):
        return ShowHelp()
    since = _since(flags["since"], today) if "since" in flags else None
    filters = Filters(
        category=_category(flags["category"]) if "category" in flags else None,
        since=utc_midnight(since) if since else None,
        author=flags.get("author"),
    )
    return SearchRequest(query=" ".join(words), filters=filters)


def _tokens(text: str) -> list[str]:
    """Words of `text`; a double-quoted stretch is one word (a lone quote is just a character)."""
    return [quoted or bare for quoted, bare in _TOKEN.findall(text.translate(_QUOTES))]


def _category(value: str) -> str:
    try:
        return parse_category(value)
    except InvalidCategory as error:
        raise UsageError(f"`{value}` is not an arXiv category: {error.reason}") from None


def _since(text: str, today: date) -> date:
    try:
        return parse_since(text, today=today)
    except InvalidSince as error:  # said to the person who typed it, as the other flags are
        raise UsageError(str(error)) from error


def run(engine: Searcher, store: Store, request: SearchRequest) -> Page:
    """One page of results for `request`, asking for one more to know whether a next exists."""
    k = PAGE_SIZE + 1
    if request.like:
        hits = engine.similar(request.like, k=k, offset=request.offset)
        seed = store.get(request.like)
    else:
        hits = engine.search(
            request.query or "", k=k, offset=request.offset, filters=request.filters
        )
        seed = None
    papers = tuple(hit.paper for hit in hits)
    more = len(papers) > PAGE_SIZE
    return Page(request, papers[:PAGE_SIZE], more, seed, hits.total, hits.complete)
