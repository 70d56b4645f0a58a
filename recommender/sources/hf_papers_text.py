"""A Hugging Face papers page saved as text (seed `001`).

Chrome at the top ("Get trending papers in your email inbox!"), then each paper as a title
line with its abstract on the next line. The Subscribe button is glued to the first title
("SubscribeRISER: ..."); `hf_text` strips it. There are no ids, authors or dates: papers get
title ids.
"""

from __future__ import annotations

from recommender.models import Parsed
from recommender.sources import hf_text
from recommender.sources.textutil import decode

FORMAT = "hf-papers-text"


def sniff(data: bytes) -> bool:
    """Whether `data` is plain text with each abstract on the line right after its title."""
    return hf_text.layout(data) is hf_text.Layout.LINES


def parse(data: bytes, origin: str) -> Parsed:
    """The papers of the page; a title or abstract line without its partner is rejected."""
    return hf_text.parse_page(decode(data), origin, FORMAT)
