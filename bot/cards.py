"""The compact card of one paper that a shared arXiv link unfurls into, as plain data.

The card's parts are the search results' (bot/blocks.py): the linked title, the gist
(`snippet`: the source's TL;DR, else the abstract's first sentence), the authors, date and
categories. Its buttons are the search results'.
"""

from __future__ import annotations

from bot.blocks import (
    MORE_LIKE_THIS,
    NOT_INTERESTED,
    SAVE,
    byline,
    context_block,
    feedback_buttons,
    paper_title,
    section_block,
    snippet,
    withdrawn_mark,
)
from bot.mrkdwn import escape
from recommender.models import Paper

# The search results' buttons: one behaviour for each wherever it appears (a press on a
# card no search holds answers the presser with their own note and Undo).
CARD_ACTIONS = (MORE_LIKE_THIS, SAVE, NOT_INTERESTED)


def paper_card(paper: Paper, fans: int) -> dict:
    """The unfurl of a link to `paper` (a value of chat.unfurl's `unfurls`); `fans` is how
    many people of the workspace saved or liked it."""
    lines = [f"*{paper_title(paper)}*{withdrawn_mark(paper)}"]
    gist = snippet(paper)
    if gist:
        lines.append(escape(gist))
    about = [part for part in (byline(paper), _fans(fans)) if part]
    blocks = [section_block("\n".join(lines))]
    if about:
        blocks.append(context_block(" · ".join(about)))
    blocks.append({"type": "actions", "elements": feedback_buttons(paper, CARD_ACTIONS)})
    return {"blocks": blocks}


def _fans(count: int) -> str:
    if count <= 0:
        return ""
    return f"saved by {count} {'person' if count == 1 else 'people'} here"
