"""The *Search papers* modal (a global shortcut): a query and the `/papers` filters, as
fields, and what a submission asks for.

Its results go to the person's direct message with the app, not into the modal: the
buttons under results (*Next 5*, *More like this*, *Save*) answer through the message
they are in, which a modal is not, and the results stay there to come back to.
"""

from __future__ import annotations

from datetime import date

from bot.search import SearchRequest
from bot.settings_blocks import FormErrors
from recommender.categories import parse_category
from recommender.dates import InvalidSince, parse_since, utc_midnight
from recommender.engine import Filters
from recommender.errors import InvalidCategory

SEARCH_VIEW = "papers_search_view"
QUERY, CATEGORY, SINCE, AUTHOR = "search_query", "search_category", "search_since", "search_author"
# A query longer than this says more than the search reads (the dense model's window).
QUERY_CHARS = 500
FILTER_CHARS = 100
SINCE_HINT = "7d, 2w or a date such as 2025-07-01."
AUTHOR_HINT = "Only papers with an author whose name contains this."


def search_modal() -> dict:
    """The empty search form."""
    return {
        "type": "modal",
        "callback_id": SEARCH_VIEW,
        "title": _plain("Search papers"),
        "submit": _plain("Search"),
        "close": _plain("Cancel"),
        "blocks": [
            _field(QUERY, "What to look for", QUERY_CHARS, "speculative decoding for LLMs", ""),
            _field(CATEGORY, "arXiv category", FILTER_CHARS, "cs.CL", "Only papers in it."),
            _field(SINCE, "Published since", FILTER_CHARS, "7d", SINCE_HINT),
            _field(AUTHOR, "Author", FILTER_CHARS, "Ada Lovelace", AUTHOR_HINT),
        ],
    }


def read_search(values: dict, *, today: date) -> SearchRequest:
    """The search a submitted form asks for; FormErrors names each field that cannot be used."""
    query, category, since, author = (_value(values, b) for b in (QUERY, CATEGORY, SINCE, AUTHOR))
    errors: dict[str, str] = {}
    if not query:
        errors[QUERY] = "Type a few words to search for."
    try:
        category = parse_category(category) if category else None
    except InvalidCategory as error:
        errors[CATEGORY] = f"Not an arXiv category: {error.reason}"
    try:
        day = parse_since(since, today=today) if since else None
    except InvalidSince as error:
        errors[SINCE] = str(error)
    if errors:
        raise FormErrors(errors)
    filters = Filters(category=category, since=utc_midnight(day) if day else None,
                      author=author or None)  # fmt: skip
    return SearchRequest(query=query, filters=filters)


def _value(values: dict, block: str) -> str:
    return " ".join(str(values.get(block, {}).get(block, {}).get("value") or "").split())


def _field(block: str, label: str, limit: int, placeholder: str, hint: str) -> dict:
    element = {"type": "plain_text_input", "action_id": block, "max_length": limit,
               "placeholder": _plain(placeholder)}  # fmt: skip
    field = {"type": "input", "block_id": block, "label": _plain(label),
             "optional": block != QUERY, "element": element}  # fmt: skip
    if hint:
        field["hint"] = _plain(hint)
    return field


def _plain(text: str) -> dict:
    return {"type": "plain_text", "text": text, "emoji": True}
