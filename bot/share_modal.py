"""The *Share* modal: which conversation to post a paper in, and what a submission asks for.

The paper and who opened the modal ride in its private metadata, sealed (bot/sealed.py), so a
submission proves both: a tampered paper id, or someone else's modal, is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.blocks import TITLE_CHARS
from bot.errors import NotAllowed
from bot.mrkdwn import escape, truncate
from bot.sealed import NOT_YOURS, seal, unseal
from bot.settings_blocks import FormErrors
from bot.targets import is_direct_message
from recommender.models import Paper

SHARE_VIEW = "papers_share_view"
WHERE = "share_where"


@dataclass(frozen=True)
class ShareRequest:
    """Post `paper_id` in `channel`, as asked by the person who opened the modal."""

    paper_id: str
    channel: str


def share_modal(paper: Paper, *, opener: str, channel: str | None, key: bytes) -> dict:
    """The modal asking where to share `paper`, on the conversation it was opened from when
    that is a channel (else Slack's own guess of the current one)."""
    select = {"type": "conversations_select", "action_id": WHERE,
              "filter": {"include": ["public", "private"], "exclude_bot_users": True},
              "placeholder": _plain("Pick a channel")}  # fmt: skip
    if channel and not is_direct_message(channel):
        select["initial_conversation"] = channel
    else:
        select["default_to_current_conversation"] = True
    title = escape(truncate(paper.title, TITLE_CHARS))
    return {
        "type": "modal",
        "callback_id": SHARE_VIEW,
        "title": _plain("Share a paper"),
        "submit": _plain("Share"),
        "close": _plain("Cancel"),
        "private_metadata": seal({"paper": paper.id, "opener": opener}, key),
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*{title}*", "verbatim": True}},
            {"type": "input", "block_id": WHERE, "label": _plain("Post it in"), "element": select,
             "hint": _plain("Everyone there sees it, with your name; invite me there first.")},
        ],
    }  # fmt: skip


def read_share(view: dict, key: bytes, *, user: str) -> ShareRequest:
    """What a submitted share modal asks for: NotAllowed unless `user` opened it, FormErrors
    when no channel is picked."""
    data = unseal(view.get("private_metadata", ""), key)
    if data.get("opener") != user or not isinstance(data.get("paper"), str):
        raise NotAllowed(NOT_YOURS)
    values = view.get("state", {}).get("values", {})
    channel = values.get(WHERE, {}).get(WHERE, {}).get("selected_conversation")
    if not channel:
        raise FormErrors({WHERE: "Pick the channel to share the paper in."})
    return ShareRequest(data["paper"], channel)


def _plain(text: str) -> dict:
    return {"type": "plain_text", "text": text, "emoji": True}
