"""Where a Slack conversation is, as the targets see it (bot/targets.py): pure, no Slack."""

from __future__ import annotations

import pytest

from bot.targets import is_direct_message


@pytest.mark.parametrize(
    ("channel_id", "direct"),
    [("DU0ALICE", True), ("D0123ABCD", True), ("C0GENERAL", False), ("G0PRIVATE", False)],
)
def test_direct_messages_are_told_from_channels(channel_id: str, direct: bool) -> None:
    assert is_direct_message(channel_id) is direct
