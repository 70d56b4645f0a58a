"""Digests on the console: the Slack messages as plain text, for `papers run-once` without Slack.

`ConsoleOutlet` is an outlet of `recommender.delivery.Deliverer`, which keeps the same
delivery ledger as for Slack (a digest printed is a digest delivered, so running twice
prints once); `recommender.delivery.DryRun` prints through it and writes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from bot.blocks import BlockKitDigests
from recommender.delivery import failure_reason

RULE = "─" * 60
_LINK = re.compile(r"<([^|<>]+)\|([^<>]*)>")
_BOLD = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")


def render_text(blocks: list[dict]) -> str:
    """Block Kit blocks as they read in Slack, in plain text: links as `label <url>`."""
    lines: list[str] = []
    for block in blocks:
        kind = block["type"]
        if kind == "header":
            title = block["text"]["text"]
            lines += [title, "═" * len(title)]
        elif kind == "section":
            lines.append(plain(block["text"]["text"]))
        elif kind == "context":
            for element in block["elements"]:
                lines += ["  " + line for line in plain(element["text"]).splitlines()]
        elif kind == "actions":
            lines.append("  " + "  ".join(f"[{e['text']['text']}]" for e in block["elements"]))
        elif kind == "divider":
            lines.append(RULE)
    return "\n".join(lines)


def plain(mrkdwn: str) -> str:
    """Slack mrkdwn as plain text: links spelled out, bold marks dropped, entities undone."""
    text = _LINK.sub(lambda match: f"{match[2]} <{match[1]}>", mrkdwn)
    text = _BOLD.sub(r"\1", text)
    # `&amp;` last, so that an escaped `&lt;` in the source stays `&lt;` in the output.
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


class ConsoleOutlet(BlockKitDigests):
    """Prints each Slack message as plain text, under a line naming whom it is for."""

    def __init__(self, out: Callable[[str], None]) -> None:
        self.out = out

    def post(self, target: str, message: dict, head: dict | None) -> dict:
        """Print it; a message under the header (in Slack, in its thread) is marked so."""
        to = f"── to {target}{' (thread)' if head is not None else ''} "
        self.out(to + "─" * max(0, 60 - len(to)))
        self.out(render_text(message["blocks"]) + "\n")
        return {"console": True}

    def find(self, target: str, message: dict, since: datetime, head: dict | None) -> dict | None:
        """Printed output cannot be looked up: a message claimed but not recorded is printed
        again."""
        return None

    def paper_message(self, target: str, post: dict, paper_id: str) -> None:
        """No one reacts to printed output."""
        return None

    def reason(self, error: Exception) -> str:
        return failure_reason(error)

    def permanent(self, error: Exception) -> bool:
        """Printing cannot fail for good: every failure is tried again."""
        return False

    def tell_owner(self, owner: str, target: str, reason: str) -> None:
        self.out(f"── to {owner}: the digests of {target} cannot be delivered: {reason}")
