"""Checks every message against Block Kit's limits and our rule that feed text is inert."""

from __future__ import annotations

import re
from collections.abc import Iterator

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

# https://docs.slack.dev/reference/block-kit/blocks and .../block-elements/button-element
MAX_BLOCKS = 50
MAX_VIEW_BLOCKS = 100  # a modal or Home tab (.../surfaces/app-home)
MAX_TEXT = 3000
MAX_BUTTON_LABEL = 75
MAX_BUTTON_VALUE = 2000
MAX_ACTION_ID = 255
MAX_CONTEXT_ELEMENTS = 10
MAX_ACTIONS_ELEMENTS = 25

# The only control sequences the app writes: links to arXiv abstract pages, and to arXiv's
# search for the exact title of a paper known by its title alone.
OUR_LINK = re.compile(r"<https://arxiv\.org/(?:abs/|search/\?)[^|<>\s]+\|[^<>]+>")


def texts(message: dict) -> Iterator[dict]:
    """Every text object in the message's blocks."""
    for block in message["blocks"]:
        if "text" in block:
            yield block["text"]
        for element in block.get("elements", []):
            yield element.get("text", element) if element["type"] == "button" else element


def check_limits(message: dict, *, max_blocks: int = MAX_BLOCKS) -> None:
    """Fail if Slack would refuse `message` (sizes and counts of blocks, texts and buttons)."""
    blocks = message["blocks"]
    assert 0 < len(blocks) <= max_blocks
    for block in blocks:
        if block["type"] == "context":
            assert 0 < len(block["elements"]) <= MAX_CONTEXT_ELEMENTS
        if block["type"] == "actions":
            assert 0 < len(block["elements"]) <= MAX_ACTIONS_ELEMENTS
        accessory = [block["accessory"]] if "accessory" in block else []
        for button in [*block.get("elements", []), *accessory]:
            if button["type"] == "button":
                assert 0 < len(button["text"]["text"]) <= MAX_BUTTON_LABEL
                assert 0 < len(button["value"]) <= MAX_BUTTON_VALUE
                assert 0 < len(button["action_id"]) <= MAX_ACTION_ID
                assert 0 < len(button.get("accessibility_label", "-")) <= MAX_BUTTON_LABEL
        # slack_sdk's own model of the block: required fields, types and its known limits.
        Block.parse(block).validate_json()
    for text in texts(message):
        assert 0 < len(text["text"]) <= MAX_TEXT, text["text"][:80]


def check_view(view: dict) -> None:
    """Fail if Slack would refuse the modal or Home tab `view` (slack_sdk's view model too)."""
    check_limits(view, max_blocks=MAX_VIEW_BLOCKS)
    View(**view).validate_json()


def check_inert(message: dict, *, mentions: tuple[str, ...] = ()) -> None:
    """No text can ping or link: no `<` but our own arXiv links and the mentions of these
    verified user ids, and Slack adds none (verbatim)."""
    for text in texts(message):
        if text["type"] == "mrkdwn":
            assert text.get("verbatim") is True, text
            _no_control_sequences(text["text"], mentions)
    _no_control_sequences(message["text"], mentions)


def _no_control_sequences(text: str, mentions: tuple[str, ...] = ()) -> None:
    leftover = OUR_LINK.sub("", text)
    for user in mentions:
        leftover = leftover.replace(f"<@{user}>", "")
    assert "<" not in leftover and ">" not in leftover, text
