"""A Hugging Face "Daily Papers" page saved as text (seed `003`).

Chrome at the top (`new`, `Get trending papers...`, `Subscribe`, `Daily Papers`,
`byAK and the research community`, a date such as `Aug 11`), then each paper as a title
paragraph and an abstract paragraph, separated by blank lines. The date has no year, so
papers are not dated; there are no ids or authors: papers get title ids.
"""

from __future__ import annotations

from recommender.models import Parsed
from recommender.sources import hf_text
from recommender.sources.textutil import decode

FORMAT = "hf-daily-text"


def sniff(data: bytes) -> bool:
    """Whether `data` is plain text with titles and abstracts in blank-line paragraphs."""
    return hf_text.layout(data) is hf_text.Layout.PARAGRAPHS


def parse(data: bytes, origin: str) -> Parsed:
    """The papers of the page; a title or abstract without its partner is rejected."""
    return hf_text.parse_page(decode(data), origin, FORMAT)
