"""The compact card of one paper, as plain data: what a shared arXiv link unfurls into, and
what *Share* posts in a channel.

The card's parts are the search results' (bot/blocks.py): the linked title, the gist
(`snippet`: the source's TL;DR, else the abstract's first sentence), the authors, date and
categories, and who here saved or liked it. Its buttons are the search results', and
*Share* (bot/listeners/actions/share.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.blocks import (
    MORE_LIKE_THIS,
    NOT_INTERESTED,
    SAVE,
    TITLE_CHARS,
    byline,
    context_block,
    feedback_buttons,
    paper_title,
    section_block,
    share_button,
    snippet,
    withdrawn_mark,
)
from bot.mrkdwn import escape, truncate
from bot.targets import parse_target, people_prefix
from recommender.models import Paper
from recommender.store import Store

# The search results' buttons: one behaviour for each wherever it appears (a press on a
# card no search holds answers the presser with their own note and Undo).
CARD_ACTIONS = (MORE_LIKE_THIS, SAVE, NOT_INTERESTED)
# At most this many of those who saved or liked a paper are named on its card.
NAMED_FANS = 5


@dataclass(frozen=True)
class Fans:
    """How many people of a workspace saved or liked a paper, and the user ids of those
    (at most NAMED_FANS) who let the workspace see it."""

    count: int
    named: tuple[str, ...] = ()


def fans_of(store: Store, team: str, paper_id: str) -> Fans:
    """Who of workspace `team` saved or liked `paper_id`: never anyone of another workspace."""
    prefix = people_prefix(team)
    named = store.profiles.visible_fans(paper_id, prefix=prefix, limit=NAMED_FANS)
    return Fans(store.profiles.fans(paper_id, prefix=prefix),
                tuple(parse_target(target).id for target in named))  # fmt: skip


def paper_card(paper: Paper, fans: Fans) -> dict:
    """The unfurl of a link to `paper` (a value of chat.unfurl's `unfurls`)."""
    return {"blocks": _card_blocks(paper, fans, [])}


def shared_card(paper: Paper, fans: int, sharer: str) -> dict:
    """The message *Share* posts: the card, "shared by" the person (a user id from Slack's
    signed payload), as the root of a thread to discuss it in.

    It counts the `fans` but names none: a mention in a posted message notifies the person
    named, and a share should not ping everyone who once saved the paper."""
    shared = context_block(f"shared by <@{sharer}> · Discuss in thread")
    text = f"{escape(truncate(paper.title, TITLE_CHARS))} (shared by <@{sharer}>)"
    return {"text": text, "blocks": _card_blocks(paper, Fans(fans), [shared])}


def _card_blocks(paper: Paper, fans: Fans, extra: list[dict]) -> list[dict]:
    lines = [f"*{paper_title(paper)}*{withdrawn_mark(paper)}"]
    gist = snippet(paper)
    if gist:
        lines.append(escape(gist))
    about = [part for part in (byline(paper), _fans(fans)) if part]
    blocks = [section_block("\n".join(lines))]
    if about:
        blocks.append(context_block(" · ".join(about)))
    buttons = [*feedback_buttons(paper, CARD_ACTIONS), share_button(paper)]
    return [*blocks, *extra, {"type": "actions", "elements": buttons}]


def _fans(fans: Fans) -> str:
    if fans.count <= 0:
        return ""
    said = f"saved by {fans.count} {'person' if fans.count == 1 else 'people'} here"
    if not fans.named:
        return said
    return f"{said}: {', '.join(f'<@{user}>' for user in fans.named)}"
